// burnrate-csv: the documented CSV for planners' own job logs (docs/traces.md).
//   submit_s,gpus,duration_s[,name,gpu_type,user,vc,status]
// Header required; columns in any order; extra columns are an error (typos should not pass).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

class BurnrateCsv final : public CsvTraceReader {
 public:
  using CsvTraceReader::CsvTraceReader;
  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    const std::vector<std::string> known = {"submit_s", "gpus",     "duration_s", "name",
                                            "gpu_type", "user",     "vc",         "status"};
    if (const auto unknown = UnknownColumns(known); !unknown.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path(), ":1: unknown column(s) ", absl::StrJoin(unknown, ", "),
                       "; burnrate-csv columns: ", absl::StrJoin(known, ", ")));
    }
    submit_ = Column("submit_s");
    gpus_ = Column("gpus");
    duration_ = Column("duration_s");
    name_ = Column("name");
    type_ = Column("gpu_type");
    user_ = Column("user");
    vc_ = Column("vc");
    status_ = Column("status");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    double gpus = 0;
    if (absl::Status s = Number(submit_, "submit_s", &job->submit_s); !s.ok()) return s;
    if (absl::Status s = Number(gpus_, "gpus", &gpus); !s.ok()) return s;
    if (absl::Status s = Number(duration_, "duration_s", &job->duration_s); !s.ok()) return s;
    if (job->submit_s < 0) return Bad(submit_, "submit_s", "must be >= 0 (seconds)");
    if (gpus < 0 || gpus > 1e6 || (gpus >= 1 && gpus != static_cast<double>(static_cast<int64_t>(gpus)))) {
      return Bad(gpus_, "gpus", "must be a whole number of GPUs, or a fraction below 1");
    }
    if (gpus > 0 && gpus < 1) {
      job->gpus = 1;
      job->gpu_fraction = gpus;
    } else {
      job->gpus = static_cast<uint32_t>(gpus);
    }
    if (job->duration_s < 0) return Bad(duration_, "duration_s", "must be >= 0 (seconds)");
    if (Has(name_)) job->name = std::string(Trim(row()[static_cast<size_t>(name_)]));
    if (Has(type_)) job->gpu_type = std::string(Trim(row()[static_cast<size_t>(type_)]));
    if (Has(user_)) job->user = std::string(Trim(row()[static_cast<size_t>(user_)]));
    if (Has(vc_)) job->vc = std::string(Trim(row()[static_cast<size_t>(vc_)]));
    if (Has(status_)) {
      job->status = std::string(Trim(row()[static_cast<size_t>(status_)]));
    }
    if (job->name.empty()) job->name = absl::StrCat("line-", job->line);
    return absl::OkStatus();
  }

 private:
  int submit_ = -1, gpus_ = -1, duration_ = -1, name_ = -1, type_ = -1, user_ = -1, vc_ = -1,
      status_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenBurnrateCsv(const std::string& path,
                                                             const TraceOptions& options) {
  if (absl::Status s = CheckTraceSettingKeys("burnrate-csv", options, {}); !s.ok()) return s;
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<BurnrateCsv>(
      *std::move(lines), CsvTraceReader::Layout{',', false, "#", true,
                                                {"submit_s", "gpus", "duration_s"}});
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
