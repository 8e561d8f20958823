#include "core/recorder.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <cmath>

#include "absl/strings/str_cat.h"

namespace cifarbench {

RunRecorder::RunRecorder(const RunInputs& inputs, v1::RunReport* report, int64_t batch_size)
    : inputs_(inputs), report_(report), batch_size_(batch_size) {}

EpochScope::EpochScope(RunRecorder& recorder, int64_t epoch, int64_t steps)
    : recorder_(recorder), epoch_(epoch), steps_(steps) {
  auto opts = at::TensorOptions().device(recorder_.inputs_.device);
  loss_sum_ = at::zeros({}, opts.dtype(at::kFloat));
  correct_ = at::zeros({}, opts.dtype(at::kLong));
  start_ = std::chrono::steady_clock::now();
}

EpochScope::~EpochScope() {
  if (row_ != nullptr && recorder_.inputs_.observer != nullptr) {
    recorder_.inputs_.observer->OnEpoch(*row_);
  }
}

bool EpochScope::Step(const at::Tensor& summed_loss, const at::Tensor& logits,
                      const at::Tensor& soft_targets) {
  {
    at::NoGradGuard no_grad;
    loss_sum_ += summed_loss.detach().to(at::kFloat);
    correct_ += (logits.detach().argmax(1) == soft_targets.argmax(1)).sum();
  }
  ++step_;
  ++recorder_.global_step_;
  const RunInputs& inputs = recorder_.inputs_;
  if (inputs.observer != nullptr && inputs.observer->WantsStepLoss()) {
    inputs.observer->OnStep(
        step_, steps_, summed_loss.item<double>() / static_cast<double>(recorder_.batch_size_),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  return !inputs.StopRequested();
}

v1::EpochRow* EpochScope::EndTraining(double epoch_s) {
  TORCH_CHECK(row_ == nullptr, "EpochScope::EndTraining called twice in epoch ", epoch_);
  const RunInputs& inputs = recorder_.inputs_;
  v1::RunReport* report = recorder_.report_;
  const int64_t batch = recorder_.batch_size_;
  recorder_.train_s_ += epoch_s;
  v1::EpochRow* row = report->add_epochs();
  row->set_epoch(static_cast<int32_t>(epoch_));
  row->set_steps(steps_);
  const double seen = static_cast<double>(steps_ * batch);
  // The one device read of the epoch.
  row->set_train_loss(seen > 0 ? loss_sum_.item<double>() / seen : 0.0);
  row->set_train_acc(seen > 0 ? static_cast<double>(correct_.item<int64_t>()) / seen : 0.0);
  row->set_train_seconds(epoch_s);
  row->set_total_train_seconds(recorder_.train_s_);
  report->set_train_steps(recorder_.global_step_);
  report->set_train_images(recorder_.global_step_ * batch);
  if (inputs.StopRequested()) {
    report->set_status(v1::RUN_STATUS_INTERRUPTED);
    report->set_message(absl::StrCat("interrupted in epoch ", epoch_));
    return nullptr;
  }
  row_ = row;  // shown when the scope ends
  if (!std::isfinite(row->train_loss())) {
    report->set_status(v1::RUN_STATUS_DIVERGED);
    report->set_message(absl::StrCat("training loss is ", row->train_loss(), " in epoch ", epoch_));
    return nullptr;
  }
  return row;
}

void RunRecorder::AddEvalSeconds(bool final, double seconds) {
  (final ? final_eval_s_ : epoch_eval_s_) += seconds;
}

void RunRecorder::Finish(double init_s) {
  v1::PhaseTimings* t = report_->mutable_timings();
  t->set_init_s(init_s);
  t->set_train_s(train_s_);
  t->set_epoch_eval_s(epoch_eval_s_);
  t->set_final_eval_s(final_eval_s_);
  t->set_time_to_result_s(init_s + train_s_ + final_eval_s_);
}

}  // namespace cifarbench
