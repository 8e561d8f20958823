// David Page's ResNet-9 (cifar10-fast, dawn.py, 2018), exposed for the plugin and for the
// fidelity tests. Widths w = model.widths = (prep, layer1, layer2, layer3), 64/128/256/512 as
// published:
//
//   conv_bn(c_in, c_out) = Conv3x3(pad 1, no bias) -> BatchNorm -> ReLU
//   prep    conv_bn(3 -> w0)                                        (N, w0, 32, 32)
//   layer1  conv_bn(w0 -> w1) -> MaxPool2                           (N, w1, 16, 16)
//           x + conv_bn(w1 -> w1)(conv_bn(w1 -> w1)(x))
//   layer2  conv_bn(w1 -> w2) -> MaxPool2                           (N, w2, 8, 8)
//   layer3  conv_bn(w2 -> w3) -> MaxPool2                           (N, w3, 4, 4)
//           x + conv_bn(w3 -> w3)(conv_bn(w3 -> w3)(x))
//   MaxPool4 -> flatten -> Linear(w3 -> 10, no bias) -> * output_scale (0.125)
//
// BatchNorm: eps and momentum from the config (1e-5, 0.1, PyTorch convention), weight 1 and
// bias 0 at init, both trained. Every parameter is trained and in the one optimiser group.
#ifndef CIFARBENCH_RECIPES_PAGE_PAGE_NET_H_
#define CIFARBENCH_RECIPES_PAGE_PAGE_NET_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/optim.h"
#include "proto/blocks.pb.h"
#include "recipes/page/page.pb.h"

namespace cifarbench::page {

// Conv3x3 (pad 1, no bias) -> BatchNorm -> ReLU.
class ConvBnImpl : public torch::nn::Module {
 public:
  ConvBnImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum);
  // BatchNorm runs in its own parameters' dtype (fp32 under mixed precision: page.cc moves the
  // net with core's ToComputeLayout and BatchNormDtype::kFloat); the output has the input's dtype.
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvBn);

// x + res2(res1(x)), both conv_bn(c -> c).
class ResidualImpl : public torch::nn::Module {
 public:
  ResidualImpl(int64_t channels, double bn_eps, double bn_momentum);
  at::Tensor forward(const at::Tensor& x);

  ConvBn res1{nullptr}, res2{nullptr};
};
TORCH_MODULE(Residual);

class PageNetImpl : public torch::nn::Module {
 public:
  // model.widths must have 4 entries (the settings check refuses other recipes); throws
  // c10::Error otherwise.
  explicit PageNetImpl(const PageModel& model);
  // (N, 3, 32, 32) normalised -> (N, 10) logits
  at::Tensor forward(const at::Tensor& x);

  ConvBn prep{nullptr}, layer1{nullptr}, layer2{nullptr}, layer3{nullptr};
  Residual res1{nullptr}, res3{nullptr};
  torch::nn::Linear head{nullptr};
  double output_scale = 1.0;
};
TORCH_MODULE(PageNet);

// The optimiser groups of the recipe: one group over every parameter (BN weights and biases
// included, as the reference's trainable_params), with optimizer.params' weight decay and lr 0
// (the schedule sets the rate before every step).
std::vector<SgdGroup> PageParamGroups(const PageOptimizer& optimizer, PageNetImpl& net);


}  // namespace cifarbench::page

#endif  // CIFARBENCH_RECIPES_PAGE_PAGE_NET_H_
