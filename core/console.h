// The runner's console view of a run: a header once, one row per finished epoch, an in-place
// progress line on a terminal, a summary. A view of the report's data, nothing more.
#ifndef CIFARBENCH_CORE_CONSOLE_H_
#define CIFARBENCH_CORE_CONSOLE_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "proto/report.pb.h"

namespace cifarbench {

// "epoch | train_loss | val_loss | train_acc | val_acc | ema_val_acc | time" and its rule.
std::string EpochTableHeader();
// One row; values not evaluated this epoch print as "-".
std::string EpochTableRow(const v1::EpochRow& row);
// "step 12/48  loss 1.2345  3.2s" (no newline).
std::string ProgressLine(int64_t step, int64_t steps, double loss, double elapsed_s);

// The aggregate (core/aggregate.h) in one line:
// "hlb_record: 3 runs, headline accuracy 94.01% ± 0.12%, train_s 6.20 ± 0.05 s, ..."
std::string SummaryLine(const v1::Aggregate& aggregate);

// Everything the runner shows, in one place (core/runner.cc prints nothing itself): the
// network line, notices (warm-up, profile, runs not started), each run's header and epoch
// table, its progress line, its result line, and the recipe's summary. With `progress` (a
// terminal) the progress line is redrawn in place and cleared before any other line.
class ConsoleReporter {
 public:
  ConsoleReporter(std::FILE* out, bool progress) : out_(out), progress_(progress) {}

  bool wants_progress() const { return progress_; }
  // "network: 1972792 parameters (1971352 trained), 118.1 MMAC forward per image"; nothing
  // when the cost was not counted.
  void Network(const v1::NetworkCost& cost);
  // One line as given ("warm-up: done in 1.23 s"); the newline is added.
  void Notice(absl::string_view line);
  // "\nhlb_record run 1/5 (plugin hlb, seed 0, device cuda:0)" and the table's header.
  void RunHeader(const v1::RunReport& report, int run, int runs, absl::string_view device);
  void Progress(int64_t step, int64_t steps, double loss, double elapsed_s);
  void Epoch(const v1::EpochRow& row);
  // "run 1: headline accuracy (ema+flip_tta) 94.12%, train_s ..." or "run 1: FAILED: why".
  void RunResult(int run, const v1::RunReport& report);
  void Summary(const v1::Aggregate& aggregate);

 private:
  void Line(const std::string& text);  // clears a showing progress line first; flushes
  std::FILE* out_;
  bool progress_;
  bool progress_shown_ = false;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CONSOLE_H_
