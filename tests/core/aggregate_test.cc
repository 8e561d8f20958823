// core/aggregate: a bench report's per-recipe aggregate, against SciPy's values for the same runs.
#include "core/aggregate.h"

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
}

TEST(AggregateTest, NoOkRun) {
  v1::RunReport r;
  r.set_status(v1::RUN_STATUS_DIVERGED);
  const v1::Aggregate a = Aggregate("x", 0.94, {&r});
  EXPECT_EQ(a.ok_runs(), 0);
  EXPECT_DOUBLE_EQ(a.p_value_above_target(), 1.0);
  EXPECT_EQ(a.runs(), 1);
}

}  // namespace
}  // namespace cifarbench
