#include "recipes/airbench/airbench_rates.h"

#include <cmath>

#include "core/schedule.h"

namespace cifarbench::airbench {

int64_t WhitenBiasSteps(const AirbenchSettings& s, int64_t steps_per_epoch) {
  const double epochs = s.has_legacy_sgd() ? s.legacy_sgd().whiten_bias_epochs()
                                           : s.sgd().whiten_bias_epochs();
  return static_cast<int64_t>(std::ceil(epochs * static_cast<double>(steps_per_epoch)));
}

StepRates RatesAt(const AirbenchSettings& s, int64_t t, int64_t total_steps, int64_t bias_steps) {
  StepRates r;
  if (s.has_legacy_sgd()) {
    const AirbenchLegacySgd& l = s.legacy_sgd();
    const double m = TriangularWarmup(t, total_steps, l.warmup_fraction(), l.start_ratio(),
                                      l.end_ratio());
    r.sgd_groups = 2;
    r.sgd[0] = l.norm_biases().lr() * m;
    r.sgd[1] = l.other().lr() * m;
    return r;
  }
  const AirbenchSgd& g = s.sgd();
  const double decay = LinearToZero(t, total_steps);
  r.sgd_groups = 3;
  r.sgd[0] = g.whiten_bias().lr() * LinearToZero(t, bias_steps);
  r.sgd[1] = g.norm_biases().lr() * decay;
  r.sgd[2] = g.head().lr() * decay;
  r.muon = s.muon().lr() * decay;
  return r;
}

}  // namespace cifarbench::airbench
