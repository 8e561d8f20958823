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
// implement every position (main.py L385-395 at v0.7.0; a fixed reference bug).
CropFlipDraws DrawCropFlip(int64_t n, int64_t max_offset, double flip_probability,
                           at::Device device);

// (N, C, H, W) padded -> (N, C, size, size): image i cropped at (offset_y[i], offset_x[i]) and
// mirrored horizontally where flip[i]. One gather, no per-image loop.
at::Tensor CropFlip(const at::Tensor& padded, const CropFlipDraws& draws, int64_t size);

// airbench's derandomised flip (KellerJordan/cifar10-airbench f1c599c airbench94_muon.py
// L150-169): one random mask for epoch 0 (bool (N), e.g. at::rand({N}) < 0.5, so the number
// flipped is binomial, as in the reference: quirk Q7), and image i is mirrored in epoch e iff
// epoch0_flip[i] XOR (e odd), so every image alternates orientation from epoch to epoch.
at::Tensor AlternatingFlip(const at::Tensor& epoch0_flip, int64_t epoch);

// One epoch of airbench's translate + alternating flip as CropFlip draws: offsets uniform over
// all (max_offset + 1)^2 positions (pad 2: all 25 translations, each axis's shift in -2..2),
// flip = AlternatingFlip(epoch0_flip, epoch). The reference flips before padding and cropping
// and flips the crop on odd epochs; CropFlip flips after the crop, which equals cropping the
// flipped padded image at the mirrored offset max_offset - offset_x (reflect padding is
// symmetric), so the distribution is the same.
CropFlipDraws DrawTranslateAlternatingFlip(const at::Tensor& epoch0_flip, int64_t epoch,
                                           int64_t max_offset);

// hiverge's colour jitter (hiverge/cifar10-speedrun 5cd49b1 cifar10_speedrun.py L251-264),
// per image on the normalised images: x' = (x + shift) * scale, so the contrast pivots on 0 (the
// dataset mean), not on the image's own mean.
struct ColourJitterDraws {
  at::Tensor shift;  // (N, 1, 1, 1): (2 u - 1) * brightness
  at::Tensor scale;  // (N, 1, 1, 1): 1 + (2 u - 1) * contrast
};
// u ~ U[0, 1) drawn in `dtype` as the reference does (fp16 there: brightness 0.1399, contrast
// 0.1308).
ColourJitterDraws DrawColourJitter(int64_t n, double brightness, double contrast,
                                   at::ScalarType dtype, at::Device device);
at::Tensor ColourJitter(const at::Tensor& images, const ColourJitterDraws& draws);

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
