// Reading a pool's failure trace (Failures.trace in scenario.proto): a CSV with the header
// `time_s,node` and an optional third column `repair_s`, one failure per row, in time order.
// time_s: seconds after the scenario start (>= 0); node: 0-based index of the node in its pool;
// repair_s: seconds until it is repaired (> 0), empty or absent = the pool's repair_hours draw.
// Blank lines and lines starting with '#' are skipped.
#ifndef BURNRATE_SIM_SCENARIO_FAILURE_TRACE_H_
#define BURNRATE_SIM_SCENARIO_FAILURE_TRACE_H_

#include <string>
#include <vector>

#include "sim/model/scenario_model.h"

namespace burnrate {

struct FailureTraceRead {
  std::vector<TracedFailure> failures;  // in file order (= time order when valid)
  std::vector<std::string> errors;      // "<file>:<line>: <problem>; <allowed>"
  bool needs_repair_hours = false;      // some row has no repair_s
};

// Parses file contents. `file` names the file in messages; `nodes` is the pool's node count.
FailureTraceRead ParseFailureTrace(const std::string& text, const std::string& file,
                                   uint32_t nodes);

// Reads and parses `path` (a missing or unreadable file is one error naming it).
FailureTraceRead ReadFailureTrace(const std::string& path, const std::string& file,
                                  uint32_t nodes);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_FAILURE_TRACE_H_
