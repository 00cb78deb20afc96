// gpu-clustering (the FGD paper's baseline, its artifact's GpuClusteringScore): keep tasks of one
// GPU kind together (kinds: a share of a GPU, or k whole GPUs). For a GPU task of kind a:
//   node runs only kind a            75 + fill
//   node runs kind a and others      50 + fill
//   idle node (no GPU task)          25 + fill
//   node runs other kinds only        0 + fill
// where fill = floor(25 (max_gpu - gpu_left) / max_gpu) favours fuller nodes. CPU-only tasks
// score 0 everywhere (uniformly random). GPUs: best-fit for a share, the lowest-index free ones
// for whole GPUs.
#include "frag/policy.h"

namespace burnrate {
namespace {

class GpuClustering final : public FragPolicy {
 public:
  explicit GpuClustering(const FragPolicyContext& c)
      : max_gpu_(c.cluster->max_node_gpu_milli()), best_(c.cluster->num_nodes(), c.node_rank) {}

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    best_.Reset();
    const size_t kind = t.sharing() ? 0 : static_cast<size_t>(t.num_gpu);
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (!cluster.Fits(t, n)) continue;
      const FragNode& x = cluster.node(n);
      int64_t score = 0;
      if (t.num_gpu > 0) {
        const int64_t fill = max_gpu_ > 0 ? 25 * (max_gpu_ - x.gpu_left_total) / max_gpu_ : 0;
        int64_t base = 0;
        if (x.tasks_by_kind[kind] > 0) {
          base = x.kinds_present == 1 ? 75 : 50;
        } else if (x.kinds_present == 0) {
          base = 25;
        }
        score = base + fill;
      }
      best_.Offer(score, n, BestFitGpus(x, t));
    }
    return best_.Pick(rng);
  }

 private:
  int64_t max_gpu_;
  BestScore best_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewGpuClusteringPolicy(const FragPolicyContext& context) {
  return std::make_unique<GpuClustering>(context);
}

}  // namespace burnrate
