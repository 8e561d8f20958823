#include "core/lookahead.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)

#include <cmath>

namespace cifarbench {

Lookahead::Lookahead(torch::nn::Module& module) {
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (at::isFloatingType(item.value().scalar_type())) live_.push_back(item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    if (at::isFloatingType(item.value().scalar_type())) live_.push_back(item.value());
  }
  at::NoGradGuard no_grad;
  for (const at::Tensor& t : live_) average_.push_back(t.detach().clone());
}

void Lookahead::Snapshot() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) average_[i].copy_(live_[i]);
}

void Lookahead::Update(double decay) {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    average_[i].lerp_(live_[i], 1.0 - decay);
    live_[i].copy_(average_[i]);
  }
}

double LookaheadDecay(int64_t step1, int64_t total_steps, double base, int64_t every,
                      int64_t power) {
  // fp32 throughout, in the table's order: (arange / T) ** 3, then times 0.95 ** 5. This matches
  // PyTorch's table bit for bit for T = 476 (checked against torch 2.11 for every k).
  const float fraction = static_cast<float>(step1) / static_cast<float>(total_steps);
  float scaled = 1.0f;
  for (int64_t i = 0; i < power; ++i) scaled *= fraction;
  return static_cast<float>(std::pow(base, static_cast<double>(every))) * scaled;
}

}  // namespace cifarbench
