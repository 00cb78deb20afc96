#include "rpc/scheduler_daemon.h"

#include <grpcpp/grpcpp.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "burnrate/v1/scheduler.grpc.pb.h"
#include "rpc/journal.h"
#include "sim/live_engine.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;
namespace asio = boost::asio;

int64_t UnixMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

const char* StateName(LiveJob::State s) {
  switch (s) {
    case LiveJob::State::kPending: return "pending";
    case LiveJob::State::kRunning: return "running";
    case LiveJob::State::kCompleted: return "completed";
    case LiveJob::State::kCancelled: return "cancelled";
  }
  return "?";
}

// One WatchEvents stream. The strand appends events (Push); the gRPC side writes them one at a
// time. The reactor deletes itself in OnDone; the strand keeps this state alive (shared_ptr)
// and drops it when the stream is done.
struct WatchState {
  std::mutex mu;
  grpc::ServerWriteReactor<v1::SchedulerEvent>* reactor = nullptr;  // null once done
  std::deque<v1::SchedulerEvent> queue;
  v1::SchedulerEvent current;
  bool writing = false;
  bool done = false;
  uint64_t from = 0;  // the first sequence number the client asked for

  // Events a watcher may have waiting: one that falls further behind (a client that stopped
  // reading) is finished with RESOURCE_EXHAUSTED and may resume from its last sequence.
  static constexpr size_t kMaxBacklog = 100000;

  void Push(const v1::SchedulerEvent& e) {
    std::unique_lock<std::mutex> lock(mu);
    if (done || reactor == nullptr || e.sequence() < from) return;
    if (queue.size() >= kMaxBacklog) {
      done = true;
      queue.clear();
      if (writing) return;  // the write in flight finishes the stream
      auto* r = reactor;
      lock.unlock();
      r->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             absl::StrCat("this watcher fell ", kMaxBacklog,
                                          " events behind; reconnect with from_sequence = the "
                                          "last sequence seen + 1")));
      return;
    }
    queue.push_back(e);
    if (writing) return;
    writing = true;
    current = std::move(queue.front());
    queue.pop_front();
    auto* r = reactor;
    lock.unlock();
    r->StartWrite(&current);
  }
};

class WatchReactor final : public grpc::ServerWriteReactor<v1::SchedulerEvent> {
 public:
  explicit WatchReactor(std::shared_ptr<WatchState> state) : state_(std::move(state)) {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->reactor = this;
  }
  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (!ok || state_->done) {  // the client went away, or cancelled during the write
      state_->done = true;
      state_->queue.clear();
      state_->writing = false;
      lock.unlock();
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (state_->queue.empty()) {
      state_->writing = false;
      return;
    }
    state_->current = std::move(state_->queue.front());
    state_->queue.pop_front();
    lock.unlock();
    StartWrite(&state_->current);
  }
  void OnCancel() override {
    std::unique_lock<std::mutex> lock(state_->mu);
    if (state_->done) return;
    state_->done = true;
    state_->queue.clear();
    // A write in flight ends with ok == false and OnWriteDone finishes; finishing here too
    // would race with Push's StartWrite (after Finish the reactor may be deleted).
    if (state_->writing) return;
    lock.unlock();
    Finish(grpc::Status::CANCELLED);
  }
  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->done = true;
      state_->reactor = nullptr;
    }
    delete this;
  }

 private:
  std::shared_ptr<WatchState> state_;
};

}  // namespace

struct SchedulerDaemon::State final : public v1::Scheduler::CallbackService {
  ScenarioModel scenario;
  DaemonOptions options;
  std::unique_ptr<LiveEngine> engine;
  std::unique_ptr<Journal> journal;
  int64_t epoch_us = 0;
  SimTime last_t = 0;
  uint64_t replayed = 0;

  struct Meta {
    std::string token, name;
    uint32_t starts = 0;  // attempts so far (counted from the engine's start events)
  };
  std::vector<Meta> meta;                                  // by job id
  std::unordered_map<std::string, uint64_t> token_to_id;  // idempotency
  std::vector<v1::SchedulerEvent> history;                // every event, by sequence
  size_t announced = 0;                                   // history[0, announced) were sent
  std::set<std::shared_ptr<WatchState>> watchers;
  std::map<JobId, std::chrono::steady_clock::time_point> leases;  // running jobs

  // Group commit: responses waiting for the journal's next flush.
  std::vector<std::function<void()>> acks;
  bool flush_posted = false;

  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand{asio::make_strand(io)};
  asio::executor_work_guard<asio::io_context::executor_type> work{asio::make_work_guard(io)};
  asio::steady_timer timer{strand};
  std::thread thread;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool stopped = false;

  // ----- On the strand. -----

  SimTime Now() {
    last_t = std::max(last_t, static_cast<SimTime>(UnixMicros() - epoch_us));
    return last_t;
  }

  // Engine events become numbered SchedulerEvents (announced after the next flush).
  void Collect(const char* preempt_kind = "preempted") {
    for (const LiveEvent& e : engine->TakeEvents()) {
      v1::SchedulerEvent out;
      out.set_sequence(history.size());
      out.set_time(static_cast<double>(epoch_us + e.time) / 1e6);
      out.set_job_id(e.job);
      switch (e.kind) {
        case LiveEvent::Kind::kStart:
          out.set_kind("started");
          out.set_attempt(++meta[e.job].starts);
          for (const NodeShare& n : e.nodes) {
            v1::Gpus* g = out.add_nodes();
            g->set_pool(scenario.pools[engine->PoolOf(n.node)].name);
            g->set_node(engine->IndexInPool(n.node));
            g->set_gpus(n.gpus);
          }
          if (options.lease_s > 0) {
            leases[e.job] = std::chrono::steady_clock::now() +
                            std::chrono::microseconds(static_cast<int64_t>(options.lease_s * 1e6));
          }
          break;
        case LiveEvent::Kind::kPreempt:
          out.set_kind(preempt_kind);
          leases.erase(e.job);
          break;
        case LiveEvent::Kind::kComplete:
          out.set_kind("completed");
          leases.erase(e.job);
          break;
        case LiveEvent::Kind::kCancel:
          out.set_kind("cancelled");
          leases.erase(e.job);
          break;
      }
      history.push_back(std::move(out));
    }
  }

  // Reads answer after the next flush, so they never show state a crash could undo.
  void AnswerAfterFlush(grpc::ServerUnaryReactor* reactor) {
    acks.push_back([reactor] { reactor->Finish(grpc::Status::OK); });
    RequestFlush();
  }

  void RequestFlush() {
    if (flush_posted) return;
    flush_posted = true;
    asio::post(strand, [this] { Flush(); });
  }

  // Makes the journal durable, then announces events and sends the responses waiting.
  void Flush() {
    flush_posted = false;
    if (absl::Status s = journal->Flush(); !s.ok()) {
      // The engine holds inputs the disk does not: serving on would acknowledge work a
      // restart would lose. Stop; the journal is the truth and a restart recovers from it.
      std::fprintf(stderr, "burnrate scheduler: journal write failed (%s); stopping\n",
                   std::string(s.message()).c_str());
      std::_Exit(3);
    }
    for (; announced < history.size(); ++announced) {
      for (const auto& w : watchers) w->Push(history[announced]);
    }
    for (auto& ack : acks) ack();
    acks.clear();
    ArmTimer();
  }

  void Record(SimTime t, v1::JournalRecord record) {
    record.set_time_us(t);
    journal->Append(record);
  }

  void ArmTimer() {
    if (stopped) return;
    // The engine's next due time, the nearest lease, and at most a second away.
    const SimTime due = engine->NextDue();
    auto when = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    if (due != kTimeInfinity) {
      const int64_t wait_us = std::max<int64_t>(0, due - (UnixMicros() - epoch_us));
      when = std::min(when, std::chrono::steady_clock::now() + std::chrono::microseconds(wait_us));
    }
    for (const auto& [job, deadline] : leases) when = std::min(when, deadline);
    timer.expires_at(when);
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Tick();
    });
  }

  void Tick() {
    if (stopped) return;
    const SimTime t = Now();
    if (absl::Status s = engine->AdvanceTo(t); !s.ok()) Fatal(s);
    Collect();
    // Leases: a running job without a heartbeat in time is requeued (an input: journaled).
    const auto now = std::chrono::steady_clock::now();
    std::vector<JobId> expired;
    for (const auto& [job, deadline] : leases) {
      if (deadline <= now) expired.push_back(job);
    }
    for (const JobId job : expired) {
      leases.erase(job);
      if (!engine->Requeue(t, job).ok()) continue;
      v1::JournalRecord r;
      r.set_lease_expired(job);
      Record(t, r);
      Collect("lease-expired");
    }
    RequestFlush();  // announces what the tick decided (after any requeue is durable)
  }

  [[noreturn]] void Fatal(const absl::Status& s) {
    std::fprintf(stderr, "burnrate scheduler: internal error: %s\n",
                 std::string(s.message()).c_str());
    std::_Exit(1);
  }

  v1::JobInfo Info(JobId id) {
    v1::JobInfo info;
    const LiveJob j = *engine->Job(id);
    info.set_job_id(id);
    info.set_client_token(meta[id].token);
    info.set_name(meta[id].name);
    info.set_tenant(j.tenant);
    info.set_gpus(j.gpus);
    info.set_state(StateName(j.state));
    const auto unix_s = [&](SimTime t) {
      return t < 0 ? 0.0 : static_cast<double>(epoch_us + t) / 1e6;
    };
    info.set_submit_time(unix_s(j.submit));
    info.set_start_time(unix_s(j.start));
    info.set_end_time(unix_s(j.end));
    info.set_preemptions(j.preemptions);
    info.set_attempt(meta[id].starts);
    for (const NodeShare& n : j.nodes) {
      v1::Gpus* g = info.add_nodes();
      g->set_pool(scenario.pools[engine->PoolOf(n.node)].name);
      g->set_node(engine->IndexInPool(n.node));
      g->set_gpus(n.gpus);
    }
    return info;
  }

  static JobSpec SpecOf(const v1::SubmitJobRequest& r) {
    JobSpec j;
    j.name = r.name();
    j.gpus = r.gpus();
    // At least 1 µs (an estimate under half a microsecond would round to no work at all).
    j.duration = std::max<Duration>(1, SecondsToTime(r.estimate_s()));
    j.estimate = j.duration;
    j.gpu_type = r.gpu_type();
    j.tenant = r.tenant().empty() ? "default" : r.tenant();
    j.priority = r.priority();
    return j;
  }

  absl::Status CheckSubmit(const v1::SubmitJobRequest& r) const {
    if (r.client_token().empty()) {
      return absl::InvalidArgumentError("client_token is required (a unique name for this "
                                        "submission, e.g. a UUID: retries reuse it)");
    }
    if (r.gpus() == 0) return absl::InvalidArgumentError("gpus must be at least 1");
    if (!(r.estimate_s() > 0) || !std::isfinite(r.estimate_s()) || r.estimate_s() > 1e9) {
      return absl::InvalidArgumentError("estimate_s must be a number of seconds in (0, 1e9]");
    }
    if (!r.gpu_type().empty()) {
      bool known = false;
      for (const PoolSpec& p : scenario.pools) known |= p.gpu_type == r.gpu_type();
      if (!known) {
        return absl::InvalidArgumentError("gpu_type \"" + r.gpu_type() +
                                          "\" is in no pool of this cluster");
      }
    }
    return absl::OkStatus();
  }

  // Applies one input (live or replayed). Returns the job id for a submit.
  absl::StatusOr<uint64_t> Apply(const v1::JournalRecord& r) {
    const SimTime t = r.time_us();
    switch (r.input_case()) {
      case v1::JournalRecord::kSubmit: {
        auto id = engine->Submit(t, SpecOf(r.submit()));
        if (!id.ok()) return id.status();
        meta.push_back({r.submit().client_token(), r.submit().name(), 0});
        token_to_id[r.submit().client_token()] = *id;
        Collect();
        return *id;
      }
      case v1::JournalRecord::kCancel: {
        if (absl::Status s = engine->Cancel(t, static_cast<JobId>(r.cancel())); !s.ok()) return s;
        Collect();
        return r.cancel();
      }
      case v1::JournalRecord::kComplete: {
        if (absl::Status s = engine->Complete(t, static_cast<JobId>(r.complete())); !s.ok()) {
          return s;
        }
        Collect();
        return r.complete();
      }
      case v1::JournalRecord::kLeaseExpired: {
        if (absl::Status s = engine->Requeue(t, static_cast<JobId>(r.lease_expired())); !s.ok()) {
          return s;
        }
        Collect("lease-expired");
        return r.lease_expired();
      }
      case v1::JournalRecord::INPUT_NOT_SET:
        break;
    }
    return absl::InvalidArgumentError("an empty journal record");
  }

  // ----- gRPC handlers: post to the strand, finish from it. -----

  grpc::ServerUnaryReactor* SubmitJob(grpc::CallbackServerContext* ctx,
                                      const v1::SubmitJobRequest* req,
                                      v1::SubmitJobResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    asio::post(strand, [this, req, resp, reactor] {
      if (absl::Status s = CheckSubmit(*req); !s.ok()) {
        reactor->Finish(ToGrpc(s));
        return;
      }
      if (auto it = token_to_id.find(req->client_token()); it != token_to_id.end()) {
        // A retry: that job (acknowledged once its record is on disk, like the first answer).
        const uint64_t id = it->second;
        acks.push_back([resp, reactor, id] {
          resp->set_job_id(id);
          resp->set_duplicate(true);
          reactor->Finish(grpc::Status::OK);
        });
        RequestFlush();
        return;
      }
      v1::JournalRecord r;
      r.set_time_us(Now());
      *r.mutable_submit() = *req;
      auto id = Apply(r);
      if (!id.ok()) {
        reactor->Finish(ToGrpc(id.status()));
        return;
      }
      journal->Append(r);
      const uint64_t job = *id;
      acks.push_back([resp, reactor, job] {
        resp->set_job_id(job);
        reactor->Finish(grpc::Status::OK);
      });
      RequestFlush();
    });
    return reactor;
  }

  // Cancel and ReportCompletion: an input on one job.
  grpc::ServerUnaryReactor* JobInput(grpc::CallbackServerContext* ctx, uint64_t job,
                                     bool cancel, uint32_t attempt = 0) {
    auto* reactor = ctx->DefaultReactor();
    asio::post(strand, [this, reactor, job, cancel, attempt] {
      if (job >= meta.size()) {
        reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("no job ", job)));
        return;
      }
      if (attempt != 0) {
        const LiveJob j = *engine->Job(static_cast<JobId>(job));
        if (j.state == LiveJob::State::kRunning && meta[job].starts != attempt) {
          reactor->Finish(grpc::Status(
              grpc::StatusCode::FAILED_PRECONDITION,
              absl::StrCat("attempt ", attempt, " of job ", job, " was requeued; attempt ",
                           meta[job].starts, " runs now")));
          return;
        }
      }
      v1::JournalRecord r;
      r.set_time_us(Now());
      if (cancel) {
        r.set_cancel(job);
      } else {
        r.set_complete(job);
      }
      auto applied = Apply(r);
      if (!applied.ok()) {
        reactor->Finish(ToGrpc(applied.status()));
        return;
      }
      journal->Append(r);
      acks.push_back([reactor] { reactor->Finish(grpc::Status::OK); });
      RequestFlush();
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx,
                                      const v1::CancelJobRequest* req,
                                      v1::CancelJobResponse*) override {
    return JobInput(ctx, req->job_id(), /*cancel=*/true);
  }

  grpc::ServerUnaryReactor* ReportCompletion(grpc::CallbackServerContext* ctx,
                                             const v1::ReportCompletionRequest* req,
                                             v1::ReportCompletionResponse*) override {
    return JobInput(ctx, req->job_id(), /*cancel=*/false, req->attempt());
  }

  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::GetJobRequest* req,
                                   v1::JobInfo* resp) override {
    auto* reactor = ctx->DefaultReactor();
    asio::post(strand, [this, req, resp, reactor] {
      if (req->job_id() >= meta.size()) {
        reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                     absl::StrCat("no job ", req->job_id())));
        return;
      }
      *resp = Info(static_cast<JobId>(req->job_id()));
      AnswerAfterFlush(reactor);
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx,
                                     const v1::ListJobsRequest* req,
                                     v1::ListJobsResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    asio::post(strand, [this, req, resp, reactor] {
      const std::string& want = req->state();
      if (!want.empty() && want != "pending" && want != "running" && want != "completed" &&
          want != "cancelled") {
        reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                     "state must be \"\", pending, running, completed or "
                                     "cancelled; got \"" + want + "\""));
        return;
      }
      for (JobId id = 0; id < meta.size(); ++id) {
        if (req->limit() > 0 && static_cast<uint32_t>(resp->jobs_size()) >= req->limit()) break;
        v1::JobInfo info = Info(id);
        if (!want.empty() && info.state() != want) continue;
        *resp->add_jobs() = std::move(info);
      }
      AnswerAfterFlush(reactor);
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* Heartbeat(grpc::CallbackServerContext* ctx,
                                      const v1::HeartbeatRequest* req,
                                      v1::HeartbeatResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    asio::post(strand, [this, req, resp, reactor] {
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::microseconds(static_cast<int64_t>(options.lease_s * 1e6));
      const auto renew = [&](uint64_t id, uint32_t attempt) {
        auto j = id < meta.size() ? engine->Job(static_cast<JobId>(id))
                                  : absl::StatusOr<LiveJob>(absl::NotFoundError(""));
        const bool running = j.ok() && j->state == LiveJob::State::kRunning &&
                             (attempt == 0 || attempt == meta[id].starts);
        if (!running) {
          resp->add_not_running(id);
        } else if (options.lease_s > 0) {
          leases[static_cast<JobId>(id)] = deadline;
        }
      };
      for (const uint64_t id : req->job_ids()) renew(id, 0);
      for (const v1::JobAttempt& a : req->attempts()) renew(a.job_id(), a.attempt());
      // After the flush: an answer must not tell an executor to stop a job on the strength of
      // a cancel or completion a crash could still forget.
      AnswerAfterFlush(reactor);
    });
    return reactor;
  }

  grpc::ServerWriteReactor<v1::SchedulerEvent>* WatchEvents(
      grpc::CallbackServerContext*, const v1::WatchEventsRequest* req) override {
    auto state = std::make_shared<WatchState>();
    state->from = req->from_sequence();
    auto* reactor = new WatchReactor(state);
    const uint64_t from = req->from_sequence();
    asio::post(strand, [this, state, from] {
      // Drop streams that ended, then send this one the history it asked for.
      for (auto it = watchers.begin(); it != watchers.end();) {
        bool gone = false;
        {
          std::lock_guard<std::mutex> lock((*it)->mu);
          gone = (*it)->done;
        }
        it = gone ? watchers.erase(it) : std::next(it);
      }
      for (size_t i = from; i < announced; ++i) state->Push(history[i]);
      watchers.insert(state);
    });
    return reactor;
  }
};

SchedulerDaemon::SchedulerDaemon(std::unique_ptr<State> state) : state_(std::move(state)) {}

SchedulerDaemon::~SchedulerDaemon() { Shutdown(); }

int SchedulerDaemon::port() const { return state_->port; }
uint64_t SchedulerDaemon::replayed() const { return state_->replayed; }

absl::StatusOr<std::unique_ptr<SchedulerDaemon>> SchedulerDaemon::Start(
    const ScenarioModel& scenario, const DaemonOptions& options) {
  if (options.state_dir.empty()) {
    return absl::InvalidArgumentError("--state-dir is required: the journal lives there");
  }
  if (!(options.lease_s >= 0) || !std::isfinite(options.lease_s)) {
    return absl::InvalidArgumentError("--lease must be >= 0 seconds (0 = no leases)");
  }
  auto st = std::make_unique<State>();
  st->scenario = scenario;
  st->options = options;
  auto engine = LiveEngine::Create(scenario, options.policy, options.seed);
  if (!engine.ok()) return engine.status();
  st->engine = *std::move(engine);

  v1::JournalHeader fresh;
  fresh.set_epoch_unix_us(UnixMicros());
  fresh.set_policy(options.policy.Name());
  fresh.set_seed(options.seed);
  fresh.set_scenario_name(scenario.name);
  auto opened = Journal::Open(options.state_dir, fresh);
  if (!opened.ok()) return opened.status();
  const v1::JournalHeader& h = opened->header;
  if (h.policy() != fresh.policy() || h.seed() != fresh.seed() ||
      h.scenario_name() != fresh.scenario_name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.state_dir, ": this journal belongs to scenario \"", h.scenario_name(),
        "\" under ", h.policy(), " with seed ", h.seed(), "; start with those, or a new "
        "--state-dir"));
  }
  st->journal = std::move(opened->journal);
  st->epoch_us = h.epoch_unix_us();
  if (opened->dropped_bytes > 0) {
    std::fprintf(stderr,
                 "burnrate scheduler: cut %llu bytes of a torn journal tail (never "
                 "acknowledged)\n",
                 static_cast<unsigned long long>(opened->dropped_bytes));
  }
  // Replay: the same inputs at the same times through the same engine.
  for (size_t i = 0; i < opened->records.size(); ++i) {
    const v1::JournalRecord& r = opened->records[i];
    st->last_t = std::max(st->last_t, static_cast<SimTime>(r.time_us()));
    auto applied = st->Apply(r);
    if (!applied.ok()) {
      return absl::InternalError(absl::StrCat(st->journal->path(), ": replay diverged at record ",
                                              i, ": ", applied.status().message()));
    }
  }
  st->replayed = opened->records.size();
  st->announced = st->history.size();  // history is served to watchers from the start

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &st->port);
  builder.RegisterService(st.get());
  st->server = builder.BuildAndStart();
  if (st->server == nullptr || st->port == 0) {
    return absl::UnavailableError("--listen " + options.listen + ": cannot listen there");
  }
  State* raw = st.get();
  st->thread = std::thread([raw] { raw->io.run(); });
  asio::post(st->strand, [raw] {
    raw->Tick();  // catch up with the time since the journal's last record
  });
  return std::unique_ptr<SchedulerDaemon>(new SchedulerDaemon(std::move(st)));
}

void SchedulerDaemon::Shutdown() {
  if (state_ == nullptr || state_->stopped) return;
  if (state_->server != nullptr) {
    state_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    state_->server->Wait();
  }
  State* raw = state_.get();
  asio::post(raw->strand, [raw] {
    raw->stopped = true;
    raw->timer.cancel();
    (void)raw->journal->Flush();
  });
  raw->work.reset();
  if (raw->thread.joinable()) raw->thread.join();
}

void SchedulerDaemon::Wait() {
  if (state_->server != nullptr) state_->server->Wait();
}

}  // namespace burnrate
