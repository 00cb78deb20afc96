#include "sim/model/duration_sampling.h"

#include <algorithm>
#include <cmath>

namespace burnrate {

double SampleSeconds(const DurationDist& d, Rng& rng) {
  double s = 0;
  switch (d.kind) {
    case DurationDist::Kind::kConstant:
      s = d.constant_s;
      break;
    case DurationDist::Kind::kExponential:
      s = rng.Exponential(d.mean_s);
      break;
    case DurationDist::Kind::kLognormal:
      s = rng.Lognormal(d.median_s, d.sigma);
      break;
    case DurationDist::Kind::kEmpirical:
      s = d.samples_s.empty() ? 0.0 : d.samples_s[rng.UniformInt(d.samples_s.size())];
      break;
  }
  if (d.min_s > 0) s = std::max(s, d.min_s);
  if (d.max_s > 0) s = std::min(s, d.max_s);
  return std::max(0.0, s);
}

double MeanSeconds(const DurationDist& d) {
  if (d.min_s <= 0 && d.max_s <= 0) {
    switch (d.kind) {
      case DurationDist::Kind::kConstant:
        return d.constant_s;
      case DurationDist::Kind::kExponential:
        return d.mean_s;
      case DurationDist::Kind::kLognormal:
        return d.median_s * std::exp(d.sigma * d.sigma / 2);
      case DurationDist::Kind::kEmpirical: {
        double sum = 0;
        for (double x : d.samples_s) sum += x;
        return d.samples_s.empty() ? 0.0 : sum / static_cast<double>(d.samples_s.size());
      }
    }
  }
  Rng rng(0x5eed);
  double sum = 0;
  constexpr int kDraws = 1 << 16;
  for (int i = 0; i < kDraws; ++i) sum += SampleSeconds(d, rng);
  return sum / kDraws;
}

}  // namespace burnrate
