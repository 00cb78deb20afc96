// The shared machinery of the delimited-text formats: lines, a header (named columns) or a
// fixed schema (positional columns), comment lines, and field accessors whose errors name
// path:line:column and the field. A format subclasses it and maps one row to a TraceJob.
#ifndef BURNRATE_SIM_TRACE_CSV_TRACE_READER_H_
#define BURNRATE_SIM_TRACE_CSV_TRACE_READER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/trace/csv.h"
#include "sim/trace/line_reader.h"
#include "sim/trace/trace.h"

namespace burnrate {

class CsvTraceReader : public TraceReader {
 public:
  absl::StatusOr<bool> Next(TraceJob* job) final;

  struct Layout {
    char separator = ',';
    bool whitespace_separated = false;  // runs of spaces/tabs separate fields (SWF)
    std::string comment_prefix;         // lines starting with it are skipped ("" = none)
    bool header = true;                 // first non-comment line names the columns
    // With a header: columns that must be present. Without: the fixed schema, in order.
    std::vector<std::string> columns;
  };
  CsvTraceReader(std::unique_ptr<LineReader> lines, Layout layout)
      : lines_(std::move(lines)), layout_(std::move(layout)) {}

 protected:
  // Reads the header (when the layout has one) and checks the required columns. Call once
  // from the format's factory.
  absl::Status Start();

  // Maps the current row (row()) to a job. A DataLoss status (via the accessors) skips the row.
  virtual absl::Status ParseRow(TraceJob* job) = 0;

  // Index of a column by name (header) or schema position; -1 when an optional column is absent.
  int Column(const std::string& name) const;
  // The header's column names not in `known` (for formats that reject unknown columns).
  std::vector<std::string> UnknownColumns(const std::vector<std::string>& known) const;
  const CsvRow& row() const { return row_; }
  int64_t line() const { return lines_->line_number(); }
  const std::string& path() const { return lines_->path(); }

  // Field accessors: DataLoss naming path:line:column and the field when missing or malformed.
  absl::Status Text(int col, const std::string& name, std::string* out) const;
  absl::Status Number(int col, const std::string& name, double* out) const;
  absl::Status DateTime(int col, const std::string& name, double* seconds) const;
  bool Has(int col) const { return col >= 0 && static_cast<size_t>(col) < row_.size(); }
  absl::Status Bad(int col, const std::string& name, const std::string& problem) const;

 private:
  std::unique_ptr<LineReader> lines_;
  Layout layout_;
  std::map<std::string, int> index_;
  size_t header_fields_ = 0;
  CsvRow row_;
  std::string ws_line_;              // whitespace-normalised line (SWF)
  std::vector<size_t> ws_columns_;   // its characters' columns in the original line
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_CSV_TRACE_READER_H_
