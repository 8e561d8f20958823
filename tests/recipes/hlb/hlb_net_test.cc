// Fidelity of the hlb network against the literals of hlb-CIFAR10 v0.7.0 (parameter and MAC
// counts computed from tysam-code/hlb-CIFAR10 main.py's network).
#include "recipes/hlb/hlb_net.h"

#include <ATen/ATen.h>

#include "core/config.h"
#include "core/flops.h"
#include "core/registry.h"
#include "core/settings.h"
#include "gtest/gtest.h"

namespace cifarbench::hlb {
namespace {

TEST(HlbNetTest, RecordParameterAndMacCountsMatchRecipesMd) {
  HlbNet net(RecordModelConfig());
  NetworkCost cost =
      CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 4335648);
  EXPECT_EQ(cost.params_trained, 4333696);
  EXPECT_EQ(cost.forward_macs, 162976544);
  EXPECT_EQ(cost.conv_layers, 7);  // whiten + 3 groups x 2
  EXPECT_EQ(cost.linear_layers, 1);
}

TEST(HlbNetTest, LongParameterAndMacCountsMatchRecipesMd) {
  HlbNet net(RecordModelConfig({128, 512, 1024}));
  NetworkCost cost =
      CountNetworkCost(*net, [&](const at::Tensor& x) { return net->forward(x); });
  EXPECT_EQ(cost.params_total, 17297184);
  EXPECT_EQ(cost.params_trained, 17293568);
  EXPECT_EQ(cost.forward_macs, 624495904);
}

// RecordModelConfig (what narrow test networks are built from) is hlb_record's model block.
TEST(HlbNetTest, RecordModelConfigIsTheShippedRecordModel) {
  auto info = Registry::Get().FindRecipe("hlb_record");
  ASSERT_TRUE(info.ok()) << info.status();
  auto config = LoadRecipeText(info->text, info->path, {}, {});
  ASSERT_TRUE(config.ok()) << config.status();
  auto settings = PluginSettings<HlbSettings>(*config);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(RecordModelConfig().DebugString(), settings->model().DebugString());
}

// Per shipped recipe: the network its config builds has the published output shape and BN modes.
TEST(HlbNetTest, ShippedRecipesShapesAndBatchNormModes) {
  for (const char* recipe : {"hlb_record", "hlb_long", "hlb_record_smoke", "hlb_long_smoke"}) {
    SCOPED_TRACE(recipe);
    auto info = Registry::Get().FindRecipe(recipe);
    ASSERT_TRUE(info.ok()) << info.status();
    auto config = LoadRecipeText(info->text, info->path, {}, {});
    ASSERT_TRUE(config.ok()) << config.status();
    auto settings = PluginSettings<HlbSettings>(*config);
    ASSERT_TRUE(settings.ok()) << settings.status();
    HlbNet net(settings->model());
    at::Tensor y = net->forward(at::randn({2, 3, 32, 32}));
    EXPECT_EQ(y.sizes(), at::IntArrayRef({2, 10}));
    EXPECT_FALSE(net->whiten->weight.requires_grad());
    EXPECT_EQ(net->whiten->weight.sizes(), at::IntArrayRef({24, 3, 2, 2}));
    EXPECT_NEAR(net->output_scale, 1.0 / 9, 1e-15);
    ASSERT_EQ(net->groups.size(), 3u);
    for (auto& g : net->groups) {
      for (auto* bn : {&g->norm1, &g->norm2}) {
        EXPECT_FALSE((*bn)->weight.requires_grad());  // fixed at 1
        EXPECT_TRUE((*bn)->bias.requires_grad());     // trained from 0
        EXPECT_TRUE(at::all((*bn)->weight == 1).item<bool>());
        EXPECT_TRUE(at::all((*bn)->bias == 0).item<bool>());
        EXPECT_DOUBLE_EQ((*bn)->options.eps(), 1e-12);
        EXPECT_DOUBLE_EQ((*bn)->options.momentum().value(), 0.4);
      }
    }
  }
}

TEST(HlbNetTest, OptimiserGroupsSplitBiasesFromWeightsAndSkipTheWhitening) {
  HlbNet net(RecordModelConfig({16, 32, 64}));
  int64_t trained = 0;
  for (const auto& p : net->parameters()) {
    if (p.requires_grad()) trained += p.numel();
  }
  int64_t grouped = 0;
  for (const auto& p : BiasParams(*net)) grouped += p.numel();
  for (const auto& p : NonBiasParams(*net)) grouped += p.numel();
  EXPECT_EQ(grouped, trained);
  EXPECT_EQ(BiasParams(*net).size(), 6u);
}

TEST(HlbNetTest, DiracInitMakesConv2AnIdentity) {
  HlbNet net(RecordModelConfig({16, 32, 64}));
  ApplyDiracInit(*net);
  at::Tensor x = at::randn({1, 32, 7, 7});
  at::Tensor y = net->groups[1]->conv2->forward(x);
  EXPECT_TRUE(at::allclose(y, x, 1e-5, 1e-6));
}

TEST(HlbNetTest, EmaCopyBackSkipsBnWeightsAndWhitening) {
  EXPECT_FALSE(EmaCopiesBack("group1.norm1.weight"));
  EXPECT_FALSE(EmaCopiesBack("whiten.weight"));
  EXPECT_TRUE(EmaCopiesBack("group1.norm1.bias"));
  EXPECT_TRUE(EmaCopiesBack("group1.norm1.running_mean"));
  EXPECT_TRUE(EmaCopiesBack("group2.conv1.weight"));
  EXPECT_TRUE(EmaCopiesBack("head.weight"));
}

}  // namespace
}  // namespace cifarbench::hlb
