#include "sim/simulation.h"
#include "sim/live_engine.h"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "scheduler/registry.h"
#include "serve/autoscaler.h"
#include "serve/engine.h"
#include "serve/load.h"
#include "sim/billing.h"
#include "sim/event_queue.h"
#include "sim/ledger.h"
#include "sim/metrics.h"
#include "sim/model/calendar.h"
#include "sim/model/duration_sampling.h"
#include "sim/model/rng.h"
#include "sim/trace/trace.h"
#include "sim/trace/trace_source.h"

namespace burnrate {
namespace {

// A workload source hands out jobs in submit order: the inline job list (sorted), or one
// Poisson generator with its own random stream.
struct Source {
  const GeneratorSpec* generator = nullptr;  // null: the inline job list (or a trace)
  const TraceSourceSpec* trace_spec = nullptr;  // a trace file
  std::unique_ptr<TraceStream> trace;
  TraceJob next_job;                          // a trace's pending arrival
  double first_submit_s = 0;
  bool started = false;
  std::vector<std::string> names;             // trace job names (kept for job records)
  std::vector<uint32_t> inline_order;        // indexes into scenario.jobs, by submit time
  size_t next_inline = 0;
  Rng rng{0};
  std::unique_ptr<DiscreteDistribution> gpu_dist;
  uint64_t emitted = 0;
  SimTime next_time = 0;  // time of the pending arrival
  bool live = false;      // live mode: arrivals are injected (World::InjectSubmit)
};

struct Job {
  JobView view;                  // view.duration_ref: work left at the last checkpoint
  uint32_t source = 0;
  uint32_t index_in_source = 0;  // inline: index into scenario.jobs; generator: sequence number
  uint32_t tenant = 0;           // index into World::tenants_
  int32_t pool = -1;             // of the current or last attempt
  SimTime first_start = -1;
  SimTime start = -1;            // of the current or last attempt
  SimTime end = -1;              // completion
  Duration runtime = 0;          // of the current or last attempt, restart overhead included
  EventId completion = 0;        // of the current attempt
  uint32_t preemptions = 0;
  Duration checkpoint_interval = 0;  // of the current or last attempt (set by its rule)
  Duration restart_overhead = 0;
  Duration checkpoint_write = 0;     // wall time each checkpoint stops the job
  CheckpointRule checkpoint_rule = CheckpointRule::kFixed;
  uint32_t failures = 0;             // attempts a hardware failure ended
  bool restarted_after_failure = false;  // its last attempt ended by a failure
  GpuTime checkpointing = 0;         // GPU-time spent writing checkpoints
  GpuTime lost = 0;              // held GPU-time that did not count toward completion
  GpuTime attained = 0;          // GPU-time held in ended attempts
  // Reference work done and kept (checkpointed, or completed): done_ref + view.duration_ref =
  // view.total_ref until the job completes, then done_ref = total_ref (work is conserved
  // across preemptions; the invariant checker holds every job to it).
  Duration done_ref = 0;
  bool running = false;
  bool cancelled = false;        // live mode: cancelled by its owner
  double speed = 1.0;            // of the current or last attempt: pool speed x locality
  Placement placement;
  int32_t service = -1;          // an inference replica of this service; -1: a training job
  uint32_t replica = 0;          // its replica id within the service
  int32_t evicted_by = -1;       // training job: the service whose replica evicted it last,
  SimTime evicted_at = 0;        // while it waits to restart (-1: not waiting after one)
};

enum class ReplicaState : uint8_t { kPending, kStarting, kReady, kDraining, kGone };

// One inference service in a run: its engine (requests), autoscaler and replicas. Replicas are
// Jobs (so placement, the ledger, chargeback, spot reclaims and invariants treat them like
// any allocation) that never enter the training queue policy and have no completion event.
struct ServiceRun {
  const ServiceSpec* spec = nullptr;
  const LoadProcess* load = nullptr;  // owned by the engine
  std::unique_ptr<ServiceEngine> engine;
  std::unique_ptr<Autoscaler> autoscaler;
  uint32_t class_id = 0;
  uint32_t tenant = 0;
  uint32_t target = 0;                // replicas wanted (the last clamped decision)
  std::vector<JobId> replicas;        // by replica id
  std::vector<ReplicaState> state;    // by replica id
  std::vector<uint32_t> active;       // pending, starting or ready replica ids, ascending
  std::deque<uint32_t> pending;       // replica ids waiting for GPUs, oldest first
  uint64_t most_placeable = 0;  // replicas its pools hold with every node provisioned
  // Its pools by GPU type in the order of its gpu_types (for placements across payment tiers).
  std::vector<std::vector<uint32_t>> type_groups;
  uint32_t ready = 0, starting = 0;
  double ready_speed_sum = 0;
  uint32_t max_ready = 0, started = 0, stopped = 0;
  SimTime ready_changed = 0;
  double ready_replica_s = 0;         // integral of ready replicas over time, replica-seconds
  uint32_t training_preemptions = 0;
  GpuTime training_lost = 0;
  // (capacity epoch, allocation changes) when evicting for a replica last failed.
  std::pair<uint64_t, uint64_t> preempt_failed_at{UINT64_MAX, UINT64_MAX};
  Duration training_rework = 0;   // run time the evicted jobs lost (work since a checkpoint)
  Duration training_requeue = 0;  // time evicted jobs waited to restart
  std::vector<GpuTime> use;           // GPU-time per (pool x month)
  ServiceTotals totals;
  std::vector<uint32_t> ts_ready, ts_pending;
};

struct JobClass {
  JobClassView view;
  std::vector<uint32_t> pools;  // eligible pools, scenario order
  // The same pools by payment tier: paid-for capacity first (reserved, owned), then spot, then
  // on-demand; empty tiers dropped. Placement tries each tier in turn.
  std::vector<std::vector<uint32_t>> tiers;
};

// 0: capacity paid whether used or not; 1: spot; 2: on-demand (pay for what you provision).
int PaymentTier(PricingModel m) {
  switch (m) {
    case PricingModel::kReserved:
    case PricingModel::kOwned:
      return 0;
    case PricingModel::kSpot:
      return 1;
    case PricingModel::kOnDemand:
      return 2;
  }
  return 2;
}

std::vector<ClusterState::PoolShape> Shapes(const ScenarioModel& s) {
  std::vector<ClusterState::PoolShape> out;
  for (const PoolSpec& p : s.pools) {
    // A commitment that starts later brings its nodes online then.
    const bool later = p.pricing == PricingModel::kReserved && p.commit_begin > 0;
    out.push_back({p.gpus_per_node, p.nodes, p.rack_size,
                   later ? 0 : p.autoscale ? p.min_nodes : ClusterState::PoolShape::kAll,
                   p.spare_nodes});
  }
  return out;
}

// Per pool, whether a gang fits given counts of whole free nodes ("full") and of partially
// free nodes with room for the gang's remainder ("partial"), so that freeing a share updates
// the answer in O(1) (EarliestFit, FitsIfPreempted).
struct GangCounts {
  uint32_t gpn = 0, whole = 0, rest = 0;
  uint64_t full = 0, partial = 0;  // nodes with free == gpn; nodes with rest <= free < gpn
  GangCounts(const ClusterState& cluster, uint32_t pool, uint32_t gpus)
      : gpn(cluster.gpus_per_node(pool)),
        whole(gpus <= gpn ? 0 : gpus / gpn),
        rest(gpus <= gpn ? gpus : gpus % gpn),
        full(cluster.BucketSize(pool, gpn)) {
    for (uint32_t k = std::max<uint32_t>(rest, 1); k < gpn; ++k) {
      partial += cluster.BucketSize(pool, k);
    }
  }
  bool Fits() const {
    if (whole == 0) return full + partial >= 1;
    if (full < whole) return false;
    return rest == 0 || full > whole || partial >= 1;
  }
  // A node's free count goes from a to b.
  void Move(uint32_t a, uint32_t b) {
    const auto partial_of = [&](uint32_t x) { return x >= rest && x > 0 && x < gpn; };
    // Counts move by -1, 0 or +1; unsigned wrap-around cancels exactly.
    full += static_cast<uint64_t>(b == gpn) - static_cast<uint64_t>(a == gpn);
    partial += static_cast<uint64_t>(partial_of(b)) - static_cast<uint64_t>(partial_of(a));
  }
};

// A scheduled change of a pool's capacity (commitment start or end).
struct CapacityChange {
  uint32_t pool = 0;
  bool online = true;  // true: bring every node online; false: drain the pool
};

// BURNRATE_CHECK_INVARIANTS=1 in the environment turns the invariant checks on for every run
// (the test suite sets it for all tests: see tests/CMakeLists.txt).
RunOptions WithEnvironment(RunOptions options) {
  const char* env = std::getenv("BURNRATE_CHECK_INVARIANTS");
  if (options.invariants_from_environment && env != nullptr && env[0] == '1') {
    options.check_invariants = true;
  }
  return options;
}

class World final : public SchedulingContext {
 public:
  World(const ScenarioModel& scenario, uint64_t seed, const RunOptions& options,
        std::unique_ptr<QueuePolicy> queue, std::unique_ptr<PlacementPolicy> placement,
        std::unique_ptr<ScalingPolicy> scaling)
      : sc_(scenario),
        seed_(seed),
        options_(WithEnvironment(options)),
        cluster_(Shapes(scenario)),
        events_(options.reference_event_queue),
        queue_(std::move(queue)),
        placement_(std::move(placement)),
        scaling_(std::move(scaling)),
        months_(MonthsInHorizon(scenario.start_unix_s, scenario.horizon)),
        ledger_(scenario.pools.size(), months_) {
    for (uint32_t p = 0; p < scenario.pools.size(); ++p) {
      const PoolSpec& ps = scenario.pools[p];
      if (!ps.carbon_hourly.empty()) {
        ledger_.SetIntensitySeries(p, ps.carbon_series_begin, ps.carbon_hourly);
      }
    }
  }

  absl::Status Run();
  RunOutput Finish(const PolicySpec& policy);

  // --- Live mode (sim/live_engine.h): the same engine, driven from outside. Arrivals,
  // completions and cancellations are injected at the caller's (real) times; starts do not
  // schedule completions (the job's duration is only an estimate); events are recorded. ---
  void EnableLive(std::function<std::unique_ptr<QueuePolicy>()> make_queue) {
    live_ = true;
    make_queue_ = std::move(make_queue);
  }
  // Initialisation (what Run does before its loop).
  absl::Status Start();
  // Processes every event at times <= t, in order. REQUIRES: t >= now().
  absl::Status AdvanceTo(SimTime t);
  // Time of the next pending event, or kTimeInfinity.
  SimTime NextEventTime();
  // A job arriving at t (>= every earlier injection). Its id comes with its arrival.
  void InjectSubmit(SimTime t, const JobSpec& spec);
  // Live index (order of InjectSubmit) -> job id, -1 while not arrived or when rejected.
  int64_t LiveJobId(size_t live_index) const {
    return live_index < live_ids_.size() ? live_ids_[live_index] : -1;
  }
  // The running job finished (its executor says so), now. FailedPrecondition when not running.
  absl::Status InjectComplete(JobId id);
  // Cancels a pending or running job, now. FailedPrecondition when it already ended.
  absl::Status Cancel(JobId id);
  // Stops a running job and queues it again, now (as a preemption). REQUIRES: running.
  void Requeue(JobId id) {
    Preempt(id);
    RequestPass();
  }
  std::vector<LiveEvent> TakeLiveEvents() { return std::exchange(live_events_, {}); }
  size_t live_submitted() const { return live_specs_.size(); }
  bool Holdable(const JobSpec& spec) const {
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      if (!spec.gpu_type.empty() && sc_.pools[p].gpu_type != spec.gpu_type) continue;
      if (cluster_.capacity_gpus(p) >= spec.gpus) return true;
    }
    return false;
  }
  const Job& job_state(JobId id) const { return jobs_[id]; }
  size_t job_count() const { return jobs_.size(); }
  size_t queued() const { return queue_->size(); }
  void set_inference_preemption(int v) { inference_preemption_ = v; }
  void set_autoscaler(const std::string& name, const std::map<std::string, std::string>& args) {
    autoscaler_override_ = name;
    autoscaler_override_args_ = args;
  }

  // SchedulingContext.
  SimTime now() const override { return now_; }
  const JobView& job(JobId id) const override { return jobs_[id].view; }
  const JobClassView& job_class(uint32_t c) const override { return classes_[c].view; }
  bool ClassFits(uint32_t c) const override {
    const JobClass& cls = classes_[c];
    for (uint32_t pool : cls.pools) {
      if (cluster_.Fits(pool, cls.view.gpus)) return true;
    }
    return false;
  }
  bool TryStart(JobId id) override;
  const ClusterState& cluster() const override { return cluster_; }
  std::span<const uint32_t> pools_for(JobId id) const override {
    return classes_[jobs_[id].view.class_id].pools;
  }
  absl::Status StartOn(JobId id, std::span<const NodeShare> nodes) override;
  // Allocates scratch_ (nodes of `pool`): autoscaled nodes turn busy, the ledger and the
  // pool's change count follow.
  void AllocateScratch(uint32_t pool);
  // The start of a placed and allocated job (scratch_ holds its nodes in `pool`).
  void StartPlaced(JobId id, uint32_t pool);
  void Abort(absl::Status why) override {
    if (run_error_.ok()) run_error_ = std::move(why);
  }
  void Warn(std::string note) override { warnings_.push_back(std::move(note)); }
  bool cancelled() const override {
    return options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed);
  }
  SimTime EarliestFit(JobId id) override;
  uint64_t capacity_epoch() const override { return capacity_epoch_; }
  bool FitsIfPreempted(JobId id, std::span<const JobId> victims) override;
  bool ChooseVictims(JobId id, std::span<const JobId> ranked,
                     std::vector<JobId>* victims) override;
  uint64_t FreeGpusFor(JobId id) const override {
    uint64_t free = 0;
    for (uint32_t p : classes_[jobs_[id].view.class_id].pools) free += cluster_.free_gpus(p);
    return free;
  }
  void Preempt(JobId id) override;
  GpuTime PreemptionLoss(JobId id) const override {
    const Job& job = jobs_[id];
    const AttemptProgress progress = ProgressOf(job);
    return static_cast<GpuTime>(job.view.gpus) *
           (now_ - job.start - progress.saved - progress.writing);
  }
  GpuTime Attained(JobId id) const override {
    const Job& job = jobs_[id];
    GpuTime a = job.attained;
    if (job.running) a += static_cast<GpuTime>(job.view.gpus) * (now_ - job.start);
    return a;
  }
  Duration RemainingRef(JobId id) const override;
  void WakeAt(SimTime t) override {
    if (t < now_) t = now_;
    if (t >= sc_.horizon || !wake_times_.insert(t).second) return;
    events_.Schedule(t, Phase::kSchedule, EventKind::kSchedule, 1);
  }
  uint32_t tenant_count() const override { return static_cast<uint32_t>(tenant_views_.size()); }
  const TenantView& tenant(uint32_t id) const override { return tenant_views_[id]; }
  CapacityTotals online_capacity() const override {
    CapacityTotals t;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      const uint32_t n = cluster_.online_nodes(p);
      t.gpus += uint64_t{n} * cluster_.gpus_per_node(p);
      t.cpus += static_cast<double>(n) * sc_.pools[p].cpus_per_node;
      t.memory_gb += static_cast<double>(n) * sc_.pools[p].memory_gb_per_node;
    }
    // GPUs held by inference replicas are not the training tenants' to share (fair-share,
    // drf and themis-ftf divide this total). Replicas on a draining node are subtracted too,
    // for the minutes they drain.
    t.gpus -= std::min(t.gpus, replica_gpus_);
    return t;
  }

 private:
  void InitSources();
  void ScheduleNextArrival(uint32_t source);
  void OnArrival(uint32_t source);
  void OnComplete(JobId id);
  void OnSample();
  void InitCapacity();
  void InitPlacement();
  void OnCapacity(uint32_t change);
  void Autoscale();
  void ForgetJobOnNode(NodeId node, JobId id) {
    auto& on = jobs_on_node_[node];
    on.erase(std::find(on.begin(), on.end(), id));
  }
  // Run time of the current attempt saved by its checkpoints (useful time rounded down to the
  // checkpoint interval; the restart overhead is never saved).
  // An attempt: the restart overhead (after a preemption), then the work left at the job's
  // speed, stopping to write a checkpoint after every full checkpoint_interval of it but the
  // last (the job then completes).
  static int64_t CheckpointWrites(const Job& job, Duration compute) {
    return job.checkpoint_interval > 0 && compute > 0 ? (compute - 1) / job.checkpoint_interval
                                                      : 0;
  }
  Duration AttemptRuntime(const Job& job) const {
    const Duration compute = Runtime(job.view.duration_ref, job.speed);
    return (job.preemptions > 0 ? job.restart_overhead : 0) + compute +
           CheckpointWrites(job, compute) * job.checkpoint_write;
  }
  // Of the running attempt, now: the compute kept by its completed checkpoints, and the time
  // it spent writing checkpoints (a write in progress included).
  struct AttemptProgress {
    Duration saved = 0;
    Duration writing = 0;
  };
  AttemptProgress ProgressOf(const Job& job) const {
    const Duration overhead = job.preemptions > 0 ? job.restart_overhead : 0;
    const Duration useful = std::max<Duration>(0, now_ - job.start - overhead);
    const Duration interval = job.checkpoint_interval;
    if (interval <= 0) return {};
    const Duration segment = interval + job.checkpoint_write;
    const int64_t writes = CheckpointWrites(job, Runtime(job.view.duration_ref, job.speed));
    const int64_t k = std::min<int64_t>(useful / segment, writes);
    const Duration in_segment = useful - k * segment;
    Duration writing = k * job.checkpoint_write;
    if (k < writes) writing += std::clamp<Duration>(in_segment - interval, 0, job.checkpoint_write);
    return {k * interval, writing};
  }
  // The checkpoint interval its rule gives a job on `placement` (0: none).
  Duration RuleInterval(const Job& job, uint32_t pool) const;
  void EndAttempt(JobId id, bool completed);
  void OnRevoke(NodeId node, bool replace);
  void OnAvailability(uint32_t change);
  uint32_t LiveNodes(uint32_t pool) const {
    return cluster_.online_nodes(pool) + cluster_.booting_nodes(pool);
  }
  void OnReclaim(NodeId node);
  void OnRestore(uint32_t pool);
  void NodeOnline(NodeId node);
  void AccountSegment(const Job& job, SimTime begin, SimTime end);
  uint32_t TenantOf(const std::string& name);
  void OnNodeReady(NodeId node);
  void OnScaleDown(uint32_t pool);
  void NodeIdle(NodeId node);
  void NodeBusy(NodeId node);
  void ScheduleScaleDown(uint32_t pool);
  void Account(uint32_t pool) {
    ledger_.Set(pool, now_, cluster_.allocated_gpus(pool), cluster_.provisioned_gpus(pool));
  }
  void RequestPass() {
    if (!pass_pending_) {
      events_.Schedule(now_, Phase::kSchedule, EventKind::kSchedule, 0);
      pass_pending_ = true;
    }
  }
  uint32_t ClassOf(uint32_t gpus, const std::string& gpu_type);
  int32_t PlaceAndAllocate(std::span<const std::vector<uint32_t>> groups,
                           const PlacementRequest& req);
  // Inference services.
  absl::Status InitServices();
  void OnServiceTick(uint32_t s);
  void SetReplicaTarget(uint32_t s, uint32_t want);
  void PlacePendingReplicas();
  bool StartReplica(JobId id);
  bool PreemptForReplica(JobId id);
  void MakeReady(JobId id);
  void StopReplica(JobId id, bool kill);
  void ReleaseReplica(JobId id);
  void EvacuateReplicas(NodeId node);
  void ReadyChanging(ServiceRun& svc) {
    svc.ready_replica_s += svc.ready * TimeToSeconds(now_ - svc.ready_changed);
    svc.ready_changed = now_;
  }
  void AdvanceService(ServiceRun& svc) {
    if (absl::Status st = svc.engine->AdvanceTo(now_); !st.ok() && run_error_.ok()) {
      run_error_ = st;
    }
  }
  Duration SampleDuration(Source& src);
  absl::Status CheckInvariants(const Event& e) const;
  std::string JobState(JobId id) const;
  std::string WorkBroken(JobId id) const;
  void Corrupt();
  // At the end (Finish), with check_invariants: the ledger, the bill and the chargeback agree.
  absl::Status CheckFinalInvariants(const std::vector<std::vector<PoolMonthBill>>& bills,
                                    const PoolMonthBill& total,
                                    const std::vector<PoolMonthBill>& pool_bill) const;

 public:
  // The end-of-run check's outcome (OK unless check_invariants found a violation).
  const absl::Status& final_check() const { return final_check_; }

 private:
  absl::Status final_check_ = absl::OkStatus();
  double FragmentedGpus() const;

  const ScenarioModel& sc_;
  const uint64_t seed_;
  const RunOptions options_;
  ClusterState cluster_;
  EventList events_;
  std::unique_ptr<QueuePolicy> queue_;
  std::unique_ptr<PlacementPolicy> placement_;
  std::unique_ptr<ScalingPolicy> scaling_;
  std::vector<MonthSpan> months_;
  Ledger ledger_;

  SimTime now_ = 0;
  uint64_t event_count_ = 0;
  mutable SimTime last_checked_time_ = 0;  // of the last event the invariant checker saw
  bool pass_pending_ = false;
  std::vector<Source> sources_;
  std::vector<Job> jobs_;
  std::vector<JobClass> classes_;
  std::map<std::pair<uint32_t, std::string>, uint32_t> class_index_;
  absl::btree_set<std::pair<SimTime, JobId>> running_by_end_;
  Placement scratch_;
  std::vector<CapacityChange> capacity_changes_;
  uint64_t capacity_epoch_ = 0;

  // Preemption and spot.
  std::vector<absl::InlinedVector<JobId, 4>> jobs_on_node_;
  std::vector<Rng> spot_rng_;          // per pool (spot pools only use theirs)
  std::vector<SimTime> revoke_at_;     // per node: its pending revocation, or -1
  std::vector<uint32_t> revocations_;  // per pool
  std::vector<uint8_t> replace_after_reclaim_;  // per node: random revocation (not availability)
  std::vector<SimTime> reclaim_at_;    // per node: its pending reclaim, or -1
  std::vector<uint32_t> spot_cap_;     // per pool: nodes the provider offers now
  std::vector<std::pair<uint32_t, PricePerGpuHour>> price_changes_;   // (pool, price)
  std::vector<std::pair<uint32_t, uint32_t>> availability_changes_;   // (pool, nodes)
  uint32_t preemptions_ = 0;
  // Failures (docs/failures.md).
  void InitFailures();
  void ScheduleNodeFailure(NodeId node);
  void ScheduleRackFailure(uint32_t rack);
  void OnNodeFailure(NodeId node);
  void OnRackFailure(uint32_t rack);
  bool FailNode(NodeId node, SimTime repaired_at);
  SimTime RepairTime(uint32_t pool, Rng& rng);
  void OnRepair(NodeId node);
  void OnTracedFailure(uint32_t index);
  std::vector<std::pair<uint32_t, uint32_t>> traced_;  // (pool, index in its failure_trace)
  // Failure and repair draws: one stream per node and one per rack (keyed by the pool's name
  // and the index), so adding spares or nodes leaves the others' histories unchanged (common
  // random numbers across planner candidates). Empty for pools without failures.
  std::vector<Rng> node_failure_rng_, node_repair_rng_;  // per node
  std::vector<Rng> rack_rng_;                            // per entry of racks_
  std::vector<SimTime> down_until_;          // per failed node: min(repair, horizon), else -1
  std::vector<SimTime> node_fail_at_;        // per node: its pending failure, or -1
  std::vector<SimTime> repair_at_;           // per node: its pending repair, or -1
  std::vector<std::pair<uint32_t, uint32_t>> racks_;  // (pool, rack) of pools with rack failures
  std::vector<SimTime> rack_fail_at_;        // per entry of racks_
  std::vector<std::vector<NodeId>> spares_;  // per pool: its spare nodes
  std::vector<uint32_t> node_failures_;      // per pool
  std::vector<GpuTime> down_;                // per pool: failed GPU-time until repair (clipped)
  uint32_t rack_failures_ = 0;
  uint32_t job_interruptions_by_failure_ = 0;
  bool failing_ = false;                     // Preempt is stopping jobs for a failure
  GpuTime lost_to_failures_ = 0;
  GpuTime checkpointing_ = 0;
  uint32_t jobs_rejected_ = 0;  // trace jobs no pool could hold
  absl::Status run_error_;      // a trace that failed mid-run, or a policy's Abort
  std::vector<std::string> warnings_;  // RunResult.warnings
  static constexpr double kMaxTraceSeconds = 1e11;
  GpuTime lost_ = 0;
  // Chargeback: tenants by name and their GPU-time per (pool x month).
  std::vector<std::string> tenants_;
  std::vector<TenantView> tenant_views_;
  absl::btree_set<SimTime> wake_times_;  // pending policy wake-ups
  SimTime last_pass_time_ = -1;
  uint64_t passes_at_instant_ = 0;
  static constexpr uint64_t kMaxPassesAtInstant = 1'000'000;
  std::vector<uint32_t> freed_;   // FitsIfPreempted scratch: GPUs freed per node
  std::vector<NodeId> touched_;
  std::vector<int32_t> node_rank_;  // ChooseVictims scratch: last rank touching a node, or -1
  std::map<std::string, uint32_t> tenant_index_;
  std::vector<std::vector<GpuTime>> tenant_use_;
  // Per tenant and (pool x month) of pools with an hourly carbon series: its GPU-time weighted
  // by the grid intensity of the moment (as PoolMonthUsage::allocated_gco2e), so a tenant that
  // ran in dirty hours bears more of the pool-month's operational carbon.
  std::vector<std::vector<double>> tenant_gco2e_;
  std::vector<uint32_t> tenant_jobs_;

  // Autoscaling.
  bool any_autoscale_ = false;
  std::vector<uint32_t> pending_per_class_;
  std::vector<SimTime> provisioned_at_;  // per node: start of its current provisioning
  std::vector<SimTime> idle_since_;      // per node in an autoscaled pool, while online and idle
  std::vector<std::set<std::pair<SimTime, NodeId>>> idle_nodes_;  // per pool, by idle_since
  std::vector<SimTime> scale_down_at_;   // per pool: the pending scale-down check, or infinity
  std::vector<uint64_t> scale_need_;     // per pool, scratch for Autoscale
  std::vector<NodeId> booted_;           // scratch

  // Task mix (jobs arrived, by gang size) and fragmentation samples.
  std::map<uint32_t, uint64_t> gang_counts_;
  uint64_t arrived_ = 0;
  double frag_sum_ = 0, unalloc_sum_ = 0;
  uint64_t frag_samples_ = 0;

  // Inference services, in scenario order.
  std::vector<ServiceRun> services_;
  uint64_t replicas_pending_ = 0;  // over all services
  int inference_preemption_ = -1;  // PolicySpec::inference_preemption of this run
  uint64_t replica_gpus_ = 0;       // GPUs held by replicas (starting, ready or draining)
  std::vector<uint64_t> pool_changes_;      // per pool: allocations and releases so far
  std::vector<uint64_t> training_running_;  // per pool: running training jobs
  bool initialising_services_ = false;  // placing the initial replicas (no cold start)
  std::string autoscaler_override_;     // PolicySpec::autoscaler of this run, "" = none
  std::map<std::string, std::string> autoscaler_override_args_;

  uint64_t completed_jobs_ = 0;  // training jobs finished (for progress)

  // Live mode.
  bool live_ = false;
  std::function<std::unique_ptr<QueuePolicy>()> make_queue_;
  uint32_t live_source_ = 0;
  std::vector<JobSpec> live_specs_;   // injected, in order
  size_t live_next_ = 0;              // next spec to arrive
  std::vector<int64_t> live_ids_;     // live index -> job id (-1 rejected)
  std::vector<LiveEvent> live_events_;
  void RecordLive(LiveEvent::Kind kind, JobId id) {
    LiveEvent& ev = live_events_.emplace_back();
    ev.kind = kind;
    ev.job = id;
    ev.time = now_;
    if (kind == LiveEvent::Kind::kStart) {
      ev.nodes.assign(jobs_[id].placement.begin(), jobs_[id].placement.end());
    }
  }
  // Absl::Status of processing one event (the loop body shared by Run and AdvanceTo).
  absl::Status Process(const Event& e);

  // Time series.
  std::vector<double> ts_time_s_;
  std::vector<uint32_t> ts_allocated_, ts_queued_, ts_running_, ts_provisioned_;
  // Per pool, samples appended in turn: [sample * pools + pool].
  std::vector<uint32_t> ts_pool_allocated_, ts_pool_provisioned_;
};

void World::InitSources() {
  // Source 0: the inline jobs, stably sorted by submit time.
  Source inline_src;
  inline_src.inline_order.resize(sc_.jobs.size());
  for (uint32_t i = 0; i < sc_.jobs.size(); ++i) inline_src.inline_order[i] = i;
  std::stable_sort(inline_src.inline_order.begin(), inline_src.inline_order.end(),
                   [&](uint32_t a, uint32_t b) { return sc_.jobs[a].submit < sc_.jobs[b].submit; });
  sources_.push_back(std::move(inline_src));
  for (size_t g = 0; g < sc_.generators.size(); ++g) {
    Source src;
    src.generator = &sc_.generators[g];
    // Stream g+1 of the run's seed: adding a generator does not change the others' draws.
    src.rng = Rng::ForStream(seed_, g + 1);
    src.gpu_dist = std::make_unique<DiscreteDistribution>(src.generator->gpu_weights);
    src.next_time = src.generator->start;
    sources_.push_back(std::move(src));
  }
  for (size_t t = 0; t < sc_.traces.size(); ++t) {
    Source src;
    src.trace_spec = &sc_.traces[t];
    const uint64_t stream_seed = Rng::ForStream(seed_, 2'000'000 + t).NextU64();
    auto stream = TraceStream::Open(src.trace_spec->format, src.trace_spec->path,
                                    TraceOptionsOf(*src.trace_spec, stream_seed));
    if (!stream.ok()) {
      if (run_error_.ok()) run_error_ = stream.status();
      continue;
    }
    src.trace = *std::move(stream);
    sources_.push_back(std::move(src));
  }
  if (live_) {
    Source live;
    live.live = true;
    live_source_ = static_cast<uint32_t>(sources_.size());
    sources_.push_back(std::move(live));
  }
  for (uint32_t s = 0; s < sources_.size(); ++s) ScheduleNextArrival(s);
}

void World::ScheduleNextArrival(uint32_t s) {
  Source& src = sources_[s];
  if (src.live) return;  // arrivals are injected
  SimTime t;
  if (src.trace != nullptr) {
    absl::StatusOr<bool> got = src.trace->Next(&src.next_job);
    if (!got.ok()) {
      if (run_error_.ok()) run_error_ = got.status();
      return;
    }
    if (!*got) return;
    if (!src.started) {
      src.started = true;
      src.first_submit_s = src.next_job.submit_s;
    }
    const double rel_s = src.next_job.submit_s - src.first_submit_s;
    if (rel_s < 0) {
      if (run_error_.ok()) {
        run_error_ = absl::InvalidArgumentError(absl::StrCat(
            src.trace_spec->path, ":", src.next_job.line,
            ": out of submission order; the trace must be sorted by submit time"));
      }
      return;
    }
    const double at_s = TimeToSeconds(src.trace_spec->offset) + rel_s;
    if (at_s >= TimeToSeconds(sc_.horizon)) return;
    t = SecondsToTime(at_s);
  } else if (src.generator == nullptr) {
    if (src.next_inline >= src.inline_order.size()) return;
    t = sc_.jobs[src.inline_order[src.next_inline]].submit;
  } else {
    const GeneratorSpec& g = *src.generator;
    if (g.max_jobs > 0 && src.emitted >= g.max_jobs) return;
    const SimTime end = std::min(g.end, sc_.horizon);
    // A daily profile is a non-homogeneous Poisson process, sampled by thinning: candidates
    // at the peak rate, each kept with probability rate(hour) / peak.
    double peak = 1.0, mean = 1.0;
    if (!g.hourly_profile.empty()) {
      peak = *std::max_element(g.hourly_profile.begin(), g.hourly_profile.end());
      mean = 0;
      for (double w : g.hourly_profile) mean += w / 24.0;
    }
    const double mean_gap_s = 3600.0 / (g.arrivals_per_hour * peak / mean);
    double t_s = TimeToSeconds(src.next_time);
    while (true) {
      t_s += src.rng.Exponential(mean_gap_s);
      if (t_s >= TimeToSeconds(end)) return;
      if (g.hourly_profile.empty()) break;
      const int64_t hour = ((sc_.start_unix_s + static_cast<int64_t>(t_s)) / 3600) % 24;
      if (src.rng.Uniform01() * peak < g.hourly_profile[static_cast<size_t>(hour)]) break;
    }
    t = std::min(SecondsToTime(t_s), end - 1);
    src.next_time = t;
  }
  if (t >= sc_.horizon) return;
  events_.Schedule(t, Phase::kArrive, EventKind::kArrival, s);
}

Duration World::SampleDuration(Source& src) {
  // At most ~100 years, at least 1 us: keeps every sum of times inside int64.
  const double s = std::min(SampleSeconds(src.generator->duration, src.rng), 100.0 * 365 * 86400);
  return std::max<Duration>(1, SecondsToTime(s));
}

uint32_t World::ClassOf(uint32_t gpus, const std::string& gpu_type) {
  auto [it, inserted] = class_index_.try_emplace({gpus, gpu_type},
                                                 static_cast<uint32_t>(classes_.size()));
  if (inserted) {
    JobClass cls;
    cls.view.gpus = gpus;
    double min_speed = 0;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      if (!gpu_type.empty() && sc_.pools[p].gpu_type != gpu_type) continue;
      // Only pools that can hold the gang at all: a smaller pool must neither cost fit checks
      // nor make backfill's run-time estimate (the slowest eligible speed) pessimistic.
      if (cluster_.capacity_gpus(p) < gpus) continue;
      cls.pools.push_back(p);
      const double speed = sc_.pools[p].training_speed;
      if (min_speed == 0 || speed < min_speed) min_speed = speed;
    }
    cls.view.min_speed = min_speed > 0 ? min_speed : 1.0;
    for (int tier = 0; tier <= 2; ++tier) {
      std::vector<uint32_t> in_tier;
      for (uint32_t p : cls.pools) {
        if (PaymentTier(sc_.pools[p].pricing) == tier) in_tier.push_back(p);
      }
      if (!in_tier.empty()) cls.tiers.push_back(std::move(in_tier));
    }
    classes_.push_back(std::move(cls));
  }
  return it->second;
}

void World::OnArrival(uint32_t s) {
  Source& src = sources_[s];
  const JobId id = static_cast<JobId>(jobs_.size());
  uint32_t trace_class = 0;
  if (src.trace != nullptr) {
    const TraceJob& tj = src.next_job;
    std::string gpu_type = src.trace_spec->gpu_type;
    if (gpu_type.empty() && !tj.gpu_type.empty()) {
      for (const PoolSpec& p : sc_.pools) {
        if (p.gpu_type == tj.gpu_type) gpu_type = tj.gpu_type;
      }
    }
    trace_class = ClassOf(std::max<uint32_t>(1, tj.gpus), gpu_type);
    if (classes_[trace_class].pools.empty() && src.trace_spec->gpu_type.empty() &&
        !gpu_type.empty()) {
      // The trace's own type names pools too small for the gang: any pool, as validation said.
      trace_class = ClassOf(std::max<uint32_t>(1, tj.gpus), "");
    }
    if (classes_[trace_class].pools.empty()) {
      ++jobs_rejected_;  // no pool could ever hold it
      ScheduleNextArrival(s);
      return;
    }
  }
  // Built in place (a moved Job trips GCC 12's maybe-uninitialized on its InlinedVector).
  Job& job = jobs_.emplace_back();
  job.source = s;
  if (src.trace != nullptr) {
    const TraceJob& tj = src.next_job;
    const TraceSourceSpec& spec = *src.trace_spec;
    const uint32_t cls = trace_class;
    job.index_in_source = static_cast<uint32_t>(src.emitted++);
    job.view.gpus = std::max<uint32_t>(1, tj.gpus);
    job.view.duration_ref = std::max<Duration>(
        1, SecondsToTime(std::min(tj.duration_s, static_cast<double>(kMaxTraceSeconds))));
    job.view.class_id = cls;
    job.tenant = TenantOf(!spec.tenant.empty() ? spec.tenant
                          : !tj.user.empty()   ? tj.user
                          : !tj.vc.empty()     ? tj.vc
                                               : std::string("default"));
    if (options_.keep_job_records) {
      src.names.push_back(tj.name.empty() ? absl::StrCat("trace", s, "-", job.index_in_source)
                                          : tj.name);
    }
  } else if (src.generator == nullptr) {
    const uint32_t index = src.live ? static_cast<uint32_t>(live_next_) : src.inline_order[src.next_inline++];
    if (src.live) live_ids_.push_back(id), ++live_next_;
    const JobSpec& spec = src.live ? live_specs_[index] : sc_.jobs[index];
    job.index_in_source = index;
    job.view.gpus = spec.gpus;
    job.view.duration_ref = spec.duration;
    job.view.priority = spec.priority;
    job.view.class_id = ClassOf(spec.gpus, spec.gpu_type);
    job.tenant = TenantOf(spec.tenant);
    job.checkpoint_interval = spec.checkpoint_interval;
    job.restart_overhead = spec.restart_overhead;
    job.checkpoint_write = spec.checkpoint_write;
    job.checkpoint_rule = spec.checkpoint_rule;
    job.view.estimate_ref = spec.estimate;
    if (spec.deadline > 0) job.view.deadline = spec.submit + spec.deadline;
    job.view.cpus = spec.cpus;
    job.view.memory_gb = spec.memory_gb;
  } else {
    const GeneratorSpec& g = *src.generator;
    job.index_in_source = static_cast<uint32_t>(src.emitted++);
    job.view.gpus = g.gpu_values[src.gpu_dist->Sample(src.rng)];
    job.view.duration_ref = SampleDuration(src);
    job.view.priority = g.priority;
    job.view.class_id = ClassOf(job.view.gpus, g.gpu_type);
    job.tenant = TenantOf(g.tenant);
    job.checkpoint_interval = g.checkpoint_interval;
    job.restart_overhead = g.restart_overhead;
    job.checkpoint_write = g.checkpoint_write;
    job.checkpoint_rule = g.checkpoint_rule;
    job.view.cpus = g.cpus_per_gpu * job.view.gpus;
    job.view.memory_gb = g.memory_gb_per_gpu * job.view.gpus;
  }
  job.view.submit = now_;
  job.view.tenant = job.tenant;
  job.view.total_ref = job.view.duration_ref;
  if (classes_[job.view.class_id].pools.empty()) {
    // No pool could ever hold the gang (validation prevents this for a scenario as written; a
    // planner candidate without the big pools can get here): counted, never queued.
    jobs_.pop_back();
    if (src.live) live_ids_.back() = -1;
    ++jobs_rejected_;
    ScheduleNextArrival(s);
    return;
  }
  if (job.view.class_id >= pending_per_class_.size()) {
    pending_per_class_.resize(job.view.class_id + 1, 0);
  }
  ++pending_per_class_[job.view.class_id];
  ++tenant_jobs_[job.tenant];
  ++gang_counts_[job.view.gpus];
  ++arrived_;
  queue_->Enqueue(id, jobs_[id].view);
  RequestPass();
  ScheduleNextArrival(s);
}

// Tries the pool groups in order; the first placement found is allocated (scratch_ holds it)
// and its pool returned, else -1.
int32_t World::PlaceAndAllocate(std::span<const std::vector<uint32_t>> groups,
                                const PlacementRequest& req) {
  bool placed = false;
  for (const std::vector<uint32_t>& group : groups) {
    if (placement_->PlaceJob(cluster_, group, req, &scratch_)) {
      placed = true;
      break;
    }
  }
  if (!placed) return -1;
  const uint32_t pool = cluster_.pool_of(scratch_.front().node);
  AllocateScratch(pool);
  return static_cast<int32_t>(pool);
}

void World::AllocateScratch(uint32_t pool) {
  if (sc_.pools[pool].autoscale) {
    for (const NodeShare& share : scratch_) {
      if (cluster_.free_on(share.node) == cluster_.gpus_per_node(pool)) NodeBusy(share.node);
    }
  }
  cluster_.Allocate(scratch_);
  Account(pool);
  ++pool_changes_[pool];
}

bool World::TryStart(JobId id) {
  Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  PlacementRequest req;
  req.gpus = job.view.gpus;
  req.work_ref = job.view.duration_ref;
  req.now = now_;
  req.deadline = job.view.deadline;
  const int32_t placed = placement_->across_tiers()
                             ? PlaceAndAllocate(std::span(&cls.pools, 1), req)
                             : PlaceAndAllocate(cls.tiers, req);
  if (placed < 0) return false;
  StartPlaced(id, static_cast<uint32_t>(placed));
  return true;
}

absl::Status World::StartOn(JobId id, std::span<const NodeShare> nodes) {
  const auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("job ", id, ": ", what));
  };
  if (id >= jobs_.size() || jobs_[id].service >= 0) return bad("no such training job");
  const Job& job = jobs_[id];
  if (job.running || job.end >= 0) return bad("is not pending (running or finished)");
  if (nodes.empty()) return bad("no nodes given");
  const JobClass& cls = classes_[job.view.class_id];
  uint64_t total = 0;
  uint32_t pool = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeShare& n = nodes[i];
    if (n.node >= cluster_.node_count()) return bad(absl::StrCat("node ", n.node, " does not exist"));
    const uint32_t p = cluster_.pool_of(n.node);
    if (i == 0) pool = p;
    if (p != pool) return bad("nodes of several pools; a gang runs in one pool");
    if (cluster_.state_of(n.node) != NodeState::kOnline) {
      return bad(absl::StrCat("node ", n.node, " is not online"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (nodes[j].node == n.node) return bad(absl::StrCat("node ", n.node, " is named twice"));
    }
    if (n.gpus == 0) return bad(absl::StrCat("0 GPUs on node ", n.node, "; name only nodes it uses"));
    if (n.gpus > cluster_.free_on(n.node)) {
      return bad(absl::StrCat(n.gpus, " GPU(s) on node ", n.node, " which has ",
                              cluster_.free_on(n.node), " free (over-allocation)"));
    }
    total += n.gpus;
  }
  if (std::find(cls.pools.begin(), cls.pools.end(), pool) == cls.pools.end()) {
    return bad(absl::StrCat("may not run in pool ", sc_.pools[pool].name,
                            " (GPU type or node size)"));
  }
  if (total != job.view.gpus) {
    return bad(absl::StrCat("needs ", job.view.gpus, " GPUs; the nodes give ", total));
  }
  const uint32_t gpn = cluster_.gpus_per_node(pool);
  const uint32_t whole = job.view.gpus / gpn, rest = job.view.gpus % gpn;
  size_t full = 0, partial = 0;
  for (const NodeShare& n : nodes) (n.gpus == gpn ? full : partial) += 1;
  const bool shape_ok = job.view.gpus <= gpn ? nodes.size() == 1
                                             : full == whole && partial == (rest > 0 ? 1u : 0u);
  if (!shape_ok) {
    return bad(absl::StrCat("a gang of ", job.view.gpus, " on ", gpn,
                            "-GPU nodes takes one node, or whole nodes plus one node for the "
                            "remainder"));
  }
  scratch_.assign(nodes.begin(), nodes.end());
  AllocateScratch(pool);
  StartPlaced(id, pool);
  return absl::OkStatus();
}

void World::StartPlaced(JobId id, uint32_t pool) {
  Job& job = jobs_[id];
  ++training_running_[pool];
  --pending_per_class_[job.view.class_id];
  job.placement = scratch_;
  job.pool = static_cast<int32_t>(pool);
  job.start = now_;
  job.running = true;
  if (job.first_start < 0) job.first_start = now_;
  if (job.evicted_by >= 0) {
    services_[static_cast<size_t>(job.evicted_by)].training_requeue += now_ - job.evicted_at;
    job.evicted_by = -1;
  }
  // A gang over several nodes (or racks) runs at the cluster's locality factor.
  job.speed = sc_.pools[pool].training_speed;
  if (scratch_.size() > 1) {
    bool one_rack = true;
    for (const NodeShare& share : scratch_) {
      one_rack &= cluster_.rack_of(share.node) == cluster_.rack_of(scratch_.front().node);
    }
    job.speed *= one_rack ? sc_.cross_node_speed : sc_.cross_rack_speed;
  }
  // A restarted job first pays its restart overhead, then runs the work left.
  if (job.checkpoint_rule != CheckpointRule::kFixed) job.checkpoint_interval = RuleInterval(job, pool);
  job.runtime = AttemptRuntime(job);
  const SimTime end = now_ + job.runtime;
  // Live: the executor reports the end; the estimate still orders backfilling.
  if (!live_) job.completion = events_.Schedule(end, Phase::kRelease, EventKind::kComplete, id);
  running_by_end_.emplace(end, id);
  if (live_) RecordLive(LiveEvent::Kind::kStart, id);
  for (const NodeShare& share : job.placement) jobs_on_node_[share.node].push_back(id);
}

uint32_t World::TenantOf(const std::string& name) {
  auto [it, fresh] = tenant_index_.try_emplace(name, static_cast<uint32_t>(tenants_.size()));
  if (fresh) {
    tenants_.push_back(name);
    TenantView view;
    view.name = name;
    for (const TenantSpec& t : sc_.tenants) {
      if (t.name == name) {
        view.weight = t.weight;
        view.quota_gpus = t.quota_gpus;
        view.max_gpus = t.max_gpus;
      }
    }
    tenant_views_.push_back(std::move(view));
    tenant_use_.emplace_back(sc_.pools.size() * months_.size(), 0);
    tenant_gco2e_.emplace_back(sc_.pools.size() * months_.size(), 0.0);
    tenant_jobs_.push_back(0);
  }
  return it->second;
}

// Adds the job's GPU-time over [begin, end) on its pool to its tenant, month by month.
// O(log months + months spanned).
void World::AccountSegment(const Job& job, SimTime begin, SimTime end) {
  const size_t n_months = months_.size();
  size_t m = static_cast<size_t>(
      std::upper_bound(months_.begin(), months_.end(), begin,
                       [](SimTime at, const MonthSpan& month) { return at < month.end; }) -
      months_.begin());
  std::vector<GpuTime>& use = tenant_use_[job.tenant];
  std::vector<GpuTime>* service_use =
      job.service >= 0 ? &services_[static_cast<size_t>(job.service)].use : nullptr;
  for (; m < n_months && months_[m].begin < end; ++m) {
    const SimTime lo = std::max(begin, months_[m].begin);
    const SimTime hi = std::min(end, months_[m].end);
    if (hi > lo) {
      const size_t at = static_cast<size_t>(job.pool) * n_months + m;
      const GpuTime held = static_cast<GpuTime>(job.view.gpus) * (hi - lo);
      use[at] += held;
      if (service_use != nullptr) (*service_use)[at] += held;
      if (ledger_.has_series(static_cast<uint32_t>(job.pool))) {
        tenant_gco2e_[job.tenant][at] += static_cast<double>(job.view.gpus) *
                                         ledger_.IntensityBetween(static_cast<uint32_t>(job.pool),
                                                                  lo, hi);
      }
    }
  }
}

// Stops a running job: it keeps the work up to its last checkpoint (checkpoints every
// checkpoint_interval of useful run time, after any restart overhead), loses the rest, frees
// its GPUs and queues again.
void World::Preempt(JobId id) {
  Job& job = jobs_[id];
  if (job.service >= 0) {
    // A replica whose node is reclaimed: its requests are lost, a replacement is wanted.
    const uint32_t s = static_cast<uint32_t>(job.service);
    StopReplica(id, /*kill=*/true);
    SetReplicaTarget(s, services_[s].target);
    return;
  }
  if (!live_) events_.Cancel(job.completion);
  running_by_end_.erase({job.start + job.runtime, id});
  if (live_) RecordLive(LiveEvent::Kind::kPreempt, id);
  const Duration elapsed = now_ - job.start;
  const AttemptProgress progress = ProgressOf(job);
  const Duration saved = progress.saved;
  // Work saved, in reference time: the attempt ran at job.speed x the reference.
  const double speed = job.speed;
  const Duration saved_ref = std::min(
      job.view.duration_ref,
      static_cast<Duration>(static_cast<double>(saved) * speed + 0.5));
  const Duration left = std::max<Duration>(1, job.view.duration_ref - saved_ref);
  job.done_ref += job.view.duration_ref - left;
  job.view.duration_ref = left;
  const GpuTime lost =
      static_cast<GpuTime>(job.view.gpus) * (elapsed - saved - progress.writing);
  const GpuTime writing = static_cast<GpuTime>(job.view.gpus) * progress.writing;
  job.lost += lost;
  lost_ += lost;
  job.checkpointing += writing;
  checkpointing_ += writing;
  job.restarted_after_failure = failing_;
  if (failing_) {  // FailNode counts the interruption
    ++job.failures;
    lost_to_failures_ += lost;
  }
  ++job.preemptions;
  ++preemptions_;
  EndAttempt(id, /*completed=*/false);
  ++pending_per_class_[job.view.class_id];
  job.view.restart_overhead = job.restart_overhead;  // its next start pays it
  job.view.attained_gpu_s = static_cast<double>(job.attained) / static_cast<double>(kSecond);
  queue_->Enqueue(id, job.view);
  RequestPass();
}

// The end of a job's attempt, completed or preempted: its GPU-time is charged to its tenant,
// its GPUs are freed, and nodes of an autoscaled pool left idle start their idle timeout.
void World::EndAttempt(JobId id, bool completed) {
  Job& job = jobs_[id];
  const uint32_t pool = static_cast<uint32_t>(job.pool);
  AccountSegment(job, job.start, now_);
  job.attained += static_cast<GpuTime>(job.view.gpus) * (now_ - job.start);
  job.running = false;
  for (const NodeShare& share : job.placement) ForgetJobOnNode(share.node, id);
  cluster_.Release(job.placement);
  Account(pool);
  ++pool_changes_[pool];
  if (job.service < 0) --training_running_[pool];
  if (sc_.pools[pool].autoscale) {
    for (const NodeShare& share : job.placement) {
      if (cluster_.state_of(share.node) == NodeState::kOnline &&
          cluster_.free_on(share.node) == cluster_.gpus_per_node(pool)) {
        NodeIdle(share.node);
      }
    }
    ScheduleScaleDown(pool);
  }
  if (job.service < 0) queue_->OnStop(id, completed);
}

void World::OnComplete(JobId id) {
  Job& job = jobs_[id];
  running_by_end_.erase({job.start + job.runtime, id});  // = now_ when simulated
  if (live_) {
    job.runtime = now_ - job.start;  // what it really took
    RecordLive(LiveEvent::Kind::kComplete, id);
  }
  EndAttempt(id, /*completed=*/true);
  job.end = now_;
  job.done_ref += job.view.duration_ref;  // the last attempt did the rest
  ++completed_jobs_;
  // The restart overhead of the last attempt did no work either.
  if (job.preemptions > 0) {
    const GpuTime overhead = static_cast<GpuTime>(job.view.gpus) *
                             std::min(job.restart_overhead, job.runtime);
    job.lost += overhead;
    lost_ += overhead;
    // After a failure, the restart it forced is the failure's cost too.
    if (job.failures > 0 && job.restarted_after_failure) lost_to_failures_ += overhead;
  }
  if (!live_) {
    const GpuTime writing =
        static_cast<GpuTime>(job.view.gpus) * job.checkpoint_write *
        CheckpointWrites(job, Runtime(job.view.duration_ref, job.speed));
    job.checkpointing += writing;
    checkpointing_ += writing;
  }
  RequestPass();
}

SimTime World::EarliestFit(JobId id) {
  // Replays the expected completions of running jobs, in end-time order, over a scratch copy
  // of the touched nodes' free counts, until the job's gang fits in one of its pools. Per pool
  // it tracks the number of whole free nodes and of partially free nodes with room for the
  // remainder, so each replayed share costs O(1).
  const Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  const uint32_t gpus = job.view.gpus;
  absl::flat_hash_map<uint32_t, GangCounts> pools;
  for (uint32_t p : cls.pools) {
    GangCounts pc(cluster_, p, gpus);
    if (pc.Fits()) return now_;
    pools.emplace(p, pc);
  }
  absl::flat_hash_map<NodeId, uint32_t> free;
  // Live mode: run times are estimates; a job past its estimate is expected to run as long
  // again (doubling until its end is ahead of now), so the reservation stays in the future
  // and backfilling goes on. The order then differs from running_by_end_'s: sort a copy.
  std::vector<std::pair<SimTime, JobId>> overdue_order;
  if (live_) {
    overdue_order.reserve(running_by_end_.size());
    for (const auto& [end, running] : running_by_end_) {
      SimTime e = end;
      if (e <= now_) {
        const Job& r = jobs_[running];
        Duration d = std::max<Duration>(r.runtime, kSecond);
        while (r.start + d <= now_) d *= 2;
        e = r.start + d;
      }
      overdue_order.emplace_back(e, running);
    }
    std::sort(overdue_order.begin(), overdue_order.end());
  }
  SimTime found_at = kTimeInfinity;
  const auto replay = [&](SimTime end, JobId running) -> bool {
    for (const NodeShare& share : jobs_[running].placement) {
      // GPUs freed on a draining node never become placeable.
      if (cluster_.state_of(share.node) != NodeState::kOnline) continue;
      const uint32_t p = cluster_.pool_of(share.node);
      auto pit = pools.find(p);
      if (pit == pools.end()) continue;
      GangCounts& pc = pit->second;
      auto [fit, inserted] = free.try_emplace(share.node, cluster_.free_on(share.node));
      const uint32_t a = fit->second, b = a + share.gpus;
      fit->second = b;
      pc.Move(a, b);
      if (pc.Fits()) {
        found_at = end;
        return true;
      }
    }
    return false;
  };
  if (live_) {
    for (const auto& [end, running] : overdue_order) {
      if (replay(end, running)) return found_at;
    }
  } else {
    for (const auto& [end, running] : running_by_end_) {
      if (replay(end, running)) return found_at;
    }
  }
  return kTimeInfinity;
}

bool World::FitsIfPreempted(JobId id, std::span<const JobId> victims) {
  const Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  // Few pools per class: a small vector beats a map.
  absl::InlinedVector<std::pair<uint32_t, GangCounts>, 4> pools;
  for (uint32_t p : cls.pools) {
    GangCounts pc(cluster_, p, job.view.gpus);
    if (pc.Fits()) return true;
    pools.emplace_back(p, pc);
  }
  // Scratch free counts per node (dense, reset through the touched list: no allocation).
  if (freed_.size() < cluster_.node_count()) freed_.assign(cluster_.node_count(), 0);
  bool fits = false;
  for (JobId v : victims) {
    for (const NodeShare& share : jobs_[v].placement) {
      if (cluster_.state_of(share.node) != NodeState::kOnline) continue;
      const uint32_t p = cluster_.pool_of(share.node);
      auto pit = std::find_if(pools.begin(), pools.end(),
                              [&](const auto& entry) { return entry.first == p; });
      if (pit == pools.end()) continue;
      if (freed_[share.node] == 0) touched_.push_back(share.node);
      const uint32_t a = cluster_.free_on(share.node) + freed_[share.node], b = a + share.gpus;
      freed_[share.node] += share.gpus;
      pit->second.Move(a, b);
      if (pit->second.Fits()) {
        fits = true;
        break;
      }
    }
    if (fits) break;
  }
  for (NodeId n : touched_) freed_[n] = 0;
  touched_.clear();
  return fits;
}

bool World::ChooseVictims(JobId id, std::span<const JobId> ranked,
                          std::vector<JobId>* victims) {
  victims->clear();
  const Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  const uint32_t gpus = job.view.gpus;
  absl::InlinedVector<std::pair<uint32_t, GangCounts>, 4> pools;
  for (uint32_t p : cls.pools) {
    GangCounts pc(cluster_, p, gpus);
    if (pc.Fits()) return true;  // no victim needed
    pools.emplace_back(p, pc);
  }
  if (freed_.size() < cluster_.node_count()) freed_.assign(cluster_.node_count(), 0);
  if (node_rank_.size() < cluster_.node_count()) node_rank_.assign(cluster_.node_count(), -1);
  // Free the ranked jobs one by one until some pool can hold the gang: the shortest prefix.
  int found_pool = -1;
  size_t last = 0;
  for (size_t i = 0; i < ranked.size() && found_pool < 0; ++i) {
    for (const NodeShare& share : jobs_[ranked[i]].placement) {
      if (cluster_.state_of(share.node) != NodeState::kOnline) continue;
      const uint32_t p = cluster_.pool_of(share.node);
      auto pit = std::find_if(pools.begin(), pools.end(),
                              [&](const auto& entry) { return entry.first == p; });
      if (pit == pools.end()) continue;
      if (node_rank_[share.node] < 0) touched_.push_back(share.node);
      node_rank_[share.node] = static_cast<int32_t>(i);
      const uint32_t a = cluster_.free_on(share.node) + freed_[share.node], b = a + share.gpus;
      freed_[share.node] += share.gpus;
      pit->second.Move(a, b);
      if (found_pool < 0 && pit->second.Fits()) {
        found_pool = static_cast<int>(p);
        last = i;
      }
    }
  }
  bool ok = found_pool >= 0;
  if (ok) {
    // The gang's nodes in that pool: free now (no victim), else freed by the prefix with the
    // least valuable last victim; then evict only the prefix jobs on those nodes.
    const uint32_t pool = static_cast<uint32_t>(found_pool);
    const uint32_t gpn = cluster_.gpus_per_node(pool);
    const uint32_t whole = gpus <= gpn ? 0 : gpus / gpn;
    const uint32_t rest = gpus <= gpn ? gpus : gpus % gpn;
    absl::InlinedVector<NodeId, 8> chosen;
    const auto is_chosen = [&](NodeId n) {
      return std::find(chosen.begin(), chosen.end(), n) != chosen.end();
    };
    const auto free_after = [&](NodeId n) { return cluster_.free_on(n) + freed_[n]; };
    // Whole nodes: untouched fully free ones, then freed ones by their last victim's rank.
    for (int32_t n = cluster_.BucketFirst(pool, gpn); n != kNoNode && chosen.size() < whole;
         n = cluster_.BucketNext(static_cast<NodeId>(n))) {
      if (node_rank_[static_cast<size_t>(n)] < 0) chosen.push_back(static_cast<NodeId>(n));
    }
    if (chosen.size() < whole) {
      std::vector<NodeId> freed_full;
      for (NodeId n : touched_) {
        if (cluster_.pool_of(n) == pool && free_after(n) == gpn) freed_full.push_back(n);
      }
      std::sort(freed_full.begin(), freed_full.end(), [&](NodeId x, NodeId y) {
        return std::pair(node_rank_[x], x) < std::pair(node_rank_[y], y);
      });
      for (size_t i = 0; i < freed_full.size() && chosen.size() < whole; ++i) {
        chosen.push_back(freed_full[i]);
      }
    }
    if (rest > 0) {
      // The remainder (or a single-node gang): an untouched node with room, else the freed
      // node with the least valuable last victim (then the tightest fit).
      int32_t pick = kNoNode;
      for (uint32_t k = rest; k <= gpn && pick == kNoNode; ++k) {
        for (int32_t n = cluster_.BucketFirst(pool, k); n != kNoNode;
             n = cluster_.BucketNext(static_cast<NodeId>(n))) {
          if (node_rank_[static_cast<size_t>(n)] < 0 && !is_chosen(static_cast<NodeId>(n))) {
            pick = n;
            break;
          }
        }
      }
      if (pick == kNoNode) {
        for (NodeId n : touched_) {
          if (cluster_.pool_of(n) != pool || is_chosen(n) || free_after(n) < rest) continue;
          const NodeId best = static_cast<NodeId>(pick);
          if (pick == kNoNode ||
              std::tuple(node_rank_[n], free_after(n), n) <
                  std::tuple(node_rank_[best], free_after(best), best)) {
            pick = static_cast<int32_t>(n);
          }
        }
      }
      if (pick == kNoNode) {
        ok = false;  // cannot happen: the pool fits with the prefix freed
      } else {
        chosen.push_back(static_cast<NodeId>(pick));
      }
    }
    if (ok && chosen.size() < whole) ok = false;  // likewise
    if (ok) {
      for (size_t i = 0; i <= last; ++i) {
        for (const NodeShare& share : jobs_[ranked[i]].placement) {
          if (is_chosen(share.node)) {
            victims->push_back(ranked[i]);
            break;
          }
        }
      }
    }
  }
  for (NodeId n : touched_) {
    freed_[n] = 0;
    node_rank_[n] = -1;
  }
  touched_.clear();
  return ok;
}

Duration World::RuleInterval(const Job& job, uint32_t pool) const {
  // The gang's failure rate: each node it uses, and each rack those nodes are in.
  const PoolSpec& ps = sc_.pools[pool];
  double per_hour = ps.node_failures_per_hour * static_cast<double>(job.placement.size());
  if (ps.rack_failures_per_hour > 0) {
    absl::InlinedVector<uint32_t, 8> racks;
    for (const NodeShare& share : job.placement) racks.push_back(cluster_.rack_of(share.node));
    std::sort(racks.begin(), racks.end());
    const auto distinct = std::unique(racks.begin(), racks.end()) - racks.begin();
    per_hour += ps.rack_failures_per_hour * static_cast<double>(distinct);
  }
  if (!(per_hour > 0)) return 0;
  const double m = 3600.0 / per_hour;                     // MTBF of the gang, seconds
  const double d = TimeToSeconds(job.checkpoint_write);  // > 0 (the compiler checks)
  double interval = std::sqrt(2.0 * d * m);              // Young (1974)
  if (job.checkpoint_rule == CheckpointRule::kDaly) {
    // Daly (2006), eq. 37: the higher-order optimum.
    interval = d < 2.0 * m ? interval * (1.0 + std::sqrt(d / (2.0 * m)) / 3.0 + d / (18.0 * m)) - d
                           : m;
  }
  return std::max<Duration>(1, SecondsToTime(std::min(interval, 1e12)));
}

Duration World::RemainingRef(JobId id) const {
  const Job& job = jobs_[id];
  if (!job.running) return job.view.duration_ref;
  const Duration overhead = job.preemptions > 0 ? job.restart_overhead : 0;
  const Duration useful = std::max<Duration>(0, now_ - job.start - overhead - ProgressOf(job).writing);
  const double done = static_cast<double>(useful) * job.speed;
  return std::max<Duration>(0, job.view.duration_ref - static_cast<Duration>(done + 0.5));
}

// Expected free GPUs a task drawn from the arrived mix could not use where they are:
// sum over online nodes with k free of k x P(task cannot use k free on that node). Per pool it
// reads the bucket sizes: O(pools x gpus_per_node x gang sizes).
double World::FragmentedGpus() const {
  if (arrived_ == 0) return 0;
  double frag = 0;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    const uint32_t gpn = cluster_.gpus_per_node(p);
    for (uint32_t k = 1; k <= gpn; ++k) {
      const uint32_t nodes = cluster_.BucketSize(p, k);
      if (nodes == 0) continue;
      uint64_t unusable = 0;
      for (const auto& [g, count] : gang_counts_) {
        const bool usable = g <= gpn ? g <= k : (k == gpn || (g % gpn != 0 && k >= g % gpn));
        if (!usable) unusable += count;
      }
      frag += static_cast<double>(nodes) * k * static_cast<double>(unusable) /
              static_cast<double>(arrived_);
    }
  }
  return frag;
}

void World::OnSample() {
  uint64_t allocated = 0, provisioned = 0;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    const uint64_t pool_allocated = cluster_.allocated_gpus(p);
    const uint64_t pool_provisioned = cluster_.provisioned_gpus(p);
    ts_pool_allocated_.push_back(static_cast<uint32_t>(pool_allocated));
    ts_pool_provisioned_.push_back(static_cast<uint32_t>(pool_provisioned));
    allocated += pool_allocated;
    provisioned += pool_provisioned;
  }
  ts_provisioned_.push_back(static_cast<uint32_t>(provisioned));
  if (provisioned > 0) {
    uint64_t free = 0;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) free += cluster_.free_gpus(p);
    unalloc_sum_ += static_cast<double>(provisioned - allocated) / static_cast<double>(provisioned);
    frag_sum_ += FragmentedGpus() / static_cast<double>(provisioned);
    ++frag_samples_;
  }
  ts_time_s_.push_back(TimeToSeconds(now_));
  ts_allocated_.push_back(static_cast<uint32_t>(allocated));
  ts_queued_.push_back(static_cast<uint32_t>(queue_->size()));
  ts_running_.push_back(static_cast<uint32_t>(running_by_end_.size()));
  for (ServiceRun& svc : services_) {
    svc.ts_ready.push_back(svc.ready);
    svc.ts_pending.push_back(static_cast<uint32_t>(svc.pending.size()));
  }
  const SimTime next = now_ + sc_.sample_interval;
  if (next < sc_.horizon) events_.Schedule(next, Phase::kObserve, EventKind::kSample, 0);
}

// What a violation message says about one job: enough state to see what broke.
std::string World::JobState(JobId id) const {
  const Job& j = jobs_[id];
  std::string out = absl::StrCat("job ", id, " (", j.service >= 0 ? "replica" : "training", ", ",
                                 j.view.gpus, " GPUs");
  if (j.running) {
    absl::StrAppend(&out, ", running on pool ", sc_.pools[static_cast<size_t>(j.pool)].name,
                    " since t=", TimeToSeconds(j.start), " s for ", TimeToSeconds(j.runtime),
                    " s at speed ", j.speed);
  } else if (j.cancelled) {
    absl::StrAppend(&out, ", cancelled");
  } else if (j.end >= 0) {
    absl::StrAppend(&out, ", completed at t=", TimeToSeconds(j.end), " s");
  } else {
    absl::StrAppend(&out, ", waiting");
  }
  absl::StrAppend(&out, "; work: total ", TimeToSeconds(j.view.total_ref), " s, done ",
                  TimeToSeconds(j.done_ref), " s, left ", TimeToSeconds(j.view.duration_ref),
                  " s; preemptions ", j.preemptions, ")");
  return out;
}

// Work is conserved: what a training job kept plus what it has left is its whole work, and a
// running attempt ends when the work left is done at its speed (after any restart overhead).
std::string World::WorkBroken(JobId id) const {
  const Job& j = jobs_[id];
  if (j.service >= 0) return {};
  if (j.end >= 0) {
    if (j.done_ref != j.view.total_ref) return "completed without doing exactly its work";
    return {};
  }
  if (j.done_ref + j.view.duration_ref != j.view.total_ref) {
    return "work done plus work left is not its total work";
  }
  if (j.view.duration_ref <= 0) return "has not finished but has no work left";
  if (j.running && !live_ && j.runtime != AttemptRuntime(j)) {
    return "its attempt's run time does not match its work left";
  }
  return {};
}

absl::Status World::CheckInvariants(const Event& e) const {
  const auto fail = [&](const std::string& what) {
    std::string subject;
    switch (e.kind) {
      case EventKind::kComplete:
      case EventKind::kReplicaReady:
      case EventKind::kReplicaDrained:
        subject = absl::StrCat("job ", e.payload);
        break;
      case EventKind::kArrival:
        subject = absl::StrCat("source ", e.payload);
        break;
      case EventKind::kServiceTick:
        subject = absl::StrCat("service ", e.payload);
        break;
      case EventKind::kRevoke:
      case EventKind::kReclaim:
      case EventKind::kNodeReady:
      case EventKind::kNodeFailure:
      case EventKind::kRepair:
        subject = absl::StrCat("node ", e.payload);
        break;
      case EventKind::kRestore:
      case EventKind::kScaleDown:
        subject = absl::StrCat("pool ", e.payload);
        break;
      default:
        subject = absl::StrCat("payload ", e.payload);
    }
    return absl::InternalError(absl::StrCat("invariant broken after event #", event_count_, " (",
                                            std::string(EventKindName(e.kind)), ", ", subject,
                                            ") at t=", TimeToSeconds(e.time), " s: ", what));
  };
  if (now_ != e.time) {
    return fail(absl::StrCat("the clock reads t=", TimeToSeconds(now_), " s, not the event's t=",
                             TimeToSeconds(e.time), " s"));
  }
  if (e.time < last_checked_time_) {
    return fail(absl::StrCat("the clock went back: the previous event was at t=",
                             TimeToSeconds(last_checked_time_), " s"));
  }
  last_checked_time_ = e.time;
  if (e.kind == EventKind::kComplete && e.payload < jobs_.size()) {
    if (std::string w = WorkBroken(e.payload); !w.empty()) {
      return fail(absl::StrCat(JobState(e.payload), ": ", w));
    }
  }
  if (absl::Status s = cluster_.CheckInvariants(); !s.ok()) return fail(std::string(s.message()));
  std::vector<uint64_t> held(sc_.pools.size(), 0), running(sc_.pools.size(), 0);
  for (const auto& [end, id] : running_by_end_) {
    const Job& j = jobs_[id];
    ++running[static_cast<size_t>(j.pool)];
    uint32_t sum = 0;
    for (const NodeShare& s : j.placement) {
      sum += s.gpus;
      if (cluster_.pool_of(s.node) != static_cast<uint32_t>(j.pool)) {
        return fail(absl::StrCat(JobState(id), ": holds node ", s.node, " outside its pool"));
      }
    }
    if (sum != j.view.gpus) {
      return fail(absl::StrCat(JobState(id), ": holds ", sum, " GPUs, its gang is ", j.view.gpus));
    }
    if (std::string w = WorkBroken(id); !w.empty()) {
      return fail(absl::StrCat(JobState(id), ": ", w));
    }
    // Live jobs end when their owner says so; `end` is an estimate that may have passed.
    if (end < now_ && !live_) {
      return fail(absl::StrCat("job ", id, " is still running past its end"));
    }
    held[static_cast<size_t>(j.pool)] += sum;
  }
  if (running != training_running_) return fail("running training jobs per pool miscounted");
  for (const ServiceRun& svc : services_) {
    uint32_t ready = 0, starting = 0;
    for (size_t r = 0; r < svc.replicas.size(); ++r) {
      const Job& j = jobs_[svc.replicas[r]];
      const ReplicaState st = svc.state[r];
      const bool holds = st == ReplicaState::kStarting || st == ReplicaState::kReady ||
                         st == ReplicaState::kDraining;
      if (holds != j.running) {
        return fail(absl::StrCat("service ", svc.spec->name, " replica ", r, " holds GPUs: ",
                                 j.running, ", state ", static_cast<int>(st)));
      }
      ready += st == ReplicaState::kReady ? 1u : 0u;
      starting += st == ReplicaState::kStarting ? 1u : 0u;
      if (!j.running) continue;
      uint32_t sum = 0;
      for (const NodeShare& sh : j.placement) sum += sh.gpus;
      if (sum != j.view.gpus) {
        return fail(absl::StrCat("service ", svc.spec->name, " replica ", r, " holds ", sum,
                                 " GPUs, a replica has ", j.view.gpus));
      }
      held[static_cast<size_t>(j.pool)] += sum;
    }
    if (ready != svc.ready || starting != svc.starting) {
      return fail(absl::StrCat("service ", svc.spec->name, ": ", ready, " ready and ", starting,
                               " starting replicas, counters say ", svc.ready, " and ",
                               svc.starting));
    }
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    if (held[p] != cluster_.allocated_gpus(p) || held[p] != ledger_.allocated(p) ||
        ledger_.provisioned(p) != cluster_.provisioned_gpus(p)) {
      return fail(absl::StrCat("pool ", sc_.pools[p].name, ": running jobs hold ", held[p],
                               " GPUs, cluster counts ", cluster_.allocated_gpus(p),
                               ", ledger counts ", ledger_.allocated(p), "; provisioned: cluster ",
                               cluster_.provisioned_gpus(p), ", ledger ",
                               ledger_.provisioned(p)));
    }
  }
  return absl::OkStatus();
}

absl::Status World::CheckFinalInvariants(const std::vector<std::vector<PoolMonthBill>>& bills,
                                         const PoolMonthBill& total,
                                         const std::vector<PoolMonthBill>& pool_bill) const {
  const auto fail = [](const std::string& what) {
    return absl::InternalError("invariant broken at the end of the run: " + what);
  };
  const size_t n_months = months_.size();
  PoolMonthBill sum_pools, sum_cells;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    sum_pools += pool_bill[p];
    for (size_t m = 0; m < n_months; ++m) {
      const PoolMonthUsage& u = ledger_.usage(p, m);
      const std::string where = absl::StrCat("pool ", sc_.pools[p].name, ", ", months_[m].label);
      // Provisioned = allocated + idle with idle >= 0.
      if (u.allocated > u.provisioned) {
        return fail(absl::StrCat(where, ": allocated GPU-time ", GpuTimeToHours(u.allocated),
                                 " h exceeds provisioned ", GpuTimeToHours(u.provisioned), " h"));
      }
      // Chargeback: the tenants' GPU-time adds up to the ledger's.
      GpuTime tenants = 0;
      for (const std::vector<GpuTime>& use : tenant_use_) tenants += use[p * n_months + m];
      if (tenants != u.allocated) {
        return fail(absl::StrCat(where, ": tenants were charged for ", GpuTimeToHours(tenants),
                                 " GPU-hours, the ledger allocated ",
                                 GpuTimeToHours(u.allocated)));
      }
      // Money: no negative part (an overflow would show here), idle within the total.
      const PoolMonthBill& b = bills[p][m];
      for (const auto& [name, amount] :
           {std::pair<const char*, Money>{"usage", b.usage}, {"idle capacity", b.idle_capacity},
            {"upfront", b.upfront}, {"capex", b.capex}, {"hosting", b.hosting},
            {"energy", b.energy}, {"idle", b.idle}}) {
        if (amount < 0) {
          return fail(absl::StrCat(where, ": the ", name, " charge is negative (",
                                   MoneyToDollars(amount), " USD)"));
        }
      }
      if (b.idle > b.total()) {
        return fail(absl::StrCat(where, ": the idle share ", MoneyToDollars(b.idle),
                                 " USD exceeds the bill ", MoneyToDollars(b.total()), " USD"));
      }
      sum_cells += b;
    }
  }
  // The bill is the sum of its parts: by pool, and by pool and month.
  if (sum_pools.total() != total.total() || sum_cells.total() != total.total() ||
      sum_cells.idle != total.idle) {
    return fail(absl::StrCat("the bill is ", MoneyToDollars(total.total()),
                             " USD, its pools add up to ", MoneyToDollars(sum_pools.total()),
                             " USD and its pool-months to ", MoneyToDollars(sum_cells.total()),
                             " USD"));
  }
  // Work: no job lost more GPU-time than it held, and every job still to finish has work left.
  for (size_t id = 0; id < jobs_.size(); ++id) {
    const Job& j = jobs_[id];
    if (j.lost > j.attained + (j.running ? static_cast<GpuTime>(j.view.gpus) *
                                               (sc_.horizon - j.start)
                                         : 0)) {
      return fail(absl::StrCat("job ", id, " lost ", GpuTimeToHours(j.lost),
                               " GPU-hours but held only ", GpuTimeToHours(j.attained)));
    }
    if (j.cancelled) continue;
    if (std::string w = WorkBroken(static_cast<JobId>(id)); !w.empty()) {
      return fail(absl::StrCat(JobState(static_cast<JobId>(id)), ": ", w));
    }
  }
  return absl::OkStatus();
}

void World::InitPlacement() {
  std::vector<PoolTraits> traits;
  for (const PoolSpec& p : sc_.pools) {
    traits.push_back({p.training_speed, MoneyToDollars(p.price), PaymentTier(p.pricing)});
  }
  placement_->Init(Rng::ForStream(seed_, uint64_t{3} << 40).NextU64(), traits);
}

void World::InitCapacity() {
  jobs_on_node_.resize(cluster_.node_count());
  pool_changes_.assign(sc_.pools.size(), 0);
  training_running_.assign(sc_.pools.size(), 0);
  revoke_at_.assign(cluster_.node_count(), -1);
  revocations_.assign(sc_.pools.size(), 0);
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    // One stream per pool, keyed by its name (FNV-1a) rather than its position, so adding or
    // removing another pool (as the planner does) leaves this pool's revocations unchanged.
    uint64_t h = 1469598103934665603ull;
    for (char c : sc_.pools[p].name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    spot_rng_.push_back(Rng::ForStream(seed_, (uint64_t{1} << 40) | (h >> 24)));
  }
  replace_after_reclaim_.assign(cluster_.node_count(), 0);
  reclaim_at_.assign(cluster_.node_count(), -1);
  spot_cap_.assign(sc_.pools.size(), 0);
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    const PoolSpec& ps = sc_.pools[p];
    if (ps.pricing != PricingModel::kSpot) continue;
    spot_cap_[p] = ps.nodes;
    for (NodeId n = cluster_.first_node(p); n < cluster_.first_node(p) + cluster_.nodes_in_pool(p);
         ++n) {
      if (cluster_.state_of(n) == NodeState::kOnline) NodeOnline(n);
    }
    if (!ps.price_series.empty()) {
      ledger_.SetPrice(p, 0, ps.price);
      for (const auto& [t, price] : ps.price_series) {
        if (t >= sc_.horizon) break;
        price_changes_.emplace_back(p, price);
        events_.Schedule(t, Phase::kRelease, EventKind::kPriceChange,
                          static_cast<uint32_t>(price_changes_.size() - 1));
      }
    }
    for (const auto& [t, nodes] : ps.availability_series) {
      if (t >= sc_.horizon) break;
      availability_changes_.emplace_back(p, nodes);
      events_.Schedule(t, Phase::kRelease, EventKind::kAvailability,
                        static_cast<uint32_t>(availability_changes_.size() - 1));
    }
  }
  provisioned_at_.assign(cluster_.node_count(), 0);
  idle_since_.assign(cluster_.node_count(), 0);
  idle_nodes_.resize(sc_.pools.size());
  scale_down_at_.assign(sc_.pools.size(), kTimeInfinity);
  scale_need_.assign(sc_.pools.size(), 0);
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    if (sc_.pools[p].autoscale) {
      any_autoscale_ = true;
      for (NodeId n = cluster_.first_node(p); n < cluster_.first_node(p) + cluster_.nodes_in_pool(p);
           ++n) {
        if (cluster_.state_of(n) == NodeState::kOnline) NodeIdle(n);
      }
    }
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    Account(p);  // the ledger starts from the initial provisioning
    const PoolSpec& ps = sc_.pools[p];
    if (ps.pricing != PricingModel::kReserved) continue;
    if (ps.commit_begin > 0 && ps.commit_begin < sc_.horizon) {
      capacity_changes_.push_back({p, true});
      events_.Schedule(ps.commit_begin, Phase::kRelease, EventKind::kCapacity,
                        static_cast<uint32_t>(capacity_changes_.size() - 1));
    }
    if (ps.commit_end < sc_.horizon) {
      capacity_changes_.push_back({p, false});
      events_.Schedule(ps.commit_end, Phase::kRelease, EventKind::kCapacity,
                        static_cast<uint32_t>(capacity_changes_.size() - 1));
    }
  }
}

void World::OnCapacity(uint32_t change) {
  const CapacityChange& c = capacity_changes_[change];
  const NodeId first = cluster_.first_node(c.pool);
  const NodeId end = first + cluster_.nodes_in_pool(c.pool);
  if (c.online) {
    cluster_.BringOnline(c.pool, cluster_.nodes_in_pool(c.pool));
    // The commitment's hot spares: its highest-numbered idle nodes.
    for (NodeId n = end; n-- > first && spares_[c.pool].size() < sc_.pools[c.pool].spare_nodes;) {
      if (cluster_.state_of(n) == NodeState::kOnline && jobs_on_node_[n].empty()) {
        cluster_.HoldOut(n, NodeState::kSpare);
        spares_[c.pool].push_back(n);
      }
    }
  } else {
    // Failed nodes and spares leave with the commitment.
    for (NodeId n = first; n < end; ++n) {
      const NodeState st = cluster_.state_of(n);
      if (st == NodeState::kFailed || st == NodeState::kSpare) {
        cluster_.Retire(n);
        repair_at_[n] = -1;
        if (st == NodeState::kFailed && down_until_[n] > now_) {
          // Down time was counted to the repair; the node leaves now instead.
          down_[c.pool] -= static_cast<GpuTime>(cluster_.gpus_per_node(c.pool)) *
                           (down_until_[n] - now_);
        }
        down_until_[n] = -1;
      }
    }
    spares_[c.pool].clear();
    cluster_.DrainPool(c.pool);
    for (NodeId n = cluster_.first_node(c.pool);
         n < cluster_.first_node(c.pool) + cluster_.nodes_in_pool(c.pool); ++n) {
      EvacuateReplicas(n);
    }
  }
  Account(c.pool);
  ++capacity_epoch_;
  RequestPass();
}

// A node came online: a spot node draws its revocation time.
void World::NodeOnline(NodeId node) {
  const uint32_t pool = cluster_.pool_of(node);
  reclaim_at_[node] = -1;  // a reclaim still pending from its last life is stale
  const PoolSpec& ps = sc_.pools[pool];
  if (ps.pricing != PricingModel::kSpot || ps.revocations_per_node_hour <= 0) return;
  const double gap_s = spot_rng_[pool].Exponential(3600.0 / ps.revocations_per_node_hour);
  const double at_s = TimeToSeconds(now_) + gap_s;
  if (at_s >= TimeToSeconds(sc_.horizon)) return;
  revoke_at_[node] = std::max(now_, SecondsToTime(at_s));
  events_.Schedule(revoke_at_[node], Phase::kRelease, EventKind::kRevoke, node);
}

// The provider changes how many nodes it offers: a drop revokes the newest online nodes (they
// are not replaced), a rise brings offline nodes back at once.
void World::OnAvailability(uint32_t change) {
  const auto [pool, cap] = availability_changes_[change];
  spot_cap_[pool] = cap;
  const NodeId first = cluster_.first_node(pool);
  for (NodeId n = first + cluster_.nodes_in_pool(pool); n-- > first && LiveNodes(pool) > cap;) {
    if (cluster_.state_of(n) == NodeState::kOnline) OnRevoke(n, false);
  }
  if (LiveNodes(pool) < cap) {
    booted_.clear();
    cluster_.StartBooting(pool, cap - LiveNodes(pool), &booted_);
    for (NodeId n : booted_) {
      cluster_.FinishBooting(n);
      NodeOnline(n);
    }
    Account(pool);
    ++capacity_epoch_;
    RequestPass();
  }
}

// Notice: the node takes no new jobs; at the end of the notice it is reclaimed. A random
// revocation is replaced after the restore time; an availability drop is not.
void World::OnRevoke(NodeId node, bool replace) {
  const uint32_t pool = cluster_.pool_of(node);
  revoke_at_[node] = -1;
  replace_after_reclaim_[node] = replace ? 1 : 0;
  ++revocations_[pool];
  cluster_.DrainNode(node);  // an idle node goes offline at once
  EvacuateReplicas(node);
  Account(pool);
  ++capacity_epoch_;
  if (cluster_.state_of(node) == NodeState::kOffline) {
    OnReclaim(node);
  } else {
    reclaim_at_[node] = now_ + sc_.pools[pool].revocation_notice;
    events_.Schedule(reclaim_at_[node], Phase::kRelease, EventKind::kReclaim, node);
  }
}

// The provider takes the node back: jobs still on it lose their work since the last checkpoint
// and queue again; a replacement is requested.
void World::OnReclaim(NodeId node) {
  const uint32_t pool = cluster_.pool_of(node);
  reclaim_at_[node] = -1;
  while (!jobs_on_node_[node].empty()) Preempt(jobs_on_node_[node].front());
  // The node is offline now (a draining node goes offline when its last job leaves).
  if (!replace_after_reclaim_[node]) {
    // Taken for an availability drop: if the provider offers more again meanwhile (the node
    // was still draining when availability rose), a node comes back at once.
    if (LiveNodes(pool) < spot_cap_[pool]) OnRestore(pool);
    return;
  }
  const PoolSpec& ps = sc_.pools[pool];
  const double restore_s =
      ps.mean_restore > 0 ? spot_rng_[pool].Exponential(TimeToSeconds(ps.mean_restore)) : 0.0;
  const double at_s = TimeToSeconds(now_) + restore_s;
  if (at_s < TimeToSeconds(sc_.horizon)) {
    events_.Schedule(std::max(now_, SecondsToTime(at_s)), Phase::kRelease, EventKind::kRestore,
                      pool);
  }
}

void World::OnRestore(uint32_t pool) {
  if (LiveNodes(pool) >= spot_cap_[pool]) return;  // the provider offers no more
  booted_.clear();
  cluster_.StartBooting(pool, 1, &booted_);
  for (NodeId n : booted_) {
    cluster_.FinishBooting(n);
    NodeOnline(n);
  }
  Account(pool);
  ++capacity_epoch_;
  RequestPass();
}

// Failures: every node of a pool with a failure rate fails as a Poisson process while it is
// provisioned (online, draining or a spare), every rack as another. A failed node stays
// provisioned (billed) but runs nothing until its repair; a spare, if the pool has one, takes
// its place at once. The draws come from a stream per pool, keyed by its name as the spot
// stream is, so other pools do not shift them.
void World::InitFailures() {
  node_fail_at_.assign(cluster_.node_count(), -1);
  repair_at_.assign(cluster_.node_count(), -1);
  down_until_.assign(cluster_.node_count(), -1);
  node_failures_.assign(sc_.pools.size(), 0);
  down_.assign(sc_.pools.size(), 0);
  spares_.resize(sc_.pools.size());
  const auto stream = [](uint64_t pool_hash, uint64_t kind, uint64_t index) {
    // A distinct stream per (pool, kind, index): splitmix64 of the three.
    uint64_t z = pool_hash ^ (kind << 56) ^ (index * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint64_t{2} << 40) ^ (z ^ (z >> 31));
  };
  bool any = false;
  for (const PoolSpec& ps : sc_.pools) {
    any |= ps.node_failures_per_hour > 0 || ps.rack_failures_per_hour > 0 ||
           !ps.failure_trace.empty();
  }
  if (any) {
    node_failure_rng_.assign(cluster_.node_count(), Rng(0));
    node_repair_rng_.assign(cluster_.node_count(), Rng(0));
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    uint64_t h = 1469598103934665603ull;
    for (char c : sc_.pools[p].name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    const NodeId first = cluster_.first_node(p);
    const NodeId end = first + cluster_.nodes_in_pool(p);
    for (NodeId n = first; n < end; ++n) {
      if (cluster_.state_of(n) == NodeState::kSpare) spares_[p].push_back(n);
    }
    const PoolSpec& ps = sc_.pools[p];
    if (any) {
      for (NodeId n = first; n < end; ++n) {
        node_failure_rng_[n] = Rng::ForStream(seed_, stream(h, 1, n - first));
        node_repair_rng_[n] = Rng::ForStream(seed_, stream(h, 2, n - first));
      }
    }
    if (ps.node_failures_per_hour > 0) {
      for (NodeId n = first; n < end; ++n) ScheduleNodeFailure(n);
    }
    for (uint32_t k = 0; k < ps.failure_trace.size(); ++k) {
      if (ps.failure_trace[k].at >= sc_.horizon) break;
      // A planner candidate may have fewer nodes than the trace names: those rows do not apply.
      if (ps.failure_trace[k].node >= cluster_.nodes_in_pool(p)) continue;
      traced_.emplace_back(p, k);
      events_.Schedule(ps.failure_trace[k].at, Phase::kRelease, EventKind::kTracedFailure,
                        static_cast<uint32_t>(traced_.size() - 1));
    }
    if (ps.rack_failures_per_hour > 0) {
      for (uint32_t r = 0; r < cluster_.rack_count(p); ++r) {
        racks_.emplace_back(p, r);
        rack_fail_at_.push_back(-1);
        rack_rng_.push_back(Rng::ForStream(seed_, stream(h, 3, r)));
        ScheduleRackFailure(static_cast<uint32_t>(racks_.size() - 1));
      }
    }
  }
}

void World::ScheduleNodeFailure(NodeId node) {
  const uint32_t pool = cluster_.pool_of(node);
  const double at_s = TimeToSeconds(now_) + node_failure_rng_[node].Exponential(
                                                3600.0 / sc_.pools[pool].node_failures_per_hour);
  if (at_s >= TimeToSeconds(sc_.horizon)) return;
  node_fail_at_[node] = std::max(now_, SecondsToTime(at_s));
  events_.Schedule(node_fail_at_[node], Phase::kRelease, EventKind::kNodeFailure, node);
}

void World::ScheduleRackFailure(uint32_t rack) {
  const uint32_t pool = racks_[rack].first;
  const double at_s = TimeToSeconds(now_) + rack_rng_[rack].Exponential(
                                                3600.0 / sc_.pools[pool].rack_failures_per_hour);
  if (at_s >= TimeToSeconds(sc_.horizon)) return;
  rack_fail_at_[rack] = std::max(now_, SecondsToTime(at_s));
  events_.Schedule(rack_fail_at_[rack], Phase::kRelease, EventKind::kRackFailure, rack);
}

SimTime World::RepairTime(uint32_t pool, Rng& rng) {
  const PoolSpec& ps = sc_.pools[pool];
  const double repair_s =
      ps.fixed_repair ? TimeToSeconds(ps.repair) : rng.Exponential(TimeToSeconds(ps.repair));
  return std::max(now_ + 1, SecondsToTime(TimeToSeconds(now_) + repair_s));
}

void World::OnNodeFailure(NodeId node) {
  if (node_fail_at_[node] != now_) return;  // stale: the node failed with its rack meanwhile
  node_fail_at_[node] = -1;
  const NodeState st = cluster_.state_of(node);
  if (st == NodeState::kOffline || st == NodeState::kBooting) {
    ScheduleNodeFailure(node);  // not provisioned: its clock runs on (memoryless)
    return;
  }
  if (FailNode(node, RepairTime(cluster_.pool_of(node), node_repair_rng_[node]))) RequestPass();
}

void World::OnRackFailure(uint32_t rack) {
  if (rack_fail_at_[rack] != now_) return;
  rack_fail_at_[rack] = -1;
  const auto [pool, r] = racks_[rack];
  const SimTime repaired = RepairTime(pool, rack_rng_[rack]);  // the rack comes back as one
  bool any = false;
  // A rack is rack_size consecutive nodes (the whole pool when rack_size is 0).
  const uint32_t size = sc_.pools[pool].rack_size;
  const NodeId first = cluster_.first_node(pool);
  const NodeId end = first + cluster_.nodes_in_pool(pool);
  const NodeId from = size == 0 ? first : first + r * size;
  for (NodeId n = from; n < (size == 0 ? end : std::min(end, from + size)); ++n) {
    any |= FailNode(n, repaired);
  }
  if (any) ++rack_failures_;  // a rack with nothing provisioned does not count
  ScheduleRackFailure(rack);
  if (any) RequestPass();
}

// Takes a provisioned node down until `repaired_at`: its jobs roll back to their last
// checkpoint and queue again, and a spare takes its place. Returns whether capacity changed.
bool World::FailNode(NodeId node, SimTime repaired_at) {
  const uint32_t pool = cluster_.pool_of(node);
  const NodeState st = cluster_.state_of(node);
  if (st != NodeState::kOnline && st != NodeState::kDraining && st != NodeState::kSpare) {
    return false;  // already down, or not provisioned
  }
  ++node_failures_[pool];
  node_fail_at_[node] = -1;  // its own clock restarts after the repair
  // Training jobs roll back and queue; replicas are killed, and their services replace them
  // only once the node is out of scheduling (else a replacement could land on it again).
  absl::InlinedVector<uint32_t, 2> services;
  failing_ = true;
  while (!jobs_on_node_[node].empty()) {
    const JobId id = jobs_on_node_[node].front();
    ++job_interruptions_by_failure_;
    if (jobs_[id].service < 0) {
      Preempt(id);
      continue;
    }
    const uint32_t svc = static_cast<uint32_t>(jobs_[id].service);
    StopReplica(id, /*kill=*/true);
    if (std::find(services.begin(), services.end(), svc) == services.end()) {
      services.push_back(svc);
    }
  }
  failing_ = false;
  const auto replace_replicas = [&] {
    for (uint32_t svc : services) SetReplicaTarget(svc, services_[svc].target);
  };
  if (cluster_.state_of(node) == NodeState::kOffline) {
    // A draining node went offline with its last job: nothing left to repair.
    Account(pool);
    ++capacity_epoch_;
    replace_replicas();
    return true;
  }
  if (st == NodeState::kSpare) {
    spares_[pool].erase(std::find(spares_[pool].begin(), spares_[pool].end(), node));
  }
  cluster_.HoldOut(node, NodeState::kFailed);
  if (st == NodeState::kOnline && !spares_[pool].empty()) {
    const NodeId spare = spares_[pool].back();
    spares_[pool].pop_back();
    cluster_.PutOnline(spare);
  }
  const SimTime until = std::min(repaired_at, sc_.horizon);
  down_[pool] += static_cast<GpuTime>(cluster_.gpus_per_node(pool)) * (until - now_);
  down_until_[node] = until;
  if (repaired_at < sc_.horizon) {
    repair_at_[node] = repaired_at;
    events_.Schedule(repaired_at, Phase::kRelease, EventKind::kRepair, node);
  }
  Account(pool);
  ++capacity_epoch_;
  replace_replicas();
  return true;
}

void World::OnTracedFailure(uint32_t index) {
  const auto [pool, k] = traced_[index];
  const TracedFailure& f = sc_.pools[pool].failure_trace[k];
  const NodeId node = cluster_.first_node(pool) + f.node;
  if (FailNode(node, f.repair > 0 ? now_ + f.repair : RepairTime(pool, node_repair_rng_[node]))) {
    RequestPass();
  }
}

// A repaired node runs jobs while the pool has fewer online nodes than it runs with (nodes -
// spare_nodes: a failure found no spare to replace it), else becomes a spare again while the
// pool has fewer than it keeps.
void World::OnRepair(NodeId node) {
  if (repair_at_[node] != now_ || cluster_.state_of(node) != NodeState::kFailed) return;
  repair_at_[node] = -1;
  down_until_[node] = -1;
  const uint32_t pool = cluster_.pool_of(node);
  const PoolSpec& ps = sc_.pools[pool];
  if (cluster_.online_nodes(pool) >= ps.nodes - ps.spare_nodes &&
      spares_[pool].size() < ps.spare_nodes) {
    cluster_.HoldOut(node, NodeState::kSpare);
    spares_[pool].push_back(node);
  } else {
    cluster_.PutOnline(node);
  }
  if (sc_.pools[pool].node_failures_per_hour > 0) ScheduleNodeFailure(node);
  Account(pool);
  ++capacity_epoch_;
  RequestPass();
}

void World::NodeIdle(NodeId node) {
  idle_since_[node] = now_;
  idle_nodes_[cluster_.pool_of(node)].emplace(now_, node);
}

void World::NodeBusy(NodeId node) {
  idle_nodes_[cluster_.pool_of(node)].erase({idle_since_[node], node});
}

// Ensures a scale-down check at the time the pool's longest-idle node times out, if the pool
// is above its minimum. One pending check per pool; an earlier need supersedes a later one.
void World::ScheduleScaleDown(uint32_t pool) {
  const PoolSpec& ps = sc_.pools[pool];
  // Nothing to release, or the pool is still growing (OnNodeReady calls again).
  if (idle_nodes_[pool].empty() || cluster_.booting_nodes(pool) > 0 ||
      cluster_.online_nodes(pool) <= ps.min_nodes) {
    return;
  }
  const SimTime due = std::max(now_, idle_nodes_[pool].begin()->first + ps.idle_timeout);
  if (due >= scale_down_at_[pool] && scale_down_at_[pool] >= now_) return;
  scale_down_at_[pool] = due;
  events_.Schedule(due, Phase::kObserve, EventKind::kScaleDown, pool);
}

// Releases nodes idle for the timeout, longest idle first, down to the pool's minimum.
void World::OnScaleDown(uint32_t pool) {
  const PoolSpec& ps = sc_.pools[pool];
  scale_down_at_[pool] = kTimeInfinity;
  auto& idle = idle_nodes_[pool];
  bool released = false;
  // Never while the pool is still growing: an idle node may be waiting for booting ones to
  // hold a gang together (releasing it would thrash; OnNodeReady checks again).
  while (cluster_.booting_nodes(pool) == 0 && !idle.empty() &&
         idle.begin()->first + ps.idle_timeout <= now_ &&
         cluster_.online_nodes(pool) + cluster_.booting_nodes(pool) > ps.min_nodes) {
    const NodeId node = idle.begin()->second;
    idle.erase(idle.begin());
    cluster_.TakeNodeOffline(node);
    const Duration episode = now_ - provisioned_at_[node];
    Account(pool);
    if (episode < ps.min_charge) {
      ledger_.AddMinCharge(pool, now_,
                           static_cast<GpuTime>(ps.min_charge - episode) * ps.gpus_per_node);
    }
    released = true;
  }
  if (released) ++capacity_epoch_;
  ScheduleScaleDown(pool);
}

void World::OnNodeReady(NodeId node) {
  const uint32_t pool = cluster_.pool_of(node);
  cluster_.FinishBooting(node);
  NodeIdle(node);
  ++capacity_epoch_;
  RequestPass();
  ScheduleScaleDown(pool);
}

// After a scheduling pass: for each job class with pending jobs that do not fit, nodes already
// booting in any of its pools serve it first (each booting node counted once); for the jobs
// left, the scaling policy picks an autoscaled pool, which grows up to its maximum, and what it
// cannot hold spills to the policy's next choice. Node counts per class: a gang of
// g <= gpn GPUs packs gpn / g jobs per node; a larger one needs ceil(g / gpn) nodes per job.
// O(classes x eligible pools).
void World::Autoscale() {
  std::fill(scale_need_.begin(), scale_need_.end(), 0);
  // Nodes already booting serve the first classes that could use them, in any of their pools;
  // headroom is shared by the classes of one pass.
  std::vector<uint64_t> unclaimed(sc_.pools.size(), 0), headroom(sc_.pools.size(), 0);
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    unclaimed[p] = cluster_.booting_nodes(p);
    if (sc_.pools[p].autoscale) {
      headroom[p] = sc_.pools[p].nodes - cluster_.online_nodes(p) - cluster_.booting_nodes(p);
    }
  }
  std::vector<ScalablePool> candidates;
  for (uint32_t c = 0; c < classes_.size(); ++c) {
    const uint64_t pending = c < pending_per_class_.size() ? pending_per_class_[c] : 0;
    if (pending == 0 || ClassFits(c)) continue;
    const JobClass& cls = classes_[c];
    // Booting nodes count in node units of whichever pool they are in.
    uint64_t jobs_left = pending;
    for (uint32_t p : cls.pools) {
      const uint64_t g = cls.view.gpus, gpn = sc_.pools[p].gpus_per_node;
      const uint64_t per_node = g <= gpn ? gpn / g : 0;  // jobs a node holds (small gangs)
      const uint64_t nodes_per_job = g <= gpn ? 1 : (g + gpn - 1) / gpn;
      while (jobs_left > 0 && unclaimed[p] > 0) {
        if (per_node > 0) {
          --unclaimed[p];
          jobs_left -= std::min(jobs_left, per_node);
        } else if (unclaimed[p] >= nodes_per_job) {
          unclaimed[p] -= nodes_per_job;
          --jobs_left;
        } else {
          break;
        }
      }
    }
    // The scaling policy picks a pool; what it cannot hold spills to its next choice.
    candidates.clear();
    for (uint32_t p : cls.pools) {
      if (headroom[p] == 0) continue;
      const PoolSpec& ps = sc_.pools[p];
      candidates.push_back({p, ps.gpus_per_node, static_cast<uint32_t>(headroom[p]),
                            MoneyToDollars(ps.price), ps.training_speed});
    }
    while (jobs_left > 0 && !candidates.empty()) {
      const int pick = scaling_->ChoosePool(candidates);
      if (pick < 0) break;
      const ScalablePool chosen = candidates[static_cast<size_t>(pick)];
      candidates.erase(candidates.begin() + pick);
      const uint64_t g = cls.view.gpus, gpn = chosen.gpus_per_node;
      const uint64_t need =
          g <= gpn ? (jobs_left * g + gpn - 1) / gpn : jobs_left * ((g + gpn - 1) / gpn);
      const uint64_t take = std::min(need, headroom[chosen.pool]);
      headroom[chosen.pool] -= take;
      scale_need_[chosen.pool] += take;
      // Jobs those nodes hold.
      const uint64_t held = g <= gpn ? take * (gpn / g) : take / ((g + gpn - 1) / gpn);
      jobs_left -= std::min(jobs_left, held);
    }
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    if (scale_need_[p] == 0) continue;
    booted_.clear();
    cluster_.StartBooting(p, static_cast<uint32_t>(std::min<uint64_t>(scale_need_[p], UINT32_MAX)),
                          &booted_);
    if (booted_.empty()) continue;
    for (NodeId n : booted_) {
      provisioned_at_[n] = now_;
      events_.Schedule(now_ + sc_.pools[p].provisioning_delay, Phase::kRelease,
                        EventKind::kNodeReady, n);
    }
    Account(p);
  }
}

// Inference services: an engine per service (its fidelity), an autoscaler, a job class of
// the pools that may hold its replicas, and its initial replicas placed at time 0 ahead of
// any training job.
absl::Status World::InitServices() {
  services_.resize(sc_.services.size());
  for (uint32_t s = 0; s < sc_.services.size(); ++s) {
    const ServiceSpec& spec = sc_.services[s];
    ServiceRun& svc = services_[s];
    svc.spec = &spec;
    auto load = LoadProcess::Open(spec, s, sc_.start_unix_s, sc_.horizon, seed_);
    if (!load.ok()) return load.status();
    svc.load = load->get();
    auto engine = MakeServiceEngine(spec, *std::move(load), months_);
    if (!engine.ok()) return engine.status();
    svc.engine = *std::move(engine);
    // The run's autoscaler replaces the services' own (not a replica trace's).
    const bool override = !autoscaler_override_.empty() && spec.replica_timeline.empty();
    auto scaler = override ? MakeAutoscaler(autoscaler_override_, autoscaler_override_args_)
                           : MakeAutoscaler(spec.autoscaler, spec.autoscaler_args);
    if (!scaler.ok()) return scaler.status();
    svc.autoscaler = *std::move(scaler);
    svc.tenant = TenantOf(spec.tenant);
    svc.use.assign(sc_.pools.size() * months_.size(), 0);
    // Its own class (the key cannot collide with a GPU type name): the pools with a speed.
    auto [it, inserted] = class_index_.try_emplace(
        {spec.gpus_per_replica, std::string("\x01service:") + spec.name},
        static_cast<uint32_t>(classes_.size()));
    if (inserted) {
      JobClass cls;
      cls.view.gpus = spec.gpus_per_replica;
      for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
        if (p < spec.pool_speed.size() && spec.pool_speed[p] > 0) cls.pools.push_back(p);
      }
      // Tried in the order of the service's gpu_types (its preference), then by payment
      // tier (paid-for capacity first) within a type.
      std::vector<std::string> types = spec.gpu_types;
      if (types.empty()) types.push_back("");  // any type: payment tiers only
      for (const std::string& type : types) {
        std::vector<uint32_t> group;
        for (uint32_t p : cls.pools) {
          if (type.empty() || sc_.pools[p].gpu_type == type) group.push_back(p);
        }
        if (!group.empty()) svc.type_groups.push_back(std::move(group));
        for (int tier = 0; tier <= 2; ++tier) {
          std::vector<uint32_t> in_tier;
          for (uint32_t p : cls.pools) {
            if ((type.empty() || sc_.pools[p].gpu_type == type) &&
                PaymentTier(sc_.pools[p].pricing) == tier) {
              in_tier.push_back(p);
            }
          }
          if (!in_tier.empty()) cls.tiers.push_back(std::move(in_tier));
        }
      }
      classes_.push_back(std::move(cls));
    }
    svc.class_id = it->second;
    for (uint32_t p : classes_[svc.class_id].pools) {
      svc.most_placeable += uint64_t{sc_.pools[p].nodes} *
                            (sc_.pools[p].gpus_per_node / std::max(1u, spec.gpus_per_replica));
    }
    if (svc.class_id >= pending_per_class_.size()) {
      pending_per_class_.resize(svc.class_id + 1, 0);
    }
    svc.target = spec.initial_replicas;
    initialising_services_ = true;
    SetReplicaTarget(s, spec.initial_replicas);
    initialising_services_ = false;
    if (spec.autoscale_interval < sc_.horizon) {
      events_.Schedule(spec.autoscale_interval, Phase::kArrive, EventKind::kServiceTick, s);
    }
  }
  return run_error_;
}

// The autoscaler's decision: the engine is brought up to now, the window since the last
// decision read, and the replica count moved to the answer (clamped to the bounds).
void World::OnServiceTick(uint32_t s) {
  ServiceRun& svc = services_[s];
  const ServiceSpec& spec = *svc.spec;
  AdvanceService(svc);
  AutoscaleInput in;
  in.now = now_;
  in.interval = spec.autoscale_interval;
  in.ready = svc.ready;
  in.starting = svc.starting;
  in.pending = static_cast<uint32_t>(svc.pending.size());
  in.initial = spec.initial_replicas;
  in.window = svc.engine->Observe();
  in.mean_service_s = svc.load->MeanServiceS();
  in.mean_speed = svc.ready > 0 ? svc.ready_speed_sum / svc.ready : 1.0;
  in.concurrency = spec.concurrency;
  in.cold_start = spec.cold_start;
  in.load = svc.load;
  in.replica_timeline = &spec.replica_timeline;
  const uint32_t want =
      std::clamp(svc.autoscaler->Desired(in), spec.min_replicas, spec.max_replicas);
  svc.target = want;
  SetReplicaTarget(s, want);
  const SimTime next = now_ + spec.autoscale_interval;
  if (next < sc_.horizon) events_.Schedule(next, Phase::kArrive, EventKind::kServiceTick, s);
}

// Moves the live replicas (pending, starting, ready: not draining) to `want`: new ones are
// placed at once when GPUs allow (else they wait, ahead of training, for the next pass); extra
// ones go newest first: pending, then starting (released at once), then ready (drained).
void World::SetReplicaTarget(uint32_t s, uint32_t want) {
  ServiceRun& svc = services_[s];
  const ServiceSpec& spec = *svc.spec;
  // Never more replicas than its pools could hold with every node provisioned.
  want = static_cast<uint32_t>(std::min<uint64_t>(want, svc.most_placeable));
  bool added = false;
  while (svc.active.size() < want) {
    const JobId id = static_cast<JobId>(jobs_.size());
    Job& job = jobs_.emplace_back();
    job.service = static_cast<int32_t>(s);
    job.replica = static_cast<uint32_t>(svc.replicas.size());
    job.tenant = svc.tenant;
    job.view.gpus = spec.gpus_per_replica;
    job.view.class_id = svc.class_id;
    job.view.submit = now_;
    job.view.tenant = svc.tenant;
    job.view.priority = std::numeric_limits<int32_t>::max();
    svc.active.push_back(static_cast<uint32_t>(svc.replicas.size()));
    svc.replicas.push_back(id);
    svc.state.push_back(ReplicaState::kPending);
    svc.pending.push_back(static_cast<uint32_t>(svc.replicas.size() - 1));
    ++pending_per_class_[svc.class_id];
    ++replicas_pending_;
    added = true;
  }
  while (svc.active.size() > want) {
    // The newest pending replica first, then the newest placed one.
    JobId victim;
    if (!svc.pending.empty()) {
      victim = svc.replicas[svc.pending.back()];
    } else {
      victim = svc.replicas[svc.active.back()];
    }
    StopReplica(victim, /*kill=*/false);
  }
  if (added) {
    PlacePendingReplicas();
    if (!svc.pending.empty()) RequestPass();  // node autoscaling may provide for them
  }
}

// Pending replicas of every service, oldest first, before any training job: on free GPUs, or
// by evicting training jobs where the service allows it.
void World::PlacePendingReplicas() {
  for (ServiceRun& svc : services_) {
    while (!svc.pending.empty()) {
      const JobId id = svc.replicas[svc.pending.front()];
      const bool may_preempt = inference_preemption_ < 0 ? svc.spec->preempt_training
                                                         : inference_preemption_ == 1;
      if (StartReplica(id)) continue;
      // Evicting is O(running training jobs): only when the service's pools run training
      // jobs, and not again until an allocation there (or the capacity) changed since it last
      // failed.
      if (!may_preempt) break;
      uint64_t changes = 0, running = 0;
      for (uint32_t p : classes_[svc.class_id].pools) {
        changes += pool_changes_[p];
        running += training_running_[p];
      }
      const std::pair<uint64_t, uint64_t> key(capacity_epoch_, changes);
      if (running == 0 || svc.preempt_failed_at == key) break;
      if (PreemptForReplica(id)) continue;
      svc.preempt_failed_at = key;
      break;
    }
  }
}

bool World::StartReplica(JobId id) {
  Job& job = jobs_[id];
  ServiceRun& svc = services_[static_cast<size_t>(job.service)];
  const JobClass& cls = classes_[job.view.class_id];
  PlacementRequest req;
  req.gpus = job.view.gpus;
  req.work_ref = sc_.horizon - now_;  // a replica stays as long as it is wanted
  req.now = now_;
  req.deadline = kTimeInfinity;
  // The service's GPU types in its order of preference; within a type, paid-for capacity
  // first unless the placement policy weighs the tiers itself.
  const int32_t placed =
      PlaceAndAllocate(placement_->across_tiers() ? svc.type_groups : cls.tiers, req);
  if (placed < 0) return false;
  const uint32_t pool = static_cast<uint32_t>(placed);
  --pending_per_class_[job.view.class_id];
  --replicas_pending_;
  job.placement = scratch_;
  job.pool = static_cast<int32_t>(pool);
  job.start = now_;
  if (job.first_start < 0) job.first_start = now_;
  job.running = true;
  job.speed = svc.spec->pool_speed[pool];
  replica_gpus_ += job.view.gpus;
  for (const NodeShare& share : job.placement) jobs_on_node_[share.node].push_back(id);
  svc.pending.pop_front();  // callers place the oldest pending replica
  svc.state[job.replica] = ReplicaState::kStarting;
  ++svc.starting;
  ++svc.started;
  if (svc.spec->cold_start == 0 || initialising_services_) {
    MakeReady(id);  // replicas placed at time 0 were serving before the horizon began
  } else if (now_ + svc.spec->cold_start < sc_.horizon) {
    events_.Schedule(now_ + svc.spec->cold_start, Phase::kRelease, EventKind::kReplicaReady,
                      id);
  }
  return true;
}

// Evicts the training jobs that lose the least work (then the latest started) from the nodes
// that can hold the replica, then places it. O(running training jobs): replicas are placed at
// autoscaler decisions, not per request.
bool World::PreemptForReplica(JobId id) {
  const JobClass& cls = classes_[jobs_[id].view.class_id];
  std::vector<std::pair<GpuTime, JobId>> candidates;
  for (const auto& [end, running] : running_by_end_) {
    const Job& j = jobs_[running];
    if (std::find(cls.pools.begin(), cls.pools.end(), static_cast<uint32_t>(j.pool)) ==
        cls.pools.end()) {
      continue;
    }
    candidates.emplace_back(PreemptionLoss(running), running);
  }
  if (candidates.empty()) return false;
  std::sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    const SimTime sa = jobs_[a.second].start, sb = jobs_[b.second].start;
    return sa != sb ? sa > sb : a.second < b.second;
  });
  std::vector<JobId> ranked;
  ranked.reserve(candidates.size());
  for (const auto& c : candidates) ranked.push_back(c.second);
  std::vector<JobId> victims;
  if (!ChooseVictims(id, ranked, &victims) || victims.empty()) return false;
  ServiceRun& svc = services_[static_cast<size_t>(jobs_[id].service)];
  for (JobId v : victims) {
    const GpuTime before = lost_;
    Preempt(v);
    const GpuTime lost = lost_ - before;
    svc.training_lost += lost;
    svc.training_rework +=
        static_cast<Duration>(lost / std::max<uint32_t>(1, jobs_[v].view.gpus));
    ++svc.training_preemptions;
    jobs_[v].evicted_by = jobs_[id].service;
    jobs_[v].evicted_at = now_;
  }
  return StartReplica(id);
}

void World::MakeReady(JobId id) {
  Job& job = jobs_[id];
  ServiceRun& svc = services_[static_cast<size_t>(job.service)];
  if (svc.state[job.replica] != ReplicaState::kStarting) return;  // stopped meanwhile
  AdvanceService(svc);
  svc.engine->AddReplica(job.replica, job.speed);
  ReadyChanging(svc);
  svc.state[job.replica] = ReplicaState::kReady;
  --svc.starting;
  ++svc.ready;
  svc.ready_speed_sum += job.speed;
  svc.max_ready = std::max(svc.max_ready, svc.ready);
}

// Stops a replica: a pending one is forgotten, a starting one released at once, a ready one
// drained (no new requests; its GPUs are released when its last request is done) or, with
// `kill`, released at once with its requests dropped.
void World::StopReplica(JobId id, bool kill) {
  Job& job = jobs_[id];
  ServiceRun& svc = services_[static_cast<size_t>(job.service)];
  const uint32_t r = job.replica;
  const ReplicaState st = svc.state[r];
  if (st == ReplicaState::kGone) return;
  // Scale-down stops the newest replicas: search from the back (O(1) then).
  if (st != ReplicaState::kDraining) {
    svc.active.erase(std::find(svc.active.rbegin(), svc.active.rend(), r).base() - 1);
  }
  switch (st) {
    case ReplicaState::kPending:
      svc.pending.erase(std::find(svc.pending.rbegin(), svc.pending.rend(), r).base() - 1);
      --pending_per_class_[job.view.class_id];
      --replicas_pending_;
      svc.state[r] = ReplicaState::kGone;
      return;
    case ReplicaState::kStarting:
      --svc.starting;
      ReleaseReplica(id);
      return;
    case ReplicaState::kReady: {
      AdvanceService(svc);
      ReadyChanging(svc);
      --svc.ready;
      svc.ready_speed_sum -= job.speed;
      if (svc.ready == 0) svc.ready_speed_sum = 0;  // no float residue
      if (kill) {
        svc.engine->KillReplica(r);
        ReleaseReplica(id);
        return;
      }
      const SimTime done = svc.engine->DrainReplica(r);
      svc.state[r] = ReplicaState::kDraining;
      if (done <= now_) {
        ReleaseReplica(id);
      } else if (done < sc_.horizon) {
        events_.Schedule(done, Phase::kRelease, EventKind::kReplicaDrained, id);
      }
      return;
    }
    case ReplicaState::kDraining:
      if (kill) {
        AdvanceService(svc);
        svc.engine->KillReplica(r);
        ReleaseReplica(id);
      }
      return;
    case ReplicaState::kGone:
      return;
  }
}

// Frees a replica's GPUs (charged to its tenant and service up to now).
void World::ReleaseReplica(JobId id) {
  Job& job = jobs_[id];
  ServiceRun& svc = services_[static_cast<size_t>(job.service)];
  svc.state[job.replica] = ReplicaState::kGone;
  ++svc.stopped;
  replica_gpus_ -= job.view.gpus;
  EndAttempt(id, /*completed=*/true);
  job.end = now_;
  RequestPass();  // freed GPUs: pending replicas and training jobs may start
}

// A node is about to go (spot notice, end of a commitment): its replicas stop taking requests
// and drain, and replacements are placed elsewhere.
void World::EvacuateReplicas(NodeId node) {
  if (services_.empty()) return;
  absl::InlinedVector<JobId, 4> on;
  for (JobId id : jobs_on_node_[node]) {
    if (jobs_[id].service >= 0) on.push_back(id);
  }
  for (JobId id : on) {
    const uint32_t s = static_cast<uint32_t>(jobs_[id].service);
    StopReplica(id, /*kill=*/false);
    SetReplicaTarget(s, services_[s].target);
  }
}

absl::Status World::Process(const Event& e) {
  now_ = e.time;
  ++event_count_;
  switch (e.kind) {
    case EventKind::kArrival:
      OnArrival(e.payload);
      break;
    case EventKind::kComplete:
      OnComplete(e.payload);
      break;
    case EventKind::kSchedule:
      if (e.payload == 1) {
        wake_times_.erase(now_);
      } else {
        pass_pending_ = false;
      }
      // A policy whose preemptions trigger each other without end would spin at one
      // instant forever: stop with an error naming it instead of hanging.
      if (now_ == last_pass_time_) {
        if (++passes_at_instant_ > kMaxPassesAtInstant) {
          return absl::InternalError(absl::StrCat(
              "queue policy ", std::string(queue_->name()), " ran ", kMaxPassesAtInstant,
              " scheduling passes at t = ", TimeToSeconds(now_),
              " s without time advancing (preemptions that undo each other?)"));
        }
      } else {
        last_pass_time_ = now_;
        passes_at_instant_ = 0;
      }
      if (replicas_pending_ > 0) PlacePendingReplicas();
      queue_->Schedule(*this);
      if (any_autoscale_) Autoscale();
      break;
    case EventKind::kSample:
      OnSample();
      break;
    case EventKind::kCapacity:
      OnCapacity(e.payload);
      break;
    case EventKind::kNodeReady:
      OnNodeReady(e.payload);
      break;
    case EventKind::kRevoke:
      if (revoke_at_[e.payload] == e.time) OnRevoke(e.payload, true);  // else stale
      break;
    case EventKind::kPriceChange:
      ledger_.SetPrice(price_changes_[e.payload].first, now_, price_changes_[e.payload].second);
      break;
    case EventKind::kAvailability:
      OnAvailability(e.payload);
      break;
    case EventKind::kReclaim:
      // Stale when the node came back (or was reclaimed) since this reclaim was scheduled.
      if (reclaim_at_[e.payload] == e.time) OnReclaim(e.payload);
      break;
    case EventKind::kRestore:
      OnRestore(e.payload);
      break;
    case EventKind::kScaleDown:
      if (e.time == scale_down_at_[e.payload]) OnScaleDown(e.payload);  // else superseded
      break;
    case EventKind::kServiceTick:
      OnServiceTick(e.payload);
      break;
    case EventKind::kReplicaReady:
      MakeReady(e.payload);
      break;
    case EventKind::kReplicaDrained: {
      const Job& job = jobs_[e.payload];
      if (services_[static_cast<size_t>(job.service)].state[job.replica] ==
          ReplicaState::kDraining) {
        ReleaseReplica(e.payload);
      }
      break;
    }
    case EventKind::kNodeFailure:
      OnNodeFailure(e.payload);
      break;
    case EventKind::kRackFailure:
      OnRackFailure(e.payload);
      break;
    case EventKind::kRepair:
      OnRepair(e.payload);
      break;
    case EventKind::kTracedFailure:
      OnTracedFailure(e.payload);
      break;
    case EventKind::kTest:
      break;
  }
  if (!run_error_.ok()) return run_error_;
  if (options_.check_invariants) {
    if (event_count_ == options_.corrupt_after_event) Corrupt();
    if (absl::Status s = CheckInvariants(e); !s.ok()) return s;
  }
  if ((event_count_ & 0xFF) == 0 && options_.progress) {
    options_.progress(Progress{now_, sc_.horizon, event_count_, completed_jobs_, 0});
  }
  return absl::OkStatus();
}

// RunOptions::corrupt: breaks the state on purpose, for tests of the checker.
void World::Corrupt() {
  switch (options_.corrupt) {
    case RunOptions::Corruption::kNone:
      break;
    case RunOptions::Corruption::kLeakGpu:
      // A running job's first node gets a GPU back that the job still holds.
      for (const auto& [end, id] : running_by_end_) {
        Placement one{NodeShare{jobs_[id].placement.front().node, 1}};
        cluster_.Release(one);
        break;
      }
      break;
    case RunOptions::Corruption::kExtraWork:
      // A running job is handed work it never had (as if a restart forgot a checkpoint).
      for (const auto& [end, id] : running_by_end_) {
        jobs_[id].view.duration_ref += kSecond;
        break;
      }
      break;
    case RunOptions::Corruption::kClockBack:
      now_ -= 1;
      break;
    case RunOptions::Corruption::kShortAttempt:
      // A running attempt set to end a second early (its completion would skip work).
      for (const auto& [end, id] : running_by_end_) {
        jobs_[id].runtime -= kSecond;
        break;
      }
      break;
  }
}

absl::Status World::Start() {
  InitPlacement();
  InitCapacity();
  InitFailures();
  InitSources();
  if (!run_error_.ok()) return run_error_;
  if (absl::Status st = InitServices(); !st.ok()) return st;
  if (sc_.sample_interval > 0) events_.Schedule(0, Phase::kObserve, EventKind::kSample, 0);
  return absl::OkStatus();
}

absl::Status World::Run() {
  if (absl::Status st = Start(); !st.ok()) return st;
  if (absl::Status st = DispatchEvents(events_, sc_.horizon, options_.cancel, now_,
                                       [this](const Event& e) { return Process(e); });
      !st.ok()) {
    return st;
  }
  now_ = sc_.horizon;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) ledger_.Advance(p, sc_.horizon);
  for (ServiceRun& svc : services_) {
    ReadyChanging(svc);
    absl::StatusOr<ServiceTotals> totals = svc.engine->Finish(sc_.horizon);
    if (!totals.ok()) return totals.status();
    svc.totals = *std::move(totals);
  }
  return absl::OkStatus();
}

absl::Status World::AdvanceTo(SimTime t) {
  SimTime next = 0;
  Event e;
  while (events_.PeekNextTime(&next) && next <= t) {
    events_.PopNext(&e);
    if (absl::Status st = Process(e); !st.ok()) return st;
  }
  // Time passes without events too: what happens next (a completion) happens at t.
  now_ = std::max(now_, t);
  return absl::OkStatus();
}

SimTime World::NextEventTime() {
  SimTime next = 0;
  return events_.PeekNextTime(&next) ? next : kTimeInfinity;
}

void World::InjectSubmit(SimTime t, const JobSpec& spec) {
  live_specs_.push_back(spec);
  live_specs_.back().submit = t;
  events_.Schedule(t, Phase::kArrive, EventKind::kArrival, live_source_);
}

absl::Status World::InjectComplete(JobId id) {
  if (id >= jobs_.size() || jobs_[id].service >= 0 || !jobs_[id].running) {
    return absl::FailedPreconditionError(absl::StrCat("job ", id, " is not running"));
  }
  OnComplete(id);
  return run_error_;
}

absl::Status World::Cancel(JobId id) {
  if (id >= jobs_.size() || jobs_[id].service >= 0) {
    return absl::NotFoundError(absl::StrCat("no job ", id));
  }
  Job& job = jobs_[id];
  if (job.end >= 0 || job.cancelled) {
    return absl::FailedPreconditionError(absl::StrCat("job ", id, " has already ended"));
  }
  job.cancelled = true;
  if (job.running) {
    // Stopped where it is: its GPUs are freed; it does not wait again.
    running_by_end_.erase({job.start + job.runtime, id});
    EndAttempt(id, /*completed=*/true);
  } else {
    // Queue policies have no removal: a fresh policy takes the pending jobs but this one, in
    // arrival order (exact for the non-preemptive policies the live daemon allows).
    --pending_per_class_[job.view.class_id];
    queue_ = make_queue_();
    for (JobId j = 0; j < jobs_.size(); ++j) {
      const Job& other = jobs_[j];
      if (other.service < 0 && !other.running && other.end < 0 && !other.cancelled) {
        queue_->Enqueue(j, other.view);
      }
    }
  }
  job.end = now_;
  RecordLive(LiveEvent::Kind::kCancel, id);
  RequestPass();
  return run_error_;
}

namespace {

// The bill's categories into a PoolMonthResult or a PoolResult (same field names).
template <typename Result>
void FillBill(const PoolMonthBill& b, Result* r) {
  r->set_cost_usd(MoneyToDollars(b.total()));
  r->set_idle_cost_usd(MoneyToDollars(b.idle));
  r->set_usage_usd(MoneyToDollars(b.usage));
  r->set_idle_capacity_usd(MoneyToDollars(b.idle_capacity));
  r->set_upfront_usd(MoneyToDollars(b.upfront));
  r->set_capex_usd(MoneyToDollars(b.capex));
  r->set_hosting_usd(MoneyToDollars(b.hosting));
  r->set_energy_usd(MoneyToDollars(b.energy));
  r->set_energy_kwh(b.energy_kwh);
  r->set_co2e_kg(b.co2e_kg());
  r->set_co2e_operational_kg(b.co2e_operational_kg);
  r->set_co2e_embodied_kg(b.co2e_embodied_kg);
  r->set_facility_kwh(b.facility_kwh);
}

double Ratio(GpuTime a, GpuTime b) {
  return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

}  // namespace

RunOutput World::Finish(const PolicySpec& policy) {
  RunOutput out;
  v1::RunResult& r = out.result;
  r.set_policy(policy.Name());
  r.set_seed(static_cast<uint32_t>(seed_));
  const size_t n_pools = sc_.pools.size(), n_months = months_.size();

  // The bill, per pool and month: integers until the very end.
  std::vector<std::vector<PoolMonthBill>> bills(n_pools, std::vector<PoolMonthBill>(n_months));
  GpuTime prov_total = 0, alloc_total = 0;
  PoolMonthBill total;
  std::vector<GpuTime> pool_prov(n_pools, 0), pool_alloc(n_pools, 0);
  std::vector<PoolMonthBill> pool_bill(n_pools);
  for (size_t m = 0; m < n_months; ++m) {
    v1::MonthResult* mr = r.add_monthly();
    mr->set_month(months_[m].label);
    GpuTime mprov = 0, malloc = 0;
    PoolMonthBill mbill;
    for (uint32_t p = 0; p < n_pools; ++p) {
      const PoolMonthUsage& u = ledger_.usage(p, m);
      bills[p][m] = BillPoolMonth(sc_.pools[p], months_[m], u, sc_.horizon);
      const PoolMonthBill& b = bills[p][m];
      v1::PoolMonthResult* pm = mr->add_pools();
      pm->set_pool(sc_.pools[p].name);
      FillBill(b, pm);
      pm->set_gpu_hours_provisioned(GpuTimeToHours(u.provisioned));
      pm->set_gpu_hours_allocated(GpuTimeToHours(u.allocated));
      mprov += u.provisioned;
      malloc += u.allocated;
      mbill += b;
      pool_prov[p] += u.provisioned;
      pool_alloc[p] += u.allocated;
      pool_bill[p] += b;
    }
    mr->set_cost_usd(MoneyToDollars(mbill.total()));
    mr->set_idle_cost_usd(MoneyToDollars(mbill.idle));
    mr->set_co2e_kg(mbill.co2e_kg());
    mr->set_co2e_operational_kg(mbill.co2e_operational_kg);
    mr->set_co2e_embodied_kg(mbill.co2e_embodied_kg);
    mr->set_facility_kwh(mbill.facility_kwh);
    mr->set_gpu_hours_provisioned(GpuTimeToHours(mprov));
    mr->set_gpu_hours_allocated(GpuTimeToHours(malloc));
    mr->set_gpu_utilization(Ratio(malloc, mprov));
    prov_total += mprov;
    alloc_total += malloc;
    total += mbill;
  }
  for (uint32_t p = 0; p < n_pools; ++p) {
    const PoolSpec& ps = sc_.pools[p];
    v1::PoolResult* pr = r.add_pools();
    pr->set_name(ps.name);
    pr->set_gpu_type(ps.gpu_type);
    pr->set_pricing(PricingModelName(ps.pricing));
    pr->set_gpus(static_cast<uint32_t>(cluster_.capacity_gpus(p)));
    FillBill(pool_bill[p], pr);
    pr->set_gpu_hours_provisioned(GpuTimeToHours(pool_prov[p]));
    pr->set_gpu_hours_allocated(GpuTimeToHours(pool_alloc[p]));
    pr->set_gpu_utilization(Ratio(pool_alloc[p], pool_prov[p]));
    pr->set_revocations(revocations_[p]);
    pr->set_node_failures(node_failures_[p]);
    pr->set_gpu_hours_down(GpuTimeToHours(down_[p]));
    pr->set_spare_nodes(ps.spare_nodes);
    pr->set_grid_source(ps.grid_source);
    if (ps.carbon_hourly.empty()) {
      pr->set_grid_gco2e_per_kwh(ps.grid_gco2e_per_kwh);
    } else if (pool_bill[p].facility_kwh > 0) {
      pr->set_grid_gco2e_per_kwh(pool_bill[p].co2e_operational_kg * 1000.0 /
                                 pool_bill[p].facility_kwh);
    } else {
      double sum = 0;
      for (double g : ps.carbon_hourly) sum += g;
      pr->set_grid_gco2e_per_kwh(sum / static_cast<double>(ps.carbon_hourly.size()));
    }
    if (ps.on_demand_reference_usd_per_gpu_hour > 0 && pool_prov[p] > 0) {
      pr->set_break_even_utilization(MoneyToDollars(pool_bill[p].total()) /
                                     (ps.on_demand_reference_usd_per_gpu_hour *
                                      GpuTimeToHours(pool_prov[p])));
    }
  }

  // Chargeback: running jobs' (and replicas') last segments, then tenants in name order.
  for (const auto& [end, id] : running_by_end_) AccountSegment(jobs_[id], jobs_[id].start, sc_.horizon);
  for (const ServiceRun& svc : services_) {
    for (JobId id : svc.replicas) {
      if (jobs_[id].running) AccountSegment(jobs_[id], jobs_[id].start, sc_.horizon);
    }
  }
  double unattributed = 0;
  double unattributed_co2e = 0;
  for (uint32_t p = 0; p < n_pools; ++p) {
    for (size_t m = 0; m < n_months; ++m) {
      if (ledger_.usage(p, m).allocated == 0) {
        unattributed += MoneyToDollars(bills[p][m].total());
        unattributed_co2e += bills[p][m].co2e_kg();
      }
    }
  }
  for (const auto& [name, t] : tenant_index_) {
    v1::TenantResult* tr = r.add_tenants();
    tr->set_tenant(name);
    tr->set_jobs(tenant_jobs_[t]);
    GpuTime used = 0;
    double cost = 0;
    double co2e_operational = 0, co2e_embodied = 0;  // shared like the cost
    for (uint32_t p = 0; p < n_pools; ++p) {
      for (size_t m = 0; m < n_months; ++m) {
        const GpuTime u = tenant_use_[t][p * n_months + m];
        if (u == 0) continue;
        used += u;
        const double share = Ratio(u, ledger_.usage(p, m).allocated);
        cost += MoneyToDollars(bills[p][m].total()) * share;
        // With an hourly series, operational carbon follows when each tenant ran.
        const double weighted = ledger_.usage(p, m).allocated_gco2e;
        const double op_share = ledger_.has_series(p) && weighted > 0
                                    ? tenant_gco2e_[t][p * n_months + m] / weighted
                                    : share;
        co2e_operational += bills[p][m].co2e_operational_kg * op_share;
        co2e_embodied += bills[p][m].co2e_embodied_kg * share;
      }
    }
    tr->set_gpu_hours_allocated(GpuTimeToHours(used));
    tr->set_cost_usd(cost);
    tr->set_co2e_kg(co2e_operational + co2e_embodied);
    tr->set_co2e_operational_kg(co2e_operational);
    tr->set_co2e_embodied_kg(co2e_embodied);
  }
  if (options_.check_invariants) final_check_ = CheckFinalInvariants(bills, total, pool_bill);

  // Service metrics.
  JobStats all;
  std::map<uint32_t, JobStats> by_size;
  for (const Job& j : jobs_) {
    if (j.service >= 0) continue;  // replicas are reported per service
    JobStats& size_stats = by_size[j.view.gpus];
    for (JobStats* st : {&all, &size_stats}) {
      st->Add(j.view.submit, j.first_start, j.end, sc_.horizon);
    }
  }
  v1::Summary* s = r.mutable_summary();
  all.FillSummary(s);
  all.FillDistributions(r.mutable_jct(), r.mutable_queue_delay());
  for (const std::string& w : warnings_) r.add_warnings(w);
  // A job preempted and waiting again at the horizon has started once but is queued, not
  // running: count from the jobs' state.
  {
    uint32_t running = 0;
    for (const Job& j : jobs_) running += j.running && j.service < 0 ? 1u : 0u;
    s->set_jobs_running_at_horizon(running);
    s->set_jobs_queued_at_horizon(s->jobs_submitted() - s->jobs_completed() - running);
  }
  // Finish-time fairness: JCT over the run time alone on the pool of the last attempt.
  {
    std::vector<double> rho;
    std::vector<double> tenant_sum(tenants_.size(), 0);
    std::vector<uint32_t> tenant_done(tenants_.size(), 0);
    for (const Job& j : jobs_) {
      if (j.end < 0 || j.service >= 0) continue;
      const double alone = static_cast<double>(
          Runtime(j.view.total_ref, sc_.pools[static_cast<size_t>(j.pool)].training_speed));
      const double x = static_cast<double>(j.end - j.view.submit) / std::max(1.0, alone);
      rho.push_back(x);
      tenant_sum[j.tenant] += x;
      ++tenant_done[j.tenant];
    }
    if (!rho.empty()) {
      double sum = 0;
      for (double x : rho) sum += x;
      std::sort(rho.begin(), rho.end());
      s->set_mean_ftf(sum / static_cast<double>(rho.size()));
      s->set_p95_ftf(rho[static_cast<size_t>(0.95 * static_cast<double>(rho.size() - 1) + 0.5)]);
      s->set_max_ftf(rho.back());
    }
    double jsum = 0, jsq = 0;
    uint32_t n = 0;
    for (size_t t = 0; t < tenants_.size(); ++t) {
      if (tenant_done[t] == 0) continue;
      const double m = tenant_sum[t] / tenant_done[t];
      jsum += m;
      jsq += m * m;
      ++n;
    }
    s->set_jain_fairness(n == 0 ? 0.0 : jsum * jsum / (n * jsq));
    uint32_t with_deadline = 0, missed = 0;
    for (const Job& j : jobs_) {
      if (j.view.deadline == kTimeInfinity || j.service >= 0) continue;
      ++with_deadline;
      const bool late = j.end >= 0 ? j.end > j.view.deadline : j.view.deadline < sc_.horizon;
      if (late) ++missed;
    }
    s->set_jobs_with_deadline(with_deadline);
    s->set_deadlines_missed(missed);
    for (v1::TenantResult& tr : *r.mutable_tenants()) {
      const uint32_t t = tenant_index_.at(tr.tenant());
      tr.set_jobs_completed(tenant_done[t]);
      tr.set_mean_ftf(tenant_done[t] > 0 ? tenant_sum[t] / tenant_done[t] : 0.0);
    }
  }
  if (frag_samples_ > 0) {
    s->set_gpu_fragmentation(frag_sum_ / static_cast<double>(frag_samples_));
    s->set_unallocated_gpu_share(unalloc_sum_ / static_cast<double>(frag_samples_));
  }
  s->set_gpu_utilization(Ratio(alloc_total, prov_total));
  s->set_gpu_hours_provisioned(GpuTimeToHours(prov_total));
  s->set_gpu_hours_allocated(GpuTimeToHours(alloc_total));
  s->set_gpu_hours_idle(GpuTimeToHours(prov_total - alloc_total));
  s->set_preemptions(preemptions_);
  s->set_jobs_rejected(jobs_rejected_);
  s->set_gpu_hours_lost(GpuTimeToHours(lost_));
  // Checkpoint writes of attempts still running at the horizon count too.
  GpuTime checkpointing = checkpointing_;
  for (const auto& [end, id] : running_by_end_) {
    const Job& j = jobs_[id];
    if (j.service < 0) checkpointing += static_cast<GpuTime>(j.view.gpus) * ProgressOf(j).writing;
  }
  const GpuTime useful = std::max<GpuTime>(0, alloc_total - lost_ - checkpointing);
  s->set_gpu_hours_useful(GpuTimeToHours(useful));
  s->set_gpu_hours_checkpointing(GpuTimeToHours(checkpointing));
  s->set_goodput(alloc_total > 0 ? static_cast<double>(useful) / static_cast<double>(alloc_total)
                                 : 0.0);
  {
    uint32_t node_failures = 0;
    GpuTime down = 0;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      node_failures += node_failures_[p];
      down += down_[p];
    }
    s->set_node_failures(node_failures);
    s->set_gpu_hours_down(GpuTimeToHours(down));
  }
  s->set_rack_failures(rack_failures_);
  s->set_job_interruptions_by_failure(job_interruptions_by_failure_);
  s->set_gpu_hours_lost_to_failures(GpuTimeToHours(lost_to_failures_));
  s->set_total_cost_usd(MoneyToDollars(total.total()));
  s->set_idle_cost_usd(MoneyToDollars(total.idle));
  s->set_cost_per_allocated_gpu_hour_usd(
      alloc_total > 0 ? MoneyToDollars(total.total()) / GpuTimeToHours(alloc_total) : 0.0);
  s->set_cost_per_useful_gpu_hour_usd(useful > 0 ? MoneyToDollars(total.total()) /
                                                       GpuTimeToHours(useful)
                                                 : 0.0);
  s->set_unattributed_cost_usd(unattributed);
  s->set_co2e_kg(total.co2e_kg());
  s->set_co2e_operational_kg(total.co2e_operational_kg);
  s->set_co2e_embodied_kg(total.co2e_embodied_kg);
  s->set_facility_kwh(total.facility_kwh);
  s->set_unattributed_co2e_kg(unattributed_co2e);
  s->set_events(event_count_);
  for (auto& [gpus, st] : by_size) {
    v1::SizeClassResult* sr = r.add_by_gpu_count();
    sr->set_gpus(gpus);
    st.FillSizeClass(sr);
  }

  // Inference services: requests, latency, replicas, GPU-hours, cost, revenue; revenue and
  // margin per month and in the summary.
  for (const Job& j : jobs_) {
    // Evicted jobs still waiting at the horizon: their wait so far.
    if (j.evicted_by >= 0) {
      services_[static_cast<size_t>(j.evicted_by)].training_requeue += sc_.horizon - j.evicted_at;
    }
  }
  {
    double revenue = 0;
    GpuTime inference_use = 0;
    uint32_t by_inference = 0;
    GpuTime lost_to_inference = 0;
    std::vector<double> month_revenue(n_months, 0);
    for (const ServiceRun& svc : services_) {
      const ServiceSpec& spec = *svc.spec;
      const ServiceTotals& t = svc.totals;
      v1::ServiceResult* sr = r.add_services();
      sr->set_name(spec.name);
      sr->set_model(spec.model);
      sr->set_fidelity(spec.fidelity == ServiceSpec::Fidelity::kFluid ? "fluid" : "request");
      sr->set_requests_arrived(t.arrived);
      sr->set_requests_served(t.served);
      sr->set_requests_dropped(t.dropped);
      sr->set_requests_unfinished(t.unfinished);
      if (spec.slo_latency_s > 0) {
        sr->set_slo_latency_s(spec.slo_latency_s);
        sr->set_slo_attainment_target(spec.slo_attainment_target);
      }
      if (spec.slo_latency_s > 0 && t.arrived > 0) {
        const double attainment = t.slo_met / t.arrived;
        sr->set_slo_attainment(attainment);
        sr->set_slo_met(attainment >= spec.slo_attainment_target);
      }
      sr->set_mean_latency_s(t.mean_latency_s);
      sr->set_p50_latency_s(t.p50_latency_s);
      sr->set_p95_latency_s(t.p95_latency_s);
      sr->set_p99_latency_s(t.p99_latency_s);
      sr->set_max_latency_s(t.max_latency_s);
      sr->set_mean_wait_s(t.mean_wait_s);
      sr->set_p99_wait_s(t.p99_wait_s);
      if (spec.token_model) {  // no first token without the token model
        sr->set_p50_ttft_s(t.p50_ttft_s);
        sr->set_p99_ttft_s(t.p99_ttft_s);
      }
      sr->set_mean_replicas(svc.ready_replica_s / TimeToSeconds(sc_.horizon));
      sr->set_max_replicas(svc.max_ready);
      sr->set_replicas_started(svc.started);
      sr->set_replicas_stopped(svc.stopped);
      GpuTime used = 0;
      double cost = 0;
      for (size_t m = 0; m < n_months; ++m) {
        GpuTime mused = 0;
        double mcost = 0;
        for (uint32_t p = 0; p < n_pools; ++p) {
          const GpuTime u = svc.use[p * n_months + m];
          if (u == 0) continue;
          mused += u;
          mcost += MoneyToDollars(bills[p][m].total()) * Ratio(u, ledger_.usage(p, m).allocated);
        }
        used += mused;
        cost += mcost;
        v1::ServiceMonthResult* sm = sr->add_monthly();
        sm->set_month(months_[m].label);
        const ServiceMonth& tm = m < t.months.size() ? t.months[m] : ServiceMonth{};
        sm->set_requests_arrived(tm.arrived);
        sm->set_requests_served(tm.served);
        sm->set_requests_dropped(tm.dropped);
        if (spec.slo_latency_s > 0 && tm.arrived > 0) sm->set_slo_attainment(tm.slo_met / tm.arrived);
        sm->set_revenue_usd(tm.revenue_usd);
        sm->set_cost_usd(mcost);
        sm->set_gpu_hours(GpuTimeToHours(mused));
        month_revenue[m] += tm.revenue_usd;
      }
      sr->set_gpu_hours(GpuTimeToHours(used));
      sr->set_cost_usd(cost);
      sr->set_revenue_usd(t.revenue_usd);
      sr->set_gross_margin_usd(t.revenue_usd - cost);
      sr->set_cost_per_million_requests_usd(t.served > 0 ? cost / t.served * 1e6 : 0.0);
      sr->set_training_preemptions(svc.training_preemptions);
      sr->set_training_gpu_hours_lost(GpuTimeToHours(svc.training_lost));
      sr->set_training_delay_hours(TimeToSeconds(svc.training_rework + svc.training_requeue) /
                                   3600.0);
      *sr->mutable_replicas() = {svc.ts_ready.begin(), svc.ts_ready.end()};
      *sr->mutable_replicas_pending() = {svc.ts_pending.begin(), svc.ts_pending.end()};
      revenue += t.revenue_usd;
      inference_use += used;
      by_inference += svc.training_preemptions;
      lost_to_inference += svc.training_lost;
    }
    if (!services_.empty()) {
      for (size_t m = 0; m < n_months; ++m) {
        v1::MonthResult* mr = r.mutable_monthly(static_cast<int>(m));
        mr->set_revenue_usd(month_revenue[m]);
        mr->set_gross_margin_usd(month_revenue[m] - mr->cost_usd());
      }
      s->set_revenue_usd(revenue);
      s->set_gross_margin_usd(revenue - s->total_cost_usd());
      s->set_inference_gpu_hours(GpuTimeToHours(inference_use));
      s->set_preemptions_by_inference(by_inference);
      s->set_gpu_hours_lost_to_inference(GpuTimeToHours(lost_to_inference));
    }
  }

  v1::TimeSeries* ts = r.mutable_timeseries();
  ts->set_interval_s(TimeToSeconds(sc_.sample_interval));
  *ts->mutable_time_s() = {ts_time_s_.begin(), ts_time_s_.end()};
  *ts->mutable_allocated_gpus() = {ts_allocated_.begin(), ts_allocated_.end()};
  *ts->mutable_queued_jobs() = {ts_queued_.begin(), ts_queued_.end()};
  *ts->mutable_running_jobs() = {ts_running_.begin(), ts_running_.end()};
  *ts->mutable_provisioned_gpus() = {ts_provisioned_.begin(), ts_provisioned_.end()};
  {
    const size_t pools = sc_.pools.size();
    const size_t samples = ts_time_s_.size();
    for (size_t p = 0; p < pools; ++p) {
      v1::PoolSeries* ps = ts->add_pools();
      ps->set_pool(sc_.pools[p].name);
      ps->mutable_allocated_gpus()->Reserve(static_cast<int>(samples));
      ps->mutable_provisioned_gpus()->Reserve(static_cast<int>(samples));
      for (size_t i = 0; i < samples; ++i) {
        ps->add_allocated_gpus(ts_pool_allocated_[i * pools + p]);
        ps->add_provisioned_gpus(ts_pool_provisioned_[i * pools + p]);
      }
    }
  }

  if (options_.keep_job_records) {
    out.jobs.reserve(jobs_.size());
    for (const Job& j : jobs_) {
      if (j.service >= 0) continue;
      JobRecord rec;
      const Source& src = sources_[j.source];
      if (src.trace != nullptr) {
        rec.name = src.names[j.index_in_source];
        rec.tenant = tenants_[j.tenant];
      } else if (src.generator == nullptr) {
        const JobSpec& spec = sc_.jobs[j.index_in_source];
        rec.name = spec.name;
        rec.tenant = spec.tenant;
      } else {
        rec.name = absl::StrCat(src.generator->name, "-", j.index_in_source);
        rec.tenant = src.generator->tenant;
      }
      rec.gpus = j.view.gpus;
      rec.priority = j.view.priority;
      rec.submit_s = TimeToSeconds(j.view.submit);
      if (j.pool >= 0) {
        rec.pool = sc_.pools[static_cast<size_t>(j.pool)].name;
        rec.start_s = TimeToSeconds(j.first_start);
        rec.runtime_s = TimeToSeconds(j.runtime);
        rec.nodes = static_cast<uint32_t>(j.placement.size());
      } else {
        rec.runtime_s = TimeToSeconds(j.view.duration_ref);
      }
      if (j.end >= 0) rec.finish_s = TimeToSeconds(j.end);
      rec.preemptions = j.preemptions;
      rec.gpu_hours_lost = GpuTimeToHours(j.lost);
      rec.failures = j.failures;
      // Writes of an attempt still running at the horizon count too, as in the Summary.
      rec.gpu_hours_checkpointing = GpuTimeToHours(
          j.checkpointing +
          (j.running && !live_ ? static_cast<GpuTime>(j.view.gpus) * ProgressOf(j).writing : 0));
      rec.checkpoint_interval_s = TimeToSeconds(j.checkpoint_interval);
      out.jobs.push_back(std::move(rec));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<RunOutput> Simulate(const ScenarioModel& scenario, const PolicySpec& policy,
                                   uint64_t seed, const RunOptions& options) {
  auto queue = MakeQueuePolicy(policy.queue, policy.queue_args);
  if (!queue.ok()) return absl::InvalidArgumentError(queue.status().message());
  auto placement = MakePlacementPolicy(policy.placement, policy.placement_args);
  if (!placement.ok()) return absl::InvalidArgumentError(placement.status().message());
  auto scaling = MakeScalingPolicy(policy.scaling);
  if (!scaling.ok()) return absl::InvalidArgumentError(scaling.status().message());
  World world(scenario, seed, options, *std::move(queue), *std::move(placement),
              *std::move(scaling));
  world.set_inference_preemption(policy.inference_preemption);
  world.set_autoscaler(policy.autoscaler, policy.autoscaler_args);
  if (absl::Status s = world.Run(); !s.ok()) return s;
  RunOutput out = world.Finish(policy);
  if (!world.final_check().ok()) return world.final_check();
  return out;
}

absl::StatusOr<RunOutput> SimulateWith(const ScenarioModel& scenario,
                                       std::unique_ptr<QueuePolicy> queue,
                                       std::unique_ptr<PlacementPolicy> placement,
                                       const std::string& label, uint64_t seed,
                                       const RunOptions& options) {
  auto scaling = MakeScalingPolicy("in-order");
  if (!scaling.ok()) return scaling.status();
  World world(scenario, seed, options, std::move(queue), std::move(placement),
              *std::move(scaling));
  if (absl::Status s = world.Run(); !s.ok()) return s;
  RunOutput out = world.Finish(PolicySpec("custom"));
  if (!world.final_check().ok()) return world.final_check();
  out.result.set_policy(label);
  return out;
}

absl::StatusOr<ScenarioOutput> SimulateAll(const ScenarioModel& scenario,
                                           const std::vector<PolicySpec>& policies, uint64_t seed,
                                           const RunOptions& options) {
  ScenarioOutput out;
  out.results.set_scenario(scenario.name);
  out.results.set_start(FormatUtcTimestamp(scenario.start_unix_s));
  out.results.set_horizon_s(TimeToSeconds(scenario.horizon));
  const std::vector<PolicySpec>& list = policies.empty() ? scenario.policies : policies;
  for (size_t i = 0; i < list.size(); ++i) {
    const PolicySpec& p = list[i];
    RunOptions run_options = options;
    if (options.progress) {
      run_options.progress = [&options, i](const Progress& pr) {
        Progress tagged = pr;
        tagged.run = static_cast<uint32_t>(i);
        options.progress(tagged);
      };
    }
    auto run = Simulate(scenario, p, seed, run_options);
    if (!run.ok()) return run.status();
    *out.results.add_runs() = std::move(run->result);
    if (options.keep_job_records) out.jobs.push_back(std::move(run->jobs));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// LiveEngine: the World in live mode.

struct LiveEngine::Impl {
  ScenarioModel scenario;  // owned: the World keeps a reference
  RunOptions options;
  PolicySpec policy;
  std::unique_ptr<World> world;
};

LiveEngine::LiveEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LiveEngine::~LiveEngine() = default;

bool LiveEngine::Supports(const PolicySpec& policy) {
  // Policies whose only state is the pending queue: a cancel rebuilds it exactly. (sjf-est
  // learns from finished jobs and tracks running ones; a rebuilt one would not.)
  static const char* const kQueues[] = {"fifo", "fifo-skip", "fifo-backfill", "sjf"};
  return std::any_of(std::begin(kQueues), std::end(kQueues),
                     [&](const char* q) { return policy.queue == q; });
}

absl::StatusOr<std::unique_ptr<LiveEngine>> LiveEngine::Create(const ScenarioModel& scenario,
                                                               const PolicySpec& policy,
                                                               uint64_t seed) {
  if (!Supports(policy)) {
    return absl::InvalidArgumentError(
        "the live scheduler runs the queue policies fifo, fifo-skip, fifo-backfill and sjf "
        "(any placement); got " + policy.Name());
  }
  if (!scenario.jobs.empty() || !scenario.generators.empty() || !scenario.traces.empty() ||
      !scenario.services.empty()) {
    return absl::InvalidArgumentError(
        scenario.source_path + ": workload: the live scheduler takes the scenario's cluster "
        "only; its workload (jobs, generators, traces, services) must be empty: jobs come from "
        "SubmitJob (write workload: {})");
  }
  auto impl = std::make_unique<Impl>();
  impl->scenario = scenario;
  // Ten years of wall time from the epoch; the ledger bills by calendar month meanwhile.
  impl->scenario.horizon = 3650 * kDay;
  impl->policy = policy;
  auto queue = MakeQueuePolicy(policy.queue, policy.queue_args);
  if (!queue.ok()) return absl::InvalidArgumentError(queue.status().message());
  auto placement = MakePlacementPolicy(policy.placement, policy.placement_args);
  if (!placement.ok()) return absl::InvalidArgumentError(placement.status().message());
  auto scaling = MakeScalingPolicy(policy.scaling);
  if (!scaling.ok()) return absl::InvalidArgumentError(scaling.status().message());
  impl->world = std::make_unique<World>(impl->scenario, seed, impl->options, *std::move(queue),
                                        *std::move(placement), *std::move(scaling));
  const PolicySpec spec = policy;
  impl->world->EnableLive([spec] {
    auto q = MakeQueuePolicy(spec.queue, spec.queue_args);
    return q.ok() ? *std::move(q) : nullptr;  // checked above: cannot fail
  });
  if (absl::Status st = impl->world->Start(); !st.ok()) return st;
  return std::unique_ptr<LiveEngine>(new LiveEngine(std::move(impl)));
}

absl::StatusOr<JobId> LiveEngine::Submit(SimTime t, const JobSpec& job) {
  World& w = *impl_->world;
  if (job.gpus == 0) return absl::InvalidArgumentError("gpus must be at least 1");
  if (!w.Holdable(job)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no pool can ever hold a gang of ", job.gpus, " GPUs",
        job.gpu_type.empty() ? std::string() : " of type " + job.gpu_type));
  }
  if (absl::Status st = w.AdvanceTo(t); !st.ok()) return st;
  const size_t index = impl_->world->live_submitted();
  w.InjectSubmit(t, job);
  if (absl::Status st = w.AdvanceTo(t); !st.ok()) return st;
  const int64_t id = w.LiveJobId(index);
  if (id < 0) return absl::InternalError("a holdable job was rejected on arrival");
  return static_cast<JobId>(id);
}

absl::Status LiveEngine::Complete(SimTime t, JobId id) {
  World& w = *impl_->world;
  if (absl::Status st = w.AdvanceTo(t); !st.ok()) return st;
  if (absl::Status st = w.InjectComplete(id); !st.ok()) return st;
  return w.AdvanceTo(t);  // the pass it asked for
}

absl::Status LiveEngine::Cancel(SimTime t, JobId id) {
  World& w = *impl_->world;
  if (absl::Status st = w.AdvanceTo(t); !st.ok()) return st;
  if (absl::Status st = w.Cancel(id); !st.ok()) return st;
  return w.AdvanceTo(t);
}

absl::Status LiveEngine::Requeue(SimTime t, JobId id) {
  World& w = *impl_->world;
  if (absl::Status st = w.AdvanceTo(t); !st.ok()) return st;
  if (id >= w.job_count() || !w.job_state(id).running) {
    return absl::FailedPreconditionError(absl::StrCat("job ", id, " is not running"));
  }
  w.Requeue(id);
  return w.AdvanceTo(t);
}

absl::Status LiveEngine::AdvanceTo(SimTime t) { return impl_->world->AdvanceTo(t); }
SimTime LiveEngine::NextDue() { return impl_->world->NextEventTime(); }
std::vector<LiveEvent> LiveEngine::TakeEvents() { return impl_->world->TakeLiveEvents(); }
size_t LiveEngine::job_count() const { return impl_->world->job_count(); }
size_t LiveEngine::queued() const { return impl_->world->queued(); }
SimTime LiveEngine::now() const { return impl_->world->now(); }
uint32_t LiveEngine::PoolOf(NodeId node) const { return impl_->world->cluster().pool_of(node); }
uint32_t LiveEngine::IndexInPool(NodeId node) const {
  const ClusterState& c = impl_->world->cluster();
  return node - c.first_node(c.pool_of(node));
}

absl::StatusOr<LiveJob> LiveEngine::Job(JobId id) const {
  const World& w = *impl_->world;
  if (id >= w.job_count()) return absl::NotFoundError(absl::StrCat("no job ", id));
  const auto& j = w.job_state(id);
  LiveJob out;
  out.state = j.cancelled    ? LiveJob::State::kCancelled
              : j.end >= 0   ? LiveJob::State::kCompleted
              : j.running    ? LiveJob::State::kRunning
                             : LiveJob::State::kPending;
  out.gpus = j.view.gpus;
  out.tenant = w.tenant(j.tenant).name;
  out.submit = j.view.submit;
  out.first_start = j.first_start;
  out.start = j.start;
  out.end = j.end;
  out.preemptions = j.preemptions;
  out.pool = j.pool;
  if (j.running) out.nodes.assign(j.placement.begin(), j.placement.end());
  return out;
}

}  // namespace burnrate
