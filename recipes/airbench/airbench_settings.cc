// The airbench plugin's settings (recipes/airbench/airbench.proto) and their check, run when a
// recipe loads, before any data is read: every setting airbench.cc reads, and nothing it does
// not implement. LibTorch-free.
#include "absl/strings/str_cat.h"
#include "core/registry.h"
#include "core/validation.h"
#include "proto/recipe.pb.h"
#include "recipes/airbench/airbench.pb.h"

namespace cifarbench::airbench {
namespace {

void CheckAirbenchSettings(const v1::RecipeConfig& config, const AirbenchSettings& s,
                           Validator& v) {
  const AirbenchModel& model = s.model();
  v.Present("model", s.has_model());
  if (model.widths_size() != 3) {
    v.Error("model.widths", absl::StrCat("must hold the 3 blocks' widths, got ", model.widths_size()));
  }
  for (int i = 0; i < model.widths_size(); ++i) {
    v.Positive(absl::StrCat("model.widths[", i, "]"), model.widths(i));
  }
  v.Positive("model.whiten_kernel_size", model.whiten_kernel_size());
  v.NonNegative("model.whiten_eps", model.whiten_eps());
  v.Positive("model.whiten_images", model.whiten_images());
  v.Probability("model.bn_momentum", model.bn_momentum());
  v.NonNegative("model.bn_eps", model.bn_eps());
  v.NonNegative("model.head_divisor", model.head_divisor());
  if (model.has_block_activation() && model.block_activation() == BLOCK_ACTIVATION_UNSPECIFIED) {
    v.Error("model.block_activation",
            "must not be BLOCK_ACTIVATION_UNSPECIFIED: leave it unset for GELU, or set "
            "BLOCK_ACTIVATION_GELU or BLOCK_ACTIVATION_SILU");
  }
  if (model.whiten_svd() && model.whiten_descending()) {
    v.Error("model.whiten_svd", "and model.whiten_descending exclude each other (SVD's filters "
                                "are already in descending order)");
  }

  // Exactly one optimiser: muon + sgd (airbench94_muon) or legacy_sgd (airbench94).
  if (s.has_legacy_sgd()) {
    if (s.has_muon()) v.Error("muon", "must be absent with legacy_sgd (airbench94 has no Muon)");
    if (s.has_sgd()) v.Error("sgd", "must be absent with legacy_sgd (it replaces sgd)");
    const AirbenchLegacySgd& legacy = s.legacy_sgd();
    CheckMomentum(legacy.momentum(), "legacy_sgd.momentum", v);
    v.Present("legacy_sgd.norm_biases", legacy.has_norm_biases());
    v.Present("legacy_sgd.other", legacy.has_other());
    CheckSgdGroup(legacy.norm_biases(), "legacy_sgd.norm_biases", v);
    CheckSgdGroup(legacy.other(), "legacy_sgd.other", v);
    v.NonNegative("legacy_sgd.whiten_bias_epochs", legacy.whiten_bias_epochs());
    v.Probability("legacy_sgd.warmup_fraction", legacy.warmup_fraction());
    v.NonNegative("legacy_sgd.start_ratio", legacy.start_ratio());
    v.NonNegative("legacy_sgd.end_ratio", legacy.end_ratio());
    v.Present("legacy_sgd.lookahead", legacy.has_lookahead());
    v.Positive("legacy_sgd.lookahead.every", legacy.lookahead().every());
    v.Probability("legacy_sgd.lookahead.base", legacy.lookahead().base());
    v.NonNegative("legacy_sgd.lookahead.power", legacy.lookahead().power());
  } else {
    const AirbenchMuon& muon = s.muon();
    v.Present("muon", s.has_muon());
    v.NonNegative("muon.lr", muon.lr());
    CheckMomentum(muon.momentum(), "muon.momentum", v);
    v.Positive("muon.ns_steps", muon.ns_steps());
    v.NonNegative("muon.ns_eps", muon.ns_eps());
    v.NonNegative("muon.norm_base", muon.norm_base());
    v.NonNegative("muon.norm_growth", muon.norm_growth());
    if (muon.norm_growth() > 0 && muon.norm_base() < 1) {
      v.Error("muon.norm_base", absl::StrCat("must be >= 1 with muon.norm_growth (unset both to "
                                             "normalise every step), got ", muon.norm_base()));
    }
    v.NonNegative("muon.norm_eps", muon.norm_eps());
    v.NonNegative("muon.weight_decay", muon.weight_decay());

    const AirbenchSgd& sgd = s.sgd();
    v.Present("sgd", s.has_sgd());
    CheckMomentum(sgd.momentum(), "sgd.momentum", v);
    if (s.has_sgd()) {
      v.Present("sgd.whiten_bias", sgd.has_whiten_bias());
      v.Present("sgd.norm_biases", sgd.has_norm_biases());
      v.Present("sgd.head", sgd.has_head());
    }
    CheckSgdGroup(sgd.whiten_bias(), "sgd.whiten_bias", v);
    CheckSgdGroup(sgd.norm_biases(), "sgd.norm_biases", v);
    CheckSgdGroup(sgd.head(), "sgd.head", v);
    v.NonNegative("sgd.whiten_bias_epochs", sgd.whiten_bias_epochs());
  }

  v.Present("loss", s.has_loss());
  CheckLoss(s.loss(), "loss", v);
  if (s.has_loss() && s.loss().scale() != 1) {
    v.Error("loss.scale", absl::StrCat("must be 1: airbench's rates are per summed loss, got ",
                                       s.loss().scale()));
  }
  v.Present("augment", s.has_augment());
  v.NonNegative("augment.translate", s.augment().translate());
  v.NonNegative("augment.jitter_brightness", s.augment().jitter_brightness());
  v.NonNegative("augment.jitter_contrast", s.augment().jitter_contrast());
  if (s.one_timed_interval() && config.eval().per_epoch()) {
    v.Error("one_timed_interval", "needs eval.per_epoch: false (an evaluation inside the one "
                                  "interval would be timed)");
  }

  if (config.eval().headline_network() == v1::EVAL_NETWORK_EMA) {
    v.RootError("eval.headline_network", "must be EVAL_NETWORK_LIVE: airbench has no EMA network");
  }
}

}  // namespace

CIFARBENCH_REGISTER_SETTINGS("airbench", AirbenchSettings, CheckAirbenchSettings);

}  // namespace cifarbench::airbench
