// priority: the highest Job.priority first (ties in arrival order); a job that does not fit
// may preempt running jobs of strictly lower priority. Victims: the lowest priority first,
// then the least work lost since their last checkpoint; victims not needed are spared.
// Kubernetes' PriorityClass preemption, with the victim choice made for lost work.
#include <limits>
#include <memory>
#include <set>

#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class Priority final : public LaneQueue {
 public:
  explicit Priority(bool preempt) : preempt_(preempt) {}
  std::string_view name() const override { return "priority"; }

 protected:
  Key PendingKey(JobId, const JobView& job) override { return {-int64_t{job.priority}, 0}; }
  bool MayPreempt(SchedulingContext&, JobId pending, JobId victim) override {
    return preempt_ && view(victim).priority < view(pending).priority;
  }
  double VictimRank(SchedulingContext&, JobId victim) override { return view(victim).priority; }
  bool threshold_preemption() const override { return preempt_; }
  double VictimScore(SchedulingContext&, JobId victim) override {
    return -static_cast<double>(view(victim).priority);
  }
  double PreemptThreshold(SchedulingContext&, JobId pending) override {
    return -static_cast<double>(view(pending).priority);
  }
  double VictimScoreBound(SchedulingContext&) override {
    return priorities_.empty() ? -std::numeric_limits<double>::infinity()
                               : -static_cast<double>(*priorities_.begin());
  }
  void Started(SchedulingContext&, JobId id) override { priorities_.insert(view(id).priority); }
  void Stopped(JobId id, bool) override { priorities_.erase(priorities_.find(view(id).priority)); }

 private:
  const bool preempt_;
  std::multiset<int32_t> priorities_;  // of running jobs
};

}  // namespace

std::vector<ArgSpec> PriorityArgs() {
  return {{"preempt", ArgType::kBool, "true",
           "evict lower-priority running jobs to start a higher-priority one"}};
}

std::unique_ptr<QueuePolicy> NewPriorityQueue(const PolicyArgs& args) {
  return std::make_unique<Priority>(args.Bool("preempt"));
}

}  // namespace burnrate
