#include "core/augment.h"

#include <ATen/ATen.h>

namespace cifarbench {

namespace {
// CIFAR-10 training-set statistics on the 0-255 scale, rounded: what hlb-CIFAR10 computes from
// the training images with torch.std_mean (tysam-code/hlb-CIFAR10 v0.7.0 main.py L106).
constexpr double kMean[3] = {125.31, 122.95, 113.87};
constexpr double kStd[3] = {62.99, 62.09, 66.70};
}  // namespace

at::Tensor ReflectPad(const at::Tensor& images, int64_t pad) {
  if (pad == 0) return images;
  // reflection_pad2d has no Half kernel on CPU; pad in float there.
  if (images.device().is_cpu() && images.scalar_type() != at::kFloat &&
      images.scalar_type() != at::kDouble) {
    return at::reflection_pad2d(images.to(at::kFloat), {pad, pad, pad, pad})
        .to(images.scalar_type());
  }
  return at::reflection_pad2d(images, {pad, pad, pad, pad});
}

CropFlipDraws DrawCropFlip(int64_t n, int64_t max_offset, double flip_probability,
                           at::Device device) {
  auto long_opts = at::TensorOptions().dtype(at::kLong).device(device);
  CropFlipDraws d;
  // randint's high is exclusive: max_offset + 1 reaches every offset 0..max_offset.
  d.offset_y = at::randint(0, max_offset + 1, {n}, long_opts);
  d.offset_x = at::randint(0, max_offset + 1, {n}, long_opts);
  d.flip = at::rand({n}, at::TensorOptions().dtype(at::kFloat).device(device)) <
           flip_probability;
  return d;
}

at::Tensor CropFlip(const at::Tensor& padded, const CropFlipDraws& draws, int64_t size) {
  const int64_t n = padded.size(0);
  const int64_t c = padded.size(1);
  auto long_opts = at::TensorOptions().dtype(at::kLong).device(padded.device());
  at::Tensor ar = at::arange(size, long_opts);                      // (S)
  at::Tensor rows = draws.offset_y.view({n, 1}) + ar.view({1, size});  // (N, S)
  // A flip reads columns right to left: x' = offset + (S - 1 - j).
  at::Tensor ar_rev = at::arange(size - 1, -1, -1, long_opts);
  at::Tensor col_index = at::where(draws.flip.view({n, 1}), ar_rev.view({1, size}),
                                   ar.view({1, size}));
  at::Tensor cols = draws.offset_x.view({n, 1}) + col_index;  // (N, S)
  at::Tensor n_idx = at::arange(n, long_opts).view({n, 1, 1, 1});
  at::Tensor c_idx = at::arange(c, long_opts).view({1, c, 1, 1});
  // (N, C, S, S) by advanced indexing: out[i, ch, y, x] = padded[i, ch, rows[i, y], cols[i, x]]
  return padded.index({n_idx, c_idx, rows.view({n, 1, size, 1}), cols.view({n, 1, 1, size})});
}

at::Tensor AlternatingFlip(const at::Tensor& epoch0_flip, int64_t epoch) {
  return epoch % 2 == 1 ? epoch0_flip.logical_not() : epoch0_flip;
}

CropFlipDraws DrawTranslateAlternatingFlip(const at::Tensor& epoch0_flip, int64_t epoch,
                                           int64_t max_offset) {
  CropFlipDraws d = DrawCropFlip(epoch0_flip.size(0), max_offset, 0.0, epoch0_flip.device());
  d.flip = AlternatingFlip(epoch0_flip, epoch);
  return d;
}

ColourJitterDraws DrawColourJitter(int64_t n, double brightness, double contrast,
                                   at::ScalarType dtype, at::Device device) {
  auto opts = at::TensorOptions().dtype(dtype).device(device);
  ColourJitterDraws d;
  d.shift = (at::rand({n, 1, 1, 1}, opts) * 2 - 1) * brightness;
  d.scale = (at::rand({n, 1, 1, 1}, opts) * 2 - 1) * contrast + 1;
  return d;
}

at::Tensor ColourJitter(const at::Tensor& images, const ColourJitterDraws& draws) {
  return (images + draws.shift) * draws.scale;
}

BoxDraws DrawBoxes(int64_t n, int64_t h, int64_t w, int64_t size, at::Device device) {
  auto long_opts = at::TensorOptions().dtype(at::kLong).device(device);
  BoxDraws b;
  b.top = at::randint(0, h - size + 1, {n}, long_opts);
  b.left = at::randint(0, w - size + 1, {n}, long_opts);
  return b;
}

at::Tensor BoxMask(const BoxDraws& boxes, int64_t size, int64_t h, int64_t w) {
  const int64_t n = boxes.top.size(0);
  auto long_opts = at::TensorOptions().dtype(at::kLong).device(boxes.top.device());
  at::Tensor ys = at::arange(h, long_opts).view({1, h});
  at::Tensor xs = at::arange(w, long_opts).view({1, w});
  at::Tensor in_y = (ys >= boxes.top.view({n, 1})) & (ys < boxes.top.view({n, 1}) + size);
  at::Tensor in_x = (xs >= boxes.left.view({n, 1})) & (xs < boxes.left.view({n, 1}) + size);
  return (in_y.view({n, 1, h, 1}) & in_x.view({n, 1, 1, w}));
}

at::Tensor Cutout(const at::Tensor& images, const BoxDraws& boxes, int64_t size) {
  at::Tensor mask = BoxMask(boxes, size, images.size(2), images.size(3));
  return images.masked_fill(mask, 0);
}

CutmixResult Cutmix(const at::Tensor& images, const at::Tensor& soft_labels,
                    const at::Tensor& perm, const BoxDraws& boxes, int64_t size) {
  const int64_t h = images.size(2);
  const int64_t w = images.size(3);
  at::Tensor mask = BoxMask(boxes, size, h, w);
  CutmixResult r;
  r.images = at::where(mask, images.index_select(0, perm), images);
  const double area = static_cast<double>(size * size) / static_cast<double>(h * w);
  r.labels = soft_labels * (1.0 - area) + soft_labels.index_select(0, perm) * area;
  return r;
}

at::Tensor Normalize(const at::Tensor& images_uint8, at::ScalarType dtype) {
  auto opts = at::TensorOptions().dtype(at::kFloat).device(images_uint8.device());
  at::Tensor mean = at::tensor(at::ArrayRef<double>(kMean, 3), opts.dtype(at::kDouble))
                        .to(opts)
                        .view({1, 3, 1, 1});
  at::Tensor std = at::tensor(at::ArrayRef<double>(kStd, 3), opts.dtype(at::kDouble))
                       .to(opts)
                       .view({1, 3, 1, 1});
  return ((images_uint8.to(at::kFloat) - mean) / std).to(dtype);
}

}  // namespace cifarbench
