// Built-in placement policies: first-fit, best-fit (pack) and spread.
//
// Gang rule (ClusterState::Fits): a gang of g <= gpus_per_node GPUs takes one node; a larger
// gang takes floor(g / gpn) whole free nodes plus one node for the remainder, all in one pool.
// The policies differ in which node(s) they choose; all are O(pools + nodes used x log nodes).
#include "scheduler/placements.h"

#include <algorithm>
#include <memory>

namespace burnrate {
namespace {

// Whole free nodes for a multi-node gang, taken from the full bucket in list order.
bool TakeWholeNodes(const ClusterState& c, uint32_t pool, uint32_t count, Placement* out) {
  const uint32_t gpn = c.gpus_per_node(pool);
  int32_t id = c.BucketFirst(pool, gpn);
  for (uint32_t i = 0; i < count; ++i) {
    if (id == kNoNode) return false;
    out->push_back({static_cast<NodeId>(id), gpn});
    id = c.BucketNext(static_cast<NodeId>(id));
  }
  return true;
}

// Remainder node of a multi-node gang: a partially free node from bucket `k`, or the next
// whole node after the ones already taken when k == gpn.
void TakeRemainder(const ClusterState& c, uint32_t pool, uint32_t k, uint32_t rest,
                   uint32_t whole, Placement* out) {
  const uint32_t gpn = c.gpus_per_node(pool);
  int32_t id = c.BucketFirst(pool, k);
  if (k == gpn) {
    for (uint32_t i = 0; i < whole; ++i) id = c.BucketNext(static_cast<NodeId>(id));
  }
  out->push_back({static_cast<NodeId>(id), rest});
}

class FirstFit final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "first-fit"; }
  bool Place(const ClusterState& c, std::span<const uint32_t> pools, uint32_t gpus,
             Placement* out) const override {
    out->clear();
    for (uint32_t pool : pools) {
      if (!c.Fits(pool, gpus)) continue;
      const uint32_t gpn = c.gpus_per_node(pool);
      if (gpus <= gpn) {
        const int32_t id = c.LeftmostWithFree(pool, gpus, c.first_node(pool));
        out->push_back({static_cast<NodeId>(id), gpus});
        return true;
      }
      // Lowest-numbered whole nodes, then the lowest-numbered other node for the remainder.
      const uint32_t whole = gpus / gpn, rest = gpus % gpn;
      NodeId from = c.first_node(pool);
      for (uint32_t i = 0; i < whole; ++i) {
        const int32_t id = c.LeftmostWithFree(pool, gpn, from);
        out->push_back({static_cast<NodeId>(id), gpn});
        from = static_cast<NodeId>(id) + 1;
      }
      if (rest > 0) {
        // Leftmost node with >= rest free that is not already taken.
        NodeId scan = c.first_node(pool);
        while (true) {
          const int32_t id = c.LeftmostWithFree(pool, rest, scan);
          const bool taken = std::any_of(out->begin(), out->end(), [&](const NodeShare& s) {
            return s.node == static_cast<NodeId>(id);
          });
          if (!taken) {
            out->push_back({static_cast<NodeId>(id), rest});
            break;
          }
          scan = static_cast<NodeId>(id) + 1;
        }
      }
      return true;
    }
    return false;
  }
};

// Pack: the node left with the fewest free GPUs after placement, across the candidate pools.
class BestFit final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "best-fit"; }
  bool Place(const ClusterState& c, std::span<const uint32_t> pools, uint32_t gpus,
             Placement* out) const override {
    out->clear();
    int best_pool = -1;
    uint32_t best_k = 0;
    int64_t best_left = 0;
    for (uint32_t pool : pools) {
      if (!c.Fits(pool, gpus)) continue;
      const uint32_t gpn = c.gpus_per_node(pool);
      const uint32_t need = gpus <= gpn ? gpus : gpus % gpn;
      uint32_t k = gpn;  // remainder 0: nothing left over beyond whole nodes
      if (need > 0) {
        int tight = c.SmallestBucketAtLeast(pool, need);
        if (gpus > gpn && tight == static_cast<int>(gpn) &&
            c.BucketSize(pool, gpn) <= gpus / gpn) {
          tight = -1;  // every full node is needed for the whole part
        }
        if (tight < 0) continue;  // cannot happen when Fits; defensive
        k = static_cast<uint32_t>(tight);
      }
      const int64_t left = need > 0 ? static_cast<int64_t>(k) - need : 0;
      if (best_pool < 0 || left < best_left) {
        best_pool = static_cast<int>(pool);
        best_k = k;
        best_left = left;
      }
    }
    if (best_pool < 0) return false;
    const uint32_t pool = static_cast<uint32_t>(best_pool);
    const uint32_t gpn = c.gpus_per_node(pool);
    if (gpus <= gpn) {
      out->push_back({static_cast<NodeId>(c.BucketFirst(pool, best_k)), gpus});
      return true;
    }
    const uint32_t whole = gpus / gpn, rest = gpus % gpn;
    TakeWholeNodes(c, pool, whole, out);
    if (rest > 0) TakeRemainder(c, pool, best_k, rest, whole, out);
    return true;
  }
};

// Spread: the node with the most free GPUs (least loaded), across the candidate pools.
class Spread final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "spread"; }
  bool Place(const ClusterState& c, std::span<const uint32_t> pools, uint32_t gpus,
             Placement* out) const override {
    out->clear();
    int best_pool = -1;
    int best_k = -1;
    for (uint32_t pool : pools) {
      if (!c.Fits(pool, gpus)) continue;
      const int k = c.LargestBucket(pool);
      if (k > best_k) {
        best_k = k;
        best_pool = static_cast<int>(pool);
      }
    }
    if (best_pool < 0) return false;
    const uint32_t pool = static_cast<uint32_t>(best_pool);
    const uint32_t gpn = c.gpus_per_node(pool);
    if (gpus <= gpn) {
      out->push_back({static_cast<NodeId>(c.BucketFirst(pool, static_cast<uint32_t>(best_k))),
                      gpus});
      return true;
    }
    const uint32_t whole = gpus / gpn, rest = gpus % gpn;
    TakeWholeNodes(c, pool, whole, out);
    if (rest > 0) {
      // The emptiest node not taken: a spare whole node if any, else the largest partial one.
      const uint32_t kk = c.BucketSize(pool, gpn) > whole
                              ? gpn
                              : static_cast<uint32_t>(c.LargestBucketBelow(pool, gpn));
      TakeRemainder(c, pool, kk, rest, whole, out);
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<PlacementPolicy> NewFirstFitPlacement() { return std::make_unique<FirstFit>(); }
std::unique_ptr<PlacementPolicy> NewBestFitPlacement() { return std::make_unique<BestFit>(); }
std::unique_ptr<PlacementPolicy> NewSpreadPlacement() { return std::make_unique<Spread>(); }

}  // namespace burnrate
