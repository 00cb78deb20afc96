// The fluid service engine over a month (serve/fluid_engine.cc):
//
//   BM_FluidMonth/steady       30 days of a service at a constant 200 requests/s (generated load,
//       LoadProcess::Open), lognormal service times (median 3 s, sigma 0.8: mean 4.13 s), 70
//       replicas of concurrency 16 (rho ~0.74), 60 s steps; AdvanceTo + Observe every minute,
//       then Finish (latency quantiles, SLO). One iteration = one whole month.
//   BM_FluidMonth/autoscaled   the same load with an hourly profile (0.4x..1.6x) and hourly noise
//       (sigma 0.2); every 5 minutes a rule sets the replicas to hold rho = 0.7 at the
//       forecast rate (about 30..120 replicas); new replicas start 37 s after the decision
//       (cold start), so steps are split; scale-downs drain at once.
//   BM_FluidMonth/overloaded   the steady load on 40 replicas (capacity ~155/s against 200/s) and
//       no max_wait: the backlog grows all month (one chunk per step, ~43,000) and is served
//       after the horizon: the fluid queue's worst case.
//   BM_FluidMonth/saturating   the autoscaled load (hourly profile and noise) on a fixed 85
//       replicas (capacity ~330/s): the daily peaks (1.6 x 200/s with noise) reach and pass the
//       capacity, so the closure runs near rho = 1 and the engine switches to the FIFO backlog
//       and back (with the closure's reflection) every day.
//
//   BM_ErlangB/c:C             one ErlangB(c, 0.9 c): the unit of the closure's cost (the Newton
//       inversion of L(rho) evaluates one per iteration, ErlangC at the sub-step's mean rho one
//       more; at the fixed point none): the recursion up to 64 servers, the Poisson ratio of
//       Boost.Math's incomplete gamma above.
//
// Counters: steps/s (60 s steps of simulated time per wall-clock second), served requests,
// p99 latency and SLO attainment of the month (so a change in the model shows up next to the
// time). CPU time per month (2 cores at 2.6 GHz, Release): steady ~9 ms, autoscaled ~37 ms (the
// closure's relaxation after each change of replicas), overloaded ~7 ms, saturating ~100 ms; the
// engine before the closure (a stationary M/G/c per step) took 10 / 13 / 6 ms for the first
// three.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "serve/engine.h"
#include "serve/load.h"
#include "serve/queueing.h"
#include "sim/model/calendar.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

constexpr int64_t kStartUnix = 1735689600;  // 2025-01-01T00:00:00Z
constexpr SimTime kMonth = 30 * kDay;

ServiceSpec BenchService(bool autoscaled) {
  ServiceSpec s;
  s.name = "chat";
  s.concurrency = 16;
  s.fidelity = ServiceSpec::Fidelity::kFluid;
  s.fluid_step = kMinute;
  s.service_time.kind = DurationDist::Kind::kLognormal;
  s.service_time.median_s = 3.0;
  s.service_time.sigma = 0.8;
  s.slo_latency_s = 10;
  s.usd_per_request = 0.002;
  s.load.requests_per_s = 200;
  if (autoscaled) {
    s.load.kind = LoadSpec::Kind::kProfile;
    for (int h = 0; h < 24; ++h) {
      s.load.hourly_profile.push_back(1.0 + 0.6 * std::sin(2 * M_PI * (h - 9) / 24.0));
    }
    s.load.noise_sigma = 0.2;
  }
  return s;
}

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) throw std::runtime_error(std::string(v.status().message()));
  return *std::move(v);
}

enum class Mode { kSteady, kAutoscaled, kOverloaded, kSaturating };

void BM_FluidMonth(benchmark::State& state, Mode mode) {
  const bool autoscaled = mode == Mode::kAutoscaled;
  // The load keeps a reference: outlives it.
  const ServiceSpec s = BenchService(autoscaled || mode == Mode::kSaturating);
  const std::vector<MonthSpan> months = MonthsInHorizon(kStartUnix, kMonth);
  ServiceTotals totals;
  for (auto _ : state) {
    std::unique_ptr<LoadProcess> load =
        Must(LoadProcess::Open(s, /*service_index=*/0, kStartUnix, kMonth, /*seed=*/42));
    LoadProcess* forecast = load.get();
    std::unique_ptr<ServiceEngine> e = Must(MakeFluidEngine(s, std::move(load), months));
    const double mean_service = forecast->MeanServiceS();
    uint32_t next_id = 0;
    std::vector<uint32_t> ready;
    auto scale_to = [&](uint32_t n) {
      while (ready.size() < n) {
        e->AddReplica(next_id, 1.0);
        ready.push_back(next_id++);
      }
      while (ready.size() > n) {
        e->DrainReplica(ready.back());
        ready.pop_back();
      }
    };
    scale_to(mode == Mode::kOverloaded ? 40 : mode == Mode::kSaturating ? 85 : 70);
    uint32_t pending = 0;  // replicas to add at the cold-start time
    for (SimTime t = kMinute; t <= kMonth; t += kMinute) {
      if (pending > 0) {
        if (!e->AdvanceTo(t - kMinute + 37 * kSecond).ok()) throw std::runtime_error("advance");
        scale_to(static_cast<uint32_t>(ready.size()) + pending);
        pending = 0;
      }
      if (!e->AdvanceTo(t).ok()) throw std::runtime_error("advance");
      benchmark::DoNotOptimize(e->Observe());
      if (autoscaled && t % (5 * kMinute) == 0 && t < kMonth) {
        const double rate = forecast->ForecastRate(t, t + 5 * kMinute);
        const auto want = static_cast<uint32_t>(std::ceil(rate * mean_service / (16 * 0.7)));
        if (want > ready.size()) {
          pending = want - static_cast<uint32_t>(ready.size());
        } else {
          scale_to(want);
        }
      }
    }
    totals = Must(e->Finish(kMonth));
    benchmark::DoNotOptimize(totals);
  }
  state.counters["steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(kMonth / kMinute),
      benchmark::Counter::kIsRate);
  state.counters["served"] = totals.served;
  state.counters["p99_latency_s"] = totals.p99_latency_s;
  state.counters["slo_attainment"] = totals.served > 0 ? totals.slo_met / totals.served : 0;
}

BENCHMARK_CAPTURE(BM_FluidMonth, steady, Mode::kSteady)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FluidMonth, autoscaled, Mode::kAutoscaled)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FluidMonth, overloaded, Mode::kOverloaded)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FluidMonth, saturating, Mode::kSaturating)->Unit(benchmark::kMillisecond);

void BM_ErlangB(benchmark::State& state) {
  const auto c = static_cast<uint32_t>(state.range(0));
  double a = 0.9 * c;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ErlangB(c, a));
    a += 1e-9;  // defeat caching across iterations
  }
}
BENCHMARK(BM_ErlangB)->ArgName("c")->Arg(16)->Arg(64)->Arg(1600)->Arg(100000)->Arg(1000000);

}  // namespace
}  // namespace burnrate
