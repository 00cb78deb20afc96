// frag/replay.h: pods arriving and leaving in time, a skip-FIFO queue, max-wait drops, exact
// time averages, each checked against numbers worked out by hand (in the comments); the
// invariants after every instant under random workloads; determinism; errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "frag/openb.h"
#include "frag/replay.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

const std::string kFixtures = std::string(BURNRATE_SOURCE_DIR) + "/tests/frag/fixtures";

FragNodeSpec Node(const std::string& name, int32_t gpus) {
  return FragNodeSpec{name, 8000, 65536, gpus, "T4"};
}

// A pod of 1 CPU asking `milli` of one GPU (1000: a whole GPU), created at `arrival` and run
// for `run` seconds (scheduled at creation).
FragPod Pod(const std::string& name, int32_t milli, double arrival, double run) {
  FragPod p;
  p.name = name;
  p.cpu_milli = 1000;
  p.memory_mib = 1024;
  p.num_gpu = milli == 0 ? 0 : 1;
  p.gpu_milli = milli;
  p.creation_s = p.scheduled_s = arrival;
  p.deletion_s = arrival + run;
  p.has_times = true;
  return p;
}

FragReplayOptions Options(double horizon_s) {
  FragReplayOptions o;
  o.horizon_s = horizon_s;
  o.popularity = 1;
  o.threads = 1;
  o.check_invariants = true;
  return o;
}

}  // namespace

TEST_CASE("frag replay: a departure frees a shared GPU and the waiting pod starts then",
          "[frag]") {
  // Two nodes of one GPU. p0 (600) and p1 (600) cannot share a GPU: one each, 400 free on
  // both. p2 (500, at 20) fits neither and waits; p3 (300, at 30) fits and starts (skip). At
  // 100 p0 leaves and p2 starts on its node. Same for every policy: each choice is forced
  // or symmetric for the allocation.
  const std::vector<FragNodeSpec> nodes = {Node("a", 1), Node("b", 1)};
  const std::vector<FragPod> pods = {Pod("p0", 600, 0, 100), Pod("p1", 600, 10, 100),
                                     Pod("p2", 500, 20, 50), Pod("p3", 300, 30, 200)};
  FragReplayOptions o = Options(200);
  o.sample_s = 50;
  auto r = RunFragReplay(nodes, pods, o);
  REQUIRE(r.ok());
  CHECK(r->pods == 4);
  CHECK(r->end_s == 200);
  CHECK(r->gpu_capacity_milli == 2000);
  REQUIRE(r->policies.size() == 6);
  for (const FragReplayRun& run : r->policies) {
    INFO(run.policy);
    CHECK(run.arrived == 4);
    CHECK(run.started == 4);
    CHECK(run.dropped == 0);
    CHECK(run.waiting_at_end == 0);
    CHECK(run.running_at_end == 1);  // p3 leaves at 230
    const FragReplayPodOutcome& p0 = run.pods[0];
    const FragReplayPodOutcome& p2 = run.pods[2];
    CHECK(p2.state == FragReplayPodOutcome::kStarted);
    CHECK(p2.arrival_s == 20);
    CHECK(p2.start_s == 100);
    CHECK(p2.end_s == 150);
    CHECK(p2.node == p0.node);
    CHECK(run.pods[3].start_s == 30);
    CHECK(run.pods[1].node != p0.node);
    // Waits 0, 0, 80, 0: mean 20; p95 is the 4th of 4 by nearest rank.
    CHECK(run.mean_wait_s == 20);
    CHECK(run.p95_wait_s == 80);
    CHECK(run.max_wait_s == 80);
    // Allocated milli-GPU: 600 on [0,10), 1200 on [10,30), 1500 on [30,100), 1400 on
    // [100,110), 800 on [110,150), 300 on [150,200]: area 196,000 over 200 s = 980 of 2000.
    CHECK(run.allocated_gpus == Approx(0.98));
    CHECK(run.unallocated_pct == Approx(51.0));
    // Samples every 50 s and at the end, each the state after the events of its instant.
    REQUIRE(run.samples.size() == 5);
    const std::vector<double> t = {0, 50, 100, 150, 200};
    const std::vector<int64_t> alloc = {600, 1500, 1400, 300, 300};
    const std::vector<int64_t> running = {1, 3, 3, 1, 1};
    const std::vector<int64_t> waiting = {0, 1, 0, 0, 0};
    for (size_t i = 0; i < t.size(); ++i) {
      INFO("sample " << i);
      CHECK(run.samples[i].t_s == t[i]);
      CHECK(run.samples[i].allocated_gpu_milli == alloc[i]);
      CHECK(run.samples[i].running == running[i]);
      CHECK(run.samples[i].waiting == waiting[i]);
    }
  }
}

TEST_CASE("frag replay: waiting pods start in arrival order and skip what does not fit",
          "[frag]") {
  // One GPU. p0 800 on [0,100). p1 (700, at 10) and p2 (500, at 20) wait. p3 (200, at 30)
  // fits the 200 left and starts although others wait. At 100 p0 leaves (800 free with p3):
  // p1, first in arrival order, starts; p2 no longer fits. At 150 p1 leaves: p2 starts.
  const std::vector<FragNodeSpec> nodes = {Node("a", 1)};
  const std::vector<FragPod> pods = {Pod("p0", 800, 0, 100), Pod("p1", 700, 10, 50),
                                     Pod("p2", 500, 20, 50), Pod("p3", 200, 30, 500)};
  auto r = RunFragReplay(nodes, pods, Options(300));
  REQUIRE(r.ok());
  for (const FragReplayRun& run : r->policies) {
    INFO(run.policy);
    CHECK(run.pods[3].start_s == 30);
    CHECK(run.pods[1].start_s == 100);
    CHECK(run.pods[2].start_s == 150);
    CHECK(run.started == 4);
    CHECK(run.running_at_end == 1);
    // Waits 0, 90, 130, 0.
    CHECK(run.mean_wait_s == 55);
    CHECK(run.p95_wait_s == 130);
    // Allocated: 800 on [0,30), 1000 on [30,100), 900 on [100,150), 700 on [150,200), 200 on
    // [200,300]: area 194,000 over 300 s = 646.67 of 1000.
    CHECK(run.unallocated_pct == Approx(100.0 * (1 - 194000.0 / 300 / 1000)));
  }
}

TEST_CASE("frag replay: the time-averaged fragmentation worked out by hand", "[frag]") {
  // One GPU; the mix is {600, 300}, half each (popularity 1). A shape that fits the GPU has
  // no fragment on it; one that does not counts all u free milli. p0 600 on [0,100), p1 300
  // on [50,150), horizon 200.
  //   [0,50):    u 400: 600 does not fit: F = 400/2 = 200 milli, 50% of the free
  //   [50,100):  u 100: neither fits:     F = 100,            100% of the free
  //   [100,200]: u 700 then 1000: both fit: F = 0
  // F: (200 x 50 + 100 x 50) / 200 = 75 milli-GPU; % of free: (50 x 50 + 100 x 50) / 200 =
  // 37.5. Allocated 600, 900, 300, 0 on 50, 50, 50, 50 s: 450 average, 55% unallocated.
  const std::vector<FragNodeSpec> nodes = {Node("a", 1)};
  const std::vector<FragPod> pods = {Pod("p0", 600, 0, 100), Pod("p1", 300, 50, 100)};
  auto r = RunFragReplay(nodes, pods, Options(200));
  REQUIRE(r.ok());
  CHECK(r->shapes == 2);
  CHECK(r->typical_shapes == 2);
  for (const FragReplayRun& run : r->policies) {
    INFO(run.policy);
    CHECK(run.frag_gpus == Approx(0.075));
    CHECK(run.frag_pct == Approx(37.5));
    CHECK(run.unallocated_pct == Approx(55.0));
    CHECK(run.allocated_gpus == Approx(0.45));
    REQUIRE_FALSE(run.samples.empty());
    CHECK(run.samples.front().frag_gpus == Approx(0.2));
    CHECK(run.samples.front().frag_pct == Approx(50.0));
  }
  // Offered: the same pods, as nothing waits: 450 milli of 1000 on average, 900 at the peak.
  CHECK(r->offered_gpu_pct == Approx(45.0));
  CHECK(r->peak_offered_gpu_pct == Approx(90.0));
}

TEST_CASE("frag replay: a pod waiting max-wait is dropped and may start at its deadline",
          "[frag]") {
  // One GPU held whole by p0 on [0,100); p1 (500, at 10) and p2 (500, at 20) wait.
  const std::vector<FragNodeSpec> nodes = {Node("a", 1)};
  const std::vector<FragPod> pods = {Pod("p0", 1000, 0, 100), Pod("p1", 500, 10, 10),
                                     Pod("p2", 500, 20, 10)};
  struct Case {
    double max_wait;
    int64_t dropped;
    double p1_start, p2_start;  // -1: dropped
    double p1_dropped_at, p2_dropped_at;
  };
  const std::vector<Case> cases = {
      {0, 2, -1, -1, 10, 20},     // no waiting at all: dropped on arrival
      {50, 2, -1, -1, 60, 70},    // both gone before p0 leaves
      {85, 1, -1, 100, 95, -1},   // p1 at 95; p2 (deadline 105) starts at 100
      {90, 0, 100, 100, -1, -1},  // p1's deadline is 100: the departure comes first
      {-1, 0, 100, 100, -1, -1},  // no limit
  };
  for (const Case& c : cases) {
    INFO("max wait " << c.max_wait);
    FragReplayOptions o = Options(200);
    o.max_wait_s = c.max_wait;
    o.policies = {"fgd", "best-fit", "random"};
    auto r = RunFragReplay(nodes, pods, o);
    REQUIRE(r.ok());
    for (const FragReplayRun& run : r->policies) {
      INFO(run.policy);
      CHECK(run.dropped == c.dropped);
      CHECK(run.started == 3 - c.dropped);
      CHECK(run.waiting_at_end == 0);
      const double starts[] = {c.p1_start, c.p2_start};
      const double drops[] = {c.p1_dropped_at, c.p2_dropped_at};
      for (size_t i = 0; i < 2; ++i) {
        const FragReplayPodOutcome& out = run.pods[i + 1];
        if (starts[i] >= 0) {
          CHECK(out.state == FragReplayPodOutcome::kStarted);
          CHECK(out.start_s == starts[i]);
        } else {
          CHECK(out.state == FragReplayPodOutcome::kDropped);
          CHECK(out.end_s == drops[i]);
        }
      }
    }
  }
}

TEST_CASE("frag replay: time compression shortens the gaps but not the run times", "[frag]") {
  // Created at 1000, 1500 and 3000 on the trace clock; compression 10: arrivals at 0, 50
  // and 200 on the replay clock; each runs its 400 s. Without a horizon the run ends at the
  // last arrival, with the first pods still running.
  const std::vector<FragNodeSpec> nodes = {Node("a", 2)};
  std::vector<FragPod> pods = {Pod("p0", 1000, 1000, 400), Pod("p1", 1000, 1500, 400),
                               Pod("p2", 1000, 3000, 400)};
  pods[1].scheduled_s = 1600;  // waited 100 s in the trace: its run is 1900 - 1600 = 300
  FragReplayOptions o = Options(0);
  o.time_compression = 10;
  o.policies = {"fgd"};
  auto r = RunFragReplay(nodes, pods, o);
  REQUIRE(r.ok());
  CHECK(r->first_creation_s == 1000);
  CHECK(r->end_s == 200);
  const FragReplayRun& run = r->policies[0];
  CHECK(run.pods[0].arrival_s == 0);
  CHECK(run.pods[1].arrival_s == 50);
  CHECK(run.pods[1].end_s == 350);
  CHECK(run.pods[2].arrival_s == 200);
  // p2 finds both GPUs taken and waits at the end; its wait is not counted.
  CHECK(run.pods[2].state == FragReplayPodOutcome::kWaiting);
  CHECK(run.waiting_at_end == 1);
  CHECK(run.running_at_end == 2);
  CHECK(run.mean_wait_s == 0);
  // A horizon on the replay clock: p2 (at 200) is not replayed with a 150 s horizon.
  o.horizon_s = 150;
  auto cut = RunFragReplay(nodes, pods, o);
  REQUIRE(cut.ok());
  CHECK(cut->pods == 2);
  CHECK(cut->pods_after_horizon == 1);
  CHECK(cut->policies[0].pods[2].state == FragReplayPodOutcome::kNotReplayed);
}

TEST_CASE("frag replay: random workloads keep every invariant after every instant", "[frag]") {
  // Shares, whole GPUs (1, 2, 4), CPU-only pods and model constraints on four nodes of two
  // models; arrivals bunched on whole seconds so instants hold several events, some zero run
  // times; with and without max-wait. check_invariants recounts the cluster, the
  // fragmentation, the running pods' GPU, and that no waiting pod fits any node.
  std::vector<FragNodeSpec> nodes = {Node("a", 4), Node("b", 2), Node("c", 8), Node("d", 0)};
  nodes[2].model = "G2";
  nodes[2].cpu_milli = 32000;
  Rng rng(7);
  std::vector<FragPod> pods;
  for (int i = 0; i < 400; ++i) {
    const uint64_t kind = rng.UniformInt(10);
    const int32_t milli = kind < 5   ? static_cast<int32_t>(100 * (1 + rng.UniformInt(9)))
                          : kind < 8 ? 1000
                                     : 0;
    FragPod p = Pod("p" + std::to_string(i), milli, static_cast<double>(rng.UniformInt(2000)),
                    static_cast<double>(rng.UniformInt(300)));
    if (kind == 6) p.num_gpu = 1 << rng.UniformInt(3);
    if (kind == 7) p.gpu_models = {"T4"};
    p.cpu_milli = static_cast<int64_t>(500 * (1 + rng.UniformInt(6)));
    pods.push_back(p);
  }
  for (double max_wait : {-1.0, 30.0}) {
    FragReplayOptions o = Options(2500);
    o.max_wait_s = max_wait;
    o.threads = 0;
    auto r = RunFragReplay(nodes, pods, o);
    if (!r.ok()) FAIL(r.status().message());
    for (const FragReplayRun& run : r->policies) {
      INFO(run.policy << " max wait " << max_wait);
      CHECK(run.arrived == 400);
      CHECK(run.started + run.dropped + run.waiting_at_end == 400);
      CHECK(run.started > 200);
      CHECK(run.max_wait_s > 0);  // the queue was used
      if (max_wait < 0) CHECK(run.dropped == 0);
      if (max_wait >= 0) {
        CHECK(run.dropped > 0);
        CHECK(run.max_wait_s <= max_wait);
      }
      for (const FragReplaySample& s : run.samples) {
        CHECK(s.allocated_gpu_milli >= 0);
        CHECK(s.allocated_gpu_milli <= r->gpu_capacity_milli);
      }
    }
  }
}

TEST_CASE("frag replay: same inputs give byte-identical JSON whatever the threads", "[frag]") {
  auto nodes = ReadOpenbNodeList(kFixtures + "/nodes_small.csv");
  auto pods = ReadOpenbPodList(kFixtures + "/pods_small.csv", OpenbPodListOptions{true, true});
  REQUIRE(nodes.ok());
  REQUIRE(pods.ok());
  FragReplayOptions o;
  o.sample_s = 7;
  o.threads = 1;
  auto a = RunFragReplay(*nodes, pods->pods, o);
  o.threads = 4;
  auto b = RunFragReplay(*nodes, pods->pods, o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const std::string json = FragReplayJson(*a);
  CHECK(json == FragReplayJson(*b));
  CHECK_THAT(json, Catch::Contains("\"schema\": \"burnrate.frag.replay.v1\"") &&
                       Catch::Contains("\"policy\": \"gpu-clustering\"") &&
                       Catch::Contains("\"max_wait_s\": null"));
  CHECK(a->end_s == 50);  // pod-06 (at 60) is skipped: no scheduled_time
  CHECK(a->policies[0].samples.size() == 9);  // 0, 7, ..., 49 and the end
}

TEST_CASE("frag replay: bad options and pods without times are refused", "[frag]") {
  const std::vector<FragNodeSpec> nodes = {Node("a", 1)};
  const std::vector<FragPod> pods = {Pod("p0", 500, 0, 10)};
  auto refuse = [&](FragReplayOptions o, const std::vector<FragPod>& p, const std::string& text) {
    INFO(text);
    auto r = RunFragReplay(nodes, p, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(r.status().message()), Catch::Contains(text));
  };
  FragReplayOptions o;
  o.time_compression = 0;
  refuse(o, pods, "time compression: 0");
  o = FragReplayOptions{};
  o.sample_s = 0;
  refuse(o, pods, "sample step: 0");
  o = FragReplayOptions{};
  o.horizon_s = 1e9;
  o.sample_s = 1;
  refuse(o, pods, "use a larger step");
  o = FragReplayOptions{};
  o.policies = {"first-fit"};
  refuse(o, pods, "unknown policy \"first-fit\"; known: fgd, best-fit");
  o = FragReplayOptions{};
  refuse(o, {}, "the pod list is empty");
  FragPod untimed = pods[0];
  untimed.has_times = false;
  untimed.line = 12;
  refuse(o, {untimed},
         "pod p0 (line 12): no usable creation_time, scheduled_time and deletion_time");
  auto no_gpu = RunFragReplay({Node("cpu", 0)}, pods, o);
  REQUIRE_FALSE(no_gpu.ok());
  CHECK_THAT(std::string(no_gpu.status().message()), Catch::Contains("no GPU"));
}

}  // namespace burnrate
