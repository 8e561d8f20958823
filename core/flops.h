// Parameter and MAC counting for a network on one 32x32 image.
#ifndef CIFARBENCH_CORE_FLOPS_H_
#define CIFARBENCH_CORE_FLOPS_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <functional>

namespace cifarbench {

struct NetworkCost {
  int64_t params_total = 0;
  int64_t params_trained = 0;  // requires_grad
  int64_t forward_macs = 0;    // convolutions and linear layers, per image
  int64_t conv_layers = 0;     // how many convolution calls were seen
  int64_t linear_layers = 0;
  // Forward FLOP per image (2 per MAC) and the usual training estimate (3x forward).
  int64_t ForwardFlops() const { return 2 * forward_macs; }
  int64_t TrainFlopsPerImage() const { return 6 * forward_macs; }
};

// Runs `forward` once on a zero (1, 3, 32, 32) fp32 CPU image with gradients off, and counts the
// MACs of every aten::convolution and matrix product (mm, addmm, bmm) call outside a convolution it makes (through LibTorch's
// RecordFunction observers, so nothing in the network needs to cooperate).
NetworkCost CountNetworkCost(torch::nn::Module& module,
                             const std::function<at::Tensor(const at::Tensor&)>& forward);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_FLOPS_H_
