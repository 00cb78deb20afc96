// Built-in scaling policies: which autoscaled pool grows for jobs that do not fit.
#include <memory>

#include "scheduler/placements.h"

namespace burnrate {
namespace {

// The user's overflow order: the first pool listed in the scenario that can take the job.
class InOrder final : public ScalingPolicy {
 public:
  std::string_view name() const override { return "in-order"; }
  int ChoosePool(std::span<const ScalablePool>) const override { return 0; }
};

// The lowest price per unit of work (USD per GPU-hour / training speed); ties to the earlier
// pool.
class CheapestFirst final : public ScalingPolicy {
 public:
  std::string_view name() const override { return "cheapest-first"; }
  int ChoosePool(std::span<const ScalablePool> candidates) const override {
    int best = 0;
    for (size_t i = 1; i < candidates.size(); ++i) {
      const ScalablePool& a = candidates[i];
      const ScalablePool& b = candidates[static_cast<size_t>(best)];
      if (a.usd_per_gpu_hour / a.training_speed < b.usd_per_gpu_hour / b.training_speed) {
        best = static_cast<int>(i);
      }
    }
    return best;
  }
};

}  // namespace

std::unique_ptr<ScalingPolicy> NewInOrderScaling() { return std::make_unique<InOrder>(); }
std::unique_ptr<ScalingPolicy> NewCheapestFirstScaling() {
  return std::make_unique<CheapestFirst>();
}

}  // namespace burnrate
