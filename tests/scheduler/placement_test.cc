// Placement policies and the free-capacity indexes they read, checked against brute force.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "scheduler/registry.h"
#include "sim/model/cluster_state.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

std::unique_ptr<PlacementPolicy> Make(const char* name) {
  auto p = MakePlacementPolicy(name);
  REQUIRE(p.ok());
  return *std::move(p);
}

// Brute force: does a gang fit in `pool` by the gang rule?
bool FitsBrute(const ClusterState& c, uint32_t pool, uint32_t gpus) {
  const uint32_t gpn = c.gpus_per_node(pool);
  uint32_t full = 0, best_partial = 0, max_free = 0;
  for (NodeId n = c.first_node(pool); n < c.first_node(pool) + c.nodes_in_pool(pool); ++n) {
    if (c.state_of(n) != NodeState::kOnline) continue;  // draining and offline: not placeable
    const uint32_t f = c.free_on(n);
    max_free = std::max(max_free, f);
    if (f == gpn) {
      ++full;
    } else {
      best_partial = std::max(best_partial, f);
    }
  }
  if (gpus <= gpn) return max_free >= gpus;
  const uint32_t whole = gpus / gpn, rest = gpus % gpn;
  if (full < whole) return false;
  return rest == 0 || full > whole || best_partial >= rest;
}

TEST_CASE("cluster indexes agree with brute force under random allocation", "[scheduler][placement]") {
  ClusterState c({{8, 37, 4}, {4, 20, 0}});
  Rng rng(9);
  std::vector<Placement> held;
  auto first_fit = Make("first-fit");
  auto best_fit = Make("best-fit");
  auto spread = Make("spread");
  const std::vector<uint32_t> both = {0, 1};
  for (int step = 0; step < 5000; ++step) {
    if (rng.UniformInt(3) > 0 || held.empty()) {
      const uint32_t gpus = static_cast<uint32_t>(1 + rng.UniformInt(20));
      for (uint32_t pool = 0; pool < 2; ++pool) {
        REQUIRE(c.Fits(pool, gpus) == FitsBrute(c, pool, gpus));
        // Leftmost with free >= k, from a random start.
        const uint32_t k = static_cast<uint32_t>(1 + rng.UniformInt(c.gpus_per_node(pool)));
        const NodeId from = c.first_node(pool) +
                            static_cast<NodeId>(rng.UniformInt(c.nodes_in_pool(pool)));
        int32_t expect = kNoNode;
        for (NodeId n = from; n < c.first_node(pool) + c.nodes_in_pool(pool); ++n) {
          if (c.state_of(n) == NodeState::kOnline && c.free_on(n) >= k) {
            expect = static_cast<int32_t>(n);
            break;
          }
        }
        REQUIRE(c.LeftmostWithFree(pool, k, from) == expect);
      }
      auto* policy = step % 3 == 0 ? first_fit.get() : step % 3 == 1 ? best_fit.get() : spread.get();
      Placement p;
      const bool fits = c.Fits(0, gpus) || c.Fits(1, gpus);
      REQUIRE(policy->Place(c, both, gpus, &p) == fits);
      if (fits) {
        // A placement is a valid gang: right total, distinct nodes of one pool, shape rule.
        uint32_t total = 0;
        const uint32_t pool = c.pool_of(p[0].node);
        const uint32_t gpn = c.gpus_per_node(pool);
        for (size_t i = 0; i < p.size(); ++i) {
          total += p[i].gpus;
          REQUIRE(c.pool_of(p[i].node) == pool);
          REQUIRE(p[i].gpus <= c.free_on(p[i].node));
          for (size_t j = 0; j < i; ++j) REQUIRE(p[i].node != p[j].node);
        }
        REQUIRE(total == gpus);
        REQUIRE(p.size() == (gpus <= gpn ? 1u : gpus / gpn + (gpus % gpn ? 1u : 0u)));
        c.Allocate(p);
        held.push_back(p);
      }
    } else if (rng.UniformInt(10) > 0) {
      const size_t i = rng.UniformInt(held.size());
      c.Release(held[i]);
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      // Capacity moves: nodes come online, idle ones go offline, or a pool drains.
      const uint32_t pool = static_cast<uint32_t>(rng.UniformInt(2));
      const uint64_t before = c.provisioned_gpus(pool);
      switch (rng.UniformInt(3)) {
        case 0:
          c.BringOnline(pool, static_cast<uint32_t>(rng.UniformInt(4)));
          CHECK(c.provisioned_gpus(pool) >= before);
          break;
        case 1:
          c.TakeIdleOffline(pool, static_cast<uint32_t>(rng.UniformInt(4)));
          CHECK(c.provisioned_gpus(pool) <= before);
          break;
        default:
          if (rng.UniformInt(4) == 0) {
            c.DrainPool(pool);
            CHECK(c.free_gpus(pool) == 0);  // nothing placeable while draining
            // Draining nodes stay provisioned only while they hold jobs.
            CHECK(c.provisioned_gpus(pool) <= before);
          }
      }
    }
    REQUIRE(c.CheckInvariants().ok());
  }
}

// One pool of four 8-GPU nodes with 8, 3, 6 and 5 free GPUs (nodes 0..3).
ClusterState Shaped() {
  ClusterState c({{8, 4, 0}});
  c.Allocate({{1, 5}, {2, 2}, {3, 3}});
  return c;
}

TEST_CASE("first-fit takes the lowest-numbered node with room", "[scheduler][placement]") {
  ClusterState c = Shaped();
  Placement p;
  const std::vector<uint32_t> pools = {0};
  REQUIRE(Make("first-fit")->Place(c, pools, 3, &p));
  CHECK(p[0].node == 0);
  REQUIRE(Make("first-fit")->Place(c, pools, 6, &p));
  CHECK(p[0].node == 0);
}

TEST_CASE("best-fit packs onto the node left with the fewest free GPUs", "[scheduler][placement]") {
  ClusterState c = Shaped();
  Placement p;
  const std::vector<uint32_t> pools = {0};
  REQUIRE(Make("best-fit")->Place(c, pools, 3, &p));
  CHECK(p[0].node == 1);  // 3 free -> 0 left
  REQUIRE(Make("best-fit")->Place(c, pools, 4, &p));
  CHECK(p[0].node == 3);  // 5 free -> 1 left
  REQUIRE(Make("best-fit")->Place(c, pools, 7, &p));
  CHECK(p[0].node == 0);  // only the empty node
  // 10 GPUs: the whole node 0 plus the tightest node for 2 (node 1, 3 free).
  REQUIRE(Make("best-fit")->Place(c, pools, 10, &p));
  REQUIRE(p.size() == 2);
  CHECK(p[0].node == 0);
  CHECK(p[0].gpus == 8);
  CHECK(p[1].node == 1);
  CHECK(p[1].gpus == 2);
}

TEST_CASE("spread takes the least-loaded node", "[scheduler][placement]") {
  ClusterState c = Shaped();
  Placement p;
  const std::vector<uint32_t> pools = {0};
  REQUIRE(Make("spread")->Place(c, pools, 2, &p));
  CHECK(p[0].node == 0);
  c.Allocate({{0, 4}});  // now 4, 3, 6, 5 free
  REQUIRE(Make("spread")->Place(c, pools, 2, &p));
  CHECK(p[0].node == 2);
  // A gang bigger than a node needs a whole free node; none is left.
  CHECK_FALSE(Make("spread")->Place(c, pools, 9, &p));
  CHECK(p.empty());
}

TEST_CASE("best-fit chooses the tightest pool and first-fit the first pool", "[scheduler][placement]") {
  ClusterState c({{8, 2, 0}, {4, 2, 0}});
  c.Allocate({{0, 4}});  // pool 0: nodes with 4 and 8 free; pool 1: two nodes with 4 free
  c.Allocate({{2, 1}});  // pool 1: 3 and 4 free
  const std::vector<uint32_t> pools = {0, 1};
  Placement p;
  REQUIRE(Make("best-fit")->Place(c, pools, 3, &p));
  CHECK(p[0].node == 2);  // pool 1, node with exactly 3 free
  REQUIRE(Make("first-fit")->Place(c, pools, 3, &p));
  CHECK(c.pool_of(p[0].node) == 0);
  CHECK(p[0].node == 0);
}

}  // namespace
}  // namespace burnrate
