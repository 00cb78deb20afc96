// Which GPUs are provisioned, and free, where: indexed so that placement never scans the cluster.
//
// Nodes are numbered densely across pools (pool 0's nodes first). Within a pool all nodes have
// the same GPU count (gpus_per_node <= 64). Indexes kept up to date on every change:
//   - buckets: per pool, for each k in 0..gpus_per_node, an intrusive list of the nodes with
//     exactly k free GPUs, its size, and a 64-bit mask of the non-empty buckets k >= 1
//     (bit k-1), so "does a gang of g fit" is a couple of bit operations;
//   - a max segment tree over each pool's nodes' free counts, for "leftmost node with at least
//     g free" (first-fit) in O(log nodes);
//   - per rack, the same buckets (lists in the same relative order as the pool's, sizes, mask)
//     and the rack's free GPUs, so rack-aware placement reads racks, not nodes.
// Allocate/Release cost O(log nodes) per node touched. Not thread-safe; one run owns it.
#ifndef BURNRATE_SIM_MODEL_CLUSTER_STATE_H_
#define BURNRATE_SIM_MODEL_CLUSTER_STATE_H_

#include <cstdint>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"

namespace burnrate {

using NodeId = uint32_t;
inline constexpr int32_t kNoNode = -1;

// `gpus` GPUs on one node.
struct NodeShare {
  NodeId node = 0;
  uint32_t gpus = 0;
};
// The nodes of one gang; inline storage for the common one- and two-node cases.
using Placement = absl::InlinedVector<NodeShare, 2>;

// A node is online (placeable), booting (provisioned and billed, not yet placeable), draining
// (runs its jobs, takes no new ones, goes offline when idle), offline (not provisioned: not
// billed, not placeable), failed (provisioned and billed, under repair, not placeable) or a
// spare (provisioned and billed, kept out of scheduling to replace a failed node at once).
enum class NodeState : uint8_t { kOffline, kOnline, kDraining, kBooting, kFailed, kSpare };

class ClusterState {
 public:
  struct PoolShape {
    uint32_t gpus_per_node = 0;  // 1..64
    uint32_t nodes = 0;          // >= 1: the most the pool can ever have
    uint32_t rack_size = 0;      // nodes per rack, 0 = one rack
    uint32_t online = kAll;      // nodes online at the start (the lowest-numbered ones)
    uint32_t spares = 0;         // of those, the highest-numbered start as spares
    static constexpr uint32_t kAll = 0xFFFFFFFF;
  };
  explicit ClusterState(const std::vector<PoolShape>& pools);

  uint32_t pool_count() const { return static_cast<uint32_t>(pools_.size()); }
  uint32_t node_count() const { return static_cast<uint32_t>(nodes_.size()); }
  uint32_t gpus_per_node(uint32_t pool) const { return pools_[pool].gpus_per_node; }
  uint32_t nodes_in_pool(uint32_t pool) const { return pools_[pool].node_count; }
  NodeId first_node(uint32_t pool) const { return pools_[pool].first_node; }
  // Every node of the pool, whatever its state: the most the pool can ever hold.
  uint64_t capacity_gpus(uint32_t pool) const {
    return uint64_t{pools_[pool].gpus_per_node} * pools_[pool].node_count;
  }
  // GPUs of online, booting and draining nodes: what is paid for now.
  uint64_t provisioned_gpus(uint32_t pool) const { return pools_[pool].provisioned_gpus; }
  uint64_t allocated_gpus(uint32_t pool) const { return pools_[pool].allocated_gpus; }
  // Free GPUs on online nodes (placeable now).
  uint64_t free_gpus(uint32_t pool) const { return pools_[pool].free_gpus; }
  uint32_t online_nodes(uint32_t pool) const { return pools_[pool].online_nodes; }
  uint32_t offline_nodes(uint32_t pool) const {
    return static_cast<uint32_t>(pools_[pool].offline.size());
  }
  uint32_t booting_nodes(uint32_t pool) const { return pools_[pool].booting_nodes; }
  uint32_t failed_nodes(uint32_t pool) const { return pools_[pool].failed_nodes; }
  uint32_t spare_nodes(uint32_t pool) const { return pools_[pool].spare_nodes; }
  uint32_t free_on(NodeId node) const { return nodes_[node].free; }
  uint32_t pool_of(NodeId node) const { return nodes_[node].pool; }
  uint32_t rack_of(NodeId node) const { return nodes_[node].rack; }
  NodeState state_of(NodeId node) const { return nodes_[node].state; }

  // Whether a gang of `gpus` fits in `pool`'s online nodes now under the gang rule (one node
  // if gpus <= gpus_per_node; else floor(gpus/gpn) whole free nodes plus one node with the
  // remainder). O(1).
  bool Fits(uint32_t pool, uint32_t gpus) const;

  // Online nodes of `pool` with exactly k free GPUs, as an intrusive list: First, then Next
  // until kNoNode. Order within a bucket is deterministic (most recently changed first).
  int32_t BucketFirst(uint32_t pool, uint32_t k) const { return pools_[pool].bucket_head[k]; }
  int32_t BucketNext(NodeId node) const { return nodes_[node].next; }
  uint32_t BucketSize(uint32_t pool, uint32_t k) const { return pools_[pool].bucket_size[k]; }
  // Smallest k >= min_free (k >= 1) with a non-empty bucket, or -1. O(1).
  int SmallestBucketAtLeast(uint32_t pool, uint32_t min_free) const;
  // Largest non-empty k >= 1, or -1 when every node is full. O(1).
  int LargestBucket(uint32_t pool) const;
  // Largest non-empty k with 1 <= k < limit, or -1. O(1).
  int LargestBucketBelow(uint32_t pool, uint32_t limit) const;
  // Racks of `pool` (rack ids 0..rack_count-1; 1 when the pool has no rack size).
  uint32_t rack_count(uint32_t pool) const { return pools_[pool].rack_count; }
  // The same buckets per rack: the nodes of `rack` with exactly k free GPUs, in the order they
  // have in the pool's bucket k. O(1).
  int32_t RackBucketFirst(uint32_t pool, uint32_t rack, uint32_t k) const {
    const Pool& p = pools_[pool];
    return p.rack_head[size_t{rack} * (p.gpus_per_node + 1) + k];
  }
  int32_t RackBucketNext(NodeId node) const { return nodes_[node].rack_next; }
  uint32_t RackBucketSize(uint32_t pool, uint32_t rack, uint32_t k) const {
    const Pool& p = pools_[pool];
    return p.rack_bucket_size[size_t{rack} * (p.gpus_per_node + 1) + k];
  }
  // Free GPUs on the rack's online nodes. O(1).
  uint64_t RackFreeGpus(uint32_t pool, uint32_t rack) const { return pools_[pool].rack_free[rack]; }
  // Largest non-empty k with 1 <= k < limit in the rack, or 0. O(1).
  uint32_t RackLargestBucketBelow(uint32_t pool, uint32_t rack, uint32_t limit) const;
  // Where a node stands in its bucket: among the nodes of one bucket (of the pool, or of a
  // rack), the one with the larger stamp comes first. Valid while the node is online.
  uint64_t BucketStamp(NodeId node) const { return nodes_[node].stamp; }
  // Leftmost online node of `pool` with index >= `from` (a NodeId) and at least `min_free`
  // free GPUs, or kNoNode. O(log nodes).
  int32_t LeftmostWithFree(uint32_t pool, uint32_t min_free, NodeId from) const;

  // REQUIRES: each node online and each share fits its free GPUs (checked; a violation aborts
  // with a message).
  void Allocate(const Placement& placement);
  // REQUIRES: each share was allocated before. A draining node left idle goes offline.
  void Release(const Placement& placement);

  // Brings up to `count` offline nodes of `pool` online (lowest-numbered first); returns how
  // many came online.
  uint32_t BringOnline(uint32_t pool, uint32_t count);
  // Every online node of `pool` starts draining (idle ones go offline at once).
  void DrainPool(uint32_t pool);
  // One online node starts draining (offline at once when idle). No-op for other states.
  void DrainNode(NodeId node);
  // Takes up to `count` idle online nodes of `pool` offline; returns how many went.
  uint32_t TakeIdleOffline(uint32_t pool, uint32_t count);
  // Starts booting up to `count` offline nodes of `pool` (lowest-numbered first), appending
  // their ids to `booted`; returns how many.
  uint32_t StartBooting(uint32_t pool, uint32_t count, std::vector<NodeId>* booted);
  // REQUIRES: the node is booting. It comes online, all GPUs free.
  void FinishBooting(NodeId node);
  // REQUIRES: the node is online and idle. It goes offline.
  void TakeNodeOffline(NodeId node);
  // Takes a node out of scheduling while it stays provisioned (and billed): `as` is kFailed
  // (under repair) or kSpare. REQUIRES: the node is online and idle, or a spare (which may
  // fail), or failed (repaired into a spare).
  void HoldOut(NodeId node, NodeState as);
  // REQUIRES: the node is failed (repaired) or a spare (replacing a failed node). It comes
  // online, all GPUs free.
  void PutOnline(NodeId node);
  // REQUIRES: the node is failed or a spare. It goes offline (no longer provisioned).
  void Retire(NodeId node);

  // Recounts everything from scratch and compares with the indexes. For tests and
  // --check-invariants; O(nodes).
  absl::Status CheckInvariants() const;

 private:
  struct Node {
    uint32_t pool = 0;
    uint32_t rack = 0;
    uint32_t free = 0;
    NodeState state = NodeState::kOffline;
    int32_t prev = kNoNode;
    int32_t next = kNoNode;
    int32_t rack_prev = kNoNode;  // the rack's bucket list
    int32_t rack_next = kNoNode;
    uint64_t stamp = 0;  // when it last entered a bucket (bucket lists are newest first)
  };
  struct Pool {
    uint32_t gpus_per_node = 0;
    uint32_t node_count = 0;
    NodeId first_node = 0;
    uint32_t online_nodes = 0;
    uint32_t booting_nodes = 0;
    uint32_t failed_nodes = 0;
    uint32_t spare_nodes = 0;
    uint64_t provisioned_gpus = 0;
    uint64_t allocated_gpus = 0;
    uint64_t free_gpus = 0;
    std::vector<NodeId> offline;        // stack; the lowest id on top
    std::vector<int32_t> bucket_head;   // size gpus_per_node + 1, online nodes only
    std::vector<uint32_t> bucket_size;  // size gpus_per_node + 1
    uint64_t nonempty_mask = 0;         // bit k-1 set when bucket k (k >= 1) is non-empty
    uint32_t rack_count = 1;
    std::vector<int32_t> rack_head;          // [rack * (gpus_per_node + 1) + k]
    std::vector<uint32_t> rack_bucket_size;  // the same
    std::vector<uint64_t> rack_mask;         // per rack: bit k-1 when its bucket k is non-empty
    std::vector<uint64_t> rack_free;         // per rack: free GPUs on online nodes
    uint32_t tree_leaves = 0;           // power of two >= node_count
    std::vector<uint8_t> tree;          // max free over ranges (0 for non-online); 1-based
  };

  void SetFree(NodeId node, uint32_t new_free);
  void GoOffline(NodeId node);
  void LeaveHeldOut(NodeId node, const char* to);
  void BucketRemove(Pool& pool, NodeId node);
  void BucketPushFront(Pool& pool, NodeId node);
  void TreeUpdate(Pool& pool, uint32_t index_in_pool, uint32_t value);
  static int32_t LeftmostInTree(const Pool& pool, uint32_t node, uint32_t node_lo, uint32_t size,
                                uint32_t lo, uint32_t min_free);

  std::vector<Node> nodes_;
  std::vector<Pool> pools_;
  uint64_t stamp_ = 0;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_CLUSTER_STATE_H_
