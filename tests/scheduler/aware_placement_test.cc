// random, topology and the heterogeneity-aware placements.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "scheduler/placements.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

const JobRecord& Rec(const RunOutput& out, const std::string& name) {
  for (const JobRecord& j : out.jobs) {
    if (j.name == name) return j;
  }
  throw std::runtime_error("no job " + name);
}

TEST_CASE("random placement is seeded: same seed same nodes, other seeds differ",
          "[scheduler][placement]") {
  ClusterState c({{8, 64, 0, ClusterState::PoolShape::kAll}});
  const std::vector<PoolTraits> traits = {{1.0, 2.0, 2}};
  const uint32_t pools[] = {0};
  const auto nodes_for = [&](uint64_t seed) {
    auto p = NewRandomPlacement();
    p->Init(seed, traits);
    std::vector<NodeId> out;
    Placement pl;
    for (int i = 0; i < 20; ++i) {
      REQUIRE(p->PlaceJob(c, pools, {2, kHour, 0, kTimeInfinity}, &pl));
      REQUIRE(pl.size() == 1);
      CHECK(c.free_on(pl[0].node) >= 2);
      out.push_back(pl[0].node);
    }
    return out;
  };
  CHECK(nodes_for(1) == nodes_for(1));
  CHECK(nodes_for(1) != nodes_for(2));
  std::set<NodeId> distinct;
  for (NodeId n : nodes_for(3)) distinct.insert(n);
  CHECK(distinct.size() > 10);  // spread over the pool, not first-fit
}

TEST_CASE("random placement places a multi-node gang on distinct nodes with room",
          "[scheduler][placement]") {
  ClusterState c({{8, 6, 0, ClusterState::PoolShape::kAll}});
  c.Allocate({{0, 5}, {3, 8}});
  auto p = NewRandomPlacement();
  const std::vector<PoolTraits> traits = {{1.0, 2.0, 2}};
  p->Init(9, traits);
  const uint32_t pools[] = {0};
  for (int i = 0; i < 50; ++i) {
    Placement pl;
    REQUIRE(p->PlaceJob(c, pools, {19, kHour, 0, kTimeInfinity}, &pl));  // 8 + 8 + 3
    REQUIRE(pl.size() == 3);
    std::set<NodeId> nodes;
    for (const NodeShare& s : pl) {
      nodes.insert(s.node);
      CHECK(c.free_on(s.node) >= s.gpus);
    }
    CHECK(nodes.size() == 3);
  }
}

TEST_CASE("topology keeps a gang in one rack when one can hold it", "[scheduler][placement]") {
  // 8 nodes of 8 GPUs, racks of 4: nodes 0-3 rack 0, 4-7 rack 1.
  ClusterState c({{8, 8, 4, ClusterState::PoolShape::kAll}});
  // Rack 0 keeps 2 whole nodes free (0, 1), rack 1 keeps 3 (4, 5, 6).
  c.Allocate({{2, 8}, {3, 8}, {7, 8}});
  auto topo = NewTopologyPlacement();
  const uint32_t pools[] = {0};
  Placement pl;
  // 16 GPUs fit in either rack: the tighter rack 0.
  REQUIRE(topo->Place(c, pools, 16, &pl));
  REQUIRE(pl.size() == 2);
  CHECK(c.rack_of(pl[0].node) == 0);
  CHECK(c.rack_of(pl[1].node) == 0);
  // 24 GPUs fit only in rack 1.
  REQUIRE(topo->Place(c, pools, 24, &pl));
  for (const NodeShare& s : pl) CHECK(c.rack_of(s.node) == 1);
  // 40 GPUs need both racks.
  REQUIRE(topo->Place(c, pools, 40, &pl));
  CHECK(pl.size() == 5);
  // A 4-GPU job goes to one node, best fit.
  c.Allocate({{4, 5}});
  REQUIRE(topo->Place(c, pools, 3, &pl));
  REQUIRE(pl.size() == 1);
  CHECK(pl[0].node == 4);
}

TEST_CASE("a gang spread over nodes or racks runs at the locality factor",
          "[sim][placement][topology]") {
  ScenarioModel s = OnePool(4, 8, 2);
  s.pools[0].rack_size = 2;
  s.cross_node_speed = 0.8;
  s.cross_rack_speed = 0.5;
  AddJob(s, 0, 8, 4, "one-node");    // 4 h
  AddJob(s, 0, 16, 4, "one-rack");   // 4 h / 0.8 = 5 h
  const RunOutput a = MustRun(s, "fifo-skip", "topology");
  CHECK(Rec(a, "one-node").finish_s == Approx(4 * 3600));
  CHECK(Rec(a, "one-rack").finish_s == Approx(5 * 3600));
  // first-fit puts the 16-GPU gang on nodes 1 and 2: two racks, 4 h / 0.5 = 8 h.
  const RunOutput b = MustRun(s, "fifo-skip", "first-fit");
  CHECK(Rec(b, "one-rack").finish_s == Approx(8 * 3600));
}

TEST_CASE("preempted work converts back to reference work at the speed the attempt ran",
          "[sim][placement][topology][preemption]") {
  ScenarioModel s = OnePool(2, 8, 2);
  s.pools[0].rack_size = 1;  // every node its own rack
  s.cross_rack_speed = 0.5;
  AddJob(s, 0, 16, 4, "wide");  // 4 h of work at half speed: 8 h
  s.jobs.back().checkpoint_interval = kHour;
  AddJob(s, 3, 8, 1, "urgent");
  s.jobs.back().priority = 5;
  const RunOutput out = MustRun(s, "priority");
  // At 3 h wide has run 3 h at 0.5 (1.5 h of work, all checkpointed: nothing lost); urgent
  // runs 3-4 h; wide restarts at 4 h with 2.5 h of work at 0.5: done at 9 h.
  CHECK(Rec(out, "urgent").start_s == Approx(3 * 3600));
  CHECK(Rec(out, "wide").preemptions == 1);
  CHECK(Rec(out, "wide").gpu_hours_lost == Approx(0));
  CHECK(Rec(out, "wide").finish_s == Approx(9 * 3600));
}

ScenarioModel TwoTypes() {
  ScenarioModel s = OnePool(1, 8, 2, 4.0);  // A100-80GB at $4
  s.pools[0].pricing = PricingModel::kOnDemand;
  PoolSpec slow = s.pools[0];
  slow.name = "slow";
  slow.gpu_type = "V100";
  slow.training_speed = 0.5;
  slow.price = DollarsPerHourToPrice(1.0);
  s.pools.insert(s.pools.begin(), slow);  // listed first: first-fit would take it
  return s;
}

TEST_CASE("fastest takes the fastest free GPU type; cheapest-deadline the cheapest that meets "
          "the deadline",
          "[sim][placement][heterogeneity]") {
  ScenarioModel s = TwoTypes();
  AddJob(s, 0, 8, 2, "job");  // 2 h on the reference (A100), 4 h on the slow type
  CHECK(Rec(MustRun(s, "fifo", "first-fit"), "job").pool == "slow");
  CHECK(Rec(MustRun(s, "fifo", "fastest"), "job").pool == "pool");
  // No deadline: cheapest job cost: slow 8 x $1 x 4 h = $32 < 8 x $4 x 2 h = $64.
  CHECK(Rec(MustRun(s, "fifo", "cheapest-deadline"), "job").pool == "slow");
  // A 3 h deadline rules out the slow type (4 h).
  s.jobs[0].deadline = 3 * kHour;
  const RunOutput met = MustRun(s, "fifo", "cheapest-deadline");
  CHECK(Rec(met, "job").pool == "pool");
  CHECK(met.result.summary().jobs_with_deadline() == 1);
  CHECK(met.result.summary().deadlines_missed() == 0);
  CHECK(MustRun(s, "fifo", "first-fit").result.summary().deadlines_missed() == 1);
  // An impossible deadline (1 h): the fastest.
  s.jobs[0].deadline = kHour;
  CHECK(Rec(MustRun(s, "fifo", "cheapest-deadline"), "job").pool == "pool");
}

}  // namespace
}  // namespace burnrate
