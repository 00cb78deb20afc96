// The future event list. Events are ordered by (time, phase, sequence): equal times replay in
// phase order, then in the order they were scheduled, so every run is reproducible (ns-3's
// rule, plus a phase so that e.g. completions at time t free GPUs before the scheduling pass
// at t). Cancelled events are flagged and skipped when they reach the front, never searched for.
//
// Two implementations pass the same conformance test (tests/sim/event_queue_test.cc): a 4-ary
// heap (the default) and an ordered set (the reference). Not thread-safe.
#ifndef BURNRATE_SIM_EVENT_QUEUE_H_
#define BURNRATE_SIM_EVENT_QUEUE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "sim/model/time.h"

namespace burnrate {

// Event kinds the world dispatches on. Order of declaration is irrelevant; phases decide.
enum class EventKind : uint8_t {
  kComplete,
  kArrival,
  kSchedule,
  kSample,
  kCapacity,
  kNodeReady,
  kScaleDown,
  kRevoke,
  kReclaim,
  kRestore,
  kPriceChange,
  kAvailability,
  kServiceTick,     // payload: service index (autoscaler decision)
  kReplicaReady,    // payload: the replica's job id (end of its cold start)
  kReplicaDrained,  // payload: the replica's job id (its last request done)
  kNodeFailure,     // payload: the node
  kRackFailure,     // payload: an index into the world's failing racks
  kRepair,          // payload: the node
  kTracedFailure,   // payload: an index into the world's traced failures
  kTest
};

// The kind's name in messages ("complete", "reclaim", ...).
constexpr std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kComplete: return "complete";
    case EventKind::kArrival: return "arrival";
    case EventKind::kSchedule: return "schedule";
    case EventKind::kSample: return "sample";
    case EventKind::kCapacity: return "capacity";
    case EventKind::kNodeReady: return "node-ready";
    case EventKind::kScaleDown: return "scale-down";
    case EventKind::kRevoke: return "revoke";
    case EventKind::kReclaim: return "reclaim";
    case EventKind::kRestore: return "restore";
    case EventKind::kPriceChange: return "price-change";
    case EventKind::kAvailability: return "availability";
    case EventKind::kServiceTick: return "service-tick";
    case EventKind::kReplicaReady: return "replica-ready";
    case EventKind::kReplicaDrained: return "replica-drained";
    case EventKind::kNodeFailure: return "node-failure";
    case EventKind::kRackFailure: return "rack-failure";
    case EventKind::kRepair: return "repair";
    case EventKind::kTracedFailure: return "traced-failure";
    case EventKind::kTest: return "test";
  }
  return "?";
}

// Lower phases run first among events with the same time.
enum class Phase : uint8_t { kRelease = 0, kArrive = 1, kSchedule = 2, kObserve = 3 };

// Identifies one scheduled event (its sequence number), for cancellation.
using EventId = uint64_t;

struct Event {
  SimTime time = 0;
  uint64_t order = 0;  // phase in the top 8 bits, sequence below: one comparison orders both
  EventKind kind = EventKind::kTest;
  uint32_t payload = 0;  // e.g. a job id or a source index

  Phase phase() const { return static_cast<Phase>(order >> 56); }
  EventId id() const { return order & kSequenceMask; }
  static constexpr uint64_t kSequenceMask = (uint64_t{1} << 56) - 1;
};

inline bool EventBefore(const Event& a, const Event& b) {
  return a.time < b.time || (a.time == b.time && a.order < b.order);
}

class EventQueue {
 public:
  virtual ~EventQueue() = default;
  // Schedules an event; returns its id. REQUIRES: fewer than 2^56 events ever scheduled.
  virtual EventId Schedule(SimTime time, Phase phase, EventKind kind, uint32_t payload) = 0;
  // Flags the event so PopNext skips it. REQUIRES: the event is scheduled and has not run yet
  // (the caller knows: e.g. a running job's completion). Cancelling twice is a no-op. O(1).
  virtual void Cancel(EventId id) = 0;
  // Removes and returns the next live event. Returns false when none is left.
  virtual bool PopNext(Event* out) = 0;
  // Time of the next live event, without removing it (cancelled events ahead of it are
  // dropped). Returns false when none is left. For the live engine's AdvanceTo.
  virtual bool PeekNextTime(SimTime* out) = 0;
  // Live events waiting (scheduled, not run, not cancelled).
  virtual size_t size() const = 0;
  virtual std::string_view name() const = 0;
};

// The default: a 4-ary min-heap in a vector (half the levels of a binary heap; the four
// children of a node are adjacent, so a level costs one or two cache lines), with a deferred
// pop: PopNext leaves a hole at the root, and the next Schedule drops its event into the hole
// and sifts it down, so the common "pop one, schedule one" costs one sift instead of two. The
// hole is closed (the last element moved into it and sifted down) only when PopNext or
// PeekNextTime come first. Keys compare as one 128-bit integer (time, order).
// Declared here, final and inline, so the World calls it without virtual dispatch (EventList).
class HeapEventQueue final : public EventQueue {
 public:
  std::string_view name() const override { return "4-ary-heap"; }
  EventId Schedule(SimTime time, Phase phase, EventKind kind, uint32_t payload) override {
    const Event e{time, (static_cast<uint64_t>(phase) << 56) | next_seq_++, kind, payload};
    ++live_;
    if (hole_) {
      hole_ = false;
      SiftDown(0, e);
    } else {
      heap_.push_back(e);
      SiftUp(heap_.size() - 1, e);
    }
    return e.id();
  }
  void Cancel(EventId id) override;
  bool PopNext(Event* out) override {
    while (true) {
      if (hole_) CloseHole();
      if (heap_.empty()) return false;
      hole_ = true;  // heap_[0] is taken; it stays readable until the hole is filled
      if (!cancelled_.empty() && TakeCancelled(heap_[0].id())) continue;
      --live_;
      *out = heap_[0];
      return true;
    }
  }
  bool PeekNextTime(SimTime* out) override {
    while (true) {
      if (hole_) CloseHole();
      if (heap_.empty()) return false;
      if (!cancelled_.empty() && TakeCancelled(heap_[0].id())) {
        hole_ = true;
        continue;
      }
      *out = heap_[0].time;
      return true;
    }
  }
  size_t size() const override { return live_; }

 private:
  static constexpr size_t kArity = 4;
  // (time, order) as one unsigned 128-bit key; the sign bit of time is flipped so that
  // negative times (never scheduled by the World, but allowed) still order first.
  __extension__ typedef unsigned __int128 Key;
  static Key KeyOf(const Event& e) {
    return (static_cast<Key>(static_cast<uint64_t>(e.time) ^ (uint64_t{1} << 63)) << 64) | e.order;
  }
  void SiftUp(size_t i, const Event& e) {
    const Key k = KeyOf(e);
    while (i > 0) {
      const size_t parent = (i - 1) / kArity;
      if (!(k < KeyOf(heap_[parent]))) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  // Places e at the hole i and moves it down to where it belongs.
  void SiftDown(size_t i, const Event& e) {
    const Key k = KeyOf(e);
    const size_t n = heap_.size();
    Event* const h = heap_.data();
    while (true) {
      const size_t first = kArity * i + 1;
      if (first >= n) break;
      // Branches, not conditional moves: a predicted branch lets the CPU start loading the
      // next level before this one is decided, which wins once the heap outgrows the caches
      // (measured: branch-free selection was 1.6x slower at 10^4 pending, 1.9x at 10^6).
      const size_t end = std::min(n, first + kArity);
      size_t best = first;
      Key best_key = KeyOf(h[first]);
      for (size_t c = first + 1; c < end; ++c) {
        const Key kc = KeyOf(h[c]);
        if (kc < best_key) {
          best = c;
          best_key = kc;
        }
      }
      if (!(best_key < k)) break;
      h[i] = h[best];
      i = best;
    }
    h[i] = e;
  }
  // True when `id` was cancelled (and forgets it). Out of line: the hash lookup is the rare path.
  bool TakeCancelled(EventId id);
  // The root was popped: move the last element into it.
  void CloseHole() {
    hole_ = false;
    const Event last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) SiftDown(0, last);
  }

  std::vector<Event> heap_;
  bool hole_ = false;  // heap_[0] was popped and not yet replaced
  uint64_t next_seq_ = 0;
  size_t live_ = 0;
  // Cancelled but still queued: rare (preemption, revocation), so one branch when empty.
  absl::flat_hash_set<EventId> cancelled_;
};

std::unique_ptr<EventQueue> NewHeapEventQueue();
std::unique_ptr<EventQueue> NewSetEventQueue();

// What the World holds: the heap, called directly (inlined, no virtual dispatch), or the
// reference set behind the interface when a test asks for it (RunOptions::reference_event_queue).
class EventList {
 public:
  explicit EventList(bool reference) : reference_(reference ? NewSetEventQueue() : nullptr) {}
  EventId Schedule(SimTime time, Phase phase, EventKind kind, uint32_t payload) {
    return reference_ ? reference_->Schedule(time, phase, kind, payload)
                      : heap_.Schedule(time, phase, kind, payload);
  }
  void Cancel(EventId id) { reference_ ? reference_->Cancel(id) : heap_.Cancel(id); }
  bool PopNext(Event* out) { return reference_ ? reference_->PopNext(out) : heap_.PopNext(out); }
  bool PeekNextTime(SimTime* out) {
    return reference_ ? reference_->PeekNextTime(out) : heap_.PeekNextTime(out);
  }
  size_t size() const { return reference_ ? reference_->size() : heap_.size(); }

 private:
  HeapEventQueue heap_;
  std::unique_ptr<EventQueue> reference_;
};

// The dispatch loop of a run (World::Run), shared with bench/engine_bench.cc so that the engine
// benchmark measures this very loop: pops events in (time, phase, sequence) order and hands
// each to `dispatch` (a callable taking const Event& and returning absl::Status) until the list
// is empty or time passes `horizon`. The horizon is exclusive for everything but completions: a
// job ending exactly at the horizon has held its GPUs for [start, horizon) and is done; nothing
// else happens then. `cancel` (may be null) is read once per event: a cancelled run stops
// within one event. `now` is the time of the last event dispatched (time never goes back).
template <typename Dispatch>
absl::Status DispatchEvents(EventList& events, SimTime horizon, const std::atomic<bool>* cancel,
                            const SimTime& now, Dispatch&& dispatch) {
  Event e;
  while (events.PopNext(&e)) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return absl::CancelledError("the run was cancelled");
    }
    if (e.time > horizon) break;
    if (e.time == horizon && e.kind != EventKind::kComplete) continue;
    if (e.time < now) {
      return absl::InternalError(absl::StrCat("time went back from ", now, " to ", e.time));
    }
    if (absl::Status st = dispatch(e); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace burnrate

#endif  // BURNRATE_SIM_EVENT_QUEUE_H_
