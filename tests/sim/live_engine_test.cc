// The engine in live mode (the scheduler daemon's core): jobs submitted, started by the run's
// policies, completed and cancelled from outside, at the caller's times; the same calls give
// the same decisions.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/live_engine.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::OnePool;

JobSpec Spec(uint32_t gpus, double estimate_h = 1, std::string tenant = "default") {
  JobSpec j;
  j.gpus = gpus;
  j.duration = static_cast<Duration>(estimate_h * kHour);
  j.tenant = std::move(tenant);
  return j;
}

std::string Describe(const std::vector<LiveEvent>& events) {
  std::string out;
  for (const LiveEvent& e : events) {
    const char* kind = e.kind == LiveEvent::Kind::kStart     ? "start"
                       : e.kind == LiveEvent::Kind::kPreempt ? "preempt"
                       : e.kind == LiveEvent::Kind::kComplete ? "complete"
                                                              : "cancel";
    out += std::string(kind) + " " + std::to_string(e.job);
    for (const NodeShare& n : e.nodes) {
      out += " n" + std::to_string(n.node) + "x" + std::to_string(n.gpus);
    }
    out += "; ";
  }
  return out;
}

std::unique_ptr<LiveEngine> Engine(const std::string& queue, const std::string& placement) {
  ScenarioModel s = OnePool(2, 8, 1);  // nodes 0 and 1, 8 GPUs each
  s.policies.clear();
  auto e = LiveEngine::Create(s, PolicySpec(queue, placement), 1);
  REQUIRE(e.ok());
  return *std::move(e);
}

TEST_CASE("live: submissions start, completions free GPUs, fifo order holds", "[live]") {
  auto e = Engine("fifo", "best-fit");
  CHECK(*e->Submit(0, Spec(8)) == 0);
  CHECK(*e->Submit(0, Spec(8)) == 1);
  CHECK(*e->Submit(kSecond, Spec(4)) == 2);
  CHECK(*e->Submit(kSecond, Spec(1)) == 3);  // fifo: waits behind job 2
  // best-fit's order among equally free nodes is its own: node 1 first here.
  CHECK(Describe(e->TakeEvents()) == "start 0 n1x8; start 1 n0x8; ");
  CHECK(e->Job(2)->state == LiveJob::State::kPending);
  CHECK(e->queued() == 2);
  // Job 0 ends after 10 s (its estimate was an hour): jobs 2 and 3 start on its node.
  REQUIRE(e->Complete(10 * kSecond, 0).ok());
  CHECK(Describe(e->TakeEvents()) == "complete 0; start 2 n1x4; start 3 n1x1; ");
  const LiveJob j2 = *e->Job(2);
  CHECK(j2.state == LiveJob::State::kRunning);
  CHECK(j2.start == 10 * kSecond);
  CHECK(j2.submit == kSecond);
  REQUIRE(j2.nodes.size() == 1);
  CHECK(e->IndexInPool(j2.nodes[0].node) == 1);
  CHECK(e->PoolOf(j2.nodes[0].node) == 0);
  CHECK(e->Job(0)->state == LiveJob::State::kCompleted);
  CHECK(e->Job(0)->end == 10 * kSecond);
  // Completing twice, or a job that never ran, is refused and changes nothing.
  CHECK(e->Complete(11 * kSecond, 0).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(e->Job(99).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("live: cancelling a pending head unblocks the queue; a running job frees its GPUs",
          "[live]") {
  auto e = Engine("fifo", "first-fit");
  REQUIRE(e->Submit(0, Spec(16)).ok());  // 0: the whole cluster
  REQUIRE(e->Submit(0, Spec(16)).ok());  // 1: waits
  REQUIRE(e->Submit(0, Spec(2)).ok());   // 2: behind 1 (fifo blocks)
  CHECK(Describe(e->TakeEvents()) == "start 0 n0x8 n1x8; ");
  REQUIRE(e->Cancel(5 * kSecond, 0).ok());  // running: GPUs freed; 1 starts
  CHECK(Describe(e->TakeEvents()) == "cancel 0; start 1 n0x8 n1x8; ");
  REQUIRE(e->Submit(6 * kSecond, Spec(16)).ok());  // 3
  REQUIRE(e->Cancel(7 * kSecond, 1).ok());         // 2 then 3? fifo: 2 first (2 GPUs) ...
  CHECK(Describe(e->TakeEvents()) == "cancel 1; start 2 n0x2; ");  // ... 3 no longer fits
  REQUIRE(e->Cancel(8 * kSecond, 3).ok());  // a pending job: the queue is rebuilt without it
  CHECK(Describe(e->TakeEvents()) == "cancel 3; ");
  CHECK(e->queued() == 0);
  CHECK(e->Job(3)->state == LiveJob::State::kCancelled);
  CHECK(e->Cancel(9 * kSecond, 3).code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(e->Submit(9 * kSecond, Spec(8)).ok());  // 4: still dense ids, starts at once
  CHECK(Describe(e->TakeEvents()) == "start 4 n1x8; ");
}

TEST_CASE("live: refused submissions leave ids dense; unsupported setups are refused", "[live]") {
  auto e = Engine("fifo-skip", "best-fit");
  CHECK(e->Submit(0, Spec(17)).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(*e->Submit(0, Spec(1)) == 0);
  ScenarioModel s = OnePool(2, 8, 1);
  CHECK(LiveEngine::Create(s, PolicySpec("tiresias-las"), 1).status().code() ==
        absl::StatusCode::kInvalidArgument);
  testing::AddJob(s, 0, 1, 1);
  CHECK(LiveEngine::Create(s, PolicySpec("fifo"), 1).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("live: backfilling goes on when a running job passes its estimate", "[live]") {
  auto e = Engine("fifo-backfill", "first-fit");
  REQUIRE(e->Submit(0, Spec(12, 2.0 / 3600)).ok());  // A: 12 GPUs, "2 s"
  REQUIRE(e->Submit(0, Spec(8)).ok());               // B: the blocked head
  REQUIRE(e->Submit(0, Spec(1, 0.5 / 3600)).ok());   // C: backfills (ends before A)
  CHECK(Describe(e->TakeEvents()) == "start 0 n0x8 n1x4; start 2 n1x1; ");
  REQUIRE(e->Complete(kSecond, 2).ok());
  e->TakeEvents();
  // At 3 s A is overdue; a short 1-GPU job still fits beside B's reservation.
  REQUIRE(e->Submit(3 * kSecond, Spec(1, 0.001 / 3600)).ok());  // D
  CHECK(Describe(e->TakeEvents()) == "start 3 n1x1; ");
}

TEST_CASE("live: policies with state beyond the queue are not offered", "[live]") {
  ScenarioModel s = OnePool(2, 8, 1);
  for (const char* q : {"sjf-est", "srtf", "priority", "fair-share", "external"}) {
    INFO(q);
    CHECK(LiveEngine::Create(s, PolicySpec(q), 1).status().code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("live: the same calls give the same decisions (replay)", "[live]") {
  // A long, busy sequence with backfilling on estimates, cancellations and completions,
  // played twice on fresh engines.
  const auto play = [] {
    auto e = Engine("fifo-backfill", "best-fit");
    std::string log;
    uint64_t x = 12345;
    const auto next = [&x] {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<uint32_t>(x >> 33);
    };
    std::vector<JobId> running;
    SimTime t = 0;
    for (int step = 0; step < 3000; ++step) {
      t += static_cast<SimTime>(next() % 600) * kSecond;
      const uint32_t what = next() % 10;
      if (what < 5) {
        const uint32_t gpus = 1u << (next() % 5);
        auto id = e->Submit(t, Spec(gpus, 0.1 + (next() % 100) / 10.0));
        REQUIRE(id.ok());
      } else if (what < 9 && !running.empty()) {
        const size_t i = next() % running.size();
        REQUIRE(e->Complete(t, running[i]).ok());
      } else if (e->job_count() > 0) {
        (void)e->Cancel(t, next() % static_cast<uint32_t>(e->job_count()));  // may have ended
      }
      for (const LiveEvent& ev : e->TakeEvents()) {
        if (ev.kind == LiveEvent::Kind::kStart) running.push_back(ev.job);
        if (ev.kind == LiveEvent::Kind::kComplete || ev.kind == LiveEvent::Kind::kCancel) {
          running.erase(std::remove(running.begin(), running.end(), ev.job), running.end());
        }
        log += Describe({ev});
      }
    }
    return log;
  };
  const std::string a = play();
  CHECK(a.size() > 10000);
  CHECK(a == play());
}

}  // namespace
}  // namespace burnrate
