#include "core/nn_init.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/init.h>

#include <tuple>

namespace cifarbench {

at::Tensor WhiteningFilters(const at::Tensor& images, int64_t kernel, double eps, int64_t chunk) {
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
  at::Tensor eigenvalues, eigenvectors;
  std::tie(eigenvalues, eigenvectors) = at::linalg_eigh(cov.cpu(), "U");  // ascending
  // Rows of V^T are the eigenvectors; flip to descending eigenvalue order.
  at::Tensor values = eigenvalues.flip(0).view({d, 1, 1, 1});
  at::Tensor filters = eigenvectors.t().reshape({d, c, kernel, kernel}).flip(0);
  filters = filters / at::sqrt(values + eps);
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

}  // namespace cifarbench
