// The fragmentation experiment of Weng et al. (ATC'23, Sec. 6, Fig. 9(a)): tasks arrive one by
// one, none departs; each policy places them on the cluster; the curves are the share of GPU
// capacity left unallocated, and the cluster's fragmentation, against the GPU demand arrived so
// far (tasks that did not fit count as arrived).
//
// Arrivals, as in the paper's artifact: the trace's pods in a seeded random order (or in
// creation order), then pods resampled from the trace with replacement until the next one would
// take the requested GPU above `inflate` x capacity. The arrival sequence depends on the seed
// only, so every policy sees the same tasks in the same order for a seed; so does the node
// order that breaks equal scores (a seeded random permutation of the nodes). A curve point at x%
// is the mean over the events (one per arriving task) whose arrived demand rounds (half to
// even) to x% of capacity, as the artifact's analysis bins them; a point no event falls in uses
// the events within one point of it.
#ifndef BURNRATE_FRAG_EXPERIMENT_H_
#define BURNRATE_FRAG_EXPERIMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frag/cluster.h"

namespace burnrate {

enum class FragOrder { kShuffle, kCreation };
// Equal scores: the first node in a seeded random node order (the artifact's scheduler) or a
// uniform draw among the tied nodes (stock Kubernetes).
enum class FragTies { kNodeOrder, kRandom };

struct FragExperimentOptions {
  std::vector<std::string> policies;  // registry names; empty = all
  int32_t seeds = 10;                 // runs per policy, seeds first_seed, first_seed + 1, ...
  uint64_t first_seed = 42;
  double inflate = 1.3;  // resample until requested GPU reaches inflate x capacity; <= 1: none
  FragOrder order = FragOrder::kShuffle;
  FragTies ties = FragTies::kNodeOrder;
  double popularity = 0.95;  // share of tasks whose shapes make the task mix
  int32_t report_pct = 100;  // the headline point (arrived demand, % of GPU capacity)
  unsigned threads = 0;      // 0 = every core
  bool check_invariants = false;  // recount the cluster after every event (slow)
};

// One policy, one seed.
struct FragRun {
  uint64_t seed = 0;
  int64_t tasks = 0, failed = 0;
  int64_t arrived_gpu_milli = 0, allocated_gpu_milli = 0;
  // Index x = arrived demand x% of capacity; NaN where no event is within one point.
  std::vector<double> unallocated_pct;  // GPU capacity not allocated, % of capacity
  std::vector<double> frag_gpus;        // cluster fragmentation F(M), GPUs
  std::vector<double> frag_pct;         // F(M) as % of the unallocated GPU capacity
};

struct FragPolicyResult {
  std::string policy;
  std::vector<FragRun> runs;          // by seed
  std::vector<double> unallocated_pct;  // mean over seeds, per arrived %
  std::vector<double> frag_gpus;
  std::vector<double> frag_pct;
  double headline_mean = 0, headline_stddev = 0;  // unallocated % at report_pct
};

struct FragExperimentResult {
  FragExperimentOptions options;
  std::string nodes_path, pods_path;
  int32_t nodes = 0;
  int64_t gpu_capacity_milli = 0;
  int64_t trace_pods = 0, trace_gpu_milli = 0;
  int32_t shapes = 0, typical_shapes = 0;  // distinct task shapes; shapes in the mix
  std::vector<FragPolicyResult> policies;  // in options.policies order
};

// Runs every (policy, seed) pair on up to options.threads threads; results do not depend on the
// thread count. InvalidArgument for bad options or an unknown policy; Internal if a policy
// breaks the cluster's invariants.
absl::StatusOr<FragExperimentResult> RunFragExperiment(const std::vector<FragNodeSpec>& nodes,
                                                       const std::vector<FragPod>& pods,
                                                       const FragExperimentOptions& options);

// Deterministic JSON (schema burnrate.frag.v1): same inputs and options, same bytes.
std::string FragResultJson(const FragExperimentResult& result);

// Shared with the replay (frag/replay.h). rank[n] = position of node n in the seed's random node
// order (equal scores go to the lowest rank).
std::vector<int32_t> FragNodeRanks(int32_t nodes, uint64_t seed);
// A JSON string literal of `s`.
std::string FragJsonString(const std::string& s);

}  // namespace burnrate

#endif  // BURNRATE_FRAG_EXPERIMENT_H_
