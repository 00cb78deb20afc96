// The future event list. Events are ordered by (time, phase, sequence): equal times replay in
// phase order, then in the order they were scheduled, so every run is reproducible (ns-3's
// rule, plus a phase so that e.g. completions at time t free GPUs before the scheduling pass
// at t). Cancelled events are flagged and skipped when they reach the front, never searched for.
//
// Two implementations pass the same conformance test (tests/sim/event_queue_test.cc): a binary
// heap (the default) and an ordered set (the reference). Not thread-safe.
#ifndef BURNRATE_SIM_EVENT_QUEUE_H_
#define BURNRATE_SIM_EVENT_QUEUE_H_

#include <cstdint>
#include <memory>
#include <string_view>

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
  kTest
};

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

std::unique_ptr<EventQueue> NewHeapEventQueue();
std::unique_ptr<EventQueue> NewSetEventQueue();

}  // namespace burnrate

#endif  // BURNRATE_SIM_EVENT_QUEUE_H_
