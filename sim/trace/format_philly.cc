// philly: the flattened CSV of Microsoft's Philly 2017 job log in ../shared/traces/philly-2017
// (philly_jobs_ge4gpu_pass.csv; see its SOURCE.md):
//   job_id,submit_time,submit_s,num_gpus,first_start_time,last_end_time,queue_s,runtime_s,
//   busy_s,n_attempts
// Submission: submit_time, US Pacific local time as logged (no zone conversion), so hours of
// the day are Redmond's; the derived submit_s column (seconds from the first submission) is
// not used. Run time: busy_s (the sum of attempt durations, the GPU time the
// job held; default) or runtime_s (first start to last end, gaps between attempts included),
// chosen by the setting duration: busy | runtime. Every job in the subset passed (status Pass).
#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

class PhillyCsv final : public CsvTraceReader {
 public:
  PhillyCsv(std::unique_ptr<LineReader> lines, bool busy)
      : CsvTraceReader(std::move(lines),
                       Layout{',', false, "", true,
                              {"job_id", "submit_time", "num_gpus", "runtime_s", "busy_s"}}),
        busy_(busy) {}
  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    id_ = Column("job_id");
    submit_ = Column("submit_time");
    gpus_ = Column("num_gpus");
    duration_ = Column(busy_ ? "busy_s" : "runtime_s");
    return absl::OkStatus();
  }
  absl::Status ParseRow(TraceJob* job) override {
    double gpus = 0;
    if (absl::Status s = Text(id_, "job_id", &job->name); !s.ok()) return s;
    if (absl::Status s = DateTime(submit_, "submit_time", &job->submit_s); !s.ok()) return s;
    if (absl::Status s = Number(gpus_, "num_gpus", &gpus); !s.ok()) return s;
    const std::string dname = busy_ ? "busy_s" : "runtime_s";
    if (absl::Status s = Number(duration_, dname, &job->duration_s); !s.ok()) return s;
    if (gpus < 0 || gpus > 1e6 || gpus != static_cast<double>(static_cast<int64_t>(gpus))) {
      return Bad(gpus_, "num_gpus", "must be a whole number, 0..1,000,000");
    }
    if (job->duration_s < 0) return Bad(duration_, dname, "must be >= 0 (seconds)");
    job->gpus = static_cast<uint32_t>(gpus);
    job->status = "Pass";
    return absl::OkStatus();
  }

 private:
  bool busy_;
  int id_ = -1, submit_ = -1, gpus_ = -1, duration_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenPhillyCsv(const std::string& path,
                                                           const TraceOptions& options) {
  bool busy = true;
  if (absl::Status s = CheckTraceSettingKeys("philly", options, {"duration"}); !s.ok()) {
    return s;
  }
  if (auto it = options.settings.find("duration"); it != options.settings.end()) {
    if (it->second == "runtime") {
      busy = false;
    } else if (it->second != "busy") {
      return TraceSettingError("duration", absl::StrCat("philly setting duration: \"", it->second,
                                                        "\" is not allowed; use busy or runtime"));
    }
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<PhillyCsv>(*std::move(lines), busy);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
