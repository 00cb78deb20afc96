// Regression tests for defects found in review of the money features: each scenario is the
// reviewer's reproducer, with what it must do now.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

struct Run {
  ScenarioOutput out;
  std::map<std::string, JobRecord> jobs;  // of the first run
};

Run RunYaml(const std::string& yaml) {
  auto loaded = LoadScenarioText(yaml, "yaml", "r.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  INFO(model.status().message());
  REQUIRE(model.ok());
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = true;
  auto out = SimulateAll(*model, {}, 1, o);
  REQUIRE(out.ok());
  Run r{*std::move(out), {}};
  for (const JobRecord& j : r.out.jobs[0]) r.jobs[j.name] = j;
  return r;
}

TEST_CASE("a reclaim scheduled before a node came back does not hit its new jobs",
          "[sim][spot][regression]") {
  Run r = RunYaml(R"YAML(name: reclaim
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - name: spot
      gpu_type: A100-80GB
      gpus_per_node: 1
      nodes: 2
      pricing:
        spot:
          usd_per_gpu_hour: 1.0
          revocations_per_node_hour: 0
          notice_s: 1000
          availability_series: [{time_s: 100, nodes: 1}, {time_s: 300, nodes: 2}]
workload:
  jobs:
    - {name: Z, gpus: 1, duration_s: 50000}
    - {name: A, gpus: 1, duration_s: 200}
    - {name: B, gpus: 1, duration_s: 5000, submit_s: 250}
)YAML");
  CHECK(r.jobs["B"].finish_s == 5300.0);
  CHECK(r.jobs["B"].preemptions == 0);
}

TEST_CASE("a node drained for an availability drop comes back if availability rose meanwhile",
          "[sim][spot][regression]") {
  // A is preempted at 1,100 s (end of notice) and restarts at once on the node offered again.
  Run r = RunYaml(R"YAML(name: stuck
start: "2023-08-01"
horizon_days: 1
sample_interval_s: 600
cluster:
  pools:
    - name: spot
      gpu_type: A100-80GB
      gpus_per_node: 1
      nodes: 2
      pricing:
        spot:
          usd_per_gpu_hour: 1.0
          revocations_per_node_hour: 0
          notice_s: 1000
          availability_series: [{time_s: 100, nodes: 1}, {time_s: 300, nodes: 2}]
workload:
  jobs:
    - {name: Z, gpus: 1, duration_s: 50000}
    - {name: A, gpus: 1, duration_s: 20000}
    - {name: C, gpus: 1, duration_s: 3000, submit_s: 2000}
)YAML");
  CHECK(r.jobs["A"].finish_s == 1100.0 + 20000.0);
  CHECK(r.jobs["C"].start_s == 21100.0);
}

TEST_CASE("an autoscaled pool does not release idle nodes while it grows for a gang",
          "[sim][autoscale][regression]") {
  Run r = RunYaml(R"YAML(name: thrash2
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - name: od
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 2
      autoscale: {min_nodes: 0, provisioning_delay_s: 60, idle_timeout_s: 0}
      pricing:
        on_demand: {usd_per_gpu_hour: 1.0, min_charge_s: 60}
workload:
  jobs:
    - {name: A, gpus: 8, duration_s: 3600}
    - {name: G, gpus: 16, duration_s: 3600, submit_s: 100}
policies: [{queue: fifo}, {queue: fifo-backfill}, {queue: sjf}]
)YAML");
  for (const auto& jobs : r.out.jobs) {
    for (const JobRecord& j : jobs) CHECK(j.finish_s > 0);
  }
  CHECK(r.jobs["G"].start_s == 3720.0);
  CHECK(r.out.results.runs(0).summary().events() < 100);
}

TEST_CASE("fifo-backfill counts a restarted job's overhead", "[sim][fifo-backfill][regression]") {
  Run r = RunYaml(R"YAML(name: bf
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - name: spot
      gpu_type: A100-80GB
      gpus_per_node: 1
      nodes: 2
      pricing:
        spot:
          usd_per_gpu_hour: 1.0
          revocations_per_node_hour: 0
          availability_series: [{time_s: 500, nodes: 1}, {time_s: 600, nodes: 2}]
workload:
  jobs:
    - {name: X, gpus: 1, duration_s: 10000}
    - {name: H, gpus: 2, duration_s: 1000}
    - {name: Y, gpus: 1, duration_s: 1000, restart_overhead_s: 9500}
policies: [{queue: fifo-backfill}]
)YAML");
  CHECK(r.jobs["H"].start_s == 10000.0);  // its reserved time
}

TEST_CASE("booting nodes in any pool serve a class before more are requested",
          "[sim][autoscale][regression]") {
  // Five 8-GPU jobs: two nodes in pool a and three in b (spilled in the same pass), not four.
  Run r = RunYaml(R"YAML(name: overflow
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - name: a
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 2
      autoscale: {min_nodes: 0, provisioning_delay_s: 600, idle_timeout_s: 300}
      pricing:
        on_demand: {usd_per_gpu_hour: 1.0}
    - name: b
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 4
      autoscale: {min_nodes: 0, provisioning_delay_s: 600, idle_timeout_s: 300}
      pricing:
        on_demand: {usd_per_gpu_hour: 2.0}
workload:
  jobs:
    - {name: j0, gpus: 8, duration_s: 3600}
    - {name: j1, gpus: 8, duration_s: 3600}
    - {name: j2, gpus: 8, duration_s: 3600}
    - {name: j3, gpus: 8, duration_s: 3600}
    - {name: tick, gpus: 8, duration_s: 3600, submit_s: 10}
)YAML");
  CHECK(r.out.results.runs(0).summary().gpu_hours_provisioned() ==
        Approx(8 * 5 * (600.0 + 3600.0 + 300.0) / 3600.0).epsilon(0.01));
  for (const char* j : {"j0", "j1", "j2", "j3"}) CHECK(r.jobs[j].start_s == 600.0);
}

TEST_CASE("an open-ended commitment starting mid-horizon amortises its whole upfront",
          "[sim][money][regression]") {
  Run r = RunYaml(R"YAML(name: res2
start: "2023-08-01"
horizon_days: 61
cluster:
  pools:
    - name: res
      gpu_type: A100-80GB
      gpus_per_node: 1
      nodes: 1
      pricing:
        reserved: {usd_per_gpu_hour: 0, upfront_usd: 610, term_months: 0, start_month: "2023-09"}
workload:
  jobs:
    - {name: J, gpus: 1, duration_s: 3600, submit_s: 0}
)YAML");
  CHECK(r.out.results.runs(0).summary().total_cost_usd() == Approx(610.0));
}

TEST_CASE("a job ending exactly at the horizon completes whatever else happens then",
          "[sim][regression]") {
  Run r = RunYaml(R"YAML(name: hz
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - name: spot
      gpu_type: A100-80GB
      gpus_per_node: 1
      nodes: 3
      pricing:
        spot:
          usd_per_gpu_hour: 1.0
          revocations_per_node_hour: 0
          notice_s: 200
          availability_series: [{time_s: 86200, nodes: 2}]
workload:
  jobs:
    - {name: X, gpus: 1, duration_s: 86300}
    - {name: Y, gpus: 1, duration_s: 100000}
    - {name: W, gpus: 1, duration_s: 100000}
    - {name: J, gpus: 1, duration_s: 100, submit_s: 86300}
)YAML");
  CHECK(r.jobs["J"].finish_s == 86400.0);
}

TEST_CASE("fifo-backfill without a computable reservation starts what fits",
          "[sim][fifo-backfill][regression]") {
  // The head waits for autoscaled nodes still booting (2 h): small jobs on the fixed pool run
  // meanwhile instead of waiting the whole provisioning delay.
  Run boot = RunYaml(R"YAML(name: boot
start: "2023-08-01"
horizon_days: 1
cluster:
  pools:
    - { name: fixed, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1, pricing: { reserved: { usd_per_gpu_hour: 1 } } }
    - { name: auto, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2, autoscale: { min_nodes: 0, provisioning_delay_s: 7200 }, pricing: { on_demand: { usd_per_gpu_hour: 2 } } }
workload:
  jobs:
    - { name: holder, submit_s: 0, gpus: 4, duration_s: 80000 }
    - { name: head16, submit_s: 10, gpus: 16, duration_s: 3600 }
    - { name: s1, submit_s: 20, gpus: 1, duration_s: 600 }
    - { name: s2, submit_s: 30, gpus: 1, duration_s: 600 }
policies: [ {queue: fifo}, {queue: fifo-backfill}, {queue: fifo-skip} ]
)YAML");
  const auto& backfill = boot.out.results.runs(1);
  REQUIRE(backfill.policy() == "fifo-backfill+first-fit");
  CHECK(backfill.summary().mean_queue_delay_s() <
        boot.out.results.runs(0).summary().mean_queue_delay_s());
  // The head can never fit (spot capacity gone for good): the rest still runs.
  Run stall = RunYaml(R"YAML(name: stall
start: "2023-08-01"
horizon_days: 3
cluster:
  pools:
    - { name: od, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1, pricing: { on_demand: { usd_per_gpu_hour: 2 } } }
    - { name: sp, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 4, pricing: { spot: { usd_per_gpu_hour: 1, revocations_per_node_hour: 0, availability_series: [ {time_s: 100, nodes: 0} ] } } }
workload:
  jobs:
    - { name: big, submit_s: 200, gpus: 32, duration_s: 3600 }
  generators:
    - { arrivals_per_hour: 2, start_s: 300, gpus: { values: [1] }, duration: { constant_s: 1800 } }
policies: [ {queue: fifo}, {queue: fifo-backfill}, {queue: fifo-skip}, {queue: sjf} ]
)YAML");
  CHECK(stall.out.results.runs(1).summary().jobs_completed() > 100);
}

}  // namespace
}  // namespace burnrate
