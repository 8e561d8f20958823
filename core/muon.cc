#include "core/muon.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <utility>

namespace cifarbench {
namespace {

// W itself when it is fp32 or fp64, else an fp32 copy (the arithmetic precision PyTorch uses for
// a reduced-precision tensor and a Python-float scalar).
at::Tensor Fp32(const at::Tensor& w) {
  const at::ScalarType t = w.scalar_type();
  return (t == at::kFloat || t == at::kDouble) ? w : w.to(at::kFloat);
}

// `steps` quintic iterations on X (R x C, or a batch (B, R, C)) with R <= C.
at::Tensor Iterate(at::Tensor x, const NewtonSchulzOptions& o) {
  for (int64_t i = 0; i < o.steps; ++i) {
    at::Tensor a = at::matmul(x, x.transpose(-2, -1));
    at::Tensor b = a * o.b + at::matmul(a, a) * o.c;
    x = x * o.a + at::matmul(b, x);
  }
  return x;
}

}  // namespace

at::Tensor NewtonSchulz5(const at::Tensor& g, const NewtonSchulzOptions& options) {
  TORCH_CHECK(g.dim() == 2, "NewtonSchulz5: expected a matrix, got ", g.sizes());
  at::NoGradGuard no_grad;
  at::Tensor x = g.to(options.dtype);
  x = x / (x.norm() + options.eps);
  // The iteration works on the wide orientation (X X^T is the smaller Gram matrix).
  const bool transposed = g.size(0) > g.size(1);
  if (transposed) x = x.t();
  x = Iterate(x, options);
  return transposed ? x.t() : x;
}

std::vector<at::Tensor> BatchedNewtonSchulz5(const std::vector<at::Tensor>& gs,
                                             const NewtonSchulzOptions& options,
                                             int64_t col_multiple) {
  at::NoGradGuard no_grad;
  if (gs.empty()) return {};
  int64_t rows = 1, cols = 1;
  for (const at::Tensor& g : gs) {
    TORCH_CHECK(g.dim() == 2, "BatchedNewtonSchulz5: expected matrices, got ", g.sizes());
    rows = std::max(rows, std::min(g.size(0), g.size(1)));
    cols = std::max(cols, std::max(g.size(0), g.size(1)));
  }
  cols = (cols + col_multiple - 1) / col_multiple * col_multiple;  // hiverge L142-144
  // (B, rows, cols): matrix i in the top-left corner of slice i, zeros elsewhere.
  const int64_t n = static_cast<int64_t>(gs.size());
  at::Tensor x = at::zeros({n, rows, cols}, gs[0].options().dtype(options.dtype));
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor& g = gs[i];
    at::Tensor wide = g.size(0) > g.size(1) ? g.t() : g;
    x[i].narrow(0, 0, wide.size(0)).narrow(1, 0, wide.size(1)).copy_(wide);
  }
  x = x / (x.norm(2, {1, 2}, /*keepdim=*/true) + options.eps);
  x = Iterate(x, options);
  std::vector<at::Tensor> out;
  out.reserve(gs.size());
  for (int64_t i = 0; i < n; ++i) {
    const at::Tensor& g = gs[i];
    const bool transposed = g.size(0) > g.size(1);
    at::Tensor block = x[i].narrow(0, 0, std::min(g.size(0), g.size(1)))
                           .narrow(1, 0, std::max(g.size(0), g.size(1)));
    out.push_back(transposed ? block.t() : block);
  }
  return out;
}

Muon::Muon(std::vector<at::Tensor> params, MuonOptions options)
    : params_(std::move(params)), options_(options) {
  TORCH_CHECK(!params_.empty(), "Muon: no parameters");
  for (const at::Tensor& p : params_) {
    TORCH_CHECK(p.dim() >= 2, "Muon: parameters need 2 or more dims, got ", p.sizes());
    buffers_.push_back(at::zeros_like(p));
  }
  const at::TensorOptions rate_options =
      at::TensorOptions()
          .dtype(params_[0].scalar_type() == at::kDouble ? at::kDouble : at::kFloat)
          .device(params_[0].device());
  neg_rate_ = at::zeros({}, rate_options);
  decay_factor_ = at::ones({}, rate_options);
}

void Muon::Step(bool normalise_weights) {
  LoadRates();
  StepOnDevice(normalise_weights);
}

void Muon::LoadRates() {
  at::NoGradGuard no_grad;
  neg_rate_.fill_(-options_.lr);
  decay_factor_.fill_(1.0 - options_.lr * options_.weight_decay);
}

void Muon::StepOnDevice(bool normalise_weights) {
  at::NoGradGuard no_grad;
  const double m = options_.momentum;
  std::vector<size_t> active;
  std::vector<at::Tensor> updates;  // G' as (C_out, numel / C_out)
  for (size_t i = 0; i < params_.size(); ++i) {
    const at::Tensor& p = params_[i];
    if (!p.grad().defined()) continue;
    const at::Tensor& g = p.grad();
    buffers_[i].mul_(m).add_(g);
    at::Tensor u = options_.nesterov ? g.add(buffers_[i], m) : buffers_[i];
    updates.push_back(u.reshape({p.size(0), -1}));
    active.push_back(i);
  }
  if (active.empty()) return;
  std::vector<at::Tensor> orthogonal;
  if (options_.batched) {
    orthogonal = BatchedNewtonSchulz5(updates, options_.newton_schulz);
  } else {
    for (const at::Tensor& u : updates) {
      orthogonal.push_back(NewtonSchulz5(u, options_.newton_schulz));
    }
  }
  for (size_t k = 0; k < active.size(); ++k) {
    at::Tensor& p = params_[active[k]];
    if (normalise_weights) {
      // Before the update, so the final weights are not normalised (airbench94_muon quirk Q3,
      // reproduced). airbench94_muon divides by the bare norm (norm_eps 0), hiverge adds 1e-7.
      const double target = std::sqrt(static_cast<double>(p.size(0)));
      p.mul_((p.norm() + options_.norm_eps).reciprocal().mul_(target));
    }
    // The update and the decay are computed in fp32 and rounded to W's dtype once each, as the
    // references do: airbench94_muon adds its bf16 update into its fp16 weights in place with a
    // Python-float alpha (quirk Q4; mixed fp16/bf16 computes in fp32), hiverge decays with
    // _foreach_mul_ by a Python float (PyTorch's opmath, fp32). Multiplying fp16 weights by our
    // 0-dim fp32 *CUDA* rate tensor would instead cast the rate to fp16 first: hiverge's decay
    // factor 1 - lr * wd (0.99967 at step 0) would round to 0.99951 (1.5x the decay), and to
    // exactly 1 (no decay) once lr * wd < 2^-12. For fp32 weights (the CPU) `Fp32` is W itself
    // and the copies back are no-ops: the same arithmetic as before, bit for bit.
    at::Tensor w = Fp32(p);
    w.add_(orthogonal[k].reshape(p.sizes()).to(w.scalar_type()) * neg_rate_);
    if (!w.is_same(p)) p.copy_(w);
    if (options_.weight_decay != 0) {
      w = Fp32(p);
      w.mul_(decay_factor_);
      if (!w.is_same(p)) p.copy_(w);
    }
  }
}

void Muon::ZeroGrad() {
  for (at::Tensor& p : params_) {
    if (p.grad().defined()) p.mutable_grad().reset();
  }
}

}  // namespace cifarbench
