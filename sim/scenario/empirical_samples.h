// Reading the observed durations of an Empirical duration distribution (scenario.proto): one
// number per line, or one column of a CSV file with a header row. Blank lines and lines starting
// with '#' are skipped; every value times `scale` must be a finite number > 0 (seconds).
#ifndef BURNRATE_SIM_SCENARIO_EMPIRICAL_SAMPLES_H_
#define BURNRATE_SIM_SCENARIO_EMPIRICAL_SAMPLES_H_

#include <string>
#include <vector>

namespace burnrate {

struct EmpiricalSamples {
  std::vector<double> seconds;      // in file order, already scaled
  std::vector<std::string> errors;  // "<file>:<line>: <problem>; <allowed>", empty when valid
};

// Parses file contents. `file` names the file in messages; `column` "" = one number per line.
// REQUIRES: scale is finite and > 0.
EmpiricalSamples ParseEmpiricalSamples(const std::string& text, const std::string& file,
                                       const std::string& column, double scale);

// Reads and parses `path` (a missing or unreadable file is one error naming it).
EmpiricalSamples ReadEmpiricalSamples(const std::string& path, const std::string& column,
                                      double scale);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_EMPIRICAL_SAMPLES_H_
