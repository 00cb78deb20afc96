// The capacity planner finds optima that can be worked out by hand.
#include "runner/planner.h"

#include <catch2/catch.hpp>

#include <map>

#include "report/writers.h"
#include "sim/scenario/scenario_loader.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::OnePool;

TEST_CASE("planner: the fewest nodes that meet a p95 queueing-delay target", "[runner][plan]") {
  // Ten 8-GPU one-hour jobs at t=0 on n nodes: the i-th job waits floor(i / n) hours. The p95
  // of those ten waits (linear interpolation at rank 8.55) is 2 h for n = 4 and 2.55 h for
  // n = 3, so with a 2 h target the cheapest pool that meets it has 4 nodes.
  ScenarioModel s = OnePool(6, 8, 1, 2.0);
  for (int i = 0; i < 10; ++i) AddJob(s, 0, 8, 1);
  s.plan.present = true;
  s.plan.dimensions.push_back({0, {1, 2, 3, 4, 5, 6, 7, 8}, {}, false});
  s.plan.target.max_p95_queue_delay_s = 2 * 3600.0;
  s.plan.policy = {"fifo", "first-fit"};
  auto plan = RunPlan(s, PlanOptions{2, 1});
  REQUIRE(plan.ok());
  REQUIRE(plan->points_size() == 8);
  REQUIRE(plan->recommended() >= 0);
  const auto& rec = plan->points(plan->recommended());
  CHECK(rec.nodes(0) == 4);
  CHECK(rec.total_cost_usd() == Approx(4 * 8 * 24 * 2.0));
  CHECK(rec.p95_queue_delay_s() == Approx(7200));
  // Cheapest first; the 3-node pool is cheaper but misses, and says why.
  CHECK(plan->points(0).nodes(0) == 1);
  const auto& three = plan->points(2);
  CHECK(three.nodes(0) == 3);
  CHECK_FALSE(three.meets_target());
  CHECK(three.misses() == "p95 queueing delay 2.55 h > 2 h");
  // The scenario's own 6 nodes are on the grid; 10 nodes and more wait no longer than 8 do.
  REQUIRE(plan->current() >= 0);
  CHECK(plan->points(plan->current()).nodes(0) == 6);
  CHECK(plan->points(0).on_frontier());
  CHECK_FALSE(plan->points(7).on_frontier());  // 8 nodes: dearer than 5, no faster (p95 0)
}

TEST_CASE("planner: the cheapest mix of two pools that finishes every job", "[runner][plan]") {
  // 2.5 h. "a100": $1/GPU-h, speed 1 (1 h per job: 2 jobs per node by the horizon). "h100":
  // $1.50/GPU-h, speed 2 (0.5 h per job: 5 jobs per node). Ten 8-GPU jobs must all finish:
  // 2a + 5h >= 10. Cost 20a + 30h: (a, h) = (0, 2) costs $60; (5, 0) $100, (1, 2) $80,
  // (3, 1) $90. The optimum is two H100 nodes and no A100.
  ScenarioModel s = OnePool(1, 8, 2.5 / 24, 1.0);
  s.pools[0].name = "a100";
  PoolSpec h100 = s.pools[0];
  h100.name = "h100";
  h100.training_speed = 2.0;
  h100.price = DollarsPerHourToPrice(1.5);
  s.pools.push_back(h100);
  for (int i = 0; i < 10; ++i) AddJob(s, 0, 8, 1);
  s.plan.present = true;
  s.plan.dimensions.push_back({0, {0, 1, 2, 3, 4, 5}, {}, false});
  s.plan.dimensions.push_back({1, {0, 1, 2, 3}, {}, false});
  s.plan.target.all_jobs_done = true;
  s.plan.policy = {"fifo", "first-fit"};
  auto one = RunPlan(s, PlanOptions{1, 1});
  auto two = RunPlan(s, PlanOptions{2, 1});
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  REQUIRE(one->recommended() >= 0);
  const auto& rec = one->points(one->recommended());
  CHECK(rec.nodes(0) == 0);
  CHECK(rec.nodes(1) == 2);
  CHECK(rec.total_cost_usd() == Approx(60.0));
  // The empty cluster is free but cannot be recommended.
  CHECK(one->points(0).total_cost_usd() == 0.0);
  CHECK_FALSE(one->points(0).meets_target());
  // Deterministic whatever the number of threads.
  CHECK(one->SerializeAsString() == two->SerializeAsString());
}

TEST_CASE("planner: unfinished or rejected jobs never meet a target", "[runner][plan]") {
  // A 64-GPU job and a stream of small ones; candidates that cannot hold the big job reject it,
  // and candidates that finish nothing must not pass a p95 JCT bound with "p95 JCT 0".
  ScenarioModel s = OnePool(8, 8, 1, 2.0);
  s.pools[0].name = "big";
  PoolSpec small = s.pools[0];
  small.name = "small";
  small.nodes = 1;
  s.pools.push_back(small);
  AddJob(s, 0, 64, 1, "huge");
  for (int i = 0; i < 20; ++i) AddJob(s, 0.1 * i, 8, 0.5);
  s.plan.present = true;
  s.plan.dimensions.push_back({0, {0, 8}, {}, false});
  s.plan.target.max_p95_jct_s = 6 * 3600.0;
  s.plan.policy = {"fifo-skip", "first-fit"};
  auto plan = RunPlan(s, PlanOptions{1, 1});
  REQUIRE(plan.ok());
  for (const auto& p : plan->points()) {
    if (p.nodes(0) == 0) {
      CHECK_FALSE(p.meets_target());
      CHECK(p.jobs_rejected() == 1);
      CHECK_THAT(p.misses(), Catch::Contains("1 job(s) too large for every pool"));
    }
  }
  REQUIRE(plan->recommended() >= 0);
  CHECK(plan->points(plan->recommended()).nodes(0) == 8);
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

// An inference service on a planned cluster: its per-pool speeds follow the pools a candidate
// keeps, and a candidate on which it misses its SLO (or cannot run at all) misses the target.
TEST_CASE("planner: services keep their pools and their SLO is part of the target",
          "[runner][plan][serving]") {
  // Pool 0 "big": 8-GPU nodes, sized 0 or 1 by the planner. Pool 1 "small": two 4-GPU nodes
  // (cannot hold the 8-GPU replica on one node). Dropping "big" shifts "small" to position 0,
  // where "big"'s speed was.
  ScenarioModel s = testing::OnePool(1, 8, 1, 1.0);
  s.pools[0].name = "big";
  s.pools[0].training_speed = 2.0;
  PoolSpec small = s.pools[0];
  small.name = "small";
  small.gpus_per_node = 4;
  small.nodes = 2;
  small.training_speed = 1.0;
  s.pools.push_back(small);
  ServiceSpec svc;
  svc.name = "api";
  svc.gpus_per_replica = 8;
  svc.pool_speed = {2.0, 0.0};  // only "big" can hold a replica
  svc.concurrency = 4;
  svc.service_time.kind = DurationDist::Kind::kConstant;
  svc.service_time.constant_s = 1;
  svc.min_replicas = 1;
  svc.max_replicas = 1;
  svc.initial_replicas = 1;
  svc.autoscaler = "fixed";
  svc.slo_latency_s = 2;
  svc.slo_attainment_target = 0.99;
  svc.tenant = "service:api";
  svc.load.requests_per_s = 1;
  s.services.push_back(svc);
  s.plan.present = true;
  s.plan.dimensions.push_back({0, {0, 1}, {}, false});
  s.plan.target.max_p95_queue_delay_s = 3600;
  s.plan.policy = {"fifo", "first-fit"};
  auto plan = RunPlan(s, PlanOptions{1, 1});
  REQUIRE(plan.ok());
  REQUIRE(plan->points_size() == 2);
  for (const auto& p : plan->points()) {
    INFO("big = " << p.nodes(0) << ": " << p.misses());
    if (p.nodes(0) == 0) {
      // Without "big" the replica cannot be placed (the small pool must not inherit its speed).
      CHECK_FALSE(p.meets_target());
      CHECK(p.misses().find("service api") != std::string::npos);
    } else {
      CHECK(p.meets_target());
    }
  }
  REQUIRE(plan->recommended() >= 0);
  CHECK(plan->points(plan->recommended()).nodes(0) == 1);
}

TEST_CASE("planner: hot spares trade their cost against a large run's time to finish",
          "[runner][plan][failures]") {
  // A 64-GPU job of 200 h on 8 nodes that each fail every 100 h and take 48 h to repair:
  // without a spare every failure stalls the job for a repair; with spares it restarts at once.
  const std::string yaml = R"(name: spares
horizon_days: 60
sample_interval_s: 0
cluster:
  pools:
    - name: p
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 8
      pricing: {reserved: {usd_per_gpu_hour: 2}}
      failures: {node_mtbf_hours: 400, repair_hours: 24, repair_distribution: fixed}
workload:
  jobs: [{name: run, gpus: 64, duration_s: 720000, checkpoint_interval_s: 3600,
          restart_overhead_s: 600}]
policies: [{queue: fifo, placement: first-fit}]
plan:
  dimensions: [{pool: p, nodes: [8], spare_nodes: [0, 1, 2, 4]}]
  target: {max_p95_jct_s: 828000}
  seeds: 6
)";
  auto loaded = LoadScenarioText(yaml, "yaml", "spares.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  INFO(model.status().message());
  REQUIRE(model.ok());
  PlanOptions o;
  o.threads = 2;
  auto plan = RunPlan(*model, o);
  REQUIRE(plan.ok());
  REQUIRE(plan->points_size() == 4);
  // Cheapest first is fewest spares (a reserved node costs the same whether it runs or waits).
  std::map<uint32_t, const v1::PlanPoint*> by_spares;
  for (const v1::PlanPoint& p : plan->points()) {
    REQUIRE(p.spare_nodes_size() == 1);
    REQUIRE(p.nodes(0) == 8);
    by_spares[p.spare_nodes(0)] = &p;
    CHECK(p.jobs_submitted() == 6);  // one job, six seeds
  }
  CHECK(plan->points(0).spare_nodes(0) == 0);
  // Each spare adds 8 GPUs x $2 x 1,440 h = $23,040 to the bill.
  CHECK(by_spares[1]->total_cost_usd() - by_spares[0]->total_cost_usd() ==
        Approx(8 * 2.0 * 1440).epsilon(1e-9));
  // The gang fails every 50 h: about 4 failures in 200 h. Without a spare each stalls the job
  // for a 24 h repair; one spare absorbs a failure unless another comes within the repair;
  // with no stall at all the job would take about 200 h + 4 x (30 min of rework + 10 min).
  CHECK(by_spares[0]->job_interruptions_by_failure() > 2);
  CHECK(by_spares[0]->mean_jct_s() > by_spares[1]->mean_jct_s() + 50 * 3600.0);
  CHECK(by_spares[1]->mean_jct_s() > by_spares[4]->mean_jct_s());
  CHECK(by_spares[4]->mean_jct_s() < 215 * 3600.0);
  CHECK_FALSE(by_spares[0]->meets_target());  // 230 h at most
  REQUIRE(plan->recommended() >= 0);
  const v1::PlanPoint& rec = plan->points(plan->recommended());
  CHECK(rec.spare_nodes(0) >= 1);
  CHECK(rec.p95_jct_s() <= 828000);
  // The scenario's own configuration (8 nodes, no spare) is on the grid.
  REQUIRE(plan->current() >= 0);
  CHECK(plan->points(plan->current()).spare_nodes(0) == 0);
}

}  // namespace
}  // namespace burnrate
