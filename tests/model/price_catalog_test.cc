#include "sim/model/price_catalog.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "sim/model/gpu_catalog.h"

namespace burnrate {
namespace {

double Cents(double usd) { return std::round(usd * 100.0) / 100.0; }

TEST_CASE("Every price entry is sourced, dated and consistent", "[prices]") {
  const GpuCatalog gpus = GpuCatalog::BuiltIn();
  const std::regex date(R"(\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)");
  const std::set<std::string> kinds = {"on_demand", "reserved_1y", "reserved_3y", "spot"};
  REQUIRE_FALSE(BuiltInPrices().empty());
  for (const PriceEntry& e : BuiltInPrices()) {
    INFO(e.key);
    CHECK(e.key == e.provider + ":" + e.instance + ":" + e.kind);
    CHECK_FALSE(e.provider.empty());
    CHECK_FALSE(e.instance.empty());
    CHECK_FALSE(e.region.empty());
    CHECK(kinds.count(e.kind) == 1);
    CHECK(gpus.Find(e.gpu_type) != nullptr);
    CHECK(e.gpus_per_instance > 0);
    CHECK(e.usd_per_instance_hour > 0);
    CHECK_THAT(e.source, Catch::Contains("https://"));
    CHECK(std::regex_match(e.as_of, date));
    REQUIRE(e.gpus_per_instance > 0);
    CHECK(Cents(e.usd_per_gpu_hour) ==
          Cents(e.usd_per_instance_hour / static_cast<double>(e.gpus_per_instance)));
    CHECK(std::abs(e.usd_per_gpu_hour * e.gpus_per_instance - e.usd_per_instance_hour) < 0.005);
  }
}

TEST_CASE("Price keys are unique and listed in catalogue order", "[prices]") {
  const std::vector<std::string> keys = PriceKeys();
  REQUIRE(keys.size() == BuiltInPrices().size());
  for (size_t i = 0; i < keys.size(); ++i) CHECK(keys[i] == BuiltInPrices()[i].key);
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());
}

TEST_CASE("The p4d.24xlarge anchor is in the catalogue", "[prices]") {
  const PriceEntry* p4d = FindPrice("aws:p4d.24xlarge:on_demand");
  REQUIRE(p4d != nullptr);
  CHECK(p4d->provider == "aws");
  CHECK(p4d->instance == "p4d.24xlarge");
  CHECK(p4d->gpu_type == "A100-40GB");
  CHECK(p4d->gpus_per_instance == 8);
  CHECK(p4d->kind == "on_demand");
  CHECK(p4d->region == "us-east-1");
  CHECK(Cents(p4d->usd_per_instance_hour) == Approx(32.77));
  CHECK(Cents(p4d->usd_per_gpu_hour) == Approx(4.10));
  CHECK_THAT(p4d->note, Catch::Contains("before the June 2025"));
}

TEST_CASE("FindPrice finds every key and nothing else", "[prices]") {
  for (const PriceEntry& e : BuiltInPrices()) {
    const PriceEntry* found = FindPrice(e.key);
    REQUIRE(found != nullptr);
    CHECK(found == &e);
  }
  CHECK(FindPrice("") == nullptr);
  CHECK(FindPrice("aws:p4d.24xlarge") == nullptr);
  CHECK(FindPrice("AWS:p4d.24xlarge:on_demand") == nullptr);  // case-sensitive
  CHECK(FindPrice("aws:p4d.24xlarge:reserved_9y") == nullptr);
}

TEST_CASE("The catalogue covers every requested GPU on hyperscalers and neoclouds", "[prices]") {
  std::set<std::string> gpu_types;
  std::set<std::string> providers;
  for (const PriceEntry& e : BuiltInPrices()) {
    gpu_types.insert(e.gpu_type);
    providers.insert(e.provider);
  }
  for (const char* gpu : {"A100-40GB", "A100-80GB", "H100", "H200", "L4", "A10G", "V100", "T4"}) {
    INFO(gpu);
    CHECK(gpu_types.count(gpu) == 1);
  }
  for (const char* provider : {"aws", "gcp", "azure", "lambda", "coreweave"}) {
    INFO(provider);
    CHECK(providers.count(provider) == 1);
  }
}

TEST_CASE("Commitments and spot are cheaper than on-demand for the same offering",
          "[prices]") {
  int compared = 0;
  for (const PriceEntry& e : BuiltInPrices()) {
    if (e.kind == "on_demand") continue;
    const PriceEntry* od = FindPrice(e.provider + ":" + e.instance + ":on_demand");
    if (od == nullptr) continue;
    INFO(e.key);
    CHECK(e.usd_per_instance_hour < od->usd_per_instance_hour);
    CHECK(e.gpu_type == od->gpu_type);
    CHECK(e.gpus_per_instance == od->gpus_per_instance);
    ++compared;
  }
  CHECK(compared > 0);
}

}  // namespace
}  // namespace burnrate
