#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frag/policy.h"

namespace burnrate {

// THE registry: one line per policy. Definitions: docs/fragmentation.md.
const std::vector<FragPolicyInfo>& FragPolicies() {
  static const auto* table = new std::vector<FragPolicyInfo>{
      {"fgd", "Fragmentation Gradient Descent: the node and GPU whose fragmentation grows least",
       NewFgdPolicy},
      {"best-fit", "the node left with the least free CPU and GPU (weighted, normalised)",
       NewBestFitFragPolicy},
      {"dot-product", "the node whose free (CPU, GPU) has the smallest dot product with the task",
       NewDotProductPolicy},
      {"gpu-packing", "shared GPUs first, then free GPUs on used nodes, then idle nodes",
       NewGpuPackingPolicy},
      {"gpu-clustering", "nodes already running tasks of the same GPU kind, fullest first",
       NewGpuClusteringPolicy},
      {"random", "a uniformly random node that fits (seeded), a random GPU for shares",
       NewRandomFragPolicy},
  };
  return *table;
}

std::string FragPolicyNames() {
  std::vector<std::string> names;
  for (const FragPolicyInfo& p : FragPolicies()) names.push_back(p.name);
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<std::unique_ptr<FragPolicy>> NewFragPolicy(const std::string& name,
                                                          const FragPolicyContext& context) {
  for (const FragPolicyInfo& p : FragPolicies()) {
    if (p.name == name) return p.make(context);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown placement policy \"", name, "\"; known: ", FragPolicyNames()));
}

}  // namespace burnrate
