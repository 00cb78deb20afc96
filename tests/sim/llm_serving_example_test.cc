// examples/llm-serving.yaml behaves as its comments say: autoscalers compared side by side on
// one LLM API sharing an H100 cluster with research jobs.
#include <catch2/catch.hpp>

#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

TEST_CASE("the llm-serving example: autoscalers trade cost against the TTFT SLO",
          "[sim][serving][examples]") {
  auto model =
      LoadAndCompileScenario(std::string(BURNRATE_SOURCE_DIR) + "/examples/llm-serving.yaml");
  REQUIRE(model.ok());
  REQUIRE(model->policies.size() == 5);
  auto out = SimulateAll(*model, {}, model->seed, RunOptions{});
  REQUIRE(out.ok());
  const auto& runs = out->results.runs();
  REQUIRE(runs.size() == 5);
  const v1::ServiceResult& hpa = runs[0].services(0);
  const v1::ServiceResult& queue = runs[1].services(0);
  const v1::ServiceResult& sched = runs[2].services(0);
  const v1::ServiceResult& fixed = runs[3].services(0);
  const v1::ServiceResult& evicts = runs[4].services(0);
  CHECK(runs[1].policy() == "fifo-backfill+best-fit (autoscaler queue-length)");
  CHECK(runs[3].policy() == "fifo-backfill+best-fit (autoscaler fixed[replicas=36])");
  CHECK(runs[4].policy() == "fifo-backfill+best-fit (inference preempts)");
  // The same requests in every run (common random numbers), and revenue follows them.
  for (const auto& r : runs) {
    CHECK(r.services(0).requests_arrived() == hpa.requests_arrived());
    CHECK(r.services(0).revenue_usd() == Approx(hpa.revenue_usd()));
  }
  // Autoscaling to utilisation meets the SLO for far less than a fixed fleet sized for the
  // peak; the queue-length rule is cheaper still but reacts late and misses.
  CHECK(hpa.slo_met());
  CHECK(sched.slo_met());
  CHECK(fixed.slo_met());
  CHECK_FALSE(queue.slo_met());
  CHECK(queue.cost_usd() < hpa.cost_usd());
  CHECK(hpa.cost_usd() < 0.8 * fixed.cost_usd());
  CHECK(fixed.mean_replicas() > 35.5);  // 36 after the first decision and a cold start
  // Follows the daily profile: peaks need several times the troughs.
  CHECK(hpa.max_replicas() > 1.5 * hpa.mean_replicas());
  // Evicting research at the API's peaks costs training time and buys the API nothing here.
  CHECK(evicts.training_preemptions() > 0);
  CHECK(evicts.training_delay_hours() > 0);
  CHECK(hpa.training_preemptions() == 0);
  CHECK(runs[4].summary().mean_jct_s() > runs[0].summary().mean_jct_s());
}

}  // namespace
}  // namespace burnrate
