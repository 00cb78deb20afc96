// Bills computed by hand for every pricing model.
#include "sim/billing.h"

#include <catch2/catch.hpp>

#include "sim/scenario/scenario_loader.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

// 2023-01-01 for `days`, one node of 8 GPUs, reserved at $1/GPU-h with a $12,000 upfront over
// a 12-month term from `start_month` months after January 2023.
ScenarioModel Committed(double days, int start_month_offset = 0, uint32_t term = 12) {
  ScenarioModel s = OnePool(1, 8, days, 1.0);
  PoolSpec& p = s.pools[0];
  p.pricing = PricingModel::kReserved;
  p.upfront = DollarsToMoney(12000);
  p.term_months = term;
  static const int64_t kMonthStart[] = {0, 31, 59, 90};  // days from Jan 1 to each month start
  p.commit_begin = kMonthStart[start_month_offset] * kDay;
  p.commit_end = kMonthStart[start_month_offset + static_cast<int>(term)] * kDay;
  return s;
}

TEST_CASE("reserved: hourly for every committed second plus the upfront by month", "[sim][money]") {
  // Jan (744 h) and Feb (672 h) 2023, idle: 8 x 744 x $1 = $5,952 and 8 x 672 = $5,376, plus
  // $12,000 / 12 = $1,000 of upfront in each month.
  ScenarioModel s = Committed(59, 0, 1);
  s.pools[0].term_months = 12;
  s.pools[0].commit_end = kTimeInfinity;
  RunOutput r = MustRun(s, "fifo");
  REQUIRE(r.result.monthly_size() == 2);
  CHECK(r.result.monthly(0).cost_usd() == 6952.0);
  CHECK(r.result.monthly(1).cost_usd() == 6376.0);
  CHECK(r.result.monthly(0).pools(0).upfront_usd() == 1000.0);
  CHECK(r.result.monthly(0).pools(0).idle_capacity_usd() == 5952.0);
  CHECK(r.result.summary().total_cost_usd() == 13328.0);
  CHECK(r.result.summary().idle_cost_usd() == 13328.0);  // nothing ran: all of it idle

  // A horizon ending half-way through February amortises half of February's share.
  ScenarioModel half = s;
  half.horizon = 45 * kDay;
  RunOutput h = MustRun(half, "fifo");
  CHECK(h.result.monthly(1).pools(0).upfront_usd() == 500.0);
  CHECK(h.result.monthly(1).pools(0).idle_capacity_usd() == 8 * 14 * 24.0);
}

TEST_CASE("reserved: a commitment starting later brings its nodes then", "[sim][money]") {
  // Commitment from February; a job submitted on Jan 10 waits for it.
  ScenarioModel s = Committed(59, 1, 1);
  AddJob(s, 9 * 24, 8, 10, "waits");
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.jobs[0].start_s == 31 * 86400.0);
  CHECK(r.result.monthly(0).cost_usd() == 0.0);
  CHECK(r.result.monthly(0).gpu_hours_provisioned() == 0.0);
  // February: 8 x 672 x $1 + the whole $12,000 upfront of a one-month term.
  CHECK(r.result.monthly(1).cost_usd() == 5376.0 + 12000.0);
  CHECK(r.result.timeseries().provisioned_gpus(0) == 0);
  CHECK(r.result.timeseries().provisioned_gpus(24 * 40) == 8);
}

TEST_CASE("reserved: at the end of the term nodes drain", "[sim][money]") {
  // A one-month term over January. A job from Jan 31 12:00 for 24 h keeps its node (all 8 GPUs
  // provisioned) until Feb 1 12:00; a job submitted in February never starts.
  ScenarioModel s = Committed(59, 0, 1);
  s.pools[0].upfront = 0;
  AddJob(s, 30 * 24 + 12, 4, 24, "spans");
  AddJob(s, 40 * 24, 1, 1, "too-late");
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.jobs[0].finish_s == 31 * 86400.0 + 12 * 3600.0);
  CHECK(r.jobs[1].start_s == -1);
  CHECK(r.result.monthly(1).gpu_hours_provisioned() == 8 * 12.0);
  CHECK(r.result.monthly(1).cost_usd() == 96.0);
  CHECK(r.result.monthly(1).gpu_hours_allocated() == 4 * 12.0);
  CHECK(r.result.summary().jobs_queued_at_horizon() == 1);
}

// One owned node of 8 GPUs (80 W idle, 400 W busy), 1 kW node overhead, PUE 1.5, $0.10/kWh,
// $240,000 over 24 months, $1,000 hosting per month; January 2023 (744 h).
ScenarioModel Owned() {
  ScenarioModel s = OnePool(1, 8, 31, 0);
  PoolSpec& p = s.pools[0];
  p.pricing = PricingModel::kOwned;
  p.price = 0;
  p.capex_per_node = DollarsToMoney(240000);
  p.amortization_months = 24;
  p.hosting_per_node_month = DollarsToMoney(1000);
  p.usd_per_kwh = 0.10;
  p.pue = 1.5;
  p.node_overhead_watts = 1000;
  p.gpu_idle_watts = 80;
  p.gpu_busy_watts = 400;
  p.on_demand_reference_usd_per_gpu_hour = 4.0;
  return s;
}

TEST_CASE("owned: capex, hosting and energy that follows use, at two utilisation levels",
          "[sim][money]") {
  SECTION("idle all month") {
    // Energy: (8 x 744 x 80 W + 744 x 1 kW) = 1,220.16 kWh x 1.5 = 1,830.24 kWh = $183.024.
    RunOutput r = MustRun(Owned(), "fifo");
    const auto& pool = r.result.pools(0);
    CHECK(pool.capex_usd() == 10000.0);
    CHECK(pool.hosting_usd() == 1000.0);
    CHECK(pool.energy_kwh() == Approx(1830.24));
    CHECK(pool.energy_usd() == Approx(183.024));
    CHECK(pool.cost_usd() == Approx(11183.024));
    CHECK(pool.idle_cost_usd() == Approx(11183.024));
    // Break-even against $4/GPU-h on demand: 11,183.024 / (4 x 5,952 GPU-h).
    CHECK(pool.break_even_utilization() == Approx(11183.024 / (4 * 5952.0)));
  }
  SECTION("busy all month") {
    // Energy: (8 x 744 x 400 W + 744 x 1 kW) = 3,124.8 kWh x 1.5 = 4,687.2 kWh = $468.72.
    ScenarioModel s = Owned();
    AddJob(s, 0, 8, 744, "all-month");
    RunOutput r = MustRun(s, "fifo");
    const auto& pool = r.result.pools(0);
    CHECK(pool.energy_kwh() == Approx(4687.2));
    CHECK(pool.cost_usd() == Approx(11468.72));
    CHECK(pool.idle_cost_usd() == 0.0);
    CHECK(r.result.summary().cost_per_allocated_gpu_hour_usd() == Approx(11468.72 / 5952.0));
  }
}

TEST_CASE("chargeback shares every pool-month among tenants by GPU-hours", "[sim][money]") {
  // Two 4-GPU jobs of different tenants on an 8-GPU on-demand node at $2/GPU-h for a day:
  // "a" holds 4 GPUs for 12 h, "b" 4 GPUs for 6 h. The day costs $384; allocated 72 GPU-h, so
  // a pays 48/72 and b 24/72 of it.
  ScenarioModel s = OnePool(1, 8, 1, 2.0);
  s.pools[0].pricing = PricingModel::kOnDemand;
  AddJob(s, 0, 4, 12, "ja");
  AddJob(s, 0, 4, 6, "jb");
  s.jobs[0].tenant = "a";
  s.jobs[1].tenant = "b";
  RunOutput r = MustRun(s, "fifo");
  REQUIRE(r.result.tenants_size() == 2);
  CHECK(r.result.tenants(0).tenant() == "a");
  CHECK(r.result.tenants(0).gpu_hours_allocated() == 48.0);
  CHECK(r.result.tenants(0).cost_usd() == Approx(384.0 * 48 / 72));
  CHECK(r.result.tenants(1).cost_usd() == Approx(384.0 * 24 / 72));
  CHECK(r.result.summary().unattributed_cost_usd() == 0.0);
}

TEST_CASE("prices per node-hour and from the catalogue", "[sim][money]") {
  const std::string base = R"(
horizon_days: 1
cluster:
  pools:
    - name: p4d
      gpu_type: A100-40GB
      gpus_per_node: 8
      nodes: 1
      pricing:
        on_demand: PRICE
workload: {}
)";
  auto load = [&](const std::string& price) {
    std::string text = base;
    text.replace(text.find("PRICE"), 5, price);
    auto loaded = LoadScenarioText(text, "yaml", "p.yaml", ".");
    REQUIRE(loaded.ok());
    auto model = CompileScenario(*loaded);
    INFO(model.status().message());
    REQUIRE(model.ok());
    return *model;
  };
  // AWS p4d.24xlarge: $32.7726 per instance-hour for 8 GPUs = $4.096575 per GPU-hour.
  const ScenarioModel by_node = load("{usd_per_node_hour: 32.7726}");
  const ScenarioModel by_key = load("{catalog: \"aws:p4d.24xlarge:on_demand\"}");
  CHECK(by_node.pools[0].price == 4096575);
  CHECK(by_key.pools[0].price == 4096575);
  RunOutput r = MustRun(by_key, "fifo");
  CHECK(r.result.summary().total_cost_usd() == Approx(32.7726 * 24));
}

}  // namespace
}  // namespace burnrate
