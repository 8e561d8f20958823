// core/stats against SciPy 1.10.1 (Debian 12's python3-scipy). The expected values were computed
// with scipy.stats.mannwhitneyu (defaults), ttest_1samp(alternative='greater') and
// t.interval(0.95, n - 1, mean, sem), and are recorded here.
#include "core/stats.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(SummarizeTest, MeanStdMedianOlympic) {
  const Summary s = Summarize({5.0, 1.0, 3.0, 2.0, 4.0, 100.0});
  EXPECT_EQ(s.n, 6);
  EXPECT_DOUBLE_EQ(s.mean, 115.0 / 6);
  EXPECT_NEAR(s.std, 39.6253286001, 1e-9);  // statistics.stdev
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 100.0);
  EXPECT_DOUBLE_EQ(s.median, 3.5);
  EXPECT_DOUBLE_EQ(s.olympic_mean, 3.5);  // (2 + 3 + 4 + 5) / 4: the fastest and slowest dropped
  const Summary one = Summarize({2.5});
  EXPECT_DOUBLE_EQ(one.std, 0.0);
  EXPECT_DOUBLE_EQ(one.olympic_mean, 2.5);
  EXPECT_EQ(Summarize({}).n, 0);
}

const std::vector<double> kAccuracies = {0.9412, 0.9431, 0.9398, 0.9447, 0.9420,
                                         0.9405, 0.9439, 0.9415, 0.9428, 0.9401};

TEST(TTestTest, OneSidedAboveTargetMatchesScipy) {
  EXPECT_NEAR(OneSidedTTestPValue(kAccuracies, 0.94), 0.00220768402655, 1e-11);
  EXPECT_NEAR(OneSidedTTestPValue({0.941, 0.943, 0.939, 0.945, 0.942}, 0.94), 0.0580582617584,
              1e-11);
  // A mean below the target: p above one half.
  EXPECT_GT(OneSidedTTestPValue(kAccuracies, 0.945), 0.5);
  EXPECT_DOUBLE_EQ(OneSidedTTestPValue({0.95}, 0.94), 1.0);       // one run proves nothing
  EXPECT_DOUBLE_EQ(OneSidedTTestPValue({0.95, 0.95}, 0.94), 0.0);  // no spread, above
  EXPECT_DOUBLE_EQ(OneSidedTTestPValue({0.93, 0.93}, 0.94), 1.0);
}

TEST(ConfidenceIntervalTest, StudentTMatchesScipy) {
  const Interval ci = MeanConfidenceInterval(kAccuracies);
  EXPECT_NEAR(ci.low, 0.9407839683312845, 1e-12);
  EXPECT_NEAR(ci.high, 0.9431360316687153, 1e-12);
  const Interval single = MeanConfidenceInterval({0.9});
  EXPECT_DOUBLE_EQ(single.low, 0.9);
  EXPECT_DOUBLE_EQ(single.high, 0.9);
}

struct MwuCase {
  const char* name;
  std::vector<double> x, y;
  double u1, p;
  bool exact;
};

TEST(MannWhitneyTest, MatchesScipyDefaults) {
  const std::vector<MwuCase> cases = {
      {"exact, small, no ties", {1, 2, 3.5, 4}, {5, 6, 7, 8, 9}, 0, 0.015873015873, true},
      {"asymptotic, both > 8",
       {1, 2, 3, 4, 10, 11, 12, 13, 14},
       {5, 6, 7, 8, 9, 15, 16, 17, 18, 19},
       25,
       0.111346886533,
       false},
      {"ties: normal approximation with tie correction",
       {1, 2, 2, 4},
       {2, 6, 7, 8, 9},
       2,
       0.0616891659809,
       false},
      {"exact, 7 against 12",
       {3, 1, 4, 1.5, 5, 9, 2.6},
       {2.7, 1.8, 2.8, 18, 28, 4.59, 0.45, 23.5, 3.6, 0.28, 7.47, 13.5},
       33,
       0.482416448361,
       true},
  };
  for (const MwuCase& c : cases) {
    const MannWhitneyResult r = MannWhitneyU(c.x, c.y);
    EXPECT_DOUBLE_EQ(r.u1, c.u1) << c.name;
    EXPECT_NEAR(r.p_value, c.p, 1e-11) << c.name;
    EXPECT_EQ(r.exact, c.exact) << c.name;
  }
}

TEST(MannWhitneyTest, ExactWithOneLargeSample) {
  std::vector<double> x, y;
  for (int i = 0; i < 8; ++i) x.push_back(0.3 + i * (9.1 - 0.3) / 7);
  for (int i = 0; i < 40; ++i) y.push_back(0.011 + 0.37 * i);
  // Rounded to 3 decimals as the SciPy inputs were (numpy.round(..., 3)).
  for (double& v : x) v = std::round(v * 1000) / 1000;
  for (double& v : y) v = std::round(v * 1000) / 1000;
  const MannWhitneyResult r = MannWhitneyU(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 105);
  EXPECT_NEAR(r.p_value, 0.133600255471, 1e-11);
}

TEST(MannWhitneyTest, EmptyOrAllTied) {
  EXPECT_DOUBLE_EQ(MannWhitneyU({}, {1, 2}).p_value, 1.0);
  EXPECT_DOUBLE_EQ(MannWhitneyU({3, 3, 3}, {3, 3}).p_value, 1.0);
}

}  // namespace
}  // namespace cifarbench
