// What every plugin's training loop records the same way: per-step accumulators kept on the
// device (read once per epoch, so no host sync inside the step loop), the progress callback,
// the epoch row, the INTERRUPTED / DIVERGED decision, and the phase timings.
#ifndef CIFARBENCH_CORE_RECORDER_H_
#define CIFARBENCH_CORE_RECORDER_H_

#include <ATen/ATen.h>

#include <chrono>
#include <cstdint>

#include "core/plugin.h"
#include "proto/report.pb.h"

namespace cifarbench {

class RunRecorder {
 public:
  RunRecorder(const RunContext& context, v1::RunReport* report, int64_t batch_size);

  // Resets the epoch's accumulators.
  void BeginEpoch();
  // After optimiser step `step_in_epoch` (0-based) of `steps`: accumulates the summed loss and
  // the correct count (argmax of logits vs argmax of the soft targets) on the device, counts
  // the step, and reports progress to an observer that wants it. Returns false when a stop was
  // requested (the caller ends the epoch early).
  bool Step(int64_t step_in_epoch, int64_t steps, const at::Tensor& summed_loss,
            const at::Tensor& logits, const at::Tensor& soft_targets);
  // Ends the epoch's training (`epoch_s` seconds of it): appends and returns its row. Returns
  // nullptr after setting the report's status when the run must end here: INTERRUPTED (a stop
  // was requested) or DIVERGED (the epoch's loss is not finite; the row is still published).
  v1::EpochRow* EndEpoch(int64_t epoch, int64_t steps, double epoch_s);
  // Hands a finished row to the observer.
  void Publish(const v1::EpochRow& row);
  // Evaluation time: the final evaluation counts in time_to_result_s, the others in nothing.
  void AddEvalSeconds(bool final, double seconds);
  // Fills the report's phase timings.
  void Finish(double init_s);

  int64_t global_step() const { return global_step_; }  // optimiser steps done

 private:
  const RunContext& context_;
  v1::RunReport* report_;
  int64_t batch_size_;
  int64_t global_step_ = 0;
  double train_s_ = 0, epoch_eval_s_ = 0, final_eval_s_ = 0;
  at::Tensor loss_sum_, correct_;
  std::chrono::steady_clock::time_point epoch_start_;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_RECORDER_H_
