// themis-ftf: finish-time fairness after Themis (Mahajan et al., NSDI'20). A job's fairness
// ratio is rho = T_shared / T_isolated: the completion time it is heading for in the shared
// cluster over the time it would take alone on a 1/N share of the online GPUs (N = tenants with
// work; a gang wider than C/N runs proportionally slower there). The projected rho of a job
// started (or kept running) now is (now - submit + remaining work) / T_isolated.
// Allocation is decided in rounds, one per `lease`: each round ranks the waiting jobs by
// projected rho, worst off first, and a waiting job may take GPUs from running jobs whose lease
// has expired and whose projected rho is lower than its own by more than `margin` (relative);
// between rounds, jobs that fit start in the round's order. Remaining work is the simulator's
// oracle (Themis asks the application for it).
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class ThemisFtf final : public LaneQueue {
 public:
  explicit ThemisFtf(const PolicyArgs& args)
      : lease_(std::max<Duration>(1, args.DurationOf("lease"))), margin_(args.Number("margin")) {}
  std::string_view name() const override { return "themis-ftf"; }

 protected:
  Key PendingKey(JobId id, const JobView& job) override {
    Grow(id, job.tenant);
    ++pending_[job.tenant];
    fresh_.push_back(id);
    return {0, 0};
  }
  void BeginPass(SchedulingContext& ctx) override {
    now_ = ctx.now();
    gpus_ = std::max<uint64_t>(1, ctx.online_capacity().gpus);
    active_ = 0;
    for (size_t t = 0; t < pending_.size(); ++t) active_ += (pending_[t] > 0 || held_[t] > 0);
    active_ = std::max<uint32_t>(1, active_);
    round_ = now_ >= next_round_;
    if (round_) {
      next_round_ = now_ + lease_;
      ctx.WakeAt(next_round_);
      scratch_.clear();
      AppendPending(&scratch_);
    } else {
      scratch_.swap(fresh_);
    }
    fresh_.clear();
    for (JobId id : scratch_) {
      if (is_pending(id)) Rekey(id, {-static_cast<int64_t>(Rho(ctx, id, false) * 1e6), 0});
    }
    scratch_.clear();
  }
  bool MayPreempt(SchedulingContext& ctx, JobId pending, JobId victim) override {
    if (!round_ || now_ - started_at_[victim] < lease_) return false;
    return Rho(ctx, pending, false) > Rho(ctx, victim, true) * (1.0 + margin_);
  }
  double VictimRank(SchedulingContext& ctx, JobId victim) override {
    return Rho(ctx, victim, true);  // the best off first
  }
  // The same rule in threshold form (scored once per pass): score -rho for expired leases.
  bool threshold_preemption() const override { return true; }
  double VictimScore(SchedulingContext& ctx, JobId victim) override {
    if (now_ - started_at_[victim] < lease_) return -std::numeric_limits<double>::infinity();
    return -Rho(ctx, victim, true) * (1.0 + margin_);
  }
  double PreemptThreshold(SchedulingContext& ctx, JobId pending) override {
    if (!round_) return std::numeric_limits<double>::infinity();
    return -Rho(ctx, pending, false);
  }
  void Started(SchedulingContext& ctx, JobId id) override {
    const JobView& v = view(id);
    --pending_[v.tenant];
    held_[v.tenant] += v.gpus;
    started_at_[id] = ctx.now();
  }
  void Stopped(JobId id, bool) override { held_[view(id).tenant] -= view(id).gpus; }

 private:
  void Grow(JobId id, uint32_t tenant) {
    if (id >= started_at_.size()) started_at_.resize(static_cast<size_t>(id) + 1, 0);
    if (tenant >= pending_.size()) {
      pending_.resize(static_cast<size_t>(tenant) + 1, 0);
      held_.resize(static_cast<size_t>(tenant) + 1, 0);
    }
  }
  // Projected finish-time fairness of a job started (or kept running) now.
  double Rho(SchedulingContext& ctx, JobId id, bool running) const {
    const JobView& v = view(id);
    const double remaining =
        static_cast<double>(running ? ctx.RemainingRef(id) : v.duration_ref);
    const double share = static_cast<double>(gpus_) / active_;
    const double slowdown = std::max(1.0, static_cast<double>(v.gpus) / share);
    const double isolated = std::max(1.0, static_cast<double>(v.total_ref) * slowdown);
    return (static_cast<double>(now_ - v.submit) + remaining) / isolated;
  }

  const Duration lease_;
  const double margin_;
  SimTime now_ = 0;
  SimTime next_round_ = 0;
  bool round_ = false;
  uint64_t gpus_ = 1;
  uint32_t active_ = 1;
  std::vector<SimTime> started_at_;  // per job, its current attempt's start
  std::vector<uint64_t> pending_, held_;  // per tenant
  std::vector<JobId> fresh_, scratch_;
};

}  // namespace

std::vector<ArgSpec> ThemisArgs() {
  return {{"lease", ArgType::kDuration, "30m",
           "length of a GPU lease: ranks are redone and expired leases may be taken each lease",
           1, 1e9},
          {"margin", ArgType::kNumber, "0.1",
           "a waiting job takes an expired lease only when its rho exceeds the holder's by this "
           "fraction",
           0, 1000}};
}

std::unique_ptr<QueuePolicy> NewThemisQueue(const PolicyArgs& args) {
  return std::make_unique<ThemisFtf>(args);
}

}  // namespace burnrate
