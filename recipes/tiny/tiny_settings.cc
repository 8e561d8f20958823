// The tiny plugin's settings check, run when a recipe loads (before any data is read): every
// setting tiny.cc reads, and nothing it does not implement. LibTorch-free.
#include "absl/strings/str_cat.h"
#include "core/registry.h"
#include "core/validation.h"
#include "proto/recipe.pb.h"
#include "recipes/tiny/tiny.pb.h"

namespace cifarbench::tiny {
namespace {

void CheckTinySettings(const v1::RecipeConfig& config, const TinySettings& s, Validator& v) {
  if (s.widths_size() != 3) {
    v.Error("widths", absl::StrCat("must hold 3 widths, got ", s.widths_size()));
  }
  for (int i = 0; i < s.widths_size(); ++i) {
    v.Positive(absl::StrCat("widths[", i, "]"), s.widths(i));
  }
  CheckMomentum(s.momentum(), "momentum", v);
  v.Present("params", s.has_params());
  CheckSgdGroup(s.params(), "params", v);
  v.Present("loss", s.has_loss());
  CheckLoss(s.loss(), "loss", v);
  v.Present("schedule", s.has_schedule());
  CheckSchedule(s.schedule(), "schedule", v);
  v.Present("augment", s.has_augment());
  CheckAugment(s.augment(), "augment", v);
  if (s.augment().cutout_size() > 0) v.Error("augment.cutout_size", "must be 0: tiny has no cutout");
  if (s.augment().cutmix_size() > 0) v.Error("augment.cutmix_size", "must be 0: tiny has no cutmix");
  if (config.eval().headline_network() == v1::EVAL_NETWORK_EMA) {
    v.RootError("eval.headline_network", "must be EVAL_NETWORK_LIVE: tiny has no EMA network");
  }
  // The shared settings tiny.cc does not implement are refused, not ignored: it computes in
  // fp32, in NCHW, with plain eager calls, so a recipe says exactly that. Their defaults (unset,
  // AUTO) mean fp16, channels_last and a CUDA graph wherever those apply (proto/recipe.proto),
  // so they are refused too rather than run as something else under their name.
  if (config.precision() != v1::PRECISION_FP32) {
    v.RootError("precision", absl::StrCat("must be PRECISION_FP32: tiny computes in fp32 only, got ",
                                          v1::Precision_Name(config.precision())));
  }
  if (config.memory_format() != v1::MEMORY_FORMAT_CONTIGUOUS) {
    v.RootError("memory_format",
                absl::StrCat("must be MEMORY_FORMAT_CONTIGUOUS: tiny keeps the NCHW layout (unset "
                             "means channels_last), got ",
                             v1::MemoryFormat_Name(config.memory_format())));
  }
  if (config.train().step_mode() != v1::STEP_MODE_EAGER) {
    v.RootError("train.step_mode",
                absl::StrCat("must be STEP_MODE_EAGER: tiny runs eager steps only (unset or AUTO "
                             "means a CUDA graph on CUDA), got ",
                             v1::StepMode_Name(config.train().step_mode())));
  }
}

}  // namespace

CIFARBENCH_REGISTER_SETTINGS("tiny", TinySettings, CheckTinySettings);

}  // namespace cifarbench::tiny
