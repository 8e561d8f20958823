// core/sweep: --grid parsing, --shard parsing, and the jobs a shard runs.
#include "core/sweep.h"

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(SweepTest, ParseGrid) {
  auto g = ParseGrid({"hlb.optimizer.non_bias.lr=0.1,0.2", "hlb.model.widths=16,64,128;32,128,256"});
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->size(), 2u);
  EXPECT_EQ((*g)[0].field, "hlb.optimizer.non_bias.lr");
  EXPECT_EQ((*g)[0].values, (std::vector<std::string>{"0.1", "0.2"}));
  EXPECT_EQ((*g)[1].values, (std::vector<std::string>{"16,64,128", "32,128,256"}));
  EXPECT_EQ(ParseGrid({"train.epochs"}).status().message(),
            "--grid 'train.epochs': expected field.path=v1,v2,...");
  EXPECT_EQ(ParseGrid({"train.epochs=1,,2"}).status().message(),
            "--grid 'train.epochs=1,,2': an empty value");
  EXPECT_NE(ParseGrid({"data.train_subset=10,20"}).status().message().find("data.* cannot vary"),
            std::string::npos);
  EXPECT_EQ(ParseGrid({"seed=1,2", "seed=3"}).status().message(),
            "--grid 'seed=3': seed is already a grid axis");
}

TEST(SweepTest, ParseShard) {
  EXPECT_EQ(ParseShard("2/4")->index, 2);
  EXPECT_EQ(ParseShard("2/4")->count, 4);
  for (const char* bad : {"4/4", "-1/4", "1", "a/b", "0/0", "1/2/3"}) {
    EXPECT_FALSE(ParseShard(bad).ok()) << bad;
  }
}

v1::RecipeConfig Base() {
  v1::RecipeConfig c;
  c.set_name("smoke");
  c.set_runs(3);
  c.set_seed(10);
  return c;
}

// Stands in for the config loader: records the overrides, refuses a value "bad".
absl::StatusOr<v1::RecipeConfig> FakeLoad(const std::vector<std::string>& sets) {
  for (const std::string& s : sets) {
    if (s.find("=bad") != std::string::npos) {
      return absl::InvalidArgumentError("--set '" + s + "': not a number");
    }
  }
  v1::RecipeConfig c = Base();
  c.set_description(absl::StrJoin(sets, " "));
  return c;
}

TEST(SweepTest, JobsAreGridPointsTimesSeedsAndShardsPartitionThem) {
  auto grid = ParseGrid({"a=1,2", "b=x,y"});
  ASSERT_TRUE(grid.ok());
  auto all = PlanSweep(*grid, Base(), Shard{0, 1}, FakeLoad, {"runs=3"});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 12u);  // 4 points x 3 seeds
  EXPECT_EQ((*all)[0].config.name(), "smoke[a=1,b=x]");
  EXPECT_EQ((*all)[0].config.description(), "runs=3 a=1 b=x");
  EXPECT_EQ((*all)[0].config.seed(), 10u);
  EXPECT_EQ((*all)[2].config.seed(), 12u);
  EXPECT_EQ((*all)[3].config.name(), "smoke[a=1,b=y]");  // the last axis fastest
  EXPECT_EQ((*all)[11].config.name(), "smoke[a=2,b=y]");
  for (const SweepJob& j : *all) EXPECT_EQ(j.config.runs(), 1);
  // Three shards: every job exactly once.
  std::vector<int> seen(12, 0);
  for (int i = 0; i < 3; ++i) {
    auto part = PlanSweep(*grid, Base(), Shard{i, 3}, FakeLoad, {});
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->size(), 4u);
    for (const SweepJob& j : *part) {
      EXPECT_EQ(j.index % 3, i);
      ++seen[j.index];
    }
  }
  EXPECT_EQ(seen, std::vector<int>(12, 1));
}

TEST(SweepTest, NoGridIsTheRecipesSeedsAndABadValueNamesThePoint) {
  auto plain = PlanSweep({}, Base(), Shard{1, 2}, FakeLoad, {});
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain->size(), 1u);  // jobs 0, 1, 2: shard 1/2 runs job 1
  EXPECT_EQ((*plain)[0].config.name(), "smoke");
  EXPECT_EQ((*plain)[0].config.seed(), 11u);
  auto bad = PlanSweep(*ParseGrid({"lr=0.1,bad"}), Base(), Shard{}, FakeLoad, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--grid point [lr=bad]: --set 'lr=bad': not a number");
}

}  // namespace
}  // namespace cifarbench
