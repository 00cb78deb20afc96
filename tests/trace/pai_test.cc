// The alibaba-pai-2020 importer on tests/fixtures/traces/pai_task_small.csv: rows in the column
// layout of cluster-trace-gpu-v2020's pai_task_table.csv (no header; the first row is the
// README's example entry, the rest made up).
#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/trace/formats.h"
#include "sim/trace/trace.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using namespace testing;

std::string PaiFixture() {
  return std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/pai_task_small.csv";
}

std::string PaiError(const std::string& path) {
  auto reader = OpenPai2020(path, TraceOptions{});
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  TraceJob job;
  absl::StatusOr<bool> got = (*reader)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  return std::string(got.status().message());
}

TEST_CASE("alibaba-pai-2020 maps one task to one job", "[trace]") {
  auto reader = OpenPai2020(PaiFixture(), TraceOptions{});
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());

  TraceJob j = NextJob(**reader);  // 1 instance x 50% of a GPU
  CHECK(j.name == "4f057009a5d481acec67b088/tensorflow");
  CHECK(j.user.empty());
  CHECK(j.vc.empty());
  CHECK(j.status == "Terminated");
  CHECK(j.submit_s == 1739162.0);  // start_time: the table has no submission time
  CHECK(j.duration_s == 38.0);
  CHECK(j.gpus == 1);
  CHECK(j.gpu_fraction == 0.5);
  CHECK(j.gpu_type == "MISC");
  CHECK(j.line == 1);

  j = NextJob(**reader);  // a parameter server: empty plan_gpu and gpu_type
  CHECK(j.name == "a9f2c1d07be3415e6a0c5d12/ps");
  CHECK(j.gpus == 0);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type.empty());
  CHECK(j.duration_s == 3600.0);

  j = NextJob(**reader);  // 4 instances x 100%
  CHECK(j.name == "a9f2c1d07be3415e6a0c5d12/worker");
  CHECK(j.status == "Terminated");
  CHECK(j.submit_s == 1739300.0);
  CHECK(j.duration_s == 3600.0);
  CHECK(j.gpus == 4);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type == "V100");
  CHECK(j.line == 3);

  j = NextJob(**reader);  // 1 instance x 800% = 8 GPUs
  CHECK(j.name == "3c5e8a21f0d94b7c18e6a4f0/worker");
  CHECK(j.gpus == 8);
  CHECK(j.gpu_type == "V100M32");
  CHECK(j.submit_s == 1740000.0);
  CHECK(j.duration_s == 10000.0);

  TraceJob bad;
  absl::StatusOr<bool> got = (*reader)->Next(&bad);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(got.status().message()) ==
        PaiFixture() +
            ":5:59: end_time: empty: the task never ended (PAI leaves the time empty or 0); no "
            "run time");

  j = NextJob(**reader);  // 3 instances x 50% = 1.5: rounded up to 2 whole GPUs
  CHECK(j.name == "6e0f93b2a4c8d17e5f21b08c/worker");
  CHECK(j.status == "Failed");
  CHECK(j.submit_s == 1741500.0);
  CHECK(j.duration_s == 120.0);
  CHECK(j.gpus == 2);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type == "T4");
  CHECK(j.line == 6);

  got = (*reader)->Next(&bad);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
}

TEST_CASE("alibaba-pai-2020 stops at the bad row, or skips it when lenient", "[trace]") {
  TraceOptions options;
  auto strict = TraceStream::Open("alibaba-pai-2020", PaiFixture(), options);
  REQUIRE(strict.ok());
  TraceJob job;
  int kept = 0;
  absl::StatusOr<bool> got;
  while ((got = (*strict)->Next(&job)).ok() && *got) ++kept;
  CHECK(kept == 3);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::StartsWith(PaiFixture() + ":5:59: end_time: empty"));

  options.lenient = true;
  auto lenient = TraceStream::Open("alibaba-pai-2020", PaiFixture(), options);
  REQUIRE(lenient.ok());
  std::vector<uint32_t> gpus;
  while ((got = (*lenient)->Next(&job)).ok() && *got) gpus.push_back(job.gpus);
  REQUIRE(got.ok());
  CHECK(gpus == std::vector<uint32_t>{1, 4, 8, 2});
  const TraceCounts& c = (*lenient)->counts();
  CHECK(c.rows == 5);
  CHECK(c.kept == 4);
  CHECK(c.filtered == 1);  // the CPU-only ps task
  CHECK(c.bad_rows == 1);
  REQUIRE(c.first_errors.size() == 1);
  CHECK_THAT(c.first_errors[0], Catch::StartsWith(PaiFixture() + ":5:59: end_time:"));
}

TEST_CASE("alibaba-pai-2020 accepts the upstream header line and reports unknown times",
          "[trace]") {
  const std::string with_header = WriteTempFile(
      "burnrate_pai_header.csv",
      "job_name,task_name,inst_num,status,start_time,end_time,plan_cpu,plan_mem,plan_gpu,"
      "gpu_type\n"
      "4f057009a5d481acec67b088,tensorflow,2.0,Terminated,1739162.0,1739200.0,600.0,29.296875,"
      "25.0,P100\n");
  auto reader = OpenPai2020(with_header, TraceOptions{});
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());
  TraceJob j = NextJob(**reader);
  CHECK(j.line == 2);
  CHECK(j.gpus == 1);
  CHECK(j.gpu_fraction == 0.5);
  CHECK(j.gpu_type == "P100");

  const std::string zero_start = WriteTempFile(
      "burnrate_pai_zero.csv", "j1,worker,1.0,Waiting,0.0,0.0,600.0,29.296875,100.0,V100\n");
  CHECK(PaiError(zero_start) ==
        zero_start +
            ":1:23: start_time: 0: the task never started (PAI leaves the time empty or 0); no "
            "run time");

  const std::string job_table = WriteTempFile("burnrate_pai_job_table.csv",
                                              "4b3f04b66a525d2df903eb16,8cb3bec23d14,58540f191766,"
                                              "Terminated,4550879.0,4551416.0\n");
  CHECK_THAT(PaiError(job_table),
             Catch::StartsWith(job_table + ":1:1: row: has 6 fields; pai_task_table rows have 10"));

  const std::string negative_run = WriteTempFile(
      "burnrate_pai_negative.csv", "j2,worker,1.0,Terminated,100.0,90.0,600.0,1.0,100.0,T4\n");
  CHECK(PaiError(negative_run) ==
        negative_run + ":1:32: end_time: before start_time (-10 s): negative run time");

  TraceOptions with_setting;
  with_setting.settings["processors_per_gpu"] = "2";
  reader = OpenPai2020(PaiFixture(), with_setting);
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);

  for (const std::string& p : {with_header, zero_start, job_table, negative_run}) {
    std::remove(p.c_str());
  }
}

}  // namespace
}  // namespace burnrate
