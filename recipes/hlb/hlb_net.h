// The hlb-CIFAR10 network (tysam-code/hlb-CIFAR10 v0.7.0, "no explicit residuals"), exposed for
// the plugin and for the fidelity tests.
//
//   whiten: Conv2d(3 -> 12, k 2, no padding, no bias), weight := cat(E, -E) -> 24 ch, frozen
//   GELU
//   3 x ConvGroup(w): conv1 3x3 same -> MaxPool2 -> BN -> GELU -> conv2 3x3 same -> BN -> GELU
//   amax over (H, W) -> Linear(w3 -> 10, no bias) -> * output_scale
//
// BatchNorm: weight fixed at 1 (not trained), bias trained, eps and momentum from the config.
#ifndef CIFARBENCH_RECIPES_HLB_HLB_NET_H_
#define CIFARBENCH_RECIPES_HLB_HLB_NET_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "recipes/hlb/hlb.pb.h"

namespace cifarbench::hlb {

class ConvGroupImpl : public torch::nn::Module {
 public:
  ConvGroupImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(ConvGroup);

class HlbNetImpl : public torch::nn::Module {
 public:
  explicit HlbNetImpl(const HlbModel& model);
  // (N, 3, 32, 32) normalised -> (N, 10) logits
  at::Tensor forward(const at::Tensor& x);

  torch::nn::Conv2d whiten{nullptr};
  std::vector<ConvGroup> groups;
  torch::nn::Linear head{nullptr};
  double output_scale = 1.0;
};
TORCH_MODULE(HlbNet);

// hlb's dirac init: conv1 of each group = default init + identity, renormalised; conv2 = identity.
void ApplyDiracInit(HlbNetImpl& net);

// Names of the state entries the EMA copies back into the live net: all but BN weights and the
// whitening conv (hlb's NetworkEMA.update).
bool EmaCopiesBack(const std::string& state_name);

// The two optimiser groups: "bias" = BN biases, "non_bias" = every other trained weight; the
// whitening conv (frozen) is in neither.
std::vector<at::Tensor> BiasParams(HlbNetImpl& net);
std::vector<at::Tensor> NonBiasParams(HlbNetImpl& net);

// recipes/hlb/hlb_record.textproto's model block (2x2 whitening with eps 1e-2, BatchNorm eps
// 1e-12 and momentum 0.4, output scale 1/9) with the given widths: for the tests and
// microbenchmarks that build a narrow hlb network (hlb_net_test checks it against the file).
HlbModel RecordModelConfig(const std::vector<int>& widths = {64, 256, 512});

}  // namespace cifarbench::hlb

#endif  // CIFARBENCH_RECIPES_HLB_HLB_NET_H_
