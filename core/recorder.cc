#include "core/recorder.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <cmath>

#include "absl/strings/str_cat.h"

namespace cifarbench {

RunRecorder::RunRecorder(const RunContext& context, v1::RunReport* report, int64_t batch_size)
    : context_(context), report_(report), batch_size_(batch_size) {}

void RunRecorder::BeginEpoch() {
  auto opts = at::TensorOptions().device(context_.device);
  loss_sum_ = at::zeros({}, opts.dtype(at::kFloat));
  correct_ = at::zeros({}, opts.dtype(at::kLong));
  epoch_start_ = std::chrono::steady_clock::now();
}

bool RunRecorder::Step(int64_t step_in_epoch, int64_t steps, const at::Tensor& summed_loss,
                       const at::Tensor& logits, const at::Tensor& soft_targets) {
  {
    at::NoGradGuard no_grad;
    loss_sum_ += summed_loss.detach().to(at::kFloat);
    correct_ += (logits.detach().argmax(1) == soft_targets.argmax(1)).sum();
  }
  ++global_step_;
  RunObserver* observer = context_.observer;
  if (observer != nullptr && observer->WantsStepLoss()) {
    observer->OnStep(step_in_epoch + 1, steps,
                     summed_loss.item<double>() / static_cast<double>(batch_size_),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                   epoch_start_)
                         .count());
  }
  return !context_.StopRequested();
}

v1::EpochRow* RunRecorder::EndEpoch(int64_t epoch, int64_t steps, double epoch_s) {
  train_s_ += epoch_s;
  v1::EpochRow* row = report_->add_epochs();
  row->set_epoch(static_cast<int32_t>(epoch));
  row->set_steps(steps);
  const double seen = static_cast<double>(steps * batch_size_);
  // The one device read of the epoch.
  row->set_train_loss(seen > 0 ? loss_sum_.item<double>() / seen : 0.0);
  row->set_train_acc(seen > 0 ? static_cast<double>(correct_.item<int64_t>()) / seen : 0.0);
  row->set_train_seconds(epoch_s);
  row->set_total_train_seconds(train_s_);
  report_->set_train_steps(global_step_);
  report_->set_train_images(global_step_ * batch_size_);
  if (context_.StopRequested()) {
    report_->set_status(v1::INTERRUPTED);
    report_->set_message(absl::StrCat("interrupted in epoch ", epoch));
    return nullptr;
  }
  if (!std::isfinite(row->train_loss())) {
    report_->set_status(v1::DIVERGED);
    report_->set_message(absl::StrCat("training loss is ", row->train_loss(), " in epoch ", epoch));
    Publish(*row);
    return nullptr;
  }
  return row;
}

void RunRecorder::Publish(const v1::EpochRow& row) {
  if (context_.observer != nullptr) context_.observer->OnEpoch(row);
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
