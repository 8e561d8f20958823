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
  void OnStep(int64_t step, int64_t, double loss, double) override {
    last_step = step, last_loss = loss, ++steps;
  }
  void OnEpoch(const v1::EpochRow& row) override { ++epochs, last_val_acc = row.val_acc(); }
  double last_loss = 0, last_val_acc = 0;
  int64_t last_step = 0;
  int steps = 0, epochs = 0;
};

// Two examples per batch, 3 classes.
bool OneStep(EpochScope& e, double loss, bool right) {
  at::Tensor logits = at::tensor({5.0, 0.0, 0.0, 0.0, 5.0, 0.0}, at::kFloat).view({2, 3});
  at::Tensor targets = at::eye(3, at::kFloat).narrow(0, right ? 0 : 1, 2);
  return e.Step(at::full({}, loss, at::kFloat), logits, targets);
}

TEST(RunRecorderTest, RowsAndTimings) {
  CountingObserver obs;
  RunInputs inputs;
  inputs.observer = &obs;
  v1::RunReport report;
  RunRecorder r(inputs, &report, 2);
  {
    EpochScope e(r, 0, 2);
    EXPECT_TRUE(OneStep(e, 1.0, true));
    EXPECT_TRUE(OneStep(e, 3.0, false));
    v1::EpochRow* row = e.EndTraining(1.5);
    ASSERT_NE(row, nullptr);
    EXPECT_DOUBLE_EQ(row->train_loss(), 1.0);  // (1 + 3) / 4 examples
    EXPECT_DOUBLE_EQ(row->train_acc(), 0.5);   // 2 of 4
    EXPECT_EQ(obs.steps, 2);
    EXPECT_EQ(obs.last_step, 2);
    EXPECT_DOUBLE_EQ(obs.last_loss, 1.5);      // 3 / batch of 2
    row->set_val_acc(0.75);                    // the evaluation, before the row is shown
    EXPECT_EQ(obs.epochs, 0);
  }
  EXPECT_EQ(obs.epochs, 1);  // shown when the scope ended, with its evaluation
  EXPECT_DOUBLE_EQ(obs.last_val_acc, 0.75);
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
  RunInputs inputs;
  inputs.observer = &obs;
  v1::RunReport report;
  RunRecorder r(inputs, &report, 2);
  {
    EpochScope e(r, 3, 1);
    OneStep(e, std::numeric_limits<double>::quiet_NaN(), true);
    EXPECT_EQ(e.EndTraining(1.0), nullptr);
  }
  EXPECT_EQ(report.status(), v1::RUN_STATUS_DIVERGED);
  EXPECT_NE(report.message().find("epoch 3"), std::string::npos) << report.message();
  EXPECT_EQ(obs.epochs, 1);  // the diverged epoch's row is still shown
  EXPECT_EQ(report.epochs_size(), 1);
}

TEST(RunRecorderTest, StopRequestEndsTheRunAsInterrupted) {
  std::atomic<bool> stop{false};
  RunInputs inputs;
  inputs.stop_requested = &stop;
  v1::RunReport report;
  CountingObserver obs;
  inputs.observer = &obs;
  RunRecorder r(inputs, &report, 2);
  {
    EpochScope e(r, 0, 2);
    EXPECT_TRUE(OneStep(e, 1.0, true));
    stop = true;
    EXPECT_FALSE(OneStep(e, 1.0, true));
    EXPECT_EQ(e.EndTraining(1.0), nullptr);
  }
  EXPECT_EQ(report.status(), v1::RUN_STATUS_INTERRUPTED);
  EXPECT_EQ(report.epochs_size(), 1);  // in the report,
  EXPECT_EQ(obs.epochs, 0);            // not shown
}

TEST(RunRecorderTest, ARowIsShownWhenTheEpochEndsEarly) {
  CountingObserver obs;
  RunInputs inputs;
  inputs.observer = &obs;
  v1::RunReport report;
  RunRecorder r(inputs, &report, 2);
  auto epoch_with_error = [&]() -> bool {
    EpochScope e(r, 0, 1);
    OneStep(e, 1.0, true);
    if (e.EndTraining(1.0) == nullptr) return true;
    return false;  // e.g. saving the artifacts failed: the row is still shown
  };
  EXPECT_FALSE(epoch_with_error());
  EXPECT_EQ(obs.epochs, 1);
  // A scope that never ended its training shows nothing.
  { EpochScope e(r, 1, 1); }
  EXPECT_EQ(obs.epochs, 1);
  EXPECT_EQ(report.epochs_size(), 1);
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
