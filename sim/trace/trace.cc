#include "sim/trace/trace.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "sim/model/calendar.h"
#include "sim/trace/csv.h"

namespace burnrate {

namespace {
constexpr char kSettingPayload[] = "burnrate.dev/trace-setting";
}  // namespace

absl::Status TraceSettingError(const std::string& key, std::string message) {
  absl::Status status = absl::InvalidArgumentError(std::move(message));
  status.SetPayload(kSettingPayload, absl::Cord(key));
  return status;
}

std::string TraceSettingOf(const absl::Status& status) {
  auto key = status.GetPayload(kSettingPayload);
  return key ? std::string(*key) : std::string();
}

absl::Status CheckTraceSettingKeys(std::string_view format, const TraceOptions& options,
                                   std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : options.settings) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (known.size() == 0) {
      return TraceSettingError(
          key, absl::StrCat(std::string(format), " has no settings; \"", key, "\" is not one"));
    }
    std::string names;
    for (std::string_view k : known) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", std::string(k));
    }
    return TraceSettingError(
        key, absl::StrCat(std::string(format), " setting \"", key, "\" is unknown; ",
                          known.size() == 1 ? "the one setting is " : "its settings are ", names));
  }
  return absl::OkStatus();
}

absl::Status BadRow(const std::string& path, int64_t line, size_t column, std::string_view field,
                    std::string_view problem) {
  return absl::DataLossError(absl::StrCat(path, ":", line, ":", column, ": ",
                                          std::string(field), ": ", std::string(problem)));
}

bool ParseTraceDateTime(std::string_view t, double* seconds) {
  t = Trim(t);
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') ||
      t[13] != ':' || t[16] != ':') {
    return false;
  }
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double s = 0;
  if (!ParseInt64(t.substr(0, 4), &y) || !ParseInt64(t.substr(5, 2), &mo) ||
      !ParseInt64(t.substr(8, 2), &d) || !ParseInt64(t.substr(11, 2), &h) ||
      !ParseInt64(t.substr(14, 2), &mi)) {
    return false;
  }
  std::string_view sec = t.substr(17);
  if (!sec.empty() && sec.back() == 'Z') sec.remove_suffix(1);
  if (!ParseDouble(sec, &s)) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
      d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      !(s >= 0) || s >= 61 || t[11] == '-' || t[14] == '-' || t[17] == '-') {
    return false;
  }
  const int64_t days =
      DaysFromCivil(static_cast<int>(y), static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *seconds = static_cast<double>(days * 86400 + h * 3600 + mi * 60) + s;
  return true;
}

absl::StatusOr<std::unique_ptr<TraceStream>> TraceStream::Open(const std::string& format,
                                                               const std::string& path,
                                                               const TraceOptions& options) {
  if (!(options.time_compression > 0) || !std::isfinite(options.time_compression)) {
    return absl::InvalidArgumentError("time_compression must be > 0");
  }
  if (!(options.load_multiplier > 0) || !std::isfinite(options.load_multiplier)) {
    return absl::InvalidArgumentError("load_multiplier must be > 0");
  }
  for (const TraceFormat& f : TraceFormats()) {
    if (f.name != format) continue;
    auto reader = f.open(path, options);
    if (!reader.ok()) return reader.status();
    return std::unique_ptr<TraceStream>(new TraceStream(*std::move(reader), options, path));
  }
  std::string known;
  for (const TraceFormat& f : TraceFormats()) known += (known.empty() ? "" : ", ") + f.name;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown trace format \"", format, "\"; known: ", known));
}

bool TraceStream::Keep(const TraceJob& job) {
  if (options_.gpu_jobs_only && job.gpus == 0) return false;
  if (job.submit_s < options_.window_start_s || job.submit_s >= options_.window_end_s) {
    return false;
  }
  const auto in = [](const std::vector<std::string>& list, const std::string& v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  return in(options_.statuses, job.status) && in(options_.vcs, job.vc);
}

absl::StatusOr<bool> TraceStream::Next(TraceJob* job) {
  while (true) {
    if (copies_left_ > 0) {
      --copies_left_;
      *job = pending_;
      // Copies made by load_multiplier get distinct names: "name", "name#2", "name#3", ...
      if (copy_number_ > 1) job->name += "#" + std::to_string(copy_number_);
      ++copy_number_;
      ++counts_.kept;
      return true;
    }
    absl::StatusOr<bool> got = reader_->Next(&pending_);
    if (!got.ok()) {
      if (got.status().code() != absl::StatusCode::kDataLoss) return got.status();
      if (!options_.lenient) {
        return absl::InvalidArgumentError(absl::StrCat(
            got.status().message(), " (use --lenient / lenient: true to skip bad rows)"));
      }
      ++counts_.bad_rows;
      if (counts_.first_errors.size() < 5) {
        counts_.first_errors.emplace_back(got.status().message());
      }
      continue;
    }
    if (!*got) return false;
    // Every format: times beyond 1e11 s (3,170 years) are not times.
    if (!(std::abs(pending_.submit_s) <= 1e11) || !(pending_.duration_s <= 1e11)) {
      const absl::Status bad = BadRow(path_, pending_.line, 1, "submit/duration",
                                      "beyond 1e11 seconds; not a plausible time");
      if (!options_.lenient) return absl::InvalidArgumentError(bad.message());
      ++counts_.bad_rows;
      if (counts_.first_errors.size() < 5) counts_.first_errors.emplace_back(bad.message());
      continue;
    }
    ++counts_.rows;
    if (!Keep(pending_)) {
      ++counts_.filtered;
      continue;
    }
    pending_.submit_s /= options_.time_compression;
    const double m = options_.load_multiplier;
    uint64_t copies = static_cast<uint64_t>(std::floor(m));
    if (rng_.Uniform01() < m - std::floor(m)) ++copies;
    copies_left_ = copies;
    copy_number_ = 1;
  }
}

}  // namespace burnrate
