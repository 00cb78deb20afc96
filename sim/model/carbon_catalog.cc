#include "sim/model/carbon_catalog.h"

#include <cstdio>

namespace burnrate {
namespace {

constexpr std::string_view kEmberOwid =
    "Ember yearly electricity data 2023, as tabulated by Our World in Data (carbon intensity of "
    "electricity generation); lifecycle emissions incl. upstream methane and supply chain, all "
    "gases as CO2e over 100 years";
constexpr std::string_view kEmberStatista =
    "Ember 2023 data, as cited by Statista (secondary source); lifecycle emissions";
#define BURNRATE_GOOGLE_REGION(region)                                                    \
  "Google Cloud, GoogleCloudPlatform/region-carbon-info data/yearly/2024.csv, " region      \
  ": average operational gross emissions per unit of grid energy, before Google's own "   \
  "clean-energy purchases"

}  // namespace

const std::vector<GridIntensity>& GridIntensities() {
  // Lifecycle (Ember) and operational (Google) values are different bases: operational values
  // leave out upstream and construction emissions and read lower (France: 56 lifecycle, Paris
  // 16.3 operational). Each entry keeps its basis; do not mix them in one comparison.
  static const std::vector<GridIntensity> kPresets = {
      {"world", 480, "lifecycle", 2023,
       "Ember, Global Electricity Review 2024 (2023 world average; Statista quotes Ember's 481; "
       "secondary sources)"},
      {"france", 56, "lifecycle", 2023, kEmberOwid},
      {"germany", 381, "lifecycle", 2023, kEmberOwid},
      {"ireland", 291, "lifecycle", 2023, kEmberOwid},
      {"finland", 79, "lifecycle", 2023, kEmberOwid},
      {"sweden", 40.7, "lifecycle", 2023, kEmberStatista},
      {"norway", 30, "lifecycle", 2023, kEmberStatista},
      {"india", 713, "lifecycle", 2023, kEmberOwid},
      {"china", 582, "lifecycle", 2023, kEmberOwid},
      {"canada", 170, "lifecycle", 2023, kEmberOwid},
      {"australia", 549, "lifecycle", 2023, kEmberOwid},
      {"us-iowa", 412.72, "operational", 2024,
       BURNRATE_GOOGLE_REGION("us-central1 (Iowa, MISO grid)")},
      {"us-virginia", 323.05, "operational", 2024,
       BURNRATE_GOOGLE_REGION("us-east4 (N. Virginia, PJM grid)")},
      {"us-oregon", 79.23, "operational", 2024,
       BURNRATE_GOOGLE_REGION("us-west1 (Oregon)")},
      {"us-california", 169.28, "operational", 2024,
       BURNRATE_GOOGLE_REGION("us-west2 (Los Angeles, as a proxy for California)")},
      {"canada-quebec", 5.48, "operational", 2024,
       BURNRATE_GOOGLE_REGION("northamerica-northeast1 (Montreal, Quebec)")},
      {"singapore", 366.85, "operational", 2024,
       BURNRATE_GOOGLE_REGION("asia-southeast1 (Singapore)")},
  };
  return kPresets;
}

#undef BURNRATE_GOOGLE_REGION

const GridIntensity* FindGridIntensity(std::string_view location) {
  for (const GridIntensity& g : GridIntensities()) {
    if (g.location == location) return &g;
  }
  return nullptr;
}

std::string GridLocationNames() {
  std::string out;
  for (const GridIntensity& g : GridIntensities()) {
    if (!out.empty()) out += ", ";
    out += g.location;
  }
  return out;
}

std::string DescribeGridIntensity(const GridIntensity& g) {
  char value[32];
  std::snprintf(value, sizeof(value), "%g", g.gco2e_per_kwh);
  std::string out(g.location);
  out += ": ";
  out += value;
  out += " gCO2e/kWh, ";
  out += g.basis;
  out += ", ";
  out += std::to_string(g.year);
  return out;
}

}  // namespace burnrate
