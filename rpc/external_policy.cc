#include "rpc/external_policy.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "burnrate/v1/policy.grpc.pb.h"
#include "scheduler/registry.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;

std::string NewSessionId() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(::getpid(), "-", counter.fetch_add(1));
}

class ExternalQueue final : public QueuePolicy {
 public:
  ExternalQueue(std::string address, Duration timeout, std::string fallback,
                std::map<std::string, std::string> args)
      : address_(std::move(address)),
        timeout_(std::chrono::microseconds(timeout)),
        fallback_name_(std::move(fallback)),
        args_(std::move(args)),
        session_(NewSessionId()) {
    // No message size limit from our side: call 0 lists every node (a 600,000-node pool is
    // about 5 MB); the policy server must accept as much (the Python example does).
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(-1);
    channel_args.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                         channel_args);
    stub_ = v1::ExternalPolicy::NewStub(channel_);
  }

  std::string_view name() const override { return "external"; }

  void Enqueue(JobId id, const JobView& job) override {
    if (fallback_ != nullptr) {
      fallback_->Enqueue(id, job);
      return;
    }
    pending_.insert_or_assign(id, job);
    arrived_.push_back(id);
  }

  size_t size() const override {
    return fallback_ != nullptr ? fallback_->size() : pending_.size();
  }

  void OnStop(JobId id, bool completed) override {
    if (running_.erase(id) > 0) {
      // Started by the external policy: the fallback never saw it start, so it is not told
      // (policies that track their running jobs must not hear of strangers).
      if (fallback_ == nullptr && !self_preempting_) ended_.push_back({id, completed});
      return;
    }
    if (fallback_ != nullptr) fallback_->OnStop(id, completed);
  }

  void Schedule(SchedulingContext& ctx) override {
    if (fallback_ != nullptr) {
      fallback_->Schedule(ctx);
      return;
    }
    v1::ScheduleRequest req;
    BuildRequest(ctx, &req);
    v1::ScheduleResponse resp;
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(timeout_));
    if (sequence_ == 0) call.set_wait_for_ready(true);  // the server may still be starting
    // Asynchronous, so that a cancelled run stops waiting within 50 ms, not after `timeout`.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status status;
    stub_->async()->Schedule(&call, &req, &resp, [&](grpc::Status s) {
      std::lock_guard<std::mutex> lock(mu);
      status = std::move(s);
      done = true;
      cv.notify_one();
    });
    {
      std::unique_lock<std::mutex> lock(mu);
      while (!cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) {
        if (ctx.cancelled()) call.TryCancel();  // the callback still comes; wait for it
      }
    }
    if (ctx.cancelled()) {
      ctx.Abort(absl::CancelledError("the run was cancelled"));
      return;
    }
    if (!status.ok()) {
      FallBack(ctx, status);  // names the call by its sequence number
      return;
    }
    ++sequence_;
    Apply(ctx, resp);
  }

 private:
  struct Ended {
    JobId id;
    bool completed;
  };

  std::string Where() const { return "external policy at " + address_; }

  void BuildRequest(SchedulingContext& ctx, v1::ScheduleRequest* req) {
    const ClusterState& c = ctx.cluster();
    req->set_session(session_);
    req->set_sequence(sequence_);
    req->set_now_s(TimeToSeconds(ctx.now()));
    if (sequence_ == 0) {
      for (uint32_t p = 0; p < c.pool_count(); ++p) {
        v1::PoolInfo* info = req->add_pools();
        info->set_nodes(c.nodes_in_pool(p));
        info->set_gpus_per_node(c.gpus_per_node(p));
      }
      for (const auto& [k, v] : args_) (*req->mutable_args())[k] = v;
      shadow_.assign(c.node_count(), UINT32_MAX);
    }
    for (const JobId id : arrived_) {
      const auto it = pending_.find(id);
      if (it == pending_.end()) continue;  // started or gone since
      const JobView& v = it->second;
      v1::PendingJob* j = req->add_arrived();
      j->set_id(id);
      j->set_gpus(v.gpus);
      j->set_submit_s(TimeToSeconds(v.submit));
      j->set_work_s(TimeToSeconds(v.duration_ref));
      j->set_estimate_s(TimeToSeconds(v.estimate_ref));
      j->set_priority(v.priority);
      j->set_tenant(ctx.tenant(v.tenant).name);
      for (const uint32_t p : ctx.pools_for(id)) j->add_pools(p);
      j->set_attained_gpu_s(v.attained_gpu_s);
    }
    arrived_.clear();
    for (const JobId id : started_) req->add_started(id);
    started_.clear();
    for (const Ended& e : ended_) {
      v1::JobEnd* end = req->add_ended();
      end->set_id(e.id);
      end->set_completed(e.completed);
    }
    ended_.clear();
    // Free GPUs per node, sent when changed: O(nodes) to compare, but only changes travel.
    for (uint32_t p = 0; p < c.pool_count(); ++p) {
      const NodeId first = c.first_node(p);
      for (uint32_t k = 0; k < c.nodes_in_pool(p); ++k) {
        const NodeId n = first + k;
        const uint32_t free = c.state_of(n) == NodeState::kOnline ? c.free_on(n) : 0;
        if (shadow_[n] == free) continue;
        shadow_[n] = free;
        v1::NodeFree* f = req->add_free();
        f->set_pool(p);
        f->set_node(k);
        f->set_free_gpus(free);
      }
    }
  }

  void Apply(SchedulingContext& ctx, const v1::ScheduleResponse& resp) {
    for (const uint32_t id : resp.preempt()) {
      if (running_.count(id) == 0) {
        ctx.Abort(absl::InvalidArgumentError(absl::StrCat(
            Where(), ": preempt job ", id, ", which is not running under this policy")));
        return;
      }
      // The policy asked: OnStop does not report it in `ended`; Enqueue brings it back (into
      // `arrived`, unless this decision starts it again).
      self_preempting_ = true;
      ctx.Preempt(id);
      self_preempting_ = false;
    }
    const ClusterState& c = ctx.cluster();
    Placement nodes;
    for (const v1::StartJob& start : resp.start()) {
      const JobId id = start.id();
      if (pending_.count(id) == 0) {
        ctx.Abort(absl::InvalidArgumentError(absl::StrCat(
            Where(), ": start job ", id, ", which is not pending (unknown, running or done)")));
        return;
      }
      bool started = false;
      if (start.nodes_size() == 0) {
        started = ctx.TryStart(id);
      } else {
        nodes.clear();
        for (const v1::NodeShare& n : start.nodes()) {
          if (n.pool() >= c.pool_count() || n.node() >= c.nodes_in_pool(n.pool())) {
            ctx.Abort(absl::InvalidArgumentError(absl::StrCat(
                Where(), ": start job ", id, " on pool ", n.pool(), " node ", n.node(),
                ", which does not exist")));
            return;
          }
          nodes.push_back({c.first_node(n.pool()) + n.node(), n.gpus()});
        }
        if (absl::Status s = ctx.StartOn(id, nodes); !s.ok()) {
          ctx.Abort(absl::InvalidArgumentError(
              absl::StrCat(Where(), ": start rejected: ", s.message())));
          return;
        }
        started = true;
      }
      if (started) {
        pending_.erase(id);
        running_.insert(id);
        started_.push_back(id);
      } else if (resp.stop_at_first_unfit()) {
        break;
      }
    }
    if (resp.wake_at_s() > 0) {
      const SimTime at = SecondsToTime(resp.wake_at_s());
      if (at > ctx.now()) ctx.WakeAt(at);
    }
  }

  void FallBack(SchedulingContext& ctx, const grpc::Status& status) {
    const std::string why = absl::StrCat(
        Where(), " failed at t = ", TimeToSeconds(ctx.now()), " s (sequence ", sequence_, "): ",
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
            ? absl::StrCat("no answer within ", static_cast<double>(timeout_.count()) / 1e6, " s")
            : status.error_message());
    if (fallback_name_ == "none") {
      const bool down = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
      ctx.Abort(absl::UnavailableError(
          why + (down ? "; start the policy server first, or set fallback=NAME (a built-in "
                        "queue policy) to continue without it"
                      : status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
                            ? "; the request is larger than the policy server accepts: raise "
                              "its grpc.max_receive_message_length"
                            : "; set fallback=NAME to continue without it")));
      return;
    }
    auto fb = MakeQueuePolicy(fallback_name_);
    if (!fb.ok()) {  // checked at creation; defensive
      ctx.Abort(fb.status());
      return;
    }
    ctx.Warn(why + "; " + fallback_name_ + " decided from then on");
    fallback_ = *std::move(fb);
    // The fallback takes over the queue in arrival order, and the jobs running now.
    for (const auto& [id, view] : pending_) fallback_->Enqueue(id, view);
    pending_.clear();
    fallback_->Schedule(ctx);
  }

  const std::string address_;
  const std::chrono::microseconds timeout_;
  const std::string fallback_name_;
  const std::map<std::string, std::string> args_;
  const std::string session_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ExternalPolicy::Stub> stub_;
  uint64_t sequence_ = 0;

  std::map<JobId, JobView> pending_;  // by id = arrival order
  std::set<JobId> running_;           // started by this policy, not stopped
  std::vector<JobId> arrived_;        // since the last call
  std::vector<JobId> started_;        // by the last decision
  std::vector<Ended> ended_;          // since the last call
  std::vector<uint32_t> shadow_;      // free GPUs per node as last sent
  std::unique_ptr<QueuePolicy> fallback_;
  bool self_preempting_ = false;  // inside a preemption the policy asked for
};

}  // namespace

absl::StatusOr<std::unique_ptr<QueuePolicy>> NewExternalQueuePolicy(const PolicyArgs& args) {
  const std::string& fallback = args.Text("fallback");
  if (fallback != "none") {
    if (fallback == "external" || !IsQueuePolicy(fallback)) {
      return absl::InvalidArgumentError(
          "external: fallback \"" + fallback +
          "\" is not a built-in queue policy; use one of `burnrate help policies` or none");
    }
  }
  std::map<std::string, std::string> shown = {{"address", args.Text("address")},
                                              {"fallback", fallback}};
  return std::unique_ptr<QueuePolicy>(std::make_unique<ExternalQueue>(
      args.Text("address"), args.DurationOf("timeout"), fallback, std::move(shown)));
}

void InstallExternalPolicy() { SetExternalQueueFactory(NewExternalQueuePolicy); }

}  // namespace burnrate
