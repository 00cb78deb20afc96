// The fluid engine against closed forms: M/M/c in steady state (the stochastic regime), a
// deterministic FIFO fluid in overload, backlog draining after a scale-up, max_wait, months
// by arrival, revenue, killed replicas, and the mixture quantiles over intervals.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
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
// or constant (with a constant prefill part); WorkSample returns the distribution's stratified quantiles (no sampling noise, so
// the engine's approximations alone are measured). Records the Totals intervals.
class TestLoad final : public LoadProcess {
 public:
  struct Segment {
    SimTime begin;
    double rate;  // requests per second from `begin` on
  };
  TestLoad(std::vector<Segment> segments, double mean_service_s, bool exponential,
           std::vector<std::pair<SimTime, SimTime>>* intervals = nullptr, double prefill_s = 0)
      : segments_(std::move(segments)),
        mean_(mean_service_s),
        exponential_(exponential),
        intervals_(intervals),
        prefill_(prefill_s) {}

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
  CHECK(w.busy_slot_s / w.available_slot_s == Approx(lambda / (c * mu)));  // utilization = rho
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
  CHECK(t->mean_wait_s == Approx(0.5 * mmc).epsilon(1e-6));
  // Constant service and prefill: latency = wait + 1 s, TTFT = wait + 0.25 s exactly.
  CHECK(t->mean_latency_s == Approx(0.5 * mmc + 1.0).epsilon(1e-6));
  CHECK(t->p99_latency_s == Approx(t->p99_wait_s + 1.0).epsilon(1e-5));
  CHECK(t->p99_ttft_s == Approx(t->p99_wait_s + 0.25).epsilon(1e-5));
  // P(W > t) = C e^{-2 (c mu - lambda) t} (Allen-Cunneen rate with cs2 = 0).
  CHECK(t->p99_wait_s == Approx(std::log(p_wait / 0.01) / (2 * (c - lambda))).epsilon(1e-3));
  CHECK(t->slo_met / t->served == Approx(1 - p_wait).epsilon(1e-4));
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
  // 48 slots: the backlog of 2,520 falls by 48 - 20 = 28 per second.
  ServiceWindow w = e->Observe();
  CHECK(w.waiting == Approx(2520 - 28.0 * 60));
  CHECK(w.busy_slot_s == Approx(48.0 * 60));
  REQUIRE(e->AdvanceTo(750 * kSecond).ok());  // emptied at 720 s
  w = e->Observe();
  CHECK(w.waiting < 0.01);  // only the M/G/c queue at rho = 0.42
  CHECK(w.busy_slot_s == Approx(840 + 20.0 * 60));
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
  CHECK(t->mean_wait_s == Approx(mean_wait).epsilon(1e-3));
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

}  // namespace
}  // namespace burnrate
