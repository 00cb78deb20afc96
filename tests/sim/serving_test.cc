// Inference services in the World: replicas on the cluster, autoscaling, preemption of
// training, the bill, revenue and margin, determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

ScenarioModel Compile(const std::string& yaml) {
  auto loaded = LoadScenarioText(yaml, "yaml", "serving.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  if (!model.ok()) FAIL(model.status().message());
  return *std::move(model);
}

v1::RunResult Run(const ScenarioModel& m, const std::string& queue = "fifo-skip",
                  uint64_t seed = 1) {
  RunOptions options;
  options.check_invariants = true;
  auto out = Simulate(m, PolicySpec(queue, "first-fit"), seed, options);
  if (!out.ok()) FAIL(out.status().message());
  return out->result;
}

// One 2-GPU node at $2/GPU-hour, one fixed replica, 48 hours across a month boundary.
constexpr char kFixedReplica[] = R"(
name: fixed
start: "2024-01-31"
horizon_days: 2
sample_interval_s: 600
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 2, nodes: 1,
       pricing: {on_demand: {usd_per_gpu_hour: 2}}}
workload:
  services:
    - name: api
      gpus_per_replica: 2
      concurrency: 4
      service_time: {exponential: {mean_s: 0.5}}
      max_replicas: 1
      autoscaler: {name: fixed}
      slo: {latency_s: 5}
      revenue: {usd_per_request: 0.01}
      load: {requests_per_s: 2}
)";

TEST_CASE("A fixed replica's bill, revenue and margin add up by hand", "[serving]") {
  const v1::RunResult r = Run(Compile(kFixedReplica));
  REQUIRE(r.services_size() == 1);
  const v1::ServiceResult& sv = r.services(0);
  // 2 GPUs x 48 h x $2: the whole bill, all of it the service's.
  CHECK(r.summary().total_cost_usd() == Approx(192.0));
  CHECK(sv.gpu_hours() == Approx(96.0));
  CHECK(sv.cost_usd() == Approx(192.0));
  CHECK(r.summary().inference_gpu_hours() == Approx(96.0));
  CHECK(r.summary().gpu_utilization() == Approx(1.0));
  // Poisson at 2/s for 172,800 s: within 5 sigma of 345,600 arrivals; a light load, all served.
  CHECK(std::fabs(sv.requests_arrived() - 345600) < 5 * std::sqrt(345600.0));
  CHECK(sv.requests_served() == sv.requests_arrived());
  CHECK(sv.requests_dropped() == 0);
  CHECK(sv.revenue_usd() == Approx(0.01 * sv.requests_served()));
  CHECK(sv.gross_margin_usd() == Approx(sv.revenue_usd() - 192.0));
  CHECK(r.summary().revenue_usd() == Approx(sv.revenue_usd()));
  CHECK(r.summary().gross_margin_usd() == Approx(sv.revenue_usd() - 192.0));
  CHECK(sv.cost_per_million_requests_usd() == Approx(192.0 / sv.requests_served() * 1e6));
  // Two months of 24 h each: the bill and the requests split evenly (to the noise).
  REQUIRE(r.monthly_size() == 2);
  REQUIRE(sv.monthly_size() == 2);
  for (int m = 0; m < 2; ++m) {
    CHECK(r.monthly(m).cost_usd() == Approx(96.0));
    CHECK(sv.monthly(m).cost_usd() == Approx(96.0));
    CHECK(sv.monthly(m).revenue_usd() == Approx(0.01 * sv.monthly(m).requests_served()));
    CHECK(r.monthly(m).revenue_usd() == Approx(sv.monthly(m).revenue_usd()));
    CHECK(r.monthly(m).gross_margin_usd() == Approx(sv.monthly(m).revenue_usd() - 96.0));
    CHECK(std::fabs(sv.monthly(m).requests_arrived() - 172800) < 5 * std::sqrt(172800.0));
  }
  CHECK(sv.monthly(0).requests_arrived() + sv.monthly(1).requests_arrived() ==
        sv.requests_arrived());
  // One replica the whole time; rho = 2 x 0.5 / 4 = 0.25: nearly every request within 5 s.
  CHECK(sv.mean_replicas() == Approx(1.0));
  CHECK(sv.max_replicas() == 1);
  CHECK(sv.slo_attainment() > 0.999);
  CHECK(sv.slo_met());
  CHECK(sv.p50_latency_s() == Approx(0.5 * std::log(2.0)).epsilon(0.03));
  for (uint32_t n : sv.replicas()) CHECK(n == 1);
}

TEST_CASE("Same scenario and seed give identical service results", "[serving]") {
  const ScenarioModel m = Compile(kFixedReplica);
  const std::string a = Run(m).SerializeAsString();
  const std::string b = Run(m).SerializeAsString();
  CHECK(a == b);
  CHECK(Run(m, "fifo-skip", 2).services(0).requests_arrived() !=
        Run(m, "fifo-skip", 1).services(0).requests_arrived());
}

// A cluster kept busy by long training jobs (14 of 16 GPUs); an API whose load jumps tenfold
// at 06:00 UTC (to 20 requests/s; the profile keeps the mean at 6.5).
std::string Contended(bool preempt, const std::string& extra = "") {
  return std::string(R"(
name: contended
start: "2024-03-04"
horizon_days: 0.5
sample_interval_s: 300
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2,
       pricing: {on_demand: {usd_per_gpu_hour: 2}}}
workload:
  jobs:
    - {name: t0, gpus: 8, duration_s: 200000, checkpoint_interval_s: 3600}
    - {name: t1, gpus: 4, duration_s: 200000, checkpoint_interval_s: 3600}
    - {name: t2, gpus: 2, duration_s: 200000, checkpoint_interval_s: 3600}
  services:
    - name: api
      gpus_per_replica: 1
      concurrency: 4
      service_time: {constant_s: 1}
      cold_start_s: 60
      min_replicas: 1
      max_replicas: 8
      slo: {latency_s: 3}
      preempt_training: )") +
         (preempt ? "true" : "false") + R"(
      autoscaler: {name: target-utilization, args: {target: "0.8", scale_down_delay_s: "600"}}
      load: {requests_per_s: 6.5, hourly_profile: [1,1,1,1,1,1,10,10,10,10,10,10,1,1,1,1,1,1,1,1,1,1,1,1]}
)" + extra;
}

TEST_CASE("An API evicts training jobs at its peak only when allowed to", "[serving]") {
  const v1::RunResult with = Run(Compile(Contended(true)));
  const v1::RunResult without = Run(Compile(Contended(false)));
  const v1::ServiceResult& a = with.services(0);
  const v1::ServiceResult& b = without.services(0);
  // Peak: 20 req/s x 1 s / (4 slots x 0.8) = 7 replicas; 2 free GPUs before the peak.
  CHECK(a.max_replicas() >= 6);
  CHECK(a.training_preemptions() >= 1);
  CHECK(with.summary().preemptions_by_inference() == a.training_preemptions());
  CHECK(with.summary().preemptions() >= a.training_preemptions());
  CHECK(a.training_gpu_hours_lost() > 0);
  CHECK(with.summary().gpu_hours_lost_to_inference() == Approx(a.training_gpu_hours_lost()));
  // The delay it caused training: at least the run time the evictions threw away (lost
  // GPU-hours over the victims' gang sizes, at most 8).
  CHECK(a.training_delay_hours() >= a.training_gpu_hours_lost() / 8 - 1e-9);
  CHECK(b.training_delay_hours() == 0);
  // Without preemption: only the 2 free GPUs; replicas wait and the SLO suffers.
  CHECK(b.training_preemptions() == 0);
  CHECK(without.summary().preemptions() == 0);
  CHECK(b.max_replicas() <= 2);
  bool waited = false;
  for (uint32_t n : b.replicas_pending()) waited |= n > 0;
  CHECK(waited);
  CHECK(a.slo_attainment() > b.slo_attainment() + 0.1);
  CHECK(a.p99_latency_s() < b.p99_latency_s());
  // The autoscaler follows the profile: more replicas in the peak than before it.
  const auto& ts = with.timeseries().time_s();
  double before = 0, during = 0;
  int nb = 0, nd = 0;
  for (int i = 0; i < ts.size(); ++i) {
    const double hour = ts[i] / 3600;
    if (hour < 5.5) {
      before += a.replicas(i);
      ++nb;
    } else if (hour >= 7 && hour < 12) {
      during += a.replicas(i);
      ++nd;
    }
  }
  CHECK(during / nd > 2.5 * (before / nb));
}

TEST_CASE("A run can override whether inference may evict training", "[serving]") {
  const ScenarioModel m = Compile(Contended(false));
  PolicySpec preempts("fifo-skip", "first-fit");
  preempts.inference_preemption = 1;
  PolicySpec waits("fifo-skip", "first-fit");
  waits.inference_preemption = 0;
  CHECK(preempts.Name() == "fifo-skip+first-fit (inference preempts)");
  CHECK(waits.Name() == "fifo-skip+first-fit (inference waits)");
  RunOptions options;
  options.check_invariants = true;
  auto a = Simulate(m, preempts, 1, options);
  auto b = Simulate(Compile(Contended(true)), waits, 1, options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->result.policy() == "fifo-skip+first-fit (inference preempts)");
  CHECK(a->result.summary().preemptions_by_inference() >= 1);
  CHECK(b->result.summary().preemptions_by_inference() == 0);
}

TEST_CASE("Replicas scale down after the peak and their GPUs go back to training", "[serving]") {
  // Horizon of a whole day: the peak ends at 12:00.
  std::string yaml = Contended(true);
  yaml.replace(yaml.find("horizon_days: 0.5"), 17, "horizon_days: 1.0");
  const v1::RunResult r = Run(Compile(yaml));
  const v1::ServiceResult& sv = r.services(0);
  CHECK(sv.replicas_stopped() >= 4);
  const auto& ts = r.timeseries().time_s();
  uint32_t late = 0;
  for (int i = 0; i < ts.size(); ++i) {
    if (ts[i] >= 14 * 3600) late = std::max(late, sv.replicas(i));
  }
  CHECK(late <= 2);
  // Evicted training jobs came back: all three run again after the peak.
  const int last = ts.size() - 1;
  CHECK(r.timeseries().running_jobs(last) == 3);
}

TEST_CASE("A replica on a reclaimed spot node is replaced", "[serving]") {
  const ScenarioModel m = Compile(R"(
name: spot
horizon_days: 2
cluster:
  pools:
    - {name: spot, gpu_type: A100-80GB, gpus_per_node: 1, nodes: 6,
       pricing: {spot: {usd_per_gpu_hour: 1, revocations_per_node_hour: 0.05, notice_s: 30,
                        mean_restore_s: 600}}}
workload:
  services:
    - name: api
      concurrency: 2
      service_time: {exponential: {mean_s: 0.2}}
      cold_start_s: 30
      min_replicas: 3
      max_replicas: 3
      autoscaler: {name: fixed}
      load: {requests_per_s: 5}
)");
  const v1::RunResult r = Run(m);
  const v1::ServiceResult& sv = r.services(0);
  CHECK(r.pools(0).revocations() > 0);
  // Every revoked replica was replaced: more started than the three at time 0.
  CHECK(sv.replicas_started() > 3);
  CHECK(sv.requests_served() + sv.requests_dropped() + sv.requests_unfinished() ==
        sv.requests_arrived());
  CHECK(sv.mean_replicas() > 2.5);
}

TEST_CASE("Fluid and request-level fidelities agree inside the World", "[serving]") {
  std::string yaml = kFixedReplica;
  const ScenarioModel request = Compile(yaml);
  yaml.replace(yaml.find("      load:"), 0, "      fidelity: fluid\n");
  const ScenarioModel fluid = Compile(yaml);
  const v1::ServiceResult a = Run(request).services(0);
  const v1::ServiceResult b = Run(fluid).services(0);
  CHECK(b.fidelity() == "fluid");
  CHECK(b.requests_arrived() == Approx(345600).epsilon(1e-6));
  CHECK(b.requests_served() == Approx(a.requests_served()).epsilon(0.01));
  CHECK(b.revenue_usd() == Approx(a.revenue_usd()).epsilon(0.01));
  CHECK(b.cost_usd() == Approx(a.cost_usd()));
  CHECK(b.p50_latency_s() == Approx(a.p50_latency_s()).epsilon(0.1));
  CHECK(b.p99_latency_s() == Approx(a.p99_latency_s()).epsilon(0.15));
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

// Instances of an alibaba-dlrm trace become the replica count over time.
TEST_CASE("A replica trace replays live instances as replicas", "[serving]") {
  const std::string csv = std::string(
      "instance_sn,role,app_name,cpu_request,cpu_limit,gpu_request,gpu_limit,rdma_request,"
      "rdma_limit,memory_request,memory_limit,disk_request,disk_limit,max_instance_per_node,"
      "creation_time,scheduled_time,deletion_time\n"
      // Alive from before the start to 2 h; from 1 h to 3 h; from 1 h on; a CPU instance.
      "i0,HN,app_a,12,12,1,1,25,25,120,120,640,800,8,,,7200\n"
      "i1,HN,app_a,12,12,1,1,25,25,120,120,640,800,8,3600,3600,10800\n"
      "i2,HN,app_a,12,12,1,1,25,25,120,120,640,800,8,3600,3600,\n"
      "i3,CN,app_a,12,12,0,0,25,25,120,120,640,800,8,,,\n"
      "i4,HN,app_b,12,12,1,1,25,25,120,120,640,800,8,0,0,\n");
  const std::string path = (std::filesystem::temp_directory_path() / "burnrate_dlrm.csv").string();
  std::ofstream(path) << csv;
  const ScenarioModel m = Compile(R"(
name: dlrm
horizon_days: 0.25
sample_interval_s: 1800
cluster:
  pools:
    - {name: p, gpu_type: A10G, gpus_per_node: 4, nodes: 2,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: a
      replica_trace: {format: alibaba-dlrm, path: ")" + path + R"(", vcs: [app_a]}
)");
  REQUIRE(m.services.size() == 1);
  CHECK(m.services[0].autoscaler == "replica-trace");
  CHECK(m.services[0].max_replicas == 3);
  CHECK(m.services[0].initial_replicas == 1);
  const v1::RunResult r = Run(m);
  const v1::ServiceResult& sv = r.services(0);
  // Samples every 30 min: 1 until 1 h, 3 until 2 h, 2 until 3 h, then 1.
  const std::vector<uint32_t> want = {1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1};
  REQUIRE(sv.replicas_size() == static_cast<int>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("sample " << i);
    CHECK(sv.replicas(static_cast<int>(i)) == want[i]);
  }
  // 1 + 2 + 3 + 2 x 0... GPU-hours: 1 h x 1 + 1 h x 3 + 1 h x 2 + 3 h x 1 = 9.
  CHECK(sv.gpu_hours() == Approx(9.0));
  CHECK(sv.requests_arrived() == 0);

  // A window starting at trace time 1.5 h: the instances alive then count, though created
  // before it; that instant is the scenario's time 0.
  const ScenarioModel w = Compile(R"(
name: dlrm-window
horizon_days: 0.125
sample_interval_s: 1800
cluster:
  pools:
    - {name: p, gpu_type: A10G, gpus_per_node: 4, nodes: 2,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: a
      replica_trace: {format: alibaba-dlrm, path: ")" + path + R"(", vcs: [app_a],
                      window_start_s: 5400}
)");
  const v1::ServiceResult wv = Run(w).services(0);
  const std::vector<uint32_t> want_w = {3, 2, 2, 1, 1, 1};
  REQUIRE(wv.replicas_size() == static_cast<int>(want_w.size()));
  for (size_t i = 0; i < want_w.size(); ++i) {
    INFO("window sample " << i);
    CHECK(wv.replicas(static_cast<int>(i)) == want_w[i]);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

// fair-share divides the GPUs training may use: those held by inference replicas are not in
// the tenants' entitlements, so a tenant over its share is still reclaimed from.
TEST_CASE("Fair-share entitlements leave out the GPUs replicas hold", "[serving]") {
  const ScenarioModel m = Compile(R"(
name: fair
start: "2024-03-04"
horizon_days: 2
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 8,
       pricing: {on_demand: {usd_per_gpu_hour: 2}}}
workload:
  jobs:
    - {name: a1, tenant: a, gpus: 8, duration_s: 100000}
    - {name: a2, tenant: a, gpus: 8, duration_s: 100000}
    - {name: a3, tenant: a, gpus: 8, duration_s: 100000}
    - {name: a4, tenant: a, gpus: 8, duration_s: 100000}
    - {name: b1, tenant: b, gpus: 8, duration_s: 3600, submit_s: 3600}
  services:
    - name: api
      gpus_per_replica: 8
      concurrency: 4
      service_time: {exponential: {mean_s: 0.5}}
      max_replicas: 4
      initial_replicas: 4
      autoscaler: {name: fixed}
      load: {requests_per_s: 1}
)");
  RunOptions options;
  options.check_invariants = true;
  options.keep_job_records = true;
  auto out = Simulate(m, PolicySpec("fair-share", "first-fit"), 1, options);
  REQUIRE(out.ok());
  // 32 GPUs for training, two tenants: a holds all 32, is over its 16, and b's job starts at
  // once by reclaiming from a.
  bool found = false;
  for (const JobRecord& j : out->jobs) {
    if (j.name != "b1") continue;
    found = true;
    CHECK(j.start_s == Approx(3600));
  }
  CHECK(found);
  CHECK(out->result.summary().preemptions() >= 1);
  CHECK(out->result.summary().preemptions_by_inference() == 0);
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

TEST_CASE("Replicas go to the service's preferred GPU type under every placement", "[serving]") {
  const ScenarioModel m = Compile(R"(
name: prefer
horizon_days: 0.5
cluster:
  pools:
    - {name: h100, gpu_type: H100, gpus_per_node: 8, nodes: 1,
       pricing: {on_demand: {usd_per_gpu_hour: 4}}}
    - {name: a100, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1,
       pricing: {on_demand: {usd_per_gpu_hour: 2}}}
workload:
  services:
    - name: api
      gpu_types: [A100-80GB, H100]
      service_time: {constant_s: 1}
      concurrency: 8
      max_replicas: 2
      initial_replicas: 2
      autoscaler: {name: fixed}
      load: {requests_per_s: 1}
)");
  for (const char* placement : {"first-fit", "best-fit", "fastest", "cheapest-deadline"}) {
    INFO(placement);
    RunOptions options;
    options.check_invariants = true;
    auto out = Simulate(m, PolicySpec("fifo", placement), 1, options);
    REQUIRE(out.ok());
    CHECK(out->result.pools(0).gpu_hours_allocated() == 0);            // h100
    CHECK(out->result.pools(1).gpu_hours_allocated() == Approx(24.0));  // a100: 2 x 12 h
  }
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

// Findings of a fuzzing run, each pinned.
TEST_CASE("Serving edge cases found by fuzzing stay fixed", "[serving]") {
  SECTION("fluid percentiles stay ordered with few requests served") {
    const v1::RunResult r = Run(Compile(R"(
name: few
horizon_days: 0.01
cluster:
  pools:
    - {name: p, gpu_type: H100, gpus_per_node: 8, nodes: 1,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: s
      concurrency: 8
      service_time: {exponential: {mean_s: 1}}
      max_replicas: 1
      fidelity: fluid
      load: {requests_per_s: 0.01}
)"));
    const v1::ServiceResult& sv = r.services(0);
    REQUIRE(sv.requests_served() < 100);
    CHECK(sv.p50_latency_s() <= sv.p95_latency_s());
    CHECK(sv.p95_latency_s() <= sv.p99_latency_s());
    CHECK(sv.p99_latency_s() <= sv.max_latency_s());
  }
  SECTION("fluid counts whole tokens, as request-level does") {
    std::string yaml = R"(
name: tokens
horizon_days: 0.01
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: s
      concurrency: 64
      tokens: {prefill_tokens_per_s: 1000, decode_tokens_per_s: 1,
               input_tokens: {constant_s: 100}, output_tokens: {constant_s: 7.9}}
      max_replicas: 1
      revenue: {usd_per_1k_output_tokens: 1000}
      fidelity: FIDELITY
      load: {requests_per_s: 1}
)";
    for (const char* fidelity : {"fluid", "request"}) {
      std::string y = yaml;
      y.replace(y.find("FIDELITY"), 8, fidelity);
      const v1::ServiceResult sv = Run(Compile(y)).services(0);
      INFO(fidelity);
      // 7.9 tokens are 8 whole tokens: $8 a request, 8.1 s each (0.1 s prefill).
      CHECK(sv.revenue_usd() == Approx(8.0 * sv.requests_served()));
      CHECK(sv.mean_latency_s() == Approx(8.1).epsilon(1e-3));
    }
  }
  SECTION("an autoscaler wanting more replicas than the pools hold creates only what fits") {
    const ScenarioModel m = Compile(R"(
name: greedy
horizon_days: 0.05
cluster:
  pools:
    - {name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2,
       pricing: {on_demand: {usd_per_gpu_hour: 1}}}
workload:
  services:
    - name: s
      gpus_per_replica: 4
      concurrency: 2
      service_time: {constant_s: 100000}
      max_replicas: 1000000
      load: {requests_per_s: 14}
)");
    const v1::ServiceResult sv = Run(m).services(0);
    // Two 8-GPU nodes hold four 4-GPU replicas; none is left pending for GPUs that cannot exist.
    CHECK(sv.max_replicas() == 4);
    for (uint32_t n : sv.replicas_pending()) CHECK(n == 0);
  }
}

}  // namespace
}  // namespace burnrate
