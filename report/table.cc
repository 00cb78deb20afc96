#include "report/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace burnrate {
namespace {

constexpr std::size_t kColumnGap = 2;        // Spaces before each value column.
constexpr std::size_t kMaxHeaderWidth = 24;  // Widest a column grows to fit its policy name.
constexpr std::size_t kMaxHeaderLines = 4;   // Longer names are abbreviated with "~".
constexpr std::size_t kMinHeaderWidth = 8;   // Narrowest column, for legible headers.
constexpr std::size_t kMinLabelWidth = 8;
constexpr std::string_view kIndent = "  ";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";
constexpr double kSecondsPerDay = 86400.0;

// Inserts thousands separators into the leading run of digits of `s` ("1234567.89" ->
// "1,234,567.89").
std::string GroupThousands(std::string s) {
  const std::size_t digits = std::min(s.find_first_not_of("0123456789"), s.size());
  std::string out;
  out.reserve(s.size() + digits / 3);
  for (std::size_t i = 0; i < digits; ++i) {
    if (i > 0 && (digits - i) % 3 == 0) out.push_back(',');
    out.push_back(s[i]);
  }
  out.append(s, digits, std::string::npos);
  return out;
}

std::string FormatCount(uint64_t n) { return GroupThousands(fmt::format("{}", n)); }

std::string FormatPercent(double fraction) { return fmt::format("{:.1f}%", fraction * 100.0); }

std::string FormatGpuHours(double hours) {
  if (!std::isfinite(hours)) return "-";
  if (std::fabs(hours) < 1000.0) return fmt::format("{:.1f}", hours);
  const std::string sign = hours < 0 ? "-" : "";
  return sign + GroupThousands(fmt::format("{:.0f}", std::fabs(hours)));
}

std::string FormatDays(double seconds) {
  std::string days = fmt::format("{:.1f}", seconds / kSecondsPerDay);
  if (days.size() > 2 && days.compare(days.size() - 2, 2, ".0") == 0) {
    days.resize(days.size() - 2);
  }
  return days + (days == "1" ? " day" : " days");
}

enum class Better { kNone, kLower, kHigher };

// One table cell: `value` is what "best" compares; nullopt when not applicable ("-").
struct Cell {
  std::string text;
  std::optional<double> value;
};

struct Row {
  bool heading = false;
  std::string label;
  Better better = Better::kNone;
  std::vector<Cell> cells;
  std::vector<bool> best;
};

Cell Na() { return Cell{"-", std::nullopt}; }

// Marks the best cells of `row`: those displaying the same text as the best value, so
// values that print identically tie. No mark with fewer than two comparable values or
// when all comparable values print the same.
void MarkBest(Row& row) {
  row.best.assign(row.cells.size(), false);
  if (row.better == Better::kNone) return;
  std::optional<std::size_t> best;
  std::size_t comparable = 0;
  for (std::size_t i = 0; i < row.cells.size(); ++i) {
    const std::optional<double>& v = row.cells[i].value;
    if (!v.has_value() || std::isnan(*v)) continue;
    ++comparable;
    if (!best.has_value()) {
      best = i;
      continue;
    }
    const double b = *row.cells[*best].value;
    if ((row.better == Better::kLower && *v < b) || (row.better == Better::kHigher && *v > b)) {
      best = i;
    }
  }
  if (comparable < 2) return;
  const std::string& best_text = row.cells[*best].text;
  bool all_equal = true;
  for (const Cell& cell : row.cells) {
    if (cell.value.has_value() && cell.text != best_text) all_equal = false;
  }
  if (all_equal) return;
  for (std::size_t i = 0; i < row.cells.size(); ++i) {
    row.best[i] = row.cells[i].value.has_value() && row.cells[i].text == best_text;
  }
}

class RowBuilder {
 public:
  explicit RowBuilder(const burnrate::v1::Results& results) : results_(results) {}

  void Heading(std::string label) {
    Row row;
    row.heading = true;
    row.label = std::move(label);
    rows_.push_back(std::move(row));
  }

  // `cell` maps a run to its cell.
  template <typename F>
  void Data(std::string label, Better better, F cell) {
    Row row;
    row.label = std::string(kIndent) + std::move(label);
    row.better = better;
    for (const burnrate::v1::RunResult& run : results_.runs()) row.cells.push_back(cell(run));
    MarkBest(row);
    rows_.push_back(std::move(row));
  }

  std::vector<Row> Take() { return std::move(rows_); }

 private:
  const burnrate::v1::Results& results_;
  std::vector<Row> rows_;
};

using Run = burnrate::v1::RunResult;

Cell CountCell(uint64_t n) { return Cell{FormatCount(n), static_cast<double>(n)}; }
Cell DurationCell(double s) { return Cell{FormatDuration(s), s}; }
Cell UsdCell(double usd) { return Cell{FormatUsd(usd), usd}; }
Cell PercentCell(double fraction) { return Cell{FormatPercent(fraction), fraction}; }
Cell GpuHoursCell(double h) { return Cell{FormatGpuHours(h), h}; }
// Kilograms of CO2e and kWh print like GPU-hours: one decimal below 1,000, then grouped.
Cell AmountCell(double x) { return Cell{FormatGpuHours(x), x}; }

const burnrate::v1::MonthResult* FindMonth(const Run& run, const std::string& month) {
  for (const burnrate::v1::MonthResult& m : run.monthly()) {
    if (m.month() == month) return &m;
  }
  return nullptr;
}

std::vector<Row> BuildRows(const burnrate::v1::Results& results) {
  RowBuilder b(results);

  b.Heading("Jobs");
  b.Data("submitted", Better::kNone,
         [](const Run& r) { return CountCell(r.summary().jobs_submitted()); });
  b.Data("completed", Better::kHigher,
         [](const Run& r) { return CountCell(r.summary().jobs_completed()); });
  b.Data("running at horizon", Better::kNone,
         [](const Run& r) { return CountCell(r.summary().jobs_running_at_horizon()); });
  b.Data("queued at horizon", Better::kNone,
         [](const Run& r) { return CountCell(r.summary().jobs_queued_at_horizon()); });
  bool rejected = false;
  for (const Run& run : results.runs()) rejected |= run.summary().jobs_rejected() > 0;
  if (rejected) {
    b.Data("rejected (too large for any pool)", Better::kLower,
           [](const Run& r) { return CountCell(r.summary().jobs_rejected()); });
  }

  // JCT is over completed jobs and queueing delay over started ones: "-" when there are none,
  // so an empty run does not look best with a zero.
  b.Heading("Service");
  auto jct = [](double (burnrate::v1::Summary::*field)() const) {
    return [field](const Run& r) {
      return r.summary().jobs_completed() > 0 ? DurationCell((r.summary().*field)()) : Na();
    };
  };
  b.Data("mean JCT", Better::kLower, jct(&burnrate::v1::Summary::mean_jct_s));
  b.Data("p50 JCT", Better::kLower, jct(&burnrate::v1::Summary::p50_jct_s));
  b.Data("p95 JCT", Better::kLower, jct(&burnrate::v1::Summary::p95_jct_s));
  b.Data("p99 JCT", Better::kLower, jct(&burnrate::v1::Summary::p99_jct_s));
  // Queueing delay counts jobs still waiting at the horizon (their wait so far).
  b.Data("mean queueing delay", Better::kLower, [](const Run& r) {
    return r.summary().jobs_submitted() > 0 ? DurationCell(r.summary().mean_queue_delay_s()) : Na();
  });
  b.Data("p95 queueing delay", Better::kLower, [](const Run& r) {
    return r.summary().jobs_submitted() > 0 ? DurationCell(r.summary().p95_queue_delay_s()) : Na();
  });
  b.Data("max queueing delay", Better::kLower, [](const Run& r) {
    return r.summary().jobs_submitted() > 0 ? DurationCell(r.summary().max_queue_delay_s()) : Na();
  });
  // Makespan only compares runs that completed the same jobs count: finishing more work
  // takes longer.
  bool same_completed = true;
  for (const Run& run : results.runs()) {
    if (run.summary().jobs_completed() != results.runs(0).summary().jobs_completed()) {
      same_completed = false;
    }
  }
  b.Data("makespan", same_completed ? Better::kLower : Better::kNone, [](const Run& r) {
    return r.summary().jobs_completed() > 0 ? DurationCell(r.summary().makespan_s()) : Na();
  });

  b.Heading("Efficiency");
  b.Data("GPU utilisation", Better::kHigher, [](const Run& r) {
    return r.summary().gpu_hours_provisioned() > 0 ? PercentCell(r.summary().gpu_utilization())
                                                   : Na();
  });
  b.Data("GPU-hours provisioned", Better::kNone,
         [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_provisioned()); });
  b.Data("GPU-hours allocated", Better::kNone,
         [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_allocated()); });
  b.Data("GPU-hours idle", Better::kLower,
         [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_idle()); });
  b.Data("unallocated GPUs (mean)", Better::kLower, [](const Run& r) {
    return r.summary().gpu_hours_provisioned() > 0
               ? PercentCell(r.summary().unallocated_gpu_share())
               : Na();
  });
  b.Data("GPU fragmentation (FGD)", Better::kLower, [](const Run& r) {
    return r.summary().gpu_hours_provisioned() > 0 ? PercentCell(r.summary().gpu_fragmentation())
                                                   : Na();
  });
  b.Data("preemptions", Better::kLower,
         [](const Run& r) { return CountCell(r.summary().preemptions()); });
  b.Data("GPU-hours lost to preemption", Better::kLower,
         [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_lost()); });
  // Hardware failures and checkpoint writes, only when some run had them (docs/failures.md).
  bool failures = false, rack_failures = false;
  for (const Run& run : results.runs()) {
    const burnrate::v1::Summary& s = run.summary();
    failures |= s.node_failures() > 0 || s.rack_failures() > 0 ||
                s.job_interruptions_by_failure() > 0 || s.gpu_hours_checkpointing() > 0 ||
                s.gpu_hours_down() > 0;
    rack_failures |= s.rack_failures() > 0;
  }
  if (failures) {
    b.Data("node failures", Better::kNone,
           [](const Run& r) { return CountCell(r.summary().node_failures()); });
    if (rack_failures) {
      b.Data("rack failures", Better::kNone,
             [](const Run& r) { return CountCell(r.summary().rack_failures()); });
    }
    b.Data("jobs interrupted by failures", Better::kLower,
           [](const Run& r) { return CountCell(r.summary().job_interruptions_by_failure()); });
    b.Data("GPU-hours lost to failures", Better::kLower,
           [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_lost_to_failures()); });
    b.Data("GPU-hours writing checkpoints", Better::kLower,
           [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_checkpointing()); });
    b.Data("GPU-hours of failed nodes", Better::kLower,
           [](const Run& r) { return GpuHoursCell(r.summary().gpu_hours_down()); });
    b.Data("goodput (useful / allocated)", Better::kHigher, [](const Run& r) {
      return r.summary().gpu_hours_allocated() > 0 ? PercentCell(r.summary().goodput()) : Na();
    });
  }

  b.Heading("Fairness");
  b.Data("mean finish-time fairness (rho)", Better::kLower, [](const Run& r) {
    return r.summary().jobs_completed() > 0 ? Cell{fmt::format("{:.2f}", r.summary().mean_ftf()),
                                                   r.summary().mean_ftf()}
                                            : Na();
  });
  b.Data("max rho", Better::kLower, [](const Run& r) {
    return r.summary().jobs_completed() > 0 ? Cell{fmt::format("{:.2f}", r.summary().max_ftf()),
                                                   r.summary().max_ftf()}
                                            : Na();
  });
  b.Data("Jain index across tenants", Better::kHigher, [](const Run& r) {
    return r.summary().jobs_completed() > 0
               ? Cell{fmt::format("{:.3f}", r.summary().jain_fairness()),
                      r.summary().jain_fairness()}
               : Na();
  });

  // Inference services (the union over runs, by name, in first-seen order).
  std::vector<std::string> services;
  for (const Run& run : results.runs()) {
    for (const burnrate::v1::ServiceResult& sv : run.services()) {
      if (std::find(services.begin(), services.end(), sv.name()) == services.end()) {
        services.push_back(sv.name());
      }
    }
  }
  const auto find_service = [](const Run& r,
                               const std::string& name) -> const burnrate::v1::ServiceResult* {
    for (const burnrate::v1::ServiceResult& sv : r.services()) {
      if (sv.name() == name) return &sv;
    }
    return nullptr;
  };
  for (const std::string& name : services) {
    b.Heading("Inference: " + name);
    b.Data("requests served", Better::kHigher, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? CountCell(static_cast<uint64_t>(std::llround(sv->requests_served())))
                           : Na();
    });
    b.Data("requests dropped", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? CountCell(static_cast<uint64_t>(std::llround(sv->requests_dropped())))
                           : Na();
    });
    bool unfinished = false;
    for (const Run& run : results.runs()) {
      const auto* sv = find_service(run, name);
      unfinished |= sv != nullptr && sv->requests_unfinished() > 0;
    }
    if (unfinished) {
      b.Data("requests never served", Better::kLower, [&](const Run& r) {
        const auto* sv = find_service(r, name);
        return sv != nullptr
                   ? CountCell(static_cast<uint64_t>(std::llround(sv->requests_unfinished())))
                   : Na();
      });
    }
    b.Data("SLO attainment", Better::kHigher, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      if (sv == nullptr || sv->requests_arrived() <= 0 || sv->slo_latency_s() <= 0) return Na();
      Cell c = PercentCell(sv->slo_attainment());
      c.text += sv->slo_met() ? " ok" : " MISS";
      return c;
    });
    b.Data("p50 latency", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr && sv->requests_served() > 0 ? DurationCell(sv->p50_latency_s())
                                                        : Na();
    });
    b.Data("p99 latency", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr && sv->requests_served() > 0 ? DurationCell(sv->p99_latency_s())
                                                        : Na();
    });
    b.Data("replicas (mean / max)", Better::kNone, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      if (sv == nullptr) return Na();
      return Cell{fmt::format("{:.1f} / {}", sv->mean_replicas(), sv->max_replicas()),
                  std::nullopt};
    });
    b.Data("GPU-hours", Better::kNone, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? GpuHoursCell(sv->gpu_hours()) : Na();
    });
    b.Data("cost per 1M requests", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      if (sv == nullptr || sv->requests_served() <= 0) return Na();
      return Cell{FormatUsdWithCents(sv->cost_per_million_requests_usd()),
                  sv->cost_per_million_requests_usd()};
    });
    b.Data("revenue", Better::kHigher, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? UsdCell(sv->revenue_usd()) : Na();
    });
    b.Data("training jobs evicted", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? CountCell(sv->training_preemptions()) : Na();
    });
    b.Data("training delay caused", Better::kLower, [&](const Run& r) {
      const auto* sv = find_service(r, name);
      return sv != nullptr ? DurationCell(sv->training_delay_hours() * 3600.0) : Na();
    });
  }

  b.Heading("Money");
  b.Data("total bill", Better::kLower,
         [](const Run& r) { return UsdCell(r.summary().total_cost_usd()); });
  if (!services.empty()) {
    b.Data("inference revenue", Better::kHigher,
           [](const Run& r) { return UsdCell(r.summary().revenue_usd()); });
    b.Data("gross margin (revenue - bill)", Better::kHigher,
           [](const Run& r) { return UsdCell(r.summary().gross_margin_usd()); });
  }
  // Bill categories, each shown only when some run has it.
  using PoolField = double (burnrate::v1::PoolResult::*)() const;
  auto pool_sum = [](const Run& r, PoolField f) {
    double sum = 0;
    for (const burnrate::v1::PoolResult& p : r.pools()) sum += (p.*f)();
    return sum;
  };
  const std::pair<const char*, std::vector<PoolField>> categories[] = {
      {"  hourly charges",
       {&burnrate::v1::PoolResult::usage_usd, &burnrate::v1::PoolResult::idle_capacity_usd}},
      {"  upfront (amortised)", {&burnrate::v1::PoolResult::upfront_usd}},
      {"  capex (amortised)", {&burnrate::v1::PoolResult::capex_usd}},
      {"  hosting", {&burnrate::v1::PoolResult::hosting_usd}},
      {"  energy", {&burnrate::v1::PoolResult::energy_usd}},
  };
  bool fixed_costs = false;  // anything beyond hourly charges?
  for (const Run& run : results.runs()) {
    for (size_t c = 1; c < std::size(categories); ++c) {
      for (PoolField f : categories[c].second) fixed_costs |= pool_sum(run, f) != 0;
    }
  }
  if (fixed_costs) {
    for (const auto& [label, fields] : categories) {
      bool any = false;
      for (const Run& run : results.runs()) {
        for (PoolField f : fields) any |= pool_sum(run, f) != 0;
      }
      if (!any) continue;
      b.Data(label, Better::kLower, [fields = fields, pool_sum](const Run& r) {
        double usd = 0;
        for (PoolField f : fields) usd += pool_sum(r, f);
        return UsdCell(usd);
      });
    }
  }
  b.Data("idle cost", Better::kLower,
         [](const Run& r) { return UsdCell(r.summary().idle_cost_usd()); });
  b.Data("idle share of bill", Better::kLower, [](const Run& r) {
    const double total = r.summary().total_cost_usd();
    return total > 0 ? PercentCell(r.summary().idle_cost_usd() / total) : Na();
  });
  b.Data("cost per allocated GPU-hour", Better::kLower, [](const Run& r) {
    if (r.summary().gpu_hours_allocated() <= 0) return Na();
    const double usd = r.summary().cost_per_allocated_gpu_hour_usd();
    return Cell{FormatUsdWithCents(usd), usd};
  });
  // Useful: allocated GPU-time that counted toward completion (not lost to preemption or
  // failures); differs from the row above only when work was lost.
  b.Data("cost per useful GPU-hour", Better::kLower, [](const Run& r) {
    if (r.summary().gpu_hours_useful() <= 0) return Na();
    const double usd = r.summary().cost_per_useful_gpu_hour_usd();
    return Cell{FormatUsdWithCents(usd), usd};
  });

  // Carbon (docs/carbon.md): every pool's grid and embodied emissions, beside the bill.
  b.Heading("Carbon (kg CO2e)");
  b.Data("total", Better::kLower, [](const Run& r) { return AmountCell(r.summary().co2e_kg()); });
  b.Data("  operational (grid electricity)", Better::kLower,
         [](const Run& r) { return AmountCell(r.summary().co2e_operational_kg()); });
  b.Data("  embodied (hardware, amortised)", Better::kLower,
         [](const Run& r) { return AmountCell(r.summary().co2e_embodied_kg()); });
  b.Data("facility energy (kWh)", Better::kLower,
         [](const Run& r) { return AmountCell(r.summary().facility_kwh()); });
  b.Data("per useful GPU-hour", Better::kLower, [](const Run& r) {
    const double useful = r.summary().gpu_hours_useful();
    if (useful <= 0) return Na();
    const double kg = r.summary().co2e_kg() / useful;
    return Cell{fmt::format("{:.3f}", kg), kg};
  });

  // Chargeback by tenant (the union over runs, by name), when there is more than one tenant.
  std::vector<std::string> tenants;
  for (const Run& run : results.runs()) {
    for (const burnrate::v1::TenantResult& t : run.tenants()) tenants.push_back(t.tenant());
  }
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  if (tenants.size() > 1) {
    // At most the 10 tenants with the largest bill in the first run; the rest are in
    // --json / --csv (tenants.csv).
    constexpr size_t kMaxTenants = 10;
    if (tenants.size() > kMaxTenants && results.runs_size() > 0) {
      std::vector<std::pair<double, std::string>> by_cost;
      for (const burnrate::v1::TenantResult& t : results.runs(0).tenants()) {
        by_cost.emplace_back(-t.cost_usd(), t.tenant());
      }
      std::sort(by_cost.begin(), by_cost.end());
      tenants.clear();
      for (size_t i = 0; i < kMaxTenants && i < by_cost.size(); ++i) {
        tenants.push_back(by_cost[i].second);
      }
    }
    b.Heading(tenants.size() == kMaxTenants
                  ? "Chargeback: the 10 largest tenants (all in tenants.csv)"
                  : "Chargeback (bill shared by GPU-hours used)");
    for (const std::string& tenant : tenants) {
      b.Data(tenant, Better::kNone, [&tenant](const Run& r) {
        for (const burnrate::v1::TenantResult& t : r.tenants()) {
          if (t.tenant() == tenant) return UsdCell(t.cost_usd());
        }
        return Na();
      });
    }
    b.Heading(tenants.size() == kMaxTenants
                  ? "Carbon: the 10 largest tenants by bill (kg CO2e; all in tenants.csv)"
                  : "Carbon by tenant (kg CO2e, by GPU-hours x the hour's grid intensity)");
    for (const std::string& tenant : tenants) {
      b.Data(tenant, Better::kNone, [&tenant](const Run& r) {
        for (const burnrate::v1::TenantResult& t : r.tenants()) {
          if (t.tenant() == tenant) return AmountCell(t.co2e_kg());
        }
        return Na();
      });
    }
    b.Data("unattributed", Better::kNone, [](const Run& r) {
      return AmountCell(r.summary().unattributed_co2e_kg());
    });
  }

  // Months in calendar order ("YYYY-MM" sorts), the union over runs.
  std::vector<std::string> months;
  for (const Run& run : results.runs()) {
    for (const burnrate::v1::MonthResult& m : run.monthly()) months.push_back(m.month());
  }
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());
  if (!months.empty()) {
    b.Heading("Monthly bill");
    for (const std::string& month : months) {
      b.Data(month, Better::kLower, [&month](const Run& r) {
        const burnrate::v1::MonthResult* m = FindMonth(r, month);
        return m != nullptr ? UsdCell(m->cost_usd()) : Na();
      });
    }
    if (!services.empty()) {
      b.Heading("Monthly gross margin (inference revenue - bill)");
      for (const std::string& month : months) {
        b.Data(month, Better::kHigher, [&month](const Run& r) {
          const burnrate::v1::MonthResult* m = FindMonth(r, month);
          return m != nullptr ? UsdCell(m->gross_margin_usd()) : Na();
        });
      }
    }
    b.Heading("Monthly carbon (kg CO2e)");
    for (const std::string& month : months) {
      b.Data(month, Better::kLower, [&month](const Run& r) {
        const burnrate::v1::MonthResult* m = FindMonth(r, month);
        return m != nullptr ? AmountCell(m->co2e_kg()) : Na();
      });
    }
    b.Heading("Monthly GPU utilisation");
    for (const std::string& month : months) {
      b.Data(month, Better::kHigher, [&month](const Run& r) {
        const burnrate::v1::MonthResult* m = FindMonth(r, month);
        return m != nullptr && m->gpu_hours_provisioned() > 0 ? PercentCell(m->gpu_utilization())
                                                              : Na();
      });
    }
  }
  return b.Take();
}

// Column headers: the policy name, with the seed when two runs share a policy.
std::vector<std::string> Headers(const burnrate::v1::Results& results) {
  std::map<std::string, int> uses;
  for (const Run& run : results.runs()) ++uses[run.policy()];
  std::vector<std::string> headers;
  for (int i = 0; i < results.runs_size(); ++i) {
    const Run& run = results.runs(i);
    std::string h = run.policy().empty() ? fmt::format("run {}", i + 1) : run.policy();
    if (uses[run.policy()] > 1) h += fmt::format(" seed {}", run.seed());
    headers.push_back(std::move(h));
  }
  return headers;
}

// Wraps `text` into lines of at most `width` characters, breaking after '+', '-', '_', '/'
// and ',' or at spaces, splitting longer pieces, and abbreviating with "~" beyond
// kMaxHeaderLines lines.
std::vector<std::string> WrapHeader(std::string_view text, std::size_t width) {
  width = std::max<std::size_t>(width, 1);
  // A policy name "QUEUE+PLACEMENT" breaks at its '+' when both halves fit.
  if (const std::size_t plus = text.find('+');
      text.size() > width && plus != std::string_view::npos && plus + 1 <= width &&
      text.size() - plus - 1 <= width && text.find(' ') == std::string_view::npos) {
    return {std::string(text.substr(0, plus + 1)), std::string(text.substr(plus + 1))};
  }
  struct Piece {
    std::string text;
    bool space_before;
  };
  std::vector<Piece> pieces;
  std::string current;
  bool space_before = false;
  auto flush = [&](bool next_space_before) {
    while (current.size() > width) {
      pieces.push_back({current.substr(0, width), space_before});
      current.erase(0, width);
      space_before = false;
    }
    if (!current.empty()) pieces.push_back({current, space_before});
    current.clear();
    space_before = next_space_before;
  };
  for (const char c : text) {
    if (c == ' ') {
      flush(true);
      continue;
    }
    current.push_back(c);
    if (c == '+' || c == '-' || c == '_' || c == '/' || c == ',') flush(false);
  }
  flush(false);

  std::vector<std::string> lines;
  std::string line;
  for (const Piece& piece : pieces) {
    const std::size_t joined =
        line.size() + (piece.space_before && !line.empty() ? 1 : 0) + piece.text.size();
    if (!line.empty() && joined > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (piece.space_before && !line.empty()) line.push_back(' ');
    line += piece.text;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  if (lines.size() > kMaxHeaderLines) {
    lines.resize(kMaxHeaderLines);
    std::string& last = lines.back();
    if (last.size() >= width) last.resize(width - 1);
    last.push_back('~');
  }
  return lines;
}

std::string Truncate(const std::string& s, std::size_t width) {
  if (s.size() <= width) return s;
  if (width == 0) return "";
  return s.substr(0, width - 1) + "~";
}

std::string PadLeft(std::string_view s, std::size_t width) {
  return std::string(width > s.size() ? width - s.size() : 0, ' ') + std::string(s);
}

std::string PadRight(std::string_view s, std::size_t width) {
  return std::string(s) + std::string(width > s.size() ? width - s.size() : 0, ' ');
}

void AppendLine(std::string& out, std::string line) {
  const std::size_t end = line.find_last_not_of(' ');
  line.resize(end == std::string::npos ? 0 : end + 1);
  out += line;
  out.push_back('\n');
}

std::string Title(const burnrate::v1::Results& results, std::size_t width) {
  std::vector<std::string> parts;
  parts.push_back("Scenario " +
                  (results.scenario().empty() ? std::string("(unnamed)") : results.scenario()));
  if (!results.start().empty()) parts.push_back("start " + results.start());
  parts.push_back("horizon " + FormatDays(results.horizon_s()));
  std::string out;
  std::string line;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string part = parts[i] + (i + 1 < parts.size() ? "," : "");
    if (!line.empty() && line.size() + 1 + part.size() > width) {
      AppendLine(out, line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + part;
  }
  AppendLine(out, line);
  return out;
}

struct Layout {
  std::size_t label_width = 0;
  std::vector<std::size_t> widths;               // Per column, including the marker slot.
  std::vector<std::vector<std::size_t>> blocks;  // Column indices per block.
};

Layout ComputeLayout(const std::vector<Row>& rows, const std::vector<std::string>& headers,
                     std::size_t width) {
  const std::size_t n = headers.size();
  Layout layout;
  // Narrowest a column may be (its values plus the marker slot, and room for a few header
  // characters) and widest it usefully gets (its whole header, up to kMaxHeaderWidth).
  std::vector<std::size_t> min_widths(n, 1);
  for (const Row& row : rows) {
    layout.label_width = std::max(layout.label_width, row.label.size());
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      min_widths[i] = std::max(min_widths[i], row.cells[i].text.size() + 1);
    }
  }
  std::vector<std::size_t> desired(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t header = std::min(headers[i].size() + 1, kMaxHeaderWidth);
    min_widths[i] = std::max(min_widths[i], std::min(header, kMinHeaderWidth));
    // Room for the longest "QUEUE+" / "PLACEMENT" half, so names break only at the '+'.
    const std::size_t plus = headers[i].find('+');
    if (plus != std::string::npos) {
      const std::size_t half = std::max(plus + 1, headers[i].size() - plus - 1) + 1;
      min_widths[i] = std::max(min_widths[i], std::min(half, kMaxHeaderWidth));
    }
    desired[i] = std::max(min_widths[i], header);
  }
  // Shrink the labels if even the widest column does not fit beside them.
  const std::size_t widest = *std::max_element(min_widths.begin(), min_widths.end());
  if (layout.label_width + kColumnGap + widest > width) {
    const std::size_t room = width > kColumnGap + widest ? width - kColumnGap - widest : 0;
    layout.label_width = std::max(kMinLabelWidth, room);
  }

  // As many columns per block as fit at their narrowest, then the slack widens headers.
  layout.widths = min_widths;
  std::vector<std::size_t> block;
  std::size_t used = layout.label_width;
  auto close_block = [&]() {
    std::size_t slack = width > used ? width - used : 0;
    bool grew = true;
    while (slack > 0 && grew) {
      grew = false;
      for (const std::size_t c : block) {
        if (slack > 0 && layout.widths[c] < desired[c]) {
          ++layout.widths[c];
          --slack;
          grew = true;
        }
      }
    }
    layout.blocks.push_back(std::move(block));
    block.clear();
    used = layout.label_width;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t add = kColumnGap + min_widths[i];
    if (!block.empty() && used + add > width) close_block();
    block.push_back(i);
    used += add;
  }
  if (!block.empty()) close_block();
  return layout;
}

std::string Bold(std::string_view s, bool color) {
  if (!color) return std::string(s);
  return std::string(kBold) + std::string(s) + std::string(kReset);
}

void RenderBlock(const std::vector<Row>& rows, const std::vector<std::string>& headers,
                 const Layout& layout, const std::vector<std::size_t>& block, bool color,
                 std::string& out) {
  // Headers, bottom-aligned, right-aligned over the numbers (over the marker slot too when a
  // header line needs the full width).
  std::vector<std::vector<std::string>> wrapped;
  std::vector<std::size_t> align;  // Right edge of each column's header lines.
  std::size_t header_lines = 0;
  for (const std::size_t c : block) {
    const std::size_t w = layout.widths[c];
    wrapped.push_back(WrapHeader(headers[c], w));
    header_lines = std::max(header_lines, wrapped.back().size());
    std::size_t longest = 0;
    for (const std::string& text : wrapped.back()) longest = std::max(longest, text.size());
    align.push_back(longest < w ? w - 1 : w);
  }
  for (std::size_t l = 0; l < header_lines; ++l) {
    std::string line(layout.label_width, ' ');
    for (std::size_t k = 0; k < block.size(); ++k) {
      const std::size_t w = layout.widths[block[k]];
      const std::vector<std::string>& lines = wrapped[k];
      const std::size_t skip = header_lines - lines.size();
      const std::string text = l >= skip ? lines[l - skip] : "";
      line += std::string(kColumnGap, ' ');
      line += PadRight(PadLeft(text, align[k]), w);
    }
    AppendLine(out, line);
  }
  std::size_t total = layout.label_width;
  for (const std::size_t c : block) total += kColumnGap + layout.widths[c];
  AppendLine(out, std::string(total, '-'));

  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (row.heading) {
      if (r > 0) AppendLine(out, "");
      AppendLine(out, Bold(Truncate(row.label, layout.label_width), color));
      continue;
    }
    std::string line = PadRight(Truncate(row.label, layout.label_width), layout.label_width);
    for (const std::size_t c : block) {
      const Cell& cell = row.cells[c];
      const bool best = row.best[c];
      const std::size_t w = layout.widths[c];
      line += std::string(kColumnGap, ' ');
      const std::string text = cell.text + (best ? "*" : " ");
      line += std::string(w > text.size() ? w - text.size() : 0, ' ');
      line += best ? Bold(text, color) : text;
    }
    AppendLine(out, line);
  }
}

}  // namespace

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds)) return "-";
  const double a = std::fabs(seconds);
  std::string out;
  if (a < 120.0) {
    out = fmt::format("{:.1f} s", seconds);
  } else if (a < 2.0 * 3600.0) {
    out = fmt::format("{:.1f} min", seconds / 60.0);
  } else if (a < 48.0 * 3600.0) {
    out = fmt::format("{:.1f} h", seconds / 3600.0);
  } else {
    out = fmt::format("{:.1f} d", seconds / kSecondsPerDay);
  }
  if (out.rfind("-0.0 ", 0) == 0) out.erase(0, 1);  // Tiny negatives round to zero.
  return out;
}

std::string FormatUsd(double usd) {
  if (!std::isfinite(usd)) return "-";
  const double a = std::fabs(usd);
  if (std::round(a * 100.0) < 100000.0) return FormatUsdWithCents(usd);
  const std::string sign = usd < 0 ? "-" : "";
  return sign + "$" + GroupThousands(fmt::format("{:.0f}", a));
}

std::string FormatUsdWithCents(double usd) {
  if (!std::isfinite(usd)) return "-";
  const double a = std::fabs(usd);
  const std::string text = fmt::format("{:.2f}", a);
  const std::string sign = usd < 0 && text != "0.00" ? "-" : "";
  return sign + "$" + GroupThousands(text);
}

std::vector<ComparisonRow> ComparisonRows(const burnrate::v1::Results& results) {
  std::vector<ComparisonRow> out;
  if (results.runs_size() == 0) return out;
  for (Row& row : BuildRows(results)) {
    ComparisonRow r;
    r.heading = row.heading;
    r.label = row.label.starts_with(kIndent) ? row.label.substr(kIndent.size()) : row.label;
    for (Cell& c : row.cells) r.cells.push_back(std::move(c.text));
    r.best = std::move(row.best);
    r.best.resize(r.cells.size(), false);
    out.push_back(std::move(r));
  }
  return out;
}

std::string RenderComparisonTable(const burnrate::v1::Results& results,
                                  const TableOptions& options) {
  const std::size_t width = static_cast<std::size_t>(std::max(options.width, 20));
  std::string out = Title(results, width);
  if (results.runs_size() == 0) {
    out += "(no runs)\n";
    return out;
  }
  const std::vector<Row> rows = BuildRows(results);
  const std::vector<std::string> headers = Headers(results);
  const Layout layout = ComputeLayout(rows, headers, width);
  bool any_best = false;
  for (const Row& row : rows) {
    for (const bool b : row.best) any_best = any_best || b;
  }
  for (const std::vector<std::size_t>& block : layout.blocks) {
    AppendLine(out, "");
    RenderBlock(rows, headers, layout, block, options.color, out);
  }
  if (any_best) {
    AppendLine(out, "");
    AppendLine(out, "* best in row");
  }
  return out;
}

}  // namespace burnrate
