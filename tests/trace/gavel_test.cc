// The gavel importer on tests/fixtures/traces/gavel_small.trace: lines in the 10-field layout
// of Gavel's scheduler/traces (job types and commands as in its physical_cluster traces).
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
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

std::string GavelFixture() {
  return std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/gavel_small.trace";
}

TraceOptions GavelRates() {
  TraceOptions options;
  options.settings = {
      {"steps_per_second.ResNet-18 (batch size 64)", "20"},
      {"steps_per_second.Transformer (batch size 16)", "2.5"},
      {"steps_per_second.Transformer (batch size 16) (scale factor 2)", "5"},
      {"steps_per_second.LM (batch size 10)", "40"},
      {"steps_per_second.ResNet-50 (batch size 64)", "2.5"},
  };
  return options;
}

TEST_CASE("gavel turns steps into seconds with the per-type rates", "[trace]") {
  auto reader = OpenGavel(GavelFixture(), GavelRates());
  INFO(reader.status().ToString());
  REQUIRE(reader.ok());

  TraceJob j = NextJob(**reader);
  CHECK(j.name == "job-1");
  CHECK(j.submit_s == 0.0);
  CHECK(j.duration_s == Approx(42226.0 / 20));
  CHECK(j.gpus == 1);
  CHECK(j.gpu_fraction == 0);
  CHECK(j.gpu_type.empty());
  CHECK(j.user.empty());
  CHECK(j.vc.empty());
  CHECK(j.status.empty());
  CHECK(j.line == 1);

  j = NextJob(**reader);  // scale factor 2: the scale-specific rate wins
  CHECK(j.name == "job-2");
  CHECK(j.submit_s == 120.0);
  CHECK(j.duration_s == Approx(11005.0 / 5));
  CHECK(j.gpus == 2);

  j = NextJob(**reader);
  CHECK(j.name == "job-3");
  CHECK(j.submit_s == 300.0);
  CHECK(j.duration_s == Approx(73486.0 / 40));
  CHECK(j.gpus == 1);

  TraceJob bad;
  absl::StatusOr<bool> got = (*reader)->Next(&bad);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(got.status().message()) ==
        GavelFixture() +
            ":4:1: job_type: no steps-per-second rate for \"CycleGAN\" (scale factor 1); add the "
            "setting \"steps_per_second.CycleGAN\" (or \"steps_per_second\" for every job type)");

  j = NextJob(**reader);  // scale factor 4 without its own rate: the type's rate
  CHECK(j.name == "job-5");
  CHECK(j.submit_s == 600.0);
  CHECK(j.duration_s == Approx(7931.0 / 2.5));
  CHECK(j.gpus == 4);
  CHECK(j.line == 5);

  got = (*reader)->Next(&bad);
  REQUIRE(got.ok());
  CHECK_FALSE(*got);
}

TEST_CASE("gavel uses steps_per_second for types without their own rate", "[trace]") {
  TraceOptions options = GavelRates();
  options.settings["steps_per_second"] = "10";
  auto stream = TraceStream::Open("gavel", GavelFixture(), options);
  REQUIRE(stream.ok());
  TraceJob job;
  std::vector<double> durations;
  absl::StatusOr<bool> got;
  while ((got = (*stream)->Next(&job)).ok() && *got) durations.push_back(job.duration_s);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  REQUIRE(durations.size() == 5);
  CHECK(durations[3] == Approx(762.6));  // CycleGAN: 7626 steps at 10/s
  CHECK((*stream)->counts().bad_rows == 0);
}

TEST_CASE("gavel stops at a job type without a rate, or skips it when lenient", "[trace]") {
  TraceOptions options = GavelRates();
  auto strict = TraceStream::Open("gavel", GavelFixture(), options);
  REQUIRE(strict.ok());
  TraceJob job;
  int kept = 0;
  absl::StatusOr<bool> got;
  while ((got = (*strict)->Next(&job)).ok() && *got) ++kept;
  CHECK(kept == 3);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::StartsWith(GavelFixture() + ":4:1: job_type: no steps-per-second rate"));

  options.lenient = true;
  auto lenient = TraceStream::Open("gavel", GavelFixture(), options);
  REQUIRE(lenient.ok());
  std::vector<std::string> names;
  while ((got = (*lenient)->Next(&job)).ok() && *got) names.push_back(job.name);
  REQUIRE(got.ok());
  CHECK(names == std::vector<std::string>{"job-1", "job-2", "job-3", "job-5"});
  const TraceCounts& c = (*lenient)->counts();
  CHECK(c.rows == 4);
  CHECK(c.kept == 4);
  CHECK(c.bad_rows == 1);
  REQUIRE(c.first_errors.size() == 1);
  CHECK_THAT(c.first_errors[0], Catch::StartsWith(GavelFixture() + ":4:1: job_type:"));
}

TEST_CASE("gavel reads the older 7-field layout of its msr traces", "[trace]") {
  const std::string path = WriteTempFile(
      "burnrate_gavel_msr.trace",
      "Transformer (batch size 128)\tcd %s/gpusched/workloads/pytorch/translation && python3 "
      "train.py -data %s/data/translation/multi30k.atok.low.pt -batch_size 128 "
      "-proj_share_weight\t-step\t1\t84888\t0.000000\t1\n"
      "LM (batch size 40)\tcd %s/gpusched/workloads/pytorch/language_modeling && python "
      "main.py --cuda --data %s/data/wikitext2 --batch_size 40\t--steps\t1\t16850538\t"
      "343901.000000\t4\n"
      "CycleGAN\tpython3 cyclegan.py\t--n_steps\t1\n");
  TraceOptions options;
  options.settings = {{"steps_per_second.Transformer (batch size 128)", "8"},
                      {"steps_per_second.LM (batch size 40) (scale factor 4)", "100"}};
  auto reader = OpenGavel(path, options);
  REQUIRE(reader.ok());
  TraceJob j = NextJob(**reader);
  CHECK(j.submit_s == 0.0);
  CHECK(j.duration_s == Approx(84888.0 / 8));
  CHECK(j.gpus == 1);
  j = NextJob(**reader);
  CHECK(j.submit_s == 343901.0);
  CHECK(j.duration_s == Approx(16850538.0 / 100));
  CHECK(j.gpus == 4);
  TraceJob bad;
  absl::StatusOr<bool> got = (*reader)->Next(&bad);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(got.status().message()),
             Catch::StartsWith(path + ":3:1: row: has 4 tab-separated fields"));
  std::remove(path.c_str());
}

TEST_CASE("gavel checks its settings", "[trace]") {
  TraceOptions typo;
  typo.settings["step_per_second.CycleGAN"] = "3";
  auto reader = OpenGavel(GavelFixture(), typo);
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(reader.status().message()),
             Catch::Contains("\"step_per_second.CycleGAN\" is unknown"));

  for (const char* bad : {"0", "-1", "fast", ""}) {
    TraceOptions options;
    options.settings["steps_per_second.CycleGAN"] = bad;
    reader = OpenGavel(GavelFixture(), options);
    INFO(bad);
    REQUIRE_FALSE(reader.ok());
    CHECK(reader.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(reader.status().message()),
               Catch::Contains("steps_per_second.CycleGAN"));
  }
}

}  // namespace
}  // namespace burnrate
