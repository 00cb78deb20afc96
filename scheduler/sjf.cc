// sjf: shortest job first with oracle run times (the job's duration on the reference GPU).
// Pending jobs are considered shortest first (ties by arrival) and every job that fits starts;
// one that does not fit is skipped, as in the SJF baselines of Tiresias (NSDI'19) and the
// Alibaba PAI simulator. Not preemptive (srtf comes with the policy library).
#include <memory>
#include <tuple>
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
    StartSmallestFitting(
        ctx, heaps_.class_count(), &blocked_,
        [&](uint32_t c, ClassCandidate* out) {
          if (heaps_.empty(c)) return false;
          std::tie(out->key, out->id) = heaps_.Top(c);
          return true;
        },
        [&](uint32_t c, const ClassCandidate&) { heaps_.Pop(c); });
  }

 private:
  ClassHeaps heaps_;
  std::vector<uint8_t> blocked_;
};

}  // namespace

std::unique_ptr<QueuePolicy> NewSjfQueue() { return std::make_unique<Sjf>(); }

}  // namespace burnrate
