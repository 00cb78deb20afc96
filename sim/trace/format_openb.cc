// openb: the pod lists of Alibaba's GPU cluster trace v2023 (FGD, ATC'23) in
// ../shared/traces/alibaba-gpu-v2023-openb (openb_pod_list_*.csv; see its SOURCE.md and
// docs/trace-formats/openb.md):
//   name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,
//   deletion_time,scheduled_time
// One row = one pod. Times are integer seconds from the trace start (submit_s = creation_time,
// relative). Run time, setting duration: run (default; deletion - scheduled, or deletion -
// creation for a pod never scheduled) | lifetime (deletion - creation). gpu_milli < 1000 with
// num_gpu 1 is a share of one GPU (gpu_fraction). gpu_spec lists allowed GPU models separated
// by '|': the first is kept, the alternatives are dropped. cpu_milli and memory_mib are dropped.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"
#include "sim/trace/node_list.h"

namespace burnrate {
namespace {

class OpenbCsv final : public CsvTraceReader {
 public:
  OpenbCsv(std::unique_ptr<LineReader> lines, bool lifetime)
      : CsvTraceReader(std::move(lines),
                       Layout{',', false, "", true,
                              {"name", "num_gpu", "gpu_milli", "creation_time", "deletion_time",
                               "scheduled_time"}}),
        lifetime_(lifetime) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    name_ = Column("name");
    gpus_ = Column("num_gpu");
    milli_ = Column("gpu_milli");
    spec_ = Column("gpu_spec");
    qos_ = Column("qos");
    phase_ = Column("pod_phase");
    created_ = Column("creation_time");
    deleted_ = Column("deletion_time");
    scheduled_ = Column("scheduled_time");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    double gpus = 0, milli = 0, created = 0, deleted = 0;
    if (absl::Status s = Text(name_, "name", &job->name); !s.ok()) return s;
    if (absl::Status s = Number(gpus_, "num_gpu", &gpus); !s.ok()) return s;
    if (absl::Status s = Number(milli_, "gpu_milli", &milli); !s.ok()) return s;
    if (absl::Status s = Number(created_, "creation_time", &created); !s.ok()) return s;
    if (absl::Status s = Number(deleted_, "deletion_time", &deleted); !s.ok()) return s;
    if (gpus < 0 || gpus > 1e6 || gpus != std::floor(gpus)) {
      return Bad(gpus_, "num_gpu", "must be a whole number of GPUs >= 0");
    }
    if (milli < 0 || milli > 1000) {
      return Bad(milli_, "gpu_milli", "must be 0..1000 (thousandths of one GPU)");
    }
    if (created < 0) return Bad(created_, "creation_time", "must be >= 0 (seconds)");
    if (deleted < 0) return Bad(deleted_, "deletion_time", "must be >= 0 (seconds)");
    // scheduled_time is empty for pods never scheduled (Pending).
    std::string scheduled_text;
    if (absl::Status s = Text(scheduled_, "scheduled_time", &scheduled_text); !s.ok()) return s;
    const bool scheduled = !scheduled_text.empty() && scheduled_text != "nan";
    double scheduled_at = created;
    if (scheduled) {
      if (absl::Status s = Number(scheduled_, "scheduled_time", &scheduled_at); !s.ok()) return s;
      if (scheduled_at < 0) return Bad(scheduled_, "scheduled_time", "must be >= 0 (seconds)");
    }
    const double start = lifetime_ ? created : scheduled_at;
    const std::string start_name = lifetime_ || !scheduled ? "creation_time" : "scheduled_time";
    if (deleted < start) {
      return Bad(deleted_, "deletion_time",
                 absl::StrCat("before ", start_name, " (", deleted - start,
                              " s): negative run time"));
    }
    job->submit_s = created;
    job->duration_s = deleted - start;
    job->gpus = static_cast<uint32_t>(gpus);
    if (job->gpus == 1 && milli > 0 && milli < 1000) job->gpu_fraction = milli / 1000;
    if (Has(spec_)) {
      std::string spec(Trim(row()[static_cast<size_t>(spec_)]));
      if (spec == "nan") spec.clear();  // pandas' empty
      // Models map to catalog types as `trace pools` maps them; alternatives that all map to
      // one type (V100M16|V100M32 -> V100) keep it, otherwise the first is kept.
      job->gpu_type.clear();
      size_t from = 0;
      while (from <= spec.size() && !spec.empty()) {
        const size_t bar = spec.find('|', from);
        const std::string type =
            OpenbModelToGpuType(spec.substr(from, bar == std::string::npos ? std::string::npos
                                                                           : bar - from));
        if (job->gpu_type.empty()) job->gpu_type = type;
        if (bar == std::string::npos) break;
        from = bar + 1;
      }
    }
    if (Has(qos_)) job->vc = std::string(Trim(row()[static_cast<size_t>(qos_)]));
    if (Has(phase_)) job->status = std::string(Trim(row()[static_cast<size_t>(phase_)]));
    if (job->name.empty()) job->name = absl::StrCat("line-", job->line);
    return absl::OkStatus();
  }

 private:
  bool lifetime_;
  int name_ = -1, gpus_ = -1, milli_ = -1, spec_ = -1, qos_ = -1, phase_ = -1, created_ = -1,
      deleted_ = -1, scheduled_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenOpenb(const std::string& path,
                                                       const TraceOptions& options) {
  bool lifetime = false;
  if (absl::Status s = CheckTraceSettingKeys("openb", options, {"duration"}); !s.ok()) {
    return s;
  }
  if (auto it = options.settings.find("duration"); it != options.settings.end()) {
    if (it->second == "lifetime") {
      lifetime = true;
    } else if (it->second != "run") {
      return TraceSettingError("duration", absl::StrCat("openb setting duration: \"", it->second,
                                                        "\" is not allowed; use run or lifetime"));
    }
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<OpenbCsv>(*std::move(lines), lifetime);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
