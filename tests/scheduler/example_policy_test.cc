// The worked example of docs/policies.md ("Adding a policy"): the code between the markers is
// copied verbatim into the doc, and a test keeps the two identical.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/simulation.h"
#include "tests/sim/test_scenarios.h"

// BEGIN EXAMPLE POLICY
#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

// largest-first: the widest gang first (arrival order among equals); with preempt=true a
// gang may evict strictly narrower running gangs, the cheapest to lose first.
class LargestFirst final : public LaneQueue {
 public:
  explicit LargestFirst(const PolicyArgs& args) : preempt_(args.Bool("preempt")) {}
  std::string_view name() const override { return "largest-first"; }

 protected:
  Key PendingKey(JobId, const JobView& job) override { return {-int64_t{job.gpus}, 0}; }
  bool MayPreempt(SchedulingContext&, JobId pending, JobId victim) override {
    return preempt_ && view(victim).gpus < view(pending).gpus;
  }

 private:
  const bool preempt_;
};

}  // namespace

std::vector<ArgSpec> LargestFirstArgs() {
  return {{"preempt", ArgType::kBool, "false", "evict narrower gangs to start a wider one"}};
}

std::unique_ptr<QueuePolicy> NewLargestFirstQueue(const PolicyArgs& args) {
  return std::make_unique<LargestFirst>(args);
}

}  // namespace burnrate
// END EXAMPLE POLICY

#include "scheduler/placements.h"

namespace burnrate {
namespace {

std::string Between(const std::string& text, const std::string& begin, const std::string& end) {
  const size_t b = text.find(begin);
  const size_t e = text.find(end, b);
  if (b == std::string::npos || e == std::string::npos) return "";
  return text.substr(b + begin.size(), e - b - begin.size());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("the worked example of docs/policies.md is this file's code", "[scheduler][docs]") {
  const std::string root = BURNRATE_SOURCE_DIR;
  const std::string here = ReadFile(root + "/tests/scheduler/example_policy_test.cc");
  const std::string doc = ReadFile(root + "/docs/policies.md");
  const std::string code = Between(here, "// BEGIN EXAMPLE POLICY\n", "// END EXAMPLE POLICY\n");
  REQUIRE(code.size() > 500);
  CHECK(doc.find(code) != std::string::npos);
}

TEST_CASE("the worked example policy schedules as described", "[scheduler][docs]") {
  ScenarioModel s = testing::OnePool(1, 8, 2);
  testing::AddJob(s, 0, 2, 10, "narrow");
  testing::AddJob(s, 0, 2, 10, "narrow-2");
  testing::AddJob(s, 1, 8, 1, "wide");
  const auto run = [&](const std::string& preempt) {
    auto args = ParsePolicyArgs(LargestFirstArgs(), {{"preempt", preempt}});
    REQUIRE(args.ok());
    RunOptions o;
    o.keep_job_records = true;
    o.check_invariants = true;
    auto out = SimulateWith(s, NewLargestFirstQueue(*args), NewBestFitPlacement(),
                            "largest-first", 1, o);
    REQUIRE(out.ok());
    return *std::move(out);
  };
  const RunOutput keep = run("false");
  CHECK(keep.result.policy() == "largest-first");
  CHECK(keep.jobs[2].start_s == Approx(10 * 3600));  // waits for both narrow gangs
  const RunOutput evict = run("true");
  CHECK(evict.jobs[2].start_s == Approx(3600));  // evicts both
  CHECK(evict.result.summary().preemptions() == 2);
}

}  // namespace
}  // namespace burnrate
