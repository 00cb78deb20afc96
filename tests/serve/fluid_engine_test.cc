// The fluid engine against closed forms and exact transients: M/M/c and M/D/c in steady state
// (the closure's fixed point), the closure's transients against the exact M/M/c (Kolmogorov
// forward equations) from empty, at critical load, in mild overload and across load steps, a
// deterministic FIFO fluid in deep overload, backlog draining after a scale-up, max_wait, months
// by arrival, revenue, killed replicas, the mixture quantiles over intervals, and a trace read
// in sub-steps.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "serve/engine.h"
#include "serve/load.h"
#include "sim/model/calendar.h"
#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

// A test load: a piecewise-constant rate, constant tokens, and service times either exponential
// or constant (with a constant prefill part); WorkSample returns the distribution's stratified
// quantiles (no sampling noise, so the engine's approximations alone are measured). Records the
// Totals intervals. `trace`: it says it is a trace (no forecast), so the engine reads it in
// sub-steps.
class TestLoad final : public LoadProcess {
 public:
  struct Segment {
    SimTime begin;
    double rate;  // requests per second from `begin` on
  };
  TestLoad(std::vector<Segment> segments, double mean_service_s, bool exponential,
           std::vector<std::pair<SimTime, SimTime>>* intervals = nullptr, double prefill_s = 0,
           bool trace = false)
      : segments_(std::move(segments)),
        mean_(mean_service_s),
        exponential_(exponential),
        intervals_(intervals),
        prefill_(prefill_s),
        trace_(trace) {}

  absl::StatusOr<bool> Next(SimTime*, RequestWork*) override {
    return absl::UnimplementedError("fluid only");
  }
  absl::Status Totals(SimTime t0, SimTime t1, LoadTotals* out) override {
    if (intervals_ != nullptr) intervals_->push_back({t0, t1});
    const double n = Integral(t0, t1);
    *out = LoadTotals{n, n * mean_, n * prefill_, n * kInputTokens, n * kOutputTokens};
    return absl::OkStatus();
  }
  double ForecastRate(SimTime t0, SimTime t1) const override {
    if (trace_) return std::numeric_limits<double>::quiet_NaN();  // a trace: not known ahead
    return t1 > t0 ? Integral(t0, t1) / TimeToSeconds(t1 - t0) : 0.0;
  }
  double MeanServiceS() const override { return mean_; }
  std::vector<RequestWork> WorkSample(size_t n) override {
    std::vector<RequestWork> out(n);
    for (size_t i = 0; i < n; ++i) {
      const double u = (static_cast<double>(i) + 0.5) / static_cast<double>(n);
      const double s = exponential_ ? -mean_ * std::log1p(-u) : mean_;
      out[i] = RequestWork{s, prefill_, kInputTokens, kOutputTokens};
    }
    return out;
  }

  static constexpr double kInputTokens = 500, kOutputTokens = 250;

 private:
  double Integral(SimTime t0, SimTime t1) const {
    double n = 0;
    for (size_t i = 0; i < segments_.size(); ++i) {
      const SimTime b = std::max(t0, segments_[i].begin);
      const SimTime e = std::min(t1, i + 1 < segments_.size() ? segments_[i + 1].begin
                                                               : kTimeInfinity);
      if (e > b) n += segments_[i].rate * TimeToSeconds(e - b);
    }
    return n;
  }

  std::vector<Segment> segments_;
  double mean_;
  bool exponential_;
  std::vector<std::pair<SimTime, SimTime>>* intervals_;
  double prefill_;
  bool trace_;
};

ServiceSpec Service(uint32_t concurrency) {
  ServiceSpec s;
  s.name = "chat";
  s.concurrency = concurrency;
  s.fidelity = ServiceSpec::Fidelity::kFluid;
  s.fluid_step = kMinute;
  return s;
}

std::vector<MonthSpan> OneMonth(SimTime end) { return {MonthSpan{"2025-01", 0, end, end}}; }

std::unique_ptr<ServiceEngine> Engine(const ServiceSpec& s, std::unique_ptr<LoadProcess> load,
                                      std::vector<MonthSpan> months) {
  auto e = MakeFluidEngine(s, std::move(load), std::move(months));
  REQUIRE(e.ok());
  return std::move(e).value();
}

// Erlang C from its definition (independent of serve/queueing.cc).
double ErlangCSum(int c, double a) {
  double term = 1.0, sum = 0.0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double tail = term * c / (c - a);
  return tail / (sum + tail);
}

// M/M/c: P(wait + service > t), service ~ Exp(mu), wait 0 w.p. 1 - C else Exp(r = c mu - lambda):
// (1 - C) e^{-mu t} + C (r e^{-mu t} - mu e^{-r t}) / (r - mu).
double MmcLatencyTail(int c, double lambda, double mu, double t) {
  const double p = ErlangCSum(c, lambda / mu);
  const double r = c * mu - lambda;
  return (1 - p) * std::exp(-mu * t) +
         p * (r * std::exp(-mu * t) - mu * std::exp(-r * t)) / (r - mu);
}

// The q-quantile of a distribution given its tail, by bisection.
double QuantileOf(const std::function<double(double)>& tail, double q) {
  double lo = 0, hi = 1e4;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (tail(mid) > 1 - q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// Exact M/M/c from empty (Kolmogorov forward equations, RK2): the mean wait of the arrivals in
// [0, T] (PASTA: E[wait | n in system] = (n - c + 1) / (c mu) for n >= c).
double ExactMmcMeanWait(int c, const std::vector<TestLoad::Segment>& segments, double mu,
                        double horizon_s, int states) {
  double lambda_max = 0;
  for (const TestLoad::Segment& g : segments) lambda_max = std::max(lambda_max, g.rate);
  double lambda = segments[0].rate;
  std::vector<double> p(static_cast<size_t>(states) + 1, 0.0), k1(p.size()), mid(p.size());
  p[0] = 1;
  const double dt = 0.5 / (lambda_max + c * mu);
  auto deriv = [&](const std::vector<double>& q, std::vector<double>& d) {
    std::fill(d.begin(), d.end(), 0.0);
    for (size_t n = 0; n < q.size(); ++n) {
      const double served = mu * static_cast<double>(std::min<size_t>(n, static_cast<size_t>(c)));
      const double in = n + 1 < q.size() ? lambda : 0.0;
      d[n] -= (in + served) * q[n];
      if (n + 1 < q.size()) d[n + 1] += in * q[n];
      if (n > 0) d[n - 1] += served * q[n];
    }
  };
  auto wait = [&](const std::vector<double>& q) {
    double w = 0;
    for (size_t n = static_cast<size_t>(c); n < q.size(); ++n) {
      w += q[n] * static_cast<double>(n - static_cast<size_t>(c) + 1) / (c * mu);
    }
    return w;
  };
  double acc = 0, arrivals = 0;
  const int steps = static_cast<int>(std::ceil(horizon_s / dt));
  const double h = horizon_s / steps;
  for (int i = 0; i < steps; ++i) {
    const double now = i * h;
    for (const TestLoad::Segment& g : segments) {
      if (TimeToSeconds(g.begin) <= now + 1e-12) lambda = g.rate;
    }
    const double w0 = wait(p);
    deriv(p, k1);
    for (size_t n = 0; n < p.size(); ++n) mid[n] = p[n] + 0.5 * h * k1[n];
    deriv(mid, k1);
    for (size_t n = 0; n < p.size(); ++n) p[n] += h * k1[n];
    acc += lambda * 0.5 * (w0 + wait(p)) * h;
    arrivals += lambda * h;
  }
  return acc / arrivals;
}

TEST_CASE("fluid engine in steady state matches the m/m/c closed forms", "[serve][fluid]") {
  // 2 replicas x 8 slots, exponential service of mean 1 s, lambda = 13/s: rho = 0.8125.
  const int c = 16;
  const double lambda = 13, mu = 1;
  ServiceSpec s = Service(8);
  s.slo_latency_s = 2.5;
  const SimTime horizon = 6 * kHour;
  auto e = Engine(s, std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, lambda}}, 1.0,
                                                /*exponential=*/true),
                  OneMonth(horizon));
  e->AddReplica(0, 1.0);
  e->AddReplica(1, 1.0);
  REQUIRE(e->AdvanceTo(kHour).ok());
  const ServiceWindow w = e->Observe();
  CHECK(w.length == kHour);
  CHECK(w.arrivals == Approx(lambda * 3600));
  CHECK(w.available_slot_s == Approx(16 * 3600.0));
  // Utilization = rho; busy slot-seconds count service starts, and the system starts empty: the
  // requests still waiting at the end (~4 of 46,800) have not started.
  CHECK(w.busy_slot_s / w.available_slot_s == Approx(lambda / (c * mu)).epsilon(1e-3));
  // Little: in service = lambda / mu; waiting = lambda E[W] (to the cs2 of the sample: the
  // stratified exponential's is 1 - 2e-4).
  const double p_wait = ErlangCSum(c, lambda / mu);
  const double mean_wait = p_wait / (c * mu - lambda);
  CHECK(w.waiting == Approx(lambda * mean_wait).epsilon(1e-3));
  CHECK(w.outstanding == Approx(lambda * mean_wait + lambda / mu).epsilon(1e-3));

  auto t = e->Finish(horizon);
  REQUIRE(t.ok());
  const double served = lambda * TimeToSeconds(horizon);
  CHECK(t->arrived == Approx(served));
  CHECK(t->served == Approx(served));
  CHECK(t->dropped == 0);
  CHECK(t->unfinished == 0);
  CHECK(t->mean_wait_s == Approx(mean_wait).epsilon(0.02));
  CHECK(t->mean_latency_s == Approx(mean_wait + 1 / mu).epsilon(0.02));
  const auto tail = [&](double x) { return MmcLatencyTail(c, lambda, mu, x); };
  CHECK(t->slo_met / t->served == Approx(1 - tail(s.slo_latency_s)).epsilon(0.02));
  CHECK(t->p50_latency_s == Approx(QuantileOf(tail, 0.50)).epsilon(0.02));
  CHECK(t->p95_latency_s == Approx(QuantileOf(tail, 0.95)).epsilon(0.02));
  CHECK(t->p99_latency_s == Approx(QuantileOf(tail, 0.99)).epsilon(0.02));
  // The wait alone: P(W > t) = C e^{-r t}, so p99 = ln(C / 0.01) / r.
  CHECK(t->p99_wait_s == Approx(std::log(p_wait / 0.01) / (c * mu - lambda)).epsilon(0.02));
  // No token model: time to first token = wait.
  CHECK(t->p99_ttft_s == Approx(t->p99_wait_s).epsilon(1e-3));
  REQUIRE(t->months.size() == 1);
  CHECK(t->months[0].slo_met == Approx(t->slo_met));
}

TEST_CASE("fluid engine uses the allen-cunneen correction for deterministic service",
          "[serve][fluid]") {
  // M/D/c: cs2 = 0 halves the M/M/c mean wait.
  const int c = 16;
  const double lambda = 14;
  ServiceSpec s = Service(16);
  s.slo_latency_s = 0.25 + 1e-6;  // on TTFT = wait + 0.25 s: met by those that do not wait
  s.slo_on_ttft = true;
  auto e = Engine(s,
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, lambda}}, 1.0,
                                             /*exponential=*/false, nullptr, /*prefill_s=*/0.25),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  const double p_wait = ErlangCSum(c, lambda);
  const double mmc = p_wait / (c - lambda);
  // The system starts empty: the closure takes a few relaxation times (seconds) to reach the
  // stationary queue, so the hour's mean wait is ~1e-3 below the stationary one (the exact
  // M/M/16 at lambda = 14 from empty: 2e-3 below over its first hour).
  CHECK(t->mean_wait_s == Approx(0.5 * mmc).epsilon(3e-3));
  // Constant service and prefill: latency = wait + 1 s, TTFT = wait + 0.25 s exactly.
  CHECK(t->mean_latency_s == Approx(0.5 * mmc + 1.0).epsilon(1e-3));
  CHECK(t->p99_latency_s == Approx(t->p99_wait_s + 1.0).epsilon(1e-5));
  CHECK(t->p99_ttft_s == Approx(t->p99_wait_s + 0.25).epsilon(1e-5));
  // P(W > t) = C e^{-2 (c mu - lambda) t} (Allen-Cunneen rate with cs2 = 0).
  CHECK(t->p99_wait_s == Approx(std::log(p_wait / 0.01) / (2 * (c - lambda))).epsilon(1e-3));
  CHECK(t->slo_met / t->served == Approx(1 - p_wait).epsilon(2e-3));  // the empty start
}

TEST_CASE("fluid engine in overload grows a fifo backlog and conserves requests",
          "[serve][fluid]") {
  // 16 slots at 1 request/s each, 20 arrivals/s: the backlog grows 4 per second.
  auto e = Engine(Service(16),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 20}}, 1.0, true),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  double arrived = 0, served = 0, dropped = 0;
  for (int k = 1; k <= 6; ++k) {
    REQUIRE(e->AdvanceTo(k * 10 * kMinute).ok());
    const ServiceWindow w = e->Observe();
    CHECK(w.busy_slot_s == Approx(w.available_slot_s));  // saturated
    CHECK(w.waiting == Approx(4.0 * 600 * k));
    CHECK(w.outstanding == Approx(4.0 * 600 * k + 16));
    arrived += w.arrivals;
    served += w.busy_slot_s / 1.0;  // mean service 1 s at speed 1
    dropped += w.dropped;
    // Conservation while running: arrived = served + dropped + backlog.
    CHECK(arrived == Approx(served + dropped + w.waiting));
  }
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  // The backlog (14,400) is served after the horizon by the replica left.
  CHECK(t->arrived == Approx(72000));
  CHECK(t->served == Approx(72000));
  CHECK(t->dropped == 0);
  CHECK(t->unfinished == 0);
  // FIFO fluid: the request arriving at x is number 20 x and leaves at 20 x / 16: it waits
  // 0.25 x; mean 450 s, p99 of the waits 0.25 x 0.99 x 3600.
  CHECK(t->mean_wait_s == Approx(450).epsilon(1e-6));
  CHECK(t->p99_wait_s == Approx(0.25 * 0.99 * 3600).epsilon(0.005));
  CHECK(t->p50_latency_s == Approx(450 + std::log(2.0)).epsilon(0.005));
}

TEST_CASE("fluid engine with max_wait drops the requests that waited too long",
          "[serve][fluid]") {
  ServiceSpec s = Service(16);
  s.max_wait = 30 * kSecond;
  auto e = Engine(s, std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 20}}, 1.0, true),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  REQUIRE(e->AdvanceTo(30 * kMinute).ok());
  const ServiceWindow w = e->Observe();
  // The head of the queue has waited 0.2 t (it arrived at 0.8 t) until that reaches 30 s at
  // t = 150 s; from then on it stays 30 s old: the queue keeps the arrivals of the last 30 s
  // (600) and 20 - 16 = 4 per second age out.
  CHECK(w.waiting == Approx(600).epsilon(1e-9));
  CHECK(w.dropped == Approx(4.0 * (1800 - 150)).epsilon(1e-9));
  CHECK(w.busy_slot_s == Approx(16.0 * 1800));
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  // After the horizon the 600 left keep aging out at 4/s for 30 s while 16/s are served.
  CHECK(t->arrived == Approx(t->served + t->dropped + t->unfinished));
  CHECK(t->unfinished == 0);
  CHECK(t->served == Approx(16.0 * 3630));
  CHECK(t->dropped == Approx(4.0 * (3630 - 150)));
  // No served request waited more than max_wait; most waited exactly max_wait.
  CHECK(t->p99_wait_s <= Approx(30));
  CHECK(t->p50_latency_s == Approx(30 + std::log(2.0)).epsilon(0.01));
}

TEST_CASE("fluid engine drains the backlog at the new capacity after a scale-up",
          "[serve][fluid]") {
  std::vector<std::pair<SimTime, SimTime>> intervals;
  auto e = Engine(Service(16),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 20}}, 1.0, true,
                                             &intervals),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  // Mid-step: the step [600 s, 660 s) is split at 630 s.
  REQUIRE(e->AdvanceTo(630 * kSecond).ok());
  CHECK(e->Observe().waiting == Approx(4.0 * 630));
  e->AddReplica(1, 1.0);
  e->AddReplica(2, 1.0);
  REQUIRE(e->AdvanceTo(690 * kSecond).ok());
  REQUIRE(intervals.size() == 13);
  CHECK(intervals[10] == std::pair<SimTime, SimTime>(600 * kSecond, 630 * kSecond));
  CHECK(intervals[11] == std::pair<SimTime, SimTime>(630 * kSecond, 660 * kSecond));
  CHECK(intervals[12] == std::pair<SimTime, SimTime>(660 * kSecond, 690 * kSecond));
  // 48 slots: the backlog of 2,520 falls by 48 - 20 = 28 per second. The closure adds its
  // reflection while the backlog drains (rate (1 - rho(c + backlog)) per second, ~48 k / 2,000:
  // 1.9 requests in the minute, counted as idle slots), where the pure fluid had none: the real
  // queue also keeps a stochastic excess over its fluid (~(lambda + c mu) / (2 d) = 4.5
  // requests from the overload).
  ServiceWindow w = e->Observe();
  CHECK(w.waiting == Approx(2520 - 28.0 * 60).epsilon(5e-3));
  CHECK(w.busy_slot_s == Approx(48.0 * 60).epsilon(1e-3));
  REQUIRE(e->AdvanceTo(750 * kSecond).ok());  // emptied at 720 s
  w = e->Observe();
  CHECK(w.waiting < 0.01);  // only the M/G/c queue at rho = 0.42
  CHECK(w.busy_slot_s == Approx(840 + 20.0 * 60).epsilon(1e-3));
  CHECK(w.outstanding == Approx(20.0).epsilon(0.01));  // in service: lambda x 1 s
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  CHECK(t->served == Approx(72000));
}

TEST_CASE("fluid engine counts by month of arrival and earns the price of served requests",
          "[serve][fluid]") {
  // Month 1 overloads (20/s on 16 slots): its backlog of 14,400 is served in month 2, at 10/s,
  // and still counts for month 1.
  ServiceSpec s = Service(16);
  s.usd_per_request = 0.001;
  s.usd_per_1k_input_tokens = 0.002;   // 500 tokens: 0.001
  s.usd_per_1k_output_tokens = 0.004;  // 250 tokens: 0.001
  s.slo_latency_s = 5;
  const std::vector<MonthSpan> months = {MonthSpan{"2025-01", 0, kHour, kHour},
                                         MonthSpan{"2025-02", kHour, 2 * kHour, kHour}};
  auto e = Engine(s,
                  std::make_unique<TestLoad>(
                      std::vector<TestLoad::Segment>{{0, 20}, {kHour, 10}}, 1.0, true),
                  months);
  e->AddReplica(0, 1.0);
  auto t = e->Finish(2 * kHour);
  REQUIRE(t.ok());
  REQUIRE(t->months.size() == 2);
  CHECK(t->months[0].arrived == Approx(72000));
  CHECK(t->months[0].served == Approx(72000));  // by arrival; 57,600 were served in month 1
  CHECK(t->months[1].arrived == Approx(36000));
  CHECK(t->months[1].served == Approx(36000));
  CHECK(t->months[0].revenue_usd == Approx(72000 * 0.003));
  CHECK(t->months[1].revenue_usd == Approx(36000 * 0.003));
  CHECK(t->months[0].input_tokens == Approx(72000 * 500.0));
  CHECK(t->months[1].output_tokens == Approx(36000 * 250.0));
  CHECK(t->revenue_usd == Approx(t->served * 0.003));
  // Month 1: only arrivals in the first ~16 s (wait 0.25 x) meet a 5 s SLO. Month 2: the
  // 14,400 left at 1 h drain at 16 - 10 = 6 per second, in 2,400 s; an arrival x seconds into
  // the month waits (14,400 + 10 x) / 16 - x = 900 - 0.375 x (only the last few seconds of
  // that stretch meet the SLO); the last 20 minutes are served at rho = 0.625 and nearly all
  // meet it: about a third of the month.
  CHECK(t->months[0].slo_met / t->months[0].served < 0.01);
  CHECK(t->months[1].slo_met / t->months[1].served > 0.3);
  CHECK(t->months[1].slo_met / t->months[1].served < 0.5);
  CHECK(t->slo_met == Approx(t->months[0].slo_met + t->months[1].slo_met));
}

TEST_CASE("fluid engine drops the in-service requests of a killed replica", "[serve][fluid]") {
  // 2 x 16 slots at lambda = 16: 16 requests in service, half of them on replica 0.
  auto e = Engine(Service(16),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 16}}, 1.0, true),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  e->AddReplica(1, 1.0);
  REQUIRE(e->AdvanceTo(10 * kMinute).ok());
  e->KillReplica(0);
  CHECK(e->Observe().dropped == 8);
  // Draining loses nothing and returns now.
  REQUIRE(e->AdvanceTo(20 * kMinute).ok());
  e->AddReplica(2, 1.0);
  CHECK(e->DrainReplica(2) == 20 * kMinute);
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  CHECK(t->dropped == 8);
  CHECK(t->arrived == Approx(t->served + t->dropped));
}

TEST_CASE("fluid engine leaves the backlog unfinished without replicas", "[serve][fluid]") {
  auto e = Engine(Service(16),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 20}}, 1.0, true),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  REQUIRE(e->AdvanceTo(10 * kMinute).ok());
  CHECK(e->DrainReplica(0) == 10 * kMinute);
  auto t = e->Finish(15 * kMinute);  // 5 more minutes of arrivals with no capacity
  REQUIRE(t.ok());
  CHECK(t->arrived == Approx(20.0 * 900));
  CHECK(t->served == Approx(16.0 * 600));
  CHECK(t->unfinished == Approx(20.0 * 900 - 16.0 * 600));
  CHECK(t->arrived == Approx(t->served + t->dropped + t->unfinished));
}

TEST_CASE("fluid engine quantiles are those of the mixture over intervals", "[serve][fluid]") {
  // Half an hour at rho = 0.5, then three half hours at rho = 0.875 (weights 1:7 by requests):
  // the latency distribution is the request-weighted mixture of two M/M/16 distributions.
  const int c = 16;
  const double l1 = 8, l2 = 14;
  ServiceSpec s = Service(16);
  s.slo_latency_s = 2;
  auto e = Engine(s,
                  std::make_unique<TestLoad>(
                      std::vector<TestLoad::Segment>{{0, l1}, {30 * kMinute, l2}}, 1.0, true),
                  OneMonth(2 * kHour));
  e->AddReplica(0, 1.0);
  auto t = e->Finish(2 * kHour);
  REQUIRE(t.ok());
  const double w1 = l1 * 1800, w2 = l2 * 5400;
  const auto tail = [&](double x) {
    return (w1 * MmcLatencyTail(c, l1, 1, x) + w2 * MmcLatencyTail(c, l2, 1, x)) / (w1 + w2);
  };
  CHECK(t->served == Approx(w1 + w2));
  CHECK(t->p50_latency_s == Approx(QuantileOf(tail, 0.50)).epsilon(0.02));
  CHECK(t->p95_latency_s == Approx(QuantileOf(tail, 0.95)).epsilon(0.02));
  CHECK(t->p99_latency_s == Approx(QuantileOf(tail, 0.99)).epsilon(0.02));
  CHECK(t->slo_met / t->served == Approx(1 - tail(2)).epsilon(0.01));
  const double mean_wait = (w1 * ErlangCSum(c, l1) / (c - l1) + w2 * ErlangCSum(c, l2) / (c - l2)) /
                           (w1 + w2);
  // The closure starts empty and follows the load step at 30 min over a few relaxation times
  // (seconds), as the exact queue does: ~1e-3 below the stationary mixture.
  CHECK(t->mean_wait_s == Approx(mean_wait).epsilon(2e-3));
}

TEST_CASE("fluid engine steps are aligned to the step from time 0", "[serve][fluid]") {
  std::vector<std::pair<SimTime, SimTime>> intervals;
  auto e = Engine(Service(4),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 1}}, 1.0, true,
                                             &intervals),
                  {MonthSpan{"2025-01", 0, 100 * kSecond, 100 * kSecond},
                   MonthSpan{"2025-02", 100 * kSecond, kHour, kHour}});
  e->AddReplica(0, 1.0);
  REQUIRE(e->AdvanceTo(150 * kSecond).ok());
  REQUIRE(e->AdvanceTo(200 * kSecond).ok());
  using I = std::pair<SimTime, SimTime>;
  // Cut at the steps (60 s), at the month boundary (100 s) and at the calls (150 s).
  CHECK(intervals == std::vector<I>{{0, 60 * kSecond},
                                    {60 * kSecond, 100 * kSecond},
                                    {100 * kSecond, 120 * kSecond},
                                    {120 * kSecond, 150 * kSecond},
                                    {150 * kSecond, 180 * kSecond},
                                    {180 * kSecond, 200 * kSecond}});
  CHECK(!e->AdvanceTo(100 * kSecond).ok());  // backwards
}

TEST_CASE("fluid engine conserves requests under random load and replica changes",
          "[serve][fluid]") {
  // A day of 5-minute rate segments in [0, 60) per second, replicas changed at odd times (adds,
  // drains, kills), with and without max_wait: every request is served, dropped or unfinished,
  // and the window counts add up to the totals. (Also a regression test: rounding at chunk ends
  // once stalled the queue.)
  for (const Duration max_wait : {Duration{0}, 45 * kSecond, 5 * kMinute}) {
    DYNAMIC_SECTION("max_wait " << max_wait) {
      Rng rng(7 + static_cast<uint64_t>(max_wait));
      std::vector<TestLoad::Segment> segments;
      for (SimTime t = 0; t < kDay; t += 5 * kMinute) segments.push_back({t, 60 * rng.Uniform01()});
      ServiceSpec s = Service(8);
      s.max_wait = max_wait;
      s.slo_latency_s = 3;
      const std::vector<MonthSpan> months = {MonthSpan{"a", 0, 10 * kHour, 10 * kHour},
                                             MonthSpan{"b", 10 * kHour, kDay, 14 * kHour}};
      auto e = Engine(s, std::make_unique<TestLoad>(segments, 0.5, true), months);
      std::vector<uint32_t> ready;
      uint32_t next = 0;
      double arrivals = 0, dropped = 0;
      for (SimTime t = 0; t < kDay - kHour;) {
        t += SecondsToTime(1 + 600 * rng.Uniform01());
        REQUIRE(e->AdvanceTo(t).ok());
        const double u = rng.Uniform01();
        if (u < 0.5 || ready.empty()) {
          e->AddReplica(next, 0.5 + rng.Uniform01());
          ready.push_back(next++);
        } else if (u < 0.8) {
          CHECK(e->DrainReplica(ready.back()) == t);
          ready.pop_back();
        } else {
          e->KillReplica(ready.front());
          ready.erase(ready.begin());
        }
        const ServiceWindow w = e->Observe();
        CHECK(w.waiting >= 0);
        CHECK(w.busy_slot_s <= w.available_slot_s * (1 + 1e-9) + 1e-6);
        arrivals += w.arrivals;
        dropped += w.dropped;
      }
      auto t = e->Finish(kDay);
      REQUIRE(t.ok());
      INFO("arrived " << t->arrived << " served " << t->served << " dropped " << t->dropped
                      << " unfinished " << t->unfinished);
      CHECK(t->arrived == Approx(t->served + t->dropped + t->unfinished).epsilon(1e-9));
      CHECK(t->dropped >= dropped * (1 - 1e-9));
      CHECK(t->arrived > arrivals);
      REQUIRE(t->months.size() == 2);
      for (const ServiceMonth& m : t->months) {
        CHECK(m.arrived == Approx(m.served + m.dropped).margin(t->unfinished + 1e-6));
        CHECK(m.slo_met <= m.served * (1 + 1e-9));
      }
      CHECK(t->p50_latency_s <= t->p95_latency_s);
      CHECK(t->p95_latency_s <= t->p99_latency_s);
      CHECK(t->p99_latency_s <= t->max_latency_s);
      if (max_wait > 0) CHECK(t->p99_wait_s <= TimeToSeconds(max_wait) * (1 + 1e-6));
    }
  }
}

TEST_CASE("fluid engine follows the exact m/m/c transients (psffa)", "[serve][fluid]") {
  // 16 slots, exponential service of 1 s, from empty: the mean wait of the arrivals over the
  // horizon against the exact M/M/16 (forward equations). A stationary M/M/c per interval
  // would give the stationary wait from the first second (at lambda = 15: 0.72 s against the
  // exact 0.61 s over the first two minutes) and nothing at lambda >= 16 without a backlog.
  using S = std::vector<TestLoad::Segment>;
  struct Case {
    S segments;
    SimTime horizon;
    int states;     // of the forward equations
    double lo, hi;  // fluid / exact
  };
  for (const Case& k : {
           Case{S{{0, 12}}, 30 * kSecond, 200, 0.97, 1.03},
           Case{S{{0, 14}}, 120 * kSecond, 300, 0.95, 1.05},
           Case{S{{0, 15}}, 120 * kSecond, 300, 0.95, 1.10},
           // Critical: PSFFA's queue grows like sqrt(2 k c mu t), the exact one like
           // sqrt(4 k c mu t / pi): ~25% above.
           Case{S{{0, 16}}, 300 * kSecond, 600, 1.0, 1.30},
           Case{S{{0, 16.8}}, 300 * kSecond, 800, 0.90, 1.10},
           // Overload then drain: PSFFA keeps the mean, not the spread the overload built up.
           Case{S{{0, 18}, {150 * kSecond, 12}}, 300 * kSecond, 700, 0.88, 1.05},
           Case{S{{0, 14}, {60 * kSecond, 17}, {120 * kSecond, 15}}, 300 * kSecond, 600, 0.90,
                1.10},
       }) {
    auto e = Engine(Service(16), std::make_unique<TestLoad>(k.segments, 1.0, true),
                    OneMonth(k.horizon));
    e->AddReplica(0, 1.0);
    auto t = e->Finish(k.horizon);
    REQUIRE(t.ok());
    const double exact =
        ExactMmcMeanWait(16, k.segments, 1.0, TimeToSeconds(k.horizon), k.states);
    INFO("lambda from " << k.segments[0].rate << ", " << k.horizon / kSecond << " s: fluid "
                        << t->mean_wait_s << ", exact " << exact);
    CHECK(t->mean_wait_s >= k.lo * exact);
    CHECK(t->mean_wait_s <= k.hi * exact);
    CHECK(t->arrived == Approx(t->served));
  }
}

TEST_CASE("fluid engine reads a trace in sub-steps of the step", "[serve][fluid]") {
  // A trace's totals are counted arrivals, the realised path: the engine reads them at its
  // sub-steps (20 s of a 60 s step), still cut at calls.
  std::vector<std::pair<SimTime, SimTime>> intervals;
  auto e = Engine(Service(4),
                  std::make_unique<TestLoad>(std::vector<TestLoad::Segment>{{0, 1}}, 1.0, true,
                                             &intervals, 0.0, /*trace=*/true),
                  OneMonth(kHour));
  e->AddReplica(0, 1.0);
  REQUIRE(e->AdvanceTo(70 * kSecond).ok());
  REQUIRE(e->AdvanceTo(130 * kSecond).ok());
  using I = std::pair<SimTime, SimTime>;
  CHECK(intervals == std::vector<I>{{0, 20 * kSecond},
                                    {20 * kSecond, 40 * kSecond},
                                    {40 * kSecond, 60 * kSecond},
                                    {60 * kSecond, 70 * kSecond},
                                    {70 * kSecond, 80 * kSecond},
                                    {80 * kSecond, 100 * kSecond},
                                    {100 * kSecond, 120 * kSecond},
                                    {120 * kSecond, 130 * kSecond}});
  auto t = e->Finish(kHour);
  REQUIRE(t.ok());
  CHECK(t->served == Approx(3600));
}

}  // namespace
}  // namespace burnrate
