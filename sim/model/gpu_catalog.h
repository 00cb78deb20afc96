// The GPU catalog: built-in GPU types with documented sources, extended or overridden per
// scenario (Cluster.gpu_types).
#ifndef BURNRATE_SIM_MODEL_GPU_CATALOG_H_
#define BURNRATE_SIM_MODEL_GPU_CATALOG_H_

#include <string>
#include <string_view>
#include <vector>

namespace burnrate {

struct GpuSpec {
  std::string name;             // e.g. "A100-80GB"
  double memory_gb = 0;         // device memory, GB
  double idle_watts = 0;        // board power when idle, W
  double busy_watts = 0;        // board power when busy (TDP), W
  double training_speed = 1.0;  // relative to A100-80GB = 1.0 (docs/gpu-catalog.md)
  double mtbf_hours = 0;        // mean time between failures of one GPU, hours; 0 = unknown
  std::string source;           // where the numbers come from
};

class GpuCatalog {
 public:
  // The built-in types: V100, A100-40GB, A100-80GB, H100, H200, L4, A10G, T4, P100.
  static GpuCatalog BuiltIn();

  // nullptr when the name is unknown. Names match exactly (case-sensitive).
  const GpuSpec* Find(std::string_view name) const;
  // Adds a new type or replaces the one with the same name.
  void Upsert(GpuSpec spec);
  // Names in catalog order (built-ins first, then additions).
  std::vector<std::string> Names() const;
  const std::vector<GpuSpec>& specs() const { return specs_; }

 private:
  std::vector<GpuSpec> specs_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_GPU_CATALOG_H_
