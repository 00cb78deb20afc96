// The request-level engine against queueing theory (Erlang C, GI/M/1 with Erlang-k arrivals)
// and hand-computed scenarios (drain, kill, new replicas, months, observation windows).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/engine.h"
#include "serve/load.h"
#include "sim/model/calendar.h"
#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {

// serve/request_engine.cc (test only): the slots the request engine's per-slot arrays and slot
// structures have room for.
size_t RequestEngineSlotCapacityForTest(const ServiceEngine& engine);

namespace {

// Replays given arrivals (test only).
class ReplayLoad final : public LoadProcess {
 public:
  struct Arrival {
    SimTime at;
    RequestWork work;
  };
  explicit ReplayLoad(std::vector<Arrival> arrivals) : arrivals_(std::move(arrivals)) {}

  absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) override {
    if (next_ == arrivals_.size()) return false;
    *at = arrivals_[next_].at;
    *work = arrivals_[next_].work;
    ++next_;
    return true;
  }
  absl::Status Totals(SimTime, SimTime, LoadTotals*) override {
    return absl::UnimplementedError("replay");
  }
  double ForecastRate(SimTime, SimTime) const override {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double MeanServiceS() const override { return 1.0; }
  std::vector<RequestWork> WorkSample(size_t) override { return {}; }

 private:
  std::vector<Arrival> arrivals_;
  size_t next_ = 0;
};

RequestWork Work(double service_s, double prefill_s = 0, double in = 0, double out = 0) {
  RequestWork w;
  w.service_s = service_s;
  w.prefill_s = prefill_s;
  w.input_tokens = in;
  w.output_tokens = out;
  return w;
}

ReplayLoad::Arrival At(double t_s, double service_s) {
  return {SecondsToTime(t_s), Work(service_s)};
}

std::unique_ptr<ServiceEngine> Engine(const ServiceSpec& s,
                                      std::vector<ReplayLoad::Arrival> arrivals,
                                      std::vector<MonthSpan> months = {}) {
  auto e = MakeRequestEngine(s, std::make_unique<ReplayLoad>(std::move(arrivals)),
                             std::move(months));
  REQUIRE(e.ok());
  return *std::move(e);
}

ServiceSpec Spec(const std::string& routing, uint32_t concurrency = 1) {
  ServiceSpec s;
  s.name = "svc";
  s.routing = routing;
  s.concurrency = concurrency;
  return s;
}

ServiceTotals MustFinish(ServiceEngine& e, SimTime horizon) {
  absl::StatusOr<ServiceTotals> t = e.Finish(horizon);
  REQUIRE(t.ok());
  return *std::move(t);
}

void MustAdvance(ServiceEngine& e, SimTime t) { REQUIRE(e.AdvanceTo(t).ok()); }

// ---------------------------------------------------------------------------------------------
// Closed forms, computed here so the test does not depend on the code under test.

// Erlang C(c, a) through the Erlang B recursion.
double ErlangCRef(uint32_t c, double a) {
  double b = 1.0;
  for (uint32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

// GI/M/1 with Erlang-k gaps of total rate k lambda: sigma = (k lambda / (k lambda + mu (1 -
// sigma)))^k, by fixed-point iteration from 0.5 (a contraction on (0, 1) when lambda < mu).
double SigmaRef(uint32_t k, double lambda, double mu) {
  double s = 0.5;
  for (int i = 0; i < 10000; ++i) {
    s = std::pow(k * lambda / (k * lambda + mu * (1 - s)), static_cast<double>(k));
  }
  return s;
}

// Poisson arrivals at `lambda` per second and exponential service of mean `mean_s` on
// `replicas` replicas of `concurrency` slots, `n` requests expected (seeded). `slo_wait_s` > 0:
// the SLO is set on the time to first token, which is the wait here (no prefill), so
// served - slo_met counts the requests with W > slo_wait_s.
ServiceTotals RunMmc(const std::string& routing, uint32_t replicas, uint32_t concurrency,
                     double lambda, double mean_s, double n, double slo_wait_s = 0,
                     uint64_t seed = 1) {
  ServiceSpec s = Spec(routing, concurrency);
  s.load.kind = LoadSpec::Kind::kConstant;
  s.load.requests_per_s = lambda;
  s.service_time.kind = DurationDist::Kind::kExponential;
  s.service_time.mean_s = mean_s;
  s.slo_latency_s = slo_wait_s;
  s.slo_on_ttft = true;
  const SimTime horizon = SecondsToTime(n / lambda);
  auto load = LoadProcess::Open(s, 0, 0, horizon, seed);
  REQUIRE(load.ok());
  auto engine = MakeRequestEngine(s, *std::move(load), {});
  REQUIRE(engine.ok());
  for (uint32_t r = 0; r < replicas; ++r) (*engine)->AddReplica(r, 1.0);
  return MustFinish(**engine, horizon);
}

// ---------------------------------------------------------------------------------------------
// Queueing theory.

TEST_CASE("shared-queue M/M/c matches Erlang C: mean wait and wait tail", "[serve]") {
  struct Case {
    uint32_t c;
    double rho;
    double n;
  };
  for (const Case& k : {Case{8, 0.85, 3e6}, Case{1, 0.8, 4e6}}) {
    const double mean_s = 0.1, mu = 1 / mean_s;
    const double lambda = k.rho * k.c * mu;
    const double erlang_c = ErlangCRef(k.c, lambda / mu);
    const double theta = k.c * mu - lambda;  // P(W > t) = C exp(-theta t)
    const double mean_wait = erlang_c / theta;
    const double p99_wait = std::log(erlang_c / 0.01) / theta;
    for (double t_theta : {1.0, 3.0}) {
      const double t = t_theta / theta;
      const ServiceTotals tot = RunMmc("shared-queue", k.c, 1, lambda, mean_s, k.n, t);
      INFO("c = " << k.c << " rho = " << k.rho << " t = " << t);
      REQUIRE(tot.served == tot.arrived);
      REQUIRE(tot.served > 0.99 * k.n);
      CHECK(tot.mean_wait_s == Approx(mean_wait).epsilon(0.03));
      CHECK(tot.p99_wait_s == Approx(p99_wait).epsilon(0.03));
      const double tail = 1 - tot.slo_met / tot.served;
      CHECK(tail == Approx(erlang_c * std::exp(-theta * t)).epsilon(0.03));
      // Latency = wait + service: mean adds the mean service time.
      CHECK(tot.mean_latency_s == Approx(mean_wait + mean_s).epsilon(0.03));
    }
  }
}

TEST_CASE("shared-queue M/M/c with several slots per replica is the same queue", "[serve]") {
  // 2 replicas x 4 slots = 8 servers.
  const double mu = 10, lambda = 0.85 * 8 * mu;
  const ServiceTotals tot = RunMmc("shared-queue", 2, 4, lambda, 1 / mu, 2e6);
  const double mean_wait = ErlangCRef(8, lambda / mu) / (8 * mu - lambda);
  CHECK(tot.mean_wait_s == Approx(mean_wait).epsilon(0.03));
}

TEST_CASE("round-robin on single-slot replicas matches GI/M/1 with Erlang-k arrivals",
          "[serve]") {
  const uint32_t k = 4;
  const double mu = 10, lambda = 0.8 * mu;  // per replica
  const ServiceTotals tot = RunMmc("round-robin", k, 1, k * lambda, 1 / mu, 3e6);
  const double sigma = SigmaRef(k, lambda, mu);
  const double mean_wait = sigma / (mu * (1 - sigma));
  REQUIRE(tot.served == tot.arrived);
  CHECK(tot.mean_wait_s == Approx(mean_wait).epsilon(0.03));
  // P(W > t) = sigma exp(-mu (1 - sigma) t): the 99th percentile.
  CHECK(tot.p99_wait_s == Approx(std::log(sigma / 0.01) / (mu * (1 - sigma))).epsilon(0.03));
}

TEST_CASE("least-outstanding beats round-robin and the shared queue beats both", "[serve]") {
  const double mu = 10, lambda = 0.85 * 8 * mu;
  const ServiceTotals shared = RunMmc("shared-queue", 8, 1, lambda, 1 / mu, 1e6);
  const ServiceTotals lo = RunMmc("least-outstanding", 8, 1, lambda, 1 / mu, 1e6);
  const ServiceTotals rr = RunMmc("round-robin", 8, 1, lambda, 1 / mu, 1e6);
  INFO("shared " << shared.mean_wait_s << " lo " << lo.mean_wait_s << " rr " << rr.mean_wait_s);
  CHECK(lo.mean_wait_s < rr.mean_wait_s);
  CHECK(shared.mean_wait_s <= lo.mean_wait_s);
  CHECK(shared.mean_wait_s <= rr.mean_wait_s);
  CHECK(shared.p99_latency_s <= lo.p99_latency_s);
  CHECK(lo.p99_latency_s < rr.p99_latency_s);
}

TEST_CASE("the engine is deterministic", "[serve]") {
  const ServiceTotals a = RunMmc("least-outstanding", 5, 2, 80, 0.1, 2e5, 0.05, 9);
  const ServiceTotals b = RunMmc("least-outstanding", 5, 2, 80, 0.1, 2e5, 0.05, 9);
  CHECK(a.served == b.served);
  CHECK(a.mean_latency_s == b.mean_latency_s);
  CHECK(a.p99_latency_s == b.p99_latency_s);
  CHECK(a.slo_met == b.slo_met);
}

TEST_CASE("least-outstanding follows the real counts: a fast replica takes everything",
          "[serve]") {
  // r0 at speed 4 serves a 1 s request in 0.25 s, so with a request every 0.3 s it is empty at
  // every arrival and wins the tie (lowest id): nobody waits. Round-robin alternates and
  // sends every other request to r1 (1 s each, one every 0.6 s): its queue grows.
  std::vector<ReplayLoad::Arrival> arrivals;
  for (int i = 0; i < 20; ++i) arrivals.push_back(At(0.3 * i, 1));
  auto lo = Engine(Spec("least-outstanding"), arrivals);
  auto rr = Engine(Spec("round-robin"), arrivals);
  for (ServiceEngine* e : {lo.get(), rr.get()}) {
    e->AddReplica(0, 4.0);
    e->AddReplica(1, 1.0);
  }
  const ServiceTotals tl = MustFinish(*lo, 20 * kSecond);
  const ServiceTotals tr = MustFinish(*rr, 20 * kSecond);
  CHECK(tl.served == 20);
  CHECK(tl.mean_wait_s == 0);
  CHECK(tl.max_latency_s == Approx(0.25).epsilon(1e-3));
  CHECK(tr.served == 20);
  // r1 gets 0.3, 0.9, 1.5, ... (every 0.6 s, 1 s each): the k-th (from 0) waits 0.4 k.
  CHECK(tr.mean_wait_s == Approx(0.4 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) / 20));
}

// A load whose second read fails (a bad trace row).
class FailingLoad final : public LoadProcess {
 public:
  absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) override {
    if (calls_++ > 0) return absl::InvalidArgumentError("trace.csv:3: bad row");
    *at = kSecond;
    *work = Work(1);
    return true;
  }
  absl::Status Totals(SimTime, SimTime, LoadTotals*) override { return absl::OkStatus(); }
  double ForecastRate(SimTime, SimTime) const override { return 0; }
  double MeanServiceS() const override { return 1; }
  std::vector<RequestWork> WorkSample(size_t) override { return {}; }

 private:
  int calls_ = 0;
};

TEST_CASE("a load error stops AdvanceTo and Finish with the load's message", "[serve]") {
  auto e = MakeRequestEngine(Spec("shared-queue"), std::make_unique<FailingLoad>(), {});
  REQUIRE(e.ok());
  const absl::Status st = (*e)->AdvanceTo(10 * kSecond);
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(st.message() == "trace.csv:3: bad row");
  CHECK(!(*e)->Finish(10 * kSecond).ok());
}

// A naive reference: FCFS multi-server recursions written out plainly (no laziness, no shared
// code with the engine). Replica r has `k` slots; `route` picks a replica per request for the
// per-replica routings (kNone: one shared FCFS queue over all slots).
struct Reference {
  uint64_t served = 0, slo_met = 0;
  int64_t sum_wait_us = 0, sum_latency_us = 0;
};

Reference RunReference(const std::vector<ReplayLoad::Arrival>& arrivals, uint32_t replicas,
                       uint32_t k, const std::string& routing, Duration slo_us) {
  Reference ref;
  std::vector<std::vector<SimTime>> free(replicas, std::vector<SimTime>(k, 0));
  std::vector<std::vector<SimTime>> finishes(replicas);  // of each replica's requests
  size_t rr = 0;
  for (const ReplayLoad::Arrival& a : arrivals) {
    const Duration service = SecondsToTime(a.work.service_s);
    uint32_t r = 0;
    if (routing == "round-robin") {
      r = static_cast<uint32_t>(rr++ % replicas);
    } else if (routing == "least-outstanding") {
      size_t best = std::numeric_limits<size_t>::max();
      for (uint32_t i = 0; i < replicas; ++i) {
        size_t n = 0;
        for (SimTime f : finishes[i]) n += f > a.at ? 1 : 0;
        if (n < best) {
          best = n;
          r = i;
        }
      }
    }
    // The earliest free slot: of replica r, or of all replicas for the shared queue.
    uint32_t best_r = r, best_j = 0;
    for (uint32_t i = 0; i < replicas; ++i) {
      if (routing != "shared-queue" && i != r) continue;
      for (uint32_t j = 0; j < k; ++j) {
        if (free[i][j] < free[best_r][best_j]) {
          best_r = i;
          best_j = j;
        }
      }
    }
    const SimTime start = std::max(a.at, free[best_r][best_j]);
    const SimTime finish = start + service;
    free[best_r][best_j] = finish;
    finishes[best_r].push_back(finish);
    ++ref.served;
    ref.sum_wait_us += start - a.at;
    ref.sum_latency_us += finish - a.at;
    if (finish - a.at <= slo_us) ++ref.slo_met;
  }
  return ref;
}

TEST_CASE("the engine equals naive FCFS recursions on a bursty heavy-tailed load", "[serve]") {
  // On/off Poisson arrivals (bursts at 4x the mean rate), lognormal service (sigma 1.2).
  Rng rng(99);
  std::vector<ReplayLoad::Arrival> arrivals;
  double t = 0;
  for (int i = 0; i < 6000; ++i) {
    const bool burst = static_cast<int64_t>(t / 20) % 4 == 0;
    t += rng.Exponential(burst ? 0.05 : 0.2);
    arrivals.push_back({SecondsToTime(t), Work(TimeToSeconds(SecondsToTime(
                                                   rng.Lognormal(0.4, 1.2))))});
  }
  const uint32_t replicas = 3, k = 2;
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    INFO(routing);
    ServiceSpec s = Spec(routing, k);
    s.slo_latency_s = 2.0;
    auto e = Engine(s, arrivals);
    for (uint32_t r = 0; r < replicas; ++r) e->AddReplica(r, 1.0);
    // Observe now and then, as the World does; it must not change the outcome.
    for (SimTime at = kMinute; at < SecondsToTime(t); at += kMinute) {
      MustAdvance(*e, at);
      e->Observe();
    }
    const ServiceTotals tot = MustFinish(*e, SecondsToTime(t) + 1);
    const Reference ref = RunReference(arrivals, replicas, k, routing, 2 * kSecond);
    CHECK(tot.served == static_cast<double>(ref.served));
    CHECK(tot.slo_met == static_cast<double>(ref.slo_met));
    CHECK(tot.mean_wait_s ==
          Approx(static_cast<double>(ref.sum_wait_us) / 6000 / 1e6).epsilon(1e-12));
    CHECK(tot.mean_latency_s ==
          Approx(static_cast<double>(ref.sum_latency_us) / 6000 / 1e6).epsilon(1e-12));
    CHECK(tot.mean_wait_s > 0.1);  // a load where queueing matters
  }
}

// ---------------------------------------------------------------------------------------------
// Conservation and max_wait.

TEST_CASE("overload with max_wait: every request is served dropped or unfinished", "[serve]") {
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    ServiceSpec s = Spec(routing, 2);
    s.load.kind = LoadSpec::Kind::kConstant;
    s.load.requests_per_s = 60;  // 1.5 x the capacity of 2 replicas x 2 slots x 10/s
    s.service_time.kind = DurationDist::Kind::kExponential;
    s.service_time.mean_s = 0.1;
    s.max_wait = 500 * kMillisecond;
    // SLO on the wait (TTFT, no prefill) at max_wait: every served request must meet it.
    s.slo_latency_s = 0.5;
    s.slo_on_ttft = true;
    const SimTime horizon = 2 * kHour;
    const std::vector<MonthSpan> months = {{"a", 0, kHour, kHour}, {"b", kHour, horizon, kHour}};
    auto load = LoadProcess::Open(s, 0, 0, horizon, 5);
    REQUIRE(load.ok());
    auto made = MakeRequestEngine(s, *std::move(load), months);
    REQUIRE(made.ok());
    ServiceEngine& e = **made;
    e.AddReplica(0, 1.0);
    e.AddReplica(1, 1.0);
    double window_dropped = 0, window_arrivals = 0;
    for (SimTime t = 10 * kMinute; t <= horizon; t += 10 * kMinute) {
      MustAdvance(e, t);
      const ServiceWindow w = e.Observe();
      window_dropped += w.dropped;
      window_arrivals += w.arrivals;
      CHECK(w.busy_slot_s <= w.available_slot_s * (1 + 1e-9));
      CHECK(w.busy_slot_s > 0.99 * w.available_slot_s);  // saturated
      CHECK(w.waiting <= w.outstanding);
    }
    const ServiceTotals tot = MustFinish(e, horizon);
    INFO(routing);
    CHECK(tot.arrived == window_arrivals);
    CHECK(tot.arrived == tot.served + tot.dropped + tot.unfinished);
    CHECK(tot.unfinished == 0);
    CHECK(tot.dropped > 0.25 * tot.arrived);
    CHECK(tot.dropped >= window_dropped);  // shared-queue drops some at the final drain
    CHECK(tot.slo_met == tot.served);       // no served request waited longer than max_wait
    CHECK(tot.p99_wait_s <= 0.5);
    REQUIRE(tot.months.size() == 2);
    CHECK(tot.months[0].arrived + tot.months[1].arrived == tot.arrived);
    CHECK(tot.months[0].served + tot.months[1].served == tot.served);
    CHECK(tot.months[0].dropped + tot.months[1].dropped == tot.dropped);
  }
}

TEST_CASE("max_wait drops exactly the requests that would wait longer", "[serve]") {
  // One slot, max_wait 1 s, requests of 1 s at 0, 0.1, 0.2, 0.3, 1.95: 0 runs 0-1, 0.1 runs
  // 1-2 (waits 0.9); 0.2 and 0.3 would start at 2 (waits 1.8, 1.7): dropped without taking
  // the slot, so 1.95 starts at 2 (waits 0.05).
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    ServiceSpec s = Spec(routing);
    s.max_wait = kSecond;
    auto e = Engine(s, {At(0, 1), At(0.1, 1), At(0.2, 1), At(0.3, 1), At(1.95, 1)});
    e->AddReplica(0, 1.0);
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    INFO(routing);
    CHECK(tot.served == 3);
    CHECK(tot.dropped == 2);
    CHECK(tot.mean_wait_s == Approx((0 + 0.9 + 0.05) / 3));
  }
}

TEST_CASE("no replica: requests wait and count as unfinished or dropped", "[serve]") {
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    INFO(routing);
    {
      auto e = Engine(Spec(routing), {At(1, 1), At(2, 1)});
      MustAdvance(*e, 5 * kSecond);
      const ServiceWindow w = e->Observe();
      CHECK(w.waiting == 2);
      CHECK(w.outstanding == 2);
      CHECK(w.available_slot_s == 0);
      const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
      CHECK(tot.unfinished == 2);
      CHECK(tot.served == 0);
      CHECK(tot.mean_latency_s == 0);
    }
    {
      ServiceSpec s = Spec(routing);
      s.max_wait = 2 * kSecond;
      auto e = Engine(s, {At(1, 1), At(2, 1)});
      MustAdvance(*e, 3500 * kMillisecond);  // the first has waited 2.5 s: dropped
      const ServiceWindow w = e->Observe();
      CHECK(w.dropped == 1);
      CHECK(w.waiting == 1);
      const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
      CHECK(tot.dropped == 2);
      CHECK(tot.unfinished == 0);
    }
  }
}

TEST_CASE("random replica changes keep the books", "[serve]") {
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    for (const Duration max_wait : {Duration{0}, 2 * kSecond}) {
      INFO(routing << " max_wait " << max_wait);
      ServiceSpec s = Spec(routing, 3);
      s.load.kind = LoadSpec::Kind::kConstant;
      s.load.requests_per_s = 30;
      s.service_time.kind = DurationDist::Kind::kExponential;
      s.service_time.mean_s = 0.5;
      s.max_wait = max_wait;
      const SimTime horizon = 2 * kHour;
      auto load = LoadProcess::Open(s, 0, 0, horizon, 17);
      REQUIRE(load.ok());
      auto made = MakeRequestEngine(s, *std::move(load), {});
      REQUIRE(made.ok());
      ServiceEngine& e = **made;
      Rng ops(23);
      std::vector<uint32_t> ready;  // replicas the test may drain or kill
      uint32_t next_id = 0;
      double arrivals = 0, window_dropped = 0;
      for (SimTime t = 0; t < horizon; t += 10 * kSecond) {
        MustAdvance(e, t);
        const double u = ops.Uniform01();
        if (u < 0.2 || ready.size() < 2) {
          e.AddReplica(next_id, 0.5 + 1.5 * ops.Uniform01());
          ready.push_back(next_id++);
        } else if (u < 0.35) {
          const size_t i = ops.UniformInt(ready.size());
          CHECK(e.DrainReplica(ready[i]) >= t);
          ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(i));
        } else if (u < 0.45) {
          const size_t i = ops.UniformInt(ready.size());
          e.KillReplica(ready[i]);
          ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(i));
        }
        const ServiceWindow w = e.Observe();
        arrivals += w.arrivals;
        window_dropped += w.dropped;
        CHECK(w.waiting >= 0);
        CHECK(w.waiting <= w.outstanding);
        CHECK(w.busy_slot_s >= -1e-9);
        CHECK(w.available_slot_s >= 0);
      }
      MustAdvance(e, horizon);
      arrivals += e.Observe().arrivals;
      const ServiceTotals tot = MustFinish(e, horizon);
      CHECK(tot.arrived == arrivals);
      CHECK(tot.arrived == tot.served + tot.dropped + tot.unfinished);
      CHECK(tot.dropped >= window_dropped);
      CHECK(tot.unfinished == 0);  // replicas are left at the end
      CHECK(tot.served > 0.5 * tot.arrived);
      if (max_wait > 0) CHECK(tot.p99_wait_s <= 2.0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Replica changes.

TEST_CASE("DrainReplica returns when its requests finish and it gets nothing more", "[serve]") {
  // Round-robin over 2 single-slot replicas; four 1 s requests at 0: r0 serves 0-1 and 1-2,
  // r1 the same. Drained at 0.5 s, r0 is done at 2 s; later requests all go to r1.
  for (const std::string routing : {"round-robin", "least-outstanding"}) {
    INFO(routing);
    auto e = Engine(Spec(routing),
                    {At(0, 1), At(0, 1), At(0, 1), At(0, 1), At(0.6, 1), At(0.7, 1)});
    e->AddReplica(0, 1.0);
    e->AddReplica(1, 1.0);
    MustAdvance(*e, 500 * kMillisecond);
    CHECK(e->DrainReplica(0) == 2 * kSecond);
    CHECK(e->DrainReplica(0) == 2 * kSecond);  // idempotent
    MustAdvance(*e, 3 * kSecond);
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    CHECK(tot.served == 6);
    // On r1: 0.6 starts at 2 (ends 3), 0.7 starts at 3 (ends 4): latency 3.3 s.
    CHECK(tot.max_latency_s == Approx(3.3).epsilon(1e-3));
    CHECK(tot.mean_wait_s == Approx((0 + 0 + 1 + 1 + 1.4 + 2.3) / 6));
  }
  {
    // shared-queue: the drained replica finishes what it serves; the queue goes elsewhere.
    auto e = Engine(Spec("shared-queue"), {At(0, 4), At(0, 1), At(0.5, 1), At(0.6, 1)});
    e->AddReplica(0, 1.0);
    e->AddReplica(1, 1.0);
    MustAdvance(*e, 700 * kMillisecond);
    CHECK(e->DrainReplica(0) == 4 * kSecond);
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    CHECK(tot.served == 4);
    // r1: 0-1, then 0.5 at 1-2, then 0.6 at 2-3.
    CHECK(tot.mean_wait_s == Approx((0 + 0 + 0.5 + 1.4) / 4));
    CHECK(tot.max_latency_s == Approx(4.0).epsilon(1e-3));
  }
  {
    auto e = Engine(Spec("round-robin"), {});
    e->AddReplica(0, 1.0);
    MustAdvance(*e, 5 * kSecond);
    CHECK(e->DrainReplica(0) == 5 * kSecond);  // idle: now
  }
}

TEST_CASE("KillReplica drops exactly its unfinished requests", "[serve]") {
  for (const std::string routing : {"round-robin", "least-outstanding"}) {
    INFO(routing);
    // r0 gets the requests at 0 (1 s) and 0.1 (queued to 1-2); r1 those at 0.05 and 0.15.
    auto e = Engine(Spec(routing), {At(0, 1), At(0.05, 1), At(0.1, 1), At(0.15, 1), At(1.5, 1)});
    e->AddReplica(0, 1.0);
    e->AddReplica(1, 1.0);
    MustAdvance(*e, 500 * kMillisecond);
    e->KillReplica(0);
    const ServiceWindow w = e->Observe();
    CHECK(w.dropped == 2);
    CHECK(w.outstanding == 2);  // r1's two
    CHECK(w.waiting == 1);
    // r0 was busy 0-0.5; r1 0.05-0.5.
    CHECK(w.busy_slot_s == Approx(0.95));
    CHECK(w.available_slot_s == Approx(1.0));
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    CHECK(tot.dropped == 2);
    CHECK(tot.served == 3);
    CHECK(tot.arrived == 5);
    // 1.5 goes to r1 (free at 2.05): waits 0.55.
    CHECK(tot.mean_wait_s == Approx((0 + 0.9 + 0.55) / 3));
  }
  {
    // shared-queue: in-service requests of the killed replica are dropped; the queue is not.
    auto e = Engine(Spec("shared-queue", 2), {At(0, 1), At(0, 1), At(0.1, 1), At(0.2, 1)});
    e->AddReplica(0, 1.0);
    MustAdvance(*e, 500 * kMillisecond);
    e->KillReplica(0);
    ServiceWindow w = e->Observe();
    CHECK(w.dropped == 2);
    CHECK(w.waiting == 2);
    CHECK(w.busy_slot_s == Approx(1.0));
    e->AddReplica(1, 1.0);  // takes the two queued at once
    w = e->Observe();
    CHECK(w.waiting == 0);
    CHECK(w.outstanding == 2);
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    CHECK(tot.dropped == 2);
    CHECK(tot.served == 2);
    CHECK(tot.mean_wait_s == Approx((0.4 + 0.3) / 2));
  }
}

TEST_CASE("a replica added mid-run takes queued requests at once", "[serve]") {
  // One single-slot replica busy 0-10 s; requests at 1 and 2 queue; a 2-slot replica added at
  // 3 s starts both at 3 s.
  auto e = Engine(Spec("shared-queue"), {At(0, 10), At(1, 1), At(2, 1)});
  e->AddReplica(0, 1.0);
  MustAdvance(*e, 3 * kSecond);
  ServiceWindow w = e->Observe();
  CHECK(w.waiting == 2);
  CHECK(w.outstanding == 3);
  e->AddReplica(1, 2.0);  // twice as fast: 0.5 s each
  w = e->Observe();
  CHECK(w.waiting == 1);  // replica 1 has a single slot too (concurrency 1)
  const ServiceTotals tot = MustFinish(*e, 20 * kSecond);
  CHECK(tot.served == 3);
  // 1 starts at 3 (wait 2), ends 3.5; 2 starts at 3.5 (wait 1.5).
  CHECK(tot.mean_wait_s == Approx((0 + 2 + 1.5) / 3));

  // Per-replica routing with no replica at all: held, then routed to the new replica.
  for (const std::string routing : {"round-robin", "least-outstanding"}) {
    INFO(routing);
    auto p = Engine(Spec(routing, 2), {At(1, 1), At(2, 1), At(2.5, 1), At(4, 1)});
    MustAdvance(*p, 3 * kSecond);
    CHECK(p->Observe().waiting == 3);
    p->AddReplica(0, 1.0);
    w = p->Observe();
    CHECK(w.waiting == 1);
    CHECK(w.outstanding == 3);
    const ServiceTotals t2 = MustFinish(*p, 10 * kSecond);
    CHECK(t2.served == 4);
    // 1 and 2 start at 3; 2.5 at 4 (a slot frees); 4 at 4.
    CHECK(t2.mean_wait_s == Approx((2 + 1 + 1.5 + 0) / 4));
  }
}

TEST_CASE("Observe reports available and busy slot-seconds per window", "[serve]") {
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    INFO(routing);
    // One replica of 2 slots at speed 2: requests of 8 s and 2 s (ref) take 4 s and 1 s.
    auto e = Engine(Spec(routing, 2), {At(0, 8), At(1, 2), At(1.5, 2), At(1.6, 2)});
    e->AddReplica(0, 2.0);
    MustAdvance(*e, 3 * kSecond);
    ServiceWindow w = e->Observe();
    CHECK(w.length == 3 * kSecond);
    CHECK(w.arrivals == 4);
    CHECK(w.ref_work_s == Approx(14));
    CHECK(w.available_slot_s == Approx(6));
    // Slot A: 0-4 (8 s ref). Slot B: 1-2, 2-3, 3-4.
    CHECK(w.busy_slot_s == Approx(3 + 2));
    CHECK(w.outstanding == 2);
    CHECK(w.waiting == 0);
    MustAdvance(*e, 6 * kSecond);
    w = e->Observe();
    CHECK(w.length == 3 * kSecond);
    CHECK(w.arrivals == 0);
    CHECK(w.busy_slot_s == Approx(2));
    CHECK(w.available_slot_s == Approx(6));
    CHECK(w.outstanding == 0);
    const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
    CHECK(tot.served == 4);
    CHECK(tot.max_latency_s == Approx(4.0));
  }
}

// ---------------------------------------------------------------------------------------------
// Replica churn: memory stays with the live replicas; results follow the documented semantics.

TEST_CASE("replica churn keeps the slot storage to the live replicas' worth", "[serve]") {
  // 10,000 replicas of 256 slots, each started 10 s after the previous one, which is then
  // drained or killed (every other one): at most two or three are live at once. The World never
  // reuses an id; storage that grew with the ids ever seen would reach 10,000 x 256 slots.
  const uint32_t k = 256, n = 10000;
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    for (const bool loaded : {true, false}) {
      INFO(routing << (loaded ? " with load" : " without load"));
      ServiceSpec s = Spec(routing, k);
      s.load.kind = LoadSpec::Kind::kConstant;
      s.load.requests_per_s = loaded ? 20 : 1e-9;
      s.service_time.kind = DurationDist::Kind::kExponential;
      s.service_time.mean_s = 2;  // ~40 busy slots; a drained replica is done within seconds
      const SimTime horizon = n * 10 * kSecond;
      auto load = LoadProcess::Open(s, 0, 0, horizon, 3);
      REQUIRE(load.ok());
      auto made = MakeRequestEngine(s, *std::move(load), {});
      REQUIRE(made.ok());
      ServiceEngine& e = **made;
      size_t max_capacity = 0;
      double arrivals = 0, window_dropped = 0, busy_s = 0;
      for (uint32_t i = 0; i < n; ++i) {
        const SimTime t = i * 10 * kSecond;
        MustAdvance(e, t);
        e.AddReplica(i, 0.5 + (i % 3) * 0.5);
        if (i > 0 && i % 2 == 0) e.KillReplica(i - 1);
        if (i > 0 && i % 2 == 1) CHECK(e.DrainReplica(i - 1) >= t);
        const ServiceWindow w = e.Observe();
        arrivals += w.arrivals;
        window_dropped += w.dropped;
        busy_s += w.busy_slot_s;
        CHECK(w.busy_slot_s >= 0);
        CHECK(w.busy_slot_s <= 2 * k * 10.0 + 1e-6);  // at most the two replicas' slots
        CHECK(w.waiting == 0);
        max_capacity = std::max(max_capacity, RequestEngineSlotCapacityForTest(e));
      }
      MustAdvance(e, horizon);
      arrivals += e.Observe().arrivals;
      const ServiceTotals tot = MustFinish(e, horizon);
      CHECK(max_capacity >= k);
      CHECK(max_capacity <= 16 * k);  // a few live replicas' worth, not n x k
      CHECK(tot.arrived == arrivals);
      CHECK(tot.arrived == tot.served + tot.dropped + tot.unfinished);
      CHECK(tot.unfinished == 0);
      CHECK(tot.dropped == window_dropped);
      if (loaded) {
        CHECK(tot.arrived > 0.99 * 20 * n * 10);
        CHECK(tot.dropped > 0);  // kills catch requests in service
        // 2 s each at speed 0.5, 1 or 1.5, less what the kills cut short.
        CHECK(busy_s > 1.5 * tot.arrived);
        CHECK(busy_s < 2 * 1.25 * tot.arrived);
      }
    }
  }
}

// A naive reference of the documented semantics with replica changes (no max_wait, no
// prefill): every request kept, every choice by a linear scan over the replicas by World id.
class NaiveEngine {
 public:
  NaiveEngine(const std::string& routing, uint32_t k, Duration slo_us,
              std::vector<ReplayLoad::Arrival> arrivals)
      : routing_(routing), k_(k), slo_us_(slo_us), arrivals_(std::move(arrivals)) {}

  void AdvanceTo(SimTime t) {
    while (next_ < arrivals_.size() && arrivals_[next_].at < t) {
      Arrive(std::max(arrivals_[next_].at, now_), arrivals_[next_].work.service_s);
      ++next_;
    }
    if (Shared()) StartQueued(t);
    now_ = t;
  }

  void AddReplica(uint32_t r, double speed) {
    if (r >= reps_.size()) reps_.resize(size_t{r} + 1);
    if (reps_[r].state != St::kAbsent) return;
    Accrue();
    reps_[r] = {St::kReady, 1e6 / speed, std::vector<SimTime>(k_, now_)};
    const auto it = rr_.insert(std::upper_bound(rr_.begin(), rr_.end(), r), r);
    if (static_cast<size_t>(it - rr_.begin()) < rr_next_) ++rr_next_;
    if (Shared()) {
      StartQueued(now_);
      return;
    }
    for (const size_t q : held_) Dispatch(q, now_);
    held_.clear();
  }

  SimTime DrainReplica(uint32_t r) {
    if (r >= reps_.size() || reps_[r].state == St::kAbsent || reps_[r].state == St::kDead) {
      return now_;
    }
    Accrue();
    if (reps_[r].state == St::kReady) Unready(r);
    reps_[r].state = St::kDraining;
    return std::max(now_, *std::max_element(reps_[r].free.begin(), reps_[r].free.end()));
  }

  void KillReplica(uint32_t r) {
    if (r >= reps_.size() || reps_[r].state == St::kAbsent || reps_[r].state == St::kDead) return;
    Accrue();
    if (reps_[r].state == St::kReady) Unready(r);
    reps_[r].state = St::kDead;
    for (Req& q : reqs_) {
      if (q.replica == r && q.finish > now_ && !q.dropped) {
        q.dropped = true;
        q.killed = now_;
        win_dropped_ += 1;
      }
    }
  }

  ServiceWindow Observe() {
    Accrue();
    ServiceWindow w;
    w.length = now_ - last_observe_;
    w.arrivals = win_arrivals_;
    w.available_slot_s = static_cast<double>(win_available_us_) / 1e6;
    const Duration busy = BusyAccrued(now_);
    w.busy_slot_s = TimeToSeconds(busy - busy_at_last_observe_);
    double in_service = 0, dispatched = 0;
    for (const Req& q : reqs_) {
      if (q.replica == kNoReplica || q.dropped || q.finish <= now_) continue;
      dispatched += 1;
      if (q.start <= now_) in_service += 1;
    }
    const double waiting = static_cast<double>(Shared() ? queue_.size() : held_.size());
    w.outstanding = waiting + dispatched;
    w.waiting = w.outstanding - in_service;
    w.dropped = win_dropped_;
    last_observe_ = now_;
    busy_at_last_observe_ = busy;
    win_arrivals_ = win_dropped_ = 0;
    win_available_us_ = 0;
    return w;
  }

  ServiceTotals Finish(SimTime horizon) {
    AdvanceTo(horizon);
    if (Shared()) StartQueued(std::numeric_limits<SimTime>::max());
    ServiceTotals t;
    t.arrived = static_cast<double>(reqs_.size());
    t.unfinished = static_cast<double>(Shared() ? queue_.size() : held_.size());
    int64_t sum_wait = 0, sum_latency = 0;
    for (const Req& q : reqs_) {
      if (q.replica == kNoReplica) continue;
      if (q.dropped) {
        t.dropped += 1;
        continue;
      }
      t.served += 1;
      sum_wait += q.start - q.arrival;
      sum_latency += q.finish - q.arrival;
      if (q.finish - q.arrival <= slo_us_) t.slo_met += 1;
    }
    if (t.served > 0) {
      t.mean_wait_s = static_cast<double>(sum_wait) / t.served / 1e6;
      t.mean_latency_s = static_cast<double>(sum_latency) / t.served / 1e6;
    }
    return t;
  }

 private:
  static constexpr uint32_t kNoReplica = std::numeric_limits<uint32_t>::max();
  enum class St { kAbsent, kReady, kDraining, kDead };
  struct Rep {
    St state = St::kAbsent;
    double us_per_ref_s = 0;
    std::vector<SimTime> free;  // per slot
  };
  struct Req {
    SimTime arrival = 0;
    double service_s = 0;
    uint32_t replica = kNoReplica;  // once it has a slot
    SimTime start = 0, finish = 0;
    bool dropped = false;
    SimTime killed = 0;
  };

  bool Shared() const { return routing_ == "shared-queue"; }
  // Round-robin's cycle: a cursor into the ready ids in order, which stays on the same next id
  // as ids come and go around it.
  void Unready(uint32_t r) {
    const auto it = std::lower_bound(rr_.begin(), rr_.end(), r);
    if (static_cast<size_t>(it - rr_.begin()) < rr_next_) --rr_next_;
    rr_.erase(it);
  }
  Duration Scaled(double service_s, uint32_t r) const {
    return static_cast<Duration>(service_s * reps_[r].us_per_ref_s + 0.5);
  }
  void Accrue() {
    uint64_t ready_slots = 0;
    for (const Rep& rep : reps_) ready_slots += rep.state == St::kReady ? k_ : 0;
    win_available_us_ += static_cast<int64_t>(ready_slots) * (now_ - last_accrue_);
    last_accrue_ = now_;
  }
  // Slot time served by `t`: each request from its start to its finish (or its kill).
  Duration BusyAccrued(SimTime t) const {
    Duration sum = 0;
    for (const Req& q : reqs_) {
      if (q.replica == kNoReplica) continue;
      const SimTime end = std::min(q.dropped ? std::min(q.finish, q.killed) : q.finish, t);
      if (end > q.start) sum += end - q.start;
    }
    return sum;
  }
  void Start(size_t i, uint32_t r, uint32_t j, SimTime start) {
    Req& q = reqs_[i];
    q.replica = r;
    q.start = start;
    q.finish = start + Scaled(q.service_s, r);
    reps_[r].free[j] = q.finish;
  }
  // shared-queue: the ready slot with the least (free, id, slot) free by t.
  bool LeastSlot(SimTime t, uint32_t* r_out, uint32_t* j_out) const {
    bool found = false;
    for (uint32_t r = 0; r < reps_.size(); ++r) {
      if (reps_[r].state != St::kReady) continue;
      for (uint32_t j = 0; j < k_; ++j) {
        const SimTime f = reps_[r].free[j];
        if (f > t || (found && f >= reps_[*r_out].free[*j_out])) continue;
        *r_out = r;
        *j_out = j;
        found = true;
      }
    }
    return found;
  }
  void StartQueued(SimTime t) {
    uint32_t r = 0, j = 0;
    while (!queue_.empty() && LeastSlot(t, &r, &j)) {
      const size_t i = queue_.front();
      queue_.erase(queue_.begin());
      Start(i, r, j, std::max(reps_[r].free[j], reqs_[i].arrival));
    }
  }
  void Arrive(SimTime a, double service_s) {
    win_arrivals_ += 1;
    reqs_.push_back({a, service_s});
    const size_t i = reqs_.size() - 1;
    if (Shared()) {
      StartQueued(a);
      uint32_t r = 0, j = 0;
      if (queue_.empty() && LeastSlot(a, &r, &j)) {
        Start(i, r, j, a);
      } else {
        queue_.push_back(i);
      }
      return;
    }
    bool any_ready = false;
    for (const Rep& rep : reps_) any_ready = any_ready || rep.state == St::kReady;
    if (any_ready) {
      Dispatch(i, a);
    } else {
      held_.push_back(i);
    }
  }
  // Per-replica routing: the replica, then its earliest free slot.
  void Dispatch(size_t i, SimTime t) {
    uint32_t r = kNoReplica;
    if (routing_ == "round-robin") {
      if (rr_next_ >= rr_.size()) rr_next_ = 0;
      r = rr_[rr_next_++];
    } else {
      // Fewest outstanding at t (finish after t), ties to the lowest id.
      uint64_t best = std::numeric_limits<uint64_t>::max();
      for (uint32_t x = 0; x < reps_.size(); ++x) {
        if (reps_[x].state != St::kReady) continue;
        uint64_t n = 0;
        for (const Req& q : reqs_) n += q.replica == x && !q.dropped && q.finish > t ? 1 : 0;
        if (n < best) {
          best = n;
          r = x;
        }
      }
    }
    const std::vector<SimTime>& free = reps_[r].free;
    const uint32_t j = static_cast<uint32_t>(std::min_element(free.begin(), free.end()) -
                                             free.begin());
    Start(i, r, j, std::max(t, free[j]));
  }

  const std::string routing_;
  const uint32_t k_;
  const Duration slo_us_;
  const std::vector<ReplayLoad::Arrival> arrivals_;
  size_t next_ = 0;
  SimTime now_ = 0, last_observe_ = 0, last_accrue_ = 0;
  std::vector<Rep> reps_;  // by id
  std::vector<Req> reqs_;
  std::vector<size_t> queue_, held_;
  std::vector<uint32_t> rr_;  // ready ids, ascending
  size_t rr_next_ = 0;
  double win_arrivals_ = 0, win_dropped_ = 0;
  int64_t win_available_us_ = 0;
  Duration busy_at_last_observe_ = 0;
};

TEST_CASE("under replica churn the engine equals the naive reference exactly", "[serve]") {
  // Replicas of mixed speeds started (ids sometimes out of order, several at one instant),
  // drained and killed at random while a bursty load runs, with spells of no ready replica;
  // times on a coarse grid so that arrivals, finishes and changes often coincide. Every window
  // and every drain time must match, and the totals.
  for (const std::string routing : {"shared-queue", "round-robin", "least-outstanding"}) {
    for (const uint32_t k : {1u, 3u, 8u}) {
      for (const uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        INFO(routing << " k " << k << " seed " << seed);
        Rng rng(seed * 7919 + k);
        std::vector<ReplayLoad::Arrival> arrivals;
        double t = 0;
        for (int i = 0; i < 2500; ++i) {
          const bool burst = static_cast<int64_t>(t / 60) % 3 == 0;
          t += rng.Exponential(burst ? 0.1 : 0.4);
          const double service = std::ceil(rng.Lognormal(1.5, 1.0) * 100) / 100;  // >= 10 ms
          arrivals.push_back({SecondsToTime(std::round(t * 100) / 100), Work(service)});
        }
        const SimTime horizon = SecondsToTime(t) + kMinute;
        const Duration slo = 3 * kSecond;
        ServiceSpec s = Spec(routing, k);
        s.slo_latency_s = 3;
        auto engine = Engine(s, arrivals);
        NaiveEngine ref(routing, k, slo, arrivals);
        std::vector<uint32_t> ready, draining, reserved;
        uint32_t next_id = 0;
        for (SimTime at = 0; at < horizon;
             at += kSecond * (1 + static_cast<SimTime>(rng.UniformInt(20)))) {
          MustAdvance(*engine, at);
          ref.AdvanceTo(at);
          const int ops = static_cast<int>(rng.UniformInt(4));
          for (int o = 0; o < ops; ++o) {
            const double u = rng.Uniform01();
            if (u < 0.1 && ready.size() < 4) {
              // Two at once, the larger id first.
              const double speed = 0.5 + 0.5 * static_cast<double>(rng.UniformInt(3));
              engine->AddReplica(next_id + 1, speed);
              ref.AddReplica(next_id + 1, speed);
              engine->AddReplica(next_id, 2.5 - speed);
              ref.AddReplica(next_id, 2.5 - speed);
              ready.push_back(next_id);
              ready.push_back(next_id + 1);
              next_id += 2;
            } else if (u < 0.4 && ready.size() < 5) {
              uint32_t id;
              if (!reserved.empty() && rng.Uniform01() < 0.5) {
                id = reserved.back();  // an older id, added after newer ones
                reserved.pop_back();
              } else {
                if (rng.Uniform01() < 0.2) reserved.push_back(next_id++);
                id = next_id++;
              }
              const double speed = 0.5 + 0.25 * static_cast<double>(rng.UniformInt(6));
              engine->AddReplica(id, speed);
              ref.AddReplica(id, speed);
              ready.push_back(id);
            } else if (u < 0.7 && !ready.empty()) {
              const size_t i = rng.UniformInt(ready.size());
              CHECK(engine->DrainReplica(ready[i]) == ref.DrainReplica(ready[i]));
              draining.push_back(ready[i]);
              ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(i));
            } else if (u < 0.85 && !draining.empty()) {
              const size_t i = rng.UniformInt(draining.size());
              CHECK(engine->DrainReplica(draining[i]) == ref.DrainReplica(draining[i]));
              if (rng.Uniform01() < 0.5) {
                engine->KillReplica(draining[i]);
                ref.KillReplica(draining[i]);
              }
            } else if (!ready.empty()) {
              const size_t i = rng.UniformInt(ready.size());
              engine->KillReplica(ready[i]);
              ref.KillReplica(ready[i]);
              ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(i));
            }
          }
          const ServiceWindow w = engine->Observe();
          const ServiceWindow x = ref.Observe();
          INFO("at " << at);
          CHECK(w.length == x.length);
          CHECK(w.arrivals == x.arrivals);
          CHECK(w.available_slot_s == x.available_slot_s);
          CHECK(w.busy_slot_s == x.busy_slot_s);
          CHECK(w.waiting == x.waiting);
          CHECK(w.outstanding == x.outstanding);
          CHECK(w.dropped == x.dropped);
        }
        const ServiceTotals tot = MustFinish(*engine, horizon);
        const ServiceTotals ref_tot = ref.Finish(horizon);
        CHECK(tot.arrived == ref_tot.arrived);
        CHECK(tot.served == ref_tot.served);
        CHECK(tot.dropped == ref_tot.dropped);
        CHECK(tot.unfinished == ref_tot.unfinished);
        CHECK(tot.slo_met == ref_tot.slo_met);
        CHECK(tot.mean_wait_s == ref_tot.mean_wait_s);
        CHECK(tot.mean_latency_s == ref_tot.mean_latency_s);
        CHECK(tot.dropped > 0);  // the kills mattered
        CHECK(tot.mean_wait_s > 0.1);  // and queueing did
      }
    }
  }
}

TEST_CASE("shared-queue: a draining replica killed after part of its work was recorded",
          "[serve]") {
  // Replica 0 (2 slots) serves 10 s and 20 s requests from 0, replica 1 two 100 s ones: every
  // slot is busy. Replica 0 drains at 2 s; the request arriving at 15 s finds its 10 s slot done
  // (recorded, it serves no more) and waits for replica 1. Killed at 16 s, replica 0 drops only
  // the 20 s request; the windows count exactly the slot time served.
  auto e = Engine(Spec("shared-queue", 2), {At(0, 10), At(0, 20), At(0, 100), At(0, 100),
                                            At(15, 1)});
  e->AddReplica(0, 1.0);
  e->AddReplica(1, 1.0);
  MustAdvance(*e, kSecond);
  ServiceWindow w = e->Observe();
  CHECK(w.busy_slot_s == 4);
  CHECK(w.outstanding == 4);
  MustAdvance(*e, 2 * kSecond);
  CHECK(e->DrainReplica(0) == 20 * kSecond);
  MustAdvance(*e, 16 * kSecond);
  e->KillReplica(0);
  w = e->Observe();
  CHECK(w.busy_slot_s == 9 + 15 + 2 * 15);  // 1-10 and 1-16 on replica 0, 1-16 twice on 1
  CHECK(w.available_slot_s == 2 * 1 + 2 * 15);  // replica 0 until its drain
  CHECK(w.waiting == 1);
  CHECK(w.outstanding == 3);
  CHECK(w.dropped == 1);
  MustAdvance(*e, 50 * kSecond);
  w = e->Observe();
  CHECK(w.busy_slot_s == 2 * 34);
  CHECK(w.outstanding == 3);
  const ServiceTotals tot = MustFinish(*e, 200 * kSecond);
  CHECK(tot.served == 4);
  CHECK(tot.dropped == 1);
  CHECK(tot.mean_wait_s == Approx(85.0 / 4));  // the last starts at 100 s on replica 1
}

// ---------------------------------------------------------------------------------------------
// Months, revenue, SLO and time to first token.

TEST_CASE("months by arrival with revenue of served requests only", "[serve]") {
  ServiceSpec s = Spec("shared-queue");
  s.usd_per_request = 0.01;
  s.usd_per_1k_input_tokens = 0.5;
  s.usd_per_1k_output_tokens = 2.0;
  s.slo_latency_s = 2.5;
  const std::vector<MonthSpan> months = {{"2024-01", 0, 10 * kSecond, 10 * kSecond},
                                         {"2024-02", 10 * kSecond, 20 * kSecond, 10 * kSecond}};
  // Arrivals at 5 (2 s), 9 (3 s: ends at 12, in month 2, counted in month 1), 11 (1 s, waits
  // until 12: latency 2 s), 15 and 16 (killed with their replica).
  auto e = Engine(s,
                  {{5 * kSecond, Work(2, 0, 1000, 100)},
                   {9 * kSecond, Work(3, 0, 2000, 200)},
                   {11 * kSecond, Work(1, 0, 100, 10)},
                   {15 * kSecond, Work(5, 0, 100, 10)},
                   {16 * kSecond, Work(5, 0, 100, 10)}},
                  months);
  e->AddReplica(0, 1.0);
  MustAdvance(*e, 17 * kSecond);
  e->KillReplica(0);
  const ServiceTotals tot = MustFinish(*e, 20 * kSecond);
  REQUIRE(tot.months.size() == 2);
  auto revenue = [](double in, double out) { return 0.01 + 0.5 * in / 1000 + 2.0 * out / 1000; };
  CHECK(tot.months[0].arrived == 2);
  CHECK(tot.months[0].served == 2);
  CHECK(tot.months[0].slo_met == 1);  // 3 s > 2.5 s
  CHECK(tot.months[0].revenue_usd == Approx(revenue(1000, 100) + revenue(2000, 200)));
  CHECK(tot.months[0].input_tokens == 3000);
  CHECK(tot.months[0].output_tokens == 300);
  CHECK(tot.months[1].arrived == 3);
  CHECK(tot.months[1].served == 1);
  CHECK(tot.months[1].dropped == 1);  // 15 in service; 16 queued, left for no replica
  CHECK(tot.unfinished == 1);
  CHECK(tot.months[1].slo_met == 1);
  CHECK(tot.months[1].revenue_usd == Approx(revenue(100, 10)));
  CHECK(tot.revenue_usd == Approx(tot.months[0].revenue_usd + tot.months[1].revenue_usd));
  CHECK(tot.slo_met == 2);
}

TEST_CASE("time to first token is the wait plus the prefill at the replica's speed",
          "[serve]") {
  ServiceSpec s = Spec("least-outstanding");
  s.slo_latency_s = 1.0;
  s.slo_on_ttft = true;
  // Speed 2: the first runs 0-2 s (prefill 0.5 s); the second waits 1 s, prefill 1 s.
  auto e = Engine(s, {{0, Work(4, 1)}, {kSecond, Work(2, 2)}});
  e->AddReplica(0, 2.0);
  const ServiceTotals tot = MustFinish(*e, 10 * kSecond);
  CHECK(tot.served == 2);
  // Quantiles to the histogram's resolution.
  CHECK(tot.p50_ttft_s == Approx(0.5).epsilon(1e-3));
  CHECK(tot.p99_ttft_s == Approx(2.0).epsilon(1e-3));
  CHECK(tot.slo_met == 1);
  CHECK(tot.p99_latency_s == Approx(2.0).epsilon(1e-3));  // second: 1 -> 3
}

TEST_CASE("engine factories check the routing and dispatch on fidelity", "[serve]") {
  const std::vector<std::string>& names = RoutingNames();
  CHECK(names == std::vector<std::string>{"round-robin", "least-outstanding", "shared-queue"});
  ServiceSpec s = Spec("random");
  auto bad = MakeRequestEngine(s, std::make_unique<ReplayLoad>(std::vector<ReplayLoad::Arrival>{}),
                               {});
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad.status().message()).find("random") != std::string::npos);
  s.routing = "shared-queue";
  s.fidelity = ServiceSpec::Fidelity::kRequest;
  auto good = MakeServiceEngine(
      s, std::make_unique<ReplayLoad>(std::vector<ReplayLoad::Arrival>{At(0, 1)}), {});
  REQUIRE(good.ok());
  (*good)->AddReplica(0, 1.0);
  const ServiceTotals tot = MustFinish(**good, kSecond);
  CHECK(tot.served == 1);
  CHECK((*good)->Finish(kSecond).status().code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace burnrate
