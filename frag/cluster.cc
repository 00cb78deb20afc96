#include "frag/cluster.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"

namespace burnrate {

absl::StatusOr<FragCluster> FragCluster::Create(const std::vector<FragNodeSpec>& nodes) {
  FragCluster c;
  c.nodes_.reserve(nodes.size());
  c.names_.reserve(nodes.size());
  for (const FragNodeSpec& s : nodes) {
    if (s.gpus < 0 || s.gpus > kMaxGpusPerNode) {
      return absl::InvalidArgumentError(absl::StrCat("node ", s.name, ": ", s.gpus,
                                                     " GPUs; a node has 0..", kMaxGpusPerNode));
    }
    if (s.cpu_milli < 0 || s.memory_mib < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", s.name, ": negative CPU or memory capacity"));
    }
    FragNode x;
    x.cpu_capacity = x.cpu_left = s.cpu_milli;
    x.memory_capacity = x.memory_left = s.memory_mib;
    x.gpus = s.gpus;
    if (s.gpus > 0) {
      int32_t id = c.ModelId(s.model);
      if (id < 0) {
        if (static_cast<int32_t>(c.models_.size()) == kMaxGpuModels) {
          return absl::InvalidArgumentError(absl::StrCat(
              "node ", s.name, ": more than ", kMaxGpuModels, " GPU models in one cluster"));
        }
        id = static_cast<int32_t>(c.models_.size());
        c.models_.push_back(s.model);
      }
      x.model = id;
    }
    for (int32_t g = 0; g < s.gpus; ++g) x.gpu_left[static_cast<size_t>(g)] = kMilliPerGpu;
    Recount(x);
    c.gpu_capacity_milli_ += x.gpu_left_total;
    c.cpu_capacity_milli_ += x.cpu_capacity;
    c.max_node_cpu_milli_ = std::max(c.max_node_cpu_milli_, x.cpu_capacity);
    c.max_node_gpu_milli_ = std::max(c.max_node_gpu_milli_, x.gpu_left_total);
    c.nodes_.push_back(x);
    c.names_.push_back(s.name);
  }
  return c;
}

int32_t FragCluster::ModelId(std::string_view model) const {
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i] == model) return static_cast<int32_t>(i);
  }
  return -1;
}

FragTask FragCluster::MakeTask(const FragPod& pod) const {
  FragTask t;
  t.cpu_milli = pod.cpu_milli;
  t.memory_mib = pod.memory_mib;
  t.num_gpu = pod.num_gpu;
  t.gpu_milli = pod.num_gpu == 0 ? 0 : pod.gpu_milli;
  if (!pod.gpu_models.empty() && pod.num_gpu > 0) {
    t.model_constrained = true;
    for (const std::string& m : pod.gpu_models) {
      const int32_t id = ModelId(m);
      if (id >= 0) t.model_mask |= uint64_t{1} << id;
    }
  }
  return t;
}

void FragCluster::Recount(FragNode& x) {
  x.gpu_left_total = 0;
  x.max_gpu_left = 0;
  x.full_gpus = 0;
  for (int32_t g = 0; g < x.gpus; ++g) {
    const int32_t left = x.gpu_left[static_cast<size_t>(g)];
    x.gpu_left_total += left;
    x.max_gpu_left = std::max(x.max_gpu_left, left);
    if (left == kMilliPerGpu) ++x.full_gpus;
  }
}

namespace {

// The task-kind slot of FragNode::tasks_by_kind; -1 for CPU-only tasks.
int32_t KindOf(const FragTask& t) {
  if (t.num_gpu == 0) return -1;
  return t.sharing() ? 0 : t.num_gpu;
}

absl::Status CheckShape(const FragTask& t, const FragNode& x, const GpuPlacement& p) {
  if (t.num_gpu < 0 || t.num_gpu > kMaxGpusPerNode || t.gpu_milli < 0 ||
      t.gpu_milli > kMilliPerGpu || (t.num_gpu > 1 && t.gpu_milli != kMilliPerGpu) ||
      (t.num_gpu > 0 && t.gpu_milli == 0)) {
    return absl::FailedPreconditionError(
        absl::StrCat("task shape num_gpu ", t.num_gpu, " x gpu_milli ", t.gpu_milli,
                     " is neither a share of one GPU nor whole GPUs"));
  }
  if (std::popcount(p.gpu_mask) != t.num_gpu) {
    return absl::FailedPreconditionError(absl::StrCat(
        "placement names ", std::popcount(p.gpu_mask), " GPUs for a task of ", t.num_gpu));
  }
  if (x.gpus < 32 && (p.gpu_mask >> x.gpus) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("placement names a GPU beyond the node's ", x.gpus));
  }
  if (t.num_gpu > 0 && !FragCluster::ModelAllowed(t, x)) {
    return absl::FailedPreconditionError("the node's GPU model is not allowed for the task");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FragCluster::Allocate(const FragTask& t, const GpuPlacement& p) {
  if (p.node < 0 || p.node >= num_nodes()) {
    return absl::FailedPreconditionError(absl::StrCat("no node ", p.node));
  }
  FragNode& x = nodes_[static_cast<size_t>(p.node)];
  if (absl::Status s = CheckShape(t, x, p); !s.ok()) return s;
  if (x.cpu_left < t.cpu_milli || x.memory_left < t.memory_mib || t.cpu_milli < 0 ||
      t.memory_mib < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", names_[static_cast<size_t>(p.node)], ": CPU or memory would be over-allocated"));
  }
  for (int32_t g = 0; g < x.gpus; ++g) {
    if (((p.gpu_mask >> g) & 1u) != 0 && x.gpu_left[static_cast<size_t>(g)] < t.gpu_milli) {
      return absl::FailedPreconditionError(absl::StrCat(
          "node ", names_[static_cast<size_t>(p.node)], " GPU ", g, ": ",
          x.gpu_left[static_cast<size_t>(g)], " milli free, the task needs ", t.gpu_milli));
    }
  }
  x.cpu_left -= t.cpu_milli;
  x.memory_left -= t.memory_mib;
  for (int32_t g = 0; g < x.gpus; ++g) {
    if (((p.gpu_mask >> g) & 1u) != 0) x.gpu_left[static_cast<size_t>(g)] -= t.gpu_milli;
  }
  Recount(x);
  if (const int32_t kind = KindOf(t); kind >= 0) {
    if (x.tasks_by_kind[static_cast<size_t>(kind)]++ == 0) ++x.kinds_present;
  }
  ++x.version;
  gpu_allocated_milli_ += t.total_gpu_milli();
  return absl::OkStatus();
}

absl::Status FragCluster::Release(const FragTask& t, const GpuPlacement& p) {
  if (p.node < 0 || p.node >= num_nodes()) {
    return absl::FailedPreconditionError(absl::StrCat("no node ", p.node));
  }
  FragNode& x = nodes_[static_cast<size_t>(p.node)];
  if (absl::Status s = CheckShape(t, x, p); !s.ok()) return s;
  const int32_t kind = KindOf(t);
  if (x.cpu_left + t.cpu_milli > x.cpu_capacity ||
      x.memory_left + t.memory_mib > x.memory_capacity ||
      (kind >= 0 && x.tasks_by_kind[static_cast<size_t>(kind)] == 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "node ", names_[static_cast<size_t>(p.node)], ": the task is not allocated there"));
  }
  for (int32_t g = 0; g < x.gpus; ++g) {
    if (((p.gpu_mask >> g) & 1u) != 0 &&
        x.gpu_left[static_cast<size_t>(g)] + t.gpu_milli > kMilliPerGpu) {
      return absl::FailedPreconditionError(
          absl::StrCat("node ", names_[static_cast<size_t>(p.node)], " GPU ", g,
                       ": releasing would free more than the GPU has"));
    }
  }
  x.cpu_left += t.cpu_milli;
  x.memory_left += t.memory_mib;
  for (int32_t g = 0; g < x.gpus; ++g) {
    if (((p.gpu_mask >> g) & 1u) != 0) x.gpu_left[static_cast<size_t>(g)] += t.gpu_milli;
  }
  Recount(x);
  if (kind >= 0 && --x.tasks_by_kind[static_cast<size_t>(kind)] == 0) --x.kinds_present;
  ++x.version;
  gpu_allocated_milli_ -= t.total_gpu_milli();
  return absl::OkStatus();
}

absl::Status FragCluster::CheckInvariants() const {
  int64_t free_total = 0;
  for (int32_t n = 0; n < num_nodes(); ++n) {
    const FragNode& x = node(n);
    const std::string& name = names_[static_cast<size_t>(n)];
    if (x.cpu_left < 0 || x.cpu_left > x.cpu_capacity || x.memory_left < 0 ||
        x.memory_left > x.memory_capacity) {
      return absl::InternalError(absl::StrCat("node ", name, ": CPU or memory out of range"));
    }
    for (int32_t g = 0; g < kMaxGpusPerNode; ++g) {
      const int32_t left = x.gpu_left[static_cast<size_t>(g)];
      if (g < x.gpus ? (left < 0 || left > kMilliPerGpu) : left != 0) {
        return absl::InternalError(
            absl::StrCat("node ", name, " GPU ", g, ": ", left, " milli free is out of range"));
      }
    }
    FragNode copy = x;
    Recount(copy);
    if (copy.gpu_left_total != x.gpu_left_total || copy.max_gpu_left != x.max_gpu_left ||
        copy.full_gpus != x.full_gpus) {
      return absl::InternalError(absl::StrCat("node ", name, ": stale GPU summary"));
    }
    int32_t kinds = 0;
    for (int32_t c : x.tasks_by_kind) {
      if (c < 0) return absl::InternalError(absl::StrCat("node ", name, ": negative task count"));
      if (c > 0) ++kinds;
    }
    if (kinds != x.kinds_present) {
      return absl::InternalError(absl::StrCat("node ", name, ": stale task-kind count"));
    }
    free_total += x.gpu_left_total;
  }
  if (free_total + gpu_allocated_milli_ != gpu_capacity_milli_) {
    return absl::InternalError(absl::StrCat("free ", free_total, " + allocated ",
                                            gpu_allocated_milli_, " milli-GPU != capacity ",
                                            gpu_capacity_milli_));
  }
  return absl::OkStatus();
}

uint32_t FirstFreeGpus(const FragNode& x, int32_t k) {
  uint32_t mask = 0;
  int32_t got = 0;
  for (int32_t g = 0; g < x.gpus && got < k; ++g) {
    if (x.gpu_left[static_cast<size_t>(g)] == kMilliPerGpu) {
      mask |= 1u << g;
      ++got;
    }
  }
  return got == k ? mask : 0;
}

int32_t BestFitGpu(const FragNode& x, int32_t milli) {
  int32_t best = -1;
  for (int32_t g = 0; g < x.gpus; ++g) {
    const int32_t left = x.gpu_left[static_cast<size_t>(g)];
    if (left >= milli && (best < 0 || left < x.gpu_left[static_cast<size_t>(best)])) best = g;
  }
  return best;
}

uint32_t BestFitGpus(const FragNode& x, const FragTask& t) {
  if (t.num_gpu == 0) return 0;
  if (t.num_gpu == 1) {
    const int32_t g = BestFitGpu(x, t.gpu_milli);
    return g < 0 ? 0 : 1u << g;
  }
  return FirstFreeGpus(x, t.num_gpu);
}

}  // namespace burnrate
