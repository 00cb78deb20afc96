#include "sim/model/cluster_state.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace burnrate {
namespace {

uint64_t MaskAtLeast(uint32_t k) {  // bits for buckets >= k (k >= 1)
  return k > 64 ? 0 : (~uint64_t{0} << (k - 1));
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "burnrate: internal error: %s\n", what.c_str());
  std::abort();
}

}  // namespace

ClusterState::ClusterState(const std::vector<PoolShape>& shapes) {
  NodeId next_node = 0;
  for (uint32_t p = 0; p < shapes.size(); ++p) {
    const PoolShape& s = shapes[p];
    if (s.gpus_per_node < 1 || s.gpus_per_node > 64 || s.nodes < 1) {
      Die(absl::StrCat("pool ", p, " has an invalid shape"));
    }
    Pool pool;
    pool.gpus_per_node = s.gpus_per_node;
    pool.node_count = s.nodes;
    pool.first_node = next_node;
    pool.bucket_head.assign(s.gpus_per_node + 1, kNoNode);
    pool.bucket_size.assign(s.gpus_per_node + 1, 0);
    pool.rack_count = s.rack_size == 0 ? 1 : (s.nodes + s.rack_size - 1) / s.rack_size;
    pool.rack_head.assign(size_t{pool.rack_count} * (s.gpus_per_node + 1), kNoNode);
    pool.rack_bucket_size.assign(size_t{pool.rack_count} * (s.gpus_per_node + 1), 0);
    pool.rack_mask.assign(pool.rack_count, 0);
    pool.rack_free.assign(pool.rack_count, 0);
    pool.tree_leaves = std::bit_ceil(s.nodes);
    pool.tree.assign(2 * size_t{pool.tree_leaves}, 0);
    // Offline stack with the lowest id on top.
    for (uint32_t i = s.nodes; i-- > 0;) pool.offline.push_back(next_node + i);
    pools_.push_back(std::move(pool));
    for (uint32_t i = 0; i < s.nodes; ++i) {
      Node n;
      n.pool = p;
      n.rack = s.rack_size == 0 ? 0 : i / s.rack_size;
      nodes_.push_back(n);
    }
    next_node += s.nodes;
  }
  for (uint32_t p = 0; p < shapes.size(); ++p) {
    const uint32_t online = BringOnline(p, std::min(shapes[p].online, shapes[p].nodes));
    const uint32_t spares = std::min(shapes[p].spares, online);
    for (uint32_t i = 0; i < spares; ++i) {
      HoldOut(pools_[p].first_node + online - 1 - i, NodeState::kSpare);
    }
  }
}

void ClusterState::HoldOut(NodeId id, NodeState as) {
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  if (as != NodeState::kFailed && as != NodeState::kSpare) {
    Die(absl::StrCat("node ", id, " held out neither as failed nor as a spare"));
  }
  switch (n.state) {
    case NodeState::kOnline:
      if (n.free != pool.gpus_per_node) Die(absl::StrCat("node ", id, " held out while busy"));
      BucketRemove(pool, id);
      TreeUpdate(pool, id - pool.first_node, 0);
      --pool.online_nodes;
      pool.free_gpus -= n.free;
      n.free = 0;
      break;
    case NodeState::kSpare:
      --pool.spare_nodes;
      break;
    case NodeState::kFailed:
      --pool.failed_nodes;
      break;
    default:
      Die(absl::StrCat("node ", id, " held out from state ", static_cast<int>(n.state)));
  }
  n.state = as;
  ++(as == NodeState::kFailed ? pool.failed_nodes : pool.spare_nodes);
}

// A failed node or a spare leaves that state (its counter); anything else is a caller's bug.
void ClusterState::LeaveHeldOut(NodeId id, const char* to) {
  const Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  if (n.state == NodeState::kFailed) {
    --pool.failed_nodes;
  } else if (n.state == NodeState::kSpare) {
    --pool.spare_nodes;
  } else {
    Die(absl::StrCat("node ", id, " ", to, " from state ", static_cast<int>(n.state)));
  }
}

void ClusterState::Retire(NodeId id) {
  LeaveHeldOut(id, "retired");
  GoOffline(id);
}

void ClusterState::PutOnline(NodeId id) {
  LeaveHeldOut(id, "put online");
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  n.state = NodeState::kOnline;
  n.free = pool.gpus_per_node;
  ++pool.online_nodes;
  pool.free_gpus += pool.gpus_per_node;
  BucketPushFront(pool, id);
  TreeUpdate(pool, id - pool.first_node, n.free);
}

uint32_t ClusterState::BringOnline(uint32_t pool_index, uint32_t count) {
  std::vector<NodeId> ids;
  StartBooting(pool_index, count, &ids);
  for (NodeId id : ids) FinishBooting(id);
  return static_cast<uint32_t>(ids.size());
}

uint32_t ClusterState::StartBooting(uint32_t pool_index, uint32_t count,
                                    std::vector<NodeId>* booted) {
  Pool& pool = pools_[pool_index];
  uint32_t started = 0;
  while (started < count && !pool.offline.empty()) {
    const NodeId id = pool.offline.back();
    pool.offline.pop_back();
    nodes_[id].state = NodeState::kBooting;
    ++pool.booting_nodes;
    pool.provisioned_gpus += pool.gpus_per_node;
    booted->push_back(id);
    ++started;
  }
  return started;
}

void ClusterState::FinishBooting(NodeId id) {
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  if (n.state != NodeState::kBooting) Die(absl::StrCat("node ", id, " is not booting"));
  --pool.booting_nodes;
  n.state = NodeState::kOnline;
  n.free = pool.gpus_per_node;
  ++pool.online_nodes;
  pool.free_gpus += pool.gpus_per_node;
  BucketPushFront(pool, id);
  TreeUpdate(pool, id - pool.first_node, n.free);
}

void ClusterState::TakeNodeOffline(NodeId id) {
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  if (n.state != NodeState::kOnline || n.free != pool.gpus_per_node) {
    Die(absl::StrCat("node ", id, " is not online and idle"));
  }
  BucketRemove(pool, id);
  TreeUpdate(pool, id - pool.first_node, 0);
  --pool.online_nodes;
  pool.free_gpus -= n.free;
  n.state = NodeState::kDraining;
  GoOffline(id);
}

void ClusterState::DrainPool(uint32_t pool_index) {
  const Pool& pool = pools_[pool_index];
  for (NodeId id = pool.first_node; id < pool.first_node + pool.node_count; ++id) DrainNode(id);
}

void ClusterState::DrainNode(NodeId id) {
  Node& n = nodes_[id];
  if (n.state != NodeState::kOnline) return;
  Pool& pool = pools_[n.pool];
  BucketRemove(pool, id);
  TreeUpdate(pool, id - pool.first_node, 0);
  --pool.online_nodes;
  pool.free_gpus -= n.free;
  n.state = NodeState::kDraining;
  if (n.free == pool.gpus_per_node) GoOffline(id);
}

uint32_t ClusterState::TakeIdleOffline(uint32_t pool_index, uint32_t count) {
  Pool& pool = pools_[pool_index];
  uint32_t taken = 0;
  while (taken < count) {
    const int32_t head = pool.bucket_head[pool.gpus_per_node];
    if (head == kNoNode) break;
    const NodeId id = static_cast<NodeId>(head);
    BucketRemove(pool, id);
    TreeUpdate(pool, id - pool.first_node, 0);
    --pool.online_nodes;
    pool.free_gpus -= nodes_[id].free;
    nodes_[id].state = NodeState::kDraining;
    GoOffline(id);
    ++taken;
  }
  return taken;
}

// REQUIRES: the node is draining and idle.
void ClusterState::GoOffline(NodeId id) {
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  n.state = NodeState::kOffline;
  n.free = 0;
  pool.provisioned_gpus -= pool.gpus_per_node;
  // Keep the lowest id on top so nodes come back in a stable order.
  auto it = std::upper_bound(pool.offline.begin(), pool.offline.end(), id, std::greater<>());
  pool.offline.insert(it, id);
}

bool ClusterState::Fits(uint32_t pool_index, uint32_t gpus) const {
  const Pool& pool = pools_[pool_index];
  if (gpus == 0) return true;
  if (gpus <= pool.gpus_per_node) return (pool.nonempty_mask & MaskAtLeast(gpus)) != 0;
  const uint32_t whole = gpus / pool.gpus_per_node;
  const uint32_t rest = gpus % pool.gpus_per_node;
  const uint32_t full = pool.bucket_size[pool.gpus_per_node];
  if (full < whole) return false;
  if (rest == 0 || full > whole) return true;
  // One more node with at least `rest` free that is not full.
  const uint64_t partial = MaskAtLeast(rest) & ~(uint64_t{1} << (pool.gpus_per_node - 1));
  return (pool.nonempty_mask & partial) != 0;
}

int ClusterState::SmallestBucketAtLeast(uint32_t pool_index, uint32_t min_free) const {
  const Pool& pool = pools_[pool_index];
  if (min_free < 1) min_free = 1;
  const uint64_t m = pool.nonempty_mask & MaskAtLeast(min_free);
  return m == 0 ? -1 : std::countr_zero(m) + 1;
}

int ClusterState::LargestBucket(uint32_t pool_index) const {
  const uint64_t m = pools_[pool_index].nonempty_mask;
  return m == 0 ? -1 : 64 - std::countl_zero(m);
}

int ClusterState::LargestBucketBelow(uint32_t pool_index, uint32_t limit) const {
  if (limit <= 1) return -1;
  const uint64_t below = limit > 64 ? ~uint64_t{0} : ((uint64_t{1} << (limit - 1)) - 1);
  const uint64_t m = pools_[pool_index].nonempty_mask & below;
  return m == 0 ? -1 : 64 - std::countl_zero(m);
}

int32_t ClusterState::LeftmostWithFree(uint32_t pool_index, uint32_t min_free,
                                       NodeId from) const {
  const Pool& pool = pools_[pool_index];
  if (from < pool.first_node) from = pool.first_node;
  const uint32_t lo = from - pool.first_node;
  if (lo >= pool.node_count || pool.tree[1] < min_free) return kNoNode;
  const int32_t leaf = LeftmostInTree(pool, 1, 0, pool.tree_leaves, lo, min_free);
  if (leaf < 0 || static_cast<uint32_t>(leaf) >= pool.node_count) return kNoNode;
  return static_cast<int32_t>(pool.first_node) + leaf;
}

// Leftmost leaf index >= lo under heap node `node` (covering [node_lo, node_lo + size)) whose
// value is >= min_free, or -1. Visits O(log n) nodes: only the path along `lo` and one descent.
int32_t ClusterState::LeftmostInTree(const Pool& pool, uint32_t node, uint32_t node_lo,
                                     uint32_t size, uint32_t lo, uint32_t min_free) {
  if (node_lo + size <= lo || pool.tree[node] < min_free) return -1;
  if (size == 1) return static_cast<int32_t>(node_lo);
  const uint32_t half = size / 2;
  const int32_t left = LeftmostInTree(pool, 2 * node, node_lo, half, lo, min_free);
  if (left >= 0) return left;
  return LeftmostInTree(pool, 2 * node + 1, node_lo + half, half, lo, min_free);
}

void ClusterState::Allocate(const Placement& placement) {
  for (const NodeShare& s : placement) {
    const Node& n = nodes_[s.node];
    if (n.state != NodeState::kOnline || s.gpus > n.free) {
      Die(absl::StrCat("allocating ", s.gpus, " GPUs on node ", s.node, " with ", n.free,
                       " free (state ", static_cast<int>(n.state), ")"));
    }
    Pool& pool = pools_[n.pool];
    pool.free_gpus -= s.gpus;
    pool.allocated_gpus += s.gpus;
    SetFree(s.node, n.free - s.gpus);
  }
}

void ClusterState::Release(const Placement& placement) {
  for (const NodeShare& s : placement) {
    Node& n = nodes_[s.node];
    Pool& pool = pools_[n.pool];
    if (n.state == NodeState::kOffline || n.free + s.gpus > pool.gpus_per_node) {
      Die(absl::StrCat("releasing ", s.gpus, " GPUs on node ", s.node, " with ", n.free,
                       " free of ", pool.gpus_per_node));
    }
    pool.allocated_gpus -= s.gpus;
    if (n.state == NodeState::kDraining) {
      n.free += s.gpus;
      if (n.free == pool.gpus_per_node) GoOffline(s.node);
      continue;
    }
    pool.free_gpus += s.gpus;
    SetFree(s.node, n.free + s.gpus);
  }
}

void ClusterState::SetFree(NodeId id, uint32_t new_free) {
  Node& n = nodes_[id];
  Pool& pool = pools_[n.pool];
  BucketRemove(pool, id);
  n.free = new_free;
  BucketPushFront(pool, id);
  TreeUpdate(pool, id - pool.first_node, new_free);
}

void ClusterState::BucketRemove(Pool& pool, NodeId id) {
  Node& n = nodes_[id];
  if (n.prev != kNoNode) {
    nodes_[static_cast<NodeId>(n.prev)].next = n.next;
  } else {
    pool.bucket_head[n.free] = n.next;
  }
  if (n.next != kNoNode) nodes_[static_cast<NodeId>(n.next)].prev = n.prev;
  n.prev = n.next = kNoNode;
  if (--pool.bucket_size[n.free] == 0 && n.free > 0) {
    pool.nonempty_mask &= ~(uint64_t{1} << (n.free - 1));
  }
  const size_t r = size_t{n.rack} * (pool.gpus_per_node + 1) + n.free;
  if (n.rack_prev != kNoNode) {
    nodes_[static_cast<NodeId>(n.rack_prev)].rack_next = n.rack_next;
  } else {
    pool.rack_head[r] = n.rack_next;
  }
  if (n.rack_next != kNoNode) nodes_[static_cast<NodeId>(n.rack_next)].rack_prev = n.rack_prev;
  n.rack_prev = n.rack_next = kNoNode;
  if (--pool.rack_bucket_size[r] == 0 && n.free > 0) {
    pool.rack_mask[n.rack] &= ~(uint64_t{1} << (n.free - 1));
  }
  pool.rack_free[n.rack] -= n.free;
}

void ClusterState::BucketPushFront(Pool& pool, NodeId id) {
  Node& n = nodes_[id];
  const int32_t head = pool.bucket_head[n.free];
  n.prev = kNoNode;
  n.next = head;
  if (head != kNoNode) nodes_[static_cast<NodeId>(head)].prev = static_cast<int32_t>(id);
  pool.bucket_head[n.free] = static_cast<int32_t>(id);
  if (pool.bucket_size[n.free]++ == 0 && n.free > 0) {
    pool.nonempty_mask |= uint64_t{1} << (n.free - 1);
  }
  const size_t r = size_t{n.rack} * (pool.gpus_per_node + 1) + n.free;
  const int32_t rack_head = pool.rack_head[r];
  n.rack_prev = kNoNode;
  n.rack_next = rack_head;
  if (rack_head != kNoNode) nodes_[static_cast<NodeId>(rack_head)].rack_prev = static_cast<int32_t>(id);
  pool.rack_head[r] = static_cast<int32_t>(id);
  if (pool.rack_bucket_size[r]++ == 0 && n.free > 0) {
    pool.rack_mask[n.rack] |= uint64_t{1} << (n.free - 1);
  }
  pool.rack_free[n.rack] += n.free;
  n.stamp = ++stamp_;
}

uint32_t ClusterState::RackLargestBucketBelow(uint32_t pool_index, uint32_t rack,
                                              uint32_t limit) const {
  if (limit <= 1) return 0;
  const uint64_t below = limit > 64 ? ~uint64_t{0} : ((uint64_t{1} << (limit - 1)) - 1);
  const uint64_t m = pools_[pool_index].rack_mask[rack] & below;
  return m == 0 ? 0 : static_cast<uint32_t>(64 - std::countl_zero(m));
}

void ClusterState::TreeUpdate(Pool& pool, uint32_t index_in_pool, uint32_t value) {
  uint32_t i = pool.tree_leaves + index_in_pool;
  pool.tree[i] = static_cast<uint8_t>(value);
  for (i >>= 1; i >= 1; i >>= 1) {
    const uint8_t m = std::max(pool.tree[2 * i], pool.tree[2 * i + 1]);
    if (pool.tree[i] == m) break;
    pool.tree[i] = m;
  }
}

absl::Status ClusterState::CheckInvariants() const {
  for (uint32_t p = 0; p < pools_.size(); ++p) {
    const Pool& pool = pools_[p];
    uint64_t free_online = 0, provisioned = 0, held = 0;
    uint32_t online = 0, offline = 0, booting = 0, failed = 0, spare = 0;
    std::vector<uint32_t> counts(pool.gpus_per_node + 1, 0);
    for (uint32_t i = 0; i < pool.node_count; ++i) {
      const NodeId id = pool.first_node + i;
      const Node& n = nodes_[id];
      if (n.free > pool.gpus_per_node) {
        return absl::InternalError(absl::StrCat("node ", id, " has ", n.free,
                                                " free GPUs of ", pool.gpus_per_node));
      }
      const uint8_t tree_expected = n.state == NodeState::kOnline ? static_cast<uint8_t>(n.free) : 0;
      if (pool.tree[pool.tree_leaves + i] != tree_expected) {
        return absl::InternalError(absl::StrCat("free-capacity tree stale at node ", id));
      }
      switch (n.state) {
        case NodeState::kOffline:
          ++offline;
          if (n.free != 0) return absl::InternalError(absl::StrCat("offline node ", id, " has free GPUs"));
          break;
        case NodeState::kOnline:
          ++online;
          ++counts[n.free];
          free_online += n.free;
          provisioned += pool.gpus_per_node;
          held += pool.gpus_per_node - n.free;
          break;
        case NodeState::kFailed:
        case NodeState::kSpare:
          ++(n.state == NodeState::kFailed ? failed : spare);
          if (n.free != 0) {
            return absl::InternalError(absl::StrCat("failed or spare node ", id, " has free GPUs"));
          }
          provisioned += pool.gpus_per_node;
          break;
        case NodeState::kBooting:
          ++booting;
          if (n.free != 0) return absl::InternalError(absl::StrCat("booting node ", id, " has free GPUs"));
          provisioned += pool.gpus_per_node;
          break;
        case NodeState::kDraining:
          if (n.free == pool.gpus_per_node) {
            return absl::InternalError(absl::StrCat("draining node ", id, " is idle but not offline"));
          }
          provisioned += pool.gpus_per_node;
          held += pool.gpus_per_node - n.free;
          break;
      }
    }
    if (free_online != pool.free_gpus || provisioned != pool.provisioned_gpus ||
        held != pool.allocated_gpus || online != pool.online_nodes ||
        offline != pool.offline.size() || booting != pool.booting_nodes ||
        failed != pool.failed_nodes || spare != pool.spare_nodes) {
      return absl::InternalError(absl::StrCat(
          "pool ", p, " counters (free ", pool.free_gpus, ", provisioned ", pool.provisioned_gpus,
          ", allocated ", pool.allocated_gpus, ", online nodes ", pool.online_nodes,
          ", offline nodes ", pool.offline.size(), ") disagree with its nodes (", free_online, ", ",
          provisioned, ", ", held, ", ", online, ", ", offline, ")"));
    }
    for (uint32_t k = 0; k <= pool.gpus_per_node; ++k) {
      uint32_t walked = 0;
      for (int32_t id = pool.bucket_head[k]; id != kNoNode;
           id = nodes_[static_cast<NodeId>(id)].next) {
        const Node& n = nodes_[static_cast<NodeId>(id)];
        if (n.free != k || n.state != NodeState::kOnline) {
          return absl::InternalError(absl::StrCat("node ", id, " is in bucket ", k, " with ",
                                                  n.free, " free"));
        }
        ++walked;
      }
      if (walked != counts[k] || pool.bucket_size[k] != counts[k]) {
        return absl::InternalError(absl::StrCat("pool ", p, " bucket ", k, " size mismatch"));
      }
      if (k > 0 && (((pool.nonempty_mask >> (k - 1)) & 1) != 0) != (counts[k] > 0)) {
        return absl::InternalError(absl::StrCat("pool ", p, " bucket mask wrong at ", k));
      }
      // The pool's bucket is newest first.
      uint64_t last_stamp = ~uint64_t{0};
      for (int32_t id = pool.bucket_head[k]; id != kNoNode;
           id = nodes_[static_cast<NodeId>(id)].next) {
        const uint64_t st = nodes_[static_cast<NodeId>(id)].stamp;
        if (st >= last_stamp) {
          return absl::InternalError(absl::StrCat("pool ", p, " bucket ", k, " out of order"));
        }
        last_stamp = st;
      }
    }
    // Per rack: the same buckets, newest first, and the free count.
    for (uint32_t rack = 0; rack < pool.rack_count; ++rack) {
      uint64_t rack_free = 0;
      for (uint32_t k = 0; k <= pool.gpus_per_node; ++k) {
        const size_t r = size_t{rack} * (pool.gpus_per_node + 1) + k;
        uint32_t walked = 0;
        uint64_t last_stamp = ~uint64_t{0};
        for (int32_t id = pool.rack_head[r]; id != kNoNode;
             id = nodes_[static_cast<NodeId>(id)].rack_next) {
          const Node& n = nodes_[static_cast<NodeId>(id)];
          if (n.free != k || n.state != NodeState::kOnline || n.rack != rack ||
              n.stamp >= last_stamp) {
            return absl::InternalError(
                absl::StrCat("node ", id, " misplaced in rack ", rack, " bucket ", k));
          }
          last_stamp = n.stamp;
          rack_free += k;
          ++walked;
        }
        if (walked != pool.rack_bucket_size[r] ||
            (k > 0 && (((pool.rack_mask[rack] >> (k - 1)) & 1) != 0) != (walked > 0))) {
          return absl::InternalError(
              absl::StrCat("pool ", p, " rack ", rack, " bucket ", k, " size or mask mismatch"));
        }
      }
      if (rack_free != pool.rack_free[rack]) {
        return absl::InternalError(absl::StrCat("pool ", p, " rack ", rack, " free count wrong"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace burnrate
