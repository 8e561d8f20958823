// The airbench network (KellerJordan/cifar10-airbench f1c599c airbench94_muon.py L183-261),
// exposed for the plugin and the fidelity tests:
//
//   whiten: conv2d(x, W (24, 3, 2, 2) frozen, b (24)), no padding  (b trained for the first
//           steps only: forward(x, false) uses b.detach(), quirk Q2)
//   GELU
//   3 x block(w): conv1 3x3 pad 1 -> MaxPool2 -> BN -> act -> conv2 3x3 pad 1 -> BN -> act
//                 (act = GELU; SiLU for hiverge_record, model.block_activation)
//   MaxPool3 (3x3 -> 1x1) -> flatten -> Linear(w3 -> 10, no bias) / head_divisor
//
// Convs have no bias. BatchNorm: weight fixed at 1 (not trained), bias trained.
#ifndef CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_NET_H_
#define CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_NET_H_

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "recipes/airbench/airbench.pb.h"

namespace cifarbench::airbench {

class AirbenchBlockImpl : public torch::nn::Module {
 public:
  AirbenchBlockImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum, bool silu);
  at::Tensor forward(const at::Tensor& x);

  bool silu = false;  // SiLU instead of GELU (hiverge L407)
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(AirbenchBlock);

class AirbenchNetImpl : public torch::nn::Module {
 public:
  explicit AirbenchNetImpl(const AirbenchModel& model);
  // (N, 3, 32, 32) normalised -> (N, 10) logits; the whitening bias gets gradients only when
  // `whiten_bias_grad`.
  at::Tensor forward(const at::Tensor& x, bool whiten_bias_grad = true);

  at::Tensor whiten_weight;  // (24, 3, 2, 2), frozen
  at::Tensor whiten_bias;    // (24)
  std::vector<AirbenchBlock> blocks;
  torch::nn::Linear head{nullptr};
  double head_divisor = 256;
  bool head_unit_std = true;           // model.head_unit_std
  bool whiten_bias_zero_init = false;  // model.whiten_bias_zero_init
};
TORCH_MODULE(AirbenchNet);

// The per-run initialisation after construction (airbench's reset(), untimed): the whitening
// bias U(+-1/sqrt(fan_in)) (quirk Q1, reproduced; zero for airbench94), identity on the first
// C_in filters of every 3x3 conv, BN weight 1 / bias 0 / running stats reset, the head's weight
// scaled to unit (unbiased) std (airbench94: nn.Linear's default init, unscaled). The whitening
// weight is set by the plugin (data-dependent).
void ResetParameters(AirbenchNetImpl& net);

// The optimiser partition (L356-360): Muon gets the six 3x3 conv filters; SGD the whitening
// bias, the BN biases and the head weight. The whitening weight and BN weights are in none.
std::vector<at::Tensor> MuonParams(AirbenchNetImpl& net);
std::vector<at::Tensor> NormBiasParams(AirbenchNetImpl& net);

// Every BatchNorm, for keeping them in fp32 when the rest is fp16 (L234-238).
std::vector<torch::nn::BatchNorm2d> Norms(AirbenchNetImpl& net);

}  // namespace cifarbench::airbench

#endif  // CIFARBENCH_RECIPES_AIRBENCH_AIRBENCH_NET_H_
