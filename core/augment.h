// Batched augmentations on the data's device. Every random choice is an input (the draws), so
// two implementations (CPU and GPU, eager and graph-captured) can be compared on the same draws.
#ifndef CIFARBENCH_CORE_AUGMENT_H_
#define CIFARBENCH_CORE_AUGMENT_H_

#include <ATen/ATen.h>

#include <cstdint>

namespace cifarbench {

// (N, C, H, W) -> (N, C, H + 2p, W + 2p), reflect padding.
at::Tensor ReflectPad(const at::Tensor& images, int64_t pad);

// Per-image draws for one epoch, on `device`.
struct CropFlipDraws {
  at::Tensor offset_y;  // int64 (N), each in [0, max_offset]
  at::Tensor offset_x;  // int64 (N)
  at::Tensor flip;      // bool (N)
};
// Offsets uniform over all max_offset + 1 positions. hlb-CIFAR10's make_random_square_masks
// draws only max_offset of them (its randint upper bound excludes the last position); we
// implement every position, as recipes.md asks.
CropFlipDraws DrawCropFlip(int64_t n, int64_t max_offset, double flip_probability,
                           at::Device device);

// (N, C, H, W) padded -> (N, C, size, size): image i cropped at (offset_y[i], offset_x[i]) and
// mirrored horizontally where flip[i]. One gather, no per-image loop.
at::Tensor CropFlip(const at::Tensor& padded, const CropFlipDraws& draws, int64_t size);

// Boxes of side `size` fully inside an (h, w) image: top-left corners uniform over every
// position in [0, h - size] x [0, w - size] (the reference's cutmix misses the last one).
struct BoxDraws {
  at::Tensor top;   // int64 (N)
  at::Tensor left;  // int64 (N)
};
BoxDraws DrawBoxes(int64_t n, int64_t h, int64_t w, int64_t size, at::Device device);

// bool (N, 1, H, W): true inside each image's box.
at::Tensor BoxMask(const BoxDraws& boxes, int64_t size, int64_t h, int64_t w);

// Zeroes each image's box (cutout).
at::Tensor Cutout(const at::Tensor& images, const BoxDraws& boxes, int64_t size);

// Cutmix: each image's box is replaced by the same box of images[perm[i]]; the soft labels
// (N, K) are mixed by area: (1 - a) * labels + a * labels[perm], a = size^2 / (H * W).
struct CutmixResult {
  at::Tensor images;
  at::Tensor labels;
};
CutmixResult Cutmix(const at::Tensor& images, const at::Tensor& soft_labels,
                    const at::Tensor& perm, const BoxDraws& boxes, int64_t size);

// Per-channel normalisation of uint8 (N, 3, H, W) images: (x - mean) / std on the 0-255 scale,
// in `dtype`.
at::Tensor Normalize(const at::Tensor& images_uint8, at::ScalarType dtype);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_AUGMENT_H_
