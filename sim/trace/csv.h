// Fast CSV (or TSV) splitting for trace importers: fields are views into the line (unquoted
// fields) or into the row's own storage (quoted fields, RFC 4180 "" escapes), with their
// 1-based columns for error messages. Numbers parse with std::from_chars: no locale, no
// allocation.
#ifndef BURNRATE_SIM_TRACE_CSV_H_
#define BURNRATE_SIM_TRACE_CSV_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace burnrate {

class CsvRow {
 public:
  // Splits `line` at `sep`. Returns false (with error()) on an unterminated quote.
  bool Parse(std::string_view line, char sep = ',');
  size_t size() const { return fields_.size(); }
  std::string_view operator[](size_t i) const { return fields_[i]; }
  // 1-based column where field i starts.
  size_t column(size_t i) const { return columns_[i]; }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string_view> fields_;
  std::vector<size_t> columns_;
  std::deque<std::string> unquoted_;  // storage for quoted fields (stable addresses)
  std::string error_;
};

// Whole-field numeric parses; leading/trailing spaces allowed. False when not a number.
bool ParseDouble(std::string_view text, double* out);
bool ParseInt64(std::string_view text, int64_t* out);

// Trims spaces and tabs.
std::string_view Trim(std::string_view s);

}  // namespace burnrate

#endif  // BURNRATE_SIM_TRACE_CSV_H_
