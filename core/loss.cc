#include "core/loss.h"

#include <ATen/ATen.h>

namespace cifarbench {

at::Tensor SmoothedCrossEntropySum(const at::Tensor& logits, const at::Tensor& soft_targets,
                                   double label_smoothing) {
  const int64_t k = logits.size(1);
  at::Tensor log_probs = at::log_softmax(logits.to(at::kFloat), 1);
  at::Tensor targets =
      soft_targets.to(at::kFloat) * (1.0 - label_smoothing) + label_smoothing / k;
  return -(targets * log_probs).sum();
}

at::Tensor OneHot(const at::Tensor& labels, int64_t num_classes, at::ScalarType dtype) {
  return at::one_hot(labels, num_classes).to(dtype);
}

}  // namespace cifarbench
