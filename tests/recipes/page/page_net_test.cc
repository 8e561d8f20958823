// Fidelity of the page plugin (cifar10-fast's ResNet-9) against davidcpage/cifar10-fast dawn.py
// (commit f79e8b8)
// section 1: network size and cost, BatchNorm modes, the step plan, the learning rate at the
// steps that matter, the optimiser as the plugin builds it, the cutout box. The recipes are
// read from the registry (their embedded text), so the shipped textprotos are what is tested.
#include "recipes/page/page_net.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <string>
#include <vector>

#include "core/augment.h"
#include "core/config.h"
#include "core/data.h"
#include "core/flops.h"
#include "core/optim.h"
#include "core/registry.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "gtest/gtest.h"

namespace cifarbench::page {
namespace {

v1::RecipeConfig Recipe(const std::string& name) {
  auto info = Registry::Get().FindRecipe(name);
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return {};
  auto config = LoadRecipeText(info->text, info->path, {}, {});
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : v1::RecipeConfig();
}

// The recipe's page { ... } block.
PageSettings Page(const v1::RecipeConfig& config) {
  auto settings = PluginSettings<PageSettings>(config);
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? *settings : PageSettings();
}

PageModel Narrow(PageModel model) {
  model.clear_widths();
  for (int w : {8, 16, 32, 64}) model.add_widths(w);
  return model;
}

std::vector<torch::nn::BatchNorm2dImpl*> BatchNorms(PageNetImpl& net) {
  std::vector<torch::nn::BatchNorm2dImpl*> out;
  for (auto& m : net.modules(/*include_self=*/false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) out.push_back(bn);
  }
  return out;
}

TEST(PageNetTest, ParameterAndMacCountsMatchRecipesMd) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  PageNet net(Page(config).model());
  NetworkCost cost =
      CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 6573120);
  EXPECT_EQ(cost.params_trained, 6573120);
  EXPECT_EQ(cost.forward_macs, 379261952);
  EXPECT_EQ(cost.conv_layers, 8);  // prep, layer1-3, two residual blocks of two
  EXPECT_EQ(cost.linear_layers, 1);
  // Without BatchNorm (2 x channels per BN): 6,568,640.
  int64_t bn_params = 0;
  for (auto* bn : BatchNorms(*net)) bn_params += bn->weight.numel() + bn->bias.numel();
  EXPECT_EQ(cost.params_total - bn_params, 6568640);
}

TEST(PageNetTest, OutputShapeAndScale) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  EXPECT_DOUBLE_EQ(Page(config).model().output_scale(), 0.125);
  PageNet net(Narrow(Page(config).model()));
  at::Tensor x = at::randn({5, 3, 32, 32});
  at::Tensor y = net->forward(x);
  EXPECT_EQ(y.sizes(), at::IntArrayRef({5, 10}));
  // The logits are the head's output times 0.125.
  net->output_scale = 1.0;
  EXPECT_TRUE(at::allclose(y, net->forward(x) * 0.125, 1e-5, 1e-6));
}

TEST(PageNetTest, BatchNormModes) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  PageNet net(Narrow(Page(config).model()));
  const auto bns = BatchNorms(*net);
  EXPECT_EQ(bns.size(), 8u);
  for (auto* bn : bns) {
    EXPECT_TRUE(bn->weight.requires_grad());
    EXPECT_TRUE(bn->bias.requires_grad());
    EXPECT_TRUE(at::all(bn->weight == 1).item<bool>());
    EXPECT_TRUE(at::all(bn->bias == 0).item<bool>());
    EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-5);
    EXPECT_DOUBLE_EQ(bn->options.momentum().value(), 0.1);
  }
}

TEST(PageNetTest, NoBiasInConvolutionsOrHead) {
  PageNet net(Narrow(Page(Recipe("page_resnet9")).model()));
  for (auto& m : net->modules(/*include_self=*/false)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      EXPECT_FALSE(conv->bias.defined());
      EXPECT_EQ(conv->weight.size(2), 3);
    }
  }
  EXPECT_FALSE(net->head->bias.defined());
}

TEST(PageNetTest, WrongWidthCountIsAnError) {
  // Refused when the recipe loads (the plugin's settings check), and by the network itself.
  auto info = Registry::Get().FindRecipe("page_resnet9");
  ASSERT_TRUE(info.ok()) << info.status();
  auto config = LoadRecipeText(info->text, info->path, {"page.model.widths=64,128,256,512,1024"}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "--set 'page.model.widths=64,128,256,512,1024': page.model.widths must hold 4 widths "
            "(prep, layer1, layer2, layer3; published 64, 128, 256, 512), got 5");
  PageModel model = Page(Recipe("page_resnet9")).model();
  model.add_widths(1024);
  EXPECT_THROW(PageNet{model}, c10::Error);
}

TEST(PageNetTest, StepPlan) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  const StepPlan plan = MakeStepPlan(50000, config.train().batch_size(), config.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 97);  // 50,000 // 512, drop last
  EXPECT_EQ(plan.total_steps, 2328);    // 97 x 24
  EXPECT_EQ(plan.num_epochs, 24);
  const v1::RecipeConfig smoke = Recipe("page_resnet9_smoke");
  const StepPlan smoke_plan =
      MakeStepPlan(smoke.data().train_subset(), smoke.train().batch_size(), smoke.train().epochs());
  EXPECT_EQ(smoke_plan.steps_per_epoch, 19);  // 5,000 // 256
  EXPECT_EQ(smoke_plan.total_steps, 114);  // 19 x 6
}

// lr(step) = peak x multiplier; the reference advances its counter first, so step k runs at
// epoch (k + 1) / 97 of the schedule 0 -> 0.4 (epoch 5) -> 0 (epoch 24), divided by 512.
TEST(PageNetTest, LearningRateAtTheStepsThatMatter) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  const StepPlan plan = MakeStepPlan(50000, 512, 24);
  const double peak = Page(config).optimizer().params().lr();
  auto lr = [&](int64_t step) { return peak * LrMultiplier(Page(config).schedule(), plan, step); };
  EXPECT_DOUBLE_EQ(peak, 0.4 / 512);
  // step 0: epoch 1/97 -> 0.4 x (1/97) / 5 / 512 = 1.6108247...e-6
  EXPECT_NEAR(lr(0), 0.4 * (1.0 / 97) / 5 / 512, 1e-18);
  EXPECT_NEAR(lr(0), 1.61082474226804e-6, 1e-18);
  // step 1: epoch 2/97
  EXPECT_NEAR(lr(1), 0.4 * (2.0 / 97) / 5 / 512, 1e-18);
  // The peak: epoch 5 = step counter 485, i.e. step index 484.
  EXPECT_NEAR(lr(484), 0.4 / 512, 1e-18);
  EXPECT_LT(lr(483), lr(484));
  EXPECT_LT(lr(485), lr(484));
  // step 485: epoch 486/97 = 5 + 1/97 on the way down: 0.4 x (1 - (1/97) / 19) / 512
  EXPECT_NEAR(lr(485), 0.4 * (1 - (1.0 / 97) / 19) / 512, 1e-18);
  // Second to last (step 2326): epoch 2327/97 = 24 - 1/97: 0.4 x (1/97) / 19 / 512.
  EXPECT_NEAR(lr(2326), 0.4 * (1.0 / 97) / 19 / 512, 1e-18);
  // The last step (2327) reads epoch 24: rate 0 (a reference quirk we keep: the counter runs
  // one ahead, so the last step does nothing but momentum).
  EXPECT_EQ(lr(2327), 0.0);
}

TEST(PageNetTest, SmokeScheduleIsTheSameShape) {
  const v1::RecipeConfig smoke = Recipe("page_resnet9_smoke");
  const StepPlan plan = MakeStepPlan(5000, 256, 6);
  // The peak sits 5/24 of the way through training, as in the full recipe.
  EXPECT_NEAR(Page(smoke).schedule().knot_epochs(1) / Page(smoke).schedule().knot_epochs(2), 5.0 / 24, 1e-15);
  EXPECT_EQ(LrMultiplier(Page(smoke).schedule(), plan, plan.total_steps - 1), 0.0);
  // Step 0 reads epoch 1/19 of the rise to epoch 1.25.
  EXPECT_NEAR(LrMultiplier(Page(smoke).schedule(), plan, 0), (1.0 / 19) / 1.25, 1e-15);
}

TEST(PageNetTest, OneOptimiserGroupOverEveryParameter) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  PageNet net(Narrow(Page(config).model()));
  std::vector<SgdGroup> groups = PageParamGroups(Page(config).optimizer(), *net);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, "params");
  EXPECT_DOUBLE_EQ(groups[0].weight_decay, 5e-4 * 512);
  EXPECT_EQ(groups[0].params.size(), net->parameters().size());
  EXPECT_EQ(Page(config).optimizer().kind(), v1::OPTIMIZER_KIND_PAGE_NESTEROV);
  EXPECT_DOUBLE_EQ(Page(config).optimizer().momentum(), 0.9);
}

// The optimiser as the plugin builds it (recipe config, PageParamGroups, the schedule's rates
// for steps 0 and 1), two steps on one weight set to 1 with gradients 0.5 then 0.25:
// g = grad + wd w; d = -lr g; v = mu v + d; w = w + d + mu v.
TEST(PageNetTest, PluginOptimiserTwoStepsByHand) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  PageNet net(Narrow(Page(config).model()));
  net->to(at::kDouble);
  NesterovSgd opt(Page(config).optimizer().kind(), Page(config).optimizer().momentum(),
                  PageParamGroups(Page(config).optimizer(), *net));
  const StepPlan plan = MakeStepPlan(50000, 512, 24);
  const double peak = Page(config).optimizer().params().lr();
  at::Tensor w = net->head->weight;
  {
    at::NoGradGuard no_grad;
    w.fill_(1.0);
  }

  opt.groups()[0].lr = peak * LrMultiplier(Page(config).schedule(), plan, 0);
  w.mutable_grad() = at::full_like(w, 0.5);
  opt.Step();
  opt.ZeroGrad();
  // lr1 = 0.4 / 512 / 485; g = 0.5 + 0.256 = 0.756; d = v = -lr1 x 0.756; w1 = 1 + 1.9 d
  const double lr1 = 0.4 / 512 / 485;
  const double d1 = -lr1 * 0.756;
  const double w1 = 1 + 1.9 * d1;
  EXPECT_NEAR(w[0][0].item<double>(), w1, 1e-15);
  EXPECT_NEAR(w1, 0.999997686, 1e-9);

  opt.groups()[0].lr = peak * LrMultiplier(Page(config).schedule(), plan, 1);
  w.mutable_grad() = at::full_like(w, 0.25);
  opt.Step();
  // lr2 = 2 lr1; g = 0.25 + 0.256 w1; d2 = -lr2 g; v2 = 0.9 d1 + d2; w2 = w1 + d2 + 0.9 v2
  const double lr2 = 2 * lr1;
  const double d2 = -lr2 * (0.25 + 0.256 * w1);
  const double v2 = 0.9 * d1 + d2;
  EXPECT_NEAR(w[0][0].item<double>(), w1 + d2 + 0.9 * v2, 1e-15);
  EXPECT_NEAR(opt.momentum_buffers()[0].back()[0][0].item<double>(), v2, 1e-15);
}

TEST(PageNetTest, MixedPrecisionKeepsBatchNormInFp32) {
  PageNet net(Narrow(Page(Recipe("page_resnet9")).model()));
  // As page.cc moves it: core's ToComputeLayout with BatchNorm kept in fp32.
  ToComputeLayout(*net, at::kCPU, at::kBFloat16, /*channels_last=*/false, BatchNormDtype::kFloat);
  EXPECT_EQ(net->prep->conv->weight.scalar_type(), at::kBFloat16);
  EXPECT_EQ(net->head->weight.scalar_type(), at::kBFloat16);
  for (auto* bn : BatchNorms(*net)) {
    EXPECT_EQ(bn->weight.scalar_type(), at::kFloat);
    EXPECT_EQ(bn->running_mean.scalar_type(), at::kFloat);
    EXPECT_EQ(bn->num_batches_tracked.scalar_type(), at::kLong);
  }
  at::Tensor y = net->forward(at::randn({2, 3, 32, 32}).to(at::kBFloat16));
  EXPECT_EQ(y.scalar_type(), at::kBFloat16);
  EXPECT_EQ(y.sizes(), at::IntArrayRef({2, 10}));
}

// 8x8 cutout boxes lie fully inside the 32x32 image and reach every corner position 0..24.
TEST(PageNetTest, CutoutBoxAlwaysInsideTheImage) {
  const v1::RecipeConfig config = Recipe("page_resnet9");
  const int64_t size = Page(config).augment().cutout_size();
  ASSERT_EQ(size, 8);
  const int64_t n = 20000;
  BoxDraws boxes = DrawBoxes(n, 32, 32, size, at::kCPU);
  EXPECT_GE(boxes.top.min().item<int64_t>(), 0);
  EXPECT_EQ(boxes.top.max().item<int64_t>(), 24);
  EXPECT_EQ(boxes.left.min().item<int64_t>(), 0);
  EXPECT_EQ(boxes.left.max().item<int64_t>(), 24);
  at::Tensor cut = Cutout(at::ones({n, 3, 32, 32}), boxes, size);
  // Every image loses exactly 64 pixels in each channel.
  at::Tensor zeros = (cut == 0).sum({1, 2, 3});
  EXPECT_TRUE(at::all(zeros == 3 * 64).item<bool>());
}

}  // namespace
}  // namespace cifarbench::page
