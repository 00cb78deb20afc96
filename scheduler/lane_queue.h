// The shared engine of the ordered and preemptive queue policies (priority, srtf, tiresias-las,
// fair-share, drf, themis-ftf), after the Kubernetes scheduler framework's extension points:
//   queue sort   - PendingKey (static while a job waits) and HeadKey (may depend on the moment,
//                  e.g. a tenant's current share) order the pending jobs;
//   filter/score - the run's PlacementPolicy, through SchedulingContext::TryStart;
//   post-filter  - when the best job does not fit, MayPreempt names running jobs it may evict;
//                  the engine picks the victims that lose the least work (VictimRank, then loss
//                  since the last checkpoint), drops any victim that is not needed ("reprieve"),
//                  preempts them and starts the job;
//   reserve/permit - a gang starts whole or not at all (TryStart).
//
// Pending jobs live in lanes (by default one per job class: same gang size and GPU-type
// constraint, so within a lane every job fits or none does). A pass repeatedly takes the best
// lane head; a lane whose head cannot start, even by preemption, is blocked for the rest of
// the pass (its later jobs need the same resources and are no more urgent). A pass costs
// O(lanes x (starts + 1)) head comparisons plus, per preemption attempt, O(running log
// running) to rank the candidates.
#ifndef BURNRATE_SCHEDULER_LANE_QUEUE_H_
#define BURNRATE_SCHEDULER_LANE_QUEUE_H_

#include <cstdint>
#include <limits>
#include <set>
#include <tuple>
#include <vector>

#include "scheduler/policy.h"

namespace burnrate {

class LaneQueue : public QueuePolicy {
 public:
  // Smaller keys go first; ties by job id (arrival order).
  struct Key {
    int64_t a = 0;
    int64_t b = 0;
    auto operator<=>(const Key&) const = default;
  };

  void Enqueue(JobId id, const JobView& job) final;
  void Schedule(SchedulingContext& ctx) final;
  size_t size() const final { return pending_; }
  void OnStop(JobId id, bool completed) final;

 protected:
  // Lane of a job; dense small integers. Default: the job's class.
  virtual uint32_t LaneOf(const JobView& job) { return job.class_id; }
  // Order within a lane, fixed while the job waits (change it with Rekey).
  virtual Key PendingKey(JobId id, const JobView& job) = 0;
  // Order across lanes of a lane's head; default its PendingKey.
  virtual Key HeadKey(SchedulingContext& ctx, JobId head, Key pending_key) {
    (void)ctx;
    (void)head;
    return pending_key;
  }
  // Whether the head may start now at all (e.g. a tenant at its limit). Default: yes.
  virtual bool Admissible(SchedulingContext& ctx, JobId head) {
    (void)ctx;
    (void)head;
    return true;
  }
  // Whether pending job `pending` may evict running job `victim`. Default: never
  // (a non-preemptive policy).
  virtual bool MayPreempt(SchedulingContext& ctx, JobId pending, JobId victim) {
    (void)ctx;
    (void)pending;
    (void)victim;
    return false;
  }
  // Whether `pending` may evict anybody at all, checked before the O(running) scan of
  // MayPreempt. Default: yes.
  virtual bool MayPreemptAny(SchedulingContext& ctx, JobId pending) {
    (void)ctx;
    (void)pending;
    return true;
  }
  // Among allowed victims, smaller ranks are evicted first (then the least lost work, then
  // the most recently arrived). Default: 0.
  virtual double VictimRank(SchedulingContext& ctx, JobId victim) {
    (void)ctx;
    (void)victim;
    return 0;
  }
  // Fast path for policies whose eviction rule is a threshold: `victim` may be evicted for
  // `pending` exactly when VictimScore(victim) > PreemptThreshold(pending), and victims go
  // highest score first (then least loss). The engine then scores the running jobs once per
  // pass (and after each preemption) instead of asking MayPreempt for every pair.
  virtual bool threshold_preemption() const { return false; }
  virtual double VictimScore(SchedulingContext& ctx, JobId victim) {
    (void)ctx;
    (void)victim;
    return 0;
  }
  virtual double PreemptThreshold(SchedulingContext& ctx, JobId pending) {
    (void)ctx;
    (void)pending;
    return 0;
  }
  // An upper bound of VictimScore over the running jobs, kept by the policy in O(log running)
  // per start and stop: when the pending job's threshold is not below it, nobody can be
  // evicted and the O(running) scoring is skipped. Default: no bound.
  virtual double VictimScoreBound(SchedulingContext& ctx) {
    (void)ctx;
    return std::numeric_limits<double>::infinity();
  }
  // Called at the start of every pass (re-key, promotions, wake-ups).
  virtual void BeginPass(SchedulingContext& ctx) { (void)ctx; }
  // A job started (after TryStart succeeded) / stopped.
  virtual void Started(SchedulingContext& ctx, JobId id) {
    (void)ctx;
    (void)id;
  }
  virtual void Stopped(JobId id, bool completed) {
    (void)id;
    (void)completed;
  }

  // Moves a pending job to a new key (same lane). REQUIRES: pending.
  void Rekey(JobId id, Key key);
  bool is_pending(JobId id) const { return id < jobs_.size() && jobs_[id].pending; }
  bool is_running(JobId id) const { return id < jobs_.size() && jobs_[id].running; }
  // The view the job had when last enqueued (gpus, tenant, class, ...).
  const JobView& view(JobId id) const { return jobs_[id].view; }
  const std::vector<JobId>& running() const { return running_; }
  // Appends every pending job's id to `out` (lane by lane). O(pending).
  void AppendPending(std::vector<JobId>* out) const {
    for (const auto& lane : lanes_) {
      for (const auto& entry : lane) out->push_back(std::get<2>(entry));
    }
  }
  uint64_t preemptions_by_policy() const { return policy_preemptions_; }

 private:
  struct Entry {
    JobView view;
    uint32_t lane = 0;
    Key key;
    bool pending = false;
    bool running = false;
    uint32_t running_pos = 0;
  };
  using LaneKey = std::tuple<int64_t, int64_t, JobId>;
  bool TryPreempt(SchedulingContext& ctx, JobId id);
  void RemovePending(JobId id);
  void AddRunning(JobId id);

  std::vector<Entry> jobs_;  // by job id
  std::vector<std::set<LaneKey>> lanes_;
  std::vector<uint8_t> blocked_;
  std::vector<JobId> running_;
  size_t pending_ = 0;
  uint64_t policy_preemptions_ = 0;
  // Scratch for TryPreempt.
  struct Candidate {
    double rank;
    int64_t loss;
    JobId id;
    bool operator<(const Candidate& o) const {
      return std::tie(rank, loss, o.id) < std::tie(o.rank, o.loss, id);
    }
  };
  std::vector<Candidate> candidates_;
  std::vector<JobId> victims_, ranked_;
  // Threshold fast path: running jobs by score (highest first), valid for one pass and one
  // running set.
  std::vector<Candidate> scored_;
  uint64_t pass_ = 0, running_version_ = 0;
  uint64_t scored_pass_ = ~uint64_t{0}, scored_version_ = ~uint64_t{0};
};

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_LANE_QUEUE_H_
