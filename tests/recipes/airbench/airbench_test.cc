// The airbench plugin against the literals of KellerJordan/cifar10-airbench f1c599c
// airbench94_muon.py (parameter and MAC counts, the optimiser partition, the per-run init, the
// step counts and learning rates at chosen steps), each expected value computed by hand from
// the published numbers; and the plugin itself: one epoch of each airbench recipe at smoke
// scale, and the static-buffer step equal to the eager step bit for bit across the whitening
// bias's freeze.
#include <ATen/ATen.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/flops.h"
#include "core/lookahead.h"
#include "core/plugin.h"
#include "core/registry.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "proto/report.pb.h"
#include "recipes/airbench/airbench.pb.h"
#include "recipes/airbench/airbench_net.h"
#include "recipes/airbench/airbench_rates.h"
#include "gtest/gtest.h"

namespace cifarbench::airbench {
namespace {

v1::RecipeConfig Shipped(const std::string& name, const std::vector<std::string>& overrides = {}) {
  auto info = Registry::Get().FindRecipe(name);
  EXPECT_TRUE(info.ok()) << info.status();
  auto config = LoadRecipeText(info->text, info->path, overrides, {});
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

AirbenchSettings Settings(const v1::RecipeConfig& c) {
  auto s = PluginSettings<AirbenchSettings>(c);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : AirbenchSettings();
}

int64_t Numel(const std::vector<at::Tensor>& ts) {
  int64_t n = 0;
  for (const at::Tensor& t : ts) n += t.numel();
  return n;
}

// Section 0 of the spec: 1,972,792 parameters, 1,971,352 trained, 1,971,328 once the
// whitening bias (24) is frozen; 118,147,360 forward MACs per image.
TEST(AirbenchNetTest, ParameterAndMacCountsMatchThePublishedNetwork) {
  AirbenchNet net(Settings(Shipped("airbench94_muon")).model());
  NetworkCost cost = CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 1972792);
  EXPECT_EQ(cost.params_trained, 1971352);
  EXPECT_EQ(cost.params_trained - net->whiten_bias.numel(), 1971328);
  EXPECT_EQ(cost.forward_macs, 118147360);
  EXPECT_EQ(cost.conv_layers, 7);  // whiten + 3 blocks x 2
  EXPECT_EQ(cost.linear_layers, 1);
  EXPECT_DOUBLE_EQ(net->head_divisor, 256);  // x.size(-1) at full width
}

// L356-360: Muon on the six filters (1,967,616), SGD on the whitening bias (24), the BN biases
// (1,152) and the head (2,560); the whitening weight (288) and BN weights (1,152) are frozen.
TEST(AirbenchNetTest, OptimiserPartition) {
  AirbenchNet net(Settings(Shipped("airbench94_muon")).model());
  EXPECT_EQ(MuonParams(*net).size(), 6u);
  EXPECT_EQ(Numel(MuonParams(*net)), 1967616);
  EXPECT_EQ(NormBiasParams(*net).size(), 6u);
  EXPECT_EQ(Numel(NormBiasParams(*net)), 1152);
  EXPECT_EQ(net->head->weight.numel(), 2560);
  EXPECT_EQ(net->whiten_bias.numel(), 24);
  EXPECT_FALSE(net->whiten_weight.requires_grad());
  EXPECT_EQ(net->whiten_weight.numel(), 288);
  int64_t frozen_bn = 0;
  for (auto& bn : Norms(*net)) {
    EXPECT_FALSE(bn->weight.requires_grad());
    frozen_bn += bn->weight.numel();
  }
  EXPECT_EQ(frozen_bn, 1152);
}

// reset() (L240-245): identity on the first C_in filters, the rest default; the head at unit
// std; the whitening bias U(+-1/sqrt(12)) (quirk Q1); BN weight 1, bias 0.
TEST(AirbenchNetTest, PerRunInitialisation) {
  torch::manual_seed(0);
  AirbenchNet net(Settings(Shipped("airbench94_muon")).model());
  const at::Tensor w1 = net->blocks[0]->conv1->weight;  // (64, 24, 3, 3)
  at::Tensor identity = at::zeros({24, 24, 3, 3});
  for (int64_t i = 0; i < 24; ++i) identity[i][i][1][1] = 1;
  EXPECT_TRUE(at::equal(w1.narrow(0, 0, 24), identity));
  EXPECT_GT(w1.narrow(0, 24, 40).abs().max().item<double>(), 0);
  EXPECT_LE(w1.narrow(0, 24, 40).abs().max().item<double>(), 1 / std::sqrt(216.0));
  // block1.conv2 (64 -> 64) is an exact identity; so is block2.conv2 (256 -> 256).
  for (const at::Tensor& w : {net->blocks[0]->conv2->weight, net->blocks[1]->conv2->weight}) {
    const int64_t c = w.size(0);
    at::Tensor id = at::zeros({c, c, 3, 3});
    for (int64_t i = 0; i < c; ++i) id[i][i][1][1] = 1;
    EXPECT_TRUE(at::equal(w, id));
  }
  EXPECT_NEAR(net->head->weight.std().item<double>(), 1.0, 1e-6);
  const double bound = 1 / std::sqrt(12.0);
  EXPECT_LE(net->whiten_bias.abs().max().item<double>(), bound);
  EXPECT_GT(net->whiten_bias.abs().max().item<double>(), 0.05);
  for (auto& bn : Norms(*net)) {
    EXPECT_TRUE(at::equal(bn->weight, at::ones_like(bn->weight)));
    EXPECT_TRUE(at::equal(bn->bias, at::zeros_like(bn->bias)));
    EXPECT_DOUBLE_EQ(bn->options.momentum().value(), 0.4);
    EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-12);
  }
}

// L352-353, L400-403: 200 steps, the whitening bias trained for 75; every rate lr_0 (1 - t/200),
// the bias's 0.053 (1 - t/75) until it freezes.
TEST(AirbenchRecipesTest, StepsAndLearningRates) {
  const v1::RecipeConfig c = Shipped("airbench94_muon");
  const AirbenchSettings s = Settings(c);
  const StepPlan plan = MakeStepPlan(50000, c.train().batch_size(), c.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 25);
  EXPECT_EQ(plan.total_steps, 200);
  EXPECT_EQ(plan.num_epochs, 8);
  const int64_t bias_steps = WhitenBiasSteps(s, plan.steps_per_epoch);
  EXPECT_EQ(bias_steps, 75);
  // The rates the plugin loads (recipes/airbench/airbench_rates.h), SGD groups {whiten_bias,
  // norm_biases, head}: lr_0 (1 - t/200), the whitening bias 0.053 (1 - t/75), 0 from t = 75.
  auto rates = [&](int64_t t) { return RatesAt(s, t, plan.total_steps, bias_steps); };
  ASSERT_EQ(rates(0).sgd_groups, 3);
  EXPECT_DOUBLE_EQ(rates(0).muon, 0.24);
  EXPECT_DOUBLE_EQ(rates(0).sgd[0], 0.053);
  EXPECT_DOUBLE_EQ(rates(0).sgd[1], 0.053);
  EXPECT_DOUBLE_EQ(rates(0).sgd[2], 0.67);
  EXPECT_NEAR(rates(74).muon, 0.1512, 1e-15);
  EXPECT_NEAR(rates(74).sgd[0], 0.053 / 75, 1e-15);  // its last training step
  EXPECT_NEAR(rates(74).sgd[1], 0.03339, 1e-15);
  EXPECT_NEAR(rates(75).muon, 0.15, 1e-15);
  EXPECT_EQ(rates(75).sgd[0], 0);  // frozen
  EXPECT_EQ(rates(76).sgd[0], 0);  // the reference's rate turns negative here: clamped (Q2)
  EXPECT_NEAR(rates(75).sgd[2], 0.41875, 1e-15);
  EXPECT_NEAR(rates(199).muon, 0.0012, 1e-15);
  EXPECT_NEAR(rates(199).sgd[1], 0.000265, 1e-15);
  EXPECT_NEAR(rates(199).sgd[2], 0.00335, 1e-15);
  // lr x weight_decay = 0.004 for every SGD group (L345).
  EXPECT_NEAR(s.sgd().whiten_bias().lr() * s.sgd().whiten_bias().weight_decay(), 0.004, 1e-15);
  EXPECT_NEAR(s.sgd().norm_biases().lr() * s.sgd().norm_biases().weight_decay(), 0.004, 1e-15);
  EXPECT_NEAR(s.sgd().head().lr() * s.sgd().head().weight_decay(), 0.004, 1e-15);
  EXPECT_DOUBLE_EQ(s.muon().momentum(), 0.6);
  EXPECT_DOUBLE_EQ(s.sgd().momentum(), 0.85);
  EXPECT_DOUBLE_EQ(s.loss().label_smoothing(), 0.2);
  EXPECT_EQ(c.eval().headline_tta(), v1::TTA_SIX_VIEW);
  EXPECT_TRUE(c.train().warmup().full_run());
  EXPECT_TRUE(c.train().warmup().random_labels());
}

// hiverge/cifar10-speedrun 5cd49b1 cifar10_speedrun.py: the same network and counts (L416-433),
// SiLU inside the blocks and GELU after the whitening (L407, L430), BN momentum 1 - 0.5566
// (L385); 243 steps of 1536 (32 a full epoch, 848 images dropped each epoch), the whitening
// bias for 7, Muon's weights normalised on 37 steps, its decoupled decay 0.99967196 at t = 0.
TEST(AirbenchRecipesTest, HivergeNetworkStepsAndRates) {
  const v1::RecipeConfig c = Shipped("hiverge_record");
  const AirbenchSettings s = Settings(c);
  AirbenchNet net(s.model());
  NetworkCost cost = CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 1972792);
  EXPECT_EQ(cost.params_trained, 1971352);
  EXPECT_EQ(cost.forward_macs, 118147360);
  for (auto& block : net->blocks) EXPECT_TRUE(block->silu);
  EXPECT_DOUBLE_EQ(net->blocks[0]->norm1->options.momentum().value(), 0.4434);

  const StepPlan plan = MakeStepPlan(50000, c.train().batch_size(), c.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 32);
  EXPECT_EQ(50000 - plan.steps_per_epoch * c.train().batch_size(), 848);
  EXPECT_EQ(plan.total_steps, 243);
  EXPECT_EQ(plan.num_epochs, 8);
  EXPECT_EQ(plan.StepsInEpoch(6), 32);
  EXPECT_EQ(plan.StepsInEpoch(7), 19);
  EXPECT_EQ(WhitenBiasSteps(s, plan.steps_per_epoch), 7);
  const std::vector<int64_t> normalised =
      GrowingIntervalSteps(plan.total_steps, s.muon().norm_base(), s.muon().norm_growth());
  EXPECT_EQ(normalised.size(), 37u);
  EXPECT_EQ(normalised.front(), 2);
  EXPECT_EQ(normalised.back(), 230);
  // wd = 1.0418e-6 x 1536 (L598): lr x weight_decay for both SGD groups, Muon's own.
  const double wd = 1.0418e-6 * 1536;
  EXPECT_NEAR(s.sgd().whiten_bias().lr() * s.sgd().whiten_bias().weight_decay(), wd, 1e-15);
  EXPECT_NEAR(s.sgd().head().lr() * s.sgd().head().weight_decay(), wd, 1e-15);
  EXPECT_NEAR(s.muon().weight_decay(), wd, 1e-15);
  EXPECT_NEAR(1 - s.muon().lr() * s.muon().weight_decay(), 0.99967196, 1e-8);
  EXPECT_DOUBLE_EQ(s.loss().label_smoothing(), 0.09);
  EXPECT_EQ(c.eval().headline_tta(), v1::TTA_SELECTIVE);
  EXPECT_EQ(static_cast<int64_t>(c.eval().selective_fraction() * 10000), 2500);
  EXPECT_TRUE(c.train().warmup().random_images());
  EXPECT_TRUE(s.one_timed_interval());
}

// hiverge's settings are checked when the recipe loads, each refusal naming its setting.
TEST(AirbenchRecipesTest, HivergeSettingsAreChecked) {
  auto error = [](const std::string& assignment) {
    auto info = Registry::Get().FindRecipe("hiverge_record_smoke");
    EXPECT_TRUE(info.ok()) << info.status();
    auto config = LoadRecipeText(info->text, info->path, {assignment}, {});
    EXPECT_FALSE(config.ok()) << assignment;
    return config.ok() ? std::string() : std::string(config.status().message());
  };
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  std::string m = error("airbench.model.block_activation=BLOCK_ACTIVATION_UNSPECIFIED");
  EXPECT_TRUE(has(m, "airbench.model.block_activation must not be BLOCK_ACTIVATION_UNSPECIFIED")) << m;
  m = error("airbench.model.whiten_descending=true");
  EXPECT_TRUE(has(m, "airbench.model.whiten_svd and model.whiten_descending exclude each other")) << m;
  m = error("airbench.muon.norm_base=0");
  EXPECT_TRUE(has(m, "airbench.muon.norm_base must be >= 1 with muon.norm_growth")) << m;
  m = error("eval.per_epoch=true");
  EXPECT_TRUE(has(m, "airbench.one_timed_interval needs eval.per_epoch: false")) << m;
  m = error("airbench.augment.jitter_contrast=-0.1");
  EXPECT_TRUE(has(m, "airbench.augment.jitter_contrast must be >= 0")) << m;
}

// A block's forward is conv -> pool -> BN -> act -> conv -> BN -> act with act = SiLU when asked.
TEST(AirbenchNetTest, BlockActivation) {
  torch::manual_seed(1);
  for (const bool silu : {false, true}) {
    AirbenchBlock block(3, 4, 1e-12, 0.4, silu);
    block->eval();
    const at::Tensor x = at::randn({2, 3, 8, 8});
    auto act = [&](const at::Tensor& t) { return silu ? t * at::sigmoid(t) : at::gelu(t); };
    at::Tensor y = act(block->norm1->forward(at::max_pool2d(block->conv1->forward(x), {2, 2})));
    y = act(block->norm2->forward(block->conv2->forward(y)));
    EXPECT_TRUE(at::allclose(block->forward(x), y, 1e-5, 1e-6)) << silu;
  }
}

// legacy/airbench94.py: the same network (same counts), the head unscaled at init (L227) and
// multiplied by 1/9 (L228), the whitening bias zero (L185-186).
TEST(AirbenchNetTest, Airbench94NetworkAndInitialisation) {
  torch::manual_seed(0);
  AirbenchNet net(Settings(Shipped("airbench94")).model());
  NetworkCost cost = CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 1972792);
  EXPECT_EQ(cost.params_trained, 1971352);
  EXPECT_EQ(cost.forward_macs, 118147360);
  EXPECT_DOUBLE_EQ(net->head_divisor, 9);
  EXPECT_TRUE(at::equal(net->whiten_bias, at::zeros_like(net->whiten_bias)));
  // nn.Linear's default: U(+-1/sqrt(256)), std 1/sqrt(3 x 256) = 0.036, not rescaled to 1.
  EXPECT_LE(net->head->weight.abs().max().item<double>(), 1 / 16.0);
  EXPECT_NEAR(net->head->weight.std().item<double>(), 1 / std::sqrt(768.0), 0.002);
}

// legacy L40-47, L355-392, L410: 476 steps of 1024 (48 an epoch, 10 epochs, the last of 44
// steps); the whitening bias trained for 144 steps; the triangle s(0) = 0.2, s(109) = 1,
// s(475) = 0.0725; the lookahead decays d_5 = 8.97e-7 and d_475 = 0.7689; the rates and decays
// from the decoupled 11.5, 0.0153 and 64 by hand.
TEST(AirbenchRecipesTest, Airbench94StepsScheduleAndLookahead) {
  const v1::RecipeConfig c = Shipped("airbench94");
  const AirbenchSettings s = Settings(c);
  ASSERT_TRUE(s.has_legacy_sgd());
  EXPECT_FALSE(s.has_muon());
  const AirbenchLegacySgd& o = s.legacy_sgd();
  const StepPlan plan = MakeStepPlan(50000, c.train().batch_size(), c.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 48);
  EXPECT_EQ(plan.total_steps, 476);
  EXPECT_EQ(plan.num_epochs, 10);
  EXPECT_EQ(plan.StepsInEpoch(9), 44);
  const int64_t bias_steps = WhitenBiasSteps(s, plan.steps_per_epoch);
  EXPECT_EQ(bias_steps, 144);
  // The triangle s(t) through the rates the plugin loads, SGD groups {norm_biases, other}.
  auto rates = [&](int64_t t) { return RatesAt(s, t, plan.total_steps, bias_steps); };
  ASSERT_EQ(rates(0).sgd_groups, 2);
  EXPECT_EQ(rates(0).muon, 0);
  for (const int64_t t : {0, 109, 475}) {
    SCOPED_TRACE(t);
    EXPECT_DOUBLE_EQ(rates(t).sgd[0] / o.norm_biases().lr(), rates(t).sgd[1] / o.other().lr());
  }
  EXPECT_DOUBLE_EQ(rates(0).sgd[1] / o.other().lr(), 0.2);
  EXPECT_DOUBLE_EQ(rates(109).sgd[1] / o.other().lr(), 1.0);
  EXPECT_NEAR(rates(475).sgd[1] / o.other().lr(), 0.0725, 5e-5);
  const AirbenchLookahead& la = o.lookahead();
  EXPECT_NEAR(LookaheadDecay(5, plan.total_steps, la.base(), la.every(), la.power()), 8.97e-7, 1e-9);
  EXPECT_NEAR(LookaheadDecay(475, plan.total_steps, la.base(), la.every(), la.power()), 0.7689, 1e-4);
  const double kilostep = 1024 * (1 + 1 / (1 - 0.85));  // 7850.67
  EXPECT_NEAR(o.other().lr(), 11.5 / kilostep, 1e-18);
  EXPECT_NEAR(o.norm_biases().lr(), 64 * 11.5 / kilostep, 1e-16);
  const double wd = 0.0153 * 1024 / kilostep;  // 1.995652e-3, torch's decay x lr
  EXPECT_NEAR(o.other().lr() * o.other().weight_decay(), wd, 1e-17);
  EXPECT_NEAR(o.norm_biases().lr() * o.norm_biases().weight_decay(), wd, 1e-17);
  EXPECT_DOUBLE_EQ(o.momentum(), 0.85);
  EXPECT_DOUBLE_EQ(s.loss().label_smoothing(), 0.2);
  EXPECT_EQ(c.eval().headline_tta(), v1::TTA_SIX_VIEW);
  EXPECT_TRUE(s.model().whiten_descending());
}

// Random images and labels on the CPU (the plugin's arithmetic, not its accuracy).
DeviceData RandomData(int64_t train, int64_t test) {
  at::manual_seed(123);
  DeviceData d;
  d.train_images = at::randint(256, {train, 3, 32, 32}, at::kByte);
  d.train_labels = at::randint(10, {train}, at::kLong);
  d.test_images = at::randint(256, {test, 3, 32, 32}, at::kByte);
  d.test_labels = at::randint(10, {test}, at::kLong);
  return d;
}

v1::RunReport RunPlugin(const v1::RecipeConfig& config, const DeviceData& data) {
  auto info = Registry::Get().FindPlugin("airbench");
  EXPECT_TRUE(info.ok()) << info.status();
  std::unique_ptr<Plugin> plugin = info->factory();
  RunInputs inputs;
  inputs.device = at::kCPU;
  inputs.data = &data;
  inputs.seed = 7;
  v1::RunReport report;
  absl::Status status = plugin->Run(config, inputs, &report);
  EXPECT_TRUE(status.ok()) << status;
  return report;
}

// Every airbench recipe runs one epoch at smoke scale (its own settings, 1 epoch, narrow, on a
// small random set): an OK report with the six-view headline and the plain accuracy beside it.
TEST(AirbenchPluginTest, EveryRecipeRunsOneEpochAtSmokeScale) {
  const DeviceData data = RandomData(1000, 200);
  for (const char* name : {"airbench94_muon", "airbench94_muon_smoke", "airbench94", "airbench94_smoke",
                           "hiverge_record", "hiverge_record_smoke"}) {
    SCOPED_TRACE(name);
    const v1::RecipeConfig c = Shipped(name, {"train.epochs=1", "train.batch_size=250",
                                              "eval.batch_size=100", "airbench.model.widths=8,16,16",
                                              "airbench.model.head_divisor=256",
                                              "airbench.model.whiten_images=500"});
    const v1::RunReport r = RunPlugin(c, data);
    // The runner sets OK; a plugin sets only DIVERGED or INTERRUPTED.
    EXPECT_EQ(r.status(), v1::RUN_STATUS_UNSPECIFIED) << r.message();
    EXPECT_EQ(r.train_steps(), 4);
    ASSERT_EQ(r.epochs_size(), 1);
    EXPECT_TRUE(r.epochs(0).evaluated());
    EXPECT_GE(r.headline_accuracy(), 0);
    EXPECT_LE(r.headline_accuracy(), 1);
    EXPECT_GT(r.plain_accuracy(), 0);
    EXPECT_GT(r.timings().init_s(), 0);
    EXPECT_GT(r.timings().train_s(), 0);
    const double spans = r.timings().init_s() + r.timings().train_s() + r.timings().final_eval_s();
    if (Settings(c).one_timed_interval()) {  // hiverge: one interval holding the three spans
      EXPECT_GE(r.timings().time_to_result_s(), spans);
      EXPECT_LT(r.timings().time_to_result_s(), spans + 1.0);
      EXPECT_NE(r.timed_region().find("hiverge's"), std::string::npos);
    } else {
      EXPECT_NEAR(r.timings().time_to_result_s(), spans, 1e-9);
      EXPECT_NE(r.timed_region().find("airbench's"), std::string::npos);
    }
  }
}

// The static-buffer step (what a CUDA graph replays) equals the eager step bit for bit on the
// CPU, across the whitening bias's freeze (after 1 of 3 epochs here) and, for airbench94, its
// lookahead events (steps 5 and the final copy at 9).
void ExpectStaticEqualsEager(const std::string& recipe, const std::string& bias_epochs) {
  SCOPED_TRACE(recipe);
  const DeviceData data = RandomData(600, 100);
  std::vector<v1::RunReport> reports;
  for (const char* mode : {"STEP_MODE_EAGER", "STEP_MODE_STATIC"}) {
    const v1::RecipeConfig c = Shipped(
        recipe, {"train.epochs=3", "train.batch_size=200", "eval.batch_size=100",
                 std::string("train.step_mode=") + mode, bias_epochs,
                 "airbench.model.widths=8,16,16", "airbench.model.whiten_images=300"});
    reports.push_back(RunPlugin(c, data));
  }
  EXPECT_EQ(reports[0].step_mode(), "eager");
  EXPECT_EQ(reports[1].step_mode(), "static");
  ASSERT_EQ(reports[0].epochs_size(), 3);
  ASSERT_EQ(reports[1].epochs_size(), 3);
  for (int e = 0; e < 3; ++e) {
    SCOPED_TRACE(e);
    EXPECT_EQ(reports[0].epochs(e).train_loss(), reports[1].epochs(e).train_loss());
    EXPECT_EQ(reports[0].epochs(e).val_loss(), reports[1].epochs(e).val_loss());
    EXPECT_EQ(reports[0].epochs(e).train_acc(), reports[1].epochs(e).train_acc());
  }
  EXPECT_EQ(reports[0].headline_accuracy(), reports[1].headline_accuracy());
  EXPECT_EQ(reports[0].plain_accuracy(), reports[1].plain_accuracy());
}

TEST(AirbenchPluginTest, StaticStepEqualsEagerAcrossTheBiasFreeze) {
  ExpectStaticEqualsEager("airbench94_muon_smoke", "airbench.sgd.whiten_bias_epochs=1");
}

// hiverge: four bodies (bias trains or not x Muon normalises or not; 9 steps, normalised at
// 2, 4, 6, 8 for base 2 and growth 0 here), fp32 on the CPU, colour jitter, dropped images.
TEST(AirbenchPluginTest, StaticStepEqualsEagerAcrossTheBiasFreezeAndNormalisation) {
  ExpectStaticEqualsEager("hiverge_record_smoke", "airbench.muon.norm_growth=0");
}

TEST(AirbenchPluginTest, StaticStepEqualsEagerAcrossTheBiasFreezeAndLookahead) {
  ExpectStaticEqualsEager("airbench94_smoke", "airbench.legacy_sgd.whiten_bias_epochs=1");
}

}  // namespace
}  // namespace cifarbench::airbench
