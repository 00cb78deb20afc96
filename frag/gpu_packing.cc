// gpu-packing (the FGD paper's baseline, its artifact's GpuPackingScore): prefer, in order,
//   1. shares of GPUs already in use: 100 - (sum over the chosen GPUs of their free percent)/10,
//      at least 50 (the fuller the GPU, the better);
//   2. free GPUs on a node already in use: 50 - (free GPUs the task takes), at least 33;
//   3. an idle node: 33 - (its GPUs), at least its GPUs (small idle nodes first).
// The GPUs considered are the node's fullest ones that hold the task (the order the artifact
// scores); CPU-only tasks score 0 everywhere (uniformly random). GPUs: best-fit for a share, the
// lowest-index free ones for whole GPUs.
#include <algorithm>

#include "frag/policy.h"

namespace burnrate {
namespace {

constexpr int64_t kMaxScore = 100;

int64_t PackingScore(const FragNode& x, const FragTask& t) {
  if (x.full_gpus == x.gpus) return std::max<int64_t>(kMaxScore / 3 - x.full_gpus, x.full_gpus);
  // The task's GPUs taken fullest first (least free milli; index order on ties).
  std::array<int32_t, kMaxGpusPerNode> order{};
  for (int32_t g = 0; g < x.gpus; ++g) order[static_cast<size_t>(g)] = g;
  std::stable_sort(order.begin(), order.begin() + x.gpus, [&x](int32_t a, int32_t b) {
    return x.gpu_left[static_cast<size_t>(a)] < x.gpu_left[static_cast<size_t>(b)];
  });
  int32_t wanted = t.num_gpu, free_taken = 0;
  int64_t free_percent = 0;
  for (int32_t i = 0; i < x.gpus && wanted > 0; ++i) {
    const int32_t left = x.gpu_left[static_cast<size_t>(order[static_cast<size_t>(i)])];
    if (left < t.gpu_milli) continue;
    --wanted;
    if (left == kMilliPerGpu) ++free_taken;
    free_percent += left * 100 / kMilliPerGpu;
  }
  if (free_taken > 0) return std::max<int64_t>(kMaxScore / 2 - free_taken, kMaxScore / 3);
  return std::max<int64_t>(kMaxScore - free_percent / 10, kMaxScore / 2);
}

class GpuPacking final : public FragPolicy {
 public:
  explicit GpuPacking(const FragPolicyContext& c) : best_(c.cluster->num_nodes(), c.node_rank) {}

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    best_.Reset();
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (!cluster.Fits(t, n)) continue;
      const FragNode& x = cluster.node(n);
      best_.Offer(t.num_gpu == 0 ? 0 : PackingScore(x, t), n, BestFitGpus(x, t));
    }
    return best_.Pick(rng);
  }

 private:
  BestScore best_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewGpuPackingPolicy(const FragPolicyContext& context) {
  return std::make_unique<GpuPacking>(context);
}

}  // namespace burnrate
