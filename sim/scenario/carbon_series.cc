#include "sim/scenario/carbon_series.h"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "sim/model/calendar.h"
#include "sim/scenario/file_text.h"
#include "sim/scenario/scenario_errors.h"
#include "sim/trace/csv.h"

namespace burnrate {
namespace {

constexpr size_t kMaxBadLines = 5;  // bad lines listed per file; the rest are counted
constexpr int64_t kHourSeconds = 3600;
constexpr const char* kHourColumn = "hour_utc";
constexpr const char* kValueColumn = "gco2e_per_kwh";

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Plain comma-separated fields (no quoting: timestamps and numbers hold no commas), trimmed.
std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t comma = line.find(',');
    fields.push_back(TrimLine(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

}  // namespace

CarbonSeries ParseCarbonSeries(const std::string& text, const std::string& file) {
  CarbonSeries out;
  size_t bad_lines = 0;
  auto bad = [&](size_t line, const std::string& message) {
    if (++bad_lines <= kMaxBadLines) out.errors.push_back(fmt::format("{}:{}: {}", file, line, message));
  };
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte-order mark
  size_t line_number = 0;
  bool have_header = false;
  size_t hour_index = 0, value_index = 0;
  int64_t previous = 0;  // hour of the previous good row
  size_t previous_line = 0;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = TrimLine(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> fields = Split(line);
    if (!have_header) {
      have_header = true;
      bool has_hour = false, has_value = false;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == kHourColumn && !has_hour) hour_index = i, has_hour = true;
        if (fields[i] == kValueColumn && !has_value) value_index = i, has_value = true;
      }
      if (!has_hour || !has_value) {
        out.errors.push_back(fmt::format(
            "{}:{}: the header must name the columns {} and {} (found \"{}\"); e.g. "
            "\"{},{}\" then rows like \"2023-01-01T00:00:00Z,412\"",
            file, line_number, kHourColumn, kValueColumn, std::string(line), kHourColumn,
            kValueColumn));
        return out;
      }
      continue;
    }
    if (hour_index >= fields.size() || value_index >= fields.size()) {
      bad(line_number, fmt::format("has {} field{}; every row needs {} and {}", fields.size(),
                                   fields.size() == 1 ? "" : "s", kHourColumn, kValueColumn));
      continue;
    }
    const std::string hour_text(fields[hour_index]);
    absl::StatusOr<int64_t> hour = ParseUtcTimestamp(hour_text);
    if (!hour.ok()) {
      bad(line_number, fmt::format("{}: {}", kHourColumn, std::string(hour.status().message())));
      continue;
    }
    if (*hour % kHourSeconds != 0) {
      bad(line_number, fmt::format("{} {} is not on a whole hour; each row is one UTC hour, "
                                   "e.g. 2023-01-01T05:00:00Z",
                                   kHourColumn, hour_text));
      continue;
    }
    // Continuity is judged on the timestamps alone, so one bad value is one error.
    const bool first = previous_line == 0;
    const int64_t expected = previous + kHourSeconds;
    const size_t after_line = previous_line;
    previous = *hour;
    previous_line = line_number;
    if (!first && *hour != expected) {
      bad(line_number,
          fmt::format("{} {} does not follow {} (line {}); rows must be consecutive UTC hours "
                      "in order, one row per hour (expected {})",
                      kHourColumn, FormatUtcTimestamp(*hour), FormatUtcTimestamp(expected - kHourSeconds),
                      after_line, FormatUtcTimestamp(expected)));
      continue;
    }
    double value = 0;
    if (!ParseDouble(fields[value_index], &value)) {
      bad(line_number, fmt::format("{} \"{}\" is not a number; expected gCO2e per kWh, 0..{}",
                                   kValueColumn, std::string(fields[value_index]),
                                   scenario_internal::FormatNumber(kMaxGridGco2ePerKwh)));
      continue;
    }
    if (!std::isfinite(value) || value < 0 || value > kMaxGridGco2ePerKwh) {
      bad(line_number, fmt::format("{} {} is not allowed; must be 0..{} (gCO2e per kWh)",
                                   kValueColumn, scenario_internal::FormatNumber(value),
                                   scenario_internal::FormatNumber(kMaxGridGco2ePerKwh)));
      continue;
    }
    if (first) {
      out.first_hour_unix_s = *hour;
      out.first_line = line_number;
    }
    out.last_line = line_number;
    out.hourly.push_back(value);
  }
  if (bad_lines > kMaxBadLines) {
    out.errors.push_back(fmt::format("{}: ... and {} more bad lines", file, bad_lines - kMaxBadLines));
  }
  if (out.errors.empty() && out.hourly.empty()) {
    out.errors.push_back(fmt::format(
        "{}: holds no hours; expected a header \"{},{}\" and one row per UTC hour (blank lines "
        "and lines starting with '#' are skipped)",
        file, kHourColumn, kValueColumn));
  }
  return out;
}

CarbonSeries ReadCarbonSeries(const std::string& path) {
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) {
    CarbonSeries out;
    out.errors.push_back(fmt::format("{}: cannot read the carbon-intensity series: {}", path, error));
    return out;
  }
  return ParseCarbonSeries(text, path);
}

}  // namespace burnrate
