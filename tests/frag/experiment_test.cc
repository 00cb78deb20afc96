// frag/experiment.h on small inputs: arrivals and inflation, curves, determinism, option errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "frag/experiment.h"
#include "frag/openb.h"

namespace burnrate {
namespace {

const std::string kFixtures = std::string(BURNRATE_SOURCE_DIR) + "/tests/frag/fixtures";

struct Inputs {
  std::vector<FragNodeSpec> nodes;
  std::vector<FragPod> pods;
};

Inputs Small() {
  auto nodes = ReadOpenbNodeList(kFixtures + "/nodes_small.csv");
  auto pods = ReadOpenbPodList(kFixtures + "/pods_small.csv");
  REQUIRE(nodes.ok());
  REQUIRE(pods.ok());
  return {*nodes, *pods};
}

FragPod Pod(int64_t cpu, int32_t gpus, int32_t milli) {
  FragPod p;
  p.cpu_milli = cpu;
  p.memory_mib = 1024;
  p.num_gpu = gpus;
  p.gpu_milli = milli;
  return p;
}

}  // namespace

TEST_CASE("frag experiment: arrivals are the trace then resampled pods up to inflate", "[frag]") {
  const Inputs in = Small();
  FragExperimentOptions o;
  o.policies = {"best-fit"};
  o.seeds = 3;
  o.inflate = 1.3;
  o.check_invariants = true;
  auto r = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(r.ok());
  CHECK(r->nodes == 4);
  CHECK(r->gpu_capacity_milli == 16000);
  CHECK(r->trace_pods == 8);
  CHECK(r->trace_gpu_milli == 13000);
  REQUIRE(r->policies.size() == 1);
  for (const FragRun& run : r->policies[0].runs) {
    CHECK(run.tasks >= 8);
    CHECK(run.arrived_gpu_milli >= 13000);
    CHECK(run.arrived_gpu_milli <= 20800);  // 1.3 x 16 GPUs
    // Resampling stops at the first pod that would cross 1.3 x capacity: at most one 8-GPU pod
    // short of it.
    CHECK(run.arrived_gpu_milli > 20800 - 8000);
    CHECK(run.allocated_gpu_milli <= 16000);
    if (run.arrived_gpu_milli > 16000) CHECK(run.failed > 0);
    // Points up to the arrived % (rounded); until something fails, unallocated = 100 - arrived%.
    const double last = 100.0 * static_cast<double>(run.arrived_gpu_milli) / 16000;
    CHECK(static_cast<double>(run.unallocated_pct.size()) == Approx(last + 1).margin(0.51));
    size_t first = 0;
    while (std::isnan(run.unallocated_pct[first])) ++first;
    CHECK(run.unallocated_pct[first] == Approx(100.0 - static_cast<double>(first)).margin(1.5));
  }
  // One-GPU pods on 16 GPUs: resampled up to 20 GPUs (the 21st would cross 20.8); 4 fail.
  std::vector<FragPod> ones(10, Pod(1000, 1, 1000));
  auto r1 = RunFragExperiment(in.nodes, ones, o);
  REQUIRE(r1.ok());
  for (const FragRun& run : r1->policies[0].runs) {
    CHECK(run.tasks == 20);
    CHECK(run.arrived_gpu_milli == 20000);
    CHECK(run.failed == 4);
    CHECK(run.allocated_gpu_milli == 16000);
  }
  // Inflate <= 1: the trace only, each pod once.
  o.inflate = 1;
  r = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(r.ok());
  for (const FragRun& run : r->policies[0].runs) {
    CHECK(run.tasks == 8);
    CHECK(run.arrived_gpu_milli == 13000);
  }
}

TEST_CASE("frag experiment: failed pods count as arrived and curves bin events by arrived %",
          "[frag]") {
  // One node of 2 GPUs; pods: 1 GPU, 2 GPUs (cannot fit after the first), 1 GPU.
  const std::vector<FragNodeSpec> nodes = {{"n", 64000, 262144, 2, "T4"}};
  const std::vector<FragPod> pods = {Pod(1000, 1, 1000), Pod(1000, 2, 1000), Pod(1000, 1, 1000)};
  FragExperimentOptions o;
  o.policies = {"fgd", "random"};
  o.seeds = 1;
  o.inflate = 1;
  o.order = FragOrder::kCreation;
  auto r = RunFragExperiment(nodes, pods, o);
  REQUIRE(r.ok());
  for (const FragPolicyResult& p : r->policies) {
    const FragRun& run = p.runs[0];
    CHECK(run.tasks == 3);
    CHECK(run.failed == 1);
    CHECK(run.arrived_gpu_milli == 4000);  // 200% of capacity arrived
    CHECK(run.allocated_gpu_milli == 2000);
    REQUIRE(run.unallocated_pct.size() == 201);
    CHECK(run.unallocated_pct[50] == Approx(50));   // after the first pod
    CHECK(run.unallocated_pct[150] == Approx(50));  // the 2-GPU pod failed
    CHECK(run.unallocated_pct[200] == Approx(0));
    CHECK(std::isnan(run.unallocated_pct[100]));  // no event within one point of 100%
    // The task mix is these three pods: every free GPU counts for the 2-GPU shape once a GPU is
    // taken; F at 50% = (1 pod x 1000 [2-GPU task cannot fit]) / 3 tasks = 333 milli-GPU.
    CHECK(run.frag_gpus[50] == Approx(1.0 / 3));
    CHECK(run.frag_pct[50] == Approx(100.0 / 3));
  }
}

TEST_CASE("frag experiment: the same seeds give byte-identical JSON whatever the threads",
          "[frag]") {
  const Inputs in = Small();
  FragExperimentOptions o;
  o.seeds = 4;
  o.threads = 1;
  auto one = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(one.ok());
  o.threads = 2;
  auto two = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(two.ok());
  auto again = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(again.ok());
  const std::string json = FragResultJson(*one);
  CHECK(json == FragResultJson(*two));
  CHECK(json == FragResultJson(*again));
  CHECK_THAT(json, Catch::StartsWith("{\n  \"schema\": \"burnrate.frag.v1\""));
  CHECK_THAT(json, Catch::Contains("\"policy\": \"gpu-clustering\""));
  CHECK_THAT(json, Catch::Contains("\"ties\": \"node-order\""));
  REQUIRE(one->policies.size() == 6);  // all, in registry order
  CHECK(one->policies[0].policy == "fgd");
  // Another first seed changes the runs.
  o.first_seed = 7;
  auto other = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(other.ok());
  CHECK(FragResultJson(*other) != json);
}

TEST_CASE("frag experiment: every policy sees the same arrivals for a seed", "[frag]") {
  const Inputs in = Small();
  FragExperimentOptions o;
  o.seeds = 2;
  auto r = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE(r.ok());
  for (size_t s = 0; s < 2; ++s) {
    for (const FragPolicyResult& p : r->policies) {
      CHECK(p.runs[s].tasks == r->policies[0].runs[s].tasks);
      CHECK(p.runs[s].arrived_gpu_milli == r->policies[0].runs[s].arrived_gpu_milli);
    }
  }
}

TEST_CASE("frag experiment: bad options are InvalidArgument with what is allowed", "[frag]") {
  const Inputs in = Small();
  FragExperimentOptions o;
  o.policies = {"fgd", "worst-fit"};
  auto r = RunFragExperiment(in.nodes, in.pods, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(r.status().message()),
             Catch::Contains("\"worst-fit\"") && Catch::Contains("known: fgd"));
  o = FragExperimentOptions{};
  o.seeds = 0;
  CHECK_FALSE(RunFragExperiment(in.nodes, in.pods, o).ok());
  o = FragExperimentOptions{};
  o.popularity = 0;
  CHECK_FALSE(RunFragExperiment(in.nodes, in.pods, o).ok());
  o = FragExperimentOptions{};
  o.inflate = -1;
  CHECK_FALSE(RunFragExperiment(in.nodes, in.pods, o).ok());
  auto cpu_only = RunFragExperiment({{"c", 1000, 1000, 0, ""}}, in.pods, FragExperimentOptions{});
  REQUIRE_FALSE(cpu_only.ok());
  CHECK_THAT(std::string(cpu_only.status().message()), Catch::Contains("no GPU"));
}

}  // namespace burnrate
