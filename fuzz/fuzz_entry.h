// The entry points the fuzz harnesses (fuzz/*_fuzzer.cc) drive, shared with the regression test
// that replays the committed crash inputs (tests/scenario/fuzz_regressions_test.cc), so a crash
// found by a fuzzer is replayed through exactly the code that found it.
//
// - RunScenarioInput: LoadScenarioText in one format; when it loads, CompileScenario with
//   confine_paths set and base_dir a private directory holding copies of the small fixture
//   traces and an empirical-samples file (FuzzDataDir), so a scenario may name those files but
//   never reads anything else (no absolute paths, no "..", no symlink out): compilation cannot
//   hang on /dev/zero or a FIFO, and cannot read the machine's files.
// - RunTraceInput: the bytes as a trace file of one format (an in-memory file, memfd, opened by
//   its /proc/self/fd path exactly as importers open files), read by the format's raw reader
//   past every bad row, then by `trace stats` / `trace fit` (TraceStream, lenient, with
//   rescaling); every job handed out is checked for finite, non-negative values.
// - RunOpenbNodesInput: the bytes as an openb node list (`trace pools`).
// - RunFailureTraceInput: the bytes as a pool's failure trace (Failures.trace) of 16 nodes;
//   an accepted trace must be in time order, with nodes in range and no negative repair.
//
// A violated expectation aborts (FUZZ_CHECK), which the fuzzer reports as a crash.
#ifndef BURNRATE_FUZZ_FUZZ_ENTRY_H_
#define BURNRATE_FUZZ_FUZZ_ENTRY_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/scenario/failure_trace.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/trace/formats.h"
#include "sim/trace/node_list.h"
#include "sim/trace/trace.h"
#include "sim/trace/trace_stats.h"

#ifndef BURNRATE_SOURCE_DIR
#error "BURNRATE_SOURCE_DIR must name the source tree (fixtures are copied from it)"
#endif

#define FUZZ_CHECK(cond, what)                                                       \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: %s\n", __FILE__, __LINE__, \
                   #cond, std::string(what).c_str());                                \
      std::abort();                                                                  \
    }                                                                                \
  } while (false)

namespace burnrate {
namespace fuzz {

// Files a fuzzed scenario may name (relative to its base_dir): the trace fixtures under their
// own names, plus "durations.txt" (one number per line) and "durations.csv" (a column).
inline const std::string& FuzzDataDir() {
  static const std::string* dir = [] {
    std::string templ = (std::filesystem::temp_directory_path() / "burnrate_fuzz_XXXXXX").string();
    FUZZ_CHECK(::mkdtemp(templ.data()) != nullptr, "mkdtemp " + templ);
    const std::filesystem::path d(templ);
    const std::filesystem::path fixtures =
        std::filesystem::path(BURNRATE_SOURCE_DIR) / "tests" / "fixtures" / "traces";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(fixtures, ec)) {
      if (entry.is_regular_file() && entry.file_size() <= 64 * 1024) {
        std::filesystem::copy_file(entry.path(), d / entry.path().filename(), ec);
      }
    }
    std::ofstream(d / "durations.txt") << "60\n120\n# comment\n3600\n0.5\n86400\n";
    std::ofstream(d / "durations.csv") << "name,seconds\na,60\nb,120\nc,3600\n";
    static std::string removed;  // removed at exit
    removed = templ;
    std::atexit([] {
      std::error_code e;
      std::filesystem::remove_all(removed, e);
    });
    return new std::string(templ);
  }();
  return *dir;
}

// Load in `format` ("yaml", "json", "textproto"); compile when it loads.
inline void RunScenarioInput(std::string_view data, const std::string& format) {
  const std::string text(data);
  absl::StatusOr<LoadedScenario> loaded =
      LoadScenarioText(text, format, "fuzz." + format, FuzzDataDir());
  if (!loaded.ok()) {
    FUZZ_CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument,
               loaded.status().ToString());
    return;
  }
  loaded->confine_paths = true;
  absl::StatusOr<ScenarioModel> model = CompileScenario(*loaded);
  if (!model.ok()) {
    FUZZ_CHECK(model.status().code() == absl::StatusCode::kInvalidArgument,
               model.status().ToString());
  }
}

// An anonymous in-memory file holding `data`, named by a path any open() accepts.
class MemFile {
 public:
  explicit MemFile(std::string_view data) {
    fd_ = ::memfd_create("burnrate-fuzz", MFD_CLOEXEC);
    FUZZ_CHECK(fd_ >= 0, "memfd_create");
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      FUZZ_CHECK(n > 0, "write to memfd");
      done += static_cast<size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Settings that let every row of a format be read (gavel needs a steps-per-second rate).
inline TraceOptions FuzzTraceOptions(const std::string& format) {
  TraceOptions options;
  if (format == "gavel") {
    options.settings["steps_per_second"] = "2.5";
    options.settings["steps_per_second.ResNet-18 (batch size 64)"] = "20";
  }
  return options;
}

inline void CheckJob(const TraceJob& job, const std::string& format) {
  const std::string what = format + " job at line " + std::to_string(job.line);
  FUZZ_CHECK(std::isfinite(job.submit_s), what + ": submit_s not finite");
  FUZZ_CHECK(std::isfinite(job.duration_s) && job.duration_s >= 0,
             what + ": duration_s " + std::to_string(job.duration_s));
  FUZZ_CHECK(std::isfinite(job.gpu_fraction) && job.gpu_fraction >= 0 && job.gpu_fraction < 1,
             what + ": gpu_fraction " + std::to_string(job.gpu_fraction));
  FUZZ_CHECK(std::isfinite(job.input_tokens) && job.input_tokens >= 0,
             what + ": input_tokens " + std::to_string(job.input_tokens));
  FUZZ_CHECK(std::isfinite(job.output_tokens) && job.output_tokens >= 0,
             what + ": output_tokens " + std::to_string(job.output_tokens));
  FUZZ_CHECK(job.line >= 1, what + ": line");
}

// The bytes as a trace file of `format` (a name in TraceFormats()).
inline void RunTraceInput(std::string_view data, const std::string& format) {
  const TraceFormat* found = nullptr;
  for (const TraceFormat& f : TraceFormats()) {
    if (f.name == format) found = &f;
  }
  FUZZ_CHECK(found != nullptr, "unknown trace format " + format);
  const MemFile file(data);
  TraceOptions options = FuzzTraceOptions(format);

  // The raw reader, past every bad row (as lenient imports read it).
  if (auto reader = found->open(file.path(), options); reader.ok()) {
    TraceJob job;
    while (true) {
      absl::StatusOr<bool> got = (*reader)->Next(&job);
      if (!got.ok()) {
        if (got.status().code() == absl::StatusCode::kDataLoss) continue;
        FUZZ_CHECK(got.status().code() == absl::StatusCode::kInvalidArgument,
                   got.status().ToString());
        break;
      }
      if (!*got) break;
      CheckJob(job, format);
    }
  } else {
    FUZZ_CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument ||
                   reader.status().code() == absl::StatusCode::kDataLoss,
               reader.status().ToString());
  }

  // `trace stats` and `trace fit`: the stream with filters and rescaling, lenient.
  options.lenient = true;
  options.time_compression = 3;
  options.load_multiplier = 1.5;
  absl::StatusOr<TraceStats> stats = ComputeTraceStats(format, file.path(), options);
  if (!stats.ok()) return;
  FUZZ_CHECK(stats->jobs == stats->durations_s.size(), "jobs vs durations");
  for (double d : stats->durations_s) FUZZ_CHECK(std::isfinite(d) && d >= 0, "duration");
  (void)FormatTraceStats(*stats);
  (void)FitGeneratorYaml(*stats, "fuzz", 5);
}

// The bytes as an openb node list (`trace pools`).
inline void RunFailureTraceInput(std::string_view data) {
  constexpr uint32_t kNodes = 16;
  const FailureTraceRead read = ParseFailureTrace(std::string(data), "f.csv", kNodes);
  if (!read.errors.empty()) return;
  SimTime previous = 0;
  for (const TracedFailure& f : read.failures) {
    FUZZ_CHECK(f.node < kNodes && f.at >= previous && f.repair >= 0,
               "an accepted failure trace row out of range or order");
    previous = f.at;
  }
}

inline void RunOpenbNodesInput(std::string_view data) {
  const MemFile file(data);
  absl::StatusOr<NodeList> list = ReadOpenbNodes(file.path());
  if (!list.ok()) return;
  (void)NodeListYaml(*list, file.path());
}

}  // namespace fuzz
}  // namespace burnrate

#endif  // BURNRATE_FUZZ_FUZZ_ENTRY_H_
