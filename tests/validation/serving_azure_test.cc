// Cross-check of the two serving fidelities on a real request trace: the conversation hour of
// the Azure LLM inference trace 2023 (Splitwise, ISCA'24), 19,366 requests with their prompt
// and generated token counts, bursty. The fluid model (the trace read in 20 s sub-steps of the
// minute; PSFFA closure of the M/G/c mean number in system with its stationary waits, a FIFO
// fluid backlog in overload: serve/fluid_engine.cc) must agree with the request-level
// simulation within 2 points of SLO attainment and 15% of p99 latency (issue 6), from a light
// load (5 x 16 slots, utilisation ~0.75) to a queue that lasts 25 minutes (5 x 13, ~0.92);
// docs/validation.md records the figures. Measured (attainment / p99 latency s / mean wait s,
// request-level then fluid):
//   5 x 16, SLO 30 s: 0.9881 / 30.46 / 0.050   0.9880 / 30.53 / 0.074
//   5 x 15, SLO 30 s: 0.9870 / 30.69 / 0.164   0.9872 / 30.53 / 0.238
//   5 x 14, SLO 30 s: 0.9835 / 31.42 / 0.537   0.9851 / 31.20 / 0.717
//   5 x 13, SLO 30 s: 0.8513 / 45.48 / 6.165   0.8476 / 46.47 / 7.196
//   5 x 16, SLO 20 s: 0.7437 / 30.46 / 0.050   0.7344 / 30.53 / 0.074
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"
#include "tests/skip.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

namespace fs = std::filesystem;

v1::ServiceResult RunConv(const std::string& trace, const std::string& fidelity,
                          const std::string& routing, uint32_t replicas, uint32_t concurrency,
                          double slo_s) {
  const std::string yaml = R"(
name: azure-conv
start: "2023-11-16T18:00:00Z"
horizon_days: 0.05
cluster:
  pools:
    - {name: a100, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 4,
       pricing: {on_demand: {usd_per_gpu_hour: 2}}}
workload:
  services:
    - name: conv
      gpus_per_replica: 4
      concurrency: )" + std::to_string(concurrency) + R"(
      tokens: {prefill_tokens_per_s: 4000, decode_tokens_per_s: 20}
      min_replicas: )" + std::to_string(replicas) +
                           R"(
      max_replicas: )" + std::to_string(replicas) +
                           R"(
      autoscaler: {name: fixed}
      slo: {latency_s: )" + std::to_string(slo_s) +
                           R"(}
      routing: )" + routing + R"(
      fidelity: )" + fidelity + R"(
      revenue: {usd_per_1k_input_tokens: 0.0005, usd_per_1k_output_tokens: 0.0015}
      load: {trace: {format: azure-llm, path: ")" + trace +
                           R"("}}
)";
  auto loaded = LoadScenarioText(yaml, "yaml", "azure-conv.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  if (!model.ok()) FAIL(model.status().message());
  auto out = Simulate(*model, PolicySpec("fifo", "first-fit"), 1, RunOptions{});
  if (!out.ok()) FAIL(out.status().message());
  REQUIRE(out->result.services_size() == 1);
  return out->result.services(0);
}

TEST_CASE("Fluid and request-level serving agree on the Azure conversation hour (real trace)",
          "[validation][serving]") {
  const fs::path file = fs::path(testing::TracesDir()) / "azure-llm-inference-2023" /
                        "AzureLLMInferenceTrace_conv.csv";
  if (!fs::exists(file)) {
    BURNRATE_SKIP("skipped: " << file << " not found (set BURNRATE_TRACES; docs/traces.md)");
  }
  // ~5.5 requests/s x ~10.9 s of slot time each = ~60 busy slots on average; 5 replicas x C
  // slots: C = 16 (utilisation ~0.75), 15 (~0.80), 14 (~0.86), 13 (~0.92; the first ~25 minutes
  // of the trace run at ~1.0 with minutes up to 1.27, so a queue builds and drains).
  struct Case {
    uint32_t concurrency;
    double slo_s;
  };
  for (const Case c : {Case{16, 30}, Case{15, 30}, Case{14, 30}, Case{13, 30}, Case{16, 20}}) {
    const uint32_t replicas = 5;
    const v1::ServiceResult req =
        RunConv(file.string(), "request", "shared-queue", replicas, c.concurrency, c.slo_s);
    const v1::ServiceResult fl =
        RunConv(file.string(), "fluid", "shared-queue", replicas, c.concurrency, c.slo_s);
    std::cout << "azure conv, " << replicas << " x " << c.concurrency << " slots, SLO " << c.slo_s
              << " s: request-level attainment " << req.slo_attainment() << " p50 "
              << req.p50_latency_s() << " p99 " << req.p99_latency_s() << " mean wait "
              << req.mean_wait_s() << "; fluid attainment " << fl.slo_attainment() << " p50 "
              << fl.p50_latency_s() << " p99 " << fl.p99_latency_s() << " mean wait "
              << fl.mean_wait_s() << std::endl;
    INFO(replicas << " x " << c.concurrency << " slots, SLO " << c.slo_s << " s");
    CHECK(req.requests_arrived() == 19366);
    CHECK(fl.requests_arrived() == Approx(19366));
    CHECK(req.requests_served() == 19366);
    CHECK(fl.requests_served() == Approx(19366).epsilon(1e-6));
    CHECK(std::fabs(fl.slo_attainment() - req.slo_attainment()) <= 0.02);
    CHECK(fl.p99_latency_s() == Approx(req.p99_latency_s()).epsilon(0.15));
    // Revenue follows the tokens served, identically in both.
    CHECK(fl.revenue_usd() == Approx(req.revenue_usd()).epsilon(1e-6));
  }
}

}  // namespace
}  // namespace burnrate
