// Queueing-theory formulas: the reference the request-level engine is validated against and
// the latency model of the fluid engine. Rates per second, times in seconds.
#ifndef BURNRATE_SERVE_QUEUEING_H_
#define BURNRATE_SERVE_QUEUEING_H_

#include <cstdint>

namespace burnrate {

// Erlang B: blocking probability of M/M/c/c with offered load a = lambda / mu (Erlangs).
// REQUIRES: c >= 1, a >= 0. Accurate for c up to 1e6.
double ErlangB(uint32_t c, double a);

// Erlang C: probability that an arrival waits in M/M/c (FCFS, infinite queue) with offered
// load a < c. Returns 1 when a >= c.
double ErlangC(uint32_t c, double a);

// M/M/c waiting time W (FCFS): P(W > t) = ErlangC * exp(-(c mu - lambda) t); E[W] =
// ErlangC / (c mu - lambda). Infinity / 1 when lambda >= c mu.
double MmcMeanWait(uint32_t c, double lambda, double mu);
double MmcWaitTail(uint32_t c, double lambda, double mu, double t);

// GI/M/1 with Erlang-k interarrival times: the queue each of k servers sees when a Poisson
// stream of rate k * lambda is split round-robin over them (each server gets rate lambda, gaps
// of k phases of rate k * lambda), with exponential service of rate mu. Returns sigma, the
// probability that an arrival waits: the root in (0, 1) of
// sigma = (k lambda / (k lambda + mu (1 - sigma)))^k. Then E[W] = sigma / (mu (1 - sigma)) and
// P(W > t) = sigma exp(-mu (1 - sigma) t). REQUIRES: k >= 1, 0 < lambda < mu.
double ErlangKM1Sigma(uint32_t k, double lambda, double mu);

}  // namespace burnrate

#endif  // BURNRATE_SERVE_QUEUEING_H_
