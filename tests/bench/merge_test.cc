// bench/merge: shard reports combined, aggregates recomputed, duplicates and conflicting
// targets refused.
#include "bench/merge_lib.h"

#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// MergeMain sets its absl flags; each call here starts from their defaults.
int Merge(const std::vector<std::string>& args) {
  absl::FlagSaver defaults;
  return MergeMain(args);
}

NamedReport Shard(const std::string& path, const std::string& recipe,
                  const std::vector<std::pair<uint64_t, double>>& seed_acc, double target = 0.9) {
  NamedReport nr{path, {}};
  nr.report.set_schema_version(1);
  nr.report.mutable_context()->set_host(path);
  for (const auto& [seed, acc] : seed_acc) {
    v1::RunReport* r = nr.report.add_runs();
    r->set_recipe(recipe);
    r->set_config_sha256("abc123");
    r->set_seed(seed);
    r->set_status(v1::RUN_STATUS_OK);
    r->set_headline_accuracy(acc);
    r->mutable_timings()->set_train_s(1.0 + seed);
  }
  v1::Aggregate* a = nr.report.add_aggregates();
  a->set_recipe(recipe);
  a->set_target_accuracy(target);
  return nr;
}

TEST(MergeTest, CombinesShardsAndRecomputesAggregates) {
  auto merged = MergeReports({Shard("s0.json", "smoke", {{0, 0.91}, {2, 0.93}}),
                              Shard("s1.json", "smoke", {{1, 0.92}, {3, 0.88}}),
                              Shard("s2.json", "other", {{0, 0.5}}, 0.4)});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->runs_size(), 5);
  EXPECT_EQ(merged->context().host(), "s0.json");  // the first report's context
  ASSERT_EQ(merged->aggregates_size(), 2);
  const v1::Aggregate& a = merged->aggregates(0);
  EXPECT_EQ(a.recipe(), "smoke");
  EXPECT_EQ(a.ok_runs(), 4);
  EXPECT_NEAR(a.accuracy_mean(), 0.91, 1e-12);
  EXPECT_DOUBLE_EQ(a.fraction_at_target(), 0.75);
  EXPECT_DOUBLE_EQ(a.train_s_median(), 2.5);
  EXPECT_EQ(merged->aggregates(1).recipe(), "other");
  EXPECT_DOUBLE_EQ(merged->aggregates(1).target_accuracy(), 0.4);
}

TEST(MergeTest, RefusesDuplicatesAndConflictingTargets) {
  auto dup = MergeReports({Shard("s0.json", "smoke", {{0, 0.91}}), Shard("again.json", "smoke", {{0, 0.91}})});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("is in both s0.json and again.json (a shard given twice?)"),
            std::string::npos) << dup.status();
  auto target = MergeReports({Shard("a.json", "smoke", {{0, 0.9}}, 0.9), Shard("b.json", "smoke", {{1, 0.9}}, 0.8)});
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.status().message().find("has target 0.8 in b.json but 0.9 in a.json"),
            std::string::npos) << target.status();
  EXPECT_FALSE(MergeReports({}).ok());
}

TEST(MergeTest, CommandLineErrors) {
  EXPECT_EQ(Merge({}), 2);
  EXPECT_EQ(Merge({"--out=/tmp/x.json"}), 2);
  EXPECT_EQ(Merge({"--out=/tmp/x.json", "/nonexistent/shard.json"}), 2);
  EXPECT_EQ(Merge({"--bogus"}), 2);
  EXPECT_EQ(Merge({"--out"}), 2);  // no value
}

}  // namespace
}  // namespace cifarbench
