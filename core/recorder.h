// What every plugin's training loop records the same way: per-step accumulators kept on the
// device (read once per epoch, so no host sync inside the step loop), the progress callback,
// the epoch row and its display (an RAII scope per epoch), the INTERRUPTED / DIVERGED decision,
// and the phase timings.
#ifndef CIFARBENCH_CORE_RECORDER_H_
#define CIFARBENCH_CORE_RECORDER_H_

#include <ATen/ATen.h>

#include <chrono>
#include <cstdint>

#include "core/plugin.h"
#include "proto/report.pb.h"

namespace cifarbench {

class EpochScope;

// A run's bookkeeping: one per Plugin::Run. Each epoch is an EpochScope (below); the recorder
// sums the epochs' training time and the evaluation time and fills the phase timings.
class RunRecorder {
 public:
  RunRecorder(const RunInputs& inputs, v1::RunReport* report, int64_t batch_size);

  // Evaluation time: the final evaluation counts in time_to_result_s, the others in nothing.
  void AddEvalSeconds(bool final, double seconds);
  // Fills the report's phase timings.
  void Finish(double init_s);

  int64_t global_step() const { return global_step_; }  // optimiser steps done

 private:
  friend class EpochScope;
  const RunInputs& inputs_;
  v1::RunReport* report_;
  int64_t batch_size_;
  int64_t global_step_ = 0;
  double train_s_ = 0, epoch_eval_s_ = 0, final_eval_s_ = 0;
};

// One epoch, from its first step to its row on the console. Construct it where the epoch's
// steps begin (it resets the epoch's accumulators), call Step() after every optimiser step and
// EndTraining() when the steps are done; fill the row's evaluation in between. The destructor
// hands the row to the observer, so a row cannot be lost: after EndTraining returned it, after a
// DIVERGED epoch, or on an early return (an error after the row was made). An INTERRUPTED
// epoch's row stays in the report only.
//
//   for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
//     EpochScope scope(recorder, epoch, plan.StepsInEpoch(epoch));
//     for (...) { ...step...; if (!scope.Step(loss, logits, targets)) break; }
//     v1::EpochRow* row = scope.EndTraining(timer.Stop());
//     if (row == nullptr) break;  // INTERRUPTED or DIVERGED, recorded
//     ...evaluate into *row...
//   }  // the row is shown here
class EpochScope {
 public:
  EpochScope(RunRecorder& recorder, int64_t epoch, int64_t steps);
  ~EpochScope();
  EpochScope(const EpochScope&) = delete;
  EpochScope& operator=(const EpochScope&) = delete;

  // After the epoch's next optimiser step: accumulates the summed loss and the correct count
  // (argmax of logits vs argmax of the soft targets) on the device (read once, at
  // EndTraining), counts the step, and reports progress to an observer that wants it. Returns
  // false when a stop was requested (the caller ends the epoch early).
  bool Step(const at::Tensor& summed_loss, const at::Tensor& logits,
            const at::Tensor& soft_targets);
  // Ends the epoch's training (`epoch_s` seconds of it): appends and returns its row. Returns
  // nullptr after setting the report's status when the run must end here: INTERRUPTED (a stop
  // was requested) or DIVERGED (the epoch's loss is not finite; its row is still shown).
  v1::EpochRow* EndTraining(double epoch_s);

 private:
  RunRecorder& recorder_;
  int64_t epoch_, steps_, step_ = 0;
  at::Tensor loss_sum_, correct_;
  std::chrono::steady_clock::time_point start_;
  v1::EpochRow* row_ = nullptr;  // set by EndTraining, shown by the destructor
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_RECORDER_H_
