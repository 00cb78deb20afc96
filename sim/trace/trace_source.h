// From a scenario's trace source to the importer's options.
#ifndef BURNRATE_SIM_TRACE_TRACE_SOURCE_H_
#define BURNRATE_SIM_TRACE_TRACE_SOURCE_H_

#include <limits>

#include "sim/model/scenario_model.h"
#include "sim/trace/trace.h"

namespace burnrate {

inline TraceOptions TraceOptionsOf(const TraceSourceSpec& spec, uint64_t seed) {
  TraceOptions o;
  o.lenient = spec.lenient;
  if (spec.window_start_s > 0) o.window_start_s = spec.window_start_s;
  if (spec.window_end_s > 0) o.window_end_s = spec.window_end_s;
  o.statuses = spec.statuses;
  o.vcs = spec.vcs;
  o.time_compression = spec.time_compression;
  o.load_multiplier = spec.load_multiplier;
  o.seed = seed;
  o.settings = spec.settings;
  return o;
}

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_TRACE_SOURCE_H_
