// azure-llm: the Azure LLM inference trace 2023 (AzureLLMInferenceTrace_{code,conv}.csv).
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/trace/formats.h"
#include "sim/trace/trace.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using namespace testing;

const std::string kFixture =
    std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/azure_llm_small.csv";
const std::string kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
constexpr double k181703 = 1700158623;  // 2023-11-16 18:17:03 as if UTC

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("azure-llm maps every field of a request", "[trace]") {
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenAzureLlm, kFixture, {}, &jobs, &errors);
  REQUIRE(jobs.size() == 4);

  const TraceJob& first = jobs[0];
  CHECK(first.name == "req-2");
  CHECK(first.user.empty());
  CHECK(first.vc.empty());
  CHECK(first.status.empty());
  CHECK(std::abs(first.submit_s - (k181703 + 0.97996)) < 1e-6);  // 7 fractional digits kept
  CHECK(first.duration_s == Approx(4808.0 / 10000 + 10.0 / 50));  // default rates
  CHECK(first.gpus == 1);
  CHECK(first.gpu_fraction == 0);
  CHECK(first.gpu_type.empty());
  CHECK(first.line == 2);

  CHECK(jobs[1].name == "req-3");
  CHECK(std::abs(jobs[1].submit_s - (k181703 + 1.03196)) < 1e-6);
  CHECK(jobs[1].duration_s == Approx(0.318 + 0.16));
  CHECK(std::abs(jobs[2].submit_s - (k181703 + 1.078149)) < 1e-6);
  CHECK(jobs[2].duration_s == Approx(0.011 + 0.54));

  const TraceJob& empty = jobs[3];  // whole seconds, no tokens
  CHECK(empty.name == "req-6");
  CHECK(empty.line == 6);
  CHECK(empty.submit_s == k181703 + 2);
  CHECK(empty.duration_s == 0);

  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == kFixture + ":5:29: ContextTokens: must be a whole number of tokens >= 0");
}

TEST_CASE("azure-llm settings: GPUs per request and token rates", "[trace]") {
  TraceOptions options;
  options.settings = {{"gpus_per_request", "4"},
                      {"prefill_tokens_per_s", "1000"},
                      {"decode_tokens_per_s", "10"}};
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenAzureLlm, kFixture, options, &jobs, &errors);
  REQUIRE(jobs.size() == 4);
  CHECK(jobs[0].gpus == 4);
  CHECK(jobs[0].duration_s == Approx(4.808 + 1));
  CHECK(jobs[2].duration_s == Approx(0.11 + 2.7));
  CHECK(jobs[3].gpus == 4);
  CHECK(jobs[3].duration_s == 0);

  const auto rejected = [](const std::string& key, const std::string& value) {
    TraceOptions bad;
    bad.settings[key] = value;
    auto stream = TraceStream::Open("azure-llm", kFixture, bad);
    REQUIRE_FALSE(stream.ok());
    CHECK(stream.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(stream.status().message());
  };
  CHECK_THAT(rejected("gpus", "2"),
             Catch::Contains("azure-llm setting \"gpus\" is unknown") &&
                 Catch::Contains("gpus_per_request, prefill_tokens_per_s or decode_tokens_per_s"));
  CHECK_THAT(rejected("gpus_per_request", "0"),
             Catch::Contains("gpus_per_request: \"0\"") && Catch::Contains("whole number"));
  CHECK_THAT(rejected("gpus_per_request", "1.5"), Catch::Contains("gpus_per_request: \"1.5\""));
  CHECK_THAT(rejected("prefill_tokens_per_s", "0"),
             Catch::Contains("prefill_tokens_per_s: \"0\"") && Catch::Contains("> 0"));
  CHECK_THAT(rejected("decode_tokens_per_s", "fast"),
             Catch::Contains("decode_tokens_per_s: \"fast\""));
  CHECK_THAT(rejected("decode_tokens_per_s", "inf"), Catch::Contains("decode_tokens_per_s"));
}

TEST_CASE("azure-llm bad rows: lenient skipping and counts", "[trace]") {
  auto stream = TraceStream::Open("azure-llm", kFixture, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob job;
  for (int i = 0; i < 3; ++i) REQUIRE(*(*stream)->Next(&job));
  absl::StatusOr<bool> got = (*stream)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains("azure_llm_small.csv:5:29: ContextTokens") &&
                 Catch::Contains("--lenient"));

  TraceCounts counts;
  std::vector<TraceJob> jobs = ReadStream("azure-llm", kFixture, Lenient(), &counts);
  CHECK(jobs.size() == 4);
  CHECK(counts.rows == 4);
  CHECK(counts.bad_rows == 1);
  CHECK(counts.filtered == 0);
  CHECK(counts.kept == 4);
  REQUIRE(counts.first_errors.size() == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("azure_llm_small.csv:5:29: ContextTokens"));

  // The window is in the trace's clock (seconds since 1970 of the logged wall time).
  TraceOptions window;
  window.window_start_s = k181703 + 1;
  jobs = ReadStream("azure-llm", kFixture, Lenient(window), &counts);
  REQUIRE(jobs.size() == 3);
  CHECK(jobs[0].name == "req-3");
  CHECK(counts.filtered == 1);

  TempDir dir;
  std::vector<std::string> errors;
  jobs.clear();
  ReadRaw(OpenAzureLlm,
          dir.Write("bad.csv", kHeader +
                                   "2023-11-16 18:17:03.5,1.5,10\n"
                                   "2023-11-16 18:17:03.5,10,ten\n"
                                   "2023-11-16 18:17:03.5,10,-1\n"
                                   "2023-11-16 18:17,10,10\n"
                                   "2023-11-16 18:17:nan,10,10\n"
                                   "2023-11-16 18:17:03.5,10\n"
                                   "2023-11-16T18:17:04.25Z,20,0\n"),
          {}, &jobs, &errors);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].name == "req-8");
  CHECK(jobs[0].submit_s == k181703 + 1.25);
  CHECK(jobs[0].duration_s == Approx(0.002));
  REQUIRE(errors.size() == 6);
  CHECK_THAT(errors[0], Catch::Contains("bad.csv:2:23: ContextTokens: must be a whole number"));
  CHECK_THAT(errors[1], Catch::Contains("bad.csv:3:26: GeneratedTokens: \"ten\" is not a number"));
  CHECK_THAT(errors[2], Catch::Contains("bad.csv:4:26: GeneratedTokens: must be a whole number"));
  CHECK_THAT(errors[3], Catch::Contains("bad.csv:5:1: TIMESTAMP: \"2023-11-16 18:17\" is not a "
                                        "date-time"));
  CHECK_THAT(errors[4], Catch::Contains("bad.csv:6:1: TIMESTAMP: \"2023-11-16 18:17:nan\" is not a "
                                        "date-time"));
  CHECK_THAT(errors[5], Catch::Contains("bad.csv:7:") &&
                            Catch::Contains("GeneratedTokens: missing (the row has 2 fields)"));

  auto header = TraceStream::Open(
      "azure-llm", dir.Write("header.csv", "TIMESTAMP,ContextTokens\nx,1\n"), {});
  REQUIRE_FALSE(header.ok());
  CHECK_THAT(std::string(header.status().message()),
             Catch::Contains("header lacks column(s) GeneratedTokens"));
}

TEST_CASE("azure-llm on the real code and conversation traces (SOURCE.md facts)", "[trace]") {
  const std::string dir = TracesDir() + "/azure-llm-inference-2023";
  struct Facts {
    std::string file;
    size_t rows;
    double context_median, context_mean, generated_median, generated_mean;
    double first_s, last_s;  // whole seconds of the first and last TIMESTAMP
  };
  const std::vector<Facts> facts = {
      // code: 2023-11-16 18:17:03 -> 19:14:19; conv: 18:15:46 -> 19:14:08.
      {"AzureLLMInferenceTrace_code.csv", 8819, 1469, 2048, 13, 28, k181703,
       k181703 + 57 * 60 + 16},
      {"AzureLLMInferenceTrace_conv.csv", 19366, 1020, 1155, 129, 211, k181703 - 77,
       k181703 + 57 * 60 + 5},
  };
  for (const Facts& f : facts) {
    const std::string path = dir + "/" + f.file;
    if (!std::filesystem::exists(path)) {
      BURNRATE_SKIP("skipped: " << path << " is absent (set BURNRATE_TRACES)");
    }
    INFO(f.file);
    // Defaults: one GPU per request, submission order as published.
    TraceCounts counts;
    std::vector<TraceJob> jobs = ReadStream("azure-llm", path, Lenient(), &counts);
    CHECK(counts.bad_rows == 0);
    REQUIRE(jobs.size() == f.rows);
    CHECK(counts.rows == f.rows);
    bool ordered = true, one_gpu = true;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (i > 0 && jobs[i].submit_s < jobs[i - 1].submit_s) ordered = false;
      if (jobs[i].gpus != 1) one_gpu = false;
    }
    CHECK(ordered);
    CHECK(one_gpu);
    CHECK(std::floor(jobs.front().submit_s) == f.first_s);
    CHECK(std::floor(jobs.back().submit_s) == f.last_s);

    // Prefill at 1 token/s and a decode too fast to count: duration_s = ContextTokens.
    TraceOptions context;
    context.settings = {{"prefill_tokens_per_s", "1"}, {"decode_tokens_per_s", "1e300"}};
    std::vector<double> tokens;
    for (const TraceJob& j : ReadStream("azure-llm", path, Lenient(context), &counts)) {
      tokens.push_back(j.duration_s);
    }
    REQUIRE(tokens.size() == f.rows);
    CHECK(Median(tokens) == f.context_median);
    CHECK(Mean(tokens) == Approx(f.context_mean).margin(0.5));

    // And the other way round: duration_s = GeneratedTokens.
    TraceOptions generated;
    generated.settings = {{"prefill_tokens_per_s", "1e300"}, {"decode_tokens_per_s", "1"}};
    tokens.clear();
    for (const TraceJob& j : ReadStream("azure-llm", path, Lenient(generated), &counts)) {
      tokens.push_back(j.duration_s);
    }
    REQUIRE(tokens.size() == f.rows);
    CHECK(Median(tokens) == f.generated_median);
    CHECK(Mean(tokens) == Approx(f.generated_mean).margin(0.5));
  }
}

}  // namespace burnrate
