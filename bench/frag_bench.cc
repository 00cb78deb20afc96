// The fragmentation experiment (frag/): one placement decision per policy on a half-full
// openb-sized cluster, one F_n(M) evaluation, and the whole experiment (6 policies x 10 seeds).
// Inputs are synthetic, shaped like the openb traces (1,213 nodes / 6,212 GPUs of the same node
// types; 8,152 pods drawn from the default pod list's most common shapes), so the benchmark
// needs no trace files. Figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <numeric>
#include <string>
#include <vector>

#include "frag/cluster.h"
#include "frag/experiment.h"
#include "frag/fragmentation.h"
#include "frag/policy.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

std::vector<FragNodeSpec> OpenbLikeNodes() {
  struct Group {
    int count;
    int64_t cpu, mem;
    int32_t gpus;
    const char* model;
  };
  // openb_node_list_gpu_node.csv by (CPU, memory, GPUs), models as there.
  const Group groups[] = {{549, 96000, 393216, 8, "G2"},  {387, 104000, 524288, 2, "T4"},
                          {107, 16000, 122880, 2, "P100"}, {39, 128000, 786432, 8, "G3"},
                          {28, 32000, 131072, 4, "P100"}, {22, 64000, 262144, 2, "T4"},
                          {21, 96000, 786432, 8, "V100M32"}, {19, 8000, 32768, 1, "T4"},
                          {17, 96000, 393216, 4, "V100M16"}, {9, 48000, 376832, 4, "V100M16"},
                          {7, 64000, 262144, 8, "V100M16"},  {3, 8000, 61440, 1, "T4"},
                          {2, 8000, 61440, 2, "A10"},        {2, 128000, 1048576, 1, "T4"},
                          {1, 82000, 344064, 8, "V100M32"}};
  std::vector<FragNodeSpec> nodes;
  for (const Group& g : groups) {
    for (int i = 0; i < g.count; ++i) {
      nodes.push_back({"n" + std::to_string(nodes.size()), g.cpu, g.mem, g.gpus, g.model});
    }
  }
  return nodes;
}

// 8,152 pods drawn from the default pod list's most common shapes, with their counts as weights.
std::vector<FragPod> OpenbLikePods() {
  struct Shape {
    int64_t cpu;
    int32_t gpus, milli;
    double weight;
  };
  const std::vector<Shape> shapes = {
      {3152, 1, 810, 1047},   {11300, 1, 1000, 874}, {11400, 1, 1000, 599}, {3152, 1, 1000, 470},
      {11908, 1, 470, 388},   {12500, 0, 0, 366},    {8000, 1, 470, 360},   {12000, 1, 1000, 326},
      {32000, 0, 0, 290},     {18708, 1, 1000, 255}, {11908, 1, 650, 237},  {4000, 1, 320, 232},
      {9810, 1, 1000, 195},   {8000, 0, 0, 185},     {8000, 1, 1000, 164},  {4000, 1, 230, 122},
      {88000, 8, 1000, 18},   {64200, 8, 1000, 18},  {32000, 4, 1000, 8},   {16000, 2, 1000, 8}};
  std::vector<double> w;
  for (const Shape& s : shapes) w.push_back(s.weight);
  DiscreteDistribution pick(w);
  Rng rng(2023);
  std::vector<FragPod> pods;
  for (int i = 0; i < 8152; ++i) {
    const Shape& s = shapes[pick.Sample(rng)];
    FragPod p;
    p.name = "p" + std::to_string(i);
    p.cpu_milli = s.cpu;
    p.memory_mib = s.cpu * 4;
    p.num_gpu = s.gpus;
    p.gpu_milli = s.milli;
    pods.push_back(p);
  }
  return pods;
}

// One Place on the cluster after the first half of the pods went in with best-fit.
void BM_FragPlace(benchmark::State& state, const char* policy) {
  auto cluster = FragCluster::Create(OpenbLikeNodes());
  std::vector<FragTask> tasks;
  for (const FragPod& p : OpenbLikePods()) tasks.push_back(cluster->MakeTask(p));
  const TaskMix mix = TaskMix::FromTasks(tasks, 0.95, true);
  const FragMeasure measure(mix, *cluster);
  std::vector<int32_t> rank(static_cast<size_t>(cluster->num_nodes()));
  std::iota(rank.begin(), rank.end(), 0);
  const auto types = static_cast<int32_t>(mix.all_shapes().size());
  auto filler = NewFragPolicy("best-fit", FragPolicyContext{&*cluster, &measure, types, &rank});
  Rng rng(1);
  for (size_t i = 0; i < tasks.size() / 2; ++i) {
    const GpuPlacement p = (*filler)->Place(*cluster, tasks[i], rng);
    if (p.placed() && !cluster->Allocate(tasks[i], p).ok()) state.SkipWithError("over-allocation");
  }
  auto made = NewFragPolicy(policy, FragPolicyContext{&*cluster, &measure, types, &rank});
  size_t i = tasks.size() / 2;
  for (auto _ : state) {
    benchmark::DoNotOptimize((*made)->Place(*cluster, tasks[i], rng));
    if (++i == tasks.size()) i = tasks.size() / 2;
  }
  state.counters["nodes"] = cluster->num_nodes();
}
BENCHMARK_CAPTURE(BM_FragPlace, fgd, "fgd");
BENCHMARK_CAPTURE(BM_FragPlace, best_fit, "best-fit");
BENCHMARK_CAPTURE(BM_FragPlace, dot_product, "dot-product");
BENCHMARK_CAPTURE(BM_FragPlace, gpu_packing, "gpu-packing");
BENCHMARK_CAPTURE(BM_FragPlace, gpu_clustering, "gpu-clustering");
BENCHMARK_CAPTURE(BM_FragPlace, random, "random");

// One F_n(M) of a half-used 8-GPU node against the openb-like mix (FGD's inner step).
void BM_FragNumerator(benchmark::State& state) {
  auto cluster = FragCluster::Create(OpenbLikeNodes());
  std::vector<FragTask> tasks;
  for (const FragPod& p : OpenbLikePods()) tasks.push_back(cluster->MakeTask(p));
  const TaskMix mix = TaskMix::FromTasks(tasks, 0.95, true);
  const FragMeasure measure(mix, *cluster);
  const int32_t left[8] = {1000, 190, 530, 1000, 0, 680, 1000, 350};
  for (auto _ : state) benchmark::DoNotOptimize(measure.Numerator(0, 40000, left, 8));
  state.counters["mix_shapes"] = static_cast<double>(mix.typical().size());
}
BENCHMARK(BM_FragNumerator);

// The whole experiment: 6 policies x 10 seeds, 1.3x inflation, on `threads` threads.
void BM_FragExperiment(benchmark::State& state) {
  const std::vector<FragNodeSpec> nodes = OpenbLikeNodes();
  const std::vector<FragPod> pods = OpenbLikePods();
  FragExperimentOptions o;
  o.threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    auto r = RunFragExperiment(nodes, pods, o);
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["runs"] = 60;
}
BENCHMARK(BM_FragExperiment)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace burnrate
