// Learning-rate schedules as pure functions of the step. Free of LibTorch.
#ifndef CIFARBENCH_CORE_SCHEDULE_H_
#define CIFARBENCH_CORE_SCHEDULE_H_

#include <cstdint>
#include <vector>

#include "proto/recipe.pb.h"

namespace cifarbench {

// PyTorch's OneCycleLR(anneal_strategy='linear', three_phase=False) for max_lr = 1: the value
// at scheduler step `step` (0 before the first optimiser step). Phase ends are
// pct_start * total_steps - 1 and total_steps - 1, as in PyTorch; initial = 1 / div_factor,
// final = final_lr_ratio (PyTorch's initial / final_div_factor).
double OneCycleLinear(int64_t step, int64_t total_steps, double pct_start, double div_factor,
                      double final_lr_ratio);

// Linear interpolation through (xs[i], ys[i]); constant beyond the ends (np.interp).
double PiecewiseLinear(double x, const std::vector<double>& xs, const std::vector<double>& ys);

// Steps per epoch (drop last) and total steps (ceil(epochs * steps_per_epoch), hlb-CIFAR10's).
struct StepPlan {
  int64_t steps_per_epoch = 0;
  int64_t total_steps = 0;
  int64_t num_epochs = 0;  // ceil(epochs): the last one may be partial
  int64_t StepsInEpoch(int64_t epoch) const;
};
StepPlan MakeStepPlan(int64_t train_size, int64_t batch_size, double epochs);

// The multiplier of each group's lr at 0-based training step `step` (the step about to run).
double LrMultiplier(const v1::ScheduleConfig& schedule, const StepPlan& plan, int64_t step);

// Whether 0-based `epoch` of a run of `epochs` (fractional) epochs uses cutmix: the last
// augment.cutmix_epochs epochs, i.e. epoch >= epochs - cutmix_epochs (hlb-CIFAR10's rule).
bool CutmixActive(const v1::AugmentConfig& augment, double epochs, int64_t epoch);

// hlb-CIFAR10's EMA: whether 1-based step `step1` in epoch `epoch` is an EMA event, and its
// decay: decay_base ^ every_n_steps * (step1 / total_steps) ^ decay_pow.
bool IsEmaEvent(const v1::EmaConfig& ema, int64_t epoch, int64_t step1);
double EmaDecay(const v1::EmaConfig& ema, int64_t step1, int64_t total_steps);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SCHEDULE_H_
