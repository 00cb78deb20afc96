// philly-json: Microsoft's Philly 2017 job log as JSON (docs/trace-formats/philly-json.md):
// the subset ../shared/traces/philly-2017/philly_jobs_ge4gpu_pass.json
//   [{"id", "num_gpus", "runtime" (minutes), "attempts": [{"start_time", "end_time"}...],
//     "submitted_time"}, ...]
// and the original msr-fiddle cluster_job_log
//   [{"jobid", "user", "vc", "status", "submitted_time",
//     "attempts": [{"start_time", "end_time", "detail": [{"ip", "gpus": [...]}...]}...]}, ...]
// (a top-level array; a stream of top-level objects, e.g. JSON Lines, is accepted too).
//
// Streaming: the file (plain or gzip) is read in fixed-size chunks and scanned character by
// character (nesting depth, strings and escapes), so one element's text is held at a time
// whatever the line structure (the original log may be a single line). Each element is then
// parsed with yaml-cpp (YAML is a superset of JSON).
//
// Times are "YYYY-MM-DD HH:MM:SS" in US Pacific local time as logged; no zone conversion.
// submit_s is absolute (seconds since 1970-01-01 of that local clock). Run time: the setting
// duration: busy (default; the sum of attempt durations) | runtime (first start to last end).
// gpus: num_gpus when present, else the GPUs of the first attempt (sum of its detail gpus).
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include <yaml-cpp/yaml.h>

#include "absl/strings/str_cat.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

constexpr size_t kChunk = 1 << 20;
// An element larger than this is skipped (bad row) without being held: memory stays bounded.
constexpr size_t kMaxElement = 64u << 20;

// Characters of a plain or gzip file, with the 1-based line and column of each.
class CharReader {
 public:
  CharReader(std::string path, gzFile gz) : path_(std::move(path)), gz_(gz) {
    buffer_.resize(kChunk);
  }
  ~CharReader() { gzclose(gz_); }
  CharReader(const CharReader&) = delete;
  CharReader& operator=(const CharReader&) = delete;

  // The next character (false at the end or on an error: see error()).
  bool Get(char* c) {
    if (pos_ == end_ && !Fill()) return false;
    *c = buffer_[pos_++];
    line_ = next_line_;
    column_ = next_column_;
    if (*c == '\n') {
      ++next_line_;
      next_column_ = 1;
    } else {
      ++next_column_;
    }
    return true;
  }
  // Position of the character last returned.
  int64_t line() const { return line_; }
  int64_t column() const { return column_; }
  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }

 private:
  bool Fill() {
    if (eof_) return false;
    const int n = gzread(gz_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    if (n <= 0) {
      eof_ = true;
      if (n < 0) {
        int code = 0;
        error_ = gzerror(gz_, &code);
      }
      return false;
    }
    pos_ = 0;
    end_ = static_cast<size_t>(n);
    return true;
  }

  std::string path_;
  gzFile gz_;
  std::string buffer_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  int64_t line_ = 1, column_ = 0, next_line_ = 1, next_column_ = 1;
  std::string error_;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class PhillyJson final : public TraceReader {
 public:
  PhillyJson(std::unique_ptr<CharReader> in, bool busy) : in_(std::move(in)), busy_(busy) {}

  absl::StatusOr<bool> Next(TraceJob* job) override {
    absl::StatusOr<bool> got = NextElement();
    if (!got.ok() || !*got) return got;
    *job = TraceJob{};
    job->line = start_line_;
    if (too_big_) {
      return Bad("element", absl::StrCat("larger than ", kMaxElement >> 20,
                                         " MiB; expected one job object"));
    }
    YAML::Node node;
    try {
      node = YAML::Load(text_);
    } catch (const YAML::Exception& e) {
      // The mark is 0-based within the element's text.
      const int64_t line = start_line_ + e.mark.line;
      const int64_t column = e.mark.line == 0 ? start_column_ + e.mark.column : e.mark.column + 1;
      return BadRow(path(), line, static_cast<size_t>(std::max<int64_t>(column, 1)), "element",
                    absl::StrCat("not valid JSON: ", e.msg));
    }
    if (!node.IsMap()) return Bad("element", "is not an object; expected one job {...}");
    try {
      if (absl::Status s = Map(node, job); !s.ok()) return s;
      return true;
    } catch (const YAML::Exception& e) {
      return Bad("element", absl::StrCat("unexpected value: ", e.msg));
    }
  }

 private:
  const std::string& path() const { return in_->path(); }

  absl::Status Bad(const std::string& field, const std::string& problem) const {
    return BadRow(path(), start_line_, static_cast<size_t>(start_column_), field, problem);
  }

  absl::Status Structure(const std::string& problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path(), ":", in_->line(), ":", in_->column(), ": ", problem));
  }

  absl::Status ReadError() const {
    return absl::InvalidArgumentError(
        absl::StrCat(path(), ":", in_->line(), ": cannot read: ", in_->error()));
  }

  // The next non-space character (a separator left by a scalar element first); false at the
  // end of the input.
  absl::StatusOr<bool> SkipSpace(char* c) {
    if (pending_ != 0) {
      *c = pending_;
      pending_ = 0;
      if (!IsSpace(*c)) return true;
    }
    while (in_->Get(c)) {
      if (!IsSpace(*c)) return true;
    }
    if (!in_->error().empty()) return ReadError();
    return false;
  }

  // Puts the next top-level element's text in text_ (with its start in start_line_/column_).
  absl::StatusOr<bool> NextElement() {
    if (done_) return false;
    char c = 0;
    absl::StatusOr<bool> got = SkipSpace(&c);
    if (!got.ok()) return got.status();
    if (!started_) {
      started_ = true;
      if (*got && c == '\xEF') {  // a UTF-8 byte order mark
        char b = 0, o = 0;
        if (!in_->Get(&b) || !in_->Get(&o) || b != '\xBB' || o != '\xBF') {
          return Structure("not UTF-8 text; expected a JSON array of jobs [{...}, ...]");
        }
        got = SkipSpace(&c);
        if (!got.ok()) return got.status();
      }
      if (!*got) {
        return absl::InvalidArgumentError(
            absl::StrCat(path(), ": empty file; expected a JSON array of jobs [{...}, ...]"));
      }
      if (c == '[') {
        in_array_ = true;
        got = SkipSpace(&c);
        if (!got.ok()) return got.status();
        if (*got && c == ']') {
          done_ = true;
          return false;
        }
      } else if (c != '{') {
        return Structure(absl::StrCat("'", std::string(1, c),
                                      "': expected a JSON array of jobs [{...}, ...]"));
      }
    } else if (in_array_) {
      // After an element: ',' then the next one, or ']' at the end.
      if (!*got) return Structure("unterminated array; expected ',' or ']'");
      if (c == ']') {
        done_ = true;
        return false;
      }
      if (c != ',') {
        return Structure(absl::StrCat("'", std::string(1, c),
                                      "' after an element; expected ',' or ']'"));
      }
      got = SkipSpace(&c);
      if (!got.ok()) return got.status();
    }
    if (!*got) {
      if (in_array_) return Structure("unterminated array; expected an element or ']'");
      done_ = true;  // a stream of objects ends with the file
      return false;
    }
    if (in_array_ && c == ']') return Structure("']' after ','; expected an element");
    start_line_ = in_->line();
    start_column_ = in_->column();
    text_.clear();
    too_big_ = false;
    const auto keep = [this](char ch) {
      if (text_.size() < kMaxElement) {
        text_.push_back(ch);
      } else {
        too_big_ = true;
      }
    };
    if (c != '{' && c != '[') {
      // A scalar (a bad row, not a job): up to the next ',', ']' or space outside a string,
      // which is left for the next call.
      bool in_string = c == '"', escape = false;
      keep(c);
      while (in_->Get(&c)) {
        if (in_string) {
          if (escape) {
            escape = false;
          } else if (c == '\\') {
            escape = true;
          } else if (c == '"') {
            in_string = false;
          }
        } else if (c == ',' || c == ']' || IsSpace(c)) {
          pending_ = c;
          break;
        }
        keep(c);
      }
      if (!in_->error().empty()) return ReadError();
      return true;
    }
    // An object or array: to its matching close, tracking strings and escapes.
    int64_t depth = 0;
    bool in_string = false, escape = false;
    while (true) {
      keep(c);
      if (in_string) {
        if (escape) {
          escape = false;
        } else if (c == '\\') {
          escape = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) break;
      }
      if (!in_->Get(&c)) {
        if (!in_->error().empty()) return ReadError();
        return absl::InvalidArgumentError(absl::StrCat(
            path(), ":", start_line_, ":", start_column_,
            ": element: unterminated (the file ends inside it; truncated download?)"));
      }
    }
    return true;
  }

  // Text of a string-ish scalar ("" when absent or null).
  static bool Scalar(const YAML::Node& node, const char* key, std::string* out) {
    const YAML::Node v = node[key];
    if (!v || v.IsNull() || !v.IsScalar()) return false;
    *out = v.Scalar();
    return true;
  }

  absl::Status Time(const YAML::Node& v, const std::string& field, double* seconds) const {
    if (!v) return Bad(field, "missing; expected \"YYYY-MM-DD HH:MM:SS\"");
    if (v.IsNull()) return Bad(field, "null; expected \"YYYY-MM-DD HH:MM:SS\"");
    if (!v.IsScalar() || !ParseTraceDateTime(v.Scalar(), seconds)) {
      return Bad(field, absl::StrCat("\"", v.IsScalar() ? v.Scalar() : std::string("{...}"),
                                     "\" is not a date-time; expected YYYY-MM-DD HH:MM:SS"));
    }
    return absl::OkStatus();
  }

  absl::Status Map(const YAML::Node& node, TraceJob* job) const {
    if (!Scalar(node, "id", &job->name) && !Scalar(node, "jobid", &job->name)) {
      job->name = absl::StrCat("line-", job->line);
    }
    Scalar(node, "user", &job->user);
    Scalar(node, "vc", &job->vc);
    if (!Scalar(node, "status", &job->status)) job->status = "Pass";  // the subset: all passed
    if (absl::Status s = Time(node["submitted_time"], "submitted_time", &job->submit_s); !s.ok()) {
      return s;
    }

    const YAML::Node attempts = node["attempts"];
    if (!attempts || attempts.IsNull()) {
      return Bad("attempts", "missing; expected [{\"start_time\", \"end_time\"}...]");
    }
    if (!attempts.IsSequence()) {
      return Bad("attempts", "not a list; expected [{\"start_time\", \"end_time\"}...]");
    }
    double busy = 0;
    double first_start = std::numeric_limits<double>::infinity();
    double last_end = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < attempts.size(); ++i) {
      const YAML::Node a = attempts[i];
      const std::string at = absl::StrCat("attempts[", i, "]");
      if (!a.IsMap()) return Bad(at, "not an object; expected {\"start_time\", \"end_time\"}");
      double start = 0, end = 0;
      if (absl::Status s = Time(a["start_time"], at + ".start_time", &start); !s.ok()) return s;
      if (const YAML::Node e = a["end_time"]; !e || e.IsNull()) {
        return Bad(at + ".end_time",
                   absl::StrCat(e ? "null" : "missing",
                                ": the job has no known end (still running or lost when the log "
                                "ended), so no run time"));
      }
      if (absl::Status s = Time(a["end_time"], at + ".end_time", &end); !s.ok()) return s;
      if (end < start) {
        return Bad(at + ".end_time", absl::StrCat("before start_time (", end - start, " s)"));
      }
      busy += end - start;
      first_start = std::min(first_start, start);
      last_end = std::max(last_end, end);
    }
    // A job without attempts never ran: run time 0.
    job->duration_s = attempts.size() == 0 ? 0 : (busy_ ? busy : last_end - first_start);

    if (const YAML::Node g = node["num_gpus"]; g && !g.IsNull()) {
      double gpus = 0;
      if (!g.IsScalar() || !YAML::convert<double>::decode(g, gpus) || !std::isfinite(gpus) ||
          gpus < 0 || gpus > 1e6 || gpus != std::floor(gpus)) {
        return Bad("num_gpus", absl::StrCat("\"", g.IsScalar() ? g.Scalar() : std::string("{...}"),
                                            "\" is not a whole number of GPUs >= 0"));
      }
      job->gpus = static_cast<uint32_t>(gpus);
    } else if (attempts.size() > 0) {
      // The original log: the GPUs of the first attempt, over all its machines.
      const YAML::Node detail = attempts[0]["detail"];
      if (detail && !detail.IsNull()) {
        if (!detail.IsSequence()) return Bad("attempts[0].detail", "not a list");
        size_t gpus = 0;
        for (size_t i = 0; i < detail.size(); ++i) {
          const YAML::Node list = detail[i].IsMap() ? detail[i]["gpus"] : YAML::Node();
          if (!list || list.IsNull()) continue;
          if (!list.IsSequence()) {
            return Bad(absl::StrCat("attempts[0].detail[", i, "].gpus"), "not a list");
          }
          gpus += list.size();
        }
        job->gpus = static_cast<uint32_t>(gpus);
      }
    }
    return absl::OkStatus();
  }

  std::unique_ptr<CharReader> in_;
  bool busy_;
  bool started_ = false, in_array_ = false, done_ = false;
  char pending_ = 0;  // a separator read past by a scalar element
  std::string text_;
  bool too_big_ = false;
  int64_t start_line_ = 0, start_column_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenPhillyJson(const std::string& path,
                                                            const TraceOptions& options) {
  bool busy = true;
  if (absl::Status s = CheckTraceSettingKeys("philly-json", options, {"duration"}); !s.ok()) {
    return s;
  }
  if (auto it = options.settings.find("duration"); it != options.settings.end()) {
    if (it->second == "runtime") {
      busy = false;
    } else if (it->second != "busy") {
      return TraceSettingError("duration",
                               absl::StrCat("philly-json setting duration: \"", it->second,
                                            "\" is not allowed; use busy or runtime"));
    }
  }
  errno = 0;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) {
    const int err = errno;
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": cannot read trace: ", err != 0 ? std::strerror(err) : "gzopen failed"));
  }
  gzbuffer(gz, 1 << 18);
  return std::unique_ptr<TraceReader>(
      std::make_unique<PhillyJson>(std::make_unique<CharReader>(path, gz), busy));
}

}  // namespace burnrate
