// The built-in price catalogue: dated, sourced list prices of GPU cloud offerings (AWS, GCP,
// Azure and neoclouds). A scenario pool may name an entry by key instead of typing a price; an
// explicit usd_per_gpu_hour in the scenario always wins. See docs/price-catalog.md.
#ifndef BURNRATE_SIM_MODEL_PRICE_CATALOG_H_
#define BURNRATE_SIM_MODEL_PRICE_CATALOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace burnrate {

struct PriceEntry {
  std::string key;  // "<provider>:<instance>:<kind>", e.g. "aws:p4d.24xlarge:on_demand"
  std::string provider;  // "aws", "gcp", "azure", "lambda", "coreweave"
  std::string instance;  // the provider's instance / machine type / offering name
  std::string gpu_type;  // a built-in GpuCatalog name, e.g. "A100-40GB"
  uint32_t gpus_per_instance = 0;
  std::string kind;  // on_demand | reserved_1y | reserved_3y | spot
  double usd_per_instance_hour = 0;
  double usd_per_gpu_hour = 0;  // = usd_per_instance_hour / gpus_per_instance
  std::string region;           // provider region the figure applies to
  std::string as_of;            // YYYY-MM or YYYY-MM-DD: when the figure was listed or captured
  std::string source;           // URL (and commit or capture date) the figure comes from
  std::string note;             // caveats, e.g. "before the June 2025 price cut"
};

// Every built-in entry, in catalogue order (by provider, then GPU generation). Keys are unique.
const std::vector<PriceEntry>& BuiltInPrices();

// nullptr if the key is unknown. Keys match exactly (case-sensitive).
const PriceEntry* FindPrice(std::string_view key);

// The keys of BuiltInPrices(), in catalogue order.
std::vector<std::string> PriceKeys();

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_PRICE_CATALOG_H_
