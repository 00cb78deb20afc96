// Fairness and fragmentation metrics on hand-computed cases.
#include <catch2/catch.hpp>

#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

TEST_CASE("finish-time fairness and Jain's index, by hand", "[sim][fairness]") {
  ScenarioModel s = OnePool(1, 1, 1);
  AddJob(s, 0, 1, 1, "a");
  AddJob(s, 0, 1, 1, "b");
  s.jobs[0].tenant = "ta";
  s.jobs[1].tenant = "tb";
  const RunOutput out = MustRun(s, "fifo");
  const auto& sum = out.result.summary();
  // a: JCT 1 h alone 1 h -> rho 1; b waits 1 h -> rho 2.
  CHECK(sum.mean_ftf() == Approx(1.5));
  CHECK(sum.max_ftf() == Approx(2.0));
  CHECK(sum.p95_ftf() == Approx(2.0));
  // Jain over tenants' mean rho {1, 2}: 3^2 / (2 x 5) = 0.9.
  CHECK(sum.jain_fairness() == Approx(0.9));
  REQUIRE(out.result.tenants_size() == 2);
  CHECK(out.result.tenants(0).mean_ftf() == Approx(1.0));
  CHECK(out.result.tenants(1).mean_ftf() == Approx(2.0));
  CHECK(out.result.tenants(1).jobs_completed() == 1);
}

TEST_CASE("rho uses the run time on the GPU the job ran on", "[sim][fairness]") {
  ScenarioModel s = OnePool(1, 1, 1);
  s.pools[0].training_speed = 2.0;  // twice the reference: a 2 h job runs 1 h
  AddJob(s, 0, 1, 2, "a");
  const RunOutput out = MustRun(s, "fifo");
  CHECK(out.result.summary().mean_ftf() == Approx(1.0));
}

TEST_CASE("FGD fragmentation against the arrived gang mix, by hand", "[sim][fragmentation]") {
  ScenarioModel s = OnePool(2, 8, 1);
  AddJob(s, 0, 7, 100, "seven");  // node 0 keeps 1 free GPU all day
  ScenarioModel mixed = s;
  AddJob(mixed, 0.5, 1, 0.001, "one");  // a 1-GPU task joins the mix at 0.5 h; ends at once
  // Mix {7}: the lone free GPU on node 0 is useless to a 7-GPU task; node 1's 8 are not.
  const RunOutput a = MustRun(s, "fifo");
  CHECK(a.result.summary().gpu_fragmentation() == Approx(1.0 / 16));
  CHECK(a.result.summary().unallocated_gpu_share() == Approx(9.0 / 16));
  // Hourly samples: at 0 h the mix is {7} (1 fragmented GPU); from 1 h it is {7, 1} and half
  // the tasks can use that GPU (0.5 fragmented).
  const RunOutput b = MustRun(mixed, "fifo");
  CHECK(b.result.summary().gpu_fragmentation() == Approx((1.0 + 23 * 0.5) / 16 / 24));
  // A whole-node gang (16 = 2 x 8) can use a fully free node but not a partial one.
  ScenarioModel wide = s;
  AddJob(wide, 0, 16, 1, "wide");  // waits all day behind "seven"
  const RunOutput c = MustRun(wide, "fifo");
  CHECK(c.result.summary().gpu_fragmentation() == Approx(1.0 / 16));
}

}  // namespace
}  // namespace burnrate
