// Latency samples in a log-linear histogram: 1,024 sub-buckets per power of two of
// microseconds (relative resolution 2^-10, about 0.1%), from 1 us to ~2^40 s; O(1) insertion
// by the float's exponent and top mantissa bits; memory bounded (at most ~430 KB: it grows with
// the largest latency, not with the count).
#ifndef BURNRATE_SERVE_LATENCY_HISTOGRAM_H_
#define BURNRATE_SERVE_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

#include "sim/model/money.h"  // Int128
#include "sim/model/time.h"

namespace burnrate {

class LatencyHistogram {
 public:
  LatencyHistogram();
  // A latency in microseconds (>= 0; below 1 us counts as 1 us).
  void Add(Duration us);
  // Removes one sample added before (a request dropped after being counted).
  void Remove(Duration us);
  uint64_t count() const { return count_; }
  // Mean of the added values, exact (sum kept in integers), seconds.
  double MeanSeconds() const;
  // The q-quantile (0 <= q <= 1) in seconds: the smallest bucket upper edge with at least
  // ceil(q * count) samples at or below it, within 2^-10 relative of the exact order statistic;
  // 0 when empty.
  double QuantileSeconds(double q) const;
  double MaxSeconds() const;
  // Samples <= us, for SLO attainment.
  uint64_t CountAtMost(Duration us) const;

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  Int128 sum_us_ = 0;
  Duration max_us_ = 0;
};

}  // namespace burnrate

#endif  // BURNRATE_SERVE_LATENCY_HISTOGRAM_H_
