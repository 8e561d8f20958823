// Runs a recipe: its plugin once per seed, the console view, and the bench report, written
// after every run so that finished runs are never lost.
#ifndef CIFARBENCH_CORE_RUNNER_H_
#define CIFARBENCH_CORE_RUNNER_H_

#include <ATen/ATen.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "core/plugin.h"
#include "proto/recipe.pb.h"
#include "proto/report.pb.h"

namespace cifarbench {

// The timed regions, in words, printed into every report.
extern const char kTimedRegion[];

struct RunnerOptions {
  at::Device device = at::kCPU;
  std::string out_path;            // "" = no file
  bool progress = false;           // redraw a progress line in place (a terminal)
  const std::atomic<bool>* stop_requested = nullptr;
  double data_s = 0;               // time the data took to load to the device
  // One short untimed run before the timed ones (WarmupConfig); the report's warmup says so.
  bool warmup = false;
  // Without one: why, for the report's warmup.what ("none: <reason>"), e.g. "--warmup=off".
  std::string no_warmup_reason;
  // Sweeps: when set, the runs are appended to this report (its aggregates recomputed for
  // every recipe in it) and the file at out_path holds all of it.
  v1::BenchReport* accumulate = nullptr;
  // --save_logits / --save_weights: files beside out_path (which must be set), named
  // <out_path without .json>.<recipe>.seed<seed>.{logits,weights}.pt.
  bool save_logits = false;
  bool save_weights = false;
  // A DIVERGED run ends the recipe's runs (and, through `diverged`, a sweep) instead of
  // letting the next seed start.
  bool stop_on_divergence = false;
  bool* diverged = nullptr;
  // --profile: one more untimed run of the recipe (after the warm-up, before the timed runs;
  // its report discarded) under LibTorch's profiler, summarised as Markdown into this file
  // (core/profile.h). The timed runs are not profiled, so their timings are unaffected.
  std::string profile_path;
  std::FILE* out = stdout;
};

// The warm-up run's config: the recipe with at most one epoch, no per-epoch evaluation and the
// live network as headline (an EMA may not have started within one epoch). It still runs every
// shape of the timed runs: training batches, augmentation, the evaluation batches with TTA,
// and the step's graph capture.
v1::RecipeConfig WarmupConfig(const v1::RecipeConfig& config);

// The bench report's aggregates, one per recipe in it (config's recipe added if new).
void RecomputeAggregates(const v1::RecipeConfig& config, v1::BenchReport* bench);

// Fills the run's target_epoch and time_to_target_s from its evaluated epochs.
void SetTimeToTarget(const v1::RecipeConfig& config, v1::RunReport* report);

// Runs config.runs() runs with seeds seed, seed + 1, ... Returns the bench report (also on
// DIVERGED or INTERRUPTED runs, which it records). Errors only for what stops everything: an
// unknown plugin, a report that cannot be written.
absl::StatusOr<v1::BenchReport> RunRecipe(const v1::RecipeConfig& config,
                                          const DeviceData& data, const RunnerOptions& options);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_RUNNER_H_
