// Trace importers: streaming readers of public GPU-cluster traces (and planners' own job logs)
// that turn each row into a TraceJob, plus the filters and rescaling every format shares.
//
// Errors: a row that cannot be read is "<file>:<line>:<column>: <field>: <problem>; <expected>".
// Without --lenient the first one stops the import (InvalidArgument, exit 2); with it, bad rows
// are skipped and counted, and the first few messages kept. Memory does not grow with the
// file: readers hold one line at a time.
#ifndef BURNRATE_SIM_TRACE_TRACE_H_
#define BURNRATE_SIM_TRACE_TRACE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/model/rng.h"

namespace burnrate {

// One job as a trace describes it, in seconds and whole GPUs.
struct TraceJob {
  std::string name;
  std::string user;
  std::string vc;           // virtual cluster / queue / group, "" if the format has none
  std::string status;       // as written in the trace ("" if none)
  double submit_s = 0;      // the trace's clock, seconds (absolute or relative: see format)
  double duration_s = 0;    // run time, seconds
  uint32_t gpus = 0;        // whole GPUs the job needs (a fraction of one GPU counts as 1)
  double gpu_fraction = 0;  // for jobs asking part of one GPU (e.g. 0.46), else 0
  std::string gpu_type;     // "" = any
  int64_t line = 0;         // 1-based line in the file
  // Inference request traces (azure-llm): prompt and generated tokens; 0 for other formats.
  double input_tokens = 0;
  double output_tokens = 0;
};

struct TraceOptions {
  // Skip rows that cannot be read (counted and reported) instead of stopping.
  bool lenient = false;
  // Keep jobs with window_start_s <= submit_s < window_end_s (the trace's own clock).
  double window_start_s = -std::numeric_limits<double>::infinity();
  double window_end_s = std::numeric_limits<double>::infinity();
  // Keep only these statuses / virtual clusters (empty = all).
  std::vector<std::string> statuses;
  std::vector<std::string> vcs;
  // Drop jobs asking no GPU (CPU-only rows). Default: true.
  bool gpu_jobs_only = true;
  // Submit times divided by this (> 0): 2 = the same jobs arrive twice as fast.
  double time_compression = 1;
  // Each job kept floor(m) times, plus once more with probability frac(m) (> 0): 2 = twice
  // the jobs at the same times; 0.5 = a random half.
  double load_multiplier = 1;
  uint64_t seed = 1;  // for load_multiplier's draws
  // Format-specific settings ("duration": "runtime" or "busy" for philly; "processors_per_gpu"
  // for swf; "steps_per_second.<job_type>" for gavel ...). See docs/traces.md.
  std::map<std::string, std::string> settings;
};

// A format-specific setting that is unknown or has a value the format does not accept: an
// InvalidArgument status carrying the setting's key, so that a scenario can report it at
// workload.traces[i].settings.<key> rather than at the trace's path.
absl::Status TraceSettingError(const std::string& key, std::string message);
// The key a TraceSettingError names; "" for any other status.
std::string TraceSettingOf(const absl::Status& status);
// Refuses the first setting whose key is not one of `known` (every key when `known` is empty),
// naming the format and the settings it has.
absl::Status CheckTraceSettingKeys(std::string_view format, const TraceOptions& options,
                                   std::initializer_list<std::string_view> known);

// A row-by-row reader of one format. Next returns false at the end; a bad row is a DataLoss
// status (skippable: the reader has moved past it); anything else stops the import.
class TraceReader {
 public:
  virtual ~TraceReader() = default;
  virtual absl::StatusOr<bool> Next(TraceJob* job) = 0;
};

struct TraceFormat {
  std::string name;
  std::string summary;
  std::function<absl::StatusOr<std::unique_ptr<TraceReader>>(const std::string& path,
                                                             const TraceOptions& options)>
      open;
};

// The registry of formats, in listing order.
const std::vector<TraceFormat>& TraceFormats();

// What an import did.
struct TraceCounts {
  uint64_t rows = 0;          // rows read (jobs before filters)
  uint64_t kept = 0;          // jobs handed out (after filters and load_multiplier)
  uint64_t bad_rows = 0;      // skipped under lenient
  uint64_t filtered = 0;      // dropped by window, status, vc or gpu_jobs_only
  std::vector<std::string> first_errors;  // up to 5 messages of skipped rows
};

// A format's reader with the shared filters, rescaling and lenient handling applied.
class TraceStream {
 public:
  // InvalidArgument naming the format (with the known ones) or the file.
  static absl::StatusOr<std::unique_ptr<TraceStream>> Open(const std::string& format,
                                                           const std::string& path,
                                                           const TraceOptions& options);
  // The next kept job; false at the end.
  absl::StatusOr<bool> Next(TraceJob* job);
  const TraceCounts& counts() const { return counts_; }

 private:
  TraceStream(std::unique_ptr<TraceReader> reader, TraceOptions options, std::string path)
      : reader_(std::move(reader)),
        options_(std::move(options)),
        rng_(options_.seed),
        path_(std::move(path)) {}
  bool Keep(const TraceJob& job);

  std::unique_ptr<TraceReader> reader_;
  TraceOptions options_;
  Rng rng_;
  std::string path_;
  TraceJob pending_;
  uint64_t copies_left_ = 0;
  uint64_t copy_number_ = 1;
  TraceCounts counts_;
};

// Message helpers for readers: "<path>:<line>:<column>: <field>: <problem>".
absl::Status BadRow(const std::string& path, int64_t line, size_t column, std::string_view field,
                    std::string_view problem);

// "YYYY-MM-DD HH:MM:SS" (or with 'T', fractional seconds, a trailing 'Z') as seconds since
// 1970-01-01 in the trace's own clock (no time-zone conversion). False when malformed.
bool ParseTraceDateTime(std::string_view text, double* seconds);

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_TRACE_H_
