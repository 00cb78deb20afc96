// fgd: Fragmentation Gradient Descent (Weng et al., ATC'23, Sec. 4). For every node the task
// fits, and for a share every GPU of the node that can hold it, the policy computes how much
// the node's fragmentation against the task mix, F_n(M), would grow if the task went there, and
// picks the node and GPU where it grows least: the steepest descent of fragmentation. Whole-GPU
// tasks take the node's lowest-index free GPUs (which free GPUs does not change F_n).
//
// Score (as the paper's Kubernetes plugin scores nodes): with dF the growth in milli-GPU,
//   score = floor(100 / (1 + exp(dF / 1000)))       (100 sigmoid(-dF / 1000), in 0..100)
// so growths within a few tens of milli-GPU score alike and go to the first node in the run's
// node order, which consolidates; on a node, the lowest-index GPU with the best score wins. Exact
// growths instead of these scores reproduce the paper less well (docs/fragmentation.md).
//
// Cost: F_n before a placement comes from a FragMeter (recomputed only for changed nodes). The
// score for (node, task shape) depends only on the node's state and the shape, so it is cached
// per (node, type_id) with the node's version: after the first tasks of each shape, a decision
// recomputes only the nodes changed since that shape was last seen, about one per task.
#include <cmath>

#include "frag/policy.h"

namespace burnrate {
namespace {

class Fgd final : public FragPolicy {
 public:
  // REQUIRES: c.measure != nullptr.
  explicit Fgd(const FragPolicyContext& c)
      : measure_(c.measure),
        meter_(c.measure, *c.cluster),
        best_(c.cluster->num_nodes(), c.node_rank),
        types_(c.num_task_types),
        cache_(static_cast<size_t>(c.cluster->num_nodes()) *
               static_cast<size_t>(c.num_task_types)) {}

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    best_.Reset();
    const bool cached = t.type_id >= 0 && t.type_id < types_;
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (!cluster.Fits(t, n)) continue;
      if (cached) {
        Entry& e = cache_[static_cast<size_t>(n) * static_cast<size_t>(types_) +
                          static_cast<size_t>(t.type_id)];
        const uint32_t version = cluster.node(n).version;
        if (e.version != version) {
          Evaluate(cluster, n, t, &e.score, &e.gpu_mask);
          e.version = version;
        }
        best_.Offer(e.score, n, e.gpu_mask);
      } else {
        int64_t score = 0;
        uint32_t mask = 0;
        Evaluate(cluster, n, t, &score, &mask);
        best_.Offer(score, n, mask);
      }
    }
    return best_.Pick(rng);
  }

 private:
  struct Entry {
    uint32_t version = 0;  // node versions start at 1: 0 is never valid
    uint32_t gpu_mask = 0;
    int64_t score = 0;
  };

  int64_t Score(int64_t numerator_after, int64_t numerator_before) const {
    const double growth = measure_->ToMilliGpu(numerator_after - numerator_before);
    return static_cast<int64_t>(100.0 / (1.0 + std::exp(growth / kMilliPerGpu)));
  }

  // The score of putting `t` on node n, and the GPUs it would take. REQUIRES: t fits node n.
  void Evaluate(const FragCluster& cluster, int32_t n, const FragTask& t, int64_t* score,
                uint32_t* mask) {
    const FragNode& x = cluster.node(n);
    const int64_t before = meter_.Node(cluster, n);
    const int64_t cpu_after = x.cpu_left - t.cpu_milli;
    std::array<int32_t, kMaxGpusPerNode> left = x.gpu_left;
    if (t.num_gpu == 0) {
      *mask = 0;
      *score = Score(measure_->Numerator(x.model, cpu_after, left.data(), x.gpus), before);
      return;
    }
    if (!t.sharing()) {
      *mask = FirstFreeGpus(x, t.num_gpu);
      for (int32_t g = 0; g < x.gpus; ++g) {
        if (((*mask >> g) & 1u) != 0) left[static_cast<size_t>(g)] = 0;
      }
      *score = Score(measure_->Numerator(x.model, cpu_after, left.data(), x.gpus), before);
      return;
    }
    // A share: try each GPU that can hold it. GPUs with equal free milli score alike, so only
    // the lowest-index one of each free amount is tried; the lowest index wins equal scores.
    *score = -1;
    *mask = 0;
    for (int32_t g = 0; g < x.gpus; ++g) {
      const int32_t free = x.gpu_left[static_cast<size_t>(g)];
      if (free < t.gpu_milli) continue;
      bool seen = false;
      for (int32_t h = 0; h < g && !seen; ++h) seen = x.gpu_left[static_cast<size_t>(h)] == free;
      if (seen) continue;
      left[static_cast<size_t>(g)] = free - t.gpu_milli;
      const int64_t s = Score(measure_->Numerator(x.model, cpu_after, left.data(), x.gpus), before);
      left[static_cast<size_t>(g)] = free;
      if (s > *score) {
        *score = s;
        *mask = 1u << g;
      }
    }
  }

  const FragMeasure* measure_;
  FragMeter meter_;
  BestScore best_;
  int32_t types_;
  std::vector<Entry> cache_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewFgdPolicy(const FragPolicyContext& context) {
  return std::make_unique<Fgd>(context);
}

}  // namespace burnrate
