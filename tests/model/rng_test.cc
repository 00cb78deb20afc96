#include "sim/model/rng.h"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace burnrate {
namespace {

constexpr int kDraws = 1'000'000;

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <typename Draw>
Moments SampleMoments(Draw draw) {
  double sum = 0;
  double sum_sq = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = draw();
    sum += x;
    sum_sq += x * x;
  }
  const double n = static_cast<double>(kDraws);
  const double mean = sum / n;
  return {mean, sum_sq / n - mean * mean};
}

TEST_CASE("Rng(1) matches the xoshiro256** reference", "[rng]") {
  // From an independent Python re-implementation of splitmix64 seeding and xoshiro256**
  // (Blackman & Vigna's reference code); its splitmix64(0) gives the published 0xe220a8397b1dcdaf.
  Rng rng(1);
  CHECK(rng.NextU64() == 0xb3f2af6d0fc710c5ULL);
  CHECK(rng.NextU64() == 0x853b559647364ceaULL);
  CHECK(rng.NextU64() == 0x92f89756082a4514ULL);
}

TEST_CASE("Rng is reproducible per seed and stream", "[rng]") {
  Rng a(42);
  Rng b(42);
  Rng c(43);
  bool all_equal = true;
  bool any_equal_other_seed = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.NextU64();
    all_equal = all_equal && x == b.NextU64();
    any_equal_other_seed = any_equal_other_seed || x == c.NextU64();
  }
  CHECK(all_equal);
  CHECK_FALSE(any_equal_other_seed);

  Rng s1 = Rng::ForStream(42, 7);
  Rng s2 = Rng::ForStream(42, 7);
  for (int i = 0; i < 100; ++i) REQUIRE(s1.NextU64() == s2.NextU64());
}

TEST_CASE("Rng streams of one seed differ from each other and from the plain seed", "[rng]") {
  std::set<uint64_t> first_outputs;
  for (uint64_t stream = 0; stream < 10'000; ++stream) {
    first_outputs.insert(Rng::ForStream(7, stream).NextU64());
  }
  first_outputs.insert(Rng(7).NextU64());
  CHECK(first_outputs.size() == 10'001);

  // Adjacent streams are uncorrelated: about half the bits differ position by position.
  Rng a = Rng::ForStream(7, 0);
  Rng b = Rng::ForStream(7, 1);
  int differing_bits = 0;
  for (int i = 0; i < 1000; ++i) differing_bits += std::popcount(a.NextU64() ^ b.NextU64());
  CHECK(differing_bits > 31'000);
  CHECK(differing_bits < 33'000);
}

TEST_CASE("Uniform01 is in in 0..1 (half-open) and UniformOpen01 in in 0..1 (open)", "[rng]") {
  Rng rng(3);
  double lo = 1;
  double hi = 0;
  double open_lo = 1;
  double open_hi = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.Uniform01();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    const double v = rng.UniformOpen01();
    open_lo = std::min(open_lo, v);
    open_hi = std::max(open_hi, v);
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  CHECK(open_lo > 0.0);
  CHECK(open_hi < 1.0);
  // A million draws reach within 1e-5 of both ends.
  CHECK(lo < 1e-5);
  CHECK(hi > 1 - 1e-5);

  const Moments m = SampleMoments([&] { return rng.Uniform01(); });
  CHECK(m.mean == Approx(0.5).margin(0.0015));
  CHECK(m.variance == Approx(1.0 / 12).margin(0.0005));
}

TEST_CASE("UniformInt is in range and unbiased", "[rng]") {
  Rng rng(11);
  for (int i = 0; i < 100; ++i) REQUIRE(rng.UniformInt(1) == 0);

  std::vector<int> counts(7, 0);
  for (int i = 0; i < kDraws; ++i) ++counts[std::min<uint64_t>(rng.UniformInt(6), 6)];
  CHECK(counts[6] == 0);  // out of range
  counts.pop_back();
  // Each face 1/6; the standard error of a frequency is 3.7e-4, so 2e-3 is over 5 sigma.
  for (int c : counts) CHECK(static_cast<double>(c) / kDraws == Approx(1.0 / 6).margin(0.002));

  // n = 3 * 2^62: `x % n` would put 62.5% of draws below n / 2; unbiased draws put 50%.
  const uint64_t n = 3ULL << 62;
  int below_half = 0;
  uint64_t max = 0;
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t k = rng.UniformInt(n);
    max = std::max(max, k);
    below_half += k < n / 2 ? 1 : 0;
  }
  CHECK(max < n);
  CHECK(static_cast<double>(below_half) / kDraws == Approx(0.5).margin(0.003));
}

TEST_CASE("Exponential has the theoretical mean and variance", "[rng]") {
  Rng rng(5);
  const double mean = 2.0;
  bool all_positive = true;
  const Moments m = SampleMoments([&] {
    const double x = rng.Exponential(mean);
    all_positive = all_positive && x > 0 && std::isfinite(x);
    return x;
  });
  CHECK(all_positive);
  // Standard errors: mean 2e-3, variance 1.1e-2 (central fourth moment 9 mean^4); 5 sigma.
  CHECK(m.mean == Approx(mean).margin(0.01));
  CHECK(m.variance == Approx(mean * mean).margin(0.06));
}

TEST_CASE("Normal is standard and Lognormal has the requested median", "[rng]") {
  Rng rng(9);
  const Moments m = SampleMoments([&] { return rng.Normal(); });
  CHECK(m.mean == Approx(0.0).margin(0.005));
  CHECK(m.variance == Approx(1.0).margin(0.007));

  // P(|Z| > 1.96) = 0.05.
  int tails = 0;
  for (int i = 0; i < kDraws; ++i) tails += std::abs(rng.Normal()) > 1.959964 ? 1 : 0;
  CHECK(static_cast<double>(tails) / kDraws == Approx(0.05).margin(0.0011));

  const double median = 30.0;
  const double sigma = 0.8;
  int below = 0;
  double sum = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.Lognormal(median, sigma);
    below += x < median ? 1 : 0;
    sum += x;
  }
  CHECK(static_cast<double>(below) / kDraws == Approx(0.5).margin(0.0025));
  // Mean = median * exp(sigma^2 / 2) = 41.31; standard error 0.038.
  CHECK(sum / kDraws == Approx(median * std::exp(sigma * sigma / 2)).margin(0.2));

  // Box-Muller makes two normals from two 64-bit draws; the second is cached, not redrawn.
  Rng pair(21);
  Rng raw(21);
  pair.Normal();
  pair.Normal();
  raw.NextU64();
  raw.NextU64();
  CHECK(pair.NextU64() == raw.NextU64());

  Rng degenerate(1);
  CHECK(degenerate.Lognormal(median, 0.0) == median);
}

TEST_CASE("DiscreteDistribution samples in proportion to the weights", "[rng]") {
  const std::vector<double> weights = {1, 0, 2, 3, 0, 4};
  const DiscreteDistribution dist(weights);
  REQUIRE(dist.size() == 6);
  Rng rng(13);
  std::vector<int> counts(weights.size() + 1, 0);
  for (int i = 0; i < kDraws; ++i) ++counts[std::min(dist.Sample(rng), weights.size())];
  CHECK(counts.back() == 0);  // out of range
  counts.pop_back();
  CHECK(counts[1] == 0);
  CHECK(counts[4] == 0);
  for (size_t i = 0; i < weights.size(); ++i) {
    // Within 5 standard errors (at most 2.5e-3, for p = 0.4).
    const double p = weights[i] / 10;
    const double five_sigma = 5 * std::sqrt(p * (1 - p) / kDraws);
    CHECK(static_cast<double>(counts[i]) / kDraws == Approx(p).margin(five_sigma));
  }
}

TEST_CASE("DiscreteDistribution edge cases and determinism", "[rng]") {
  Rng rng(17);
  const DiscreteDistribution single({5.0});
  for (int i = 0; i < 100; ++i) REQUIRE(single.Sample(rng) == 0);

  const DiscreteDistribution only_last({0, 0, 0, 1e-300});
  for (int i = 0; i < 1000; ++i) REQUIRE(only_last.Sample(rng) == 3);

  // Weights far apart: the rare one still appears, at about its rate (1e-3).
  const DiscreteDistribution skewed({1, 999});
  int rare = 0;
  for (int i = 0; i < kDraws; ++i) rare += skewed.Sample(rng) == 0 ? 1 : 0;
  CHECK(static_cast<double>(rare) / kDraws == Approx(0.001).margin(0.00016));

  // Same weights and seed give the same samples.
  const std::vector<double> weights = {0.3, 0.1, 0.6, 0.25, 0.05};
  const DiscreteDistribution a(weights);
  const DiscreteDistribution b(weights);
  Rng ra(99);
  Rng rb(99);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.Sample(ra) == b.Sample(rb));
}

}  // namespace
}  // namespace burnrate
