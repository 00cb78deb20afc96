#include "frag/openb.h"

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/line_reader.h"

namespace burnrate {
namespace {

// The row readers subclass the trace importers' CSV machinery; each row lands in the reader's
// own record (the TraceJob the machinery hands over is unused).
class RowReader : public CsvTraceReader {
 public:
  using CsvTraceReader::CsvTraceReader;
  absl::Status Open() { return Start(); }

 protected:
  // A whole number in [lo, hi] or a DataLoss naming the field.
  absl::Status Integer(int col, const std::string& field, int64_t lo, int64_t hi,
                       int64_t* out) const {
    double v = 0;
    if (absl::Status s = Number(col, field, &v); !s.ok()) return s;
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      return Bad(col, field, absl::StrCat("must be a whole number in ", lo, "..", hi));
    }
    *out = static_cast<int64_t>(v);
    return absl::OkStatus();
  }
  std::string Field(int col) const {
    return Has(col) ? std::string(Trim(row()[static_cast<size_t>(col)])) : std::string();
  }
};

constexpr int64_t kMaxCpuMilli = int64_t{1} << 40;
constexpr int64_t kMaxMemoryMib = int64_t{1} << 40;

class NodeReader final : public RowReader {
 public:
  explicit NodeReader(std::unique_ptr<LineReader> lines)
      : RowReader(std::move(lines),
                  Layout{',', false, "", true, {"sn", "cpu_milli", "memory_mib", "gpu", "model"}}) {}
  absl::Status Init() {
    if (absl::Status s = Open(); !s.ok()) return s;
    sn_ = Column("sn");
    cpu_ = Column("cpu_milli");
    mem_ = Column("memory_mib");
    gpu_ = Column("gpu");
    model_ = Column("model");
    return absl::OkStatus();
  }
  FragNodeSpec spec;

 protected:
  absl::Status ParseRow(TraceJob*) override {
    spec = FragNodeSpec{};
    spec.name = Field(sn_);
    if (spec.name.empty()) spec.name = absl::StrCat("line-", line());
    int64_t gpus = 0;
    if (absl::Status s = Integer(cpu_, "cpu_milli", 0, kMaxCpuMilli, &spec.cpu_milli); !s.ok()) {
      return s;
    }
    if (absl::Status s = Integer(mem_, "memory_mib", 0, kMaxMemoryMib, &spec.memory_mib);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Integer(gpu_, "gpu", 0, kMaxGpusPerNode, &gpus); !s.ok()) return s;
    spec.gpus = static_cast<int32_t>(gpus);
    spec.model = Field(model_);
    if (spec.model == "nan") spec.model.clear();  // pandas' empty
    if (spec.gpus > 0 && spec.model.empty()) {
      return Bad(model_, "model", "empty for a node with GPUs; name its GPU model");
    }
    return absl::OkStatus();
  }

 private:
  int sn_ = -1, cpu_ = -1, mem_ = -1, gpu_ = -1, model_ = -1;
};

std::vector<std::string> PodColumns(bool times) {
  std::vector<std::string> columns = {"cpu_milli", "memory_mib", "num_gpu", "gpu_milli"};
  if (times) {
    for (const char* c : {"creation_time", "scheduled_time", "deletion_time"}) columns.push_back(c);
  }
  return columns;
}

class PodReader final : public RowReader {
 public:
  PodReader(std::unique_ptr<LineReader> lines, bool times)
      : RowReader(std::move(lines), Layout{',', false, "", true, PodColumns(times)}),
        times_(times) {}
  absl::Status Init() {
    if (absl::Status s = Open(); !s.ok()) return s;
    name_ = Column("name");
    cpu_ = Column("cpu_milli");
    mem_ = Column("memory_mib");
    num_ = Column("num_gpu");
    milli_ = Column("gpu_milli");
    spec_ = Column("gpu_spec");
    created_ = Column("creation_time");
    scheduled_ = Column("scheduled_time");
    deleted_ = Column("deletion_time");
    return absl::OkStatus();
  }
  FragPod pod;
  // With times: why the current row's times are unusable (DataLoss naming the field), or OK.
  absl::Status time_problem;
  bool unscheduled = false;  // the problem is an empty scheduled_time

 protected:
  absl::Status ParseRow(TraceJob*) override {
    pod = FragPod{};
    pod.line = line();
    pod.name = Field(name_);
    if (pod.name.empty()) pod.name = absl::StrCat("line-", line());
    int64_t num = 0, milli = 0;
    if (absl::Status s = Integer(cpu_, "cpu_milli", 0, kMaxCpuMilli, &pod.cpu_milli); !s.ok()) {
      return s;
    }
    if (absl::Status s = Integer(mem_, "memory_mib", 0, kMaxMemoryMib, &pod.memory_mib);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Integer(num_, "num_gpu", 0, kMaxGpusPerNode, &num); !s.ok()) return s;
    if (absl::Status s = Integer(milli_, "gpu_milli", 0, kMilliPerGpu, &milli); !s.ok()) {
      return s;
    }
    if (num == 0 && milli != 0) {
      return Bad(milli_, "gpu_milli", "must be 0 for a pod asking no GPU (num_gpu 0)");
    }
    if (num >= 1 && milli == 0) {
      return Bad(milli_, "gpu_milli",
                 "must be 1..1000 (thousandths of each GPU) for a pod asking GPUs");
    }
    if (num > 1 && milli != kMilliPerGpu) {
      return Bad(milli_, "gpu_milli",
                 absl::StrCat("must be 1000 for a pod of ", num,
                              " GPUs: only a single-GPU pod may ask part of a GPU"));
    }
    pod.num_gpu = static_cast<int32_t>(num);
    pod.gpu_milli = static_cast<int32_t>(milli);
    std::string spec = Field(spec_);
    if (spec == "nan") spec.clear();
    for (size_t from = 0; from < spec.size();) {
      size_t bar = spec.find('|', from);
      if (bar == std::string::npos) bar = spec.size();
      const std::string_view model = Trim(std::string_view(spec).substr(from, bar - from));
      if (!model.empty()) pod.gpu_models.emplace_back(model);
      from = bar + 1;
    }
    time_problem = absl::OkStatus();
    unscheduled = false;
    if (times_) {
      time_problem = Times();
      pod.has_times = time_problem.ok();
    } else if (Has(created_) && !Field(created_).empty()) {
      if (absl::Status s = Number(created_, "creation_time", &pod.creation_s); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Times() {
    if (Has(created_) && Field(created_).empty()) return Bad(created_, "creation_time", "empty");
    if (absl::Status s = Number(created_, "creation_time", &pod.creation_s); !s.ok()) return s;
    if (Has(scheduled_) && Field(scheduled_).empty()) {
      unscheduled = true;
      return Bad(scheduled_, "scheduled_time",
                 "empty: the pod never started in the trace (Pending), so it has no run time");
    }
    if (absl::Status s = Number(scheduled_, "scheduled_time", &pod.scheduled_s); !s.ok()) {
      return s;
    }
    if (Has(deleted_) && Field(deleted_).empty()) return Bad(deleted_, "deletion_time", "empty");
    if (absl::Status s = Number(deleted_, "deletion_time", &pod.deletion_s); !s.ok()) return s;
    if (pod.scheduled_s < pod.creation_s) {
      return Bad(scheduled_, "scheduled_time",
                 absl::StrCat(pod.scheduled_s, " is before creation_time ", pod.creation_s));
    }
    if (pod.deletion_s < pod.scheduled_s) {
      return Bad(deleted_, "deletion_time",
                 absl::StrCat(pod.deletion_s, " is before scheduled_time ", pod.scheduled_s));
    }
    return absl::OkStatus();
  }

  bool times_;
  int name_ = -1, cpu_ = -1, mem_ = -1, num_ = -1, milli_ = -1, spec_ = -1, created_ = -1;
  int scheduled_ = -1, deleted_ = -1;
};

// Reads every row of `reader`, handing each to `take` (which returns a Status); a bad row, or
// an error from `take`, stops the read.
template <typename Reader, typename Take>
absl::Status ReadAll(Reader& reader, Take take) {
  TraceJob unused;
  while (true) {
    absl::StatusOr<bool> got = reader.Next(&unused);
    if (!got.ok()) {
      // Rows the machinery could not read are DataLoss (skippable in lenient imports); here a
      // bad row is bad input.
      if (got.status().code() == absl::StatusCode::kDataLoss) {
        return absl::InvalidArgumentError(got.status().message());
      }
      return got.status();
    }
    if (!*got) return absl::OkStatus();
    if (absl::Status s = take(); !s.ok()) return s;
  }
}

}  // namespace

absl::StatusOr<std::vector<FragNodeSpec>> ReadOpenbNodeList(const std::string& path) {
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  NodeReader reader(*std::move(lines));
  if (absl::Status s = reader.Init(); !s.ok()) return s;
  std::vector<FragNodeSpec> nodes;
  if (absl::Status s = ReadAll(reader,
                               [&] {
                                 nodes.push_back(reader.spec);
                                 return absl::OkStatus();
                               });
      !s.ok()) {
    return s;
  }
  if (nodes.empty()) return absl::InvalidArgumentError(path + ": no nodes");
  return nodes;
}

absl::StatusOr<std::vector<FragPod>> ReadOpenbPodList(const std::string& path) {
  auto list = ReadOpenbPodList(path, OpenbPodListOptions{});
  if (!list.ok()) return list.status();
  return std::move(list->pods);
}

absl::StatusOr<OpenbPodList> ReadOpenbPodList(const std::string& path,
                                              const OpenbPodListOptions& options) {
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  PodReader reader(*std::move(lines), options.times);
  if (absl::Status s = reader.Init(); !s.ok()) return s;
  OpenbPodList list;
  absl::Status s = ReadAll(reader, [&] {
    ++list.rows;
    if (!reader.time_problem.ok()) {
      if (!options.lenient) return absl::InvalidArgumentError(reader.time_problem.message());
      ++list.skipped;
      if (reader.unscheduled) ++list.skipped_unscheduled;
      if (list.first_skipped.empty()) {
        list.first_skipped = std::string(reader.time_problem.message());
      }
      return absl::OkStatus();
    }
    list.pods.push_back(reader.pod);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (list.pods.empty()) {
    return absl::InvalidArgumentError(
        list.skipped == 0 ? path + ": no pods"
                          : absl::StrCat(path, ": no pods with usable times (", list.skipped,
                                         " rows skipped; first: ", list.first_skipped, ")"));
  }
  return list;
}

}  // namespace burnrate
