// The runner's console view of a run: a header once, one row per finished epoch, an in-place
// progress line on a terminal, a summary. A view of the report's data, nothing more.
#ifndef CIFARBENCH_CORE_CONSOLE_H_
#define CIFARBENCH_CORE_CONSOLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "proto/report.pb.h"

namespace cifarbench {

// "epoch | train_loss | val_loss | train_acc | val_acc | ema_val_acc | time" and its rule.
std::string EpochTableHeader();
// One row; values not evaluated this epoch print as "-".
std::string EpochTableRow(const v1::EpochRow& row);
// "step 12/48  loss 1.2345  3.2s" (no newline).
std::string ProgressLine(int64_t step, int64_t steps, double loss, double elapsed_s);

// Aggregates of the OK runs of one recipe.
v1::Aggregate Aggregate(const std::string& recipe, double target_accuracy,
                        const std::vector<const v1::RunReport*>& runs);

// "hlb_record: 3 runs, headline accuracy 94.01% ± 0.12%, train_s 6.20 ± 0.05 s, ..."
std::string SummaryLine(const v1::Aggregate& aggregate);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CONSOLE_H_
