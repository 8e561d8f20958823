// airbench's test-time augmentation: six views per image (the image, two one-pixel
// translations, and the mirrors of all three), weighted (KellerJordan/cifar10-airbench f1c599c
// airbench94_muon.py L297-330, tta_level 2) or spent only on the least confident images
// (hiverge/cifar10-speedrun 5cd49b1 cifar10_speedrun.py L517-573).
#ifndef CIFARBENCH_CORE_TTA_H_
#define CIFARBENCH_CORE_TTA_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>

namespace cifarbench {

using ForwardFn = std::function<at::Tensor(const at::Tensor&)>;

// The six views of (N, C, H, W) images, concatenated along the batch: (6N, C, H, W) in the
// order x, t1, t2, flip x, flip t1, flip t2, where with xp = reflect-pad(x, 1),
// t1 = xp[:, :, 0:H, 0:W] (t1[i, j] = x[r(i - 1), r(j - 1)]) and t2 = xp[:, :, 2:H+2, 2:W+2]
// (t2[i, j] = x[r(i + 1), r(j + 1)]), r reflecting -1 -> 1 and H -> H - 2.
at::Tensor SixViews(const at::Tensor& images);

// airbench's tta_level 2, in batches of `batch_size` images (the reference: 2000), in the
// logits' dtype as the reference (fp16 on CUDA):
//   0.5 * (0.5 f(x) + 0.5 f(flip x)) + 0.5 * mean_t (0.5 f(t) + 0.5 f(flip t)),  t = t1, t2
// i.e. weights 1/4, 1/4 on the image and its mirror and 1/8 on each of the four translated
// views: 6 forward passes per image. The caller sets eval mode and NoGradGuard.
at::Tensor MultiViewTtaLogits(const ForwardFn& forward, const at::Tensor& images,
                              int64_t batch_size);

struct SelectiveTtaResult {
  at::Tensor logits;    // (N, K): plain logits, the selected rows replaced by their TTA logits
  at::Tensor selected;  // int64 (k): the selected images' indices (unsorted, as topk gives them)
};
// hiverge's selective TTA: plain logits for every image (batches of `batch_size`), confidence =
// max softmax probability, the k least confident images (topk largest=false) get the mean of
// their six views' logits with equal weights 1/6 (one forward of up to 6 * batch_size images
// per batch), the others keep their plain logits. The reference uses k = int(0.25 N).
SelectiveTtaResult SelectiveTtaLogits(const ForwardFn& forward, const at::Tensor& images, int64_t k,
                                      int64_t batch_size);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_TTA_H_
