// Whole-run properties: conservation, determinism, hand-computed bills.
#include "sim/simulation.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "report/writers.h"
#include "sim/model/money.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::AddPoissonGenerator;
using testing::MustRun;
using testing::OnePool;

// Two pools of different shapes and speeds, a mixed synthetic workload at high load.
ScenarioModel Busy(double days = 3) {
  ScenarioModel s = OnePool(6, 8, days, 2.0);
  PoolSpec h100;
  h100.name = "h100";
  h100.gpu_type = "H100";
  h100.training_speed = 2.0;
  h100.gpus_per_node = 4;
  h100.nodes = 5;
  h100.pricing = PricingModel::kOnDemand;
  h100.price = DollarsPerHourToPrice(4.5);
  s.pools.push_back(h100);
  AddPoissonGenerator(s, 30, 1800, {1, 2, 4, 8, 12, 16});
  GeneratorSpec& g = s.generators.back();
  g.gpu_weights = {40, 20, 15, 15, 5, 5};
  g.duration.kind = DurationDist::Kind::kLognormal;
  g.duration.median_s = 1200;
  g.duration.sigma = 1.5;
  return s;
}

TEST_CASE("no GPU is ever double-allocated and every gang is whole and under every policy",
          "[sim][invariants]") {
  const ScenarioModel s = Busy();
  for (const char* q : {"fifo", "fifo-skip", "fifo-backfill", "sjf"}) {
    for (const char* p : {"first-fit", "best-fit", "spread"}) {
      INFO(q << "+" << p);
      // check_invariants recounts cluster, jobs and ledger after every event; MustRun throws
      // on the first violation.
      RunOutput r;
      REQUIRE_NOTHROW(r = MustRun(s, q, p, 3, /*check_invariants=*/true));
      CHECK(r.result.summary().jobs_completed() > 1000);
    }
  }
}

TEST_CASE("GPU-time and money are conserved", "[sim][conservation]") {
  const ScenarioModel s = Busy();
  for (const char* q : {"fifo", "fifo-backfill"}) {
    INFO(q);
    RunOutput r = MustRun(s, q, "best-fit", 5, false);
    const auto& sum = r.result.summary();
    // Provisioned GPU-time is the fleet times the horizon, per pool and in total.
    CHECK(sum.gpu_hours_provisioned() == Approx((48 + 20) * 72.0));
    CHECK(r.result.pools(0).gpu_hours_provisioned() == Approx(48 * 72.0));
    // The ledger's allocated GPU-time equals the jobs' own held time, counted independently.
    double held = 0;
    for (const JobRecord& j : r.jobs) {
      if (j.start_s < 0) continue;
      const double end = j.finish_s >= 0 ? j.finish_s : 3 * 86400.0;
      held += j.gpus * (end - j.start_s) / 3600.0;
    }
    CHECK(held == Approx(sum.gpu_hours_allocated()).epsilon(1e-9));
    // Months and pools add up to the totals.
    double month_cost = 0, pool_cost = 0, pool_idle = 0;
    for (const auto& m : r.result.monthly()) {
      month_cost += m.cost_usd();
      double by_pool = 0;
      for (const auto& pm : m.pools()) by_pool += pm.cost_usd();
      CHECK(by_pool == Approx(m.cost_usd()));
    }
    for (const auto& p : r.result.pools()) {
      pool_cost += p.cost_usd();
      pool_idle += p.idle_cost_usd();
    }
    CHECK(month_cost == Approx(sum.total_cost_usd()));
    CHECK(pool_cost == Approx(sum.total_cost_usd()));
    CHECK(pool_idle == Approx(sum.idle_cost_usd()));
    // Jobs are either completed, running or queued at the horizon.
    CHECK(sum.jobs_completed() + sum.jobs_running_at_horizon() + sum.jobs_queued_at_horizon() ==
          sum.jobs_submitted());
  }
}

TEST_CASE("same seed gives byte-identical JSON and different seeds differ", "[sim][determinism]") {
  const ScenarioModel s = Busy(2);
  const std::vector<PolicySpec> policies = {{"fifo-backfill", "best-fit"}, {"sjf", "spread"}};
  RunOptions o;
  auto a = SimulateAll(s, policies, 11, o);
  auto b = SimulateAll(s, policies, 11, o);
  auto c = SimulateAll(s, policies, 12, o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  const std::string ja = ResultsToJson(a->results), jb = ResultsToJson(b->results);
  CHECK(ja.size() > 1000);
  CHECK(ja == jb);
  CHECK(ja != ResultsToJson(c->results));
  // The reference event queue gives the very same run.
  o.reference_event_queue = true;
  auto d = SimulateAll(s, policies, 11, o);
  REQUIRE(d.ok());
  CHECK(ResultsToJson(d->results) == ja);
}

TEST_CASE("bills computed by hand across a month boundary", "[sim][money]") {
  // 2023-01-31T00:00Z for two days. Pool "od": on-demand, 1 node x 8 GPUs at $2/GPU-h.
  // Pool "res": reserved, 2 nodes x 4 GPUs at $1.50/GPU-h. One 4-GPU job runs 8 h from 20:00
  // on Jan 31 to 04:00 on Feb 1: 16 GPU-h in each month, on "res" (committed capacity first).
  ScenarioModel s = OnePool(1, 8, 2, 2.0);
  s.start_unix_s = 1675123200;  // 2023-01-31T00:00:00Z
  s.pools[0].name = "od";
  s.pools[0].pricing = PricingModel::kOnDemand;
  PoolSpec res = s.pools[0];
  res.name = "res";
  res.gpus_per_node = 4;
  res.nodes = 2;
  res.pricing = PricingModel::kReserved;
  res.price = DollarsPerHourToPrice(1.5);
  s.pools.push_back(res);
  AddJob(s, 20, 4, 8, "j");
  RunOutput r = MustRun(s, "fifo");
  REQUIRE(r.jobs[0].pool == "res");
  const auto& months = r.result.monthly();
  REQUIRE(months.size() == 2);
  CHECK(months[0].month() == "2023-01");
  CHECK(months[1].month() == "2023-02");
  for (const auto& m : months) {
    INFO(m.month());
    // od: 8 GPUs x 24 h x $2 = $384, all idle.
    // res: 8 GPUs x 24 h x $1.50 = $288, of which 16 GPU-h used ($24) and $264 idle.
    CHECK(m.cost_usd() == 672.0);
    CHECK(m.idle_cost_usd() == 648.0);
    CHECK(m.pools(0).cost_usd() == 384.0);
    CHECK(m.pools(0).idle_cost_usd() == 384.0);
    CHECK(m.pools(1).cost_usd() == 288.0);
    CHECK(m.pools(1).idle_cost_usd() == 264.0);
    CHECK(m.gpu_hours_allocated() == 16.0);
    CHECK(m.gpu_utilization() == Approx(16.0 / 384.0));
  }
  const auto& sum = r.result.summary();
  CHECK(sum.total_cost_usd() == 1344.0);
  CHECK(sum.idle_cost_usd() == 1296.0);
  CHECK(sum.cost_per_allocated_gpu_hour_usd() == Approx(1344.0 / 32.0));
  CHECK(r.result.pools(0).pricing() == "on_demand");
  CHECK(r.result.pools(1).pricing() == "reserved");
}

TEST_CASE("money is exact to the micro-dollar", "[sim][money]") {
  // 1 GPU-second at $3.60/GPU-h is exactly $0.001.
  CHECK(CostOf(kSecond, DollarsPerHourToPrice(3.6)) == 1000);
  // $2.345678/GPU-h for 1,000 GPUs over a 31-day month: 744,000 GPU-h.
  const GpuTime month = static_cast<GpuTime>(1000) * 31 * kDay;
  CHECK(CostOf(month, DollarsPerHourToPrice(2.345678)) == Money{744000} * 2345678);
  // A fleet of 1,000,000 GPUs for 10 years at $100/GPU-h does not overflow.
  const GpuTime decade = static_cast<GpuTime>(1000000) * 3650 * kDay;
  CHECK(MoneyToDollars(CostOf(decade, DollarsPerHourToPrice(100))) == Approx(8.76e12));
}

TEST_CASE("jobs on a faster GPU finish sooner and horizon cuts the run", "[sim]") {
  ScenarioModel s = OnePool(1, 8, 1);
  s.pools[0].training_speed = 2.0;  // twice the reference
  AddJob(s, 0, 8, 10, "fast");      // 10 h on the reference -> 5 h here
  AddJob(s, 0, 8, 40, "cut");       // 20 h here: starts at 5 h, still running at 24 h
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.jobs[0].finish_s == 5 * 3600.0);
  CHECK(r.jobs[1].start_s == 5 * 3600.0);
  CHECK(r.jobs[1].finish_s == -1);
  CHECK(r.result.summary().jobs_running_at_horizon() == 1);
  CHECK(r.result.summary().gpu_utilization() == 1.0);
}

TEST_CASE("time series samples allocation and queue length", "[sim]") {
  ScenarioModel s = OnePool(1, 4, 0.5);
  AddJob(s, 0, 4, 2);
  AddJob(s, 0, 4, 2);
  RunOutput r = MustRun(s, "fifo");
  const auto& ts = r.result.timeseries();
  REQUIRE(ts.time_s_size() == 12);  // every hour of 12 h, from 0
  CHECK(ts.allocated_gpus(0) == 4);
  CHECK(ts.queued_jobs(0) == 1);
  CHECK(ts.queued_jobs(2) == 0);
  CHECK(ts.allocated_gpus(4) == 0);
}

}  // namespace
}  // namespace burnrate
