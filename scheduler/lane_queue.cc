#include "scheduler/lane_queue.h"

#include <algorithm>
#include <span>

namespace burnrate {

void LaneQueue::Enqueue(JobId id, const JobView& job) {
  if (id >= jobs_.size()) jobs_.resize(static_cast<size_t>(id) + 1);
  Entry& e = jobs_[id];
  e.view = job;
  e.lane = LaneOf(job);
  e.key = PendingKey(id, job);
  e.pending = true;
  if (e.lane >= lanes_.size()) lanes_.resize(static_cast<size_t>(e.lane) + 1);
  lanes_[e.lane].emplace(e.key.a, e.key.b, id);
  ++pending_;
}

void LaneQueue::Rekey(JobId id, Key key) {
  Entry& e = jobs_[id];
  lanes_[e.lane].erase({e.key.a, e.key.b, id});
  e.key = key;
  lanes_[e.lane].emplace(key.a, key.b, id);
}

void LaneQueue::RemovePending(JobId id) {
  Entry& e = jobs_[id];
  lanes_[e.lane].erase({e.key.a, e.key.b, id});
  e.pending = false;
  --pending_;
}

void LaneQueue::AddRunning(JobId id) {
  Entry& e = jobs_[id];
  e.running = true;
  e.running_pos = static_cast<uint32_t>(running_.size());
  running_.push_back(id);
  ++running_version_;
}

void LaneQueue::OnStop(JobId id, bool completed) {
  Entry& e = jobs_[id];
  if (e.running) {
    const JobId last = running_.back();
    running_[e.running_pos] = last;
    jobs_[last].running_pos = e.running_pos;
    running_.pop_back();
    e.running = false;
    ++running_version_;
  }
  Stopped(id, completed);
}

void LaneQueue::Schedule(SchedulingContext& ctx) {
  ++pass_;
  BeginPass(ctx);
  if (pending_ == 0) return;
  blocked_.assign(lanes_.size(), 0);
  // Every preemption evicts a job strictly less urgent than the one it makes room for, so a
  // pass cannot cycle; the budget is a second line of defence against a policy whose
  // MayPreempt is not a strict order.
  size_t preemption_budget = running_.size() + 64;
  while (true) {
    if (blocked_.size() < lanes_.size()) blocked_.resize(lanes_.size(), 0);  // a victim's lane
    int best = -1;
    Key best_key;
    JobId best_id = 0;
    for (uint32_t l = 0; l < lanes_.size(); ++l) {
      if (blocked_[l] || lanes_[l].empty()) continue;
      const auto& [a, b, id] = *lanes_[l].begin();
      const Key k = HeadKey(ctx, id, Key{a, b});
      if (best < 0 || k < best_key || (k == best_key && id < best_id)) {
        best = static_cast<int>(l);
        best_key = k;
        best_id = id;
      }
    }
    if (best < 0) return;
    const uint32_t lane = static_cast<uint32_t>(best);
    if (!Admissible(ctx, best_id)) {
      blocked_[lane] = 1;
      continue;
    }
    bool started = ctx.TryStart(best_id);
    if (!started && preemption_budget > 0) {
      const uint64_t before = policy_preemptions_;
      started = TryPreempt(ctx, best_id);
      const uint64_t used = policy_preemptions_ - before;
      preemption_budget = used >= preemption_budget ? 0 : preemption_budget - used;
    }
    if (!started) {
      blocked_[lane] = 1;
      continue;
    }
    RemovePending(best_id);
    AddRunning(best_id);
    Started(ctx, best_id);
  }
}

bool LaneQueue::TryPreempt(SchedulingContext& ctx, JobId id) {
  candidates_.clear();
  if (threshold_preemption()) {
    if (PreemptThreshold(ctx, id) >= VictimScoreBound(ctx)) return false;
    // Scores are computed once per pass. Jobs started later in the same pass are not in the
    // list, and need not be: the pass takes heads in key order, so a job it started is never
    // strictly less urgent than a later head. Jobs preempted since are skipped.
    if (scored_pass_ != pass_) {
      scored_.clear();
      for (JobId r : running_) {
        // Rank = -score: the highest score first.
        scored_.push_back({-VictimScore(ctx, r), static_cast<int64_t>(ctx.PreemptionLoss(r)), r});
      }
      scored_pass_ = pass_;
    }
    const double limit = -PreemptThreshold(ctx, id);
    for (const Candidate& c : scored_) {
      if (c.rank < limit && jobs_[c.id].running) candidates_.push_back(c);
    }
  } else {
    if (!MayPreemptAny(ctx, id)) return false;
    for (JobId r : running_) {
      if (!MayPreempt(ctx, id, r)) continue;
      const GpuTime loss = ctx.PreemptionLoss(r);
      candidates_.push_back({VictimRank(ctx, r), static_cast<int64_t>(loss), r});
    }
  }
  if (candidates_.empty()) return false;
  // Necessary condition, O(candidates): free GPUs plus everything the candidates hold must
  // cover the gang (fragmentation can still defeat it; FitsIfPreempted decides).
  uint64_t could_free = ctx.FreeGpusFor(id);
  for (const Candidate& c : candidates_) could_free += jobs_[c.id].view.gpus;
  if (could_free < jobs_[id].view.gpus) return false;
  // Victims are usually few: rank only the best k candidates (growing k until they make
  // room) instead of sorting them all; the simulator then picks, node by node, the victims
  // that free room with the least valuable jobs (ChooseVictims).
  size_t k = std::min<size_t>(candidates_.size(), 8);
  while (true) {
    if (k < candidates_.size()) {
      std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k),
                       candidates_.end());
    }
    std::sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k));
    ranked_.clear();
    for (size_t i = 0; i < k; ++i) ranked_.push_back(candidates_[i].id);
    if (ctx.ChooseVictims(id, ranked_, &victims_)) break;
    if (k == candidates_.size()) return false;
    k = std::min(candidates_.size(), k * 4);
  }
  if (victims_.empty()) return ctx.TryStart(id);  // it fits after all
  const std::vector<JobId> evict = victims_;  // Preempt re-enters Enqueue/OnStop
  for (JobId v : evict) {
    ctx.Preempt(v);
    ++policy_preemptions_;
  }
  return ctx.TryStart(id);
}

}  // namespace burnrate
