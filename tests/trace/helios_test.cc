// The helios importer on tests/fixtures/traces/helios_small.csv: rows in the column layout of
// HeliosData's cluster_log.csv (the README's three example rows, then made-up ones).
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

std::string HeliosFixture() {
  return std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/helios_small.csv";
}

TEST_CASE("helios maps every cluster_log field", "[trace]") {
  auto reader = OpenHelios(HeliosFixture(), TraceOptions{});
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());

  TraceJob j = NextJob(**reader);
  CHECK(j.name == "1425511");
  CHECK(j.user == "uXBbc");
  CHECK(j.vc == "vcJkd");
  CHECK(j.status == "COMPLETED");
  CHECK(j.submit_s == 1591728061.0);  // 2020-06-09 18:41:01 (calendar.timegm)
  CHECK(j.duration_s == 36848.0);
  CHECK(j.gpus == 1);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type.empty());
  CHECK(j.line == 2);

  j = NextJob(**reader);
  CHECK(j.name == "1425512");
  CHECK(j.user == "uVMrF");
  CHECK(j.vc == "vchbv");
  CHECK(j.status == "FAILED");
  CHECK(j.submit_s == 1591728087.0);
  CHECK(j.duration_s == 249.0);
  CHECK(j.gpus == 4);
  CHECK(j.line == 3);

  j = NextJob(**reader);
  CHECK(j.name == "1425513");
  CHECK(j.status == "CANCELLED");
  CHECK(j.submit_s == 1591728088.0);
  CHECK(j.duration_s == 675233.0);
  CHECK(j.gpus == 1);

  j = NextJob(**reader);  // a CPU-only job: read, dropped later by gpu_jobs_only
  CHECK(j.name == "1425514");
  CHECK(j.gpus == 0);
  CHECK(j.duration_s == 600.0);

  j = NextJob(**reader);  // empty duration: end_time - start_time
  CHECK(j.name == "1425515");
  CHECK(j.submit_s == 1591728180.0);
  CHECK(j.duration_s == 3600.0);
  CHECK(j.gpus == 2);
  CHECK(j.line == 6);

  TraceJob bad;
  absl::StatusOr<bool> got = (*reader)->Next(&bad);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(got.status().message()) ==
        HeliosFixture() +
            ":7:38: submit_time: \"2020/06/09 18:44:00\" is not a date-time; expected "
            "YYYY-MM-DD HH:MM:SS");

  j = NextJob(**reader);  // the reader moved past the bad row
  CHECK(j.name == "1425517");
  CHECK(j.status == "TIMEOUT");
  CHECK(j.submit_s == 1591728300.0);
  CHECK(j.duration_s == 7200.0);
  CHECK(j.gpus == 16);
  CHECK(j.line == 8);

  got = (*reader)->Next(&bad);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
}

TEST_CASE("helios stops at the bad row, or skips it when lenient", "[trace]") {
  TraceOptions options;
  auto strict = TraceStream::Open("helios", HeliosFixture(), options);
  REQUIRE(strict.ok());
  TraceJob job;
  int kept = 0;
  absl::StatusOr<bool> got;
  while ((got = (*strict)->Next(&job)).ok() && *got) ++kept;
  CHECK(kept == 4);  // 1425511, 1425512, 1425513, 1425515 (1425514 has no GPU)
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains(HeliosFixture() + ":7:38: submit_time:") &&
                 Catch::Contains("--lenient"));

  options.lenient = true;
  auto lenient = TraceStream::Open("helios", HeliosFixture(), options);
  REQUIRE(lenient.ok());
  std::vector<std::string> names;
  while ((got = (*lenient)->Next(&job)).ok() && *got) names.push_back(job.name);
  REQUIRE(got.ok());
  CHECK(names == std::vector<std::string>{"1425511", "1425512", "1425513", "1425515", "1425517"});
  const TraceCounts& c = (*lenient)->counts();
  CHECK(c.rows == 6);
  CHECK(c.kept == 5);
  CHECK(c.filtered == 1);
  CHECK(c.bad_rows == 1);
  REQUIRE(c.first_errors.size() == 1);
  CHECK_THAT(c.first_errors[0], Catch::StartsWith(HeliosFixture() + ":7:38: submit_time:"));
}

TEST_CASE("helios filters by state and vc as written", "[trace]") {
  TraceOptions options;
  options.lenient = true;
  options.statuses = {"COMPLETED"};
  options.vcs = {"vcJkd", "vchbv"};
  auto stream = TraceStream::Open("helios", HeliosFixture(), options);
  REQUIRE(stream.ok());
  TraceJob job;
  std::vector<std::string> names;
  absl::StatusOr<bool> got;
  while ((got = (*stream)->Next(&job)).ok() && *got) names.push_back(job.name);
  REQUIRE(got.ok());
  CHECK(names == std::vector<std::string>{"1425511", "1425515"});
}

TEST_CASE("helios rejects a header without its columns, settings and runs without a time",
          "[trace]") {
  const std::string no_state = WriteTempFile(
      "burnrate_helios_no_state.csv",
      "job_id,user,vc,gpu_num,submit_time,start_time,end_time,duration\n"
      "1,u,vc,1,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-09 18:42:01,60\n");
  auto reader = OpenHelios(no_state, TraceOptions{});
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(reader.status().message()),
             Catch::Contains(no_state + ":1: header lacks column(s) state"));

  TraceOptions with_setting;
  with_setting.settings["duration"] = "runtime";
  reader = OpenHelios(HeliosFixture(), with_setting);
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(reader.status().message()), Catch::Contains("\"duration\""));

  const std::string never_ran = WriteTempFile(
      "burnrate_helios_never_ran.csv",
      "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,"
      "queue\n"
      "7,u,vc,1,1,1,CANCELLED,2020-06-09 18:41:01,,,,\n");
  reader = OpenHelios(never_ran, TraceOptions{});
  REQUIRE(reader.ok());
  TraceJob job;
  absl::StatusOr<bool> got = (*reader)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(got.status().message()) ==
        never_ran + ":2:46: duration: empty, and so is start_time: the job never ran (no run time)");
  std::remove(no_state.c_str());
  std::remove(never_ran.c_str());
}

}  // namespace
}  // namespace burnrate
