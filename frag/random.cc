// random (the FGD paper's Random-fit baseline): a node drawn uniformly from those the task fits,
// and for a share a GPU drawn uniformly from the node's GPUs that hold it; whole GPUs are the
// lowest-index free ones. Seeded: the draws come from the run's Rng. The node order plays no
// part (the draw is the score: one node scores 100, the others 0).
#include "frag/policy.h"

namespace burnrate {
namespace {

class RandomFit final : public FragPolicy {
 public:
  explicit RandomFit(const FragPolicyContext& c) {
    fitting_.reserve(static_cast<size_t>(c.cluster->num_nodes()));
  }

  GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) override {
    fitting_.clear();
    for (int32_t n = 0; n < cluster.num_nodes(); ++n) {
      if (cluster.Fits(t, n)) fitting_.push_back(n);
    }
    if (fitting_.empty()) return GpuPlacement{};
    GpuPlacement p{fitting_[static_cast<size_t>(rng.UniformInt(fitting_.size()))], 0};
    if (t.num_gpu == 0) return p;
    const FragNode& x = cluster.node(p.node);
    if (!t.sharing()) {
      p.gpu_mask = FirstFreeGpus(x, t.num_gpu);
      return p;
    }
    int32_t holding = 0;
    for (int32_t g = 0; g < x.gpus; ++g) {
      if (x.gpu_left[static_cast<size_t>(g)] >= t.gpu_milli) ++holding;
    }
    auto pick = static_cast<int32_t>(rng.UniformInt(static_cast<uint64_t>(holding)));
    for (int32_t g = 0; g < x.gpus; ++g) {
      if (x.gpu_left[static_cast<size_t>(g)] >= t.gpu_milli && pick-- == 0) {
        p.gpu_mask = 1u << g;
        break;
      }
    }
    return p;
  }

 private:
  std::vector<int32_t> fitting_;
};

}  // namespace

std::unique_ptr<FragPolicy> NewRandomFragPolicy(const FragPolicyContext& context) {
  return std::make_unique<RandomFit>(context);
}

}  // namespace burnrate
