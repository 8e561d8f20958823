#include "core/loss.h"

#include <ATen/ATen.h>

#include <cmath>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(LossTest, SmoothedCrossEntropyMatchesHandComputation) {
  // Two examples, three classes.
  at::Tensor logits = at::tensor({1.0, 2.0, 3.0, 0.0, 0.0, 0.0}, at::kFloat).view({2, 3});
  at::Tensor targets = OneHot(at::tensor({2, 0}, at::kLong), 3, at::kFloat);
  const double eps = 0.2;
  // log softmax of (1, 2, 3): x - log(e + e^2 + e^3)
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double lp0[3] = {1 - lse, 2 - lse, 3 - lse};
  const double lp1 = -std::log(3.0);
  // smoothed target: (1 - eps) * onehot + eps / 3
  double expected = 0;
  for (int k = 0; k < 3; ++k) expected -= ((k == 2 ? 1 - eps : 0) + eps / 3) * lp0[k];
  for (int k = 0; k < 3; ++k) expected -= ((k == 0 ? 1 - eps : 0) + eps / 3) * lp1;
  EXPECT_NEAR(SmoothedCrossEntropySum(logits, targets, eps).item<double>(), expected, 1e-5);
  // Matches ATen's own label-smoothed cross entropy (sum).
  at::Tensor ref = at::cross_entropy_loss(logits, at::tensor({2, 0}, at::kLong), {},
                                          at::Reduction::Sum, -100, eps);
  EXPECT_NEAR(SmoothedCrossEntropySum(logits, targets, eps).item<double>(), ref.item<double>(),
              1e-5);
}

// OneHot: int64 labels -> rows of the identity, in the asked dtype.
TEST(LossTest, OneHotRows) {
  at::Tensor t = OneHot(at::tensor({2, 0, 1}, at::kLong), 4, at::kHalf);
  EXPECT_EQ(t.scalar_type(), at::kHalf);
  EXPECT_EQ(t.sizes(), at::IntArrayRef({3, 4}));
  EXPECT_TRUE(at::equal(t.to(at::kFloat), at::tensor({0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}, at::kFloat).view({3, 4})));
}

}  // namespace
}  // namespace cifarbench
