// The airbench plugin's per-step learning rates, as airbench.cc loads them before each step
// (LibTorch-free, so that the fidelity tests check the plugin's own arithmetic):
//   airbench94_muon / hiverge (KellerJordan/cifar10-airbench f1c599c airbench94_muon.py
//   L400-403): every rate lr_peak (1 - t/T); the whitening bias's over its own
//   ceil(whiten_bias_epochs x steps_per_epoch) steps (L353), then 0: frozen (quirk Q2: the
//   reference's rate turns negative, clamped by LinearToZero);
//   airbench94 (legacy/airbench94.py L381-390): both SGD groups follow the triangle.
#ifndef CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_RATES_H_
#define CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_RATES_H_

#include <array>
#include <cstdint>

#include "recipes/airbench/airbench.pb.h"

namespace cifarbench::airbench {

// Steps the whitening bias trains: ceil(whiten_bias_epochs x steps_per_epoch), from legacy_sgd
// or sgd, whichever the recipe has (airbench94_muon: 75; airbench94: 144; hiverge: 7).
int64_t WhitenBiasSteps(const AirbenchSettings& s, int64_t steps_per_epoch);

// The rates of step t (0-based, of total_steps). SGD groups in the order airbench.cc builds
// them: Muon recipes {whiten_bias, norm_biases, head}; airbench94 {norm_biases, other}.
struct StepRates {
  std::array<double, 3> sgd{};
  int sgd_groups = 0;
  double muon = 0;  // 0 for airbench94 (no Muon)
};
StepRates RatesAt(const AirbenchSettings& s, int64_t t, int64_t total_steps, int64_t bias_steps);

}  // namespace cifarbench::airbench

#endif  // CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_RATES_H_
