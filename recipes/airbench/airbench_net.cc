#include "recipes/airbench/airbench_net.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)

#include <cmath>
#include <string>

#include "core/nn_init.h"

namespace cifarbench::airbench {

AirbenchBlockImpl::AirbenchBlockImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum,
                                     bool silu)
    : silu(silu) {
  auto conv = [](int64_t i, int64_t o) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(i, o, 3).padding(1).bias(false));
  };
  auto norm = [&](int64_t c) {
    torch::nn::BatchNorm2d bn(torch::nn::BatchNorm2dOptions(c).eps(bn_eps).momentum(bn_momentum));
    bn->weight.set_requires_grad(false);
    return bn;
  };
  conv1 = register_module("conv1", conv(in, out));
  norm1 = register_module("norm1", norm(out));
  conv2 = register_module("conv2", conv(out, out));
  norm2 = register_module("norm2", norm(out));
}

at::Tensor AirbenchBlockImpl::forward(const at::Tensor& x) {
  auto activation = [this](const at::Tensor& t) { return silu ? at::silu(t) : at::gelu(t); };
  at::Tensor y = at::max_pool2d(conv1->forward(x), {2, 2});
  y = activation(norm1->forward(y));
  return activation(norm2->forward(conv2->forward(y)));
}

AirbenchNetImpl::AirbenchNetImpl(const AirbenchModel& model) {
  const int64_t k = model.whiten_kernel_size();
  const int64_t whiten_width = 2 * 3 * k * k;
  whiten_weight = register_parameter("whiten_weight", at::zeros({whiten_width, 3, k, k}),
                                     /*requires_grad=*/false);
  whiten_bias = register_parameter("whiten_bias", at::zeros({whiten_width}));
  int64_t in = whiten_width;
  for (int i = 0; i < model.widths_size(); ++i) {
    blocks.push_back(register_module(
        "block" + std::to_string(i + 1),
        AirbenchBlock(in, model.widths(i), model.bn_eps(), model.bn_momentum(),
                      model.block_activation() == BLOCK_ACTIVATION_SILU)));
    in = model.widths(i);
  }
  head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(in, 10).bias(false)));
  head_divisor = model.head_divisor() > 0 ? model.head_divisor() : static_cast<double>(in);
  head_unit_std = !model.has_head_unit_std() || model.head_unit_std();
  whiten_bias_zero_init = model.whiten_bias_zero_init();
  ResetParameters(*this);
}

at::Tensor AirbenchNetImpl::forward(const at::Tensor& x, bool whiten_bias_grad) {
  at::Tensor y = at::conv2d(x, whiten_weight, whiten_bias_grad ? whiten_bias : whiten_bias.detach());
  y = at::gelu(y);
  for (auto& block : blocks) y = block->forward(y);
  y = at::max_pool2d(y, {3, 3}).flatten(1);
  return head->forward(y) / head_divisor;
}

void ResetParameters(AirbenchNetImpl& net) {
  at::NoGradGuard no_grad;
  const int64_t fan_in = net.whiten_weight[0].numel();
  ConvBiasInit(net.whiten_bias, fan_in, /*zero=*/net.whiten_bias_zero_init);
  for (auto& block : net.blocks) {
    for (torch::nn::Conv2d conv : {block->conv1, block->conv2}) {
      conv->reset_parameters();
      DiracFirstFilters(conv->weight);
    }
    for (torch::nn::BatchNorm2d bn : {block->norm1, block->norm2}) {
      bn->weight.fill_(1);
      bn->bias.zero_();
      bn->reset_running_stats();
    }
  }
  net.head->reset_parameters();
  if (net.head_unit_std) net.head->weight.mul_(1.0 / net.head->weight.std().item<double>());
}

std::vector<at::Tensor> MuonParams(AirbenchNetImpl& net) {
  std::vector<at::Tensor> out;
  for (auto& block : net.blocks) {
    out.push_back(block->conv1->weight);
    out.push_back(block->conv2->weight);
  }
  return out;
}

std::vector<at::Tensor> NormBiasParams(AirbenchNetImpl& net) {
  std::vector<at::Tensor> out;
  for (auto& block : net.blocks) {
    out.push_back(block->norm1->bias);
    out.push_back(block->norm2->bias);
  }
  return out;
}

std::vector<torch::nn::BatchNorm2d> Norms(AirbenchNetImpl& net) {
  std::vector<torch::nn::BatchNorm2d> out;
  for (auto& block : net.blocks) {
    out.push_back(block->norm1);
    out.push_back(block->norm2);
  }
  return out;
}

}  // namespace cifarbench::airbench
