// The self-contained HTML report of `burnrate run --report FILE.html` and `burnrate plan
// --report`: one file with inline CSS and SVG charts (report/svg.h), no scripts and no network,
// readable offline and printable. Sections, each present when it has data:
//   key numbers      the comparison table (best value per row marked)
//   money            bill by pool and by category per policy (per month for up to three
//                    months, else over the horizon plus a monthly line), cost vs p95 JCT with
//                    the Pareto frontier of the policies
//   utilisation      per pool over time, one line per policy; provisioned GPUs when they vary
//   queue            jobs waiting over time
//   job service      JCT and queueing-delay CDFs (log time axis, p50 / p95 / p99 marked)
//   inference        per service: latency percentiles against the SLO, replicas over time
//   plan             (plan only) every candidate's bill vs p95 JCT, frontier, recommendation
//   assumptions      pools and prices, workload, services, the scenario file as written
// Long runs are aggregated before drawing (at most kMaxPointsPerSeries per line), so a report
// of a million-job run stays a few hundred kilobytes. Deterministic: same input, same bytes.
#ifndef BURNRATE_REPORT_HTML_H_
#define BURNRATE_REPORT_HTML_H_

#include <cstddef>
#include <string>

#include "burnrate/v1/results.pb.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

inline constexpr std::size_t kMaxPointsPerSeries = 800;

struct HtmlReportInput {
  // The runs (may hold none, e.g. for a plan report). Required.
  const burnrate::v1::Results* results = nullptr;
  // For the assumptions section; null = omitted.
  const ScenarioModel* scenario = nullptr;
  // The scenario file as written, shown verbatim (collapsed); "" = omitted.
  std::string scenario_text;
  // `burnrate plan`'s candidates; null = no plan section.
  const burnrate::v1::PlanResult* plan = nullptr;
  // Shown in the footer, e.g. "burnrate 0.4.0" and the command line that made the report.
  std::string version;
  std::string command;
};

// The whole document, "<!DOCTYPE html>" to "</html>\n".
std::string RenderHtmlReport(const HtmlReportInput& input);

}  // namespace burnrate

#endif  // BURNRATE_REPORT_HTML_H_
