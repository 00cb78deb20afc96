// `burnrate trace stats` and `burnrate trace fit`: what a trace holds, and a synthetic generator
// fitted to it. Streams the file; keeps one double per job (for duration quantiles).
#ifndef BURNRATE_SIM_TRACE_TRACE_STATS_H_
#define BURNRATE_SIM_TRACE_TRACE_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/trace/trace.h"

namespace burnrate {

struct TraceStats {
  std::string format, path;
  uint64_t jobs = 0;            // kept jobs (after filters)
  uint64_t fractional = 0;      // asking part of one GPU
  std::map<uint32_t, uint64_t> jobs_by_gpus;
  std::map<uint32_t, double> gpu_hours_by_gpus;
  std::map<std::string, uint64_t> jobs_by_status;
  std::vector<double> durations_s;  // sorted ascending
  double mean_duration_s = 0;
  double first_submit_s = 0, last_submit_s = 0;
  std::array<double, 24> jobs_by_hour{};     // submissions per hour of day (trace clock)
  std::array<double, 7> jobs_by_weekday{};   // 0 = Monday (trace clock; relative clocks start Thursday 1970-01-01)
  double gpu_hours = 0;
  TraceCounts counts;

  double span_s() const { return last_submit_s - first_submit_s; }
  // GPUs busy on average if every job ran at once on arrival: GPU-seconds / span.
  double offered_load_gpus() const { return span_s() > 0 ? gpu_hours * 3600 / span_s() : 0; }
  double arrivals_per_hour() const { return span_s() > 0 ? static_cast<double>(jobs) * 3600 / span_s() : 0; }
  double DurationQuantile(double q) const;
};

absl::StatusOr<TraceStats> ComputeTraceStats(const std::string& format, const std::string& path,
                                             const TraceOptions& options);

// Human-readable summary for `trace stats`.
std::string FormatTraceStats(const TraceStats& stats);

// A scenario `workload.generators` entry (YAML) reproducing the trace's arrival rate, daily
// profile, gang sizes and durations (as `quantiles` evenly spaced duration quantiles).
std::string FitGeneratorYaml(const TraceStats& stats, const std::string& name, int quantiles);

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_TRACE_STATS_H_
