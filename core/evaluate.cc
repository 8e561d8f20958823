#include "core/evaluate.h"
#include "core/tta.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)

#include <cmath>
#include <vector>

namespace cifarbench {

at::Tensor TtaLogits(const std::function<at::Tensor(const at::Tensor&)>& forward,
                     const at::Tensor& images, v1::TtaKind tta) {
  if (tta == v1::TTA_SIX_VIEW) return MultiViewTtaLogits(forward, images, images.size(0));
  at::Tensor logits = forward(images);
  if (tta == v1::TTA_FLIP) {
    logits = (logits + forward(images.flip({3}))) * 0.5;
  }
  return logits;
}

Tta HeadlineTta(const v1::EvalConfig& eval) {
  Tta tta(eval.headline_tta());
  tta.selective_fraction = eval.selective_fraction();
  return tta;
}

EvalResult Evaluate(const std::function<at::Tensor(const at::Tensor&)>& forward,
                    const at::Tensor& images, const at::Tensor& labels, int64_t batch_size,
                    const Tta& tta, at::Tensor* logits_out) {
  at::NoGradGuard no_grad;
  const int64_t n = images.size(0);
  at::Tensor selective;  // TTA_SELECTIVE: every image's logits, ranked over the whole set
  if (tta.kind == v1::TTA_SELECTIVE) {
    TORCH_CHECK(tta.selective_fraction > 0 && tta.selective_fraction <= 1,
                "Evaluate: TTA_SELECTIVE needs a fraction in (0, 1], got ", tta.selective_fraction);
    const auto k = static_cast<int64_t>(std::floor(tta.selective_fraction * static_cast<double>(n)));
    selective = SelectiveTtaLogits(forward, images, k, batch_size).logits;
  }
  at::Tensor loss_sum = at::zeros({}, images.options().dtype(at::kFloat));
  at::Tensor correct = at::zeros({}, images.options().dtype(at::kLong));
  std::vector<at::Tensor> all_logits;
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t len = std::min(batch_size, n - start);
    at::Tensor x = images.narrow(0, start, len);
    at::Tensor y = labels.narrow(0, start, len);
    at::Tensor logits = (selective.defined() ? selective.narrow(0, start, len)
                                             : TtaLogits(forward, x, tta.kind))
                            .to(at::kFloat);
    loss_sum += at::cross_entropy_loss(logits, y, {}, at::Reduction::Sum);
    correct += (logits.argmax(1) == y).sum();
    if (logits_out != nullptr) all_logits.push_back(logits);
  }
  if (logits_out != nullptr) {
    *logits_out = all_logits.empty() ? at::empty({0, 10}) : at::cat(all_logits).cpu();
  }
  EvalResult r;
  r.count = n;
  if (n > 0) {
    r.loss = loss_sum.item<double>() / static_cast<double>(n);
    r.accuracy = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(n);
  }
  return r;
}

}  // namespace cifarbench
