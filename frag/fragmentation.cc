#include "frag/fragmentation.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace burnrate {

TaskMix TaskMix::FromTasks(std::vector<FragTask>& tasks, double popularity, bool assign_ids) {
  TaskMix mix;
  std::map<std::tuple<int64_t, int32_t, int32_t, bool, uint64_t>, int32_t> ids;
  for (FragTask& t : tasks) {
    const auto key = std::make_tuple(t.cpu_milli, t.num_gpu, t.gpu_milli, t.model_constrained,
                                     t.model_mask);
    auto [it, fresh] = ids.try_emplace(key, static_cast<int32_t>(mix.all_.size()));
    if (fresh) {
      mix.all_.push_back(TaskShape{t.cpu_milli, t.num_gpu, t.gpu_milli, t.model_constrained,
                                   t.model_mask, 0});
    }
    ++mix.all_[static_cast<size_t>(it->second)].count;
    if (assign_ids) t.type_id = it->second;
  }
  std::vector<TaskShape> sorted = mix.all_;
  // Most popular first; equal counts in a fixed order (larger shapes first) so the cut below
  // does not depend on the order of the file.
  std::stable_sort(sorted.begin(), sorted.end(), [](const TaskShape& a, const TaskShape& b) {
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.cpu_milli, a.gpu_milli, a.num_gpu, a.model_mask) >
           std::tie(b.cpu_milli, b.gpu_milli, b.num_gpu, b.model_mask);
  });
  int64_t total = 0;
  for (const TaskShape& s : sorted) total += s.count;
  const double wanted = popularity * static_cast<double>(total);
  for (const TaskShape& s : sorted) {
    if (static_cast<double>(mix.typical_count_) >= wanted) break;
    mix.typical_.push_back(s);
    mix.typical_count_ += s.count;
  }
  return mix;
}

FragMeasure::FragMeasure(const TaskMix& mix, const FragCluster& cluster)
    : always_(cluster.models().size(), 0),
      usable_(cluster.models().size()),
      typical_count_(mix.typical_count()) {
  for (const TaskShape& s : mix.typical()) {
    for (size_t model = 0; model < cluster.models().size(); ++model) {
      const bool allowed =
          s.num_gpu > 0 && (!s.model_constrained || ((s.model_mask >> model) & 1u) != 0);
      if (allowed) {
        usable_[model].push_back(Usable{s.cpu_milli, s.num_gpu, s.gpu_milli, s.count});
      } else {
        always_[model] += s.count;
      }
    }
  }
}

int64_t FragMeasure::Numerator(int32_t model, int64_t cpu_left, const int32_t* gpu_left,
                               int32_t gpus) const {
  if (model < 0 || gpus == 0) return 0;  // no GPU, no GPU fragment
  int64_t total = 0;
  for (int32_t g = 0; g < gpus; ++g) total += gpu_left[g];
  if (total == 0) return 0;
  const size_t m = static_cast<size_t>(model);
  int64_t n = always_[m] * total;
  for (const Usable& u : usable_[m]) {
    int64_t fragment = total;
    if (cpu_left >= u.cpu_milli) {
      int32_t holding = 0;  // GPUs with gpu_milli free
      int64_t below = 0;    // free milli of the GPUs that cannot hold one unit of the shape
      for (int32_t g = 0; g < gpus; ++g) {
        if (gpu_left[g] >= u.gpu_milli) {
          ++holding;
        } else {
          below += gpu_left[g];
        }
      }
      if (holding >= u.num_gpu) fragment = below;
    }
    n += u.count * fragment;
  }
  return n;
}

FragMeter::FragMeter(const FragMeasure* measure, const FragCluster& cluster)
    : measure_(measure),
      node_numerator_(static_cast<size_t>(cluster.num_nodes()), 0),
      node_version_(static_cast<size_t>(cluster.num_nodes()), 0) {
  for (int32_t n = 0; n < cluster.num_nodes(); ++n) Node(cluster, n);
}

int64_t FragMeter::Node(const FragCluster& cluster, int32_t n) {
  const size_t i = static_cast<size_t>(n);
  const FragNode& x = cluster.node(n);
  if (node_version_[i] != x.version) {
    const int64_t fresh = measure_->Numerator(x);
    total_ += fresh - node_numerator_[i];
    node_numerator_[i] = fresh;
    node_version_[i] = x.version;
  }
  return node_numerator_[i];
}

}  // namespace burnrate
