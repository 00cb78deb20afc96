#include "frag/replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "frag/fragmentation.h"
#include "frag/policy.h"
#include "runner/parallel.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

// The policies' own draws (ties, random choices): the experiment's policy stream.
constexpr uint64_t kPolicyStream = 2;
// More samples than this per policy is a mistake (a step of seconds over months).
constexpr double kMaxSamples = 1e6;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Replayed {
  size_t input = 0;    // index in the input pods
  double arrival = 0;  // replay clock, s
  double run = 0;      // run time, s
  FragTask task;
};

struct Departure {
  double t;
  size_t k;  // index into the replayed pods
  bool operator>(const Departure& o) const { return t != o.t ? t > o.t : k > o.k; }
};

// One policy's replay.
class Replay {
 public:
  Replay(const FragCluster& initial, const FragMeasure& measure,
         const std::vector<Replayed>& arrivals, const FragReplayOptions& o, double end)
      : cluster_(initial),
        measure_(measure),
        meter_(&measure, cluster_),
        arrivals_(arrivals),
        o_(o),
        end_(end),
        placement_(arrivals.size()),
        waiting_(arrivals.size(), 0),
        running_(arrivals.size(), 0),
        freed_mark_(static_cast<size_t>(initial.num_nodes()), 0),
        rng_(Rng::ForStream(o.seed, kPolicyStream)) {}

  absl::StatusOr<FragReplayRun> Run(const std::string& policy_name, int32_t num_types,
                                    size_t input_pods) {
    const std::vector<int32_t> rank = FragNodeRanks(cluster_.num_nodes(), o_.seed);
    auto policy = NewFragPolicy(
        policy_name, FragPolicyContext{&cluster_, &measure_, num_types,
                                       o_.ties == FragTies::kNodeOrder ? &rank : nullptr});
    if (!policy.ok()) return policy.status();
    policy_ = policy->get();
    run_.policy = policy_name;
    run_.pods.assign(input_pods, FragReplayPodOutcome{});
    for (const Replayed& a : arrivals_) {
      run_.pods[a.input].arrival_s = a.arrival;
    }
    const bool drops = o_.max_wait_s >= 0;
    const double inf = std::numeric_limits<double>::infinity();
    size_t next_arrival = 0;
    while (true) {
      double t = inf;
      if (next_arrival < arrivals_.size()) t = arrivals_[next_arrival].arrival;
      if (!departures_.empty()) t = std::min(t, departures_.top().t);
      SkipDeadHead();
      if (drops && head_ < queue_.size()) {
        t = std::min(t, arrivals_[queue_[head_]].arrival + o_.max_wait_s);
      }
      if (!(t <= end_)) break;
      Advance(t);
      // 1. Departures.
      while (!departures_.empty() && departures_.top().t <= t) {
        const size_t k = departures_.top().k;
        departures_.pop();
        if (absl::Status s = cluster_.Release(arrivals_[k].task, placement_[k]); !s.ok()) {
          return absl::InternalError(absl::StrCat("releasing pod ", arrivals_[k].input, ": ",
                                                  s.message()));
        }
        meter_.Node(cluster_, placement_[k].node);
        running_[k] = 0;
        --running_count_;
        const auto n = static_cast<size_t>(placement_[k].node);
        if (freed_mark_[n] == 0) {
          freed_mark_[n] = 1;
          freed_.push_back(placement_[k].node);
        }
      }
      // 2. The queue, in arrival order, when capacity freed.
      if (!freed_.empty()) {
        if (waiting_count_ > 0) {
          if (absl::Status s = Scan(t); !s.ok()) return s;
        }
        for (int32_t n : freed_) freed_mark_[static_cast<size_t>(n)] = 0;
        freed_.clear();
      }
      // 3. Arrivals.
      while (next_arrival < arrivals_.size() && arrivals_[next_arrival].arrival <= t) {
        const size_t k = next_arrival++;
        ++run_.arrived;
        const GpuPlacement p = policy_->Place(cluster_, arrivals_[k].task, rng_);
        if (p.placed()) {
          if (absl::Status s = Start(k, p, t); !s.ok()) return s;
        } else {
          waiting_[k] = 1;
          ++waiting_count_;
          queue_.push_back(k);
        }
      }
      // 4. Drops: deadlines follow arrival order, so the expired pods lead the queue.
      if (drops) {
        for (size_t i = head_; i < queue_.size(); ++i) {
          const size_t k = queue_[i];
          if (waiting_[k] == 0) continue;
          if (arrivals_[k].arrival + o_.max_wait_s > t) break;
          waiting_[k] = 0;
          --waiting_count_;
          ++dead_;
          ++run_.dropped;
          FragReplayPodOutcome& out = run_.pods[arrivals_[k].input];
          out.state = FragReplayPodOutcome::kDropped;
          out.end_s = t;
        }
      }
      Compact();
      if (o_.check_invariants) {
        if (absl::Status s = Check(t); !s.ok()) return s;
      }
    }
    Advance(end_);
    run_.samples.push_back(Sample(end_));
    Finish();
    return std::move(run_);
  }

 private:
  absl::Status Start(size_t k, const GpuPlacement& p, double t) {
    const Replayed& a = arrivals_[k];
    if (absl::Status s = cluster_.Allocate(a.task, p); !s.ok()) {
      return absl::InternalError(absl::StrCat("policy ", run_.policy, " placed pod ", a.input,
                                              " where it does not fit: ", s.message()));
    }
    meter_.Node(cluster_, p.node);
    placement_[k] = p;
    running_[k] = 1;
    ++running_count_;
    ++run_.started;
    departures_.push(Departure{t + a.run, k});
    waits_.push_back(t - a.arrival);
    FragReplayPodOutcome& out = run_.pods[a.input];
    out.state = FragReplayPodOutcome::kStarted;
    out.start_s = t;
    out.end_s = t + a.run;
    out.node = p.node;
    return absl::OkStatus();
  }

  // Every waiting pod fitted no node when it was last tried, and nodes only gained capacity
  // where something departed: a waiting pod can start only if it fits one of those nodes, and
  // then the policy chooses among all nodes (the others still do not fit it).
  absl::Status Scan(double t) {
    for (size_t i = head_; i < queue_.size(); ++i) {
      const size_t k = queue_[i];
      if (waiting_[k] == 0) continue;
      const FragTask& task = arrivals_[k].task;
      bool may_fit = false;
      for (int32_t n : freed_) {
        if (cluster_.Fits(task, n)) {
          may_fit = true;
          break;
        }
      }
      if (!may_fit) continue;
      const GpuPlacement p = policy_->Place(cluster_, task, rng_);
      if (!p.placed()) continue;
      waiting_[k] = 0;
      --waiting_count_;
      ++dead_;
      if (absl::Status s = Start(k, p, t); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  void SkipDeadHead() {
    while (head_ < queue_.size() && waiting_[queue_[head_]] == 0) {
      ++head_;
      --dead_;
    }
  }

  // Drops entries of pods no longer waiting once they outnumber the waiting ones.
  void Compact() {
    SkipDeadHead();
    if (dead_ + head_ < 1024 || dead_ + head_ < waiting_count_) return;
    size_t out = 0;
    for (size_t i = head_; i < queue_.size(); ++i) {
      if (waiting_[queue_[i]] != 0) queue_[out++] = queue_[i];
    }
    queue_.resize(out);
    head_ = 0;
    dead_ = 0;
  }

  FragReplaySample Sample(double t) const {
    FragReplaySample s;
    s.t_s = t;
    const int64_t cap = cluster_.gpu_capacity_milli();
    s.allocated_gpu_milli = cluster_.gpu_allocated_milli();
    const int64_t free_milli = cap - s.allocated_gpu_milli;
    s.unallocated_pct = 100.0 * static_cast<double>(free_milli) / static_cast<double>(cap);
    const double frag_milli = meter_.total_milli_gpu();
    s.frag_gpus = frag_milli / kMilliPerGpu;
    s.frag_pct = free_milli > 0 ? 100.0 * frag_milli / static_cast<double>(free_milli) : 0.0;
    s.running = running_count_;
    s.waiting = static_cast<int64_t>(waiting_count_);
    return s;
  }

  // The state since the last instant holds over [last_, t): sample it and add it to the areas.
  void Advance(double t) {
    const FragReplaySample now = Sample(t);
    for (double s = static_cast<double>(next_sample_) * o_.sample_s; s < t;
         s = static_cast<double>(++next_sample_) * o_.sample_s) {
      FragReplaySample at = now;
      at.t_s = s;
      run_.samples.push_back(at);
    }
    const double dt = t - last_;
    if (dt > 0) {
      area_free_ += dt * static_cast<double>(cluster_.gpu_capacity_milli() -
                                             cluster_.gpu_allocated_milli());
      area_alloc_ += dt * static_cast<double>(cluster_.gpu_allocated_milli());
      area_frag_ += dt * static_cast<double>(meter_.total_numerator());
      area_frag_pct_ += dt * now.frag_pct;
    }
    last_ = t;
  }

  absl::Status Check(double t) {
    if (absl::Status s = cluster_.CheckInvariants(); !s.ok()) {
      return absl::InternalError(absl::StrCat("at ", t, " s: ", s.message()));
    }
    int64_t recount = 0;
    for (int32_t n = 0; n < cluster_.num_nodes(); ++n) {
      recount += measure_.Numerator(cluster_.node(n));
    }
    if (recount != meter_.total_numerator()) {
      return absl::InternalError(
          absl::StrCat("at ", t, " s: incremental fragmentation disagrees with a full recount"));
    }
    int64_t gpu = 0, running = 0;
    size_t waiting = 0;
    for (size_t k = 0; k < arrivals_.size(); ++k) {
      if (running_[k] != 0) {
        gpu += arrivals_[k].task.total_gpu_milli();
        ++running;
      }
      if (waiting_[k] == 0) continue;
      ++waiting;
      for (int32_t n = 0; n < cluster_.num_nodes(); ++n) {
        if (cluster_.Fits(arrivals_[k].task, n)) {
          return absl::InternalError(absl::StrCat("at ", t, " s: pod ", arrivals_[k].input,
                                                  " waits though it fits node ",
                                                  cluster_.node_name(n)));
        }
      }
    }
    if (gpu != cluster_.gpu_allocated_milli() || running != running_count_ ||
        waiting != waiting_count_) {
      return absl::InternalError(absl::StrCat(
          "at ", t, " s: running pods hold ", gpu, " milli-GPU (", running, " pods, ", waiting,
          " waiting), the cluster has ", cluster_.gpu_allocated_milli(), " allocated (",
          running_count_, " pods, ", waiting_count_, " waiting)"));
    }
    return absl::OkStatus();
  }

  void Finish() {
    run_.running_at_end = running_count_;
    run_.waiting_at_end = static_cast<int64_t>(waiting_count_);
    for (size_t k = 0; k < arrivals_.size(); ++k) {
      if (waiting_[k] != 0) run_.pods[arrivals_[k].input].state = FragReplayPodOutcome::kWaiting;
    }
    if (waits_.empty()) {
      run_.mean_wait_s = run_.p95_wait_s = run_.max_wait_s = kNaN;
    } else {
      std::vector<double> w = waits_;
      std::sort(w.begin(), w.end());
      double sum = 0;
      for (double x : w) sum += x;
      run_.mean_wait_s = sum / static_cast<double>(w.size());
      // Nearest rank: the smallest wait that at least 95% of the started pods did not exceed.
      run_.p95_wait_s = w[(95 * w.size() + 99) / 100 - 1];
      run_.max_wait_s = w.back();
    }
    const double cap = static_cast<double>(cluster_.gpu_capacity_milli());
    if (end_ > 0) {
      run_.unallocated_pct = 100.0 * area_free_ / (end_ * cap);
      run_.allocated_gpus = area_alloc_ / end_ / kMilliPerGpu;
      run_.frag_gpus = measure_.typical_count() == 0
                           ? 0.0
                           : area_frag_ / static_cast<double>(measure_.typical_count()) / end_ /
                                 kMilliPerGpu;
      run_.frag_pct = area_frag_pct_ / end_;
    } else {  // a replay of one instant: its state
      const FragReplaySample& s = run_.samples.back();
      run_.unallocated_pct = s.unallocated_pct;
      run_.allocated_gpus = static_cast<double>(s.allocated_gpu_milli) / kMilliPerGpu;
      run_.frag_gpus = s.frag_gpus;
      run_.frag_pct = s.frag_pct;
    }
  }

  FragCluster cluster_;
  const FragMeasure& measure_;
  FragMeter meter_;
  const std::vector<Replayed>& arrivals_;
  const FragReplayOptions& o_;
  const double end_;
  FragPolicy* policy_ = nullptr;

  std::vector<GpuPlacement> placement_;  // by replayed pod, while it runs
  std::vector<char> waiting_, running_;  // by replayed pod
  std::priority_queue<Departure, std::vector<Departure>, std::greater<Departure>> departures_;
  std::vector<size_t> queue_;  // replayed pods that waited, in arrival order; [head_, end) live
  size_t head_ = 0, dead_ = 0;  // dead_: entries in [head_, end) no longer waiting
  size_t waiting_count_ = 0;
  int64_t running_count_ = 0;
  std::vector<int32_t> freed_;  // nodes something left since the last scan
  std::vector<char> freed_mark_;
  std::vector<double> waits_;
  Rng rng_;

  double last_ = 0;
  int64_t next_sample_ = 0;
  double area_free_ = 0, area_alloc_ = 0, area_frag_ = 0, area_frag_pct_ = 0;
  FragReplayRun run_;
};

absl::Status CheckOptions(const FragReplayOptions& o) {
  if (!(o.time_compression > 0 && o.time_compression <= 1e12)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time compression: ", o.time_compression, "; use a factor > 0 (1 = the trace's pace)"));
  }
  if (!(o.horizon_s >= 0 && std::isfinite(o.horizon_s))) {
    return absl::InvalidArgumentError(
        absl::StrCat("horizon: ", o.horizon_s, " s; use a time >= 0 (0 = the last arrival)"));
  }
  if (!(o.sample_s > 0 && std::isfinite(o.sample_s))) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample step: ", o.sample_s, " s; use a step > 0"));
  }
  if (std::isnan(o.max_wait_s) || std::isinf(o.max_wait_s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max wait: ", o.max_wait_s, " s; use a time >= 0, or < 0 for none"));
  }
  if (!(o.popularity > 0 && o.popularity <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: ", o.popularity, "; use a share in (0, 1]"));
  }
  for (const std::string& name : o.policies) {
    bool known = false;
    for (const FragPolicyInfo& p : FragPolicies()) known = known || p.name == name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown policy \"", name, "\"; known: ", FragPolicyNames()));
    }
  }
  return absl::OkStatus();
}

// Time average and peak of the GPU the pods would hold if each started on arrival, over
// [0, end], in milli-GPU. Departures go before arrivals at one instant, as in the replay.
std::pair<double, double> OfferedLoad(const std::vector<Replayed>& arrivals, double end) {
  std::vector<std::pair<double, int64_t>> steps;
  steps.reserve(2 * arrivals.size());
  for (const Replayed& a : arrivals) {
    const int64_t g = a.task.total_gpu_milli();
    if (g == 0 || a.run <= 0) continue;
    steps.emplace_back(a.arrival, g);
    if (a.arrival + a.run <= end) steps.emplace_back(a.arrival + a.run, -g);
  }
  std::sort(steps.begin(), steps.end());
  double area = 0, last = 0;
  int64_t now = 0, peak = 0;
  for (const auto& [t, g] : steps) {
    area += static_cast<double>(now) * (t - last);
    last = t;
    now += g;
    peak = std::max(peak, now);
  }
  area += static_cast<double>(now) * (end - last);
  const double mean = end > 0 ? area / end : static_cast<double>(now);
  return {mean, static_cast<double>(peak)};
}

}  // namespace

absl::StatusOr<FragReplayResult> RunFragReplay(const std::vector<FragNodeSpec>& nodes,
                                               const std::vector<FragPod>& pods,
                                               const FragReplayOptions& options) {
  FragReplayOptions o = options;
  if (o.policies.empty()) {
    for (const FragPolicyInfo& p : FragPolicies()) o.policies.push_back(p.name);
  }
  if (absl::Status s = CheckOptions(o); !s.ok()) return s;
  if (pods.empty()) return absl::InvalidArgumentError("the pod list is empty");
  for (const FragPod& p : pods) {
    if (!p.has_times || !(p.deletion_s >= p.scheduled_s) || !std::isfinite(p.creation_s) ||
        !std::isfinite(p.deletion_s) || !std::isfinite(p.scheduled_s)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pod ", p.name, " (line ", p.line,
          "): no usable creation_time, scheduled_time and deletion_time to replay"));
    }
  }
  auto cluster = FragCluster::Create(nodes);
  if (!cluster.ok()) return cluster.status();
  if (cluster->gpu_capacity_milli() == 0) {
    return absl::InvalidArgumentError("the node list has no GPU");
  }

  std::vector<size_t> order(pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&pods](size_t a, size_t b) {
    return pods[a].creation_s < pods[b].creation_s;
  });
  FragReplayResult result;
  result.first_creation_s = pods[order.front()].creation_s;
  std::vector<Replayed> arrivals;
  arrivals.reserve(pods.size());
  for (size_t i : order) {
    const FragPod& p = pods[i];
    Replayed a;
    a.input = i;
    a.arrival = (p.creation_s - result.first_creation_s) / o.time_compression;
    a.run = p.deletion_s - p.scheduled_s;
    if (o.horizon_s > 0 && a.arrival > o.horizon_s) {
      ++result.pods_after_horizon;
      continue;
    }
    a.task = cluster->MakeTask(p);
    arrivals.push_back(a);
  }
  const double end = o.horizon_s > 0 ? o.horizon_s : arrivals.back().arrival;
  if (end / o.sample_s > kMaxSamples) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sample step: ", o.sample_s, " s over ", end, " s is more than ", kMaxSamples,
        " samples; use a larger step"));
  }
  std::vector<FragTask> tasks;
  tasks.reserve(arrivals.size());
  for (const Replayed& a : arrivals) tasks.push_back(a.task);
  const TaskMix mix = TaskMix::FromTasks(tasks, o.popularity, /*assign_ids=*/true);
  for (size_t k = 0; k < arrivals.size(); ++k) arrivals[k].task.type_id = tasks[k].type_id;
  const FragMeasure measure(mix, *cluster);

  result.options = o;
  result.nodes = cluster->num_nodes();
  result.gpu_capacity_milli = cluster->gpu_capacity_milli();
  result.pods = static_cast<int64_t>(arrivals.size());
  result.shapes = static_cast<int32_t>(mix.all_shapes().size());
  result.typical_shapes = static_cast<int32_t>(mix.typical().size());
  result.end_s = end;
  for (const Replayed& a : arrivals) {
    bool fits = false;
    for (int32_t n = 0; n < cluster->num_nodes() && !fits; ++n) fits = cluster->Fits(a.task, n);
    if (!fits) ++result.pods_fitting_no_node;
  }
  const auto [offered, peak] = OfferedLoad(arrivals, end);
  const double cap = static_cast<double>(cluster->gpu_capacity_milli());
  result.offered_gpu_pct = 100.0 * offered / cap;
  result.peak_offered_gpu_pct = 100.0 * peak / cap;

  const int32_t num_types = static_cast<int32_t>(mix.all_shapes().size());
  std::vector<absl::StatusOr<FragReplayRun>> runs(o.policies.size(),
                                                  absl::UnknownError("not run"));
  ParallelFor(o.policies.size(), ThreadCount(o.threads), [&](size_t i) {
    Replay replay(*cluster, measure, arrivals, o, end);
    runs[i] = replay.Run(o.policies[i], num_types, pods.size());
  });
  for (absl::StatusOr<FragReplayRun>& r : runs) {
    if (!r.ok()) return r.status();
    result.policies.push_back(*std::move(r));
  }
  return result;
}

namespace {

std::string Num(double v, int digits = 4) {
  return std::isnan(v) ? "null" : fmt::format("{:.{}f}", v, digits);
}

}  // namespace

std::string FragReplayJson(const FragReplayResult& r) {
  const FragReplayOptions& o = r.options;
  std::string out = "{\n  \"schema\": \"burnrate.frag.replay.v1\",\n";
  out += fmt::format("  \"nodes_file\": {},\n  \"pods_file\": {},\n", FragJsonString(r.nodes_path),
                     FragJsonString(r.pods_path));
  out += fmt::format("  \"cluster\": {{\"nodes\": {}, \"gpu_capacity_milli\": {}}},\n", r.nodes,
                     r.gpu_capacity_milli);
  out += fmt::format(
      "  \"trace\": {{\"rows\": {}, \"rows_skipped\": {}, \"rows_skipped_unscheduled\": {}, "
      "\"pods_replayed\": {}, \"pods_after_horizon\": {}, \"pods_fitting_no_node\": {}, "
      "\"task_shapes\": {}, \"task_mix_shapes\": {}, \"first_creation_s\": {}}},\n",
      r.pod_rows, r.pod_rows_skipped, r.pod_rows_skipped_unscheduled, r.pods,
      r.pods_after_horizon, r.pods_fitting_no_node, r.shapes, r.typical_shapes,
      Num(r.first_creation_s, 3));
  out += fmt::format(
      "  \"options\": {{\"seed\": {}, \"ties\": \"{}\", \"popularity\": {}, "
      "\"time_compression\": {}, \"horizon_s\": {}, \"max_wait_s\": {}, \"sample_s\": {}}},\n",
      o.seed, o.ties == FragTies::kNodeOrder ? "node-order" : "random", Num(o.popularity),
      Num(o.time_compression, 6), o.horizon_s > 0 ? Num(o.horizon_s, 3) : "null",
      o.max_wait_s >= 0 ? Num(o.max_wait_s, 3) : "null", Num(o.sample_s, 3));
  out += fmt::format(
      "  \"end_s\": {},\n  \"offered\": {{\"mean_gpu_pct\": {}, \"peak_gpu_pct\": {}}},\n",
      Num(r.end_s, 3), Num(r.offered_gpu_pct), Num(r.peak_offered_gpu_pct));
  out += "  \"policies\": [\n";
  for (size_t p = 0; p < r.policies.size(); ++p) {
    const FragReplayRun& run = r.policies[p];
    out += fmt::format(
        "    {{\n      \"policy\": {},\n      \"pods\": {{\"arrived\": {}, \"started\": {}, "
        "\"dropped\": {}, \"waiting_at_end\": {}, \"running_at_end\": {}}},\n"
        "      \"wait_s\": {{\"mean\": {}, \"p95\": {}, \"max\": {}}},\n"
        "      \"time_average\": {{\"unallocated_pct\": {}, \"allocated_gpus\": {}, "
        "\"frag_gpus\": {}, \"frag_pct\": {}}},\n      \"samples\": [\n",
        FragJsonString(run.policy), run.arrived, run.started, run.dropped, run.waiting_at_end,
        run.running_at_end, Num(run.mean_wait_s, 3), Num(run.p95_wait_s, 3),
        Num(run.max_wait_s, 3), Num(run.unallocated_pct), Num(run.allocated_gpus),
        Num(run.frag_gpus), Num(run.frag_pct));
    for (size_t i = 0; i < run.samples.size(); ++i) {
      const FragReplaySample& s = run.samples[i];
      out += fmt::format(
          "        {{\"t_s\": {}, \"allocated_gpu_milli\": {}, \"unallocated_pct\": {}, "
          "\"frag_gpus\": {}, \"frag_pct\": {}, \"running\": {}, \"waiting\": {}}}{}\n",
          Num(s.t_s, 3), s.allocated_gpu_milli, Num(s.unallocated_pct), Num(s.frag_gpus),
          Num(s.frag_pct), s.running, s.waiting, i + 1 < run.samples.size() ? "," : "");
    }
    out += fmt::format("      ]\n    }}{}\n", p + 1 < r.policies.size() ? "," : "");
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace burnrate
