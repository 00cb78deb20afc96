#include "sim/trace/formats.h"

namespace burnrate {

// THE registry of trace formats. One line per format.
const std::vector<TraceFormat>& TraceFormats() {
  static const auto* table = new std::vector<TraceFormat>{
      {"burnrate-csv", "burnrate's own job-log CSV: submit_s, gpus, duration_s (+ optional name, "
                       "gpu_type, user, vc, status)",
       OpenBurnrateCsv},
      {"philly", "Microsoft Philly 2017, the flattened CSV of ../shared/traces/philly-2017",
       OpenPhillyCsv},
      {"philly-json", "Microsoft Philly 2017 job log JSON (cluster_job_log and its subsets)",
       OpenPhillyJson},
      {"openb", "Alibaba GPU v2023 (openb) pod list CSV", OpenOpenb},
      {"helios", "SenseTime Helios cluster_log CSV", OpenHelios},
      {"alibaba-pai-2020", "Alibaba PAI 2020 pai_task_table CSV (no header)", OpenPai2020},
      {"swf", "Standard Workload Format (Parallel Workloads Archive)", OpenSwf},
      {"gavel", "Gavel TSV job traces with a steps-per-second table", OpenGavel},
      {"azure-llm", "Azure LLM inference 2023 (Splitwise): a request per job", OpenAzureLlm},
      {"alibaba-dlrm", "Alibaba GPU v2025 DLRM inference instances", OpenAlibabaDlrm},
  };
  return *table;
}

}  // namespace burnrate
