// The shipped hlb recipes against hlb-CIFAR10 v0.7.0 (tysam-code/hlb-CIFAR10, main.py) and its
// long variant: step counts,
// learning rates at chosen steps, EMA events and decays, the cutmix window. Each expected value
// is computed by hand here from the published numbers, not from the config.
#include <cmath>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/registry.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "recipes/hlb/hlb.pb.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

v1::RecipeConfig Shipped(const std::string& name) {
  auto info = Registry::Get().FindRecipe(name);
  EXPECT_TRUE(info.ok()) << info.status();
  auto config = LoadRecipeText(info->text, info->path, {}, {});
  EXPECT_TRUE(config.ok()) << config.status();
  return *config;
}

// The recipe's hlb { ... } block.
hlb::HlbSettings Settings(const v1::RecipeConfig& c) {
  auto settings = PluginSettings<hlb::HlbSettings>(c);
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? *settings : hlb::HlbSettings();
}

// The peak lr of the named group.
double PeakLr(const v1::RecipeConfig& c, const std::string& group) {
  const hlb::HlbOptimizer optimizer = Settings(c).optimizer();
  if (group == "bias") return optimizer.bias().lr();
  if (group == "non_bias") return optimizer.non_bias().lr();
  ADD_FAILURE() << "no group " << group;
  return 0;
}

struct Window {
  int64_t first = -1, last = -1;  // 1-based steps
};

// 1-based steps at which cutmix is on, and EMA events, walking the plan like the plugin does.
void Walk(const v1::RecipeConfig& c, const StepPlan& plan, Window* cutmix,
          std::vector<int64_t>* ema_events) {
  const hlb::HlbSettings h = Settings(c);
  int64_t step1 = 0;
  for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
    for (int64_t s = 0; s < plan.StepsInEpoch(epoch); ++s) {
      ++step1;
      if (CutmixActive(h.augment(), c.train().epochs(), epoch)) {
        if (cutmix->first < 0) cutmix->first = step1;
        cutmix->last = step1;
      }
      if (IsEmaEvent(h.ema(), epoch, step1)) ema_events->push_back(step1);
    }
  }
}

TEST(HlbRecipesTest, RecordStepsLearningRatesEmaAndCutmix) {
  const v1::RecipeConfig c = Shipped("hlb_record");
  const hlb::HlbSettings h = Settings(c);
  const StepPlan plan = MakeStepPlan(50000, c.train().batch_size(), c.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 48);
  EXPECT_EQ(plan.total_steps, 581);

  // lr 1.525 / 512 (non_bias) and 1.525 * 64 / 512 (bias); OneCycle up to step 0.23*581-1.
  const double peak = 1.525 / 512, bias_peak = 1.525 * 64 / 512;
  EXPECT_DOUBLE_EQ(PeakLr(c, "non_bias"), peak);
  EXPECT_DOUBLE_EQ(PeakLr(c, "bias"), bias_peak);
  const double up = 0.23 * 581 - 1;  // 132.63
  auto lr = [&](int64_t step) { return peak * LrMultiplier(h.schedule(), plan, step); };
  EXPECT_NEAR(lr(0), peak / 1e16, 1e-30);
  EXPECT_NEAR(lr(1), peak * (1e-16 + (1 - 1e-16) / up), 1e-18);
  // The highest rate is at step 133, just past the peak at 132.63.
  EXPECT_NEAR(lr(133), peak * (1 - 0.93 * (133 - up) / (580 - up)), 1e-15);
  for (int64_t s = 0; s < 581; ++s) EXPECT_LE(lr(s), lr(133)) << s;
  EXPECT_NEAR(lr(580), 0.07 * peak, 1e-15);

  // EMA: from epoch 2 (step 97) every 5 steps; 100 only snapshots, 105 is the first update.
  Window cutmix;
  std::vector<int64_t> ema;
  Walk(c, plan, &cutmix, &ema);
  ASSERT_GE(ema.size(), 2u);
  EXPECT_EQ(ema.front(), 100);
  EXPECT_EQ(ema[1], 105);
  EXPECT_EQ(ema.back(), 580);
  EXPECT_NEAR(EmaDecay(h.ema(), 105, 581), std::pow(0.95, 5) * std::pow(105.0 / 581, 3), 1e-15);
  EXPECT_NEAR(EmaDecay(h.ema(), 580, 581), 0.7737809375 * std::pow(580.0 / 581, 3), 1e-12);

  // Cutmix 3x3 in 0-based epochs 7..12 (epoch >= 12.1 - 6): steps 7*48+1 = 337 .. 581.
  EXPECT_EQ(h.augment().cutmix_size(), 3);
  EXPECT_EQ(cutmix.first, 337);
  EXPECT_EQ(cutmix.last, 581);
}

TEST(HlbRecipesTest, LongStepsLearningRatesEmaAndCutmix) {
  const v1::RecipeConfig c = Shipped("hlb_long");
  const hlb::HlbSettings h = Settings(c);
  EXPECT_EQ(std::vector<int>(h.model().widths().begin(), h.model().widths().end()),
            (std::vector<int>{128, 512, 1024}));
  const StepPlan plan = MakeStepPlan(50000, c.train().batch_size(), c.train().epochs());
  EXPECT_EQ(plan.steps_per_epoch, 48);
  EXPECT_EQ(plan.total_steps, 4320);

  const double peak = 1.525 / 512;
  const double up = 0.23 * 4320 - 1;  // 992.6
  auto lr = [&](int64_t step) { return peak * LrMultiplier(h.schedule(), plan, step); };
  EXPECT_NEAR(lr(0), peak / 1e16, 1e-30);
  EXPECT_NEAR(lr(1), peak * (1e-16 + (1 - 1e-16) / up), 1e-18);
  EXPECT_NEAR(lr(992), peak * (1e-16 + (1 - 1e-16) * 992 / up), 1e-15);
  EXPECT_NEAR(lr(993), peak * (1 - 0.93 * (993 - up) / (4319 - up)), 1e-15);
  EXPECT_NEAR(lr(4319), 0.07 * peak, 1e-15);

  // EMA over the last 80 epochs: from epoch 10 (step 481); 485 snapshots, 490 first update.
  Window cutmix;
  std::vector<int64_t> ema;
  Walk(c, plan, &cutmix, &ema);
  ASSERT_GE(ema.size(), 2u);
  EXPECT_EQ(ema.front(), 485);
  EXPECT_EQ(ema[1], 490);
  EXPECT_EQ(ema.back(), 4320);
  EXPECT_NEAR(EmaDecay(h.ema(), 490, 4320), std::pow(0.95, 5) * std::pow(490.0 / 4320, 3),
              1e-15);
  EXPECT_NEAR(EmaDecay(h.ema(), 4320, 4320), 0.7737809375, 1e-12);

  // Cutmix 10x10 for the last 80 epochs: 0-based epochs 10..89, steps 481 .. 4320.
  EXPECT_EQ(h.augment().cutmix_size(), 10);
  EXPECT_EQ(cutmix.first, 481);
  EXPECT_EQ(cutmix.last, 4320);
}

TEST(HlbRecipesTest, LongDiffersFromRecordOnlyWherePublished) {
  v1::RecipeConfig record = Shipped("hlb_record");
  v1::RecipeConfig long_run = Shipped("hlb_long");
  // Put the published differences back; what remains must be identical.
  for (v1::RecipeConfig* c : {&record, &long_run}) {
    hlb::HlbSettings h = Settings(*c);
    c->clear_name();
    c->clear_description();
    h.mutable_model()->clear_widths();
    c->mutable_train()->clear_epochs();
    h.mutable_ema()->clear_start_epoch();
    h.mutable_augment()->clear_cutmix_size();
    h.mutable_augment()->clear_cutmix_epochs();
    c->clear_target_accuracy();
    SetPluginSettings(c, h);
  }
  EXPECT_EQ(RecipeToText(record), RecipeToText(long_run));
}

TEST(HlbRecipesTest, SmokeRecipesParse) {
  for (const char* name : {"hlb_record_smoke", "hlb_long_smoke"}) {
    const v1::RecipeConfig c = Shipped(name);
    EXPECT_EQ(c.plugin(), "hlb") << name;
    EXPECT_GT(c.data().train_subset(), 0) << name;
  }
}

}  // namespace
}  // namespace cifarbench
