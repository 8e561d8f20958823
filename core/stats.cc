#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

namespace cifarbench {

Summary Summarize(const std::vector<double>& values) {
  Summary s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::vector<double> v = values;
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / (n - 1));
  }
  s.min = v.front();
  s.max = v.back();
  const size_t mid = v.size() / 2;
  s.median = v.size() % 2 == 1 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
  s.olympic_mean =
      v.size() >= 3 ? std::accumulate(v.begin() + 1, v.end() - 1, 0.0) / (n - 2) : s.mean;
  return s;
}

Interval MeanConfidenceInterval(const std::vector<double>& values, double level) {
  const Summary s = Summarize(values);
  if (s.n < 2) return {s.mean, s.mean};
  const boost::math::students_t dist(s.n - 1);
  const double t = boost::math::quantile(boost::math::complement(dist, (1 - level) / 2));
  const double half = t * s.std / std::sqrt(static_cast<double>(s.n));
  return {s.mean - half, s.mean + half};
}

double OneSidedTTestPValue(const std::vector<double>& values, double mu0) {
  const Summary s = Summarize(values);
  if (s.n < 2) return 1.0;
  if (s.std == 0) return s.mean > mu0 ? 0.0 : 1.0;
  const double t = (s.mean - mu0) / (s.std / std::sqrt(static_cast<double>(s.n)));
  const boost::math::students_t dist(s.n - 1);
  return boost::math::cdf(boost::math::complement(dist, t));
}

namespace {

// Average ranks (1-based) of the pooled values, ties sharing their mean rank; also
// sum(t^3 - t) over the groups of tied values.
std::vector<double> Ranks(const std::vector<double>& pooled, double* tie_term) {
  const size_t n = pooled.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pooled[a] < pooled[b]; });
  std::vector<double> ranks(n);
  *tie_term = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && pooled[order[j + 1]] == pooled[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    const double t = static_cast<double>(j - i + 1);
    *tie_term += t * t * t - t;
    i = j + 1;
  }
  return ranks;
}

// P(U >= u) under H0 for samples of m and n values without ties. The counts of arrangements
// by U are the coefficients of the Gaussian binomial coefficient [m + n choose m]_q
// = prod_{i=1..m} (1 - q^(n + i)) / (1 - q^i), a polynomial of degree m * n: O(m^2 n) work and
// O(m n) memory (m the smaller size).
double ExactUpperTail(int u, int m, int n) {
  if (m > n) std::swap(m, n);
  const int top = m * n;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (int i = 1; i <= m; ++i) {
    for (int k = i; k <= top; ++k) c[k] += c[k - i];              // / (1 - q^i)
    for (int k = top; k >= n + i; --k) c[k] -= c[k - n - i];      // * (1 - q^(n + i))
  }
  double total = 0, tail = 0;
  for (int k = 0; k <= top; ++k) {
    total += c[k];
    if (k >= u) tail += c[k];
  }
  return tail / total;
}

}  // namespace

MannWhitneyResult MannWhitneyU(const std::vector<double>& x, const std::vector<double>& y) {
  MannWhitneyResult r;
  const size_t n1 = x.size(), n2 = y.size();
  if (n1 == 0 || n2 == 0) return r;
  std::vector<double> pooled = x;
  pooled.insert(pooled.end(), y.begin(), y.end());
  double tie_term = 0;
  const std::vector<double> ranks = Ranks(pooled, &tie_term);
  const double r1 = std::accumulate(ranks.begin(), ranks.begin() + n1, 0.0);
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  r.u1 = r1 - dn1 * (dn1 + 1) / 2;
  const double u = std::max(r.u1, dn1 * dn2 - r.u1);
  const bool ties = tie_term > 0;
  r.exact = (n1 <= 8 || n2 <= 8) && !ties;
  double p;
  if (r.exact) {
    p = 2 * ExactUpperTail(static_cast<int>(std::lround(u)), static_cast<int>(n1),
                           static_cast<int>(n2));
  } else {
    const double n = dn1 + dn2;
    const double mu = dn1 * dn2 / 2;
    const double s = std::sqrt(dn1 * dn2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
    if (s == 0) {
      p = 1;  // every value tied
    } else {
      const double z = (u - mu - 0.5) / s;
      p = 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), z));
    }
  }
  r.p_value = std::clamp(p, 0.0, 1.0);
  return r;
}

}  // namespace cifarbench
