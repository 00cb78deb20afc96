// The fluid engine: a service's requests as a fluid against its capacity, one time step at a time,
// with a queueing-theory model of the latency distribution. For months of traffic in well under a
// second (bench/fluid_bench.cc).
//
// Time. Steps of service.fluid_step (default 60 s) aligned to multiples of the step from time 0,
// also cut at calendar-month boundaries; a call at a time inside a step (AddReplica,
// DrainReplica, KillReplica, Observe after AdvanceTo) splits the step there. Within an interval
// [t0, t1) of dt seconds everything is constant:
//   A requests arrive uniformly (LoadProcess::Totals), with reference work W; mean service
//     s = W / A (LoadProcess::MeanServiceS() when A = 0);
//   the ready replicas give c slots (sum of concurrency) serving at a capacity rate
//     R = sum_i(concurrency x speed_i) / s requests per second (each slot at speed_i / s);
//   lambda = A / dt; B requests wait in the backlog (FIFO, carried between intervals).
//
// Regimes. The backlog is a fluid FIFO queue served at rate R whenever it is not empty.
//   Stochastic regime (B = 0 and lambda < R): the requests see a stationary M/G/c queue with
//     a = lambda / (R / c): P(wait > 0) = ErlangC(c, a), P(wait > t) = ErlangC e^{-theta t},
//     theta = 2 (R - lambda) / (1 + cs2) (Allen-Cunneen's M/G/c mean wait, with the tail of the
//     exact M/M/c shape: exact for exponential service, cs2 = 1), cs2 the squared coefficient
//     of variation of the service times (from LoadProcess::WorkSample).
//   Fluid regime (B > 0, or lambda >= R): the interval's arrivals join behind the backlog (kept
//     by arrival interval, arrivals uniform within it); the head of the queue leaves at rate R,
//     so its arrival time p moves at R / density and it has waited (now - p). If lambda < R the
//     head catches up with the arrivals at tc = t0 + B / (R - lambda) (without drops) and the
//     arrivals after tc are in the stochastic regime. The waits of the requests served over a
//     stretch of one arrival interval are linear in their order: a uniform distribution.
//   max_wait > 0 (reneging, exact for the fluid): a request still waiting max_wait after its
//     arrival leaves; while the head would be older than that it stays at age max_wait, the
//     served requests wait exactly max_wait and the rest of its interval's arrivals is dropped
//     as it ages out (in steady overload the queue holds lambda x max_wait requests and
//     lambda - R per second are dropped). In the stochastic regime the share
//     ErlangC e^{-theta max_wait} is dropped at once (their wait distribution is not truncated).
//   No capacity (R = 0): the arrivals wait in the backlog (and age out with max_wait).
//
// Counts. Every request is counted in the calendar month of its arrival: arrived; served when
// it leaves the queue (the stochastic regime serves its arrivals in their interval); dropped
// (max_wait, or killed replicas); unfinished (ServiceTotals only: still in the backlog at
// Finish with no replica left). arrived = served + dropped + unfinished after Finish; before
// it, arrived = served + dropped + backlog. Revenue and tokens of a served request: the means of
// its arrival interval (RequestRevenue of the interval's mean tokens).
//
// Latency = wait + service; service = the work sample's service_s / mean replica speed (the
// speed averaged over slot-seconds of capacity); TTFT = wait + prefill_s / mean speed. The wait
// distribution of all served requests is a mixture of an atom at 0, exponentials (one per
// stochastic interval, binned by log(R - lambda), 32 bins per octave, with the bin's
// mean-preserving rate) and uniform pieces (piecewise-linear CDF kept exactly at the edges of
// log-spaced bins, 32 per octave, from 2^-20 s). Latency quantiles invert the mixture CDF
// convolved with 1,024 service-time points (block means of 16,384 sorted draws of
// WorkSample) by bisection; the mean latency is exact (mean wait + served work at speed /
// served). SLO attainment per month: the month's own mixture at slo_latency_s. The maximum
// latency is the (1 - 1/served) quantile. Killed requests are removed from the counts, and
// from the latency distribution proportionally.
//
// Observe: arrivals, reference work, available slot-seconds (slots x time), busy slot-seconds
// (served requests x s / speed), dropped; waiting = backlog, or in the stochastic regime the
// M/G/c mean queue lambda E[wait]; outstanding = waiting + requests in service (busy slots of
// the last interval, Little's law).
//
// Replicas. AddReplica adds capacity now; DrainReplica removes it at once and returns now (the
// backlog is carried by the rest); KillReplica removes it and drops its share of the requests
// in service (in service x its share of the slots, rounded). Finish(horizon): no arrivals after
// the horizon; the backlog is served by the replicas left (the last capacity, no arrivals, the
// same FIFO rule); with none, it is unfinished.
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

// The requests of one arrival interval still in the backlog: positions [front, total) of the
// `total` requests that arrived uniformly over [arrive0, arrive1).
struct Chunk {
  double remaining = 0;
  double front = 0;
  double total = 0;
  double arrive0 = 0, arrive1 = 0;  // seconds
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
    const double in_service = std::min(last_busy_slots_, static_cast<double>(slots_));
    double lost = std::round(in_service * share);
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
    }
    RemoveReplica(r);
  }

  ServiceWindow Observe() override {
    ServiceWindow w = window_;
    w.length = now_ - window_start_;
    const double backlog = Backlog();
    w.waiting = backlog > kDust ? backlog : last_queue_mean_;
    w.outstanding = w.waiting + std::min(last_busy_slots_, static_cast<double>(slots_));
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
    for (const Chunk& c : backlog_) out.unfinished += c.remaining;
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
      out.max_latency_s =
          ConvolvedQuantile(cdf, service, std::max(0.5, 1.0 - 1.0 / out.served));
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
    last_busy_slots_ = std::min(last_busy_slots_, static_cast<double>(slots_));
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

  // Records `x` requests of chunk `c` served with waits from w0 to w1 (linear in between).
  void CountServed(const Chunk& c, double x, double w0, double w1, double busy_per_request) {
    MonthAcc& m = acc_[c.month];
    m.waits.AddUniform(x, w0, w1);
    m.served += x;
    m.revenue += x * c.revenue;
    m.input_tokens += x * c.input_tokens;
    m.output_tokens += x * c.output_tokens;
    served_total_ += x;
    busy_slot_s_ += x * busy_per_request;
    window_.busy_slot_s += x * busy_per_request;
  }

  void CountDropped(const Chunk& c, double x) {
    acc_[c.month].dropped += x;
    window_.dropped += x;
  }

  // The fluid FIFO queue over [tau, t_end) seconds at `rate` requests per second (the backlog
  // is not empty or does not stay empty). The head of the queue is tracked by its arrival time
  // p: while serving freely p moves at rate / density (the chunk's arrivals per second), and the
  // head waits tau - p. With max_wait, requests reaching the age max_wait leave: when the head
  // would pass that age it stays on the line p = tau - max_wait, serving `rate` per second
  // (waits exactly max_wait) and dropping the rest of the chunk's density. `open`: the last chunk
  // is still arriving (up to tau); if the head catches up with the arrivals the queue is empty
  // and the time is returned (its remaining arrivals see an empty queue); else infinity.
  double ServeQueue(double tau, double t_end, double rate, double busy_per_request, bool open) {
    while (!backlog_.empty() && tau < t_end) {
      Chunk& c = backlog_.front();
      if (c.remaining <= kDust) {
        backlog_total_ -= c.remaining;
        backlog_.pop_front();
        if (backlog_.empty()) backlog_total_ = 0;  // no drift
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
    arriving.month = month;
    if (arrivals > kDust) {
      arriving.input_tokens = tot.input_tokens / arrivals;
      arriving.output_tokens = tot.output_tokens / arrivals;
      arriving.revenue = RequestRevenue(
          service_, RequestWork{0.0, 0.0, arriving.input_tokens, arriving.output_tokens});
    } else {
      arriving.revenue = service_.usd_per_request;
    }
    const double busy_before = window_.busy_slot_s;

    double stochastic = 0;  // arrivals into an empty queue with spare capacity
    last_queue_mean_ = 0;
    if (rate > 0 && backlog_.empty() && lambda < rate) {
      stochastic = arrivals;
    } else {
      const bool open = arrivals > kDust;
      if (open) {
        backlog_.push_back(arriving);
        backlog_total_ += arrivals;
      }
      const double caught = ServeQueue(ts0, ts1, rate, busy_per_request, open);
      if (caught < ts1) {  // the queue emptied: the rest arrives into the stochastic regime
        stochastic = backlog_.empty() ? 0.0 : backlog_.front().remaining;
        backlog_.clear();
        backlog_total_ = 0;
      }
    }
    if (stochastic > kDust) {
      const double a = lambda * static_cast<double>(slots_) / rate;
      const double p_wait =
          ErlangC(static_cast<uint32_t>(std::min<uint64_t>(slots_, kMaxSlots)), a);
      const double surplus = rate - lambda;
      const double theta = 2.0 * surplus / (1.0 + cs2_);
      double dropped = 0;
      if (max_wait_s_ > 0) dropped = stochastic * p_wait * std::exp(-theta * max_wait_s_);
      const double served = stochastic - dropped;
      const double waiting = served * p_wait;
      acc.waits.AddZero(served - waiting);
      if (waiting > 0) acc.waits.AddExponential(waiting, surplus);
      acc.served += served;
      acc.dropped += dropped;
      acc.revenue += served * arriving.revenue;
      acc.input_tokens += served * arriving.input_tokens;
      acc.output_tokens += served * arriving.output_tokens;
      served_total_ += served;
      busy_slot_s_ += served * busy_per_request;
      window_.busy_slot_s += served * busy_per_request;
      window_.dropped += dropped;
      last_queue_mean_ = lambda * p_wait / theta;
    }
    last_busy_slots_ = (window_.busy_slot_s - busy_before) / dt;
    return absl::OkStatus();
  }

  // After the horizon: the backlog at the last capacity, no arrivals.
  void DrainBacklog() {
    const double mean_service = load_->MeanServiceS();
    const double rate = speed_slots_ > 0 && mean_service > 0 ? speed_slots_ / mean_service : 0;
    if (rate <= 0) return;
    ServeQueue(TimeToSeconds(now_), std::numeric_limits<double>::infinity(), rate,
               static_cast<double>(slots_) / rate, /*open=*/false);
  }
  const ServiceSpec service_;
  std::unique_ptr<LoadProcess> load_;
  const std::vector<MonthSpan> months_;
  const Duration step_;
  const double max_wait_s_;
  bool trace_ = false;
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

  ServiceWindow window_;
  SimTime window_start_ = 0;
  double last_busy_slots_ = 0;   // slots busy in the last interval (requests in service)
  double last_queue_mean_ = 0;   // M/G/c mean queue of the last interval (stochastic regime)
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
