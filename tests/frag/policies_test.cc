// frag placement policies: one shared table (every policy is safe, complete and deterministic)
// and each policy's own preference on small clusters worked out by hand.
#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <memory>
#include <numeric>
#include <vector>

#include "frag/cluster.h"
#include "frag/fragmentation.h"
#include "frag/policy.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

FragTask Task(int64_t cpu, int32_t gpus, int32_t milli, int64_t mem = 1024) {
  FragTask t;
  t.cpu_milli = cpu;
  t.memory_mib = mem;
  t.num_gpu = gpus;
  t.gpu_milli = milli;
  return t;
}

FragCluster Make(const std::vector<FragNodeSpec>& nodes) {
  auto c = FragCluster::Create(nodes);
  REQUIRE(c.ok());
  return *std::move(c);
}

// A policy with its context (mix, measure, identity node order) kept alive.
struct Harness {
  std::vector<FragTask> mix_tasks;
  TaskMix mix;
  FragMeasure measure;
  std::vector<int32_t> rank;
  std::unique_ptr<FragPolicy> policy;

  Harness(const std::string& name, const FragCluster& cluster, std::vector<FragTask> tasks,
          bool node_order = true)
      : mix_tasks(std::move(tasks)),
        mix(TaskMix::FromTasks(mix_tasks, 1.0, false)),
        measure(mix, cluster),
        rank(static_cast<size_t>(cluster.num_nodes())) {
    std::iota(rank.begin(), rank.end(), 0);
    auto made = NewFragPolicy(name, FragPolicyContext{&cluster, &measure, 0,
                                                      node_order ? &rank : nullptr});
    REQUIRE(made.ok());
    policy = *std::move(made);
  }
};

std::vector<FragTask> MixedTasks() {
  return {Task(2000, 1, 300),  Task(4000, 1, 500),  Task(8000, 1, 1000), Task(16000, 2, 1000),
          Task(32000, 4, 1000), Task(6000, 0, 0),   Task(3000, 1, 810),  Task(1000, 1, 150),
          Task(48000, 8, 1000), Task(12000, 1, 1000, 200000)};
}

}  // namespace

TEST_CASE("frag policies: every policy places only where the task fits and always if it can",
          "[frag]") {
  for (const FragPolicyInfo& info : FragPolicies()) {
    for (bool node_order : {true, false}) {
      SECTION(info.name + (node_order ? " node-order ties" : " random ties")) {
        FragCluster cluster = Make({{"g8", 96000, 393216, 8, "G2"},
                                    {"t4", 104000, 524288, 2, "T4"},
                                    {"small", 16000, 122880, 2, "T4"},
                                    {"v", 64000, 262144, 4, "V100M16"},
                                    {"cpu", 32000, 131072, 0, ""}});
        std::vector<FragTask> tasks = MixedTasks();
        tasks[1].model_constrained = true;
        tasks[1].model_mask = 2u;  // T4 only
        Harness h(info.name, cluster, tasks, node_order);
        Rng rng(11), pick(5);
        int placed = 0, refused = 0;
        for (int i = 0; i < 400; ++i) {
          const FragTask& t = tasks[static_cast<size_t>(pick.UniformInt(tasks.size()))];
          bool any = false;
          for (int32_t n = 0; n < cluster.num_nodes(); ++n) any = any || cluster.Fits(t, n);
          const GpuPlacement p = h.policy->Place(cluster, t, rng);
          REQUIRE(p.placed() == any);
          if (!p.placed()) {
            ++refused;
            continue;
          }
          REQUIRE(cluster.Fits(t, p.node));
          REQUIRE(std::popcount(p.gpu_mask) == t.num_gpu);
          REQUIRE(cluster.Allocate(t, p).ok());
          ++placed;
        }
        REQUIRE(cluster.CheckInvariants().ok());
        CHECK(placed > 20);
        CHECK(refused > 0);  // the cluster fills up
      }
    }
  }
}

TEST_CASE("frag policies: the same seed gives the same placements", "[frag]") {
  for (const FragPolicyInfo& info : FragPolicies()) {
    std::vector<std::vector<GpuPlacement>> runs;
    for (int run = 0; run < 2; ++run) {
      FragCluster cluster = Make({{"a", 96000, 393216, 8, "G2"}, {"b", 96000, 393216, 8, "G2"},
                                  {"c", 104000, 524288, 2, "T4"}});
      Harness h(info.name, cluster, MixedTasks(), /*node_order=*/false);
      Rng rng(99);
      std::vector<GpuPlacement> out;
      const std::vector<FragTask> tasks = MixedTasks();
      for (int i = 0; i < 60; ++i) {
        const FragTask& t = tasks[static_cast<size_t>(i) % tasks.size()];
        const GpuPlacement p = h.policy->Place(cluster, t, rng);
        if (p.placed()) REQUIRE(cluster.Allocate(t, p).ok());
        out.push_back(p);
      }
      runs.push_back(out);
    }
    INFO(info.name);
    REQUIRE(runs[0].size() == runs[1].size());
    for (size_t i = 0; i < runs[0].size(); ++i) {
      CHECK(runs[0][i].node == runs[1][i].node);
      CHECK(runs[0][i].gpu_mask == runs[1][i].gpu_mask);
    }
  }
}

TEST_CASE("frag registry: the six policies and a clear error for others", "[frag]") {
  std::vector<std::string> names;
  for (const FragPolicyInfo& p : FragPolicies()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"fgd", "best-fit", "dot-product", "gpu-packing",
                                          "gpu-clustering", "random"});
  FragCluster cluster = Make({{"a", 1000, 1000, 1, "T4"}});
  auto bad = NewFragPolicy("first-fit", FragPolicyContext{&cluster, nullptr, 0, nullptr});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(bad.status().message()),
             Catch::Contains("\"first-fit\"") && Catch::Contains("fgd, best-fit"));
}

TEST_CASE("frag fgd: chooses the GPU that keeps room for the task mix", "[frag]") {
  // Mix: shares of 600. A node with GPUs [free, 600 left]. A share of 400 on GPU 1 would leave
  // 200 (a fragment for every 600 share); on GPU 0 it leaves 600 (still usable): fgd takes
  // GPU 0, where best-fit GPU selection would take the tighter GPU 1.
  FragCluster cluster = Make({{"n", 64000, 262144, 2, "T4"}});
  REQUIRE(cluster.Allocate(Task(1000, 1, 400), {0, 2u}).ok());
  Harness fgd("fgd", cluster, {Task(1000, 1, 600)});
  Rng rng(1);
  const FragTask t = Task(1000, 1, 400);
  CHECK(fgd.policy->Place(cluster, t, rng).gpu_mask == 1u);
  Harness packing("gpu-packing", cluster, {Task(1000, 1, 600)});
  CHECK(packing.policy->Place(cluster, t, rng).gpu_mask == 2u);
}

TEST_CASE("frag fgd: keeps whole nodes for the multi-GPU tasks of the mix", "[frag]") {
  // Mix: 8-GPU tasks and shares. Two idle nodes of 8 and 2 GPUs: a share on the 8-GPU node
  // would strand it for the 8-GPU tasks; fgd puts it on the 2-GPU node, whatever the order.
  FragCluster cluster = Make({{"big", 96000, 393216, 8, "G2"}, {"two", 96000, 393216, 2, "G2"}});
  Harness h("fgd", cluster, {Task(8000, 8, 1000), Task(2000, 1, 500), Task(2000, 1, 500)});
  Rng rng(1);
  CHECK(h.policy->Place(cluster, Task(2000, 1, 500), rng).node == 1);
}

TEST_CASE("frag best-fit and dot-product: the fuller node", "[frag]") {
  FragCluster cluster = Make({{"a", 32000, 65536, 4, "T4"}, {"b", 32000, 65536, 4, "T4"}});
  REQUIRE(cluster.Allocate(Task(16000, 2, 1000), {1, 3u}).ok());
  Rng rng(1);
  for (const char* name : {"best-fit", "dot-product"}) {
    Harness h(name, cluster, MixedTasks());
    INFO(name);
    CHECK(h.policy->Place(cluster, Task(2000, 1, 1000), rng).node == 1);
  }
}

TEST_CASE("frag gpu-packing: shared GPU then a used node then an idle node", "[frag]") {
  FragCluster cluster = Make({{"idle", 32000, 65536, 2, "T4"},
                              {"used", 32000, 65536, 2, "T4"},
                              {"shared", 32000, 65536, 1, "T4"}});
  REQUIRE(cluster.Allocate(Task(1000, 1, 1000), {1, 1u}).ok());  // "used": GPU 0 taken whole
  REQUIRE(cluster.Allocate(Task(1000, 1, 300), {2, 1u}).ok());   // "shared": its GPU at 700
  Harness h("gpu-packing", cluster, MixedTasks());
  Rng rng(1);
  CHECK(h.policy->Place(cluster, Task(1000, 1, 500), rng).node == 2);   // onto the shared GPU
  CHECK(h.policy->Place(cluster, Task(1000, 1, 1000), rng).node == 1);  // a free GPU, used node
  CHECK(h.policy->Place(cluster, Task(1000, 2, 1000), rng).node == 0);  // only the idle one fits
}

TEST_CASE("frag gpu-clustering: tasks of one GPU kind together", "[frag]") {
  FragCluster cluster = Make({{"idle", 32000, 65536, 4, "T4"},
                              {"wholes", 32000, 65536, 4, "T4"},
                              {"shares", 32000, 65536, 4, "T4"}});
  REQUIRE(cluster.Allocate(Task(1000, 1, 1000), {1, 1u}).ok());
  REQUIRE(cluster.Allocate(Task(1000, 1, 200), {2, 1u}).ok());
  Harness h("gpu-clustering", cluster, MixedTasks());
  Rng rng(1);
  CHECK(h.policy->Place(cluster, Task(1000, 1, 500), rng).node == 2);
  CHECK(h.policy->Place(cluster, Task(1000, 1, 1000), rng).node == 1);
  CHECK(h.policy->Place(cluster, Task(1000, 2, 1000), rng).node == 0);  // idle before others
}

TEST_CASE("frag ties: node order consolidates while random ties spread", "[frag]") {
  std::vector<FragNodeSpec> nodes;
  for (int i = 0; i < 8; ++i) nodes.push_back({"n" + std::to_string(i), 64000, 65536, 4, "T4"});
  for (bool node_order : {true, false}) {
    FragCluster cluster = Make(nodes);
    Harness h("gpu-clustering", cluster, MixedTasks(), node_order);
    std::reverse(h.rank.begin(), h.rank.end());  // node 7 comes first
    Rng rng(4);
    std::vector<int> hits(8, 0);
    for (int i = 0; i < 8; ++i) {
      // All idle nodes score alike for a CPU-only task (0 everywhere).
      ++hits[static_cast<size_t>(h.policy->Place(cluster, Task(1000, 0, 0), rng).node)];
    }
    if (node_order) {
      CHECK(hits[7] == 8);
    } else {
      CHECK(hits[7] < 8);
    }
  }
}

TEST_CASE("frag random: a uniform node and a uniform GPU for shares", "[frag]") {
  FragCluster cluster = Make({{"a", 64000, 65536, 4, "T4"}, {"b", 64000, 65536, 4, "T4"},
                              {"full", 64000, 65536, 1, "T4"}});
  REQUIRE(cluster.Allocate(Task(1000, 1, 1000), {2, 1u}).ok());
  Harness h("random", cluster, MixedTasks());
  Rng rng(8);
  std::vector<int> nodes(3, 0), gpus(4, 0);
  for (int i = 0; i < 4000; ++i) {
    const GpuPlacement p = h.policy->Place(cluster, Task(1000, 1, 100), rng);
    ++nodes[static_cast<size_t>(p.node)];
    ++gpus[static_cast<size_t>(std::countr_zero(p.gpu_mask))];
  }
  CHECK(nodes[2] == 0);  // no room there
  CHECK(nodes[0] == Approx(2000).epsilon(0.1));
  for (int g : gpus) CHECK(g == Approx(1000).epsilon(0.15));
}

}  // namespace burnrate
