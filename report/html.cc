#include "report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/svg.h"
#include "report/table.h"
#include "sim/model/calendar.h"
#include "sim/model/money.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;
using chart::Axis;
using chart::Escape;
using chart::FormatValue;
using chart::LineChart;
using chart::ScatterChart;
using chart::ScatterPoint;
using chart::Series;
using chart::StackedBarChart;
using chart::Unit;

// Months drawn as separate rows in the bill charts; longer horizons show totals plus a line.
constexpr std::size_t kMaxMonthRows = 3;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Larger scenario files are named, not embedded.
constexpr std::size_t kMaxScenarioTextBytes = 256 * 1000;

constexpr std::string_view kCss = R"css(
:root { color-scheme: light; }
body { font: 14px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1f;
  max-width: 920px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.lede, p.note, figcaption { color: #555; }
figcaption { font-size: 12.5px; margin: 2px 0 0; }
nav a { margin-right: 12px; color: #0060a0; }
figure { margin: 12px 0 20px; break-inside: avoid; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
table.kv td:first-child { color: #555; }
table.kv td { text-align: left; }
tr.group th { text-align: left; background: #f4f4f6; font-weight: 600; }
thead th { font-weight: 600; border-bottom: 2px solid #ccc; }
td.best { font-weight: 700; }
td.best::after { content: " \2605"; color: #b8860b; }
pre { background: #f7f7f9; padding: 10px; overflow-x: auto; font-size: 12px; }
svg.chart { width: 100%; height: auto; max-width: 880px; display: block; }
svg.chart text { font: 12px "DejaVu Sans", Arial, sans-serif; fill: #222; }
svg.chart text.title { font-size: 14px; font-weight: 600; }
svg.chart text.tick { fill: #555; font-size: 11px; }
svg.chart text.group { font-weight: 600; }
svg.chart text.note { fill: #444; font-size: 11px; }
svg.chart .grid { stroke: #e6e6e6; }
svg.chart .axis { stroke: #666; }
svg.chart .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
div.scroll { overflow-x: auto; max-width: 100%; }
svg.chart .frontier { fill: none; stroke: #888; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg.chart .ref line { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg.chart .ref text { fill: #c0392b; font-size: 11px; }
svg.chart .hover rect { fill: transparent; }
svg.chart .hover rect:hover { fill: rgba(0, 0, 0, 0.06); }
footer { margin-top: 40px; color: #777; font-size: 12px; }
@media print { nav { display: none; } body { max-width: none; margin: 0; }
  div.scroll { overflow: visible; } table.compare { font-size: 9px; }
  h2 { break-after: avoid; } }
)css";

std::string Id(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// One id per name, unique in the report: the name's slug ("A100 pool" -> "a100-pool"), or
// `fallback` when it has no ASCII letter or digit, with "-2", "-3", ... when taken.
std::vector<std::string> UniqueIds(const std::vector<std::string>& names, const std::string& fallback) {
  std::vector<std::string> out;
  std::set<std::string> taken;
  for (const std::string& name : names) {
    std::string base = Id(name);
    if (base.empty()) base = fallback;
    std::string id = base;
    for (int k = 2; taken.count(id) > 0; ++k) id = base + "-" + std::to_string(k);
    taken.insert(id);
    out.push_back(id);
  }
  return out;
}

std::string Figure(const std::string& svg, const std::string& caption) {
  return "<figure>" + svg + (caption.empty() ? "" : "<figcaption>" + caption + "</figcaption>") +
         "</figure>\n";
}

std::string Usd(double v) { return Escape(FormatUsd(v)); }

// 16269 -> "16,269".
std::string Grouped(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Days(double seconds) {
  const double d = seconds / 86400.0;
  return fmt::format("{:.4g} {}", d, d == 1 ? "day" : "days");
}

// "every 1 h (each point the mean of 6 samples)" for captions.
std::string SamplingNote(double interval_s, std::size_t per_bin) {
  std::string s = "sampled every " + FormatValue(interval_s, Unit::kSeconds);
  if (per_bin > 1) {
    s += fmt::format("; each point is the mean of {} samples ({}) so the chart stays legible",
                     per_bin, FormatValue(interval_s * static_cast<double>(per_bin),
                                          Unit::kSeconds));
  }
  return s;
}

// The horizon as a date axis: charts over time span the whole horizon, not just the samples.
Axis TimeAxis(const v1::Results& r) {
  Axis a{"date (UTC)", Unit::kDate};
  a.min = 0;
  a.max = std::max(r.horizon_s(), 1.0);
  return a;
}

int64_t StartUnix(const v1::Results& r) {
  if (r.start().empty()) return 0;
  auto t = ParseUtcTimestamp(r.start());
  return t.ok() ? *t : 0;
}

// ---------------------------------------------------------------------------------------
// Key numbers.

// "12.3 kg CO2e", "4,567 kg CO2e", "12.3 t CO2e" (tonnes from 10,000 kg).
std::string KgCo2e(double kg) {
  if (!std::isfinite(kg)) return "-";
  if (std::fabs(kg) >= 10000) return fmt::format("{:.1f} t CO2e", kg / 1000);
  if (std::fabs(kg) >= 1000) return Grouped(static_cast<uint64_t>(std::llround(kg))) + " kg CO2e";
  return fmt::format("{:.1f} kg CO2e", kg);
}

// Hardware failures or checkpoint writes happened (docs/failures.md): failure rows are shown.
bool HadFailures(const v1::Summary& s) {
  return s.node_failures() > 0 || s.rack_failures() > 0 || s.job_interruptions_by_failure() > 0 ||
         s.gpu_hours_checkpointing() > 0 || s.gpu_hours_down() > 0;
}

const v1::ServiceResult* FindService(const v1::RunResult& run, const std::string& name) {
  for (const v1::ServiceResult& s : run.services()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}


std::string KeyNumbers(const v1::Results& results) {
  const std::vector<ComparisonRow> rows = ComparisonRows(results);
  std::string out = "<div class=\"scroll\"><table class=\"compare\"><thead><tr><th></th>";
  for (const v1::RunResult& run : results.runs()) out += "<th>" + Escape(run.policy()) + "</th>";
  out += "</tr></thead><tbody>";
  const int cols = results.runs_size() + 1;
  for (const ComparisonRow& row : rows) {
    if (row.heading) {
      out += fmt::format("<tr class=\"group\"><th colspan=\"{}\">{}</th></tr>", cols,
                         Escape(row.label));
      continue;
    }
    out += "<tr><td>" + Escape(row.label) + "</td>";
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      out += (row.best[i] ? "<td class=\"best\">" : "<td>") + Escape(row.cells[i]) + "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>\n";
  return out;
}

// The few numbers a planner reads first, one column per policy, best marked.
std::string AtAGlance(const v1::Results& results, const std::vector<std::string>& services) {
  struct Line {
    std::string label;
    int better;  // -1 lower, +1 higher, 0 none
    std::vector<double> values;
    std::vector<std::string> texts;
  };
  std::vector<Line> lines;
  const auto add = [&](std::string label, int better, auto value, auto text, auto has) {
    Line l{std::move(label), better, {}, {}};
    for (const v1::RunResult& run : results.runs()) {
      const bool ok = has(run);
      l.values.push_back(ok ? value(run) : kNaN);
      l.texts.push_back(ok ? text(run) : "-");
    }
    lines.push_back(std::move(l));
  };
  const auto always = [](const v1::RunResult&) { return true; };
  const auto jobs = [](const v1::RunResult& r) { return r.summary().jobs_completed() > 0; };
  const auto pct = [](double f) { return fmt::format("{:.1f}%", 100 * f); };
  add("bill over the horizon", -1, [](const v1::RunResult& r) { return r.summary().total_cost_usd(); },
      [](const v1::RunResult& r) { return FormatUsd(r.summary().total_cost_usd()); }, always);
  add("paid for idle GPUs", -1, [](const v1::RunResult& r) { return r.summary().idle_cost_usd(); },
      [&](const v1::RunResult& r) {
        const double t = r.summary().total_cost_usd();
        return FormatUsd(r.summary().idle_cost_usd()) +
               (t > 0 ? " (" + pct(r.summary().idle_cost_usd() / t) + ")" : std::string());
      },
      always);
  add("GPU utilisation", +1, [](const v1::RunResult& r) { return r.summary().gpu_utilization(); },
      [&](const v1::RunResult& r) { return pct(r.summary().gpu_utilization()); }, always);
  add("carbon over the horizon", -1, [](const v1::RunResult& r) { return r.summary().co2e_kg(); },
      [](const v1::RunResult& r) { return KgCo2e(r.summary().co2e_kg()); }, always);
  bool failures = false;
  for (const v1::RunResult& run : results.runs()) failures |= HadFailures(run.summary());
  if (failures) {
    add("goodput (useful / allocated GPU-hours)", +1,
        [](const v1::RunResult& r) { return r.summary().goodput(); },
        [&](const v1::RunResult& r) { return pct(r.summary().goodput()); },
        [](const v1::RunResult& r) { return r.summary().gpu_hours_allocated() > 0; });
  }
  bool any_jobs = false;
  for (const v1::RunResult& run : results.runs()) any_jobs |= run.summary().jobs_submitted() > 0;
  if (any_jobs) {
    add("jobs completed", +1,
        [](const v1::RunResult& r) { return static_cast<double>(r.summary().jobs_completed()); },
        [](const v1::RunResult& r) {
          return Grouped(r.summary().jobs_completed()) + " of " +
                 Grouped(r.summary().jobs_submitted());
        },
        always);
    add("p95 job completion time", -1, [](const v1::RunResult& r) { return r.summary().p95_jct_s(); },
        [](const v1::RunResult& r) { return FormatDuration(r.summary().p95_jct_s()); }, jobs);
    add("p95 queueing delay", -1,
        [](const v1::RunResult& r) { return r.summary().p95_queue_delay_s(); },
        [](const v1::RunResult& r) { return FormatDuration(r.summary().p95_queue_delay_s()); },
        [](const v1::RunResult& r) { return r.summary().jobs_submitted() > 0; });
  }
  for (const std::string& name : services) {
    add("SLO attainment, " + name, +1,
        [&](const v1::RunResult& r) {
          const v1::ServiceResult* sv = FindService(r, name);
          return sv != nullptr ? sv->slo_attainment() : kNaN;
        },
        [&](const v1::RunResult& r) {
          const v1::ServiceResult* sv = FindService(r, name);
          if (sv == nullptr) return std::string("-");
          return fmt::format("{:.2f}% {}", 100 * sv->slo_attainment(), sv->slo_met() ? "met" : "MISSED");
        },
        [&](const v1::RunResult& r) {
          const v1::ServiceResult* sv = FindService(r, name);
          return sv != nullptr && sv->slo_latency_s() > 0 && sv->requests_arrived() > 0;
        });
  }
  if (!services.empty()) {
    add("gross margin (revenue - bill)", +1,
        [](const v1::RunResult& r) { return r.summary().gross_margin_usd(); },
        [](const v1::RunResult& r) { return FormatUsd(r.summary().gross_margin_usd()); }, always);
  }

  std::string out = "<div class=\"scroll\"><table class=\"compare glance\"><thead><tr><th></th>";
  for (const v1::RunResult& run : results.runs()) out += "<th>" + Escape(run.policy()) + "</th>";
  out += "</tr></thead><tbody>";
  for (const Line& l : lines) {
    // Best: the extreme value, when at least two differ in their text.
    std::size_t best = l.values.size();
    for (std::size_t i = 0; i < l.values.size(); ++i) {
      if (!std::isfinite(l.values[i]) || l.better == 0) continue;
      if (best == l.values.size() || (l.better < 0 ? l.values[i] < l.values[best]
                                                   : l.values[i] > l.values[best])) {
        best = i;
      }
    }
    bool differ = false;
    for (std::size_t i = 0; i < l.texts.size(); ++i) {
      differ |= std::isfinite(l.values[i]) && best < l.texts.size() && l.texts[i] != l.texts[best];
    }
    out += "<tr><td>" + Escape(l.label) + "</td>";
    for (std::size_t i = 0; i < l.texts.size(); ++i) {
      const bool mark = differ && best < l.texts.size() && std::isfinite(l.values[i]) &&
                        l.texts[i] == l.texts[best];
      out += (mark ? "<td class=\"best\">" : "<td>") + Escape(l.texts[i]) + "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// Money.

struct Category {
  const char* name;
  double (v1::PoolMonthResult::*field)() const;
};
constexpr Category kCategories[] = {
    {"usage (hourly, allocated)", &v1::PoolMonthResult::usage_usd},
    {"idle capacity (hourly, unallocated)", &v1::PoolMonthResult::idle_capacity_usd},
    {"reserved upfront", &v1::PoolMonthResult::upfront_usd},
    {"owned capex", &v1::PoolMonthResult::capex_usd},
    {"owned hosting", &v1::PoolMonthResult::hosting_usd},
    {"owned energy", &v1::PoolMonthResult::energy_usd},
};

// The bill rows: per (month, run) for short horizons, else per run over the horizon.
struct BillRow {
  std::string label, group;
  std::vector<const v1::MonthResult*> months;  // summed
  std::size_t run = 0;
};

std::vector<BillRow> BillRows(const v1::Results& results, bool per_month) {
  std::vector<BillRow> rows;
  const int n_months = results.runs(0).monthly_size();
  if (per_month) {
    for (int m = 0; m < n_months; ++m) {
      for (int r = 0; r < results.runs_size(); ++r) {
        if (m >= results.runs(r).monthly_size()) continue;
        BillRow row;
        row.label = results.runs(r).policy();
        row.group = n_months > 1 ? results.runs(r).monthly(m).month() : "";
        row.months.push_back(&results.runs(r).monthly(m));
        row.run = static_cast<std::size_t>(r);
        rows.push_back(std::move(row));
      }
    }
  } else {
    for (int r = 0; r < results.runs_size(); ++r) {
      BillRow row;
      row.label = results.runs(r).policy();
      for (const v1::MonthResult& m : results.runs(r).monthly()) row.months.push_back(&m);
      row.run = static_cast<std::size_t>(r);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string BillNote(const std::vector<const v1::MonthResult*>& months) {
  double total = 0, idle = 0;
  for (const v1::MonthResult* m : months) {
    total += m->cost_usd();
    idle += m->idle_cost_usd();
  }
  std::string note = FormatUsd(total);
  if (total > 0) note += fmt::format(" \xC2\xB7 idle {:.0f}%", 100 * idle / total);
  return note;
}

std::string MoneySection(const v1::Results& results, int64_t start) {
  const v1::RunResult& first = results.runs(0);
  const bool per_month = static_cast<std::size_t>(first.monthly_size()) <= kMaxMonthRows;
  const std::vector<BillRow> rows = BillRows(results, per_month);
  const std::string period =
      per_month ? (first.monthly_size() > 1 ? "per calendar month" : "for the horizon")
                : fmt::format("over the horizon ({} months)", first.monthly_size());
  std::string out;

  // By pool.
  StackedBarChart by_pool;
  by_pool.id = "bill-by-pool";
  by_pool.title = "Bill by pool, " + period;
  by_pool.x = Axis{"US dollars", Unit::kUsd};
  std::vector<std::string> pools;
  for (const v1::PoolResult& p : first.pools()) pools.push_back(p.name());
  for (const v1::PoolResult& p : first.pools()) {
    by_pool.segments.push_back(p.name() + " (" + p.gpu_type() + ", " + p.pricing() + ")");
  }
  for (const BillRow& br : rows) {
    StackedBarChart::Row row{br.label, br.group, std::vector<double>(pools.size(), 0.0),
                             BillNote(br.months), {}};
    for (const v1::MonthResult* m : br.months) {
      for (const v1::PoolMonthResult& pm : m->pools()) {
        const auto it = std::find(pools.begin(), pools.end(), pm.pool());
        if (it != pools.end()) row.values[static_cast<std::size_t>(it - pools.begin())] += pm.cost_usd();
      }
    }
    by_pool.rows.push_back(std::move(row));
  }
  out += Figure(chart::RenderStackedBarChart(by_pool),
                "Each bar is one policy's bill " + Escape(period) +
                    "; segments are pools. The note gives the total and the share paid for "
                    "GPU-time no job used (idle). Partial months are not scaled up.");

  // By category, only categories that occur.
  std::vector<std::size_t> used;
  for (std::size_t c = 0; c < std::size(kCategories); ++c) {
    bool any = false;
    for (const BillRow& br : rows) {
      for (const v1::MonthResult* m : br.months) {
        for (const v1::PoolMonthResult& pm : m->pools()) any |= (pm.*kCategories[c].field)() > 0;
      }
    }
    if (any) used.push_back(c);
  }
  StackedBarChart by_cat;
  by_cat.id = "bill-by-category";
  by_cat.title = "Bill by category, " + period;
  by_cat.x = Axis{"US dollars", Unit::kUsd};
  for (const std::size_t c : used) by_cat.segments.emplace_back(kCategories[c].name);
  for (const BillRow& br : rows) {
    StackedBarChart::Row row{br.label, br.group, std::vector<double>(used.size(), 0.0),
                             BillNote(br.months), {}};
    for (const v1::MonthResult* m : br.months) {
      for (const v1::PoolMonthResult& pm : m->pools()) {
        for (std::size_t k = 0; k < used.size(); ++k) {
          row.values[k] += (pm.*kCategories[used[k]].field)();
        }
      }
    }
    by_cat.rows.push_back(std::move(row));
  }
  out += Figure(chart::RenderStackedBarChart(by_cat),
                "Hourly pools (on-demand, spot, reserved) charge allocated and idle GPU-time; "
                "reserved pools add their amortised upfront payment; owned pools pay amortised "
                "capex, hosting and energy whether busy or not (docs/model.md).");

  if (!per_month) {
    LineChart monthly;
    monthly.id = "monthly-bill";
    monthly.title = "Monthly bill per policy";
    monthly.x = Axis{"month (UTC)", Unit::kDate};
    monthly.y = Axis{"US dollars per month", Unit::kUsd};
    monthly.start_unix_s = 0;
    monthly.hover_bands = false;
    for (int r = 0; r < results.runs_size(); ++r) {
      Series s;
      s.name = results.runs(r).policy();
      s.color = static_cast<std::size_t>(r);
      s.dashed = static_cast<std::size_t>(r) >= chart::PaletteSize();
      for (int m = 0; m < results.runs(r).monthly_size(); ++m) {
        const v1::MonthResult& mr = results.runs(r).monthly(m);
        int year = 0, month = 0;
        if (std::sscanf(mr.month().c_str(), "%d-%d", &year, &month) != 2 || month < 1) continue;
        s.x.push_back(static_cast<double>(DaysFromCivil(year, static_cast<unsigned>(month), 1)) *
                      86400.0);
        s.y.push_back(mr.cost_usd());
        s.markers.push_back(s.x.size() - 1);
        s.marker_titles.push_back(s.name + "\n" + mr.month() + ": " + FormatUsd(mr.cost_usd()) +
                                  (mr.revenue_usd() > 0
                                       ? ", revenue " + FormatUsd(mr.revenue_usd())
                                       : std::string()));
      }
      monthly.series.push_back(std::move(s));
    }
    (void)start;
    out += Figure(chart::RenderLineChart(monthly),
                  "One point per calendar month (first and last may be partial).");
  }

  // Cost vs p95 JCT.
  std::vector<double> cost, p95;
  ScatterChart sc;
  sc.id = "cost-vs-p95-jct";
  sc.title = "Bill vs p95 job completion time";
  sc.x = Axis{"bill over the horizon (US dollars)", Unit::kUsd};
  sc.y = Axis{"p95 JCT", Unit::kSeconds};
  sc.x.include_zero = false;  // policies' bills often differ by a few percent
  sc.y.include_zero = false;
  for (int r = 0; r < results.runs_size(); ++r) {
    const v1::Summary& s = results.runs(r).summary();
    const bool has = s.jobs_completed() > 0;
    cost.push_back(has ? s.total_cost_usd() : kNaN);
    p95.push_back(has ? s.p95_jct_s() : kNaN);
  }
  const std::vector<std::size_t> front = chart::ParetoFrontier(cost, p95);
  for (int r = 0; r < results.runs_size(); ++r) {
    const auto i = static_cast<std::size_t>(r);
    if (!std::isfinite(cost[i])) continue;
    const bool on = std::find(front.begin(), front.end(), i) != front.end();
    ScatterPoint pt;
    pt.x = cost[i];
    pt.y = p95[i];
    pt.label = results.runs(r).policy();
    pt.color = i;
    sc.legend.emplace_back(results.runs(r).policy(), i);
    pt.title = fmt::format("{}\nbill {}\np95 JCT {}\n{}", results.runs(r).policy(),
                           FormatUsd(cost[i]), FormatValue(p95[i], Unit::kSeconds),
                           on ? "on the frontier" : "dominated: another policy is cheaper and faster");
    sc.points.push_back(std::move(pt));
  }
  if (!sc.points.empty()) {
    // Frontier indices into sc.points (runs without completed jobs are left out).
    std::vector<std::size_t> pos(cost.size(), 0);
    std::size_t k = 0;
    for (std::size_t i = 0; i < cost.size(); ++i) {
      if (std::isfinite(cost[i])) pos[i] = k++;
    }
    for (const std::size_t i : front) sc.frontier.push_back(pos[i]);
    out += Figure(chart::RenderScatterChart(sc),
                  "Lower left is better. The dashed staircase is the Pareto frontier of these "
                  "policies: no policy is both cheaper and faster than a point on it. "
                  "Run <code>burnrate plan</code> for the frontier over pool sizes.");
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Carbon (docs/carbon.md), beside the bill: by pool and by operational / embodied, per pool
// and per tenant in tables, and pool failures when a run had any.

const v1::PoolResult* FindPool(const v1::RunResult& run, const std::string& name) {
  for (const v1::PoolResult& p : run.pools()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

std::string CarbonSection(const v1::Results& results) {
  const v1::RunResult& first = results.runs(0);
  const bool per_month = static_cast<std::size_t>(first.monthly_size()) <= kMaxMonthRows;
  const std::vector<BillRow> rows = BillRows(results, per_month);
  const std::string period =
      per_month ? (first.monthly_size() > 1 ? "per calendar month" : "for the horizon")
                : fmt::format("over the horizon ({} months)", first.monthly_size());
  std::vector<std::string> pools;
  for (const v1::PoolResult& p : first.pools()) pools.push_back(p.name());
  StackedBarChart chart;
  chart.id = "carbon-by-pool";
  chart.title = "Carbon by pool, " + period;
  chart.x = Axis{"kg CO2e", Unit::kNumber};
  for (const v1::PoolResult& p : first.pools()) {
    chart.segments.push_back(p.name() + " operational");
    chart.segments.push_back(p.name() + " embodied");
  }
  for (const BillRow& br : rows) {
    StackedBarChart::Row row{br.label, br.group, std::vector<double>(2 * pools.size(), 0.0), "",
                             {}};
    double total = 0, kwh = 0;
    for (const v1::MonthResult* m : br.months) {
      total += m->co2e_kg();
      kwh += m->facility_kwh();
      for (const v1::PoolMonthResult& pm : m->pools()) {
        const auto it = std::find(pools.begin(), pools.end(), pm.pool());
        if (it == pools.end()) continue;
        const auto k = static_cast<std::size_t>(it - pools.begin());
        row.values[2 * k] += pm.co2e_operational_kg();
        row.values[2 * k + 1] += pm.co2e_embodied_kg();
      }
    }
    row.note = KgCo2e(total) + fmt::format(" \xC2\xB7 {} kWh", Grouped(static_cast<uint64_t>(
                                                                    std::llround(std::max(0.0, kwh)))));
    chart.rows.push_back(std::move(row));
  }
  std::string out = "<h3>Carbon</h3>\n";
  out += Figure(chart::RenderStackedBarChart(chart),
                "Operational: facility energy (IT power x PUE; busy and idle GPUs and node "
                "overhead) x the grid's carbon intensity. Embodied: manufacturing carbon of GPUs "
                "and servers, amortised linearly over their lifetime per provisioned GPU-hour, so "
                "idle capacity carries it. The note gives the total and the facility energy "
                "(docs/carbon.md).");

  // Per pool: kg CO2e per policy, the grid used.
  const auto header = [&](const std::string& first_column, const std::string& extra) {
    std::string h = "<div class=\"scroll\"><table class=\"compare\"><thead><tr><th>" +
                    Escape(first_column) + "</th>" + extra;
    for (const v1::RunResult& run : results.runs()) h += "<th>" + Escape(run.policy()) + "</th>";
    return h + "</tr></thead><tbody>";
  };
  out += "<p class=\"note\">Carbon per pool over the horizon (operational + embodied), with "
         "the grid intensity used.</p>\n";
  out += header("pool", "<th>grid</th>");
  for (const v1::PoolResult& p : first.pools()) {
    out += "<tr><td>" + Escape(p.name()) + "</td><td style=\"text-align:left\">" +
           // A preset or a constant names its value; a series gets its energy-weighted mean.
           Escape(p.grid_source().empty()
                      ? fmt::format("{:.4g} gCO2e/kWh", p.grid_gco2e_per_kwh())
                  : p.grid_source().rfind("hourly", 0) == 0
                      ? fmt::format("mean {:.4g} gCO2e/kWh, {}", p.grid_gco2e_per_kwh(),
                                    p.grid_source())
                      : p.grid_source()) +
           "</td>";
    for (const v1::RunResult& run : results.runs()) {
      const v1::PoolResult* pr = FindPool(run, p.name());
      out += "<td>" +
             Escape(pr != nullptr ? KgCo2e(pr->co2e_kg()) + fmt::format(" ({} kWh)", Grouped(
                                        static_cast<uint64_t>(std::llround(
                                            std::max(0.0, pr->facility_kwh())))))
                                  : "-") +
             "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>\n";

  // Per tenant: the carbon shared like the bill.
  std::vector<std::string> tenants;
  for (const v1::RunResult& run : results.runs()) {
    for (const v1::TenantResult& t : run.tenants()) tenants.push_back(t.tenant());
  }
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  if (tenants.size() > 1) {
    out += "<p class=\"note\">Carbon by tenant: each pool-month's kg CO2e shared by the "
           "tenants' allocated GPU-hours there, like the bill (pool-months nobody used are "
           "unattributed).</p>\n";
    out += header("tenant", "");
    for (const std::string& name : tenants) {
      out += "<tr><td>" + Escape(name) + "</td>";
      for (const v1::RunResult& run : results.runs()) {
        std::string cell = "-";
        for (const v1::TenantResult& t : run.tenants()) {
          if (t.tenant() == name) cell = KgCo2e(t.co2e_kg()) + " \xC2\xB7 " + FormatUsd(t.cost_usd());
        }
        out += "<td>" + Escape(cell) + "</td>";
      }
      out += "</tr>";
    }
    out += "<tr><td>unattributed</td>";
    for (const v1::RunResult& run : results.runs()) {
      out += "<td>" + Escape(KgCo2e(run.summary().unattributed_co2e_kg())) + "</td>";
    }
    out += "</tr></tbody></table></div>\n";
  }

  // Pool failures, only when a run had any.
  bool failures = false;
  for (const v1::RunResult& run : results.runs()) {
    for (const v1::PoolResult& p : run.pools()) failures |= p.node_failures() > 0 || p.gpu_hours_down() > 0;
  }
  if (failures) {
    out += "<h3>Failures</h3>\n<p class=\"note\">Nodes that failed in each pool, the GPU-hours "
           "they spent down (provisioned and billed, unusable) and the hot spares kept "
           "(docs/failures.md).</p>\n";
    out += header("pool", "<th>spare nodes</th>");
    for (const v1::PoolResult& p : first.pools()) {
      out += "<tr><td>" + Escape(p.name()) + "</td><td>" + std::to_string(p.spare_nodes()) + "</td>";
      for (const v1::RunResult& run : results.runs()) {
        const v1::PoolResult* pr = FindPool(run, p.name());
        out += "<td>" +
               Escape(pr != nullptr ? fmt::format("{} failures \xC2\xB7 {} GPU-h down",
                                                  pr->node_failures(),
                                                  FormatValue(pr->gpu_hours_down(), Unit::kNumber))
                                    : "-") +
               "</td>";
      }
      out += "</tr>";
    }
    out += "</tbody></table></div>\n";
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Utilisation and queue over time.

std::vector<double> AsDouble(const google::protobuf::RepeatedField<uint32_t>& v) {
  return std::vector<double>(v.begin(), v.end());
}

std::string UtilisationSection(const v1::Results& results, const ScenarioModel* scenario,
                               int64_t start, bool jobs) {
  std::string out;
  const v1::RunResult& first = results.runs(0);
  std::vector<std::string> pool_names;
  for (const v1::PoolSeries& ps : first.timeseries().pools()) pool_names.push_back(ps.pool());
  const std::vector<std::string> pool_ids = UniqueIds(pool_names, "pool");
  const double interval = first.timeseries().interval_s();
  std::size_t per_bin = 1;
  for (int p = 0; p < first.timeseries().pools_size(); ++p) {
    const std::string pool = first.timeseries().pools(p).pool();
    LineChart c;
    c.id = "utilisation-" + pool_ids[static_cast<std::size_t>(p)];
    std::string what = pool;
    for (const v1::PoolResult& pr : first.pools()) {
      if (pr.name() == pool) what += fmt::format(" ({}, {} GPUs, {})", pr.gpu_type(), pr.gpus(), pr.pricing());
    }
    c.title = "GPU utilisation of " + what;
    c.x = TimeAxis(results);
    c.y = Axis{"allocated / provisioned GPUs (%)", Unit::kPercent};
    c.y.min = 0;
    c.y.max = 1;
    c.start_unix_s = start;
    bool varies = false;
    LineChart prov;
    prov.id = "provisioned-" + pool_ids[static_cast<std::size_t>(p)];
    prov.title = "Provisioned GPUs of " + pool;
    prov.x = c.x;
    prov.y = Axis{"GPUs provisioned", Unit::kCount};
    prov.start_unix_s = start;
    for (int r = 0; r < results.runs_size(); ++r) {
      const v1::TimeSeries& ts = results.runs(r).timeseries();
      if (p >= ts.pools_size()) continue;
      const std::vector<double> t(ts.time_s().begin(), ts.time_s().end());
      const auto alloc = chart::BinAverage(t, AsDouble(ts.pools(p).allocated_gpus()), kMaxPointsPerSeries);
      const auto provd = chart::BinAverage(t, AsDouble(ts.pools(p).provisioned_gpus()), kMaxPointsPerSeries);
      per_bin = alloc.per_bin;
      Series s;
      s.name = results.runs(r).policy();
      s.color = static_cast<std::size_t>(r);
      s.dashed = static_cast<std::size_t>(r) >= chart::PaletteSize();
      s.x = alloc.x;
      for (std::size_t i = 0; i < alloc.y.size(); ++i) {
        s.y.push_back(provd.y[i] > 0 ? alloc.y[i] / provd.y[i] : kNaN);
      }
      c.series.push_back(std::move(s));
      const auto& pv = ts.pools(p).provisioned_gpus();
      for (int i = 1; i < pv.size(); ++i) varies |= pv[i] != pv[0];
      Series ps;
      ps.name = results.runs(r).policy();
      ps.color = static_cast<std::size_t>(r);
      ps.dashed = static_cast<std::size_t>(r) >= chart::PaletteSize();
      ps.step = per_bin == 1;
      ps.x = provd.x;
      ps.y = provd.y;
      prov.series.push_back(std::move(ps));
    }
    out += Figure(chart::RenderLineChart(c),
                  "Share of the pool's provisioned GPUs held by jobs and replicas, " +
                      SamplingNote(interval, per_bin) + ". Hover for the values.");
    if (varies) {
      out += Figure(chart::RenderLineChart(prov),
                    "GPUs provisioned (autoscaling, spot availability or commitment ends), " +
                        SamplingNote(interval, per_bin) + ".");
    }
  }
  (void)scenario;
  if (!jobs) return out;

  LineChart q;
  q.id = "queue-length";
  q.title = "Training jobs waiting";
  q.x = TimeAxis(results);
  q.y = Axis{"jobs in the queue", Unit::kCount};
  q.start_unix_s = start;
  for (int r = 0; r < results.runs_size(); ++r) {
    const v1::TimeSeries& ts = results.runs(r).timeseries();
    const std::vector<double> t(ts.time_s().begin(), ts.time_s().end());
    const auto b = chart::BinAverage(t, AsDouble(ts.queued_jobs()), kMaxPointsPerSeries);
    per_bin = b.per_bin;
    Series s;
    s.name = results.runs(r).policy();
    s.color = static_cast<std::size_t>(r);
    s.dashed = static_cast<std::size_t>(r) >= chart::PaletteSize();
    s.x = b.x;
    s.y = b.y;
    q.series.push_back(std::move(s));
  }
  out += "<h3 id=\"queue\">Queue</h3>\n";
  out += Figure(chart::RenderLineChart(q),
                "Jobs submitted and not yet started (or preempted and waiting again), " +
                    SamplingNote(interval, per_bin) + ".");
  return out;
}

// ---------------------------------------------------------------------------------------
// Job service: CDFs.

// JCT as a CDF; queueing delay as the share of jobs waiting longer than t on log-log axes
// (most jobs often start at once, which would flatten a CDF against 100%).
std::string CdfChart(const v1::Results& results, bool jct) {
  LineChart c;
  c.id = jct ? "jct-cdf" : "queue-delay-ccdf";
  c.title = jct ? "Job completion time, CDF per policy"
                : "Queueing delay: share of jobs waiting longer than t, per policy";
  c.x = Axis{jct ? "job completion time (log scale)" : "queueing delay t (log scale)",
             Unit::kSeconds, chart::Scale::kLog};
  c.y = jct ? Axis{"share of completed jobs (%)", Unit::kPercent}
            : Axis{"share of jobs waiting longer (%, log scale)", Unit::kPercent,
                   chart::Scale::kLog};
  c.y.max = 1;
  if (jct) c.y.min = 0;
  c.hover_bands = false;
  bool any_positive = false, any = false;
  double lowest_share = 1;
  for (int r = 0; r < results.runs_size(); ++r) {
    const v1::RunResult& run = results.runs(r);
    const v1::Distribution& d = jct ? run.jct() : run.queue_delay();
    const int n = std::min(d.value_s_size(), d.probability_size());
    if (n == 0) continue;
    any = true;
    Series s;
    s.name = run.policy();
    s.color = static_cast<std::size_t>(r);
    s.dashed = static_cast<std::size_t>(r) >= chart::PaletteSize();
    const auto mark = [&](double p, double value) {
      s.markers.push_back(s.x.size() - 1);
      s.marker_titles.push_back(fmt::format("{}: p{:.0f} {} = {}", s.name, p * 100,
                                            jct ? "JCT" : "queueing delay",
                                            FormatValue(value, Unit::kSeconds)));
    };
    const auto is_marked = [](double p) {
      return std::fabs(p - 0.5) < 1e-9 || std::fabs(p - 0.95) < 1e-9 || std::fabs(p - 0.99) < 1e-9;
    };
    if (jct) {
      for (int i = 0; i < n; ++i) {
        if (!(d.value_s(i) > 0)) continue;  // a log axis has no zero
        s.x.push_back(d.value_s(i));
        s.y.push_back(d.probability(i));
        if (is_marked(d.probability(i))) mark(d.probability(i), d.value_s(i));
      }
    } else {
      // Share waiting longer than each positive quantile; quantiles of 0 s (jobs that started
      // at once) are not on a log axis: the curve starts at the first positive one, whose
      // share is P(wait > 0). The maximum wait ends the curve at 1 / jobs (the last job).
      for (int i = 0; i + 1 < n; ++i) {
        if (!(d.value_s(i) > 0)) continue;
        s.x.push_back(d.value_s(i));
        s.y.push_back(1 - d.probability(i));
        lowest_share = std::min(lowest_share, 1 - d.probability(i));
        if (is_marked(d.probability(i))) mark(d.probability(i), d.value_s(i));
      }
      const double jobs = static_cast<double>(std::max<uint32_t>(run.summary().jobs_submitted(), 1));
      if (d.value_s(n - 1) > 0) {
        const double last = std::min(1 / jobs, s.y.empty() ? 1.0 : s.y.back());
        s.x.push_back(d.value_s(n - 1));
        s.y.push_back(last);
        lowest_share = std::min(lowest_share, last);
        s.markers.push_back(s.x.size() - 1);
        s.marker_titles.push_back(fmt::format("{}: longest wait {}", s.name,
                                              FormatValue(d.value_s(n - 1), Unit::kSeconds)));
      }
    }
    any_positive |= !s.x.empty();
    c.series.push_back(std::move(s));
  }
  if (!any) return "";
  if (!any_positive) {
    return std::string("<p class=\"note\">") +
           (jct ? "No job completed in any run." : "No job waited in any run: every job started on arrival.") +
           "</p>\n";
  }
  if (!jct) c.y.min = std::min(0.01, lowest_share);
  const std::string caption =
      jct ? "Share of completed jobs that finished within a time from submission; dots mark "
            "p50, p95 and p99 (hover)."
          : "Share of jobs that waited longer than t to start (jobs still waiting at the horizon "
            "count with their wait so far): the tail, where policies differ. Jobs that started "
            "at once are not drawn (a log axis has no zero): each curve starts at the share that "
            "waited at all. Dots mark p50, p95, p99 (when above zero) and the longest wait.";
  return Figure(chart::RenderLineChart(c), caption);
}

// ---------------------------------------------------------------------------------------
// Inference services.

std::string ServiceSection(const v1::Results& results, const ScenarioModel* scenario,
                           const std::string& name, const std::string& id, int64_t start) {
  bool on_ttft = false;
  if (scenario != nullptr) {
    for (const ServiceSpec& s : scenario->services) {
      if (s.name == name) on_ttft = s.slo_on_ttft;
    }
  }
  std::string out = "<h3 id=\"service-" + id + "\">Inference: " + Escape(name) + "</h3>\n";
  StackedBarChart lat;
  lat.id = "service-" + id + "-latency";
  lat.title = std::string(on_ttft ? "Time to first token" : "Request latency") + " of " + name +
              ", percentiles per policy";
  lat.x = Axis{on_ttft ? "time to first token" : "latency (arrival to completion)",
               Unit::kSeconds};
  lat.segments = on_ttft ? std::vector<std::string>{"up to p50", "p50 to p99"}
                         : std::vector<std::string>{"up to p50", "p50 to p95", "p95 to p99"};
  double slo = 0, target = 0;
  for (const v1::RunResult& run : results.runs()) {
    const v1::ServiceResult* sv = FindService(run, name);
    if (sv == nullptr || sv->requests_served() <= 0) continue;
    slo = sv->slo_latency_s();
    target = sv->slo_attainment_target();
    StackedBarChart::Row row;
    row.label = run.policy();
    std::vector<double> q = on_ttft ? std::vector<double>{sv->p50_ttft_s(), sv->p99_ttft_s()}
                                    : std::vector<double>{sv->p50_latency_s(), sv->p95_latency_s(),
                                                          sv->p99_latency_s()};
    const std::vector<std::string> names =
        on_ttft ? std::vector<std::string>{"p50", "p99"}
                : std::vector<std::string>{"p50", "p95", "p99"};
    double prev = 0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      row.values.push_back(std::max(q[i] - prev, 0.0));
      row.titles.push_back(names[i] + " " + FormatValue(q[i], Unit::kSeconds));
      prev = std::max(prev, q[i]);
    }
    row.note = names.back() + " " + FormatValue(q.back(), Unit::kSeconds);
    if (sv->slo_latency_s() > 0) {
      row.note += fmt::format(" \xC2\xB7 {:.2f}% in SLO {}", 100 * sv->slo_attainment(),
                              sv->slo_met() ? "\xE2\x9C\x93" : "MISS");
    }
    lat.rows.push_back(std::move(row));
  }
  if (slo > 0) lat.refs.push_back({slo, fmt::format("SLO {}", FormatValue(slo, Unit::kSeconds))});
  if (!lat.rows.empty()) {
    std::string caption =
        "Bars end at the highest percentile; segment boundaries are p50" +
        std::string(on_ttft ? "" : " and p95") + " (hover).";
    if (slo > 0) {
      caption += fmt::format(
          " The SLO: at least {:.4g}% of requests within {} (dashed line); the note gives the "
          "share that met it.",
          100 * target, Escape(FormatValue(slo, Unit::kSeconds)));
    }
    out += Figure(chart::RenderStackedBarChart(lat), caption);
  }

  LineChart rep;
  rep.id = "service-" + id + "-replicas";
  rep.title = "Replicas of " + name + " over time";
  rep.x = TimeAxis(results);
  rep.y = Axis{"replicas", Unit::kCount};
  rep.start_unix_s = start;
  std::size_t per_bin = 1;
  double interval = 0;
  for (int r = 0; r < results.runs_size(); ++r) {
    const v1::ServiceResult* sv = FindService(results.runs(r), name);
    if (sv == nullptr) continue;
    const v1::TimeSeries& ts = results.runs(r).timeseries();
    interval = ts.interval_s();
    const std::vector<double> t(ts.time_s().begin(), ts.time_s().end());
    const auto ready = chart::BinAverage(t, AsDouble(sv->replicas()), kMaxPointsPerSeries);
    per_bin = ready.per_bin;
    Series s;
    s.name = results.runs(r).policy();
    s.color = static_cast<std::size_t>(r);
    s.step = per_bin == 1;
    s.x = ready.x;
    s.y = ready.y;
    rep.series.push_back(std::move(s));
    bool pending = false;
    for (const uint32_t v : sv->replicas_pending()) pending |= v > 0;
    if (pending) {
      const auto pb = chart::BinAverage(t, AsDouble(sv->replicas_pending()), kMaxPointsPerSeries);
      Series ps;
      ps.name = results.runs(r).policy() + " (waiting for GPUs)";
      ps.color = static_cast<std::size_t>(r);
      ps.dashed = true;
      ps.step = per_bin == 1;
      ps.x = pb.x;
      ps.y = pb.y;
      rep.series.push_back(std::move(ps));
    }
  }
  if (!rep.series.empty()) {
    out += Figure(chart::RenderLineChart(rep),
                  "Replicas starting or serving (solid) and wanted but waiting for GPUs "
                  "(dashed), " + SamplingNote(interval, per_bin) + ".");
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Plan.

std::string PlanSection(const v1::PlanResult& plan, const ScenarioModel* scenario) {
  std::string out = "<h2 id=\"plan\">Capacity plan</h2>\n";
  const auto nodes_text = [&](const v1::PlanPoint& p) {
    std::string s;
    for (int i = 0; i < p.nodes_size() && i < plan.pools_size(); ++i) {
      s += (i ? ", " : "") + plan.pools(i) + "=" + std::to_string(p.nodes(i));
    }
    return s;
  };
  // The target, as the planner judges it.
  std::vector<std::string> target;
  bool jct_target = false;
  if (scenario != nullptr) {
    const ServiceTargetSpec& t = scenario->plan.target;
    const auto d = [](double v) { return FormatValue(v, Unit::kSeconds); };
    if (t.max_p95_queue_delay_s > 0) target.push_back("p95 queueing delay at most " + d(t.max_p95_queue_delay_s));
    if (t.max_mean_queue_delay_s > 0) target.push_back("mean queueing delay at most " + d(t.max_mean_queue_delay_s));
    if (t.max_p95_jct_s > 0) target.push_back("p95 JCT at most " + d(t.max_p95_jct_s));
    if (t.all_jobs_done) target.push_back("every job finished");
    jct_target = t.max_p95_jct_s > 0;
  }
  std::string lede = fmt::format("{} candidate pool sizes simulated under {}", plan.points_size(),
                                 plan.policy());
  if (!target.empty()) {
    lede += "; target: ";
    for (std::size_t i = 0; i < target.size(); ++i) lede += (i ? ", " : "") + target[i];
  }
  lede += ". ";
  if (plan.recommended() < 0) {
    lede += "No candidate meets the target: widen the dimensions or relax the target.";
  } else {
    const v1::PlanPoint& rec = plan.points(plan.recommended());
    lede += "Recommended: " + nodes_text(rec) + " at " + FormatUsd(rec.total_cost_usd()) +
            " for the horizon.";
    if (plan.current() >= 0) {
      const v1::PlanPoint& cur = plan.points(plan.current());
      const double delta = cur.total_cost_usd() - rec.total_cost_usd();
      lede += " The scenario's own sizes (" + nodes_text(cur) + ") cost " +
              FormatUsd(cur.total_cost_usd()) + " (" +
              (cur.meets_target() ? "meets the target" : "misses it") + "): " +
              FormatUsd(std::fabs(delta)) + (delta >= 0 ? " more" : " less") + ".";
    }
  }
  out += "<p class=\"lede\">" + Escape(lede) + "</p>\n";

  // The y metric: p95 JCT when the target bounds it, else the p95 queueing delay that the
  // planner's frontier ranks by. Candidates whose value is not known (no job completed, or
  // over 5% unfinished for JCT) are left out and counted.
  ScatterChart sc;
  sc.id = "plan-frontier";
  sc.title = jct_target ? "Every candidate: bill vs p95 job completion time"
                        : "Every candidate: bill vs p95 queueing delay";
  sc.x = Axis{"bill over the horizon (US dollars)", Unit::kUsd};
  sc.y = Axis{jct_target ? "p95 JCT" : "p95 queueing delay", Unit::kSeconds};
  sc.legend = {{"meets the target", 2}, {"misses it (hollow)", 3}};
  std::vector<double> xs, ys;
  std::size_t unknown = 0;
  for (int i = 0; i < plan.points_size(); ++i) {
    const v1::PlanPoint& p = plan.points(i);
    const uint32_t unfinished = p.jobs_submitted() - std::min(p.jobs_completed(), p.jobs_submitted());
    const bool known = jct_target ? p.jobs_completed() > 0 && unfinished * 20 <= p.jobs_submitted()
                                  : p.jobs_submitted() > 0;
    if (!known) {
      ++unknown;
      continue;
    }
    const double y = jct_target ? p.p95_jct_s() : p.p95_queue_delay_s();
    ScatterPoint pt;
    pt.x = p.total_cost_usd();
    pt.y = y;
    pt.color = p.meets_target() ? 2 : 3;
    pt.hollow = !p.meets_target();
    pt.emphasis = i == plan.recommended();
    pt.show_label = i == plan.recommended() || i == plan.current();
    pt.label = i == plan.recommended() && i == plan.current() ? "recommended = current"
               : i == plan.recommended()                      ? "recommended"
               : i == plan.current()                          ? "current"
                                                              : "";
    pt.title = fmt::format("{}\nbill {}\nutilisation {:.1f}%\np95 wait {}\np95 JCT {}\n{}",
                           nodes_text(p), FormatUsd(p.total_cost_usd()),
                           100 * p.gpu_utilization(), FormatValue(p.p95_queue_delay_s(), Unit::kSeconds),
                           FormatValue(p.p95_jct_s(), Unit::kSeconds),
                           p.meets_target() ? "meets the target" : "misses: " + p.misses());
    xs.push_back(pt.x);
    ys.push_back(pt.y);
    sc.points.push_back(std::move(pt));
  }
  sc.frontier = chart::ParetoFrontier(xs, ys);
  for (const std::size_t i : sc.frontier) sc.points[i].title += "\non the frontier";
  if (!sc.points.empty()) {
    std::string caption =
        "Each point is one combination of pool sizes. The dashed staircase joins the candidates "
        "no other candidate beats on both bill and this delay; the recommendation (ringed) is "
        "the cheapest candidate meeting the target (docs/planner.md).";
    if (unknown > 0) {
      caption += fmt::format(" {} candidate(s) are not drawn: their {} is not known ({}).", unknown,
                             jct_target ? "p95 JCT" : "queueing delay",
                             jct_target ? "no job completed, or over 5% unfinished" : "no jobs");
    }
    out += Figure(chart::RenderScatterChart(sc), Escape(caption));
  }
  out += "<div class=\"scroll\"><table><thead><tr><th>nodes</th><th>bill</th><th>utilisation</th>"
         "<th>p95 wait</th><th>p95 JCT</th><th>target</th></tr></thead><tbody>";
  for (int i = 0; i < plan.points_size(); ++i) {
    const v1::PlanPoint& p = plan.points(i);
    if (!p.on_frontier() && i != plan.recommended() && i != plan.current()) continue;
    std::string tag = i == plan.recommended() ? " (recommended)" : i == plan.current() ? " (current)" : "";
    out += fmt::format("<tr><td>{}{}</td><td>{}</td><td>{:.1f}%</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       Escape(nodes_text(p)), tag, Usd(p.total_cost_usd()),
                       100 * p.gpu_utilization(),
                       Escape(FormatValue(p.p95_queue_delay_s(), Unit::kSeconds)),
                       Escape(FormatValue(p.p95_jct_s(), Unit::kSeconds)),
                       p.meets_target() ? "met" : "misses: " + Escape(p.misses()));
  }
  out += "</tbody></table></div>\n<p class=\"note\">The table lists the planner's frontier (by "
         "p95 queueing delay), the recommendation and the scenario's own sizes; "
         "<code>burnrate plan --json</code> has every candidate.</p>\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// Assumptions.

std::string Dist(const DurationDist& d) {
  const auto s = [](double v) { return FormatValue(v, Unit::kSeconds); };
  std::string out;
  switch (d.kind) {
    case DurationDist::Kind::kConstant: out = s(d.constant_s); break;
    case DurationDist::Kind::kExponential: out = "exponential, mean " + s(d.mean_s); break;
    case DurationDist::Kind::kLognormal:
      out = fmt::format("lognormal, median {}, sigma {:.3g}", s(d.median_s), d.sigma);
      break;
    case DurationDist::Kind::kEmpirical:
      out = fmt::format("empirical, {} samples", d.samples_s.size());
      break;
  }
  if (d.min_s > 0 || d.max_s > 0) {
    out += " (clipped to " + (d.min_s > 0 ? s(d.min_s) : "0") + ".." +
           (d.max_s > 0 ? s(d.max_s) : "inf") + ")";
  }
  return out;
}

std::string PoolPrice(const PoolSpec& p) {
  const double hourly = static_cast<double>(p.price) / static_cast<double>(kMicroDollarsPerDollar);
  switch (p.pricing) {
    case PricingModel::kOnDemand:
      return fmt::format("${:.4g} per GPU-hour", hourly) +
             (p.autoscale ? fmt::format("; autoscaled {}..{} nodes", p.min_nodes, p.nodes) : "");
    case PricingModel::kSpot:
      return fmt::format("${:.4g} per GPU-hour{}; {:.3g} revocations per node-hour", hourly,
                         p.price_series.empty() ? "" : " (price series)",
                         p.revocations_per_node_hour);
    case PricingModel::kReserved:
      return fmt::format("${:.4g} per GPU-hour", hourly) +
             (p.upfront > 0 ? "; upfront " + FormatUsd(MoneyToDollars(p.upfront)) +
                                  (p.term_months > 0 ? fmt::format(" over {} months", p.term_months)
                                                     : "")
                            : "");
    case PricingModel::kOwned:
      return fmt::format("capex {} per node over {} months; hosting {} per node-month; "
                         "${:.3g}/kWh at PUE {:.3g}",
                         FormatUsd(MoneyToDollars(p.capex_per_node)), p.amortization_months,
                         FormatUsd(MoneyToDollars(p.hosting_per_node_month)), p.usd_per_kwh, p.pue);
  }
  return "";
}

// The carbon assumptions of a pool (docs/carbon.md).
std::string PoolCarbon(const PoolSpec& p) {
  const bool owned = p.pricing == PricingModel::kOwned;
  return fmt::format("grid {}; PUE {:.3g}; embodied {:.4g} kg per GPU + {:.4g} kg per node over "
                     "{:.3g} years",
                     p.grid_source, owned ? p.pue : p.carbon_pue, p.embodied_kgco2e_per_gpu,
                     p.embodied_kgco2e_per_node, p.embodied_lifetime_years);
}

std::string ScenarioDetails(const v1::Results& results, const ScenarioModel& model);

std::string Assumptions(const v1::Results& results, const HtmlReportInput& in) {
  std::string out = "<h2 id=\"assumptions\">Assumptions</h2>\n";
  const ScenarioModel* s = in.scenario;
  out += "<table class=\"kv\"><tbody>";
  const auto kv = [&](const std::string& k, const std::string& v) {
    out += "<tr><td>" + Escape(k) + "</td><td>" + Escape(v) + "</td></tr>";
  };
  kv("scenario", results.scenario());
  if (s != nullptr && !s->source_path.empty()) kv("file", s->source_path);
  kv("start", results.start());
  kv("horizon", Days(results.horizon_s()));
  if (results.runs_size() > 0) kv("seed", std::to_string(results.runs(0).seed()));
  if (s != nullptr) {
    kv("sample interval", FormatValue(TimeToSeconds(s->sample_interval), Unit::kSeconds));
    kv("reference GPU (job durations)", s->reference_gpu);
    if (s->cross_node_speed != 1 || s->cross_rack_speed != 1) {
      kv("gang speed across nodes / racks", fmt::format("{:.3g} / {:.3g}", s->cross_node_speed,
                                                        s->cross_rack_speed));
    }
  }
  out += "</tbody></table>\n";
  if (s != nullptr) out += ScenarioDetails(results, *s);
  if (!in.scenario_text.empty()) {
    const std::string& text = in.scenario_text;
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
                       (text.back() == '\n' ? 0 : 1);
    if (text.size() <= kMaxScenarioTextBytes) {
      out += fmt::format("<details><summary>Scenario file as written ({} {})</summary><pre>{}</pre>"
                         "</details>\n",
                         lines, lines == 1 ? "line" : "lines", Escape(text));
    } else {
      // Scenarios with thousands of inline jobs would make the report as large as the file.
      out += fmt::format("<p class=\"note\">The scenario file ({} lines, {:.1f} MB) is not "
                         "embedded: over {} KB.</p>\n",
                         lines, static_cast<double>(text.size()) / 1e6, kMaxScenarioTextBytes / 1000);
    }
  }
  return out;
}

// Pools, workload, services and policies of the scenario.
std::string ScenarioDetails(const v1::Results& results, const ScenarioModel& model) {
  const ScenarioModel* s = &model;
  std::string out;
  const auto kv = [&](const std::string& k, const std::string& v) {
    out += "<tr><td>" + Escape(k) + "</td><td>" + Escape(v) + "</td></tr>";
  };

  out += "<h3>Pools</h3><table><thead><tr><th>pool</th><th>GPU</th><th>GPUs</th>"
         "<th>pricing</th><th>price</th><th>carbon</th></tr></thead><tbody>";
  for (const PoolSpec& p : s->pools) {
    out += fmt::format("<tr><td>{}</td><td>{} (speed {:.3g})</td><td>{} x {} = {}</td><td>{}</td>"
                       "<td style=\"text-align:left\">{}</td>"
                       "<td style=\"text-align:left\">{}</td></tr>",
                       Escape(p.name), Escape(p.gpu_type), p.training_speed, p.nodes,
                       p.gpus_per_node, uint64_t{p.nodes} * p.gpus_per_node,
                       PricingModelName(p.pricing), Escape(PoolPrice(p)), Escape(PoolCarbon(p)));
  }
  out += "</tbody></table>\n";

  out += "<h3>Workload</h3><table class=\"kv\"><tbody>";
  if (!s->jobs.empty()) kv("jobs listed in the scenario", std::to_string(s->jobs.size()));
  for (const GeneratorSpec& g : s->generators) {
    std::string gpus;
    for (std::size_t i = 0; i < g.gpu_values.size(); ++i) {
      gpus += (i ? ", " : "") + std::to_string(g.gpu_values[i]);
      if (g.gpu_weights.size() == g.gpu_values.size() && g.gpu_values.size() > 1) {
        gpus += fmt::format(" ({:.3g})", g.gpu_weights[i]);
      }
    }
    kv("generator " + g.name,
       fmt::format("{:.4g} jobs per hour{}; GPUs {}; duration {}; tenant {}", g.arrivals_per_hour,
                   g.hourly_profile.empty() ? "" : " (hourly profile)", gpus, Dist(g.duration),
                   g.tenant));
  }
  for (const TraceSourceSpec& t : s->traces) {
    std::string v = t.format + " trace " + t.path;
    if (t.load_multiplier != 1) v += fmt::format("; load x{:.3g}", t.load_multiplier);
    if (t.time_compression != 1) v += fmt::format("; time compressed x{:.3g}", t.time_compression);
    if (t.window_start_s > 0 || t.window_end_s > 0) {
      v += fmt::format("; window {:.0f}..{:.0f} s of its clock", t.window_start_s, t.window_end_s);
    }
    kv("trace", v);
  }
  for (const TenantSpec& t : s->tenants) {
    kv("tenant " + t.name, fmt::format("weight {:.3g}{}{}", t.weight,
                                       t.quota_gpus ? fmt::format(", quota {} GPUs", t.quota_gpus) : "",
                                       t.max_gpus ? fmt::format(", at most {} GPUs", t.max_gpus) : ""));
  }
  out += "</tbody></table>\n";

  if (!s->services.empty()) {
    out += "<h3>Inference services</h3><table class=\"kv\"><tbody>";
    for (const ServiceSpec& sv : s->services) {
      std::string load;
      switch (sv.load.kind) {
        case LoadSpec::Kind::kConstant:
          load = fmt::format("Poisson, {:.4g} requests/s", sv.load.requests_per_s);
          break;
        case LoadSpec::Kind::kProfile:
          load = fmt::format("Poisson, mean {:.4g} requests/s with {} profile", sv.load.requests_per_s,
                             sv.load.weekly_profile.empty() ? "a daily" : "daily and weekly");
          break;
        case LoadSpec::Kind::kTrace: load = sv.load.trace.format + " trace " + sv.load.trace.path; break;
      }
      std::string v = fmt::format(
          "{}; {} GPU(s) per replica, {} slots; {} replicas; routing {}; autoscaler {}; "
          "{} fidelity; load: {}",
          sv.model.empty() ? "model unnamed" : sv.model, sv.gpus_per_replica, sv.concurrency,
          sv.min_replicas == sv.max_replicas ? std::to_string(sv.min_replicas)
                                             : fmt::format("{}..{}", sv.min_replicas, sv.max_replicas),
          sv.routing, sv.replica_timeline.empty() ? sv.autoscaler : "replica-trace",
          sv.fidelity == ServiceSpec::Fidelity::kFluid ? "fluid" : "request-level", load);
      if (sv.slo_latency_s > 0) {
        v += fmt::format("; SLO {:.4g}% of {} within {}", 100 * sv.slo_attainment_target,
                         sv.slo_on_ttft ? "first tokens" : "requests",
                         FormatValue(sv.slo_latency_s, Unit::kSeconds));
      }
      if (sv.usd_per_request > 0) v += fmt::format("; ${:.4g} per request", sv.usd_per_request);
      if (sv.usd_per_1k_input_tokens > 0 || sv.usd_per_1k_output_tokens > 0) {
        v += fmt::format("; ${:.4g} / ${:.4g} per 1k input / output tokens",
                         sv.usd_per_1k_input_tokens, sv.usd_per_1k_output_tokens);
      }
      kv("service " + sv.name, v);
    }
    out += "</tbody></table>\n";
  }

  if (results.runs_size() > 0) {
    out += "<h3>Policies</h3><table class=\"kv\"><tbody>";
    for (int r = 0; r < results.runs_size(); ++r) {
      kv(std::to_string(r + 1), results.runs(r).policy());
    }
    out += "</tbody></table>\n";
  }
  out += "<p class=\"note\">Model and money definitions: docs/model.md; policies: docs/policies.md "
         "in the burnrate repository.</p>\n";
  return out;
}

}  // namespace

std::string RenderHtmlReport(const HtmlReportInput& in) {
  const v1::Results& results = *in.results;
  const int64_t start = StartUnix(results);
  const bool runs = results.runs_size() > 0;
  bool jobs = false;
  std::vector<std::string> services;
  for (const v1::RunResult& run : results.runs()) {
    jobs |= run.summary().jobs_submitted() > 0;
    for (const v1::ServiceResult& sv : run.services()) {
      if (std::find(services.begin(), services.end(), sv.name()) == services.end()) {
        services.push_back(sv.name());
      }
    }
  }

  const std::string title =
      "burnrate report: " + (results.scenario().empty() ? std::string("scenario") : results.scenario());
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>" + Escape(title) + "</title>\n<style>" + std::string(kCss) +
                    "</style>\n</head>\n<body>\n";
  out += "<header><h1>" + Escape(title) + "</h1>\n<p class=\"lede\">";
  out += Escape(fmt::format("Start {}, horizon {}", results.start(), Days(results.horizon_s())));
  if (runs) {
    out += Escape(fmt::format(", {} {}, seed {}.", results.runs_size(),
                              results.runs_size() == 1 ? "policy" : "policies",
                              results.runs(0).seed()));
  } else {
    out += ".";
  }
  out += "</p>\n<nav>";
  if (runs) {
    out += "<a href=\"#glance\">At a glance</a><a href=\"#money\">Money</a>"
           "<a href=\"#utilisation\">Utilisation</a>";
    if (jobs) out += "<a href=\"#jobs\">Jobs</a>";
    if (!services.empty()) out += "<a href=\"#inference\">Inference</a>";
    out += "<a href=\"#key\">All numbers</a>";
  }
  if (in.plan != nullptr) out += "<a href=\"#plan\">Plan</a>";
  out += "<a href=\"#assumptions\">Assumptions</a></nav></header>\n";

  if (runs) {
    out += "<h2 id=\"glance\">At a glance</h2>\n"
           "<p class=\"note\">One column per policy; the best of each row is bold with a star. "
           "Every number is in <a href=\"#key\">All numbers</a> below.</p>\n";
    out += AtAGlance(results, services);
    out += "<h2 id=\"money\">Money</h2>\n";
    out += MoneySection(results, start);
    out += CarbonSection(results);
    out += "<h2 id=\"utilisation\">Utilisation and queue</h2>\n";
    out += UtilisationSection(results, in.scenario, start, jobs);
    if (jobs) {
      out += "<h2 id=\"jobs\">Job service</h2>\n";
      out += CdfChart(results, true);
      out += CdfChart(results, false);
    }
    if (!services.empty()) {
      out += "<h2 id=\"inference\">Inference</h2>\n";
      const std::vector<std::string> ids = UniqueIds(services, "service");
      for (std::size_t i = 0; i < services.size(); ++i) {
        out += ServiceSection(results, in.scenario, services[i], ids[i], start);
      }
    }
    out += "<h2 id=\"key\">All numbers</h2>\n"
           "<p class=\"note\">The table <code>burnrate run</code> prints: one column per "
           "policy; the best value of each comparable row is bold with a star.</p>\n";
    out += KeyNumbers(results);
  }
  if (in.plan != nullptr) out += PlanSection(*in.plan, in.scenario);
  out += Assumptions(results, in);
  out += "<footer>Made by " + Escape(in.version.empty() ? "burnrate" : in.version);
  if (!in.command.empty()) out += ": <code>" + Escape(in.command) + "</code>";
  out += ". Self-contained: no scripts, no network. Hover a chart for values.</footer>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace burnrate
