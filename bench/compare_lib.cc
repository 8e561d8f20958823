#include "bench/compare_lib.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/flags.h"
#include "bench/svg.h"
#include "core/user_path.h"
#include "core/report_io.h"
#include "core/stats.h"

// The command line of bench/compare_main.cc (CompareMain), with CompareOptions' defaults.
ABSL_FLAG(double, alpha, 0.05, "Significance level of the Mann-Whitney U tests (0 < alpha < 1).");
ABSL_FLAG(double, max_slowdown, 0.05, "Gate: the median time may grow by this fraction.");
ABSL_FLAG(double, max_accuracy_drop, 0.005,
          "Gate: the mean accuracy may drop by this much (0.005 = 0.5 pp).");
ABSL_FLAG(bool, gate_time, true, "Gate the time too (false: report it, gate accuracy only).");
ABSL_FLAG(bool, paired_seeds, false, "Pair runs by seed and compare accuracy seed by seed.");
ABSL_FLAG(bool, across_recipes, false,
          "Compare every recipe of one report against --base_recipe.");
ABSL_FLAG(std::string, base_recipe, "", "With --across_recipes: the recipe compared against.");
ABSL_FLAG(std::string, markdown_out, "", "Also write the Markdown table here.");
ABSL_FLAG(std::string, json_out, "", "Write the comparison as JSON here.");
ABSL_FLAG(std::string, svg_dir, "", "Write accuracy_vs_time.svg and epoch_curves.svg here.");
ABSL_FLAG(std::string, base_label, "base", "The base report's name in the table and charts.");
ABSL_FLAG(std::string, new_label, "new", "The new report's name in the table and charts.");
ABSL_FLAG(std::string, time_metric, "",
          "train_s or time_to_result_s; empty = each recipe's published region.");

namespace cifarbench {
namespace {

constexpr int kFewRuns = 9;  // fewer runs a side than this: the tests have little power

Side CollectSide(const v1::BenchReport& report, const std::string& recipe,
                 const std::string& metric) {
  Side s;
  s.name = recipe;
  for (const v1::RunReport& r : report.runs()) {
    if (r.recipe() != recipe || r.status() != v1::RUN_STATUS_OK) continue;
    s.time_s.push_back(metric == "time_to_result_s" ? r.timings().time_to_result_s()
                                                    : r.timings().train_s());
    s.accuracy.push_back(r.headline_accuracy());
    s.seeds.push_back(r.seed());
    if (r.target_epoch() >= 0) s.time_to_target_s.push_back(r.time_to_target_s());
  }
  return s;
}

std::vector<std::string> RecipesOf(const v1::BenchReport& report) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const v1::RunReport& r : report.runs()) {
    if (seen.insert(r.recipe()).second) out.push_back(r.recipe());
  }
  return out;
}

bool AllZero(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x == 0; });
}

PairResult ComparePair(const std::string& label, const std::string& metric, Side base,
                       Side next, const CompareOptions& o, std::vector<std::string>* warnings) {
  PairResult p;
  p.recipe = label;
  p.time_metric = metric;
  p.base = std::move(base);
  p.next = std::move(next);
  const Summary bt = Summarize(p.base.time_s), nt = Summarize(p.next.time_s);
  const Summary ba = Summarize(p.base.accuracy), na = Summarize(p.next.accuracy);
  p.base_median_s = bt.median;
  p.next_median_s = nt.median;
  p.time_change = bt.median > 0 ? nt.median / bt.median - 1 : 0;
  p.base_accuracy = ba.mean;
  p.next_accuracy = na.mean;
  const MannWhitneyResult mt = MannWhitneyU(p.base.time_s, p.next.time_s);
  const MannWhitneyResult ma = MannWhitneyU(p.base.accuracy, p.next.accuracy);
  p.time_p = mt.p_value;
  p.time_exact = mt.exact;
  p.accuracy_p = ma.p_value;
  p.accuracy_exact = ma.exact;
  p.accuracy_change = na.mean - ba.mean;
  p.few_runs = p.base.time_s.size() < kFewRuns || p.next.time_s.size() < kFewRuns;
  if (p.few_runs) {
    warnings->push_back(absl::StrFormat(
        "%s: %d and %d OK runs; under %d a side the Mann-Whitney tests have little power "
        "(a real change of a few percent may not reach p < %g)",
        label, p.base.time_s.size(), p.next.time_s.size(), kFewRuns, o.alpha));
  }
  // A report that does not measure this region (an original that times another one) writes
  // 0: say so rather than compare against zero.
  for (const auto& [side, name] : {std::pair<const Side*, const std::string*>{&p.base, &o.base_label},
                                   {&p.next, &o.new_label}}) {
    if (!side->time_s.empty() && AllZero(side->time_s)) {
      p.time_missing = true;
      warnings->push_back(absl::StrFormat(
          "%s: %s has no %s (0 in every run: not measured); time not compared (--time_metric)",
          label, *name, metric));
    }
  }
  if (p.time_missing) {
    p.base_median_s = p.next_median_s = p.time_change = 0;
    p.time_p = 1;
    p.time_exact = false;
  }
  if (o.paired_seeds) {
    std::map<uint64_t, double> base_by_seed;
    for (size_t i = 0; i < p.base.seeds.size(); ++i) base_by_seed[p.base.seeds[i]] = p.base.accuracy[i];
    double sum = 0;
    for (size_t i = 0; i < p.next.seeds.size(); ++i) {
      auto it = base_by_seed.find(p.next.seeds[i]);
      if (it == base_by_seed.end()) continue;
      sum += p.next.accuracy[i] - it->second;
      ++p.paired;
    }
    if (p.paired == 0) {
      warnings->push_back(label + ": --paired_seeds, but the two sides share no seed");
    } else {
      p.accuracy_change = sum / p.paired;
    }
    p.less_accurate = p.paired > 0 && -p.accuracy_change > o.max_accuracy_drop;
  } else {
    p.less_accurate = p.accuracy_p < o.alpha && -p.accuracy_change > o.max_accuracy_drop;
  }
  p.slower = o.gate_time && p.time_p < o.alpha && p.time_change > o.max_slowdown;
  return p;
}

void Finish(Comparison* c) {
  double log_t = 0, log_a = 0;
  int n = 0;
  for (const PairResult& p : c->pairs) {
    c->failed = c->failed || p.slower || p.less_accurate;
    if (p.base_median_s > 0 && p.next_median_s > 0 && p.base_accuracy > 0 && p.next_accuracy > 0) {
      log_t += std::log(p.next_median_s / p.base_median_s);
      log_a += std::log(p.next_accuracy / p.base_accuracy);
      ++n;
    }
  }
  if (n > 0) {
    c->geomean_time_ratio = std::exp(log_t / n);
    c->geomean_accuracy_ratio = std::exp(log_a / n);
  }
}

std::string MetricFor(const std::string& recipe, const CompareOptions& o) {
  return o.time_metric.empty() ? DefaultTimeMetric(recipe) : o.time_metric;
}

std::string Pct(double v) { return absl::StrFormat("%.2f%%", 100 * v); }
std::string P(double p, bool exact) { return absl::StrFormat("%.3g%s", p, exact ? "" : " (normal)"); }

}  // namespace

std::string DefaultTimeMetric(const std::string& recipe) {
  if (absl::StartsWith(recipe, "airbench") || absl::StartsWith(recipe, "hiverge")) {
    return "time_to_result_s";
  }
  return "train_s";
}

absl::StatusOr<Comparison> CompareReports(const v1::BenchReport& base,
                                          const v1::BenchReport& next,
                                          const CompareOptions& options) {
  Comparison c;
  const std::vector<std::string> base_recipes = RecipesOf(base);
  const std::set<std::string> next_recipes = [&] {
    auto v = RecipesOf(next);
    return std::set<std::string>(v.begin(), v.end());
  }();
  for (const std::string& recipe : base_recipes) {
    if (!next_recipes.count(recipe)) {
      c.warnings.push_back("recipe " + recipe + " is only in the " + options.base_label + " report");
      continue;
    }
    const std::string metric = MetricFor(recipe, options);
    c.pairs.push_back(ComparePair(recipe, metric, CollectSide(base, recipe, metric),
                                  CollectSide(next, recipe, metric), options, &c.warnings));
  }
  for (const std::string& recipe : next_recipes) {
    if (std::find(base_recipes.begin(), base_recipes.end(), recipe) == base_recipes.end()) {
      c.warnings.push_back("recipe " + recipe + " is only in the " + options.new_label + " report");
    }
  }
  if (c.pairs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the reports have no recipe in common (base: ", absl::StrJoin(base_recipes, ", "),
        "; new: ", absl::StrJoin(next_recipes, ", "), ")"));
  }
  Finish(&c);
  return c;
}

absl::StatusOr<Comparison> CompareAcrossRecipes(const v1::BenchReport& report,
                                                const std::string& base_recipe,
                                                const CompareOptions& options) {
  const std::vector<std::string> recipes = RecipesOf(report);
  if (std::find(recipes.begin(), recipes.end(), base_recipe) == recipes.end()) {
    return absl::InvalidArgumentError(absl::StrCat("--base_recipe=", base_recipe,
                                                   ": not in the report (it has ",
                                                   absl::StrJoin(recipes, ", "), ")"));
  }
  Comparison c;
  CompareOptions o = options;
  o.paired_seeds = false;  // different recipes: seeds do not pair
  const std::string metric = MetricFor(base_recipe, options);  // the base recipe's convention
  for (const std::string& r : recipes) {
    if (r == base_recipe) continue;
    c.pairs.push_back(ComparePair(base_recipe + " -> " + r, metric,
                                  CollectSide(report, base_recipe, metric),
                                  CollectSide(report, r, metric), o, &c.warnings));
  }
  if (c.pairs.empty()) {
    return absl::InvalidArgumentError("the report holds no recipe besides --base_recipe=" +
                                      base_recipe);
  }
  Finish(&c);
  return c;
}

std::string ComparisonMarkdown(const Comparison& c, const CompareOptions& o,
                               const std::vector<std::string>& svg_links) {
  std::string md = "# cifarbench comparison\n\n";
  absl::StrAppendFormat(
      &md,
      "Times: the median of each recipe's time metric (column `time`: `train_s` = training "
      "epochs only, hlb-CIFAR10's convention; `time_to_result_s` = initialisation + training + "
      "final evaluation, airbench's; %s); ratio = %s / %s. Accuracy: mean headline accuracy "
      "over the OK runs. p: two-sided "
      "Mann-Whitney U (exact distribution for small samples without ties, else the normal "
      "approximation with tie and continuity correction, as SciPy's mannwhitneyu). Gates: a "
      "slowdown over %.1f%% with p < %g%s; an accuracy drop over %.2f pp %s.\n\n",
      o.time_metric.empty() ? "each recipe's default: time_to_result_s for airbench* and "
                              "hiverge*, train_s otherwise"
                            : "--time_metric=" + o.time_metric,
      o.new_label, o.base_label, 100 * o.max_slowdown, o.alpha,
      o.gate_time ? "" : " (time gate off: reported only)", 100 * o.max_accuracy_drop,
      o.paired_seeds ? "in the mean of the per-seed differences (--paired_seeds)"
                     : absl::StrFormat("with p < %g", o.alpha));
  const std::string& b = o.base_label;
  const std::string& n = o.new_label;
  absl::StrAppendFormat(&md,
                        "| recipe | runs (%s / %s) | time | %s median | %s median | ratio | "
                        "change | p (time) | accuracy %s | %s | change (pp) | p (accuracy) | "
                        "verdict |\n",
                        b, n, b, n, b, n);
  md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const PairResult& p : c.pairs) {
    std::string verdict = p.slower ? "SLOWER" : "";
    if (p.less_accurate) verdict += verdict.empty() ? "LESS ACCURATE" : ", LESS ACCURATE";
    if (verdict.empty()) verdict = "ok";
    const std::string times =
        p.time_missing ? "n/a | n/a | n/a | n/a | n/a"
                       : absl::StrFormat("%.3f s | %.3f s | %.3fx | %+.2f%% | %s", p.base_median_s,
                                         p.next_median_s,
                                         p.base_median_s > 0 ? p.next_median_s / p.base_median_s : 0,
                                         100 * p.time_change, P(p.time_p, p.time_exact));
    absl::StrAppendFormat(&md, "| %s | %d / %d%s | %s | %s | %s | %s | %+.2f%s | %s | %s |\n",
                          p.recipe, p.base.time_s.size(), p.next.time_s.size(),
                          p.few_runs ? " (few)" : "", p.time_metric, times, Pct(p.base_accuracy),
                          Pct(p.next_accuracy), 100 * p.accuracy_change,
                          o.paired_seeds ? absl::StrFormat(" (%d seeds paired)", p.paired) : "",
                          P(p.accuracy_p, p.accuracy_exact), verdict);
  }
  absl::StrAppendFormat(&md, "| geometric mean | | | | | %.3fx | %+.2f%% | | | | ×%.4f | | |\n\n",
                        c.geomean_time_ratio, 100 * (c.geomean_time_ratio - 1),
                        c.geomean_accuracy_ratio);
  // Time to target: how many OK runs reached their recipe's target accuracy (aggregates'
  // target_accuracy) and the median training time to the end of the epoch that did.
  md += absl::StrFormat("| recipe | reached target (%s) | reached target (%s) | median time to "
                        "target %s | %s |\n| --- | --- | --- | --- | --- |\n",
                        o.base_label, o.new_label, o.base_label, o.new_label);
  for (const PairResult& p : c.pairs) {
    auto median = [](const std::vector<double>& v) {
      return v.empty() ? std::string("-") : absl::StrFormat("%.3f s", Summarize(v).median);
    };
    absl::StrAppendFormat(&md, "| %s | %d / %d | %d / %d | %s | %s |\n", p.recipe,
                          p.base.time_to_target_s.size(), p.base.accuracy.size(),
                          p.next.time_to_target_s.size(), p.next.accuracy.size(),
                          median(p.base.time_to_target_s), median(p.next.time_to_target_s));
  }
  md += "\n";
  for (const std::string& w : c.warnings) md += "- warning: " + w + "\n";
  if (!c.warnings.empty()) md += "\n";
  for (const std::string& link : svg_links) md += absl::StrFormat("![%s](%s)\n\n", link, link);
  md += c.failed ? "**Result: a gate failed.**\n" : "Result: no gate failed.\n";
  return md;
}

std::string ComparisonJson(const Comparison& c, const CompareOptions& o) {
  // Hand-written: a small, flat document (no proto of its own).
  auto side = [](const Side& s) {
    return absl::StrFormat("{\"ok_runs\": %d, \"time_s\": [%s], \"accuracy\": [%s]}",
                           s.time_s.size(), absl::StrJoin(s.time_s, ", "),
                           absl::StrJoin(s.accuracy, ", "));
  };
  std::string j = "{\n";
  absl::StrAppendFormat(&j,
                        "  \"options\": {\"alpha\": %g, \"max_slowdown\": %g, "
                        "\"max_accuracy_drop\": %g, \"gate_time\": %s, \"paired_seeds\": %s, "
                        "\"time_metric\": \"%s\", \"base_label\": \"%s\", \"new_label\": \"%s\"},\n",
                        o.alpha, o.max_slowdown, o.max_accuracy_drop,
                        o.gate_time ? "true" : "false", o.paired_seeds ? "true" : "false",
                        o.time_metric.empty() ? "per recipe" : o.time_metric, o.base_label,
                        o.new_label);
  j += "  \"pairs\": [\n";
  for (size_t i = 0; i < c.pairs.size(); ++i) {
    const PairResult& p = c.pairs[i];
    absl::StrAppendFormat(
        &j,
        "    {\"recipe\": \"%s\", \"time_metric\": \"%s\", \"time_missing\": %s, "
        "\"base\": %s, \"new\": %s, \"base_median_s\": %.17g, "
        "\"new_median_s\": %.17g, \"time_change\": %.17g, \"time_p\": %.17g, "
        "\"time_exact\": %s, \"base_mean_accuracy\": %.17g, \"new_mean_accuracy\": %.17g, "
        "\"accuracy_change\": %.17g, \"accuracy_p\": %.17g, \"accuracy_exact\": %s, "
        "\"paired_seeds\": %d, \"few_runs\": %s, \"slower\": %s, \"less_accurate\": %s}%s\n",
        p.recipe, p.time_metric, p.time_missing ? "true" : "false", side(p.base), side(p.next),
        p.base_median_s, p.next_median_s, p.time_change,
        p.time_p, p.time_exact ? "true" : "false", p.base_accuracy, p.next_accuracy,
        p.accuracy_change, p.accuracy_p, p.accuracy_exact ? "true" : "false", p.paired,
        p.few_runs ? "true" : "false", p.slower ? "true" : "false",
        p.less_accurate ? "true" : "false", i + 1 < c.pairs.size() ? "," : "");
  }
  j += "  ],\n";
  std::vector<std::string> quoted;
  for (const std::string& w : c.warnings) quoted.push_back(absl::StrCat("\"", w, "\""));
  absl::StrAppendFormat(&j,
                        "  \"warnings\": [%s],\n  \"geomean_time_ratio\": %.17g,\n"
                        "  \"geomean_accuracy_ratio\": %.17g,\n  \"failed\": %s\n}\n",
                        absl::StrJoin(quoted, ", "), c.geomean_time_ratio,
                        c.geomean_accuracy_ratio, c.failed ? "true" : "false");
  return j;
}

int CompareMain(const std::vector<std::string>& args) {
  auto bad = [](const std::string& msg) {
    std::fprintf(stderr, "compare: %s\n", msg.c_str());
    return 2;
  };
  std::vector<std::string> argv = {"compare"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::vector<std::string>> positional = ParseFlags(argv);
  if (!positional.ok()) return bad(std::string(positional.status().message()));
  CompareOptions o;
  o.alpha = absl::GetFlag(FLAGS_alpha);
  o.max_slowdown = absl::GetFlag(FLAGS_max_slowdown);
  o.max_accuracy_drop = absl::GetFlag(FLAGS_max_accuracy_drop);
  o.gate_time = absl::GetFlag(FLAGS_gate_time);
  o.paired_seeds = absl::GetFlag(FLAGS_paired_seeds);
  o.base_label = absl::GetFlag(FLAGS_base_label);
  o.new_label = absl::GetFlag(FLAGS_new_label);
  o.time_metric = absl::GetFlag(FLAGS_time_metric);
  const bool across = absl::GetFlag(FLAGS_across_recipes);
  const std::string base_recipe = absl::GetFlag(FLAGS_base_recipe);
  // Paths as the user typed them (bazel run starts in the runfiles, not where it was called).
  auto user_path = [](const std::string& p) { return p.empty() ? p : ResolveUserPath(p); };
  const std::string md_out = user_path(absl::GetFlag(FLAGS_markdown_out));
  const std::string json_out = user_path(absl::GetFlag(FLAGS_json_out));
  const std::string svg_dir = user_path(absl::GetFlag(FLAGS_svg_dir));
  std::vector<std::string> files;
  for (const std::string& f : *positional) files.push_back(ResolveUserPath(f));
  if (o.alpha <= 0 || o.alpha >= 1) {
    return bad(absl::StrCat("--alpha=", o.alpha, ": expected 0 < alpha < 1"));
  }
  if (o.max_slowdown < 0) {
    return bad(absl::StrCat("--max_slowdown=", o.max_slowdown, ": expected a fraction >= 0 (0.05 = 5%)"));
  }
  if (o.max_accuracy_drop < 0) {
    return bad(absl::StrCat("--max_accuracy_drop=", o.max_accuracy_drop,
                            ": expected a fraction >= 0 (0.005 = 0.5 pp)"));
  }
  if (o.base_label.empty()) return bad("--base_label=: expected a name");
  if (o.new_label.empty()) return bad("--new_label=: expected a name");
  if (!o.time_metric.empty() && o.time_metric != "train_s" && o.time_metric != "time_to_result_s") {
    return bad(absl::StrCat("--time_metric=", o.time_metric, ": expected train_s or time_to_result_s"));
  }
  if (across ? files.size() != 1 || base_recipe.empty() : files.size() != 2) {
    return bad("usage: compare [flags] BASE.json NEW.json, or compare --across_recipes "
               "--base_recipe=NAME REPORT.json");
  }
  std::vector<v1::BenchReport> reports;
  for (const std::string& f : files) {
    absl::StatusOr<v1::BenchReport> r = ReadBenchReport(f);
    if (!r.ok()) return bad(std::string(r.status().message()));
    reports.push_back(*std::move(r));
  }
  absl::StatusOr<Comparison> c = across ? CompareAcrossRecipes(reports[0], base_recipe, o)
                                        : CompareReports(reports[0], reports[1], o);
  if (!c.ok()) return bad(std::string(c.status().message()));
  std::vector<std::string> links;
  if (!svg_dir.empty()) {
    std::vector<LabelledReport> labelled;
    if (across) {
      labelled.push_back({"", &reports[0]});
    } else {
      labelled.push_back({o.base_label, &reports[0]});
      labelled.push_back({o.new_label, &reports[1]});
    }
    const std::pair<const char*, std::string> charts[] = {
        {"accuracy_vs_time.svg", AccuracyVsTimeSvg(labelled, c->pairs[0].time_metric)},
        {"epoch_curves.svg", EpochCurvesSvg(labelled)}};
    for (const auto& [name, svg] : charts) {
      const std::string path = svg_dir + "/" + name;
      absl::Status s = WriteFileAtomically(path, svg);
      if (!s.ok()) return bad(std::string(s.message()));
      // Linked from where the Markdown is written (--markdown_out), so that a chart in another
      // folder resolves; the name alone otherwise.
      links.push_back(md_out.empty()
                          ? std::string(name)
                          : std::filesystem::absolute(path)
                                .lexically_normal()
                                .lexically_relative(
                                    std::filesystem::absolute(md_out).lexically_normal().parent_path())
                                .string());
    }
  }
  const std::string md = ComparisonMarkdown(*c, o, links);
  std::fputs(md.c_str(), stdout);
  if (!md_out.empty()) {
    absl::Status s = WriteFileAtomically(md_out, md);
    if (!s.ok()) return bad(std::string(s.message()));
  }
  if (!json_out.empty()) {
    absl::Status s = WriteFileAtomically(json_out, ComparisonJson(*c, o));
    if (!s.ok()) return bad(std::string(s.message()));
  }
  for (const std::string& w : c->warnings) std::fprintf(stderr, "compare: warning: %s\n", w.c_str());
  return c->failed ? 1 : 0;
}

}  // namespace cifarbench
