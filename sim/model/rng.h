// Seeded pseudo-random numbers and the distributions burnrate samples from, implemented here so
// every platform and standard library draws the same numbers (std:: distributions differ).
#ifndef BURNRATE_SIM_MODEL_RNG_H_
#define BURNRATE_SIM_MODEL_RNG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace burnrate {

// xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64.
// Not thread-safe; one Rng per stream, owned by one simulation.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  // An independent stream: the same (seed, stream) always gives the same sequence, and streams
  // of one seed do not overlap in practice. Use one stream per workload source so adding a
  // source does not change the draws of the others.
  static Rng ForStream(uint64_t seed, uint64_t stream);

  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform01();
  // Uniform in (0, 1): never 0, for logarithms.
  double UniformOpen01();
  // Uniform integer in [0, n). REQUIRES: n > 0. Unbiased.
  uint64_t UniformInt(uint64_t n);
  // Exponential with the given mean. REQUIRES: mean > 0.
  double Exponential(double mean);
  // Standard normal N(0, 1).
  double Normal();
  // exp(N(ln(median), sigma^2)). REQUIRES: median > 0, sigma >= 0.
  double Lognormal(double median, double sigma);

 private:
  uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// Samples index i with probability weights[i] / sum(weights) in O(1) (Walker's alias method).
class DiscreteDistribution {
 public:
  // REQUIRES: weights non-empty, each >= 0 and finite, positive sum.
  explicit DiscreteDistribution(const std::vector<double>& weights);
  size_t Sample(Rng& rng) const;
  size_t size() const { return prob_.size(); }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_RNG_H_
