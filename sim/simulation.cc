#include "sim/simulation.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "scheduler/registry.h"
#include "sim/event_queue.h"
#include "sim/metrics.h"
#include "sim/model/calendar.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

// A workload source hands out jobs in submit order: the inline job list (sorted), or one
// Poisson generator with its own random stream.
struct Source {
  const GeneratorSpec* generator = nullptr;  // null: the inline job list
  std::vector<uint32_t> inline_order;        // indexes into scenario.jobs, by submit time
  size_t next_inline = 0;
  Rng rng{0};
  std::unique_ptr<DiscreteDistribution> gpu_dist;
  uint64_t emitted = 0;
  SimTime next_time = 0;  // time of the pending arrival
};

struct Job {
  JobView view;
  uint32_t source = 0;
  uint32_t index_in_source = 0;  // inline: index into scenario.jobs; generator: sequence number
  int32_t pool = -1;
  SimTime start = -1;
  SimTime end = -1;
  Duration runtime = 0;
  Placement placement;
};

struct JobClass {
  JobClassView view;
  std::vector<uint32_t> pools;  // eligible pools, scenario order
};

// Integrates allocated GPUs over time per pool and calendar month. O(1) amortised per change.
class Ledger {
 public:
  Ledger(size_t pools, const std::vector<MonthSpan>& months)
      : months_(months), pools_(pools) {
    for (auto& p : pools_) p.allocated.assign(months.size(), 0);
  }
  // Accounts the current allocation of `pool` up to `t`, then sets it to `allocated`.
  void Set(uint32_t pool, SimTime t, uint64_t allocated) {
    Advance(pool, t);
    pools_[pool].gpus = allocated;
  }
  void Advance(uint32_t pool, SimTime t) {
    PoolLedger& p = pools_[pool];
    while (p.month < months_.size() && t >= months_[p.month].end) {
      p.allocated[p.month] += static_cast<GpuTime>(p.gpus) * (months_[p.month].end - p.last);
      p.last = months_[p.month].end;
      ++p.month;
    }
    if (p.month < months_.size()) {
      p.allocated[p.month] += static_cast<GpuTime>(p.gpus) * (t - p.last);
      p.last = t;
    }
  }
  uint64_t gpus(uint32_t pool) const { return pools_[pool].gpus; }
  GpuTime allocated(uint32_t pool, size_t month) const { return pools_[pool].allocated[month]; }

 private:
  struct PoolLedger {
    uint64_t gpus = 0;  // allocated now
    SimTime last = 0;
    size_t month = 0;
    std::vector<GpuTime> allocated;  // per month
  };
  const std::vector<MonthSpan>& months_;
  std::vector<PoolLedger> pools_;
};

std::vector<ClusterState::PoolShape> Shapes(const ScenarioModel& s) {
  std::vector<ClusterState::PoolShape> out;
  for (const PoolSpec& p : s.pools) out.push_back({p.gpus_per_node, p.nodes, p.rack_size});
  return out;
}

class World final : public SchedulingContext {
 public:
  World(const ScenarioModel& scenario, uint64_t seed, const RunOptions& options,
        std::unique_ptr<QueuePolicy> queue, std::unique_ptr<PlacementPolicy> placement)
      : sc_(scenario),
        seed_(seed),
        options_(options),
        cluster_(Shapes(scenario)),
        events_(options.reference_event_queue ? NewSetEventQueue() : NewHeapEventQueue()),
        queue_(std::move(queue)),
        placement_(std::move(placement)),
        months_(MonthsInHorizon(scenario.start_unix_s, scenario.horizon)),
        ledger_(scenario.pools.size(), months_) {}

  absl::Status Run();
  RunOutput Finish(const PolicySpec& policy);

  // SchedulingContext.
  SimTime now() const override { return now_; }
  const JobView& job(JobId id) const override { return jobs_[id].view; }
  const JobClassView& job_class(uint32_t c) const override { return classes_[c].view; }
  bool ClassFits(uint32_t c) const override {
    const JobClass& cls = classes_[c];
    for (uint32_t pool : cls.pools) {
      if (cluster_.Fits(pool, cls.view.gpus)) return true;
    }
    return false;
  }
  bool TryStart(JobId id) override;
  SimTime EarliestFit(JobId id) override;

 private:
  void InitSources();
  void ScheduleNextArrival(uint32_t source);
  void OnArrival(uint32_t source);
  void OnComplete(JobId id);
  void OnSample();
  void RequestPass() {
    if (!pass_pending_) {
      events_->Schedule(now_, Phase::kSchedule, EventKind::kSchedule, 0);
      pass_pending_ = true;
    }
  }
  uint32_t ClassOf(uint32_t gpus, const std::string& gpu_type);
  Duration SampleDuration(Source& src);
  absl::Status CheckInvariants(const Event& e) const;

  const ScenarioModel& sc_;
  const uint64_t seed_;
  const RunOptions options_;
  ClusterState cluster_;
  std::unique_ptr<EventQueue> events_;
  std::unique_ptr<QueuePolicy> queue_;
  std::unique_ptr<PlacementPolicy> placement_;
  std::vector<MonthSpan> months_;
  Ledger ledger_;

  SimTime now_ = 0;
  uint64_t event_count_ = 0;
  bool pass_pending_ = false;
  std::vector<Source> sources_;
  std::vector<Job> jobs_;
  std::vector<JobClass> classes_;
  std::map<std::pair<uint32_t, std::string>, uint32_t> class_index_;
  std::set<std::pair<SimTime, JobId>> running_by_end_;
  Placement scratch_;

  // Time series.
  std::vector<double> ts_time_s_;
  std::vector<uint32_t> ts_allocated_, ts_queued_, ts_running_;
};

void World::InitSources() {
  // Source 0: the inline jobs, stably sorted by submit time.
  Source inline_src;
  inline_src.inline_order.resize(sc_.jobs.size());
  for (uint32_t i = 0; i < sc_.jobs.size(); ++i) inline_src.inline_order[i] = i;
  std::stable_sort(inline_src.inline_order.begin(), inline_src.inline_order.end(),
                   [&](uint32_t a, uint32_t b) { return sc_.jobs[a].submit < sc_.jobs[b].submit; });
  sources_.push_back(std::move(inline_src));
  for (size_t g = 0; g < sc_.generators.size(); ++g) {
    Source src;
    src.generator = &sc_.generators[g];
    // Stream g+1 of the run's seed: adding a generator does not change the others' draws.
    src.rng = Rng::ForStream(seed_, g + 1);
    src.gpu_dist = std::make_unique<DiscreteDistribution>(src.generator->gpu_weights);
    src.next_time = src.generator->start;
    sources_.push_back(std::move(src));
  }
  for (uint32_t s = 0; s < sources_.size(); ++s) ScheduleNextArrival(s);
}

void World::ScheduleNextArrival(uint32_t s) {
  Source& src = sources_[s];
  SimTime t;
  if (src.generator == nullptr) {
    if (src.next_inline >= src.inline_order.size()) return;
    t = sc_.jobs[src.inline_order[src.next_inline]].submit;
  } else {
    const GeneratorSpec& g = *src.generator;
    if (g.max_jobs > 0 && src.emitted >= g.max_jobs) return;
    const double mean_gap_s = 3600.0 / g.arrivals_per_hour;
    const double gap_s = src.rng.Exponential(mean_gap_s);
    const double t_s = TimeToSeconds(src.next_time) + gap_s;
    const SimTime end = std::min(g.end, sc_.horizon);
    if (t_s >= TimeToSeconds(end)) return;
    t = std::min(SecondsToTime(t_s), end - 1);
    src.next_time = t;
  }
  if (t >= sc_.horizon) return;
  events_->Schedule(t, Phase::kArrive, EventKind::kArrival, s);
}

Duration World::SampleDuration(Source& src) {
  const DurationDist& d = src.generator->duration;
  double s = 0;
  switch (d.kind) {
    case DurationDist::Kind::kConstant:
      s = d.constant_s;
      break;
    case DurationDist::Kind::kExponential:
      s = src.rng.Exponential(d.mean_s);
      break;
    case DurationDist::Kind::kLognormal:
      s = src.rng.Lognormal(d.median_s, d.sigma);
      break;
    case DurationDist::Kind::kEmpirical:
      s = d.samples_s[src.rng.UniformInt(d.samples_s.size())];
      break;
  }
  if (d.min_s > 0) s = std::max(s, d.min_s);
  if (d.max_s > 0) s = std::min(s, d.max_s);
  // At most ~100 years, at least 1 us: keeps every sum of times inside int64.
  s = std::min(s, 100.0 * 365 * 86400);
  return std::max<Duration>(1, SecondsToTime(s));
}

uint32_t World::ClassOf(uint32_t gpus, const std::string& gpu_type) {
  auto [it, inserted] = class_index_.try_emplace({gpus, gpu_type},
                                                 static_cast<uint32_t>(classes_.size()));
  if (inserted) {
    JobClass cls;
    cls.view.gpus = gpus;
    double min_speed = 0;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      if (!gpu_type.empty() && sc_.pools[p].gpu_type != gpu_type) continue;
      // Only pools that can hold the gang at all: a smaller pool must neither cost fit checks
      // nor make backfill's run-time estimate (the slowest eligible speed) pessimistic.
      if (cluster_.total_gpus(p) < gpus) continue;
      cls.pools.push_back(p);
      const double speed = sc_.pools[p].training_speed;
      if (min_speed == 0 || speed < min_speed) min_speed = speed;
    }
    cls.view.min_speed = min_speed > 0 ? min_speed : 1.0;
    classes_.push_back(std::move(cls));
  }
  return it->second;
}

void World::OnArrival(uint32_t s) {
  Source& src = sources_[s];
  const JobId id = static_cast<JobId>(jobs_.size());
  Job job;
  job.source = s;
  if (src.generator == nullptr) {
    const uint32_t index = src.inline_order[src.next_inline++];
    const JobSpec& spec = sc_.jobs[index];
    job.index_in_source = index;
    job.view.gpus = spec.gpus;
    job.view.duration_ref = spec.duration;
    job.view.priority = spec.priority;
    job.view.class_id = ClassOf(spec.gpus, spec.gpu_type);
  } else {
    const GeneratorSpec& g = *src.generator;
    job.index_in_source = static_cast<uint32_t>(src.emitted++);
    job.view.gpus = g.gpu_values[src.gpu_dist->Sample(src.rng)];
    job.view.duration_ref = SampleDuration(src);
    job.view.priority = g.priority;
    job.view.class_id = ClassOf(job.view.gpus, g.gpu_type);
  }
  job.view.submit = now_;
  jobs_.push_back(std::move(job));
  queue_->Enqueue(id, jobs_[id].view);
  RequestPass();
  ScheduleNextArrival(s);
}

bool World::TryStart(JobId id) {
  Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  if (!placement_->Place(cluster_, cls.pools, job.view.gpus, &scratch_)) return false;
  const uint32_t pool = cluster_.pool_of(scratch_.front().node);
  cluster_.Allocate(scratch_);
  ledger_.Set(pool, now_, ledger_.gpus(pool) + job.view.gpus);
  job.placement = scratch_;
  job.pool = static_cast<int32_t>(pool);
  job.start = now_;
  job.runtime = Runtime(job.view.duration_ref, sc_.pools[pool].training_speed);
  const SimTime end = now_ + job.runtime;
  events_->Schedule(end, Phase::kRelease, EventKind::kComplete, id);
  running_by_end_.emplace(end, id);
  return true;
}

void World::OnComplete(JobId id) {
  Job& job = jobs_[id];
  const uint32_t pool = static_cast<uint32_t>(job.pool);
  cluster_.Release(job.placement);
  ledger_.Set(pool, now_, ledger_.gpus(pool) - job.view.gpus);
  job.end = now_;
  running_by_end_.erase({now_, id});
  RequestPass();
}

SimTime World::EarliestFit(JobId id) {
  // Replays the expected completions of running jobs, in end-time order, over a scratch copy
  // of the touched nodes' free counts, until the job's gang fits in one of its pools. Per pool
  // it tracks the number of whole free nodes and of partially free nodes with room for the
  // remainder, so each replayed share costs O(1).
  const Job& job = jobs_[id];
  const JobClass& cls = classes_[job.view.class_id];
  const uint32_t gpus = job.view.gpus;
  struct PoolCounts {
    uint32_t gpn = 0, whole = 0, rest = 0;
    uint64_t full = 0, partial = 0;  // nodes with free == gpn; nodes with rest <= free < gpn
    bool Fits() const {
      if (gpus_le_gpn()) return full + partial >= 1;
      if (full < whole) return false;
      return rest == 0 || full > whole || partial >= 1;
    }
    bool gpus_le_gpn() const { return whole == 0; }
  };
  absl::flat_hash_map<uint32_t, PoolCounts> pools;
  for (uint32_t p : cls.pools) {
    PoolCounts pc;
    pc.gpn = cluster_.gpus_per_node(p);
    pc.whole = gpus <= pc.gpn ? 0 : gpus / pc.gpn;
    pc.rest = gpus <= pc.gpn ? gpus : gpus % pc.gpn;
    pc.full = cluster_.BucketSize(p, pc.gpn);
    for (uint32_t k = std::max<uint32_t>(pc.rest, 1); k < pc.gpn; ++k) {
      pc.partial += cluster_.BucketSize(p, k);
    }
    if (pc.Fits()) return now_;
    pools.emplace(p, pc);
  }
  absl::flat_hash_map<NodeId, uint32_t> free;
  for (const auto& [end, running] : running_by_end_) {
    for (const NodeShare& share : jobs_[running].placement) {
      const uint32_t p = cluster_.pool_of(share.node);
      auto pit = pools.find(p);
      if (pit == pools.end()) continue;
      PoolCounts& pc = pit->second;
      auto [fit, inserted] = free.try_emplace(share.node, cluster_.free_on(share.node));
      const uint32_t a = fit->second, b = a + share.gpus;
      fit->second = b;
      const auto partial_of = [&](uint32_t x) { return x >= pc.rest && x > 0 && x < pc.gpn; };
      // Counts move by -1, 0 or +1; unsigned wrap-around cancels exactly.
      pc.full += static_cast<uint64_t>(b == pc.gpn) - static_cast<uint64_t>(a == pc.gpn);
      pc.partial += static_cast<uint64_t>(partial_of(b)) - static_cast<uint64_t>(partial_of(a));
      if (pc.Fits()) return end;
    }
  }
  return kTimeInfinity;
}

void World::OnSample() {
  uint64_t allocated = 0;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) allocated += cluster_.allocated_gpus(p);
  ts_time_s_.push_back(TimeToSeconds(now_));
  ts_allocated_.push_back(static_cast<uint32_t>(allocated));
  ts_queued_.push_back(static_cast<uint32_t>(queue_->size()));
  ts_running_.push_back(static_cast<uint32_t>(running_by_end_.size()));
  const SimTime next = now_ + sc_.sample_interval;
  if (next < sc_.horizon) events_->Schedule(next, Phase::kObserve, EventKind::kSample, 0);
}

absl::Status World::CheckInvariants(const Event& e) const {
  const auto fail = [&](const std::string& what) {
    return absl::InternalError(absl::StrCat("invariant broken after event #", event_count_,
                                            " (kind ", static_cast<int>(e.kind), ", payload ",
                                            e.payload, ") at t=", TimeToSeconds(e.time),
                                            " s: ", what));
  };
  if (absl::Status s = cluster_.CheckInvariants(); !s.ok()) return fail(std::string(s.message()));
  std::vector<uint64_t> held(sc_.pools.size(), 0);
  for (const auto& [end, id] : running_by_end_) {
    const Job& j = jobs_[id];
    uint32_t sum = 0;
    for (const NodeShare& s : j.placement) {
      sum += s.gpus;
      if (cluster_.pool_of(s.node) != static_cast<uint32_t>(j.pool)) {
        return fail(absl::StrCat("job ", id, " holds a node outside its pool"));
      }
    }
    if (sum != j.view.gpus) {
      return fail(absl::StrCat("job ", id, " holds ", sum, " GPUs, its gang is ", j.view.gpus));
    }
    if (end < now_) return fail(absl::StrCat("job ", id, " is still running past its end"));
    held[static_cast<size_t>(j.pool)] += sum;
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    if (held[p] != cluster_.allocated_gpus(p) || held[p] != ledger_.gpus(p)) {
      return fail(absl::StrCat("pool ", sc_.pools[p].name, ": running jobs hold ", held[p],
                               " GPUs, cluster counts ", cluster_.allocated_gpus(p),
                               ", ledger counts ", ledger_.gpus(p)));
    }
  }
  return absl::OkStatus();
}

absl::Status World::Run() {
  InitSources();
  if (sc_.sample_interval > 0) events_->Schedule(0, Phase::kObserve, EventKind::kSample, 0);
  Event e;
  while (events_->PopNext(&e)) {
    // The horizon is exclusive for everything but completions: a job ending exactly at the
    // horizon has held its GPUs for [start, horizon) and is done. (Completions run first
    // among events at one time, so this stops at the first other event at the horizon.)
    if (e.time > sc_.horizon || (e.time == sc_.horizon && e.kind != EventKind::kComplete)) break;
    if (e.time < now_) {
      return absl::InternalError(absl::StrCat("time went back from ", now_, " to ", e.time));
    }
    now_ = e.time;
    ++event_count_;
    switch (e.kind) {
      case EventKind::kArrival:
        OnArrival(e.payload);
        break;
      case EventKind::kComplete:
        OnComplete(e.payload);
        break;
      case EventKind::kSchedule:
        pass_pending_ = false;
        queue_->Schedule(*this);
        break;
      case EventKind::kSample:
        OnSample();
        break;
      case EventKind::kTest:
        break;
    }
    if (options_.check_invariants) {
      if (absl::Status s = CheckInvariants(e); !s.ok()) return s;
    }
    if ((event_count_ & 0xFFFF) == 0 && options_.progress) {
      options_.progress(Progress{now_, sc_.horizon, event_count_});
    }
  }
  now_ = sc_.horizon;
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) ledger_.Advance(p, sc_.horizon);
  return absl::OkStatus();
}

RunOutput World::Finish(const PolicySpec& policy) {
  RunOutput out;
  v1::RunResult& r = out.result;
  r.set_policy(policy.Name());
  r.set_seed(static_cast<uint32_t>(seed_));

  // Money and utilisation, per pool and month: integers until the very end.
  GpuTime prov_total = 0, alloc_total = 0;
  Money cost_total = 0, idle_total = 0;
  std::vector<GpuTime> pool_prov(sc_.pools.size(), 0), pool_alloc(sc_.pools.size(), 0);
  std::vector<Money> pool_cost(sc_.pools.size(), 0), pool_idle(sc_.pools.size(), 0);
  for (size_t m = 0; m < months_.size(); ++m) {
    v1::MonthResult* mr = r.add_monthly();
    mr->set_month(months_[m].label);
    GpuTime mprov = 0, malloc = 0;
    Money mcost = 0, midle = 0;
    for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
      const PoolSpec& ps = sc_.pools[p];
      const GpuTime prov = static_cast<GpuTime>(cluster_.total_gpus(p)) *
                           (months_[m].end - months_[m].begin);
      const GpuTime alloc = ledger_.allocated(p, m);
      // Fixed pools are provisioned for the whole horizon under both pricing models; reserved
      // capacity is paid used or not, on-demand per second while provisioned.
      const Money cost = CostOf(prov, ps.price);
      const Money idle = cost - CostOf(alloc, ps.price);
      v1::PoolMonthResult* pm = mr->add_pools();
      pm->set_pool(ps.name);
      pm->set_cost_usd(MoneyToDollars(cost));
      pm->set_idle_cost_usd(MoneyToDollars(idle));
      pm->set_gpu_hours_provisioned(GpuTimeToHours(prov));
      pm->set_gpu_hours_allocated(GpuTimeToHours(alloc));
      mprov += prov;
      malloc += alloc;
      mcost += cost;
      midle += idle;
      pool_prov[p] += prov;
      pool_alloc[p] += alloc;
      pool_cost[p] += cost;
      pool_idle[p] += idle;
    }
    mr->set_cost_usd(MoneyToDollars(mcost));
    mr->set_idle_cost_usd(MoneyToDollars(midle));
    mr->set_gpu_hours_provisioned(GpuTimeToHours(mprov));
    mr->set_gpu_hours_allocated(GpuTimeToHours(malloc));
    mr->set_gpu_utilization(mprov > 0 ? static_cast<double>(malloc) / static_cast<double>(mprov)
                                      : 0.0);
    prov_total += mprov;
    alloc_total += malloc;
    cost_total += mcost;
    idle_total += midle;
  }
  for (uint32_t p = 0; p < sc_.pools.size(); ++p) {
    const PoolSpec& ps = sc_.pools[p];
    v1::PoolResult* pr = r.add_pools();
    pr->set_name(ps.name);
    pr->set_gpu_type(ps.gpu_type);
    pr->set_pricing(PricingModelName(ps.pricing));
    pr->set_gpus(static_cast<uint32_t>(cluster_.total_gpus(p)));
    pr->set_cost_usd(MoneyToDollars(pool_cost[p]));
    pr->set_idle_cost_usd(MoneyToDollars(pool_idle[p]));
    pr->set_gpu_hours_provisioned(GpuTimeToHours(pool_prov[p]));
    pr->set_gpu_hours_allocated(GpuTimeToHours(pool_alloc[p]));
    pr->set_gpu_utilization(pool_prov[p] > 0 ? static_cast<double>(pool_alloc[p]) /
                                                   static_cast<double>(pool_prov[p])
                                             : 0.0);
  }

  // Service metrics.
  JobStats all;
  std::map<uint32_t, JobStats> by_size;
  for (const Job& j : jobs_) {
    JobStats& size_stats = by_size[j.view.gpus];
    for (JobStats* st : {&all, &size_stats}) {
      st->Add(j.view.submit, j.start, j.end, sc_.horizon);
    }
  }
  v1::Summary* s = r.mutable_summary();
  all.FillSummary(s);
  s->set_gpu_utilization(prov_total > 0 ? static_cast<double>(alloc_total) /
                                              static_cast<double>(prov_total)
                                        : 0.0);
  s->set_gpu_hours_provisioned(GpuTimeToHours(prov_total));
  s->set_gpu_hours_allocated(GpuTimeToHours(alloc_total));
  s->set_gpu_hours_idle(GpuTimeToHours(prov_total - alloc_total));
  s->set_total_cost_usd(MoneyToDollars(cost_total));
  s->set_idle_cost_usd(MoneyToDollars(idle_total));
  s->set_cost_per_allocated_gpu_hour_usd(
      alloc_total > 0 ? MoneyToDollars(cost_total) / GpuTimeToHours(alloc_total) : 0.0);
  s->set_events(event_count_);
  for (auto& [gpus, st] : by_size) {
    v1::SizeClassResult* sr = r.add_by_gpu_count();
    sr->set_gpus(gpus);
    st.FillSizeClass(sr);
  }

  v1::TimeSeries* ts = r.mutable_timeseries();
  ts->set_interval_s(TimeToSeconds(sc_.sample_interval));
  *ts->mutable_time_s() = {ts_time_s_.begin(), ts_time_s_.end()};
  *ts->mutable_allocated_gpus() = {ts_allocated_.begin(), ts_allocated_.end()};
  *ts->mutable_queued_jobs() = {ts_queued_.begin(), ts_queued_.end()};
  *ts->mutable_running_jobs() = {ts_running_.begin(), ts_running_.end()};

  if (options_.keep_job_records) {
    out.jobs.reserve(jobs_.size());
    for (const Job& j : jobs_) {
      JobRecord rec;
      const Source& src = sources_[j.source];
      if (src.generator == nullptr) {
        const JobSpec& spec = sc_.jobs[j.index_in_source];
        rec.name = spec.name;
        rec.tenant = spec.tenant;
      } else {
        rec.name = absl::StrCat(src.generator->name, "-", j.index_in_source);
        rec.tenant = src.generator->tenant;
      }
      rec.gpus = j.view.gpus;
      rec.priority = j.view.priority;
      rec.submit_s = TimeToSeconds(j.view.submit);
      if (j.pool >= 0) {
        rec.pool = sc_.pools[static_cast<size_t>(j.pool)].name;
        rec.start_s = TimeToSeconds(j.start);
        rec.runtime_s = TimeToSeconds(j.runtime);
        rec.nodes = static_cast<uint32_t>(j.placement.size());
      } else {
        rec.runtime_s = TimeToSeconds(j.view.duration_ref);
      }
      if (j.end >= 0) rec.finish_s = TimeToSeconds(j.end);
      out.jobs.push_back(std::move(rec));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<RunOutput> Simulate(const ScenarioModel& scenario, const PolicySpec& policy,
                                   uint64_t seed, const RunOptions& options) {
  auto queue = MakeQueuePolicy(policy.queue);
  if (!queue.ok()) return absl::InvalidArgumentError(queue.status().message());
  auto placement = MakePlacementPolicy(policy.placement);
  if (!placement.ok()) return absl::InvalidArgumentError(placement.status().message());
  World world(scenario, seed, options, *std::move(queue), *std::move(placement));
  if (absl::Status s = world.Run(); !s.ok()) return s;
  return world.Finish(policy);
}

absl::StatusOr<ScenarioOutput> SimulateAll(const ScenarioModel& scenario,
                                           const std::vector<PolicySpec>& policies, uint64_t seed,
                                           const RunOptions& options) {
  ScenarioOutput out;
  out.results.set_scenario(scenario.name);
  out.results.set_start(FormatUtcTimestamp(scenario.start_unix_s));
  out.results.set_horizon_s(TimeToSeconds(scenario.horizon));
  const std::vector<PolicySpec>& list = policies.empty() ? scenario.policies : policies;
  for (const PolicySpec& p : list) {
    auto run = Simulate(scenario, p, seed, options);
    if (!run.ok()) return run.status();
    *out.results.add_runs() = std::move(run->result);
    if (options.keep_job_records) out.jobs.push_back(std::move(run->jobs));
  }
  return out;
}

}  // namespace burnrate
