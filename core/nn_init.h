// Data-dependent and identity initialisations used by the hlb-family recipes.
#ifndef CIFARBENCH_CORE_NN_INIT_H_
#define CIFARBENCH_CORE_NN_INIT_H_

#include <ATen/ATen.h>

#include <cstdint>

namespace cifarbench {

// How WhiteningFilters decomposes the patch covariance and orders its filters. The order only
// permutes the whitening channels, so all three give the same distribution of networks.
enum class WhiteningMethod {
  kEighDescending,  // hlb-CIFAR10, legacy airbench94 (eigh, then flip(0))
  kEighAscending,   // airbench94_muon (eigh as it comes; quirk Q5, irrelevant)
  kSvd,             // hiverge (torch.svd of the covariance: U and S, descending)
};

// Whitening filters from k x k patches of `images` (N, C, H, W, normalised, unpadded; e.g. the
// first 5,000 training images in dataset order): uncentred patch covariance X^T X / n over
// every patch of every image, decomposed (eigh or SVD), filters V / sqrt(lambda + eps), then
// their negations: (2 * C * k * k, C, k, k) in fp32, on images' device.
//
// hlb-CIFAR10 averages eigenvalues and eigenvectors over 10 chunks of 5,000 images, and the
// eigenvectors' signs can disagree between chunks (a reference bug); we accumulate the
// covariance over chunks in fp64 (exactly the all-images covariance; airbench computes it in
// one fp32 matmul) and decompose it once.
at::Tensor WhiteningFilters(const at::Tensor& images, int64_t kernel, double eps,
                            int64_t chunk = 5000,
                            WhiteningMethod method = WhiteningMethod::kEighDescending);

// In place, on a conv weight (out, in, k, k): the default init plus an identity (dirac) on the
// first min(out, in) channels, rescaled to the default init's mean and std (hlb's conv1).
void DiracPlusDefaultRenormalised(at::Tensor& weight);

// In place: pure identity (dirac) (hlb's conv2).
void DiracInit(at::Tensor& weight);

// In place: identity (dirac) on the first min(C_in, C_out) filters of a conv weight
// (C_out, C_in, k, k), the other filters kept (airbench's Conv.reset_parameters,
// KellerJordan/cifar10-airbench f1c599c airbench94_muon.py L193-196: dirac_(w[:w.size(1)])
// after the default init). PyTorch's slice w[:C_in] clamps to C_out filters when C_in > C_out;
// LibTorch's narrow(0, 0, C_in) would throw there, so we take min(C_in, C_out).
void DiracFirstFilters(at::Tensor& weight);

// In place, a conv bias: PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in =
// C_in * k * k (airbench94_muon's whitening bias: U(+-0.2887) for 3 x 2 x 2; reproduced, quirk
// Q1), or zero (legacy airbench94).
void ConvBiasInit(at::Tensor& bias, int64_t fan_in, bool zero);

// A parameter trained only for its first `train_steps` steps (airbench's whitening bias): what
// the forward pass at 0-based step `step` should use. The parameter itself while
// step < train_steps; from then on param.detach(), so backward leaves its gradient undefined
// and the optimisers that skip undefined gradients (NesterovSgd, Muon, torch::optim::SGD) drop
// it from the update: no weight decay and no momentum after its last training step. The
// reference keeps setting its (negative from step train_steps + 1) lr and relies on this skip;
// a zero gradient instead would still apply decay and momentum (airbench94_muon quirk Q2).
// So drop gradients with set_to_none semantics between steps: LibTorch 1.13's
// torch::optim::Optimizer::zero_grad() zeroes them instead (2.x's default drops them).
at::Tensor TrainedBefore(const at::Tensor& param, int64_t step, int64_t train_steps);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_NN_INIT_H_
