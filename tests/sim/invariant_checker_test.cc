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

// Events at t=0 run in phase order: #1 the low job's arrival, #2 the scheduling pass that
// starts it. So after event #2 a job holds the pool's two GPUs.
constexpr uint64_t kFirstPass = 2;

TEST_CASE("a clean run with a preemption passes every check", "[sim][invariants]") {
  auto clean = RunCorrupted(RunOptions::Corruption::kNone, 0);
  INFO(clean.status().message());
  REQUIRE(clean.ok());
  CHECK(clean->result.summary().preemptions() == 1);
  CHECK(clean->result.summary().jobs_completed() == 2);
}

TEST_CASE("a GPU released behind its job's back stops the run naming the pool and the counts",
          "[sim][invariants]") {
  auto r = RunCorrupted(RunOptions::Corruption::kLeakGpu, kFirstPass);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #2 (schedule, payload 0) at t=0 s: ") &&
                 Contains("pool pool: running jobs hold 2 GPUs, cluster counts 1"));
  // Before any job runs there is nothing to leak: the arrival passes.
  auto early = RunCorrupted(RunOptions::Corruption::kLeakGpu, 1);
  CHECK(early.ok());
}

TEST_CASE("work handed to a job from nowhere stops the run with the job's state",
          "[sim][invariants]") {
  auto r = RunCorrupted(RunOptions::Corruption::kExtraWork, kFirstPass);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  // The low job (id 0) runs with its 10 h of work: now it has 10 h + 1 s left and none done.
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #2 (schedule, payload 0) at t=0 s: ") &&
                 Contains("job 0 (training, 2 GPUs, running on pool pool since t=0 s") &&
                 Contains("work: total 36000 s, done 0 s, left 36001 s; preemptions 0)") &&
                 Contains("work done plus work left is not its total work"));
}

TEST_CASE("after a preemption the state shows the work kept and the work left",
          "[sim][invariants]") {
  // The low job kept 2 h at its preemption (2.5 h, checkpoints hourly) and restarts at 3.5 h
  // with 8 h left: the first corruption after the restart reports exactly that.
  std::string message;
  for (uint64_t n = kFirstPass; n < 200 && message.empty(); ++n) {
    auto r = RunCorrupted(RunOptions::Corruption::kExtraWork, n);
    if (r.ok()) continue;  // no job was running after event n: nothing to corrupt
    const std::string m(r.status().message());
    if (m.find("preemptions 1") != std::string::npos) message = m;
  }
  CHECK_THAT(message, Contains("job 0 (training, 2 GPUs, running on pool pool since t=12600 s") &&
                          Contains("work: total 36000 s, done 7200 s, left 28801 s; "
                                   "preemptions 1)"));
}

TEST_CASE("an attempt that would end before its work is done stops the run",
          "[sim][invariants]") {
  auto r = RunCorrupted(RunOptions::Corruption::kShortAttempt, kFirstPass);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.status().message()),
             Contains("job 0 (training, 2 GPUs, running on pool pool since t=0 s for 35999 s") &&
                 Contains("its attempt's run time does not match its work left"));
}

TEST_CASE("a clock that goes back stops the run at that event", "[sim][invariants]") {
  auto r = RunCorrupted(RunOptions::Corruption::kClockBack, 3);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInternal);
  CHECK_THAT(std::string(r.status().message()),
             Contains("invariant broken after event #3 (") &&
                 Contains("the clock reads t=-1e-06 s, not the event's t=0 s"));
}

}  // namespace
}  // namespace burnrate
