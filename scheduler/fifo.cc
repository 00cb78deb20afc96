// fifo: strict first-in-first-out. Jobs start in arrival order; when the oldest pending job
// does not fit, nothing behind it starts (head-of-line blocking, as in a plain batch queue).
#include <memory>

#include "scheduler/class_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class Fifo final : public QueuePolicy {
 public:
  std::string_view name() const override { return "fifo"; }
  void Enqueue(JobId id, const JobView& job) override { queue_.Push(job, id); }
  size_t size() const override { return queue_.size(); }

  void Schedule(SchedulingContext& ctx) override {
    for (int c = queue_.HeadClass(); c >= 0; c = queue_.HeadClass()) {
      const uint32_t cls = static_cast<uint32_t>(c);
      if (!ctx.ClassFits(cls) || !ctx.TryStart(queue_.of(cls).Front())) return;
      queue_.PopFront(cls);
    }
  }

 private:
  ClassFifos queue_;
};

}  // namespace

std::unique_ptr<QueuePolicy> NewFifoQueue() { return std::make_unique<Fifo>(); }

}  // namespace burnrate
