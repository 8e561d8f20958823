#include "core/flops.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <ATen/record_function.h>

#include <cstring>
#include <memory>

namespace cifarbench {

namespace {

struct Counts {
  int64_t macs = 0;
  int64_t convs = 0;
  int64_t linears = 0;
  int conv_depth = 0;  // inside an aten::convolution: its own GEMMs are not counted again
};
thread_local Counts* g_counts = nullptr;

bool IsConv(const char* name) { return std::strcmp(name, "aten::convolution") == 0; }

// The GEMM leaves that a linear layer reaches: LibTorch 1.13's nn::Linear calls matmul/addmm
// directly (no aten::linear), 2.x goes aten::linear -> mm/addmm. Counting the leaves covers
// both without double counting.
bool IsGemm(const char* name) {
  return std::strcmp(name, "aten::mm") == 0 || std::strcmp(name, "aten::addmm") == 0 ||
         std::strcmp(name, "aten::bmm") == 0;
}

// What OnStart learns from the inputs, handed to OnEnd through RecordFunction's observer
// context. LibTorch 2.x keeps a RecordFunction's inputs valid only inside the start callback
// (reading them in the end callback crashed under pip torch 2.11 on the H200 machine), so the
// inputs are read here and only the outputs at the end.
struct MacContext : at::ObserverContext {
  bool conv = false;             // an aten::convolution (its depth is decremented at the end)
  bool counted = false;          // the MACs of this call are counted
  int64_t macs_per_output = 0;   // MACs per output element
};

std::unique_ptr<at::ObserverContext> OnStart(const at::RecordFunction& fn) {
  if (g_counts == nullptr || fn.name() == nullptr) return nullptr;
  const char* name = fn.name();
  const bool is_conv = IsConv(name);
  const bool is_gemm = IsGemm(name) && g_counts->conv_depth == 0;
  if (!is_conv && !is_gemm) return nullptr;
  auto ctx = std::make_unique<MacContext>();
  ctx->conv = is_conv;
  if (is_conv) ++g_counts->conv_depth;
  const auto inputs = fn.inputs();
  if (is_conv) {
    // Each output element costs in_channels/groups * kh * kw MACs: weight.numel() / out_ch.
    // Only the outermost convolution counts (its own GEMMs are not counted again).
    if (g_counts->conv_depth == 1 && inputs.size() >= 2 && inputs[1].isTensor()) {
      const at::Tensor weight = inputs[1].toTensor();
      ctx->macs_per_output = weight.numel() / weight.size(0);
      ctx->counted = true;
    }
  } else {
    // mm(a, b), bmm(a, b), addmm(bias, a, b): each output element costs a's last dimension.
    const size_t a_index = std::strcmp(name, "aten::addmm") == 0 ? 1 : 0;
    if (inputs.size() > a_index && inputs[a_index].isTensor()) {
      ctx->macs_per_output = inputs[a_index].toTensor().size(-1);
      ctx->counted = true;
    }
  }
  return ctx;
}

void OnEnd(const at::RecordFunction& fn, at::ObserverContext* observer_ctx) {
  if (g_counts == nullptr || observer_ctx == nullptr) return;
  const auto* ctx = static_cast<const MacContext*>(observer_ctx);
  if (ctx->conv) --g_counts->conv_depth;
  if (!ctx->counted) return;
  const auto& outputs = fn.outputs();
  if (outputs.empty() || !outputs[0].isTensor()) return;
  g_counts->macs += outputs[0].toTensor().numel() * ctx->macs_per_output;
  (ctx->conv ? g_counts->convs : g_counts->linears) += 1;
}

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
