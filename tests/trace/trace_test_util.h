// Helpers shared by the trace tests (tests/trace/*_test.cc): a temporary directory, the real
// traces' directory, and loops that read every job of a trace stream or of a format's raw reader.
#ifndef BURNRATE_TESTS_TRACE_TRACE_TEST_UTIL_H_
#define BURNRATE_TESTS_TRACE_TRACE_TEST_UTIL_H_

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/trace/formats.h"
#include "sim/trace/trace.h"

namespace burnrate {
namespace testing {

// A fresh directory under the system temp dir, removed with everything in it at the end of the
// test.
struct TempDir {
  std::filesystem::path path;

  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("burnrate_trace_test_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to the file `name` in the directory; its path.
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // Writes `text` gzip-compressed to the file `name` in the directory; its path.
  std::string WriteGz(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())) ==
            static_cast<int>(text.size()));
    REQUIRE(gzclose(gz) == Z_OK);
    return p;
  }
};

// Writes `text` to the file `name` directly in the system temp dir (the caller removes it); its
// path.
inline std::string WriteTempFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

// The real traces: $BURNRATE_TRACES if set and not empty, else ../shared/traces beside the source.
inline std::string TracesDir() {
  if (const char* env = std::getenv("BURNRATE_TRACES"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::string(BURNRATE_SOURCE_DIR) + "/../shared/traces";
}

// `options` with lenient set: bad rows are skipped and counted instead of ending the stream.
inline TraceOptions Lenient(TraceOptions options = {}) {
  options.lenient = true;
  return options;
}

// Every job of TraceStream::Open(format, path, options), which must open. With `require_ok`
// every Next must succeed (a failure fails the test); without it, the first failure ends the
// read. The stream's counts go to `counts` when it is given.
inline std::vector<TraceJob> ReadStream(const std::string& format, const std::string& path,
                                        const TraceOptions& options,
                                        TraceCounts* counts = nullptr, bool require_ok = true) {
  auto stream = TraceStream::Open(format, path, options);
  REQUIRE(stream.ok());
  std::vector<TraceJob> jobs;
  TraceJob job;
  while (true) {
    absl::StatusOr<bool> got = (*stream)->Next(&job);
    if (require_ok) {
      INFO((got.ok() ? std::string() : std::string(got.status().message())));
      REQUIRE(got.ok());
    } else if (!got.ok()) {
      break;
    }
    if (!*got) break;
    jobs.push_back(job);
  }
  if (counts != nullptr) *counts = (*stream)->counts();
  return jobs;
}

// Every job and bad-row (DataLoss) message of a format's raw reader, `open` (a TraceOpener such
// as OpenOpenb, or any callable of that signature), which must open. Jobs are appended to
// `jobs` and messages to `errors`; any other failure fails the test.
inline void ReadRaw(const std::function<TraceOpener>& open, const std::string& path,
                    const TraceOptions& options, std::vector<TraceJob>* jobs,
                    std::vector<std::string>* errors) {
  auto reader = open(path, options);
  REQUIRE(reader.ok());
  TraceJob job;
  while (true) {
    absl::StatusOr<bool> got = (*reader)->Next(&job);
    if (!got.ok()) {
      REQUIRE(got.status().code() == absl::StatusCode::kDataLoss);
      errors->emplace_back(got.status().message());
      continue;
    }
    if (!*got) break;
    jobs->push_back(job);
  }
}

// The next job of a raw reader, which must have one.
inline TraceJob NextJob(TraceReader& reader) {
  TraceJob job;
  absl::StatusOr<bool> got = reader.Next(&job);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  REQUIRE(*got);
  return job;
}

}  // namespace testing
}  // namespace burnrate

#endif  // BURNRATE_TESTS_TRACE_TRACE_TEST_UTIL_H_
