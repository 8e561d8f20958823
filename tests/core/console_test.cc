// core/console: the summary line of a recipe's aggregate, and the console reporter through which
// the runner prints.
#include "core/console.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(SummaryLineTest, TheAggregateInOneLine) {
  // The aggregate of aggregate_test.cc's ten H200 runs of hlb_record and one FAILED run.
  v1::Aggregate a;
  a.set_recipe("hlb_record");
  a.set_runs(11);
  a.set_ok_runs(10);
  a.set_target_accuracy(0.94);
  a.set_accuracy_mean(0.94124);
  a.set_accuracy_std(0.0011);
  a.set_accuracy_min(0.9387);
  a.set_accuracy_max(0.9430);
  a.set_accuracy_ci95_low(0.9403807772394919);
  a.set_accuracy_ci95_high(0.9420992227605081);
  a.set_p_value_above_target(0.004882812559108897);
  a.set_fraction_at_target(0.8);
  a.set_train_s_mean(2.6019);
  a.set_train_s_std(0.0037);
  a.set_train_s_median(2.6005);
  a.set_train_s_olympic_mean(2.601375);
  a.set_time_to_result_s_mean(2.7019);
  EXPECT_EQ(SummaryLine(a),
            "hlb_record: 10/11 runs OK, headline accuracy 94.12% ± 0.11% (min 93.87%, max "
            "94.30%, 95% CI 94.04-94.21%), train_s 2.60 ± 0.00 s (median 2.60, olympic mean "
            "2.60), time_to_result_s 2.70 s, 80% of runs >= target 94.00% (p = 0.00488 for "
            "mean <= target)\n");
  v1::Aggregate none;
  none.set_recipe("x");
  none.set_runs(1);
  EXPECT_EQ(SummaryLine(none), "x: 1 run(s), none finished OK\n");
}

// What a ConsoleReporter writes, captured in memory.
class Captured {
 public:
  Captured() : file_(open_memstream(&buffer_, &size_)) {}
  ~Captured() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

v1::RunReport OkRun() {
  v1::RunReport r;
  r.set_recipe("hlb_record_smoke");
  r.set_plugin("hlb");
  r.set_seed(3);
  r.set_status(v1::RUN_STATUS_OK);
  r.set_headline("ema+flip_tta");
  r.set_headline_accuracy(0.6175);
  r.mutable_timings()->set_train_s(13.61);
  r.mutable_timings()->set_time_to_result_s(15.96);
  r.mutable_cost()->set_achieved_tflops(0.0895);
  r.set_step_mode("eager");
  r.set_target_epoch(3);
  r.set_time_to_target_s(8.73);
  return r;
}

TEST(ConsoleReporterTest, ARunAsTheRunnerShowsIt) {
  Captured out;
  ConsoleReporter console(out.file(), /*progress=*/false);
  v1::NetworkCost cost;
  console.Network(cost);  // not counted: no line
  cost.set_params_total(76256);
  cost.set_params_trained(75744);
  cost.set_forward_macs_per_image(6.8e6);
  console.Network(cost);
  const v1::RunReport run = OkRun();
  console.RunHeader(run, 1, 2, "cpu");
  console.Progress(1, 10, 2.5, 0.1);  // not a terminal: nothing
  v1::EpochRow row;
  row.set_epoch(0);
  row.set_train_loss(2.1572);
  row.set_train_acc(0.2632);
  row.set_total_train_seconds(2.44);
  console.Epoch(row);
  console.RunResult(1, run);
  v1::RunReport failed;
  failed.set_status(v1::RUN_STATUS_FAILED);
  failed.set_message("out of memory");
  console.RunResult(2, failed);
  console.Notice("--stop_on_divergence: the remaining runs are not started");
  v1::Aggregate a;
  a.set_recipe("hlb_record_smoke");
  a.set_runs(2);
  console.Summary(a);
  EXPECT_EQ(out.text(),
            "network: 76256 parameters (75744 trained), 6.8 MMAC forward per image\n"
            "\nhlb_record_smoke run 1/2 (plugin hlb, seed 3, device cpu)\n" +
                EpochTableHeader() + EpochTableRow(row) +
                "run 1: headline accuracy (ema+flip_tta) 61.75%, train_s 13.61 s, "
                "time_to_result_s 15.96 s, 0.0895 TFLOP/s achieved (eager step; target "
                "reached after epoch 3 at 8.73 s)\n"
                "run 2: FAILED: out of memory\n"
                "--stop_on_divergence: the remaining runs are not started\n"
                "\nhlb_record_smoke: 2 run(s), none finished OK\n");
}

TEST(ConsoleReporterTest, AProgressLineIsClearedBeforeTheNextLine) {
  Captured out;
  ConsoleReporter console(out.file(), /*progress=*/true);
  EXPECT_TRUE(console.wants_progress());
  console.Progress(1, 10, 2.5, 0.1);
  console.Progress(2, 10, 2.25, 0.2);
  v1::EpochRow row;
  console.Epoch(row);
  console.Notice("after");  // no progress line showing: nothing to clear
  EXPECT_EQ(out.text(), "\r\033[K" + ProgressLine(1, 10, 2.5, 0.1) + "\r\033[K" +
                            ProgressLine(2, 10, 2.25, 0.2) + "\r\033[K" + EpochTableRow(row) +
                            "after\n");
}

}  // namespace
}  // namespace cifarbench
