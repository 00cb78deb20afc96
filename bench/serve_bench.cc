// Request-level serving engine throughput, in simulated requests per wall second (items/s).
//
//   BM_ServeMmc/<routing>/replicas:R/rate:L   M/M/c at load 0.85: Poisson arrivals at L req/s
//       (LoadProcess::Open, constant load), exponential service of mean 0.85 R / L s, R
//       single-slot replicas at speed 1; the World's rhythm: AdvanceTo + Observe every simulated
//       minute, then Finish. One iteration serves ~1M requests. Includes the load generator
//       (two exponential draws per request).
//   BM_ServeEngineOnly/<routing>/replicas:R   the same M/M/c with the arrivals drawn once
//       before timing and replayed from memory: the engine's own cost per request.
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

}  // namespace
}  // namespace burnrate
