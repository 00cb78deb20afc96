// alibaba-dlrm: Alibaba's GPU-disaggregated DLRM inference trace v2025 (Yang et al., NSDI'25) in
// ../shared/traces/alibaba-gpu-v2025-dlrm (disaggregated_DLRM_trace.csv; see its SOURCE.md and
// docs/trace-formats/alibaba-dlrm.md):
//   instance_sn,role,app_name,cpu_request,cpu_limit,gpu_request,gpu_limit,rdma_request,
//   rdma_limit,memory_request,memory_limit,disk_request,disk_limit,max_instance_per_node,
//   creation_time,scheduled_time,deletion_time
// One row = one long-running inference instance. name = instance_sn, vc = app_name, status =
// role (CN: CPU node, HN: GPU node), gpus = gpu_request (0 for CN: dropped by gpu_jobs_only).
// Times are seconds from the trace start; empty (or NaN) creation/scheduled = existed before the
// start (submit_s 0), empty deletion = alive at the end (setting trace_end_s, default 2,678,400
// = 31 days). duration_s = deletion - scheduled, or deletion - creation when scheduled is empty.
// The file is not in submission order. Requests/limits of CPU, RDMA, memory and disk and
// max_instance_per_node are dropped.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

constexpr double kDefaultTraceEndS = 31 * 86400;  // 2,678,400 s

class AlibabaDlrmCsv final : public CsvTraceReader {
 public:
  AlibabaDlrmCsv(std::unique_ptr<LineReader> lines, double trace_end_s)
      : CsvTraceReader(std::move(lines),
                       Layout{',', false, "", true,
                              {"instance_sn", "role", "app_name", "gpu_request", "creation_time",
                               "scheduled_time", "deletion_time"}}),
        trace_end_s_(trace_end_s) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    name_ = Column("instance_sn");
    role_ = Column("role");
    app_ = Column("app_name");
    gpus_ = Column("gpu_request");
    created_ = Column("creation_time");
    scheduled_ = Column("scheduled_time");
    deleted_ = Column("deletion_time");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    double gpus = 0;
    if (absl::Status s = Text(name_, "instance_sn", &job->name); !s.ok()) return s;
    if (job->name.empty()) return Bad(name_, "instance_sn", "empty; expected the instance id");
    if (absl::Status s = Text(role_, "role", &job->status); !s.ok()) return s;
    if (absl::Status s = Text(app_, "app_name", &job->vc); !s.ok()) return s;
    if (absl::Status s = Number(gpus_, "gpu_request", &gpus); !s.ok()) return s;
    if (gpus < 0 || gpus > 1e6 || gpus != std::floor(gpus)) {
      return Bad(gpus_, "gpu_request", "must be a whole number of GPUs >= 0");
    }
    bool has_created = false, has_scheduled = false, has_deleted = false;
    double created = 0, scheduled = 0, deleted = 0;
    if (absl::Status s = Time(created_, "creation_time", &created, &has_created); !s.ok()) {
      return s;
    }
    if (absl::Status s = Time(scheduled_, "scheduled_time", &scheduled, &has_scheduled);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Time(deleted_, "deletion_time", &deleted, &has_deleted); !s.ok()) {
      return s;
    }
    // Empty creation: the instance existed before the trace started (time 0).
    if (has_scheduled && scheduled < created) {
      return Bad(scheduled_, "scheduled_time",
                 absl::StrCat("before creation_time (", scheduled - created, " s)"));
    }
    const double start = has_scheduled ? scheduled : created;
    const std::string start_name = has_scheduled  ? "scheduled_time"
                                   : has_created ? "creation_time"
                                                 : "the trace start (creation_time empty)";
    // Empty deletion: still alive when the trace ended.
    const double end = has_deleted ? deleted : trace_end_s_;
    if (end < start) {
      if (!has_deleted) {
        return Bad(deleted_, "deletion_time",
                   absl::StrCat("empty (alive at the trace end), but setting trace_end_s ",
                                trace_end_s_, " is before ", start_name, " (", start, " s)"));
      }
      return Bad(deleted_, "deletion_time",
                 absl::StrCat("before ", start_name, " (", end - start, " s): negative run time"));
    }
    job->submit_s = created;
    job->duration_s = end - start;
    job->gpus = static_cast<uint32_t>(gpus);
    return absl::OkStatus();
  }

 private:
  // A time in seconds from the trace start; empty or NaN (pandas' missing value) = absent.
  absl::Status Time(int col, const std::string& name, double* seconds, bool* present) const {
    std::string text;
    if (absl::Status s = Text(col, name, &text); !s.ok()) return s;
    *present = !(text.empty() || text == "nan" || text == "NaN");
    if (!*present) return absl::OkStatus();
    if (absl::Status s = Number(col, name, seconds); !s.ok()) return s;
    if (*seconds < 0) return Bad(col, name, "must be >= 0 (seconds from the trace start)");
    return absl::OkStatus();
  }

  double trace_end_s_;
  int name_ = -1, role_ = -1, app_ = -1, gpus_ = -1, created_ = -1, scheduled_ = -1,
      deleted_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenAlibabaDlrm(const std::string& path,
                                                             const TraceOptions& options) {
  double trace_end_s = kDefaultTraceEndS;
  for (const auto& [key, value] : options.settings) {
    if (key != "trace_end_s") {
      return TraceSettingError(key, absl::StrCat("alibaba-dlrm setting \"", key,
                                                 "\" is unknown; the one setting is trace_end_s"));
    }
    if (!ParseDouble(value, &trace_end_s) || !std::isfinite(trace_end_s) || trace_end_s < 0) {
      return TraceSettingError(
          key, absl::StrCat("alibaba-dlrm setting trace_end_s: \"", value,
                            "\" is not allowed; use a number of seconds >= 0 (the trace's end)"));
    }
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<AlibabaDlrmCsv>(*std::move(lines), trace_end_s);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
