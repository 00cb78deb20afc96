#include "cli/sweep_cmd.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>

#include "cli/cli_util.h"
#include "report/table.h"
#include "report/writers.h"
#include "runner/parallel.h"
#include "runner/sweep.h"

namespace burnrate {
namespace cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int /*signal*/) { g_interrupted.store(true); }

// SIGINT/SIGTERM stop the sweep between events instead of killing it mid-write; a second
// signal kills as usual (the handlers are one-shot).
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction sa {};
    sa.sa_handler = OnInterrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = static_cast<int>(SA_RESETHAND);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string Coordinates(const SweepGrid& grid, const SweepPointSpec& p) {
  std::string out = fmt::format("{} {} seed {}", grid.scenario_files[p.scenario], p.policy.Name(),
                                p.seed);
  for (size_t k = 0; k < grid.parameters.size(); ++k) {
    out += fmt::format(", {} = {}", grid.parameters[k].name,
                       grid.parameters[k].value_texts[p.values[k]]);
  }
  return out;
}

const burnrate::v1::MetricStats* Metric(const burnrate::v1::SweepGroup& g, const char* name) {
  for (const auto& m : g.metrics()) {
    if (m.metric() == name) return &m;
  }
  return nullptr;
}

// "mean ± half-width" with `format` for both numbers, or the mean alone for one seed or when
// every seed gave the same value.
template <typename F>
std::string WithInterval(const burnrate::v1::MetricStats* m, size_t seeds, F format) {
  if (m == nullptr) return "-";
  if (seeds < 2 || m->stddev() == 0) return format(m->mean());
  return format(m->mean()) + " ± " + format((m->ci_high() - m->ci_low()) / 2);
}

// A duration "mean ± half" with both numbers in the unit FormatDuration picks for the mean.
std::string DurationWithInterval(const burnrate::v1::MetricStats* m, size_t seeds) {
  if (m == nullptr) return "-";
  const double mean = m->mean();
  const double a = std::fabs(mean);
  const auto [unit, scale] = a < 120     ? std::pair<const char*, double>{"s", 1}
                             : a < 7200  ? std::pair<const char*, double>{"min", 60}
                             : a < 172800 ? std::pair<const char*, double>{"h", 3600}
                                          : std::pair<const char*, double>{"d", 86400};
  if (seeds < 2 || m->stddev() == 0) return fmt::format("{:.1f} {}", mean / scale, unit);
  return fmt::format("{:.1f} ± {:.1f} {}", mean / scale, (m->ci_high() - m->ci_low()) / 2 / scale,
                     unit);
}

std::string MergeTable(const burnrate::v1::SweepResults& r) {
  std::set<std::string> scenarios;
  for (const auto& g : r.groups()) scenarios.insert(g.scenario_file());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  if (scenarios.size() > 1) header.push_back("scenario");
  for (const std::string& p : r.parameters()) header.push_back(p);
  for (const char* c : {"policy", "seeds", "bill", "utilisation", "p95 JCT", "mean wait"}) {
    header.push_back(c);
  }
  rows.push_back(header);
  for (const auto& g : r.groups()) {
    std::vector<std::string> row;
    const size_t n = static_cast<size_t>(g.seeds_size());
    if (scenarios.size() > 1) row.push_back(g.scenario_file());
    for (const auto& v : g.parameters()) row.push_back(v.value());
    row.push_back(g.policy());
    row.push_back(fmt::format("{}", n));
    row.push_back(WithInterval(Metric(g, "total_cost_usd"), n, FormatUsd));
    row.push_back(WithInterval(Metric(g, "gpu_utilization"), n,
                               [](double v) { return fmt::format("{:.1f}%", 100 * v); }));
    row.push_back(DurationWithInterval(Metric(g, "p95_jct_s"), n));
    row.push_back(DurationWithInterval(Metric(g, "mean_queue_delay_s"), n));
    rows.push_back(std::move(row));
  }
  // Display width: "±" is one column but two bytes.
  auto width = [](const std::string& s) {
    size_t w = 0;
    for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return w;
  };
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  const size_t first_number = header.size() - 5;  // seeds and the metrics align right
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i) {
      const std::string pad(widths[i] - width(rows[k][i]), ' ');
      line += i >= first_number ? pad + rows[k][i] : rows[k][i] + pad;
      if (i + 1 < rows[k].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

void AddSweepCommands(CLI::App* app, SweepCommands* c) {
  c->sweep = app->add_subcommand(
      "sweep",
      "Run a parameter grid (scenario x parameter values x policy x seed, docs/sweep.md) on "
      "every core, one result file per point; resumes where it stopped; --shard I/N (or a "
      "Slurm array / Kubernetes Indexed Job) splits it across machines");
  SweepFlags& s = c->sweep_flags;
  c->sweep->add_option("grid", s.grid, "Grid file (YAML or JSON)")->required();
  c->sweep->add_option("--out,-o", s.out,
                       "Directory of the results (created; rerun with the same DIR to resume)")
      ->required();
  c->sweep->add_option("--shard", s.shard,
                       "Run shard I of N (0-based): the points whose index is I modulo N. "
                       "Default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX with "
                       "BURNRATE_SHARD_COUNT, else the whole grid");
  c->sweep->add_option("--jobs,-j", s.jobs, "Simulations at once (default: every core)");
  c->sweep->add_flag("--check-invariants", s.check_invariants,
                     "Check the engine's invariants after every event (slow; for debugging)");
  c->sweep->add_flag("--list", s.list,
                     "Print this shard's points and whether each is done; run nothing");
  c->sweep->add_flag("--quiet,-q", s.quiet, "No line per finished point");

  c->merge = app->add_subcommand(
      "merge", "Join the points of one sweep (one or more --out directories, e.g. one per "
               "shard) into one file, with each metric's mean and confidence interval over seeds");
  MergeFlags& m = c->merge_flags;
  c->merge->add_option("dirs", m.dirs, "Directories written by burnrate sweep --out")
      ->required();
  c->merge->add_option("--json", m.json,
                       "Write burnrate.v1.SweepResults (groups with statistics, every point's "
                       "summary)");
  c->merge->add_option("--csv", m.csv_dir, "Write points.csv and groups.csv into DIR");
  c->merge->add_option("--confidence", m.confidence,
                       "Level of the intervals (default 0.95: Student-t over seeds)")
      ->check(CLI::Range(0.5, 0.9999));
  c->merge->add_flag("--partial", m.partial, "Merge the points there are instead of failing "
                                             "when some are missing");
  c->merge->add_flag("--quiet,-q", m.quiet, "Print no table");
}

int DoSweep(const SweepFlags& f) {
  auto grid = LoadSweepGrid(f.grid);
  if (!grid.ok()) return Fail(ExitFor(grid.status()), std::string(grid.status().message()));
  auto shard = ResolveShard(f.shard, [](const char* name) { return std::getenv(name); });
  if (!shard.ok()) return Fail(kExitBadInput, std::string(shard.status().message()));
  auto plan = SweepPlan::Create(*std::move(grid));
  if (!plan.ok()) return Fail(ExitFor(plan.status()), std::string(plan.status().message()));
  const SweepGrid& g = plan->grid();
  const std::string shard_text =
      shard->count > 1 ? fmt::format("shard {}/{}{}", shard->index, shard->count,
                                     shard->source == "--shard"
                                         ? ""
                                         : fmt::format(" (from {})", shard->source))
                       : std::string("whole grid");

  if (f.list) {
    if (auto s = CheckSweepDirectory(*plan, f.out); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
    size_t mine = 0, done = 0;
    std::error_code ec;
    for (const SweepPointSpec& p : plan->points()) {
      if (p.index % shard->count != shard->index) continue;
      ++mine;
      const bool exists = std::filesystem::exists(SweepPointPath(f.out, p.index), ec);
      done += exists ? 1 : 0;
      std::printf("%6u  %s  %s\n", p.index, exists ? "done" : "todo",
                  Coordinates(g, p).c_str());
    }
    std::printf("sweep %s (grid hash %s): %zu points in the grid; %s: %zu points, %zu done\n",
                g.name.c_str(), plan->manifest().grid_hash().c_str(), plan->points().size(),
                shard_text.c_str(), mine, done);
    return kExitOk;
  }

  SweepRunOptions options;
  options.out_dir = f.out;
  options.shard = *shard;
  options.threads = f.jobs;
  options.check_invariants = f.check_invariants;
  options.cancel = &g_interrupted;
  if (!f.quiet) {
    options.log = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };
  }
  g_interrupted = false;
  InterruptGuard guard;
  const unsigned threads = ThreadCount(f.jobs);
  if (!f.quiet) {
    std::fprintf(stderr, "sweep %s: %zu points in the grid (%s); %s on %u thread%s\n",
                 g.name.c_str(), plan->points().size(), plan->manifest().grid_hash().c_str(),
                 shard_text.c_str(), threads, threads == 1 ? "" : "s");
  }
  auto stats = RunSweep(*plan, options);
  if (!stats.ok()) return Fail(ExitFor(stats.status()), std::string(stats.status().message()));
  const size_t remaining = stats->shard_points - stats->already_done - stats->ran;
  if (stats->cancelled) {
    std::fprintf(stderr,
                 "burnrate: interrupted: %zu point%s finished in this run, %zu of %zu still to "
                 "do; run the same command again to resume\n",
                 stats->ran, stats->ran == 1 ? "" : "s", remaining, stats->shard_points);
    return kExitInterrupted;
  }
  std::printf("sweep %s: %s: %zu points, %zu simulated now, %zu already done; results in %s\n",
              g.name.c_str(), shard_text.c_str(), stats->shard_points, stats->ran,
              stats->already_done, (std::filesystem::path(f.out) / "points").string().c_str());
  std::printf("merge with: burnrate merge %s%s --json merged.json\n", f.out.c_str(),
              shard->count > 1 ? " [the other shards' directories, if they wrote elsewhere]"
                               : "");
  return kExitOk;
}

int DoMerge(const MergeFlags& f) {
  if (!f.json.empty()) {
    if (auto s = CheckOutputFile("--json", f.json); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  std::error_code ec;
  if (!f.csv_dir.empty() && std::filesystem::exists(f.csv_dir, ec) &&
      !std::filesystem::is_directory(f.csv_dir, ec)) {
    return Fail(kExitBadInput, "--csv " + f.csv_dir + ": exists and is not a directory");
  }
  if (!(f.confidence >= 0.5 && f.confidence < 1)) {  // NaN fails too
    return Fail(kExitBadInput, "--confidence: must be in [0.5, 1), e.g. 0.95");
  }
  std::vector<std::string> inputs;
  for (const std::string& dir : f.dirs) {
    inputs.push_back(dir + "/sweep.json");
    // A sweep's points are inputs too: no output into DIR/points.
    for (const std::string& out : {f.json, f.csv_dir}) {
      if (out.empty()) continue;
      const std::string points = PathKey(dir + "/points");
      const std::string key = PathKey(out);
      if (key == points || (key.size() > points.size() && key.compare(0, points.size(), points) == 0 &&
                            key[points.size()] == '/')) {
        return Fail(kExitBadInput, out + ": inside " + dir + "/points, where the sweep's points "
                                         "are; write the merged results elsewhere");
      }
    }
  }
  if (auto s = CheckOutputConflicts({{"--json", f.json, false}, {"--csv", f.csv_dir, true}},
                                    inputs);
      !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  MergeOptions options;
  options.dirs = f.dirs;
  options.confidence = f.confidence;
  options.partial = f.partial;
  auto merged = MergeSweep(options);
  if (!merged.ok()) return Fail(ExitFor(merged.status()), std::string(merged.status().message()));

  OutputBatch outputs;
  if (!f.json.empty()) outputs.Add(f.json, SweepJson(*merged));
  if (!f.csv_dir.empty()) {
    std::filesystem::create_directories(f.csv_dir, ec);
    if (ec) return Fail(kExitBadInput, "--csv " + f.csv_dir + ": cannot create: " + ec.message());
    outputs.Add((std::filesystem::path(f.csv_dir) / "points.csv").string(),
                SweepPointsCsv(*merged));
    outputs.Add((std::filesystem::path(f.csv_dir) / "groups.csv").string(),
                SweepGroupsCsv(*merged));
  }
  if (absl::Status s = outputs.Commit(); !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  if (!f.quiet) {
    std::printf("sweep %s: %u of %u points merged; %d groups; intervals: %.0f%% Student-t over "
                "seeds\n\n",
                merged->grid().c_str(), merged->points_merged(), merged->points_total(),
                merged->groups_size(), 100 * merged->confidence());
    std::fputs(MergeTable(*merged).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace cli
}  // namespace burnrate
