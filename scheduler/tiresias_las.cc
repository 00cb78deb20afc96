// tiresias-las: Tiresias' discretised two-dimensional least-attained-service (Gu et al.,
// "Tiresias: A GPU Cluster Manager for Distributed Deep Learning", NSDI'19, Sec. 4.2). A job's
// attained service is the GPU-time it has held (GPUs x run time: the two dimensions). Queue k
// holds jobs whose attained service lies in [T_{k-1}, T_k) for thresholds T
// (`thresholds_gpu_hours`); lower queues go first, FIFO (arrival order) within a queue. A
// running job that crosses a threshold drops a queue at that moment and may then be preempted
// by a waiting job of a higher queue; work since its last checkpoint is lost. Starvation
// promotion (`promote_knob` K > 0): a job waiting longer than K x its executed time goes back
// to the highest queue, its attained service counted from there.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class TiresiasLas final : public LaneQueue {
 public:
  explicit TiresiasLas(const PolicyArgs& args)
      : thresholds_s_(args.NumberList("thresholds_gpu_hours")),
        knob_(args.Number("promote_knob")) {
    for (double& t : thresholds_s_) t *= 3600.0;  // GPU-seconds
  }
  std::string_view name() const override { return "tiresias-las"; }

 protected:
  Key PendingKey(JobId id, const JobView& job) override {
    if (id >= base_s_.size()) base_s_.resize(static_cast<size_t>(id) + 1, 0);
    fresh_.push_back(id);
    return {Level(job.attained_gpu_s - base_s_[id]), 0};
  }
  bool MayPreempt(SchedulingContext& ctx, JobId pending, JobId victim) override {
    return PendingLevel(pending) < RunningLevel(ctx, victim);
  }
  double VictimRank(SchedulingContext& ctx, JobId victim) override {
    return -static_cast<double>(RunningLevel(ctx, victim));  // the lowest queue first
  }
  bool threshold_preemption() const override { return true; }
  double VictimScore(SchedulingContext& ctx, JobId victim) override {
    return static_cast<double>(RunningLevel(ctx, victim));
  }
  double PreemptThreshold(SchedulingContext&, JobId pending) override {
    return static_cast<double>(PendingLevel(pending));
  }
  // The highest queue of a running job (kept exact: levels change only at the threshold
  // crossings, each of which has a pass).
  double VictimScoreBound(SchedulingContext&) override {
    return levels_.empty() ? -1.0 : static_cast<double>(*levels_.rbegin());
  }
  void Stopped(JobId id, bool) override {
    levels_.erase(levels_.find(level_[id]));
    crossing_at_[id] = -1;
  }
  void BeginPass(SchedulingContext& ctx) override {
    const SimTime now = ctx.now();
    // Newly queued jobs below the top queue get a promotion deadline.
    if (knob_ > 0) {
      for (JobId id : fresh_) {
        if (!is_pending(id) || PendingLevel(id) == 0) continue;
        const double executed_s = (view(id).attained_gpu_s - base_s_[id]) /
                                  std::max<uint32_t>(1, view(id).gpus);
        const double wait_s = std::min(knob_ * executed_s, 1e11);
        const SimTime at = now + SecondsToTime(wait_s);
        if (id >= promote_at_.size()) promote_at_.resize(static_cast<size_t>(id) + 1, -1);
        promote_at_[id] = at;
        promotions_.emplace(at, id);
        ctx.WakeAt(at);
      }
    }
    fresh_.clear();
    // Running jobs that crossed a threshold move up a level.
    while (!crossings_.empty() && crossings_.begin()->first <= now) {
      const auto [at, id] = *crossings_.begin();
      crossings_.erase(crossings_.begin());
      if (!is_running(id) || crossing_at_[id] != at) continue;  // stale
      levels_.erase(levels_.find(level_[id]));
      Track(ctx, id);
    }
    while (!promotions_.empty() && promotions_.begin()->first <= now) {
      const auto [at, id] = *promotions_.begin();
      promotions_.erase(promotions_.begin());
      // Stale when the job started (or was queued again and re-dated) since.
      if (!is_pending(id) || promote_at_[id] != at) continue;
      promote_at_[id] = -1;
      base_s_[id] = view(id).attained_gpu_s;
      Rekey(id, {0, 0});
      ++promotions_done_;
    }
  }
  void Started(SchedulingContext& ctx, JobId id) override {
    if (id < promote_at_.size()) promote_at_[id] = -1;
    if (id >= level_.size()) {
      level_.resize(static_cast<size_t>(id) + 1, 0);
      crossing_at_.resize(static_cast<size_t>(id) + 1, -1);
    }
    Track(ctx, id);
  }

 private:
  // Records a running job's level and wakes up when it crosses its next threshold (it may be
  // preempted then).
  void Track(SchedulingContext& ctx, JobId id) {
    const double attained = AttainedS(ctx, id);
    level_[id] = Level(attained);
    levels_.insert(level_[id]);
    crossing_at_[id] = -1;
    const uint32_t gpus = std::max<uint32_t>(1, view(id).gpus);
    for (double t : thresholds_s_) {
      if (t > attained) {
        const SimTime at = ctx.now() + SecondsToTime((t - attained) / gpus) + 1;
        crossing_at_[id] = at;
        crossings_.emplace(at, id);
        ctx.WakeAt(at);
        break;
      }
    }
  }
  int64_t Level(double attained_s) const {
    return static_cast<int64_t>(
        std::upper_bound(thresholds_s_.begin(), thresholds_s_.end(), attained_s) -
        thresholds_s_.begin());
  }
  double AttainedS(SchedulingContext& ctx, JobId id) const {
    return static_cast<double>(ctx.Attained(id)) / static_cast<double>(kSecond) - base_s_[id];
  }
  int64_t PendingLevel(JobId id) const { return Level(view(id).attained_gpu_s - base_s_[id]); }
  int64_t RunningLevel(SchedulingContext& ctx, JobId id) const {
    return Level(AttainedS(ctx, id));
  }

  std::vector<double> thresholds_s_;
  const double knob_;
  std::vector<double> base_s_;  // attained GPU-seconds at the job's last promotion
  std::vector<JobId> fresh_;
  std::set<std::pair<SimTime, JobId>> promotions_;
  std::vector<SimTime> promote_at_;  // per job: its live promotion time, or -1
  std::vector<int64_t> level_;        // per running job: its queue as last tracked
  std::vector<SimTime> crossing_at_;  // per running job: its next threshold crossing, or -1
  std::set<std::pair<SimTime, JobId>> crossings_;
  std::multiset<int64_t> levels_;     // of running jobs
  uint64_t promotions_done_ = 0;
};

}  // namespace

std::vector<ArgSpec> TiresiasArgs() {
  return {{"thresholds_gpu_hours", ArgType::kNumberList, "1",
           "attained-service queue boundaries, GPU-hours, increasing (K values = K+1 queues)",
           1e-6, 1e9},
          {"promote_knob", ArgType::kNumber, "0",
           "promote a job waiting longer than knob x its executed time to the top queue; 0 = "
           "never",
           0, 1e6}};
}

std::unique_ptr<QueuePolicy> NewTiresiasQueue(const PolicyArgs& args) {
  return std::make_unique<TiresiasLas>(args);
}

}  // namespace burnrate
