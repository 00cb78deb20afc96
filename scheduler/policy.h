// The scheduling extension points, after the Kubernetes scheduler framework: a QueuePolicy
// decides which pending job to try next (queue sort + post-filter behaviour: block, skip or
// backfill), a PlacementPolicy decides where a gang goes (filter + score). "Does not fit" is an
// outcome, never an error.
//
// Policies see the world only through SchedulingContext and ClusterState (read-only); the
// simulator applies every start. A policy object belongs to one run and one thread.
#ifndef BURNRATE_SCHEDULER_POLICY_H_
#define BURNRATE_SCHEDULER_POLICY_H_

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "sim/model/cluster_state.h"
#include "sim/model/money.h"
#include "sim/model/time.h"

namespace burnrate {

// Dense job index in arrival order: a smaller id arrived earlier (or at the same time, earlier
// in the event order). (submit time, id) order is therefore plain id order.
using JobId = uint32_t;

// What a queue policy may know about a pending job.
struct JobView {
  uint32_t gpus = 0;
  uint32_t class_id = 0;  // jobs of one class have identical resource needs
  SimTime submit = 0;
  Duration duration_ref = 0;  // work left, on the reference GPU (oracle policies only)
  int32_t priority = 0;
  // Wall time the next start spends before useful work (a restart after preemption), else 0.
  Duration restart_overhead = 0;
  uint32_t tenant = 0;          // dense tenant index (SchedulingContext::tenant)
  Duration total_ref = 0;       // the whole job on the reference GPU (duration_ref at submit)
  Duration estimate_ref = 0;    // the user's estimate of total_ref; 0 = none given
  double cpus = 0;              // CPU cores and memory the gang asks for (all its nodes)
  double memory_gb = 0;
  double attained_gpu_s = 0;    // GPU-seconds held in its ended attempts (LAS)
  SimTime deadline = kTimeInfinity;  // finish-by time; kTimeInfinity = none
};

// A tenant (team, user or virtual cluster) as fairness policies see it. Tenants not declared in
// the scenario get weight 1 and no quota.
struct TenantView {
  std::string name;
  double weight = 1.0;     // > 0
  uint64_t quota_gpus = 0;  // guaranteed GPUs; 0 = its weighted share of the online GPUs
  uint64_t max_gpus = 0;    // most GPUs it may hold, borrowing included; 0 = no limit
};

// Totals of the online (placeable or busy) capacity, for shares.
struct CapacityTotals {
  uint64_t gpus = 0;
  double cpus = 0;
  double memory_gb = 0;
};

// A job class: every pending job with the same gang size and GPU-type constraint. Classes are
// few (distinct gang sizes x constraints), so per-class indexes keep a pass independent of the
// queue length. Class ids are dense, assigned on first sight.
struct JobClassView {
  uint32_t gpus = 0;
  // Slowest training speed among the pools the class may use (for runtime estimates).
  double min_speed = 1.0;
};

class SchedulingContext {
 public:
  virtual ~SchedulingContext() = default;
  virtual SimTime now() const = 0;
  virtual const JobView& job(JobId id) const = 0;
  virtual const JobClassView& job_class(uint32_t class_id) const = 0;
  // Whether a gang of this class fits somewhere right now. O(eligible pools).
  virtual bool ClassFits(uint32_t class_id) const = 0;
  // Places the job with the run's placement policy and starts it. Returns false, changing
  // nothing, when it does not fit.
  virtual bool TryStart(JobId id) = 0;
  // Earliest time at which the job would fit if running jobs end when expected and nothing
  // else starts (the EASY "shadow time"). kTimeInfinity if never. REQUIRES: the job is pending.
  virtual SimTime EarliestFit(JobId id) = 0;
  // Changes whenever capacity appears or disappears other than by jobs starting and ending
  // (a commitment starting or ending, a scale-up): cached EarliestFit answers are stale then.
  virtual uint64_t capacity_epoch() const = 0;

  // --- Preemption (the post-filter extension point) and what preemptive policies need. ---
  // Whether freeing the GPUs of `victims` (running jobs) would let pending job `id` fit.
  // O(victims' nodes + the job's pools). REQUIRES: `id` pending, every victim running.
  virtual bool FitsIfPreempted(JobId id, std::span<const JobId> victims) = 0;
  // Victims for pending job `id` among `ranked` running jobs (most evictable first): the
  // nodes the gang would use are chosen so that the highest-ranked (most valuable) victim
  // needed is as low in the ranking as possible, and only jobs on those nodes are evicted
  // (Kubernetes' per-node victim selection, extended to gangs over whole nodes). Fills
  // `victims` and returns true, or returns false when evicting all of `ranked` would not make
  // room. O(shares of `ranked` + nodes touched x log).
  virtual bool ChooseVictims(JobId id, std::span<const JobId> ranked,
                             std::vector<JobId>* victims) = 0;
  // Free GPUs, now, on the online nodes of the pools pending job `id` may use. O(its pools).
  virtual uint64_t FreeGpusFor(JobId id) const = 0;
  // Stops a running job: work since its last checkpoint is lost (counted), its GPUs are freed,
  // the policy gets OnStop(id, false) and then Enqueue(id) again. REQUIRES: `id` running.
  virtual void Preempt(JobId id) = 0;
  // GPU-time the job would lose if preempted now (since its last checkpoint, restart overhead
  // included). REQUIRES: running.
  virtual GpuTime PreemptionLoss(JobId id) const = 0;
  // GPU-time the job has held so far, over all its attempts (the "attained service" of LAS).
  virtual GpuTime Attained(JobId id) const = 0;
  // Reference-GPU work left to a running job if it kept running (oracle; for srtf).
  virtual Duration RemainingRef(JobId id) const = 0;
  // Asks for a scheduling pass at time t (>= now); passes also follow every arrival, end and
  // capacity change. Requests for the same time are merged.
  virtual void WakeAt(SimTime t) = 0;
  // Tenants seen so far (dense ids; the count only grows).
  virtual uint32_t tenant_count() const = 0;
  virtual const TenantView& tenant(uint32_t id) const = 0;
  virtual CapacityTotals online_capacity() const = 0;

  // --- For policies that choose nodes themselves (the external policy, docs/grpc.md). ---
  // The cluster as it is now.
  virtual const ClusterState& cluster() const = 0;
  // Pools pending job `id` may use (GPU type and size), scenario order. REQUIRES: pending.
  virtual std::span<const uint32_t> pools_for(JobId id) const = 0;
  // Starts pending job `id` on exactly `nodes`. InvalidArgument, changing nothing, when they
  // are not a gang the simulator accepts: a job that is not pending, an unknown or offline
  // node, nodes of several pools or of a pool the job may not use, a node named twice, more
  // GPUs on a node than it has free (over-allocation), a total other than the job's GPUs, or a
  // shape other than one node (gangs that fit a node) or whole nodes plus one remainder node.
  virtual absl::Status StartOn(JobId id, std::span<const NodeShare> nodes) = 0;
  // Stops the run after this pass with `why` (a decision broke the rules).
  virtual void Abort(absl::Status why) = 0;
  // A note that ends up in the run's results (RunResult.warnings), e.g. a fallback taken.
  virtual void Warn(std::string note) = 0;
  // Whether the run was asked to stop (a cancelled RPC): policies that wait on something
  // outside (the external policy) give up their wait then.
  virtual bool cancelled() const { return false; }
  // Run time of a job of `duration_ref` on a GPU of relative `speed`, as the simulator computes it.
  // Capped at kMaxRuntime: every horizon is far shorter, so a capped job behaves exactly as
  // the uncapped one would (it never ends), and end times stay inside int64.
  static Duration Runtime(Duration duration_ref, double speed) {
    if (speed == 1.0) return std::min(duration_ref, kMaxRuntime);
    const double r = static_cast<double>(duration_ref) / speed;
    if (!(r < static_cast<double>(kMaxRuntime))) return kMaxRuntime;
    return r < 1.0 ? 1 : static_cast<Duration>(r + 0.5);
  }
  static constexpr Duration kMaxRuntime = Duration{100'000'000'000} * kSecond;  // 1e11 s
};

// Owns the pending queue and decides, at each scheduling point, which jobs to start.
class QueuePolicy {
 public:
  virtual ~QueuePolicy() = default;
  virtual std::string_view name() const = 0;
  // A job arrived (or must be queued again). Ids of first arrivals increase.
  virtual void Enqueue(JobId id, const JobView& job) = 0;
  // Starts jobs through ctx.TryStart; every started job leaves the queue.
  // Contract: cost of a pass is O(classes + starts x classes x log queue), never O(queue).
  virtual void Schedule(SchedulingContext& ctx) = 0;
  // Jobs waiting.
  virtual size_t size() const = 0;
  // A job this policy started stopped running: completed, or preempted (by the policy itself,
  // a spot revocation or a drain; a preempted job is then enqueued again).
  virtual void OnStop(JobId id, bool completed) {
    (void)id;
    (void)completed;
  }
};

// What a placement policy may know about the gang it places.
struct PlacementRequest {
  uint32_t gpus = 0;
  Duration work_ref = 0;             // reference-GPU work left
  SimTime now = 0;
  SimTime deadline = kTimeInfinity;  // finish-by time; kTimeInfinity = none
};

// What a placement policy may know about a pool (indexed by pool, scenario order).
struct PoolTraits {
  double speed = 1.0;            // training speed relative to the reference GPU
  double usd_per_gpu_hour = 0;   // hourly price (0 for owned capacity: already paid)
  int payment_tier = 2;          // 0 reserved/owned (paid whatever), 1 spot, 2 on-demand
};

// Chooses the nodes of a gang: one node when the gang fits in a node, otherwise
// floor(gpus / gpus_per_node) whole free nodes plus one node for the remainder, in one pool.
// (The filter + score extension points: which pools and nodes may take the gang, and which of
// them is best.)
class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string_view name() const = 0;
  // Fills `out` and returns true when the gang fits in one of `pools` (candidate pool indexes,
  // in scenario order); returns false and leaves `out` empty otherwise. Does not allocate.
  virtual bool Place(const ClusterState& cluster, std::span<const uint32_t> pools, uint32_t gpus,
                     Placement* out) const = 0;
  // Called once before the run: the run's own random seed and every pool's traits.
  virtual void Init(uint64_t seed, std::span<const PoolTraits> pools) {
    (void)seed;
    (void)pools;
  }
  // True when the policy chooses among all the job's pools at once (by speed or price)
  // instead of payment tier by tier (committed capacity, then spot, then on-demand).
  virtual bool across_tiers() const { return false; }
  // The full-information entry point the simulator calls; default: Place.
  virtual bool PlaceJob(const ClusterState& cluster, std::span<const uint32_t> pools,
                        const PlacementRequest& request, Placement* out) {
    return Place(cluster, pools, request.gpus, out);
  }
};

// What a scaling policy sees of one autoscaled pool.
struct ScalablePool {
  uint32_t pool = 0;            // index in scenario order
  uint32_t gpus_per_node = 0;
  uint32_t headroom_nodes = 0;  // nodes that may still be requested (max - provisioned)
  double usd_per_gpu_hour = 0;
  double training_speed = 1.0;
};

// Grows autoscaled pools for pending jobs that do not fit (the cluster-autoscaler's
// "expander"): for each such job class the simulator asks which pool should grow; scale-down
// (idle timeout) is mechanical and not the policy's business.
class ScalingPolicy {
 public:
  virtual ~ScalingPolicy() = default;
  virtual std::string_view name() const = 0;
  // Index into `candidates` (pools the class may use that have headroom and can hold its
  // gang), or -1 to grow none. `candidates` is in scenario order and never empty.
  virtual int ChoosePool(std::span<const ScalablePool> candidates) const = 0;
};

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_POLICY_H_
