// The simulation engine driven by the outside world: the live scheduler daemon's core. The same
// World, queue and placement policies as `burnrate run`, with the clock swapped: times come
// from the caller (a real clock, or a journal being replayed), jobs arrive when submitted,
// and end when their executor reports it (a job's duration is only an estimate, used to order
// backfilling). Everything is deterministic in the sequence of calls: replaying the same calls
// with the same times rebuilds the same state (the daemon's journal relies on it).
//
// Not thread-safe: one owner (the daemon's strand) calls it.
#ifndef BURNRATE_SIM_LIVE_ENGINE_H_
#define BURNRATE_SIM_LIVE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/policy.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

// What the engine decided or recorded, for executors and watchers.
struct LiveEvent {
  enum class Kind { kStart, kPreempt, kComplete, kCancel };
  Kind kind = Kind::kStart;
  JobId job = 0;
  SimTime time = 0;
  std::vector<NodeShare> nodes;  // kStart: the gang's nodes (global node ids)
};

struct LiveJob {
  enum class State { kPending, kRunning, kCompleted, kCancelled };
  State state = State::kPending;
  uint32_t gpus = 0;
  std::string tenant;
  SimTime submit = 0, first_start = -1, start = -1, end = -1;
  uint32_t preemptions = 0;
  int32_t pool = -1;             // of the current or last attempt
  std::vector<NodeShare> nodes;  // running: where
};

class LiveEngine {
 public:
  // The policies the live daemon allows: queue policies whose only state is the pending queue,
  // so that it can be rebuilt exactly after a cancellation (fifo, fifo-skip, fifo-backfill,
  // sjf), with any placement.
  static bool Supports(const PolicySpec& policy);
  // `scenario` gives the cluster and prices (its workload must be empty); `policy` decides.
  // InvalidArgument for an unsupported policy or a scenario with a workload.
  static absl::StatusOr<std::unique_ptr<LiveEngine>> Create(const ScenarioModel& scenario,
                                                            const PolicySpec& policy,
                                                            uint64_t seed);
  ~LiveEngine();

  // Every call takes the time `t` (microseconds since the engine's epoch, non-decreasing
  // across calls); it first processes everything due by t. Errors leave the state as it was
  // after that processing.
  // A job arrives: its id (dense, in submission order). InvalidArgument when no pool can ever
  // hold it (nothing recorded). The job's duration is the estimate backfilling uses.
  absl::StatusOr<JobId> Submit(SimTime t, const JobSpec& job);
  // Its executor reports a running job finished. FailedPrecondition when it is not running.
  absl::Status Complete(SimTime t, JobId id);
  // Cancels a pending or running job. NotFound / FailedPrecondition (already ended).
  absl::Status Cancel(SimTime t, JobId id);
  // Stops a running job and queues it again (its executor vanished). FailedPrecondition when
  // not running.
  absl::Status Requeue(SimTime t, JobId id);
  absl::Status AdvanceTo(SimTime t);
  // Time of the next thing due (a scheduling pass, a sample), or kTimeInfinity.
  SimTime NextDue();
  // Decisions and records since the last call, in order.
  std::vector<LiveEvent> TakeEvents();

  // NotFound for an unknown id.
  absl::StatusOr<LiveJob> Job(JobId id) const;
  size_t job_count() const;
  size_t queued() const;
  SimTime now() const;
  // The cluster: pool of a global node id, and its index within the pool.
  uint32_t PoolOf(NodeId node) const;
  uint32_t IndexInPool(NodeId node) const;

 private:
  struct Impl;
  explicit LiveEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_LIVE_ENGINE_H_
