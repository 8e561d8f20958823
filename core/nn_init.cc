#include "core/nn_init.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/init.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace cifarbench {

at::Tensor WhiteningFilters(const at::Tensor& images, int64_t kernel, double eps, int64_t chunk,
                            WhiteningMethod method) {
  at::NoGradGuard no_grad;
  const int64_t c = images.size(1);
  const int64_t d = c * kernel * kernel;
  at::Tensor cov = at::zeros({d, d}, images.options().dtype(at::kDouble));
  int64_t count = 0;
  for (int64_t start = 0; start < images.size(0); start += chunk) {
    at::Tensor x = images.narrow(0, start, std::min(chunk, images.size(0) - start)).to(at::kFloat);
    // (n, C, H, W) -> (n, C, H', W', k, k) -> (n, W', H', C, k, k) -> (P, C*k*k): each row one
    // patch, flattened in the conv weight's (C, kh, kw) order (hlb's get_patches).
    at::Tensor patches =
        x.unfold(2, kernel, 1).unfold(3, kernel, 1).transpose(1, 3).reshape({-1, d});
    cov += at::matmul(patches.t(), patches).to(at::kDouble);
    count += patches.size(0);
  }
  cov /= static_cast<double>(count);
  // Columns of `vectors` are the eigenvectors (singular vectors), matching `values`.
  at::Tensor values, vectors;
  if (method == WhiteningMethod::kSvd) {
    at::Tensor vh;
    std::tie(vectors, values, vh) = at::linalg_svd(cov.cpu(), /*full_matrices=*/false);
  } else {
    std::tie(values, vectors) = at::linalg_eigh(cov.cpu(), "U");  // ascending
    if (method == WhiteningMethod::kEighDescending) {
      values = values.flip(0);
      vectors = vectors.flip(1);
    }
  }
  at::Tensor filters = vectors.t().reshape({d, c, kernel, kernel}) /
                       at::sqrt(values.view({d, 1, 1, 1}) + eps);
  return at::cat({filters, -filters}, 0).to(at::kFloat).to(images.device());
}

void DiracPlusDefaultRenormalised(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  const double mean = weight.mean().item<double>();
  const double std = weight.std().item<double>();
  at::Tensor identity = at::zeros_like(weight);
  torch::nn::init::dirac_(identity);
  at::Tensor w = weight + identity;
  w = (w - w.mean()) / w.std() * std + mean;
  weight.copy_(w);
}

void DiracInit(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  torch::nn::init::dirac_(weight);
}

void DiracFirstFilters(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  at::Tensor first = weight.narrow(0, 0, std::min(weight.size(0), weight.size(1)));
  torch::nn::init::dirac_(first);
}

void ConvBiasInit(at::Tensor& bias, int64_t fan_in, bool zero) {
  at::NoGradGuard no_grad;
  if (zero) {
    bias.zero_();
  } else {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    bias.uniform_(-bound, bound);
  }
}

at::Tensor TrainedBefore(const at::Tensor& param, int64_t step, int64_t train_steps) {
  return step < train_steps ? param : param.detach();
}

}  // namespace cifarbench
