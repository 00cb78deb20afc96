// helios: the job log of SenseTime's Helios GPU clusters (SC'21), cluster_log.csv of
// https://github.com/S-Lab-System-Group/HeliosData (one file per cluster: Earth, Saturn, Uranus,
// Venus; see docs/trace-formats/helios.md):
//   job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue
// Header required; columns in any order; cpu_num, node_num and queue (the queueing delay in
// seconds, not a queue name) are dropped. Times are "YYYY-MM-DD HH:MM:SS" in the cluster's local
// wall clock; submit_s is seconds since 1970-01-01 00:00:00 of that clock (no zone conversion).
// duration is end_time - start_time in seconds; when it is empty, end_time - start_time is used.
#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

class HeliosCsv final : public CsvTraceReader {
 public:
  explicit HeliosCsv(std::unique_ptr<LineReader> lines)
      : CsvTraceReader(std::move(lines),
                       Layout{',', false, "", true,
                              {"job_id", "user", "vc", "gpu_num", "state", "submit_time",
                               "start_time", "end_time", "duration"}}) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    id_ = Column("job_id");
    user_ = Column("user");
    vc_ = Column("vc");
    gpus_ = Column("gpu_num");
    state_ = Column("state");
    submit_ = Column("submit_time");
    start_ = Column("start_time");
    end_ = Column("end_time");
    duration_ = Column("duration");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    double gpus = 0;
    if (absl::Status s = Text(id_, "job_id", &job->name); !s.ok()) return s;
    if (job->name.empty()) return Bad(id_, "job_id", "empty; expected the Slurm job id");
    if (absl::Status s = Text(user_, "user", &job->user); !s.ok()) return s;
    if (absl::Status s = Text(vc_, "vc", &job->vc); !s.ok()) return s;
    if (absl::Status s = Number(gpus_, "gpu_num", &gpus); !s.ok()) return s;
    if (gpus < 0 || gpus > 1e6 || gpus != static_cast<double>(static_cast<int64_t>(gpus))) {
      return Bad(gpus_, "gpu_num", "must be a whole number of GPUs >= 0");
    }
    if (absl::Status s = Text(state_, "state", &job->status); !s.ok()) return s;
    if (absl::Status s = DateTime(submit_, "submit_time", &job->submit_s); !s.ok()) return s;
    std::string duration;
    if (absl::Status s = Text(duration_, "duration", &duration); !s.ok()) return s;
    if (!duration.empty()) {
      if (absl::Status s = Number(duration_, "duration", &job->duration_s); !s.ok()) return s;
      if (job->duration_s < 0) return Bad(duration_, "duration", "must be >= 0 (seconds)");
    } else {
      // No duration: end_time - start_time, both required then.
      double start = 0, end = 0;
      std::string text;
      if (absl::Status s = Text(start_, "start_time", &text); !s.ok()) return s;
      if (text.empty()) {
        return Bad(duration_, "duration",
                   "empty, and so is start_time: the job never ran (no run time)");
      }
      if (absl::Status s = DateTime(start_, "start_time", &start); !s.ok()) return s;
      if (absl::Status s = Text(end_, "end_time", &text); !s.ok()) return s;
      if (text.empty()) {
        return Bad(duration_, "duration",
                   "empty, and so is end_time: the job has no end (no run time)");
      }
      if (absl::Status s = DateTime(end_, "end_time", &end); !s.ok()) return s;
      if (end < start) {
        return Bad(end_, "end_time",
                   absl::StrCat("before start_time (", end - start, " s): negative run time"));
      }
      job->duration_s = end - start;
    }
    job->gpus = static_cast<uint32_t>(gpus);
    return absl::OkStatus();
  }

 private:
  int id_ = -1, user_ = -1, vc_ = -1, gpus_ = -1, state_ = -1, submit_ = -1, start_ = -1,
      end_ = -1, duration_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenHelios(const std::string& path,
                                                        const TraceOptions& options) {
  if (absl::Status s = CheckTraceSettingKeys("helios", options, {}); !s.ok()) return s;
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<HeliosCsv>(*std::move(lines));
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
