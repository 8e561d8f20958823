// bench/compare: two bench reports (or the recipes inside one) side by side, with the
// statistics that say whether a change is real. LibTorch-free.
#ifndef CIFARBENCH_BENCH_COMPARE_LIB_H_
#define CIFARBENCH_BENCH_COMPARE_LIB_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/report.pb.h"

namespace cifarbench {

struct CompareOptions {
  double alpha = 0.05;               // significance level of the Mann-Whitney U tests
  double max_slowdown = 0.05;        // gate: median train_s may grow by this fraction
  double max_accuracy_drop = 0.005;  // gate: mean accuracy may drop by this (0.005 = 0.5 pp)
  bool gate_time = true;             // CI on noisy machines: report times, gate accuracy only
  // Pair runs by seed and compare accuracy seed by seed (deterministic CPU runs): the gate is
  // then the mean of the per-seed drops, no test needed.
  bool paired_seeds = false;
  // The time compared: "train_s", "time_to_result_s", or empty for each recipe's default
  // (DefaultTimeMetric), so that a script is compared on the region its original publishes.
  std::string time_metric;
  // The two reports' names in the Markdown table and the charts (e.g. "python", "cifarbench").
  std::string base_label = "base";
  std::string new_label = "new";
};

// The time a recipe's published original reports: time_to_result_s for airbench* and
// hiverge* (init + training + final TTA evaluation), train_s for everything else (hlb-CIFAR10's
// training-only convention, cifarbench's default).
std::string DefaultTimeMetric(const std::string& recipe);

struct Side {
  std::string name;                  // recipe (and report) it came from
  std::vector<double> time_s;        // OK runs: the pair's time_metric
  std::vector<double> accuracy;
  std::vector<uint64_t> seeds;
  // Time to target (RunReport.target_epoch, time_to_target_s): of the OK runs, those whose
  // headline accuracy reached the recipe's target in an evaluated epoch, and their times.
  std::vector<double> time_to_target_s;
};

struct PairResult {
  std::string recipe;                // "base_recipe -> recipe" with --across_recipes
  std::string time_metric;           // "train_s" or "time_to_result_s"
  Side base, next;
  double base_median_s = 0, next_median_s = 0;
  double time_change = 0;            // next / base - 1 (median time_metric)
  double time_p = 1;                 // two-sided Mann-Whitney U on time_metric
  bool time_missing = false;         // a side has no time_metric (all 0): time not compared
  bool time_exact = false;
  double base_accuracy = 0, next_accuracy = 0;  // means
  double accuracy_change = 0;        // next - base (paired: mean of per-seed differences)
  double accuracy_p = 1;             // two-sided Mann-Whitney U on the accuracies (unpaired)
  bool accuracy_exact = false;
  int paired = 0;                    // seeds present on both sides (paired_seeds)
  bool few_runs = false;             // fewer than 9 runs on a side
  bool slower = false;               // gate failures
  bool less_accurate = false;
};

struct Comparison {
  std::vector<PairResult> pairs;
  std::vector<std::string> warnings;
  double geomean_time_ratio = 1;     // over the pairs: geometric mean of next/base median time
  double geomean_accuracy_ratio = 1;
  bool failed = false;               // any gate failed
};

// Pairs the recipes two reports have in common. InvalidArgument when they share none.
absl::StatusOr<Comparison> CompareReports(const v1::BenchReport& base,
                                          const v1::BenchReport& next,
                                          const CompareOptions& options);
// Every recipe in `report` against `base_recipe` (also in it). InvalidArgument when it is not
// there or nothing else is.
absl::StatusOr<Comparison> CompareAcrossRecipes(const v1::BenchReport& report,
                                                const std::string& base_recipe,
                                                const CompareOptions& options);

std::string ComparisonMarkdown(const Comparison& c, const CompareOptions& options,
                               const std::vector<std::string>& svg_links);
std::string ComparisonJson(const Comparison& c, const CompareOptions& options);

// The command line: compare [flags] base.json [new.json]. Exit status: 0 no gate failed,
// 1 a gate failed (a significant slowdown or accuracy loss beyond its threshold), 2 bad usage
// or input (a message on stderr). Sets the absl flags it defines (a test calling it twice wraps
// each call in an absl::FlagSaver).
int CompareMain(const std::vector<std::string>& args);

}  // namespace cifarbench

#endif  // CIFARBENCH_BENCH_COMPARE_LIB_H_
