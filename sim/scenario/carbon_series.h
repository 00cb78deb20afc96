// Reading an hourly grid carbon-intensity series (Carbon.hourly_gco2e_per_kwh_file,
// docs/carbon.md): a CSV file with a header naming the columns hour_utc and gco2e_per_kwh (any
// order, other columns ignored), then one row per consecutive UTC hour. Blank lines and lines
// starting with '#' are skipped.
#ifndef BURNRATE_SIM_SCENARIO_CARBON_SERIES_H_
#define BURNRATE_SIM_SCENARIO_CARBON_SERIES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace burnrate {

// Largest intensity accepted, gCO2e per kWh (the dirtiest grids are near 1,000).
inline constexpr double kMaxGridGco2ePerKwh = 5000;

struct CarbonSeries {
  int64_t first_hour_unix_s = 0;  // start of the first row's hour, seconds since 1970 (UTC)
  std::vector<double> hourly;     // gCO2e per kWh, one per consecutive hour, in file order
  size_t first_line = 0;          // file lines of the first and last rows (1-based)
  size_t last_line = 0;
  std::vector<std::string> errors;  // "<file>:<line>: <problem>; <allowed>", empty when valid
};

// Parses file contents; `file` names the file in messages.
CarbonSeries ParseCarbonSeries(const std::string& text, const std::string& file);

// Reads and parses `path` (a missing or unreadable file is one error naming it).
CarbonSeries ReadCarbonSeries(const std::string& path);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_CARBON_SERIES_H_
