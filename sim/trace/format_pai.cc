// alibaba-pai-2020: the task table of Alibaba PAI's GPU cluster trace v2020 (NSDI'22, "MLaaS in
// the Wild"), pai_task_table.csv of https://github.com/alibaba/clusterdata,
// cluster-trace-gpu-v2020 (see docs/trace-formats/alibaba-pai-2020.md). No header (upstream
// ships the column names apart, in pai_task_table.header); a first line equal to that header is
// accepted and skipped. Fixed columns:
//   job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,plan_gpu,gpu_type
// One task = one job: name job_name/task_name, gpus = ceil(inst_num * plan_gpu / 100) (plan_gpu
// is the percent of one GPU each instance asks), gpu_fraction = inst_num * plan_gpu / 100 when
// that is below 1. The task table has no submission time: submit_s = start_time (the task's
// launch, seconds of a shifted Unix clock), duration_s = end_time - start_time. An empty or 0
// start_time or end_time (a task that never started or never ended) is a bad row. An empty
// plan_gpu reads as 0 (a CPU-only task). plan_cpu and plan_mem are dropped; there is no user.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

const std::vector<std::string>& PaiColumns() {
  static const auto* columns = new std::vector<std::string>{
      "job_name", "task_name", "inst_num", "status",   "start_time",
      "end_time", "plan_cpu",  "plan_mem", "plan_gpu", "gpu_type"};
  return *columns;
}

class PaiTaskCsv final : public CsvTraceReader {
 public:
  PaiTaskCsv(std::unique_ptr<LineReader> lines, bool header)
      : CsvTraceReader(std::move(lines), Layout{',', false, "", header, PaiColumns()}) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    job_ = Column("job_name");
    task_ = Column("task_name");
    inst_ = Column("inst_num");
    status_ = Column("status");
    start_ = Column("start_time");
    end_ = Column("end_time");
    plan_gpu_ = Column("plan_gpu");
    type_ = Column("gpu_type");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    if (row().size() != PaiColumns().size()) {
      return BadRow(path(), line(), 1, "row",
                    absl::StrCat("has ", row().size(),
                                 " fields; pai_task_table rows have 10: job_name, task_name, "
                                 "inst_num, status, start_time, end_time, plan_cpu, plan_mem, "
                                 "plan_gpu, gpu_type"));
    }
    std::string job_name, task_name;
    if (absl::Status s = Text(job_, "job_name", &job_name); !s.ok()) return s;
    if (absl::Status s = Text(task_, "task_name", &task_name); !s.ok()) return s;
    job->name = absl::StrCat(job_name, "/", task_name);
    double inst = 0;
    if (absl::Status s = Number(inst_, "inst_num", &inst); !s.ok()) return s;
    if (inst < 0 || inst > 1e7 || inst != std::floor(inst)) {
      return Bad(inst_, "inst_num", "must be a whole number of instances >= 0");
    }
    if (absl::Status s = Text(status_, "status", &job->status); !s.ok()) return s;
    double start = 0, end = 0;
    if (absl::Status s = Time(start_, "start_time", "started", &start); !s.ok()) return s;
    if (absl::Status s = Time(end_, "end_time", "ended", &end); !s.ok()) return s;
    if (end < start) {
      return Bad(end_, "end_time",
                 absl::StrCat("before start_time (", end - start, " s): negative run time"));
    }
    double plan_gpu = 0;
    std::string text;
    if (absl::Status s = Text(plan_gpu_, "plan_gpu", &text); !s.ok()) return s;
    if (!text.empty()) {
      if (absl::Status s = Number(plan_gpu_, "plan_gpu", &plan_gpu); !s.ok()) return s;
      if (plan_gpu < 0 || plan_gpu > 1e6) {
        return Bad(plan_gpu_, "plan_gpu", "must be >= 0 (percent of one GPU per instance)");
      }
    }
    // Whole GPUs of the task; the epsilon keeps 3 x 33.333... from becoming 2 GPUs.
    const double total = inst * plan_gpu / 100;
    const double whole = std::ceil(total - 1e-9);
    if (whole > 1e6) {
      return Bad(plan_gpu_, "plan_gpu",
                 absl::StrCat("inst_num x plan_gpu / 100 = ", total, " GPUs; at most 1e6"));
    }
    job->gpus = static_cast<uint32_t>(std::max(0.0, whole));
    if (total > 0 && total < 1) job->gpu_fraction = total;
    job->submit_s = start;
    job->duration_s = end - start;
    if (absl::Status s = Text(type_, "gpu_type", &job->gpu_type); !s.ok()) return s;
    if (job->gpu_type == "nan") job->gpu_type.clear();  // pandas' empty
    return absl::OkStatus();
  }

 private:
  // A task time: empty or 0 means the task never reached that point.
  absl::Status Time(int col, const std::string& name, const std::string& verb,
                    double* out) const {
    std::string text;
    if (absl::Status s = Text(col, name, &text); !s.ok()) return s;
    if (text.empty()) {
      return Bad(col, name,
                 absl::StrCat("empty: the task never ", verb,
                              " (PAI leaves the time empty or 0); no run time"));
    }
    if (absl::Status s = Number(col, name, out); !s.ok()) return s;
    if (*out == 0) {
      return Bad(col, name,
                 absl::StrCat("0: the task never ", verb,
                              " (PAI leaves the time empty or 0); no run time"));
    }
    if (*out < 0) return Bad(col, name, "must be > 0 (seconds)");
    return absl::OkStatus();
  }

  int job_ = -1, task_ = -1, inst_ = -1, status_ = -1, start_ = -1, end_ = -1, plan_gpu_ = -1,
      type_ = -1;
};

// True when the file's first non-blank line is the column names (pai_task_table.header
// prepended to the data).
absl::StatusOr<bool> HasHeader(const std::string& path) {
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  std::string_view text;
  while (true) {
    absl::StatusOr<bool> got = (*lines)->Next(&text);
    if (!got.ok()) return got.status();
    if (!*got) return false;
    if (!Trim(text).empty()) break;
  }
  return Trim(text).starts_with("job_name,task_name,");
}

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenPai2020(const std::string& path,
                                                         const TraceOptions& options) {
  if (absl::Status s = CheckTraceSettingKeys("alibaba-pai-2020", options, {}); !s.ok()) return s;
  absl::StatusOr<bool> header = HasHeader(path);
  if (!header.ok()) return header.status();
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<PaiTaskCsv>(*std::move(lines), *header);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
