// The invariant checker (RunOptions::check_invariants, --check-invariants) catches a broken
// state: each corruption below is injected after one event and must stop the run with an
// Internal error naming the event, the job or pool, and the state that broke.
#include <catch2/catch.hpp>

#include <string>

#include "sim/simulation.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using Catch::Matchers::Contains;
using testing::AddJob;
using testing::OnePool;

// A low-priority job checkpointing every hour is evicted at 2.5 h by a high-priority one and
// resumes at 3.5 h: a run with a preemption, so work must be conserved across it.
ScenarioModel PreemptedRun() {
  ScenarioModel s = OnePool(1, 2, 2);
  AddJob(s, 0, 2, 10, "low");
  s.jobs.back().checkpoint_interval = kHour;
  AddJob(s, 2.5, 2, 1, "high");
  s.jobs.back().priority = 5;
  return s;
}

absl::StatusOr<RunOutput> RunCorrupted(RunOptions::Corruption what, uint64_t after_event) {
  RunOptions o;
  o.check_invariants = true;
  o.corrupt = what;
  o.corrupt_after_event = after_event;
  return Simulate(PreemptedRun(), PolicySpec{"priority", "first-fit"}, 1, o);
}

// The number of the first event after which the low job runs (the first pass places it).
uint64_t FirstEventWithAJobRunning() {
  for (uint64_t n = 1; n < 20; ++n) {
    // A leaked GPU is only visible while a job holds one: the first event that reports it is
    // the first with a job running.
    auto r = RunCorrupted(RunOptions::Corruption::kLeakGpu, n);
    if (!r.ok()) return n;
  }
  return 0;
}

TEST_CASE("a clean run with a preemption passes every check", "[sim][invariants]") {
  auto clean = RunCorrupted(RunOptions::Corruption::kNone, 0);
  INFO(clean.status().message());
  REQUIRE(clean.ok());
  CHECK(clean->result.summary().preemptions() == 1);
  CHECK(clean->result.summary().jobs_completed() == 2);
}

TEST_CASE("a GPU released behind its job's back stops the run naming the pool and the counts",
          "[sim][invariants]") {
  const uint64_t n = FirstEventWithAJobRunning();
  REQUIRE(n > 0);
  auto r = RunCorrupted(RunOptions::Corruption::kLeakGpu, n);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #" + std::to_string(n) + " (") &&
                 Contains("pool pool: running jobs hold 2 GPUs, cluster counts 1"));
}

TEST_CASE("work handed to a job from nowhere stops the run with the job's state",
          "[sim][invariants]") {
  const uint64_t n = FirstEventWithAJobRunning();
  REQUIRE(n > 0);
  auto r = RunCorrupted(RunOptions::Corruption::kExtraWork, n);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  // The low job (id 0) runs with its 10 h of work: now it has 10 h + 1 s left and none done.
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #" + std::to_string(n)) &&
                 Contains("job 0 (training, 2 GPUs, running on pool pool since t=0 s") &&
                 Contains("work: total 36000 s, done 0 s, left 36001 s; preemptions 0)") &&
                 Contains("work done plus work left is not its total work"));
}

TEST_CASE("a clock that goes back stops the run at that event", "[sim][invariants]") {
  auto r = RunCorrupted(RunOptions::Corruption::kClockBack, 3);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #3 (") && Contains("the clock went back"));
}

}  // namespace
}  // namespace burnrate
