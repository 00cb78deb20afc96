// Whole-run timings: one synthetic scenario, simulated end to end by Simulate().
//
//   BM_WholeRun_1M_jobs_10k_GPUs/<queue>+<placement>
//       1,000,000 Poisson-arrival jobs on 10,000 GPUs (1,250 nodes x 8 A100-80GB, one reserved
//       pool); gangs {1,2,4,8,16,32} weighted {50,20,12,10,5,3}; lognormal durations (median
//       1200 s, sigma 2, clipped at 7 days); arrival rate set for an offered load of 0.85.
//       Target (the performance issue): fifo-backfill+best-fit in < 10 s and < 2 GB on one core.
//   BM_WholeRun_100k_jobs_10k_GPUs/<queue>+<placement>
//       the same workload cut to 100,000 jobs (a tenth of the horizon), small enough to profile.
//   BM_WholeRun_1M_jobs_100k_GPUs_30d/<queue>+<placement>
//       1,000,000 jobs on 100,000 GPUs (12,500 nodes x 8 A100-80GB in racks of 32 nodes) over a
//       30-day horizon, arriving during the first 29 days (1,436.8 per hour); gangs
//       {1,2,4,8,16,32,64,128,256} weighted {35,15,12,15,9,6,4,2.5,1.5} (mean 15.29 GPUs);
//       lognormal durations (median 2,250 s, sigma 2, clipped at 7 days): offered load 0.894.
//       Target (issue 9): fifo-backfill+best-fit and tiresias-las+topology each < 20 s, < 2 GB.
//       The same workload is bench/scenarios/1m-jobs-100k-gpus-30d.yaml for the CLI.
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

// One synthetic workload: a pool of identical 8-GPU nodes, Poisson arrivals, a discrete gang
// mix, clipped lognormal durations.
struct Workload {
  uint32_t nodes = 1'250;
  uint32_t rack_size = 0;  // nodes per rack; 0 = one rack
  std::vector<uint32_t> gang_values = {1, 2, 4, 8, 16, 32};
  std::vector<double> gang_weights = {50, 20, 12, 10, 5, 3};
  double median_s = 1200;
  double sigma = 2.0;
  double max_s = 7.0 * 86400;
  double gpus() const { return static_cast<double>(nodes) * kGpusPerNode; }
  static constexpr uint32_t kGpusPerNode = 8;
};

// The foundation issue's workload: 10,000 GPUs.
const Workload k10k{};
// Issue 9's: 100,000 GPUs in racks of 32 nodes, a wider gang mix, longer jobs.
const Workload k100k{12'500, 32, {1, 2, 4, 8, 16, 32, 64, 128, 256},
                     {35, 15, 12, 15, 9, 6, 4, 2.5, 1.5}, 2250, 2.0, 7.0 * 86400};
constexpr double kTargetLoad = 0.85;  // the foundation issue's workload

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// E[min(X, c)] for X = median * exp(sigma * N(0,1)), c > 0:
//   median e^{sigma^2/2} Phi((ln(c/median) - sigma^2) / sigma) + c (1 - Phi(ln(c/median) / sigma)).
// For median 1200 s, sigma 2, c = 7 days (the clip): ~8,249 s (the unclipped mean is 8,867 s);
// for median 2,250 s: ~14,648 s.
double LognormalMeanClippedAt(double median, double sigma, double c) {
  const double z = std::log(c / median) / sigma;
  return median * std::exp(sigma * sigma / 2) * NormalCdf(z - sigma) + c * (1 - NormalCdf(z));
}

double MeanDuration(const Workload& w) { return LognormalMeanClippedAt(w.median_s, w.sigma, w.max_s); }

double MeanGang(const Workload& w) {
  double num = 0, den = 0;
  for (size_t i = 0; i < w.gang_values.size(); ++i) {
    num += w.gang_weights[i] * w.gang_values[i];
    den += w.gang_weights[i];
  }
  return num / den;  // 3.94 (10k), 15.29 (100k)
}

// Arrivals per hour for an offered load: load x GPUs x 3600 / mean GPU-seconds per job
// (941.5 per hour at 0.85 on 10k GPUs).
double ArrivalsPerHour(const Workload& w, double load) {
  return load * w.gpus() * 3600.0 / (MeanGang(w) * MeanDuration(w));
}

double OfferedLoad(const Workload& w, double arrivals_per_hour) {
  return arrivals_per_hour * MeanGang(w) * MeanDuration(w) / (w.gpus() * 3600.0);
}

// A run: a workload, how many jobs, how fast they arrive, and the horizon.
struct RunShape {
  const Workload* workload = &k10k;
  uint64_t jobs = 0;
  double arrivals_per_hour = 0;
  SimTime horizon = 0;
};

// The foundation issue's shapes: the arrival rate for the load; the horizon is the expected
// time of the last arrival plus one day (the arrival-time spread of the millionth job is about
// +-1 hour), rounded to whole hours.
RunShape ShapeForLoad(const Workload& w, uint64_t jobs, double load) {
  const double rate = ArrivalsPerHour(w, load);
  const double span_h = static_cast<double>(jobs) / rate;
  return RunShape{&w, jobs, rate, static_cast<SimTime>(std::ceil(span_h + 24.0)) * kHour};
}

// Issue 9's shape: 1M jobs arriving over the first 29 days of a 30-day horizon (1,436.8 per
// hour; the millionth arrival's spread is about +-0.7 h, so all arrive).
RunShape Shape100k30d() {
  return RunShape{&k100k, 1'000'000, 1e6 / (29.0 * 24.0), 30 * kDay};
}

ScenarioModel WholeRunScenario(const RunShape& r) {
  const Workload& w = *r.workload;
  ScenarioModel s;
  s.name = "whole-run";
  s.start_unix_s = 1672531200;  // 2023-01-01T00:00:00Z
  s.horizon = r.horizon;
  s.seed = 1;
  s.sample_interval = kHour;
  s.catalog = GpuCatalog::BuiltIn();
  PoolSpec p;
  p.name = "a100";
  p.gpu_type = "A100-80GB";
  p.gpus_per_node = Workload::kGpusPerNode;
  p.nodes = w.nodes;
  p.rack_size = w.rack_size;
  p.pricing = PricingModel::kReserved;
  p.price = DollarsPerHourToPrice(2.0);
  s.pools.push_back(p);
  GeneratorSpec g;
  g.name = "synthetic";
  g.arrivals_per_hour = r.arrivals_per_hour;
  g.max_jobs = r.jobs;
  g.start = 0;
  g.end = s.horizon;
  g.gpu_values = w.gang_values;
  g.gpu_weights = w.gang_weights;
  g.duration.kind = DurationDist::Kind::kLognormal;
  g.duration.median_s = w.median_s;
  g.duration.sigma = w.sigma;
  g.duration.max_s = w.max_s;
  s.generators.push_back(g);
  return s;
}

// Utilisation the run would show if no job ever waited: arrivals at rate lambda over [0, span),
// each holding mean-gang GPUs for min(duration, horizon - submit). The heavy tail matters: the
// cluster needs about a week (the 7-day clip) to reach its steady occupancy, so this is well
// below the offered load on short horizons. Trapezoid rule over the submit time.
double NoWaitUtilisation(const RunShape& r) {
  const Workload& w = *r.workload;
  const double lambda_per_s = r.arrivals_per_hour / 3600.0;
  const double h = TimeToSeconds(r.horizon);
  const double span = std::min(h, static_cast<double>(r.jobs) / lambda_per_s);
  constexpr int kSteps = 20'000;
  const auto held = [&](double submit) {
    return LognormalMeanClippedAt(w.median_s, w.sigma, std::min(w.max_s, h - submit));
  };
  double integral = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double a = span * i / kSteps, b = span * (i + 1) / kSteps;
    integral += (held(a) + held(b)) / 2 * (b - a);
  }
  return lambda_per_s * MeanGang(w) * integral / (w.gpus() * h);
}

double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void BM_WholeRun(benchmark::State& state, RunShape shape, PolicySpec policy) {
  const ScenarioModel scenario = WholeRunScenario(shape);
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
  state.counters["offered_load"] = OfferedLoad(*shape.workload, shape.arrivals_per_hour);
  state.counters["no_wait_utilisation"] = NoWaitUtilisation(shape);
  state.counters["jobs_submitted"] = summary.jobs_submitted();
  state.counters["jobs_completed"] = summary.jobs_completed();
  state.counters["preemptions"] = summary.preemptions();
  state.counters["jobs_queued_at_horizon"] = summary.jobs_queued_at_horizon();
  state.counters["mean_queue_delay_h"] = summary.mean_queue_delay_s() / 3600.0;
  state.counters["arrivals_per_hour"] = shape.arrivals_per_hour;
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

// Issue 9's two, plus two cheap ones for scale.
const std::vector<PolicySpec>& Policies100k() {
  static const auto* policies = new std::vector<PolicySpec>{
      {"fifo-backfill", "best-fit"},
      {"tiresias-las", "topology"},
      {"fifo-skip", "best-fit"},
      {"sjf", "best-fit"},
  };
  return *policies;
}

// Registered by hand so the names carry the policy spelling users type ("fifo-backfill+best-fit").
struct Variant {
  RunShape shape;
  const char* name;
  const std::vector<PolicySpec>* policies;
};
const bool kRegistered = [] {
  const Variant variants[] = {
      {ShapeForLoad(k10k, 1'000'000, kTargetLoad), "BM_WholeRun_1M_jobs_10k_GPUs/",
       &WholeRunPolicies()},
      {ShapeForLoad(k10k, 100'000, kTargetLoad), "BM_WholeRun_100k_jobs_10k_GPUs/",
       &WholeRunPolicies()},
      {ShapeForLoad(k10k, 1'000'000, 0.98), "BM_WholeRun_1M_jobs_10k_GPUs_load0.98/",
       &WholeRunPolicies()},
      {ShapeForLoad(k10k, 100'000, 1.10), "BM_WholeRun_100k_jobs_10k_GPUs_load1.10/",
       &WholeRunPolicies()},
      {Shape100k30d(), "BM_WholeRun_1M_jobs_100k_GPUs_30d/", &Policies100k()},
  };
  for (const Variant& v : variants) {
    for (const PolicySpec& policy : *v.policies) {
      benchmark::RegisterBenchmark((v.name + policy.Name()).c_str(), BM_WholeRun, v.shape, policy)
          ->Iterations(1)
          ->UseRealTime()
          ->Unit(benchmark::kSecond);
    }
  }
  return true;
}();

}  // namespace
}  // namespace burnrate
