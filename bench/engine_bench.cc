// Micro-benchmarks of the engine's hot structures (docs/performance.md has the figures):
//
//   BM_EventQueueHold/<impl>/pending:N   the classic "hold" model: N events pending, each
//       iteration pops the earliest and schedules one at (its time + a random increment), so the
//       queue size stays N. items/s = hold operations (one pop + one schedule) per second.
//       <impl> heap and set go through the EventQueue interface (virtual calls);
//       BM_EventQueueHoldDirect calls the concrete HeapEventQueue, as the World does.
//   BM_EngineEvents/pending:P            the World's event list and dispatch loop
//       (EventList + DispatchEvents) driven by handlers that schedule what a whole run schedules
//       for jobs that never wait (arrival, pass, completion, pass; hourly samples), ~P events
//       pending. items/s = events dispatched per second.
//   BM_Place/<policy>/gpus:G/gang:g      PlacementPolicy::Place on one pool of G GPUs (8 per
//       node) at ~70% random occupancy; Place only, the cluster is not changed. gang:0 is the
//       whole-run workload mix {1,2,4,8,16,32} with weights {50,20,12,10,5,3}.
//       items/s = Place calls per second (fits and misses both count).
//   BM_SchedulingPass/<queue>/backlog:Q  a whole simulation of a 64-GPU cluster with Q pending
//       jobs whose gangs can never fit, plus a stream of 1-GPU jobs at 95% load (so every
//       completion triggers a scheduling pass over a queue of >= Q jobs). Timed differentially:
//       (run with the stream) - (run with the backlog alone), per extra event, so the cost of
//       enqueueing the backlog itself is excluded. Must stay flat as Q grows.
//   BM_SchedulingPassNodes/<queue>/gpus:G  the same against the cluster size: G GPUs, 10,000
//       never-fitting jobs, the 1-GPU stream at 95% load. Must stay flat as G grows.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "scheduler/registry.h"
#include "sim/event_queue.h"
#include "sim/model/cluster_state.h"
#include "sim/model/money.h"
#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

// ---------------------------------------------------------------------------------------------
// Event queue: hold model.

// Increments: exponential, mean 1 s, pre-drawn so the loop measures the queue only. The
// initial times come from the same distribution (the classic hold model).
constexpr size_t kIncrements = 1 << 16;  // power of two: cheap wrap-around

std::vector<SimTime> HoldIncrements() {
  Rng rng(42);
  std::vector<SimTime> increments(kIncrements);
  for (SimTime& d : increments) d = SecondsToTime(rng.Exponential(1.0)) + 1;
  return increments;
}

// Q is EventQueue (calls through the interface, as tests do) or HeapEventQueue (the concrete
// final class: calls inlined, as the World makes them through EventList).
template <typename Q>
void HoldLoop(benchmark::State& state, Q& q) {
  const size_t pending = static_cast<size_t>(state.range(0));
  const std::vector<SimTime> increments = HoldIncrements();
  for (size_t i = 0; i < pending; ++i) {
    q.Schedule(increments[i & (kIncrements - 1)], Phase::kRelease, EventKind::kTest,
               static_cast<uint32_t>(i));
  }
  size_t k = 0;
  Event e;
  for (auto _ : state) {
    q.PopNext(&e);
    q.Schedule(e.time + increments[k++ & (kIncrements - 1)], Phase::kRelease, EventKind::kTest,
               e.payload);
  }
  benchmark::DoNotOptimize(e);
  if (q.size() != pending) state.SkipWithError("queue size drifted");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetLabel(std::string(q.name()));
}

void BM_EventQueueHold(benchmark::State& state, bool heap) {
  std::unique_ptr<EventQueue> q = heap ? NewHeapEventQueue() : NewSetEventQueue();
  HoldLoop(state, *q);
}

void BM_EventQueueHoldDirect(benchmark::State& state) {
  HeapEventQueue q;
  HoldLoop(state, q);
}

BENCHMARK_CAPTURE(BM_EventQueueHold, heap, true)
    ->ArgName("pending")
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000);
BENCHMARK_CAPTURE(BM_EventQueueHold, set, false)
    ->ArgName("pending")
    ->Arg(1'000)
    ->Arg(100'000)
    ->Arg(1'000'000);
BENCHMARK(BM_EventQueueHoldDirect)->ArgName("pending")->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

// ---------------------------------------------------------------------------------------------
// The event engine alone: EventList + DispatchEvents (the World's own list and loop) with
// handlers that only schedule what the World would schedule for a job that never waits.
//
// Jobs arrive 1 per second (exponential gaps) and run for an exponential time of mean P
// seconds, so about P completions are pending (P = 1,000: the ~1k pending set of a 4,000-GPU
// cluster at this workload's mix). Per job, as in a whole run: its arrival (schedules the next
// arrival and a scheduling pass now), the pass (schedules the job's completion), the
// completion (schedules a pass now), that pass (schedules nothing); plus an hourly sample.
// Everything random is pre-drawn. items/s = events dispatched per second of wall time.

void BM_EngineEvents(benchmark::State& state) {
  const double pending = static_cast<double>(state.range(0));
  constexpr size_t kDraws = 1 << 16;
  Rng rng(7);
  std::vector<SimTime> gaps(kDraws), runs(kDraws);
  for (SimTime& g : gaps) g = SecondsToTime(rng.Exponential(1.0)) + 1;
  for (SimTime& r : runs) r = SecondsToTime(rng.Exponential(pending)) + 1;
  // About 4 events per job: 250,000 s of arrivals is ~1M events per iteration.
  const SimTime horizon = 250'000 * kSecond;
  uint64_t events = 0, started = 0;
  for (auto _ : state) {
    state.PauseTiming();
    EventList list(/*reference=*/false);
    // Warm start: P jobs already running, ending uniformly over the next 2P seconds.
    for (uint32_t j = 0; j < static_cast<uint32_t>(pending); ++j) {
      list.Schedule(SecondsToTime(rng.Uniform01() * 2 * pending), Phase::kRelease,
                    EventKind::kComplete, j);
    }
    list.Schedule(0, Phase::kArrive, EventKind::kArrival, 0);
    list.Schedule(0, Phase::kObserve, EventKind::kSample, 0);
    SimTime now = 0;
    size_t k = 0;
    state.ResumeTiming();
    const absl::Status st = DispatchEvents(list, horizon, nullptr, now, [&](const Event& e) {
      now = e.time;
      ++events;
      switch (e.kind) {
        case EventKind::kArrival:
          list.Schedule(now + gaps[k & (kDraws - 1)], Phase::kArrive, EventKind::kArrival, 0);
          list.Schedule(now, Phase::kSchedule, EventKind::kSchedule, 1);
          break;
        case EventKind::kSchedule:
          if (e.payload == 1) {
            list.Schedule(now + runs[k & (kDraws - 1)], Phase::kRelease, EventKind::kComplete,
                          static_cast<uint32_t>(k));
            ++started;
          }
          ++k;
          break;
        case EventKind::kComplete:
          list.Schedule(now, Phase::kSchedule, EventKind::kSchedule, 0);
          break;
        case EventKind::kSample:
          list.Schedule(now + kHour, Phase::kObserve, EventKind::kSample, 0);
          break;
        default:
          break;
      }
      return absl::OkStatus();
    });
    if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
    benchmark::DoNotOptimize(now);
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["jobs_started_per_iteration"] =
      static_cast<double>(started) / static_cast<double>(state.iterations());
  state.counters["events_per_iteration"] =
      static_cast<double>(events) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_EngineEvents)->ArgName("pending")->Arg(1'000)->Arg(10'000)->Arg(100'000);

// ---------------------------------------------------------------------------------------------
// Placement on a ~70% occupied cluster.

constexpr uint32_t kGpusPerNode = 8;

// Per node: 55% full, 15% empty, 30% with 1..7 GPUs allocated (mean 4): 0.55 + 0.30 x 4/8 = 70%
// of the GPUs allocated, with every bucket populated (a uniform per-GPU draw would leave almost
// no whole free nodes, so multi-node gangs would be trivial misses).
ClusterState OccupiedCluster(uint32_t gpus, uint64_t seed) {
  const uint32_t nodes = gpus / kGpusPerNode;
  ClusterState c({{kGpusPerNode, nodes, 0}});
  Rng rng(seed);
  Placement p;
  for (NodeId n = 0; n < nodes; ++n) {
    const double u = rng.Uniform01();
    uint32_t used = 0;
    if (u < 0.55) {
      used = kGpusPerNode;
    } else if (u < 0.85) {
      used = 1 + static_cast<uint32_t>(rng.UniformInt(kGpusPerNode - 1));
    }
    if (used == 0) continue;
    p.clear();
    p.push_back({n, used});
    c.Allocate(p);
  }
  return c;
}

const std::vector<uint32_t> kGangValues = {1, 2, 4, 8, 16, 32};
const std::vector<double> kGangWeights = {50, 20, 12, 10, 5, 3};

void BM_Place(benchmark::State& state, const char* policy_name) {
  const uint32_t gpus = static_cast<uint32_t>(state.range(0));
  const uint32_t gang = static_cast<uint32_t>(state.range(1));  // 0 = workload mix
  auto policy = MakePlacementPolicy(policy_name);
  if (!policy.ok()) {
    state.SkipWithError(std::string(policy.status().message()).c_str());
    return;
  }
  const ClusterState cluster = OccupiedCluster(gpus, 7);
  Rng rng(11);
  DiscreteDistribution mix(kGangWeights);
  constexpr size_t kGangs = 1 << 12;
  std::vector<uint32_t> gangs(kGangs);
  for (uint32_t& g : gangs) g = gang > 0 ? gang : kGangValues[mix.Sample(rng)];
  const std::vector<uint32_t> pools = {0};
  Placement out;
  size_t k = 0;
  int64_t placed = 0;
  for (auto _ : state) {
    placed += (*policy)->Place(cluster, pools, gangs[k++ & (kGangs - 1)], &out) ? 1 : 0;
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["fit_fraction"] =
      static_cast<double>(placed) / static_cast<double>(state.iterations());
  state.counters["occupancy"] =
      static_cast<double>(cluster.allocated_gpus(0)) / static_cast<double>(cluster.provisioned_gpus(0));
}

void PlaceArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"gpus", "gang"});
  for (int64_t gpus : {1'000, 10'000, 100'000}) {
    for (int64_t gang : {0, 1, 8, 32}) b->Args({gpus, gang});
  }
}

BENCHMARK_CAPTURE(BM_Place, first_fit, "first-fit")->Apply(PlaceArgs);
BENCHMARK_CAPTURE(BM_Place, best_fit, "best-fit")->Apply(PlaceArgs);
BENCHMARK_CAPTURE(BM_Place, spread, "spread")->Apply(PlaceArgs);

// ---------------------------------------------------------------------------------------------
// Scheduling-pass cost against the backlog length.

constexpr uint32_t kPassNodes = 8;  // 64 GPUs
constexpr double kStreamMeanS = 60;
constexpr double kStreamLoad = 0.95;
constexpr double kPassHorizonDays = 4;  // ~1.1M stream events

// A pool of `nodes` x 8 GPUs holding `backlog` pending jobs that never fit (four classes: gangs
// of 72..128 GPUs on the 64-GPU pool, the pool's size + 8 .. + 64 otherwise), and optionally a
// stream of 1-GPU jobs at 95% load (exponential, mean 60 s) over `horizon`.
ScenarioModel BacklogScenario(uint32_t nodes, uint64_t backlog, bool with_stream,
                              SimTime horizon) {
  ScenarioModel s;
  s.name = "pass-scaling";
  s.start_unix_s = 1672531200;  // 2023-01-01T00:00:00Z
  s.horizon = horizon;
  s.sample_interval = kHour;
  s.catalog = GpuCatalog::BuiltIn();
  PoolSpec p;
  p.name = "pool";
  p.gpu_type = "A100-80GB";
  p.gpus_per_node = kGpusPerNode;
  p.nodes = nodes;
  p.pricing = PricingModel::kReserved;
  p.price = DollarsPerHourToPrice(2.0);
  s.pools.push_back(p);
  const uint32_t gpus = nodes * kGpusPerNode;
  // Generator 0 (the same random stream in both runs): the backlog, Q jobs in ~10 s, four
  // classes that never fit.
  GeneratorSpec big;
  big.name = "backlog";
  big.arrivals_per_hour = static_cast<double>(backlog) * 360.0;
  big.max_jobs = backlog;
  big.start = 0;
  big.end = s.horizon;
  big.gpu_values = gpus == 64 ? std::vector<uint32_t>{72, 80, 96, 128}
                              : std::vector<uint32_t>{gpus + 8, gpus + 16, gpus + 32, gpus + 64};
  big.gpu_weights = {1, 1, 1, 1};
  big.duration.kind = DurationDist::Kind::kConstant;
  big.duration.constant_s = 3600;
  s.generators.push_back(big);
  if (with_stream) {
    GeneratorSpec tiny;
    tiny.name = "stream";
    tiny.arrivals_per_hour = kStreamLoad * gpus / kStreamMeanS * 3600.0;
    tiny.start = 0;
    tiny.end = s.horizon;
    tiny.gpu_values = {1};
    tiny.gpu_weights = {1};
    tiny.duration.kind = DurationDist::Kind::kExponential;
    tiny.duration.mean_s = kStreamMeanS;
    s.generators.push_back(tiny);
  }
  return s;
}

ScenarioModel BacklogScenario(uint64_t backlog, bool with_stream) {
  return BacklogScenario(kPassNodes, backlog, with_stream,
                         static_cast<SimTime>(kPassHorizonDays * static_cast<double>(kDay)));
}

struct TimedRun {
  double seconds = 0;
  uint64_t events = 0;
  uint32_t completed = 0;
  uint32_t queued = 0;
};

TimedRun RunTimed(const ScenarioModel& s, const PolicySpec& policy) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = Simulate(s, policy, 1, RunOptions{});
  const auto t1 = std::chrono::steady_clock::now();
  if (!r.ok()) throw std::runtime_error(std::string(r.status().message()));
  TimedRun out;
  out.seconds = std::chrono::duration<double>(t1 - t0).count();
  out.events = r->result.summary().events();
  out.completed = r->result.summary().jobs_completed();
  out.queued = r->result.summary().jobs_queued_at_horizon();
  return out;
}

void BM_SchedulingPass(benchmark::State& state, const char* queue) {
  const uint64_t backlog = static_cast<uint64_t>(state.range(0));
  const ScenarioModel base = BacklogScenario(backlog, false);
  const ScenarioModel full = BacklogScenario(backlog, true);
  const PolicySpec policy{queue, "best-fit"};
  TimedRun a, b;
  double total_b = 0;
  for (auto _ : state) {
    a = RunTimed(base, policy);
    b = RunTimed(full, policy);
    total_b += b.seconds;
    state.SetIterationTime(b.seconds - a.seconds);
  }
  const uint64_t extra = b.events - a.events;
  state.SetItemsProcessed(static_cast<int64_t>(extra) * state.iterations());
  state.counters["ns_per_stream_event"] =
      (b.seconds - a.seconds) * 1e9 / static_cast<double>(extra);
  state.counters["ns_per_event_whole_run"] =
      total_b / static_cast<double>(state.iterations()) * 1e9 / static_cast<double>(b.events);
  state.counters["stream_events"] = static_cast<double>(extra);
  state.counters["queued_at_horizon"] = b.queued;
  state.counters["completed"] = b.completed;
}

void BacklogArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("backlog");
  for (int64_t q : {1'000, 10'000, 100'000, 1'000'000}) b->Arg(q);
  b->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_SchedulingPass, fifo_skip, "fifo-skip")->Apply(BacklogArgs);
BENCHMARK_CAPTURE(BM_SchedulingPass, sjf, "sjf")->Apply(BacklogArgs);

// The same differential measurement against the cluster size: G GPUs (G/8 nodes), a backlog of
// 10,000 never-fitting jobs, the 1-GPU stream at 95% load for max(1M stream events, 25 mean
// durations): 4.4 h of simulated time at 1,000 GPUs, 26 min at 100,000 (1M and 2.4M stream
// events). Must stay flat as G grows: nothing per event may walk the nodes.
void BM_SchedulingPassNodes(benchmark::State& state, const char* queue) {
  const uint32_t gpus = static_cast<uint32_t>(state.range(0));
  const uint32_t nodes = gpus / kGpusPerNode;
  constexpr uint64_t kBacklog = 10'000;
  const double rate_per_s = kStreamLoad * gpus / kStreamMeanS;
  const double horizon_s = std::max(250'000.0 / rate_per_s, 25 * kStreamMeanS);
  const SimTime horizon = SecondsToTime(horizon_s);
  const ScenarioModel base = BacklogScenario(nodes, kBacklog, false, horizon);
  const ScenarioModel full = BacklogScenario(nodes, kBacklog, true, horizon);
  const PolicySpec policy{queue, "best-fit"};
  TimedRun a, b;
  double total_b = 0;
  for (auto _ : state) {
    a = RunTimed(base, policy);
    b = RunTimed(full, policy);
    total_b += b.seconds;
    state.SetIterationTime(b.seconds - a.seconds);
  }
  const uint64_t extra = b.events - a.events;
  state.SetItemsProcessed(static_cast<int64_t>(extra) * state.iterations());
  state.counters["ns_per_stream_event"] =
      (b.seconds - a.seconds) * 1e9 / static_cast<double>(extra);
  state.counters["ns_per_event_whole_run"] =
      total_b / static_cast<double>(state.iterations()) * 1e9 / static_cast<double>(b.events);
  state.counters["stream_events"] = static_cast<double>(extra);
  state.counters["queued_at_horizon"] = b.queued;
  state.counters["horizon_s"] = horizon_s;
}

void NodesArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("gpus");
  for (int64_t g : {1'000, 3'000, 10'000, 30'000, 100'000}) b->Arg(g);
  b->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_SchedulingPassNodes, fifo_skip, "fifo-skip")->Apply(NodesArgs);
BENCHMARK_CAPTURE(BM_SchedulingPassNodes, sjf, "sjf")->Apply(NodesArgs);

}  // namespace
}  // namespace burnrate
