// One table of behaviour every queue policy must pass, under every placement: gangs start
// whole or not at all, no GPU is ever given twice, the same seed gives the same result, and
// preempted work is accounted (allocated GPU-time = useful work + lost work).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>
#include <string>

#include "scheduler/registry.h"
#include "sim/model/rng.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

// 160 jobs from two tenants: priorities, checkpoints, restart overheads, gangs up to two
// nodes, CPU requests; a reserved pool and a spot pool with revocations (so jobs are also
// stopped by something other than the policy). Submissions end at day 2 of 12, so every job
// completes. Returns the useful GPU-hours (sum of gpus x duration; all GPUs run at speed 1).
ScenarioModel MixedWorkload(double* useful_gpu_hours) {
  ScenarioModel s = testing::OnePool(4, 8, 12);
  s.pools[0].cpus_per_node = 64;
  s.pools[0].rack_size = 2;  // two racks: topology has a choice
  PoolSpec spot = s.pools[0];
  spot.name = "spot";
  spot.nodes = 2;
  spot.pricing = PricingModel::kSpot;
  spot.revocations_per_node_hour = 0.05;
  spot.mean_restore = kHour;
  s.pools.push_back(spot);
  Rng rng(2024);
  const uint32_t sizes[] = {1, 1, 1, 1, 2, 2, 4, 4, 8, 16};
  *useful_gpu_hours = 0;
  double t = 0;
  for (int i = 0; i < 160; ++i) {
    const bool prod = rng.Uniform01() < 0.3;
    t += rng.Exponential(0.1);  // hours: about 1.3x the cluster while jobs arrive
    JobSpec j;
    j.name = "j" + std::to_string(i);
    j.submit = static_cast<SimTime>(t * kHour);
    j.gpus = sizes[rng.UniformInt(10)];
    j.duration = std::max<Duration>(kMinute, static_cast<Duration>(
                                                 std::min(rng.Lognormal(0.5, 1.5), 20.0) * kHour));
    j.tenant = prod ? "prod" : "research";
    j.priority = prod ? 5 : 0;
    j.checkpoint_interval = prod ? 0 : 20 * kMinute;
    j.restart_overhead = 2 * kMinute;
    j.cpus = 4.0 * j.gpus;
    j.estimate = i % 3 == 0 ? j.duration * 2 : 0;
    *useful_gpu_hours += j.gpus * static_cast<double>(j.duration) / kHour;
    s.jobs.push_back(j);
  }
  return s;
}

TEST_CASE("every queue policy passes the shared behaviour table", "[scheduler][table]") {
  double useful = 0;
  const ScenarioModel s = MixedWorkload(&useful);
  // Every registered policy with its defaults, plus the non-default preemption settings.
  std::vector<PolicySpec> queues;
  for (const PolicyInfo& q : QueuePolicies()) {
    // `external` decides in another process: tests/cli/external_policy_test.sh runs it against
    // a Python policy server and compares with sjf.
    if (q.name != "external") queues.emplace_back(q.name);
  }
  queues.emplace_back("drf", "first-fit", "in-order",
                      std::map<std::string, std::string>{{"preempt", "true"}});
  queues.emplace_back("tiresias-las", "first-fit", "in-order",
                      std::map<std::string, std::string>{{"thresholds_gpu_hours", "0.5,4"}});
  queues.emplace_back("srtf-est", "first-fit", "in-order",
                      std::map<std::string, std::string>{{"preempt_margin", "0.2"}});
  for (const PolicySpec& q : queues) {
    for (const PolicyInfo& pl : PlacementPolicies()) {
      const std::string& placement = pl.name;
      PolicySpec spec = q;
      spec.placement = placement;
      INFO(spec.Name());
      RunOptions o;
      o.keep_job_records = true;
      o.check_invariants = true;  // no over-allocation, indexes and ledger agree, every event
      auto a = Simulate(s, spec, 7, o);
      REQUIRE(a.ok());
      const auto& sum = a->result.summary();
      // Everyone finished, so the conservation law below covers every job.
      REQUIRE(sum.jobs_completed() == sum.jobs_submitted());
      REQUIRE(sum.jobs_submitted() > 50);
      double lost = 0;
      uint32_t preemptions = 0;
      for (const JobRecord& j : a->jobs) {
        // Gang all-or-nothing: one node when it fits in one, else whole nodes plus a remainder.
        CHECK(j.nodes == (j.gpus <= 8 ? 1u : (j.gpus + 7) / 8));
        lost += j.gpu_hours_lost;
        preemptions += j.preemptions;
      }
      // Preempted work accounted: every GPU-hour held was either useful (each job's whole
      // duration, once) or lost (since a checkpoint, or restart overhead).
      CHECK(sum.gpu_hours_lost() == Approx(lost).epsilon(1e-9));
      CHECK(sum.preemptions() == preemptions);
      CHECK(sum.gpu_hours_allocated() == Approx(useful + lost).epsilon(1e-9));
      CHECK(sum.gpu_hours_useful() == Approx(useful).epsilon(1e-9));
      // Determinism: the same seed gives the same result, byte for byte.
      auto b = Simulate(s, spec, 7, o);
      REQUIRE(b.ok());
      CHECK(a->result.SerializeAsString() == b->result.SerializeAsString());
    }
  }
}

}  // namespace
}  // namespace burnrate
