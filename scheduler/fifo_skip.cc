// fifo-skip: non-blocking FIFO, what YARN's capacity scheduler and the Kubernetes default
// scheduler run. Walk the pending jobs in (submit time, id) order and start each one whose gang
// fits now; a job that does not fit is skipped, never reserved for, so large gangs can starve.
//
// Equivalent walk without touching every job: within a class all jobs fit or none does, and a
// pass only takes capacity away, so "start the earliest job among the classes that fit, repeat"
// starts exactly the jobs the queue walk would. A pass costs O(classes x (starts + 1)).
#include <memory>
#include <vector>

#include "scheduler/class_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class FifoSkip final : public QueuePolicy {
 public:
  std::string_view name() const override { return "fifo-skip"; }
  void Enqueue(JobId id, const JobView& job) override { queue_.Push(job, id); }
  size_t size() const override { return queue_.size(); }

  void Schedule(SchedulingContext& ctx) override {
    if (queue_.size() == 0) return;
    blocked_.assign(queue_.class_count(), 0);
    StartSmallestFitting(
        ctx, queue_.class_count(), &blocked_,
        [&](uint32_t c, ClassCandidate* out) {
          if (queue_.of(c).empty()) return false;
          out->key = out->id = queue_.of(c).Front();
          return true;
        },
        [&](uint32_t c, const ClassCandidate&) { queue_.PopFront(c); });
  }

 private:
  ClassFifos queue_;
  std::vector<uint8_t> blocked_;  // per class, reset each pass
};

}  // namespace

std::unique_ptr<QueuePolicy> NewFifoSkipQueue() { return std::make_unique<FifoSkip>(); }

}  // namespace burnrate
