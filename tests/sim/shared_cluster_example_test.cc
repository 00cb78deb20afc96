// examples/shared-cluster.yaml behaves as its comments say.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

TEST_CASE("the shared-cluster example: fair-share serves both teams alike and priority does "
          "not",
          "[sim][fairness][examples]") {
  auto model = LoadAndCompileScenario(std::string(BURNRATE_SOURCE_DIR) +
                                      "/examples/shared-cluster.yaml");
  REQUIRE(model.ok());
  REQUIRE(model->policies.size() == 6);
  RunOptions o;
  auto out = SimulateAll(*model, {}, model->seed, o);
  REQUIRE(out.ok());
  std::map<std::string, const v1::Summary*> by_queue;
  for (const v1::RunResult& r : out->results.runs()) {
    by_queue[r.policy().substr(0, r.policy().find_first_of("+["))] = &r.summary();
  }
  REQUIRE(by_queue.size() == 6);
  // Jain's index over the tenants' mean finish-time fairness.
  CHECK(by_queue["fair-share"]->jain_fairness() > 0.95);
  CHECK(by_queue["themis-ftf"]->jain_fairness() > 0.95);
  CHECK(by_queue["priority"]->jain_fairness() < 0.8);
  CHECK(by_queue["fifo-skip"]->preemptions() == 0);
  CHECK(by_queue["drf"]->preemptions() == 0);
  for (const std::string q : {"priority", "fair-share", "tiresias-las", "themis-ftf"}) {
    INFO(q);
    CHECK(by_queue[q]->preemptions() > 0);
    CHECK(by_queue[q]->gpu_hours_lost() > 0);
  }
  // The cluster is reserved: every policy pays the same bill.
  CHECK(by_queue["fifo-skip"]->total_cost_usd() == by_queue["priority"]->total_cost_usd());
}

}  // namespace
}  // namespace burnrate
