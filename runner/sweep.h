// Parameter sweeps: `burnrate sweep GRID --out DIR` and `burnrate merge DIR... --json FILE`.
//
// A grid file (YAML or JSON, docs/sweep.md) names scenario files, policies, seeds and
// parameters, each parameter a list of values for one or more scenario fields. The grid expands
// to points, scenario x parameter values x policy x seed, indexed in that order (the first
// parameter varies slowest after the scenario, the seed fastest). Each point is one simulation
// and one file, DIR/points/pNNNNNN.json (burnrate.v1.SweepPoint), written atomically when its
// run ends, so an interrupted sweep resumes by skipping the points whose file exists. A shard
// I/N runs the points whose index is I modulo N. MergeSweep reads the point files of one or
// more directories (shards) into one burnrate.v1.SweepResults with per-seed statistics; its
// output depends only on the points, never on how they were sharded or scheduled.
#ifndef BURNRATE_RUNNER_SWEEP_H_
#define BURNRATE_RUNNER_SWEEP_H_

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnrate/v1/sweep.pb.h"
#include "sim/model/scenario_model.h"
#include "sim/scenario/scenario_loader.h"

namespace burnrate {

struct SweepParameter {
  std::string name;
  std::vector<std::string> paths;         // scenario fields set to each value
  std::vector<int> path_lines;            // line of each path in the grid file
  std::vector<YAML::Node> values;
  std::vector<std::string> value_texts;   // as written (YAML flow style for lists and maps)
  int line = 0;                           // of the parameter in the grid file
};

struct SweepGrid {
  std::string file;                        // the grid file as given
  std::string name;                        // `name:`, else the file name without extension
  std::vector<std::string> scenario_files; // as written in the grid
  std::vector<std::string> scenario_paths; // resolved against the grid file's directory
  std::vector<std::string> policies;       // canonical names; empty = each scenario's own
  std::vector<uint32_t> seeds;             // empty = each scenario's own seed
  std::vector<SweepParameter> parameters;
};

// Reads and checks a grid file. InvalidArgument "<file>:<line>: <key>: <problem>; <allowed>".
absl::StatusOr<SweepGrid> LoadSweepGrid(const std::string& path);

struct SweepPointSpec {
  uint32_t index = 0;
  uint32_t scenario = 0;             // into grid.scenario_files
  uint32_t combo = 0;                // scenario x parameter values, see SweepPlan::Compile
  std::vector<uint32_t> values;      // value index per parameter
  PolicySpec policy;
  uint32_t seed = 1;
};

// The expanded grid. Create loads every scenario file (for its own policies and seed when the
// grid gives none) and sets every parameter value into every scenario, so an unknown path or
// a value of the wrong type fails here; checks of the scenario as a whole (ranges, references)
// come when a combination compiles (RunSweep compiles them all before running any).
class SweepPlan {
 public:
  static absl::StatusOr<SweepPlan> Create(SweepGrid grid);

  const SweepGrid& grid() const { return grid_; }
  const std::vector<SweepPointSpec>& points() const { return points_; }
  uint32_t combos() const { return static_cast<uint32_t>(combo_values_.size()); }
  // The scenario of `combo` with its parameter values applied, compiled. Errors name the grid
  // file, the parameter and its value.
  absl::StatusOr<ScenarioModel> Compile(uint32_t combo) const;
  // "scenario.yaml with nodes = 4, rate = 2", for messages.
  std::string Describe(uint32_t combo) const;
  // DIR/sweep.json's content (grid_hash included).
  const burnrate::v1::SweepManifest& manifest() const { return manifest_; }

 private:
  SweepGrid grid_;
  std::vector<LoadedScenario> loaded_;               // one per scenario file
  std::vector<uint32_t> combo_scenario_;             // combo -> scenario
  std::vector<std::vector<uint32_t>> combo_values_;  // combo -> value index per parameter
  std::vector<SweepPointSpec> points_;
  burnrate::v1::SweepManifest manifest_;
  // yaml-cpp nodes are not safe to share between threads, even to read (copies and
  // assignments merge their memory holders): parameter values are applied under this lock.
  std::unique_ptr<std::mutex> yaml_mu_ = std::make_unique<std::mutex>();
};

struct Shard {
  uint32_t index = 0;
  uint32_t count = 1;
  std::string source;  // "--shard", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX" or "" (none)
};

// The shard from --shard I/N (`flag`, "" when not given), else from the environment: a Slurm
// array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP,
// SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the count
// in BURNRATE_SHARD_COUNT or JOB_COMPLETIONS, which the Job's manifest sets to its
// completions). Else 0/1. `getenv` is std::getenv outside tests.
absl::StatusOr<Shard> ResolveShard(const std::string& flag,
                                   const std::function<const char*(const char*)>& getenv);

struct SweepRunOptions {
  std::string out_dir;
  Shard shard;
  unsigned threads = 0;  // 0 = every core
  bool check_invariants = false;
  const std::atomic<bool>* cancel = nullptr;  // stop soon when it becomes true
  // One line per finished point (from worker threads, serialised by the runner).
  std::function<void(const std::string&)> log;
};

struct SweepRunStats {
  size_t grid_points = 0;
  size_t shard_points = 0;
  size_t already_done = 0;  // skipped: their file existed
  size_t ran = 0;
  bool cancelled = false;
};

// Compiles every scenario this shard still needs (so a bad parameter value fails before any
// simulation, with nothing written), creates DIR, DIR/points and DIR/sweep.json (or checks
// that an existing sweep.json has this grid's hash), then runs the missing points of the shard
// on `threads` threads. On cancellation, finished points stay on disk and the rest are skipped.
// An existing point file counts as done when it is whole and of this grid (else it is run
// again: a file truncated by a machine crash, say).
absl::StatusOr<SweepRunStats> RunSweep(const SweepPlan& plan, const SweepRunOptions& options);

// --out DIR is usable for this plan: not a file, and if it holds a sweep.json, one of this
// grid (InvalidArgument otherwise).
absl::Status CheckSweepDirectory(const SweepPlan& plan, const std::string& dir);

// DIR/points/pNNNNNN.json for point `index`.
std::string SweepPointPath(const std::string& dir, uint32_t index);

struct MergeOptions {
  std::vector<std::string> dirs;
  double confidence = 0.95;
  bool partial = false;  // merge what is there instead of failing on missing points
};

// Reads DIR/sweep.json and DIR/points/*.json of every directory. InvalidArgument (naming the
// file) for a missing or unreadable manifest or point, directories of different grids, a point
// present twice with different contents, or (without `partial`) missing points.
absl::StatusOr<burnrate::v1::SweepResults> MergeSweep(const MergeOptions& options);

// Proto JSON of any sweep message (field names as in the .proto, zero values included,
// indented, ending with a newline).
std::string SweepJson(const google::protobuf::Message& message);

// CSV of a merge: one row per point (coordinates, then every Summary field) and one row per
// group and metric (coordinates, metric, seeds, mean, stddev, ci_low, ci_high, min, max).
std::string SweepPointsCsv(const burnrate::v1::SweepResults& results);
std::string SweepGroupsCsv(const burnrate::v1::SweepResults& results);

}  // namespace burnrate

#endif  // BURNRATE_RUNNER_SWEEP_H_
