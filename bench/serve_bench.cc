// Request-level serving engine throughput, in simulated requests per wall second (items/s).
//
//   BM_ServeMmc/<routing>/replicas:R/rate:L   M/M/c at load 0.85: Poisson arrivals at L req/s
//       (LoadProcess::Open, constant load), exponential service of mean 0.85 R / L s, R
//       single-slot replicas at speed 1; the World's rhythm: AdvanceTo + Observe every simulated
//       minute, then Finish. One iteration serves ~1M requests. Includes the load generator
//       (two exponential draws per request).
//   BM_ServeEngineOnly/<routing>/replicas:R   the same M/M/c with the arrivals drawn once
//       before timing and replayed from memory: the engine's own cost per request.
//   BM_ServeChurn/<routing>/concurrency:C   replica churn as the World makes it (autoscaling,
//       spot replacements): 10 replicas of C slots at load 0.6 (exponential 1 s), one replaced
//       every simulated 10 s (the oldest drained, every 4th killed instead; a new id each time),
//       Observe every 10 s. ~1M requests; the memory stays with the live replicas.
//   BM_ServeHighConcurrency/<routing>/concurrency:C   10 replicas of C slots serving 1000 req/s
//       of 1 s requests (1000 busy slots whatever C), Observe every simulated second (an
//       autoscaler's tick): Observe's cost must not grow with C.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/engine.h"
#include "serve/load.h"
#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

constexpr double kLoad = 0.85;
constexpr double kRequestsPerIteration = 1e6;

ServiceSpec MmcSpec(const std::string& routing, uint32_t replicas, double rate) {
  ServiceSpec s;
  s.name = "bench";
  s.routing = routing;
  s.concurrency = 1;
  s.load.kind = LoadSpec::Kind::kConstant;
  s.load.requests_per_s = rate;
  s.service_time.kind = DurationDist::Kind::kExponential;
  s.service_time.mean_s = kLoad * replicas / rate;
  s.slo_latency_s = 2 * s.service_time.mean_s;
  return s;
}

// Drives one engine as the World would and returns the requests served.
double Drive(const ServiceSpec& s, std::unique_ptr<LoadProcess> load, uint32_t replicas,
             SimTime horizon, benchmark::State& state) {
  auto engine = MakeRequestEngine(s, std::move(load), {});
  if (!engine.ok()) {
    state.SkipWithError(std::string(engine.status().message()).c_str());
    return 0;
  }
  ServiceEngine& e = **engine;
  for (uint32_t r = 0; r < replicas; ++r) e.AddReplica(r, 1.0);
  double outstanding = 0;
  for (SimTime t = kMinute; t < horizon; t += kMinute) {
    if (!e.AdvanceTo(t).ok()) state.SkipWithError("AdvanceTo failed");
    outstanding += e.Observe().outstanding;
  }
  benchmark::DoNotOptimize(outstanding);
  absl::StatusOr<ServiceTotals> totals = e.Finish(horizon);
  if (!totals.ok()) {
    state.SkipWithError("Finish failed");
    return 0;
  }
  benchmark::DoNotOptimize(totals->p99_latency_s);
  return totals->served;
}

void BM_ServeMmc(benchmark::State& state, const std::string& routing) {
  const uint32_t replicas = static_cast<uint32_t>(state.range(0));
  const double rate = static_cast<double>(state.range(1));
  const ServiceSpec s = MmcSpec(routing, replicas, rate);
  const SimTime horizon = SecondsToTime(kRequestsPerIteration / rate);
  double served = 0;
  uint64_t seed = 1;
  for (auto _ : state) {
    auto load = LoadProcess::Open(s, 0, 0, horizon, seed++);
    if (!load.ok()) {
      state.SkipWithError("LoadProcess::Open failed");
      break;
    }
    served += Drive(s, *std::move(load), replicas, horizon, state);
  }
  state.SetItemsProcessed(static_cast<int64_t>(served));
}

void MmcArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"replicas", "rate"});
  b->Args({10, 200});
  b->Args({100, 200});
  b->Args({100, 20000});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_ServeMmc, shared_queue, "shared-queue")->Apply(MmcArgs);
BENCHMARK_CAPTURE(BM_ServeMmc, least_outstanding, "least-outstanding")->Apply(MmcArgs);
BENCHMARK_CAPTURE(BM_ServeMmc, round_robin, "round-robin")->Apply(MmcArgs);

// Arrivals replayed from memory (drawn before timing).
class VectorLoad final : public LoadProcess {
 public:
  VectorLoad(const std::vector<SimTime>* at, const std::vector<RequestWork>* work)
      : at_(at), work_(work) {}
  absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) override {
    if (i_ == at_->size()) return false;
    *at = (*at_)[i_];
    *work = (*work_)[i_];
    ++i_;
    return true;
  }
  absl::Status Totals(SimTime, SimTime, LoadTotals*) override {
    return absl::UnimplementedError("replay");
  }
  double ForecastRate(SimTime, SimTime) const override {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double MeanServiceS() const override { return 0; }
  std::vector<RequestWork> WorkSample(size_t) override { return {}; }

 private:
  const std::vector<SimTime>* at_;
  const std::vector<RequestWork>* work_;
  size_t i_ = 0;
};

void BM_ServeEngineOnly(benchmark::State& state, const std::string& routing) {
  const uint32_t replicas = static_cast<uint32_t>(state.range(0));
  const double rate = 1000;
  const ServiceSpec s = MmcSpec(routing, replicas, rate);
  const size_t n = static_cast<size_t>(kRequestsPerIteration);
  std::vector<SimTime> at(n);
  std::vector<RequestWork> work(n);
  Rng rng(42);
  double t = 0;
  for (size_t i = 0; i < n; ++i) {
    t += rng.Exponential(1 / rate);
    at[i] = SecondsToTime(t);
    work[i].service_s = rng.Exponential(s.service_time.mean_s);
  }
  const SimTime horizon = at.back() + 1;
  double served = 0;
  for (auto _ : state) {
    served += Drive(s, std::make_unique<VectorLoad>(&at, &work), replicas, horizon, state);
  }
  state.SetItemsProcessed(static_cast<int64_t>(served));
}

void EngineOnlyArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("replicas");
  b->Arg(10);
  b->Arg(100);
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_ServeEngineOnly, shared_queue, "shared-queue")->Apply(EngineOnlyArgs);
BENCHMARK_CAPTURE(BM_ServeEngineOnly, least_outstanding, "least-outstanding")
    ->Apply(EngineOnlyArgs);
BENCHMARK_CAPTURE(BM_ServeEngineOnly, round_robin, "round-robin")->Apply(EngineOnlyArgs);

// Arrivals of `rate` req/s, exponential service of mean `mean_s`, replayed from memory.
struct Replay {
  std::vector<SimTime> at;
  std::vector<RequestWork> work;
};
Replay MakeReplay(double rate, double mean_s, size_t n) {
  Replay r;
  r.at.resize(n);
  r.work.resize(n);
  Rng rng(7);
  double t = 0;
  for (size_t i = 0; i < n; ++i) {
    t += rng.Exponential(1 / rate);
    r.at[i] = SecondsToTime(t);
    r.work[i].service_s = rng.Exponential(mean_s);
  }
  return r;
}

ServiceSpec SlotsSpec(const std::string& routing, uint32_t concurrency) {
  ServiceSpec s;
  s.name = "bench";
  s.routing = routing;
  s.concurrency = concurrency;
  s.slo_latency_s = 2;
  return s;
}

void BM_ServeChurn(benchmark::State& state, const std::string& routing) {
  const uint32_t c = static_cast<uint32_t>(state.range(0));
  const uint32_t replicas = 10;
  const ServiceSpec s = SlotsSpec(routing, c);
  const Replay replay =
      MakeReplay(0.6 * replicas * c, 1.0, static_cast<size_t>(kRequestsPerIteration));
  const SimTime horizon = replay.at.back() + 1;
  double served = 0;
  for (auto _ : state) {
    auto made = MakeRequestEngine(s, std::make_unique<VectorLoad>(&replay.at, &replay.work), {});
    if (!made.ok()) {
      state.SkipWithError("MakeRequestEngine failed");
      break;
    }
    ServiceEngine& e = **made;
    std::vector<uint32_t> live;
    uint32_t next = 0;
    for (; next < replicas; ++next) {
      e.AddReplica(next, 1.0);
      live.push_back(next);
    }
    double outstanding = 0;
    for (SimTime t = 10 * kSecond; t < horizon; t += 10 * kSecond) {
      if (!e.AdvanceTo(t).ok()) state.SkipWithError("AdvanceTo failed");
      e.AddReplica(next, 1.0);
      if (next % 4 == 0) {
        e.KillReplica(live.front());
      } else {
        benchmark::DoNotOptimize(e.DrainReplica(live.front()));
      }
      live.erase(live.begin());
      live.push_back(next++);
      outstanding += e.Observe().outstanding;
    }
    benchmark::DoNotOptimize(outstanding);
    absl::StatusOr<ServiceTotals> totals = e.Finish(horizon);
    if (!totals.ok()) {
      state.SkipWithError("Finish failed");
      break;
    }
    served += totals->served;
  }
  state.SetItemsProcessed(static_cast<int64_t>(served));
}

void ChurnArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("concurrency");
  b->Arg(16);
  b->Arg(256);
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_ServeChurn, shared_queue, "shared-queue")->Apply(ChurnArgs);
BENCHMARK_CAPTURE(BM_ServeChurn, least_outstanding, "least-outstanding")->Apply(ChurnArgs);
BENCHMARK_CAPTURE(BM_ServeChurn, round_robin, "round-robin")->Apply(ChurnArgs);

void BM_ServeHighConcurrency(benchmark::State& state, const std::string& routing) {
  const uint32_t c = static_cast<uint32_t>(state.range(0));
  const uint32_t replicas = 10;
  const ServiceSpec s = SlotsSpec(routing, c);
  const Replay replay = MakeReplay(1000, 1.0, static_cast<size_t>(kRequestsPerIteration) / 4);
  const SimTime horizon = replay.at.back() + 1;
  double served = 0;
  for (auto _ : state) {
    auto made = MakeRequestEngine(s, std::make_unique<VectorLoad>(&replay.at, &replay.work), {});
    if (!made.ok()) {
      state.SkipWithError("MakeRequestEngine failed");
      break;
    }
    ServiceEngine& e = **made;
    for (uint32_t r = 0; r < replicas; ++r) e.AddReplica(r, 1.0);
    double busy = 0;
    for (SimTime t = kSecond; t < horizon; t += kSecond) {
      if (!e.AdvanceTo(t).ok()) state.SkipWithError("AdvanceTo failed");
      busy += e.Observe().busy_slot_s;
    }
    benchmark::DoNotOptimize(busy);
    absl::StatusOr<ServiceTotals> totals = e.Finish(horizon);
    if (!totals.ok()) {
      state.SkipWithError("Finish failed");
      break;
    }
    served += totals->served;
  }
  state.SetItemsProcessed(static_cast<int64_t>(served));
}

void HighConcurrencyArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("concurrency");
  b->Arg(128);
  b->Arg(16384);
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_ServeHighConcurrency, shared_queue, "shared-queue")
    ->Apply(HighConcurrencyArgs);
BENCHMARK_CAPTURE(BM_ServeHighConcurrency, least_outstanding, "least-outstanding")
    ->Apply(HighConcurrencyArgs);
BENCHMARK_CAPTURE(BM_ServeHighConcurrency, round_robin, "round-robin")
    ->Apply(HighConcurrencyArgs);

}  // namespace
}  // namespace burnrate
