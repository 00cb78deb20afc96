// srtf: shortest remaining time first with oracle durations (the job's remaining reference
// work), preemptive: a pending job evicts running jobs with more work left (the most first).
// sjf-est / srtf-est: the same on *estimated* durations, as a real scheduler must: the job's
// own estimate (Job.estimated_duration_s) when given, else the mean duration of its tenant's
// completed jobs, else `default_estimate`. The remaining estimate of a started job is its
// estimate minus the work it has done (never below min_remaining).
// Tiresias (NSDI'19) and Gandiva use srtf/sjf as the oracle baselines.
#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class Srtf : public LaneQueue {
 public:
  Srtf(bool estimated, bool preemptive, const PolicyArgs* args)
      : estimated_(estimated), preemptive_(preemptive) {
    if (args != nullptr && estimated) {
      default_estimate_ = args->DurationOf("default_estimate");
    }
    if (args != nullptr) margin_ = args->Number("preempt_margin");
  }
  std::string_view name() const override {
    return estimated_ ? (preemptive_ ? "srtf-est" : "sjf-est") : "srtf";
  }

 protected:
  Key PendingKey(JobId id, const JobView& job) override {
    return {Remaining(id, job, nullptr), 0};
  }
  bool MayPreempt(SchedulingContext& ctx, JobId pending, JobId victim) override {
    if (!preemptive_) return false;
    const double mine = static_cast<double>(Remaining(pending, view(pending), nullptr));
    const double theirs = static_cast<double>(Remaining(victim, view(victim), &ctx));
    return mine * (1.0 + margin_) < theirs;
  }
  double VictimRank(SchedulingContext& ctx, JobId victim) override {
    return -static_cast<double>(Remaining(victim, view(victim), &ctx));  // the longest first
  }
  bool threshold_preemption() const override { return preemptive_; }
  double VictimScore(SchedulingContext& ctx, JobId victim) override {
    return static_cast<double>(Remaining(victim, view(victim), &ctx));
  }
  double PreemptThreshold(SchedulingContext&, JobId pending) override {
    return static_cast<double>(Remaining(pending, view(pending), nullptr)) * (1.0 + margin_);
  }
  // Oracle remaining work only shrinks while a job runs: its value at the start bounds it
  // after. (An estimate can grow with its tenant's history: no bound then.)
  double VictimScoreBound(SchedulingContext&) override {
    if (estimated_) return std::numeric_limits<double>::infinity();
    return at_start_.empty() ? -std::numeric_limits<double>::infinity() : *at_start_.rbegin();
  }
  void Started(SchedulingContext& ctx, JobId id) override {
    if (id >= start_score_.size()) start_score_.resize(static_cast<size_t>(id) + 1, 0);
    start_score_[id] = VictimScore(ctx, id);
    at_start_.insert(start_score_[id]);
  }
  void Stopped(JobId id, bool completed) override {
    at_start_.erase(at_start_.find(start_score_[id]));
    if (!completed || !estimated_) return;
    const JobView& v = view(id);
    if (v.tenant >= history_.size()) history_.resize(static_cast<size_t>(v.tenant) + 1);
    history_[v.tenant].sum += static_cast<double>(v.total_ref);
    ++history_[v.tenant].count;
  }

 private:
  struct History {
    double sum = 0;
    uint64_t count = 0;
  };
  // Remaining reference work: the oracle's, or the estimate less the work done. `ctx` is set
  // for a running job (its progress since the last start counts).
  Duration Remaining(JobId id, const JobView& job, SchedulingContext* ctx) const {
    const Duration oracle_left = ctx != nullptr ? ctx->RemainingRef(id) : job.duration_ref;
    if (!estimated_) return oracle_left;
    Duration estimate = job.estimate_ref;
    if (estimate == 0) {
      estimate = default_estimate_;
      if (job.tenant < history_.size() && history_[job.tenant].count > 0) {
        estimate = static_cast<Duration>(history_[job.tenant].sum /
                                          static_cast<double>(history_[job.tenant].count));
      }
    }
    const Duration done = job.total_ref - oracle_left;  // the work it has run: known
    return std::max<Duration>(estimate - done, kSecond);
  }

  const bool estimated_;
  const bool preemptive_;
  Duration default_estimate_ = kHour;
  double margin_ = 0;
  std::vector<History> history_;
  std::vector<double> start_score_;  // per job: remaining work when its attempt started
  std::multiset<double> at_start_;   // of running jobs
};

}  // namespace

std::vector<ArgSpec> SrtfArgs() {
  return {{"preempt_margin", ArgType::kNumber, "0",
           "evict only when the victim has more than (1 + margin) x the pending job's remaining "
           "work (0 = any more)",
           0, 1000}};
}

std::vector<ArgSpec> EstimateArgs() {
  return {{"default_estimate", ArgType::kDuration, "1h",
           "estimate for a job without its own when its tenant has no completed job yet", 1,
           1e11},
          {"preempt_margin", ArgType::kNumber, "0",
           "srtf-est: evict only when the victim's estimated remaining work exceeds (1 + margin) "
           "x the pending job's",
           0, 1000}};
}

std::unique_ptr<QueuePolicy> NewSrtfQueue(const PolicyArgs& args) {
  return std::make_unique<Srtf>(false, true, &args);
}
std::unique_ptr<QueuePolicy> NewSjfEstQueue(const PolicyArgs& args) {
  return std::make_unique<Srtf>(true, false, &args);
}
std::unique_ptr<QueuePolicy> NewSrtfEstQueue(const PolicyArgs& args) {
  return std::make_unique<Srtf>(true, true, &args);
}

}  // namespace burnrate
