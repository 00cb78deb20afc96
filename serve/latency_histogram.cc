#include "serve/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>

namespace burnrate {
namespace {

// Layout (HdrHistogram-style, integer microseconds):
//   v < 2^11: bucket v (exact; index 0 is never used since v >= 1);
//   v >= 2^11 with e = floor(log2 v): 1,024 buckets of width 2^(e-10) per power of two,
//   index (e - 10) * 1024 + (v >> (e - 10)), the shifted value being in [1024, 2048).
// Indices are contiguous: e = 11 starts at 2,048. The largest int64 (e = 62) ends at 55,295,
// so every non-negative Duration has a bucket: 55,296 x 8 bytes = 432 KiB at most. The vector
// grows to the largest bucket used (latencies up to ~1,000 s need a third of it).
constexpr int kSubBits = 10;
constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // 1,024
constexpr size_t kBuckets = (64 - kSubBits) * kSub;   // 55,296

uint64_t Clamp(Duration us) { return us < 1 ? 1 : static_cast<uint64_t>(us); }

size_t IndexOf(uint64_t v) {
  if (v < 2 * kSub) return static_cast<size_t>(v);
  const int e = static_cast<int>(std::bit_width(v)) - 1;  // >= 11
  const int shift = e - kSubBits;
  return static_cast<size_t>(static_cast<uint64_t>(shift) * kSub + (v >> shift));
}

// The largest value in bucket i (inclusive upper edge).
uint64_t UpperOf(size_t i) {
  if (i < 2 * kSub) return i;
  const int shift = static_cast<int>(i / kSub) - 1;
  const uint64_t sub = i % kSub + kSub;
  return ((sub + 1) << shift) - 1;
}

// Grows the buckets to hold index i (whole powers of two, at least doubling).
void GrowTo(std::vector<uint64_t>& buckets, size_t i) {
  const size_t want = (i / kSub + 1) * kSub;
  buckets.resize(std::min(kBuckets, std::max(want, 2 * buckets.size())), 0);
}

double UsToSeconds(uint64_t us) { return static_cast<double>(us) / 1e6; }

}  // namespace

LatencyHistogram::LatencyHistogram() = default;

void LatencyHistogram::Add(Duration us) {
  const uint64_t v = Clamp(us);
  const size_t i = IndexOf(v);
  if (i >= buckets_.size()) GrowTo(buckets_, i);
  ++buckets_[i];
  ++count_;
  sum_us_ += v;
  max_us_ = std::max(max_us_, static_cast<Duration>(v));
}

void LatencyHistogram::Remove(Duration us) {
  const uint64_t v = Clamp(us);
  const size_t index = IndexOf(v);
  if (index >= buckets_.size() || buckets_[index] == 0) return;  // never added
  uint64_t& b = buckets_[index];
  --b;
  --count_;
  sum_us_ -= v;
  if (count_ == 0) {
    max_us_ = 0;
  } else if (IndexOf(v) == IndexOf(static_cast<uint64_t>(max_us_))) {
    // The max may have gone: the highest non-empty bucket's upper edge bounds the new max
    // (within the 2^-10 resolution; exact below 2,048 us).
    size_t i = IndexOf(static_cast<uint64_t>(max_us_));
    while (buckets_[i] == 0) --i;
    max_us_ = std::min(max_us_, static_cast<Duration>(UpperOf(i)));
  }
}

double LatencyHistogram::MeanSeconds() const {
  if (count_ == 0) return 0.0;
  // The sum fits int128; the quotient is below 2^63 us.
  return static_cast<double>(sum_us_ / count_) / 1e6 +
         static_cast<double>(sum_us_ % count_) / static_cast<double>(count_) / 1e6;
}

double LatencyHistogram::QuantileSeconds(double q) const {
  if (count_ == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  // rank = ceil(q * count) in [1, count]; a product a rounding error above an integer (0.95 x
  // 100 = 95.000000000000014) is taken as that integer.
  const double r = q * static_cast<double>(count_);
  uint64_t rank = static_cast<uint64_t>(std::ceil(r));
  if (rank > 0 && static_cast<double>(rank - 1) >= r * (1.0 - 1e-12)) --rank;
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return UsToSeconds(std::min(UpperOf(i), static_cast<uint64_t>(max_us_)));
    }
  }
  return MaxSeconds();
}

double LatencyHistogram::MaxSeconds() const { return UsToSeconds(static_cast<uint64_t>(max_us_)); }

uint64_t LatencyHistogram::CountAtMost(Duration us) const {
  if (count_ == 0) return 0;
  if (us >= max_us_) return count_;
  if (us < 1) return 0;
  const uint64_t v = static_cast<uint64_t>(us);
  const size_t i = IndexOf(v);  // < buckets_.size(): v < max_us_
  uint64_t n = 0;
  for (size_t j = 0; j < i; ++j) n += buckets_[j];
  // Bucket i holds values on both sides of `us` unless `us` is its upper edge (always below
  // 2,048 us): counted only then, so the result is exact there and a lower bound (missing at
  // most one bucket, 2^-10 relative) above.
  if (UpperOf(i) <= v) n += buckets_[i];
  return n;
}

}  // namespace burnrate
