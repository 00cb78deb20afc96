#include "rpc/simulator_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "scheduler/policy_spec.h"
#include "sim/model/calendar.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

// One Run/Compare stream. The gRPC side (OnWriteDone, OnCancel, OnDone) and the worker thread
// (Post, Complete) share the write queue under mu_. Exactly one Finish: by whoever sees the
// last write done after the worker completed. OnDone deletes the reactor; the worker never
// touches it after Complete.
class RunReactor final : public grpc::ServerWriteReactor<v1::RunUpdate> {
 public:
  RunReactor(grpc::CallbackServerContext* context, ScenarioModel scenario,
             std::vector<PolicySpec> policies, uint64_t seed, double progress_interval_s)
      : context_(context),
        scenario_(std::move(scenario)),
        policies_(std::move(policies)),
        seed_(seed),
        progress_interval_(progress_interval_s) {}

  // The worker's task: simulate every policy in order, streaming progress.
  void Work() {
    if (cancel_.load()) {
      Complete(CancelStatus());
      return;
    }
    v1::Results results;
    results.set_scenario(scenario_.name);
    results.set_start(FormatUtcTimestamp(scenario_.start_unix_s));
    results.set_horizon_s(TimeToSeconds(scenario_.horizon));
    for (std::size_t i = 0; i < policies_.size(); ++i) {
      const std::string name = policies_[i].Name();
      const auto begin = std::chrono::steady_clock::now();
      auto last = begin - std::chrono::hours(1);  // the first report is posted at once
      RunOptions options;
      options.cancel = &cancel_;
      options.progress = [&](const Progress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last < progress_interval_) return;
        last = now;
        PostProgress(name, i, p.now, p.events, p.jobs_completed,
                     std::chrono::duration<double>(now - begin).count());
      };
      auto run = Simulate(scenario_, policies_[i], seed_, options);
      if (!run.ok()) {
        Complete(run.status().code() == absl::StatusCode::kCancelled ? CancelStatus()
                                                                       : ToGrpc(run.status()));
        return;
      }
      // Every run reports at least once: its end.
      PostProgress(name, i, scenario_.horizon, run->result.summary().events(),
                   run->result.summary().jobs_completed(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());
      *results.add_runs() = std::move(run->result);
    }
    v1::RunUpdate last;
    *last.mutable_results() = std::move(results);
    Post(std::move(last));
    Complete(grpc::Status::OK);
  }

  // Called when the request fails before any work: finish at once.
  void FinishNow(const grpc::Status& status) { Complete(status); }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ok) {  // the client is gone: stop the run, drop what is queued
      cancel_.store(true);
      queue_.clear();
    }
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      StartWrite(&current_);
      return;
    }
    writing_ = false;
    if (completed_ && !finished_) {
      finished_ = true;
      const grpc::Status status = final_;
      lock.unlock();
      Finish(status);
    }
  }

  void OnCancel() override {
    cancel_.store(true);
    // A run still waiting for a worker gives its place up now (it would count against
    // --max-queued until a worker got to it) and finishes at once.
    uint64_t ticket = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket = ticket_;
    }
    if (pool_ != nullptr && ticket != 0 && pool_->CancelQueued(ticket)) Complete(CancelStatus());
  }

  // The worker pool and this run's ticket in it (0 = not queued).
  void SetQueued(WorkerPool* pool, uint64_t ticket) {
    std::lock_guard<std::mutex> lock(mu_);
    pool_ = pool;
    ticket_ = ticket;
  }

  void OnDone() override { delete this; }

 private:
  grpc::Status CancelStatus() const {
    if (context_->deadline() <= std::chrono::system_clock::now()) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "the deadline passed; the run was stopped");
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "the run was cancelled");
  }

  void PostProgress(const std::string& name, std::size_t index, SimTime now, uint64_t events,
                    uint64_t jobs, double seconds) {
    v1::RunUpdate u;
    v1::RunProgress* p = u.mutable_progress();
    p->set_policy(name);
    p->set_run_index(static_cast<uint32_t>(index));
    p->set_run_count(static_cast<uint32_t>(policies_.size()));
    p->set_simulated_s(TimeToSeconds(now));
    p->set_horizon_s(TimeToSeconds(scenario_.horizon));
    p->set_events(events);
    p->set_events_per_s(seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
    p->set_jobs_completed(jobs);
    Post(std::move(u));
  }

  // Queues an update (a progress update replaces one still waiting: a slow client gets the
  // latest, not a backlog) and starts a write when none is in flight.
  void Post(v1::RunUpdate update) {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_ || cancel_.load()) return;
    if (update.has_progress() && !queue_.empty() && queue_.back().has_progress() &&
        queue_.back().progress().run_index() == update.progress().run_index()) {
      queue_.back() = std::move(update);
    } else {
      queue_.push_back(std::move(update));
    }
    if (writing_) return;
    writing_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    StartWrite(&current_);
  }

  // The worker is done with the reactor: finish now, or after the write in flight.
  void Complete(const grpc::Status& status) {
    std::unique_lock<std::mutex> lock(mu_);
    completed_ = true;
    final_ = status;
    if (!status.ok()) queue_.clear();
    if (writing_ || finished_) return;
    finished_ = true;
    lock.unlock();
    Finish(status);
  }

  grpc::CallbackServerContext* context_;
  const ScenarioModel scenario_;
  const std::vector<PolicySpec> policies_;
  const uint64_t seed_;
  const std::chrono::duration<double> progress_interval_;
  std::atomic<bool> cancel_{false};

  std::mutex mu_;
  WorkerPool* pool_ = nullptr;       // guarded by mu_
  uint64_t ticket_ = 0;              // guarded by mu_
  std::deque<v1::RunUpdate> queue_;  // guarded by mu_
  v1::RunUpdate current_;            // the write in flight
  bool writing_ = false;             // guarded by mu_
  bool completed_ = false;           // the worker called Complete; guarded by mu_
  bool finished_ = false;            // Finish was called; guarded by mu_
  grpc::Status final_;               // guarded by mu_
};

}  // namespace

absl::StatusOr<ScenarioModel> ScenarioFromRequest(const v1::Scenario* scenario,
                                                  const std::string* yaml,
                                                  const std::string& data_dir) {
  absl::StatusOr<LoadedScenario> loaded;
  if (yaml != nullptr) {
    loaded = LoadScenarioText(*yaml, "yaml", "request", data_dir);
  } else if (scenario != nullptr) {
    LoadedScenario l;
    l.scenario = *scenario;
    l.path = "request";
    l.base_dir = data_dir;
    loaded = std::move(l);
  } else {
    return absl::InvalidArgumentError(
        "request: no scenario; set `scenario` (a burnrate.v1.Scenario) or `scenario_yaml`");
  }
  if (!loaded.ok()) return loaded.status();
  // Remote clients name files only inside the data directory.
  loaded->confine_paths = true;
  return CompileScenario(*loaded);
}

absl::StatusOr<std::vector<PolicySpec>> PoliciesFromRequest(
    const google::protobuf::RepeatedPtrField<std::string>& names, const ScenarioModel& scenario) {
  std::vector<PolicySpec> out;
  for (const std::string& name : names) {
    auto p = ParsePolicySpec(name, PolicyErrorDetail::kBrief);
    if (!p.ok()) return p.status();
    for (const PolicySpec& seen : out) {
      if (seen.Name() == p->Name()) {
        return absl::InvalidArgumentError("policy " + p->Name() +
                                          " is given twice; give each once");
      }
    }
    out.push_back(*std::move(p));
  }
  if (out.empty()) out = scenario.policies;
  return out;
}

SimulatorService::SimulatorService(const SimulatorServiceOptions& options)
    : options_(options),
      pool_(options.workers > 0 ? options.workers
                                : std::max<std::size_t>(1, std::thread::hardware_concurrency()),
            options.max_queued) {}

SimulatorService::~SimulatorService() = default;

grpc::ServerWriteReactor<v1::RunUpdate>* SimulatorService::Run(
    grpc::CallbackServerContext* context, const v1::RunRequest* request) {
  return StartRun(context, request, /*compare=*/false);
}

grpc::ServerWriteReactor<v1::RunUpdate>* SimulatorService::Compare(
    grpc::CallbackServerContext* context, const v1::RunRequest* request) {
  return StartRun(context, request, /*compare=*/true);
}

grpc::ServerWriteReactor<v1::RunUpdate>* SimulatorService::StartRun(
    grpc::CallbackServerContext* context, const v1::RunRequest* request, bool compare) {
  // Everything is checked here, before a worker is taken.
  auto fail = [&](const grpc::Status& status) {
    auto* reactor = new RunReactor(context, ScenarioModel{}, {}, 1, 0.5);
    reactor->FinishNow(status);
    return reactor;
  };
  const double interval = request->progress_interval_s();
  if (!(interval == 0 || (interval >= 0.05 && interval <= 60))) {
    return fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                             "progress_interval_s must be 0 (= 0.5 s) or in [0.05, 60] seconds"));
  }
  auto scenario = ScenarioFromRequest(
      request->has_scenario() ? &request->scenario() : nullptr,
      request->source_case() == v1::RunRequest::kScenarioYaml ? &request->scenario_yaml() : nullptr,
      options_.data_dir);
  if (!scenario.ok()) return fail(ToGrpc(scenario.status()));
  auto policies = PoliciesFromRequest(request->policies(), *scenario);
  if (!policies.ok()) return fail(ToGrpc(policies.status()));
  if (!options_.allow_external_policies) {
    for (const PolicySpec& p : *policies) {
      if (p.queue == "external") {
        return fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "policy " + p.Name() + ": this server does not run external "
                                 "policies (they connect to an address the client names); "
                                 "start it with --allow-external-policies"));
      }
    }
  }
  if (compare && policies->size() < 2) {
    return fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                             "Compare needs at least two policies (policies, or the "
                             "scenario's); use Run for one"));
  }
  const uint64_t seed =
      request->has_seed() ? (request->seed() == 0 ? 1 : request->seed()) : scenario->seed;
  auto* reactor = new RunReactor(context, *std::move(scenario), *std::move(policies), seed,
                                 interval == 0 ? 0.5 : interval);
  const uint64_t ticket = pool_.TrySubmit([reactor] { reactor->Work(); });
  if (ticket == 0) {
    reactor->FinishNow(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "every worker is busy and " + std::to_string(options_.max_queued) +
            " run(s) are waiting; retry later (or start the server with more --workers / "
            "--max-queued)"));
  } else {
    reactor->SetQueued(&pool_, ticket);
  }
  return reactor;
}

grpc::ServerUnaryReactor* SimulatorService::Validate(grpc::CallbackServerContext* context,
                                                     const v1::ValidateRequest* request,
                                                     v1::ValidateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto scenario = ScenarioFromRequest(
      request->has_scenario() ? &request->scenario() : nullptr,
      request->source_case() == v1::ValidateRequest::kScenarioYaml ? &request->scenario_yaml()
                                                                    : nullptr,
      options_.data_dir);
  if (!scenario.ok()) {
    reactor->Finish(ToGrpc(scenario.status()));
    return reactor;
  }
  auto policies = PoliciesFromRequest(request->policies(), *scenario);
  if (!policies.ok()) {
    reactor->Finish(ToGrpc(policies.status()));
    return reactor;
  }
  uint64_t gpus = 0;
  for (const PoolSpec& p : scenario->pools) gpus += uint64_t{p.gpus_per_node} * p.nodes;
  response->set_name(scenario->name);
  response->set_pools(static_cast<uint32_t>(scenario->pools.size()));
  response->set_gpus(gpus);
  response->set_inline_jobs(static_cast<uint32_t>(scenario->jobs.size()));
  response->set_generators(static_cast<uint32_t>(scenario->generators.size()));
  response->set_traces(static_cast<uint32_t>(scenario->traces.size()));
  response->set_services(static_cast<uint32_t>(scenario->services.size()));
  for (const PolicySpec& p : *policies) response->add_policies(p.Name());
  response->set_horizon_s(TimeToSeconds(scenario->horizon));
  for (const std::string& w : scenario->warnings) response->add_warnings(w);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace burnrate
