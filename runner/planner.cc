#include "runner/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "runner/parallel.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

std::string Hours(double s) { return fmt::format("{:.3g} h", s / 3600.0); }

// Fills meets_target and misses from the target.
void Judge(const ServiceTargetSpec& t, v1::PlanPoint* p) {
  std::vector<std::string> misses;
  if (t.max_p95_queue_delay_s > 0 && p->p95_queue_delay_s() > t.max_p95_queue_delay_s) {
    misses.push_back(fmt::format("p95 queueing delay {} > {}", Hours(p->p95_queue_delay_s()),
                                 Hours(t.max_p95_queue_delay_s)));
  }
  if (t.max_mean_queue_delay_s > 0 && p->mean_queue_delay_s() > t.max_mean_queue_delay_s) {
    misses.push_back(fmt::format("mean queueing delay {} > {}", Hours(p->mean_queue_delay_s()),
                                 Hours(t.max_mean_queue_delay_s)));
  }
  if (t.max_p95_jct_s > 0) {
    // JCT is over completed jobs; when more than 5% are unfinished the p95 over all jobs is
    // not known (and the unfinished ones are slow), so the target is missed.
    const uint32_t unfinished = p->jobs_submitted() - p->jobs_completed();
    if (unfinished * 20 > p->jobs_submitted()) {
      misses.push_back(fmt::format("p95 JCT unknown: {} of {} jobs unfinished (over 5%)",
                                   unfinished, p->jobs_submitted()));
    } else if (p->p95_jct_s() > t.max_p95_jct_s) {
      misses.push_back(
          fmt::format("p95 JCT {} > {}", Hours(p->p95_jct_s()), Hours(t.max_p95_jct_s)));
    }
  }
  if (p->jobs_rejected() > 0) {
    // Jobs no pool of this candidate can hold never run: the candidate cannot serve the load.
    misses.push_back(fmt::format("{} job(s) too large for every pool", p->jobs_rejected()));
  }
  if (t.all_jobs_done && p->jobs_completed() < p->jobs_submitted()) {
    misses.push_back(fmt::format("{} of {} jobs unfinished",
                                 p->jobs_submitted() - p->jobs_completed(), p->jobs_submitted()));
  }
  p->set_meets_target(misses.empty());
  std::string text;
  for (const std::string& m : misses) text += (text.empty() ? "" : "; ") + m;
  p->set_misses(text);
}

}  // namespace

ScenarioModel WithPoolSizes(const ScenarioModel& scenario, const std::vector<uint32_t>& nodes,
                            const std::vector<uint32_t>& spares) {
  ScenarioModel s = scenario;
  std::vector<bool> drop(s.pools.size(), false);
  for (size_t i = 0; i < s.plan.dimensions.size(); ++i) {
    PoolSpec& pool = s.pools[s.plan.dimensions[i].pool];
    if (i < spares.size()) pool.spare_nodes = spares[i];
    pool.nodes = nodes[i] == 0 ? 0 : nodes[i] + pool.spare_nodes;
    pool.min_nodes = std::min(pool.min_nodes, pool.nodes);
    drop[s.plan.dimensions[i].pool] = nodes[i] == 0;
  }
  std::vector<PoolSpec> kept;
  for (size_t p = 0; p < s.pools.size(); ++p) {
    if (!drop[p]) kept.push_back(std::move(s.pools[p]));
  }
  s.pools = std::move(kept);
  // Services index their per-pool speeds by pool position: drop the same entries.
  for (ServiceSpec& service : s.services) {
    std::vector<double> speeds;
    for (size_t p = 0; p < service.pool_speed.size() && p < drop.size(); ++p) {
      if (!drop[p]) speeds.push_back(service.pool_speed[p]);
    }
    service.pool_speed = std::move(speeds);
  }
  return s;
}

absl::StatusOr<v1::PlanResult> RunPlan(const ScenarioModel& scenario,
                                       const PlanOptions& options) {
  const PlanSpec& plan = scenario.plan;
  if (!plan.present || plan.dimensions.empty()) {
    return absl::InvalidArgumentError(
        scenario.source_path + ": no plan section; add plan: {dimensions: [{pool: NAME, nodes: "
                               "[...]}], target: {max_p95_queue_delay_s: ...}} (docs/planner.md)");
  }
  // The grid, in row-major order of the dimensions (for each: node counts, then spares).
  struct Candidate {
    std::vector<uint32_t> nodes, spares;
  };
  std::vector<Candidate> grid(1);
  bool varies_spares = false;
  for (const PlanDimensionSpec& d : plan.dimensions) {
    varies_spares |= d.varies_spares;
    const std::vector<uint32_t> own{scenario.pools[d.pool].spare_nodes};
    const std::vector<uint32_t>& spares = d.spare_candidates.empty() ? own : d.spare_candidates;
    std::vector<Candidate> next;
    for (const Candidate& prefix : grid) {
      for (uint32_t n : d.candidates) {
        for (uint32_t spare : spares) {
          next.push_back(prefix);
          next.back().nodes.push_back(n);
          next.back().spares.push_back(spare);
        }
      }
    }
    grid = std::move(next);
  }
  const uint32_t seeds = std::max<uint32_t>(1, plan.seeds);
  std::vector<v1::PlanPoint> points(grid.size());
  std::vector<absl::Status> errors(grid.size());
  ParallelFor(grid.size(), ThreadCount(options.threads), [&](size_t i) {
    v1::PlanPoint& p = points[i];
    *p.mutable_nodes() = {grid[i].nodes.begin(), grid[i].nodes.end()};
    if (varies_spares) *p.mutable_spare_nodes() = {grid[i].spares.begin(), grid[i].spares.end()};
    const ScenarioModel s = WithPoolSizes(scenario, grid[i].nodes, grid[i].spares);
    if (s.pools.empty()) {
      p.set_meets_target(false);
      p.set_misses("no capacity: every sized pool has 0 nodes");
      return;
    }
    // Means over the seeds (job counts: totals); the services of the first seed's run.
    absl::StatusOr<RunOutput> run;
    double cost = 0, util = 0, p95_wait = 0, mean_wait = 0, p95_jct = 0, mean_jct = 0,
           goodput = 0, interruptions = 0;
    uint32_t submitted = 0, completed = 0, rejected = 0;
    for (uint32_t k = 0; k < seeds; ++k) {
      absl::StatusOr<RunOutput> one = Simulate(s, plan.policy, options.seed + k, RunOptions{});
      if (!one.ok()) {
        errors[i] = one.status();
        return;
      }
      const v1::Summary& sum = one->result.summary();
      cost += sum.total_cost_usd();
      util += sum.gpu_utilization();
      p95_wait += sum.p95_queue_delay_s();
      mean_wait += sum.mean_queue_delay_s();
      p95_jct += sum.p95_jct_s();
      mean_jct += sum.mean_jct_s();
      goodput += sum.goodput();
      interruptions += sum.job_interruptions_by_failure();
      submitted += sum.jobs_submitted();
      completed += sum.jobs_completed();
      rejected += sum.jobs_rejected();
      if (k == 0) run = std::move(one);
    }
    p.set_total_cost_usd(cost / seeds);
    p.set_gpu_utilization(util / seeds);
    p.set_p95_queue_delay_s(p95_wait / seeds);
    p.set_mean_queue_delay_s(mean_wait / seeds);
    p.set_p95_jct_s(p95_jct / seeds);
    p.set_mean_jct_s(mean_jct / seeds);
    p.set_goodput(goodput / seeds);
    p.set_job_interruptions_by_failure(interruptions / seeds);
    p.set_jobs_submitted(submitted);
    p.set_jobs_completed(completed);
    p.set_jobs_rejected(rejected);
    Judge(plan.target, &p);
    // Inference services must meet their SLOs and be served at all on every candidate.
    std::string service_misses;
    for (const v1::ServiceResult& sv : run->result.services()) {
      std::string miss;
      const ServiceSpec* spec = nullptr;
      for (const ServiceSpec& ss : s.services) {
        if (ss.name == sv.name()) spec = &ss;
      }
      if (spec != nullptr && spec->slo_latency_s > 0 && sv.requests_arrived() > 0 &&
          !sv.slo_met()) {
        miss = fmt::format("service {} SLO attainment {:.1f}% < {:.1f}%", sv.name(),
                           100 * sv.slo_attainment(), 100 * spec->slo_attainment_target);
      } else if (sv.requests_unfinished() > 0) {
        miss = fmt::format("service {}: {:.0f} requests never served", sv.name(),
                           sv.requests_unfinished());
      }
      if (!miss.empty()) service_misses += (service_misses.empty() ? "" : "; ") + miss;
    }
    if (!service_misses.empty()) {
      p.set_meets_target(false);
      p.set_misses(p.misses().empty() ? service_misses : p.misses() + "; " + service_misses);
    }
  });
  for (const absl::Status& e : errors) {
    if (!e.ok()) return e;
  }
  // Cheapest first; ties keep grid order (stable), so the order is deterministic.
  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return points[a].total_cost_usd() < points[b].total_cost_usd();
  });
  v1::PlanResult result;
  result.set_scenario(scenario.name);
  result.set_policy(plan.policy.Name());
  for (const PlanDimensionSpec& d : plan.dimensions) result.add_pools(scenario.pools[d.pool].name);
  result.set_recommended(-1);
  result.set_current(-1);
  std::vector<uint32_t> current, current_spares;
  for (const PlanDimensionSpec& d : plan.dimensions) {
    const PoolSpec& pool = scenario.pools[d.pool];
    current.push_back(pool.nodes - pool.spare_nodes);
    current_spares.push_back(pool.spare_nodes);
  }
  // Frontier: walking from cheapest, a point is on it when its p95 queueing delay beats every
  // cheaper point's.
  double best_delay = -1;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    v1::PlanPoint* p = result.add_points();
    *p = std::move(points[order[rank]]);
    const bool ran = p->jobs_submitted() > 0 || !p->misses().starts_with("no capacity");
    if (ran && (best_delay < 0 || p->p95_queue_delay_s() < best_delay)) {
      p->set_on_frontier(true);
      best_delay = p->p95_queue_delay_s();
    }
    if (p->meets_target() && result.recommended() < 0) {
      result.set_recommended(static_cast<int32_t>(rank));
    }
    if (std::equal(p->nodes().begin(), p->nodes().end(), current.begin(), current.end()) &&
        (p->spare_nodes().empty() || std::equal(p->spare_nodes().begin(), p->spare_nodes().end(),
                                                current_spares.begin(), current_spares.end()))) {
      result.set_current(static_cast<int32_t>(rank));
    }
  }
  return result;
}

}  // namespace burnrate
