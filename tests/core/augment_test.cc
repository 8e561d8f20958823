#include "core/augment.h"

#include <ATen/ATen.h>

#include <set>
#include <utility>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// Images whose every pixel encodes its own position: value = y * 100 + x (channel c adds
// c * 10000), so a crop's origin can be read off its first pixel.
at::Tensor PositionImages(int64_t n, int64_t size) {
  at::Tensor ys = at::arange(size, at::kFloat).view({1, 1, size, 1});
  at::Tensor xs = at::arange(size, at::kFloat).view({1, 1, 1, size});
  at::Tensor cs = at::arange(3, at::kFloat).view({1, 3, 1, 1});
  return (ys * 100 + xs + cs * 10000).expand({n, 3, size, size}).contiguous();
}

TEST(AugmentTest, ReflectPadShape) {
  at::Tensor x = at::rand({2, 3, 32, 32});
  at::Tensor p = ReflectPad(x, 2);
  EXPECT_EQ(p.sizes(), at::IntArrayRef({2, 3, 36, 36}));
  // Reflect (not replicate): padded[.., 0, 2 + j] = x[.., 2, j].
  EXPECT_TRUE(at::equal(p.select(2, 0).narrow(2, 2, 32), x.select(2, 2)));
}

TEST(AugmentTest, CropReadsTheDrawnOffsetAndFlip) {
  at::Tensor padded = PositionImages(3, 36);
  CropFlipDraws d;
  d.offset_y = at::tensor({0, 4, 2}, at::kLong);
  d.offset_x = at::tensor({0, 1, 4}, at::kLong);
  d.flip = at::tensor({0, 0, 1}, at::kLong).to(at::kBool);
  at::Tensor out = CropFlip(padded, d, 32);
  ASSERT_EQ(out.sizes(), at::IntArrayRef({3, 3, 32, 32}));
  for (int i = 0; i < 2; ++i) {
    const int64_t oy = d.offset_y[i].item<int64_t>(), ox = d.offset_x[i].item<int64_t>();
    EXPECT_TRUE(at::equal(out[i], padded[i].narrow(1, oy, 32).narrow(2, ox, 32))) << i;
  }
  // Image 2 is flipped: its first column is the crop's last.
  at::Tensor expected = padded[2].narrow(1, 2, 32).narrow(2, 4, 32).flip({2});
  EXPECT_TRUE(at::equal(out[2], expected));
}

TEST(AugmentTest, EveryCropOffsetIsReachable) {
  // pad 2: offsets 0..4 on each axis, 25 pairs; the reference reaches only 4 x 4 of them.
  at::manual_seed(1);
  CropFlipDraws d = DrawCropFlip(5000, 4, 0.5, at::kCPU);
  std::set<std::pair<int64_t, int64_t>> seen;
  auto ys = d.offset_y.accessor<int64_t, 1>();
  auto xs = d.offset_x.accessor<int64_t, 1>();
  for (int64_t i = 0; i < 5000; ++i) {
    ASSERT_GE(ys[i], 0);
    ASSERT_LE(ys[i], 4);
    ASSERT_GE(xs[i], 0);
    ASSERT_LE(xs[i], 4);
    seen.insert({ys[i], xs[i]});
  }
  EXPECT_EQ(seen.size(), 25u);
  const double flipped = d.flip.to(at::kFloat).mean().item<double>();
  EXPECT_NEAR(flipped, 0.5, 0.03);
}

TEST(AugmentTest, BoxesStayInsideAndReachEveryPosition) {
  at::manual_seed(2);
  BoxDraws b = DrawBoxes(20000, 32, 32, 8, at::kCPU);
  EXPECT_EQ(b.top.min().item<int64_t>(), 0);
  EXPECT_EQ(b.top.max().item<int64_t>(), 24);  // 32 - 8: the last position is drawn too
  EXPECT_EQ(b.left.min().item<int64_t>(), 0);
  EXPECT_EQ(b.left.max().item<int64_t>(), 24);
  at::Tensor mask = BoxMask(b, 8, 32, 32);
  // Every box is entirely inside: exactly 64 pixels each.
  EXPECT_TRUE(at::all(mask.sum({1, 2, 3}) == 64).item<bool>());
}

TEST(AugmentTest, CutoutZeroesTheBoxOnly) {
  at::Tensor x = at::ones({2, 3, 32, 32});
  BoxDraws b{at::tensor({0, 24}, at::kLong), at::tensor({5, 24}, at::kLong)};
  at::Tensor y = Cutout(x, b, 8);
  EXPECT_EQ(y.sum().item<double>(), 2 * 3 * (1024 - 64));
  EXPECT_EQ(y[1].narrow(1, 24, 8).narrow(2, 24, 8).sum().item<double>(), 0);
}

TEST(AugmentTest, CutmixMixesPixelsAndLabelsByArea) {
  // Image i is constant i; labels one-hot.
  at::Tensor x = at::arange(4, at::kFloat).view({4, 1, 1, 1}).expand({4, 3, 32, 32}).contiguous();
  at::Tensor labels = at::eye(4, at::kFloat);
  at::Tensor perm = at::tensor({1, 2, 3, 0}, at::kLong);
  BoxDraws b{at::tensor({0, 29, 10, 3}, at::kLong), at::tensor({0, 29, 20, 7}, at::kLong)};
  CutmixResult r = Cutmix(x, labels, perm, b, 3);
  const double a = 9.0 / 1024;
  for (int i = 0; i < 4; ++i) {
    const int64_t p = perm[i].item<int64_t>();
    // 9 pixels per channel come from the partner.
    EXPECT_EQ((r.images[i] == static_cast<double>(p)).sum().item<int64_t>(), 27) << i;
    EXPECT_NEAR(r.labels[i][i].item<double>(), 1 - a, 1e-6);
    EXPECT_NEAR(r.labels[i][p].item<double>(), a, 1e-6);
    EXPECT_NEAR(r.labels[i].sum().item<double>(), 1.0, 1e-6);
  }
}

TEST(AugmentTest, NormalizeUsesTheDatasetStatistics) {
  at::Tensor x = at::full({1, 3, 2, 2}, 125, at::kByte);
  at::Tensor y = Normalize(x, at::kFloat);
  EXPECT_NEAR(y[0][0][0][0].item<double>(), (125 - 125.31) / 62.99, 1e-6);
  EXPECT_NEAR(y[0][2][1][1].item<double>(), (125 - 113.87) / 66.70, 1e-6);
}

TEST(AlternatingFlipTest, ParityOverEpochs) {
  at::manual_seed(3);
  at::Tensor mask0 = at::rand({1000}) < 0.5;
  for (int64_t e = 0; e < 8; ++e) {
    at::Tensor m = AlternatingFlip(mask0, e);
    // Mirrored in epoch e iff mask0 XOR (e odd): the epoch-0 mask, its complement, ...
    EXPECT_TRUE(at::equal(m, e % 2 == 0 ? mask0 : mask0.logical_not())) << e;
    // ... so every image changes orientation from each epoch to the next.
    if (e > 0) {
      EXPECT_TRUE(at::all(m != AlternatingFlip(mask0, e - 1)).item<bool>()) << e;
    }
  }
  // Over two consecutive epochs each image is shown once each way.
  at::Tensor shown =
      AlternatingFlip(mask0, 4).to(at::kInt) + AlternatingFlip(mask0, 5).to(at::kInt);
  EXPECT_TRUE(at::all(shown == 1).item<bool>());
}

TEST(AlternatingFlipTest, AllTwentyFiveTranslationsAreReachable) {
  at::manual_seed(4);
  at::Tensor mask0 = at::rand({5000}) < 0.5;
  CropFlipDraws d = DrawTranslateAlternatingFlip(mask0, 3, /*max_offset=*/4);
  at::Tensor pair = d.offset_y * 5 + d.offset_x;  // 0..24
  EXPECT_EQ(std::get<0>(at::_unique(pair)).numel(), 25);
  EXPECT_EQ(pair.min().item<int64_t>(), 0);
  EXPECT_EQ(pair.max().item<int64_t>(), 24);
  EXPECT_TRUE(at::equal(d.flip, mask0.logical_not()));  // epoch 3 is odd
}

TEST(AlternatingFlipTest, EqualsTheReferenceOrderAtTheMirroredOffset) {
  // airbench: F = flip(x) where mask0, P = pad(F, 2), crop at (oy, ox), flip all on odd epochs.
  // Ours: crop pad(x) at (oy, ox') and flip where mask0 XOR odd, with ox' = 4 - ox where mask0.
  at::manual_seed(5);
  at::Tensor x = at::randn({6, 3, 8, 8});
  at::Tensor mask0 = at::tensor({1, 0, 1, 0, 1, 1}, at::kLong).to(at::kBool);
  at::Tensor oy = at::tensor({0, 1, 2, 3, 4, 2}, at::kLong);
  at::Tensor ox = at::tensor({4, 3, 0, 1, 2, 1}, at::kLong);
  for (int64_t epoch : {0, 1}) {
    at::Tensor pre = at::where(mask0.view({6, 1, 1, 1}), x.flip({-1}), x);
    CropFlipDraws ref{oy, ox, at::zeros({6}, at::kBool)};
    at::Tensor expected = CropFlip(ReflectPad(pre, 2), ref, 8);
    if (epoch % 2 == 1) expected = expected.flip({-1});
    CropFlipDraws ours{oy, at::where(mask0, 4 - ox, ox), AlternatingFlip(mask0, epoch)};
    EXPECT_TRUE(at::equal(CropFlip(ReflectPad(x, 2), ours, 8), expected)) << epoch;
  }
}

TEST(ColourJitterTest, ShiftThenScaleAboutZero) {
  at::Tensor x = at::tensor({-1.0, 0.0, 2.0}, at::kFloat).view({1, 1, 1, 3}).repeat({2, 3, 1, 1});
  ColourJitterDraws d{at::tensor({0.1, -0.2}, at::kFloat).view({2, 1, 1, 1}),
                      at::tensor({1.1, 0.9}, at::kFloat).view({2, 1, 1, 1})};
  at::Tensor y = ColourJitter(x, d);
  // Image 0: (x + 0.1) * 1.1 = -0.99, 0.11, 2.31; image 1: (x - 0.2) * 0.9 = -1.08, -0.18, 1.62.
  at::Tensor expected = at::tensor({-0.99, 0.11, 2.31, -1.08, -0.18, 1.62}, at::kFloat);
  EXPECT_TRUE(at::allclose(y.select(1, 2).reshape({6}), expected, 1e-6, 1e-6)) << y;
}

TEST(ColourJitterTest, DrawsStayInRangeInTheRequestedDtype) {
  at::manual_seed(6);
  ColourJitterDraws d = DrawColourJitter(10000, 0.1399, 0.1308, at::kHalf, at::kCPU);
  EXPECT_EQ(d.shift.scalar_type(), at::kHalf);
  EXPECT_EQ(d.shift.sizes(), at::IntArrayRef({10000, 1, 1, 1}));
  at::Tensor shift = d.shift.to(at::kFloat), scale = d.scale.to(at::kFloat);
  EXPECT_GE(shift.min().item<double>(), -0.1400);
  EXPECT_LE(shift.max().item<double>(), 0.1400);
  EXPECT_LT(shift.min().item<double>(), -0.13);
  EXPECT_GE(scale.min().item<double>(), 1 - 0.1309);
  EXPECT_LE(scale.max().item<double>(), 1 + 0.1309);
  EXPECT_NEAR(scale.mean().item<double>(), 1.0, 0.005);
}

}  // namespace
}  // namespace cifarbench
