#include "core/recorder.h"

#include <ATen/ATen.h>

#include <atomic>
#include <limits>

#include "core/runner.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

struct CountingObserver : RunObserver {
  bool WantsStepLoss() const override { return true; }
  void OnStep(int64_t, int64_t, double loss, double) override { last_loss = loss, ++steps; }
  void OnEpoch(const v1::EpochRow&) override { ++epochs; }
  double last_loss = 0;
  int steps = 0, epochs = 0;
};

// Two examples per batch, 3 classes.
void OneStep(RunRecorder& r, int64_t s, double loss, bool right) {
  at::Tensor logits = at::tensor({5.0, 0.0, 0.0, 0.0, 5.0, 0.0}, at::kFloat).view({2, 3});
  at::Tensor targets = at::eye(3, at::kFloat).narrow(0, right ? 0 : 1, 2);
  r.Step(s, 2, at::full({}, loss, at::kFloat), logits, targets);
}

TEST(RunRecorderTest, RowsAndTimings) {
  CountingObserver obs;
  RunContext ctx;
  ctx.observer = &obs;
  v1::RunReport report;
  RunRecorder r(ctx, &report, 2);
  r.BeginEpoch();
  OneStep(r, 0, 1.0, true);
  OneStep(r, 1, 3.0, false);
  v1::EpochRow* row = r.EndEpoch(0, 2, 1.5);
  ASSERT_NE(row, nullptr);
  EXPECT_DOUBLE_EQ(row->train_loss(), 1.0);  // (1 + 3) / 4 examples
  EXPECT_DOUBLE_EQ(row->train_acc(), 0.5);   // 2 of 4
  EXPECT_EQ(obs.steps, 2);
  EXPECT_DOUBLE_EQ(obs.last_loss, 1.5);      // 3 / batch of 2
  r.Publish(*row);
  EXPECT_EQ(obs.epochs, 1);
  r.AddEvalSeconds(false, 10);  // per-epoch evaluation: in no headline figure
  r.AddEvalSeconds(true, 0.5);
  r.Finish(0.25);
  EXPECT_EQ(report.train_steps(), 2);
  EXPECT_EQ(report.train_images(), 4);
  EXPECT_DOUBLE_EQ(report.timings().train_s(), 1.5);
  EXPECT_DOUBLE_EQ(report.timings().epoch_eval_s(), 10);
  EXPECT_DOUBLE_EQ(report.timings().time_to_result_s(), 0.25 + 1.5 + 0.5);
}

TEST(RunRecorderTest, NonFiniteLossEndsTheRunAsDiverged) {
  CountingObserver obs;
  RunContext ctx;
  ctx.observer = &obs;
  v1::RunReport report;
  RunRecorder r(ctx, &report, 2);
  r.BeginEpoch();
  OneStep(r, 0, std::numeric_limits<double>::quiet_NaN(), true);
  EXPECT_EQ(r.EndEpoch(3, 1, 1.0), nullptr);
  EXPECT_EQ(report.status(), v1::DIVERGED);
  EXPECT_NE(report.message().find("epoch 3"), std::string::npos) << report.message();
  EXPECT_EQ(obs.epochs, 1);  // the diverged epoch's row is still shown
  EXPECT_EQ(report.epochs_size(), 1);
}

TEST(RunRecorderTest, StopRequestEndsTheRunAsInterrupted) {
  std::atomic<bool> stop{false};
  RunContext ctx;
  ctx.stop_requested = &stop;
  v1::RunReport report;
  RunRecorder r(ctx, &report, 2);
  r.BeginEpoch();
  OneStep(r, 0, 1.0, true);
  stop = true;
  at::Tensor logits = at::zeros({2, 3});
  EXPECT_FALSE(r.Step(1, 2, at::ones({}), logits, at::eye(3).narrow(0, 0, 2)));
  EXPECT_EQ(r.EndEpoch(0, 2, 1.0), nullptr);
  EXPECT_EQ(report.status(), v1::INTERRUPTED);
}

TEST(TimeToTargetTest, FirstEvaluatedEpochOfTheHeadlineNetworkAtTarget) {
  v1::RecipeConfig config;
  config.set_target_accuracy(0.94);
  config.mutable_eval()->set_headline_network(v1::EVAL_NETWORK_EMA);
  v1::RunReport report;
  auto add = [&](int epoch, bool evaluated, double live, bool ema_evaluated, double ema,
                 double total) {
    v1::EpochRow* row = report.add_epochs();
    row->set_epoch(epoch);
    row->set_evaluated(evaluated);
    row->set_val_acc(live);
    row->set_ema_evaluated(ema_evaluated);
    row->set_ema_val_acc(ema);
    row->set_total_train_seconds(total);
  };
  add(0, true, 0.95, false, 0.0, 1.0);   // live at target, but the headline is the EMA
  add(1, false, 0.0, false, 0.0, 2.0);   // not evaluated
  add(2, true, 0.93, true, 0.941, 3.5);  // the EMA reaches it here
  add(3, true, 0.96, true, 0.97, 4.0);
  SetTimeToTarget(config, &report);
  EXPECT_EQ(report.target_epoch(), 2);
  EXPECT_DOUBLE_EQ(report.time_to_target_s(), 3.5);

  config.mutable_eval()->set_headline_network(v1::EVAL_NETWORK_LIVE);
  SetTimeToTarget(config, &report);
  EXPECT_EQ(report.target_epoch(), 0);
  EXPECT_DOUBLE_EQ(report.time_to_target_s(), 1.0);

  config.set_target_accuracy(0.99);  // never reached
  SetTimeToTarget(config, &report);
  EXPECT_EQ(report.target_epoch(), -1);
  EXPECT_DOUBLE_EQ(report.time_to_target_s(), 0.0);
}

}  // namespace
}  // namespace cifarbench
