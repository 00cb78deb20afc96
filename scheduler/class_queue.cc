#include "scheduler/class_queue.h"

#include <algorithm>
#include <bit>

namespace burnrate {

JobId ClassFifo::Front() const {
  if (live_ == 0) return retry_.begin()->first;
  if (retry_.empty()) return ids_[head_];
  return std::min(ids_[head_], retry_.begin()->first);
}

void ClassFifo::PopFront() {
  if (!retry_.empty() && (live_ == 0 || retry_.begin()->first < ids_[head_])) {
    retry_.erase(retry_.begin());
  } else {
    RemoveAt(head_);
  }
}

bool ClassFifo::FindFirstAtMost(Duration max_duration, Found* found) const {
  bool any = false;
  if (live_ > 0 && tree_[1] <= max_duration) {
    const size_t pos = Leftmost(1, 0, leaves_, max_duration);
    *found = {ids_[pos], pos};
    any = true;
  }
  for (const auto& [id, duration] : retry_) {
    if (any && id > found->id) break;
    if (duration <= max_duration) {
      *found = {id, kRetryLane};
      return true;
    }
  }
  return any;
}

void ClassFifo::Remove(const Found& found) {
  if (found.pos == kRetryLane) {
    auto it = std::find_if(retry_.begin(), retry_.end(),
                           [&](const auto& e) { return e.first == found.id; });
    retry_.erase(it);
  } else {
    RemoveAt(found.pos);
  }
}

void ClassFifo::Push(JobId id, Duration duration_ref) {
  if (any_pushed_ && id <= newest_) {
    retry_.emplace(id, duration_ref);  // queued again: older than the newest arrival
    return;
  }
  any_pushed_ = true;
  newest_ = id;
  // Compact when the removed prefix is most of the array: amortised O(1) per push.
  if (head_ > 0 && head_ >= ids_.size() / 2 && ids_.size() >= 64) {
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(head_));
    durations_.erase(durations_.begin(), durations_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
    Rebuild();
  }
  ids_.push_back(id);
  durations_.push_back(duration_ref);
  ++live_;
  if (ids_.size() > leaves_) {
    Rebuild();
    return;
  }
  size_t i = leaves_ + ids_.size() - 1;
  tree_[i] = duration_ref;
  for (i >>= 1; i >= 1; i >>= 1) {
    const Duration m = std::min(tree_[2 * i], tree_[2 * i + 1]);
    if (tree_[i] == m) break;
    tree_[i] = m;
  }
}

void ClassFifo::Rebuild() {
  leaves_ = std::bit_ceil(std::max<size_t>(ids_.size(), 16));
  tree_.assign(2 * leaves_, kRemoved);
  std::copy(durations_.begin(), durations_.end(),
            tree_.begin() + static_cast<std::ptrdiff_t>(leaves_));
  for (size_t i = leaves_; i-- > 1;) tree_[i] = std::min(tree_[2 * i], tree_[2 * i + 1]);
}

void ClassFifo::RemoveAt(size_t pos) {
  durations_[pos] = kRemoved;
  size_t i = leaves_ + pos;
  tree_[i] = kRemoved;
  for (i >>= 1; i >= 1; i >>= 1) {
    const Duration m = std::min(tree_[2 * i], tree_[2 * i + 1]);
    if (tree_[i] == m) break;
    tree_[i] = m;
  }
  --live_;
  if (live_ == 0) {
    ids_.clear();
    durations_.clear();
    head_ = 0;
    std::fill(tree_.begin(), tree_.end(), kRemoved);
    return;
  }
  while (durations_[head_] == kRemoved) ++head_;
}

size_t ClassFifo::Leftmost(size_t node, size_t lo, size_t size, Duration max_duration) const {
  if (tree_[node] > max_duration) return kRetryLane;  // "none" in a subtree search
  if (size == 1) return lo;
  const size_t half = size / 2;
  const size_t left = Leftmost(2 * node, lo, half, max_duration);
  if (left != kRetryLane) return left;
  return Leftmost(2 * node + 1, lo + half, half, max_duration);
}

void ClassFifos::Push(const JobView& job, JobId id) {
  if (job.class_id >= classes_.size()) classes_.resize(job.class_id + 1);
  classes_[job.class_id].Push(id, job.duration_ref);
  ++size_;
}

int ClassFifos::HeadClass() const {
  int best = -1;
  JobId best_id = 0;
  for (size_t c = 0; c < classes_.size(); ++c) {
    if (classes_[c].empty()) continue;
    const JobId id = classes_[c].Front();
    if (best < 0 || id < best_id) {
      best = static_cast<int>(c);
      best_id = id;
    }
  }
  return best;
}

void ClassHeaps::Push(uint32_t class_id, uint64_t key, JobId id) {
  if (class_id >= heaps_.size()) heaps_.resize(class_id + 1);
  heaps_[class_id].push({key, id});
  ++size_;
}

}  // namespace burnrate
