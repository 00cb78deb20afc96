// LatencyHistogram against exact order statistics.
#include "serve/latency_histogram.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/model/rng.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

constexpr double kResolution = 1.0 / 1024.0;

// The exact q-quantile as the histogram defines it: the ceil(q n)-th smallest (at least the
// first), in seconds.
double ExactQuantile(const std::vector<Duration>& sorted, double q) {
  const double r = q * static_cast<double>(sorted.size());
  size_t rank = static_cast<size_t>(std::ceil(r - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return TimeToSeconds(std::max<Duration>(1, sorted[rank - 1]));
}

TEST_CASE("histogram quantiles are within 2^-10 of the exact order statistics", "[serve]") {
  Rng rng(7);
  LatencyHistogram h;
  std::vector<Duration> values;
  // Lognormal over ~1 us to ~1e9 us (spans many powers of two), plus exact small values.
  for (int i = 0; i < 200000; ++i) {
    const Duration v = static_cast<Duration>(std::llround(rng.Lognormal(50000.0, 3.0)));
    values.push_back(v);
    h.Add(v);
  }
  for (Duration v = 0; v < 3000; ++v) {
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  REQUIRE(h.count() == values.size());
  for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0}) {
    const double exact = ExactQuantile(values, q);
    const double got = h.QuantileSeconds(q);
    INFO("q = " << q << " exact " << exact << " got " << got);
    CHECK(got >= exact);
    CHECK(got <= exact * (1 + kResolution));
  }
  CHECK(h.MaxSeconds() == TimeToSeconds(values.back()));
  CHECK(h.QuantileSeconds(1.0) == h.MaxSeconds());
}

TEST_CASE("histogram is exact below 2048 us and its mean is exact", "[serve]") {
  LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.QuantileSeconds(0.5) == 0.0);
  CHECK(h.MeanSeconds() == 0.0);
  CHECK(h.MaxSeconds() == 0.0);
  CHECK(h.CountAtMost(1000) == 0);
  for (Duration v = 1; v <= 100; ++v) h.Add(v);
  CHECK(h.QuantileSeconds(0.5) == TimeToSeconds(50));
  CHECK(h.QuantileSeconds(0.95) == TimeToSeconds(95));  // 0.95 x 100 is not rounded up to 96
  CHECK(h.QuantileSeconds(0.951) == TimeToSeconds(96));
  CHECK(h.MeanSeconds() == Approx(50.5e-6).epsilon(1e-12));
  // Mean of large values kept exactly (integer sum), not from the buckets.
  LatencyHistogram big;
  big.Add(3 * kHour + 7);
  big.Add(5 * kHour + 1);
  CHECK(big.MeanSeconds() == Approx(4 * 3600 + 4e-6).epsilon(1e-15));
  // Below 1 us counts as 1 us; extreme values have a bucket.
  LatencyHistogram edge;
  edge.Add(0);
  edge.Add(-5);
  edge.Add(int64_t{1} << 62);
  CHECK(edge.CountAtMost(1) == 2);
  CHECK(edge.QuantileSeconds(0.5) == TimeToSeconds(1));
  CHECK(edge.MaxSeconds() == TimeToSeconds(int64_t{1} << 62));
}

TEST_CASE("histogram CountAtMost is exact at small values and a tight lower bound above",
          "[serve]") {
  Rng rng(11);
  LatencyHistogram h;
  std::vector<Duration> values;
  for (int i = 0; i < 50000; ++i) {
    const Duration v = static_cast<Duration>(std::llround(rng.Exponential(200000.0)));
    values.push_back(v);
    h.Add(v);
  }
  std::sort(values.begin(), values.end());
  auto exact_at_most = [&](Duration us) {
    return static_cast<uint64_t>(std::upper_bound(values.begin(), values.end(), us) -
                                 values.begin());
  };
  for (Duration us : {Duration{0}, Duration{1}, Duration{500}, Duration{2047}}) {
    // Zeros were counted as 1 us.
    CHECK(h.CountAtMost(us) == (us < 1 ? 0 : exact_at_most(us)));
  }
  for (Duration us : {Duration{5000}, Duration{100000}, Duration{200000}, Duration{1000000}}) {
    const uint64_t got = h.CountAtMost(us);
    const Duration lower = static_cast<Duration>(static_cast<double>(us) * (1 - kResolution)) - 1;
    INFO("us = " << us);
    CHECK(got <= exact_at_most(us));
    CHECK(got >= exact_at_most(lower));
  }
  CHECK(h.CountAtMost(values.back()) == values.size());
}

TEST_CASE("histogram Remove undoes Add", "[serve]") {
  Rng rng(3);
  LatencyHistogram all, kept;
  std::vector<Duration> removed;
  for (int i = 0; i < 20000; ++i) {
    const Duration v = static_cast<Duration>(std::llround(rng.Exponential(1e6)));
    all.Add(v);
    if (i % 3 == 0) {
      removed.push_back(v);
    } else {
      kept.Add(v);
    }
  }
  for (Duration v : removed) all.Remove(v);
  REQUIRE(all.count() == kept.count());
  CHECK(all.MeanSeconds() == kept.MeanSeconds());
  for (double q : {0.1, 0.5, 0.9, 0.99}) CHECK(all.QuantileSeconds(q) == kept.QuantileSeconds(q));
  CHECK(all.CountAtMost(700000) == kept.CountAtMost(700000));

  // Removing the max: the new max is within the resolution of the true one.
  LatencyHistogram h;
  h.Add(1000);
  h.Add(5'000'000);
  h.Add(9'000'000);
  h.Remove(9'000'000);
  CHECK(h.MaxSeconds() >= 5.0);
  CHECK(h.MaxSeconds() <= 5.0 * (1 + kResolution));
  CHECK(h.QuantileSeconds(1.0) == h.MaxSeconds());
  h.Remove(5'000'000);
  CHECK(h.MaxSeconds() == TimeToSeconds(1000));
  h.Remove(1000);
  CHECK(h.count() == 0);
  CHECK(h.MaxSeconds() == 0.0);
}

}  // namespace
}  // namespace burnrate
