// Tenant-fair queues.
//
// fair-share: each tenant is entitled to its quota (Tenant.quota_gpus) or, without one, to its
// weighted share of the online GPUs left after quotas, among tenants with work (pending or
// running). The tenant furthest below its entitlement (held GPUs / entitled GPUs) goes first;
// FIFO within a tenant. Idle GPUs are lent: a tenant may exceed its entitlement (up to
// Tenant.max_gpus) when nobody else wants them. A job whose tenant would still be within its
// entitlement reclaims lent GPUs by preempting jobs of tenants above theirs (the most
// over-entitled tenant first, then the least lost work) - the YARN capacity scheduler's and
// Kueue's cohort borrowing and reclaim.
//
// drf: dominant resource fairness (Ghodsi et al., NSDI'11) over GPU, CPU and memory: the
// tenant with the smallest weighted dominant share (max over resources of held / online
// capacity, divided by its weight) goes first. Not preemptive unless `preempt` is set; then a
// job may evict jobs of tenants whose dominant share exceeds its tenant's share after it starts.
//
// Lanes are (job class, tenant) pairs, so a pass compares O(classes x tenants) heads.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "scheduler/lane_queue.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

class TenantFair final : public LaneQueue {
 public:
  enum class Mode { kFairShare, kDrf };
  TenantFair(Mode mode, bool preempt) : mode_(mode), preempt_(preempt) {}
  std::string_view name() const override {
    return mode_ == Mode::kFairShare ? "fair-share" : "drf";
  }

 protected:
  uint32_t LaneOf(const JobView& job) override {
    const uint64_t k = (uint64_t{job.class_id} << 32) | job.tenant;
    auto [it, fresh] = lane_ids_.try_emplace(k, static_cast<uint32_t>(lane_ids_.size()));
    return it->second;
  }
  Key PendingKey(JobId, const JobView& job) override {
    Grow(job.tenant);
    ++tenants_[job.tenant].pending;
    return {0, 0};  // FIFO within a tenant's lane
  }
  Key HeadKey(SchedulingContext&, JobId head, Key) override {
    // Shares as keys: clamped so that a tiny weight cannot overflow the integer.
    return {static_cast<int64_t>(std::min(Share(view(head).tenant), 1e9) * 1e9), 0};
  }
  bool Admissible(SchedulingContext& ctx, JobId head) override {
    const JobView& v = view(head);
    const uint64_t limit = ctx.tenant(v.tenant).max_gpus;
    return limit == 0 || tenants_[v.tenant].gpus + v.gpus <= limit;
  }
  bool MayPreempt(SchedulingContext&, JobId pending, JobId victim) override {
    if (!preempt_) return false;
    const JobView& p = view(pending);
    const uint32_t tv = view(victim).tenant;
    if (tv == p.tenant) return false;
    if (mode_ == Mode::kFairShare) {
      return WithinEntitlement(p) && static_cast<double>(tenants_[tv].gpus) > entitled_[tv];
    }
    // Strictly better off after the swap than the victim's tenant will be: the victim's tenant
    // then cannot evict it back (no ping-pong).
    const JobView& v = view(victim);
    return DominantShare(p.tenant, p.gpus, p.cpus, p.memory_gb) <
           DominantShareAfter(tv, v.gpus, v.cpus, v.memory_gb);
  }
  // O(tenants): a job may reclaim only while its tenant stays within its entitlement (drf:
  // below some other tenant's dominant share), and only if some other tenant is above its own.
  bool MayPreemptAny(SchedulingContext&, JobId pending) override {
    if (!preempt_) return false;
    const JobView& p = view(pending);
    if (mode_ == Mode::kFairShare && !WithinEntitlement(p)) return false;
    const double mine = DominantShare(p.tenant, p.gpus, p.cpus, p.memory_gb);
    for (uint32_t t = 0; t < tenants_.size(); ++t) {
      if (t == p.tenant || tenants_[t].gpus == 0) continue;
      if (mode_ == Mode::kFairShare ? static_cast<double>(tenants_[t].gpus) > entitled_[t]
                                    : DominantShare(t, 0, 0, 0) > mine) {
        return true;
      }
    }
    return false;
  }
  double VictimRank(SchedulingContext&, JobId victim) override {
    return -Share(view(victim).tenant);  // the most over-served tenant first
  }
  void BeginPass(SchedulingContext& ctx) override {
    totals_ = ctx.online_capacity();
    for (uint32_t t = 0; t < ctx.tenant_count(); ++t) Grow(t);
    weights_.resize(tenants_.size());
    for (uint32_t t = 0; t < tenants_.size(); ++t) weights_[t] = ctx.tenant(t).weight;
    if (mode_ != Mode::kFairShare) return;
    // Entitlements: quotas first, the rest split by weight among active tenants without one.
    entitled_.assign(tenants_.size(), 0);
    double quota_sum = 0, weight_sum = 0;
    for (uint32_t t = 0; t < tenants_.size(); ++t) {
      if (!Active(t)) continue;
      const TenantView& tv = ctx.tenant(t);
      if (tv.quota_gpus > 0) {
        quota_sum += static_cast<double>(tv.quota_gpus);
      } else {
        weight_sum += tv.weight;
      }
    }
    const double rest = std::max(0.0, static_cast<double>(totals_.gpus) - quota_sum);
    for (uint32_t t = 0; t < tenants_.size(); ++t) {
      const TenantView& tv = ctx.tenant(t);
      if (tv.quota_gpus > 0) {
        entitled_[t] = static_cast<double>(tv.quota_gpus);
      } else if (Active(t) && weight_sum > 0) {
        entitled_[t] = rest * tv.weight / weight_sum;
      }
    }
  }
  void Started(SchedulingContext&, JobId id) override {
    const JobView& v = view(id);
    TenantUse& u = tenants_[v.tenant];
    --u.pending;
    u.gpus += v.gpus;
    u.cpus += v.cpus;
    u.memory_gb += v.memory_gb;
  }
  void Stopped(JobId id, bool) override {
    const JobView& v = view(id);
    TenantUse& u = tenants_[v.tenant];
    u.gpus -= v.gpus;
    u.cpus -= v.cpus;
    u.memory_gb -= v.memory_gb;
  }

 private:
  struct TenantUse {
    uint64_t gpus = 0;
    double cpus = 0;
    double memory_gb = 0;
    uint64_t pending = 0;
  };
  void Grow(uint32_t t) {
    if (t >= tenants_.size()) tenants_.resize(static_cast<size_t>(t) + 1);
  }
  // A job may reclaim only while its tenant stays within its entitlement. (Letting a tenant
  // that holds nothing reclaim for a gang wider than its entitlement would make the evicted
  // tenant, now holding nothing, evict it back: a livelock. Such a gang waits for free GPUs.)
  bool WithinEntitlement(const JobView& p) const {
    return static_cast<double>(tenants_[p.tenant].gpus + p.gpus) <= entitled_[p.tenant];
  }
  bool Active(uint32_t t) const { return tenants_[t].pending > 0 || tenants_[t].gpus > 0; }
  double Weight(uint32_t t) const { return t < weights_.size() ? weights_[t] : 1.0; }
  // Smaller = more deserving.
  double Share(uint32_t t) const {
    if (mode_ == Mode::kDrf) return DominantShare(t, 0, 0, 0);
    const double e = t < entitled_.size() ? entitled_[t] : 0;
    const double held = static_cast<double>(tenants_[t].gpus);
    return e > 0 ? held / e : held * 1e6 + 1e6;  // no entitlement: after everyone entitled
  }
  // Dominant share of tenant t without the given resources (after evicting a job).
  double DominantShareAfter(uint32_t t, uint32_t gpus, double cpus, double mem) const {
    const TenantUse& u = tenants_[t];
    double ds = 0;
    if (totals_.gpus > 0) {
      ds = static_cast<double>(u.gpus - std::min<uint64_t>(u.gpus, gpus)) /
           static_cast<double>(totals_.gpus);
    }
    if (totals_.cpus > 0) ds = std::max(ds, (u.cpus - cpus) / totals_.cpus);
    if (totals_.memory_gb > 0) ds = std::max(ds, (u.memory_gb - mem) / totals_.memory_gb);
    return ds / Weight(t);
  }
  double DominantShare(uint32_t t, uint32_t gpus, double cpus, double mem) const {
    const TenantUse& u = tenants_[t];
    double ds = 0;
    if (totals_.gpus > 0) {
      ds = static_cast<double>(u.gpus + gpus) / static_cast<double>(totals_.gpus);
    }
    if (totals_.cpus > 0) ds = std::max(ds, (u.cpus + cpus) / totals_.cpus);
    if (totals_.memory_gb > 0) ds = std::max(ds, (u.memory_gb + mem) / totals_.memory_gb);
    return ds / Weight(t);
  }

  const Mode mode_;
  const bool preempt_;
  absl::flat_hash_map<uint64_t, uint32_t> lane_ids_;  // lookups only: order never matters
  std::vector<TenantUse> tenants_;
  std::vector<double> entitled_;  // fair-share: GPUs, per tenant, as of the pass start
  std::vector<double> weights_;
  CapacityTotals totals_;
};

}  // namespace

std::vector<ArgSpec> FairShareArgs() {
  return {{"preempt", ArgType::kBool, "true",
           "reclaim lent GPUs by preempting jobs of tenants above their entitlement"}};
}

std::vector<ArgSpec> DrfArgs() {
  return {{"preempt", ArgType::kBool, "false",
           "evict jobs of tenants whose dominant share exceeds the starting job's tenant's"}};
}

std::unique_ptr<QueuePolicy> NewFairShareQueue(const PolicyArgs& args) {
  return std::make_unique<TenantFair>(TenantFair::Mode::kFairShare, args.Bool("preempt"));
}

std::unique_ptr<QueuePolicy> NewDrfQueue(const PolicyArgs& args) {
  return std::make_unique<TenantFair>(TenantFair::Mode::kDrf, args.Bool("preempt"));
}

}  // namespace burnrate
