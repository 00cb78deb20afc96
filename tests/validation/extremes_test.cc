// Numbers at the extremes give sensible results or clear errors: horizons of years, one GPU and
// a million GPUs, no jobs, jobs longer than the horizon, free GPUs, prices at the limit, and a
// bill too large to count exactly. Bills are checked against hand computation.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

// One on-demand pool; `workload` is YAML under `workload:`.
std::string Scenario(double days, uint32_t gpus_per_node, uint32_t nodes, double usd_per_gpu_hour,
                     const std::string& workload) {
  return "name: extreme\nstart: \"2024-01-01\"\nhorizon_days: " + std::to_string(days) +
         "\ncluster:\n  pools:\n    - {name: p, gpu_type: A100-80GB, gpus_per_node: " +
         std::to_string(gpus_per_node) + ", nodes: " + std::to_string(nodes) +
         ", pricing: {on_demand: {usd_per_gpu_hour: " + std::to_string(usd_per_gpu_hour) +
         "}}}\nworkload:\n" + workload + "policies:\n  - {queue: fifo-backfill, placement: best-fit}\n";
}

absl::StatusOr<v1::RunResult> Run(const std::string& yaml) {
  auto loaded = LoadScenarioText(yaml, "yaml", "extreme.yaml", ".");
  if (!loaded.ok()) return loaded.status();
  auto model = CompileScenario(*loaded);
  if (!model.ok()) return model.status();
  RunOptions o;
  o.check_invariants = true;
  auto out = Simulate(*model, model->policies[0], 1, o);
  if (!out.ok()) return out.status();
  return out->result;
}

void NoNonFinite(const v1::Summary& s) {
  const auto* d = s.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE) {
      INFO(f->name());
      CHECK(std::isfinite(s.GetReflection()->GetDouble(s, f)));
      CHECK(s.GetReflection()->GetDouble(s, f) >= 0);
    }
  }
}

TEST_CASE("extremes: ten years on one GPU, billed to the cent", "[validation][extremes]") {
  // 2024-01-01 + 3650 days: 87,600 hours, 120 calendar months (the last one partial).
  auto r = Run(Scenario(3650, 1, 1, 2.5,
                        "  generators:\n    - {name: g, arrivals_per_hour: 0.5, gpus: {values: [1],"
                        " weights: [1]}, duration: {constant_s: 3600}}\n"));
  REQUIRE(r.ok());
  const v1::Summary& s = r->summary();
  CHECK(s.total_cost_usd() == Approx(87600 * 2.5).epsilon(1e-12));
  CHECK(r->monthly_size() == 120);
  CHECK(r->monthly(0).month() == "2024-01");
  CHECK(r->monthly(119).month() == "2033-12");
  // One GPU at offered load 0.5: utilisation near 0.5, never above 1.
  CHECK(s.gpu_utilization() == Approx(0.5).margin(0.01));
  CHECK(s.jobs_completed() > 40000);
  NoNonFinite(s);
}

TEST_CASE("extremes: a million GPUs with a few jobs", "[validation][extremes]") {
  // 125,000 nodes x 8 GPUs for one day at $1: $24 million; three 8-GPU one-hour jobs.
  auto r = Run(Scenario(1, 8, 125000, 1.0,
                        "  jobs:\n    - {submit_s: 0, gpus: 8, duration_s: 3600}\n"
                        "    - {submit_s: 0, gpus: 8, duration_s: 3600}\n"
                        "    - {submit_s: 60, gpus: 8, duration_s: 3600}\n"));
  REQUIRE(r.ok());
  const v1::Summary& s = r->summary();
  CHECK(s.total_cost_usd() == Approx(1e6 * 24).epsilon(1e-12));
  CHECK(s.gpu_hours_allocated() == Approx(24));
  CHECK(s.gpu_utilization() == Approx(24.0 / 24e6));
  CHECK(s.jobs_completed() == 3);
  CHECK(s.mean_queue_delay_s() == 0);
  NoNonFinite(s);
}

TEST_CASE("extremes: no jobs at all", "[validation][extremes]") {
  auto r = Run(Scenario(30, 8, 2, 2.0, "  jobs: []\n"));
  REQUIRE(r.ok());
  const v1::Summary& s = r->summary();
  CHECK(s.jobs_submitted() == 0);
  CHECK(s.gpu_utilization() == 0);
  CHECK(s.total_cost_usd() == Approx(16 * 720 * 2.0));
  CHECK(s.idle_cost_usd() == Approx(s.total_cost_usd()));
  CHECK(s.cost_per_allocated_gpu_hour_usd() == 0);  // not infinity
  CHECK(s.p95_jct_s() == 0);
  NoNonFinite(s);
}

TEST_CASE("extremes: a job longer than the horizon runs to the horizon", "[validation][extremes]") {
  // 10 days of work in a 1-day horizon: held the whole day, not completed, no JCT.
  auto r = Run(Scenario(1, 8, 1, 2.0,
                        "  jobs:\n    - {submit_s: 0, gpus: 8, duration_s: 864000}\n"));
  REQUIRE(r.ok());
  const v1::Summary& s = r->summary();
  CHECK(s.jobs_completed() == 0);
  CHECK(s.jobs_running_at_horizon() == 1);
  CHECK(s.gpu_utilization() == Approx(1.0));
  CHECK(s.gpu_hours_allocated() == Approx(8 * 24));
  CHECK(s.mean_jct_s() == 0);
  NoNonFinite(s);
}

TEST_CASE("extremes: free GPUs cost nothing and divide by nothing", "[validation][extremes]") {
  auto r = Run(Scenario(7, 8, 4, 0.0,
                        "  jobs:\n    - {submit_s: 0, gpus: 4, duration_s: 3600}\n"));
  REQUIRE(r.ok());
  const v1::Summary& s = r->summary();
  CHECK(s.total_cost_usd() == 0);
  CHECK(s.cost_per_allocated_gpu_hour_usd() == 0);
  CHECK(s.jobs_completed() == 1);
  NoNonFinite(s);
}

TEST_CASE("extremes: the highest price on a large cluster is counted exactly",
          "[validation][extremes]") {
  // $1,000,000 per GPU-hour (the largest price accepted) x 1,000 GPUs x 30 days:
  // 720 h x 1e3 x 1e6 = $7.2e11, inside the exact range ($4.6e12).
  auto r = Run(Scenario(30, 8, 125, 1000000.0, "  jobs: []\n"));
  REQUIRE(r.ok());
  CHECK(r->summary().total_cost_usd() == 7.2e11);
  // Ten times the GPUs and ten times the horizon would pass it: a clear error, not a wrapped,
  // negative bill.
  auto too_big = Run(Scenario(300, 8, 1250, 1000000.0, "  jobs: []\n"));
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(too_big.status().message()),
             Catch::Contains("cluster.pools: the bill could reach $7.2e+13 over the horizon, "
                             "beyond the $4.61e+12 burnrate counts exactly"));
}

TEST_CASE("extremes: a horizon past the limit is refused with the limit",
          "[validation][extremes]") {
  auto r = Run(Scenario(3661, 1, 1, 1.0, "  jobs: []\n"));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(std::string(r.status().message()),
             Catch::Contains("horizon_days: 3661 is not allowed; must be > 0 and <= 3660 (days)"));
}

}  // namespace
}  // namespace burnrate
