// Small statistics for merging sweep results over seeds: Student-t quantiles and the
// confidence interval of a mean.
#ifndef BURNRATE_RUNNER_STATS_H_
#define BURNRATE_RUNNER_STATS_H_

#include <vector>

namespace burnrate {

// Regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1].
double RegularizedIncompleteBeta(double a, double b, double x);

// CDF of Student's t distribution with `df` > 0 degrees of freedom.
double StudentTCdf(double t, double df);

// The p-quantile of Student's t with `df` degrees of freedom, p in (0, 1); relative error
// below 1e-9.
double StudentTQuantile(double p, double df);

struct MeanInterval {
  double mean = 0, stddev = 0, low = 0, high = 0, min = 0, max = 0;
};

// Mean, sample standard deviation (n - 1 in the denominator) and the two-sided Student-t
// confidence interval of the mean at `confidence` (e.g. 0.95). One value, or all values equal:
// stddev 0 and the interval collapses to the value. REQUIRES: !values.empty(), 0 < confidence < 1.
MeanInterval MeanConfidenceInterval(const std::vector<double>& values, double confidence);

}  // namespace burnrate

#endif  // BURNRATE_RUNNER_STATS_H_
