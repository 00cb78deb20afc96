// Pending-queue indexes shared by the built-in queue policies. Jobs are split by class (same
// gang size and GPU-type constraint): within a class every job fits or none does, so a pass
// checks each class once instead of each job.
#ifndef BURNRATE_SCHEDULER_CLASS_QUEUE_H_
#define BURNRATE_SCHEDULER_CLASS_QUEUE_H_

#include <cstdint>
#include <limits>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "scheduler/policy.h"

namespace burnrate {

// One class's jobs in arrival (id) order, with "earliest job whose duration is <= X" for
// backfilling. Two lanes: first arrivals are appended to an array with lazy removal and a min
// segment tree of durations (O(log n) search; the removed prefix is compacted away); jobs
// queued again after a preemption (ids older than the newest) go to a small ordered retry lane
// (searched linearly: it holds only preempted jobs, which leave first).
class ClassFifo {
 public:
  bool empty() const { return live_ == 0 && retry_.empty(); }
  size_t size() const { return live_ + retry_.size(); }
  void Push(JobId id, Duration duration_ref);
  // The earliest-arrived job. REQUIRES: !empty().
  JobId Front() const;
  void PopFront();
  // The earliest-arrived job with duration_ref <= max_duration, if any. `pos` is for Remove.
  struct Found {
    JobId id = 0;
    size_t pos = 0;
  };
  bool FindFirstAtMost(Duration max_duration, Found* found) const;
  void Remove(const Found& found);

 private:
  static constexpr Duration kRemoved = std::numeric_limits<Duration>::max();
  static constexpr size_t kRetryLane = std::numeric_limits<size_t>::max();
  void RemoveAt(size_t pos);
  void Rebuild();
  size_t Leftmost(size_t node, size_t lo, size_t size, Duration max_duration) const;

  std::vector<JobId> ids_;
  std::vector<Duration> durations_;
  size_t head_ = 0;    // first live position (all before are removed)
  size_t live_ = 0;
  size_t leaves_ = 0;  // tree capacity, power of two >= ids_.size()
  std::vector<Duration> tree_;  // min over ranges; 1-based heap layout
  bool any_pushed_ = false;
  JobId newest_ = 0;            // largest id ever appended
  std::set<std::pair<JobId, Duration>> retry_;
};

// All classes' FIFOs, indexed by class id.
class ClassFifos {
 public:
  void Push(const JobView& job, JobId id);
  size_t size() const { return size_; }
  size_t class_count() const { return classes_.size(); }
  ClassFifo& of(uint32_t class_id) { return classes_[class_id]; }
  // The class holding the earliest-arrived pending job, or -1 when empty. O(classes).
  int HeadClass() const;
  void PopFront(uint32_t class_id) {
    classes_[class_id].PopFront();
    --size_;
  }
  void Remove(uint32_t class_id, const ClassFifo::Found& found) {
    classes_[class_id].Remove(found);
    --size_;
  }

 private:
  std::vector<ClassFifo> classes_;
  size_t size_ = 0;
};

// Per-class min-heaps on (key, id): the SJF family.
class ClassHeaps {
 public:
  void Push(uint32_t class_id, uint64_t key, JobId id);
  size_t size() const { return size_; }
  size_t class_count() const { return heaps_.size(); }
  bool empty(uint32_t class_id) const { return heaps_[class_id].empty(); }
  std::pair<uint64_t, JobId> Top(uint32_t class_id) const { return heaps_[class_id].top(); }
  void Pop(uint32_t class_id) {
    heaps_[class_id].pop();
    --size_;
  }

 private:
  using Entry = std::pair<uint64_t, JobId>;
  std::vector<std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>>> heaps_;
  size_t size_ = 0;
};

// A job a class offers to a pass: smaller (key, id) goes first; `pos` is the policy's own.
struct ClassCandidate {
  uint64_t key = 0;
  JobId id = 0;
  size_t pos = 0;
  bool operator<(const ClassCandidate& o) const {
    return key < o.key || (key == o.key && id < o.id);
  }
};

// The non-blocking pass shared by fifo-skip, sjf and EASY's backfill step: repeatedly start the
// smallest candidate among the classes that fit, until no class fits or offers a candidate.
// `candidate(c, &out)` returns false when class c has nothing to offer (this pass);
// `started(c, cand)` removes a started job from the policy's queue. A class that does not fit
// stays blocked for the rest of the pass (capacity only shrinks during a pass).
// Cost: O(classes x (starts + 1)) class checks.
template <typename CandidateFn, typename StartedFn>
void StartSmallestFitting(SchedulingContext& ctx, size_t class_count,
                          std::vector<uint8_t>* blocked, CandidateFn candidate,
                          StartedFn started) {
  blocked->resize(class_count);
  while (true) {
    int best = -1;
    ClassCandidate best_cand;
    for (uint32_t c = 0; c < class_count; ++c) {
      if ((*blocked)[c]) continue;
      ClassCandidate cand;
      if (!candidate(c, &cand) || !ctx.ClassFits(c)) {
        (*blocked)[c] = 1;
        continue;
      }
      if (best < 0 || cand < best_cand) {
        best = static_cast<int>(c);
        best_cand = cand;
      }
    }
    if (best < 0) return;
    const uint32_t cls = static_cast<uint32_t>(best);
    if (ctx.TryStart(best_cand.id)) {
      started(cls, best_cand);
    } else {
      (*blocked)[cls] = 1;
    }
  }
}

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_CLASS_QUEUE_H_
