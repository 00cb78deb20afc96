// frag: a fractional-GPU cluster. Nodes have CPU (milli-cores), memory (MiB) and up to
// kMaxGpusPerNode GPUs of one model, each with 0..1000 free milli-GPU. A task asks for CPU,
// memory and either part of one GPU (gpu_milli 1..999, num_gpu 1) or k whole GPUs (gpu_milli
// 1000 each), optionally restricted to some GPU models. Allocate and Release keep every free
// amount within [0, capacity]: an allocation that would over-allocate anything is refused whole.
//
// The frag module (this folder) owns the fragmentation experiment of Weng et al., "Beware of
// Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX
// ATC'23 (docs/fragmentation.md). It reads traces through sim/trace and touches no engine code.
#ifndef BURNRATE_FRAG_CLUSTER_H_
#define BURNRATE_FRAG_CLUSTER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace burnrate {

inline constexpr int32_t kMilliPerGpu = 1000;
inline constexpr int32_t kMaxGpusPerNode = 16;
inline constexpr int32_t kMaxGpuModels = 64;

// One node as a node list describes it.
struct FragNodeSpec {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t gpus = 0;
  std::string model;  // "" for a CPU-only node
};

// One pod (task) as a pod list describes it, before it is resolved against a cluster.
struct FragPod {
  std::string name;
  int64_t line = 0;  // 1-based line in its file
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t num_gpu = 0;    // 0 = CPU-only
  int32_t gpu_milli = 0;  // per GPU: 1..999 with num_gpu 1 (a share), or 1000
  std::vector<std::string> gpu_models;  // allowed GPU models; empty = any
  double creation_s = 0;                // the trace's clock; 0 when the file has none
  // The replay's times (ReadOpenbPodList with times; trace clock, seconds): bound to a node at
  // scheduled_s, deleted at deletion_s. Valid only when has_times.
  double scheduled_s = 0, deletion_s = 0;
  bool has_times = false;
};

// A task resolved against a cluster: plain values, cheap to copy (the hot path uses these).
struct FragTask {
  int64_t cpu_milli = 0;
  int64_t memory_mib = 0;
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;
  bool model_constrained = false;
  uint64_t model_mask = 0;  // bit i: the cluster's model i is allowed (when constrained)
  // Dense id of the task's shape (cpu, gpu_milli, num_gpu, models) within its workload, for
  // policies that cache per shape; -1 = none.
  int32_t type_id = -1;

  int64_t total_gpu_milli() const { return int64_t{num_gpu} * gpu_milli; }
  bool sharing() const { return num_gpu == 1 && gpu_milli < kMilliPerGpu; }
};

// Where a task went: a node and the GPUs (bit i = GPU i), each given task.gpu_milli.
struct GpuPlacement {
  int32_t node = -1;  // -1: nowhere (the task did not fit)
  uint32_t gpu_mask = 0;
  bool placed() const { return node >= 0; }
};

struct FragNode {
  int64_t cpu_capacity = 0, cpu_left = 0;
  int64_t memory_capacity = 0, memory_left = 0;
  int32_t gpus = 0;
  int32_t model = -1;  // index into FragCluster::models(); -1 for a CPU-only node
  std::array<int32_t, kMaxGpusPerNode> gpu_left{};  // free milli-GPU per GPU, 0..1000
  // Derived from gpu_left, kept current by Allocate/Release (O(1) fit checks).
  int64_t gpu_left_total = 0;
  int32_t max_gpu_left = 0;
  int32_t full_gpus = 0;  // GPUs with all 1000 milli free
  // Tasks on the node by GPU kind (GPU clustering): [0] sharing tasks, [k] tasks of k whole
  // GPUs; kinds_present counts the non-zero entries. CPU-only tasks are not counted.
  std::array<int32_t, kMaxGpusPerNode + 1> tasks_by_kind{};
  int32_t kinds_present = 0;
  // Bumped on every change; caches keyed by (node, version) stay valid while it holds.
  uint32_t version = 1;
};

class FragCluster {
 public:
  // InvalidArgument naming the node when it has more than kMaxGpusPerNode GPUs, negative
  // capacities, or when there are more than kMaxGpuModels models.
  static absl::StatusOr<FragCluster> Create(const std::vector<FragNodeSpec>& nodes);

  int32_t num_nodes() const { return static_cast<int32_t>(nodes_.size()); }
  const FragNode& node(int32_t n) const { return nodes_[static_cast<size_t>(n)]; }
  const std::string& node_name(int32_t n) const { return names_[static_cast<size_t>(n)]; }
  const std::vector<std::string>& models() const { return models_; }
  // -1 when no node has this model.
  int32_t ModelId(std::string_view model) const;

  // The task of a pod: its models become a mask over this cluster's models (models no node has
  // are dropped; a pod whose every model is absent fits nowhere).
  FragTask MakeTask(const FragPod& pod) const;

  // True when node n can take `t` now: CPU, memory, model, and num_gpu GPUs with gpu_milli free.
  bool Fits(const FragTask& t, int32_t n) const {
    const FragNode& x = node(n);
    if (x.cpu_left < t.cpu_milli || x.memory_left < t.memory_mib) return false;
    if (t.num_gpu == 0) return true;
    if (!ModelAllowed(t, x)) return false;
    if (t.num_gpu == 1) return x.max_gpu_left >= t.gpu_milli;
    return t.gpu_milli == kMilliPerGpu && x.full_gpus >= t.num_gpu;
  }
  static bool ModelAllowed(const FragTask& t, const FragNode& x) {
    if (x.model < 0) return false;
    return !t.model_constrained || ((t.model_mask >> x.model) & 1u) != 0;
  }

  // Gives `t` CPU and memory on p.node and t.gpu_milli on each GPU of p.gpu_mask.
  // FailedPrecondition (nothing changed) when the placement is not exactly num_gpu GPUs of an
  // allowed model or anything would go below zero.
  absl::Status Allocate(const FragTask& t, const GpuPlacement& p);
  // Gives back what Allocate took. FailedPrecondition (nothing changed) when anything would go
  // above its capacity, i.e. the task was not allocated there.
  absl::Status Release(const FragTask& t, const GpuPlacement& p);

  int64_t gpu_capacity_milli() const { return gpu_capacity_milli_; }
  int64_t gpu_allocated_milli() const { return gpu_allocated_milli_; }
  int64_t cpu_capacity_milli() const { return cpu_capacity_milli_; }
  int64_t max_node_cpu_milli() const { return max_node_cpu_milli_; }
  int64_t max_node_gpu_milli() const { return max_node_gpu_milli_; }

  // Recounts every derived field and checks every free amount against its capacity; Internal
  // naming the node when anything disagrees. O(nodes x GPUs); for tests and --check modes.
  absl::Status CheckInvariants() const;

 private:
  static void Recount(FragNode& x);

  std::vector<FragNode> nodes_;
  std::vector<std::string> names_;
  std::vector<std::string> models_;
  int64_t gpu_capacity_milli_ = 0, gpu_allocated_milli_ = 0, cpu_capacity_milli_ = 0;
  int64_t max_node_cpu_milli_ = 0, max_node_gpu_milli_ = 0;
};

// Lowest-index fully free GPUs, k of them (0 when the node has fewer).
uint32_t FirstFreeGpus(const FragNode& x, int32_t k);
// The GPU with the least free milli that still holds `milli` (lowest index on ties); -1 if none.
int32_t BestFitGpu(const FragNode& x, int32_t milli);
// The GPUs a "best" GPU selection gives `t` on a node it fits: BestFitGpu for a share, the
// lowest-index free GPUs for whole GPUs, none for a CPU-only task.
uint32_t BestFitGpus(const FragNode& x, const FragTask& t);

}  // namespace burnrate

#endif  // BURNRATE_FRAG_CLUSTER_H_
