// One simulation: a compiled scenario under one policy, from time 0 to the horizon.
//
// The world (cluster state, jobs, cost ledger, metrics) is owned by one thread for the whole
// run; runs are independent, so parallelism is across runs. Same scenario + policy + seed =
// the same result, bit for bit.
#ifndef BURNRATE_SIM_SIMULATION_H_
#define BURNRATE_SIM_SIMULATION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnrate/v1/results.pb.h"
#include "sim/model/job_record.h"
#include "scheduler/policy.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

// Where a run is, for progress displays.
struct Progress {
  SimTime now = 0;
  SimTime horizon = 0;
  uint64_t events = 0;          // processed so far in this run
  uint64_t jobs_completed = 0;  // training jobs finished so far in this run
  uint32_t run = 0;             // index of the run in SimulateAll's list (0 for Simulate)
};

struct RunOptions {
  // Keep one JobRecord per job (for --csv); costs memory proportional to the job count.
  bool keep_job_records = false;
  // After every event, recount the cluster and the ledger from scratch and stop with an
  // Internal error naming the event if anything disagrees. O(nodes + running jobs) per event:
  // for tests and debugging.
  bool check_invariants = false;
  // Whether BURNRATE_CHECK_INVARIANTS=1 in the environment turns check_invariants on (the test
  // suite sets it for every test). A test of a huge cluster may opt out, saying why.
  bool invariants_from_environment = true;
  // For tests of the invariant checker only (the CLI never sets it): right after event number
  // `corrupt_after_event` (1-based), break the state in the named way, so that a test can see
  // the checker stop the run. kNone and 0 = never.
  enum class Corruption { kNone, kLeakGpu, kExtraWork, kClockBack, kShortAttempt };
  Corruption corrupt = Corruption::kNone;
  uint64_t corrupt_after_event = 0;
  // Use the reference event queue (ordered set) instead of the binary heap. Results must be
  // identical; tests compare them.
  bool reference_event_queue = false;
  // Called every 256 events from the simulation thread (and not at all when empty). Must be
  // cheap; rate-limit display in the callback.
  std::function<void(const Progress&)> progress;
  // When set and true, the run stops at its next event with absl::CancelledError (another
  // thread sets it: a client cancelled an RPC). Not owned.
  const std::atomic<bool>* cancel = nullptr;
};

struct RunOutput {
  burnrate::v1::RunResult result;
  std::vector<JobRecord> jobs;  // empty unless RunOptions::keep_job_records
};

// Runs `scenario` under `policy` with `seed`. Errors: InvalidArgument for an unknown policy
// name; Internal when an invariant check fails; Cancelled when options.cancel became true.
absl::StatusOr<RunOutput> Simulate(const ScenarioModel& scenario, const PolicySpec& policy,
                                   uint64_t seed, const RunOptions& options);

// Runs `scenario` under policy objects of your own (a policy not in the registry, e.g. while
// writing one): `label` names the run in the result. Scaling: "in-order".
absl::StatusOr<RunOutput> SimulateWith(const ScenarioModel& scenario,
                                       std::unique_ptr<QueuePolicy> queue,
                                       std::unique_ptr<PlacementPolicy> placement,
                                       const std::string& label, uint64_t seed,
                                       const RunOptions& options);

struct ScenarioOutput {
  burnrate::v1::Results results;
  std::vector<std::vector<JobRecord>> jobs;  // one vector per run when keep_job_records
};

// Runs every policy in `policies` (scenario.policies when empty), in order, with `seed`.
absl::StatusOr<ScenarioOutput> SimulateAll(const ScenarioModel& scenario,
                                           const std::vector<PolicySpec>& policies, uint64_t seed,
                                           const RunOptions& options);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SIMULATION_H_
