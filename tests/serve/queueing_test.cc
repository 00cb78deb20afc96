// The queueing formulas against hand-computed values and the textbook definitions (the Erlang B
// recursion in long double, the Erlang C sum).
#include "serve/queueing.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>

namespace burnrate {
namespace {

// B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), in long double.
long double ErlangBReference(uint32_t c, long double a) {
  long double b = 1.0L;
  for (uint32_t k = 1; k <= c; ++k) b = a * b / (static_cast<long double>(k) + a * b);
  return b;
}

// Erlang C from its definition: [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + same].
double ErlangCDefinition(int c, double a) {
  double term = 1.0, sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double tail = term * c / (c - a);
  return tail / (sum + tail);
}

TEST_CASE("erlang b and c match hand-computed values", "[serve][queueing]") {
  // B(1, a) = a / (1 + a); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
  CHECK(ErlangB(1, 3.0) == Approx(0.75).epsilon(1e-14));
  CHECK(ErlangB(2, 1.0) == Approx(0.2).epsilon(1e-14));
  // B(10, 5) = (5^10 / 10!) / sum_{k<=10} 5^k / k! = 0.0183845703366 (exact rational).
  CHECK(ErlangB(10, 5.0) == Approx(0.0183845703366).epsilon(1e-11));
  CHECK(ErlangB(5, 0.0) == 0.0);
  // C(2, 1) = 1/3; M/M/1: C(1, rho) = rho.
  CHECK(ErlangC(2, 1.0) == Approx(1.0 / 3.0).epsilon(1e-14));
  for (double rho : {0.1, 0.5, 0.9, 0.999}) CHECK(ErlangC(1, rho) == Approx(rho).epsilon(1e-13));
  CHECK(ErlangC(4, 4.0) == 1.0);
  CHECK(ErlangC(4, 9.0) == 1.0);
  CHECK(ErlangC(4, 0.0) == 0.0);
  for (int c : {3, 16, 40}) {
    for (double rho : {0.3, 0.8, 0.97}) {
      const double a = rho * c;
      CHECK(ErlangC(static_cast<uint32_t>(c), a) ==
            Approx(ErlangCDefinition(c, a)).epsilon(1e-12));
    }
  }
}

TEST_CASE("erlang b for large c agrees with the recursion within 1e-9", "[serve][queueing]") {
  // Above 64 servers ErlangB switches to the Poisson ratio (a < c) or the falling-factorial
  // series (a >= c); both must agree with the long-double recursion.
  for (uint32_t c : {65u, 100u, 257u, 1000u, 4096u, 20000u, 100000u}) {
    for (double ratio : {0.9, 0.95, 0.99, 0.999, 1.0, 1.001, 1.01, 1.1, 2.0, 10.0}) {
      const double a = ratio * static_cast<double>(c);
      const long double ref = ErlangBReference(c, static_cast<long double>(a));
      const double got = ErlangB(c, a);
      INFO("c " << c << " a " << a << " ref " << static_cast<double>(ref) << " got " << got);
      if (ref < 1e-280L) {
        CHECK(got < 1e-270);
      } else {
        CHECK(std::abs(static_cast<long double>(got) - ref) <= 1e-9L * ref);
      }
    }
  }
  // Far below the load (B underflows) and a tiny load.
  CHECK(ErlangB(100000, 1000.0) == 0.0);
  CHECK(ErlangB(100000, 1e-3) == 0.0);
  // ErlangC on top of the large-c method.
  CHECK(ErlangC(5000, 4900.0) ==
        Approx(static_cast<double>(5000 * ErlangBReference(5000, 4900.0L) /
                                   (5000 - 4900.0L * (1 - ErlangBReference(5000, 4900.0L)))))
            .epsilon(1e-9));
}

TEST_CASE("m/m/c mean wait and tail", "[serve][queueing]") {
  // M/M/1: E[W] = rho / (mu - lambda).
  CHECK(MmcMeanWait(1, 0.5, 1.0) == Approx(1.0).epsilon(1e-14));
  // M/M/2, lambda = 1, mu = 1: C = 1/3, E[W] = (1/3) / (2 - 1).
  CHECK(MmcMeanWait(2, 1.0, 1.0) == Approx(1.0 / 3.0).epsilon(1e-14));
  CHECK(MmcWaitTail(2, 1.0, 1.0, 0.0) == Approx(1.0 / 3.0).epsilon(1e-14));
  CHECK(MmcWaitTail(2, 1.0, 1.0, 2.0) == Approx(std::exp(-2.0) / 3.0).epsilon(1e-14));
  CHECK(std::isinf(MmcMeanWait(2, 2.0, 1.0)));
  CHECK(MmcWaitTail(2, 3.0, 1.0, 5.0) == 1.0);
  CHECK(MmcMeanWait(3, 0.0, 1.0) == 0.0);
}

TEST_CASE("erlang k m 1 sigma", "[serve][queueing]") {
  // k = 1 is M/M/1: sigma = rho.
  for (double rho : {0.05, 0.5, 0.9, 0.99}) {
    CHECK(ErlangKM1Sigma(1, rho, 1.0) == Approx(rho).epsilon(1e-12));
  }
  // k = 2, lambda = 1, mu = 2: sigma = (1 / (2 - sigma))^2, i.e. (sigma - 1)(sigma^2 - 3 sigma
  // + 1) = 0, so sigma = (3 - sqrt 5) / 2.
  CHECK(ErlangKM1Sigma(2, 1.0, 2.0) == Approx((3.0 - std::sqrt(5.0)) / 2.0).epsilon(1e-12));
  // The defining equation holds; more regular arrivals wait less often than Poisson ones.
  for (uint32_t k : {2u, 8u, 64u}) {
    for (double rho : {0.3, 0.8, 0.98}) {
      const double s = ErlangKM1Sigma(k, rho, 1.0);
      const double kl = k * rho;
      CHECK(s == Approx(std::pow(kl / (kl + (1.0 - s)), k)).epsilon(1e-10));
      CHECK(s > 0.0);
      CHECK(s < rho);
    }
  }
}

}  // namespace
}  // namespace burnrate
