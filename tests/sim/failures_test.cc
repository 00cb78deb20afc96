// Failures, repairs, spares and checkpoint writes, computed by hand from failure traces
// (docs/failures.md), and the scenario errors of the failure and checkpoint fields.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/scenario/failure_trace.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

using Catch::Matchers::Contains;

struct Dir {
  Dir() {
    path = std::filesystem::temp_directory_path() /
           ("burnrate-failures-" + std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~Dir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
  std::filesystem::path path;
};

absl::StatusOr<ScenarioModel> CompileIn(const Dir& dir, const std::string& yaml) {
  auto loaded = LoadScenarioText(yaml, "yaml", "f.yaml", dir.path.string());
  if (!loaded.ok()) return loaded.status();
  return CompileScenario(*loaded);
}

RunOutput MustRun(const ScenarioModel& m) {
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = true;
  auto out = Simulate(m, m.policies[0], 1, o);
  if (!out.ok()) throw std::runtime_error(std::string(out.status().message()));
  return *std::move(out);
}

// One day, 8-GPU nodes at $1 per GPU-hour (on demand, every node provisioned all day), and one
// 16-GPU job of 10 h that restarts in 30 min and (by default) checkpoints every hour. `extra`
// is YAML for the pool, `job` for the job.
constexpr char kHourly[] = ", checkpoint_interval_s: 3600";
std::string Scenario(uint32_t nodes, const std::string& extra, const std::string& job = kHourly) {
  return "name: traced\nhorizon_days: 1\nsample_interval_s: 0\ncluster:\n  pools:\n"
         "    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: " +
         std::to_string(nodes) + ", pricing: {on_demand: {usd_per_gpu_hour: 1}}, " + extra +
         "}\nworkload:\n  jobs: [{name: run, gpus: 16, duration_s: 36000, "
         "restart_overhead_s: 1800" + job +
         "}]\npolicies: [{queue: fifo, placement: first-fit}]\n";
}

TEST_CASE("a traced failure rolls the job back to its checkpoint and stalls it for the repair",
          "[sim][failures]") {
  Dir dir;
  // Node 1 fails at 2.5 h and is back 3 h later.
  dir.Write("fail.csv", "time_s,node,repair_s\n9000,1,10800\n");
  auto m = CompileIn(dir, Scenario(2, "failures: {trace: fail.csv}"));
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  const v1::Summary& s = out.result.summary();
  // 2 h kept at 2.5 h (0.5 h x 16 GPUs lost); waits until 5.5 h; 30 min restart + 8 h: 14 h.
  REQUIRE(out.jobs.size() == 1);
  CHECK(out.jobs[0].finish_s == Approx(14 * 3600.0));
  CHECK(out.jobs[0].failures == 1);
  CHECK(out.jobs[0].preemptions == 1);
  CHECK(s.node_failures() == 1);
  CHECK(s.job_interruptions_by_failure() == 1);
  CHECK(s.gpu_hours_lost() == Approx(16.0));              // 8 rework + 8 restart
  CHECK(s.gpu_hours_lost_to_failures() == Approx(16.0));  // both caused by the failure
  CHECK(s.gpu_hours_down() == Approx(8 * 3.0));
  CHECK(s.gpu_hours_allocated() == Approx(16 * (2.5 + 8.5)));
  CHECK(s.gpu_hours_useful() == Approx(16 * 10.0));
  CHECK(s.goodput() == Approx(160.0 / 176.0));
  // The failed node is still paid for: two nodes all day.
  CHECK(s.total_cost_usd() == Approx(16 * 24 * 1.0));
  CHECK(out.result.pools(0).node_failures() == 1);
  CHECK(out.result.pools(0).gpu_hours_down() == Approx(24.0));
}

TEST_CASE("a hot spare takes the failed node's place at once", "[sim][failures]") {
  Dir dir;
  dir.Write("fail.csv", "time_s,node,repair_s\n9000,1,10800\n");
  auto m = CompileIn(dir, Scenario(3, "spare_nodes: 1, failures: {trace: fail.csv}"));
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  const v1::Summary& s = out.result.summary();
  // Restarts at 2.5 h on the spare: 30 min + 8 h, done at 11 h. The spare costs a node-day.
  CHECK(out.jobs[0].finish_s == Approx(11 * 3600.0));
  CHECK(s.total_cost_usd() == Approx(24 * 24 * 1.0));
  CHECK(out.result.pools(0).spare_nodes() == 1);
  CHECK(s.gpu_hours_down() == Approx(24.0));
  CHECK(s.gpu_hours_useful() == Approx(160.0));
  // Provisioned all day, allocated only while the job ran: the spare is idle capacity.
  CHECK(s.gpu_hours_provisioned() == Approx(24 * 24.0));
  CHECK(s.gpu_hours_allocated() == Approx(16 * (2.5 + 8.5)));
}

TEST_CASE("a repaired node runs jobs while failures have used up the spares", "[sim][failures]") {
  Dir dir;
  // Node 1 fails at 2.5 h (the spare replaces it), node 0 at 3 h (no spare left) and is back at
  // 4 h: it must run the job then, not wait as a spare until node 1 is back at 5.5 h.
  dir.Write("fail.csv", "time_s,node,repair_s\n9000,1,10800\n10800,0,3600\n");
  auto m = CompileIn(dir, Scenario(3, "spare_nodes: 1, failures: {trace: fail.csv}"));
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  // Kept 2 h at 2.5 h; the restart at 2.5 h fails during its 30-min overhead; back at 4 h with
  // 8 h left: 30 min + 8 h, done at 12.5 h.
  CHECK(out.jobs[0].failures == 2);
  CHECK(out.jobs[0].finish_s == Approx(12.5 * 3600));
  CHECK(out.result.summary().gpu_hours_down() == Approx(8 * (3.0 + 1.0)));
}

TEST_CASE("a failure kills the replicas on the node and the service replaces them elsewhere",
          "[sim][failures][serving]") {
  Dir dir;
  // Two 8-GPU nodes, one 8-GPU replica on node 1 (best-fit takes the most recently freed
  // node first): node 1 fails at 1 h for 2 h. The replacement must go to node 0, not back onto
  // the failing node, which its release just put first in line (that never ended).
  dir.Write("fail.csv", "time_s,node,repair_s\n3600,1,7200\n");
  auto m = CompileIn(dir, R"(name: replica-failure
horizon_days: 1
sample_interval_s: 0
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}, failures: {trace: fail.csv}}
workload:
  services:
    - name: api
      gpus_per_replica: 8
      concurrency: 4
      service_time: {constant_s: 0.5}
      max_replicas: 1
      autoscaler: {name: fixed}
      load: {requests_per_s: 1}
policies: [{queue: fifo, placement: best-fit}]
)");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  const v1::Summary& s = out.result.summary();
  CHECK(s.node_failures() == 1);
  CHECK(s.job_interruptions_by_failure() == 1);  // the replica
  REQUIRE(out.result.services_size() == 1);
  // One replica all day but for the moment of the failure: about 24 h x 8 GPUs.
  CHECK(out.result.services(0).gpu_hours() == Approx(24 * 8.0).epsilon(0.01));
  CHECK(s.gpu_hours_down() == Approx(16.0));
}

TEST_CASE("checkpoint writes cost time and a failure loses only the work after the last one",
          "[sim][failures]") {
  Dir dir;
  // Fails at 2.6 h: two 1-h segments and their 15-min writes are done (2.5 h), 0.1 h is lost.
  dir.Write("fail.csv", "time_s,node,repair_s\n9360,0,10800\n");
  auto m = CompileIn(dir, Scenario(2, "failures: {trace: fail.csv}", std::string(kHourly) + ", checkpoint_write_s: 900"));
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  const v1::Summary& s = out.result.summary();
  // Back at 5.6 h with 8 h of work: 30 min restart + 8 h + 7 writes of 15 min = 10.25 h.
  CHECK(out.jobs[0].finish_s == Approx((5.6 + 10.25) * 3600));
  CHECK(s.gpu_hours_checkpointing() == Approx(16 * (0.5 + 1.75)));
  CHECK(out.jobs[0].gpu_hours_checkpointing == Approx(36.0));
  CHECK(s.gpu_hours_lost() == Approx(16 * (0.1 + 0.5)));
  CHECK(s.gpu_hours_allocated() == Approx(16 * (2.6 + 10.25)));
  CHECK(s.gpu_hours_useful() == Approx(160.0));
  CHECK(out.jobs[0].checkpoint_interval_s == 3600);
}

TEST_CASE("without failures a job writes a checkpoint after every full interval but the last",
          "[sim][failures]") {
  Dir dir;
  auto m = CompileIn(dir, Scenario(2, "", std::string(kHourly) + ", checkpoint_write_s: 60"));
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  // 10 h of work, 9 writes of a minute.
  CHECK(out.jobs[0].finish_s == Approx(10 * 3600.0 + 9 * 60));
  CHECK(out.result.summary().gpu_hours_checkpointing() == Approx(16 * 9 / 60.0));
  CHECK(out.result.summary().goodput() == Approx(600.0 / 609.0));
}

TEST_CASE("young-daly takes no checkpoint where nothing fails and sqrt(2 d M) where it does",
          "[sim][failures]") {
  Dir dir;
  const std::string rule = ", checkpoint_rule: young-daly, checkpoint_write_s: 60";
  auto calm = CompileIn(dir, Scenario(2, "", rule));
  INFO(calm.status().message());
  REQUIRE(calm.ok());
  RunOutput out = MustRun(*calm);
  CHECK(out.jobs[0].checkpoint_interval_s == 0);
  CHECK(out.jobs[0].finish_s == Approx(10 * 3600.0));
  // Nodes failing every 1,000 h: the 2-node gang every 500 h; sqrt(2 x 60 s x 1.8e6 s).
  auto failing = CompileIn(
      dir, Scenario(2, "failures: {node_mtbf_hours: 1000, repair_hours: 1}", rule));
  REQUIRE(failing.ok());
  out = MustRun(*failing);
  CHECK(out.jobs[0].checkpoint_interval_s == Approx(std::sqrt(2.0 * 60 * 1.8e6)).epsilon(1e-9));
}

TEST_CASE("a rack fails as one: its nodes go down and come back together", "[sim][failures]") {
  Dir dir;
  auto m = CompileIn(dir, R"(name: racks
horizon_days: 30
sample_interval_s: 0
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 8, rack_size: 4,
       pricing: {on_demand: {usd_per_gpu_hour: 1}},
       failures: {rack_mtbf_hours: 50, repair_hours: 2, repair_distribution: fixed}}
workload:
  jobs: [{gpus: 32, duration_s: 2000000, checkpoint_interval_s: 3600}]
policies: [{queue: fifo, placement: first-fit}]
)");
  INFO(m.status().message());
  REQUIRE(m.ok());
  const RunOutput out = MustRun(*m);
  const v1::Summary& s = out.result.summary();
  REQUIRE(s.rack_failures() > 0);
  CHECK(s.node_failures() % 4 == 0);  // whole racks only
  CHECK(s.node_failures() <= 4 * s.rack_failures());
  CHECK(s.node_failures() > 0);
  // Each of the 4 nodes of a failed rack is down 2 h (unless the horizon cuts it).
  CHECK(s.gpu_hours_down() <= s.node_failures() * 8 * 2.0 + 1e-9);
  CHECK(s.job_interruptions_by_failure() <= s.rack_failures());
  CHECK(s.job_interruptions_by_failure() > 0);
}

TEST_CASE("failure and checkpoint fields are checked with clear messages", "[sim][failures]") {
  Dir dir;
  const auto error = [&](const std::string& yaml) {
    auto m = CompileIn(dir, yaml);
    return m.ok() ? std::string("(compiled)") : std::string(m.status().message());
  };
  CHECK_THAT(error(Scenario(2, "failures: {node_mtbf_hours: 100}")),
             Contains("cluster.pools[0].failures.repair_hours: is required; must be > 0 (mean "
                      "hours to repair or replace a failed node)"));
  CHECK_THAT(error(Scenario(2, "failures: {repair_hours: 1}")),
             Contains("cluster.pools[0].failures: sets no failure rate: give gpu_mtbf_hours, "
                      "node_mtbf_hours, rack_mtbf_hours or a trace (the GPU type \"A100-80GB\" "
                      "has no mtbf_hours in the catalog)"));
  CHECK_THAT(error(Scenario(2, "failures: {node_mtbf_hours: -1, repair_hours: 1}")),
             Contains("cluster.pools[0].failures.node_mtbf_hours: -1 is not allowed; must be >= "
                      "0 (hours; 0 = none)"));
  CHECK_THAT(error(Scenario(2, "failures: {node_mtbf_hours: 9, repair_hours: 1, "
                               "repair_distribution: weibull}")),
             Contains("repair_distribution: unknown distribution \"weibull\"; one of: "
                      "exponential (default), fixed"));
  CHECK_THAT(error(Scenario(2, "spare_nodes: 2")),
             Contains("cluster.pools[0].spare_nodes: 2 leaves no node to run jobs; must be less "
                      "than nodes (2)"));
  CHECK_THAT(error(Scenario(2, "", ", checkpoint_rule: young-daly")),
             Contains("workload.jobs[0].checkpoint_write_s: is required with checkpoint_rule "
                      "young-daly; must be > 0"));
  CHECK_THAT(error(Scenario(2, "", std::string(kHourly) + ", checkpoint_rule: young-daly, checkpoint_write_s: 60")),
             Contains("workload.jobs[0].checkpoint_interval_s: is set by checkpoint_rule "
                      "young-daly; remove it, or use checkpoint_rule fixed"));
  CHECK_THAT(error(Scenario(2, "", ", checkpoint_rule: optimal")),
             Contains("workload.jobs[0].checkpoint_rule: unknown rule \"optimal\"; one of: fixed"));
  // Spot pools come and go: failures are not modelled there (yet).
  CHECK_THAT(error("name: s\nhorizon_days: 1\ncluster:\n  pools:\n    - {name: p, gpu_type: "
                   "H100, gpus_per_node: 8, nodes: 2, pricing: {spot: {usd_per_gpu_hour: 1}}, "
                   "failures: {repair_hours: 1}}\nworkload: {}\n"),
             Contains("cluster.pools[0].failures: is not modelled for spot or autoscaled pools"));
  CHECK_THAT(error("name: s\nhorizon_days: 1\ncluster:\n  pools:\n    - {name: p, gpu_type: "
                   "H100, gpus_per_node: 8, nodes: 2, spare_nodes: 1, pricing: {spot: "
                   "{usd_per_gpu_hour: 1, revocations_per_node_hour: 0}}}\nworkload: {}\n"),
             Contains("cluster.pools[0].spare_nodes: is not for autoscaled or spot pools"));
  // Spares without failures are allowed, with a warning: they only cost.
  auto idle_spares = CompileIn(dir, Scenario(3, "spare_nodes: 1"));
  REQUIRE(idle_spares.ok());
  REQUIRE(idle_spares->warnings.size() == 1);
  CHECK_THAT(idle_spares->warnings[0],
             Contains("cluster.pools[0].spare_nodes: the pool has no failures, so its 1 spare "
                      "node(s) only add to the bill"));
  // A trace alone on an H100 pool: gpu_mtbf_hours written as 0 turns the catalog rate off.
  dir.Write("one.csv", "time_s,node,repair_s\n60,0,60\n");
  auto traced = CompileIn(dir, "name: s\nhorizon_days: 1\ncluster:\n  pools:\n    - {name: p, "
                               "gpu_type: H100, gpus_per_node: 8, nodes: 2, pricing: {on_demand: "
                               "{usd_per_gpu_hour: 1}}, failures: {gpu_mtbf_hours: 0, trace: "
                               "one.csv}}\nworkload: {}\n");
  INFO(traced.status().message());
  REQUIRE(traced.ok());
  CHECK(traced->pools[0].node_failures_per_hour == 0);
  CHECK(MustRun(*traced).result.summary().node_failures() == 1);
  // The H100's catalog rate applies when the block gives none.
  auto h100 = CompileIn(dir, "name: s\nhorizon_days: 1\ncluster:\n  pools:\n    - {name: p, "
                             "gpu_type: H100, gpus_per_node: 8, nodes: 2, pricing: {on_demand: "
                             "{usd_per_gpu_hour: 1}}, failures: {repair_hours: 1}}\n"
                             "workload: {}\n");
  REQUIRE(h100.ok());
  CHECK(h100->pools[0].node_failures_per_hour == Approx(8 / 50677.0).epsilon(1e-4));
}

TEST_CASE("failure traces: header, node range, order and repair are checked per line",
          "[sim][failures]") {
  const auto errors = [](const std::string& text) {
    std::string all;
    for (const std::string& e : ParseFailureTrace(text, "f.csv", 4).errors) all += e + "\n";
    return all;
  };
  CHECK_THAT(errors("time,node\n1,0\n"),
             Contains("f.csv:1: expected the header time_s,node or time_s,node,repair_s"));
  CHECK_THAT(errors("time_s,node\n10,4\n"),
             Contains("f.csv:2: node \"4\" is not allowed; a node index of the pool, 0..3"));
  CHECK_THAT(errors("time_s,node\n10,1\n5,2\n"),
             Contains("f.csv:3: time_s 5 is before the previous row's 10; sort the trace by time"));
  CHECK_THAT(errors("time_s,node,repair_s\n10,1,0\n"),
             Contains("f.csv:2: repair_s \"0\" is not allowed; seconds > 0"));
  CHECK_THAT(errors("time_s,node\n-1,0\n"), Contains("f.csv:2: time_s \"-1\" is not allowed"));
  CHECK_THAT(errors(""), Contains("f.csv: empty file; expected the header time_s,node"));
  const FailureTraceRead ok = ParseFailureTrace("# a comment\ntime_s,node,repair_s\n10,1,\n"
                                                "20,2,30\n",
                                                "f.csv", 4);
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.failures.size() == 2);
  CHECK(ok.needs_repair_hours);  // the first row takes the pool's repair draw
  CHECK(ok.failures[1].node == 2);
  CHECK(ok.failures[1].repair == 30 * kSecond);
}

}  // namespace
}  // namespace burnrate
