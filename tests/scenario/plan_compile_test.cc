// The plan, autoscale and spot sections of a scenario: what each bad value gets.
#include <catch2/catch.hpp>
#include <string>

#include "sim/scenario/scenario_loader.h"

namespace burnrate {
namespace {

using Catch::Matchers::Contains;

const char* kBase = R"(horizon_days: 7
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 16
      pricing: {on_demand: {usd_per_gpu_hour: 2}}
workload: {}
)";

std::string Compile(const std::string& extra) {
  auto loaded = LoadScenarioText(std::string(kBase) + extra, "yaml", "s.yaml", ".");
  if (!loaded.ok()) return std::string(loaded.status().message());
  auto model = CompileScenario(*loaded);
  return model.ok() ? "ok" : std::string(model.status().message());
}

TEST_CASE("plan sections are checked", "[scenario][plan]") {
  CHECK(Compile("plan: {dimensions: [{pool: a100, nodes: [8, 16]}], target: {all_jobs_done: "
                "true}}\n") == "ok");
  CHECK_THAT(Compile("plan: {dimensions: [{pool: h100, nodes: [1]}], target: {all_jobs_done: "
                     "true}}\n"),
             Contains("s.yaml:10: plan.dimensions[0].pool: \"h100\" is not a pool of the "
                      "scenario; pools: a100"));
  CHECK_THAT(Compile("plan: {dimensions: [{pool: a100, nodes: [1]}]}\n"),
             Contains("plan.target: is required; set at least one of"));
  CHECK_THAT(Compile("plan: {dimensions: [{pool: a100, min_nodes: 1, max_nodes: 20000}], "
                     "target: {all_jobs_done: true}}\n"),
             Contains("the grid has 20000 combinations; at most 10,000"));
  CHECK_THAT(Compile("plan: {dimensions: [{pool: a100, nodes: [1], max_nodes: 4}], "
                     "target: {all_jobs_done: true}}\n"),
             Contains("give either nodes (a list) or min_nodes/max_nodes/step, not both"));
  CHECK_THAT(Compile("plan: {dimensions: [{pool: a100, nodes: [1]}], target: "
                     "{max_p95_queue_delay_s: -1}}\n"),
             Contains("plan.target.max_p95_queue_delay_s: -1 is not allowed"));
}

TEST_CASE("autoscale and spot sections are checked", "[scenario][autoscale][spot]") {
  std::string text = kBase;
  const std::string od = "      pricing: {on_demand: {usd_per_gpu_hour: 2}}";
  text.replace(text.find(od), od.size(),
               "      pricing: {reserved: {usd_per_gpu_hour: 2}}\n      autoscale: {min_nodes: 2}");
  auto loaded = LoadScenarioText(text, "yaml", "s.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  REQUIRE_FALSE(model.ok());
  CHECK_THAT(std::string(model.status().message()),
             Contains("cluster.pools[0].autoscale: applies to on_demand pools only"));

  auto spot = [](const std::string& body) {
    std::string t = kBase;
    const std::string on_demand = "{on_demand: {usd_per_gpu_hour: 2}}";
    t.replace(t.find(on_demand), on_demand.size(), "{spot: " + body + "}");
    auto l = LoadScenarioText(t, "yaml", "s.yaml", ".");
    if (!l.ok()) return std::string(l.status().message());
    auto m = CompileScenario(*l);
    return m.ok() ? std::string("ok") : std::string(m.status().message());
  };
  CHECK(spot("{usd_per_gpu_hour: 1.2, revocations_per_node_hour: 0.05, notice_s: 120}") == "ok");
  CHECK_THAT(spot("{usd_per_gpu_hour: 1.2}"),
             Contains("pricing.spot.revocations_per_node_hour: is required"));
  CHECK_THAT(spot("{usd_per_gpu_hour: 1.2, revocations_per_node_hour: -1}"),
             Contains("revocations_per_node_hour: -1 is not allowed"));
  CHECK_THAT(spot("{catalog: \"aws:p4d.24xlarge:on_demand\", revocations_per_node_hour: 0}"),
             Contains("is a on_demand price; this pricing takes spot"));
}

}  // namespace
}  // namespace burnrate
