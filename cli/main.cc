// burnrate: the command-line front end. Thin: parse flags, load the scenario, run, report.
// Exit codes (CONTRACT.md): 0 success, 2 bad input (usage, scenario, trace) with a message on
// stderr naming the file, field or line and what is allowed, 1 internal error.
#include <sys/ioctl.h>
#include <unistd.h>
#include <csignal>
#include <pthread.h>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "cli/cli_util.h"
#include "cli/sweep_cmd.h"
#include "absl/strings/str_split.h"
#include "frag/experiment.h"
#include "frag/openb.h"
#include "frag/policy.h"
#include "frag/replay.h"
#include "report/html.h"
#include "rpc/external_policy.h"
#include "rpc/scheduler_daemon.h"
#include "rpc/server.h"
#include "report/table.h"
#include "report/writers.h"
#include "runner/planner.h"
#include "sim/trace/node_list.h"
#include "sim/trace/trace_stats.h"
#include "scheduler/policy_spec.h"
#include "scheduler/registry.h"
#include "serve/autoscaler.h"
#include "sim/model/calendar.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/scenario/scenario_overrides.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

using cli::CheckOutputFile;
using cli::ExitFor;
using cli::Fail;
using cli::kExitBadInput;
using cli::kExitInternal;
using cli::kExitOk;

std::string ServingHelp() {
  std::string out =
      "Inference services (workload.services, docs/serving.md) share the cluster with the\n"
      "training jobs: replicas of gpus_per_replica GPUs are placed ahead of pending jobs (and,\n"
      "with preempt_training, by evicting running ones), serve a request load, and earn\n"
      "revenue per request. Every autoscaler.interval_s (default 60 s) the autoscaler says how\n"
      "many replicas it wants; new replicas serve after cold_start_s.\n\n"
      "Autoscalers (service.autoscaler.name, with args: {name: value}):\n";
  for (const AutoscalerInfo& a : Autoscalers()) {
    out += "  " + a.name + "\n      " + a.summary + "\n" + DescribeArgs(a.args);
  }
  out +=
      "\nRouting (service.routing):\n"
      "  least-outstanding  the replica with the fewest requests waiting or in service "
      "(default)\n"
      "  round-robin        replicas in turn\n"
      "  shared-queue       one FCFS queue over every slot of every replica (M/G/c)\n"
      "\nFidelity (service.fidelity):\n"
      "  request  every request is an event; exact latency percentiles (hours to days)\n"
      "  fluid    per fluid_step_s, arrivals against capacity with an M/G/c latency\n"
      "           approximation (months in seconds)\n";
  return out;
}

absl::StatusOr<PolicySpec> ParsePolicy(const std::string& text) {
  return ParsePolicySpec(text, PolicyErrorDetail::kHelp);
}

int TerminalWidth() {
  if (const char* cols = std::getenv("COLUMNS"); cols != nullptr && std::atoi(cols) > 20) {
    return std::atoi(cols);
  }
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) {
    return ws.ws_col;
  }
  return 100;
}

bool UseColor() {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && (no_color == nullptr || no_color[0] == '\0');
}


// "simulating fifo+best-fit (2/4): 2023-08-14 45% 3.1M events/s ETA 4 s" on stderr, redrawn in
// place at most 4 times a second, only when stderr is a terminal, and only after the first second.
class ProgressLine {
 public:
  ProgressLine(const ScenarioModel& s, const std::vector<PolicySpec>& policies, bool quiet)
      : start_unix_s_(s.start_unix_s), policies_(policies) {
    enabled_ = !quiet && isatty(STDERR_FILENO);
    begin_ = last_ = std::chrono::steady_clock::now();
  }
  bool enabled() const { return enabled_; }
  void Update(const Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!seen_ || p.run != run_) {  // a new run: rates count from its first report
      seen_ = true;
      run_ = p.run;
      run_begin_ = now;
      first_events_ = p.events;
    }
    if (now - begin_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250)) {
      return;
    }
    last_ = now;
    const double frac = static_cast<double>(p.now) / static_cast<double>(p.horizon);
    const double secs = std::chrono::duration<double>(now - run_begin_).count();
    const double rate =
        secs > 0.05 ? static_cast<double>(p.events - first_events_) / secs : 0.0;
    const double eta = frac > 0 ? std::chrono::duration<double>(now - run_begin_).count() *
                                      (1 - frac) / frac
                                : 0.0;
    const std::string date =
        FormatUtcTimestamp(start_unix_s_ + p.now / kSecond).substr(0, 10);
    const std::string name = run_ < policies_.size() ? policies_[run_].Name() : "";
    const std::string speed = rate <= 0       ? std::string("-")
                              : rate >= 1e6   ? fmt::format("{:.1f}M", rate / 1e6)
                              : rate >= 1e3   ? fmt::format("{:.1f}k", rate / 1e3)
                                              : fmt::format("{:.0f}", rate);
    std::fprintf(stderr, "\r\033[Ksimulating %s (%u/%zu): %s %3.0f%%  %s events/s  ETA %.0f s",
                 name.c_str(), run_ + 1, policies_.size(), date.c_str(), 100 * frac,
                 speed.c_str(), eta);
    std::fflush(stderr);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::fputs("\r\033[K", stderr);
  }

 private:
  int64_t start_unix_s_;
  std::vector<PolicySpec> policies_;
  bool enabled_ = false, drawn_ = false, seen_ = false;
  uint32_t run_ = 0;
  uint64_t first_events_ = 0;
  std::chrono::steady_clock::time_point begin_, last_, run_begin_ = std::chrono::steady_clock::now();
};

struct RunFlags {
  std::string scenario;
  std::vector<std::string> policies;
  std::string policies_csv;
  uint32_t seed = 0;
  bool seed_set = false;
  std::string json;
  std::string csv_dir;
  std::string report;
  bool quiet = false;
  bool check_invariants = false;
  std::vector<std::string> sets;  // --set PATH=VALUE
};

// The command line as typed, for the report's footer (set in Main).
std::string g_command_line;

// The scenario file's text for the report's assumptions ("" when unreadable: the report
// then omits it; the file was read moments ago, so this is rare).
std::string ScenarioText(const ScenarioModel& m) {
  std::ifstream in(m.source_path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string HtmlReport(const ScenarioModel& m, const v1::Results& results,
                       const v1::PlanResult* plan, const std::vector<std::string>& sets) {
  HtmlReportInput in;
  in.results = &results;
  in.scenario = &m;
  in.scenario_text = ScenarioText(m);
  if (!in.scenario_text.empty() && !sets.empty()) {
    // The file as read, then what --set changed before the run.
    in.scenario_text += "\n# Changed on the command line before running:\n";
    for (const std::string& set : sets) in.scenario_text += "#   --set " + set + "\n";
  }
  in.plan = plan;
  in.version = std::string("burnrate ") + BURNRATE_VERSION;
  in.command = g_command_line;
  return RenderHtmlReport(in);
}

void PrintWarnings(const ScenarioModel& m) {
  for (const std::string& w : m.warnings) std::fprintf(stderr, "burnrate: warning: %s\n", w.c_str());
}

// The scenario with each --set PATH=VALUE applied in order, compiled.
absl::StatusOr<ScenarioModel> LoadScenario(const std::string& path,
                                           const std::vector<std::string>& sets) {
  if (sets.empty()) return LoadAndCompileScenario(path);
  auto loaded = LoadScenarioFile(path);
  if (!loaded.ok()) return loaded.status();
  for (const std::string& text : sets) {
    auto o = ParseSetFlag(text);
    if (!o.ok()) return o.status();
    if (absl::Status s = ApplyOverride(*o, &*loaded); !s.ok()) return s;
  }
  return CompileWithOverrides(*loaded);
}

int DoRun(const RunFlags& f) {
  auto model = LoadScenario(f.scenario, f.sets);
  if (!model.ok()) return Fail(ExitFor(model.status()), std::string(model.status().message()));
  PrintWarnings(*model);

  std::vector<std::string> names = f.policies;
  if (!f.policies_csv.empty()) {
    for (const std::string& piece : SplitOutsideBrackets(f.policies_csv, ',')) {
      if (!absl::StripAsciiWhitespace(piece).empty()) {
        names.emplace_back(absl::StripAsciiWhitespace(piece));
      }
    }
  }
  if (!f.policies_csv.empty() && names.empty()) {
    return Fail(kExitBadInput, "--policies " + f.policies_csv +
                                   ": no policy names; e.g. --policies fifo,sjf+best-fit");
  }
  std::vector<PolicySpec> policies;
  for (const std::string& n : names) {
    auto p = ParsePolicy(n);
    if (!p.ok()) return Fail(kExitBadInput, std::string(p.status().message()));
    for (const PolicySpec& seen : policies) {
      if (seen.Name() == p->Name()) {
        return Fail(kExitBadInput, "policy " + p->Name() + " is given twice; give each once");
      }
    }
    policies.push_back(*p);
  }
  if (!f.json.empty()) {
    if (auto s = CheckOutputFile("--json", f.json); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  if (!f.csv_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(f.csv_dir, ec) && !std::filesystem::is_directory(f.csv_dir, ec)) {
      return Fail(kExitBadInput, "--csv " + f.csv_dir + ": exists and is not a directory");
    }
  }
  if (!f.report.empty()) {
    if (auto s = CheckOutputFile("--report", f.report); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  if (auto s = cli::CheckOutputConflicts({{"--json", f.json, false},
                                          {"--report", f.report, false},
                                          {"--csv", f.csv_dir, true}},
                                         {f.scenario});
      !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }

  RunOptions options;
  options.keep_job_records = !f.csv_dir.empty();
  options.check_invariants = f.check_invariants;
  // Seed 0 means 1, as in scenario files (proto3 cannot tell 0 from unset there).
  const uint64_t seed = f.seed_set ? (f.seed == 0 ? 1 : f.seed) : model->seed;
  ProgressLine progress(*model, policies.empty() ? model->policies : policies, f.quiet);
  if (progress.enabled()) options.progress = [&](const Progress& p) { progress.Update(p); };
  auto out = SimulateAll(*model, policies, seed, options);
  progress.Clear();
  if (!out.ok()) return Fail(ExitFor(out.status()), std::string(out.status().message()));
  for (const v1::RunResult& run : out->results.runs()) {
    for (const std::string& w : run.warnings()) {
      std::fprintf(stderr, "burnrate: warning: %s: %s\n", run.policy().c_str(), w.c_str());
    }
  }

  // Outputs only after every run succeeded, and all or none: a failed run or a failed write
  // leaves no file behind.
  OutputBatch outputs;
  absl::Status queued = absl::OkStatus();
  if (!f.json.empty()) queued = AddResultsJson(out->results, f.json, &outputs);
  if (queued.ok() && !f.csv_dir.empty()) {
    queued = AddCsvDir(out->results, out->jobs, f.csv_dir, &outputs);
  }
  if (queued.ok() && !f.report.empty()) {
    outputs.Add(f.report, HtmlReport(*model, out->results, nullptr, f.sets));
  }
  if (queued.ok()) queued = outputs.Commit();
  if (!queued.ok()) return Fail(kExitBadInput, std::string(queued.message()));
  if (!f.quiet) {
    TableOptions table;
    table.width = TerminalWidth();
    table.color = UseColor();
    std::fputs(RenderComparisonTable(out->results, table).c_str(), stdout);
  }
  return kExitOk;
}

int DoValidate(const std::string& path, const std::vector<std::string>& sets) {
  auto model = LoadScenario(path, sets);
  if (!model.ok()) return Fail(ExitFor(model.status()), std::string(model.status().message()));
  PrintWarnings(*model);
  uint64_t gpus = 0;
  for (const PoolSpec& p : model->pools) gpus += uint64_t{p.gpus_per_node} * p.nodes;
  const std::string services =
      model->services.empty() ? "" : std::to_string(model->services.size()) + " service(s), ";
  std::printf("ok: %s: %zu pool(s), %llu GPUs, %zu inline job(s), %zu generator(s), "
              "%zu trace(s), %s%zu policy(ies), %.6g days\n",
              model->name.c_str(), model->pools.size(), static_cast<unsigned long long>(gpus),
              model->jobs.size(), model->generators.size(), model->traces.size(),
              services.c_str(), model->policies.size(),
              TimeToSeconds(model->horizon) / 86400.0);
  return kExitOk;
}

int DoServe(const ServerOptions& options) {
  if (auto s = cli::CheckListenAddress("--listen", options.listen); !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  if (!options.simulator.data_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(options.simulator.data_dir, ec)) {
      return Fail(kExitBadInput, "--data-dir " + options.simulator.data_dir +
                                     ": not a directory; give the directory that relative "
                                     "paths in requests are read from");
    }
  }
  // SIGINT / SIGTERM shut the server down cleanly (runs in flight are cancelled): block them
  // here, before gRPC starts its threads, and wait for them on a thread of our own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto server = SimulationServer::Start(options);
  if (!server.ok()) {
    return Fail(server.status().code() == absl::StatusCode::kInvalidArgument ? kExitBadInput
                                                                               : kExitInternal,
                std::string(server.status().message()));
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::printf("burnrate serve: listening on %s:%d (%zu workers); Ctrl-C stops\n", host.c_str(),
              (*server)->port(), (*server)->workers());
  std::fflush(stdout);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "burnrate serve: %s, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  return kExitOk;
}

struct SchedulerFlags {
  std::string scenario;
  std::string policy;
  DaemonOptions options;
};

int DoSchedulerServe(SchedulerFlags f) {
  if (auto s = cli::CheckListenAddress("--listen", f.options.listen); !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  auto model = LoadAndCompileScenario(f.scenario);
  if (!model.ok()) return Fail(ExitFor(model.status()), std::string(model.status().message()));
  PrintWarnings(*model);
  if (!f.policy.empty()) {
    auto p = ParsePolicy(f.policy);
    if (!p.ok()) return Fail(kExitBadInput, std::string(p.status().message()));
    f.options.policy = *p;
  } else {
    f.options.policy = model->policies.front();
  }
  f.options.seed = model->seed;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto daemon = SchedulerDaemon::Start(*model, f.options);
  if (!daemon.ok()) {
    return Fail(daemon.status().code() == absl::StatusCode::kInvalidArgument ? kExitBadInput
                                                                               : kExitInternal,
                std::string(daemon.status().message()));
  }
  const std::string host = f.options.listen.substr(0, f.options.listen.rfind(':'));
  std::printf("burnrate scheduler: listening on %s:%d (%s; %llu journal records replayed); "
              "Ctrl-C stops\n",
              host.c_str(), (*daemon)->port(), f.options.policy.Name().c_str(),
              static_cast<unsigned long long>((*daemon)->replayed()));
  std::fflush(stdout);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    (*daemon)->Shutdown();
  });
  (*daemon)->Wait();
  waiter.join();
  return kExitOk;
}

struct PlanFlags {
  std::string scenario;
  unsigned jobs = 0;
  uint32_t seed = 0;
  bool seed_set = false;
  std::string json;
  std::string report;
  size_t show = 15;
  std::vector<std::string> sets;
};

std::string NodesText(const v1::PlanResult& plan, const v1::PlanPoint& p) {
  std::string out;
  for (int i = 0; i < p.nodes_size(); ++i) {
    out += (i ? ", " : "") + plan.pools(i) + "=" + std::to_string(p.nodes(i));
    if (i < p.spare_nodes_size()) out += "+" + std::to_string(p.spare_nodes(i)) + " spare";
  }
  return out;
}

int DoPlan(const PlanFlags& f) {
  auto model = LoadScenario(f.scenario, f.sets);
  if (!model.ok()) return Fail(ExitFor(model.status()), std::string(model.status().message()));
  PrintWarnings(*model);
  if (!f.json.empty()) {
    if (auto s = CheckOutputFile("--json", f.json); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  if (!f.report.empty()) {
    if (auto s = CheckOutputFile("--report", f.report); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  if (auto s = cli::CheckOutputConflicts({{"--json", f.json, false},
                                          {"--report", f.report, false}},
                                         {f.scenario});
      !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  PlanOptions options;
  options.threads = f.jobs;
  options.seed = f.seed_set ? (f.seed == 0 ? 1 : f.seed) : model->seed;
  auto plan = RunPlan(*model, options);
  if (!plan.ok()) return Fail(ExitFor(plan.status()), std::string(plan.status().message()));
  OutputBatch outputs;
  if (!f.json.empty()) {
    std::string json;
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    o.always_print_primitive_fields = true;
    o.add_whitespace = true;
    if (!google::protobuf::util::MessageToJsonString(*plan, &json, o).ok()) {
      return Fail(kExitInternal, "could not convert the plan to JSON");
    }
    outputs.Add(f.json, std::move(json));
  }
  if (!f.report.empty()) {
    v1::Results none;
    none.set_scenario(model->name);
    none.set_start(FormatUtcTimestamp(model->start_unix_s));
    none.set_horizon_s(TimeToSeconds(model->horizon));
    outputs.Add(f.report, HtmlReport(*model, none, &*plan, f.sets));
  }
  // All or none: a failed write leaves neither file.
  if (auto s = outputs.Commit(); !s.ok()) return Fail(kExitBadInput, std::string(s.message()));
  std::printf("Plan for %s under %s: %d candidates, cheapest first\n\n", plan->scenario().c_str(),
              plan->policy().c_str(), plan->points_size());
  std::printf("  %-36s %14s %8s %12s %12s  %s\n", "nodes", "bill", "util", "p95 wait",
              "p95 JCT", "target");
  for (int i = 0; i < plan->points_size(); ++i) {
    const v1::PlanPoint& p = plan->points(i);
    const bool marked = i == plan->recommended() || i == plan->current();
    if (static_cast<size_t>(i) >= f.show && !marked && !p.on_frontier()) continue;
    std::string tags;
    if (i == plan->recommended()) tags += " <- recommended";
    if (i == plan->current()) tags += " <- current";
    if (p.on_frontier()) tags += " (frontier)";
    std::printf("  %-36s %14s %7.1f%% %12s %12s  %s%s\n", NodesText(*plan, p).c_str(),
                FormatUsd(p.total_cost_usd()).c_str(), 100 * p.gpu_utilization(),
                FormatDuration(p.p95_queue_delay_s()).c_str(),
                FormatDuration(p.p95_jct_s()).c_str(), p.meets_target() ? "met" : p.misses().c_str(),
                tags.c_str());
  }
  std::printf("\n");
  if (plan->recommended() < 0) {
    std::printf("No candidate meets the target; widen the dimensions or relax the target.\n");
  } else {
    const v1::PlanPoint& rec = plan->points(plan->recommended());
    std::printf("Recommended: %s at %s for the horizon.\n", NodesText(*plan, rec).c_str(),
                FormatUsd(rec.total_cost_usd()).c_str());
    if (plan->current() >= 0) {
      const v1::PlanPoint& cur = plan->points(plan->current());
      const double delta = cur.total_cost_usd() - rec.total_cost_usd();
      std::printf("Current:     %s at %s (%s): %s %s than the recommendation.\n",
                  NodesText(*plan, cur).c_str(), FormatUsd(cur.total_cost_usd()).c_str(),
                  cur.meets_target() ? "meets the target" : cur.misses().c_str(),
                  FormatUsd(std::abs(delta)).c_str(), delta >= 0 ? "more" : "less");
    } else {
      std::printf("The scenario's own pool sizes are not on the grid.\n");
    }
  }
  return kExitOk;
}

struct TraceFlags {
  std::string file, format, out, name = "fitted";
  bool lenient = false, all_jobs = false;
  double window_start = 0, window_end = 0;
  std::vector<std::string> settings, statuses, vcs;
  int quantiles = 1000;
};

absl::StatusOr<TraceOptions> TraceOptionsFromFlags(const TraceFlags& f) {
  TraceOptions o;
  o.lenient = f.lenient;
  o.gpu_jobs_only = !f.all_jobs;
  if (f.window_start < 0 || f.window_end < 0) {
    return absl::InvalidArgumentError("--window-start/--window-end must be >= 0 (seconds of the "
                                      "trace's clock; 0 = unbounded)");
  }
  if (!std::isfinite(f.window_start) || !std::isfinite(f.window_end)) {
    return absl::InvalidArgumentError("--window-start/--window-end must be finite numbers of "
                                      "seconds (0 = unbounded)");
  }
  if (f.window_end > 0 && f.window_end <= f.window_start) {
    return absl::InvalidArgumentError("--window-end must be after --window-start");
  }
  if (f.window_start > 0) o.window_start_s = f.window_start;
  if (f.window_end > 0) o.window_end_s = f.window_end;
  o.statuses = f.statuses;
  o.vcs = f.vcs;
  for (const std::string& kv : f.settings) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--setting " + kv + ": expected KEY=VALUE");
    }
    o.settings[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return o;
}

int DoTraceFormats() {
  for (const TraceFormat& f : TraceFormats()) {
    std::printf("  %-18s %s\n", f.name.c_str(), f.summary.c_str());
  }
  std::printf("\nField maps, units and settings of each: docs/traces.md\n");
  return kExitOk;
}

int DoTraceStats(const TraceFlags& f, bool fit) {
  auto options = TraceOptionsFromFlags(f);
  if (!options.ok()) return Fail(kExitBadInput, std::string(options.status().message()));
  if (fit && !f.out.empty() && f.out != "-") {
    if (auto s = cli::CheckOutputConflicts({{"-o", f.out, false}}, {f.file}); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  if (fit && !f.out.empty()) {
    if (auto s = CheckOutputFile("-o", f.out); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  auto stats = ComputeTraceStats(f.format, f.file, *options);
  if (!stats.ok()) return Fail(ExitFor(stats.status()), std::string(stats.status().message()));
  if (!fit) {
    std::fputs(FormatTraceStats(*stats).c_str(), stdout);
    return kExitOk;
  }
  if (stats->jobs == 0) return Fail(kExitBadInput, f.file + ": no job to fit");
  if (!(stats->span_s() > 0)) {
    return Fail(kExitBadInput, f.file + ": all kept jobs were submitted at one instant; an "
                                        "arrival rate needs submissions spread over time");
  }
  for (char c : f.name) {
    if (c == '"' || c == '\\' || c == '\n') {
      return Fail(kExitBadInput, "--name " + f.name + ": no quotes, backslashes or newlines");
    }
  }
  const std::string yaml = FitGeneratorYaml(*stats, f.name, f.quantiles);
  if (f.out.empty() || f.out == "-") {
    std::fputs(yaml.c_str(), stdout);
    return kExitOk;
  }
  if (auto s = WriteFileAtomically(f.out, yaml); !s.ok()) {
    return Fail(kExitBadInput, std::string(s.message()));
  }
  std::printf("wrote %s: a generator of %.2f jobs/hour fitted to %llu jobs\n", f.out.c_str(),
              stats->arrivals_per_hour(), static_cast<unsigned long long>(stats->jobs));
  return kExitOk;
}

void AddTraceFlags(CLI::App* cmd, TraceFlags* f) {
  cmd->add_option("file", f->file, "Trace file (plain or .gz)")->required();
  cmd->add_option("--format,-f", f->format, "Trace format (`burnrate trace formats`)")->required();
  cmd->add_flag("--lenient", f->lenient, "Skip unreadable rows (counted and reported)");
  cmd->add_flag("--all-jobs", f->all_jobs, "Keep jobs asking no GPU too");
  cmd->add_option("--window-start", f->window_start, "Keep jobs submitted at or after (s)");
  cmd->add_option("--window-end", f->window_end, "Keep jobs submitted before (s)");
  cmd->add_option("--status", f->statuses, "Keep only this status (repeatable)");
  cmd->add_option("--vc", f->vcs, "Keep only this virtual cluster (repeatable)");
  cmd->add_option("--setting", f->settings, "Format setting KEY=VALUE (repeatable)");
}

void AddRunFlags(CLI::App* cmd, RunFlags* f, bool compare) {
  cmd->add_option("scenario", f->scenario, "Scenario file (.yaml, .yml, .json, .textproto)")
      ->required();
  if (compare) {
    cmd->add_option("--policies", f->policies_csv,
                    "Comma-separated policies to compare, e.g. fifo,sjf+best-fit")
        ->required();
  }
  cmd->add_option("--policy", f->policies,
                  "Policy QUEUE[+PLACEMENT] to run; repeat to compare several. Default: the "
                  "scenario's policies. See `burnrate help policies`.");
  cmd->add_option("--seed", f->seed,
                  "Seed of the random streams, 0..4294967295 (default: the scenario's; 0 = 1)")
      ->each([f](const std::string&) { f->seed_set = true; });
  cmd->add_option("--json", f->json, "Write results as JSON (burnrate.v1.Results) to FILE");
  cmd->add_option("--csv", f->csv_dir,
                  "Write CSV files into DIR: summary, monthly, time series (whole cluster and per pool), "
                  "JCT and queueing-delay distributions, per job, by size, tenants, services "
                  "(docs/outputs.md)");
  cmd->add_option("--report", f->report,
                  "Write a self-contained HTML report with charts (no scripts, no network) to "
                  "FILE.html: bills, utilisation, queue, JCT CDFs, inference, assumptions");
  cmd->add_flag("--quiet,-q", f->quiet, "Print no table");
  cmd->add_option("--set", f->sets,
                  "Set a scenario field before running, e.g. --set cluster.pools[0].nodes=32 or --set "
                  "workload.generators[train].arrivals_per_hour=20 (repeatable; VALUE is YAML; "
                  "docs/sweep.md)");
  cmd->add_flag("--check-invariants", f->check_invariants,
                "Recheck cluster, jobs and ledger after every event (slow; for debugging)");
}

struct FragFlags {
  std::string nodes, pods, json, order = "shuffle", ties = "node-order";
  std::vector<std::string> policies;
  int seeds = 10;
  uint64_t seed = 42;
  double inflate = 1.3, popularity = 0.95;
  int at = 100;
  unsigned jobs = 0;
  bool check_invariants = false;
  // --replay: pods arrive at their creation time and leave after their run time.
  bool replay = false, lenient = false;
  double time_compression = 1, horizon_days = 0, max_wait = -1, sample = 3600;
  std::vector<std::string> experiment_flags, replay_flags;  // given on the command line
};

constexpr const char* kFragHelp =
    "Reproduces the fragmentation experiment of Weng et al., \"Beware of Fragmentation\"\n"
    "(USENIX ATC'23, Fig. 9a) on a fractional-GPU cluster: pods arrive one by one and never\n"
    "leave; each policy places them (a share of one GPU, or whole GPUs); the result is the\n"
    "share of GPU capacity left unallocated when the arrived GPU demand reaches --at % of\n"
    "capacity (pods that did not fit count as arrived), averaged over --seeds seeds.\n"
    "Arrivals: the pod list in a seeded random order (--order creation: as created), then\n"
    "pods resampled from it until the requested GPU reaches --inflate x capacity.\n\n"
    "  burnrate frag --nodes openb_node_list_gpu_node.csv --pods openb_pod_list_default.csv\n"
    "  burnrate frag --nodes N.csv --pods P.csv --policy fgd,best-fit --seeds 3 --json r.json\n\n"
    "Files are Alibaba's openb lists (cluster-trace-gpu-v2023): nodes sn,cpu_milli,memory_mib,\n"
    "gpu,model; pods name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec[,creation_time].\n\n"
    "--replay: the pod list in time, with departures. Each pod arrives at its creation_time,\n"
    "runs for deletion_time - scheduled_time seconds, then leaves. A pod that fits nowhere\n"
    "waits; whenever a pod leaves, the waiting pods are tried in arrival order and every one\n"
    "that fits starts (one that does not fit blocks nobody); --max-wait drops a pod after that\n"
    "long. Rows without scheduled_time (pods that never started) are errors unless --lenient\n"
    "skips and counts them. Reported per policy, as exact time averages: unallocated GPU share,\n"
    "GPU allocated and fragmentation F(M) against the replayed pods' task mix; pods started,\n"
    "dropped, still waiting; mean and p95 wait. --json adds the state every --sample seconds.\n"
    "On the openb lists the real pace fills about 1% of the GPUs: --time-compression X divides\n"
    "the gaps between arrivals by X (run times unchanged), so the offered load grows; or give\n"
    "a smaller node list. The table's first lines say the offered load.\n\n"
    "  burnrate frag --replay --lenient --nodes N.csv --pods P.csv --policy fgd,best-fit\n"
    "  burnrate frag --replay --lenient --nodes N.csv --pods P.csv --time-compression 1000 \\\n"
    "      --max-wait 3600 --json replay.json\n\n"
    "Definitions, policies, the reproduction and the replay: docs/fragmentation.md";

// A wait or time in seconds as "42 s", "1.5 h" or "3.2 d"; "-" for none.
std::string FragSeconds(double s) {
  if (std::isnan(s)) return "-";
  char buf[32];
  if (s < 600) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f d", s / 86400);
  }
  return buf;
}

int DoFragReplay(const FragFlags& f) {
  if (!f.experiment_flags.empty()) {
    return Fail(kExitBadInput, "frag --replay: " + f.experiment_flags.front() +
                                   " is for the experiment (no --replay); the replay's arrivals "
                                   "are the pod list in creation order, once");
  }
  FragReplayOptions o;
  for (const std::string& list : f.policies) {
    const std::vector<std::string> names = absl::StrSplit(list, ',', absl::SkipWhitespace());
    for (const std::string& name : names) o.policies.push_back(name);
  }
  for (const std::string& name : o.policies) {
    bool known = false;
    for (const FragPolicyInfo& p : FragPolicies()) known = known || p.name == name;
    if (!known) {
      return Fail(kExitBadInput, "frag --policy " + name + ": unknown policy; known: " +
                                     FragPolicyNames());
    }
  }
  o.seed = f.seed;
  o.ties = f.ties == "random" ? FragTies::kRandom : FragTies::kNodeOrder;
  o.popularity = f.popularity;
  o.time_compression = f.time_compression;
  o.horizon_s = f.horizon_days * 86400;
  o.max_wait_s = f.max_wait;
  o.sample_s = f.sample;
  o.threads = f.jobs;
  o.check_invariants = f.check_invariants;
  if (!f.json.empty()) {
    if (auto s = CheckOutputFile("--json", f.json); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
    if (auto s = cli::CheckOutputConflicts({{"--json", f.json, false}}, {f.nodes, f.pods});
        !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto nodes = ReadOpenbNodeList(f.nodes);
  if (!nodes.ok()) return Fail(ExitFor(nodes.status()), std::string(nodes.status().message()));
  auto pods = ReadOpenbPodList(f.pods, OpenbPodListOptions{/*times=*/true, f.lenient});
  if (!pods.ok()) {
    std::string message(pods.status().message());
    if (!f.lenient && message.find("_time: ") != std::string::npos) {
      message += "\n  (--lenient skips the rows without usable times and counts them)";
    }
    return Fail(ExitFor(pods.status()), message);
  }
  auto result = RunFragReplay(*nodes, pods->pods, o);
  if (!result.ok()) {
    return Fail(ExitFor(result.status()),
                "frag --replay: " + std::string(result.status().message()));
  }
  result->nodes_path = f.nodes;
  result->pods_path = f.pods;
  result->pod_rows = pods->rows;
  result->pod_rows_skipped = pods->skipped;
  result->pod_rows_skipped_unscheduled = pods->skipped_unscheduled;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!f.json.empty()) {
    if (auto s = WriteFileAtomically(f.json, FragReplayJson(*result)); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  const FragReplayResult& r = *result;
  std::printf("Fragmentation replay: %d nodes, %.0f GPUs; %lld pods replayed", r.nodes,
              static_cast<double>(r.gpu_capacity_milli) / 1000, static_cast<long long>(r.pods));
  if (pods->skipped > 0) {
    std::printf(" (%lld rows skipped without usable times, %lld of them never scheduled; "
                "first: %s)",
                static_cast<long long>(pods->skipped),
                static_cast<long long>(pods->skipped_unscheduled), pods->first_skipped.c_str());
  }
  if (r.pods_after_horizon > 0) {
    std::printf("; %lld arrive after the horizon", static_cast<long long>(r.pods_after_horizon));
  }
  std::printf(
      ".\nReplay clock: %s from the first creation, time compression %gx; task mix: %d of %d "
      "task shapes; seed %llu, ties: %s.\n",
      FragSeconds(r.end_s).c_str(), r.options.time_compression, r.typical_shapes, r.shapes,
      static_cast<unsigned long long>(r.options.seed), f.ties.c_str());
  std::printf("Offered GPU (every pod started on arrival): mean %.2f%%, peak %.2f%% of capacity.",
              r.offered_gpu_pct, r.peak_offered_gpu_pct);
  if (r.pods_fitting_no_node > 0) {
    std::printf(" %lld pods fit no node even when the cluster is empty.",
                static_cast<long long>(r.pods_fitting_no_node));
  }
  std::printf("\n\nTime averages over the replay, and pods (waits of the started pods):\n");
  std::printf("  %-16s %10s %10s %9s %11s %9s %8s %8s %10s %10s\n", "policy", "unalloc %",
              "frag GPUs", "frag %", "alloc GPUs", "started", "dropped", "waiting", "mean wait",
              "p95 wait");
  for (const FragReplayRun& p : r.policies) {
    std::printf("  %-16s %9.2f%% %10.1f %8.2f%% %11.1f %9lld %8lld %8lld %10s %10s\n",
                p.policy.c_str(), p.unallocated_pct, p.frag_gpus, p.frag_pct, p.allocated_gpus,
                static_cast<long long>(p.started), static_cast<long long>(p.dropped),
                static_cast<long long>(p.waiting_at_end), FragSeconds(p.mean_wait_s).c_str(),
                FragSeconds(p.p95_wait_s).c_str());
  }
  std::printf("\n%zu policies in %.2f s%s\n", r.policies.size(), seconds,
              f.json.empty() ? "" : ("; wrote " + f.json).c_str());
  return kExitOk;
}

int DoFrag(const FragFlags& f) {
  if (f.replay) return DoFragReplay(f);
  if (!f.replay_flags.empty()) {
    return Fail(kExitBadInput,
                "frag: " + f.replay_flags.front() + " is for the replay; add --replay");
  }
  FragExperimentOptions o;
  for (const std::string& list : f.policies) {
    const std::vector<std::string> names = absl::StrSplit(list, ',', absl::SkipWhitespace());
    for (const std::string& name : names) o.policies.push_back(name);
  }
  o.seeds = f.seeds;
  o.first_seed = f.seed;
  o.inflate = f.inflate;
  o.popularity = f.popularity;
  o.report_pct = f.at;
  o.threads = f.jobs;
  o.order = f.order == "creation" ? FragOrder::kCreation : FragOrder::kShuffle;
  o.ties = f.ties == "random" ? FragTies::kRandom : FragTies::kNodeOrder;
  o.check_invariants = f.check_invariants;
  for (const std::string& name : o.policies) {
    bool known = false;
    for (const FragPolicyInfo& p : FragPolicies()) known = known || p.name == name;
    if (!known) {
      return Fail(kExitBadInput, "frag --policy " + name + ": unknown policy; known: " +
                                     FragPolicyNames());
    }
  }
  if (!f.json.empty()) {
    if (auto s = CheckOutputFile("--json", f.json); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
    if (auto s = cli::CheckOutputConflicts({{"--json", f.json, false}}, {f.nodes, f.pods});
        !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto nodes = ReadOpenbNodeList(f.nodes);
  if (!nodes.ok()) return Fail(ExitFor(nodes.status()), std::string(nodes.status().message()));
  auto pods = ReadOpenbPodList(f.pods);
  if (!pods.ok()) return Fail(ExitFor(pods.status()), std::string(pods.status().message()));
  auto result = RunFragExperiment(*nodes, *pods, o);
  if (!result.ok()) {
    return Fail(ExitFor(result.status()), "frag: " + std::string(result.status().message()));
  }
  result->nodes_path = f.nodes;
  result->pods_path = f.pods;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!f.json.empty()) {
    if (auto s = WriteFileAtomically(f.json, FragResultJson(*result)); !s.ok()) {
      return Fail(kExitBadInput, std::string(s.message()));
    }
  }
  const FragExperimentResult& r = *result;
  std::printf(
      "Fragmentation experiment: %d nodes, %.0f GPUs; %lld pods asking %.1f GPUs (%.1f%% of "
      "capacity)\nTask mix: %d of %d task shapes (%.0f%% of pods). %d seed(s) from %llu; "
      "arrivals %s, inflated to %.0f%% of capacity; ties: %s.\n\n",
      r.nodes, static_cast<double>(r.gpu_capacity_milli) / 1000,
      static_cast<long long>(r.trace_pods), static_cast<double>(r.trace_gpu_milli) / 1000,
      100.0 * static_cast<double>(r.trace_gpu_milli) / static_cast<double>(r.gpu_capacity_milli),
      r.typical_shapes, r.shapes, 100 * r.options.popularity, r.options.seeds,
      static_cast<unsigned long long>(r.options.first_seed),
      r.options.order == FragOrder::kShuffle ? "shuffled" : "in creation order",
      100 * r.options.inflate, f.ties.c_str());
  std::printf("  %-16s %24s %18s %16s %14s\n", "policy",
              ("unallocated at " + std::to_string(f.at) + "%").c_str(),
              ("frag GPUs at " + std::to_string(f.at) + "%").c_str(), "failed pods/run",
              "unalloc at end");
  for (const FragPolicyResult& p : r.policies) {
    double frag = 0, failed = 0, end = 0;
    const size_t x = static_cast<size_t>(f.at);
    frag = x < p.frag_gpus.size() ? p.frag_gpus[x] : std::nan("");
    for (const FragRun& run : p.runs) {
      failed += static_cast<double>(run.failed);
      end += 100.0 * static_cast<double>(r.gpu_capacity_milli - run.allocated_gpu_milli) /
             static_cast<double>(r.gpu_capacity_milli);
    }
    failed /= static_cast<double>(p.runs.size());
    end /= static_cast<double>(p.runs.size());
    std::printf("  %-16s %15.2f%% +- %4.2f %18.1f %16.0f %13.2f%%\n", p.policy.c_str(),
                p.headline_mean, p.headline_stddev, frag, failed, end);
  }
  std::printf("\n%zu runs in %.2f s%s\n", r.policies.size() * static_cast<size_t>(r.options.seeds),
              seconds, f.json.empty() ? "" : ("; wrote " + f.json).c_str());
  return kExitOk;
}

void AddFragFlags(CLI::App* cmd, FragFlags* f) {
  cmd->footer(kFragHelp);
  // Which mode a flag belongs to, to refuse it in the other.
  auto experiment = [f](const char* name) {
    return [f, name](const std::string&) { f->experiment_flags.push_back(name); };
  };
  auto replay = [f](const char* name) {
    return [f, name](const std::string&) { f->replay_flags.push_back(name); };
  };
  cmd->add_option("--nodes", f->nodes, "Node list (openb_node_list_*.csv)")->required();
  cmd->add_option("--pods", f->pods, "Pod list (openb_pod_list_*.csv)")->required();
  cmd->add_option("--policy", f->policies,
                  "Policies, comma-separated or repeated (default: all): " + FragPolicyNames());
  cmd->add_option("--seeds", f->seeds, "Runs per policy, seeds --seed, --seed+1, ... (default 10)")
      ->check(CLI::Range(1, 10000))
      ->each(experiment("--seeds"));
  cmd->add_option("--seed", f->seed,
                  "First seed (default 42, as the paper's artifact); --replay: the seed");
  cmd->add_option("--inflate", f->inflate,
                  "Resample pods until the requested GPU reaches this x capacity (default 1.3; "
                  "<= 1: the pod list only)")
      ->check(CLI::Range(0.0, 10.0))
      ->each(experiment("--inflate"));
  cmd->add_option("--order", f->order, "Arrival order of the pod list: shuffle (default) or "
                                       "creation")
      ->check(CLI::IsMember({"shuffle", "creation"}))
      ->each(experiment("--order"));
  cmd->add_option("--ties", f->ties,
                  "Equal scores go to: node-order (default; the first node in a seeded random "
                  "order, as the paper's scheduler) or random (a uniform draw)")
      ->check(CLI::IsMember({"node-order", "random"}));
  cmd->add_option("--popularity", f->popularity,
                  "Share of pods whose task shapes make the task mix (default 0.95)")
      ->check(CLI::Range(0.000001, 1.0));
  cmd->add_option("--at", f->at,
                  "Report the unallocated share at this arrived demand, % of capacity (default "
                  "100)")
      ->check(CLI::Range(0, 1000))
      ->each(experiment("--at"));
  cmd->add_option("--jobs,-j", f->jobs, "Runs at once (default: every core)");
  cmd->add_option("--json", f->json,
                  "Write results and curves (burnrate.frag.v1; --replay: burnrate.frag.replay.v1 "
                  "with the time series) to FILE");
  cmd->add_flag("--check-invariants", f->check_invariants,
                "Recount the cluster and its fragmentation after every pod (--replay: every "
                "instant, and that no waiting pod fits; slow)");
  cmd->add_flag("--replay", f->replay,
                "Replay the pod list in time with departures and a queue (see below)");
  cmd->add_flag("--lenient", f->lenient,
                "--replay: skip rows without usable times (counted) instead of failing")
      ->each(replay("--lenient"));
  cmd->add_option("--time-compression", f->time_compression,
                  "--replay: divide the gaps between arrivals by X, keeping run times (default 1)")
      ->check(CLI::Range(1e-6, 1e12))
      ->each(replay("--time-compression"));
  cmd->add_option("--horizon-days", f->horizon_days,
                  "--replay: stop D days after the first arrival, replay clock (default: at the "
                  "last arrival)")
      ->check(CLI::Range(0.0, 1e6))
      ->each(replay("--horizon-days"));
  cmd->add_option("--max-wait", f->max_wait,
                  "--replay: drop a pod still waiting this many seconds after its arrival "
                  "(default: wait until the end)")
      ->check(CLI::Range(0.0, 1e12))
      ->each(replay("--max-wait"));
  cmd->add_option("--sample", f->sample,
                  "--replay: seconds between the time-series samples in --json (default 3600)")
      ->check(CLI::Range(1e-3, 1e12))
      ->each(replay("--sample"));
}

}  // namespace

int Main(int argc, char** argv) {
  InstallExternalPolicy();  // `external[address=...]` policies in scenarios and --policy
  // The command line for the report's footer, quoted so it can be pasted into a shell.
  for (int i = 0; i < argc; ++i) {
    std::string arg = i == 0 ? "burnrate" : argv[i];
    const bool plain = !arg.empty() && arg.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:,+@%-") ==
        std::string::npos;
    if (!plain) {
      std::string quoted = "'";
      for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      arg = quoted + "'";
    }
    g_command_line += (i ? " " : "") + arg;
  }
  CLI::App app{
      "burnrate: simulate GPU-cluster scheduling and buying policies; see utilisation, job\n"
      "completion times and the monthly bill, side by side.\n\n"
      "  burnrate validate examples/quickstart.yaml\n"
      "  burnrate run examples/quickstart.yaml\n"
      "  burnrate run examples/quickstart.yaml --policy fifo --policy sjf+best-fit --json r.json\n"
      "  burnrate help policies\n",
      "burnrate"};
  app.set_version_flag("--version", std::string("burnrate ") + BURNRATE_VERSION);
  app.require_subcommand(0, 1);

  RunFlags run_flags, compare_flags;
  CLI::App* run = app.add_subcommand(
      "run", "Simulate the scenario once per policy and print a side-by-side table");
  AddRunFlags(run, &run_flags, false);
  CLI::App* compare =
      app.add_subcommand("compare", "Same as run, with the policies given as one list");
  AddRunFlags(compare, &compare_flags, true);

  std::string validate_path;
  CLI::App* validate =
      app.add_subcommand("validate", "Load and check a scenario; simulate nothing");
  validate->add_option("scenario", validate_path, "Scenario file")->required();
  std::vector<std::string> validate_sets;
  validate->add_option("--set", validate_sets, "Set a scenario field first (as in run)");

  SchedulerFlags daemon_flags;
  CLI::App* scheduler =
      app.add_subcommand("scheduler", "The live scheduler daemon (docs/scheduler.md)");
  scheduler->require_subcommand(1);
  CLI::App* scheduler_serve = scheduler->add_subcommand(
      "serve",
      "Schedule real jobs on SCENARIO's cluster with its policies over gRPC "
      "(burnrate.v1.Scheduler), journaled in --state-dir");
  scheduler_serve->add_option("scenario", daemon_flags.scenario,
                              "Scenario file: its cluster and first policy (workload empty)")
      ->required();
  scheduler_serve->add_option("--state-dir", daemon_flags.options.state_dir,
                              "Directory of the journal (created; replayed on restart)")
      ->required();
  scheduler_serve->add_option("--listen", daemon_flags.options.listen,
                              "HOST:PORT (default 127.0.0.1:50053; port 0 picks one)");
  scheduler_serve->add_option("--policy", daemon_flags.policy,
                              "fifo, fifo-skip, fifo-backfill or sjf [+PLACEMENT] "
                              "(default: the scenario's first policy)");
  scheduler_serve->add_option("--lease", daemon_flags.options.lease_s,
                              "Seconds a running job may go without a Heartbeat before it is "
                              "requeued (default 0: no leases)");

  ServerOptions serve_options;
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve simulations over gRPC (burnrate.v1.Simulator: Run, Compare, Validate; health and "
      "reflection). See docs/grpc.md");
  serve->add_option("--listen", serve_options.listen,
                    "HOST:PORT to listen on; port 0 picks a free one (default 127.0.0.1:50051; "
                    "no authentication: keep it on loopback or behind a proxy)");
  serve->add_option("--workers", serve_options.simulator.workers,
                    "Simulations at once (default: every hardware thread)");
  serve->add_option("--max-queued", serve_options.simulator.max_queued,
                    "Runs that may wait for a worker; beyond, RESOURCE_EXHAUSTED (default 16)");
  serve->add_option("--data-dir", serve_options.simulator.data_dir,
                    "Base directory of relative paths (traces) in requests (default: .)");
  serve->add_flag("--allow-external-policies", serve_options.simulator.allow_external_policies,
                  "Let requests use external[address=...] policies (the server then connects "
                  "to addresses clients name)");
  serve->add_option("--max-request-mb", serve_options.max_request_mb,
                    "Largest request in MiB; larger get RESOURCE_EXHAUSTED (default 64)");

  PlanFlags plan_flags;
  CLI::App* plan = app.add_subcommand(
      "plan", "Capacity planner: simulate every pool-size combination of the scenario's plan "
              "section in parallel and recommend the cheapest that meets its service target");
  plan->add_option("scenario", plan_flags.scenario, "Scenario file with a plan section")
      ->required();
  plan->add_option("--jobs,-j", plan_flags.jobs, "Simulations at once (default: every core)");
  plan->add_option("--seed", plan_flags.seed, "Seed (default: the scenario's; 0 = 1)")
      ->each([&plan_flags](const std::string&) { plan_flags.seed_set = true; });
  plan->add_option("--json", plan_flags.json, "Write every candidate (burnrate.v1.PlanResult)");
  plan->add_option("--report", plan_flags.report,
                   "Write a self-contained HTML report: every candidate's bill vs p95 JCT, the "
                   "frontier, the recommendation and the assumptions");
  plan->add_option("--set", plan_flags.sets, "Set a scenario field first (as in run)");
  plan->add_option("--show", plan_flags.show,
                   "Candidates listed besides the frontier, recommendation and current (default 15)");

  TraceFlags trace_flags;
  CLI::App* trace = app.add_subcommand("trace", "Read traces: list formats, summarise one, fit a "
                                                "generator to it");
  trace->require_subcommand(1);
  CLI::App* trace_formats = trace->add_subcommand("formats", "List the trace formats");
  CLI::App* trace_stats = trace->add_subcommand(
      "stats", "Jobs, GPU-demand histogram, duration quantiles, arrivals by hour and weekday, "
               "offered load");
  AddTraceFlags(trace_stats, &trace_flags);
  CLI::App* trace_fit = trace->add_subcommand(
      "fit", "Fit a synthetic generator (arrival rate and daily profile, gang sizes, durations)");
  AddTraceFlags(trace_fit, &trace_flags);
  trace_fit->add_option("-o,--output", trace_flags.out, "Write the generator YAML here (- = stdout)");
  trace_fit->add_option("--name", trace_flags.name, "Generator name (default fitted)");
  trace_fit->add_option("--quantiles", trace_flags.quantiles,
                        "Duration quantiles kept (default 1000)")
      ->check(CLI::Range(10, 100000));

  std::string pools_file, pools_format;
  CLI::App* trace_pools = trace->add_subcommand(
      "pools", "Turn a node list into a scenario's cluster section (pools by GPU model)");
  trace_pools->add_option("file", pools_file, "Node list file")->required();
  trace_pools->add_option("--format,-f", pools_format, "Node-list format: openb-nodes")
      ->required();

  cli::SweepCommands sweep_commands;
  cli::AddSweepCommands(&app, &sweep_commands);

  FragFlags frag_flags;
  CLI::App* frag = app.add_subcommand(
      "frag", "Fractional-GPU fragmentation experiment (FGD, ATC'23): unallocated GPU share per "
              "placement policy on openb node and pod lists");
  AddFragFlags(frag, &frag_flags);

  std::string help_topic;
  CLI::App* help = app.add_subcommand(
      "help", "Help on a command, or `help policies`, `help autoscalers`");
  help->add_option("topic", help_topic,
                   "A command (run, compare, validate, plan, sweep, merge, trace, frag), "
                   "`policies` or "
                   "`autoscalers` (inference serving)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ConversionError& e) {
    // CLI11 says "Could not convert: --seed = banana"; say what the flag takes.
    std::string what = e.what();
    const size_t colon = what.find(": "), eq = what.find(" = ");
    std::string expected;
    if (colon != std::string::npos && eq != std::string::npos && eq > colon) {
      const std::string flag = what.substr(colon + 2, eq - colon - 2);
      std::function<const CLI::Option*(const CLI::App*)> find =
          [&](const CLI::App* a) -> const CLI::Option* {
        for (const CLI::Option* o : a->get_options()) {
          if (o->check_lname(flag.substr(flag.find_first_not_of('-'))) ||
              o->check_sname(flag.substr(flag.find_first_not_of('-')))) {
            return o;
          }
        }
        for (const CLI::App* sub : a->get_subcommands({})) {
          if (const CLI::Option* o = find(sub)) return o;
        }
        return nullptr;
      };
      if (const CLI::Option* o = find(&app)) {
        const std::string type = o->get_type_name();
        expected = type == "UINT"    ? "a whole number from 0 to 4294967295"
                   : type == "INT"   ? "a whole number"
                   : type == "FLOAT" ? "a number"
                                     : type;
      }
      what = flag + ": \"" + what.substr(eq + 3) + "\" is not " +
             (expected.empty() ? std::string("a value this flag takes") : expected);
    }
    std::fprintf(stderr, "burnrate: %s\nRun `burnrate --help` for usage.\n", what.c_str());
    return kExitBadInput;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "burnrate: %s\nRun `burnrate --help` for usage.\n", e.what());
    return kExitBadInput;
  }

  if (*run) return DoRun(run_flags);
  if (*compare) return DoRun(compare_flags);
  if (*validate) return DoValidate(validate_path, validate_sets);
  if (*sweep_commands.sweep) return cli::DoSweep(sweep_commands.sweep_flags);
  if (*sweep_commands.merge) return cli::DoMerge(sweep_commands.merge_flags);
  if (*serve) return DoServe(serve_options);
  if (*scheduler_serve) return DoSchedulerServe(daemon_flags);
  if (*plan) return DoPlan(plan_flags);
  if (*frag) return DoFrag(frag_flags);
  if (*trace_formats) return DoTraceFormats();
  if (*trace_stats) return DoTraceStats(trace_flags, false);
  if (*trace_fit) return DoTraceStats(trace_flags, true);
  if (*trace_pools) {
    if (pools_format != "openb-nodes") {
      return Fail(kExitBadInput, "trace pools --format " + pools_format +
                                     ": unknown node-list format; known: openb-nodes");
    }
    auto list = ReadOpenbNodes(pools_file);
    if (!list.ok()) return Fail(ExitFor(list.status()), std::string(list.status().message()));
    std::fputs(NodeListYaml(*list, pools_file).c_str(), stdout);
    return kExitOk;
  }
  if (*help) {
    if (help_topic.empty()) {
      // app.help() would describe the parsed `help` subcommand; format the top level directly.
      std::cout << app.get_formatter()->make_help(&app, "burnrate", CLI::AppFormatMode::Normal);
    } else if (help_topic == "policies") {
      std::cout << PolicyHelp();
    } else if (help_topic == "autoscalers" || help_topic == "serving") {
      std::cout << ServingHelp();
    } else if (help_topic == "run" || help_topic == "compare" || help_topic == "validate" ||
               help_topic == "plan" || help_topic == "trace" || help_topic == "frag" ||
               help_topic == "sweep" || help_topic == "merge") {
      std::cout << app.get_subcommand(help_topic)->help();
    } else {
      return Fail(kExitBadInput, "help: unknown topic \"" + help_topic +
                                     "\"; topics: run, compare, validate, plan, sweep, merge, "
                                     "trace, frag, policies, autoscalers");
    }
    return kExitOk;
  }
  std::cout << app.help();
  return kExitOk;
}

}  // namespace burnrate

int main(int argc, char** argv) {
  try {
    return burnrate::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "burnrate: internal error: %s\n", e.what());
    return 1;
  }
}
