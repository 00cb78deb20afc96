// The per-pool time series and the JCT / queueing-delay distributions a run reports (what
// the HTML report and notebooks plot), checked against the job records and by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::AddPoissonGenerator;
using testing::MustRun;
using testing::OnePool;

// Type-7 quantile of sorted values, as numpy computes it.
double SortedQuantile(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

TEST_CASE("per-pool series add up to the cluster series, by hand", "[sim][results]") {
  ScenarioModel s = OnePool(1, 8, 1);
  PoolSpec second = s.pools[0];
  second.name = "second";
  second.nodes = 2;
  s.pools.push_back(second);
  AddJob(s, 0, 8, 5.5, "fills-pool");  // first-fit: all of the first pool until 5.5 h
  AddJob(s, 0, 4, 2.5, "half-node");   // the second pool, until 2.5 h
  const RunOutput out = MustRun(s, "fifo");
  const auto& ts = out.result.timeseries();
  REQUIRE(ts.pools_size() == 2);
  CHECK(ts.pools(0).pool() == "pool");
  CHECK(ts.pools(1).pool() == "second");
  REQUIRE(ts.time_s_size() == 24);
  for (int p = 0; p < 2; ++p) {
    REQUIRE(ts.pools(p).allocated_gpus_size() == 24);
    REQUIRE(ts.pools(p).provisioned_gpus_size() == 24);
  }
  for (int i = 0; i < 24; ++i) {
    CHECK(ts.pools(0).allocated_gpus(i) + ts.pools(1).allocated_gpus(i) == ts.allocated_gpus(i));
    CHECK(ts.pools(0).provisioned_gpus(i) + ts.pools(1).provisioned_gpus(i) ==
          ts.provisioned_gpus(i));
    CHECK(ts.pools(0).provisioned_gpus(i) == 8);
    CHECK(ts.pools(1).provisioned_gpus(i) == 16);
    CHECK(ts.pools(0).allocated_gpus(i) == (i <= 5 ? 8u : 0u));
    CHECK(ts.pools(1).allocated_gpus(i) == (i <= 2 ? 4u : 0u));
  }
}

TEST_CASE("JCT and queueing-delay distributions agree with the jobs and the summary",
          "[sim][results]") {
  ScenarioModel s = OnePool(1, 4, 3);
  AddPoissonGenerator(s, 3.0, 3600.0);  // rho 0.75 on 4 GPUs
  const RunOutput out = MustRun(s, "fifo");
  const auto& sum = out.result.summary();
  REQUIRE(sum.jobs_completed() > 100);

  std::vector<double> jct, delay;
  for (const JobRecord& j : out.jobs) {
    if (j.finish_s >= 0) jct.push_back(j.finish_s - j.submit_s);
    delay.push_back((j.start_s >= 0 ? j.start_s : TimeToSeconds(s.horizon)) - j.submit_s);
  }
  std::sort(jct.begin(), jct.end());
  std::sort(delay.begin(), delay.end());

  const auto& dj = out.result.jct();
  const auto& dd = out.result.queue_delay();
  REQUIRE(dj.probability_size() == 103);
  REQUIRE(dj.value_s_size() == 103);
  REQUIRE(dd.value_s_size() == 103);
  CHECK(dj.probability(0) == 0.0);
  CHECK(dj.probability(50) == Approx(0.5));
  CHECK(dj.probability(101) == Approx(0.999));
  CHECK(dj.probability(102) == 1.0);
  for (int i = 0; i < 103; ++i) {
    CHECK(dj.value_s(i) == Approx(SortedQuantile(jct, dj.probability(i))).margin(1e-6));
    CHECK(dd.value_s(i) == Approx(SortedQuantile(delay, dd.probability(i))).margin(1e-6));
    if (i > 0) {
      CHECK(dj.value_s(i) >= dj.value_s(i - 1));
      CHECK(dd.value_s(i) >= dd.value_s(i - 1));
    }
  }
  CHECK(dj.value_s(0) == Approx(jct.front()));
  CHECK(dj.value_s(102) == Approx(jct.back()));
  CHECK(dj.value_s(50) == Approx(sum.p50_jct_s()));
  CHECK(dj.value_s(95) == Approx(sum.p95_jct_s()));
  CHECK(dj.value_s(99) == Approx(sum.p99_jct_s()));
  CHECK(dd.value_s(95) == Approx(sum.p95_queue_delay_s()));
  CHECK(dd.value_s(102) == Approx(sum.max_queue_delay_s()));
}

TEST_CASE("a run with no jobs reports empty distributions", "[sim][results]") {
  ScenarioModel s = OnePool(1, 4, 1);
  const RunOutput out = MustRun(s, "fifo");
  CHECK(out.result.jct().value_s_size() == 0);
  CHECK(out.result.queue_delay().value_s_size() == 0);
  CHECK(out.result.timeseries().pools_size() == 1);
}

}  // namespace
}  // namespace burnrate
