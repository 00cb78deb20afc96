// Sweeps: grid files, expansion order, shards from flags and schedulers' variables, resume,
// and merging with confidence intervals that match hand computation and published t tables.
#include "runner/sweep.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "runner/stats.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using testing::TempDir;

// A tiny scenario: one day, a handful of jobs, so a point runs in milliseconds.
constexpr const char* kScenario = R"(
name: tiny
horizon_days: 1
seed: 4
cluster:
  pools:
    - name: a100
      gpu_type: A100-80GB
      gpus_per_node: 8
      nodes: 2
      pricing:
        reserved: { usd_per_gpu_hour: 2.00 }
workload:
  generators:
    - name: train
      arrivals_per_hour: 2
      gpus: { values: [1, 4, 8], weights: [2, 1, 1] }
      duration: { lognormal: { median_s: 1800, sigma: 1.0 }, max_s: 86400 }
policies:
  - { queue: fifo, placement: first-fit }
  - { queue: sjf, placement: best-fit }
)";

constexpr const char* kGrid = R"(name: tiny-grid
scenarios: [tiny.yaml]
policies: [fifo+first-fit, sjf+best-fit]
seeds: {first: 1, count: 3}
parameters:
  - name: rate
    set: workload.generators[train].arrivals_per_hour
    values: [1, 3]
  - name: nodes
    set: cluster.pools[0].nodes
    values: [1, 2]
)";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

SweepPlan MakePlan(const TempDir& dir, const std::string& grid_text = kGrid) {
  dir.Write("tiny.yaml", kScenario);
  auto grid = LoadSweepGrid(dir.Write("grid.yaml", grid_text));
  REQUIRE(grid.ok());
  auto plan = SweepPlan::Create(*std::move(grid));
  REQUIRE(plan.ok());
  return *std::move(plan);
}

std::string GridError(const TempDir& dir, const std::string& text) {
  dir.Write("tiny.yaml", kScenario);
  auto grid = LoadSweepGrid(dir.Write("bad.yaml", text));
  REQUIRE_FALSE(grid.ok());
  CHECK(grid.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(grid.status().message());
}

TEST_CASE("stats: Student-t quantiles match published tables", "[runner][sweep][stats]") {
  // Critical values to 4 decimals (any t table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
  CHECK(StudentTQuantile(0.975, 1) == Approx(12.7062).margin(5e-5));
  CHECK(StudentTQuantile(0.975, 2) == Approx(4.3027).margin(5e-5));
  CHECK(StudentTQuantile(0.975, 4) == Approx(2.7764).margin(5e-5));
  CHECK(StudentTQuantile(0.975, 9) == Approx(2.2622).margin(5e-5));
  CHECK(StudentTQuantile(0.975, 29) == Approx(2.0452).margin(5e-5));
  CHECK(StudentTQuantile(0.995, 9) == Approx(3.2498).margin(5e-5));
  CHECK(StudentTQuantile(0.95, 5) == Approx(2.0150).margin(5e-5));
  // Large df tends to the normal quantile 1.959964.
  CHECK(StudentTQuantile(0.975, 1e7) == Approx(1.959964).margin(1e-6));
  CHECK(StudentTQuantile(0.025, 4) == Approx(-2.7764).margin(5e-5));
  CHECK(StudentTQuantile(0.5, 3) == 0);
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
  for (double t : {-3.0, -0.5, 0.2, 1.0, 7.0}) {
    CHECK(StudentTCdf(t, 1) == Approx(0.5 + std::atan(t) / M_PI).epsilon(1e-12));
  }
  // I_x(a, 1) = x^a, and the symmetry I_x(a, b) = 1 - I_{1-x}(b, a).
  CHECK(RegularizedIncompleteBeta(2.5, 1, 0.3) == Approx(std::pow(0.3, 2.5)).epsilon(1e-12));
  CHECK(RegularizedIncompleteBeta(3, 7, 0.2) ==
        Approx(1 - RegularizedIncompleteBeta(7, 3, 0.8)).epsilon(1e-12));
}

TEST_CASE("stats: the interval of a mean by hand", "[runner][sweep][stats]") {
  // 2, 4, 6, 8: mean 5, s^2 = (9 + 1 + 1 + 9) / 3 = 20/3, half-width t(0.975, 3) s / 2.
  const MeanInterval ci = MeanConfidenceInterval({2, 4, 6, 8}, 0.95);
  const double s = std::sqrt(20.0 / 3.0);
  CHECK(ci.mean == 5);
  CHECK(ci.stddev == Approx(s));
  CHECK(ci.high - ci.mean == Approx(3.182446 * s / 2).epsilon(1e-5));
  CHECK(ci.mean - ci.low == Approx(ci.high - ci.mean));
  CHECK(ci.min == 2);
  CHECK(ci.max == 8);
  const MeanInterval one = MeanConfidenceInterval({7}, 0.95);
  CHECK(one.stddev == 0);
  CHECK(one.low == 7);
  CHECK(one.high == 7);
}

TEST_CASE("sweep: the grid expands scenario x parameters x policy x seed in that order",
          "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir);
  REQUIRE(plan.points().size() == 2 * 2 * 2 * 3);
  CHECK(plan.combos() == 4);
  const SweepPointSpec& p0 = plan.points()[0];
  CHECK(p0.policy.Name() == "fifo+first-fit");
  CHECK(p0.seed == 1);
  CHECK(p0.values == std::vector<uint32_t>{0, 0});
  // Seeds vary fastest, then policies, then the last parameter, then the first.
  CHECK(plan.points()[1].seed == 2);
  CHECK(plan.points()[3].policy.Name() == "sjf+best-fit");
  CHECK(plan.points()[6].values == std::vector<uint32_t>{0, 1});
  CHECK(plan.points()[12].values == std::vector<uint32_t>{1, 0});
  for (size_t i = 0; i < plan.points().size(); ++i) CHECK(plan.points()[i].index == i);
  // The compiled combo carries its values.
  auto model = plan.Compile(plan.points()[6].combo);
  REQUIRE(model.ok());
  CHECK(model->pools[0].nodes == 2);
  CHECK(plan.manifest().points_total() == 24);
  CHECK(plan.manifest().grid_hash().size() == 16);
}

TEST_CASE("sweep: without policies or seeds a grid takes the scenario's own",
          "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir, "scenarios: [tiny.yaml]\n");
  REQUIRE(plan.points().size() == 2);  // the scenario's two policies, its seed 4
  CHECK(plan.points()[0].seed == 4);
  CHECK(plan.points()[1].policy.Name() == "sjf+best-fit");
  CHECK(plan.grid().name == "grid");  // the file name without extension
}

TEST_CASE("sweep: the hash changes when the grid or a scenario file changes",
          "[runner][sweep]") {
  TempDir dir;
  const std::string h1 = MakePlan(dir).manifest().grid_hash();
  CHECK(MakePlan(dir).manifest().grid_hash() == h1);  // deterministic
  std::string other = kGrid;
  other.replace(other.find("values: [1, 3]"), 14, "values: [1, 4]");
  CHECK(MakePlan(dir, other).manifest().grid_hash() != h1);
  // Same grid, scenario edited.
  dir.Write("grid.yaml", kGrid);
  std::string scenario = kScenario;
  scenario.replace(scenario.find("usd_per_gpu_hour: 2.00"), 22, "usd_per_gpu_hour: 2.50");
  dir.Write("tiny.yaml", scenario);
  auto grid = LoadSweepGrid((dir.path / "grid.yaml").string());
  REQUIRE(grid.ok());
  auto plan = SweepPlan::Create(*std::move(grid));
  REQUIRE(plan.ok());
  CHECK(plan->manifest().grid_hash() != h1);
}

TEST_CASE("sweep: grid mistakes name the file, line and key", "[runner][sweep]") {
  TempDir dir;
  std::string m = GridError(dir, "scenarios: [tiny.yaml]\nseed: [1]\n");
  CHECK_THAT(m, Catch::Contains("bad.yaml:2: seed: unknown key (did you mean \"seeds\"?); a grid "
                                "has name, scenarios, policies, seeds, parameters"));
  m = GridError(dir, "scenarios: [tiny.yaml]\nseeds: [1, 0]\n");
  CHECK_THAT(m, Catch::Contains("bad.yaml:2: seeds[1]: \"0\" is not a seed"));
  m = GridError(dir, "scenarios: [tiny.yaml]\nseeds: [3, 3]\n");
  CHECK_THAT(m, Catch::Contains("seed 3 is given twice"));
  m = GridError(dir, "scenarios: [tiny.yaml]\npolicies: [fifo, lifo]\n");
  CHECK_THAT(m, Catch::Contains("bad.yaml:2: policies:"));
  CHECK_THAT(m, Catch::Contains("lifo"));
  m = GridError(dir, "scenarios: [tiny.yaml]\nparameters:\n  - name: policy\n    set: seed\n"
                     "    values: []\n");
  CHECK_THAT(m, Catch::Contains("\"policy\" names a column of the merged results"));
  CHECK_THAT(m, Catch::Contains("seed is set by the grid's own \"seeds\" key"));
  CHECK_THAT(m, Catch::Contains("expected a non-empty list of values, got an empty list"));
  m = GridError(dir, "parameters: []\n");
  CHECK_THAT(m, Catch::Contains("scenarios: missing"));
  m = GridError(dir, "scenarios: [tiny.yaml\n");
  CHECK_THAT(m, Catch::Contains("malformed grid"));
  m = GridError(dir, "scenarios: [tiny.yaml]\nparameters:\n  - {name: n, set: a.b, values: [1, 1]}\n");
  CHECK_THAT(m, Catch::Contains("bad.yaml:3: parameters[0].values: 1 is given twice"));
}

TEST_CASE("sweep: a bad parameter value fails before anything is written", "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir, R"(scenarios: [tiny.yaml]
policies: [fifo]
parameters:
  - name: nodes
    set: cluster.pools[0].nodes
    values: [2, 0]
)");
  SweepRunOptions options;
  options.out_dir = (dir.path / "out").string();
  options.threads = 2;
  auto stats = RunSweep(plan, options);
  REQUIRE_FALSE(stats.ok());
  const std::string m(stats.status().message());
  // Blamed on the grid's parameter, not on the scenario file.
  CHECK_THAT(m, Catch::Contains("grid.yaml:5: parameter nodes = 0: cluster.pools[0].nodes: "));
  CHECK_THAT(m, !Catch::Contains("tiny.yaml"));
  CHECK_FALSE(std::filesystem::exists(dir.path / "out"));
  // An unknown field or a value of the wrong type fails when the grid expands, with the line
  // of the path or of the value in the grid file.
  dir.Write("bad_path.yaml", R"(scenarios: [tiny.yaml]
parameters:
  - name: n
    set: cluster.pools[0].node
    values: [2]
)");
  auto grid = LoadSweepGrid((dir.path / "bad_path.yaml").string());
  REQUIRE(grid.ok());
  auto bad_path = SweepPlan::Create(*std::move(grid));
  REQUIRE_FALSE(bad_path.ok());
  CHECK_THAT(std::string(bad_path.status().message()),
             Catch::Contains("bad_path.yaml:4: cluster.pools[0].node: unknown field \"node\" "
                             "(did you mean \"nodes\"?)"));
  dir.Write("bad_type.yaml", R"(scenarios: [tiny.yaml]
parameters:
  - name: n
    set: cluster.pools[0].nodes
    values:
      - 2
      - lots
)");
  grid = LoadSweepGrid((dir.path / "bad_type.yaml").string());
  REQUIRE(grid.ok());
  auto bad_type = SweepPlan::Create(*std::move(grid));
  REQUIRE_FALSE(bad_type.ok());
  CHECK_THAT(std::string(bad_type.status().message()),
             Catch::Contains("parameter n = lots in scenario tiny.yaml: "));
  CHECK_THAT(std::string(bad_type.status().message()),
             Catch::Contains("bad_type.yaml:7: cluster.pools[0].nodes: \"lots\" is not a number"));
}

TEST_CASE("sweep: shards from --shard, Slurm arrays and Kubernetes indexed jobs",
          "[runner][sweep]") {
  std::map<std::string, std::string> env;
  auto getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto none = ResolveShard("", getenv);
  REQUIRE(none.ok());
  CHECK(none->count == 1);
  auto flag = ResolveShard("2/5", getenv);
  REQUIRE(flag.ok());
  CHECK((flag->index == 2 && flag->count == 5 && flag->source == "--shard"));
  for (const char* bad : {"5/5", "1/0", "x/3", "3", "-1/4"}) {
    CHECK_FALSE(ResolveShard(bad, getenv).ok());
  }
  // sbatch --array=1-8:1 -> task 3 of 8 tasks is shard 2/8.
  env = {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_MIN", "1"},
         {"SLURM_ARRAY_TASK_COUNT", "8"}};
  auto slurm = ResolveShard("", getenv);
  REQUIRE(slurm.ok());
  CHECK((slurm->index == 2 && slurm->count == 8 && slurm->source == "SLURM_ARRAY_TASK_ID"));
  // --array=0-30:10 -> tasks 0, 10, 20, 30.
  env = {{"SLURM_ARRAY_TASK_ID", "20"}, {"SLURM_ARRAY_TASK_MIN", "0"},
         {"SLURM_ARRAY_TASK_STEP", "10"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  slurm = ResolveShard("", getenv);
  REQUIRE(slurm.ok());
  CHECK((slurm->index == 2 && slurm->count == 4));
  // The flag wins over the environment.
  CHECK(ResolveShard("0/2", getenv)->count == 2);
  env = {{"SLURM_ARRAY_TASK_ID", "3"}};
  auto missing = ResolveShard("", getenv);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("SLURM_ARRAY_TASK_COUNT"));
  env = {{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  CHECK_FALSE(ResolveShard("", getenv).ok());  // --array=1,5,9 style lists
  env = {{"JOB_COMPLETION_INDEX", "5"}, {"BURNRATE_SHARD_COUNT", "6"}};
  auto k8s = ResolveShard("", getenv);
  REQUIRE(k8s.ok());
  CHECK((k8s->index == 5 && k8s->count == 6 && k8s->source == "JOB_COMPLETION_INDEX"));
  env = {{"JOB_COMPLETION_INDEX", "1"}, {"JOB_COMPLETIONS", "2"}};
  CHECK(ResolveShard("", getenv)->count == 2);
  env = {{"JOB_COMPLETION_INDEX", "1"}};
  auto no_count = ResolveShard("", getenv);
  REQUIRE_FALSE(no_count.ok());
  CHECK_THAT(std::string(no_count.status().message()), Catch::Contains("BURNRATE_SHARD_COUNT"));
  env = {{"JOB_COMPLETION_INDEX", "2"}, {"BURNRATE_SHARD_COUNT", "2"}};
  CHECK_FALSE(ResolveShard("", getenv).ok());
}

TEST_CASE("sweep: shards merged equal the whole sweep byte for byte, and a sweep resumes",
          "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir);
  SweepRunOptions whole;
  whole.out_dir = (dir.path / "whole").string();
  whole.threads = 2;
  auto stats = RunSweep(plan, whole);
  REQUIRE(stats.ok());
  CHECK(stats->ran == 24);
  CHECK_FALSE(stats->cancelled);
  MergeOptions merge_whole;
  merge_whole.dirs = {whole.out_dir};
  auto merged = MergeSweep(merge_whole);
  REQUIRE(merged.ok());
  const std::string json = SweepJson(*merged);

  std::vector<std::string> shard_dirs;
  for (uint32_t i = 0; i < 5; ++i) {
    SweepRunOptions o;
    o.out_dir = (dir.path / ("shard" + std::to_string(i))).string();
    o.shard = {i, 5, "--shard"};
    o.threads = 1;
    auto s = RunSweep(plan, o);
    REQUIRE(s.ok());
    CHECK(s->shard_points == (i < 4 ? 5u : 4u));  // 24 points: 5, 5, 5, 5, 4
    shard_dirs.push_back(o.out_dir);
  }
  MergeOptions merge_shards;
  merge_shards.dirs = shard_dirs;
  auto from_shards = MergeSweep(merge_shards);
  REQUIRE(from_shards.ok());
  CHECK(SweepJson(*from_shards) == json);
  CHECK(SweepPointsCsv(*from_shards) == SweepPointsCsv(*merged));
  CHECK(SweepGroupsCsv(*from_shards) == SweepGroupsCsv(*merged));

  // Resume: two points lost; the rerun simulates just those and the merge is unchanged.
  const std::string p5 = Slurp(SweepPointPath(whole.out_dir, 5));
  std::filesystem::remove(SweepPointPath(whole.out_dir, 5));
  std::filesystem::remove(SweepPointPath(whole.out_dir, 17));
  auto again = RunSweep(plan, whole);
  REQUIRE(again.ok());
  CHECK(again->ran == 2);
  CHECK(again->already_done == 22);
  CHECK(Slurp(SweepPointPath(whole.out_dir, 5)) == p5);
  CHECK(SweepJson(*MergeSweep(merge_whole)) == json);

  // Missing points fail the merge unless --partial.
  std::filesystem::remove(SweepPointPath(shard_dirs[0], 0));
  auto incomplete = MergeSweep(merge_shards);
  REQUIRE_FALSE(incomplete.ok());
  CHECK_THAT(std::string(incomplete.status().message()),
             Catch::Contains("1 of 24 points are missing (first: 0)"));
  merge_shards.partial = true;
  auto partial = MergeSweep(merge_shards);
  REQUIRE(partial.ok());
  CHECK(partial->points_merged() == 23);
  CHECK(partial->groups(0).seeds_size() == 2);
}

TEST_CASE("sweep: merged statistics are the mean and t interval of the seeds' summaries",
          "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir);
  SweepRunOptions o;
  o.out_dir = (dir.path / "out").string();
  o.threads = 2;
  REQUIRE(RunSweep(plan, o).ok());
  MergeOptions m;
  m.dirs = {o.out_dir};
  m.confidence = 0.9;
  auto merged = MergeSweep(m);
  REQUIRE(merged.ok());
  REQUIRE(merged->groups_size() == 8);
  REQUIRE(merged->points_size() == 24);
  // Group 5 = rate 3, nodes 1... computed by hand from its three points' utilisation.
  for (int g = 0; g < merged->groups_size(); ++g) {
    const auto& group = merged->groups(g);
    REQUIRE(group.seeds_size() == 3);
    std::vector<double> u;
    for (int i = 0; i < 3; ++i) u.push_back(merged->points(3 * g + i).summary().gpu_utilization());
    const double mean = (u[0] + u[1] + u[2]) / 3;
    const double s = std::sqrt(((u[0] - mean) * (u[0] - mean) + (u[1] - mean) * (u[1] - mean) +
                                (u[2] - mean) * (u[2] - mean)) /
                               2);
    const v1::MetricStats* stat = nullptr;
    for (const auto& metric : group.metrics()) {
      if (metric.metric() == "gpu_utilization") stat = &metric;
    }
    REQUIRE(stat != nullptr);
    CHECK(stat->mean() == Approx(mean));
    CHECK(stat->stddev() == Approx(s));
    // t(0.95, 2) = 2.919986 for a two-sided 90% interval.
    CHECK(stat->ci_high() - stat->mean() == Approx(2.919986 * s / std::sqrt(3.0)).epsilon(1e-5));
  }
  // The same group's points share coordinates; the fifo and sjf groups of one value pair differ.
  CHECK(merged->groups(0).policy() == "fifo+first-fit");
  CHECK(merged->groups(1).policy() == "sjf+best-fit");
  CHECK(merged->groups(2).parameters(1).value() == "2");
  // Another grid's directory cannot be merged in.
  TempDir other;
  SweepPlan plan2 = MakePlan(other, "scenarios: [tiny.yaml]\n");
  SweepRunOptions o2;
  o2.out_dir = (other.path / "out").string();
  REQUIRE(RunSweep(plan2, o2).ok());
  m.dirs = {o.out_dir, o2.out_dir};
  auto mixed = MergeSweep(m);
  REQUIRE_FALSE(mixed.ok());
  CHECK_THAT(std::string(mixed.status().message()), Catch::Contains("hold different sweeps"));
  // And a sweep refuses to write into another grid's directory.
  auto refused = RunSweep(plan2, o);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(std::string(refused.status().message()), Catch::Contains("holds points of another grid"));
}

TEST_CASE("sweep: a cancelled sweep keeps its finished points and resumes", "[runner][sweep]") {
  TempDir dir;
  SweepPlan plan = MakePlan(dir);
  std::atomic<bool> cancel{false};
  SweepRunOptions o;
  o.out_dir = (dir.path / "out").string();
  o.threads = 1;
  o.cancel = &cancel;
  int logged = 0;
  o.log = [&](const std::string&) {
    if (++logged == 4) cancel = true;  // stop after the fourth point
  };
  auto first = RunSweep(plan, o);
  REQUIRE(first.ok());
  CHECK(first->cancelled);
  CHECK(first->ran == 4);
  cancel = false;
  o.log = nullptr;
  auto second = RunSweep(plan, o);
  REQUIRE(second.ok());
  CHECK_FALSE(second->cancelled);
  CHECK(second->already_done == 4);
  CHECK(second->ran == 20);
}

}  // namespace
}  // namespace burnrate

namespace burnrate {
namespace {

TEST_CASE("sweep: review regressions", "[runner][sweep]") {
  TempDir dir;
  dir.Write("tiny.yaml", kScenario);
  // Two parameters setting one field (by position and by name) would mislabel results.
  dir.Write("dup.yaml", R"(scenarios: [tiny.yaml]
parameters:
  - {name: nodes, set: "cluster.pools[0].nodes", values: [1, 2]}
  - {name: small, set: "cluster.pools[a100]", values: [{name: a100, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1, pricing: {reserved: {usd_per_gpu_hour: 1}}}]}
)");
  auto grid = LoadSweepGrid((dir.path / "dup.yaml").string());
  REQUIRE(grid.ok());
  auto dup = SweepPlan::Create(*std::move(grid));
  REQUIRE_FALSE(dup.ok());
  CHECK_THAT(std::string(dup.status().message()),
             Catch::Contains("parameters nodes and small both set cluster.pools[0]"));
  // A parameter may not take a column name of points.csv.
  CHECK_THAT(GridError(dir, "scenarios: [tiny.yaml]\nparameters:\n  - {name: jobs_submitted, "
                            "set: seed, values: [1]}\n"),
             Catch::Contains("\"jobs_submitted\" names a column of the merged results"));
  // Equal values have no spread at all.
  const MeanInterval same = MeanConfidenceInterval({0.1, 0.1, 0.1}, 0.95);
  CHECK(same.stddev == 0);
  CHECK(same.low == 0.1);
  CHECK(same.high == 0.1);
  // A truncated point file (a machine crash) is simulated again on resume.
  SweepPlan plan = MakePlan(dir);
  SweepRunOptions o;
  o.out_dir = (dir.path / "out").string();
  o.threads = 2;
  REQUIRE(RunSweep(plan, o).ok());
  const std::string p3 = Slurp(SweepPointPath(o.out_dir, 3));
  std::ofstream(SweepPointPath(o.out_dir, 3), std::ios::trunc) << p3.substr(0, p3.size() / 2);
  std::ofstream(SweepPointPath(o.out_dir, 4), std::ios::trunc) << "";
  auto again = RunSweep(plan, o);
  REQUIRE(again.ok());
  CHECK(again->ran == 2);
  CHECK(Slurp(SweepPointPath(o.out_dir, 3)) == p3);
}

}  // namespace
}  // namespace burnrate
