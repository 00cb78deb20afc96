// Built-in carbon defaults: grid intensity presets by location (each with its source, basis and
// year) and the embodied-carbon defaults of a GPU server. docs/carbon.md explains every value.
#ifndef BURNRATE_SIM_MODEL_CARBON_CATALOG_H_
#define BURNRATE_SIM_MODEL_CARBON_CATALOG_H_

#include <string>
#include <string_view>
#include <vector>

namespace burnrate {

struct GridIntensity {
  std::string_view location;     // preset name used in scenarios, e.g. "france"
  double gco2e_per_kwh = 0;      // average grid carbon intensity
  std::string_view basis;        // "lifecycle" or "operational"
  int year = 0;                  // the data year
  std::string_view source;       // where the number comes from
};

// The preset used when a pool names no location.
inline constexpr std::string_view kDefaultGridLocation = "world";

// Embodied carbon and its amortisation when a scenario gives none: one A100-class GPU and one
// GPU server without its GPUs (Luccioni, Viguier, Ligozat, "Estimating the Carbon Footprint of
// BLOOM", JMLR 24(253), 2023, arXiv:2211.02001), amortised over 6 years (Scaleway's server
// lifetime; Boavizta's default GPU-server lifespan).
inline constexpr double kDefaultEmbodiedKgPerGpu = 150;
inline constexpr double kDefaultEmbodiedKgPerNode = 2500;
inline constexpr double kDefaultLifetimeYears = 6;
// Hours in an amortisation year (365 days: 6 years = 52,560 h, as Scaleway states it).
inline constexpr double kHoursPerYear = 8760;

// Every preset, in catalogue order (world first, then countries, then sub-national regions).
const std::vector<GridIntensity>& GridIntensities();

// nullptr when `location` is not a preset. Names match exactly (lower case).
const GridIntensity* FindGridIntensity(std::string_view location);

// The preset names, comma-separated, for error messages.
std::string GridLocationNames();

// "france: 56 gCO2e/kWh, Ember 2023, lifecycle" style one-line description of a preset.
std::string DescribeGridIntensity(const GridIntensity& g);

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_CARBON_CATALOG_H_
