// The fragmentation measure of Weng et al. (ATC'23, Sec. 3). A workload's task mix M is the
// popularity of each task shape m = (cpu, gpu_milli, num_gpu, models). The fragmentation of a
// node n for one shape, F_n(m), is the free GPU capacity that m cannot use:
//   - all free milli-GPU when m asks no GPU, when n's GPU model is not allowed for m, or when m
//     does not fit n (not enough CPU, or fewer than num_gpu GPUs with gpu_milli free);
//   - otherwise the free milli-GPU of the GPUs that have less than gpu_milli free.
// F_n(M) = sum_m p_m F_n(m) (the expected fragmentation against the mix) and the cluster's is
// the sum over nodes. Memory is not part of the measure (as in the paper's artifact: a task's
// shape is CPU and GPU).
//
// Everything is kept in integers: with c_m the count of shape m in the mix and C = sum c_m,
// F_n(M) = N_n / C with N_n = sum_m c_m F_n(m) exact in int64 (count x milli-GPU), so equal
// fragmentations compare equal and results do not depend on summation order.
#ifndef BURNRATE_FRAG_FRAGMENTATION_H_
#define BURNRATE_FRAG_FRAGMENTATION_H_

#include <cstdint>
#include <vector>

#include "frag/cluster.h"

namespace burnrate {

struct TaskShape {
  int64_t cpu_milli = 0;
  int32_t num_gpu = 0;
  int32_t gpu_milli = 0;  // 0 when num_gpu is 0
  bool model_constrained = false;
  uint64_t model_mask = 0;
  int64_t count = 0;  // tasks of this shape in the workload

  bool operator==(const TaskShape& o) const {
    return cpu_milli == o.cpu_milli && num_gpu == o.num_gpu && gpu_milli == o.gpu_milli &&
           model_constrained == o.model_constrained && model_mask == o.model_mask;
  }
};

// The shapes of a workload. Shapes are numbered in order of first appearance (assign_ids sets
// each task's type_id); the mix keeps the most popular shapes covering `popularity` of the
// tasks (the artifact's "typical pods", 95% by default; 1 keeps all), most popular first.
class TaskMix {
 public:
  // REQUIRES: 0 < popularity <= 1.
  static TaskMix FromTasks(std::vector<FragTask>& tasks, double popularity, bool assign_ids);

  const std::vector<TaskShape>& all_shapes() const { return all_; }   // by type_id
  const std::vector<TaskShape>& typical() const { return typical_; }  // the mix M
  int64_t typical_count() const { return typical_count_; }            // C = sum over M of c_m

 private:
  std::vector<TaskShape> all_, typical_;
  int64_t typical_count_ = 0;
};

// The measure compiled for one cluster: per GPU model, the part of the mix that counts every free
// GPU whatever the node's state (CPU-only shapes and shapes not allowed on the model) and the
// shapes that can use the model.
class FragMeasure {
 public:
  FragMeasure(const TaskMix& mix, const FragCluster& cluster);

  // N for a node state: CPU left, GPU model, free milli per GPU (gpus entries).
  int64_t Numerator(int32_t model, int64_t cpu_left, const int32_t* gpu_left,
                    int32_t gpus) const;
  int64_t Numerator(const FragNode& x) const {
    return Numerator(x.model, x.cpu_left, x.gpu_left.data(), x.gpus);
  }
  // N -> milli-GPU (F = N / C).
  double ToMilliGpu(int64_t numerator) const {
    return typical_count_ == 0 ? 0.0
                               : static_cast<double>(numerator) /
                                     static_cast<double>(typical_count_);
  }
  int64_t typical_count() const { return typical_count_; }

 private:
  struct Usable {  // a shape that can use a model
    int64_t cpu_milli;
    int32_t num_gpu, gpu_milli;
    int64_t count;
  };
  std::vector<int64_t> always_;               // per model
  std::vector<std::vector<Usable>> usable_;  // per model
  int64_t typical_count_ = 0;
};

// The cluster's fragmentation, kept incrementally: each node's N is cached with the node's
// version and recomputed only when that node has changed.
class FragMeter {
 public:
  FragMeter(const FragMeasure* measure, const FragCluster& cluster);
  // Recomputes node n's N if it changed since last seen, updating the total. O(|M| x GPUs).
  int64_t Node(const FragCluster& cluster, int32_t n);
  int64_t total_numerator() const { return total_; }
  double total_milli_gpu() const { return measure_->ToMilliGpu(total_); }
  const FragMeasure& measure() const { return *measure_; }

 private:
  const FragMeasure* measure_;
  std::vector<int64_t> node_numerator_;
  std::vector<uint32_t> node_version_;
  int64_t total_ = 0;
};

}  // namespace burnrate

#endif  // BURNRATE_FRAG_FRAGMENTATION_H_
