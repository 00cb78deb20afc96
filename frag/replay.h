// The fractional-GPU replay: a pod list replayed in time, with departures. Where the FGD
// experiment (frag/experiment.h) lets pods arrive and never leave, the replay starts each pod at
// its creation time, keeps it for its run time and then releases it, so what a placement policy
// does can be followed over time on a real workload.
//
// Model (docs/fragmentation.md, "The replay"):
//   - Clock: seconds from the first pod's creation. A pod arrives at (creation - first
//     creation) / time_compression: compression shortens the gaps between arrivals, not the run
//     times, so it multiplies the offered load.
//   - Run time: deletion_time - scheduled_time of the trace (the time the pod held its node; the
//     trace's own wait, scheduled - creation, is not replayed as run time).
//   - Queue: a pod that does not fit waits. Whenever capacity frees (a departure), the waiting
//     pods are tried in arrival order and every one that fits starts (skip semantics: a pod that
//     does not fit does not block the ones behind it). An arriving pod starts at once if it fits,
//     whatever waits (those fit nowhere). With max_wait_s >= 0 a pod still waiting max_wait_s
//     after its arrival is dropped.
//   - Order of events at one instant: departures, then the queue, then arrivals (in creation
//     order, the pod list's order on ties), then drops. A pod may start at exactly its deadline.
//   - The run ends at horizon_s (arrivals after it are not replayed) or, without a horizon, at
//     the last arrival. Pods still running or waiting then are counted, not finished.
//   - Metrics are exact time averages over [0, end] of the piecewise-constant cluster state:
//     unallocated GPU share, GPU allocated, and the FGD fragmentation F(M) against the task mix
//     of the replayed pods (frag/fragmentation.h), in GPUs and as a share of the unallocated GPU.
//     The same state is sampled every sample_s seconds and at the end (the time series).
// No preemption, no gangs across nodes (a pod's GPUs are on one node), no node failures.
#ifndef BURNRATE_FRAG_REPLAY_H_
#define BURNRATE_FRAG_REPLAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frag/cluster.h"
#include "frag/experiment.h"

namespace burnrate {

struct FragReplayOptions {
  std::vector<std::string> policies;  // registry names; empty = all
  uint64_t seed = 42;                 // the node order that breaks ties, the policies' draws
  FragTies ties = FragTies::kNodeOrder;
  double popularity = 0.95;       // share of replayed pods whose shapes make the task mix
  double time_compression = 1.0;  // arrival gaps divided by this (> 0); run times kept
  double horizon_s = 0;           // > 0: end here (replay clock); 0: at the last arrival
  double max_wait_s = -1;         // >= 0: drop a pod waiting this long; < 0: wait forever
  double sample_s = 3600;         // time-series step (> 0)
  unsigned threads = 0;           // policies at once; 0 = every core
  bool check_invariants = false;  // recheck cluster, meter, bookkeeping, queue at each instant
};

// One state of the cluster (after every event of its instant).
struct FragReplaySample {
  double t_s = 0;
  int64_t allocated_gpu_milli = 0;
  double unallocated_pct = 0;  // % of GPU capacity
  double frag_gpus = 0;        // F(M), GPUs
  double frag_pct = 0;         // F(M), % of the unallocated GPU capacity (0 when none is free)
  int64_t running = 0, waiting = 0;
};

// What became of one pod (indexed like the input pods).
struct FragReplayPodOutcome {
  enum State : int8_t { kNotReplayed, kStarted, kDropped, kWaiting };
  State state = kNotReplayed;
  double arrival_s = 0;  // replay clock
  double start_s = -1;   // kStarted: when it started (its departure is start_s + run time)
  double end_s = -1;     // kStarted: its departure (may be after the run's end); kDropped: when
  int32_t node = -1;     // kStarted: where
};

struct FragReplayRun {
  std::string policy;
  int64_t arrived = 0, started = 0, dropped = 0;
  int64_t waiting_at_end = 0, running_at_end = 0;
  double mean_wait_s = 0, p95_wait_s = 0, max_wait_s = 0;  // over started pods (NaN if none)
  // Time averages over [0, end].
  double unallocated_pct = 0, allocated_gpus = 0, frag_gpus = 0, frag_pct = 0;
  std::vector<FragReplaySample> samples;
  std::vector<FragReplayPodOutcome> pods;  // by input pod
};

struct FragReplayResult {
  FragReplayOptions options;
  std::string nodes_path, pods_path;
  // Set by the caller that read the pod list (for the JSON): its data rows, and those skipped
  // for want of usable times (lenient), of which scheduled_time was empty.
  int64_t pod_rows = 0, pod_rows_skipped = 0, pod_rows_skipped_unscheduled = 0;
  int32_t nodes = 0;
  int64_t gpu_capacity_milli = 0;
  int64_t pods = 0;                  // replayed (arriving by the end)
  int64_t pods_after_horizon = 0;    // not replayed: arriving after horizon_s
  int64_t pods_fitting_no_node = 0;  // replayed pods no node could hold even empty
  int32_t shapes = 0, typical_shapes = 0;
  double first_creation_s = 0;  // trace clock of replay time 0
  double end_s = 0;             // replay clock
  // GPU that pods would hold if each started on arrival (no capacity limit), over [0, end]:
  // time average and peak, % of capacity. What the workload asks of the cluster.
  double offered_gpu_pct = 0, peak_offered_gpu_pct = 0;
  std::vector<FragReplayRun> policies;  // in options.policies order
};

// Replays `pods` (each with has_times) on `nodes` under each policy, on up to options.threads
// threads; results do not depend on the thread count. InvalidArgument for bad options, an
// unknown policy or a pod without times (naming its line); Internal if a policy or the
// bookkeeping breaks an invariant.
absl::StatusOr<FragReplayResult> RunFragReplay(const std::vector<FragNodeSpec>& nodes,
                                               const std::vector<FragPod>& pods,
                                               const FragReplayOptions& options);

// Deterministic JSON (schema burnrate.frag.replay.v1): same inputs and options, same bytes.
std::string FragReplayJson(const FragReplayResult& result);

}  // namespace burnrate

#endif  // BURNRATE_FRAG_REPLAY_H_
