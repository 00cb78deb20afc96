// Setting scenario fields by path (sweep parameters, `burnrate run --set`): the value lands in
// the right field, the compiled model shows it, and mistakes get messages naming the path and
// what is allowed.
#include "sim/scenario/scenario_overrides.h"

#include <catch2/catch.hpp>

#include <string>

#include "sim/scenario/scenario_loader.h"

namespace burnrate {
namespace {

constexpr const char* kScenario = R"(
name: two-pools
horizon_days: 7
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 16
      pricing:
        reserved: { usd_per_gpu_hour: 2.00 }
    - name: h100
      gpu_type: H100
      gpus_per_node: 8
      nodes: 4
      pricing:
        on_demand: { usd_per_gpu_hour: 4.00 }
workload:
  generators:
    - name: train
      arrivals_per_hour: 12
      gpus: { values: [1, 8], weights: [1, 1] }
      duration: { lognormal: { median_s: 1200, sigma: 2.0 }, max_s: 604800 }
policies:
  - { queue: fifo, placement: first-fit }
)";

LoadedScenario Load() {
  auto loaded = LoadScenarioText(kScenario, "yaml", "two.yaml", ".");
  REQUIRE(loaded.ok());
  return *loaded;
}

absl::Status Set(LoadedScenario* s, const std::string& text) {
  auto o = ParseSetFlag(text);
  if (!o.ok()) return o.status();
  return ApplyOverride(*o, s);
}

TEST_CASE("overrides: a number set by position and by element name reaches the model",
          "[scenario][overrides]") {
  LoadedScenario s = Load();
  REQUIRE(Set(&s, "cluster.pools[0].nodes=3").ok());
  REQUIRE(Set(&s, "cluster.pools[h100].nodes=7").ok());
  REQUIRE(Set(&s, "workload.generators[train].arrivals_per_hour=30").ok());
  auto m = CompileScenario(s);
  REQUIRE(m.ok());
  CHECK(m->pools[0].nodes == 3);
  CHECK(m->pools[1].nodes == 7);
  CHECK(s.scenario.workload().generators(0).arrivals_per_hour() == 30);
  // Untouched fields keep their values.
  CHECK(s.scenario.cluster().pools(0).gpus_per_node() == 8);
  CHECK(s.scenario.cluster().pools(1).name() == "h100");
}

TEST_CASE("overrides: a 0 set by an override counts as written, as in the file",
          "[scenario][overrides][carbon]") {
  // grid_gco2e_per_kwh and the embodied fields: left out = the default, 0 written = none.
  LoadedScenario s = Load();
  REQUIRE(Set(&s, "cluster.pools[a100].carbon.grid_gco2e_per_kwh=0").ok());
  REQUIRE(Set(&s, "cluster.pools[h100].carbon={location: france, embodied_kgco2e_per_gpu: 0}").ok());
  auto m = CompileScenario(s);
  INFO(m.status().message());
  REQUIRE(m.ok());
  CHECK(m->pools[0].grid_gco2e_per_kwh == 0);
  CHECK(m->pools[0].embodied_kgco2e_per_gpu == 150);  // not set: the default
  CHECK(m->pools[1].grid_gco2e_per_kwh == 56);         // France
  CHECK(m->pools[1].embodied_kgco2e_per_gpu == 0);
}

TEST_CASE("overrides: a map replaces a message, switching a oneof", "[scenario][overrides]") {
  LoadedScenario s = Load();
  REQUIRE(Set(&s, "cluster.pools[a100].pricing={on_demand: {usd_per_gpu_hour: 3.5}}").ok());
  const auto& pricing = s.scenario.cluster().pools(0).pricing();
  CHECK(pricing.has_on_demand());
  CHECK_FALSE(pricing.has_reserved());
  CHECK(pricing.on_demand().usd_per_gpu_hour() == 3.5);
  // A oneof member set directly clears its alternative.
  REQUIRE(Set(&s, "workload.generators[0].duration.constant_s=600").ok());
  const auto& d = s.scenario.workload().generators(0).duration();
  CHECK(d.constant_s() == 600);
  CHECK_FALSE(d.has_lognormal());
  CHECK(d.max_s() == 604800);  // outside the oneof: kept
  REQUIRE(CompileScenario(s).ok());
}

TEST_CASE("overrides: a whole list is replaced", "[scenario][overrides]") {
  LoadedScenario s = Load();
  REQUIRE(Set(&s, "workload.generators[0].gpus.values=[2, 4]").ok());
  const auto& gpus = s.scenario.workload().generators(0).gpus();
  REQUIRE(gpus.values_size() == 2);
  CHECK(gpus.values(0) == 2);
  CHECK(gpus.values(1) == 4);
  REQUIRE(Set(&s, "policies=[{queue: sjf, placement: best-fit}, {queue: fifo}]").ok());
  auto m = CompileScenario(s);
  REQUIRE(m.ok());
  REQUIRE(m->policies.size() == 2);
  CHECK(m->policies[0].Name() == "sjf+best-fit");
}

TEST_CASE("overrides: mistakes name the path and what is allowed", "[scenario][overrides]") {
  LoadedScenario s = Load();
  auto message = [&](const std::string& text) {
    absl::Status st = Set(&s, text);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == absl::StatusCode::kInvalidArgument);
    return std::string(st.message());
  };
  std::string m = message("cluster.pool[0].nodes=3");
  CHECK_THAT(m, Catch::Contains("cluster.pool"));
  CHECK_THAT(m, Catch::Contains("did you mean \"pools\""));
  m = message("cluster.pools[5].nodes=3");
  CHECK_THAT(m, Catch::Contains("has 2 elements; [5] is past the end (0 to 1)"));
  m = message("cluster.pools[v100].nodes=3");
  CHECK_THAT(m, Catch::Contains("no element named \"v100\"; names: a100, h100"));
  m = message("cluster.pools.nodes=3");
  CHECK_THAT(m, Catch::Contains("is a list; choose an element"));
  m = message("cluster.pools[0].nodes=many");
  CHECK_THAT(m, Catch::StartsWith("--set: cluster.pools[0].nodes: "));
  CHECK_THAT(m, Catch::Contains("many"));
  m = message("cluster.pools[0].nodes.count=3");
  CHECK_THAT(m, Catch::Contains("is a number and has no field \"count\""));
  m = message("horizon_days[0]=3");
  CHECK_THAT(m, Catch::Contains("is not a list"));
  m = message("workload.generators[0].gpus.values[0]=3");
  CHECK_THAT(m, Catch::Contains("set the whole list"));
  m = message("nodes");
  CHECK_THAT(m, Catch::Contains("expected PATH=VALUE"));
  m = message("horizon_days=");
  CHECK_THAT(m, Catch::Contains("no value"));
  m = message("cluster..pools=1");
  CHECK_THAT(m, Catch::Contains("expected a field name at character 9"));
  m = message("cluster.pools[0=1");
  CHECK_THAT(m, Catch::Contains("\"[\" at character 14 is not closed"));
  // Nothing was changed by the failed attempts.
  CHECK(s.scenario.cluster().pools(0).nodes() == 16);
}

TEST_CASE("overrides: compile errors about a replaced field name no scenario line",
          "[scenario][overrides]") {
  LoadedScenario s = Load();
  REQUIRE(s.lines.count("cluster.pools[0].nodes") == 1);
  REQUIRE(Set(&s, "cluster.pools[0].nodes=0").ok());
  CHECK(s.lines.count("cluster.pools[0].nodes") == 0);
  CHECK(s.lines.count("cluster.pools[0].gpus_per_node") == 1);
  auto m = CompileScenario(s);
  REQUIRE_FALSE(m.ok());
  const std::string text(m.status().message());
  CHECK_THAT(text, Catch::Contains("cluster.pools[0].nodes"));
  // The line of the pool (its nearest recorded parent), not the old line of `nodes: 16`.
  CHECK_THAT(text, !Catch::Contains("two.yaml:10:"));
  // CompileWithOverrides blames the override; other errors keep the file.
  REQUIRE(Set(&s, "horizon_days=0").ok());
  auto blamed = CompileWithOverrides(s);
  REQUIRE_FALSE(blamed.ok());
  const std::string both(blamed.status().message());
  CHECK_THAT(both, Catch::Contains("--set cluster.pools[0].nodes=0: cluster.pools[0].nodes: "));
  CHECK_THAT(both, Catch::Contains("--set horizon_days=0: horizon_days: "));
  CHECK_THAT(both, !Catch::Contains("two.yaml"));
}

}  // namespace
}  // namespace burnrate
