// Pending-queue indexes shared by the built-in queue policies. Jobs are split by class (same
// gang size and GPU-type constraint): within a class every job fits or none does, so a pass
// checks each class once instead of each job.
#ifndef BURNRATE_SCHEDULER_CLASS_QUEUE_H_
#define BURNRATE_SCHEDULER_CLASS_QUEUE_H_

#include <cstdint>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

#include "scheduler/policy.h"

namespace burnrate {

// One class's jobs in arrival (id) order, with "leftmost job whose duration is <= X" in
// O(log n) for backfilling. Append-only with lazy removal; the removed prefix is compacted
// away, so memory is O(jobs pending) amortised.
class ClassFifo {
 public:
  bool empty() const { return live_ == 0; }
  size_t size() const { return live_; }
  // REQUIRES: id greater than every id pushed before.
  void Push(JobId id, Duration duration_ref);
  // REQUIRES: !empty().
  JobId Front() const { return ids_[head_]; }
  void PopFront() { Remove(head_); }
  // Position of the leftmost live job with duration_ref <= max_duration, or npos.
  size_t FindFirstAtMost(Duration max_duration) const;
  JobId IdAt(size_t pos) const { return ids_[pos]; }
  void Remove(size_t pos);
  static constexpr size_t npos = std::numeric_limits<size_t>::max();

 private:
  static constexpr Duration kRemoved = std::numeric_limits<Duration>::max();
  void Rebuild();
  size_t Leftmost(size_t node, size_t lo, size_t size, Duration max_duration) const;

  std::vector<JobId> ids_;
  std::vector<Duration> durations_;
  size_t head_ = 0;    // first live position (all before are removed)
  size_t live_ = 0;
  size_t leaves_ = 0;  // tree capacity, power of two >= ids_.size()
  std::vector<Duration> tree_;  // min over ranges; 1-based heap layout
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
  void Remove(uint32_t class_id, size_t pos) {
    classes_[class_id].Remove(pos);
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

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_CLASS_QUEUE_H_
