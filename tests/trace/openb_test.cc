// openb: Alibaba GPU cluster trace v2023 pod lists (openb_pod_list_*.csv).
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <filesystem>
#include <fstream>
#include <map>
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
    std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/openb_small.csv";
const std::string kHeader =
    "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
    "deletion_time,scheduled_time\n";

}  // namespace

TEST_CASE("openb maps every field of a pod", "[trace]") {
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenOpenb, kFixture, {}, &jobs, &errors);
  REQUIRE(jobs.size() == 6);

  const TraceJob& whole = jobs[0];
  CHECK(whole.name == "openb-pod-0000");
  CHECK(whole.user.empty());
  CHECK(whole.vc == "LS");
  CHECK(whole.status == "Running");
  CHECK(whole.submit_s == 0);
  CHECK(whole.duration_s == 12537496);
  CHECK(whole.gpus == 1);
  CHECK(whole.gpu_fraction == 0);
  CHECK(whole.gpu_type.empty());
  CHECK(whole.line == 2);

  const TraceJob& shared = jobs[1];  // gpu_milli 460 of one GPU
  CHECK(shared.gpus == 1);
  CHECK(shared.gpu_fraction == Approx(0.46));
  CHECK(shared.vc == "BE");
  CHECK(shared.status == "Failed");
  CHECK(shared.submit_s == 427061);
  CHECK(shared.duration_s == 430000 - 427070);  // deletion - scheduled

  const TraceJob& multi = jobs[2];  // gpu_spec V100M16|V100M32: both are the catalog V100
  CHECK(multi.gpus == 8);
  CHECK(multi.gpu_fraction == 0);
  CHECK(multi.gpu_type == "V100");
  CHECK(multi.vc == "Burstable");
  CHECK(multi.status == "Succeeded");
  CHECK(multi.duration_s == 10769854 - 9437500);

  const TraceJob& pending = jobs[3];  // never scheduled: deletion - creation
  CHECK(pending.name == "openb-pod-0003");
  CHECK(pending.status == "Pending");
  CHECK(pending.gpu_type == "T4");
  CHECK(pending.duration_s == 10001403 - 10001278);

  const TraceJob& cpu = jobs[4];
  CHECK(cpu.gpus == 0);
  CHECK(cpu.gpu_fraction == 0);
  CHECK(cpu.duration_s == 400);

  CHECK(jobs[5].name == "openb-pod-0006");
  CHECK(jobs[5].gpus == 4);
  CHECK(jobs[5].duration_s == 400);
  CHECK(jobs[5].line == 8);

  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith(kFixture + ":7:52: deletion_time: before scheduled_time"));
}

TEST_CASE("openb duration setting: run (default) or lifetime", "[trace]") {
  TraceOptions options;
  options.settings["duration"] = "lifetime";
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenOpenb, kFixture, options, &jobs, &errors);
  REQUIRE(jobs.size() == 6);
  CHECK(jobs[1].duration_s == 430000 - 427061);
  CHECK(jobs[3].duration_s == 125);
  CHECK(jobs[5].name == "openb-pod-0006");
  CHECK(jobs[5].duration_s == 1000);
  REQUIRE(errors.size() == 1);  // pod 0005 was deleted before it was created
  CHECK_THAT(errors[0], Catch::Contains(":7:52: deletion_time: before creation_time (-10 s)"));

  options.settings["duration"] = "run";
  jobs.clear();
  ReadRaw(OpenOpenb, kFixture, options, &jobs, &errors);
  CHECK(jobs.size() == 6);

  options.settings["duration"] = "busy";
  auto bad = TraceStream::Open("openb", kFixture, options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("run or lifetime"));
}

TEST_CASE("openb bad rows: lenient skipping and counts", "[trace]") {
  auto stream = TraceStream::Open("openb", kFixture, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob job;
  absl::StatusOr<bool> got;
  for (int i = 0; i < 4; ++i) REQUIRE(*(*stream)->Next(&job));  // then 0004 (CPU-only) filtered
  got = (*stream)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains("openb_small.csv:7:52: deletion_time") && Catch::Contains("--lenient"));

  TraceCounts counts;
  std::vector<TraceJob> jobs = ReadStream("openb", kFixture, Lenient(), &counts);
  CHECK(counts.rows == 6);
  CHECK(counts.bad_rows == 1);
  CHECK(counts.filtered == 1);
  CHECK(counts.kept == 5);
  REQUIRE(counts.first_errors.size() == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("openb_small.csv:7:52: deletion_time"));

  TraceOptions all;
  all.gpu_jobs_only = false;
  all.vcs = {"LS"};
  jobs = ReadStream("openb", kFixture, Lenient(all), &counts);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[1].name == "openb-pod-0004");

  TempDir dir;
  std::vector<std::string> errors;
  jobs.clear();
  ReadRaw(OpenOpenb,
          dir.Write("bad.csv", kHeader +
                                   "p1,1000,1024,1,1000,,LS,Running,-5,10,0\n"
                                   "p2,1000,1024,1,1200,,LS,Running,0,10,0\n"
                                   "p3,1000,1024,1.5,1000,,LS,Running,0,10,0\n"
                                   "p4,1000,1024,1,1000,,LS,Running,0,ten,0\n"
                                   "p5,1000,1024,1,1000,,LS,Running,0,10,-1\n"
                                   "p6,1000,1024,1,1000,,LS,Pending,20,10,\n"
                                   "p7,1000,1024,1,1000,nan,LS,Running,0,10,nan\n"
                                   "p8,1000,1024,1\n"),
          {}, &jobs, &errors);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].name == "p7");
  CHECK(jobs[0].gpu_type.empty());
  CHECK(jobs[0].duration_s == 10);
  REQUIRE(errors.size() == 7);
  CHECK_THAT(errors[0], Catch::Contains("bad.csv:2:") && Catch::Contains("creation_time: must be >= 0"));
  CHECK_THAT(errors[1], Catch::Contains("bad.csv:3:") && Catch::Contains("gpu_milli: must be 0..1000"));
  CHECK_THAT(errors[2], Catch::Contains("bad.csv:4:") && Catch::Contains("num_gpu: must be a whole"));
  CHECK_THAT(errors[3], Catch::Contains("bad.csv:5:") && Catch::Contains("deletion_time: \"ten\""));
  CHECK_THAT(errors[4], Catch::Contains("bad.csv:6:") && Catch::Contains("scheduled_time: must be >= 0"));
  CHECK_THAT(errors[5], Catch::Contains("bad.csv:7:") &&
                            Catch::Contains("deletion_time: before creation_time"));
  CHECK_THAT(errors[6], Catch::Contains("bad.csv:9:") && Catch::Contains("missing"));

  auto header = TraceStream::Open("openb", dir.Write("header.csv", "name,num_gpu\np,1\n"), {});
  REQUIRE_FALSE(header.ok());
  CHECK_THAT(std::string(header.status().message()),
             Catch::Contains("header lacks column(s) gpu_milli, creation_time"));
}

TEST_CASE("openb reads gzip", "[trace]") {
  TempDir dir;
  std::ifstream in(kFixture, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  TraceCounts counts;
  const std::vector<TraceJob> jobs =
      ReadStream("openb", dir.WriteGz("pods.csv.gz", text.str()), Lenient(), &counts);
  REQUIRE(jobs.size() == 5);
  CHECK(jobs[1].gpu_fraction == Approx(0.46));
  CHECK(jobs[2].gpu_type == "V100");
  CHECK(counts.bad_rows == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("pods.csv.gz:7:52: deletion_time"));
}

TEST_CASE("openb on the real default pod list (SOURCE.md facts)", "[trace]") {
  const std::string dir = TracesDir() + "/alibaba-gpu-v2023-openb";
  const std::string path = dir + "/openb_pod_list_default.csv";
  if (!std::filesystem::exists(path)) {
    BURNRATE_SKIP("skipped: " << path << " is absent (set BURNRATE_TRACES)");
  }
  TraceOptions options;
  options.gpu_jobs_only = false;
  TraceCounts counts;
  std::vector<TraceJob> pods = ReadStream("openb", path, Lenient(options), &counts);
  CHECK(counts.bad_rows == 0);
  REQUIRE(pods.size() == 8152);
  std::map<uint32_t, int> by_gpus;
  std::map<std::string, int> by_phase;
  int fractional = 0, negative = 0;
  double last_submit = 0;
  for (const TraceJob& p : pods) {
    ++by_gpus[p.gpus];
    ++by_phase[p.status];
    if (p.gpu_fraction > 0) {
      ++fractional;
      CHECK(p.gpus == 1);
      CHECK(p.gpu_fraction < 1);
    }
    if (p.duration_s < 0) ++negative;
    last_submit = std::max(last_submit, p.submit_s);
  }
  CHECK(by_gpus == std::map<uint32_t, int>{{1, 6989}, {0, 1088}, {8, 44}, {2, 16}, {4, 15}});
  CHECK(fractional == 3078);
  CHECK(by_phase == std::map<std::string, int>{
                        {"Running", 5193}, {"Failed", 1870}, {"Pending", 897}, {"Succeeded", 192}});
  CHECK(negative == 0);
  CHECK(last_submit == 12901761);

  // Default filters drop the CPU-only pods.
  pods = ReadStream("openb", path, Lenient(), &counts);
  CHECK(pods.size() == 8152 - 1088);
  CHECK(counts.filtered == 1088);

  // lifetime: median 540 s over all pods (SOURCE.md).
  options.settings["duration"] = "lifetime";
  pods = ReadStream("openb", path, Lenient(options), &counts);
  REQUIRE(pods.size() == 8152);
  std::vector<double> lifetimes;
  for (const TraceJob& p : pods) lifetimes.push_back(p.duration_s);
  std::sort(lifetimes.begin(), lifetimes.end());
  REQUIRE(lifetimes.size() == 8152);
  CHECK((lifetimes.at(4075) + lifetimes.at(4076)) / 2 == Approx(540).margin(1));

  // gpuspec33: alternatives after '|' are dropped; constrained pods keep one model.
  const std::string spec = dir + "/openb_pod_list_gpuspec33.csv";
  if (std::filesystem::exists(spec)) {
    pods = ReadStream("openb", spec, Lenient(), &counts);
    CHECK(counts.bad_rows == 0);
    int typed = 0;
    for (const TraceJob& p : pods) {
      CHECK(p.gpu_type.find('|') == std::string::npos);
      if (!p.gpu_type.empty()) ++typed;
    }
    CHECK(typed > 0);
  }
}

}  // namespace burnrate
