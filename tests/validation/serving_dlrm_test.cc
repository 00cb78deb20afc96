// The Alibaba GPU v2025 DLRM serving trace (Yang et al., NSDI'25) as replicas: a service whose
// replica_trace is the real file must hold, at every hourly sample, exactly as many replicas as
// the trace has GPU instances alive then (counted here independently from the rows), and bill
// their GPU-hours.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"
#include "sim/trace/trace.h"
#include "tests/skip.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

namespace fs = std::filesystem;

TEST_CASE("Replicas follow the live instances of the Alibaba DLRM trace (real trace)",
          "[validation][serving]") {
  const fs::path file = fs::path(testing::TracesDir()) / "alibaba-gpu-v2025-dlrm" /
                        "disaggregated_DLRM_trace.csv";
  if (!fs::exists(file)) {
    BURNRATE_SKIP("skipped: " << file << " not found (set BURNRATE_TRACES; docs/traces.md)");
  }
  // The four largest apps by GPU instances (SOURCE.md: 156 apps, 7,386 GPU instances).
  const std::vector<std::string> apps = {"app_0", "app_20", "app_62", "app_19"};
  const std::string yaml = R"(
name: dlrm
start: "2025-01-01"
horizon_days: 31
sample_interval_s: 3600
cluster:
  pools:
    - {name: gpu, gpu_type: A10G, gpus_per_node: 8, nodes: 400,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: dlrm
      replica_trace: {format: alibaba-dlrm, path: ")" + file.string() +
                           R"(", vcs: [app_0, app_20, app_62, app_19]}
)";
  auto loaded = LoadScenarioText(yaml, "yaml", "dlrm.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  if (!model.ok()) FAIL(model.status().message());
  auto out = Simulate(*model, PolicySpec("fifo", "first-fit"), 1, RunOptions{});
  REQUIRE(out.ok());
  const v1::ServiceResult& sv = out->result.services(0);
  const auto& times = out->result.timeseries().time_s();
  REQUIRE(sv.replicas_size() == times.size());

  // Independent count: GPU instances of those apps alive at each sample.
  TraceOptions options;
  options.vcs = apps;
  const std::vector<TraceJob> rows = testing::ReadStream("alibaba-dlrm", file.string(), options);
  REQUIRE(rows.size() > 1000);
  double gpu_hours = 0;
  for (const TraceJob& j : rows) gpu_hours += std::min(j.duration_s, 31 * 86400.0 - j.submit_s) / 3600;
  int mismatches = 0;
  uint32_t peak = 0;
  for (int i = 0; i < times.size(); ++i) {
    uint32_t live = 0;
    for (const TraceJob& j : rows) {
      if (j.submit_s <= times[i] && times[i] < j.submit_s + j.duration_s) ++live;
    }
    peak = std::max(peak, live);
    if (sv.replicas(i) != live) ++mismatches;
  }
  CHECK(mismatches == 0);
  // The most at once: the trace's peak (max_replicas defaults to it), at least the samples'.
  CHECK(sv.max_replicas() == model->services[0].max_replicas);
  CHECK(sv.max_replicas() >= peak);
  // Instances alive within the horizon, hour by hour: the GPU-hours the service was billed.
  CHECK(sv.gpu_hours() == Approx(gpu_hours).epsilon(0.01));
}

}  // namespace
}  // namespace burnrate
