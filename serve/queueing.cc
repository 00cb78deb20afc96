// Erlang B by three methods, each used where it is exact and cheap:
//   c <= kRecursionMaxServers: the forward recursion B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1
//     (numerically stable: every step is a convex-type update of a value in [0, 1]); O(c).
//   a < c (large c): the Poisson form B = pmf(c; a) / cdf(c; a) with pmf(c; a) = e^-a a^c / c!
//     = gamma_p_derivative(c + 1, a) and cdf(c; a) = P(Poisson(a) <= c) = gamma_q(c + 1, a)
//     (Jagerman 1974; Boost.Math evaluates both to a few ulps with Temme's uniform asymptotics,
//     in O(1)); cdf >= ~1/2 here, so the ratio is well conditioned; a pmf that underflows means
//     B < 1e-308, returned as 0.
//   a >= c (large c): 1 / B = sum_{j=0..c} c (c-1) ... (c-j+1) / a^j, whose terms fall from 1
//     and fall faster than exp(-j^2 / (2c)), so O(sqrt(c)) terms reach double precision; the
//     Poisson form would underflow to 0 / 0 there.
#include "serve/queueing.h"

#include <cmath>
#include <limits>

#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace burnrate {
namespace {

constexpr uint32_t kRecursionMaxServers = 64;

// Errors as values (never an exception out of the hot path): overflow saturates, underflow
// gives 0; neither happens in the ranges used below, but no input may throw.
using QuietPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

double ErlangBRecursion(uint32_t c, double a) {
  double b = 1.0;
  for (uint32_t k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  return b;
}

double ErlangBPoisson(uint32_t c, double a) {
  const double n = static_cast<double>(c) + 1.0;
  const double pmf = boost::math::gamma_p_derivative(n, a, QuietPolicy());
  const double cdf = boost::math::gamma_q(n, a, QuietPolicy());
  if (!(pmf > 0.0) || !(cdf > 0.0)) return 0.0;
  return pmf / cdf;
}

double ErlangBOverloaded(uint32_t c, double a) {
  double sum = 1.0, term = 1.0;
  for (uint32_t j = 1; j <= c; ++j) {
    term *= static_cast<double>(c - j + 1) / a;
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return 1.0 / sum;
}

}  // namespace

double ErlangB(uint32_t c, double a) {
  if (!(a > 0.0)) return 0.0;
  if (std::isinf(a)) return 1.0;
  if (c <= kRecursionMaxServers) return ErlangBRecursion(c, a);
  if (a >= static_cast<double>(c)) return ErlangBOverloaded(c, a);
  return ErlangBPoisson(c, a);
}

double ErlangC(uint32_t c, double a) {
  const double cd = static_cast<double>(c);
  if (!(a > 0.0)) return 0.0;
  if (a >= cd) return 1.0;
  const double b = ErlangB(c, a);
  // C = c B / (c - a (1 - B)): the standard B -> C conversion; c - a (1 - B) > c - a > 0.
  return cd * b / (cd - a * (1.0 - b));
}

double MmcMeanWait(uint32_t c, double lambda, double mu) {
  const double capacity = static_cast<double>(c) * mu;
  if (lambda >= capacity) return std::numeric_limits<double>::infinity();
  if (!(lambda > 0.0)) return 0.0;
  return ErlangC(c, lambda / mu) / (capacity - lambda);
}

double MmcWaitTail(uint32_t c, double lambda, double mu, double t) {
  const double capacity = static_cast<double>(c) * mu;
  if (lambda >= capacity) return 1.0;
  if (!(lambda > 0.0)) return 0.0;
  const double p_wait = ErlangC(c, lambda / mu);
  if (t <= 0.0) return p_wait;
  return p_wait * std::exp(-(capacity - lambda) * t);
}

double ErlangKM1Sigma(uint32_t k, double lambda, double mu) {
  // With x = 1 - sigma the equation is h(x) = 1 - x - (1 + b x)^-k = 0, b = mu / (k lambda).
  // h(0) = 0, h'(0) = mu / lambda - 1 > 0 and h is concave, so h(x) / x falls from
  // mu / lambda - 1 > 0 to h(1) < 0 and has exactly one root in (0, 1): bisection on its sign.
  // 1 - (1 + b x)^-k is computed as -expm1(-k log1p(b x)) to keep precision at small x.
  const double kd = static_cast<double>(k);
  const double b = mu / (kd * lambda);
  double lo = 0.0, hi = 1.0;  // h > 0 just above lo, h(hi) < 0
  for (int it = 0; it < 200 && hi - lo > 1e-17; ++it) {
    const double x = 0.5 * (lo + hi);
    const double h = -std::expm1(-kd * std::log1p(b * x)) - x;
    if (h > 0.0) {
      lo = x;
    } else {
      hi = x;
    }
  }
  return 1.0 - 0.5 * (lo + hi);
}

}  // namespace burnrate
