// Small scenario builders for engine and policy tests (no files, no loader).
#ifndef BURNRATE_TESTS_SIM_TEST_SCENARIOS_H_
#define BURNRATE_TESTS_SIM_TEST_SCENARIOS_H_

#include <string>

#include "sim/model/scenario_model.h"
#include "sim/simulation.h"

namespace burnrate::testing {

// One pool of `nodes` x `gpus_per_node` A100-80GB GPUs at $`usd_per_gpu_hour` (reserved).
inline ScenarioModel OnePool(uint32_t nodes, uint32_t gpus_per_node, double horizon_days = 30,
                             double usd_per_gpu_hour = 2.0) {
  ScenarioModel s;
  s.name = "test";
  s.start_unix_s = 1672531200;  // 2023-01-01T00:00:00Z
  s.horizon = static_cast<SimTime>(horizon_days * kDay);
  s.seed = 1;
  s.sample_interval = kHour;
  s.catalog = GpuCatalog::BuiltIn();
  PoolSpec p;
  p.name = "pool";
  p.gpu_type = "A100-80GB";
  p.gpus_per_node = gpus_per_node;
  p.nodes = nodes;
  p.pricing = PricingModel::kReserved;
  p.price = DollarsPerHourToPrice(usd_per_gpu_hour);
  s.pools.push_back(p);
  s.policies.push_back({"fifo", "first-fit"});
  return s;
}

inline void AddJob(ScenarioModel& s, double submit_h, uint32_t gpus, double duration_h,
                   std::string name = "") {
  JobSpec j;
  j.name = name.empty() ? "job-" + std::to_string(s.jobs.size()) : name;
  j.submit = static_cast<SimTime>(submit_h * kHour);
  j.gpus = gpus;
  j.duration = static_cast<Duration>(duration_h * kHour);
  s.jobs.push_back(j);
}

// Poisson arrivals of 1-GPU jobs with exponential durations (an M/M/c queue).
inline void AddPoissonGenerator(ScenarioModel& s, double arrivals_per_hour, double mean_s,
                                std::vector<uint32_t> gpus = {1}) {
  GeneratorSpec g;
  g.name = "gen" + std::to_string(s.generators.size());
  g.arrivals_per_hour = arrivals_per_hour;
  g.start = 0;
  g.end = s.horizon;
  g.gpu_values = gpus;
  g.gpu_weights.assign(gpus.size(), 1.0);
  g.duration.kind = DurationDist::Kind::kExponential;
  g.duration.mean_s = mean_s;
  s.generators.push_back(g);
}

inline RunOutput MustRun(const ScenarioModel& s, const std::string& queue,
                         const std::string& placement = "first-fit", uint64_t seed = 1,
                         bool check_invariants = true) {
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = check_invariants;
  auto r = Simulate(s, PolicySpec{queue, placement}, seed, o);
  if (!r.ok()) throw std::runtime_error(std::string(r.status().message()));
  return *std::move(r);
}

}  // namespace burnrate::testing

#endif  // BURNRATE_TESTS_SIM_TEST_SCENARIOS_H_
