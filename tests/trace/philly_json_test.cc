// philly-json: Microsoft Philly 2017 job log JSON (the marwage subset and the original
// cluster_job_log field names), streamed element by element.
#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "sim/trace/formats.h"
#include "sim/trace/trace.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using namespace testing;

const std::string kFixture =
    std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/philly_small.json";

double At(const std::string& text) {
  double s = 0;
  REQUIRE(ParseTraceDateTime(text, &s));
  return s;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<TraceReader> OpenRaw(const std::string& path, const TraceOptions& options = {}) {
  auto reader = OpenPhillyJson(path, options);
  REQUIRE(reader.ok());
  return *std::move(reader);
}

}  // namespace

TEST_CASE("philly-json maps every field of the subset and the original log", "[trace]") {
  auto reader = OpenRaw(kFixture);
  TraceJob job;

  // The subset's shape: id, num_gpus, runtime (minutes), attempts, submitted_time.
  absl::StatusOr<bool> got = reader->Next(&job);
  REQUIRE(got.ok());
  REQUIRE(*got);
  CHECK(job.name == "application_1506638472019_0001");
  CHECK(job.user.empty());
  CHECK(job.vc.empty());
  CHECK(job.status == "Pass");
  CHECK(job.submit_s == At("2017-10-07 00:59:30"));
  CHECK(job.gpus == 8);
  CHECK(job.gpu_fraction == 0);
  CHECK(job.gpu_type.empty());
  CHECK(job.duration_s == 150);  // busy: 60 s + 90 s
  CHECK(job.line == 2);

  // The original cluster_job_log's shape: GPUs of the first attempt over its machines.
  got = reader->Next(&job);
  REQUIRE(got.ok());
  REQUIRE(*got);
  CHECK(job.name == "application_1506638472019_0002");
  CHECK(job.user == "user-b");
  CHECK(job.vc == "vc-a");
  CHECK(job.status == "Killed");
  CHECK(job.submit_s == At("2017-10-08 09:00:00"));
  CHECK(job.gpus == 6);
  CHECK(job.duration_s == 5400);  // 3600 + 1800
  CHECK(job.line == 12);

  // An attempt without an end: no known run time, a bad row naming the element's start.
  got = reader->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  const std::string message(got.status().message());
  CHECK_THAT(message, Catch::StartsWith(kFixture + ":34:5: attempts[0].end_time: null"));

  // The reader has moved past it; braces and quotes inside strings do not confuse the scan.
  got = reader->Next(&job);
  REQUIRE(got.ok());
  REQUIRE(*got);
  CHECK(job.name == "odd \"}{[ name");
  CHECK(job.gpus == 4);
  CHECK(job.duration_s == 30);
  CHECK(job.line == 42);

  // No attempts: never ran; no num_gpus and no detail: 0 GPUs.
  got = reader->Next(&job);
  REQUIRE(got.ok());
  REQUIRE(*got);
  CHECK(job.name == "application_1506638472019_0005");
  CHECK(job.status == "Failed");
  CHECK(job.user == "user-d");
  CHECK(job.gpus == 0);
  CHECK(job.duration_s == 0);

  got = reader->Next(&job);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
  got = reader->Next(&job);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
}

TEST_CASE("philly-json duration setting: busy (default) or runtime", "[trace]") {
  TraceOptions options;
  options.settings["duration"] = "runtime";
  TraceCounts counts;
  const std::vector<TraceJob> jobs =
      ReadStream("philly-json", kFixture, Lenient(options), &counts);
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].duration_s == 180);   // first start to last end = the "runtime" field x 60
  CHECK(jobs[1].duration_s == 9000);  // gap between attempts included
  CHECK(jobs[2].duration_s == 30);

  options.settings["duration"] = "busy";
  CHECK(ReadStream("philly-json", kFixture, Lenient(options), &counts)[0].duration_s == 150);

  options.settings["duration"] = "wall";
  auto bad = TraceStream::Open("philly-json", kFixture, options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("busy or runtime"));
}

TEST_CASE("philly-json bad rows stop the stream unless lenient", "[trace]") {
  auto stream = TraceStream::Open("philly-json", kFixture, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob job;
  REQUIRE(*(*stream)->Next(&job));
  REQUIRE(*(*stream)->Next(&job));
  absl::StatusOr<bool> got = (*stream)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains(":34:5: attempts[0].end_time") && Catch::Contains("--lenient"));

  TraceCounts counts;
  const std::vector<TraceJob> jobs = ReadStream("philly-json", kFixture, Lenient(), &counts);
  CHECK(counts.rows == 4);
  CHECK(counts.bad_rows == 1);
  CHECK(counts.filtered == 1);  // the job without GPUs
  CHECK(counts.kept == 3);
  REQUIRE(counts.first_errors.size() == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("philly_small.json:34:5: attempts[0]"));

  TraceOptions all;
  all.gpu_jobs_only = false;
  all.statuses = {"Pass", "Failed"};
  const std::vector<TraceJob> kept = ReadStream("philly-json", kFixture, Lenient(all), &counts);
  REQUIRE(kept.size() == 3);
  CHECK(kept[2].name == "application_1506638472019_0005");
}

TEST_CASE("philly-json reads gzip, one-line JSON and JSON Lines", "[trace]") {
  TempDir dir;
  TraceCounts counts;
  const std::string text = ReadAll(kFixture);
  REQUIRE(text.size() > 100);

  const std::vector<TraceJob> gz =
      ReadStream("philly-json", dir.WriteGz("philly.json.gz", text), Lenient(), &counts);
  REQUIRE(gz.size() == 3);
  CHECK(gz[1].name == "application_1506638472019_0002");
  CHECK(gz[1].gpus == 6);
  CHECK(counts.bad_rows == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("philly.json.gz:34:5: attempts[0].end_time"));

  // The whole array on one line: columns locate elements.
  std::string one_line;
  for (char c : text) one_line.push_back(c == '\n' ? ' ' : c);
  const std::string flat = dir.Write("flat.json", one_line);
  const std::vector<TraceJob> jobs = ReadStream("philly-json", flat, Lenient(), &counts);
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].line == 1);
  CHECK(counts.bad_rows == 1);
  const size_t id3 = one_line.find("\"application_1506638472019_0003\"");
  REQUIRE(id3 != std::string::npos);
  const size_t col = one_line.rfind('{', id3) + 1;
  CHECK_THAT(counts.first_errors[0], Catch::Contains(":1:" + std::to_string(col) + ": "));

  // A UTF-8 byte order mark is skipped.
  CHECK(ReadStream("philly-json", dir.Write("bom.json", "\xEF\xBB\xBF" + text), Lenient(),
                   &counts)
            .size() == 3);

  // JSON Lines: one object per line, no enclosing array.
  const std::string jsonl = dir.Write(
      "jobs.jsonl",
      "{\"id\": \"a\", \"num_gpus\": 2, \"submitted_time\": \"2017-10-01 00:00:00\", "
      "\"attempts\": [{\"start_time\": \"2017-10-01 00:00:05\", \"end_time\": \"2017-10-01 "
      "00:01:05\"}]}\n"
      "{\"id\": \"b\", \"num_gpus\": 1, \"submitted_time\": \"2017-10-01 00:00:10\", "
      "\"attempts\": [{\"start_time\": \"2017-10-01 00:00:15\", \"end_time\": \"2017-10-01 "
      "00:00:45\"}]}\n");
  const std::vector<TraceJob> lines = ReadStream("philly-json", jsonl, Lenient(), &counts);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].name == "a");
  CHECK(lines[0].duration_s == 60);
  CHECK(lines[1].name == "b");
  CHECK(lines[1].line == 2);
  CHECK(lines[1].submit_s == At("2017-10-01 00:00:10"));
}

TEST_CASE("philly-json element and structure errors", "[trace]") {
  TempDir dir;
  TraceCounts counts;
  const std::string ok_job =
      "{\"id\": \"ok\", \"num_gpus\": 4, \"submitted_time\": \"2017-10-01 00:00:00\", "
      "\"attempts\": [{\"start_time\": \"2017-10-01 00:00:00\", \"end_time\": \"2017-10-01 "
      "00:00:10\"}]}";

  // Bad elements are skipped (lenient) with the field named; the scan goes on.
  const std::string bad = dir.Write(
      "bad.json",
      "[\n" + ok_job + ",\n42,\n"
      "{\"id\": \"x\", \"num_gpus\": 2.5, \"submitted_time\": \"2017-10-01 00:00:00\", "
      "\"attempts\": []},\n"
      "{\"id\": \"y\", \"num_gpus\": 2, \"submitted_time\": \"yesterday\", \"attempts\": []},\n"
      "{\"id\": \"z\", \"num_gpus\": 2, \"submitted_time\": \"2017-10-01 00:00:00\"},\n"
      "{\"id\": \"w\", \"num_gpus\": 2, \"submitted_time\": \"2017-10-01 00:00:00\", "
      "\"attempts\": [{\"start_time\": \"2017-10-01 00:00:10\", \"end_time\": \"2017-10-01 "
      "00:00:05\"}]},\n"
      "{\"id\": \"v\", \"num_gpus\": 2, \"submitted_time\": \"2017-10-01 00:00:00\", "
      "\"attempts\": [{\"start_time\": \"2017-10-01 00:00:10\"}]},\n"
      "{\"id\": \"u\" \"num_gpus\": 2},\n" +
      ok_job + "\n]\n");
  const std::vector<TraceJob> jobs = ReadStream("philly-json", bad, Lenient(), &counts);
  REQUIRE(jobs.size() == 2);
  CHECK(counts.bad_rows == 7);
  auto reader = OpenRaw(bad);
  TraceJob job;
  std::vector<std::string> errors;
  while (true) {
    absl::StatusOr<bool> got = reader->Next(&job);
    if (got.ok() && !*got) break;
    if (!got.ok()) {
      REQUIRE(got.status().code() == absl::StatusCode::kDataLoss);
      errors.emplace_back(got.status().message());
    }
  }
  REQUIRE(errors.size() == 7);
  CHECK_THAT(errors[0], Catch::Contains("bad.json:3:1: element: is not an object"));
  CHECK_THAT(errors[1], Catch::Contains("bad.json:4:1: num_gpus: \"2.5\" is not a whole number"));
  CHECK_THAT(errors[2], Catch::Contains("bad.json:5:1: submitted_time: \"yesterday\" is not a "
                                        "date-time"));
  CHECK_THAT(errors[3], Catch::Contains("bad.json:6:1: attempts: missing"));
  CHECK_THAT(errors[4], Catch::Contains("bad.json:7:1: attempts[0].end_time: before start_time"));
  CHECK_THAT(errors[5], Catch::Contains("bad.json:8:1: attempts[0].end_time: missing"));
  CHECK_THAT(errors[6], Catch::Contains("bad.json:9:") && Catch::Contains("element: not valid JSON"));

  // Not an array of objects: stops.
  auto not_array = OpenRaw(dir.Write("scalar.json", "\"jobs\"\n"));
  absl::StatusOr<bool> got = not_array->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()), Catch::Contains("scalar.json:1:1: '\"'"));

  // Empty file and empty array.
  got = OpenRaw(dir.Write("empty.json", "\n"))->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK_THAT(std::string(got.status().message()), Catch::Contains("empty file"));
  got = OpenRaw(dir.Write("none.json", " [ ] \n"))->Next(&job);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);

  // Truncated: the jobs before the cut are read, then the import stops (not skippable).
  const std::string cut = dir.Write("cut.json", "[\n" + ok_job + ",\n" + ok_job.substr(0, 40));
  auto truncated = OpenRaw(cut);
  got = truncated->Next(&job);
  REQUIRE(got.ok());
  REQUIRE(*got);
  got = truncated->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains("cut.json:3:1: element: unterminated"));

  // Garbage between elements.
  auto garbage = OpenRaw(dir.Write("garbage.json", "[" + ok_job + " x " + ok_job + "]"));
  REQUIRE(*garbage->Next(&job));
  got = garbage->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()), Catch::Contains("expected ',' or ']'"));

  // A missing file.
  auto missing = TraceStream::Open("philly-json", (dir.path / "nope.json").string(), {});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("nope.json"));
}

TEST_CASE("philly-json on the real Philly subset (SOURCE.md facts)", "[trace]") {
  const std::string path = TracesDir() + "/philly-2017/philly_jobs_ge4gpu_pass.json";
  if (!std::filesystem::exists(path)) {
    BURNRATE_SKIP("skipped: " << path << " is absent (set BURNRATE_TRACES)");
  }
  TraceOptions options;
  options.settings["duration"] = "runtime";
  TraceCounts counts;
  const std::vector<TraceJob> runtime =
      ReadStream("philly-json", path, Lenient(options), &counts);
  CHECK(counts.bad_rows == 0);
  REQUIRE(runtime.size() == 3034);
  std::map<uint32_t, int> by_gpus;
  double first = runtime[0].submit_s, last = runtime[0].submit_s;
  for (const TraceJob& j : runtime) {
    ++by_gpus[j.gpus];
    first = std::min(first, j.submit_s);
    last = std::max(last, j.submit_s);
    CHECK(j.status == "Pass");
  }
  CHECK(by_gpus == std::map<uint32_t, int>{{4, 1457}, {8, 1353}, {16, 148}, {32, 61}, {12, 4},
                                           {64, 4}, {24, 3}, {128, 2}, {20, 1}, {7, 1}});
  CHECK(first == At("2017-09-04 10:30:41"));
  CHECK(last < At("2017-12-23 00:00:00"));

  // The "runtime" field (minutes) x 60 = last end - first start, job by job.
  std::ifstream in(path);
  std::string line;
  std::vector<double> minutes;
  while (std::getline(in, line)) {
    const size_t at = line.find("\"runtime\":");
    if (at == std::string::npos) continue;
    minutes.push_back(std::stod(line.substr(at + 10)));
  }
  REQUIRE(minutes.size() == runtime.size());
  int mismatched = 0;
  for (size_t i = 0; i < minutes.size(); ++i) {
    if (std::abs(minutes[i] * 60 - runtime[i].duration_s) > 1e-3) ++mismatched;
  }
  CHECK(mismatched == 0);

  // busy (default) never exceeds runtime; runtime >= 10 min by the subset's selection.
  const std::vector<TraceJob> busy = ReadStream("philly-json", path, Lenient(), &counts);
  REQUIRE(busy.size() == runtime.size());
  int over = 0, short_jobs = 0;
  for (size_t i = 0; i < busy.size(); ++i) {
    if (busy[i].duration_s > runtime[i].duration_s + 1e-9) ++over;
    if (runtime[i].duration_s < 600) ++short_jobs;
  }
  CHECK(over == 0);
  CHECK(short_jobs == 0);
}

}  // namespace burnrate
