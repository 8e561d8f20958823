#include "core/schedule.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(StepPlanTest, HlbRecordHas581StepsOf48) {
  StepPlan plan = MakeStepPlan(50000, 1024, 12.1);
  EXPECT_EQ(plan.steps_per_epoch, 48);  // 50,000 // 1024, drop last
  EXPECT_EQ(plan.total_steps, 581);     // ceil(48 * 12.1) = ceil(580.8)
  EXPECT_EQ(plan.num_epochs, 13);
  EXPECT_EQ(plan.StepsInEpoch(0), 48);
  EXPECT_EQ(plan.StepsInEpoch(11), 48);
  EXPECT_EQ(plan.StepsInEpoch(12), 5);  // the 0.1 epoch
  EXPECT_EQ(plan.StepsInEpoch(13), 0);
}

TEST(StepPlanTest, WholeEpochs) {
  StepPlan plan = MakeStepPlan(50000, 512, 24);
  EXPECT_EQ(plan.steps_per_epoch, 97);
  EXPECT_EQ(plan.total_steps, 97 * 24);
  EXPECT_EQ(plan.num_epochs, 24);
}

// Hand computation of PyTorch's OneCycleLR (linear) for hlb_record: total 581, pct 0.23,
// div 1e16, final 0.07 of peak. Phase 1 ends at 0.23 * 581 - 1 = 132.63.
TEST(OneCycleTest, MatchesHandComputation) {
  const double up_end = 0.23 * 581 - 1;  // 132.63
  EXPECT_NEAR(up_end, 132.63, 1e-12);
  // Step 0: the initial value peak / 1e16.
  EXPECT_DOUBLE_EQ(OneCycleLinear(0, 581, 0.23, 1e16, 0.07), 1e-16);
  // Step 1: initial + (1 - initial) * 1 / 132.63.
  EXPECT_NEAR(OneCycleLinear(1, 581, 0.23, 1e16, 0.07), 1.0 / 132.63, 1e-15);
  // Step 132 (still rising) and 133 (falling): the peak lies between them.
  EXPECT_NEAR(OneCycleLinear(132, 581, 0.23, 1e16, 0.07), 132.0 / 132.63, 1e-12);
  const double pct133 = (133 - 132.63) / (580 - 132.63);
  EXPECT_NEAR(OneCycleLinear(133, 581, 0.23, 1e16, 0.07), 1 + (0.07 - 1) * pct133, 1e-12);
  // The last step, 580: 0.07 x peak.
  EXPECT_NEAR(OneCycleLinear(580, 581, 0.23, 1e16, 0.07), 0.07, 1e-12);
}

TEST(PiecewiseLinearTest, PageKnots) {
  const std::vector<double> xs = {0, 5, 24}, ys = {0, 0.4, 0};
  EXPECT_DOUBLE_EQ(PiecewiseLinear(0, xs, ys), 0);
  EXPECT_NEAR(PiecewiseLinear(2.5, xs, ys), 0.2, 1e-15);
  EXPECT_NEAR(PiecewiseLinear(5, xs, ys), 0.4, 1e-15);
  EXPECT_NEAR(PiecewiseLinear(14.5, xs, ys), 0.2, 1e-15);
  EXPECT_DOUBLE_EQ(PiecewiseLinear(30, xs, ys), 0);
}

TEST(LrMultiplierTest, AdvanceBeforeReadShiftsByOneStep) {
  v1::ScheduleConfig s;
  s.set_kind(v1::SCHEDULE_KIND_PIECEWISE_LINEAR);
  for (double x : {0.0, 5.0, 24.0}) s.add_knot_epochs(x);
  for (double y : {0.0, 0.4, 0.0}) s.add_knot_values(y);
  StepPlan plan = MakeStepPlan(50000, 512, 24);
  EXPECT_DOUBLE_EQ(LrMultiplier(s, plan, 0), 0.0);
  s.set_advance_before_read(true);
  // cifar10-fast: the first step uses the rate at epoch 1/97.
  EXPECT_NEAR(LrMultiplier(s, plan, 0), 0.4 * (1.0 / 97) / 5, 1e-15);
}

TEST(LrMultiplierTest, OneCycleUsesTheStep) {
  v1::ScheduleConfig s;
  s.set_kind(v1::SCHEDULE_KIND_ONE_CYCLE_LINEAR);
  s.set_pct_start(0.23);
  s.set_div_factor(1e16);
  s.set_final_lr_ratio(0.07);
  StepPlan plan = MakeStepPlan(50000, 1024, 12.1);
  EXPECT_NEAR(LrMultiplier(s, plan, 580), 0.07, 1e-12);
}

// hlb_record: EMA from epoch 2 (1-based step 97 on), every 5 steps: the first event at step 100
// (a snapshot), the last at 580; decay 0.95^5 * (step / 581)^3.
TEST(EmaScheduleTest, HlbRecordEvents) {
  v1::EmaConfig ema;
  ema.set_enabled(true);
  ema.set_start_epoch(2);
  ema.set_every_n_steps(5);
  ema.set_decay_base(0.95);
  ema.set_decay_pow(3);
  StepPlan plan = MakeStepPlan(50000, 1024, 12.1);
  std::vector<int64_t> events;
  int64_t step1 = 0;
  for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
    for (int64_t s = 0; s < plan.StepsInEpoch(epoch); ++s) {
      ++step1;
      if (IsEmaEvent(ema, epoch, step1)) events.push_back(step1);
    }
  }
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front(), 100);
  EXPECT_EQ(events.back(), 580);
  EXPECT_EQ(events.size(), (580 - 100) / 5 + 1);
  // The first update (second event) and the last.
  EXPECT_NEAR(EmaDecay(ema, 105, 581), std::pow(0.95, 5) * std::pow(105.0 / 581, 3), 1e-15);
  EXPECT_NEAR(EmaDecay(ema, 580, 581), 0.7737809375 * std::pow(580.0 / 581, 3), 1e-10);
}

// legacy/airbench94.py L381-390 at T = 476: W = int(0.23 x 476) = 109; by hand,
// s(0) = 0.2, s(54) = 0.2 + 0.8 x 54/109, s(109) = 1, s(475) = 1 - 0.93 x 366/367 = 0.07253...
TEST(TriangularWarmupTest, Airbench94Schedule) {
  auto s = [](int64_t t) { return TriangularWarmup(t, 476, 0.23, 0.2, 0.07); };
  EXPECT_DOUBLE_EQ(s(0), 0.2);
  EXPECT_NEAR(s(54), 0.2 + 0.8 * 54.0 / 109.0, 1e-15);
  EXPECT_NEAR(s(108), 0.2 + 0.8 * 108.0 / 109.0, 1e-15);
  EXPECT_DOUBLE_EQ(s(109), 1.0);
  EXPECT_NEAR(s(110), 1.0 - 0.93 / 367.0, 1e-15);
  EXPECT_NEAR(s(475), 0.0725, 5e-5);
  EXPECT_NEAR(s(475), 1.0 - 0.93 * 366.0 / 367.0, 1e-15);
  EXPECT_NEAR(s(476), 0.07, 1e-15);
}

TEST(LinearToZeroTest, Airbench94MuonRates) {
  // lr 0.24 at t = 0, 74, 75, 199 of 200; the whitening bias (0.053 over 75 steps) ends at 0.
  EXPECT_DOUBLE_EQ(0.24 * LinearToZero(0, 200), 0.24);
  EXPECT_NEAR(0.24 * LinearToZero(74, 200), 0.1512, 1e-15);
  EXPECT_NEAR(0.24 * LinearToZero(75, 200), 0.15, 1e-15);
  EXPECT_NEAR(0.24 * LinearToZero(199, 200), 0.0012, 1e-15);
  EXPECT_NEAR(0.053 * LinearToZero(74, 75), 0.053 / 75, 1e-15);
  EXPECT_EQ(LinearToZero(75, 75), 0.0);
  EXPECT_EQ(LinearToZero(76, 75), 0.0);  // the reference's rate would be negative here
}

TEST(GrowingIntervalStepsTest, HivergeNormalisesOn37Steps) {
  const std::vector<int64_t> expected = {
      2,   4,   6,   8,   10,  12,  14,  16,  19,  22,  25,  28,  31,  35,  39,  43,  47,  52, 57,
      62,  68,  74,  80,  87,  94,  102, 110, 119, 128, 138, 149, 160, 172, 185, 199, 214, 230};
  EXPECT_EQ(GrowingIntervalSteps(243, 2, 15), expected);
  // growth 0, base 1: every step (airbench94_muon normalises on every step).
  EXPECT_EQ(GrowingIntervalSteps(3, 1, 0), (std::vector<int64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace cifarbench
