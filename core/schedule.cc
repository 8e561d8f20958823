#include "core/schedule.h"

#include <algorithm>
#include <cmath>

namespace cifarbench {

double OneCycleLinear(int64_t step, int64_t total_steps, double pct_start, double div_factor,
                      double final_lr_ratio) {
  const double initial = 1.0 / div_factor;
  const double peak = 1.0;
  const double final_value = final_lr_ratio;
  // PyTorch: phase 1 ends at float(pct_start * total_steps) - 1, phase 2 at total_steps - 1.
  const double up_end = pct_start * static_cast<double>(total_steps) - 1.0;
  const double down_end = static_cast<double>(total_steps) - 1.0;
  const double t = static_cast<double>(step);
  if (t <= up_end) {
    const double pct = t / up_end;
    return (peak - initial) * pct + initial;
  }
  const double pct = (t - up_end) / (down_end - up_end);
  return (final_value - peak) * pct + peak;
}

double PiecewiseLinear(double x, const std::vector<double>& xs, const std::vector<double>& ys) {
  if (xs.empty()) return 0.0;
  if (x <= xs.front()) return ys.front();
  if (x >= xs.back()) return ys.back();
  for (size_t i = 1; i < xs.size(); ++i) {
    if (x <= xs[i]) {
      const double span = xs[i] - xs[i - 1];
      if (span <= 0) return ys[i];
      return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / span;
    }
  }
  return ys.back();
}

int64_t StepPlan::StepsInEpoch(int64_t epoch) const {
  const int64_t done = epoch * steps_per_epoch;
  return std::max<int64_t>(0, std::min(steps_per_epoch, total_steps - done));
}

StepPlan MakeStepPlan(int64_t train_size, int64_t batch_size, double epochs) {
  StepPlan plan;
  plan.steps_per_epoch = batch_size > 0 ? train_size / batch_size : 0;
  // A tiny epsilon keeps 12.1 * 48 = 580.8 from rounding the wrong way in binary.
  plan.total_steps =
      static_cast<int64_t>(std::ceil(epochs * static_cast<double>(plan.steps_per_epoch) - 1e-9));
  plan.num_epochs = plan.steps_per_epoch > 0
                        ? (plan.total_steps + plan.steps_per_epoch - 1) / plan.steps_per_epoch
                        : 0;
  return plan;
}

double LrMultiplier(const v1::ScheduleConfig& schedule, const StepPlan& plan, int64_t step) {
  const int64_t s = schedule.advance_before_read() ? step + 1 : step;
  switch (schedule.kind()) {
    case v1::SCHEDULE_KIND_ONE_CYCLE_LINEAR:
      return OneCycleLinear(s, plan.total_steps, schedule.pct_start(), schedule.div_factor(),
                            schedule.final_lr_ratio());
    case v1::SCHEDULE_KIND_PIECEWISE_LINEAR: {
      const std::vector<double> xs(schedule.knot_epochs().begin(), schedule.knot_epochs().end());
      const std::vector<double> ys(schedule.knot_values().begin(), schedule.knot_values().end());
      return PiecewiseLinear(static_cast<double>(s) / static_cast<double>(plan.steps_per_epoch),
                             xs, ys);
    }
    default:
      return 1.0;
  }
}

bool CutmixActive(const v1::AugmentConfig& augment, double epochs, int64_t epoch) {
  return augment.cutmix_size() > 0 &&
         static_cast<double>(epoch) >= epochs - augment.cutmix_epochs();
}

bool IsEmaEvent(const v1::EmaConfig& ema, int64_t epoch, int64_t step1) {
  return ema.enabled() && static_cast<double>(epoch) >= ema.start_epoch() &&
         ema.every_n_steps() > 0 && step1 % ema.every_n_steps() == 0;
}

double EmaDecay(const v1::EmaConfig& ema, int64_t step1, int64_t total_steps) {
  return std::pow(ema.decay_base(), ema.every_n_steps()) *
         std::pow(static_cast<double>(step1) / static_cast<double>(total_steps), ema.decay_pow());
}

double LinearToZero(int64_t step, int64_t steps) {
  if (step >= steps) return 0.0;
  return 1.0 - static_cast<double>(step) / static_cast<double>(steps);
}

double TriangularWarmup(int64_t step, int64_t total_steps, double warmup_fraction, double start,
                        double end) {
  const auto warmup_steps =
      static_cast<int64_t>(static_cast<double>(total_steps) * warmup_fraction);  // int()
  if (step < warmup_steps) {
    const double frac = static_cast<double>(step) / static_cast<double>(warmup_steps);
    return start * (1 - frac) + 1.0 * frac;
  }
  const double frac =
      static_cast<double>(step - warmup_steps) / static_cast<double>(total_steps - warmup_steps);
  return 1.0 * (1 - frac) + end * frac;
}

std::vector<int64_t> GrowingIntervalSteps(int64_t total_steps, int64_t base, int64_t growth) {
  std::vector<int64_t> steps;
  int64_t last = 0;
  for (int64_t s = 1; s <= total_steps; ++s) {
    // Integer floor: the reference's int(growth * (s / total)) agrees for every s <= 243.
    if (s - last >= base + growth * s / total_steps) {
      steps.push_back(s);
      last = s;
    }
  }
  return steps;
}

}  // namespace cifarbench
