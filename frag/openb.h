// Reading Alibaba's openb node and pod lists (cluster-trace-gpu-v2023, the FGD paper's traces)
// for the fragmentation experiment. The trace importer (sim/trace/format_openb.cc) keeps only
// what a job-level simulation needs; these readers keep what fragmentation depends on: per-pod
// CPU, memory, GPU count, milli-GPU per GPU and every allowed GPU model, and per-node capacities.
// Both use the shared CSV machinery (plain or gzip, header by name, errors naming
// file:line:column and the field).
#ifndef BURNRATE_FRAG_OPENB_H_
#define BURNRATE_FRAG_OPENB_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frag/cluster.h"

namespace burnrate {

// sn,cpu_milli,memory_mib,gpu,model (openb_node_list_*.csv). Nodes with gpu 0 are kept as
// CPU-only nodes. InvalidArgument "<file>:<line>:<column>: <field>: <problem>" on the first bad
// row or when the file cannot be read.
absl::StatusOr<std::vector<FragNodeSpec>> ReadOpenbNodeList(const std::string& path);

// name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,...,creation_time,... (openb_pod_list_*
// .csv; name, gpu_spec and creation_time optional; scheduled_time and deletion_time ignored).
// gpu_spec lists allowed models separated by '|' ("" or "nan" = any). A row must be CPU-only (num_gpu 0, gpu_milli 0), a share of one GPU
// (num_gpu 1, gpu_milli 1..999) or whole GPUs (gpu_milli 1000). Errors as ReadOpenbNodeList.
absl::StatusOr<std::vector<FragPod>> ReadOpenbPodList(const std::string& path);

// For the replay (frag/replay.h): pods with their times.
struct OpenbPodListOptions {
  // Require creation_time, scheduled_time and deletion_time (header and every row), and set
  // FragPod::has_times. A row's times are usable when all three are numbers and creation <=
  // scheduled <= deletion; scheduled_time is empty for pods that never started (Pending).
  bool times = false;
  // With times: a row without usable times is skipped and counted instead of being an error.
  bool lenient = false;
};

struct OpenbPodList {
  std::vector<FragPod> pods;
  int64_t rows = 0;                 // data rows read
  int64_t skipped = 0;              // rows without usable times (lenient)
  int64_t skipped_unscheduled = 0;  // of which scheduled_time is empty
  std::string first_skipped;        // the first skipped row: "<file>:<line>:<column>: <field>: ..."
};

// As above; with options.times, a row without usable times is InvalidArgument
// "<file>:<line>:<column>: <field>: <problem>" unless options.lenient.
absl::StatusOr<OpenbPodList> ReadOpenbPodList(const std::string& path,
                                              const OpenbPodListOptions& options);

}  // namespace burnrate

#endif  // BURNRATE_FRAG_OPENB_H_
