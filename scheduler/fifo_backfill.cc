// fifo-backfill: EASY backfilling (Lifka 1995; Mu'alem & Feitelson, IEEE TPDS 2001) with exact
// (oracle) run times. Jobs start in arrival order. When the oldest job (the head) does not fit,
// it gets a reservation at its shadow time: the earliest time it fits if running jobs end as
// expected. A later job may then start now if it fits and would finish, on the slowest pool it
// may use, no later than the shadow time, so the head is never delayed. (EASY's second rule,
// "or uses only nodes the head will not need", is not applied: placement here is node-granular
// and the head's future nodes are not fixed in advance.)
//
// The shadow time depends only on the head and the running jobs; backfilled jobs end before it,
// so it is computed once per head. Each backfill start costs O(classes x log queue).
#include <memory>
#include <vector>

#include "scheduler/class_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class FifoBackfill final : public QueuePolicy {
 public:
  std::string_view name() const override { return "fifo-backfill"; }
  void Enqueue(JobId id, const JobView& job) override { queue_.Push(job, id); }
  size_t size() const override { return queue_.size(); }

  void Schedule(SchedulingContext& ctx) override {
    // Start heads in order while they fit.
    int head_class = queue_.HeadClass();
    while (head_class >= 0) {
      const uint32_t cls = static_cast<uint32_t>(head_class);
      if (!ctx.ClassFits(cls) || !ctx.TryStart(queue_.of(cls).Front())) break;
      queue_.PopFront(cls);
      head_class = queue_.HeadClass();
    }
    if (head_class < 0) return;
    const uint32_t head_cls = static_cast<uint32_t>(head_class);
    const JobId head = queue_.of(head_cls).Front();
    const SimTime now = ctx.now();
    if (!has_shadow_ || shadow_head_ != head || shadow_ <= now ||
        shadow_epoch_ != ctx.capacity_epoch()) {
      shadow_ = ctx.EarliestFit(head);
      shadow_head_ = head;
      shadow_epoch_ = ctx.capacity_epoch();
      has_shadow_ = true;
    }
    // No reservation can be computed (the head waits for capacity that is not provisioned yet:
    // booting nodes, a commitment that starts later, spot capacity coming back): every job that
    // fits may start, as under fifo-skip. The head still goes first in every pass, so it takes
    // new capacity as soon as that capacity can hold it.
    const Duration window = shadow_ == kTimeInfinity ? kTimeInfinity : shadow_ - now;

    // Backfill: repeatedly start the earliest-arrived job, over the classes that fit, that
    // finishes within the window. The head's class does not fit (else the head would have
    // started), and a class with no job short enough stays out: the window is fixed.
    blocked_.assign(queue_.class_count(), 0);
    blocked_[head_cls] = 1;
    StartSmallestFitting(
        ctx, queue_.class_count(), &blocked_,
        [&](uint32_t c, ClassCandidate* out) {
          const double speed = ctx.job_class(c).min_speed;
          // Largest reference duration whose run time on the slowest pool fits the window,
          // then the exact check against the simulator's rounding of run times.
          const auto max_ref =
              window == kTimeInfinity
                  ? kTimeInfinity - 1
                  : static_cast<Duration>(static_cast<double>(window) * speed);
          ClassFifo::Found found;
          if (!queue_.of(c).FindFirstAtMost(max_ref, &found)) return false;
          const JobView& job = ctx.job(found.id);
          if (window != kTimeInfinity &&
              SchedulingContext::Runtime(job.duration_ref, speed) + job.restart_overhead >
                  window) {
            return false;
          }
          out->key = out->id = found.id;
          out->pos = found.pos;
          return true;
        },
        [&](uint32_t c, const ClassCandidate& cand) {
          queue_.Remove(c, ClassFifo::Found{cand.id, cand.pos});
        });
  }

 private:
  ClassFifos queue_;
  std::vector<uint8_t> blocked_;
  bool has_shadow_ = false;
  JobId shadow_head_ = 0;
  SimTime shadow_ = 0;
  uint64_t shadow_epoch_ = 0;
};

}  // namespace

std::unique_ptr<QueuePolicy> NewFifoBackfillQueue() { return std::make_unique<FifoBackfill>(); }

}  // namespace burnrate
