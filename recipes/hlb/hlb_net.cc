#include "recipes/hlb/hlb_net.h"

#include <ATen/ATen.h>

#include "absl/strings/match.h"
#include "core/nn_init.h"

namespace cifarbench::hlb {

ConvGroupImpl::ConvGroupImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum) {
  auto conv = [](int64_t i, int64_t o) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(i, o, 3).padding(1).bias(false));
  };
  auto bn = [&](int64_t c) {
    torch::nn::BatchNorm2d norm(
        torch::nn::BatchNorm2dOptions(c).eps(bn_eps).momentum(bn_momentum));
    // hlb: BN weight fixed at 1 and not trained; the bias is trained (from 0).
    norm->weight.set_requires_grad(false);
    return norm;
  };
  conv1 = register_module("conv1", conv(in, out));
  norm1 = register_module("norm1", bn(out));
  conv2 = register_module("conv2", conv(out, out));
  norm2 = register_module("norm2", bn(out));
}

at::Tensor ConvGroupImpl::forward(const at::Tensor& x) {
  at::Tensor y = conv1->forward(x);
  y = at::max_pool2d(y, {2, 2});
  y = at::gelu(norm1->forward(y));
  y = at::gelu(norm2->forward(conv2->forward(y)));
  return y;
}

HlbNetImpl::HlbNetImpl(const HlbModel& model) : output_scale(model.output_scale()) {
  const int64_t k = model.whiten_kernel_size();
  const int64_t whiten_depth = 3 * k * k;  // 12 filters for k = 2, doubled to 24 by cat(E, -E)
  whiten = register_module(
      "whiten", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 2 * whiten_depth, k).bias(false)));
  whiten->weight.set_requires_grad(false);
  int64_t in = 2 * whiten_depth;
  for (int i = 0; i < model.widths_size(); ++i) {
    groups.push_back(register_module(
        "group" + std::to_string(i + 1),
        ConvGroup(in, model.widths(i), model.bn_eps(), model.bn_momentum())));
    in = model.widths(i);
  }
  head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(in, 10).bias(false)));
}

at::Tensor HlbNetImpl::forward(const at::Tensor& x) {
  // (N, 3, 32, 32) -> (N, 24, 31, 31)
  at::Tensor y = at::gelu(whiten->forward(x));
  // -> (N, w1, 15, 15) -> (N, w2, 7, 7) -> (N, w3, 3, 3)
  for (auto& g : groups) y = g->forward(y);
  // -> (N, w3): global max pool
  y = at::amax(y, {2, 3});
  return head->forward(y) * output_scale;
}

void ApplyDiracInit(HlbNetImpl& net) {
  for (auto& g : net.groups) {
    DiracPlusDefaultRenormalised(g->conv1->weight);
    DiracInit(g->conv2->weight);
  }
}

bool EmaCopiesBack(const std::string& name) {
  const bool bn_weight = absl::StrContains(name, "norm") && absl::EndsWith(name, "weight");
  return !bn_weight && !absl::StrContains(name, "whiten");
}

std::vector<at::Tensor> BiasParams(HlbNetImpl& net) {
  std::vector<at::Tensor> out;
  for (auto& g : net.groups) {
    out.push_back(g->norm1->bias);
    out.push_back(g->norm2->bias);
  }
  return out;
}

std::vector<at::Tensor> NonBiasParams(HlbNetImpl& net) {
  std::vector<at::Tensor> out;
  for (auto& g : net.groups) {
    out.push_back(g->conv1->weight);
    out.push_back(g->conv2->weight);
  }
  out.push_back(net.head->weight);
  return out;
}

HlbModel RecordModelConfig(const std::vector<int>& widths) {
  HlbModel m;
  for (int w : widths) m.add_widths(w);
  m.set_whiten_kernel_size(2);
  m.set_whiten_eps(1e-2);
  m.set_bn_eps(1e-12);
  m.set_bn_momentum(0.4);
  m.set_output_scale(1.0 / 9);
  return m;
}

}  // namespace cifarbench::hlb
