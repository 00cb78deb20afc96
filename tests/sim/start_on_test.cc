// SchedulingContext::StartOn, the start with nodes chosen by the policy (external policies):
// every rule it enforces, checked by a policy that tries each bad gang before a good one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/registry.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::OnePool;

// Tries `attempts` (job, nodes) in order and records each status's message ("ok" for
// success); an attempt with no nodes ends the pass (the rest wait for the next one).
class ScriptedStarts final : public QueuePolicy {
 public:
  struct Attempt {
    JobId job;
    std::vector<NodeShare> nodes;
  };
  ScriptedStarts(std::vector<Attempt> attempts, std::vector<std::string>* log)
      : attempts_(std::move(attempts)), log_(log) {}
  std::string_view name() const override { return "scripted"; }
  void Enqueue(JobId, const JobView&) override { ++queued_; }
  size_t size() const override { return queued_; }
  void Schedule(SchedulingContext& ctx) override {
    if (queued_ < 2 && next_ == 0) return;  // both jobs first
    while (next_ < attempts_.size()) {
      const Attempt& a = attempts_[next_++];
      if (a.nodes.empty()) return;  // a barrier: wait for the next pass
      const absl::Status s = ctx.StartOn(a.job, a.nodes);
      log_->push_back(s.ok() ? "ok" : std::string(s.message()));
      if (s.ok()) --queued_;
    }
  }

 private:
  std::vector<Attempt> attempts_;
  std::vector<std::string>* log_;
  size_t queued_ = 0;
  size_t next_ = 0;
};

TEST_CASE("a start on chosen nodes is checked before anything changes", "[sim][start_on]") {
  ScenarioModel s = OnePool(2, 8, 1);  // nodes 0 and 1, 8 GPUs each
  AddJob(s, 0, 4, 1, "four");          // job 0
  AddJob(s, 0, 16, 1, "sixteen");      // job 1
  std::vector<std::string> log;
  std::vector<ScriptedStarts::Attempt> attempts = {
      {0, {{0, 5}}},                  // 5 GPUs for a 4-GPU job
      {0, {{0, 2}, {1, 2}}},          // fits one node: must take one
      {0, {{7, 4}}},                  // no node 7
      {0, {{0, 9}}},                  // more than the node has
      {0, {{0, 4}}},                  // good
      {0, {{1, 4}}},                  // job 0 is running now
      {1, {{0, 8}, {1, 8}}},          // node 0 has 4 free: over-allocation
      {1, {{1, 8}, {1, 8}}},          // node 1 twice
      {1, {}},                        // (wait for job 0 to end)
      {1, {{0, 8}, {1, 8}}},          // good
  };
  auto placement = MakePlacementPolicy("first-fit");
  REQUIRE(placement.ok());
  RunOptions o;
  o.check_invariants = true;
  auto run = SimulateWith(s, std::make_unique<ScriptedStarts>(attempts, &log),
                          *std::move(placement), "scripted", 1, o);
  REQUIRE(run.ok());
  REQUIRE(log.size() == attempts.size() - 1);
  CHECK(log[0].find("needs 4 GPUs; the nodes give 5") != std::string::npos);
  CHECK(log[1].find("takes one node") != std::string::npos);
  CHECK(log[2].find("node 7 does not exist") != std::string::npos);
  CHECK(log[3].find("over-allocation") != std::string::npos);
  CHECK(log[4] == "ok");
  CHECK(log[5].find("is not pending") != std::string::npos);
  CHECK(log[6].find("over-allocation") != std::string::npos);
  CHECK(log[7].find("named twice") != std::string::npos);
  CHECK(log[8] == "ok");
  // Refused starts changed nothing: both jobs ran once, one after the other, to completion.
  const auto& sum = run->result.summary();
  CHECK(sum.jobs_completed() == 2);
  CHECK(sum.gpu_hours_allocated() == Approx(4 + 16));
  CHECK(sum.p95_queue_delay_s() == Approx(0.95 * 3600));  // job 1 waited the hour job 0 ran
}

}  // namespace
}  // namespace burnrate
