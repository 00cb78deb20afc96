// One conformance test, run against every EventQueue implementation.
#include "sim/event_queue.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <vector>

#include "sim/model/rng.h"

namespace burnrate {
namespace {

using Factory = std::function<std::unique_ptr<EventQueue>()>;

std::vector<std::pair<const char*, Factory>> Implementations() {
  return {{"binary-heap", NewHeapEventQueue}, {"ordered-set", NewSetEventQueue}};
}

std::vector<Event> Drain(EventQueue& q) {
  std::vector<Event> out;
  Event e;
  while (q.PopNext(&e)) out.push_back(e);
  return out;
}

TEST_CASE("event queues order by time and then phase and then scheduling order", "[sim][events]") {
  for (const auto& [name, make] : Implementations()) {
    SECTION(name) {
      auto q = make();
      q->Schedule(20, Phase::kArrive, EventKind::kTest, 1);
      q->Schedule(10, Phase::kObserve, EventKind::kTest, 2);
      q->Schedule(10, Phase::kRelease, EventKind::kTest, 3);
      q->Schedule(10, Phase::kObserve, EventKind::kTest, 4);
      q->Schedule(10, Phase::kRelease, EventKind::kTest, 5);
      q->Schedule(5, Phase::kSchedule, EventKind::kTest, 6);
      REQUIRE(q->size() == 6);
      std::vector<uint32_t> payloads;
      for (const Event& e : Drain(*q)) payloads.push_back(e.payload);
      CHECK(payloads == std::vector<uint32_t>{6, 3, 5, 2, 4, 1});
      CHECK(q->size() == 0);
    }
  }
}

TEST_CASE("cancelled events are skipped and not counted", "[sim][events]") {
  for (const auto& [name, make] : Implementations()) {
    SECTION(name) {
      auto q = make();
      const EventId a = q->Schedule(1, Phase::kArrive, EventKind::kTest, 1);
      const EventId b = q->Schedule(2, Phase::kArrive, EventKind::kTest, 2);
      q->Schedule(3, Phase::kArrive, EventKind::kTest, 3);
      q->Cancel(b);
      q->Cancel(b);  // twice is a no-op
      CHECK(q->size() == 2);
      Event e;
      REQUIRE(q->PopNext(&e));
      CHECK(e.id() == a);
      REQUIRE(q->PopNext(&e));
      CHECK(e.payload == 3);
      CHECK_FALSE(q->PopNext(&e));
      // A cancelled head is skipped too.
      const EventId c = q->Schedule(4, Phase::kArrive, EventKind::kTest, 4);
      q->Schedule(5, Phase::kArrive, EventKind::kTest, 5);
      q->Cancel(c);
      REQUIRE(q->PopNext(&e));
      CHECK(e.payload == 5);
    }
  }
}

TEST_CASE("every implementation pops the same sequence under random interleavings",
          "[sim][events]") {
  // Random pushes (many equal times), pops and cancels; all implementations must agree with
  // each other and with the order rule, event for event.
  std::vector<std::vector<Event>> sequences;
  for (const auto& [name, make] : Implementations()) {
    auto q = make();
    Rng rng(42);
    std::vector<EventId> live;
    std::vector<Event> popped;
    // Oracle: the live events, ordered by the rule; every pop must return its first element.
    auto before = [](const Event& a, const Event& b) { return EventBefore(a, b); };
    std::set<Event, decltype(before)> oracle(before);
    std::map<EventId, Event> by_id;
    SimTime now = 0;
    for (int step = 0; step < 20000; ++step) {
      const uint64_t op = rng.UniformInt(10);
      if (op < 6) {
        const SimTime t = now + static_cast<SimTime>(rng.UniformInt(50));
        const Phase ph = static_cast<Phase>(rng.UniformInt(4));
        const EventId id = q->Schedule(t, ph, EventKind::kTest, static_cast<uint32_t>(step));
        live.push_back(id);
        Event e{t, (static_cast<uint64_t>(ph) << 56) | id, EventKind::kTest,
                static_cast<uint32_t>(step)};
        oracle.insert(e);
        by_id[id] = e;
      } else if (op < 9) {
        Event e;
        if (q->PopNext(&e)) {
          REQUIRE(e.time >= now);  // time never goes back
          REQUIRE(e.order == oracle.begin()->order);
          oracle.erase(oracle.begin());
          now = e.time;
          popped.push_back(e);
          std::erase(live, e.id());
        }
      } else if (!live.empty()) {
        const size_t i = rng.UniformInt(live.size());
        q->Cancel(live[i]);
        oracle.erase(by_id[live[i]]);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      }
      REQUIRE(q->size() == live.size());
    }
    for (const Event& e : Drain(*q)) {
      REQUIRE(e.order == oracle.begin()->order);
      oracle.erase(oracle.begin());
      popped.push_back(e);
    }
    REQUIRE(oracle.empty());
    sequences.push_back(std::move(popped));
  }
  for (size_t k = 1; k < sequences.size(); ++k) {
    REQUIRE(sequences[k].size() == sequences[0].size());
    for (size_t i = 0; i < sequences[0].size(); ++i) {
      REQUIRE(sequences[k][i].order == sequences[0][i].order);
      REQUIRE(sequences[k][i].time == sequences[0][i].time);
    }
  }
}

}  // namespace
}  // namespace burnrate
