// What changes with the step, as pure functions of it, free of LibTorch: learning-rate
// schedules, and when an epoch uses cutmix and a step is an EMA event (with its decay). The
// augmentations themselves are in core/augment.h, the EMA network in core/optim.h.
#ifndef CIFARBENCH_CORE_SCHEDULE_H_
#define CIFARBENCH_CORE_SCHEDULE_H_

#include <cstdint>
#include <vector>

#include "proto/blocks.pb.h"

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

// 1 - step / steps for 0 <= step < steps, then 0: airbench94_muon's lr_t = lr_0 (1 - t / 200)
// (KellerJordan/cifar10-airbench f1c599c airbench94_muon.py L400-403). Its whitening-bias rate
// 0.053 (1 - t / 75) turns negative from t = 76 in the reference, harmless only because the
// bias is frozen by then (quirk Q2); we clamp at 0.
double LinearToZero(int64_t step, int64_t steps);

// airbench94's triangular multiplier (KellerJordan/cifar10-airbench f1c599c legacy/airbench94.py
// L381-390, LambdaLR: the step about to run is `step`): with W = int(warmup_fraction x
// total_steps), start (1 - t/W) + t/W for t < W, then (1 - f) + end f with f = (t - W) / (T - W),
// the reference's arithmetic. For T = 476, 0.23, 0.2, 0.07: W = 109, s(0) = 0.2, s(109) = 1,
// s(475) = 0.0725.
double TriangularWarmup(int64_t step, int64_t total_steps, double warmup_fraction, double start,
                        double end);

// hiverge's Muon weight-normalisation steps (hiverge/cifar10-speedrun 5cd49b1
// cifar10_speedrun.py L149-152, L193-195): 1-based step s is one when s - (the previous one, 0
// at first) >= base + floor(growth * s / total_steps). For 243 steps, base 2, growth 15: 37
// steps, 2, 4, ..., 214, 230. (The constructor's norm_freq = 4 is overwritten: dead code.)
std::vector<int64_t> GrowingIntervalSteps(int64_t total_steps, int64_t base, int64_t growth);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SCHEDULE_H_
