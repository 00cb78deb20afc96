#include "sim/event_queue.h"

#include <set>

#include "absl/container/flat_hash_set.h"

namespace burnrate {
namespace {

// Reference implementation on std::set: obviously ordered, slower (a node per event).
class SetEventQueue final : public EventQueue {
 public:
  void Cancel(EventId id) override {
    if (cancelled_.insert(id).second) --live_;
  }
  size_t size() const override { return live_; }
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

  struct Less {
    bool operator()(const Event& a, const Event& b) const { return EventBefore(a, b); }
  };
  std::set<Event, Less> set_;
  absl::flat_hash_set<EventId> cancelled_;
  uint64_t next_seq_ = 0;
  size_t live_ = 0;
};

}  // namespace

void HeapEventQueue::Cancel(EventId id) {
  if (cancelled_.insert(id).second) --live_;
}

bool HeapEventQueue::TakeCancelled(EventId id) { return cancelled_.erase(id) > 0; }

std::unique_ptr<EventQueue> NewHeapEventQueue() { return std::make_unique<HeapEventQueue>(); }
std::unique_ptr<EventQueue> NewSetEventQueue() { return std::make_unique<SetEventQueue>(); }

}  // namespace burnrate
