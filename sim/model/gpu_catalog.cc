#include "sim/model/gpu_catalog.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burnrate {
namespace {

// Idle board power as a fraction of TDP. Measured idle draw of data-centre GPUs is commonly
// 10-25% of TDP depending on model, clocks and driver persistence mode; 0.2 is one stated rule
// for all built-ins, not a per-model measurement. See docs/gpu-catalog.md.
constexpr double kIdleFractionOfTdp = 0.2;

// Dense (no sparsity) FP16/BF16 tensor-core peak of the A100 SXM, TFLOPS: the speed reference.
constexpr double kA100DenseTflops = 312.0;

GpuSpec Spec(std::string name, double memory_gb, double tdp_watts, double dense_fp16_tflops,
             std::string source) {
  GpuSpec spec;
  spec.name = std::move(name);
  spec.memory_gb = memory_gb;
  spec.idle_watts = kIdleFractionOfTdp * tdp_watts;
  spec.busy_watts = tdp_watts;
  spec.training_speed = dense_fp16_tflops / kA100DenseTflops;
  spec.source = std::move(source);
  return spec;
}

constexpr std::string_view kRules =
    " Idle = 0.2 x TDP (stated rule, not measured). training_speed = dense FP16/BF16 tensor peak "
    "TFLOPS / 312 (A100): a peak-TFLOPS proxy that overstates real training speedups.";

}  // namespace

GpuCatalog GpuCatalog::BuiltIn() {
  GpuCatalog catalog;
  auto source = [](std::string_view datasheet) {
    return std::string(datasheet) + std::string(kRules);
  };
  catalog.specs_ = {
      Spec("V100", 32, 300, 125,
           source("NVIDIA Tesla V100 datasheet, SXM2 32GB: 300 W TDP, 125 TFLOPS tensor.")),
      Spec("A100-40GB", 40, 400, 312,
           source("NVIDIA A100 datasheet, SXM 40GB: 400 W TDP, 312 TFLOPS FP16/BF16 tensor "
                  "dense.")),
      Spec("A100-80GB", 80, 400, 312,
           source("NVIDIA A100 datasheet, SXM 80GB: 400 W TDP, 312 TFLOPS FP16/BF16 tensor "
                  "dense.")),
      Spec("H100", 80, 700, 989,
           source("NVIDIA H100 datasheet, SXM 80GB: up to 700 W TDP, 989 TFLOPS FP16/BF16 tensor "
                  "dense (1979 with sparsity).")),
      Spec("H200", 141, 700, 989,
           source("NVIDIA H200 datasheet, SXM 141GB: up to 700 W TDP, 989 TFLOPS FP16/BF16 tensor "
                  "dense (1979 with sparsity).")),
      Spec("L4", 24, 72, 121,
           source("NVIDIA L4 datasheet: 24 GB, 72 W TDP, 121 TFLOPS FP16/BF16 tensor dense (242 "
                  "with sparsity).")),
      Spec("A10G", 24, 150, 125,
           source("NVIDIA A10 datasheet (AWS does not publish A10G TDP or TFLOPS; A10G is an A10 "
                  "variant with slightly lower clocks): 24 GB, 150 W TDP, 125 TFLOPS FP16/BF16 "
                  "tensor dense (250 with sparsity).")),
      Spec("T4", 16, 70, 65,
           source("NVIDIA T4 datasheet: 16 GB, 70 W TDP, 65 TFLOPS FP16 tensor (mixed "
                  "precision).")),
      Spec("P100", 16, 300, 21.2,
           source("NVIDIA Tesla P100 datasheet, SXM2 16GB (PCIe is 250 W, 18.7 TFLOPS): 300 W "
                  "TDP, 21.2 TFLOPS FP16 (no tensor cores).")),
  };
  // Failure rate: only H100 has a published fleet figure we use. Llama 3 (Meta, "The Llama 3
  // Herd of Models", 2024, sec. 3.3.4): 419 unexpected interruptions in a 54-day snapshot of
  // pre-training on 16,384 H100 GPUs, i.e. 16,384 x 1,296 h / 419 = 50,677 GPU-hours between
  // interruptions. Every cause is in it (GPU and HBM faults, network, host, software), since
  // each took the job down. docs/failures.md.
  for (GpuSpec& spec : catalog.specs_) {
    if (spec.name == "H100") {
      spec.mtbf_hours = 16384.0 * 54 * 24 / 419;
      spec.source += " mtbf_hours: Llama 3 (2024), 419 interruptions in 54 days on 16,384 GPUs.";
    }
  }
  return catalog;
}

const GpuSpec* GpuCatalog::Find(std::string_view name) const {
  for (const GpuSpec& spec : specs_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

void GpuCatalog::Upsert(GpuSpec spec) {
  for (GpuSpec& existing : specs_) {
    if (existing.name == spec.name) {
      existing = std::move(spec);
      return;
    }
  }
  specs_.push_back(std::move(spec));
}

std::vector<std::string> GpuCatalog::Names() const {
  std::vector<std::string> names;
  names.reserve(specs_.size());
  for (const GpuSpec& spec : specs_) names.push_back(spec.name);
  return names;
}

}  // namespace burnrate
