// frag/fragmentation.h: the task mix and the fragmentation measure F_n(M), by hand.
#include <catch2/catch.hpp>
#include <vector>

#include "frag/cluster.h"
#include "frag/fragmentation.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

FragTask Task(int64_t cpu, int32_t gpus, int32_t milli) {
  FragTask t;
  t.cpu_milli = cpu;
  t.memory_mib = 1;
  t.num_gpu = gpus;
  t.gpu_milli = milli;
  return t;
}

// Two shares of 500 (1 core), one whole GPU (2 cores), one CPU-only task (4 cores).
std::vector<FragTask> SmallWorkload() {
  return {Task(1000, 1, 500), Task(2000, 1, 1000), Task(1000, 1, 500), Task(4000, 0, 0)};
}

}  // namespace

TEST_CASE("frag task mix: shapes and ids and the popularity cut", "[frag]") {
  std::vector<FragTask> tasks = SmallWorkload();
  const TaskMix all = TaskMix::FromTasks(tasks, 1.0, true);
  REQUIRE(all.all_shapes().size() == 3);
  CHECK(tasks[0].type_id == 0);
  CHECK(tasks[1].type_id == 1);
  CHECK(tasks[2].type_id == 0);
  CHECK(tasks[3].type_id == 2);
  CHECK(all.all_shapes()[0].count == 2);
  REQUIRE(all.typical().size() == 3);
  CHECK(all.typical()[0].gpu_milli == 500);  // most popular first
  CHECK(all.typical_count() == 4);

  // Counts 5, 3, 1, 1: 80% is reached by the first two shapes, 81% needs a third; equal counts
  // are cut in a fixed order (larger CPU first), whatever the order of the tasks.
  std::vector<FragTask> many;
  for (int i = 0; i < 5; ++i) many.push_back(Task(1000, 1, 100));
  for (int i = 0; i < 3; ++i) many.push_back(Task(1000, 1, 1000));
  many.push_back(Task(2000, 0, 0));
  many.push_back(Task(9000, 0, 0));
  const TaskMix m80 = TaskMix::FromTasks(many, 0.8, false);
  CHECK(m80.typical().size() == 2);
  CHECK(m80.typical_count() == 8);
  CHECK(many[0].type_id == -1);  // ids not assigned
  const TaskMix m81 = TaskMix::FromTasks(many, 0.81, false);
  REQUIRE(m81.typical().size() == 3);
  CHECK(m81.typical()[2].cpu_milli == 9000);
  CHECK(m81.typical_count() == 9);
}

TEST_CASE("frag measure: F_n(M) by hand", "[frag]") {
  std::vector<FragTask> tasks = SmallWorkload();
  const TaskMix mix = TaskMix::FromTasks(tasks, 1.0, true);
  auto cluster = FragCluster::Create({{"n", 8000, 65536, 4, "T4"}});
  REQUIRE(cluster.ok());
  const FragMeasure measure(mix, *cluster);

  const int32_t left[4] = {1000, 300, 1000, 0};  // 2300 milli free
  // share 500: fits; the 300 left on GPU 1 is below 500 -> 300 (x2 tasks)
  // whole GPU: two free GPUs; the 300 is not a whole GPU -> 300
  // CPU-only: every free GPU is a fragment -> 2300
  CHECK(measure.Numerator(0, 8000, left, 4) == 2 * 300 + 300 + 2300);
  CHECK(measure.ToMilliGpu(3200) == Approx(800));
  // 1.5 cores left: the whole-GPU task (2 cores) no longer fits -> all 2300 for it.
  CHECK(measure.Numerator(0, 1500, left, 4) == 2 * 300 + 2300 + 2300);
  // 0.5 cores: nothing fits.
  CHECK(measure.Numerator(0, 500, left, 4) == 4 * 2300);
  // No GPU with 500 free: the shares cannot run -> all 2300 for them.
  const int32_t crumbs[4] = {400, 300, 0, 100};
  CHECK(measure.Numerator(0, 8000, crumbs, 4) == 4 * 800);
  // A fully allocated node has no fragment; a node without GPUs neither.
  const int32_t none[4] = {0, 0, 0, 0};
  CHECK(measure.Numerator(0, 8000, none, 4) == 0);
  CHECK(measure.Numerator(-1, 8000, none, 0) == 0);
  // An idle node: only the CPU-only task's share of it.
  const int32_t idle[4] = {1000, 1000, 1000, 1000};
  CHECK(measure.Numerator(0, 8000, idle, 4) == 4000);
}

TEST_CASE("frag measure: shapes restricted to other GPU models count the whole node", "[frag]") {
  auto cluster = FragCluster::Create({{"t4", 8000, 65536, 2, "T4"}, {"v", 8000, 65536, 2, "V100"}});
  REQUIRE(cluster.ok());
  std::vector<FragTask> tasks = {Task(1000, 1, 500), Task(1000, 1, 500)};
  tasks[1].model_constrained = true;
  tasks[1].model_mask = 2u;  // V100 only
  const TaskMix mix = TaskMix::FromTasks(tasks, 1.0, true);
  REQUIRE(mix.typical().size() == 2);
  const FragMeasure measure(mix, *cluster);
  const int32_t left[2] = {1000, 200};
  // On the T4: the unconstrained share leaves 200 as fragment, the V100-only one all 1200.
  CHECK(measure.Numerator(0, 8000, left, 2) == 200 + 1200);
  // On the V100 both can run: 200 each.
  CHECK(measure.Numerator(1, 8000, left, 2) == 200 + 200);
}

TEST_CASE("frag meter: incremental cluster fragmentation equals a full recount", "[frag]") {
  std::vector<FragTask> tasks = SmallWorkload();
  const TaskMix mix = TaskMix::FromTasks(tasks, 1.0, true);
  auto created = FragCluster::Create(
      {{"a", 16000, 65536, 4, "T4"}, {"b", 8000, 65536, 2, "T4"}, {"c", 64000, 65536, 8, "G2"}});
  REQUIRE(created.ok());
  FragCluster cluster = *created;
  const FragMeasure measure(mix, cluster);
  FragMeter meter(&measure, cluster);
  auto recount = [&] {
    int64_t n = 0;
    for (int32_t i = 0; i < cluster.num_nodes(); ++i) n += measure.Numerator(cluster.node(i));
    return n;
  };
  CHECK(meter.total_numerator() == recount());
  CHECK(meter.total_numerator() == (4000 + 2000 + 8000));  // the CPU-only task's share
  Rng rng(3);
  for (int i = 0; i < 300; ++i) {
    const FragTask& t = tasks[static_cast<size_t>(rng.UniformInt(tasks.size()))];
    const auto n = static_cast<int32_t>(rng.UniformInt(3));
    if (!cluster.Fits(t, n)) continue;
    REQUIRE(cluster.Allocate(t, {n, BestFitGpus(cluster.node(n), t)}).ok());
    meter.Node(cluster, n);
    REQUIRE(meter.total_numerator() == recount());
  }
  CHECK(meter.total_milli_gpu() == Approx(static_cast<double>(recount()) / 4));
}

}  // namespace burnrate
