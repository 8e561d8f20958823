// Muon: Nesterov momentum whose update is orthogonalised by a quintic Newton-Schulz iteration,
// for conv filters, as in KellerJordan/cifar10-airbench f1c599c airbench94_muon.py L31-85 and
// hiverge/cifar10-speedrun 5cd49b1 cifar10_speedrun.py L27-229 (batched, padded, fp16).
#ifndef CIFARBENCH_CORE_MUON_H_
#define CIFARBENCH_CORE_MUON_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace cifarbench {

struct NewtonSchulzOptions {
  int64_t steps = 3;
  // The quintic's coefficients: p(x) = a x + b x^3 + c x^5 on each singular value.
  // airbench94_muon L43: (3.4445, -4.7750, 2.0315); hiverge L33: (3.4576, -4.7391, 2.0843).
  double a = 3.4445;
  double b = -4.7750;
  double c = 2.0315;
  // X = G / (||G||_F + eps) first. airbench94_muon: 1e-7. hiverge first scales X to a "target
  // magnitude" and then divides by the new norm + 1e-5, so the target cancels (dead code in
  // the reference); eps = 1e-5 gives the same result to well below fp16 resolution.
  double eps = 1e-7;
  // The iteration's dtype: bf16 on CUDA (airbench94_muon), fp16 (hiverge: its grads are fp16
  // and nothing casts them), fp32 on the CPU (bf16/fp16 matmuls are slow or missing there).
  at::ScalarType dtype = at::kFloat;
};

// Newton-Schulz on one matrix G (rows x cols), in options.dtype: X = G / (||G||_F + eps),
// transposed while rows > cols, then `steps` times A = X X^T, B = b A + c A A, X = a X + B X.
// Maps G = U S V^T to about U p^steps(S / ||G||) V^T. Returns options.dtype, G's shape.
at::Tensor NewtonSchulz5(const at::Tensor& g, const NewtonSchulzOptions& options);

// The same for a list of matrices at once (hiverge L27-99): each is transposed if it has more
// rows than columns, zero-padded to (max rows, max cols rounded up to `col_multiple`) and
// stacked, so each iteration is one batched matmul per product. Zero blocks stay zero and do
// not change the norms, so each result equals NewtonSchulz5 of that matrix (up to summation
// order). Returns the matrices in the input order and shapes, in options.dtype.
std::vector<at::Tensor> BatchedNewtonSchulz5(const std::vector<at::Tensor>& gs,
                                             const NewtonSchulzOptions& options,
                                             int64_t col_multiple = 16);

struct MuonOptions {
  double lr = 0;  // the current rate (the schedule sets it every step)
  double momentum = 0.6;
  bool nesterov = true;
  // Decoupled and multiplicative, after the update: W *= 1 - lr * weight_decay (hiverge
  // L226-229). airbench94_muon has none (0).
  double weight_decay = 0;
  // The weight normalisation before the update: W *= sqrt(C_out) / (||W||_F + norm_eps).
  // airbench94_muon (L83): every step, no eps (0). hiverge (L193-199): eps 1e-7, on the steps
  // GrowingIntervalSteps (core/schedule.h) gives; the caller says which (Step's argument).
  double norm_eps = 0;
  NewtonSchulzOptions newton_schulz;
  // One BatchedNewtonSchulz5 over every parameter (hiverge) instead of one call each.
  bool batched = false;
};

// Muon over parameters of 2 or more dims; each is treated as the matrix (C_out, numel / C_out)
// (a conv filter (C_out, C_in, k, k) as C_out x C_in k k, via reshape, so channels_last
// weights are read in logical order). Per parameter with a gradient G:
//   B = m B + G                       momentum buffer: zeros at first, in W's dtype
//   G' = G + m B  (nesterov)  or  B
//   W = W * sqrt(C_out) / (||W||_F + norm_eps)            only when asked (Step's argument)
//   W = W - lr * NS(G')                                     NS in newton_schulz.dtype
//   W = W * (1 - lr * weight_decay)                         when weight_decay != 0
// No shape-dependent lr factor and no clipping (later Muon versions add them; these do not).
// Parameters whose gradient is undefined are skipped: no momentum, no normalisation, no decay.
class Muon {
 public:
  Muon(std::vector<at::Tensor> params, MuonOptions options);

  // Step(normalise) = LoadRates() + StepOnDevice(normalise).
  void Step(bool normalise_weights);
  // Copies options().lr into the rate tensors on the parameters' device (a fill, no host
  // synchronisation), so a CUDA graph of StepOnDevice() sees the new rate when replayed.
  void LoadRates();
  // The update, reading the rate from the rate tensors only (capturable). The normalisation is
  // a host decision: capture one graph per value.
  void StepOnDevice(bool normalise_weights);
  // Drops every gradient (set_to_none).
  void ZeroGrad();

  MuonOptions& options() { return options_; }
  const std::vector<at::Tensor>& params() const { return params_; }
  const std::vector<at::Tensor>& momentum_buffers() const { return buffers_; }

 private:
  std::vector<at::Tensor> params_;
  MuonOptions options_;
  std::vector<at::Tensor> buffers_;
  at::Tensor neg_rate_;      // 0-dim fp32 (fp64 for fp64 parameters): -lr
  at::Tensor decay_factor_;  // 0-dim: 1 - lr * weight_decay
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_MUON_H_
