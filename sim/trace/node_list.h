// Node lists that become pools: `burnrate trace pools FILE --format openb-nodes` groups the
// nodes of Alibaba's openb node list (sn,cpu_milli,memory_mib,gpu,model) by GPU model and GPUs
// per node and prints a `cluster:` section to paste into a scenario.
#ifndef BURNRATE_SIM_TRACE_NODE_LIST_H_
#define BURNRATE_SIM_TRACE_NODE_LIST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace burnrate {

struct NodeGroup {
  std::string model;       // as in the trace, e.g. "V100M16"
  std::string gpu_type;    // the catalog type it maps to, or the model when unknown
  bool known_type = false;
  uint32_t gpus_per_node = 0;
  uint32_t nodes = 0;
  double cpus_per_node = 0;     // cores (cpu_milli / 1000), of the group's first node
  double memory_gb_per_node = 0;
};

struct NodeList {
  std::vector<NodeGroup> groups;  // by model, then GPUs per node
  uint64_t nodes = 0, gpu_nodes = 0, gpus = 0;
};

// The catalog GPU type of an openb GPU model ("V100M16" -> "V100"); unknown models unchanged.
// `trace pools` and the openb pod importer share it, so replayed constraints match the pools.
std::string OpenbModelToGpuType(const std::string& model);

// Reads an openb node list (CPU-only nodes counted, not grouped). Errors name file:line.
absl::StatusOr<NodeList> ReadOpenbNodes(const std::string& path);

// The `cluster:` YAML for the groups; every pool is priced at 0 on demand for the user to edit,
// and models without a catalog type get a gpu_types entry with training_speed 1.
std::string NodeListYaml(const NodeList& list, const std::string& source);

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_NODE_LIST_H_
