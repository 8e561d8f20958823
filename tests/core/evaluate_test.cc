#include "core/evaluate.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(EvaluateTest, FlipTtaAveragesLogitsOfBothOrientations) {
  // A "network" that reads the left-most column: flip TTA must average left and right.
  auto forward = [](const at::Tensor& x) {
    return x.select(3, 0).mean({2}).narrow(1, 0, 2);  // (N, 2)
  };
  at::Tensor img = at::zeros({1, 3, 4, 4});
  img.select(3, 0).fill_(1.0);   // left column 1
  img.select(3, 3).fill_(-3.0);  // right column -3
  at::Tensor plain = TtaLogits(forward, img, v1::TTA_NONE);
  at::Tensor tta = TtaLogits(forward, img, v1::TTA_FLIP);
  EXPECT_NEAR(plain[0][0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(tta[0][0].item<double>(), -1.0, 1e-6);
}

TEST(EvaluateTest, AccuracyAndLossOverBatches) {
  // Logits = the images themselves (N, 10, 1, 1) -> (N, 10).
  auto forward = [](const at::Tensor& x) { return x.flatten(1); };
  at::Tensor labels = at::tensor({0, 1, 2, 3, 4}, at::kLong);
  at::Tensor images = at::one_hot(at::tensor({0, 1, 2, 9, 9}, at::kLong), 10).to(at::kFloat) * 5;
  images = images.view({5, 10, 1, 1});
  EvalResult r = Evaluate(forward, images, labels, 2, v1::TTA_NONE);
  EXPECT_EQ(r.count, 5);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.6);
  const double expected_loss =
      at::cross_entropy_loss(images.flatten(1), labels).item<double>();
  EXPECT_NEAR(r.loss, expected_loss, 1e-5);
}

// TTA_SELECTIVE ranks the whole set, not each batch: with batches of 2 and k = 0.5 x 4 = 2, the
// two least confident images are both in the first batch and both get the six views' mean. The
// toy network's logits are the left-most column's mean per channel; the columns right of it are
// 0 except the right-most, (-3, 3), so of the six views (core/tta.h SixViews) only the image
// (left column) and its mirror (right column) are nonzero: the mean is (left + right) / 6.
TEST(EvaluateTest, SelectiveTtaRanksTheWholeSet) {
  auto forward = [](const at::Tensor& x) { return x.select(3, 0).mean({2}); };  // (N, 2)
  at::Tensor images = at::zeros({4, 2, 4, 4});
  const float left[4][2] = {{0.1f, 0}, {0, 0.2f}, {5, 0}, {0, 5}};
  for (int i = 0; i < 4; ++i) {
    for (int c = 0; c < 2; ++c) images[i][c].select(1, 0).fill_(left[i][c]);
    images[i][0].select(1, 3).fill_(-3.0);
    images[i][1].select(1, 3).fill_(3.0);
  }
  const at::Tensor labels = at::tensor({1, 1, 0, 1}, at::kLong);
  Tta tta(v1::TTA_SELECTIVE);
  tta.selective_fraction = 0.5;
  at::Tensor logits;
  EvalResult r = Evaluate(forward, images, labels, 2, tta, &logits);
  const at::Tensor expected = at::tensor({(0.1f - 3) / 6, 3.0f / 6, -3.0f / 6, 3.2f / 6,  //
                                          5.0f, 0.0f, 0.0f, 5.0f}).view({4, 2});
  EXPECT_TRUE(at::allclose(logits, expected, 1e-6, 1e-6)) << logits;
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);  // plain: 0.75 (image 0 reads (0.1, 0))
  EXPECT_DOUBLE_EQ(Evaluate(forward, images, labels, 2, v1::TTA_NONE).accuracy, 0.75);
  tta.selective_fraction = 0;  // HeadlineTta of a recipe without one: refused, not plain
  EXPECT_THROW(Evaluate(forward, images, labels, 2, tta), c10::Error);
}

}  // namespace
}  // namespace cifarbench
