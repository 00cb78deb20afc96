// Placement policies that look beyond free GPU counts: random (a seeded baseline), topology
// (node, then rack locality) and the heterogeneity-aware fastest and cheapest-deadline.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "scheduler/placements.h"
#include "sim/model/rng.h"

namespace burnrate {
namespace {

bool Taken(const Placement& p, NodeId n) {
  return std::any_of(p.begin(), p.end(), [&](const NodeShare& s) { return s.node == n; });
}

// The first node at or after `start` (wrapping round the pool) with >= min_free free GPUs not
// already in `out`. REQUIRES: one exists.
NodeId NextWithFree(const ClusterState& c, uint32_t pool, uint32_t min_free, NodeId start,
                    const Placement& out) {
  const NodeId first = c.first_node(pool);
  NodeId from = start;
  bool wrapped = false;
  while (true) {
    const int32_t id = c.LeftmostWithFree(pool, min_free, from);
    if (id == kNoNode) {
      if (wrapped) return static_cast<NodeId>(kNoNode);  // cannot happen when it fits
      wrapped = true;
      from = first;
      continue;
    }
    if (!Taken(out, static_cast<NodeId>(id))) return static_cast<NodeId>(id);
    from = static_cast<NodeId>(id) + 1;
  }
}

// random: a uniformly random pool among those that fit, then for each node of the gang the
// first node with room at or after a uniformly random position (wrapping). The FGD paper's
// "Random" baseline, for whole GPUs. Seeded from the run's seed: reproducible.
class RandomPlacement final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "random"; }
  void Init(uint64_t seed, std::span<const PoolTraits>) override { rng_ = Rng(seed); }
  bool Place(const ClusterState&, std::span<const uint32_t>, uint32_t, Placement*) const override {
    return false;  // PlaceJob is the entry point (it draws random numbers)
  }
  bool PlaceJob(const ClusterState& c, std::span<const uint32_t> pools,
                const PlacementRequest& req, Placement* out) override {
    out->clear();
    fitting_.clear();
    for (uint32_t p : pools) {
      if (c.Fits(p, req.gpus)) fitting_.push_back(p);
    }
    if (fitting_.empty()) return false;
    const uint32_t pool = fitting_[rng_.UniformInt(fitting_.size())];
    const uint32_t gpn = c.gpus_per_node(pool);
    const auto random_node = [&] {
      return c.first_node(pool) + static_cast<NodeId>(rng_.UniformInt(c.nodes_in_pool(pool)));
    };
    if (req.gpus <= gpn) {
      out->push_back({NextWithFree(c, pool, req.gpus, random_node(), *out), req.gpus});
      return true;
    }
    for (uint32_t i = 0; i < req.gpus / gpn; ++i) {
      out->push_back({NextWithFree(c, pool, gpn, random_node(), *out), gpn});
    }
    if (const uint32_t rest = req.gpus % gpn; rest > 0) {
      out->push_back({NextWithFree(c, pool, rest, random_node(), *out), rest});
    }
    return true;
  }

 private:
  Rng rng_{1};
  std::vector<uint32_t> fitting_;
};

// topology: a gang that fits in a node goes to the fullest node that holds it (best fit: keeps
// whole nodes free for wide gangs). A wider gang goes to one rack if any rack can hold it
// whole - the rack left with the fewest free GPUs - else over the fewest racks, the racks with
// the most whole free nodes first. Scenario.cluster's cross_node_speed / cross_rack_speed
// make spread gangs run slower, so locality shows in JCT. Multi-node gangs cost O(racks of the
// pool) plus the nodes taken (ClusterState keeps free-GPU buckets per rack).
class TopologyPlacement final : public PlacementPolicy {
 public:
  explicit TopologyPlacement(std::unique_ptr<PlacementPolicy> single) : single_(std::move(single)) {}
  std::string_view name() const override { return "topology"; }
  bool Place(const ClusterState& c, std::span<const uint32_t> pools, uint32_t gpus,
             Placement* out) const override {
    out->clear();
    // One node: the best-fit rule, over all candidate pools.
    bool any_single = false;
    for (uint32_t p : pools) any_single |= gpus <= c.gpus_per_node(p) && c.Fits(p, gpus);
    if (any_single) {
      std::vector<uint32_t> singles;
      for (uint32_t p : pools) {
        if (gpus <= c.gpus_per_node(p)) singles.push_back(p);
      }
      return single_->Place(c, singles, gpus, out);
    }
    // Several nodes: the pool and rack that hold it most tightly.
    for (uint32_t pool : pools) {
      if (!c.Fits(pool, gpus)) continue;
      if (PlaceInRacks(c, pool, gpus, out)) return true;
    }
    return false;
  }

 private:
  // Reads the rack indexes of ClusterState: O(racks of the pool) per multi-node gang plus the
  // nodes taken, never a walk over the pool's nodes.
  bool PlaceInRacks(const ClusterState& c, uint32_t pool, uint32_t gpus, Placement* out) const {
    const uint32_t gpn = c.gpus_per_node(pool);
    const uint32_t whole = gpus / gpn, rest = gpus % gpn;
    const uint32_t racks = c.rack_count(pool);
    // One rack holding the whole gang, with the fewest free GPUs (tightest; the lowest rack id
    // among equals).
    int64_t best = -1;
    uint64_t best_free = 0;
    for (uint32_t rack = 0; rack < racks; ++rack) {
      const uint32_t rack_whole = c.RackBucketSize(pool, rack, gpn);
      if (rack_whole < whole) continue;
      const bool fits = rest == 0 || rack_whole > whole ||
                        c.RackLargestBucketBelow(pool, rack, gpn) >= rest;
      const uint64_t free = c.RackFreeGpus(pool, rack);
      if (fits && (best < 0 || free < best_free)) {
        best = rack;
        best_free = free;
      }
    }
    if (best >= 0) {
      const uint32_t one[] = {static_cast<uint32_t>(best)};
      return TakeFromRacks(c, pool, one, whole, rest, out);
    }
    // Over several racks: the racks with the most whole nodes first (the lowest id among
    // equals); racks without a whole free node add nothing.
    std::vector<uint32_t> order;
    for (uint32_t rack = 0; rack < racks; ++rack) {
      if (c.RackBucketSize(pool, rack, gpn) > 0) order.push_back(rack);
    }
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return c.RackBucketSize(pool, a, gpn) > c.RackBucketSize(pool, b, gpn);
    });
    return TakeFromRacks(c, pool, order, whole, rest, out);
  }
  // Takes whole nodes rack by rack in `racks` order (within a rack, in bucket order), then the
  // remainder: the smallest free count >= rest on a node in a rack already used (the first
  // such node in bucket order), else the first node of the smallest bucket >= rest.
  static bool TakeFromRacks(const ClusterState& c, uint32_t pool, std::span<const uint32_t> racks,
                            uint32_t whole, uint32_t rest, Placement* out) {
    const uint32_t gpn = c.gpus_per_node(pool);
    absl::InlinedVector<uint32_t, 4> used;
    for (uint32_t rack : racks) {
      if (out->size() == whole) break;
      const size_t before = out->size();
      for (int32_t id = c.RackBucketFirst(pool, rack, gpn); id != kNoNode && out->size() < whole;
           id = c.RackBucketNext(static_cast<NodeId>(id))) {
        out->push_back({static_cast<NodeId>(id), gpn});
      }
      if (out->size() > before) used.push_back(rack);
    }
    if (out->size() < whole) {
      out->clear();
      return false;
    }
    if (rest == 0) return true;
    int32_t pick = kNoNode;
    for (uint32_t k = rest; k <= gpn; ++k) {
      // The first node of bucket k in a used rack: the newest among each used rack's first
      // untaken node (bucket lists are newest first).
      int32_t local = kNoNode;
      uint64_t local_stamp = 0;
      for (uint32_t rack : used) {
        for (int32_t id = c.RackBucketFirst(pool, rack, k); id != kNoNode;
             id = c.RackBucketNext(static_cast<NodeId>(id))) {
          const NodeId n = static_cast<NodeId>(id);
          if (Taken(*out, n)) continue;
          if (local == kNoNode || c.BucketStamp(n) > local_stamp) {
            local = id;
            local_stamp = c.BucketStamp(n);
          }
          break;
        }
      }
      if (local != kNoNode) {
        pick = local;
        break;
      }
      if (pick != kNoNode) continue;
      for (int32_t id = c.BucketFirst(pool, k); id != kNoNode;
           id = c.BucketNext(static_cast<NodeId>(id))) {
        if (!Taken(*out, static_cast<NodeId>(id))) {
          pick = id;
          break;
        }
      }
    }
    if (pick == kNoNode) {
      out->clear();
      return false;
    }
    out->push_back({static_cast<NodeId>(pick), rest});
    return true;
  }

  std::unique_ptr<PlacementPolicy> single_;
};

// fastest / cheapest-deadline: heterogeneity-aware choice of pool (so of GPU type) among all
// the job's pools at once, then best fit inside it.
//   fastest: the pool with the highest training speed that fits now.
//   cheapest-deadline: the pool where the job costs least (price x GPUs x run time there)
//     among those where it would finish by its deadline; without a deadline, simply the
//     cheapest; when no pool meets the deadline, the fastest.
class HeteroPlacement final : public PlacementPolicy {
 public:
  HeteroPlacement(bool by_cost, std::unique_ptr<PlacementPolicy> inner)
      : by_cost_(by_cost), inner_(std::move(inner)) {}
  std::string_view name() const override { return by_cost_ ? "cheapest-deadline" : "fastest"; }
  void Init(uint64_t, std::span<const PoolTraits> pools) override {
    traits_.assign(pools.begin(), pools.end());
  }
  bool across_tiers() const override { return true; }
  bool Place(const ClusterState& c, std::span<const uint32_t> pools, uint32_t gpus,
             Placement* out) const override {
    PlacementRequest req;
    req.gpus = gpus;
    return Choose(c, pools, req, out);
  }
  bool PlaceJob(const ClusterState& c, std::span<const uint32_t> pools,
                const PlacementRequest& req, Placement* out) override {
    return Choose(c, pools, req, out);
  }

 private:
  double Speed(uint32_t p) const { return p < traits_.size() ? traits_[p].speed : 1.0; }
  int Tier(uint32_t p) const { return p < traits_.size() ? traits_[p].payment_tier : 2; }
  // Faster first; among equally fast pools, capacity already paid for first.
  bool Faster(uint32_t a, uint32_t b) const {
    return Speed(a) > Speed(b) || (Speed(a) == Speed(b) && Tier(a) < Tier(b));
  }
  bool Choose(const ClusterState& c, std::span<const uint32_t> pools, const PlacementRequest& req,
              Placement* out) const {
    out->clear();
    int fastest = -1, cheapest = -1;
    double cheapest_cost = 0;
    for (uint32_t p : pools) {
      if (!c.Fits(p, req.gpus)) continue;
      if (fastest < 0 || Faster(p, static_cast<uint32_t>(fastest))) {
        fastest = static_cast<int>(p);
      }
      if (!by_cost_) continue;
      const double run_s =
          static_cast<double>(SchedulingContext::Runtime(req.work_ref, Speed(p))) / kSecond;
      if (req.deadline != kTimeInfinity &&
          req.now + SchedulingContext::Runtime(req.work_ref, Speed(p)) > req.deadline) {
        continue;
      }
      // Reserved and owned capacity is paid whether used or not: running there costs nothing
      // more.
      const double price =
          Tier(p) == 0 ? 0.0 : (p < traits_.size() ? traits_[p].usd_per_gpu_hour : 0.0);
      const double cost = price * req.gpus * run_s / 3600.0;
      if (cheapest < 0 || cost < cheapest_cost ||
          (cost == cheapest_cost && Faster(p, static_cast<uint32_t>(cheapest)))) {
        cheapest = static_cast<int>(p);
        cheapest_cost = cost;
      }
    }
    const int pick = cheapest >= 0 ? cheapest : fastest;
    if (pick < 0) return false;
    const uint32_t one[] = {static_cast<uint32_t>(pick)};
    return inner_->Place(c, one, req.gpus, out);
  }

  const bool by_cost_;
  std::unique_ptr<PlacementPolicy> inner_;
  std::vector<PoolTraits> traits_;
};

}  // namespace

std::unique_ptr<PlacementPolicy> NewRandomPlacement() {
  return std::make_unique<RandomPlacement>();
}
std::unique_ptr<PlacementPolicy> NewTopologyPlacement() {
  return std::make_unique<TopologyPlacement>(NewBestFitPlacement());
}
std::unique_ptr<PlacementPolicy> NewFastestPlacement() {
  return std::make_unique<HeteroPlacement>(false, NewBestFitPlacement());
}
std::unique_ptr<PlacementPolicy> NewCheapestDeadlinePlacement() {
  return std::make_unique<HeteroPlacement>(true, NewBestFitPlacement());
}

}  // namespace burnrate
