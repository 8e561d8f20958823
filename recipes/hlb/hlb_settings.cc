// The hlb plugin's settings (recipes/hlb/hlb.proto) and their check, run when a recipe loads,
// before any data is read. LibTorch-free: the config tests and the fuzzer link it alone.
#include "absl/strings/str_cat.h"
#include "core/registry.h"
#include "core/validation.h"
#include "proto/recipe.pb.h"
#include "recipes/hlb/hlb.pb.h"

namespace cifarbench::hlb {
namespace {

void CheckHlbSettings(const v1::RecipeConfig& config, const hlb::HlbSettings& s,
                      Validator& v) {
  const hlb::HlbModel& model = s.model();
  v.Present("model", s.has_model());
  if (model.widths().empty()) v.Error("model.widths", "must not be empty");
  for (int i = 0; i < model.widths_size(); ++i) {
    v.Positive(absl::StrCat("model.widths[", i, "]"), model.widths(i));
  }
  v.Positive("model.whiten_kernel_size", model.whiten_kernel_size());
  v.NonNegative("model.whiten_eps", model.whiten_eps());
  v.NonNegative("model.bn_eps", model.bn_eps());
  v.Probability("model.bn_momentum", model.bn_momentum());

  const hlb::HlbOptimizer& optimizer = s.optimizer();
  v.Present("optimizer", s.has_optimizer());
  CheckOptimizerKind(optimizer.kind(), optimizer.momentum(), "optimizer", v);
  if (s.has_optimizer()) {
    v.Present("optimizer.bias", optimizer.has_bias());
    v.Present("optimizer.non_bias", optimizer.has_non_bias());
  }
  CheckSgdGroup(optimizer.bias(), "optimizer.bias", v);
  CheckSgdGroup(optimizer.non_bias(), "optimizer.non_bias", v);

  v.Present("loss", s.has_loss());
  CheckLoss(s.loss(), "loss", v);
  v.Present("schedule", s.has_schedule());
  CheckSchedule(s.schedule(), "schedule", v);
  v.Present("augment", s.has_augment());
  CheckAugment(s.augment(), "augment", v);
  CheckEma(s.ema(), "ema", v);
  if (config.eval().headline_network() == v1::EVAL_NETWORK_EMA && !s.ema().enabled()) {
    v.Error("ema.enabled", "must be true when eval.headline_network is EVAL_NETWORK_EMA");
  }
}

}  // namespace

CIFARBENCH_REGISTER_SETTINGS("hlb", hlb::HlbSettings, CheckHlbSettings);

}  // namespace cifarbench::hlb
