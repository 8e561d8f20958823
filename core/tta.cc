#include "core/tta.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <vector>

#include "core/augment.h"

namespace cifarbench {
namespace {

// 0.5 f(x) + 0.5 f(flip x) (the reference's infer_mirror).
at::Tensor Mirror(const ForwardFn& forward, const at::Tensor& x) {
  return forward(x) * 0.5 + forward(x.flip({-1})) * 0.5;
}

}  // namespace

at::Tensor SixViews(const at::Tensor& images) {
  const int64_t h = images.size(2), w = images.size(3);
  at::Tensor padded = ReflectPad(images, 1);
  at::Tensor t1 = padded.narrow(2, 0, h).narrow(3, 0, w);
  at::Tensor t2 = padded.narrow(2, 2, h).narrow(3, 2, w);
  at::Tensor base = at::cat({images, t1, t2}, 0);  // (3N, C, H, W)
  return at::cat({base, base.flip({-1})}, 0);
}

at::Tensor MultiViewTtaLogits(const ForwardFn& forward, const at::Tensor& images,
                              int64_t batch_size) {
  std::vector<at::Tensor> out;
  for (const at::Tensor& x : images.split(batch_size)) {
    const int64_t h = x.size(2), w = x.size(3);
    at::Tensor padded = ReflectPad(x, 1);
    at::Tensor translated = at::stack({Mirror(forward, padded.narrow(2, 0, h).narrow(3, 0, w)),
                                       Mirror(forward, padded.narrow(2, 2, h).narrow(3, 2, w))})
                                .mean(0);
    out.push_back(Mirror(forward, x) * 0.5 + translated * 0.5);
  }
  return at::cat(out);
}

SelectiveTtaResult SelectiveTtaLogits(const ForwardFn& forward, const at::Tensor& images, int64_t k,
                                      int64_t batch_size) {
  const int64_t n = images.size(0);
  TORCH_CHECK(k >= 0 && k <= n, "SelectiveTtaLogits: k = ", k, " of ", n, " images");
  std::vector<at::Tensor> plain;
  for (const at::Tensor& x : images.split(batch_size)) plain.push_back(forward(x));
  SelectiveTtaResult result;
  result.logits = at::cat(plain);
  at::Tensor confidence = std::get<0>(at::softmax(result.logits, 1).max(1));
  result.selected = std::get<1>(at::topk(confidence, k, 0, /*largest=*/false, /*sorted=*/false));
  for (int64_t start = 0; start < k; start += batch_size) {
    at::Tensor index = result.selected.narrow(0, start, std::min(batch_size, k - start));
    at::Tensor x = images.index_select(0, index);
    // (6b, K) -> (6, b, K) -> mean over the views, equal weights.
    at::Tensor views = forward(SixViews(x)).view({6, x.size(0), -1}).mean(0);
    result.logits.index_copy_(0, index, views.to(result.logits.scalar_type()));
  }
  return result;
}

}  // namespace cifarbench
