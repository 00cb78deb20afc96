// The swf importer on tests/fixtures/traces/small.swf: a hand-written log in the Standard
// Workload Format 2.2 (header comments, column-aligned job lines, -1 for unknown fields).
#include <catch2/catch.hpp>
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

std::string SwfFixture() {
  return std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/small.swf";
}

TEST_CASE("swf maps the 18 fields", "[trace]") {
  auto reader = OpenSwf(SwfFixture(), TraceOptions{});
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());

  TraceJob j = NextJob(**reader);
  CHECK(j.name == "job-1");
  CHECK(j.submit_s == 0.0);
  CHECK(j.duration_s == 3600.0);
  CHECK(j.gpus == 8);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type.empty());
  CHECK(j.status == "1");
  CHECK(j.user == "3");
  CHECK(j.vc == "1");
  CHECK(j.line == 21);  // after 20 comment lines

  j = NextJob(**reader);  // allocated -1: the requested processors
  CHECK(j.name == "job-2");
  CHECK(j.submit_s == 60.0);
  CHECK(j.duration_s == 120.0);
  CHECK(j.gpus == 4);
  CHECK(j.status == "0");
  CHECK(j.user == "7");
  CHECK(j.vc == "2");

  j = NextJob(**reader);  // unknown user and queue: ""
  CHECK(j.name == "job-3");
  CHECK(j.submit_s == 120.0);
  CHECK(j.duration_s == 1800.0);
  CHECK(j.gpus == 16);
  CHECK(j.status == "5");
  CHECK(j.user.empty());
  CHECK(j.vc.empty());
  CHECK(j.line == 23);

  // Line 24 is single-spaced, so its column is the same in the file and in the whitespace-
  // normalised row.
  TraceJob bad;
  absl::StatusOr<bool> got = (*reader)->Next(&bad);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(got.status().message()) ==
        SwfFixture() + ":24:9: run_time: -1 (unknown): no run time");

  j = NextJob(**reader);
  CHECK(j.name == "job-5");
  CHECK(j.submit_s == 240.0);
  CHECK(j.duration_s == 0.0);
  CHECK(j.gpus == 6);
  CHECK(j.line == 25);

  j = NextJob(**reader);  // cancelled before it ran: no processors
  CHECK(j.name == "job-6");
  CHECK(j.gpus == 0);
  CHECK(j.status == "5");

  got = (*reader)->Next(&bad);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
}

TEST_CASE("swf divides processors by processors_per_gpu", "[trace]") {
  TraceOptions options;
  options.lenient = true;
  options.settings["processors_per_gpu"] = "2";
  auto stream = TraceStream::Open("swf", SwfFixture(), options);
  INFO(stream.status().ToString());
  REQUIRE(stream.ok());
  TraceJob job;
  std::vector<uint32_t> gpus;
  absl::StatusOr<bool> got;
  while ((got = (*stream)->Next(&job)).ok() && *got) gpus.push_back(job.gpus);
  REQUIRE(got.ok());
  CHECK(gpus == std::vector<uint32_t>{4, 2, 8, 3});
  CHECK((*stream)->counts().rows == 5);
  CHECK((*stream)->counts().filtered == 1);
  CHECK((*stream)->counts().bad_rows == 1);

  // 6 processors do not make whole GPUs of 4.
  options.settings["processors_per_gpu"] = "4";
  stream = TraceStream::Open("swf", SwfFixture(), options);
  REQUIRE(stream.ok());
  gpus.clear();
  while ((got = (*stream)->Next(&job)).ok() && *got) gpus.push_back(job.gpus);
  REQUIRE(got.ok());
  CHECK(gpus == std::vector<uint32_t>{2, 1, 4});
  const TraceCounts& c = (*stream)->counts();
  CHECK(c.bad_rows == 2);
  REQUIRE(c.first_errors.size() == 2);
  CHECK_THAT(c.first_errors[1],
             Catch::StartsWith(SwfFixture() + ":25:") &&
                 Catch::EndsWith(": allocated_processors: 6 processors is not a multiple of "
                                 "processors_per_gpu (4)"));
}

TEST_CASE("swf stops at the bad row without lenient", "[trace]") {
  auto stream = TraceStream::Open("swf", SwfFixture(), TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob job;
  int kept = 0;
  absl::StatusOr<bool> got;
  while ((got = (*stream)->Next(&job)).ok() && *got) ++kept;
  CHECK(kept == 3);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::StartsWith(SwfFixture() + ":24:9: run_time: -1 (unknown)"));
}

TEST_CASE("swf checks its setting", "[trace]") {
  for (const char* bad : {"0", "-2", "1.5", "two"}) {
    TraceOptions options;
    options.settings["processors_per_gpu"] = bad;
    auto reader = OpenSwf(SwfFixture(), options);
    INFO(bad);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(reader.status().message()),
               Catch::Contains("processors_per_gpu") && Catch::Contains(bad));
  }
  TraceOptions typo;
  typo.settings["processor_per_gpu"] = "2";
  auto reader = OpenSwf(SwfFixture(), typo);
  REQUIRE_FALSE(reader.ok());
  CHECK_THAT(std::string(reader.status().message()),
             Catch::Contains("\"processor_per_gpu\" is unknown"));
}

}  // namespace
}  // namespace burnrate
