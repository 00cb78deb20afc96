// Topology placement against its documented rule, checked by brute force over the nodes on
// thousands of random cluster states (the policy itself reads per-rack indexes and never walks
// the nodes; this test does, so the two must agree on every property below):
//   - a gang that fits in a node goes to a node with the fewest free GPUs that holds it;
//   - a wider gang that some rack can hold whole goes to one rack, and to one whose free GPUs
//     are the fewest among the racks that can hold it;
//   - otherwise it uses as few racks as any placement of its whole nodes could;
//   - every placement is valid: distinct online nodes, each share within the node's free GPUs,
//     whole nodes plus at most one remainder, shares summing to the gang;
//   - it finds a placement exactly when the gang fits.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "scheduler/placements.h"
#include "sim/model/cluster_state.h"

namespace burnrate {
namespace {

struct Shape {
  uint32_t gpn, nodes, rack_size;
};

// Can `rack` hold a gang of whole + rest on its own (rest on a node not among the whole ones)?
bool RackHolds(const ClusterState& c, uint32_t pool, uint32_t rack, uint32_t whole,
               uint32_t rest) {
  const uint32_t gpn = c.gpus_per_node(pool);
  uint32_t full = 0;
  bool partial = false;
  for (NodeId n = c.first_node(pool); n < c.first_node(pool) + c.nodes_in_pool(pool); ++n) {
    if (c.rack_of(n) != rack || c.state_of(n) != NodeState::kOnline) continue;
    if (c.free_on(n) == gpn) ++full;
    if (rest > 0 && c.free_on(n) >= rest && c.free_on(n) < gpn) partial = true;
  }
  return full >= whole && (rest == 0 || full > whole || partial);
}

TEST_CASE("topology placement obeys its rule on random cluster states",
          "[scheduler][placement][topology]") {
  std::mt19937_64 rng(20261126);
  const Shape shapes[] = {{8, 24, 4}, {8, 40, 8}, {4, 30, 5}, {8, 16, 0}, {2, 20, 3}};
  auto topo = NewTopologyPlacement();
  const uint32_t pools[] = {0};
  int placed_single = 0, placed_one_rack = 0, placed_spread = 0, refused = 0;
  for (int round = 0; round < 3000; ++round) {
    const Shape& shape = shapes[round % 5];
    ClusterState c({{shape.gpn, shape.nodes, shape.rack_size, ClusterState::PoolShape::kAll}});
    // Fill each node at random: a third full, a third empty, a third partly used.
    for (NodeId n = 0; n < shape.nodes; ++n) {
      const uint64_t kind = rng() % 3;
      const uint32_t used = kind == 0   ? shape.gpn
                            : kind == 1 ? 0
                                        : static_cast<uint32_t>(1 + rng() % (shape.gpn - 1 + (shape.gpn == 1)));
      if (used > 0 && used <= shape.gpn) c.Allocate({{n, std::min(used, shape.gpn)}});
    }
    const uint32_t total = shape.gpn * shape.nodes;
    const uint32_t gang = static_cast<uint32_t>(1 + rng() % (total / 2));
    Placement pl;
    const bool ok = topo->Place(c, pools, gang, &pl);
    REQUIRE(ok == c.Fits(0, gang));
    if (!ok) {
      ++refused;
      continue;
    }
    // Valid.
    uint32_t sum = 0, partial_shares = 0;
    std::set<NodeId> nodes;
    std::set<uint32_t> racks;
    for (const NodeShare& s : pl) {
      REQUIRE(c.state_of(s.node) == NodeState::kOnline);
      REQUIRE(s.gpus >= 1);
      REQUIRE(s.gpus <= c.free_on(s.node));
      sum += s.gpus;
      partial_shares += s.gpus < shape.gpn ? 1 : 0;
      nodes.insert(s.node);
      racks.insert(c.rack_of(s.node));
    }
    REQUIRE(sum == gang);
    REQUIRE(nodes.size() == pl.size());
    if (gang <= shape.gpn) {
      // Best fit: no node that holds the gang has fewer free GPUs.
      ++placed_single;
      REQUIRE(pl.size() == 1);
      for (NodeId n = 0; n < shape.nodes; ++n) {
        if (c.free_on(n) >= gang) REQUIRE(c.free_on(n) >= c.free_on(pl[0].node));
      }
      continue;
    }
    REQUIRE(partial_shares <= 1);
    const uint32_t whole = gang / shape.gpn, rest = gang % shape.gpn;
    REQUIRE(pl.size() == whole + (rest > 0 ? 1 : 0));
    // Racks that could hold it alone, and the fewest free GPUs among them.
    std::map<uint32_t, uint64_t> holders;
    for (uint32_t r = 0; r < c.rack_count(0); ++r) {
      if (RackHolds(c, 0, r, whole, rest)) holders[r] = c.RackFreeGpus(0, r);
    }
    if (!holders.empty()) {
      ++placed_one_rack;
      REQUIRE(racks.size() == 1);
      const uint32_t chosen = *racks.begin();
      REQUIRE(holders.count(chosen) == 1);
      for (const auto& [r, free] : holders) REQUIRE(holders[chosen] <= free);
      continue;
    }
    // Spread: no placement of the whole nodes uses fewer racks than the greedy count (racks by
    // most whole free nodes first).
    ++placed_spread;
    std::vector<uint32_t> full_per_rack(c.rack_count(0), 0);
    for (NodeId n = 0; n < shape.nodes; ++n) {
      if (c.free_on(n) == shape.gpn) ++full_per_rack[c.rack_of(n)];
    }
    std::sort(full_per_rack.rbegin(), full_per_rack.rend());
    uint32_t need = 0, got = 0;
    while (got < whole) got += full_per_rack[need++];
    std::set<uint32_t> whole_racks;
    for (const NodeShare& s : pl) {
      if (s.gpus == shape.gpn) whole_racks.insert(c.rack_of(s.node));
    }
    REQUIRE(whole_racks.size() == need);
  }
  // The random states exercised every branch.
  CHECK(placed_single > 100);
  CHECK(placed_one_rack > 100);
  CHECK(placed_spread > 100);
  CHECK(refused > 100);
}

}  // namespace
}  // namespace burnrate
