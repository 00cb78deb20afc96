// dot-product (the FGD paper's baseline after Tetris, SIGCOMM'14; its artifact's DotProductScore
// with the "merge" GPU dimension and "max" normalisation): free (CPU, GPU) of the node and the
// task's (CPU, GPU) request, each normalised by the largest node's capacity; the node with the
// smallest dot product, i.e. the least free resources in the task's direction, is preferred:
//   score = floor(100 x (1 - (cpu_left cpu / max_cpu^2 + gpu_left gpu / max_gpu^2) / 2))
// GPUs: best-fit for a share, the lowest-index free ones for whole GPUs.
#include "frag/policy.h"

namespace burnrate {
namespace {

class DotProduct final : public FragPolicy {
 public:
  explicit DotProduct(const FragPolicyContext& c)
      : max_cpu_(static_cast<double>(c.cluster->max_node_cpu_milli())),
        max_gpu_(static_cast<double>(c.cluster->max_node_gpu_milli())),
        best_(c.cluster->num_nodes(), c.node_rank) {}

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    best_.Reset();
    const double cpu_req = Norm(static_cast<double>(t.cpu_milli), max_cpu_);
    const double gpu_req = Norm(static_cast<double>(t.total_gpu_milli()), max_gpu_);
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (!cluster.Fits(t, n)) continue;
      const FragNode& x = cluster.node(n);
      const double dot = Norm(static_cast<double>(x.cpu_left), max_cpu_) * cpu_req +
                         Norm(static_cast<double>(x.gpu_left_total), max_gpu_) * gpu_req;
      const auto score = static_cast<int64_t>(100.0 * (1.0 - dot / 2.0));
      best_.Offer(score, n, BestFitGpus(x, t));
    }
    return best_.Pick(rng);
  }

 private:
  static double Norm(double v, double max) { return max > 0 ? v / max : 0.0; }
  double max_cpu_, max_gpu_;
  BestScore best_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewDotProductPolicy(const FragPolicyContext& context) {
  return std::make_unique<DotProduct>(context);
}

}  // namespace burnrate
