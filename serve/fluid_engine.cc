// The fluid engine: a service's requests as a fluid against its capacity, one time step at a time,
// with a queueing-theory model of the queue's mean and of the latency distribution. For months of
// traffic in well under a second (bench/fluid_bench.cc).
//
// Time. Steps of service.fluid_step (default 60 s) aligned to multiples of the step from time 0,
// also cut at calendar-month boundaries; a call at a time inside a step (AddReplica,
// DrainReplica, KillReplica, Observe after AdvanceTo) splits the step there. A trace load (its
// Totals are counted arrivals, not expectations) is read in parts of at most kSubstepS = 20 s
// of the step (three per minute): the realised path at that resolution. Within an interval
// [t0, t1) of dt seconds everything is constant:
//   A requests arrive uniformly (LoadProcess::Totals), with reference work W; mean service
//     s = W / A (LoadProcess::MeanServiceS() when A = 0);
//   the ready replicas give c slots (sum of concurrency) serving at a capacity rate
//     R = sum_i(concurrency x speed_i) / s requests per second (each slot at speed_i / s);
//   lambda = A / dt; cs2 the squared coefficient of variation of the service times (from
//     LoadProcess::WorkSample), k = (1 + cs2) / 2.
//
// The closure (pointwise stationary fluid flow approximation, PSFFA: Tipper & Sundareshan, IEEE
// JSAC 8(9), 1990; Wang, Tipper & Banerjee, INFOCOM 1996; the closure idea for the
// nonstationary M/M/s: Rothkopf & Oren, Management Science 25(6), 1979). The state is x, the
// expected number of requests in the system (in service or waiting), carried between intervals
// as work (x s, so a change of the request mix keeps the queued work). Its outflow is that of a
// stationary M/G/c with the same mean number in system:
//   L(rho) = c rho + k ErlangC(c, c rho) rho / (1 - rho)   (Allen-Cunneen's M/G/c, increasing
//     from 0 to infinity on [0, 1)), rho(x) = L^-1(x) by safeguarded Newton (L' in closed form
//     from dB/da = B (c / a - 1 + B), warm-started from the last rho);
//   x' = lambda (1 - q) - R rho(x), q the share dropped by max_wait (below);
// in sub-steps of at most kSubstepS, each by exponential Euler on the linearisation
// x' ~ f - a (x - x0), a = R / L'(rho0): x1 = x0 + f (1 - e^(-a h)) / a (exact for a linear
// right-hand side, stable for any h, x >= 0), halved while L' changes by more than 25% over it
// (and doubled again after an accepted one, up to kSubstepS).
// Its fixed point is the stationary M/G/c (R rho = lambda); from an empty system it follows the
// transient of the exact M/M/c (tests/serve/fluid_engine_test.cc: within ~10% of the forward
// equations' mean wait over the first minutes; at exactly critical load PSFFA's sqrt(t) growth
// is ~25% above the exact one). A sub-step's arrivals see the stationary M/G/c at rho of the
// sub-step's mean x (of the linearised solution): P(wait > t) = ErlangC(c, c rho)
// e^(-theta t), theta = 2 R (1 - rho) / (1 + cs2), so the mean wait is Lq / (R rho) and it
// grows smoothly into overload. max_wait > 0: the share q = ErlangC e^(-theta max_wait) of the
// arrivals is dropped at once (their wait distribution is not truncated), which also removes
// them from x. The closure serves its arrivals (counts, waits) in their sub-step.
//
// The backlog regime (a FIFO by arrival interval). When lambda > R (or a backlog is left), the
// interval's arrivals join a fluid FIFO queue instead: every slot is busy and the head chunk is
// served at speed_slots / (its own mean work) requests per second, so the queue drains as work,
// in order. Waits are those of the fluid FIFO: the head of the queue leaves at its rate, its
// arrival time p moves at rate / density and it has waited (now - p); the waits of the
// requests served over a stretch of one arrival interval are linear in their order (a uniform
// piece). If lambda < R the head catches up with the arrivals; the queue is then empty, the
// closure resumes from x = c (all slots busy, none waiting) and takes the rest of the interval.
// The FIFO is kept for this regime because, measured: (1) in sustained overload the waits are
// concentrated around queue / R, while the closure's exponential tail puts the p99 at 4.6x the
// mean (the Azure conversation hour on 5 x 13 slots, whose first 25 minutes run at ~1.0 with
// minutes at 1.27: the closure alone gives SLO attainment 0.815 and a p99 latency of 94 s
// against the request-level 0.851 and 45 s; with the FIFO, 0.848 and 46 s); (2) on a trace the
// per-sub-step totals are the realised path, which the FIFO follows exactly; (3) max_wait
// reneging on a saturated queue keeps every slot busy (20/s on 16 slots, max_wait 30 s: the
// closure alone keeps 298 waiting instead of 600, serves 0.65% less than capacity and lets the
// p99 wait reach 86 s); (4) a scale-up drains the queued requests at the new capacity. Two
// things join the FIFO ahead of the interval's arrivals as counted requests (served already:
// they take capacity, are never dropped or unfinished):
//   - when the regime starts, the closure's requests beyond the slots, x - c (its queue);
//   - the reflection: the PSFFA runs on the whole system alongside (same sub-steps),
//     z' = lambda - R + R (1 - rho(z)) w, from z = x when the regime starts, else
//     z = c + backlog; its excess over the fluid, z - c - (backlog + (lambda - R) dt), is the
//     mean queue a reflected random walk keeps above its fluid (slots idle when the queue
//     touches empty, R (1 - rho(z)) per second). It stands for idle capacity: it delays the
//     later arrivals but is not counted busy. The weight w, at the queue q = z - c: in
//     overload (d = lambda - R > 0) exp(-d q / (k R)), the probability that a Brownian queue
//     with drift d and variance 2 k R per second ever returns to empty from q (so deep
//     overload tends to the fluid plus ~k R / d, where PSFFA alone grows like log t); for a
//     trace also exp(-q^2 / (4 k R dt)) (the sub-step's totals are realised: only the noise
//     within it, variance 2 k R dt, is not, and a queue a few of its standard deviations
//     above empty cannot reflect; without this weight the closure counts the trace's
//     minute-to-minute noise twice: attainment 0.770 instead of 0.848 on 5 x 13 slots).
//   max_wait > 0 (reneging, exact for the fluid): a request still waiting max_wait after its
//     arrival leaves; while the head would be older than that it stays at age max_wait, the
//     served requests wait exactly max_wait and the rest of its interval's arrivals is dropped
//     as it ages out (in steady overload the queue holds lambda x max_wait requests and
//     lambda - R per second are dropped).
//   No capacity (R = 0): the arrivals wait in the backlog (and age out with max_wait); the
//     closure's requests are left to the replicas that drained (counted served).
//
// Counts. Every request is counted in the calendar month of its arrival: arrived; served when
// it leaves the FIFO or, in the closure, in its arrival sub-step; dropped (max_wait, or killed
// replicas); unfinished (ServiceTotals only: still in the backlog at Finish with no replica
// left). arrived = served + dropped + unfinished after Finish; before it, arrived = served +
// dropped + the FIFO's uncounted requests. Revenue and tokens of a served request: the means of
// its arrival interval (RequestRevenue of the interval's mean tokens).
//
// Latency = wait + service; service = the work sample's service_s / mean replica speed (the
// speed averaged over slot-seconds of capacity); TTFT = wait + prefill_s / mean speed. The wait
// distribution of all served requests is a mixture of an atom at 0, exponentials (one per
// closure sub-step, binned by log(R (1 - rho)), 32 bins per octave, with the bin's
// mean-preserving rate) and uniform pieces (piecewise-linear CDF kept exactly at the edges of
// log-spaced bins, 32 per octave, from 2^-20 s). Latency quantiles invert the mixture CDF
// convolved with 1,024 service-time points (block means of 16,384 sorted draws of
// WorkSample) by bisection; the mean latency is exact (mean wait + served work at speed /
// served). SLO attainment per month: the month's own mixture at slo_latency_s. The maximum
// latency is the (1 - 1/served) quantile. Killed requests are removed from the counts, and
// from the latency distribution proportionally.
//
// Observe: arrivals, reference work, available slot-seconds (slots x time), busy slot-seconds
// (service starts x s / speed: the FIFO's, and the closure's completions plus the change of
// c rho; clamped to [0, available]), dropped; waiting = the FIFO's requests + the closure's
// queue x - c rho; outstanding = waiting + in service (c rho, or c in the backlog regime).
//
// Replicas. AddReplica adds capacity now; DrainReplica removes it at once and returns now (the
// backlog and the closure's x are carried by the rest); KillReplica removes it and drops its
// share of the requests in service (in service x its share of the slots, rounded), also from
// x. Finish(horizon): no arrivals after the horizon; the FIFO is served by the replicas left
// (the last capacity, no arrivals, the same FIFO rule); with none, its uncounted requests are
// unfinished.
//
// Validation: tests/validation/serving_azure_test.cc (the Azure LLM conversation trace hour
// against the request-level engine, 5 x 13..16 slots) and the closed forms and exact M/M/c
// transients of tests/serve/fluid_engine_test.cc.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "serve/engine.h"
#include "serve/load.h"
#include "serve/queueing.h"

namespace burnrate {
namespace {

// Service-time representation: draws, then block means of the sorted draws.
constexpr size_t kWorkSampleDraws = 16384;
constexpr size_t kServicePoints = 1024;

// Log-spaced bins: bin b of a scale with lowest exponent e0 covers
// [2^(e0 + b / kBinsPerOctave), 2^(e0 + (b + 1) / kBinsPerOctave)); values outside are clamped.
constexpr int kBinsPerOctave = 32;
constexpr int kWaitMinExp = -20;  // ~1 us
constexpr int kWaitMaxExp = 30;   // ~34 years
constexpr int kWaitBins = (kWaitMaxExp - kWaitMinExp) * kBinsPerOctave;
constexpr int kRateMinExp = -40;
constexpr int kRateMaxExp = 40;
constexpr int kRateBins = (kRateMaxExp - kRateMinExp) * kBinsPerOctave;

// Counts below this are numerical dust (a request is 1).
constexpr double kDust = 1e-9;

constexpr uint64_t kMaxSlots = std::numeric_limits<uint32_t>::max();

// Sub-step of the closure's integration, seconds.
constexpr double kSubstepS = 20.0;
// A sub-step is halved while L' changes by more than this share over it, down to the minimum.
constexpr double kMaxSlopeChange = 0.25;
constexpr double kMinSubstepS = 1e-3;

size_t LogBin(double v, int min_exp, int bins) {
  if (!(v > 0.0)) return 0;
  const double pos = std::floor((std::log2(v) - min_exp) * kBinsPerOctave);
  if (pos <= 0.0) return 0;
  if (pos >= bins - 1) return static_cast<size_t>(bins - 1);
  return static_cast<size_t>(pos);
}

// Upper edges of the wait bins, seconds.
const std::vector<double>& WaitEdges() {
  static const std::vector<double> edges = [] {
    std::vector<double> e(kWaitBins);
    for (int b = 0; b < kWaitBins; ++b) {
      e[static_cast<size_t>(b)] =
          std::exp2(kWaitMinExp + static_cast<double>(b + 1) / kBinsPerOctave);
    }
    return e;
  }();
  return edges;
}

// The waits of served requests: an atom at 0, exponentials by surplus rate (R - lambda), and
// uniform pieces. Masses in requests. The exponentials' rates are fixed only at evaluation
// (WaitCdf), when cs2 is final.
class WaitMixture {
 public:
  double mass() const { return mass_; }

  void AddZero(double m) {
    zero_ += m;
    mass_ += m;
  }

  // `m` requests wait ~ Exp(2 r / (1 + cs2)).
  void AddExponential(double m, double r) {
    if (exp_mass_.empty()) {
      exp_mass_.assign(kRateBins, 0.0);
      exp_inv_rate_.assign(kRateBins, 0.0);
    }
    const size_t b = LogBin(r, kRateMinExp, kRateBins);
    exp_mass_[b] += m;
    exp_inv_rate_[b] += m / r;
    exp_inv_rate_sum_ += m / r;
    mass_ += m;
  }

  // `m` requests with waits uniform in [lo, hi].
  void AddUniform(double m, double lo, double hi) {
    if (hi < lo) std::swap(lo, hi);
    lo = std::max(lo, 0.0);
    hi = std::max(hi, 0.0);
    mass_ += m;
    fluid_wait_sum_ += m * 0.5 * (lo + hi);
    max_fluid_wait_ = std::max(max_fluid_wait_, hi);
    if (hi <= 1e-9) {
      zero_ += m;
      return;
    }
    if (point_.empty()) {
      point_.assign(kWaitBins, 0.0);
      slope_.assign(kWaitBins, 0.0);
      intercept_.assign(kWaitBins, 0.0);
    }
    if (hi - lo <= 1e-3 * hi) {  // narrower than 0.1% (bins are 2.2% wide): a point
      point_[LogBin(0.5 * (lo + hi), kWaitMinExp, kWaitBins)] += m;
      return;
    }
    // CDF of the piece: m (y - lo) / (hi - lo) on [lo, hi]: slope s from lo, -s from hi.
    const double s = m / (hi - lo);
    const size_t blo = LogBin(lo, kWaitMinExp, kWaitBins);
    const size_t bhi = LogBin(hi, kWaitMinExp, kWaitBins);
    slope_[blo] += s;
    intercept_[blo] += s * lo;
    slope_[bhi] -= s;
    intercept_[bhi] -= s * hi;
  }

  // Removes a share of every component (killed requests).
  void Scale(double f) {
    zero_ *= f;
    mass_ *= f;
    exp_inv_rate_sum_ *= f;
    fluid_wait_sum_ *= f;
    for (std::vector<double>* v : {&exp_mass_, &exp_inv_rate_, &point_, &slope_, &intercept_}) {
      for (double& x : *v) x *= f;
    }
  }

  void Merge(const WaitMixture& o) {
    zero_ += o.zero_;
    mass_ += o.mass_;
    exp_inv_rate_sum_ += o.exp_inv_rate_sum_;
    fluid_wait_sum_ += o.fluid_wait_sum_;
    max_fluid_wait_ = std::max(max_fluid_wait_, o.max_fluid_wait_);
    auto add = [](std::vector<double>& to, const std::vector<double>& from) {
      if (from.empty()) return;
      if (to.empty()) to.assign(from.size(), 0.0);
      for (size_t i = 0; i < from.size(); ++i) to[i] += from[i];
    };
    add(exp_mass_, o.exp_mass_);
    add(exp_inv_rate_, o.exp_inv_rate_);
    add(point_, o.point_);
    add(slope_, o.slope_);
    add(intercept_, o.intercept_);
  }

  // Sum of the waits (seconds x requests) given the service cs2.
  double WaitSum(double cs2) const {
    return fluid_wait_sum_ + exp_inv_rate_sum_ * 0.5 * (1.0 + cs2);
  }

 private:
  friend class WaitCdf;
  double zero_ = 0, mass_ = 0;
  double exp_inv_rate_sum_ = 0;  // sum of m / r
  double fluid_wait_sum_ = 0;    // sum of m x mean wait of the uniform pieces
  double max_fluid_wait_ = 0;
  std::vector<double> exp_mass_, exp_inv_rate_;  // by rate bin; empty until used
  std::vector<double> point_, slope_, intercept_;  // by wait bin; empty until used
};

// The (unnormalized) CDF of a WaitMixture: F(y) = requests with wait <= y.
class WaitCdf {
 public:
  WaitCdf(const WaitMixture& m, double cs2, bool tabulate) : mass_(m.mass_), zero_(m.zero_) {
    const double k = 2.0 / (1.0 + cs2);
    for (size_t b = 0; b < m.exp_mass_.size(); ++b) {
      if (m.exp_mass_[b] > 0.0 && m.exp_inv_rate_[b] > 0.0) {
        exps_.push_back({k * m.exp_mass_[b] / m.exp_inv_rate_[b], m.exp_mass_[b]});
      }
    }
    upper_ = m.max_fluid_wait_;
    for (const Exp& e : exps_) upper_ = std::max(upper_, 40.0 / e.theta);
    const std::vector<double>& edges = WaitEdges();
    if (!m.point_.empty()) {
      fluid_.assign(kWaitBins + 1, 0.0);  // fluid_[b + 1] = uniform+point mass <= edge b
      double p = 0, s = 0, i = 0;
      for (size_t b = 0; b < static_cast<size_t>(kWaitBins); ++b) {
        p += m.point_[b];
        s += m.slope_[b];
        i += m.intercept_[b];
        fluid_[b + 1] = std::clamp(p + edges[b] * s - i, 0.0, mass_);
      }
    }
    if (tabulate) {
      table_.assign(kWaitBins + 1, 0.0);
      table_[0] = zero_;
      for (size_t b = 0; b < static_cast<size_t>(kWaitBins); ++b) {
        table_[b + 1] = zero_ + ExpPart(edges[b]) + (fluid_.empty() ? 0.0 : fluid_[b + 1]);
      }
    }
  }

  double mass() const { return mass_; }
  // A wait above which the CDF is the mass (to ~e^-40).
  double upper() const { return upper_; }

  // F(y), the exponentials evaluated exactly. O(exponential components).
  double Exact(double y) const {
    if (y < 0.0) return 0.0;
    return zero_ + ExpPart(y) + FluidAt(y);
  }

  // F(y) from the table (linear between bin edges, exact at them). O(1). REQUIRES: tabulate.
  double Fast(double y) const {
    if (y < 0.0) return 0.0;
    const size_t b = LogBin(y, kWaitMinExp, kWaitBins);
    const std::vector<double>& edges = WaitEdges();
    const double lo_edge = b == 0 ? 0.0 : edges[b - 1];
    if (y >= edges[b]) return table_[b + 1];  // beyond the last edge
    const double f = (y - lo_edge) / (edges[b] - lo_edge);
    return table_[b] + f * (table_[b + 1] - table_[b]);
  }

 private:
  struct Exp {
    double theta, mass;
  };

  double ExpPart(double y) const {
    double f = 0;
    for (const Exp& e : exps_) f -= e.mass * std::expm1(-e.theta * y);
    return f;
  }

  double FluidAt(double y) const {
    if (fluid_.empty()) return 0.0;
    const size_t b = LogBin(y, kWaitMinExp, kWaitBins);
    const std::vector<double>& edges = WaitEdges();
    const double lo_edge = b == 0 ? 0.0 : edges[b - 1];
    if (y >= edges[b]) return fluid_[b + 1];
    const double f = (y - lo_edge) / (edges[b] - lo_edge);
    return fluid_[b] + f * (fluid_[b + 1] - fluid_[b]);
  }

  double mass_, zero_;
  double upper_ = 0;
  std::vector<Exp> exps_;
  std::vector<double> fluid_;
  std::vector<double> table_;
};

// F(x) of wait + one of `points` (equally likely), unnormalized.
double ConvolvedCdf(const WaitCdf& w, const std::vector<double>& points, double x) {
  double f = 0;
  for (double p : points) {
    if (p > x) break;  // sorted
    f += w.Fast(x - p);
  }
  return f / static_cast<double>(points.size());
}

// The smallest x (to ~1e-7 relative) with ConvolvedCdf(x) >= q x mass. REQUIRES: points sorted,
// non-empty, w.mass() > 0.
double ConvolvedQuantile(const WaitCdf& w, const std::vector<double>& points, double q) {
  const double target = q * w.mass();
  double lo = 0.0, hi = points.back() + w.upper();
  if (ConvolvedCdf(w, points, hi) < target) return hi;
  for (int it = 0; it < 80 && hi - lo > 1e-7 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (ConvolvedCdf(w, points, mid) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

// Block means of the sorted values: `n` points with the same mean.
std::vector<double> BlockMeans(std::vector<double> v, size_t n) {
  std::sort(v.begin(), v.end());
  if (v.size() <= n) return v;
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t b = i * v.size() / n, e = (i + 1) * v.size() / n;
    double s = 0;
    for (size_t j = b; j < e; ++j) s += v[j];
    out[i] = s / static_cast<double>(e - b);
  }
  return out;
}

// The stationary M/G/c number in system as a function of the utilisation rho (Allen-Cunneen
// scaled M/M/c): L(rho) = c rho + k ErlangC(c, c rho) rho / (1 - rho), k = (1 + cs2) / 2;
// increasing from L(0) = 0 to infinity at rho -> 1. Inverted by safeguarded Newton.
class MgcClosure {
 public:
  void Set(uint64_t slots, double k) {
    const auto c = static_cast<uint32_t>(std::min<uint64_t>(slots, kMaxSlots));
    if (c != c_ || k != k_) cached_x_ = -1;
    c_ = c;
    cd_ = static_cast<double>(c_);
    k_ = k;
  }
  double c() const { return cd_; }
  double k() const { return k_; }

  // ErlangC(c, c rho) and its derivative with respect to rho.
  void ErlangCAndSlope(double rho, double* p, double* dp) const {
    const double a = cd_ * rho;
    if (!(a > 0.0)) {
      *p = 0.0;
      *dp = 0.0;
      return;
    }
    const double b = ErlangB(c_, a);
    const double db = b * (cd_ / a - 1.0 + b);  // dB/da
    const double d = cd_ - a + a * b;           // C = c B / d
    const double dd = -1.0 + b + a * db;
    *p = std::min(1.0, cd_ * b / d);
    *dp = cd_ * cd_ * (db * d - b * dd) / (d * d);
  }

  // L(rho) and L'(rho); also ErlangC at rho.
  void Eval(double rho, double* l, double* dl, double* p) const {
    double dp = 0;
    ErlangCAndSlope(rho, p, &dp);
    const double u = 1.0 - rho;
    *l = cd_ * rho + k_ * *p * rho / u;
    *dl = cd_ + k_ * (dp * rho / u + *p / (u * u));
  }

  // The rho with L(rho) = x (x >= 0), from the guess; `p`: ErlangC there, `dl`: L' there.
  double Invert(double x, double guess, double* p, double* dl) const {
    if (!(x > 0.0)) {
      *p = 0.0;
      *dl = cd_;
      return 0.0;
    }
    if (std::abs(x - cached_x_) <= 1e-13 * x) {  // the same x (also after a round trip as work)
      *p = cached_p_;
      *dl = cached_dl_;
      return cached_rho_;
    }
    if (cached_x_ >= 0) {  // a Newton step in y from the last inversion: usually closer
      const double u = 1.0 - cached_rho_;
      const double y = 1.0 / u + (x - cached_x_) / (cached_dl_ * u * u);
      if (y > 1.0 && std::isfinite(y)) guess = 1.0 - 1.0 / y;
    }
    const double rho = Solve(x, guess, p, dl);
    cached_x_ = x;
    cached_rho_ = rho;
    cached_p_ = *p;
    cached_dl_ = *dl;
    return rho;
  }

 private:
  // Newton in y = 1 / (1 - rho), in which L is nearly linear near rho = 1 (L ~ c + k C y),
  // kept in a bracket (bisection, geometric in y, when a step leaves it).
  double Solve(double x, double guess, double* p, double* dl) const {
    double rho = std::clamp(guess, 0.0, 1.0 - 1e-15);
    if (!(rho > 0.0)) rho = x < cd_ ? 0.9 * x / cd_ : 1.0 - k_ / (x - cd_ + 2.0 * k_);
    double y = 1.0 / (1.0 - rho);
    double lo = 1.0, hi = std::numeric_limits<double>::infinity();  // L(lo) <= x < L(hi)
    double l = 0;
    for (int it = 0; it < 200; ++it) {
      rho = 1.0 - 1.0 / y;
      Eval(rho, &l, dl, p);
      const double err = l - x;
      if (std::abs(err) <= 1e-12 * (1.0 + x)) break;
      if (err > 0.0) {
        hi = y;
      } else {
        lo = y;
      }
      const double u = 1.0 - rho;
      double next = y - err / (*dl * u * u);
      if (!(next > lo && next < hi)) next = std::isinf(hi) ? 2.0 * lo : std::sqrt(lo * hi);
      if (next == y || (!std::isinf(hi) && hi - lo <= 1e-15 * hi)) break;
      y = next;
    }
    return rho;
  }

  uint32_t c_ = 1;
  double cd_ = 1.0;
  double k_ = 1.0;
  // The last inversion (one entry: the closure is usually at or near its fixed point).
  mutable double cached_x_ = -1, cached_rho_ = 0, cached_p_ = 0, cached_dl_ = 1;
};

// The requests of one arrival interval still in the FIFO backlog: positions [front, total) of
// the `total` requests that arrived uniformly over [arrive0, arrive1), each with `service_s` of
// reference work on average. A `carried` chunk was counted already (served, waits), so serving
// it only takes capacity: the closure's queue moved into the FIFO when the backlog regime
// starts, or (`idle`) the closure's reflection, idle slots rather than requests.
struct Chunk {
  double remaining = 0;
  double front = 0;
  double total = 0;
  double arrive0 = 0, arrive1 = 0;  // seconds
  double service_s = 0;
  bool carried = false;
  bool idle = false;  // carried, and stands for idle capacity (the reflection): no service
  size_t month = 0;
  double revenue = 0, input_tokens = 0, output_tokens = 0;  // per request

  double ArrivalAt(double pos) const {
    return total > 0 ? arrive0 + (arrive1 - arrive0) * (pos / total) : arrive0;
  }
};

struct MonthAcc {
  double arrived = 0, served = 0, dropped = 0, killed = 0;
  double revenue = 0, input_tokens = 0, output_tokens = 0;
  WaitMixture waits;
};

struct Replica {
  bool active = false;
  double speed = 0;
};

class FluidEngine final : public ServiceEngine {
 public:
  FluidEngine(const ServiceSpec& service, std::unique_ptr<LoadProcess> load,
              std::vector<MonthSpan> months)
      : service_(service),
        load_(std::move(load)),
        months_(std::move(months)),
        step_(service.fluid_step > 0 ? service.fluid_step : kMinute),
        max_wait_s_(TimeToSeconds(service.max_wait)),
        acc_(months_.size() + 1) {
    trace_ = std::isnan(load_->ForecastRate(0, step_));
    if (trace_) {
      trace_parts_ = std::max<SimTime>(
          1, static_cast<SimTime>(std::ceil(TimeToSeconds(step_) / kSubstepS - 1e-9)));
    }
    RefreshCs2();
  }

  absl::Status AdvanceTo(SimTime t) override {
    if (finished_) return absl::FailedPreconditionError("fluid engine: AdvanceTo after Finish");
    if (t < now_) {
      return absl::InvalidArgumentError(
          absl::StrCat("fluid engine: AdvanceTo(", t, ") before now (", now_, ")"));
    }
    while (now_ < t) {
      SimTime next = std::min(t, (now_ / step_ + 1) * step_);
      if (trace_parts_ > 1) {  // a trace is read at the closure's sub-steps within the step
        const SimTime base = now_ / step_ * step_;
        const SimTime j = (now_ - base) * trace_parts_ / step_ + 1;
        next = std::min(next, base + j * step_ / trace_parts_);
      }
      next = std::min(next, NextMonthBoundary(now_));
      absl::Status st = ServeInterval(now_, next);
      if (!st.ok()) return st;
      now_ = next;
    }
    return absl::OkStatus();
  }

  void AddReplica(uint32_t r, double speed) override {
    if (r >= replicas_.size()) replicas_.resize(static_cast<size_t>(r) + 1);
    Replica& rep = replicas_[r];
    if (rep.active || !(speed > 0.0)) return;
    rep.active = true;
    rep.speed = speed;
    slots_ += service_.concurrency;
    speed_slots_ += speed * service_.concurrency;
  }

  SimTime DrainReplica(uint32_t r) override {
    RemoveReplica(r);
    return now_;
  }

  void KillReplica(uint32_t r) override {
    if (r >= replicas_.size() || !replicas_[r].active || slots_ == 0) return;
    const double share = static_cast<double>(service_.concurrency) / static_cast<double>(slots_);
    double lost = std::round(std::min(in_service_, static_cast<double>(slots_)) * share);
    MonthAcc& m = acc_[MonthIndex(now_ > 0 ? now_ - 1 : 0)];
    lost = std::min(lost, m.served);
    if (lost > 0) {
      const double per = m.served > 0 ? 1.0 / m.served : 0.0;
      // Their revenue and tokens: the month's means.
      m.revenue -= lost * m.revenue * per;
      m.input_tokens -= lost * m.input_tokens * per;
      m.output_tokens -= lost * m.output_tokens * per;
      m.killed += lost;
      m.served -= lost;
      m.dropped += lost;
      window_.dropped += lost;
      in_service_ -= lost;
      carry_work_s_ = std::max(0.0, carry_work_s_ - lost * last_service_s_);
    }
    RemoveReplica(r);
  }

  ServiceWindow Observe() override {
    ServiceWindow w = window_;
    w.length = now_ - window_start_;
    w.busy_slot_s = std::clamp(w.busy_slot_s, 0.0, w.available_slot_s);
    w.waiting = Backlog() + closure_queue_;
    w.outstanding = w.waiting + in_service_;
    window_ = ServiceWindow{};
    window_start_ = now_;
    return w;
  }

  absl::StatusOr<ServiceTotals> Finish(SimTime horizon) override {
    absl::Status st = AdvanceTo(horizon);
    if (!st.ok()) return st;
    finished_ = true;
    DrainBacklog();
    ServiceTotals out;
    for (const Chunk& c : backlog_) {
      if (!c.carried) out.unfinished += c.remaining;
    }
    backlog_.clear();
    backlog_total_ = 0;

    // The service-time distribution, final (a trace's reservoir covers what was read).
    std::vector<RequestWork> sample = load_->WorkSample(kWorkSampleDraws);
    if (!sample.empty()) cs2_ = Cs2(sample);
    const double speed = slot_s_ > 0 ? speed_slot_s_ / slot_s_ : 1.0;
    std::vector<double> service, prefill;
    service.reserve(sample.size());
    prefill.reserve(sample.size());
    for (const RequestWork& w : sample) {
      service.push_back(w.service_s / speed);
      prefill.push_back(w.prefill_s / speed);
    }
    if (service.empty()) {
      service.push_back(load_->MeanServiceS() / speed);
      prefill.push_back(0.0);
    }
    service = BlockMeans(std::move(service), kServicePoints);
    prefill = BlockMeans(std::move(prefill), kServicePoints);
    const std::vector<double>& slo_points = service_.slo_on_ttft ? prefill : service;
    const std::vector<double> no_service = {0.0};

    WaitMixture all;
    for (size_t i = 0; i < acc_.size(); ++i) {
      MonthAcc& m = acc_[i];
      if (m.killed > 0 && m.waits.mass() > 0) {
        m.waits.Scale(std::max(0.0, 1.0 - m.killed / m.waits.mass()));
      }
      double slo_met = 0;
      if (service_.slo_latency_s > 0 && m.waits.mass() > 0) {
        const WaitCdf cdf(m.waits, cs2_, /*tabulate=*/false);
        double f = 0;
        for (double p : slo_points) f += cdf.Exact(service_.slo_latency_s - p);
        f /= static_cast<double>(slo_points.size());
        slo_met = m.served * std::clamp(f / cdf.mass(), 0.0, 1.0);
      }
      all.Merge(m.waits);
      out.arrived += m.arrived;
      out.served += m.served;
      out.dropped += m.dropped;
      out.slo_met += slo_met;
      out.revenue_usd += m.revenue;
      if (i < months_.size()) {
        out.months.push_back(ServiceMonth{m.arrived, m.served, m.dropped, slo_met, m.revenue,
                                          m.input_tokens, m.output_tokens});
      }
    }
    if (all.mass() > 0 && out.served > 0) {
      const WaitCdf cdf(all, cs2_, /*tabulate=*/true);
      out.mean_wait_s = all.WaitSum(cs2_) / all.mass();
      out.mean_latency_s = out.mean_wait_s + busy_slot_s_ / served_total_;
      out.p50_latency_s = ConvolvedQuantile(cdf, service, 0.50);
      out.p95_latency_s = ConvolvedQuantile(cdf, service, 0.95);
      out.p99_latency_s = ConvolvedQuantile(cdf, service, 0.99);
      // The largest of `served` draws is about the (1 - 1/served)-quantile; never below p99
      // (fewer than 100 served), so the percentiles stay ordered.
      out.max_latency_s =
          ConvolvedQuantile(cdf, service, std::max(0.99, 1.0 - 1.0 / out.served));
      out.p99_wait_s = ConvolvedQuantile(cdf, no_service, 0.99);
      out.p50_ttft_s = ConvolvedQuantile(cdf, prefill, 0.50);
      out.p99_ttft_s = ConvolvedQuantile(cdf, prefill, 0.99);
    }
    return out;
  }

 private:
  size_t MonthIndex(SimTime t) {
    // Intervals only move forward; the cursor finds the month of t in amortized O(1).
    while (month_cursor_ < months_.size() && months_[month_cursor_].end <= t) ++month_cursor_;
    if (month_cursor_ < months_.size() && months_[month_cursor_].begin <= t) return month_cursor_;
    return months_.size();  // outside every month
  }

  SimTime NextMonthBoundary(SimTime t) {
    MonthIndex(t);
    if (month_cursor_ >= months_.size()) return kTimeInfinity;
    const MonthSpan& m = months_[month_cursor_];
    return m.begin > t ? m.begin : m.end;
  }

  // Requests in the backlog (kept as a running total: Observe is called every minute).
  double Backlog() const { return backlog_.empty() ? 0.0 : std::max(0.0, backlog_total_); }

  // Takes `x` requests off the front chunk's head.
  void TakeFront(Chunk& c, double x) {
    c.front += x;
    c.remaining -= x;
    backlog_total_ -= x;
  }

  void RemoveReplica(uint32_t r) {
    if (r >= replicas_.size() || !replicas_[r].active) return;
    Replica& rep = replicas_[r];
    rep.active = false;
    slots_ -= service_.concurrency;
    speed_slots_ = slots_ == 0 ? 0.0 : speed_slots_ - rep.speed * service_.concurrency;
    in_service_ = std::min(in_service_, static_cast<double>(slots_));
  }

  static double Cs2(const std::vector<RequestWork>& sample) {
    double s = 0, s2 = 0;
    for (const RequestWork& w : sample) {
      s += w.service_s;
      s2 += w.service_s * w.service_s;
    }
    const double n = static_cast<double>(sample.size());
    const double mean = s / n;
    if (!(mean > 0)) return 1.0;
    return std::max(0.0, s2 / n / (mean * mean) - 1.0);
  }

  void RefreshCs2() {
    std::vector<RequestWork> sample = load_->WorkSample(kWorkSampleDraws);
    if (!sample.empty()) cs2_ = Cs2(sample);
  }

  // Counts `x` served requests of the month `m` (their revenue and tokens per request as in
  // `c`), each taking `busy_per_request` slot-seconds.
  void CountServedAt(MonthAcc& m, const Chunk& c, double x, double busy_per_request) {
    m.served += x;
    m.revenue += x * c.revenue;
    m.input_tokens += x * c.input_tokens;
    m.output_tokens += x * c.output_tokens;
    served_total_ += x;
    busy_slot_s_ += x * busy_per_request;
  }

  // Records `x` requests of chunk `c` leaving the FIFO with waits from w0 to w1 (linear in
  // between): they start service now.
  void CountServed(const Chunk& c, double x, double w0, double w1, double busy_per_request) {
    MonthAcc& m = acc_[c.month];
    m.waits.AddUniform(x, w0, w1);
    CountServedAt(m, c, x, busy_per_request);
    window_.busy_slot_s += x * busy_per_request;
  }

  void CountDropped(const Chunk& c, double x) {
    acc_[c.month].dropped += x;
    window_.dropped += x;
  }

  // The fluid FIFO queue over [tau, t_end) seconds: every slot busy, the head chunk served at
  // rate = (sum of slot speeds) / (its mean work) requests per second. The head of the queue
  // is tracked by its arrival time p: while serving freely p moves at rate / density (the
  // chunk's arrivals per second), and the head waits tau - p. With max_wait, requests reaching
  // the age max_wait leave: when the head would pass that age it stays on the line
  // p = tau - max_wait, serving `rate` per second (waits exactly max_wait) and dropping the rest
  // of the chunk's density. `open`: the last chunk is still arriving (up to tau); if the head
  // catches up with the arrivals the queue is empty and the time is returned (its remaining
  // arrivals join the closure); else infinity.
  double ServeQueue(double tau, double t_end, bool open) {
    while (!backlog_.empty() && tau < t_end) {
      Chunk& c = backlog_.front();
      if (c.remaining <= kDust) {
        backlog_total_ -= c.remaining;
        backlog_.pop_front();
        if (backlog_.empty()) backlog_total_ = 0;  // no drift
        continue;
      }
      const double rate =
          speed_slots_ > 0 && c.service_s > 0 ? speed_slots_ / c.service_s : 0.0;
      const double busy_per_request = rate > 0 ? static_cast<double>(slots_) / rate : 0.0;
      if (c.carried) {  // counted already: takes capacity only, never ages out
        if (!(rate > 0)) return std::numeric_limits<double>::infinity();
        const double done = tau + c.remaining / rate;
        const double t_next = std::min(t_end, done);
        const double x =
            t_next >= done ? c.remaining : std::min(c.remaining, rate * (t_next - tau));
        if (!c.idle) window_.busy_slot_s += x * busy_per_request;
        TakeFront(c, x);
        tau = t_next;
        continue;
      }
      const bool arriving = open && backlog_.size() == 1;
      const double density = c.total / (c.arrive1 - c.arrive0);
      const double tol = 1e-9 * std::max(1.0, std::abs(tau));
      const double p = c.ArrivalAt(c.front);
      if (max_wait_s_ > 0 && p < tau - max_wait_s_ - tol) {  // aged out while no one served
        const double cut = (tau - max_wait_s_ - c.arrive0) * density;
        const double x = std::clamp(cut - c.front, 0.0, c.remaining);
        CountDropped(c, x);
        TakeFront(c, x);
        continue;
      }
      const double v = rate / density;  // head speed in arrival time per second
      if (max_wait_s_ > 0 && v < 1 && p <= tau - max_wait_s_ + tol) {
        // On the max_wait line until the chunk's last arrival ages out (or t_end).
        const double chunk_end = tau + c.remaining / density;  // its last arrival ages out
        const double until = std::min(t_end, chunk_end);
        const double consumed =
            until >= chunk_end ? c.remaining : std::min(c.remaining, density * (until - tau));
        const double served = consumed * v;
        if (served > 0) CountServed(c, served, max_wait_s_, max_wait_s_, busy_per_request);
        CountDropped(c, consumed - served);
        TakeFront(c, consumed);
        tau = until;
        continue;
      }
      // Positions, not arrival times, decide when the chunk is done (no rounding stalls).
      const double done = rate > 0 ? tau + c.remaining / rate
                                   : std::numeric_limits<double>::infinity();
      double t_next = std::min(t_end, done);
      if (max_wait_s_ > 0 && v < 1) {
        t_next = std::min(t_next, tau + (p - (tau - max_wait_s_)) / (1 - v));  // reaches line
      }
      double caught = std::numeric_limits<double>::infinity();
      if (arriving && v > 1) {
        caught = tau + (tau - p) / (v - 1);  // the head reaches the newest arrival
        t_next = std::min(t_next, caught);
      }
      const double x =
          t_next >= done ? c.remaining : std::min(c.remaining, rate * (t_next - tau));
      if (x > 0) {
        CountServed(c, x, tau - p, t_next - c.ArrivalAt(c.front + x), busy_per_request);
      }
      TakeFront(c, x);
      tau = t_next;
      if (tau >= caught) return tau;
    }
    return std::numeric_limits<double>::infinity();
  }

  absl::Status ServeInterval(SimTime t0, SimTime t1) {
    LoadTotals tot;
    absl::Status st = load_->Totals(t0, t1, &tot);
    if (!st.ok()) return st;
    const double dt = TimeToSeconds(t1 - t0);
    const double ts0 = TimeToSeconds(t0), ts1 = TimeToSeconds(t1);
    const double arrivals = std::max(0.0, tot.requests);
    const double mean_service =
        arrivals > kDust ? tot.service_s / arrivals : load_->MeanServiceS();
    const size_t month = MonthIndex(t0);
    MonthAcc& acc = acc_[month];
    acc.arrived += arrivals;
    window_.arrivals += arrivals;
    window_.ref_work_s += tot.service_s;
    window_.available_slot_s += static_cast<double>(slots_) * dt;
    slot_s_ += static_cast<double>(slots_) * dt;
    speed_slot_s_ += speed_slots_ * dt;
    if (trace_ && t1 / kDay != t0 / kDay) RefreshCs2();

    const double rate = speed_slots_ > 0 && mean_service > 0 ? speed_slots_ / mean_service : 0;
    const double busy_per_request = rate > 0 ? static_cast<double>(slots_) / rate : 0;
    const double lambda = arrivals / dt;
    Chunk arriving;
    arriving.remaining = arriving.total = arrivals;
    arriving.arrive0 = ts0;
    arriving.arrive1 = ts1;
    arriving.service_s = mean_service;
    arriving.month = month;
    if (arrivals > kDust) {
      arriving.input_tokens = tot.input_tokens / arrivals;
      arriving.output_tokens = tot.output_tokens / arrivals;
      arriving.revenue = RequestRevenue(
          service_, RequestWork{0.0, 0.0, arriving.input_tokens, arriving.output_tokens});
    } else {
      arriving.revenue = service_.usd_per_request;
    }

    // The closure's requests in requests of this interval's mean work (their work is kept).
    x_ = mean_service > 0 ? carry_work_s_ / mean_service : 0.0;
    if (rate > 0) closure_.Set(slots_, 0.5 * (1.0 + cs2_));
    if (rate > 0 && backlog_.empty() && lambda <= rate) {
      RunClosure(ts0, ts1, lambda, rate, busy_per_request, arriving, acc);
    } else {
      if (rate > 0) ReflectIntoBacklog(lambda, rate, mean_service, dt, ts0);
      x_ = rate > 0 ? closure_.c() : 0.0;
      in_service_ = x_;
      closure_queue_ = 0;
      const bool open = arrivals > kDust;
      if (open) {
        backlog_.push_back(arriving);
        backlog_total_ += arrivals;
      }
      const double caught = ServeQueue(ts0, ts1, open);
      if (caught < ts1) {  // the queue emptied: the rest arrives into the closure
        const double rest = backlog_.empty() ? 0.0 : backlog_.front().remaining;
        backlog_.clear();
        backlog_total_ = 0;
        rho_ = 1.0;  // all slots busy: the Newton guess
        RunClosure(caught, ts1, rest / (ts1 - caught), rate, busy_per_request, arriving, acc);
      }
    }
    carry_work_s_ = x_ * mean_service;
    last_service_s_ = mean_service;
    return absl::OkStatus();
  }

  // The pointwise stationary fluid flow approximation over [from, to) seconds at arrival rate
  // `lambda` and capacity `rate` (requests per second, all slots busy): x' = lambda (1 - q) -
  // rate rho(x), q the share dropped by max_wait. Sub-steps of at most kSubstepS, exponential
  // Euler on the linearisation (exact for a linear right-hand side, stable for any step),
  // halved while L' changes by more than kMaxSlopeChange over one. A sub-step's arrivals see the
  // stationary M/G/c at rho of its mean x: wait > 0 with probability ErlangC, then
  // Exp(2 rate (1 - rho) / (1 + cs2)).
  void RunClosure(double from, double to, double lambda, double rate, double busy_per_request,
                  const Chunk& arriving, MonthAcc& acc) {
    const double c = closure_.c();
    const double k = closure_.k();
    rho_ = closure_.Invert(x_, rho_, &p_, &dl_);
    const double span = to - from;
    const int parts = std::max(1, static_cast<int>(std::ceil(span / kSubstepS - 1e-9)));
    const double h_max = span / parts;
    double t = 0, h_next = h_max;
    while (t < span) {
      const double x0 = x_, rho0 = rho_, p0 = p_, dl0 = dl_;
      double q = 0;
      if (max_wait_s_ > 0 && p0 > 0) q = p0 * std::exp(-rate * (1.0 - rho0) / k * max_wait_s_);
      const double f = lambda * (1.0 - q) - rate * rho0;
      const double a = rate / dl0;  // -df/dx
      double h = std::min(h_next, span - t);
      if (span - t - h < 1e-9 * span) h = span - t;
      double phi = 0, x1 = 0, rho1 = 0, p1 = 0, dl1 = 0;
      for (;;) {
        const double ah = a * h;
        phi = ah < 1e-9 ? h : -std::expm1(-ah) / a;
        x1 = std::max(0.0, x0 + f * phi);
        if (std::abs(x1 - x0) <= 1e-10 * (1.0 + x0)) {  // at the fixed point
          x1 = x0;
          rho1 = rho0;
          p1 = p0;
          dl1 = dl0;
          break;
        }
        rho1 = closure_.Invert(x1, rho0, &p1, &dl1);
        if (std::abs(dl1 - dl0) <= kMaxSlopeChange * dl0 || h <= kMinSubstepS) break;
        h *= 0.5;
      }
      t += h;
      h_next = std::min(h_max, 2.0 * h);
      x_ = x1;
      rho_ = rho1;
      p_ = p1;
      dl_ = dl1;
      const double m = lambda * h;
      const double dropped = m * q;
      // Service starts: completions plus the change of the requests in service (telescoping:
      // after the backlog regime, whose c busy slots the closure sees as c rho(c) plus a queue,
      // the first sub-steps may start fewer than none).
      const double in_service = c * rho1;
      window_.busy_slot_s +=
          (x0 + (m - dropped) - x1 + in_service - in_service_) * busy_per_request;
      in_service_ = in_service;
      const double served = m - dropped;
      if (served > 0) {
        // The mean of x over the sub-step (of the linearised solution); rho there by
        // interpolation.
        const double ah = a * h;
        const double x_mean = ah < 1e-9 ? x0 + 0.5 * f * h : x0 + f / a * (1.0 - phi / h);
        const double rho_bar =
            std::abs(x1 - x0) > 1e-12 * (1.0 + x0)
                ? rho0 + (rho1 - rho0) * std::clamp((x_mean - x0) / (x1 - x0), 0.0, 1.0)
                : rho1;
        double p_bar = p1, dp = 0;
        if (rho_bar != rho1) closure_.ErlangCAndSlope(rho_bar, &p_bar, &dp);
        const double pw = q < 1 ? std::clamp((p_bar - q) / (1.0 - q), 0.0, 1.0) : 0.0;
        acc.waits.AddZero(served * (1.0 - pw));
        if (pw > 0) acc.waits.AddExponential(served * pw, rate * (1.0 - rho_bar));
        CountServedAt(acc, arriving, served, busy_per_request);
      }
      acc.dropped += dropped;
      window_.dropped += dropped;
    }
    closure_queue_ = std::max(0.0, x_ - in_service_);
  }

  // The backlog regime (rate > 0), before the interval's arrivals join the FIFO (the fluid,
  // lambda - rate, served in order): when it starts, the closure's queue beyond the slots joins
  // first; then the PSFFA runs on the whole system alongside, z' = lambda - rate +
  // rate (1 - rho(z)) w(z), from z = the closure's x when the regime starts, else z = c + the
  // backlog, and its excess over the fluid at the end of the interval (the reflection) joins as
  // idle capacity (the file's header).
  void ReflectIntoBacklog(double lambda, double rate, double mean_service, double dt,
                          double now_s) {
    const double c = closure_.c();
    const double backlog = Backlog();
    if (backlog_.empty()) {  // the regime starts: the closure's queue beyond the slots first
      z_ = x_;
      z_rho_ = rho_;
      AddCarried(x_ - c, now_s, mean_service, /*idle=*/false);
    } else {
      z_ = c + backlog;
    }
    if (ReflectionWeight(z_, lambda, rate, dt) < 1e-12 && lambda >= rate) return;  // none
    const double fluid_end = std::max(0.0, Backlog() + (lambda - rate) * dt);
    AdvanceVirtual(lambda, rate, dt);
    AddCarried(z_ - c - fluid_end, now_s, mean_service, /*idle=*/true);
  }

  // Adds `n` counted requests (the closure's queue) at the tail of the FIFO.
  void AddCarried(double n, double at, double service_s, bool idle) {
    if (!(n > kDust)) return;
    if (!backlog_.empty() && backlog_.back().carried && backlog_.back().idle == idle) {
      backlog_.back().remaining += n;
      backlog_.back().total += n;
    } else {
      Chunk carried;
      carried.remaining = carried.total = n;
      carried.arrive0 = carried.arrive1 = at;
      carried.service_s = service_s;
      carried.carried = true;
      carried.idle = idle;
      backlog_.push_back(carried);
    }
    backlog_total_ += n;
  }

  // The reflection's weight at the virtual closure's queue q = z - c: in overload the
  // probability that a Brownian queue with drift lambda - rate and variance 2 k rate per second
  // ever returns to empty from q; for a trace also exp(-q^2 / (4 k rate dt)), as the noise of
  // the sub-step (variance 2 k rate dt) is all that its realised totals leave out.
  double ReflectionWeight(double z, double lambda, double rate, double dt) const {
    const double q = std::max(0.0, z - closure_.c());
    const double kr = closure_.k() * rate;
    double e = lambda > rate ? (lambda - rate) * q / kr : 0.0;
    if (trace_) e += q * q / (4.0 * kr * dt);
    return std::exp(-e);
  }

  // The virtual closure z_ over `span` = dt seconds: z' = lambda - rate + rate (1 - rho(z)) w(z)
  // (no counts), with RunClosure's sub-steps (also halved while w changes by more than 0.1).
  void AdvanceVirtual(double lambda, double rate, double span) {
    double p = 0, dl = 1;
    z_rho_ = closure_.Invert(z_, z_rho_, &p, &dl);
    double w = ReflectionWeight(z_, lambda, rate, span);
    const int parts = std::max(1, static_cast<int>(std::ceil(span / kSubstepS - 1e-9)));
    const double h_max = span / parts;
    double t = 0, h_next = h_max;
    while (t < span) {
      if (w < 1e-12 && lambda >= rate) {  // no reflection from here on: the fluid
        z_ += (lambda - rate) * (span - t);
        return;
      }
      const double f = lambda - rate + rate * (1.0 - z_rho_) * w;
      const double a = w * rate / dl;
      double h = std::min(h_next, span - t);
      if (span - t - h < 1e-9 * span) h = span - t;
      double z1 = 0, rho1 = 0, p1 = 0, dl1 = 0, w1 = 0;
      for (;;) {
        const double ah = a * h;
        const double phi = ah < 1e-9 ? h : -std::expm1(-ah) / a;
        z1 = std::max(0.0, z_ + f * phi);
        rho1 = closure_.Invert(z1, z_rho_, &p1, &dl1);
        w1 = ReflectionWeight(z1, lambda, rate, span);
        if ((std::abs(dl1 - dl) <= kMaxSlopeChange * dl && std::abs(w1 - w) <= 0.1) ||
            h <= kMinSubstepS) {
          break;
        }
        h *= 0.5;
      }
      t += h;
      h_next = std::min(h_max, 2.0 * h);
      z_ = z1;
      z_rho_ = rho1;
      dl = dl1;
      w = w1;
    }
  }

  // After the horizon: the backlog at the last capacity, no arrivals.
  void DrainBacklog() {
    if (speed_slots_ <= 0) return;
    ServeQueue(TimeToSeconds(now_), std::numeric_limits<double>::infinity(), /*open=*/false);
  }

  const ServiceSpec service_;
  std::unique_ptr<LoadProcess> load_;
  const std::vector<MonthSpan> months_;
  const Duration step_;
  const double max_wait_s_;
  bool trace_ = false;
  SimTime trace_parts_ = 1;  // a trace's step is read in this many parts
  bool finished_ = false;

  SimTime now_ = 0;
  size_t month_cursor_ = 0;
  std::vector<Replica> replicas_;
  uint64_t slots_ = 0;
  double speed_slots_ = 0;  // sum of concurrency x speed over ready replicas
  double cs2_ = 1.0;

  std::deque<Chunk> backlog_;  // FIFO by arrival interval
  double backlog_total_ = 0;
  std::vector<MonthAcc> acc_;  // per month, then one for arrivals outside every month
  double served_total_ = 0;
  double busy_slot_s_ = 0;     // served work at speed, slot-seconds
  double slot_s_ = 0, speed_slot_s_ = 0;  // for the mean speed

  // The closure (PSFFA): x_ requests in service or waiting outside the FIFO, rho_ = rho(x_),
  // p_ = ErlangC there, dl_ = L'(rho_); carried between intervals as work.
  MgcClosure closure_;
  double x_ = 0, rho_ = 0, p_ = 0, dl_ = 1;
  // In the backlog regime: the virtual closure whose queue growth is carried into the FIFO.
  double z_ = 0, z_rho_ = 0;
  double carry_work_s_ = 0;
  double last_service_s_ = 0;
  double in_service_ = 0;     // requests in service now
  double closure_queue_ = 0;  // the closure's waiting requests now

  ServiceWindow window_;
  SimTime window_start_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeFluidEngine(const ServiceSpec& service,
                                                               std::unique_ptr<LoadProcess> load,
                                                               std::vector<MonthSpan> months) {
  if (load == nullptr) return absl::InvalidArgumentError("fluid engine: no load");
  if (service.fluid_step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service '", service.name, "': fluid_step must be positive"));
  }
  return std::unique_ptr<ServiceEngine>(
      new FluidEngine(service, std::move(load), std::move(months)));
}

}  // namespace burnrate
