// Statistics for bench reports and comparisons, LibTorch-free. Distribution functions come from
// Boost.Math (Debian's libboost-math-dev), not hand-rolled.
#ifndef CIFARBENCH_CORE_STATS_H_
#define CIFARBENCH_CORE_STATS_H_

#include <vector>

namespace cifarbench {

struct Summary {
  int n = 0;
  double mean = 0;
  double std = 0;     // sample standard deviation (n - 1); 0 for n < 2
  double min = 0;
  double max = 0;
  double median = 0;
  // Mean without the smallest and the largest value (MLPerf's olympic scoring); the plain mean
  // for n < 3.
  double olympic_mean = 0;
};
Summary Summarize(const std::vector<double>& values);

struct Interval {
  double low = 0;
  double high = 0;
};
// Two-sided Student-t confidence interval for the mean (level 0.95 by default); [mean, mean]
// for n < 2.
Interval MeanConfidenceInterval(const std::vector<double>& values, double level = 0.95);

// One-sided one-sample t-test of H0: mean <= mu0 against H1: mean > mu0 (how record claims are
// made: "the mean accuracy is above 94%"). 1 for n < 2; with zero spread, 0 when every value is
// above mu0 and 1 otherwise.
double OneSidedTTestPValue(const std::vector<double>& values, double mu0);

struct MannWhitneyResult {
  double u1 = 0;        // U statistic of the first sample
  double p_value = 1;   // two-sided
  bool exact = false;   // exact distribution (else the normal approximation)
};
// Two-sided Mann-Whitney U test as scipy.stats.mannwhitneyu's defaults compute it (SciPy 1.10,
// Debian 12): the exact distribution when either sample has at most 8 values and there are no
// ties, else the normal approximation with tie correction and continuity correction. p = 1 when
// a sample is empty.
MannWhitneyResult MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_STATS_H_
