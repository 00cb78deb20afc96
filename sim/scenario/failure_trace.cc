#include "sim/scenario/failure_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "sim/model/time.h"
#include "sim/scenario/file_text.h"
#include "sim/trace/csv.h"

namespace burnrate {
namespace {

constexpr size_t kMaxBadLines = 5;  // listed per file; the rest are counted
constexpr double kMaxSeconds = 1e11;

}  // namespace

FailureTraceRead ParseFailureTrace(const std::string& text, const std::string& file,
                                   uint32_t nodes) {
  FailureTraceRead out;
  size_t bad = 0;
  const auto error = [&](size_t line, const std::string& message) {
    if (++bad <= kMaxBadLines) out.errors.push_back(fmt::format("{}:{}: {}", file, line, message));
  };
  bool header = false;
  bool has_repair = false;
  double previous = 0;
  CsvRow row;
  size_t line_no = 0;
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if (!row.Parse(trimmed)) {
      error(line_no, row.error());
      continue;
    }
    if (!header) {
      header = true;
      const bool two = row.size() == 2 && Trim(row[0]) == "time_s" && Trim(row[1]) == "node";
      has_repair = row.size() == 3 && Trim(row[0]) == "time_s" && Trim(row[1]) == "node" &&
                   Trim(row[2]) == "repair_s";
      if (!two && !has_repair) {
        error(line_no, "expected the header time_s,node or time_s,node,repair_s");
        return out;
      }
      continue;
    }
    if (row.size() != (has_repair ? 3u : 2u)) {
      error(line_no, fmt::format("has {} fields; the header has {}", row.size(),
                                 has_repair ? 3 : 2));
      continue;
    }
    double t = 0;
    int64_t node = 0;
    if (!ParseDouble(row[0], &t) || !std::isfinite(t) || t < 0 || t > kMaxSeconds) {
      error(line_no, fmt::format("time_s \"{}\" is not allowed; seconds after the scenario "
                                 "start, >= 0",
                                 std::string(row[0])));
      continue;
    }
    if (!ParseInt64(row[1], &node) || node < 0 || node >= int64_t{nodes}) {
      error(line_no, fmt::format("node \"{}\" is not allowed; a node index of the pool, 0..{}",
                                 std::string(row[1]), nodes - 1));
      continue;
    }
    if (t < previous) {
      error(line_no, fmt::format("time_s {} is before the previous row's {}; sort the trace by "
                                 "time",
                                 t, previous));
      continue;
    }
    previous = t;
    TracedFailure f;
    f.at = SecondsToTime(t);
    f.node = static_cast<uint32_t>(node);
    if (has_repair && !Trim(row[2]).empty()) {
      double r = 0;
      if (!ParseDouble(row[2], &r) || !std::isfinite(r) || r <= 0 || r > kMaxSeconds) {
        error(line_no, fmt::format("repair_s \"{}\" is not allowed; seconds > 0, or empty for "
                                   "the pool's repair_hours",
                                   std::string(row[2])));
        continue;
      }
      f.repair = std::max<Duration>(1, SecondsToTime(r));  // at least 1 µs: 0 means "draw"
    } else {
      out.needs_repair_hours = true;
    }
    out.failures.push_back(f);
  }
  if (!header) out.errors.push_back(fmt::format("{}: empty file; expected the header time_s,node",
                                                file));
  if (bad > kMaxBadLines) {
    out.errors.push_back(fmt::format("{}: {} more bad lines", file, bad - kMaxBadLines));
  }
  return out;
}

FailureTraceRead ReadFailureTrace(const std::string& path, const std::string& file,
                                  uint32_t nodes) {
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) {
    FailureTraceRead out;
    out.errors.push_back(fmt::format("{}: cannot read failure trace: {}", file, error));
    return out;
  }
  return ParseFailureTrace(text, file, nodes);
}

}  // namespace burnrate
