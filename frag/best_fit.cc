// best-fit (the FGD paper's baseline, its artifact's BestFitScore): the node left with the least
// free resources after the task, as the weighted sum of free CPU and free GPU, each normalised
// by the largest node's capacity:
//   score = floor(100 x (1 - (0.5 (cpu_left - cpu) / max_cpu + 0.5 (gpu_left - gpu) / max_gpu)))
// Scores are integers 0..100, so nodes within one point tie and share the load at random. The
// artifact then rescales the scores to 0..100 by their min and max; with at most 101 distinct
// values that rescaling keeps every order and tie, so it is left out. GPUs: the best-fitting one
// for a share (least free milli that holds it), the lowest-index free ones for whole GPUs.
#include "frag/policy.h"

namespace burnrate {
namespace {

class BestFit final : public FragPolicy {
 public:
  explicit BestFit(const FragPolicyContext& c)
      : max_cpu_(static_cast<double>(c.cluster->max_node_cpu_milli())),
        max_gpu_(static_cast<double>(c.cluster->max_node_gpu_milli())),
        best_(c.cluster->num_nodes(), c.node_rank) {}

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    best_.Reset();
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (!cluster.Fits(t, n)) continue;
      const FragNode& x = cluster.node(n);
      const double cpu = max_cpu_ > 0
                             ? static_cast<double>(x.cpu_left - t.cpu_milli) / max_cpu_
                             : 0.0;
      const double gpu = max_gpu_ > 0 ? static_cast<double>(x.gpu_left_total -
                                                            t.total_gpu_milli()) /
                                            max_gpu_
                                      : 0.0;
      const auto score = static_cast<int64_t>((1.0 - (0.5 * cpu + 0.5 * gpu)) * 100.0);
      best_.Offer(score, n, BestFitGpus(x, t));
    }
    return best_.Pick(rng);
  }

 private:
  double max_cpu_, max_gpu_;
  BestScore best_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewBestFitFragPolicy(const FragPolicyContext& context) {
  return std::make_unique<BestFit>(context);
}

}  // namespace burnrate
