// `trace stats` and `trace fit`: a generator fitted to a trace reproduces its mean GPU demand
// and duration quantiles within 5%.
#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/model/rng.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"
#include "sim/trace/trace_stats.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

namespace fs = std::filesystem;
using namespace testing;

// A burnrate-csv trace of `n` jobs: Poisson arrivals, gangs {1,2,4,8,16}, lognormal durations
// (median 1 h, sigma 1.5): heavy-tailed like real GPU clusters.
std::string WriteTrace(const fs::path& dir, int n) {
  const fs::path file = dir / "trace.csv";
  std::ofstream out(file);
  out << "submit_s,gpus,duration_s,name\n";
  Rng rng(5);
  const uint32_t sizes[] = {1, 2, 4, 8, 16};
  const double weights[] = {40, 25, 15, 15, 5};
  DiscreteDistribution pick(std::vector<double>(std::begin(weights), std::end(weights)));
  double t = 0;
  for (int i = 0; i < n; ++i) {
    t += rng.Exponential(600);
    out << t << "," << sizes[pick.Sample(rng)] << "," << rng.Lognormal(3600, 1.5) << ",j" << i
        << "\n";
  }
  return file.string();
}

struct Simulated {
  double demand_gpus;  // mean GPUs busy if every job ran at once, per unit of arrival rate
  std::vector<double> durations;
};

// Runs the fitted generator at `scale` times its rate over the trace's span on a cluster big
// enough that nobody waits.
Simulated RunFitted(const TraceStats& st, const std::string& generator_yaml, double scale) {
  std::string gen = generator_yaml;
  const std::string key = "arrivals_per_hour: ";
  const size_t at = gen.find(key) + key.size();
  const size_t end = gen.find('\n', at);
  gen.replace(at, end - at, std::to_string(st.arrivals_per_hour() * scale));
  std::string indented;
  for (size_t i = 0; i < gen.size(); ++i) {
    if (i == 0 || gen[i - 1] == '\n') indented += "    ";
    indented += gen[i];
  }
  const std::string yaml = "horizon_days: " + std::to_string(st.span_s() / 86400) +
                           "\nsample_interval_s: 86400\n"
                           "cluster:\n  pools:\n    - {name: big, gpu_type: A100-80GB, "
                           "gpus_per_node: 16, nodes: 20000, pricing: {on_demand: "
                           "{usd_per_gpu_hour: 1}}}\n"
                           "workload:\n  generators:\n" + indented;
  auto loaded = LoadScenarioText(yaml, "yaml", "fit.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  INFO(model.status().message());
  REQUIRE(model.ok());
  RunOptions o;
  o.keep_job_records = true;
  // 20,000 nodes (so that no job waits): the invariant check, O(nodes + running jobs) after
  // every event, would take minutes here; the engine's invariants are checked on every other
  // test's runs.
  o.invariants_from_environment = false;
  auto r = Simulate(*model, model->policies[0], 3, o);
  REQUIRE(r.ok());
  Simulated s{0, {}};
  double gpu_s = 0;
  for (const JobRecord& j : r->jobs) {
    gpu_s += j.gpus * j.runtime_s;
    s.durations.push_back(j.runtime_s);
  }
  std::sort(s.durations.begin(), s.durations.end());
  s.demand_gpus = gpu_s / st.span_s() / scale;
  return s;
}

double Quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

void CheckFit(const TraceStats& st) {
  const std::string yaml = FitGeneratorYaml(st, "fitted", 1000);
  // 40x the jobs: the comparison is about the fit, not about sampling noise.
  const Simulated sim = RunFitted(st, yaml, 40);
  INFO("trace offered load " << st.offered_load_gpus() << " GPUs; fitted " << sim.demand_gpus);
  CHECK(sim.demand_gpus == Approx(st.offered_load_gpus()).epsilon(0.05));
  for (double q : {0.1, 0.25, 0.5, 0.75, 0.9}) {
    INFO("duration quantile " << q);
    CHECK(Quantile(sim.durations, q) == Approx(st.DurationQuantile(q)).epsilon(0.05));
  }
}

TEST_CASE("a fitted generator reproduces a trace's GPU demand and duration quantiles",
          "[trace][fit]") {
  TempDir dir;
  const std::string file = WriteTrace(dir.path, 5000);
  auto st = ComputeTraceStats("burnrate-csv", file, TraceOptions{});
  REQUIRE(st.ok());
  CHECK(st->jobs == 5000);
  CheckFit(*st);
}

TEST_CASE("a generator fitted to the Philly trace reproduces it (real trace)", "[trace][fit]") {
  const fs::path file = fs::path(TracesDir()) / "philly-2017" / "philly_jobs_ge4gpu_pass.csv";
  if (!fs::exists(file)) {
    BURNRATE_SKIP("skipped: " << file << " not found (set BURNRATE_TRACES; docs/traces.md)");
  }
  auto st = ComputeTraceStats("philly", file.string(), TraceOptions{});
  REQUIRE(st.ok());
  CHECK(st->jobs == 3034);
  CHECK(st->jobs_by_gpus[4] == 1457);
  CHECK(st->jobs_by_gpus[8] == 1353);
  CHECK(st->jobs_by_gpus[16] == 148);
  CheckFit(*st);
}

TEST_CASE("trace stats on openb default match its SOURCE.md (real trace)", "[trace][stats]") {
  const fs::path file =
      fs::path(TracesDir()) / "alibaba-gpu-v2023-openb" / "openb_pod_list_default.csv";
  if (!fs::exists(file)) {
    BURNRATE_SKIP("skipped: " << file << " not found (set BURNRATE_TRACES; docs/traces.md)");
  }
  TraceOptions all;
  all.gpu_jobs_only = false;  // count CPU-only pods too, as SOURCE.md does
  auto st = ComputeTraceStats("openb", file.string(), all);
  REQUIRE(st.ok());
  // SOURCE.md: 8,152 pods; num_gpu 1: 6,989, 0: 1,088, 8: 44, 2: 16, 4: 15; 3,078 fractional;
  // Running 5,193, Failed 1,870, Pending 897, Succeeded 192.
  CHECK(st->jobs == 8152);
  CHECK(st->jobs_by_gpus[1] == 6989);
  CHECK(st->jobs_by_gpus[0] == 1088);
  CHECK(st->jobs_by_gpus[8] == 44);
  CHECK(st->jobs_by_gpus[2] == 16);
  CHECK(st->jobs_by_gpus[4] == 15);
  CHECK(st->fractional == 3078);
  CHECK(st->jobs_by_status["Running"] == 5193);
  CHECK(st->jobs_by_status["Failed"] == 1870);
  CHECK(st->jobs_by_status["Pending"] == 897);
  CHECK(st->jobs_by_status["Succeeded"] == 192);
}

TEST_CASE("trace stats count jobs, sizes, statuses and the daily profile", "[trace][stats]") {
  TempDir dir;
  const std::string file = dir.Write("t.csv",
                                     "submit_s,gpus,duration_s,status\n"
                                     "0,1,3600,ok\n"
                                     "3600,2,7200,ok\n"
                                     "7200,0.5,3600,failed\n"
                                     "86400,8,36000,ok\n");
  auto st = ComputeTraceStats("burnrate-csv", file, TraceOptions{});
  REQUIRE(st.ok());
  CHECK(st->jobs == 4);
  CHECK(st->fractional == 1);
  CHECK(st->jobs_by_gpus[1] == 2);  // the half-GPU job counts as one GPU
  CHECK(st->jobs_by_status["failed"] == 1);
  // GPU-hours: 1 + 4 + 0.5 + 80 = 85.5 over a 1-day span.
  CHECK(st->gpu_hours == Approx(85.5));
  CHECK(st->offered_load_gpus() == Approx(85.5 / 24));
  CHECK(st->jobs_by_hour[0] == 2);  // 00:00 on both days
  CHECK(st->DurationQuantile(0.5) == Approx(3600 + 0.5 * (7200 - 3600)));
}

}  // namespace
}  // namespace burnrate
