#include "report/writers.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace burnrate {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr mode_t kDefaultFileMode = 0644;

// Shortest text that reads back as the same double.
std::string Number(double v) { return fmt::format("{}", v); }

// RFC 4180: fields containing a comma, quote or line break are quoted, quotes doubled.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void AppendRow(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += CsvField(fields[i]);
  }
  out.push_back('\n');
}

// The singular scalar fields of `descriptor`, in declaration order: the CSV columns.
std::vector<const FieldDescriptor*> ScalarFields(const google::protobuf::Descriptor* descriptor) {
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* f = descriptor->field(i);
    if (!f->is_repeated() && f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      fields.push_back(f);
    }
  }
  return fields;
}

std::string FieldText(const Message& m, const FieldDescriptor* f) {
  const google::protobuf::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return fmt::format("{}", r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return fmt::format("{}", r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return fmt::format("{}", r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return fmt::format("{}", r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Number(r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return fmt::format("{}", r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(m, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnum(m, f)->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

std::string SummaryCsv(const burnrate::v1::Results& results) {
  const std::vector<const FieldDescriptor*> fields =
      ScalarFields(burnrate::v1::Summary::descriptor());
  std::string out;
  std::vector<std::string> header = {"policy", "seed"};
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  AppendRow(out, header);
  for (const burnrate::v1::RunResult& run : results.runs()) {
    std::vector<std::string> row = {run.policy(), fmt::format("{}", run.seed())};
    for (const FieldDescriptor* f : fields) row.push_back(FieldText(run.summary(), f));
    AppendRow(out, row);
  }
  return out;
}

std::string MonthlyCsv(const burnrate::v1::Results& results) {
  std::string out;
  AppendRow(out, {"policy", "month", "pool", "cost_usd", "idle_cost_usd", "gpu_hours_provisioned",
                  "gpu_hours_allocated", "gpu_utilization", "usage_usd", "idle_capacity_usd",
                  "upfront_usd", "capex_usd", "hosting_usd", "energy_usd", "energy_kwh",
                  "facility_kwh", "co2e_kg", "co2e_operational_kg", "co2e_embodied_kg"});
  for (const burnrate::v1::RunResult& run : results.runs()) {
    for (const burnrate::v1::MonthResult& month : run.monthly()) {
      // The "ALL" row sums the pools' categories.
      burnrate::v1::PoolMonthResult all;
      for (const burnrate::v1::PoolMonthResult& pool : month.pools()) {
        const double utilization = pool.gpu_hours_provisioned() > 0
                                       ? pool.gpu_hours_allocated() / pool.gpu_hours_provisioned()
                                       : 0.0;
        AppendRow(out, {run.policy(), month.month(), pool.pool(), Number(pool.cost_usd()),
                        Number(pool.idle_cost_usd()), Number(pool.gpu_hours_provisioned()),
                        Number(pool.gpu_hours_allocated()), Number(utilization),
                        Number(pool.usage_usd()), Number(pool.idle_capacity_usd()),
                        Number(pool.upfront_usd()), Number(pool.capex_usd()),
                        Number(pool.hosting_usd()), Number(pool.energy_usd()),
                        Number(pool.energy_kwh()), Number(pool.facility_kwh()),
                        Number(pool.co2e_kg()), Number(pool.co2e_operational_kg()),
                        Number(pool.co2e_embodied_kg())});
        all.set_usage_usd(all.usage_usd() + pool.usage_usd());
        all.set_idle_capacity_usd(all.idle_capacity_usd() + pool.idle_capacity_usd());
        all.set_upfront_usd(all.upfront_usd() + pool.upfront_usd());
        all.set_capex_usd(all.capex_usd() + pool.capex_usd());
        all.set_hosting_usd(all.hosting_usd() + pool.hosting_usd());
        all.set_energy_usd(all.energy_usd() + pool.energy_usd());
        all.set_energy_kwh(all.energy_kwh() + pool.energy_kwh());
      }
      AppendRow(out, {run.policy(), month.month(), "ALL", Number(month.cost_usd()),
                      Number(month.idle_cost_usd()), Number(month.gpu_hours_provisioned()),
                      Number(month.gpu_hours_allocated()), Number(month.gpu_utilization()),
                      Number(all.usage_usd()), Number(all.idle_capacity_usd()),
                      Number(all.upfront_usd()), Number(all.capex_usd()),
                      Number(all.hosting_usd()), Number(all.energy_usd()),
                      Number(all.energy_kwh()), Number(month.facility_kwh()),
                      Number(month.co2e_kg()), Number(month.co2e_operational_kg()),
                      Number(month.co2e_embodied_kg())});
    }
  }
  return out;
}

std::string TimeseriesCsv(const burnrate::v1::Results& results) {
  std::string out;
  AppendRow(out,
            {"policy", "time_s", "allocated_gpus", "queued_jobs", "running_jobs", "provisioned_gpus"});
  for (const burnrate::v1::RunResult& run : results.runs()) {
    const burnrate::v1::TimeSeries& ts = run.timeseries();
    // Parallel arrays; a short one leaves empty cells rather than dropping samples.
    auto at = [](const google::protobuf::RepeatedField<uint32_t>& values, int i) {
      return i < values.size() ? fmt::format("{}", values.Get(i)) : std::string();
    };
    for (int i = 0; i < ts.time_s_size(); ++i) {
      AppendRow(out, {run.policy(), Number(ts.time_s(i)), at(ts.allocated_gpus(), i),
                      at(ts.queued_jobs(), i), at(ts.running_jobs(), i),
                      at(ts.provisioned_gpus(), i)});
    }
  }
  return out;
}

// Long format: one row per (run, sample, pool), pools in scenario order within a sample.
// utilization = allocated / provisioned, empty when nothing was provisioned.
std::string PoolTimeseriesCsv(const burnrate::v1::Results& results) {
  std::string out;
  AppendRow(out,
            {"policy", "time_s", "pool", "allocated_gpus", "provisioned_gpus", "utilization"});
  for (const burnrate::v1::RunResult& run : results.runs()) {
    const burnrate::v1::TimeSeries& ts = run.timeseries();
    for (int i = 0; i < ts.time_s_size(); ++i) {
      for (const burnrate::v1::PoolSeries& pool : ts.pools()) {
        // Parallel to time_s; a short array leaves empty cells rather than dropping samples.
        const bool has_allocated = i < pool.allocated_gpus_size();
        const bool has_provisioned = i < pool.provisioned_gpus_size();
        const uint32_t allocated = has_allocated ? pool.allocated_gpus(i) : 0;
        const uint32_t provisioned = has_provisioned ? pool.provisioned_gpus(i) : 0;
        const bool has_utilization = has_allocated && provisioned > 0;
        AppendRow(out, {run.policy(), Number(ts.time_s(i)), pool.pool(),
                        has_allocated ? fmt::format("{}", allocated) : std::string(),
                        has_provisioned ? fmt::format("{}", provisioned) : std::string(),
                        has_utilization ? Number(static_cast<double>(allocated) /
                                                 static_cast<double>(provisioned))
                                        : std::string()});
      }
    }
  }
  return out;
}

// Long format: one row per (run, metric, probability); jct before queue_delay.
std::string DistributionsCsv(const burnrate::v1::Results& results) {
  std::string out;
  AppendRow(out, {"policy", "metric", "probability", "value_s"});
  for (const burnrate::v1::RunResult& run : results.runs()) {
    const std::pair<const char*, const burnrate::v1::Distribution*> metrics[] = {
        {"jct", &run.jct()}, {"queue_delay", &run.queue_delay()}};
    for (const auto& [metric, d] : metrics) {
      for (int i = 0; i < d->probability_size(); ++i) {
        AppendRow(out, {run.policy(), metric, Number(d->probability(i)),
                        i < d->value_s_size() ? Number(d->value_s(i)) : std::string()});
      }
    }
  }
  return out;
}

std::string TenantsCsv(const burnrate::v1::Results& results) {
  const std::vector<const FieldDescriptor*> fields =
      ScalarFields(burnrate::v1::TenantResult::descriptor());
  std::string out;
  std::vector<std::string> header = {"policy"};
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  AppendRow(out, header);
  for (const burnrate::v1::RunResult& run : results.runs()) {
    for (const burnrate::v1::TenantResult& tenant : run.tenants()) {
      std::vector<std::string> row = {run.policy()};
      for (const FieldDescriptor* f : fields) row.push_back(FieldText(tenant, f));
      AppendRow(out, row);
    }
  }
  return out;
}

// One row per (run, inference service): every scalar field of ServiceResult.
std::string ServicesCsv(const burnrate::v1::Results& results) {
  const std::vector<const FieldDescriptor*> fields =
      ScalarFields(burnrate::v1::ServiceResult::descriptor());
  std::string out;
  std::vector<std::string> header = {"policy"};
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  AppendRow(out, header);
  for (const burnrate::v1::RunResult& run : results.runs()) {
    for (const burnrate::v1::ServiceResult& service : run.services()) {
      std::vector<std::string> row = {run.policy()};
      for (const FieldDescriptor* f : fields) row.push_back(FieldText(service, f));
      AppendRow(out, row);
    }
  }
  return out;
}

// One row per (run, service, month).
std::string ServiceMonthsCsv(const burnrate::v1::Results& results) {
  const std::vector<const FieldDescriptor*> fields =
      ScalarFields(burnrate::v1::ServiceMonthResult::descriptor());
  std::string out;
  std::vector<std::string> header = {"policy", "service"};
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  AppendRow(out, header);
  for (const burnrate::v1::RunResult& run : results.runs()) {
    for (const burnrate::v1::ServiceResult& service : run.services()) {
      for (const burnrate::v1::ServiceMonthResult& m : service.monthly()) {
        std::vector<std::string> row = {run.policy(), service.name()};
        for (const FieldDescriptor* f : fields) row.push_back(FieldText(m, f));
        AppendRow(out, row);
      }
    }
  }
  return out;
}

std::string ByGpuCountCsv(const burnrate::v1::Results& results) {
  const std::vector<const FieldDescriptor*> fields =
      ScalarFields(burnrate::v1::SizeClassResult::descriptor());
  std::string out;
  std::vector<std::string> header = {"policy"};
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  AppendRow(out, header);
  for (const burnrate::v1::RunResult& run : results.runs()) {
    for (const burnrate::v1::SizeClassResult& size_class : run.by_gpu_count()) {
      std::vector<std::string> row = {run.policy()};
      for (const FieldDescriptor* f : fields) row.push_back(FieldText(size_class, f));
      AppendRow(out, row);
    }
  }
  return out;
}

std::string JobsCsv(const burnrate::v1::Results& results,
                    const std::vector<std::vector<JobRecord>>& jobs_per_run) {
  std::string out;
  AppendRow(out, {"policy", "name", "tenant", "gpus", "priority", "pool", "nodes", "submit_s",
                  "start_s", "finish_s", "runtime_s", "queue_delay_s", "jct_s", "preemptions",
                  "gpu_hours_lost", "failures", "gpu_hours_checkpointing",
                  "checkpoint_interval_s"});
  for (int r = 0; r < results.runs_size(); ++r) {
    const std::string& policy = results.runs(r).policy();
    for (const JobRecord& job : jobs_per_run[static_cast<std::size_t>(r)]) {
      const bool started = job.start_s >= 0;
      const bool finished = job.finish_s >= 0;
      AppendRow(out, {policy, job.name, job.tenant, fmt::format("{}", job.gpus),
                      fmt::format("{}", job.priority), job.pool,
                      job.nodes > 0 ? fmt::format("{}", job.nodes) : std::string(),
                      Number(job.submit_s), started ? Number(job.start_s) : std::string(),
                      finished ? Number(job.finish_s) : std::string(), Number(job.runtime_s),
                      started ? Number(job.start_s - job.submit_s) : std::string(),
                      finished ? Number(job.finish_s - job.submit_s) : std::string(),
                      fmt::format("{}", job.preemptions), Number(job.gpu_hours_lost),
                      fmt::format("{}", job.failures), Number(job.gpu_hours_checkpointing),
                      Number(job.checkpoint_interval_s)});
    }
  }
  return out;
}

absl::Status ToJson(const google::protobuf::Message& results, std::string& out) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  out.clear();
  const auto status = google::protobuf::util::MessageToJsonString(results, &out, options);
  if (!status.ok()) {
    return absl::InternalError(fmt::format("converting results to JSON: {}", status.ToString()));
  }
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return absl::OkStatus();
}


// Writes `contents` to a new temporary file beside `path` (same mode as an existing `path`)
// and returns its name; on failure removes it and names `path` in the error.
absl::StatusOr<std::string> WriteTemporary(const std::string& path, std::string_view contents) {
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return absl::ErrnoToStatus(errno, fmt::format("writing {}", path));

  // Closes (if still open) and removes the temporary file; returns the error of `what`.
  bool open = true;
  auto fail = [&](std::string_view what) {
    const int err = errno;
    if (open) ::close(fd);
    ::unlink(temp.c_str());
    return absl::ErrnoToStatus(err, fmt::format("writing {}: {}", path, what));
  };

  struct stat existing;
  const mode_t mode =
      ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : kDefaultFileMode;
  if (::fchmod(fd, mode) != 0) return fail("fchmod");

  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  open = false;
  if (::close(fd) != 0) return fail("close");
  return temp;
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  OutputBatch batch;
  batch.Add(path, std::string(contents));
  return batch.Commit();
}

void OutputBatch::Add(std::string path, std::string contents) {
  files_.push_back({std::move(path), std::move(contents)});
}

absl::Status OutputBatch::Commit() {
  // Phase 0: where each file goes. A symlink is written through (its target is replaced, the
  // link stays); anything else that exists must be a regular file (renaming over a device, a
  // FIFO or a directory would replace it); no two outputs may be the same file.
  std::set<std::string> seen;
  for (auto& [path, contents] : files_) {
    std::error_code ec;
    const std::filesystem::file_status link = std::filesystem::symlink_status(path, ec);
    if (std::filesystem::is_symlink(link)) {
      const std::filesystem::path target = std::filesystem::weakly_canonical(path, ec);
      if (ec) return absl::InvalidArgumentError(fmt::format("{}: cannot follow the symlink: {}", path, ec.message()));
      path = target.string();
    }
    const std::filesystem::file_status st = std::filesystem::status(path, ec);
    if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: exists and is not a regular file; give a file name", path));
    }
    const std::string key = std::filesystem::weakly_canonical(path, ec).string();
    if (!seen.insert(ec ? path : key).second) {
      return absl::InvalidArgumentError(
          fmt::format("{}: named for two outputs; give each output its own file", path));
    }
  }
  // Phase 1: every file to a temporary name. Any failure removes them all: nothing changed.
  std::vector<std::string> temps;
  for (const auto& [path, contents] : files_) {
    absl::StatusOr<std::string> temp = WriteTemporary(path, contents);
    if (!temp.ok()) {
      for (const std::string& t : temps) ::unlink(t.c_str());
      return temp.status();
    }
    temps.push_back(*std::move(temp));
  }
  // Phase 2: rename into place (atomic per file; fails only on a file system gone wrong).
  for (size_t i = 0; i < files_.size(); ++i) {
    if (::rename(temps[i].c_str(), files_[i].first.c_str()) != 0) {
      const int err = errno;
      for (size_t j = i; j < temps.size(); ++j) ::unlink(temps[j].c_str());
      return absl::ErrnoToStatus(err, fmt::format("writing {}: rename", files_[i].first));
    }
  }
  files_.clear();
  return absl::OkStatus();
}

std::string ProtoJson(const google::protobuf::Message& message) {
  std::string json;
  if (!ToJson(message, json).ok()) return std::string();
  return json;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  AppendRow(out, fields);
  return out;
}

std::string ScalarFieldText(const google::protobuf::Message& m,
                            const google::protobuf::FieldDescriptor* f) {
  return FieldText(m, f);
}

std::string ResultsToJson(const burnrate::v1::Results& results) {
  std::string json;
  if (!ToJson(results, json).ok()) return std::string();
  return json;
}

absl::Status AddResultsJson(const burnrate::v1::Results& results, const std::string& path,
                            OutputBatch* batch) {
  std::string json;
  if (absl::Status status = ToJson(results, json); !status.ok()) return status;
  batch->Add(path, std::move(json));
  return absl::OkStatus();
}

absl::Status WriteResultsJson(const burnrate::v1::Results& results, const std::string& path) {
  OutputBatch batch;
  if (absl::Status status = AddResultsJson(results, path, &batch); !status.ok()) return status;
  return batch.Commit();
}

absl::Status AddCsvDir(const burnrate::v1::Results& results,
                       const std::vector<std::vector<JobRecord>>& jobs_per_run,
                       const std::string& dir, OutputBatch* batch) {
  if (!jobs_per_run.empty() &&
      jobs_per_run.size() != static_cast<std::size_t>(results.runs_size())) {
    return absl::InvalidArgumentError(
        fmt::format("writing CSV to {}: job records for {} runs, results have {} runs", dir,
                    jobs_per_run.size(), results.runs_size()));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::ErrnoToStatus(ec.value(), fmt::format("creating directory {}", dir));
  }
  const auto in_dir = [&](const char* name) {
    return (std::filesystem::path(dir) / name).string();
  };
  batch->Add(in_dir("summary.csv"), SummaryCsv(results));
  batch->Add(in_dir("monthly.csv"), MonthlyCsv(results));
  batch->Add(in_dir("timeseries.csv"), TimeseriesCsv(results));
  batch->Add(in_dir("pool_timeseries.csv"), PoolTimeseriesCsv(results));
  batch->Add(in_dir("distributions.csv"), DistributionsCsv(results));
  if (!jobs_per_run.empty()) batch->Add(in_dir("jobs.csv"), JobsCsv(results, jobs_per_run));
  batch->Add(in_dir("by_gpu_count.csv"), ByGpuCountCsv(results));
  batch->Add(in_dir("tenants.csv"), TenantsCsv(results));
  bool services = false;
  for (const burnrate::v1::RunResult& run : results.runs()) services |= run.services_size() > 0;
  if (services) {
    batch->Add(in_dir("services.csv"), ServicesCsv(results));
    batch->Add(in_dir("service_months.csv"), ServiceMonthsCsv(results));
  }
  return absl::OkStatus();
}

absl::Status WriteCsvDir(const burnrate::v1::Results& results,
                         const std::vector<std::vector<JobRecord>>& jobs_per_run,
                         const std::string& dir) {
  OutputBatch batch;
  if (absl::Status s = AddCsvDir(results, jobs_per_run, dir, &batch); !s.ok()) return s;
  return batch.Commit();
}

}  // namespace burnrate
