#include "core/optim.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <c10/util/Exception.h>

#include <utility>

namespace cifarbench {

NesterovSgd::NesterovSgd(v1::OptimizerKind kind, double momentum, std::vector<SgdGroup> groups)
    : kind_(kind), momentum_(momentum), groups_(std::move(groups)) {
  for (const SgdGroup& g : groups_) {
    std::vector<at::Tensor> bufs;
    bufs.reserve(g.params.size());
    for (const at::Tensor& p : g.params) bufs.push_back(at::zeros_like(p));
    buffers_.push_back(std::move(bufs));
    // fp32 for fp32/fp16/bf16 parameters (the rate is applied in fp32, InFloat below), fp64
    // for fp64 ones (tests compare against exact arithmetic).
    const at::Device device = g.params.empty() ? at::Device(at::kCPU) : g.params[0].device();
    const at::ScalarType rate_dtype =
        !g.params.empty() && g.params[0].scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    neg_rates_.push_back(at::zeros({}, at::TensorOptions().dtype(rate_dtype).device(device)));
  }
}

void NesterovSgd::Step() {
  LoadRates();
  StepOnDevice();
}

void NesterovSgd::LoadRates() {
  at::NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) neg_rates_[gi].fill_(-groups_[gi].lr);
}

namespace {

// fp16/bf16 tensors as fp32 copies, the others as they are: the rate multiplies in fp32 and the
// result is rounded to the parameters' dtype once, as PyTorch's ops do with a Python-float rate
// (`param.add_(grad, alpha=-lr)`, `-lr * g`). Multiplying fp16 tensors by the 0-dim fp32 CUDA
// rate tensor directly would cast the rate to fp16 first (as e5b0f25 found in Muon): hlb's
// warm-up rates below 6.1e-5 are fp16 subnormals there, and the product is rounded twice. fp32
// and fp64 parameters take exactly the operations they did before (the CPU runs' numerics).
std::vector<at::Tensor> InFloat(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> out;
  out.reserve(tensors.size());
  for (const at::Tensor& t : tensors) {
    const at::ScalarType dtype = t.scalar_type();
    out.push_back(dtype == at::kHalf || dtype == at::kBFloat16 ? t.to(at::kFloat) : t);
  }
  return out;
}

}  // namespace

void NesterovSgd::StepOnDevice() {
  at::NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const SgdGroup& group = groups_[gi];
    std::vector<at::Tensor> params, grads, bufs;
    for (size_t i = 0; i < group.params.size(); ++i) {
      const at::Tensor& p = group.params[i];
      if (!p.grad().defined()) continue;
      params.push_back(p);
      grads.push_back(p.grad());
      bufs.push_back(buffers_[gi][i]);
    }
    if (params.empty()) continue;
    // -lr as a tensor, once per parameter: the list form of _foreach_mul_ exists in LibTorch
    // 1.13 and 2.x alike (shapes differ, so it takes the per-tensor path, broadcasting).
    const std::vector<at::Tensor> neg_lr(params.size(), neg_rates_[gi]);
    // g = grad + wd * w (a new list: the gradients themselves are left alone)
    std::vector<at::Tensor> g = at::_foreach_add(grads, params, group.weight_decay);
    if (kind_ == v1::OPTIMIZER_KIND_PAGE_NESTEROV) {
      std::vector<at::Tensor> d = InFloat(g);  // d = -lr * g (rounded once to g's dtype)
      at::_foreach_mul_(d, neg_lr);
      for (size_t i = 0; i < g.size(); ++i) {
        if (!d[i].is_same(g[i])) g[i].copy_(d[i]);
      }
      at::_foreach_mul_(bufs, momentum_);  // v = mu * v + d
      at::_foreach_add_(bufs, g);
      at::_foreach_add_(params, g);             // w = w + d
      at::_foreach_add_(params, bufs, momentum_);  //     + mu * v
    } else {
      at::_foreach_mul_(bufs, momentum_);  // v = mu * v + g
      at::_foreach_add_(bufs, g);
      at::_foreach_add_(g, bufs, momentum_);  // g + mu * v
      std::vector<at::Tensor> u = InFloat(g);  // -lr * (g + mu * v), fp32 for fp16 weights
      at::_foreach_mul_(u, neg_lr);
      at::_foreach_add_(params, u);  // w += u, rounded once to w's dtype
    }
  }
}

void NesterovSgd::ZeroGrad() {
  for (SgdGroup& group : groups_) {
    for (at::Tensor& p : group.params) {
      if (p.grad().defined()) p.mutable_grad().reset();
    }
  }
}

std::vector<std::pair<std::string, at::Tensor>> FloatState(torch::nn::Module& module) {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    if (at::isFloatingType(item.value().scalar_type())) out.emplace_back(item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    if (at::isFloatingType(item.value().scalar_type())) out.emplace_back(item.key(), item.value());
  }
  return out;
}

NetworkEma::NetworkEma(torch::nn::Module& live, torch::nn::Module& ema,
                       std::function<bool(const std::string&)> copy_back) {
  auto live_state = FloatState(live);
  auto ema_state = FloatState(ema);
  TORCH_CHECK(live_state.size() == ema_state.size(),
              "NetworkEma: the two networks have different state (", live_state.size(), " vs ",
              ema_state.size(), " floating-point entries)");
  for (size_t i = 0; i < live_state.size(); ++i) {
    TORCH_CHECK(live_state[i].first == ema_state[i].first, "NetworkEma: entry ", i, " is ",
                live_state[i].first, " in the live network but ", ema_state[i].first,
                " in the EMA network");
    live_.push_back(live_state[i].second);
    ema_.push_back(ema_state[i].second);
    if (copy_back(live_state[i].first)) {
      live_back_.push_back(live_state[i].second);
      ema_back_.push_back(ema_state[i].second);
    }
  }
}

void NetworkEma::Snapshot() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) ema_[i].copy_(live_[i]);
  initialized_ = true;
}

void NetworkEma::Update(double decay) {
  at::NoGradGuard no_grad;
  at::_foreach_mul_(ema_, decay);
  at::_foreach_add_(ema_, live_, 1.0 - decay);
  // Lookahead: the live network continues from the average.
  for (size_t i = 0; i < live_back_.size(); ++i) live_back_[i].copy_(ema_back_[i]);
}

}  // namespace cifarbench
