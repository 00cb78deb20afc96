// Whole-run timings: one synthetic scenario, simulated end to end by Simulate().
//
//   BM_WholeRun_1M_jobs_10k_GPUs/<queue>+<placement>
//       1,000,000 Poisson-arrival jobs on 10,000 GPUs (1,250 nodes x 8 A100-80GB, one reserved
//       pool); gangs {1,2,4,8,16,32} weighted {50,20,12,10,5,3}; lognormal durations (median
//       1200 s, sigma 2, clipped at 7 days); arrival rate set for an offered load of 0.85.
//       Target (the performance issue): fifo-backfill+best-fit in < 10 s and < 2 GB on one core.
//   BM_WholeRun_100k_jobs_10k_GPUs/<queue>+<placement>
//       the same workload cut to 100,000 jobs (a tenth of the horizon), small enough to profile.
//
// Counters: events, events_per_s, jobs_per_s (submitted jobs / wall time), peak_rss_mb
// (getrusage ru_maxrss: the peak of the whole process, so run one whole-run benchmark per
// process, e.g. with --benchmark_filter), utilisation (allocated / provisioned GPU-time over
// the horizon), jobs_completed, and offered_load / no_wait_utilisation (what utilisation would be
// if no job ever waited) for comparison.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/model/money.h"
#include "sim/model/scenario_model.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

constexpr uint32_t kNodes = 1'250;
constexpr uint32_t kGpusPerNode = 8;
constexpr double kGpus = static_cast<double>(kNodes) * kGpusPerNode;
constexpr double kTargetLoad = 0.85;  // the workload
constexpr double kMedianS = 1200;
constexpr double kSigma = 2.0;
constexpr double kMaxS = 7.0 * 86400;
const std::vector<uint32_t> kGangValues = {1, 2, 4, 8, 16, 32};
const std::vector<double> kGangWeights = {50, 20, 12, 10, 5, 3};

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// E[min(X, c)] for X = median * exp(sigma * N(0,1)), c > 0:
//   median e^{sigma^2/2} Phi((ln(c/median) - sigma^2) / sigma) + c (1 - Phi(ln(c/median) / sigma)).
// For median 1200 s, sigma 2, c = 7 days (the clip): ~8,249 s (the unclipped mean is 8,867 s).
double LognormalMeanClippedAt(double median, double sigma, double c) {
  const double z = std::log(c / median) / sigma;
  return median * std::exp(sigma * sigma / 2) * NormalCdf(z - sigma) + c * (1 - NormalCdf(z));
}

double ClippedLognormalMean(double median, double sigma, double max) {
  return LognormalMeanClippedAt(median, sigma, max);
}

double MeanGang() {
  double num = 0, den = 0;
  for (size_t i = 0; i < kGangValues.size(); ++i) {
    num += kGangWeights[i] * kGangValues[i];
    den += kGangWeights[i];
  }
  return num / den;  // 3.94
}

// Arrivals per hour for an offered load: load x GPUs x 3600 / mean GPU-seconds per job
// (941.5 per hour at 0.85).
double ArrivalsPerHour(double load) {
  return load * kGpus * 3600.0 / (MeanGang() * ClippedLognormalMean(kMedianS, kSigma, kMaxS));
}

// Horizon: the expected time of the last arrival plus one day (the arrival-time spread of the
// millionth job is about +-1 hour), rounded to whole hours.
SimTime HorizonFor(uint64_t jobs, double load) {
  const double span_h = static_cast<double>(jobs) / ArrivalsPerHour(load);
  return static_cast<SimTime>(std::ceil(span_h + 24.0)) * kHour;
}

ScenarioModel WholeRunScenario(uint64_t jobs, double load) {
  ScenarioModel s;
  s.name = "whole-run";
  s.start_unix_s = 1672531200;  // 2023-01-01T00:00:00Z
  s.horizon = HorizonFor(jobs, load);
  s.seed = 1;
  s.sample_interval = kHour;
  s.catalog = GpuCatalog::BuiltIn();
  PoolSpec p;
  p.name = "a100";
  p.gpu_type = "A100-80GB";
  p.gpus_per_node = kGpusPerNode;
  p.nodes = kNodes;
  p.pricing = PricingModel::kReserved;
  p.price = DollarsPerHourToPrice(2.0);
  s.pools.push_back(p);
  GeneratorSpec g;
  g.name = "synthetic";
  g.arrivals_per_hour = ArrivalsPerHour(load);
  g.max_jobs = jobs;
  g.start = 0;
  g.end = s.horizon;
  g.gpu_values = kGangValues;
  g.gpu_weights = kGangWeights;
  g.duration.kind = DurationDist::Kind::kLognormal;
  g.duration.median_s = kMedianS;
  g.duration.sigma = kSigma;
  g.duration.max_s = kMaxS;
  s.generators.push_back(g);
  return s;
}

// Utilisation the run would show if no job ever waited: arrivals at rate lambda over [0, span),
// each holding mean-gang GPUs for min(duration, horizon - submit). The heavy tail matters: the
// cluster needs about a week (the 7-day clip) to reach its steady occupancy, so this is well
// below the offered load on short horizons. Trapezoid rule over the submit time.
double NoWaitUtilisation(uint64_t jobs, double load, SimTime horizon) {
  const double lambda_per_s = ArrivalsPerHour(load) / 3600.0;
  const double h = TimeToSeconds(horizon);
  const double span = static_cast<double>(jobs) / lambda_per_s;
  constexpr int kSteps = 20'000;
  const auto held = [&](double submit) {
    return LognormalMeanClippedAt(kMedianS, kSigma, std::min(kMaxS, h - submit));
  };
  double integral = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double a = span * i / kSteps, b = span * (i + 1) / kSteps;
    integral += (held(a) + held(b)) / 2 * (b - a);
  }
  return lambda_per_s * MeanGang() * integral / (kGpus * h);
}

double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void BM_WholeRun(benchmark::State& state, uint64_t jobs, double load, PolicySpec policy) {
  const ScenarioModel scenario = WholeRunScenario(jobs, load);
  v1::Summary summary;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto run = Simulate(scenario, policy, 1, RunOptions{});
    const auto t1 = std::chrono::steady_clock::now();
    if (!run.ok()) {
      state.SkipWithError(std::string(run.status().message()).c_str());
      return;
    }
    seconds += std::chrono::duration<double>(t1 - t0).count();
    summary = run->result.summary();
  }
  const double iters = static_cast<double>(state.iterations());
  const double per_run_s = seconds / iters;
  const double events = static_cast<double>(summary.events());
  const double horizon_h = TimeToSeconds(scenario.horizon) / 3600.0;
  state.counters["events"] = events;
  state.counters["events_per_job"] = events / static_cast<double>(summary.jobs_submitted());
  state.counters["events_per_s"] = events / per_run_s;
  state.counters["jobs_per_s"] = static_cast<double>(summary.jobs_submitted()) / per_run_s;
  state.counters["peak_rss_mb"] = PeakRssMb();
  state.counters["utilisation"] = summary.gpu_utilization();
  state.counters["offered_load"] = load;
  state.counters["no_wait_utilisation"] = NoWaitUtilisation(jobs, load, scenario.horizon);
  state.counters["jobs_submitted"] = summary.jobs_submitted();
  state.counters["jobs_completed"] = summary.jobs_completed();
  state.counters["preemptions"] = summary.preemptions();
  state.counters["jobs_queued_at_horizon"] = summary.jobs_queued_at_horizon();
  state.counters["mean_queue_delay_h"] = summary.mean_queue_delay_s() / 3600.0;
  state.counters["arrivals_per_hour"] = ArrivalsPerHour(load);
  state.counters["horizon_h"] = horizon_h;
}

const std::vector<PolicySpec>& WholeRunPolicies() {
  static const auto* policies = new std::vector<PolicySpec>{
      {"fifo-backfill", "best-fit"},
      {"fifo-skip", "best-fit"},
      {"fifo", "first-fit"},
      {"sjf", "best-fit"},
      {"srtf", "best-fit"},
      {"tiresias-las", "best-fit"},
      {"fair-share", "best-fit"},
      {"themis-ftf", "best-fit"},
      {"priority", "topology"},
      {"fifo-skip", "random"},
  };
  return *policies;
}

// Registered by hand so the names carry the policy spelling users type ("fifo-backfill+best-fit").
struct Variant {
  uint64_t jobs;
  double load;
  const char* name;
};
const bool kRegistered = [] {
  const Variant variants[] = {
      {1'000'000, kTargetLoad, "BM_WholeRun_1M_jobs_10k_GPUs/"},
      {100'000, kTargetLoad, "BM_WholeRun_100k_jobs_10k_GPUs/"},
      {1'000'000, 0.98, "BM_WholeRun_1M_jobs_10k_GPUs_load0.98/"},
      {100'000, 1.10, "BM_WholeRun_100k_jobs_10k_GPUs_load1.10/"},
  };
  for (const Variant& v : variants) {
    for (const PolicySpec& policy : WholeRunPolicies()) {
      benchmark::RegisterBenchmark((v.name + policy.Name()).c_str(), BM_WholeRun, v.jobs, v.load,
                                   policy)
          ->Iterations(1)
          ->UseRealTime()
          ->Unit(benchmark::kSecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace burnrate
