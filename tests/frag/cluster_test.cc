// frag/cluster.h: allocation and release of fractional and whole GPUs, never over-allocating.
#include <catch2/catch.hpp>
#include <vector>

#include "frag/cluster.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

FragCluster TwoNodes() {
  auto c = FragCluster::Create({{"a", 32000, 65536, 4, "T4"}, {"b", 8000, 16384, 2, "V100M16"}});
  REQUIRE(c.ok());
  return *std::move(c);
}

FragTask Share(int32_t milli, int64_t cpu = 1000, int64_t mem = 1024) {
  FragTask t;
  t.cpu_milli = cpu;
  t.memory_mib = mem;
  t.num_gpu = 1;
  t.gpu_milli = milli;
  return t;
}

FragTask Whole(int32_t gpus, int64_t cpu = 1000, int64_t mem = 1024) {
  FragTask t = Share(kMilliPerGpu, cpu, mem);
  t.num_gpu = gpus;
  return t;
}

}  // namespace

TEST_CASE("frag cluster: capacities and models and tasks from pods", "[frag]") {
  FragCluster c = TwoNodes();
  CHECK(c.num_nodes() == 2);
  CHECK(c.gpu_capacity_milli() == 6000);
  CHECK(c.gpu_allocated_milli() == 0);
  CHECK(c.models() == std::vector<std::string>{"T4", "V100M16"});
  CHECK(c.max_node_cpu_milli() == 32000);
  CHECK(c.max_node_gpu_milli() == 4000);
  CHECK(c.node(0).full_gpus == 4);
  CHECK(c.node(1).max_gpu_left == 1000);

  FragPod pod;
  pod.cpu_milli = 2000;
  pod.memory_mib = 100;
  pod.num_gpu = 1;
  pod.gpu_milli = 500;
  pod.gpu_models = {"V100M16", "A100"};  // A100 is in no node: dropped
  const FragTask t = c.MakeTask(pod);
  CHECK(t.sharing());
  CHECK(t.model_constrained);
  CHECK(t.model_mask == 2u);
  CHECK_FALSE(c.Fits(t, 0));  // T4 not allowed
  CHECK(c.Fits(t, 1));
  pod.gpu_models = {"A100"};
  const FragTask nowhere = c.MakeTask(pod);
  CHECK(nowhere.model_constrained);
  CHECK_FALSE(c.Fits(nowhere, 0));
  CHECK_FALSE(c.Fits(nowhere, 1));

  auto bad = FragCluster::Create({{"big", 1000, 1000, 17, "X"}});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("node big: 17 GPUs"));
}

TEST_CASE("frag cluster: shares and whole GPUs allocate and release exactly", "[frag]") {
  FragCluster c = TwoNodes();
  const FragTask a = Share(600), b = Share(400), w = Whole(2, 4000, 2048);
  REQUIRE(c.Allocate(a, {0, 1u << 1}).ok());
  REQUIRE(c.Allocate(b, {0, 1u << 1}).ok());  // GPU 1 now full: 600 + 400
  CHECK(c.node(0).gpu_left[1] == 0);
  CHECK(c.node(0).full_gpus == 3);
  CHECK(c.node(0).tasks_by_kind[0] == 2);
  CHECK(c.node(0).kinds_present == 1);
  REQUIRE(c.Allocate(w, {0, (1u << 0) | (1u << 3)}).ok());
  CHECK(c.node(0).tasks_by_kind[2] == 1);
  CHECK(c.node(0).kinds_present == 2);
  CHECK(c.node(0).cpu_left == 32000 - 1000 - 1000 - 4000);
  CHECK(c.node(0).memory_left == 65536 - 1024 - 1024 - 2048);
  CHECK(c.gpu_allocated_milli() == 3000);
  CHECK(c.CheckInvariants().ok());

  REQUIRE(c.Release(a, {0, 1u << 1}).ok());
  CHECK(c.node(0).gpu_left[1] == 600);
  CHECK(c.node(0).max_gpu_left == 1000);
  REQUIRE(c.Release(w, {0, (1u << 0) | (1u << 3)}).ok());
  REQUIRE(c.Release(b, {0, 1u << 1}).ok());
  CHECK(c.gpu_allocated_milli() == 0);
  CHECK(c.node(0).full_gpus == 4);
  CHECK(c.node(0).kinds_present == 0);
  CHECK(c.node(0).cpu_left == 32000);
  CHECK(c.CheckInvariants().ok());
}

TEST_CASE("frag cluster: over-allocation and bad releases are refused whole", "[frag]") {
  FragCluster c = TwoNodes();
  REQUIRE(c.Allocate(Share(700), {1, 1u}).ok());
  const FragNode before = c.node(1);
  // GPU 0 has 300 left.
  CHECK(c.Allocate(Share(400), {1, 1u}).code() == absl::StatusCode::kFailedPrecondition);
  // CPU: node b has 7000 left.
  CHECK_FALSE(c.Allocate(Share(100, 8000), {1, 2u}).ok());
  // Memory.
  CHECK_FALSE(c.Allocate(Share(100, 1000, 16000), {1, 2u}).ok());
  // Wrong number of GPUs, GPU beyond the node, whole GPUs on a shared GPU.
  CHECK_FALSE(c.Allocate(Whole(2), {1, 2u}).ok());
  CHECK_FALSE(c.Allocate(Share(100), {1, 1u << 5}).ok());
  CHECK_FALSE(c.Allocate(Whole(2), {1, 3u}).ok());
  // Shapes that are neither a share nor whole GPUs.
  FragTask odd = Whole(2);
  odd.gpu_milli = 500;
  CHECK_FALSE(c.Allocate(odd, {0, 3u}).ok());
  // Model not allowed.
  FragTask t4 = Share(100);
  t4.model_constrained = true;
  t4.model_mask = 1u;  // T4 only
  CHECK_FALSE(c.Allocate(t4, {1, 2u}).ok());
  // Nothing changed by the refusals.
  CHECK(c.node(1).gpu_left == before.gpu_left);
  CHECK(c.node(1).cpu_left == before.cpu_left);
  CHECK(c.node(1).version == before.version);
  // Releasing what was never allocated.
  CHECK_FALSE(c.Release(Share(100), {1, 2u}).ok());
  CHECK_FALSE(c.Release(Share(800), {1, 1u}).ok());
  CHECK_FALSE(c.Release(Whole(1), {0, 1u}).ok());
  CHECK(c.CheckInvariants().ok());
}

TEST_CASE("frag cluster: random allocate/release never over-allocates", "[frag]") {
  FragCluster c = TwoNodes();
  Rng rng(7);
  struct Held {
    FragTask t;
    GpuPlacement p;
  };
  std::vector<Held> held;
  int64_t allocated = 0;
  int allocations = 0;
  for (int step = 0; step < 20000; ++step) {
    if (!held.empty() && rng.UniformInt(3) == 0) {
      const size_t i = static_cast<size_t>(rng.UniformInt(held.size()));
      REQUIRE(c.Release(held[i].t, held[i].p).ok());
      allocated -= held[i].t.total_gpu_milli();
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      const FragTask t = rng.UniformInt(2) == 0
                             ? Share(static_cast<int32_t>(1 + rng.UniformInt(999)), 500, 256)
                             : Whole(static_cast<int32_t>(1 + rng.UniformInt(2)), 500, 256);
      const auto node = static_cast<int32_t>(rng.UniformInt(2));
      // Half the time the GPUs a policy would pick, half the time any GPUs, fit or not.
      const uint32_t mask = rng.UniformInt(2) == 0 ? BestFitGpus(c.node(node), t)
                                                   : static_cast<uint32_t>(rng.UniformInt(16));
      const GpuPlacement p{node, mask};
      const bool fits = c.Fits(t, node);
      const absl::Status s = c.Allocate(t, p);
      if (s.ok()) {
        CHECK(fits);
        ++allocations;
        held.push_back({t, p});
        allocated += t.total_gpu_milli();
      }
    }
    REQUIRE(c.gpu_allocated_milli() == allocated);
    for (int32_t n = 0; n < c.num_nodes(); ++n) {
      const FragNode& x = c.node(n);
      for (int32_t g = 0; g < x.gpus; ++g) {
        REQUIRE(x.gpu_left[static_cast<size_t>(g)] >= 0);
        REQUIRE(x.gpu_left[static_cast<size_t>(g)] <= kMilliPerGpu);
      }
      REQUIRE(x.cpu_left >= 0);
      REQUIRE(x.memory_left >= 0);
    }
  }
  REQUIRE(c.CheckInvariants().ok());
  CHECK(allocations > 1000);
}

TEST_CASE("frag cluster: GPU selection helpers", "[frag]") {
  FragCluster c = TwoNodes();
  REQUIRE(c.Allocate(Share(300), {0, 1u << 2}).ok());  // GPU 2: 700 left
  REQUIRE(c.Allocate(Share(500), {0, 1u << 0}).ok());  // GPU 0: 500 left
  const FragNode& x = c.node(0);
  CHECK(BestFitGpu(x, 400) == 0);   // 500 is the tightest that holds 400
  CHECK(BestFitGpu(x, 600) == 2);   // only 700 and the free ones hold 600; 700 is tighter
  CHECK(BestFitGpu(x, 800) == 1);   // a free GPU, lowest index
  CHECK(FirstFreeGpus(x, 2) == ((1u << 1) | (1u << 3)));
  CHECK(FirstFreeGpus(x, 3) == 0u);
  CHECK(BestFitGpus(x, Whole(1)) == (1u << 1));
  CHECK(BestFitGpus(x, Share(450)) == 1u);
}

}  // namespace burnrate
