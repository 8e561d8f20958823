#include "core/lookahead.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// A whitening-like frozen conv and a BatchNorm: parameters, a frozen parameter, running
// statistics and the integer batch counter.
struct NetImpl : torch::nn::Module {
  NetImpl()
      : conv(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 2, 1)))),
        norm(register_module("norm", torch::nn::BatchNorm2d(2))) {
    conv->weight.set_requires_grad(false);
  }
  torch::nn::Conv2d conv;
  torch::nn::BatchNorm2d norm;
};
TORCH_MODULE(Net);

void FillAll(Net& net, double value) {
  at::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.fill_(value);
  for (auto& b : net->buffers()) {
    if (at::isFloatingType(b.scalar_type())) b.fill_(value);
  }
}

TEST(LookaheadTest, UpdateBlendsEveryFloatingEntryAndSkipsTheCounter) {
  Net net;
  FillAll(net, 1.0);
  net->norm->num_batches_tracked.fill_(7);
  Lookahead lookahead(*net);  // average = 1 everywhere
  FillAll(net, 3.0);
  net->norm->num_batches_tracked.fill_(9);
  lookahead.Update(0.25);  // 0.25 * 1 + 0.75 * 3 = 2.5, in the average and the network
  for (const auto& p : net->parameters()) EXPECT_TRUE(at::allclose(p, at::full_like(p, 2.5)));
  EXPECT_TRUE(at::allclose(net->norm->running_mean, at::full({2}, 2.5)));
  EXPECT_TRUE(at::allclose(net->norm->running_var, at::full({2}, 2.5)));
  EXPECT_TRUE(at::allclose(net->conv->weight, at::full({2, 1, 1, 1}, 2.5)));  // frozen, blended
  // The integer batch counter is not blended: it keeps the network's own value.
  EXPECT_EQ(net->norm->num_batches_tracked.item<int64_t>(), 9);
  // conv weight + bias, norm weight + bias, running mean + var.
  EXPECT_EQ(lookahead.average().size(), 6u);
  for (const auto& a : lookahead.average()) EXPECT_TRUE(at::allclose(a, at::full_like(a, 2.5)));
}

TEST(LookaheadTest, FinishDropsTheUpdatesAfterTheLastEvent) {
  // 476 steps, events at 5, ..., 475: step 476's update is discarded (quirk L-Q1).
  Net net;
  FillAll(net, 0.0);
  Lookahead lookahead(*net);
  const int64_t total = 476;
  int64_t events = 0;
  for (int64_t k = 1; k <= total; ++k) {
    FillAll(net, static_cast<double>(k));  // "the optimiser step"
    if (IsLookaheadStep(k)) {
      lookahead.Update(LookaheadDecay(k, total));
      ++events;
    }
  }
  EXPECT_EQ(events, 95);
  EXPECT_TRUE(at::allclose(net->conv->bias, at::full({2}, 476.0)));  // step 476's value
  lookahead.Finish();
  // By hand: the average a_k = d_k a + (1 - d_k) k at each event, last at k = 475.
  double average = 0;
  for (int64_t k = 5; k <= 475; k += 5) {
    const double d = LookaheadDecay(k, total);
    average = d * average + (1 - d) * static_cast<double>(k);
  }
  EXPECT_NEAR(net->conv->bias[0].item<double>(), average, 1e-3);
  EXPECT_LT(average, 475.0);
}

TEST(LookaheadTest, DecaysOfAirbench94) {
  // 0.95^5 (5/476)^3 = 8.968e-7 and 0.95^5 (475/476)^3 = 0.76891 (spec literals).
  EXPECT_NEAR(LookaheadDecay(5, 476), 8.97e-7, 0.005e-7);
  EXPECT_NEAR(LookaheadDecay(475, 476), 0.7689, 0.00005);
  EXPECT_DOUBLE_EQ(LookaheadDecay(476, 476), static_cast<float>(0.7737809375));
  EXPECT_TRUE(IsLookaheadStep(475));
  EXPECT_FALSE(IsLookaheadStep(476));
}

TEST(LookaheadTest, SnapshotRestartsTheAverage) {
  Net net;
  FillAll(net, 1.0);
  Lookahead lookahead(*net);
  FillAll(net, 5.0);  // e.g. the whitening init after construction (quirk L-Q2)
  lookahead.Snapshot();
  FillAll(net, 7.0);
  lookahead.Update(0.5);
  EXPECT_TRUE(at::allclose(net->conv->weight, at::full({2, 1, 1, 1}, 6.0)));
}

}  // namespace
}  // namespace cifarbench
