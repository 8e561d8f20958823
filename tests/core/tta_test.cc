#include "core/tta.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// (N, 1, 8, 8) images whose pixel (y, x) holds 100 y + x + 1000 n.
at::Tensor PositionImages(int64_t n) {
  at::Tensor ys = at::arange(8, at::kDouble).view({1, 1, 8, 1});
  at::Tensor xs = at::arange(8, at::kDouble).view({1, 1, 1, 8});
  at::Tensor ns = at::arange(n, at::kDouble).view({n, 1, 1, 1});
  return ys * 100 + xs + ns * 1000;
}

// A toy network reading one pixel: logit = the view's pixel (0, 0).
at::Tensor TopLeft(const at::Tensor& x) { return x.select(1, 0).select(1, 0).narrow(1, 0, 1); }

TEST(TtaTest, SixViewsByIndex) {
  at::Tensor views = SixViews(PositionImages(2));  // (12, 1, 8, 8)
  ASSERT_EQ(views.sizes(), at::IntArrayRef({12, 1, 8, 8}));
  // Image 1, pixel (0, 0) of each view: x -> x[0,0]; t1 -> x[r(-1), r(-1)] = x[1,1];
  // t2 -> x[1,1]; flip x -> x[0,7]; flip t1 -> t1[0,7] = x[1,6]; flip t2 -> t2[0,7] = x[1, r(8)]
  // = x[1,6].
  const double expected[6] = {1000, 1101, 1101, 1007, 1106, 1106};
  for (int v = 0; v < 6; ++v) {
    EXPECT_EQ(views[2 * v + 1][0][0][0].item<double>(), expected[v]) << "view " << v;
  }
  // t2 at (7, 7) reads x[r(8), r(8)] = x[6, 6].
  EXPECT_EQ(views[5][0][7][7].item<double>(), 1606);
}

TEST(TtaTest, MultiViewWeightsOnAToyNetwork) {
  // 1/4 x[0,0] + 1/4 x[0,7] + 1/8 (x[1,1] + x[1,1] + x[1,6] + x[1,6]) for image n:
  // 1000 n + (0 + 7) / 4 + (101 + 101 + 106 + 106) / 8 = 1000 n + 1.75 + 51.75.
  at::Tensor logits = MultiViewTtaLogits(TopLeft, PositionImages(5), /*batch_size=*/2);
  ASSERT_EQ(logits.sizes(), at::IntArrayRef({5, 1}));
  for (int n = 0; n < 5; ++n) EXPECT_DOUBLE_EQ(logits[n][0].item<double>(), 1000 * n + 53.5);
}

TEST(TtaTest, MultiViewOfALinearNetworkIsTheWeightedViewAverage) {
  at::manual_seed(0);
  at::Tensor w = at::randn({3 * 6 * 6, 4}, at::kDouble);
  auto linear = [&](const at::Tensor& x) { return at::matmul(x.flatten(1), w); };
  at::Tensor x = at::randn({3, 3, 6, 6}, at::kDouble);
  at::Tensor v = SixViews(x).view({6, 3, 3, 6, 6});
  const double weights[6] = {0.25, 0.125, 0.125, 0.25, 0.125, 0.125};
  at::Tensor mixed = at::zeros_like(x);
  for (int i = 0; i < 6; ++i) mixed += v[i] * weights[i];
  EXPECT_TRUE(at::allclose(MultiViewTtaLogits(linear, x, 2), linear(mixed)));
}

TEST(TtaTest, SelectiveReplacesExactlyTheKLeastConfident) {
  at::manual_seed(1);
  const int64_t n = 11, k = 5;
  at::Tensor w = at::randn({3 * 6 * 6, 4}, at::kDouble);
  auto linear = [&](const at::Tensor& x) { return at::matmul(x.flatten(1), w); };
  at::Tensor x = at::randn({n, 3, 6, 6}, at::kDouble);
  SelectiveTtaResult r = SelectiveTtaLogits(linear, x, k, /*batch_size=*/2);

  // By hand: sort the plain max-softmax confidences.
  at::Tensor plain = linear(x);
  at::Tensor confidence = std::get<0>(at::softmax(plain, 1).max(1));
  std::vector<std::pair<double, int64_t>> order;
  for (int64_t i = 0; i < n; ++i) order.push_back({confidence[i].item<double>(), i});
  std::sort(order.begin(), order.end());
  std::set<int64_t> expected;
  for (int64_t i = 0; i < k; ++i) expected.insert(order[i].second);
  ASSERT_EQ(r.selected.numel(), k);
  std::set<int64_t> got;
  for (int64_t i = 0; i < k; ++i) got.insert(r.selected[i].item<int64_t>());
  EXPECT_EQ(got, expected);

  // Selected: equal-weight mean of the six views; the others: plain logits, bit for bit.
  for (int64_t i = 0; i < n; ++i) {
    if (expected.count(i)) {
      at::Tensor views = SixViews(x.narrow(0, i, 1));
      EXPECT_TRUE(at::allclose(r.logits[i], linear(views.mean(0, /*keepdim=*/true))[0])) << i;
      EXPECT_FALSE(at::allclose(r.logits[i], plain[i])) << i;
    } else {
      EXPECT_TRUE(at::equal(r.logits[i], plain[i])) << i;
    }
  }
}

TEST(TtaTest, SelectiveWithKZeroIsPlain) {
  at::Tensor x = PositionImages(3);
  SelectiveTtaResult r = SelectiveTtaLogits(TopLeft, x, 0, 2);
  EXPECT_TRUE(at::equal(r.logits, TopLeft(x)));
  EXPECT_EQ(r.selected.numel(), 0);
}

}  // namespace
}  // namespace cifarbench
