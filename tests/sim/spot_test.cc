// Spot pools: revocations at the configured rate, and preempted jobs that lose exactly the work
// since their last checkpoint.
#include <catch2/catch.hpp>
#include <cmath>

#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

ScenarioModel SpotPool(uint32_t nodes, double rate_per_node_hour, double days) {
  ScenarioModel s = OnePool(nodes, 8, days, 1.2);
  PoolSpec& p = s.pools[0];
  p.pricing = PricingModel::kSpot;
  p.revocations_per_node_hour = rate_per_node_hour;
  return s;
}

TEST_CASE("spot: the observed revocation count matches the configured rate", "[sim][spot]") {
  // 100 nodes, 0.01 revocations per node-hour, 30 days. Revoked nodes come back after an hour
  // on average, so the expectation is rate x node-hours actually online (measured). Poisson:
  // the count must lie within 4 standard deviations.
  ScenarioModel s = SpotPool(100, 0.01, 30);
  s.pools[0].mean_restore = kHour;
  RunOutput r = MustRun(s, "fifo");
  const double node_hours = r.result.pools(0).gpu_hours_provisioned() / 8;
  const double expected = 0.01 * node_hours;
  const double observed = r.result.pools(0).revocations();
  INFO("observed " << observed << ", expected " << expected << " over " << node_hours
                   << " node-hours");
  CHECK(expected > 650);
  CHECK(std::abs(observed - expected) < 4 * std::sqrt(expected));
  // Restore takes ~1 h of each ~100 h: about 1% of the fleet is missing on average.
  CHECK(node_hours == Approx(100 * 720 * 100.0 / 101).epsilon(0.01));
}

TEST_CASE("spot: a preempted job loses exactly the work since its last checkpoint",
          "[sim][spot]") {
  // One spot node, revoked about every 5 h (every 2 h without checkpoints), replaced at
  // once, no notice. A full-node job runs back to back: every preemption costs it the time
  // since its last checkpoint (everything, without checkpoints), so it finishes late by exactly
  // its lost GPU-hours / 8.
  struct Case {
    double checkpoint_h, duration_h, rate;
  };
  for (const Case& c : {Case{1.0, 30, 0.2}, Case{0.0, 4, 0.5}}) {
    uint32_t preemptions = 0;
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      INFO("checkpoint every " << c.checkpoint_h << " h, seed " << seed);
      ScenarioModel s = SpotPool(1, c.rate, 20);
      AddJob(s, 0, 8, c.duration_h, "train");
      s.jobs[0].checkpoint_interval = static_cast<Duration>(c.checkpoint_h * kHour);
      RunOutput r = MustRun(s, "fifo", "first-fit", seed);
      const JobRecord& j = r.jobs[0];
      REQUIRE(j.finish_s > 0);
      preemptions += j.preemptions;
      CHECK(j.preemptions == r.result.summary().preemptions());
      const double late_h = (j.finish_s - c.duration_h * 3600.0) / 3600.0;
      CHECK(late_h == Approx(j.gpu_hours_lost / 8).margin(1e-6));
      if (c.checkpoint_h > 0) CHECK(j.gpu_hours_lost < j.preemptions * 8 * c.checkpoint_h);
      // Useful = allocated - lost = the job's work.
      const auto& sum = r.result.summary();
      CHECK(sum.gpu_hours_useful() == Approx(8 * c.duration_h));
      CHECK(sum.gpu_hours_allocated() - sum.gpu_hours_lost() == Approx(8 * c.duration_h));
      CHECK(sum.cost_per_useful_gpu_hour_usd() ==
            Approx(sum.total_cost_usd() / sum.gpu_hours_useful()));
    }
    CHECK(preemptions >= 4);  // the identities above were exercised
  }
}

TEST_CASE("spot: restart overhead is lost time too, and notice lets short jobs finish",
          "[sim][spot]") {
  ScenarioModel s = SpotPool(1, 0.2, 20);
  AddJob(s, 0, 8, 30, "train");
  s.jobs[0].checkpoint_interval = kHour;
  s.jobs[0].restart_overhead = 10 * kMinute;
  s.pools[0].revocation_notice = 2 * kMinute;
  RunOutput r = MustRun(s, "fifo");
  const JobRecord& j = r.jobs[0];
  REQUIRE(j.finish_s > 0);
  CHECK(j.preemptions > 2);
  // Lost = for each preemption the time since the checkpoint (notice included), plus 10 min of
  // restart overhead per restart; the job is late by exactly that.
  CHECK((j.finish_s - 30 * 3600.0) / 3600.0 == Approx(j.gpu_hours_lost / 8).margin(1e-6));
  CHECK(j.gpu_hours_lost >= j.preemptions * 8 * (10.0 / 60));
}

TEST_CASE("spot: a price series is billed segment by segment", "[sim][spot][money]") {
  // One node of 8 GPUs for a day at $1/GPU-h, then $2/GPU-h from 12 h. A 4-GPU job from 6 h
  // to 18 h: usage 4 x 6 x $1 + 4 x 6 x $2 = $72; the whole node 8 x 12 x ($1 + $2) = $288.
  ScenarioModel s = SpotPool(1, 0, 1);
  s.pools[0].price = DollarsPerHourToPrice(1.0);
  s.pools[0].price_series = {{12 * kHour, DollarsPerHourToPrice(2.0)}};
  AddJob(s, 6, 4, 12, "job");
  RunOutput r = MustRun(s, "fifo");
  const auto& pool = r.result.pools(0);
  CHECK(pool.cost_usd() == Approx(288.0));
  CHECK(pool.usage_usd() == Approx(72.0));
  CHECK(pool.idle_capacity_usd() == Approx(216.0));
}

TEST_CASE("spot: an availability drop revokes the newest nodes until capacity returns",
          "[sim][spot]") {
  // Four nodes, four 10-hour full-node jobs checkpointing hourly from 0 h. At 6 h the provider
  // offers one node: nodes 3, 2, 1 get 10 minutes' notice, their jobs are preempted at 6 h 10
  // (keeping 6 h of work, losing 10 min) and wait. Node 0 frees at 10 h and takes the oldest of
  // them (done at 14 h); at 12 h all four nodes are back and the other two finish at 16 h.
  ScenarioModel s = SpotPool(4, 0, 1);
  s.pools[0].revocation_notice = 10 * kMinute;
  s.pools[0].availability_series = {{6 * kHour, 1}, {12 * kHour, 4}};
  for (int i = 0; i < 4; ++i) AddJob(s, 0, 8, 10);
  for (JobSpec& j : s.jobs) j.checkpoint_interval = kHour;
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.jobs[0].finish_s == 10 * 3600.0);
  for (size_t i = 1; i < 4; ++i) {
    INFO("job " << i);
    CHECK(r.jobs[i].preemptions == 1);
    CHECK(r.jobs[i].gpu_hours_lost == Approx(8 * 10.0 / 60));
    CHECK(r.jobs[i].finish_s == (i == 1 ? 14 : 16) * 3600.0);
  }
  CHECK(r.result.pools(0).revocations() == 3);
  // Three nodes offline from 6 h 10 to 12 h: 768 - 3 x 8 x 35/6 = 628 GPU-h provisioned.
  CHECK(r.result.pools(0).gpu_hours_provisioned() == Approx(628.0));
}

TEST_CASE("spot keeps every invariant under every policy", "[sim][spot][invariants]") {
  ScenarioModel s = SpotPool(6, 0.1, 3);
  s.pools[0].revocation_notice = 120 * kSecond;
  s.pools[0].mean_restore = 30 * kMinute;
  PoolSpec od = s.pools[0];
  od.name = "on-demand";
  od.pricing = PricingModel::kOnDemand;
  od.nodes = 2;
  s.pools.push_back(od);
  testing::AddPoissonGenerator(s, 8, 3600, {1, 2, 4, 8, 16});
  s.generators[0].checkpoint_interval = 20 * kMinute;
  for (const char* q : {"fifo", "fifo-skip", "fifo-backfill", "sjf"}) {
    INFO(q);
    RunOutput r = MustRun(s, q, "best-fit", 2);
    CHECK(r.result.summary().preemptions() > 0);
    CHECK(r.result.summary().jobs_completed() > 300);
    CHECK(r.result.summary().gpu_hours_lost() > 0);
  }
}

}  // namespace
}  // namespace burnrate
