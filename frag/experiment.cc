#include "frag/experiment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "frag/fragmentation.h"
#include "frag/policy.h"
#include "runner/parallel.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

// Independent random streams of one seed: the arrival sequence (shared by every policy) and
// the policy's own draws (ties, random choices).
constexpr uint64_t kArrivalStream = 1;
constexpr uint64_t kPolicyStream = 2;
constexpr uint64_t kNodeOrderStream = 3;
// Resampling stops after this many pods per trace pod even if the demand target is not reached
// (a trace of almost only CPU-only pods would otherwise take very long).
constexpr size_t kMaxResampledPerTracePod = 50;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// round(num / den) with ties to even (pandas' round, which the artifact's analysis uses).
int64_t RoundHalfEven(int64_t num, int64_t den) {
  int64_t q = num / den;
  const int64_t r2 = 2 * (num % den);
  if (r2 > den || (r2 == den && q % 2 != 0)) ++q;
  return q;
}

struct Workload {
  std::vector<FragTask> tasks;  // file order, type ids set
  std::vector<size_t> by_creation;
  int64_t gpu_milli = 0;
};

std::vector<FragTask> Arrivals(const Workload& w, uint64_t seed,
                               const FragExperimentOptions& o, int64_t capacity_milli) {
  Rng rng = Rng::ForStream(seed, kArrivalStream);
  const size_t n = w.tasks.size();
  std::vector<size_t> order = w.by_creation;
  if (o.order == FragOrder::kShuffle) {
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.UniformInt(i)]);
  }
  std::vector<FragTask> seq;
  seq.reserve(o.inflate > 1 ? static_cast<size_t>(static_cast<double>(n) * o.inflate) + 16 : n);
  for (size_t i : order) seq.push_back(w.tasks[i]);
  if (o.inflate > 1 && w.gpu_milli > 0) {
    const double target = o.inflate * static_cast<double>(capacity_milli);
    int64_t total = w.gpu_milli;
    for (size_t added = 0; added < kMaxResampledPerTracePod * n; ++added) {
      const FragTask& t = w.tasks[rng.UniformInt(n)];
      if (static_cast<double>(total + t.total_gpu_milli()) > target) break;
      total += t.total_gpu_milli();
      seq.push_back(t);
    }
  }
  return seq;
}

struct Bins {
  std::vector<int64_t> count, alloc_sum, frag_sum;
  std::vector<double> frag_pct_sum;
  explicit Bins(size_t size) : count(size), alloc_sum(size), frag_sum(size), frag_pct_sum(size) {}
};

absl::StatusOr<FragRun> RunOnce(const FragCluster& initial, const FragMeasure& measure,
                                int32_t num_types, const std::vector<FragTask>& arrivals,
                                const std::string& policy_name, uint64_t seed,
                                const FragExperimentOptions& o) {
  FragCluster cluster = initial;
  FragMeter meter(&measure, cluster);
  const std::vector<int32_t> rank = FragNodeRanks(cluster.num_nodes(), seed);
  auto policy = NewFragPolicy(
      policy_name, FragPolicyContext{&cluster, &measure, num_types,
                                     o.ties == FragTies::kNodeOrder ? &rank : nullptr});
  if (!policy.ok()) return policy.status();
  Rng rng = Rng::ForStream(seed, kPolicyStream);
  const int64_t cap = cluster.gpu_capacity_milli();
  int64_t demand = 0;
  for (const FragTask& t : arrivals) demand += t.total_gpu_milli();
  const size_t bins_size = static_cast<size_t>(RoundHalfEven(demand * 100, cap)) + 2;
  Bins bins(bins_size);

  FragRun run;
  run.seed = seed;
  for (const FragTask& t : arrivals) {
    ++run.tasks;
    run.arrived_gpu_milli += t.total_gpu_milli();
    const GpuPlacement p = (*policy)->Place(cluster, t, rng);
    if (p.placed()) {
      if (absl::Status s = cluster.Allocate(t, p); !s.ok()) {
        return absl::InternalError(absl::StrCat("policy ", policy_name, " placed task ",
                                                run.tasks, " where it does not fit: ",
                                                s.message()));
      }
      meter.Node(cluster, p.node);
    } else {
      ++run.failed;
    }
    if (o.check_invariants) {
      if (absl::Status s = cluster.CheckInvariants(); !s.ok()) return s;
      int64_t recount = 0;
      for (int32_t n = 0; n < cluster.num_nodes(); ++n) recount += measure.Numerator(cluster.node(n));
      if (recount != meter.total_numerator()) {
        return absl::InternalError("incremental fragmentation disagrees with a full recount");
      }
    }
    const size_t b = static_cast<size_t>(RoundHalfEven(run.arrived_gpu_milli * 100, cap));
    const int64_t free_milli = cap - cluster.gpu_allocated_milli();
    ++bins.count[b];
    bins.alloc_sum[b] += cluster.gpu_allocated_milli();
    bins.frag_sum[b] += meter.total_numerator();
    if (free_milli > 0) {
      bins.frag_pct_sum[b] += 100.0 * meter.total_milli_gpu() / static_cast<double>(free_milli);
    }
  }
  run.allocated_gpu_milli = cluster.gpu_allocated_milli();

  const size_t points = bins_size - 1;
  run.unallocated_pct.assign(points, kNaN);
  run.frag_gpus.assign(points, kNaN);
  run.frag_pct.assign(points, kNaN);
  for (size_t x = 0; x < points; ++x) {
    int64_t count = bins.count[x], alloc = bins.alloc_sum[x], frag = bins.frag_sum[x];
    double frag_pct = bins.frag_pct_sum[x];
    if (count == 0) {  // no event rounds to x: the events within one point of it
      for (size_t y = x == 0 ? 0 : x - 1; y <= x + 1 && y < bins_size; ++y) {
        count += bins.count[y];
        alloc += bins.alloc_sum[y];
        frag += bins.frag_sum[y];
        frag_pct += bins.frag_pct_sum[y];
      }
    }
    if (count == 0) continue;
    const double events = static_cast<double>(count);
    run.unallocated_pct[x] =
        100.0 * (static_cast<double>(cap) - static_cast<double>(alloc) / events) /
        static_cast<double>(cap);
    run.frag_gpus[x] = measure.ToMilliGpu(frag) / events / kMilliPerGpu;
    run.frag_pct[x] = frag_pct / events;
  }
  return run;
}

// Mean over the runs of each point, skipping runs without it.
std::vector<double> MeanCurve(const std::vector<FragRun>& runs,
                              std::vector<double> FragRun::*curve) {
  size_t size = 0;
  for (const FragRun& r : runs) size = std::max(size, (r.*curve).size());
  std::vector<double> mean(size, kNaN);
  for (size_t x = 0; x < size; ++x) {
    double sum = 0;
    int n = 0;
    for (const FragRun& r : runs) {
      if (x < (r.*curve).size() && !std::isnan((r.*curve)[x])) {
        sum += (r.*curve)[x];
        ++n;
      }
    }
    if (n > 0) mean[x] = sum / n;
  }
  return mean;
}

}  // namespace

absl::StatusOr<FragExperimentResult> RunFragExperiment(const std::vector<FragNodeSpec>& nodes,
                                                       const std::vector<FragPod>& pods,
                                                       const FragExperimentOptions& options) {
  FragExperimentOptions o = options;
  if (o.policies.empty()) {
    for (const FragPolicyInfo& p : FragPolicies()) o.policies.push_back(p.name);
  }
  if (o.seeds < 1 || o.seeds > 10000) {
    return absl::InvalidArgumentError(absl::StrCat("seeds: ", o.seeds, "; use 1..10000"));
  }
  if (!(o.inflate >= 0 && o.inflate <= 10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("inflate: ", o.inflate, "; use 0..10 (x GPU capacity; <= 1: no resampling)"));
  }
  if (!(o.popularity > 0 && o.popularity <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("popularity: ", o.popularity, "; use a share in (0, 1]"));
  }
  if (o.report_pct < 0 || o.report_pct > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("report point: ", o.report_pct, "; use 0..1000"));
  }
  if (pods.empty()) return absl::InvalidArgumentError("the pod list is empty");
  for (const std::string& name : o.policies) {
    bool known = false;
    for (const FragPolicyInfo& p : FragPolicies()) known = known || p.name == name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown policy \"", name, "\"; known: ", FragPolicyNames()));
    }
  }
  auto cluster = FragCluster::Create(nodes);
  if (!cluster.ok()) return cluster.status();
  if (cluster->gpu_capacity_milli() == 0) {
    return absl::InvalidArgumentError("the node list has no GPU");
  }

  Workload w;
  w.tasks.reserve(pods.size());
  for (const FragPod& p : pods) {
    w.tasks.push_back(cluster->MakeTask(p));
    w.gpu_milli += w.tasks.back().total_gpu_milli();
  }
  const TaskMix mix = TaskMix::FromTasks(w.tasks, o.popularity, /*assign_ids=*/true);
  const FragMeasure measure(mix, *cluster);
  w.by_creation.resize(pods.size());
  std::iota(w.by_creation.begin(), w.by_creation.end(), size_t{0});
  std::stable_sort(w.by_creation.begin(), w.by_creation.end(),
                   [&pods](size_t a, size_t b) { return pods[a].creation_s < pods[b].creation_s; });

  const size_t seeds = static_cast<size_t>(o.seeds);
  std::vector<std::vector<FragTask>> arrivals(seeds);
  ParallelFor(seeds, ThreadCount(o.threads), [&](size_t i) {
    arrivals[i] = Arrivals(w, o.first_seed + i, o, cluster->gpu_capacity_milli());
  });

  const size_t jobs = o.policies.size() * seeds;
  std::vector<absl::StatusOr<FragRun>> runs(jobs, absl::UnknownError("not run"));
  const int32_t num_types = static_cast<int32_t>(mix.all_shapes().size());
  ParallelFor(jobs, ThreadCount(o.threads), [&](size_t j) {
    const size_t policy = j / seeds, seed = j % seeds;
    runs[j] = RunOnce(*cluster, measure, num_types, arrivals[seed], o.policies[policy],
                      o.first_seed + seed, o);
  });

  FragExperimentResult result;
  result.options = o;
  result.nodes = cluster->num_nodes();
  result.gpu_capacity_milli = cluster->gpu_capacity_milli();
  result.trace_pods = static_cast<int64_t>(pods.size());
  result.trace_gpu_milli = w.gpu_milli;
  result.shapes = static_cast<int32_t>(mix.all_shapes().size());
  result.typical_shapes = static_cast<int32_t>(mix.typical().size());
  for (size_t p = 0; p < o.policies.size(); ++p) {
    FragPolicyResult pr;
    pr.policy = o.policies[p];
    for (size_t s = 0; s < seeds; ++s) {
      absl::StatusOr<FragRun>& r = runs[p * seeds + s];
      if (!r.ok()) return r.status();
      pr.runs.push_back(*std::move(r));
    }
    pr.unallocated_pct = MeanCurve(pr.runs, &FragRun::unallocated_pct);
    pr.frag_gpus = MeanCurve(pr.runs, &FragRun::frag_gpus);
    pr.frag_pct = MeanCurve(pr.runs, &FragRun::frag_pct);
    std::vector<double> at;
    const size_t x = static_cast<size_t>(o.report_pct);
    for (const FragRun& r : pr.runs) {
      if (x < r.unallocated_pct.size() && !std::isnan(r.unallocated_pct[x])) {
        at.push_back(r.unallocated_pct[x]);
      }
    }
    if (at.empty()) {
      pr.headline_mean = pr.headline_stddev = kNaN;
    } else {
      double sum = 0;
      for (double v : at) sum += v;
      pr.headline_mean = sum / static_cast<double>(at.size());
      double ss = 0;
      for (double v : at) ss += (v - pr.headline_mean) * (v - pr.headline_mean);
      pr.headline_stddev = at.size() > 1 ? std::sqrt(ss / static_cast<double>(at.size() - 1)) : 0;
    }
    result.policies.push_back(std::move(pr));
  }
  return result;
}

namespace {

std::string Num(double v) { return std::isnan(v) ? "null" : fmt::format("{:.4f}", v); }

}  // namespace

std::vector<int32_t> FragNodeRanks(int32_t nodes, uint64_t seed) {
  Rng rng = Rng::ForStream(seed, kNodeOrderStream);
  std::vector<int32_t> rank(static_cast<size_t>(nodes));
  std::iota(rank.begin(), rank.end(), 0);
  for (size_t i = rank.size(); i > 1; --i) std::swap(rank[i - 1], rank[rng.UniformInt(i)]);
  return rank;
}

std::string FragJsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string Quote(const std::string& s) { return FragJsonString(s); }

}  // namespace

std::string FragResultJson(const FragExperimentResult& r) {
  const FragExperimentOptions& o = r.options;
  std::string out = "{\n  \"schema\": \"burnrate.frag.v1\",\n";
  out += fmt::format("  \"nodes_file\": {},\n  \"pods_file\": {},\n", Quote(r.nodes_path),
                     Quote(r.pods_path));
  out += fmt::format(
      "  \"cluster\": {{\"nodes\": {}, \"gpu_capacity_milli\": {}}},\n"
      "  \"trace\": {{\"pods\": {}, \"gpu_demand_milli\": {}, \"task_shapes\": {}, "
      "\"task_mix_shapes\": {}}},\n",
      r.nodes, r.gpu_capacity_milli, r.trace_pods, r.trace_gpu_milli, r.shapes,
      r.typical_shapes);
  out += fmt::format(
      "  \"options\": {{\"seeds\": {}, \"first_seed\": {}, \"inflate\": {}, \"order\": \"{}\", "
      "\"ties\": \"{}\", \"popularity\": {}, \"report_pct\": {}}},\n",
      o.seeds, o.first_seed, Num(o.inflate), o.order == FragOrder::kShuffle ? "shuffle" : "creation",
      o.ties == FragTies::kNodeOrder ? "node-order" : "random", Num(o.popularity), o.report_pct);
  out += "  \"policies\": [\n";
  for (size_t p = 0; p < r.policies.size(); ++p) {
    const FragPolicyResult& pr = r.policies[p];
    out += fmt::format(
        "    {{\n      \"policy\": {},\n      \"unallocated_pct_at_report\": {{\"mean\": {}, "
        "\"stddev\": {}}},\n      \"runs\": [\n",
        Quote(pr.policy), Num(pr.headline_mean), Num(pr.headline_stddev));
    for (size_t s = 0; s < pr.runs.size(); ++s) {
      const FragRun& run = pr.runs[s];
      const size_t x = static_cast<size_t>(o.report_pct);
      out += fmt::format(
          "        {{\"seed\": {}, \"tasks\": {}, \"failed\": {}, \"arrived_gpu_milli\": {}, "
          "\"allocated_gpu_milli\": {}, \"unallocated_pct_at_report\": {}}}{}\n",
          run.seed, run.tasks, run.failed, run.arrived_gpu_milli, run.allocated_gpu_milli,
          Num(x < run.unallocated_pct.size() ? run.unallocated_pct[x] : kNaN),
          s + 1 < pr.runs.size() ? "," : "");
    }
    out += "      ],\n      \"curve\": [\n";
    for (size_t x = 0; x < pr.unallocated_pct.size(); ++x) {
      out += fmt::format(
          "        {{\"arrived_pct\": {}, \"unallocated_pct\": {}, \"frag_gpus\": {}, "
          "\"frag_pct\": {}}}{}\n",
          x, Num(pr.unallocated_pct[x]), Num(pr.frag_gpus[x]), Num(pr.frag_pct[x]),
          x + 1 < pr.unallocated_pct.size() ? "," : "");
    }
    out += fmt::format("      ]\n    }}{}\n", p + 1 < r.policies.size() ? "," : "");
  }
  out += "  ]\n}\n";
  return out;
}

}  // namespace burnrate
