// core/console: the per-recipe aggregate of a bench report (statistics from core/stats), and
// the console reporter through which the runner prints.
#include "core/console.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(AggregateTest, AccuracyTimesAndTheRecordClaim) {
  // hlb_record on the H200, seeds 0-9 (docs/benchmarks/h200-2026-11-27/reports/hlb_record.json),
  // plus one FAILED run that the statistics skip.
  const std::vector<double> acc = {0.9387, 0.9413, 0.9419, 0.9430, 0.9414,
                                   0.9398, 0.9418, 0.9420, 0.9413, 0.9412};
  const std::vector<double> train = {2.601, 2.600, 2.602, 2.599, 2.600,
                                     2.610, 2.600, 2.603, 2.606, 2.598};
  std::vector<v1::RunReport> reports(acc.size() + 1);
  std::vector<const v1::RunReport*> runs;
  for (size_t i = 0; i < reports.size(); ++i) {
    v1::RunReport& r = reports[i];
    if (i < acc.size()) {
      r.set_status(v1::RUN_STATUS_OK);
      r.set_headline_accuracy(acc[i]);
      r.mutable_timings()->set_train_s(train[i]);
      r.mutable_timings()->set_time_to_result_s(train[i] + 0.1);
    } else {
      r.set_status(v1::RUN_STATUS_FAILED);
      r.set_headline_accuracy(0.1);
    }
    runs.push_back(&r);
  }
  const v1::Aggregate a = Aggregate("hlb_record", 0.94, runs);
  EXPECT_EQ(a.runs(), 11);
  EXPECT_EQ(a.ok_runs(), 10);
  EXPECT_NEAR(a.accuracy_mean(), 0.94124, 1e-12);
  EXPECT_DOUBLE_EQ(a.accuracy_min(), 0.9387);
  EXPECT_DOUBLE_EQ(a.accuracy_max(), 0.9430);
  EXPECT_DOUBLE_EQ(a.fraction_at_target(), 0.8);
  // SciPy 1.10.1: ttest_1samp(acc, 0.94, alternative='greater').pvalue and t.interval(0.95, 9,
  // mean, sem), on the same ten values.
  EXPECT_NEAR(a.p_value_above_target(), 0.004882812559108897, 1e-10);
  EXPECT_NEAR(a.accuracy_ci95_low(), 0.9403807772394919, 1e-12);
  EXPECT_NEAR(a.accuracy_ci95_high(), 0.9420992227605081, 1e-12);
  EXPECT_DOUBLE_EQ(a.train_s_min(), 2.598);
  EXPECT_DOUBLE_EQ(a.train_s_max(), 2.610);
  EXPECT_NEAR(a.train_s_median(), 2.6005, 1e-12);
  // Olympic mean: the 2.598 and 2.610 dropped.
  EXPECT_NEAR(a.train_s_olympic_mean(), (2.601 + 2.600 + 2.602 + 2.599 + 2.600 + 2.600 +
                                         2.603 + 2.606) / 8, 1e-12);
  EXPECT_NEAR(a.time_to_result_s_median(), 2.7005, 1e-12);
  const std::string line = SummaryLine(a);
  EXPECT_NE(line.find("10/11 runs OK"), std::string::npos) << line;
  EXPECT_NE(line.find("95% CI 94.04-94.21%"), std::string::npos) << line;
  EXPECT_NE(line.find("p = 0.00488"), std::string::npos) << line;
}

TEST(AggregateTest, NoOkRun) {
  v1::RunReport r;
  r.set_status(v1::RUN_STATUS_DIVERGED);
  const v1::Aggregate a = Aggregate("x", 0.94, {&r});
  EXPECT_EQ(a.ok_runs(), 0);
  EXPECT_DOUBLE_EQ(a.p_value_above_target(), 1.0);
  EXPECT_NE(SummaryLine(a).find("none finished OK"), std::string::npos);
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
