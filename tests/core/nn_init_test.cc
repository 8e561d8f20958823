#include "core/nn_init.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(WhiteningTest, FiltersWhitenThePatches) {
  at::manual_seed(0);
  // Correlated channels: the whitened patches should have near-identity covariance.
  at::Tensor base = at::randn({400, 1, 8, 8}, at::kDouble);
  at::Tensor images = at::cat({base, base * 0.5 + 0.1 * at::randn({400, 1, 8, 8}, at::kDouble),
                               at::randn({400, 1, 8, 8}, at::kDouble)}, 1).to(at::kFloat);
  at::Tensor w = WhiteningFilters(images, 2, /*eps=*/0.0, /*chunk=*/150);
  ASSERT_EQ(w.sizes(), at::IntArrayRef({24, 3, 2, 2}));
  // The second half is the negation of the first.
  EXPECT_TRUE(at::allclose(w.narrow(0, 12, 12), -w.narrow(0, 0, 12)));
  // Patch covariance through the first 12 filters = identity (uncentred, as the reference).
  at::Tensor out = at::conv2d(images, w.narrow(0, 0, 12));  // (N, 12, 7, 7)
  at::Tensor flat = out.permute({0, 2, 3, 1}).reshape({-1, 12}).to(at::kDouble);
  at::Tensor cov = at::matmul(flat.t(), flat) / flat.size(0);
  EXPECT_TRUE(at::allclose(cov, at::eye(12, at::kDouble), 1e-3, 1e-3)) << cov;
}

TEST(WhiteningTest, ChunkingDoesNotChangeTheResult) {
  at::manual_seed(1);
  at::Tensor images = at::randn({300, 3, 6, 6});
  at::Tensor a = WhiteningFilters(images, 2, 1e-2, 300);
  at::Tensor b = WhiteningFilters(images, 2, 1e-2, 7);
  // Eigenvectors are defined up to sign; compare |filters|.
  EXPECT_TRUE(at::allclose(a.abs(), b.abs(), 1e-4, 1e-4));
}

TEST(WhiteningTest, FiltersAreInDescendingEigenvalueOrder) {
  at::manual_seed(2);
  at::Tensor images = at::randn({200, 3, 6, 6}) * at::tensor({3.0f, 1.0f, 0.2f}).view({1, 3, 1, 1});
  at::Tensor w = WhiteningFilters(images, 2, 0.0);
  // The filter norm is 1 / sqrt(lambda): ascending norms mean descending eigenvalues.
  at::Tensor norms = w.narrow(0, 0, 12).reshape({12, -1}).norm(2, 1);
  for (int i = 1; i < 12; ++i) EXPECT_LE(norms[i - 1].item<double>(), norms[i].item<double>() + 1e-6);
}

TEST(DiracTest, PureIdentity) {
  at::Tensor w = at::randn({4, 4, 3, 3});
  DiracInit(w);
  at::Tensor x = at::randn({2, 4, 5, 5});
  EXPECT_TRUE(at::allclose(at::conv2d(x, w, {}, 1, 1), x));
}

TEST(DiracTest, RenormalisedKeepsMeanAndStd) {
  at::manual_seed(3);
  at::Tensor w = at::rand({8, 4, 3, 3}) * 0.2 - 0.1;
  const double mean = w.mean().item<double>(), std = w.std().item<double>();
  at::Tensor before = w.clone();
  DiracPlusDefaultRenormalised(w);
  EXPECT_NEAR(w.mean().item<double>(), mean, 1e-6);
  EXPECT_NEAR(w.std().item<double>(), std, 1e-6);
  // The identity taps (out i, in i, centre) stand out from the rest.
  at::Tensor identity = at::zeros_like(before);
  for (int i = 0; i < 4; ++i) identity[i][i][1][1] = 1;
  at::Tensor expected = before + identity;
  expected = (expected - expected.mean()) / expected.std() * std + mean;
  EXPECT_TRUE(at::allclose(w, expected, 1e-5, 1e-6));
}

}  // namespace
}  // namespace cifarbench
