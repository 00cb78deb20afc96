// Queue policies on hand-made job sets whose schedules can be worked out on paper.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

std::map<std::string, std::pair<double, double>> StartEnd(const RunOutput& r) {
  std::map<std::string, std::pair<double, double>> out;
  for (const JobRecord& j : r.jobs) out[j.name] = {j.start_s / 3600.0, j.finish_s / 3600.0};
  return out;
}

// docs/policies.md, "fifo vs fifo-skip vs fifo-backfill": one 8-GPU node; a 4-GPU job holds
// half of it for 10 h; then a full-node job, a long 2-GPU job and a short 2-GPU job queue.
ScenarioModel ThreeQueuedJobs() {
  ScenarioModel s = OnePool(1, 8, 3);
  AddJob(s, 0, 4, 10, "holder");
  AddJob(s, 1, 8, 1, "big");
  AddJob(s, 2, 2, 20, "long");
  AddJob(s, 3, 2, 5, "short");
  return s;
}

TEST_CASE("fifo blocks everything behind a head that does not fit", "[scheduler][fifo]") {
  auto t = StartEnd(MustRun(ThreeQueuedJobs(), "fifo"));
  CHECK(t["holder"] == std::make_pair(0.0, 10.0));
  CHECK(t["big"] == std::make_pair(10.0, 11.0));
  CHECK(t["long"] == std::make_pair(11.0, 31.0));
  CHECK(t["short"] == std::make_pair(11.0, 16.0));
}

TEST_CASE("fifo-backfill starts only jobs that end before the head's reservation",
          "[scheduler][fifo-backfill]") {
  auto t = StartEnd(MustRun(ThreeQueuedJobs(), "fifo-backfill"));
  CHECK(t["holder"] == std::make_pair(0.0, 10.0));
  CHECK(t["short"] == std::make_pair(3.0, 8.0));  // ends at 8 <= shadow time 10
  CHECK(t["big"] == std::make_pair(10.0, 11.0));  // not delayed
  CHECK(t["long"] == std::make_pair(11.0, 31.0)); // would have ended at 22 > 10
}

TEST_CASE("fifo-skip starts every job that fits and lets the big one starve",
          "[scheduler][fifo-skip]") {
  auto t = StartEnd(MustRun(ThreeQueuedJobs(), "fifo-skip"));
  CHECK(t["holder"] == std::make_pair(0.0, 10.0));
  CHECK(t["long"] == std::make_pair(2.0, 22.0));
  CHECK(t["short"] == std::make_pair(3.0, 8.0));
  CHECK(t["big"] == std::make_pair(22.0, 23.0));  // waits for the long job to leave
}

TEST_CASE("fifo-skip reports starvation by gang size", "[scheduler][fifo-skip]") {
  RunOutput r = MustRun(ThreeQueuedJobs(), "fifo-skip");
  const auto& by = r.result.by_gpu_count();
  REQUIRE(by.size() == 3);  // 2, 4 and 8 GPUs
  CHECK(by[2].gpus() == 8);
  CHECK(by[2].max_queue_delay_s() == Approx(21 * 3600.0));
  CHECK(by[0].gpus() == 2);
  CHECK(by[0].max_queue_delay_s() == Approx(0.0));
  CHECK(r.result.summary().max_queue_delay_s() == Approx(21 * 3600.0));
}

TEST_CASE("starvation counts jobs still waiting at the horizon", "[scheduler][fifo-skip]") {
  // A stream of 1-GPU jobs keeps one of two GPUs busy at all times, so a 2-GPU job never
  // starts under fifo-skip; its wait so far must appear as the maximum delay.
  ScenarioModel s = OnePool(1, 2, 2);
  for (int i = 0; i < 48; ++i) AddJob(s, i, 1, 1.5);
  AddJob(s, 0.5, 2, 1, "big");
  RunOutput r = MustRun(s, "fifo-skip");
  CHECK(r.result.summary().jobs_queued_at_horizon() == 1);
  CHECK(r.result.summary().max_queue_delay_s() == Approx(47.5 * 3600.0));
}

TEST_CASE("sjf starts the shortest fitting job first", "[scheduler][sjf]") {
  ScenarioModel s = OnePool(1, 1, 2);
  AddJob(s, 0, 1, 1, "first");  // runs 0-1 while the others queue
  AddJob(s, 0.1, 1, 5, "long");
  AddJob(s, 0.2, 1, 2, "mid");
  AddJob(s, 0.3, 1, 1, "short");
  auto t = StartEnd(MustRun(s, "sjf"));
  CHECK(t["first"] == std::make_pair(0.0, 1.0));
  CHECK(t["short"] == std::make_pair(1.0, 2.0));
  CHECK(t["mid"] == std::make_pair(2.0, 4.0));
  CHECK(t["long"] == std::make_pair(4.0, 9.0));
}

TEST_CASE("a gang starts all at once or not at all", "[scheduler]") {
  // Two 8-GPU nodes. A 12-GPU gang needs one whole node plus 4 GPUs on the other.
  ScenarioModel s = OnePool(2, 8, 1);
  AddJob(s, 0, 6, 2, "six");
  AddJob(s, 0, 12, 1, "twelve");
  for (const char* q : {"fifo", "fifo-skip", "fifo-backfill", "sjf"}) {
    auto r = MustRun(s, q);
    auto t = StartEnd(r);
    INFO(q);
    CHECK(t["twelve"].first == Approx(q == std::string("sjf") ? 0.0 : 2.0));
    for (const JobRecord& j : r.jobs) {
      if (j.name == "twelve") CHECK(j.nodes == 2);
    }
  }
}

}  // namespace
}  // namespace burnrate
