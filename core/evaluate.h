// Evaluation with test-time augmentation (the training loss: core/loss.h).
#ifndef CIFARBENCH_CORE_EVALUATE_H_
#define CIFARBENCH_CORE_EVALUATE_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>

#include "proto/recipe.pb.h"

namespace cifarbench {

// Logits of the network under `tta`: TTA_FLIP averages the logits of x and of its mirror;
// TTA_SIX_VIEW is airbench's six weighted views (core/tta.h MultiViewTtaLogits). Per image:
// not for TTA_SELECTIVE, which ranks the whole set (Evaluate).
at::Tensor TtaLogits(const std::function<at::Tensor(const at::Tensor&)>& forward,
                     const at::Tensor& images, v1::TtaKind tta);

// A TTA kind with what it needs: TTA_SELECTIVE's share of the set (eval.selective_fraction).
struct Tta {
  Tta(v1::TtaKind k = v1::TTA_NONE) : kind(k) {}  // NOLINT: a plain kind converts
  v1::TtaKind kind;
  double selective_fraction = 0;
};
// The recipe's headline TTA (eval.headline_tta and, for TTA_SELECTIVE, its fraction).
Tta HeadlineTta(const v1::EvalConfig& eval);

struct EvalResult {
  double loss = 0;      // mean plain cross-entropy (fp32)
  double accuracy = 0;  // fraction correct
  int64_t count = 0;
};
// Evaluates on `images` (normalised, the network's dtype) and int64 `labels` in batches, with
// gradients off. The caller puts the network in eval mode. TTA_SELECTIVE picks its
// floor(fraction x N) least confident images among all N (hiverge L510-584), in batches.
// With `logits_out`, also returns every image's (TTA) logits, fp32, on the CPU.
EvalResult Evaluate(const std::function<at::Tensor(const at::Tensor&)>& forward,
                    const at::Tensor& images, const at::Tensor& labels, int64_t batch_size,
                    const Tta& tta, at::Tensor* logits_out = nullptr);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_EVALUATE_H_
