#include "core/nn_init.h"

#include <ATen/ATen.h>
#include <torch/optim/sgd.h>

#include <cmath>

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

TEST(WhiteningTest, MethodsDifferOnlyInOrderAndSign) {
  at::manual_seed(4);
  at::Tensor images = at::randn({100, 3, 6, 6}) * at::tensor({2.0f, 1.0f, 0.5f}).view({1, 3, 1, 1});
  at::Tensor down = WhiteningFilters(images, 2, 5e-4, 5000, WhiteningMethod::kEighDescending);
  at::Tensor up = WhiteningFilters(images, 2, 5e-4, 5000, WhiteningMethod::kEighAscending);
  at::Tensor svd = WhiteningFilters(images, 2, 5e-4, 5000, WhiteningMethod::kSvd);
  ASSERT_EQ(svd.sizes(), at::IntArrayRef({24, 3, 2, 2}));
  // Eigenvectors are defined up to sign: compare |filters|.
  EXPECT_TRUE(at::allclose(svd.abs(), down.abs(), 1e-4, 1e-4));
  EXPECT_TRUE(
      at::allclose(up.narrow(0, 0, 12).flip(0).abs(), down.narrow(0, 0, 12).abs(), 1e-4, 1e-4));
  EXPECT_TRUE(at::allclose(up.narrow(0, 12, 12), -up.narrow(0, 0, 12)));
}

TEST(WhiteningTest, OneChannelByHand) {
  // 1 channel, kernel 1: the covariance is the mean square, 12 / 4 = 3 for pixels (1, 1, 1, 3);
  // the filter is 1 / sqrt(3 + eps).
  at::Tensor images = at::tensor({1.0f, 1.0f, 1.0f, 3.0f}).view({1, 1, 2, 2});
  for (WhiteningMethod m : {WhiteningMethod::kEighAscending, WhiteningMethod::kSvd}) {
    at::Tensor w = WhiteningFilters(images, 1, 1.0, 5000, m);
    ASSERT_EQ(w.sizes(), at::IntArrayRef({2, 1, 1, 1}));
    EXPECT_NEAR(std::abs(w[0].item<double>()), 0.5, 1e-6);  // 1 / sqrt(3 + 1)
    EXPECT_NEAR(w[1].item<double>(), -w[0].item<double>(), 1e-7);
  }
}

TEST(DiracTest, FirstFiltersOnly) {
  at::manual_seed(5);
  // C_in < C_out (airbench's block1.conv1, 24 -> 64 at small scale): filters 0-2 become the
  // identity, filters 3-5 keep their init.
  at::Tensor w = at::randn({6, 3, 3, 3});
  const at::Tensor before = w.clone();
  DiracFirstFilters(w);
  at::Tensor x = at::randn({2, 3, 5, 5});
  EXPECT_TRUE(at::allclose(at::conv2d(x, w.narrow(0, 0, 3), {}, 1, 1), x));
  EXPECT_TRUE(at::equal(w.narrow(0, 3, 3), before.narrow(0, 3, 3)));
  // C_in > C_out: all 4 filters, identity on input channels 0-3 (PyTorch's clamped slice;
  // narrow(0, 0, 6) would throw).
  at::Tensor v = at::randn({4, 6, 3, 3});
  DiracFirstFilters(v);
  at::Tensor y = at::randn({2, 6, 5, 5});
  EXPECT_TRUE(at::allclose(at::conv2d(y, v, {}, 1, 1), y.narrow(1, 0, 4)));
}

TEST(WhiteningBiasTest, DefaultUniformOrZero) {
  at::manual_seed(6);
  at::Tensor b = at::empty({24000});
  ConvBiasInit(b, 12, /*zero=*/false);  // U(+-1/sqrt(12)) = U(+-0.288675)
  EXPECT_LE(b.abs().max().item<double>(), 1 / std::sqrt(12.0));
  EXPECT_GT(b.abs().max().item<double>(), 0.28);
  EXPECT_NEAR(b.std().item<double>(), 1 / std::sqrt(12.0) / std::sqrt(3.0), 0.005);
  ConvBiasInit(b, 12, /*zero=*/true);
  EXPECT_EQ(b.abs().max().item<double>(), 0);
}

TEST(WhiteningBiasTest, RemovedFromTheUpdateAfterItsLastTrainingStep) {
  // A bias trained for 2 steps under Nesterov SGD with weight decay, then frozen: from step 2 on
  // it gets no gradient, so the optimiser skips it (no decay, no momentum), bit for bit.
  at::Tensor bias = at::zeros({3}).requires_grad_(true);
  at::Tensor weight = at::ones({3}).requires_grad_(true);
  torch::optim::SGD sgd(
      {bias, weight},
      torch::optim::SGDOptions(0.1).momentum(0.85).nesterov(true).weight_decay(0.5));
  at::Tensor frozen;
  for (int64_t step = 0; step < 5; ++step) {
    // Drop the gradients (set_to_none): LibTorch 1.13's Optimizer::zero_grad() zeroes them
    // instead, which is the trap below.
    for (at::Tensor* p : {&bias, &weight}) {
      if (p->grad().defined()) p->mutable_grad().reset();
    }
    at::Tensor b = TrainedBefore(bias, step, /*train_steps=*/2);
    at::Tensor loss = ((weight * 2 + b) * at::tensor({1.0f, 2.0f, 3.0f})).sum();
    loss.backward();
    EXPECT_EQ(bias.grad().defined(), step < 2) << step;
    sgd.step();
    if (step == 1) frozen = bias.detach().clone();
  }
  EXPECT_FALSE(at::equal(frozen, at::zeros({3})));  // it did train
  EXPECT_TRUE(at::equal(bias, frozen));             // and then stayed put
  // The reference's alternative trap: a zero gradient still moves it (decay and momentum).
  at::Tensor zero_grad = frozen.clone().requires_grad_(true);
  torch::optim::SGD trap({zero_grad},
                         torch::optim::SGDOptions(0.1).momentum(0.85).weight_decay(0.5));
  zero_grad.mutable_grad() = at::zeros({3});
  trap.step();
  EXPECT_FALSE(at::equal(zero_grad, frozen));
}

}  // namespace
}  // namespace cifarbench
