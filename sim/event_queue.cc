#include "sim/event_queue.h"

#include <set>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace burnrate {
namespace {

// Shared bookkeeping: sequence numbers and the set of cancelled-but-still-queued ids.
// Cancellation is rare (preemption, revocation), so the set costs one branch when unused.
class QueueBase : public EventQueue {
 public:
  void Cancel(EventId id) override {
    if (cancelled_.insert(id).second) --live_;
  }
  size_t size() const override { return live_; }

 protected:
  Event Make(SimTime time, Phase phase, EventKind kind, uint32_t payload) {
    ++live_;
    return Event{time, (static_cast<uint64_t>(phase) << 56) | next_seq_++, kind, payload};
  }
  bool IsCancelled(const Event& e) const {
    return !cancelled_.empty() && cancelled_.contains(e.id());
  }
  // True when the popped event had been cancelled (and forgets it); otherwise counts it run.
  bool SkipIfCancelled(const Event& e) {
    if (!cancelled_.empty() && cancelled_.erase(e.id()) > 0) return true;
    --live_;
    return false;
  }

 private:
  absl::flat_hash_set<EventId> cancelled_;
  uint64_t next_seq_ = 0;
  size_t live_ = 0;
};

// Binary min-heap in a vector: O(log n) push and pop, no allocation in steady state.
class HeapEventQueue final : public QueueBase {
 public:
  std::string_view name() const override { return "binary-heap"; }
  EventId Schedule(SimTime time, Phase phase, EventKind kind, uint32_t payload) override {
    const Event e = Make(time, phase, kind, payload);
    heap_.push_back(e);
    SiftUp(heap_.size() - 1);
    return e.id();
  }
  bool PopNext(Event* out) override {
    while (!heap_.empty()) {
      const Event top = heap_.front();
      heap_.front() = heap_.back();
      heap_.pop_back();
      if (!heap_.empty()) SiftDown(0);
      if (SkipIfCancelled(top)) continue;
      *out = top;
      return true;
    }
    return false;
  }

  bool PeekNextTime(SimTime* out) override {
    while (!heap_.empty()) {
      if (IsCancelled(heap_.front())) {
        const Event top = heap_.front();
        heap_.front() = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) SiftDown(0);
        SkipIfCancelled(top);
        continue;
      }
      *out = heap_.front().time;
      return true;
    }
    return false;
  }

 private:
  void SiftUp(size_t i) {
    const Event e = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!EventBefore(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void SiftDown(size_t i) {
    const Event e = heap_[i];
    const size_t n = heap_.size();
    while (true) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && EventBefore(heap_[child + 1], heap_[child])) ++child;
      if (!EventBefore(heap_[child], e)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
};

// Reference implementation on std::set: obviously ordered, slower (a node per event).
class SetEventQueue final : public QueueBase {
 public:
  std::string_view name() const override { return "ordered-set"; }
  EventId Schedule(SimTime time, Phase phase, EventKind kind, uint32_t payload) override {
    const Event e = Make(time, phase, kind, payload);
    set_.insert(e);
    return e.id();
  }
  bool PopNext(Event* out) override {
    while (!set_.empty()) {
      const Event top = *set_.begin();
      set_.erase(set_.begin());
      if (SkipIfCancelled(top)) continue;
      *out = top;
      return true;
    }
    return false;
  }

  bool PeekNextTime(SimTime* out) override {
    while (!set_.empty()) {
      const Event top = *set_.begin();
      if (IsCancelled(top)) {
        set_.erase(set_.begin());
        SkipIfCancelled(top);
        continue;
      }
      *out = top.time;
      return true;
    }
    return false;
  }

 private:
  struct Less {
    bool operator()(const Event& a, const Event& b) const { return EventBefore(a, b); }
  };
  std::set<Event, Less> set_;
};

}  // namespace

std::unique_ptr<EventQueue> NewHeapEventQueue() { return std::make_unique<HeapEventQueue>(); }
std::unique_ptr<EventQueue> NewSetEventQueue() { return std::make_unique<SetEventQueue>(); }

}  // namespace burnrate
