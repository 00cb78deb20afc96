// The trace machinery shared by every format: lines (plain, gzip, CRLF, long), CSV fields,
// burnrate-csv and philly rows, filters and rescaling, lenient skipping, and traces as a
// scenario's job source.
#include <zlib.h>

#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <filesystem>
#include <string>

#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"
#include "sim/trace/csv.h"
#include "sim/trace/line_reader.h"
#include "sim/trace/node_list.h"
#include "sim/trace/trace.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using namespace testing;

TEST_CASE("CSV fields: quotes, empty fields, columns", "[trace]") {
  CsvRow row;
  REQUIRE(row.Parse("a,\"b,\"\"c\"\"\",,d"));
  REQUIRE(row.size() == 4);
  CHECK(row[0] == "a");
  CHECK(row[1] == "b,\"c\"");
  CHECK(row[2].empty());
  CHECK(row[3] == "d");
  CHECK(row.column(2) == 13);
  CHECK(row.column(3) == 14);
  CHECK_FALSE(row.Parse("a,\"open"));
  CHECK_THAT(row.error(), Contains("unterminated quoted field starting at column 3"));
  double v = 0;
  CHECK(ParseDouble(" 1.5e3 ", &v));
  CHECK(v == 1500);
  CHECK_FALSE(ParseDouble("12abc", &v));
  CHECK_FALSE(ParseDouble("", &v));
}

TEST_CASE("lines: plain, gzip, CRLF, a last line without newline, long lines", "[trace]") {
  TempDir dir;
  const std::string long_line(3 << 20, 'x');  // crosses the 1 MiB buffer
  const std::string text = "one\r\ntwo\n" + long_line + "\nlast";
  const std::string plain = dir.Write("t.txt", text);
  const std::string gz = (dir.path / "t.txt.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  for (const std::string& file : {plain, gz}) {
    auto r = LineReader::Open(file);
    REQUIRE(r.ok());
    std::string_view line;
    std::vector<std::string> lines;
    while (true) {
      auto got = (*r)->Next(&line);
      REQUIRE(got.ok());
      if (!*got) break;
      lines.emplace_back(line);
    }
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "one");
    CHECK(lines[1] == "two");
    CHECK(lines[2].size() == long_line.size());
    CHECK(lines[3] == "last");
    CHECK((*r)->line_number() == 4);
  }
  CHECK_THAT(std::string(LineReader::Open((dir.path / "missing.csv").string()).status().message()),
             Contains("missing.csv: cannot read trace: No such file or directory"));
}

TEST_CASE("burnrate-csv rows, errors and lenient skipping", "[trace]") {
  TempDir dir;
  const std::string file = dir.Write(
      "jobs.csv",
      "# planners' log\n"
      "name,submit_s,gpus,duration_s,gpu_type,user,vc,status\n"
      "a,0,8,3600,H100,alice,research,ok\n"
      "b,10,0.5,60,,bob,,failed\n"
      "c,20,four,60,,,,ok\n"
      "d,30,2,-1,,,,ok\n"
      "e,40,1,100,,,,ok\n");
  auto stream = TraceStream::Open("burnrate-csv", file, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob j;
  REQUIRE(*(*stream)->Next(&j));
  CHECK(j.name == "a");
  CHECK(j.gpus == 8);
  CHECK(j.duration_s == 3600);
  CHECK(j.gpu_type == "H100");
  CHECK(j.user == "alice");
  CHECK(j.vc == "research");
  CHECK(j.line == 3);
  REQUIRE(*(*stream)->Next(&j));
  CHECK(j.gpus == 1);
  CHECK(j.gpu_fraction == 0.5);
  auto bad = (*stream)->Next(&j);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(bad.status().message()),
             Contains("jobs.csv:5:6: gpus: \"four\" is not a number"));
  CHECK_THAT(std::string(bad.status().message()), Contains("--lenient"));

  TraceOptions lenient;
  lenient.lenient = true;
  TraceCounts counts;
  auto jobs = ReadStream("burnrate-csv", file, lenient, &counts);
  CHECK(jobs.size() == 3);
  CHECK(counts.bad_rows == 2);
  REQUIRE(counts.first_errors.size() == 2);
  CHECK_THAT(counts.first_errors[1], Contains("jobs.csv:6:"));
  CHECK_THAT(counts.first_errors[1], Contains("duration_s: must be >= 0"));

  const std::string no_header = dir.Write("bad.csv", "submit_s,gpus\n0,1\n");
  CHECK_THAT(std::string(TraceStream::Open("burnrate-csv", no_header, TraceOptions{})
                             .status()
                             .message()),
             Contains("bad.csv:1: header lacks column(s) duration_s; it has submit_s, gpus"));
  const std::string typo = dir.Write("typo.csv", "submit_s,gpus,duration_s,tennant\n0,1,1,x\n");
  CHECK_THAT(std::string(TraceStream::Open("burnrate-csv", typo, TraceOptions{}).status().message()),
             Contains("typo.csv:1: unknown column(s) tennant; burnrate-csv columns: submit_s"));
  CHECK_THAT(std::string(TraceStream::Open("nope", file, TraceOptions{}).status().message()),
             Contains("unknown trace format \"nope\"; known: burnrate-csv, philly"));
}

TEST_CASE("whitespace-separated rows report columns as written in the file", "[trace]") {
  TraceOptions o;
  o.lenient = true;
  o.settings["processors_per_gpu"] = "4";
  TraceCounts counts;
  ReadStream("swf", std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/small.swf", o,
             &counts);
  REQUIRE(counts.first_errors.size() == 2);
  // Line 25 is column-aligned: its allocated-processors field starts at column 32.
  CHECK_THAT(counts.first_errors[1], Contains("small.swf:25:32: allocated_processors"));
}

TEST_CASE("review regressions: short rows, extra fields, huge counts, cut gzip, dates",
          "[trace][regression]") {
  TempDir dir;
  // A row without the optional name gets its own default, not the previous row's name.
  const std::string names = dir.Write(
      "n.csv", "submit_s,gpus,duration_s,name\n0,1,10,first_row_name_here\n1,1,10\n");
  auto jobs = ReadStream("burnrate-csv", names, TraceOptions{});
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].name == "line-3");
  // An unquoted comma shifts values: a row with more fields than the header is bad.
  const std::string extra =
      dir.Write("x.csv", "submit_s,user,gpus,duration_s\n10,Smith, 4,8,3600\n");
  auto stream = TraceStream::Open("burnrate-csv", extra, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob j;
  auto got = (*stream)->Next(&j);
  REQUIRE_FALSE(got.ok());
  CHECK_THAT(std::string(got.status().message()),
             Contains("x.csv:2: row has 5 fields but the header has 4"));
  // A GPU count beyond 32 bits is an error, not a wrap-around.
  const std::string huge = dir.Write(
      "h.csv",
      "job_id,submit_time,submit_s,num_gpus,first_start_time,last_end_time,queue_s,runtime_s,"
      "busy_s,n_attempts\n"
      "a,2017-09-04 10:30:41,0,4294967297,x,x,0,60,60,1\n");
  auto philly = TraceStream::Open("philly", huge, TraceOptions{});
  REQUIRE(philly.ok());
  CHECK_FALSE((*philly)->Next(&j).ok());
  // A gzip file cut short is an error, not a silently shorter trace.
  std::string text = "submit_s,gpus,duration_s\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",1," + std::to_string(600000 + i) + "\n";
  const std::string gz = (dir.path / "cut.csv.gz").string();
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  fs::resize_file(gz, fs::file_size(gz) / 2);
  auto cut = TraceStream::Open("burnrate-csv", gz, TraceOptions{});
  REQUIRE(cut.ok());
  absl::Status last = absl::OkStatus();
  while (true) {
    auto r = (*cut)->Next(&j);
    if (!r.ok()) {
      last = r.status();
      break;
    }
    if (!*r) break;
  }
  CHECK_FALSE(last.ok());
  // Impossible dates are rejected.
  double t = 0;
  CHECK_FALSE(ParseTraceDateTime("2017-02-30 00:00:00", &t));
  CHECK_FALSE(ParseTraceDateTime("2017-02-10 10:-0:01", &t));
  CHECK(ParseTraceDateTime("2016-02-29 23:59:59.5", &t));
}

TEST_CASE("filters, time compression and load multiplier", "[trace]") {
  TempDir dir;
  std::string text = "submit_s,gpus,duration_s,status,vc\n";
  for (int i = 0; i < 1000; ++i) {
    text += std::to_string(i * 10) + "," + (i % 5 == 0 ? "0" : "4") + ",60," +
            (i % 2 ? "ok" : "failed") + "," + (i % 3 ? "a" : "b") + "\n";
  }
  const std::string file = dir.Write("f.csv", text);
  TraceOptions o;
  o.window_start_s = 1000;
  o.window_end_s = 5000;  // submissions 1000..4990: 400 rows
  o.statuses = {"ok"};
  TraceCounts counts;
  auto jobs = ReadStream("burnrate-csv", file, o, &counts);
  // 400 in the window, half ok, minus the CPU-only ones (i % 5 == 0: 40 of the ok ones).
  CHECK(jobs.size() == 160);
  CHECK(counts.rows == 1000);
  CHECK(counts.filtered == 840);
  for (const TraceJob& j : jobs) CHECK(j.status == "ok");

  TraceOptions fast;
  fast.time_compression = 4;
  auto compressed = ReadStream("burnrate-csv", file, fast);
  CHECK(compressed.back().submit_s == Approx(9990.0 / 4));

  TraceOptions twice;
  twice.load_multiplier = 2.5;
  auto more = ReadStream("burnrate-csv", file, twice);
  CHECK(more.size() == Approx(800 * 2.5).epsilon(0.05));  // 800 GPU jobs
}

TEST_CASE("philly rows map submit time, GPUs and busy or wall run time", "[trace]") {
  TempDir dir;
  const std::string file = dir.Write(
      "p.csv",
      "job_id,submit_time,submit_s,num_gpus,first_start_time,last_end_time,queue_s,runtime_s,"
      "busy_s,n_attempts\n"
      "app_1,2017-09-04 10:30:41,0,8,2017-09-04 10:30:53,2017-09-04 12:30:53,12,7200,7000,2\n");
  auto busy = ReadStream("philly", file, TraceOptions{});
  REQUIRE(busy.size() == 1);
  CHECK(busy[0].name == "app_1");
  CHECK(busy[0].gpus == 8);
  CHECK(busy[0].duration_s == 7000);
  double t = 0;
  REQUIRE(ParseTraceDateTime("2017-09-04 10:30:41", &t));
  CHECK(busy[0].submit_s == t);
  TraceOptions wall;
  wall.settings["duration"] = "runtime";
  CHECK(ReadStream("philly", file, wall)[0].duration_s == 7200);
  wall.settings["duration"] = "elapsed";
  CHECK_THAT(std::string(TraceStream::Open("philly", file, wall).status().message()),
             Contains("duration: \"elapsed\" is not allowed; use busy or runtime"));
}

TEST_CASE("every format refuses a setting it does not have and names the setting", "[trace]") {
  // Checked before the file is opened, so a missing file does not hide the typo.
  TraceOptions typo;
  typo.settings["no_such_setting"] = "1";
  for (const TraceFormat& f : TraceFormats()) {
    INFO(f.name);
    auto reader = f.open("/nonexistent/trace", typo);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(TraceSettingOf(reader.status()) == "no_such_setting");
    CHECK_THAT(std::string(reader.status().message()),
               Contains(f.name) && Contains("\"no_such_setting\""));
  }
  // A file error is not a setting error.
  auto missing = TraceStream::Open("burnrate-csv", "/nonexistent/trace", TraceOptions{});
  REQUIRE_FALSE(missing.ok());
  CHECK(TraceSettingOf(missing.status()).empty());
}

TEST_CASE("a scenario reports a trace setting at its own field", "[trace]") {
  TempDir dir;
  dir.Write("log.csv", "job_id,submit_time,num_gpus,runtime_s,busy_s\n");
  auto compile = [&](const std::string& settings) {
    const std::string yaml = R"(horizon_days: 1
cluster:
  pools: [{name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2,
           pricing: {on_demand: {usd_per_gpu_hour: 1}}}]
workload:
  traces: [{format: philly, path: log.csv, settings: )" + settings + "}]\n";
    auto loaded = LoadScenarioText(yaml, "yaml", "s.yaml", dir.path.string());
    REQUIRE(loaded.ok());
    return CompileScenario(*loaded);
  };
  auto value = compile("{duration: elapsed}");
  REQUIRE_FALSE(value.ok());
  CHECK_THAT(std::string(value.status().message()),
             Contains("workload.traces[0].settings.duration: philly setting duration: "
                      "\"elapsed\" is not allowed; use busy or runtime"));
  auto key = compile("{durations: busy}");
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(std::string(key.status().message()),
             Contains("workload.traces[0].settings.durations: philly setting \"durations\" is "
                      "unknown; the one setting is duration"));
}

TEST_CASE("a trace feeds a scenario: offset, tenants, rejected jobs, order", "[trace]") {
  TempDir dir;
  dir.Write("log.csv",
            "submit_s,gpus,duration_s,user\n"
            "1000,8,3600,alice\n"
            "1600,64,3600,bob\n"
            "4600,4,1800,\n");
  const std::string yaml = R"(horizon_days: 1
cluster:
  pools: [{name: p, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 2,
           pricing: {on_demand: {usd_per_gpu_hour: 1}}}]
workload:
  traces: [{format: burnrate-csv, path: log.csv, offset_s: 3600, tenant: TENANT}]
)";
  auto load = [&](const std::string& tenant) {
    std::string text = yaml;
    text.replace(text.find("TENANT"), 6, tenant);
    auto loaded = LoadScenarioText(text, "yaml", "s.yaml", dir.path.string());
    REQUIRE(loaded.ok());
    return CompileScenario(*loaded);
  };
  auto model = load("\"\"");
  INFO(model.status().message());
  REQUIRE(model.ok());
  // The 64-GPU job cannot fit the 16-GPU pool: a warning now, a rejection at run time.
  REQUIRE(model->warnings.size() == 1);
  CHECK_THAT(model->warnings[0], Contains("1 job(s) need more GPUs than the largest pool (16)"));
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = true;
  auto r = Simulate(*model, model->policies[0], 1, o);
  REQUIRE(r.ok());
  CHECK(r->result.summary().jobs_rejected() == 1);
  REQUIRE(r->jobs.size() == 2);
  CHECK(r->jobs[0].submit_s == 3600);         // the first job lands at offset_s
  CHECK(r->jobs[1].submit_s == 3600 + 3600);  // and the rest keep their spacing
  CHECK(r->jobs[0].tenant == "alice");
  CHECK(r->jobs[1].tenant == "default");

  dir.Write("log.csv", "submit_s,gpus,duration_s\n100,1,60\n50,1,60\n");
  auto unsorted = load("\"\"");
  REQUIRE_FALSE(unsorted.ok());
  CHECK_THAT(std::string(unsorted.status().message()),
             Contains("log.csv:3: submitted at 50 s, before the previous job (100 s): the trace "
                      "must be in submission order"));
}

TEST_CASE("an openb node list becomes pools a scenario loads (real trace)", "[trace]") {
  const fs::path file =
      fs::path(TracesDir()) / "alibaba-gpu-v2023-openb" / "openb_node_list_gpu_node.csv";
  if (!fs::exists(file)) {
    BURNRATE_SKIP("skipped: " << file << " not found (set BURNRATE_TRACES; docs/traces.md)");
  }
  auto list = ReadOpenbNodes(file.string());
  REQUIRE(list.ok());
  // SOURCE.md: 1,213 GPU nodes, 6,212 GPUs; G2 549 nodes, T4 404, P100 134, V100M16 55, G3 39,
  // V100M32 30, A10 2.
  CHECK(list->gpu_nodes == 1213);
  CHECK(list->gpus == 6212);
  std::map<std::string, uint32_t> by_model;
  for (const NodeGroup& g : list->groups) by_model[g.model] += g.nodes;
  CHECK(by_model["G2"] == 549);
  CHECK(by_model["T4"] == 404);
  CHECK(by_model["P100"] == 134);
  CHECK(by_model["V100M16"] == 55);
  CHECK(by_model["G3"] == 39);
  CHECK(by_model["V100M32"] == 30);
  CHECK(by_model["A10"] == 2);
  const std::string yaml =
      "horizon_days: 1\n" + NodeListYaml(*list, file.string()) + "workload: {}\n";
  auto loaded = LoadScenarioText(yaml, "yaml", "pools.yaml", ".");
  REQUIRE(loaded.ok());
  auto model = CompileScenario(*loaded);
  INFO(model.status().message());
  REQUIRE(model.ok());
  uint64_t gpus = 0;
  for (const PoolSpec& p : model->pools) gpus += uint64_t{p.gpus_per_node} * p.nodes;
  CHECK(gpus == 6212);
}

}  // namespace
}  // namespace burnrate
