#include "sim/model/rng.h"

#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace burnrate {
namespace {

__extension__ typedef unsigned __int128 Uint128;

// 2^64 / golden ratio, the splitmix64 increment.
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
// Separates stream numbers from seeds before mixing (arbitrary odd constant).
constexpr uint64_t kStreamSalt = 0xd1b54a32d192ed03ULL;
constexpr double kTwoPi = 6.283185307179586476925286766559;
// 2^-53 and 2^-52, exact.
constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;
constexpr double kTwoPowMinus52 = 1.0 / 4503599627370496.0;

// The splitmix64 output function: a bijection on 64-bit words.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64Next(uint64_t& state) {
  state += kGolden;
  return Mix64(state);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  // Four consecutive splitmix64 outputs are distinct (Mix64 is a bijection), so the state is
  // never all zero.
  uint64_t sm = seed;
  for (uint64_t& word : s_) word = SplitMix64Next(sm);
}

Rng Rng::ForStream(uint64_t seed, uint64_t stream) {
  // Both terms are bijections of their argument, so for a fixed seed distinct streams get
  // distinct splitmix seeds, hence distinct 256-bit states; xoshiro256** has period 2^256 - 1,
  // so two such states overlap within any feasible run length with negligible probability.
  return Rng(Mix64(seed) ^ Mix64(stream * kGolden + kStreamSalt));
}

uint64_t Rng::NextU64() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform01() { return static_cast<double>(NextU64() >> 11) * kTwoPowMinus53; }

double Rng::UniformOpen01() {
  // Midpoints of 2^52 equal cells: in [2^-53, 1 - 2^-53], every value exact, one draw per call.
  return (static_cast<double>(NextU64() >> 12) + 0.5) * kTwoPowMinus52;
}

uint64_t Rng::UniformInt(uint64_t n) {
  assert(n > 0);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): multiply-shift with
  // rejection of the 2^64 mod n low products that would bias the result.
  uint64_t x = NextU64();
  Uint128 m = static_cast<Uint128>(x) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      x = NextU64();
      m = static_cast<Uint128>(x) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::Exponential(double mean) {
  assert(mean > 0);
  return -mean * std::log(UniformOpen01());
}

double Rng::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Box-Muller: two uniforms give two independent normals; keep the second for the next call.
  const double radius = std::sqrt(-2.0 * std::log(UniformOpen01()));
  const double angle = kTwoPi * Uniform01();
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return radius * std::cos(angle);
}

double Rng::Lognormal(double median, double sigma) {
  assert(median > 0 && sigma >= 0);
  return median * std::exp(sigma * Normal());
}

DiscreteDistribution::DiscreteDistribution(const std::vector<double>& weights)
    : prob_(weights.size(), 0.0), alias_(weights.size(), 0) {
  const size_t n = weights.size();
  assert(n > 0 && n <= UINT32_MAX);
  double sum = 0.0;
  size_t heaviest = 0;
  for (size_t i = 0; i < n; ++i) {
    assert(weights[i] >= 0 && std::isfinite(weights[i]));
    sum += weights[i];
    if (weights[i] > weights[heaviest]) heaviest = i;
  }
  assert(sum > 0);

  // Vose's alias method. Worklists are stacks filled in index order, so construction is
  // deterministic. Scaled weights average 1.
  std::vector<double> scaled(n);
  std::vector<uint32_t> small;
  std::vector<uint32_t> large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / sum;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t lo = small.back();
    small.pop_back();
    const uint32_t hi = large.back();
    large.pop_back();
    prob_[lo] = scaled[lo];
    alias_[lo] = hi;
    scaled[hi] = (scaled[hi] + scaled[lo]) - 1.0;
    (scaled[hi] < 1.0 ? small : large).push_back(hi);
  }
  // What is left has scaled weight 1 up to rounding. A zero weight can only be left over
  // through gross rounding; it keeps probability 0 and points at a positive weight.
  for (const std::vector<uint32_t>* rest : {&small, &large}) {
    for (uint32_t i : *rest) {
      if (weights[i] > 0) {
        prob_[i] = 1.0;
        alias_[i] = i;
      } else {
        prob_[i] = 0.0;
        alias_[i] = static_cast<uint32_t>(heaviest);
      }
    }
  }
}

size_t DiscreteDistribution::Sample(Rng& rng) const {
  const size_t column = static_cast<size_t>(rng.UniformInt(prob_.size()));
  // prob_ is 0 for zero weights, so `<` never keeps them.
  return rng.Uniform01() < prob_[column] ? column : alias_[column];
}

}  // namespace burnrate
