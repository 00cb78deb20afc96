// azure-llm: the Azure LLM inference trace 2023 (Splitwise, ISCA'24) in
// ../shared/traces/azure-llm-inference-2023 (AzureLLMInferenceTrace_{code,conv}.csv; see its
// SOURCE.md and docs/trace-formats/azure-llm.md):
//   TIMESTAMP,ContextTokens,GeneratedTokens
//   2023-11-16 18:17:03.9799600,4808,10
// One row = one inference request. Until burnrate models inference serving, each request becomes
// a short job: submit_s = TIMESTAMP (as logged, no zone conversion; fractional seconds kept),
// gpus = setting gpus_per_request (default 1), duration_s = ContextTokens / prefill_tokens_per_s
// + GeneratedTokens / decode_tokens_per_s (settings; the defaults are placeholders to calibrate),
// name = "req-<line>", status, user and vc "".
#include <cmath>

#include "absl/strings/str_cat.h"
#include "sim/trace/csv_trace_reader.h"
#include "sim/trace/formats.h"

namespace burnrate {
namespace {

struct AzureLlmSettings {
  double gpus_per_request = 1;
  double prefill_tokens_per_s = 10000;
  double decode_tokens_per_s = 50;
};

class AzureLlmCsv final : public CsvTraceReader {
 public:
  AzureLlmCsv(std::unique_ptr<LineReader> lines, const AzureLlmSettings& settings)
      : CsvTraceReader(std::move(lines),
                       Layout{',', false, "", true,
                              {"TIMESTAMP", "ContextTokens", "GeneratedTokens"}}),
        settings_(settings) {}

  absl::Status Init() {
    if (absl::Status s = Start(); !s.ok()) return s;
    timestamp_ = Column("TIMESTAMP");
    context_ = Column("ContextTokens");
    generated_ = Column("GeneratedTokens");
    return absl::OkStatus();
  }

  absl::Status ParseRow(TraceJob* job) override {
    double context = 0, generated = 0;
    if (absl::Status s = DateTime(timestamp_, "TIMESTAMP", &job->submit_s); !s.ok()) return s;
    if (!std::isfinite(job->submit_s)) {  // "18:17:nan" passes ParseTraceDateTime
      std::string text;
      if (absl::Status s = Text(timestamp_, "TIMESTAMP", &text); !s.ok()) return s;
      return Bad(timestamp_, "TIMESTAMP",
                 absl::StrCat("\"", text, "\" is not a date-time; expected YYYY-MM-DD HH:MM:SS"));
    }
    if (absl::Status s = Number(context_, "ContextTokens", &context); !s.ok()) return s;
    if (context < 0 || context != std::floor(context)) {
      return Bad(context_, "ContextTokens", "must be a whole number of tokens >= 0");
    }
    if (absl::Status s = Number(generated_, "GeneratedTokens", &generated); !s.ok()) return s;
    if (generated < 0 || generated != std::floor(generated)) {
      return Bad(generated_, "GeneratedTokens", "must be a whole number of tokens >= 0");
    }
    job->duration_s =
        context / settings_.prefill_tokens_per_s + generated / settings_.decode_tokens_per_s;
    if (!std::isfinite(job->duration_s)) {
      return Bad(context_, "ContextTokens", "too many tokens: the run time overflows");
    }
    job->input_tokens = context;
    job->output_tokens = generated;
    job->gpus = static_cast<uint32_t>(settings_.gpus_per_request);
    job->name = absl::StrCat("req-", job->line);
    return absl::OkStatus();
  }

 private:
  AzureLlmSettings settings_;
  int timestamp_ = -1, context_ = -1, generated_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TraceReader>> OpenAzureLlm(const std::string& path,
                                                          const TraceOptions& options) {
  AzureLlmSettings settings;
  for (const auto& [key, value] : options.settings) {
    double v = 0;
    const bool number = ParseDouble(value, &v) && std::isfinite(v);
    if (key == "gpus_per_request") {
      if (!number || v < 1 || v > 1e6 || v != std::floor(v)) {
        return TraceSettingError(
            key, absl::StrCat("azure-llm setting gpus_per_request: \"", value,
                              "\" is not allowed; use a whole number of GPUs >= 1"));
      }
      settings.gpus_per_request = v;
    } else if (key == "prefill_tokens_per_s" || key == "decode_tokens_per_s") {
      if (!number || v <= 0) {
        return TraceSettingError(
            key, absl::StrCat("azure-llm setting ", key, ": \"", value,
                              "\" is not allowed; use a number of tokens per second > 0"));
      }
      (key == "prefill_tokens_per_s" ? settings.prefill_tokens_per_s
                                     : settings.decode_tokens_per_s) = v;
    } else {
      return TraceSettingError(
          key,
          absl::StrCat(
              "azure-llm setting \"", key,
              "\" is unknown; use gpus_per_request, prefill_tokens_per_s or decode_tokens_per_s"));
    }
  }
  auto lines = LineReader::Open(path);
  if (!lines.ok()) return lines.status();
  auto reader = std::make_unique<AzureLlmCsv>(*std::move(lines), settings);
  if (absl::Status s = reader->Init(); !s.ok()) return s;
  return std::unique_ptr<TraceReader>(std::move(reader));
}

}  // namespace burnrate
