#include "sim/model/price_catalog.h"

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burnrate {
namespace {

// One catalogue row as written below; the key and the per-GPU price are derived from it.
struct Row {
  const char* provider;
  const char* instance;
  const char* gpu_type;
  uint32_t gpus;
  const char* kind;
  double usd_per_instance_hour;
  const char* region;
  const char* as_of;
  const char* source;
  const char* note;
};

// Hours per month used by the GCP source file to turn hourly into monthly prices (its
// month = hour x 730); committed-use rows below divide its month_1y / month_3y by this.
constexpr double kGcpSourceHoursPerMonth = 730.0;

// --- Sources (see docs/price-catalog.md for what each one is and how far to trust it). ---

constexpr const char* kAwsListSource =
    "https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, US East N. Virginia), as listed in "
    "2025";
constexpr const char* kAwsPreCutNote =
    "As listed in 2025, before the June 2025 P4/P5 price cut (p4d/p4de about -33%, p5 about "
    "-44% after it; see docs/price-catalog.md).";
constexpr const char* kAwsUncutNote =
    "As listed in 2025; this family was not part of the June 2025 P4/P5 price cut.";
constexpr const char* kDstackP5enSource =
    "https://github.com/dstackai/dstack/pull/4110 (`dstack offer -b aws --instance-type "
    "p5en.48xlarge` output in the PR description, 2026-08-06)";

constexpr const char* kGcpSource =
    "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/"
    "0166a59ebba7c36f2cc8c931d9f258dcebc44776/pricing.yml (generated 2025-03-06 from Google "
    "Cloud SKU prices; compute.instance.<type>.cost.us-central1)";
constexpr const char* kGcpOnDemandNote =
    "Whole machine: GPUs + vCPUs + memory (+ bundled local SSD), the file's `hour`.";
constexpr const char* kGcpSpotNote =
    "Spot VM price, the file's `hour_spot`; spot prices move, this is one snapshot.";
constexpr const char* kGcp1yNote =
    "1-year committed-use (resource CUD) price: the file's `month_1y` / 730 h.";
constexpr const char* kGcp3yNote =
    "3-year committed-use (resource CUD) price: the file's `month_3y` / 730 h.";
constexpr const char* kGcpH200Source =
    "https://huggingface.co/datasets/tanod/cloud-gpu-list-prices (snapshot 2026-10-13; source "
    "column: Google Cloud Billing Catalog API; per-GPU instance share x 8)";

constexpr const char* kAzureSource =
    "https://raw.githubusercontent.com/datareceipts/data-receipts/main/109-gpu-pricing/"
    "hyperscalers.json (Azure retail prices, retrieved 2026-11-09)";

constexpr const char* kLambdaSource =
    "https://lambda.ai/instances, as transcribed on 2026-09-20 in "
    "https://github.com/api-evangelist/lambda-labs/blob/"
    "1929382e7f9b4777d980aec12b6fc9e04e6718cb/plans/lambda-labs-plans-pricing.yml";

constexpr const char* kCoreWeaveSource =
    "https://www.coreweave.com/pricing, as transcribed on 2026-09-20 in "
    "https://github.com/api-evangelist/coreweave/blob/"
    "27bcc25e6b1936055be7a93d6ea2d0f6a6d9d084/plans/coreweave-plans-pricing.yml";

// clang-format off
constexpr Row kRows[] = {
    // ---------------------------------------------------------------- AWS, us-east-1
    {.provider = "aws", .instance = "p4d.24xlarge", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 32.7726, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource,
     .note = "Project anchor ($32.77/h, $4.10/GPU-h). As listed in 2025, before the June 2025 "
             "P4/P5 price cut; later listed at $21.957642/h (see docs/price-catalog.md)."},
    {.provider = "aws", .instance = "p4de.24xlarge", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 40.96575, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsPreCutNote},
    {.provider = "aws", .instance = "p5.48xlarge", .gpu_type = "H100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 98.32, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource,
     .note = "As listed from launch (2023) until the June 2025 price cut; later listed at "
             "$55.04/h (see docs/price-catalog.md)."},
    {.provider = "aws", .instance = "p5en.48xlarge", .gpu_type = "H200", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 63.296, .region = "us-east-1",
     .as_of = "2026-08-06", .source = kDstackP5enSource,
     .note = "After the June 2025 price cut: not comparable with the pre-cut p4d/p5 rows."},
    {.provider = "aws", .instance = "p5en.48xlarge", .gpu_type = "H200", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 27.1988, .region = "us-east-1",
     .as_of = "2026-08-06", .source = kDstackP5enSource,
     .note = "Spot price at one moment; it moves with supply and demand."},
    {.provider = "aws", .instance = "p3.2xlarge", .gpu_type = "V100", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 3.06, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource,
     .note = "V100 SXM2 16 GB (the built-in V100 models the 32 GB part). As listed in 2025."},
    {.provider = "aws", .instance = "p3.16xlarge", .gpu_type = "V100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 24.48, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource,
     .note = "V100 SXM2 16 GB (the built-in V100 models the 32 GB part). As listed in 2025."},
    {.provider = "aws", .instance = "g4dn.xlarge", .gpu_type = "T4", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 0.526, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g4dn.12xlarge", .gpu_type = "T4", .gpus = 4,
     .kind = "on_demand", .usd_per_instance_hour = 3.912, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g5.xlarge", .gpu_type = "A10G", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 1.006, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g5.12xlarge", .gpu_type = "A10G", .gpus = 4,
     .kind = "on_demand", .usd_per_instance_hour = 5.672, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g5.48xlarge", .gpu_type = "A10G", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 16.288, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g6.xlarge", .gpu_type = "L4", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 0.8048, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},
    {.provider = "aws", .instance = "g6.12xlarge", .gpu_type = "L4", .gpus = 4,
     .kind = "on_demand", .usd_per_instance_hour = 4.6016, .region = "us-east-1",
     .as_of = "2025-03", .source = kAwsListSource, .note = kAwsUncutNote},

    // ---------------------------------------------------------------- GCP, us-central1
    {.provider = "gcp", .instance = "a2-highgpu-8g", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 29.38708, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpOnDemandNote},
    {.provider = "gcp", .instance = "a2-highgpu-8g", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 10.34684, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpSpotNote},
    {.provider = "gcp", .instance = "a2-highgpu-8g", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "reserved_1y", .usd_per_instance_hour = 13514.9691136 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp1yNote},
    {.provider = "gcp", .instance = "a2-highgpu-8g", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "reserved_3y", .usd_per_instance_hour = 7508.53662384 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp3yNote},
    {.provider = "gcp", .instance = "a2-ultragpu-8g", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 40.5503831232877, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpOnDemandNote},
    {.provider = "gcp", .instance = "a2-ultragpu-8g", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 16.2197468493151, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpSpotNote},
    {.provider = "gcp", .instance = "a3-highgpu-8g", .gpu_type = "H100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 88.4899999025753, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpOnDemandNote},
    {.provider = "gcp", .instance = "a3-highgpu-8g", .gpu_type = "H100", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 35.3957496986301, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpSpotNote},
    {.provider = "gcp", .instance = "a3-highgpu-8g", .gpu_type = "H100", .gpus = 8,
     .kind = "reserved_1y", .usd_per_instance_hour = 44810.08066464 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp1yNote},
    {.provider = "gcp", .instance = "a3-highgpu-8g", .gpu_type = "H100", .gpus = 8,
     .kind = "reserved_3y", .usd_per_instance_hour = 28370.99821392 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp3yNote},
    {.provider = "gcp", .instance = "a3-ultragpu-8g", .gpu_type = "H200", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 8 * 10.4365, .region = "us-central1",
     .as_of = "2026-10-13", .source = kGcpH200Source,
     .note = "Source gives $10.4365 per GPU-hour as the GPU's share of the whole machine."},
    {.provider = "gcp", .instance = "a3-ultragpu-8g", .gpu_type = "H200", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 8 * 6.2607, .region = "us-central1",
     .as_of = "2026-10-13", .source = kGcpH200Source,
     .note = "Source gives $6.2607 per GPU-hour (spot); spot prices move."},
    {.provider = "gcp", .instance = "g2-standard-8", .gpu_type = "L4", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 0.853624271, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpOnDemandNote},
    {.provider = "gcp", .instance = "g2-standard-8", .gpu_type = "L4", .gpus = 1,
     .kind = "spot", .usd_per_instance_hour = 0.336764, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpSpotNote},
    {.provider = "gcp", .instance = "g2-standard-8", .gpu_type = "L4", .gpus = 1,
     .kind = "reserved_1y", .usd_per_instance_hour = 392.58179878 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp1yNote},
    {.provider = "gcp", .instance = "g2-standard-8", .gpu_type = "L4", .gpus = 1,
     .kind = "reserved_3y", .usd_per_instance_hour = 280.41555627 / kGcpSourceHoursPerMonth,
     .region = "us-central1", .as_of = "2025-03-06", .source = kGcpSource, .note = kGcp3yNote},
    {.provider = "gcp", .instance = "g2-standard-48", .gpu_type = "L4", .gpus = 4,
     .kind = "on_demand", .usd_per_instance_hour = 4.001665148, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpOnDemandNote},
    {.provider = "gcp", .instance = "g2-standard-48", .gpu_type = "L4", .gpus = 4,
     .kind = "spot", .usd_per_instance_hour = 1.574384, .region = "us-central1",
     .as_of = "2025-03-06", .source = kGcpSource, .note = kGcpSpotNote},

    // ---------------------------------------------------------------- Azure, eastus
    {.provider = "azure", .instance = "Standard_ND96isr_H100_v5", .gpu_type = "H100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 98.32, .region = "eastus",
     .as_of = "2026-11-09", .source = kAzureSource,
     .note = "Source lists $12.29 per GPU-hour (x 8 = $98.32/h). H100 SXM 80 GB, InfiniBand."},
    {.provider = "azure", .instance = "Standard_ND96asr_v4", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 27.197, .region = "eastus",
     .as_of = "2026-11-09", .source = kAzureSource,
     .note = "Source labels it Standard_ND96asr_A100_v4 and lists $3.3996 per GPU-hour."},
    {.provider = "azure", .instance = "Standard_NC24ads_A100_v4", .gpu_type = "A100-80GB",
     .gpus = 1, .kind = "on_demand", .usd_per_instance_hour = 3.673, .region = "eastus",
     .as_of = "2026-11-09", .source = kAzureSource,
     .note = "A100 PCIe 80 GB (the built-in A100-80GB models the SXM part; override "
             "busy_watts for PCIe)."},

    // ---------------------------------------------------------------- Lambda
    // Lambda lists one price per GPU-hour with no per-region prices; instance = per-GPU x GPUs.
    {.provider = "lambda", .instance = "8x-h100-sxm", .gpu_type = "H100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 8 * 3.99, .region = "all",
     .as_of = "2026-09-20", .source = kLambdaSource,
     .note = "Listed as \"8x NVIDIA H100 SXM\", $3.99 per GPU-hour."},
    {.provider = "lambda", .instance = "1x-h100-sxm", .gpu_type = "H100", .gpus = 1,
     .kind = "on_demand", .usd_per_instance_hour = 4.29, .region = "all",
     .as_of = "2026-09-20", .source = kLambdaSource,
     .note = "Listed as \"1x NVIDIA H100 SXM\", $4.29 per GPU-hour."},
    {.provider = "lambda", .instance = "8x-a100-80gb-sxm", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 8 * 2.79, .region = "all",
     .as_of = "2026-09-20", .source = kLambdaSource,
     .note = "Listed as \"8x NVIDIA A100 SXM 80 GB\", $2.79 per GPU-hour."},
    {.provider = "lambda", .instance = "8x-a100-40gb-sxm", .gpu_type = "A100-40GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 8 * 1.99, .region = "all",
     .as_of = "2026-09-20", .source = kLambdaSource,
     .note = "Listed as \"8x NVIDIA A100 SXM 40 GB\", $1.99 per GPU-hour."},
    {.provider = "lambda", .instance = "8x-v100", .gpu_type = "V100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 8 * 0.79, .region = "all",
     .as_of = "2026-09-20", .source = kLambdaSource,
     .note = "Listed as \"8x NVIDIA Tesla V100\" (16 GB), $0.79 per GPU-hour."},

    // ---------------------------------------------------------------- CoreWeave, North America
    {.provider = "coreweave", .instance = "hgx-h100-8x", .gpu_type = "H100", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 49.24, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed as \"NVIDIA HGX H100\", 8 GPUs, $49.24/h. CoreWeave advertises up to 60% "
             "off for committed usage (no public figure)."},
    {.provider = "coreweave", .instance = "hgx-h100-8x", .gpu_type = "H100", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 19.71, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed spot price for HGX H100 (NA); spot prices move."},
    {.provider = "coreweave", .instance = "hgx-h200-8x", .gpu_type = "H200", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 50.44, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed as \"NVIDIA HGX H200\", 8 GPUs, $50.44/h."},
    {.provider = "coreweave", .instance = "hgx-h200-8x", .gpu_type = "H200", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 20.93, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed spot price for HGX H200 (NA); spot prices move."},
    {.provider = "coreweave", .instance = "a100-80gb-8x", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "on_demand", .usd_per_instance_hour = 21.60, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed as \"NVIDIA A100\", 8 GPUs, 80 GB, $21.60/h."},
    {.provider = "coreweave", .instance = "a100-80gb-8x", .gpu_type = "A100-80GB", .gpus = 8,
     .kind = "spot", .usd_per_instance_hour = 9.65, .region = "north-america",
     .as_of = "2026-09-20", .source = kCoreWeaveSource,
     .note = "Listed spot price for the 8x A100 node (NA); spot prices move."},
};
// clang-format on

std::vector<PriceEntry> BuildEntries() {
  std::vector<PriceEntry> entries;
  entries.reserve(std::size(kRows));
  for (const Row& row : kRows) {
    PriceEntry entry;
    entry.provider = row.provider;
    entry.instance = row.instance;
    entry.gpu_type = row.gpu_type;
    entry.gpus_per_instance = row.gpus;
    entry.kind = row.kind;
    entry.key = entry.provider + ":" + entry.instance + ":" + entry.kind;
    entry.usd_per_instance_hour = row.usd_per_instance_hour;
    entry.usd_per_gpu_hour = row.usd_per_instance_hour / static_cast<double>(row.gpus);
    entry.region = row.region;
    entry.as_of = row.as_of;
    entry.source = row.source;
    entry.note = row.note;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

const std::vector<PriceEntry>& BuiltInPrices() {
  static const std::vector<PriceEntry>* const kEntries =
      new std::vector<PriceEntry>(BuildEntries());
  return *kEntries;
}

const PriceEntry* FindPrice(std::string_view key) {
  for (const PriceEntry& entry : BuiltInPrices()) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

std::vector<std::string> PriceKeys() {
  std::vector<std::string> keys;
  keys.reserve(BuiltInPrices().size());
  for (const PriceEntry& entry : BuiltInPrices()) keys.push_back(entry.key);
  return keys;
}

}  // namespace burnrate
