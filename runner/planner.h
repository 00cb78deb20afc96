// `burnrate plan`: the capacity planner. Simulates every combination of the plan's pool sizes
// (in parallel, one simulation per thread) and recommends the cheapest one that meets the
// service target, with the cost-vs-service frontier and where the scenario's own configuration
// stands. Deterministic: the same scenario and seed give the same plan on any number of threads.
#ifndef BURNRATE_RUNNER_PLANNER_H_
#define BURNRATE_RUNNER_PLANNER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "burnrate/v1/results.pb.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

struct PlanOptions {
  unsigned threads = 0;  // 0 = every core
  uint64_t seed = 1;
};

// REQUIRES: scenario.plan.present. InvalidArgument when it is not.
absl::StatusOr<burnrate::v1::PlanResult> RunPlan(const ScenarioModel& scenario,
                                                const PlanOptions& options);

// The scenario with `nodes[i]` nodes running jobs plus `spares[i]` hot spares in pool
// plan.dimensions[i].pool (0 nodes removes the pool). `spares` empty: each pool's own.
ScenarioModel WithPoolSizes(const ScenarioModel& scenario, const std::vector<uint32_t>& nodes,
                            const std::vector<uint32_t>& spares = {});

}  // namespace burnrate

#endif  // BURNRATE_RUNNER_PLANNER_H_
