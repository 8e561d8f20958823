// The training loss and its targets, for any plugin.
#ifndef CIFARBENCH_CORE_LOSS_H_
#define CIFARBENCH_CORE_LOSS_H_

#include <ATen/ATen.h>

#include <cstdint>

namespace cifarbench {

// Cross-entropy against soft targets (N, K) with label smoothing eps, summed over the batch:
// sum_i -sum_k ((1 - eps) t_ik + eps / K) log softmax(logits)_ik. Equals PyTorch's
// CrossEntropyLoss(label_smoothing=eps, reduction='sum') for one-hot and probability targets.
// Computed in fp32 whatever the logits' dtype.
at::Tensor SmoothedCrossEntropySum(const at::Tensor& logits, const at::Tensor& soft_targets,
                                   double label_smoothing);

// (N) int64 labels -> (N, K) one-hot in `dtype`.
at::Tensor OneHot(const at::Tensor& labels, int64_t num_classes, at::ScalarType dtype);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_LOSS_H_
