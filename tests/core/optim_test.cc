#include "core/optim.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/modules/linear.h>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

SgdGroup Group(at::Tensor p, double lr, double wd) {
  SgdGroup g;
  g.params = {p};
  g.lr = lr;
  g.weight_decay = wd;
  return g;
}

// torch.optim.SGD(nesterov=True, momentum=0.9, weight_decay=0.1), two steps by hand:
// w0 = 1, grads 0.5 then 0.25 (set by hand), lr 0.1 then 0.05.
TEST(NesterovSgdTest, PyTorchFormTwoSteps) {
  at::Tensor w = at::ones({1}, at::kDouble).set_requires_grad(true);
  NesterovSgd opt(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.9, {Group(w, 0.1, 0.1)});
  w.mutable_grad() = at::full({1}, 0.5, at::kDouble);
  opt.Step();
  // g = 0.5 + 0.1 * 1 = 0.6; v = 0.6; w = 1 - 0.1 * (0.6 + 0.9 * 0.6) = 0.886
  EXPECT_NEAR(w.item<double>(), 0.886, 1e-12);
  opt.ZeroGrad();
  EXPECT_FALSE(w.grad().defined());
  w.mutable_grad() = at::full({1}, 0.25, at::kDouble);
  opt.groups()[0].lr = 0.05;
  opt.Step();
  // g = 0.25 + 0.1 * 0.886 = 0.3386; v = 0.9 * 0.6 + 0.3386 = 0.8786;
  // w = 0.886 - 0.05 * (0.3386 + 0.9 * 0.8786) = 0.886 - 0.05 * 1.12934 = 0.829533
  EXPECT_NEAR(w.item<double>(), 0.829533, 1e-12);
}

// cifar10-fast's update with the rate inside the buffer, two steps with a changing rate:
// g = grad + wd * w; d = -lr * g; v = mu * v + d; w = w + d + mu * v.
TEST(NesterovSgdTest, PageFormTwoSteps) {
  at::Tensor w = at::ones({1}, at::kDouble).set_requires_grad(true);
  NesterovSgd opt(v1::OPTIMIZER_KIND_PAGE_NESTEROV, 0.9, {Group(w, 0.1, 0.1)});
  w.mutable_grad() = at::full({1}, 0.5, at::kDouble);
  opt.Step();
  // g = 0.6; d = -0.06; v = -0.06; w = 1 - 0.06 - 0.054 = 0.886
  EXPECT_NEAR(w.item<double>(), 0.886, 1e-12);
  w.mutable_grad() = at::full({1}, 0.25, at::kDouble);
  opt.groups()[0].lr = 0.2;
  opt.Step();
  // g = 0.25 + 0.0886 = 0.3386; d = -0.06772; v = 0.9 * -0.06 - 0.06772 = -0.12172;
  // w = 0.886 - 0.06772 + 0.9 * -0.12172 = 0.708732
  EXPECT_NEAR(w.item<double>(), 0.708732, 1e-12);
  EXPECT_NEAR(opt.momentum_buffers()[0][0].item<double>(), -0.12172, 1e-12);
}

// fp16 weights (the CUDA runs' dtype): the rate multiplies in fp32 and each result is rounded
// to fp16 once, as torch.optim.SGD's `param.add_(grad, alpha=-lr)` and cifar10-fast's `-lr * g`
// do with a Python float. The rate here, 2e-6, is an fp16 subnormal (fp16 would hold it as
// 2.0266e-6). On the CPU the old arithmetic gave the same; tests/gpu/gpu_test.cc has the CUDA
// case, where it did not.
TEST(NesterovSgdTest, Fp16WeightsTakeTheRateInFp32AndRoundOnce) {
  at::manual_seed(7);
  const double lr = 2e-6, mu = 0.9, wd = 0.5;
  // Gradients of a summed loss are large (hlb: per summed loss), so the update is several fp16
  // steps of the weights.
  const at::Tensor w0 = (at::randn({64}) * 0.01).to(at::kHalf);
  const at::Tensor grad = (at::randn({64}) * 30).to(at::kHalf);
  for (const v1::OptimizerKind kind :
       {v1::OPTIMIZER_KIND_SGD_NESTEROV, v1::OPTIMIZER_KIND_PAGE_NESTEROV}) {
    SCOPED_TRACE(v1::OptimizerKind_Name(kind));
    at::Tensor w = w0.clone().set_requires_grad(true);
    NesterovSgd opt(kind, mu, {Group(w, lr, wd)});
    w.mutable_grad() = grad.clone();
    opt.Step();
    // The reference's operations on fp16 tensors with Python floats (each computed in fp32 and
    // rounded to fp16 once): g = grad + wd w; then the rule's first step from v = 0.
    const at::Tensor g = grad.add(w0, wd);
    const float neg_lr = static_cast<float>(-lr);
    at::Tensor expected;
    if (kind == v1::OPTIMIZER_KIND_SGD_NESTEROV) {
      const at::Tensor v = g;                        // v = mu * 0 + g
      const at::Tensor step = g.add(v, mu);          // g + mu v, fp16
      expected = (w0.to(at::kFloat) + step.to(at::kFloat) * neg_lr).to(at::kHalf);
    } else {
      const at::Tensor d = (g.to(at::kFloat) * neg_lr).to(at::kHalf);  // -lr g
      const at::Tensor v = d;                                          // mu * 0 + d
      expected = w0.add(d).add(v, mu);
    }
    at::NoGradGuard no_grad;
    EXPECT_TRUE(at::equal(w, expected)) << (w.to(at::kFloat) - expected.to(at::kFloat)).abs().max();
    EXPECT_GT(w.ne(w0).sum().item<int64_t>(), 48);  // the update is not lost to rounding
  }
}

TEST(NesterovSgdTest, GroupsKeepTheirOwnRates) {
  at::Tensor a = at::zeros({2}, at::kDouble).set_requires_grad(true);
  at::Tensor b = at::zeros({2}, at::kDouble).set_requires_grad(true);
  NesterovSgd opt(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.0, {Group(a, 1.0, 0), Group(b, 0.5, 0)});
  a.mutable_grad() = at::ones({2}, at::kDouble);
  b.mutable_grad() = at::ones({2}, at::kDouble);
  opt.Step();
  EXPECT_NEAR(a[0].item<double>(), -1.0, 1e-12);
  EXPECT_NEAR(b[0].item<double>(), -0.5, 1e-12);
}

TEST(NesterovSgdTest, SkipsParametersWithoutGradient) {
  at::Tensor a = at::ones({1}, at::kDouble).set_requires_grad(true);
  NesterovSgd opt(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.9, {Group(a, 1.0, 1.0)});
  opt.Step();
  EXPECT_EQ(a.item<double>(), 1.0);
}

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    fc = register_module("fc", torch::nn::Linear(2, 2));
    norm_weight = register_parameter("norm_weight", at::ones({2}), /*requires_grad=*/false);
    stat = register_buffer("running_mean", at::zeros({2}));
    count = register_buffer("num_batches_tracked", at::zeros({}, at::kLong));
  }
  torch::nn::Linear fc{nullptr};
  at::Tensor norm_weight, stat, count;
};

TEST(NetworkEmaTest, SnapshotThenUpdateAndCopyBack) {
  TinyImpl live, ema_net;
  auto copy_back = [](const std::string& name) { return name != "norm_weight"; };
  NetworkEma ema(live, ema_net, copy_back);
  {
    at::NoGradGuard g;
    live.fc->weight.fill_(1.0);
    live.stat.fill_(2.0);
    live.norm_weight.fill_(3.0);
  }
  ema.Snapshot();
  EXPECT_TRUE(ema.initialized());
  EXPECT_TRUE(at::equal(ema_net.fc->weight, live.fc->weight));
  {
    at::NoGradGuard g;
    live.fc->weight.fill_(3.0);
    live.stat.fill_(4.0);
    live.norm_weight.fill_(5.0);
  }
  ema.Update(0.75);
  // ema = 0.75 * old + 0.25 * live, copied back into the live net where allowed.
  EXPECT_NEAR(ema_net.fc->weight[0][0].item<double>(), 1.5, 1e-6);
  EXPECT_NEAR(live.fc->weight[0][0].item<double>(), 1.5, 1e-6);
  EXPECT_NEAR(ema_net.stat[0].item<double>(), 2.5, 1e-6);  // buffers too
  EXPECT_NEAR(live.stat[0].item<double>(), 2.5, 1e-6);
  EXPECT_NEAR(ema_net.norm_weight[0].item<double>(), 3.5, 1e-6);
  EXPECT_NEAR(live.norm_weight[0].item<double>(), 5.0, 1e-6);  // not copied back
}

}  // namespace
}  // namespace cifarbench
