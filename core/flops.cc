#include "core/flops.h"

#include <ATen/ATen.h>
#include <ATen/record_function.h>

#include <cstring>
#include <memory>

namespace cifarbench {

namespace {

struct Counts {
  int64_t macs = 0;
  int64_t convs = 0;
  int64_t linears = 0;
};
thread_local Counts* g_counts = nullptr;

void OnEnd(const at::RecordFunction& fn, at::ObserverContext*) {
  if (g_counts == nullptr) return;
  const char* name = fn.name();
  const bool is_conv = std::strcmp(name, "aten::convolution") == 0;
  const bool is_linear = std::strcmp(name, "aten::linear") == 0;
  if (!is_conv && !is_linear) return;
  auto inputs = fn.inputs();
  const auto& outputs = fn.outputs();
  if (inputs.size() < 2 || outputs.empty() || !inputs[1].isTensor() || !outputs[0].isTensor()) {
    return;
  }
  const at::Tensor weight = inputs[1].toTensor();
  const at::Tensor out = outputs[0].toTensor();
  if (is_conv) {
    // Each output element costs in_channels/groups * kh * kw MACs: weight.numel() / out_ch.
    g_counts->macs += out.numel() * (weight.numel() / weight.size(0));
    g_counts->convs += 1;
  } else {
    g_counts->macs += out.numel() * weight.size(1);
    g_counts->linears += 1;
  }
}

std::unique_ptr<at::ObserverContext> OnStart(const at::RecordFunction&) { return nullptr; }

}  // namespace

NetworkCost CountNetworkCost(torch::nn::Module& module,
                             const std::function<at::Tensor(const at::Tensor&)>& forward) {
  NetworkCost cost;
  for (const at::Tensor& p : module.parameters(/*recurse=*/true)) {
    cost.params_total += p.numel();
    if (p.requires_grad()) cost.params_trained += p.numel();
  }
  Counts counts;
  g_counts = &counts;
  auto handle = at::addThreadLocalCallback(
      at::RecordFunctionCallback(&OnStart, &OnEnd).needsInputs(true).needsOutputs(true));
  {
    at::NoGradGuard no_grad;
    forward(at::zeros({1, 3, 32, 32}, at::kFloat));
  }
  at::removeCallback(handle);
  g_counts = nullptr;
  cost.forward_macs = counts.macs;
  cost.conv_layers = counts.convs;
  cost.linear_layers = counts.linears;
  return cost;
}

}  // namespace cifarbench
