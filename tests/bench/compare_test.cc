// bench/compare on fixture reports: the pairing, the statistics against SciPy 1.10.1 (recorded
// here: scipy.stats.mannwhitneyu with its defaults), the gates and exit codes, the SVG charts,
// and clear errors for malformed JSON, another schema version and reports with no recipe in
// common.
#include "bench/compare_lib.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/svg.h"
#include "core/report_io.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// CompareMain sets its absl flags; each call here starts from their defaults.
int Compare(const std::vector<std::string>& args) {
  absl::FlagSaver defaults;
  return CompareMain(args);
}

const std::vector<double> kBaseTimes = {2.600, 2.611, 2.593, 2.620, 2.604,
                                        2.612, 2.633, 2.601, 2.590, 2.615};
const std::vector<double> kSlowTimes = {2.760, 2.771, 2.749, 2.790, 2.755,
                                        2.768, 2.781, 2.752, 2.744, 2.775};
const std::vector<double> kBaseAcc = {0.9412, 0.9431, 0.9398, 0.9447, 0.9420,
                                      0.9405, 0.9439, 0.9415, 0.9428, 0.9401};
const std::vector<double> kLowAcc = {0.9352, 0.9371, 0.9338, 0.9387, 0.9360,
                                     0.9345, 0.9379, 0.9355, 0.9368, 0.9341};

v1::BenchReport Report(const std::string& recipe, const std::vector<double>& times,
                       const std::vector<double>& acc, int n = -1) {
  v1::BenchReport b;
  b.set_schema_version(kReportSchemaVersion);
  const size_t runs = n < 0 ? times.size() : static_cast<size_t>(n);
  for (size_t i = 0; i < runs; ++i) {
    v1::RunReport* r = b.add_runs();
    r->set_recipe(recipe);
    r->set_status(v1::RUN_STATUS_OK);
    r->set_seed(i);
    r->set_headline("ema+flip_tta");
    r->set_headline_accuracy(acc[i]);
    r->set_target_epoch(-1);  // not reached, as the runner records it
    r->mutable_timings()->set_train_s(times[i]);
    for (int e = 0; e < 3; ++e) {
      v1::EpochRow* row = r->add_epochs();
      row->set_epoch(e);
      row->set_evaluated(true);
      row->set_val_acc(acc[i] - 0.1 * (2 - e));
      row->set_ema_evaluated(e > 0);
      row->set_ema_val_acc(acc[i] - 0.05 * (2 - e));
      row->set_total_train_seconds(times[i] * (e + 1) / 3);
    }
  }
  v1::Aggregate* a = b.add_aggregates();
  a->set_recipe(recipe);
  a->set_target_accuracy(0.94);
  return b;
}

void Append(v1::BenchReport* into, const v1::BenchReport& from) {
  for (const auto& r : from.runs()) *into->add_runs() = r;
  for (const auto& a : from.aggregates()) *into->add_aggregates() = a;
}

TEST(CompareTest, SignificantSlowdownFailsTheTimeGate) {
  CompareOptions o;
  auto c = CompareReports(Report("hlb", kBaseTimes, kBaseAcc), Report("hlb", kSlowTimes, kBaseAcc), o);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->pairs.size(), 1u);
  const PairResult& p = c->pairs[0];
  EXPECT_NEAR(p.base_median_s, 2.6075, 1e-12);
  EXPECT_NEAR(p.next_median_s, 2.764, 1e-12);
  EXPECT_NEAR(p.time_change, 0.06001917545541691, 1e-12);
  EXPECT_NEAR(p.time_p, 0.00018267179110955002, 1e-12);  // SciPy
  EXPECT_FALSE(p.time_exact);                           // 10 a side: normal approximation
  EXPECT_TRUE(p.slower);
  EXPECT_FALSE(p.less_accurate);
  EXPECT_TRUE(c->failed);
  EXPECT_NEAR(c->geomean_time_ratio, 1.06001917545541691, 1e-12);
  // Below its threshold the same slowdown passes; with the time gate off it is only reported.
  o.max_slowdown = 0.07;
  EXPECT_FALSE(CompareReports(Report("hlb", kBaseTimes, kBaseAcc), Report("hlb", kSlowTimes, kBaseAcc), o)->failed);
  o.max_slowdown = 0.05;
  o.gate_time = false;
  EXPECT_FALSE(CompareReports(Report("hlb", kBaseTimes, kBaseAcc), Report("hlb", kSlowTimes, kBaseAcc), o)->failed);
}

TEST(CompareTest, AccuracyDropGateAndSmallSamples) {
  CompareOptions o;
  auto c = CompareReports(Report("hlb", kBaseTimes, kBaseAcc), Report("hlb", kBaseTimes, kLowAcc), o);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->pairs[0].accuracy_p, 0.00018267179110955002, 1e-12);  // SciPy
  EXPECT_NEAR(c->pairs[0].accuracy_change, -0.006, 1e-12);
  EXPECT_TRUE(c->pairs[0].less_accurate);
  EXPECT_TRUE(c->failed);
  // Four runs a side: exact distribution, p = 0.0286 (SciPy), and a warning about power.
  auto small = CompareReports(Report("hlb", kBaseTimes, kBaseAcc, 4), Report("hlb", kSlowTimes, kBaseAcc, 4), o);
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(small->pairs[0].time_exact);
  EXPECT_NEAR(small->pairs[0].time_p, 0.02857142857142857, 1e-12);
  EXPECT_TRUE(small->pairs[0].few_runs);
  ASSERT_FALSE(small->warnings.empty());
  EXPECT_NE(small->warnings[0].find("under 9 a side the Mann-Whitney tests have little power"),
            std::string::npos);
}

TEST(CompareTest, PairedSeedsGateOnTheMeanPerSeedDrop) {
  CompareOptions o;
  o.paired_seeds = true;
  o.max_accuracy_drop = 0.005;
  // Deterministic CPU runs: a drop of 0.6 pp in every seed fails without any test.
  auto c = CompareReports(Report("smoke", kBaseTimes, kBaseAcc, 5), Report("smoke", kBaseTimes, kLowAcc, 5), o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->pairs[0].paired, 5);
  EXPECT_NEAR(c->pairs[0].accuracy_change, -0.006, 1e-12);
  EXPECT_TRUE(c->pairs[0].less_accurate);
  // Identical runs: no change, passes.
  auto same = CompareReports(Report("smoke", kBaseTimes, kBaseAcc, 5), Report("smoke", kSlowTimes, kBaseAcc, 5), o);
  EXPECT_NEAR(same->pairs[0].accuracy_change, 0.0, 1e-15);
  EXPECT_FALSE(same->pairs[0].less_accurate);
}

TEST(CompareTest, AcrossRecipesAndMismatchedReports) {
  v1::BenchReport both = Report("hlb_record", kBaseTimes, kBaseAcc);
  Append(&both, Report("fast", kSlowTimes, kLowAcc));
  auto c = CompareAcrossRecipes(both, "hlb_record", CompareOptions());
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->pairs.size(), 1u);
  EXPECT_EQ(c->pairs[0].recipe, "hlb_record -> fast");
  EXPECT_TRUE(c->failed);
  auto missing = CompareAcrossRecipes(both, "nope", CompareOptions());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--base_recipe=nope: not in the report (it has hlb_record, fast)"),
            std::string::npos) << missing.status();
  auto disjoint = CompareReports(Report("a", kBaseTimes, kBaseAcc), Report("b", kBaseTimes, kBaseAcc), CompareOptions());
  ASSERT_FALSE(disjoint.ok());
  EXPECT_NE(disjoint.status().message().find("no recipe in common (base: a; new: b)"),
            std::string::npos) << disjoint.status();
}

TEST(CompareTest, MarkdownJsonAndSvg) {
  auto c = CompareReports(Report("hlb", kBaseTimes, kBaseAcc), Report("hlb", kSlowTimes, kBaseAcc), CompareOptions());
  const std::string md = ComparisonMarkdown(*c, CompareOptions(), {"accuracy_vs_time.svg"});
  EXPECT_NE(md.find("| hlb | 10 / 10 | train_s | 2.607 s | 2.764 s | 1.060x | +6.00% | 0.000183 (normal) |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| recipe | runs (base / new) | time | base median | new median | ratio |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("SLOWER"), std::string::npos);
  EXPECT_NE(md.find("![accuracy_vs_time.svg](accuracy_vs_time.svg)"), std::string::npos);
  EXPECT_NE(md.find("| geometric mean |"), std::string::npos);
  const std::string json = ComparisonJson(*c, CompareOptions());
  EXPECT_NE(json.find("\"slower\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"failed\": true"), std::string::npos);
  const v1::BenchReport a = Report("hlb", kBaseTimes, kBaseAcc), b = Report("hlb", kSlowTimes, kBaseAcc);
  const std::string scatter = AccuracyVsTimeSvg({{"base", &a}, {"new", &b}});
  EXPECT_EQ(scatter.rfind("<svg", 0), 0u);
  EXPECT_EQ(std::count(scatter.begin(), scatter.end(), '\n') > 20, true);
  size_t circles = 0;
  for (size_t pos = 0; (pos = scatter.find("<circle", pos)) != std::string::npos; ++pos) ++circles;
  EXPECT_EQ(circles, 20u);  // one point per run
  EXPECT_NE(scatter.find("target hlb"), std::string::npos);
  EXPECT_NE(scatter.find("base: hlb (10)"), std::string::npos);
  const std::string curves = EpochCurvesSvg({{"base", &a}});
  size_t lines = 0;
  for (size_t pos = 0; (pos = curves.find("<polyline", pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_EQ(lines, 10u);  // one curve per run
}

// An original script's report (tools/peers) measures one region only: airbench's
// time_to_result_s, with train_s left 0.
v1::BenchReport OriginalReport(const std::string& recipe, const std::vector<double>& times,
                               const std::vector<double>& acc) {
  v1::BenchReport b = Report(recipe, times, acc);
  for (v1::RunReport& r : *b.mutable_runs()) {
    r.mutable_timings()->set_time_to_result_s(r.timings().train_s());
    r.mutable_timings()->set_train_s(0);
  }
  return b;
}

v1::BenchReport WithTimeToResult(v1::BenchReport b, double extra_s) {
  for (v1::RunReport& r : *b.mutable_runs()) {
    r.mutable_timings()->set_time_to_result_s(r.timings().train_s() + extra_s);
  }
  return b;
}

TEST(CompareTest, TimeMetricDefaultsPerRecipeAndLabels) {
  EXPECT_EQ(DefaultTimeMetric("hlb_record"), "train_s");
  EXPECT_EQ(DefaultTimeMetric("hlb_record_smoke"), "train_s");
  EXPECT_EQ(DefaultTimeMetric("page_resnet9"), "train_s");
  EXPECT_EQ(DefaultTimeMetric("airbench94_muon"), "time_to_result_s");
  EXPECT_EQ(DefaultTimeMetric("airbench94"), "time_to_result_s");
  EXPECT_EQ(DefaultTimeMetric("hiverge_record"), "time_to_result_s");

  // airbench: time_to_result_s by default. The original's 2.6 s against cifarbench's
  // train_s + 0.164 s (2.764 s median): 6% slower, and the table says which time it compared.
  CompareOptions o;
  o.base_label = "python";
  o.new_label = "cifarbench";
  const v1::BenchReport python = OriginalReport("airbench94_muon", kBaseTimes, kBaseAcc);
  const v1::BenchReport ours = WithTimeToResult(Report("airbench94_muon", kBaseTimes, kBaseAcc), 0.1565);
  auto c = CompareReports(python, ours, o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->pairs[0].time_metric, "time_to_result_s");
  EXPECT_FALSE(c->pairs[0].time_missing);
  EXPECT_NEAR(c->pairs[0].base_median_s, 2.6075, 1e-12);
  EXPECT_NEAR(c->pairs[0].next_median_s, 2.764, 1e-12);
  EXPECT_TRUE(c->pairs[0].slower);
  const std::string md = ComparisonMarkdown(*c, o, {});
  EXPECT_NE(md.find("| recipe | runs (python / cifarbench) | time | python median | cifarbench median | ratio |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| airbench94_muon | 10 / 10 | time_to_result_s | 2.607 s | 2.764 s | 1.060x |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("ratio = cifarbench / python"), std::string::npos) << md;
  EXPECT_NE(ComparisonJson(*c, o).find("\"time_metric\": \"time_to_result_s\""), std::string::npos);
  // Time to target: no run of these fixtures records one.
  EXPECT_NE(md.find("| recipe | reached target (python) | reached target (cifarbench) | median time to target python | cifarbench |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| airbench94_muon | 0 / 10 | 0 / 10 | - | - |"), std::string::npos) << md;
  v1::BenchReport reached = ours;
  for (int i = 0; i < 4; ++i) {
    reached.mutable_runs(i)->set_target_epoch(7);
    reached.mutable_runs(i)->set_time_to_target_s(2.0 + 0.1 * i);
  }
  EXPECT_NE(ComparisonMarkdown(*CompareReports(python, reached, o), o, {}).find(
                "| airbench94_muon | 0 / 10 | 4 / 10 | - | 2.150 s |"),
            std::string::npos);

  // Forcing train_s: the original did not measure it, so times are not compared (no gate).
  o.time_metric = "train_s";
  auto forced = CompareReports(python, ours, o);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->pairs[0].time_missing);
  EXPECT_FALSE(forced->pairs[0].slower);
  EXPECT_FALSE(forced->failed);
  ASSERT_FALSE(forced->warnings.empty());
  EXPECT_NE(forced->warnings.back().find("python has no train_s (0 in every run: not measured)"),
            std::string::npos) << forced->warnings.back();
  EXPECT_NE(ComparisonMarkdown(*forced, o, {}).find("| train_s | n/a | n/a | n/a | n/a | n/a |"),
            std::string::npos);

  // hlb: train_s by default even where time_to_result_s is larger.
  auto hlb = CompareReports(WithTimeToResult(Report("hlb_record", kBaseTimes, kBaseAcc), 5),
                            Report("hlb_record", kBaseTimes, kBaseAcc), CompareOptions());
  EXPECT_EQ(hlb->pairs[0].time_metric, "train_s");
  EXPECT_NEAR(hlb->pairs[0].time_change, 0, 1e-15);

  // The chart's x axis follows the metric.
  const std::string scatter = AccuracyVsTimeSvg({{"python", &python}, {"cifarbench", &ours}},
                                                "time_to_result_s");
  EXPECT_NE(scatter.find("time_to_result_s (s)"), std::string::npos);
  EXPECT_NE(scatter.find("python: airbench94_muon (10)"), std::string::npos);
}

class CompareMainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
           ("compare_main_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const v1::BenchReport& r) {
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(WriteJsonAtomically(path, r).ok());
    return path;
  }
  std::string WriteText(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string Read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::filesystem::path dir_;
};

TEST_F(CompareMainTest, ExitCodesFilesAndErrors) {
  const std::string base = Write("base.json", Report("hlb", kBaseTimes, kBaseAcc));
  const std::string slow = Write("slow.json", Report("hlb", kSlowTimes, kBaseAcc));
  const std::string other = Write("other.json", Report("page", kBaseTimes, kBaseAcc));
  EXPECT_EQ(Compare({base, base}), 0);
  EXPECT_EQ(Compare({base, slow, "--markdown_out=" + (dir_ / "c.md").string(),
                         "--json_out=" + (dir_ / "c.json").string(), "--svg_dir=" + dir_.string()}),
            1);
  EXPECT_NE(Read("c.md").find("SLOWER"), std::string::npos);
  EXPECT_NE(Read("c.json").find("\"failed\": true"), std::string::npos);
  EXPECT_EQ(Read("accuracy_vs_time.svg").rfind("<svg", 0), 0u);
  EXPECT_EQ(Read("epoch_curves.svg").rfind("<svg", 0), 0u);
  EXPECT_EQ(Compare({base, slow, "--gate_time=false"}), 0);
  EXPECT_EQ(Compare({base, slow}), 1);  // each call starts from the flags' defaults
  EXPECT_EQ(Compare({base, slow, "--nogate_time"}), 0);
  EXPECT_EQ(Compare({base, slow, "--max_slowdown=0.1"}), 0);
  EXPECT_EQ(Compare({base, slow, "--max_slowdown", "0.1"}), 0);
  // Bad input: exit 2.
  EXPECT_EQ(Compare({base, other}), 2);  // no recipe in common
  EXPECT_EQ(Compare({base}), 2);         // usage
  EXPECT_EQ(Compare({base, slow, "--alpha=2"}), 2);
  EXPECT_EQ(Compare({base, slow, "--bogus"}), 2);
  EXPECT_EQ(Compare({base, slow, "--alpha=x"}), 2);
  EXPECT_EQ(Compare({base, slow, "--gate_time=maybe"}), 2);
  EXPECT_EQ(Compare({base, slow, "--max_slowdown"}), 2);  // no value
  EXPECT_EQ(Compare({base, WriteText("bad.json", "{\"runs\": [")}), 2);
  v1::BenchReport future = Report("hlb", kBaseTimes, kBaseAcc);
  future.set_schema_version(kReportSchemaVersion + 1);
  EXPECT_EQ(Compare({base, Write("future.json", future)}), 2);
  EXPECT_EQ(Compare({base, (dir_ / "missing.json").string()}), 2);
  EXPECT_EQ(Compare({base, slow, "--time_metric=wall_s"}), 2);
  EXPECT_EQ(Compare({base, slow, "--base_label="}), 2);
}

TEST_F(CompareMainTest, LabelsAndTimeMetricFlags) {
  const std::string python = Write("python.json", OriginalReport("airbench94_muon", kBaseTimes, kBaseAcc));
  const std::string ours = Write("ours.json", WithTimeToResult(Report("airbench94_muon", kBaseTimes, kBaseAcc), 0));
  EXPECT_EQ(Compare({python, ours, "--base_label=python", "--new_label=cifarbench",
                         "--markdown_out=" + (dir_ / "c.md").string(), "--svg_dir=" + dir_.string()}),
            0);
  EXPECT_NE(Read("c.md").find("| airbench94_muon | 10 / 10 | time_to_result_s | 2.607 s | 2.607 s | 1.000x |"),
            std::string::npos) << Read("c.md");
  EXPECT_NE(Read("accuracy_vs_time.svg").find("cifarbench: airbench94_muon"), std::string::npos);
  EXPECT_NE(Read("c.md").find("![accuracy_vs_time.svg](accuracy_vs_time.svg)"), std::string::npos);
  // Charts in another folder than the Markdown: linked relative to the Markdown's folder.
  std::filesystem::create_directories(dir_ / "charts");
  EXPECT_EQ(Compare({python, ours, "--markdown_out=" + (dir_ / "c2.md").string(),
                     "--svg_dir=" + (dir_ / "charts").string()}),
            0);
  EXPECT_NE(Read("c2.md").find("](charts/accuracy_vs_time.svg)"), std::string::npos) << Read("c2.md");
  EXPECT_EQ(Compare({python, ours, "--time_metric=train_s", "--markdown_out=" + (dir_ / "t.md").string()}), 0);
  EXPECT_NE(Read("t.md").find("base has no train_s"), std::string::npos) << Read("t.md");
}

}  // namespace
}  // namespace cifarbench
