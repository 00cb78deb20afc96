// sjf: shortest job first with oracle run times (the job's duration on the reference GPU).
// Pending jobs are considered shortest first (ties by arrival) and every job that fits starts;
// one that does not fit is skipped, as in the SJF baselines of Tiresias (NSDI'19) and the
// Alibaba PAI simulator. Not preemptive (srtf comes with the policy library).
#include <memory>
#include <vector>

#include "scheduler/class_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class Sjf final : public QueuePolicy {
 public:
  std::string_view name() const override { return "sjf"; }
  void Enqueue(JobId id, const JobView& job) override {
    heaps_.Push(job.class_id, static_cast<uint64_t>(job.duration_ref), id);
  }
  size_t size() const override { return heaps_.size(); }

  void Schedule(SchedulingContext& ctx) override {
    if (heaps_.size() == 0) return;
    blocked_.assign(heaps_.class_count(), 0);
    while (true) {
      int best = -1;
      std::pair<uint64_t, JobId> best_top{};
      for (uint32_t c = 0; c < heaps_.class_count(); ++c) {
        if (blocked_[c] || heaps_.empty(c)) continue;
        if (!ctx.ClassFits(c)) {
          blocked_[c] = 1;
          continue;
        }
        const auto top = heaps_.Top(c);
        if (best < 0 || top < best_top) {
          best = static_cast<int>(c);
          best_top = top;
        }
      }
      if (best < 0) return;
      const uint32_t cls = static_cast<uint32_t>(best);
      if (ctx.TryStart(best_top.second)) {
        heaps_.Pop(cls);
      } else {
        blocked_[cls] = 1;
      }
    }
  }

 private:
  ClassHeaps heaps_;
  std::vector<uint8_t> blocked_;
};

}  // namespace

std::unique_ptr<QueuePolicy> NewSjfQueue() { return std::make_unique<Sjf>(); }

}  // namespace burnrate
