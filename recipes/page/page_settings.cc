// The page plugin's settings (recipes/page/page.proto) and their check, run when a recipe
// loads, before any data is read. LibTorch-free: the config tests and the fuzzer link it alone.
#include "absl/strings/str_cat.h"
#include "core/registry.h"
#include "core/validation.h"
#include "proto/recipe.pb.h"
#include "recipes/page/page.pb.h"

namespace cifarbench::page {
namespace {

void CheckPageSettings(const v1::RecipeConfig& config, const PageSettings& s,
                       Validator& v) {
  const PageModel& model = s.model();
  v.Present("model", s.has_model());
  if (model.widths_size() != 4) {
    v.Error("model.widths", absl::StrCat("must hold 4 widths (prep, layer1, layer2, layer3; "
                                         "published 64, 128, 256, 512), got ",
                                         model.widths_size()));
  }
  for (int i = 0; i < model.widths_size(); ++i) {
    v.Positive(absl::StrCat("model.widths[", i, "]"), model.widths(i));
  }
  v.NonNegative("model.bn_eps", model.bn_eps());
  v.Probability("model.bn_momentum", model.bn_momentum());

  const PageOptimizer& optimizer = s.optimizer();
  v.Present("optimizer", s.has_optimizer());
  CheckOptimizerKind(optimizer.kind(), optimizer.momentum(), "optimizer", v);
  if (s.has_optimizer()) v.Present("optimizer.params", optimizer.has_params());
  CheckSgdGroup(optimizer.params(), "optimizer.params", v);

  v.Present("loss", s.has_loss());
  CheckLoss(s.loss(), "loss", v);
  v.Present("schedule", s.has_schedule());
  CheckSchedule(s.schedule(), "schedule", v);
  v.Present("augment", s.has_augment());
  CheckAugment(s.augment(), "augment", v);
  if (s.augment().cutmix_size() > 0) {
    v.Error("augment.cutmix_size", "must be 0: the page plugin has no cutmix");
  }
  if (config.eval().headline_network() == v1::EVAL_NETWORK_EMA) {
    v.RootError("eval.headline_network",
                "must be EVAL_NETWORK_LIVE: the page plugin has no EMA network");
  }
}

}  // namespace

CIFARBENCH_REGISTER_SETTINGS("page", PageSettings, CheckPageSettings);

}  // namespace cifarbench::page
