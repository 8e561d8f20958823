// core/step: a step body run on static buffers (what a CUDA graph replays) eagerly on CPU gives
// the plain eager step's result to the bit, step for step; step modes resolve as documented.
#include "core/step.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include "core/loss.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)));
    norm = register_module("norm", torch::nn::BatchNorm2d(4));
    head = register_module("head", torch::nn::Linear(4, 10));
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor h = at::relu(norm->forward(conv->forward(x)));
    return head->forward(h.amax({2, 3}));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TinyNet);

// A step written out as the plugins write theirs (recipes/hlb/hlb.cc): forward, summed
// label-smoothed loss scaled by 0.5, backward, Nesterov SGD at the rates on the device.
struct Trainer {
  explicit Trainer(StepKind kind)
      : net(), opt(MakeOpt(net)), bodies(kind, TrainedState(*net, opt), [this] { opt.ZeroGrad(); }) {
    body = bodies.Add([this] {
      opt.ZeroGrad();
      at::Tensor logits = net->forward(x_in);
      at::Tensor loss = SmoothedCrossEntropySum(logits, y_in, 0.2);
      (loss * 0.5).backward();
      opt.StepOnDevice();
      out_loss = loss.detach();
      out_logits = logits.detach();
    });
  }
  void Step(const at::Tensor& x, const at::Tensor& y) {
    bodies.Feed(x_in, x);
    bodies.Feed(y_in, y);
    opt.LoadRates();
    bodies.Run(body);
  }
  static NesterovSgd MakeOpt(TinyNet& net) {
    SgdGroup bias, rest;
    bias.name = "bias";
    rest.name = "non_bias";
    for (const auto& p : net->named_parameters()) {
      (p.key().find("bias") != std::string::npos ? bias : rest).params.push_back(p.value());
    }
    bias.weight_decay = 1e-3;
    rest.weight_decay = 5e-4;
    std::vector<SgdGroup> groups;
    groups.push_back(bias);
    groups.push_back(rest);
    return NesterovSgd(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.9, groups);
  }
  TinyNet net;
  NesterovSgd opt;
  StepBodies bodies;
  int body = -1;
  at::Tensor x_in, y_in, out_loss, out_logits;
};

TEST(StepBodiesTest, StaticStepOnCpuEqualsEagerStep) {
  torch::manual_seed(3);
  Trainer eager(StepKind::kEager);
  torch::manual_seed(3);
  Trainer fixed(StepKind::kStatic);
  // Same initial weights (same seed), so the two must stay equal to the bit.
  for (size_t i = 0; i < eager.net->parameters().size(); ++i) {
    ASSERT_TRUE(at::equal(eager.net->parameters()[i], fixed.net->parameters()[i]));
  }
  torch::manual_seed(11);
  const at::Tensor images = at::randn({40, 3, 8, 8});
  const at::Tensor labels = at::one_hot(at::randint(10, {40}), 10).to(at::kFloat);
  for (int s = 0; s < 5; ++s) {
    const double lr = 0.05 * (s + 1);  // the rate changes every step, as a schedule does
    for (auto* t : {&eager, &fixed}) {
      t->opt.groups()[0].lr = 2 * lr;
      t->opt.groups()[1].lr = lr;
    }
    const at::Tensor x = images.narrow(0, 8 * s, 8);
    const at::Tensor y = labels.narrow(0, 8 * s, 8);
    eager.Step(x, y);
    fixed.Step(x, y);
    EXPECT_TRUE(at::equal(eager.out_loss, fixed.out_loss)) << "step " << s;
    EXPECT_TRUE(at::equal(eager.out_logits, fixed.out_logits)) << "step " << s;
    // The static step read copies: its input slots are its own tensors, not the batch.
    EXPECT_TRUE(eager.x_in.is_same(x));
    EXPECT_FALSE(fixed.x_in.is_same(x));
  }
  const auto pa = eager.net->parameters();
  const auto pb = fixed.net->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(at::equal(pa[i], pb[i])) << "parameter " << i;
  const auto ba = eager.net->buffers();
  const auto bb = fixed.net->buffers();
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_TRUE(at::equal(ba[i], bb[i])) << "buffer " << i;
  // And the parameters did move.
  torch::manual_seed(3);
  TinyNet untouched;
  EXPECT_FALSE(at::equal(untouched->conv->weight, pa[0]));
}

TEST(StepBodiesTest, StaticSlotsKeepTheirTensorsAndTheBodyTrains) {
  Trainer fixed(StepKind::kStatic);
  const at::Tensor x = at::randn({4, 3, 8, 8});
  const at::Tensor y = at::one_hot(at::randint(10, {4}), 10).to(at::kFloat);
  fixed.opt.groups()[0].lr = fixed.opt.groups()[1].lr = 0.1;
  fixed.Step(x, y);  // allocates the slots on first use
  const at::Tensor slot = fixed.x_in;
  const double first_loss = fixed.out_loss.item<double>();
  fixed.Step(x * 2, y);
  EXPECT_TRUE(fixed.x_in.is_same(slot));  // the same tensor, refilled (what a graph reads)
  EXPECT_TRUE(at::equal(fixed.x_in, x * 2));
  fixed.Step(x, y);
  EXPECT_NE(first_loss, fixed.out_loss.item<double>());  // trained in between
}

TEST(StepBodiesTest, TrainedStateIsParametersBuffersAndMomentum) {
  Trainer t(StepKind::kEager);
  const auto params = t.net->parameters();
  const auto state = TrainedState(*t.net, t.opt);
  ASSERT_EQ(state.size(), 2 * params.size() + t.net->buffers().size());
  EXPECT_TRUE(state[0].is_same(params[0]));
  EXPECT_TRUE(state.back().is_same(t.opt.momentum_buffers().back().back()));
}

TEST(ResolveStepKindTest, ModesByDevice) {
  EXPECT_EQ(*ResolveStepKind(v1::STEP_MODE_AUTO, at::kCPU), StepKind::kEager);
  EXPECT_EQ(*ResolveStepKind(v1::STEP_MODE_UNSPECIFIED, at::kCPU), StepKind::kEager);  // unset
  EXPECT_EQ(*ResolveStepKind(v1::STEP_MODE_EAGER, at::kCPU), StepKind::kEager);
  EXPECT_EQ(*ResolveStepKind(v1::STEP_MODE_STATIC, at::kCPU), StepKind::kStatic);
  absl::StatusOr<StepKind> graph = ResolveStepKind(v1::STEP_MODE_GRAPH, at::kCPU);
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(graph.status().message().find("STEP_MODE_GRAPH needs a CUDA device"),
            std::string::npos)
      << graph.status();
  EXPECT_EQ(StepKindName(StepKind::kGraph), "graph");
}

}  // namespace
}  // namespace cifarbench
