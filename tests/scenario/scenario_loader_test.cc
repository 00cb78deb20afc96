#include "sim/scenario/scenario_loader.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/scenario/empirical_samples.h"

namespace burnrate {
namespace {

using Catch::Contains;

// ---------------------------------------------------------------------------------------------
// Helpers

// The error message of loading + compiling YAML text named "bad.yaml"; "" when it is valid.
std::string ErrorOf(const std::string& text, const std::string& format = "yaml",
                    const std::string& name = "bad.yaml", const std::string& base_dir = ".") {
  absl::StatusOr<LoadedScenario> loaded = LoadScenarioText(text, format, name, base_dir);
  if (!loaded.ok()) {
    CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(loaded.status().message());
  }
  absl::StatusOr<ScenarioModel> model = CompileScenario(*loaded);
  if (model.ok()) return "";
  CHECK(model.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(model.status().message());
}

ScenarioModel Compile(const std::string& text, const std::string& format, const std::string& name,
                      const std::string& base_dir = ".") {
  absl::StatusOr<LoadedScenario> loaded = LoadScenarioText(text, format, name, base_dir);
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  absl::StatusOr<ScenarioModel> model = CompileScenario(*loaded);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return *model;
}

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("burnrate_scenario_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

void CheckSameModel(const ScenarioModel& a, const ScenarioModel& b) {
  CHECK(a.name == b.name);
  CHECK(a.start_unix_s == b.start_unix_s);
  CHECK(a.horizon == b.horizon);
  CHECK(a.seed == b.seed);
  CHECK(a.sample_interval == b.sample_interval);
  CHECK(a.reference_gpu == b.reference_gpu);
  CHECK(a.catalog.Names() == b.catalog.Names());
  REQUIRE(a.catalog.specs().size() == b.catalog.specs().size());
  for (size_t i = 0; i < a.catalog.specs().size(); ++i) {
    const GpuSpec& x = a.catalog.specs()[i];
    const GpuSpec& y = b.catalog.specs()[i];
    CHECK(x.memory_gb == y.memory_gb);
    CHECK(x.idle_watts == y.idle_watts);
    CHECK(x.busy_watts == y.busy_watts);
    CHECK(x.training_speed == y.training_speed);
  }
  REQUIRE(a.pools.size() == b.pools.size());
  for (size_t i = 0; i < a.pools.size(); ++i) {
    const PoolSpec& x = a.pools[i];
    const PoolSpec& y = b.pools[i];
    CHECK(x.name == y.name);
    CHECK(x.gpu_type == y.gpu_type);
    CHECK(x.training_speed == y.training_speed);
    CHECK(x.gpus_per_node == y.gpus_per_node);
    CHECK(x.nodes == y.nodes);
    CHECK(x.cpus_per_node == y.cpus_per_node);
    CHECK(x.memory_gb_per_node == y.memory_gb_per_node);
    CHECK(x.rack_size == y.rack_size);
    CHECK(x.pricing == y.pricing);
    CHECK(x.price == y.price);
  }
  REQUIRE(a.jobs.size() == b.jobs.size());
  for (size_t i = 0; i < a.jobs.size(); ++i) {
    const JobSpec& x = a.jobs[i];
    const JobSpec& y = b.jobs[i];
    CHECK(x.name == y.name);
    CHECK(x.submit == y.submit);
    CHECK(x.gpus == y.gpus);
    CHECK(x.duration == y.duration);
    CHECK(x.gpu_type == y.gpu_type);
    CHECK(x.tenant == y.tenant);
    CHECK(x.priority == y.priority);
  }
  REQUIRE(a.generators.size() == b.generators.size());
  for (size_t i = 0; i < a.generators.size(); ++i) {
    const GeneratorSpec& x = a.generators[i];
    const GeneratorSpec& y = b.generators[i];
    CHECK(x.name == y.name);
    CHECK(x.arrivals_per_hour == y.arrivals_per_hour);
    CHECK(x.max_jobs == y.max_jobs);
    CHECK(x.start == y.start);
    CHECK(x.end == y.end);
    CHECK(x.gpu_values == y.gpu_values);
    CHECK(x.gpu_weights == y.gpu_weights);
    CHECK(x.duration.kind == y.duration.kind);
    CHECK(x.duration.constant_s == y.duration.constant_s);
    CHECK(x.duration.mean_s == y.duration.mean_s);
    CHECK(x.duration.median_s == y.duration.median_s);
    CHECK(x.duration.sigma == y.duration.sigma);
    CHECK(x.duration.samples_s == y.duration.samples_s);
    CHECK(x.duration.min_s == y.duration.min_s);
    CHECK(x.duration.max_s == y.duration.max_s);
    CHECK(x.gpu_type == y.gpu_type);
    CHECK(x.tenant == y.tenant);
    CHECK(x.priority == y.priority);
  }
  REQUIRE(a.policies.size() == b.policies.size());
  for (size_t i = 0; i < a.policies.size(); ++i)
    CHECK(a.policies[i].Name() == b.policies[i].Name());
}

// ---------------------------------------------------------------------------------------------
// One scenario in the three formats.

const char* const kFullYaml = R"(# A complete scenario using every field.
name: full-example
start: "2023-08-01T12:00:00Z"
horizon_days: 30
seed: 42
sample_interval_s: 600
cluster:
  gpu_types:
    - name: H100
      training_speed: 3.0
    - {name: X1, memory_gb: 48, idle_watts: 50, busy_watts: 300, training_speed: 0.5}
  pools:
    - name: h100
      gpu_type: H100
      gpus_per_node: 8
      nodes: 16
      cpus_per_node: 96
      memory_gb_per_node: 2048
      rack_size: 4
      pricing:
        reserved: {usd_per_gpu_hour: 2.25}
    - name: x1
      gpu_type: X1
      gpus_per_node: 4
      nodes: 10
      pricing:
        on_demand:
          usd_per_gpu_hour: 1.1
workload:
  reference_gpu: A100-80GB
  jobs:
    - {name: pretrain, submit_s: 0, gpus: 64, duration_s: 86400, gpu_type: H100, tenant: llm, priority: 5}
    - {gpus: 1, duration_s: 90.5, submit_s: 30}
  generators:
    - name: small
      arrivals_per_hour: 12
      max_jobs: 1000
      start_s: 3600
      end_s: 86400
      gpus: {values: [1, 2, 4], weights: [6, 3, 1]}
      duration: {exponential: {mean_s: 1800}, min_s: 60, max_s: 36000}
      tenant: research
      priority: -1
    - arrivals_per_hour: 0.5
      gpus:
        values: [8]
      duration:
        lognormal: {median_s: 7200, sigma: 1.2}
      gpu_type: H100
    - arrivals_per_hour: 1
      gpus: {values: [4]}
      duration: {constant_s: 600}
policies:
  - {queue: fifo}
  - {queue: sjf, placement: best-fit}
)";

const char* const kFullJson = R"({
	"name": "full-example",
	"start": "2023-08-01T12:00:00Z",
	"horizon_days": 30,
	"seed": 42,
	"sample_interval_s": 600,
	"cluster": {
		"gpu_types": [
			{"name": "H100", "training_speed": 3.0},
			{"name": "X1", "memory_gb": 48, "idle_watts": 50, "busy_watts": 300, "training_speed": 0.5}
		],
		"pools": [
			{"name": "h100", "gpu_type": "H100", "gpus_per_node": 8, "nodes": 16,
			 "cpus_per_node": 96, "memory_gb_per_node": 2048, "rack_size": 4,
			 "pricing": {"reserved": {"usd_per_gpu_hour": 2.25}}},
			{"name": "x1", "gpu_type": "X1", "gpus_per_node": 4, "nodes": 10,
			 "pricing": {"on_demand": {"usd_per_gpu_hour": 1.1}}}
		]
	},
	"workload": {
		"reference_gpu": "A100-80GB",
		"jobs": [
			{"name": "pretrain", "submit_s": 0, "gpus": 64, "duration_s": 86400, "gpu_type": "H100",
			 "tenant": "llm", "priority": 5},
			{"gpus": 1, "duration_s": 90.5, "submit_s": 30}
		],
		"generators": [
			{"name": "small", "arrivals_per_hour": 12, "max_jobs": 1000, "start_s": 3600,
			 "end_s": 86400, "gpus": {"values": [1, 2, 4], "weights": [6, 3, 1]},
			 "duration": {"exponential": {"mean_s": 1800}, "min_s": 60, "max_s": 36000},
			 "tenant": "research", "priority": -1},
			{"arrivals_per_hour": 0.5, "gpus": {"values": [8]},
			 "duration": {"lognormal": {"median_s": 7200, "sigma": 1.2}}, "gpu_type": "H100"},
			{"arrivals_per_hour": 1, "gpus": {"values": [4]}, "duration": {"constant_s": 600}}
		]
	},
	"policies": [{"queue": "fifo"}, {"queue": "sjf", "placement": "best-fit"}]
}
)";

const char* const kFullTextproto = R"(# A complete scenario using every field.
name: "full-example"
start: "2023-08-01T12:00:00Z"
horizon_days: 30
seed: 42
sample_interval_s: 600
cluster {
  gpu_types { name: "H100" training_speed: 3.0 }
  gpu_types { name: "X1" memory_gb: 48 idle_watts: 50 busy_watts: 300 training_speed: 0.5 }
  pools {
    name: "h100" gpu_type: "H100" gpus_per_node: 8 nodes: 16
    cpus_per_node: 96 memory_gb_per_node: 2048 rack_size: 4
    pricing { reserved { usd_per_gpu_hour: 2.25 } }
  }
  pools {
    name: "x1" gpu_type: "X1" gpus_per_node: 4 nodes: 10
    pricing { on_demand { usd_per_gpu_hour: 1.1 } }
  }
}
workload {
  reference_gpu: "A100-80GB"
  jobs { name: "pretrain" submit_s: 0 gpus: 64 duration_s: 86400 gpu_type: "H100" tenant: "llm" priority: 5 }
  jobs { gpus: 1 duration_s: 90.5 submit_s: 30 }
  generators {
    name: "small" arrivals_per_hour: 12 max_jobs: 1000 start_s: 3600 end_s: 86400
    gpus { values: [1, 2, 4] weights: [6, 3, 1] }
    duration { exponential { mean_s: 1800 } min_s: 60 max_s: 36000 }
    tenant: "research" priority: -1
  }
  generators {
    arrivals_per_hour: 0.5
    gpus { values: 8 }
    duration { lognormal { median_s: 7200 sigma: 1.2 } }
    gpu_type: "H100"
  }
  generators { arrivals_per_hour: 1 gpus { values: [4] } duration { constant_s: 600 } }
}
policies { queue: "fifo" }
policies { queue: "sjf" placement: "best-fit" }
)";

TEST_CASE("A full YAML scenario compiles to the expected model", "[scenario]") {
  const ScenarioModel m = Compile(kFullYaml, "yaml", "dir/full.yaml");
  CHECK(m.name == "full-example");
  CHECK(m.source_path == "dir/full.yaml");
  CHECK(m.start_unix_s == 1690891200);  // 2023-08-01T12:00:00Z
  CHECK(m.horizon == 30 * kDay);
  CHECK(m.seed == 42);
  CHECK(m.sample_interval == 600 * kSecond);
  CHECK(m.reference_gpu == "A100-80GB");

  // gpu_types: the H100 override changes only training_speed; X1 is new.
  const GpuSpec* h100 = m.catalog.Find("H100");
  REQUIRE(h100 != nullptr);
  CHECK(h100->training_speed == 3.0);
  CHECK(h100->memory_gb == GpuCatalog::BuiltIn().Find("H100")->memory_gb);
  CHECK(h100->busy_watts == GpuCatalog::BuiltIn().Find("H100")->busy_watts);
  const GpuSpec* x1 = m.catalog.Find("X1");
  REQUIRE(x1 != nullptr);
  CHECK(x1->memory_gb == 48);
  CHECK(x1->idle_watts == 50);
  CHECK(x1->busy_watts == 300);
  CHECK(x1->training_speed == 0.5);
  CHECK(m.catalog.Names().back() == "X1");

  REQUIRE(m.pools.size() == 2);
  const double a100_speed = GpuCatalog::BuiltIn().Find("A100-80GB")->training_speed;
  CHECK(m.pools[0].name == "h100");
  CHECK(m.pools[0].gpu_type == "H100");
  CHECK(m.pools[0].training_speed == Approx(3.0 / a100_speed));
  CHECK(m.pools[0].gpus_per_node == 8);
  CHECK(m.pools[0].nodes == 16);
  CHECK(m.pools[0].cpus_per_node == 96);
  CHECK(m.pools[0].memory_gb_per_node == 2048);
  CHECK(m.pools[0].rack_size == 4);
  CHECK(m.pools[0].pricing == PricingModel::kReserved);
  CHECK(m.pools[0].price == 2'250'000);
  CHECK(m.pools[1].pricing == PricingModel::kOnDemand);
  CHECK(m.pools[1].price == 1'100'000);
  CHECK(m.pools[1].training_speed == Approx(0.5 / a100_speed));

  REQUIRE(m.jobs.size() == 2);
  CHECK(m.jobs[0].name == "pretrain");
  CHECK(m.jobs[0].gpus == 64);
  CHECK(m.jobs[0].duration == 86400 * kSecond);
  CHECK(m.jobs[0].gpu_type == "H100");
  CHECK(m.jobs[0].tenant == "llm");
  CHECK(m.jobs[0].priority == 5);
  CHECK(m.jobs[1].name == "job-1");
  CHECK(m.jobs[1].submit == 30 * kSecond);  // kept in the given order, not sorted
  CHECK(m.jobs[1].duration == 90'500'000);
  CHECK(m.jobs[1].tenant == "default");

  REQUIRE(m.generators.size() == 3);
  const GeneratorSpec& g = m.generators[0];
  CHECK(g.name == "small");
  CHECK(g.arrivals_per_hour == 12);
  CHECK(g.max_jobs == 1000);
  CHECK(g.start == kHour);
  CHECK(g.end == kDay);
  CHECK(g.gpu_values == std::vector<uint32_t>{1, 2, 4});
  CHECK(g.gpu_weights == std::vector<double>{6, 3, 1});
  CHECK(g.duration.kind == DurationDist::Kind::kExponential);
  CHECK(g.duration.mean_s == 1800);
  CHECK(g.duration.min_s == 60);
  CHECK(g.duration.max_s == 36000);
  CHECK(g.tenant == "research");
  CHECK(g.priority == -1);
  CHECK(m.generators[1].name == "gen1");
  CHECK(m.generators[1].duration.kind == DurationDist::Kind::kLognormal);
  CHECK(m.generators[1].duration.median_s == 7200);
  CHECK(m.generators[1].duration.sigma == 1.2);
  CHECK(m.generators[1].gpu_weights == std::vector<double>{1});
  CHECK(m.generators[1].end == 30 * kDay);
  CHECK(m.generators[2].duration.kind == DurationDist::Kind::kConstant);
  CHECK(m.generators[2].duration.constant_s == 600);

  REQUIRE(m.policies.size() == 2);
  CHECK(m.policies[0].Name() == "fifo+first-fit");
  CHECK(m.policies[1].Name() == "sjf+best-fit");
}

TEST_CASE("YAML and JSON and textproto of one scenario compile to equal models", "[scenario]") {
  const ScenarioModel yaml = Compile(kFullYaml, "yaml", "full.yaml");
  const ScenarioModel json = Compile(kFullJson, "json", "full.json");
  const ScenarioModel text = Compile(kFullTextproto, "textproto", "full.textproto");
  SECTION("json") { CheckSameModel(yaml, json); }
  SECTION("textproto") { CheckSameModel(yaml, text); }
}

TEST_CASE("Field lines are recorded 1-based for every field set", "[scenario]") {
  absl::StatusOr<LoadedScenario> yaml = LoadScenarioText(kFullYaml, "yaml", "full.yaml", ".");
  REQUIRE(yaml.ok());
  CHECK(yaml->lines.at("name") == 2);
  CHECK(yaml->lines.at("cluster") == 7);
  CHECK(yaml->lines.at("cluster.gpu_types[1].busy_watts") == 11);
  CHECK(yaml->lines.at("cluster.pools[0]") == 13);
  CHECK(yaml->lines.at("cluster.pools[0].nodes") == 16);
  CHECK(yaml->lines.at("cluster.pools[1].pricing.on_demand.usd_per_gpu_hour") == 28);
  CHECK(yaml->lines.at("workload.generators[0].gpus.values[2]") == 40);
  CHECK(yaml->lines.at("policies[1].placement") == 55);

  absl::StatusOr<LoadedScenario> json = LoadScenarioText(kFullJson, "json", "full.json", ".");
  REQUIRE(json.ok());
  CHECK(json->lines.at("cluster.pools[1].pricing.on_demand.usd_per_gpu_hour") == 17);

  absl::StatusOr<LoadedScenario> text =
      LoadScenarioText(kFullTextproto, "textproto", "full.textproto", ".");
  REQUIRE(text.ok());
  CHECK(text->lines.at("cluster.pools[1].pricing.on_demand.usd_per_gpu_hour") == 17);
  CHECK(text->lines.at("workload.jobs[1].duration_s") == 23);
  CHECK(text->lines.at("workload.jobs[0].submit_s") == 22);  // written as 0: still recorded
}

TEST_CASE("Defaults are applied", "[scenario]") {
  const ScenarioModel m = Compile(R"(
horizon_days: 7
cluster:
  pools:
    - {name: p, gpu_type: H100, gpus_per_node: 8, nodes: 2, pricing: {on_demand: {usd_per_gpu_hour: 3}}}
workload:
  jobs:
    - {gpus: 8, duration_s: 60}
  generators:
    - {arrivals_per_hour: 2, gpus: {values: [1, 2]}, duration: {constant_s: 10}}
seed: 0
)",
                                  "yaml", "some/dir/minimal.yaml");
  CHECK(m.name == "minimal");
  CHECK(m.start_unix_s == 1672531200);  // 2023-01-01T00:00:00Z
  CHECK(m.horizon == 7 * kDay);
  CHECK(m.seed == 1);  // 0 = default 1 (proto3 cannot tell unset from 0)
  CHECK(m.sample_interval == kHour);
  CHECK(m.reference_gpu == "A100-80GB");
  REQUIRE(m.pools.size() == 1);
  CHECK(m.pools[0].training_speed ==
        Approx(GpuCatalog::BuiltIn().Find("H100")->training_speed /
               GpuCatalog::BuiltIn().Find("A100-80GB")->training_speed));
  CHECK(m.pools[0].cpus_per_node == 0);
  CHECK(m.pools[0].rack_size == 0);
  REQUIRE(m.jobs.size() == 1);
  CHECK(m.jobs[0].name == "job-0");
  CHECK(m.jobs[0].submit == 0);
  CHECK(m.jobs[0].gpu_type.empty());
  CHECK(m.jobs[0].tenant == "default");
  CHECK(m.jobs[0].priority == 0);
  REQUIRE(m.generators.size() == 1);
  CHECK(m.generators[0].name == "gen0");
  CHECK(m.generators[0].gpu_weights == std::vector<double>{1, 1});
  CHECK(m.generators[0].start == 0);
  CHECK(m.generators[0].end == 7 * kDay);
  CHECK(m.generators[0].max_jobs == 0);
  CHECK(m.generators[0].tenant == "default");
  REQUIRE(m.policies.size() == 1);
  CHECK(m.policies[0].queue == "fifo");
  CHECK(m.policies[0].placement == "first-fit");
}

TEST_CASE("A policy without placement defaults to first-fit", "[scenario]") {
  const ScenarioModel m = Compile(R"(horizon_days: 1
cluster: {pools: [{name: p, gpu_type: T4, gpus_per_node: 1, nodes: 1, pricing: {on_demand: {usd_per_gpu_hour: 0}}}]}
workload: {}
policies: [{queue: fifo-backfill}, {queue: fifo-backfill, placement: spread}]
)",
                                  "yaml", "p.yaml");
  REQUIRE(m.policies.size() == 2);
  CHECK(m.policies[0].Name() == "fifo-backfill+first-fit");
  CHECK(m.policies[1].Name() == "fifo-backfill+spread");
  CHECK(m.jobs.empty());
  CHECK(m.pools[0].price == 0);
}

// ---------------------------------------------------------------------------------------------
// Errors: every message names the file, the line, the field path and what is allowed.

// A valid scenario; line numbers are referred to by the cases below.
const char* const kValid = R"(horizon_days: 30
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 128
      pricing:
        on_demand: {usd_per_gpu_hour: 2.5}
workload:
  jobs:
    - {gpus: 8, duration_s: 3600}
    - {gpus: 16, duration_s: 7200}
    - {gpus: 1, duration_s: 60}
)";

// kValid with the first occurrence of `from` replaced by `to`.
std::string Edit(const std::string& from, const std::string& to) {
  std::string s = kValid;
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  return s;
}

TEST_CASE("The base of the error cases is valid", "[scenario]") { CHECK(ErrorOf(kValid).empty()); }

struct BadCase {
  const char* what;
  std::string text;
  std::vector<std::string> expected;  // substrings of the message
};

TEST_CASE("Load errors: unknown fields and wrong types and oneofs", "[scenario]") {
  const std::vector<BadCase> cases = {
      {"unknown top-level field",
       Edit("horizon_days: 30", "horizon_dayz: 30"),
       {"bad.yaml:1: horizon_dayz: unknown field \"horizon_dayz\"", "did you mean \"horizon_days\"",
        "allowed fields of Scenario: name, start, horizon_days, seed, sample_interval_s, "
        "cluster, workload, policies"}},
      {"unknown nested field",
       Edit("nodes: 128", "node_count: 128"),
       {"bad.yaml:7: cluster.pools[0].node_count: unknown field",
        "allowed fields of Pool: name, "
        "gpu_type, gpus_per_node, nodes"}},
      {"camelCase field",
       Edit("gpus_per_node: 8", "gpusPerNode: 8"),
       {"bad.yaml:6: cluster.pools[0].gpusPerNode: unknown field",
        "did you mean \"gpus_per_node\"? field names are snake_case"}},
      {"string for a number",
       Edit("nodes: 128", "nodes: many"),
       {"bad.yaml:7: cluster.pools[0].nodes: \"many\" is not a number",
        "expected a whole number from 0 to 4294967295"}},
      {"quoted number",
       Edit("nodes: 128", "nodes: \"128\""),
       {"bad.yaml:7: cluster.pools[0].nodes: got the string \"128\"",
        "expected a whole number >= 0 (without quotes)"}},
      {"negative for uint32",
       Edit("nodes: 128", "nodes: -2"),
       {"bad.yaml:7: cluster.pools[0].nodes: -2 is negative", "from 0 to 4294967295"}},
      {"fraction for an integer",
       Edit("gpus_per_node: 8", "gpus_per_node: 1.5"),
       {"bad.yaml:6: cluster.pools[0].gpus_per_node: 1.5 is not a whole number"}},
      {"too large for uint32",
       Edit("nodes: 128", "nodes: 5000000000"),
       {"bad.yaml:7: cluster.pools[0].nodes: 5000000000 is out of range"}},
      {"number field holds a list",
       Edit("horizon_days: 30", "horizon_days: [30]"),
       {"bad.yaml:1: horizon_days: got a list; expected a number"}},
      {"map where a list is expected",
       Edit("  pools:\n    - name: a100", "  pools:\n      name: a100"),
       {"bad.yaml:3: cluster.pools: expected a list of maps (Pool), got a map"}},
      {"scalar where a list is expected",
       std::string(kValid) + "  generators:\n    - arrivals_per_hour: 1\n      gpus: {values: 8}\n"
                             "      duration: {constant_s: 5}\n",
       {"bad.yaml:17: workload.generators[0].gpus.values: expected a list of a whole number >= 0 "
        "values, got \"8\"",
        "write a list even for one value"}},
      {"list where a map is expected",
       Edit("pricing:\n        on_demand: {usd_per_gpu_hour: 2.5}", "pricing: [1]"),
       {"bad.yaml:8: cluster.pools[0].pricing: expected a map of Pricing fields, got a list"}},
      {"two members of a oneof",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}",
            "on_demand: {usd_per_gpu_hour: 2.5}\n        reserved: {usd_per_gpu_hour: 1}"),
       {"bad.yaml:10: cluster.pools[0].pricing.reserved: sets both \"on_demand\" and \"reserved\"",
        "set only one of: on_demand, reserved"}},
      {"duplicate key",
       Edit("nodes: 128", "nodes: 128\n      nodes: 3"),
       {"bad.yaml:8: cluster.pools[0].nodes: duplicate key (first set on line 7)"}},
      {"no value",
       Edit("nodes: 128", "nodes:"),
       {"bad.yaml:7: cluster.pools[0].nodes: has no value; expected a whole number >= 0"}},
      {"scenario not a map", "- 1\n- 2\n", {"bad.yaml:1: the scenario must be a map of fields"}},
      {"empty key",
       "horizon_days: 1\n: 3\n",
       {"bad.yaml:2: a key is empty; keys must be field names of Scenario"}},
  };
  for (const BadCase& c : cases) {
    INFO(c.what << "\n" << c.text);
    const std::string error = ErrorOf(c.text);
    INFO("error: " << error);
    REQUIRE_FALSE(error.empty());
    for (const std::string& e : c.expected) CHECK_THAT(error, Contains(e));
  }
}

TEST_CASE("Malformed and empty files", "[scenario]") {
  CHECK_THAT(ErrorOf("horizon_days: 30\ncluster: {pools: [\n  a: b\n"),
             Contains("bad.yaml:") && Contains("malformed YAML: "));
  const std::string bad_indent = ErrorOf("horizon_days: 30\ncluster:\n  pools: x\n bad: 1\n");
  CHECK_THAT(bad_indent, Contains("bad.yaml:4:") && Contains("malformed YAML"));
  CHECK_THAT(ErrorOf("{\"horizon_days\": 30,\n \"cluster\": {\"pools\": [}}\n", "json", "bad.json"),
             Contains("bad.json:2:") && Contains("malformed JSON"));
  CHECK_THAT(ErrorOf("", "yaml"), Contains("bad.yaml: scenario is empty"));
  CHECK_THAT(ErrorOf("# only a comment\n\n", "yaml"), Contains("bad.yaml: scenario is empty"));
  CHECK_THAT(ErrorOf("{}", "json", "bad.json"), Contains("bad.json: scenario is empty"));
  CHECK_THAT(ErrorOf("  \n", "textproto", "bad.pbtxt"), Contains("bad.pbtxt: scenario is empty"));
  CHECK_THAT(ErrorOf("# nothing\n", "textproto", "bad.pbtxt"),
             Contains("bad.pbtxt: scenario is empty"));
  CHECK_THAT(ErrorOf("a: 1\n---\nb: 2\n"), Contains("holds 2 YAML documents"));
}

TEST_CASE("Textproto errors carry line and column and the field path", "[scenario]") {
  CHECK_THAT(ErrorOf("horizon_days: 30\ncluster {\n  pools { nodez: 3 }\n}\n", "textproto",
                     "bad.textproto"),
             Contains("bad.textproto:3:") &&
                 Contains("cluster.pools[0].nodez: unknown field \"nodez\" (did you mean "
                          "\"nodes\"?); allowed fields of Pool: name, gpu_type,"));
  CHECK_THAT(ErrorOf("horizon_days: 30\ncluster {\n  pools { pricing { on_demand {} reserved {} } "
                     "}\n}\n",
                     "textproto", "bad.textproto"),
             Contains("bad.textproto:3:") && Contains("cluster.pools[0].pricing.reserved: ") &&
                 Contains("oneof"));
  CHECK_THAT(ErrorOf("horizon_days: \"x\"\n", "textproto", "bad.textproto"),
             Contains("bad.textproto:1:15: horizon_days: Expected"));
  // Repeated messages are counted in every syntax: blocks, <...> and [ ... ] lists.
  CHECK_THAT(ErrorOf("horizon_days: 30\ncluster {\n  pools { name: \"a\" }\n  pools < name: \"b\" "
                     "gpu_typ: \"x\" >\n}\n",
                     "textproto", "bad.textproto"),
             Contains("bad.textproto:4:") && Contains("cluster.pools[1].gpu_typ: unknown field"));
  CHECK_THAT(ErrorOf("horizon_days: 30\nworkload { generators: [{name: \"a\"}, {name: \"b\" "
                     "max_jobs: \"many\"}] }\n",
                     "textproto", "bad.textproto"),
             Contains("workload.generators[1].max_jobs: Expected integer"));
  // # comments (with braces, colons and /*) and signed numbers do not shift the path.
  CHECK_THAT(ErrorOf("horizon_days: 30 # see /data/*.csv\ncluster { # old: cluster {\n"
                     "  pools { name: \"a\" memory_gb_per_node: -inf } # pricing:\n"
                     "  pools { name: \"b\" nodez: 1 }\n}\n",
                     "textproto", "bad.textproto"),
             Contains("bad.textproto:4:") && Contains("cluster.pools[1].nodez: unknown field"));
  CHECK_THAT(ErrorOf("horizon_days: 30\nbad_top: 1\n", "textproto", "bad.textproto"),
             Contains("bad.textproto:2:") &&
                 Contains("bad_top: unknown field \"bad_top\"; allowed fields of Scenario: "));
}

TEST_CASE("Compile errors name file and line and field and the allowed range", "[scenario]") {
  const std::string gen_head = std::string(kValid) + "  generators:\n";  // generators on line 15
  const std::vector<BadCase> cases = {
      {"missing horizon",
       Edit("horizon_days: 30\n", ""),
       {"bad.yaml: horizon_days: is required; must be > 0 and <= 3660 (days)"}},
      {"negative horizon",
       Edit("horizon_days: 30", "horizon_days: -1"),
       {"bad.yaml:1: horizon_days: -1 is not allowed; must be > 0 and <= 3660 (days)"}},
      {"horizon too long",
       Edit("horizon_days: 30", "horizon_days: 4000"),
       {"bad.yaml:1: horizon_days: 4000 is not allowed; must be > 0 and <= 3660 (days)"}},
      {"infinite horizon",
       Edit("horizon_days: 30", "horizon_days: .inf"),
       {"bad.yaml:1: horizon_days: inf is not a finite number; must be > 0 and <= 3660 (days)"}},
      {"horizon beyond double",
       Edit("horizon_days: 30", "horizon_days: 1e400"),
       {"bad.yaml:1: horizon_days: inf is not a finite number; must be > 0 and <= 3660 (days)"}},
      {"horizon underflows",
       Edit("horizon_days: 30", "horizon_days: 1e-400"),
       {"bad.yaml:1: horizon_days: 0 is not allowed"}},
      {"bad start date",
       Edit("horizon_days: 30", "horizon_days: 30\nstart: 2023-13-01"),
       {"bad.yaml:2: start: \"2023-13-01\" is not a valid date", "YYYY-MM-DD"}},
      {"sample interval below 1 s",
       Edit("horizon_days: 30", "horizon_days: 30\nsample_interval_s: 0.5"),
       {"bad.yaml:2: sample_interval_s: 0.5 is not allowed; must be >= 1 (seconds"}},
      {"no cluster", "horizon_days: 1\nworkload: {}\n", {"bad.yaml: cluster: is required"}},
      {"no workload",
       "horizon_days: 1\ncluster: {pools: [{name: a, gpu_type: T4, gpus_per_node: 1, "
       "nodes: 1, pricing: {on_demand: {usd_per_gpu_hour: 1}}}]}\n",
       {"bad.yaml: workload: is required (it may hold zero jobs)"}},
      {"no pools",
       "horizon_days: 1\ncluster: {}\nworkload: {}\n",
       {"bad.yaml:2: cluster.pools: is required; at least one pool"}},
      {"pool without name",
       Edit("    - name: a100\n      gpu_type", "    - gpu_type"),
       {"bad.yaml:4: cluster.pools[0].name: is required; a unique pool name"}},
      {"duplicate pool name",
       Edit("workload:",
            "    - {name: a100, gpu_type: T4, gpus_per_node: 1, nodes: 1, pricing: "
            "{on_demand: {usd_per_gpu_hour: 1}}}\nworkload:"),
       {"bad.yaml:10: cluster.pools[1].name: duplicate pool name \"a100\" (also "
        "cluster.pools[0])"}},
      {"unknown gpu type",
       Edit("gpu_type: A100-80GB", "gpu_type: A1000"),
       {"bad.yaml:5: cluster.pools[0].gpu_type: unknown GPU type \"A1000\"",
        "known: V100, A100-40GB, A100-80GB, H100, H200, L4, A10G, T4, P100"}},
      {"gpus_per_node 0",
       Edit("gpus_per_node: 8", "gpus_per_node: 0"),
       {"bad.yaml:6: cluster.pools[0].gpus_per_node: 0 is not allowed; must be 1..64"}},
      {"gpus_per_node 65",
       Edit("gpus_per_node: 8", "gpus_per_node: 65"),
       {"bad.yaml:6: cluster.pools[0].gpus_per_node: 65 is not allowed; must be 1..64"}},
      {"zero nodes",
       Edit("nodes: 128", "nodes: 0"),
       {"bad.yaml:7: cluster.pools[0].nodes: 0 is not allowed; must be >= 1"}},
      {"missing nodes",
       Edit("      nodes: 128\n", ""),
       {"bad.yaml:4: cluster.pools[0].nodes: is required; must be >= 1"}},
      {"missing pricing",
       Edit("      pricing:\n        on_demand: {usd_per_gpu_hour: 2.5}\n", ""),
       {"bad.yaml:4: cluster.pools[0].pricing: is required; set exactly one of on_demand, "
        "reserved, owned or spot"}},
      {"empty pricing",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}", "{}"),
       {"bad.yaml:8: cluster.pools[0].pricing: is required; set exactly one of"}},
      {"negative price",
       Edit("usd_per_gpu_hour: 2.5", "usd_per_gpu_hour: -1"),
       {"bad.yaml:9: cluster.pools[0].pricing.on_demand.usd_per_gpu_hour: -1 is not allowed; "
        "must be >= 0 (USD per GPU-hour)"}},
      {"missing price",
       Edit("{usd_per_gpu_hour: 2.5}", "{}"),
       {"bad.yaml:9: cluster.pools[0].pricing.on_demand.usd_per_gpu_hour: is required; give "
        "exactly one of usd_per_gpu_hour, usd_per_node_hour or catalog"}},
      {"two prices",
       Edit("{usd_per_gpu_hour: 2.5}", "{usd_per_gpu_hour: 2.5, usd_per_node_hour: 20}"),
       {"bad.yaml:9: cluster.pools[0].pricing.on_demand.usd_per_gpu_hour: is given with another "
        "price"}},
      {"unknown catalogue key",
       Edit("{usd_per_gpu_hour: 2.5}", "{catalog: \"aws:nope:on_demand\"}"),
       {"cluster.pools[0].pricing.on_demand.catalog: unknown price catalogue key "
        "\"aws:nope:on_demand\"; known: "}},
      {"catalogue kind mismatch",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}",
            "reserved: {catalog: \"aws:p4d.24xlarge:on_demand\"}"),
       {"cluster.pools[0].pricing.reserved.catalog: \"aws:p4d.24xlarge:on_demand\" is a "
        "on_demand price; this pricing takes reserved_1y, reserved_3y"}},
      {"catalogue GPU mismatch",
       Edit("{usd_per_gpu_hour: 2.5}", "{catalog: \"aws:p4d.24xlarge:on_demand\"}"),
       {"cluster.pools[0].pricing.on_demand.catalog: \"aws:p4d.24xlarge:on_demand\" prices "
        "A100-40GB GPUs but the pool's gpu_type is"}},
      {"bad commitment month",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}",
            "reserved: {usd_per_gpu_hour: 1, start_month: \"2023-13\"}"),
       {"cluster.pools[0].pricing.reserved.start_month: \"2023-13\" is not a month; use YYYY-MM"}},
      {"owned without amortisation",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}", "owned: {capex_usd_per_node: 200000, usd_per_kwh: 0.1}"),
       {"cluster.pools[0].pricing.owned.amortization_months: is required; 1..1200"}},
      {"owned with a PUE below 1",
       Edit("on_demand: {usd_per_gpu_hour: 2.5}",
            "owned: {capex_usd_per_node: 1, amortization_months: 36, usd_per_kwh: 0.1, pue: 0.5}"),
       {"cluster.pools[0].pricing.owned.pue: 0.5 is not allowed; must be 1..5"}},
      {"new gpu type without speed",
       Edit("  pools:", "  gpu_types:\n    - {name: X9, memory_gb: 10}\n  pools:"),
       {"bad.yaml:4: cluster.gpu_types[0].training_speed: is required; must be > 0 for the new "
        "GPU type \"X9\""}},
      {"gpu type without name",
       Edit("  pools:", "  gpu_types:\n    - {memory_gb: 10}\n  pools:"),
       {"bad.yaml:4: cluster.gpu_types[0].name: is required"}},
      {"negative gpu memory",
       Edit("  pools:", "  gpu_types:\n    - {name: H100, memory_gb: -10}\n  pools:"),
       {"bad.yaml:4: cluster.gpu_types[0].memory_gb: -10 is not allowed; must be >= 0 (GB"}},
      {"unknown reference gpu",
       Edit("workload:", "workload:\n  reference_gpu: B200"),
       {"bad.yaml:11: workload.reference_gpu: unknown GPU type \"B200\"; known: V100"}},
      {"negative duration",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 1, duration_s: -5}"),
       {"bad.yaml:14: workload.jobs[2].duration_s: -5 is not allowed; must be > 0 (seconds)"}},
      {"missing duration",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 1}"),
       {"bad.yaml:14: workload.jobs[2].duration_s: is required; must be > 0 (seconds)"}},
      {"zero gpus",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 0, duration_s: 60}"),
       {"bad.yaml:14: workload.jobs[2].gpus: 0 is not allowed; must be >= 1 (GPUs)"}},
      {"negative submit",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 1, duration_s: 60, submit_s: -3}"),
       {"bad.yaml:14: workload.jobs[2].submit_s: -3 is not allowed; must be >= 0 (seconds"}},
      {"job larger than any pool",
       Edit("{gpus: 16, duration_s: 7200}", "{gpus: 4096, duration_s: 7200}"),
       {"bad.yaml:13: workload.jobs[1].gpus: needs 4096 GPUs but the largest eligible pool has "
        "1024 (pool \"a100\")"}},
      {"job gpu_type no pool has",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 1, duration_s: 60, gpu_type: H100}"),
       {"bad.yaml:14: workload.jobs[2].gpu_type: no pool has GPU type \"H100\"; use \"\" (any "
        "pool) or a GPU type of some pool: A100-80GB"}},
      {"job gpu_type unknown",
       Edit("{gpus: 1, duration_s: 60}", "{gpus: 1, duration_s: 60, gpu_type: Z}"),
       {"bad.yaml:14: workload.jobs[2].gpu_type: unknown GPU type \"Z\""}},
      {"generator without rate",
       gen_head + "    - {gpus: {values: [1]}, duration: {constant_s: 5}}\n",
       {"bad.yaml:16: workload.generators[0].arrivals_per_hour: is required; must be > 0"}},
      {"generator without gpus",
       gen_head + "    - {arrivals_per_hour: 1, duration: {constant_s: 5}}\n",
       {"bad.yaml:16: workload.generators[0].gpus: is required"}},
      {"generator empty values",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: []}, duration: {constant_s: 5}}\n",
       {"bad.yaml:16: workload.generators[0].gpus.values: is required; a non-empty list"}},
      {"generator zero value",
       gen_head +
           "    - {arrivals_per_hour: 1, gpus: {values: [1, 0]}, duration: {constant_s: 5}}\n",
       {"bad.yaml:16: workload.generators[0].gpus.values[1]: 0 is not allowed; must be >= 1"}},
      {"generator value too large",
       gen_head + "    - arrivals_per_hour: 1\n      gpus: {values: [1, 2048]}\n      duration: "
                  "{constant_s: 5}\n",
       {"bad.yaml:17: workload.generators[0].gpus.values[1]: needs 2048 GPUs but the largest "
        "eligible pool has 1024 (pool \"a100\")"}},
      {"weights of another length",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1, 2], weights: [1]}, duration: "
                  "{constant_s: 5}}\n",
       {"workload.generators[0].gpus.weights: has 1 weights for 2 values"}},
      {"negative weight",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1, 2], weights: [1, -1]}, "
                  "duration: {constant_s: 5}}\n",
       {"workload.generators[0].gpus.weights[1]: -1 is not allowed; must be >= 0"}},
      {"zero weights",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1, 2], weights: [0, 0]}, duration: "
                  "{constant_s: 5}}\n",
       {"workload.generators[0].gpus.weights: all weights are 0"}},
      {"generator without duration",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}}\n",
       {"bad.yaml:16: workload.generators[0].duration: is required; set one of constant_s, "
        "exponential"}},
      {"zero constant duration",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {constant_s: 0}}\n",
       {"workload.generators[0].duration.constant_s: 0 is not allowed; must be > 0 (seconds)"}},
      {"exponential without mean",
       gen_head +
           "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {exponential: {}}}\n",
       {"workload.generators[0].duration.exponential.mean_s: is required; must be > 0"}},
      {"lognormal without sigma",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {lognormal: "
                  "{median_s: 60}}}\n",
       {"workload.generators[0].duration.lognormal.sigma: is required; must be >= 0"}},
      {"lognormal negative sigma",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {lognormal: "
                  "{median_s: 60, sigma: -1}}}\n",
       {"workload.generators[0].duration.lognormal.sigma: -1 is not allowed; must be >= 0"}},
      {"empirical without path",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {empirical: "
                  "{column: x}}}\n",
       {"workload.generators[0].duration.empirical.path: is required"}},
      {"min above max",
       gen_head + "    - {arrivals_per_hour: 1, gpus: {values: [1]}, duration: {constant_s: 5, "
                  "min_s: 100, max_s: 50}}\n",
       {"workload.generators[0].duration.min_s: 100 is greater than max_s 50; must be <= max_s"}},
      {"end before start",
       gen_head + "    - {arrivals_per_hour: 1, start_s: 100, end_s: 50, gpus: {values: [1]}, "
                  "duration: {constant_s: 5}}\n",
       {"workload.generators[0].end_s: 50 is before start_s 100"}},
      {"negative start",
       gen_head + "    - {arrivals_per_hour: 1, start_s: -1, gpus: {values: [1]}, duration: "
                  "{constant_s: 5}}\n",
       {"workload.generators[0].start_s: -1 is not allowed; must be >= 0"}},
      {"unknown queue policy",
       std::string(kValid) + "policies:\n  - {queue: lifo}\n",
       {"bad.yaml:16: policies[0].queue: unknown queue policy \"lifo\"; known: fifo, fifo-skip, "
        "fifo-backfill, sjf"}},
      {"missing queue policy",
       std::string(kValid) + "policies:\n  - {placement: spread}\n",
       {"bad.yaml:16: policies[0].queue: is required; one of: fifo, fifo-skip"}},
      {"unknown placement policy",
       std::string(kValid) + "policies:\n  - {queue: fifo, placement: worst-fit}\n",
       {"bad.yaml:16: policies[0].placement: unknown placement policy \"worst-fit\"; known: "
        "first-fit, best-fit, spread"}},
      {"duplicate policy",
       std::string(kValid) +
           "policies:\n  - {queue: fifo}\n  - {queue: fifo, placement: first-fit}\n",
       {"bad.yaml:17: policies[1]: duplicate policy fifo+first-fit (also policies[0])"}},
  };
  for (const BadCase& c : cases) {
    INFO(c.what << "\n" << c.text);
    const std::string error = ErrorOf(c.text);
    INFO("error: " << error);
    REQUIRE_FALSE(error.empty());
    for (const std::string& e : c.expected) CHECK_THAT(error, Contains(e));
  }
}

TEST_CASE("A gpu_type restricts the pools a job may fit", "[scenario]") {
  const std::string two_pools = R"(horizon_days: 1
cluster:
  pools:
    - {name: big, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 100, pricing: {on_demand: {usd_per_gpu_hour: 1}}}
    - {name: small, gpu_type: T4, gpus_per_node: 4, nodes: 2, pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  jobs:
    - {gpus: 16, duration_s: 10, gpu_type: T4}
    - {gpus: 16, duration_s: 10}
)";
  const std::string error = ErrorOf(two_pools);
  CHECK_THAT(error, Contains("bad.yaml:8: workload.jobs[0].gpus: needs 16 GPUs but the largest "
                             "eligible pool has 8 (pool \"small\")"));
  CHECK_THAT(error, !Contains("jobs[1]"));
}

TEST_CASE("All errors are reported together", "[scenario]") {
  const std::string error = ErrorOf(R"(horizon_days: -1
cluster:
  pools:
    - {name: a, gpu_type: H100, gpus_per_node: 8, nodes: 0, pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  jobs:
    - {gpus: 1, duration_s: -5}
policies: [{queue: lifo}]
)");
  CHECK_THAT(error, Contains("bad.yaml:1: horizon_days: -1 is not allowed"));
  CHECK_THAT(error, Contains("bad.yaml:4: cluster.pools[0].nodes: 0 is not allowed"));
  CHECK_THAT(error, Contains("bad.yaml:7: workload.jobs[0].duration_s: -5 is not allowed"));
  CHECK_THAT(error, Contains("bad.yaml:8: policies[0].queue: unknown queue policy"));
  CHECK(std::count(error.begin(), error.end(), '\n') == 3);

  // Load errors are all collected too.
  const std::string load = ErrorOf("horizon_dayz: 1\nclusterr: {}\nseed: x\n");
  CHECK_THAT(load, Contains("bad.yaml:1: horizon_dayz") && Contains("bad.yaml:2: clusterr") &&
                       Contains("bad.yaml:3: seed"));

  // Beyond 20 errors the rest are counted.
  std::string many = std::string(kValid);
  for (int i = 0; i < 25; ++i) many += "    - {gpus: 1, duration_s: -1}\n";
  const std::string capped = ErrorOf(many);
  CHECK(std::count(capped.begin(), capped.end(), '\n') == 20);
  CHECK_THAT(capped, Contains("\n... and 5 more errors"));
}

TEST_CASE("Line numbers fall back to the nearest recorded parent", "[scenario]") {
  // Neither the field nor its parent is recorded for a scenario built in code: no line.
  LoadedScenario loaded;
  loaded.path = "code.yaml";
  loaded.scenario.set_horizon_days(1);
  absl::StatusOr<ScenarioModel> m = CompileScenario(loaded);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(std::string(m.status().message()), Contains("code.yaml: cluster: is required"));
}

// ---------------------------------------------------------------------------------------------
// Files

TEST_CASE("Scenario files are read by extension", "[scenario]") {
  TempDir dir;
  const std::string yaml = dir.Write("s.yml", kFullYaml);
  const std::string json = dir.Write("s.json", kFullJson);
  const std::string text = dir.Write("s.pbtxt", kFullTextproto);
  absl::StatusOr<ScenarioModel> a = LoadAndCompileScenario(yaml);
  absl::StatusOr<ScenarioModel> b = LoadAndCompileScenario(json);
  absl::StatusOr<ScenarioModel> c = LoadAndCompileScenario(text);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CheckSameModel(*a, *b);
  CheckSameModel(*a, *c);
  CHECK(a->source_path == yaml);

  absl::StatusOr<LoadedScenario> loaded = LoadScenarioFile(yaml);
  REQUIRE(loaded.ok());
  CHECK(loaded->base_dir == dir.path());

  const std::string missing = dir.path() + "/missing.yaml";
  absl::StatusOr<LoadedScenario> none = LoadScenarioFile(missing);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(none.status().message()) ==
        missing + ": cannot read scenario: No such file or directory");

  const std::string txt = dir.Write("s.txt", kFullYaml);
  absl::StatusOr<LoadedScenario> ext = LoadScenarioFile(txt);
  REQUIRE_FALSE(ext.ok());
  CHECK_THAT(std::string(ext.status().message()),
             Contains("unknown scenario file extension \".txt\"") &&
                 Contains(".yaml, .yml, .json, .textproto, .txtpb, .pbtxt"));

  const std::string empty = dir.Write("empty.yaml", "");
  CHECK_THAT(std::string(LoadScenarioFile(empty).status().message()),
             Contains("empty.yaml: scenario is empty"));
  CHECK_THAT(std::string(LoadScenarioFile(dir.path() + "/noext").status().message()),
             Contains("noext: scenario file has no extension; accepted: .yaml"));

  const std::string upper = dir.Write("UP.YAML", kValid);
  CHECK(LoadAndCompileScenario(upper).ok());
}

// ---------------------------------------------------------------------------------------------
// Empirical durations

TEST_CASE("Empirical samples: one number per line", "[scenario]") {
  const EmpiricalSamples s =
      ParseEmpiricalSamples("# minutes\n1\n\n  2.5  \n# more\n10\r\n", "d.txt", "", 60);
  CHECK(s.errors.empty());
  CHECK(s.seconds == std::vector<double>{60, 150, 600});
}

TEST_CASE("Empirical samples: a CSV column by header name", "[scenario]") {
  const EmpiricalSamples s = ParseEmpiricalSamples(
      "# trace\njob,\"duration, s\",gpus\na,100,8\nb, 250 ,1\n\n\"c,d\",7,2\n", "t.csv",
      "duration, s", 1);
  CHECK(s.errors.empty());
  CHECK(s.seconds == std::vector<double>{100, 250, 7});
}

TEST_CASE("Empirical samples: bad lines are numbered", "[scenario]") {
  const EmpiricalSamples plain =
      ParseEmpiricalSamples("1\n2\nabc\n-4\n0\ninf\n", "d.txt", "", 1);
  REQUIRE(plain.errors.size() == 3);
  CHECK_THAT(plain.errors[0], Contains("d.txt:3: \"abc\" is not a number; expected one number "
                                       "per line"));
  CHECK_THAT(plain.errors[1], Contains("d.txt:4: -4 is not allowed; every duration must be a "
                                       "finite number >= 0"));
  // A 0 is a job that failed at once (real traces hold them): kept.
  CHECK_THAT(plain.errors[2], Contains("d.txt:6: "));

  const EmpiricalSamples csv_as_plain = ParseEmpiricalSamples("a,b\n1,2\n", "t.csv", "", 1);
  CHECK_THAT(csv_as_plain.errors.at(0), Contains("set empirical.column"));

  const EmpiricalSamples no_column = ParseEmpiricalSamples("a,b\n1,2\n", "t.csv", "c", 1);
  CHECK_THAT(no_column.errors.at(0),
             Contains("t.csv:1: no column \"c\" in the CSV header; columns: \"a\", \"b\""));

  const EmpiricalSamples short_row = ParseEmpiricalSamples("a,b\n1,2\n3\n", "t.csv", "b", 1);
  CHECK_THAT(short_row.errors.at(0), Contains("t.csv:3: has 1 field but column \"b\" is field 2"));

  const EmpiricalSamples empty = ParseEmpiricalSamples("# nothing\n\n", "e.txt", "", 1);
  CHECK_THAT(empty.errors.at(0), Contains("e.txt: holds no samples"));

  std::string many;
  for (int i = 0; i < 9; ++i) many += "x\n";
  const EmpiricalSamples capped = ParseEmpiricalSamples(many, "m.txt", "", 1);
  CHECK(capped.errors.size() == 6);
  CHECK_THAT(capped.errors.back(), Contains("m.txt: ... and 4 more bad lines"));
}

TEST_CASE("Empirical duration files are resolved relative to the scenario", "[scenario]") {
  TempDir dir;
  std::filesystem::create_directories(std::filesystem::path(dir.path()) / "data");
  dir.Write("data/minutes.txt", "# minutes\n1\n2\n");
  dir.Write("data/trace.csv", "id,dur\n1,30\n2,45\n");
  dir.Write("data/bad.txt", "1\n\n2\nten\n");
  const std::string scenario = R"(horizon_days: 1
cluster: {pools: [{name: p, gpu_type: T4, gpus_per_node: 4, nodes: 1, pricing: {reserved: {usd_per_gpu_hour: 0.3}}}]}
workload:
  generators:
    - arrivals_per_hour: 1
      gpus: {values: [1]}
      duration: {empirical: {path: data/minutes.txt, scale: 60}}
    - arrivals_per_hour: 1
      gpus: {values: [1]}
      duration: {empirical: {path: data/trace.csv, column: dur}}
)";
  const std::string path = dir.Write("emp.yaml", scenario);
  absl::StatusOr<ScenarioModel> m = LoadAndCompileScenario(path);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  CHECK(m->generators[0].duration.kind == DurationDist::Kind::kEmpirical);
  CHECK(m->generators[0].duration.samples_s == std::vector<double>{60, 120});
  CHECK(m->generators[1].duration.samples_s == std::vector<double>{30, 45});

  // Absolute paths work too.
  std::string absolute = scenario;
  absolute.replace(absolute.find("data/trace.csv"), 14, dir.path() + "/data/trace.csv");
  CHECK(LoadAndCompileScenario(dir.Write("abs.yaml", absolute)).ok());

  std::string bad = scenario;
  bad.replace(bad.find("data/trace.csv"), 14, "data/bad.txt");
  bad.replace(bad.find(", column: dur"), 13, "");
  const std::string bad_path = dir.Write("bad.yaml", bad);
  absl::StatusOr<ScenarioModel> b = LoadAndCompileScenario(bad_path);
  REQUIRE_FALSE(b.ok());
  const std::string message(b.status().message());
  CHECK_THAT(message, Contains(bad_path + ":10: workload.generators[1].duration.empirical.path: " +
                               dir.path() + "/data/bad.txt:4: \"ten\" is not a number"));

  std::string missing = scenario;
  missing.replace(missing.find("data/trace.csv"), 14, "data/nope.csv");
  absl::StatusOr<ScenarioModel> n = LoadAndCompileScenario(dir.Write("missing.yaml", missing));
  REQUIRE_FALSE(n.ok());
  CHECK_THAT(std::string(n.status().message()),
             Contains("data/nope.csv: cannot read durations: No such file or directory"));

  std::string negative_scale = scenario;
  negative_scale.replace(negative_scale.find("scale: 60"), 9, "scale: -60");
  CHECK_THAT(ErrorOf(negative_scale, "yaml", "bad.yaml", dir.path()),
             Contains("bad.yaml:7: workload.generators[0].duration.empirical.scale: -60 is not "
                      "allowed; must be > 0"));
}

}  // namespace
}  // namespace burnrate
