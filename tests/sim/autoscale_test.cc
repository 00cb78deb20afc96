// Autoscaled on-demand pools: scale-up after the provisioning delay, scale-down after the idle
// timeout, never beyond the maximum, the overflow order, minimum charges.
#include <catch2/catch.hpp>
#include <algorithm>

#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

// Up to `max_nodes` nodes of 8 GPUs at $2/GPU-h on demand, none at the start.
ScenarioModel Elastic(uint32_t max_nodes, double delay_s, double idle_s, double days = 1) {
  ScenarioModel s = OnePool(max_nodes, 8, days, 2.0);
  PoolSpec& p = s.pools[0];
  p.pricing = PricingModel::kOnDemand;
  p.autoscale = true;
  p.min_nodes = 0;
  p.provisioning_delay = SecondsToTime(delay_s);
  p.idle_timeout = SecondsToTime(idle_s);
  return s;
}

TEST_CASE("autoscaler: a node is billed from the request, runs jobs after the delay and leaves "
          "after the idle timeout", "[sim][autoscale]") {
  // A full-node job at 1 h for 2 h: the node is requested at 1 h, runs it from 1 h 10 min,
  // idles 30 min after 3 h 10 min and leaves at 3 h 40 min: 8 GPUs x 2 h 40 min = 21.33 GPU-h.
  ScenarioModel s = Elastic(4, 600, 1800);
  AddJob(s, 1, 8, 2, "job");
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.jobs[0].start_s == 3600.0 + 600.0);
  CHECK(r.jobs[0].finish_s == 3600.0 + 600.0 + 7200.0);
  const auto& sum = r.result.summary();
  CHECK(sum.gpu_hours_provisioned() == Approx(8 * (600.0 + 7200.0 + 1800.0) / 3600.0));
  CHECK(sum.gpu_hours_allocated() == Approx(16.0));
  CHECK(sum.total_cost_usd() == Approx(2.0 * 8 * 9600.0 / 3600.0));
  const auto& ts = r.result.timeseries();
  CHECK(ts.provisioned_gpus(0) == 0);
  CHECK(ts.provisioned_gpus(1) == 8);  // booting counts: it is billed
  CHECK(ts.provisioned_gpus(3) == 8);  // idle, timeout not reached
  CHECK(ts.provisioned_gpus(4) == 0);
}

TEST_CASE("autoscaler: never beyond the maximum, never below the minimum", "[sim][autoscale]") {
  ScenarioModel s = Elastic(3, 300, 0);
  s.pools[0].min_nodes = 1;
  for (int i = 0; i < 10; ++i) AddJob(s, 0, 8, 1);
  RunOutput r = MustRun(s, "fifo");
  const auto& ts = r.result.timeseries();
  CHECK(*std::max_element(ts.provisioned_gpus().begin(), ts.provisioned_gpus().end()) == 24);
  CHECK(*std::min_element(ts.provisioned_gpus().begin(), ts.provisioned_gpus().end()) == 8);
  // The min node starts a job at 0; two more nodes arrive at 300 s; each node then runs a
  // job an hour: the min node at 0, 1, 2, 3 h, the others at 300 s, 1 h 5 min, 2 h 5 min.
  std::vector<double> starts;
  for (const JobRecord& j : r.jobs) starts.push_back(j.start_s);
  std::sort(starts.begin(), starts.end());
  CHECK(starts[0] == 0.0);
  CHECK(starts[1] == 300.0);
  CHECK(starts[2] == 300.0);
  CHECK(starts[3] == 3600.0);
  CHECK(starts[4] == 3900.0);
  CHECK(starts[9] == 3 * 3600.0);  // the min node, free again at 3 h
  CHECK(r.result.summary().jobs_completed() == 10);
  // After the last job the pool falls back to its minimum at once (timeout 0).
  CHECK(ts.provisioned_gpus(23) == 8);
}

TEST_CASE("autoscaler: overflow order is the scaling policy's", "[sim][autoscale]") {
  // Pool "pricey" ($3/GPU-h) is listed before pool "cheap" ($1/GPU-h); both empty, both elastic.
  ScenarioModel s = Elastic(2, 0, 0);
  s.pools[0].name = "pricey";
  s.pools[0].price = DollarsPerHourToPrice(3);
  PoolSpec cheap = s.pools[0];
  cheap.name = "cheap";
  cheap.price = DollarsPerHourToPrice(1);
  s.pools.push_back(cheap);
  AddJob(s, 0, 8, 1, "job");
  CHECK(MustRun(s, "fifo").jobs[0].pool == "pricey");
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = true;
  auto cheapest = Simulate(s, PolicySpec{"fifo", "first-fit", "cheapest-first"}, 1, o);
  REQUIRE(cheapest.ok());
  CHECK(cheapest->jobs[0].pool == "cheap");
  CHECK(cheapest->result.policy() == "fifo+first-fit+cheapest-first");
  CHECK(cheapest->result.summary().total_cost_usd() == Approx(8.0));
}

TEST_CASE("placement fills committed capacity before on-demand", "[sim][autoscale]") {
  // An on-demand node with 4 free GPUs (a tight fit for best-fit) listed first, and an idle
  // reserved node: the 4-GPU job goes to the reserved node, already paid for.
  ScenarioModel s = OnePool(1, 8, 1, 3.0);
  s.pools[0].name = "on-demand";
  s.pools[0].pricing = PricingModel::kOnDemand;
  PoolSpec reserved = s.pools[0];
  reserved.name = "reserved";
  reserved.pricing = PricingModel::kReserved;
  s.pools.push_back(reserved);
  s.jobs.clear();
  AddJob(s, 0, 4, 10, "pins-on-demand");
  s.jobs[0].gpu_type = "A100-80GB";
  AddJob(s, 1, 4, 1, "next");
  RunOutput r = MustRun(s, "fifo", "best-fit");
  // The first job also goes to reserved (tier first); the second fits reserved too.
  CHECK(r.jobs[0].pool == "reserved");
  CHECK(r.jobs[1].pool == "reserved");
}

TEST_CASE("autoscaler: a node released early pays its minimum charge", "[sim][autoscale]") {
  // A 10-minute job on a node with a one-hour minimum charge, released as soon as idle: billed
  // 8 GPUs x 1 h at $2 = $16, of which 50 minutes are idle capacity.
  ScenarioModel s = Elastic(1, 0, 0);
  s.pools[0].min_charge = kHour;
  AddJob(s, 0, 8, 10.0 / 60, "short");
  RunOutput r = MustRun(s, "fifo");
  const auto& pool = r.result.pools(0);
  CHECK(pool.gpu_hours_provisioned() == Approx(8 * 10.0 / 60));
  CHECK(pool.cost_usd() == Approx(16.0));
  CHECK(pool.idle_capacity_usd() == Approx(16.0 * 50 / 60));
}

TEST_CASE("autoscaler keeps every invariant under every policy", "[sim][autoscale][invariants]") {
  ScenarioModel s = Elastic(12, 900, 1200, 2);
  PoolSpec fixed = s.pools[0];
  fixed.name = "fixed";
  fixed.autoscale = false;
  fixed.nodes = 2;
  fixed.pricing = PricingModel::kReserved;
  s.pools.insert(s.pools.begin(), fixed);
  testing::AddPoissonGenerator(s, 20, 1800, {1, 2, 4, 8, 16, 24});
  for (const char* q : {"fifo", "fifo-skip", "fifo-backfill", "sjf"}) {
    for (const char* sc : {"in-order", "cheapest-first"}) {
      INFO(q << " " << sc);
      RunOptions o;
      o.check_invariants = true;
      auto r = Simulate(s, PolicySpec{q, "best-fit", sc}, 4, o);
      REQUIRE(r.ok());
      const auto& sum = r->result.summary();
      CHECK(sum.jobs_completed() > 500);
      // The elastic pool scaled both ways.
      const auto& ts = r->result.timeseries();
      const uint32_t peak = *std::max_element(ts.provisioned_gpus().begin(),
                                              ts.provisioned_gpus().end());
      CHECK(peak > 16);
      CHECK(peak <= 16 + 96);
      CHECK(r->result.pools(1).gpu_utilization() > 0.5);
    }
  }
}

}  // namespace
}  // namespace burnrate
