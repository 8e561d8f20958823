// Data-dependent and identity initialisations used by the hlb-family recipes.
#ifndef CIFARBENCH_CORE_NN_INIT_H_
#define CIFARBENCH_CORE_NN_INIT_H_

#include <ATen/ATen.h>

#include <cstdint>

namespace cifarbench {

// Whitening filters from k x k patches of `images` (N, C, H, W, normalised, unpadded):
// uncentred patch covariance X^T X / n over every patch of every image, eigendecomposition,
// filters V / sqrt(lambda + eps) in descending eigenvalue order, then their negations:
// (2 * C * k * k, C, k, k) in fp32.
//
// hlb-CIFAR10 averages eigenvalues and eigenvectors over 10 chunks of 5,000 images, and the
// eigenvectors' signs can disagree between chunks (a reference bug); we accumulate the
// covariance over chunks (exactly the all-images covariance) and decompose it once.
at::Tensor WhiteningFilters(const at::Tensor& images, int64_t kernel, double eps,
                            int64_t chunk = 5000);

// In place, on a conv weight (out, in, k, k): the default init plus an identity (dirac) on the
// first min(out, in) channels, rescaled to the default init's mean and std (hlb's conv1).
void DiracPlusDefaultRenormalised(at::Tensor& weight);

// In place: pure identity (dirac) (hlb's conv2).
void DiracInit(at::Tensor& weight);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_NN_INIT_H_
