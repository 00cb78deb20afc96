// Placement policies for fractional-GPU tasks: one file each (fgd.cc, best_fit.cc, ...), one
// line each in the registry (frag_registry.cc). A policy filters the nodes a task fits, scores
// each with an integer 0..100 (higher is better; the scores of the paper's Kubernetes plugins)
// and picks the best, equal scores going to the first node in the run's node order (BestScore).
// The policy also chooses the task's GPUs on the node, which matters for shares of a GPU.
#ifndef BURNRATE_FRAG_POLICY_H_
#define BURNRATE_FRAG_POLICY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frag/cluster.h"
#include "frag/fragmentation.h"
#include "sim/model/rng.h"

namespace burnrate {

class FragPolicy {
 public:
  virtual ~FragPolicy() = default;
  // A node and GPUs for `t` on which it fits, or an unplaced GpuPlacement (node -1) when it fits nowhere.
  // Does not change the cluster. Thread-compatible: one policy per run.
  virtual GpuPlacement Place(const FragCluster& cluster, const FragTask& t, Rng& rng) = 0;
};

// What a policy may look at when it is made. Pointers outlive the policy.
struct FragPolicyContext {
  const FragCluster* cluster = nullptr;   // the cluster it will place on (sizes, maxima)
  const FragMeasure* measure = nullptr;   // the workload's fragmentation measure (fgd)
  int32_t num_task_types = 0;             // type_id < this (per-shape caches); 0 = none
  // Rank of each node in the run's node order: equal scores go to the lowest rank. nullptr:
  // equal scores are broken uniformly at random (see BestScore).
  const std::vector<int32_t>* node_rank = nullptr;
};

struct FragPolicyInfo {
  std::string name;
  std::string summary;
  std::function<std::unique_ptr<FragPolicy>(const FragPolicyContext&)> make;
};

// THE registry, in listing order (frag_registry.cc).
const std::vector<FragPolicyInfo>& FragPolicies();
// InvalidArgument naming the known policies when `name` is not one.
absl::StatusOr<std::unique_ptr<FragPolicy>> NewFragPolicy(const std::string& name,
                                                           const FragPolicyContext& context);
std::string FragPolicyNames();  // "fgd, best-fit, ..."

// The highest score wins. Equal best scores go, by default, to the node that comes first in the
// run's node order (a seeded random permutation of the nodes, as the paper's artifact orders its
// nodes and takes the first of equal scores): ties consolidate on one node rather than spread.
// Without an order (nullptr) one of the tied nodes is drawn uniformly at the end (one Rng draw),
// as the stock Kubernetes selectHost does. Allocation-free after construction.
class BestScore {
 public:
  BestScore(int32_t capacity, const std::vector<int32_t>* node_rank) : rank_(node_rank) {
    if (rank_ == nullptr) ties_.reserve(static_cast<size_t>(capacity));
  }
  void Reset() {
    ties_.clear();
    have_ = false;
  }
  void Offer(int64_t score, int32_t node, uint32_t gpu_mask) {
    if (have_ && score < best_score_) return;
    if (rank_ != nullptr) {
      if (!have_ || score > best_score_ ||
          (*rank_)[static_cast<size_t>(node)] < (*rank_)[static_cast<size_t>(best_.node)]) {
        best_ = GpuPlacement{node, gpu_mask};
      }
    } else {
      if (have_ && score > best_score_) ties_.clear();
      ties_.push_back(GpuPlacement{node, gpu_mask});
    }
    best_score_ = score;
    have_ = true;
  }
  GpuPlacement Pick(Rng& rng) const {
    if (!have_) return GpuPlacement{};
    if (rank_ != nullptr) return best_;
    if (ties_.size() == 1) return ties_[0];
    return ties_[static_cast<size_t>(rng.UniformInt(ties_.size()))];
  }

 private:
  const std::vector<int32_t>* rank_;
  std::vector<GpuPlacement> ties_;
  GpuPlacement best_;
  int64_t best_score_ = 0;
  bool have_ = false;
};

// Factories (one file each).
std::unique_ptr<FragPolicy> NewFgdPolicy(const FragPolicyContext& context);
std::unique_ptr<FragPolicy> NewBestFitFragPolicy(const FragPolicyContext& context);
std::unique_ptr<FragPolicy> NewDotProductPolicy(const FragPolicyContext& context);
std::unique_ptr<FragPolicy> NewGpuPackingPolicy(const FragPolicyContext& context);
std::unique_ptr<FragPolicy> NewGpuClusteringPolicy(const FragPolicyContext& context);
std::unique_ptr<FragPolicy> NewRandomFragPolicy(const FragPolicyContext& context);

}  // namespace burnrate

#endif  // BURNRATE_FRAG_POLICY_H_
