// Trace import speed: rows per second through TraceStream (parse + filters), one core.
// The target (traces issue): at least 1,000,000 rows per second for the CSV formats.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "sim/model/rng.h"
#include "sim/trace/trace.h"

namespace burnrate {
namespace {

namespace fs = std::filesystem;

// A 1,000,000-row file per format, written once per process.
const std::string& TraceFile(const std::string& format) {
  static std::map<std::string, std::string> files;
  auto it = files.find(format);
  if (it != files.end()) return it->second;
  const fs::path path = fs::temp_directory_path() / ("burnrate_bench_" + format + ".csv");
  std::ofstream out(path);
  Rng rng(1);
  double t = 0;
  if (format == "burnrate-csv") {
    out << "submit_s,gpus,duration_s,name,user,vc,status\n";
    for (int i = 0; i < 1000000; ++i) {
      t += rng.Exponential(10);
      out << t << "," << (1u << rng.UniformInt(5)) << "," << rng.Lognormal(3600, 1.5) << ",job-"
          << i << ",u" << rng.UniformInt(100) << ",vc" << rng.UniformInt(10) << ",Pass\n";
    }
  } else {  // philly: the flattened CSV's columns
    out << "job_id,submit_time,submit_s,num_gpus,first_start_time,last_end_time,queue_s,"
           "runtime_s,busy_s,n_attempts\n";
    for (int i = 0; i < 1000000; ++i) {
      const int s = i * 10;
      char when[32];
      std::snprintf(when, sizeof(when), "2017-09-%02d %02d:%02d:%02d", 4 + s / 86400 % 20,
                    s / 3600 % 24, s / 60 % 60, s % 60);
      out << "application_" << i << "," << when << "," << s << ",8," << when << "," << when
          << ",12,3600,3500,1\n";
    }
  }
  return files[format] = path.string();
}

void BM_TraceImport(benchmark::State& state, const char* format) {
  const std::string& path = TraceFile(format);
  uint64_t rows = 0;
  for (auto _ : state) {
    auto stream = TraceStream::Open(format, path, TraceOptions{});
    if (!stream.ok()) {
      state.SkipWithError(std::string(stream.status().message()).c_str());
      return;
    }
    TraceJob job;
    while (true) {
      auto got = (*stream)->Next(&job);
      if (!got.ok() || !*got) break;
      benchmark::DoNotOptimize(job.duration_s);
    }
    rows += (*stream)->counts().rows;
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_TraceImport, burnrate_csv_1M_rows, "burnrate-csv")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(BM_TraceImport, philly_csv_1M_rows, "philly")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace burnrate
