// Machine-readable outputs of a run: results JSON (--json) and a directory of CSV files
// (--csv). Every file is written atomically, so a failed run never leaves a partial file.
#ifndef BURNRATE_REPORT_WRITERS_H_
#define BURNRATE_REPORT_WRITERS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "burnrate/v1/results.pb.h"
#include "sim/model/job_record.h"

namespace burnrate {

// Writes `contents` to a temporary file beside `path` ("<path>.tmp-XXXXXX") and renames it
// over `path`. On failure the temporary file is removed, `path` is untouched, and the error
// names the path and the system error. The new file keeps the mode of the file it replaces,
// else 0644. Not fsync'ed: atomic against crashes of this process, not of the machine.
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Several output files, all or none: Commit writes each to a temporary file beside its target,
// and only when every one is written renames them into place; on a failure in the first phase
// it removes the temporaries and no target is touched. Not thread-safe.
class OutputBatch {
 public:
  void Add(std::string path, std::string contents);
  absl::Status Commit();
  bool empty() const { return files_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> files_;
};

// Queue the results JSON / the CSV files (see WriteCsvDir) in a batch. AddCsvDir creates `dir`.
absl::Status AddResultsJson(const burnrate::v1::Results& results, const std::string& path,
                            OutputBatch* batch);
absl::Status AddCsvDir(const burnrate::v1::Results& results,
                       const std::vector<std::vector<JobRecord>>& jobs_per_run,
                       const std::string& dir, OutputBatch* batch);

// Proto JSON of `results` with the .proto field names (snake_case), zero-valued fields
// included, indented, ending with a newline. Note: proto JSON prints 64-bit integers
// (Summary.events) as strings.
std::string ResultsToJson(const burnrate::v1::Results& results);

// The same JSON for any message ("" if the conversion fails, which needs a broken message).
std::string ProtoJson(const google::protobuf::Message& message);

// One CSV line (RFC 4180 quoting, ending with a newline), and a singular scalar field's cell
// text (doubles in shortest round-trip form, enums by name), as in the --csv files.
std::string CsvRow(const std::vector<std::string>& fields);
std::string ScalarFieldText(const google::protobuf::Message& m,
                            const google::protobuf::FieldDescriptor* f);

// ResultsToJson into `path`, atomically.
absl::Status WriteResultsJson(const burnrate::v1::Results& results, const std::string& path);

// Writes summary.csv, monthly.csv, timeseries.csv, pool_timeseries.csv (long format: one row
// per sample and pool, with utilization = allocated / provisioned), distributions.csv (long
// format: the jct and queue_delay quantiles, one row per probability), by_gpu_count.csv,
// tenants.csv, (when `jobs_per_run` is not empty) jobs.csv and (when a run has inference
// services) services.csv and service_months.csv into `dir`, creating it if missing. The files
// are written all or none, as an OutputBatch.
// REQUIRES: jobs_per_run is empty or has one entry per run, in run order (else
// InvalidArgument, nothing written).
// CSV: RFC 4180 quoting, header row first, one column per proto field by its proto name,
// doubles in shortest round-trip form, empty cells for events that did not happen (and for
// the utilization of a pool with no GPU provisioned at a sample).
absl::Status WriteCsvDir(const burnrate::v1::Results& results,
                         const std::vector<std::vector<JobRecord>>& jobs_per_run,
                         const std::string& dir);

}  // namespace burnrate

#endif  // BURNRATE_REPORT_WRITERS_H_
