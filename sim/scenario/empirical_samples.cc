#include "sim/scenario/empirical_samples.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "sim/scenario/file_text.h"
#include "sim/scenario/scenario_errors.h"

namespace burnrate {
namespace {

// Bad lines listed per file; the rest are counted.
constexpr size_t kMaxBadLines = 5;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseNumber(std::string_view s, double* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Splits one CSV record: commas separate fields, double quotes enclose fields that hold commas,
// "" inside quotes is a quote. Fields are trimmed of blanks.
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> fields;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        current += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back(Trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  fields.emplace_back(Trim(current));
  return fields;
}

class Parser {
 public:
  Parser(const std::string& file, double scale, EmpiricalSamples* out)
      : file_(file), scale_(scale), out_(out) {}

  void BadLine(size_t line, const std::string& message) {
    if (++bad_lines_ <= kMaxBadLines) {
      out_->errors.push_back(fmt::format("{}:{}: {}", file_, line, message));
    }
  }

  void Value(size_t line, std::string_view text, const std::string& expected) {
    double v = 0;
    if (!ParseNumber(text, &v)) {
      BadLine(line, fmt::format("\"{}\" is not a number; expected {}", text, expected));
      return;
    }
    const double seconds = v * scale_;
    // 0 is allowed: real traces hold jobs that failed at once (Philly has two); they run for
    // the engine's minimum of 1 microsecond.
    if (!std::isfinite(seconds) || !(seconds >= 0)) {
      const std::string shown =
          scale_ == 1 ? scenario_internal::FormatNumber(v)
                      : fmt::format("{} x scale {} = {} s", scenario_internal::FormatNumber(v),
                                    scenario_internal::FormatNumber(scale_),
                                    scenario_internal::FormatNumber(seconds));
      BadLine(line, fmt::format("{} is not allowed; every duration must be a finite number >= 0 "
                                "(seconds after scale)",
                                shown));
      return;
    }
    out_->seconds.push_back(seconds);
  }

  void Finish() {
    if (bad_lines_ > kMaxBadLines) {
      out_->errors.push_back(
          fmt::format("{}: ... and {} more bad lines", file_, bad_lines_ - kMaxBadLines));
    }
  }

 private:
  const std::string& file_;
  double scale_;
  EmpiricalSamples* out_;
  size_t bad_lines_ = 0;
};

}  // namespace

EmpiricalSamples ParseEmpiricalSamples(const std::string& text, const std::string& file,
                                       const std::string& column, double scale) {
  EmpiricalSamples out;
  Parser parser(file, scale, &out);
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte-order mark
  size_t line_number = 0;
  bool have_header = false;
  size_t column_index = 0;
  bool column_missing = false;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_number;
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (column.empty()) {
      parser.Value(line_number, line,
                   line.find(',') != std::string_view::npos
                       ? "one number per line (to read a CSV column, set empirical.column)"
                       : "one number per line");
      continue;
    }
    const std::vector<std::string> fields = SplitCsv(line);
    if (!have_header) {
      have_header = true;
      column_missing = true;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == column) {
          column_index = i;
          column_missing = false;
          break;
        }
      }
      if (column_missing) {
        std::string names;
        for (size_t i = 0; i < fields.size(); ++i) {
          names += (i > 0 ? ", \"" : "\"") + fields[i] + "\"";
        }
        out.errors.push_back(fmt::format("{}:{}: no column \"{}\" in the CSV header; columns: {}",
                                         file, line_number, column, names));
        return out;
      }
      continue;
    }
    if (column_index >= fields.size()) {
      parser.BadLine(
          line_number,
          fmt::format("has {} field{} but column \"{}\" is field {}; every row needs "
                      "a value in that column",
                      fields.size(), fields.size() == 1 ? "" : "s", column, column_index + 1));
      continue;
    }
    parser.Value(line_number, fields[column_index],
                 fmt::format("a number in column \"{}\"", column));
  }
  parser.Finish();
  if (out.errors.empty() && out.seconds.empty()) {
    out.errors.push_back(fmt::format(
        "{}: holds no samples; expected at least one number{} (blank lines and lines starting "
        "with '#' are skipped)",
        file, column.empty() ? "" : " below the CSV header"));
  }
  return out;
}

EmpiricalSamples ReadEmpiricalSamples(const std::string& path, const std::string& column,
                                      double scale) {
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) {
    EmpiricalSamples out;
    out.errors.push_back(fmt::format("{}: cannot read durations: {}", path, error));
    return out;
  }
  return ParseEmpiricalSamples(text, path, column, scale);
}

}  // namespace burnrate
