// gavel: the job traces of Gavel (OSDI'20), https://github.com/stanford-futuredata/gavel,
// scheduler/traces/**/*.trace, as scheduler/utils.py parse_trace reads them (see
// docs/trace-formats/gavel.md). One job per line, tab-separated, no header; the layout is told
// by the number of fields:
//   10: job_type, command, working_directory, num_steps_arg, needs_data_dir, total_steps,
//       scale_factor, priority_weight, SLO, arrival_time          (current; Job.__str__ + arrival)
//    9: the same without working_directory                        (earlier versions)
//    7: job_type, command, num_steps_arg, needs_data_dir, total_steps, arrival_time,
//       scale_factor                                              (the msr/ traces)
// A job is a number of steps, not a time: duration_s = total_steps / steps per second, from the
// settings "steps_per_second.<job_type> (scale factor <n>)", else "steps_per_second.<job_type>",
// else "steps_per_second" (job_type exactly as in the trace). name = "job-<line>",
// submit_s = arrival_time (seconds from the trace start), gpus = scale_factor. command,
// working_directory, num_steps_arg, needs_data_dir, priority_weight and SLO are dropped.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

constexpr std::string_view kRate = "steps_per_second";

// Field positions of one layout.
struct GavelLayout {
  size_t fields;
  int job_type, total_steps, scale_factor, arrival_time;
};
constexpr GavelLayout kLayouts[] = {
    {10, 0, 5, 6, 9},
    {9, 0, 4, 5, 8},
    {7, 0, 4, 6, 5},
};

class GavelTsv final : public CsvTraceReader {
 public:
  GavelTsv(std::unique_ptr<LineReader> lines, std::map<std::string, double> rates)
      : CsvTraceReader(std::move(lines),
                       Layout{'\t', false, "", false,
                              {"job_type", "command", "working_directory", "num_steps_arg",
                               "needs_data_dir", "total_steps", "scale_factor",
                               "priority_weight", "SLO", "arrival_time"}}),
        rates_(std::move(rates)) {}

  absl::Status Init() { return Start(); }

  absl::Status ParseRow(TraceJob* job) override {
    const GavelLayout* layout = nullptr;
    for (const GavelLayout& l : kLayouts) {
      if (row().size() == l.fields) layout = &l;
    }
    if (layout == nullptr) {
      return BadRow(path(), line(), 1, "row",
                    absl::StrCat("has ", row().size(),
                                 " tab-separated fields; Gavel traces have 10 (job_type, "
                                 "command, working_directory, num_steps_arg, needs_data_dir, "
                                 "total_steps, scale_factor, priority_weight, SLO, "
                                 "arrival_time), or 9 or 7 in older layouts"));
    }
    job->name = absl::StrCat("job-", line());
    std::string type;
    if (absl::Status s = Text(layout->job_type, "job_type", &type); !s.ok()) return s;
    if (type.empty()) return Bad(layout->job_type, "job_type", "empty; expected a model name");
    double steps = 0, scale = 0;
    if (absl::Status s = Number(layout->total_steps, "total_steps", &steps); !s.ok()) return s;
    if (steps < 0) return Bad(layout->total_steps, "total_steps", "must be >= 0 (steps)");
    if (absl::Status s = Number(layout->scale_factor, "scale_factor", &scale); !s.ok()) return s;
    if (scale < 1 || scale > 1e6 || scale != std::floor(scale)) {
      return Bad(layout->scale_factor, "scale_factor", "must be a whole number of GPUs >= 1");
    }
    if (absl::Status s = Number(layout->arrival_time, "arrival_time", &job->submit_s); !s.ok()) {
      return s;
    }
    if (job->submit_s < 0) {
      return Bad(layout->arrival_time, "arrival_time", "must be >= 0 (seconds)");
    }
    const auto gpus = static_cast<uint32_t>(scale);
    const double* rate = Rate(type, gpus);
    if (rate == nullptr) {
      return Bad(layout->job_type, "job_type",
                 absl::StrCat("no steps-per-second rate for \"", type, "\" (scale factor ", gpus,
                              "); add the setting \"", std::string(kRate), ".", type,
                              "\" (or \"", std::string(kRate), "\" for every job type)"));
    }
    job->duration_s = steps / *rate;
    job->gpus = gpus;
    return absl::OkStatus();
  }

 private:
  const double* Rate(const std::string& type, uint32_t gpus) const {
    const std::string base = absl::StrCat(std::string(kRate), ".", type);
    for (const std::string& key :
         {absl::StrCat(base, " (scale factor ", gpus, ")"), base, std::string(kRate)}) {
      if (auto it = rates_.find(key); it != rates_.end()) return &it->second;
    }
    return nullptr;
  }

  std::map<std::string, double> rates_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenGavel(const std::string& path,
                                                       const TraceOptions& options) {
  std::map<std::string, double> rates;
  for (const auto& [key, value] : options.settings) {
    if (key != kRate && !(key.starts_with(kRate) && key.size() > kRate.size() + 1 &&
                          key[kRate.size()] == '.')) {
      return TraceSettingError(key,
                               absl::StrCat("gavel setting \"", key,
                                            "\" is unknown; use steps_per_second.<job_type> (or "
                                            "steps_per_second for every job type)"));
    }
    double rate = 0;
    if (!ParseDouble(value, &rate) || !std::isfinite(rate) || rate <= 0) {
      return TraceSettingError(key, absl::StrCat("gavel setting \"", key, "\": \"", value,
                                                 "\" is not a number of steps per second "
                                                 "> 0"));
    }
    rates[key] = rate;
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<GavelTsv>(*std::move(lines), std::move(rates));
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
