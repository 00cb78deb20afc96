// swf: the Standard Workload Format (version 2.2) of the Parallel Workloads Archive,
// https://www.cs.huji.ac.il/labs/parallel/workload/swf.html (see docs/trace-formats/swf.md).
// Lines starting with ';' are header comments; every other line is one job of 18
// whitespace-separated fields, -1 where unknown:
//   job number, submit time, wait time, run time, allocated processors, average CPU time,
//   used memory, requested processors, requested time, requested memory, status, user id,
//   group id, executable number, queue number, partition number, preceding job, think time
// submit_s = submit time (seconds from the log's start), duration_s = run time (-1: bad row),
// gpus = allocated processors (requested processors when -1) / the setting processors_per_gpu
// (default 1; must divide). user = user id, vc = queue number, status = status code as text
// ("" for -1). The rest is dropped.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

const std::vector<std::string>& SwfColumns() {
  static const auto* columns = new std::vector<std::string>{
      "job_number",       "submit_time",      "wait_time",         "run_time",
      "allocated_processors", "average_cpu_time", "used_memory",   "requested_processors",
      "requested_time",   "requested_memory", "status",            "user_id",
      "group_id",         "executable_number", "queue_number",     "partition_number",
      "preceding_job_number", "think_time"};
  return *columns;
}

class Swf final : public CsvTraceReader {
 public:
  Swf(std::unique_ptr<LineReader> lines, int64_t processors_per_gpu)
      : CsvTraceReader(std::move(lines), Layout{' ', true, ";", false, SwfColumns()}),
        processors_per_gpu_(processors_per_gpu) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    number_ = Column("job_number");
    submit_ = Column("submit_time");
    run_ = Column("run_time");
    allocated_ = Column("allocated_processors");
    requested_ = Column("requested_processors");
    status_ = Column("status");
    user_ = Column("user_id");
    queue_ = Column("queue_number");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    if (row().size() != SwfColumns().size()) {
      return BadRow(path(), line(), 1, "row",
                    absl::StrCat("has ", row().size(),
                                 " fields; SWF job lines have 18 (-1 where unknown)"));
    }
    std::string number;
    if (absl::Status s = Text(number_, "job_number", &number); !s.ok()) return s;
    job->name = absl::StrCat("job-", number);
    if (absl::Status s = Number(submit_, "submit_time", &job->submit_s); !s.ok()) return s;
    if (job->submit_s == -1) return Bad(submit_, "submit_time", "-1 (unknown): no arrival time");
    if (job->submit_s < 0) return Bad(submit_, "submit_time", "must be >= 0 (seconds)");
    if (absl::Status s = Number(run_, "run_time", &job->duration_s); !s.ok()) return s;
    if (job->duration_s == -1) return Bad(run_, "run_time", "-1 (unknown): no run time");
    if (job->duration_s < 0) return Bad(run_, "run_time", "must be >= 0 (seconds)");
    // Processors: allocated, else requested.
    double procs = 0;
    int col = allocated_;
    std::string name = "allocated_processors";
    if (absl::Status s = Number(allocated_, name, &procs); !s.ok()) return s;
    if (procs == -1) {
      col = requested_;
      name = "requested_processors";
      if (absl::Status s = Number(requested_, name, &procs); !s.ok()) return s;
      if (procs == -1) {
        return Bad(allocated_, "allocated_processors",
                   "-1 (unknown), and so is requested_processors: no size");
      }
    }
    if (procs < 0 || procs > 1e9 || procs != std::floor(procs)) {
      return Bad(col, name, "must be a whole number of processors >= 0");
    }
    const auto p = static_cast<int64_t>(procs);
    if (p % processors_per_gpu_ != 0) {
      return Bad(col, name,
                 absl::StrCat(p, " processors is not a multiple of processors_per_gpu (",
                              processors_per_gpu_, ")"));
    }
    if (p / processors_per_gpu_ > 1000000) {
      return Bad(col, name, absl::StrCat(p / processors_per_gpu_, " GPUs; at most 1e6"));
    }
    job->gpus = static_cast<uint32_t>(p / processors_per_gpu_);
    if (absl::Status s = Code(status_, "status", &job->status); !s.ok()) return s;
    if (absl::Status s = Code(user_, "user_id", &job->user); !s.ok()) return s;
    if (absl::Status s = Code(queue_, "queue_number", &job->vc); !s.ok()) return s;
    return absl::OkStatus();
  }

 private:
  // A numeric code kept as text; -1 (unknown) becomes "".
  absl::Status Code(int col, const std::string& name, std::string* out) const {
    double value = 0;
    if (absl::Status s = Number(col, name, &value); !s.ok()) return s;
    if (value == -1) {
      out->clear();
      return absl::OkStatus();
    }
    return Text(col, name, out);
  }

  int64_t processors_per_gpu_;
  int number_ = -1, submit_ = -1, run_ = -1, allocated_ = -1, requested_ = -1, status_ = -1,
      user_ = -1, queue_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenSwf(const std::string& path,
                                                     const TraceOptions& options) {
  int64_t processors_per_gpu = 1;
  for (const auto& [key, value] : options.settings) {
    if (key != "processors_per_gpu") {
      return TraceSettingError(
          key, absl::StrCat("swf setting \"", key,
                            "\" is unknown; the one setting is processors_per_gpu"));
    }
    if (!ParseInt64(value, &processors_per_gpu) || processors_per_gpu < 1 ||
        processors_per_gpu > 1000000) {
      return TraceSettingError(
          key, absl::StrCat("swf setting processors_per_gpu: \"", value,
                            "\" is not allowed; use a whole number >= 1 (processors per GPU)"));
    }
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<Swf>(*std::move(lines), processors_per_gpu);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
