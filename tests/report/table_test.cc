#include "report/table.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace burnrate {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The (first) line whose label is `label`, e.g. "  mean JCT".
std::string RowLine(const std::string& table, const std::string& label) {
  for (const std::string& line : Lines(table)) {
    if (line.rfind(label + "  ", 0) == 0) return line;
  }
  FAIL("no row " << label << " in\n" << table);
  return "";
}

v1::RunResult* AddRun(v1::Results& results, const std::string& policy) {
  v1::RunResult* run = results.add_runs();
  run->set_policy(policy);
  run->set_seed(1);
  v1::Summary* s = run->mutable_summary();
  s->set_jobs_submitted(100);
  s->set_jobs_completed(90);
  s->set_jobs_running_at_horizon(6);
  s->set_jobs_queued_at_horizon(4);
  s->set_gpu_utilization(0.5);
  s->set_mean_jct_s(3600);
  s->set_p50_jct_s(1800);
  s->set_p95_jct_s(7200);
  s->set_p99_jct_s(86400);
  s->set_mean_queue_delay_s(60);
  s->set_p95_queue_delay_s(600);
  s->set_max_queue_delay_s(6000);
  s->set_makespan_s(30 * 86400.0);
  s->set_gpu_hours_provisioned(1000);
  s->set_gpu_hours_allocated(500);
  s->set_gpu_hours_idle(500);
  s->set_total_cost_usd(2000);
  s->set_idle_cost_usd(1000);
  s->set_cost_per_allocated_gpu_hour_usd(4);
  v1::MonthResult* m = run->add_monthly();
  m->set_month("2023-08");
  m->set_cost_usd(1500);
  m->set_gpu_utilization(0.5);
  m->set_gpu_hours_provisioned(750);
  m = run->add_monthly();
  m->set_month("2023-09");
  m->set_cost_usd(500);
  m->set_gpu_utilization(0.5);
  m->set_gpu_hours_provisioned(250);
  return run;
}

v1::Results TwoRuns() {
  v1::Results results;
  results.set_scenario("demo-cluster");
  results.set_start("2023-08-01T00:00:00Z");
  results.set_horizon_s(30 * 86400.0);
  AddRun(results, "fifo+first-fit");
  v1::RunResult* b = AddRun(results, "fifo-backfill+best-fit");
  b->mutable_summary()->set_mean_jct_s(1800);
  b->mutable_summary()->set_gpu_utilization(0.75);
  b->mutable_summary()->set_total_cost_usd(1234567.4);
  b->mutable_monthly(0)->set_cost_usd(999);
  return results;
}

}  // namespace

TEST_CASE("FormatDuration picks a human unit", "[report][table]") {
  CHECK(FormatDuration(45) == "45.0 s");
  CHECK(FormatDuration(119.9) == "119.9 s");
  CHECK(FormatDuration(120) == "2.0 min");
  CHECK(FormatDuration(738) == "12.3 min");
  CHECK(FormatDuration(7200) == "2.0 h");
  CHECK(FormatDuration(5.2 * 3600) == "5.2 h");
  CHECK(FormatDuration(48 * 3600) == "2.0 d");
  CHECK(FormatDuration(3.1 * 86400) == "3.1 d");
  CHECK(FormatDuration(0) == "0.0 s");
}

TEST_CASE("FormatUsd shows cents only below $1000", "[report][table]") {
  CHECK(FormatUsd(1234567.4) == "$1,234,567");
  CHECK(FormatUsd(1000) == "$1,000");
  CHECK(FormatUsd(999.99) == "$999.99");
  CHECK(FormatUsd(12.34) == "$12.34");
  CHECK(FormatUsd(0) == "$0.00");
  CHECK(FormatUsd(-12.5) == "-$12.50");
  CHECK(FormatUsdWithCents(2.41) == "$2.41");
  CHECK(FormatUsdWithCents(1234.5) == "$1,234.50");
}

TEST_CASE("Title names the scenario and start and horizon in days", "[report][table]") {
  const std::string table = RenderComparisonTable(TwoRuns(), TableOptions{});
  const std::string title = Lines(table).at(0);
  CHECK_THAT(title, Catch::Contains("demo-cluster"));
  CHECK_THAT(title, Catch::Contains("2023-08-01T00:00:00Z"));
  CHECK_THAT(title, Catch::Contains("30 days"));
}

TEST_CASE("Best value in a row is marked in the right column", "[report][table]") {
  const std::string table = RenderComparisonTable(TwoRuns(), TableOptions{});
  INFO(table);
  // Lower JCT is better: the second run.
  const std::string jct = RowLine(table, "  mean JCT");
  CHECK_THAT(jct, Catch::EndsWith("30.0 min*"));
  CHECK_THAT(jct, Catch::Contains("60.0 min "));
  // Higher utilisation is better: the second run.
  CHECK_THAT(RowLine(table, "  GPU utilisation"), Catch::EndsWith("75.0%*"));
  // Lower bill is better: the first run.
  const std::string bill = RowLine(table, "  total bill");
  CHECK_THAT(bill, Catch::Contains("$2,000*"));
  CHECK_THAT(bill, Catch::EndsWith("$1,234,567"));
  // Equal values: no marker.
  CHECK_THAT(RowLine(table, "  p50 JCT"), !Catch::Contains("*"));
  CHECK_THAT(RowLine(table, "  completed"), !Catch::Contains("*"));
  // Monthly bill, one row per month, lower cost marked.
  CHECK_THAT(RowLine(table, "  2023-08"), Catch::EndsWith("$999.00*"));
  // Numbers are right-aligned: both runs' mean JCT cells end in the same column as the
  // p50 JCT cells.
  CHECK(jct.size() == RowLine(table, "  p50 JCT").size() + 1);
}

TEST_CASE("A single run has no best markers", "[report][table]") {
  v1::Results results = TwoRuns();
  results.mutable_runs()->RemoveLast();
  const std::string table = RenderComparisonTable(results, TableOptions{});
  CHECK_THAT(table, !Catch::Contains("*"));
  CHECK_THAT(table, Catch::Contains("fifo+first-fit"));
}

TEST_CASE("A run with no completed jobs shows '-' for JCT and not a best zero", "[report][table]") {
  v1::Results results = TwoRuns();
  v1::Summary* s = results.mutable_runs(0)->mutable_summary();
  s->set_jobs_completed(0);
  s->set_mean_jct_s(0);
  const std::string table = RenderComparisonTable(results, TableOptions{});
  const std::string jct = RowLine(table, "  mean JCT");
  CHECK_THAT(jct, Catch::Contains(" - "));
  CHECK_THAT(jct, !Catch::Contains("0.0 s"));
  CHECK_THAT(RowLine(table, "  completed"), Catch::EndsWith("90*"));
}

TEST_CASE("No escape codes without color and bold best with color", "[report][table]") {
  const std::string plain = RenderComparisonTable(TwoRuns(), TableOptions{100, false});
  CHECK(plain.find('\x1b') == std::string::npos);
  const std::string colored = RenderComparisonTable(TwoRuns(), TableOptions{100, true});
  CHECK_THAT(colored, Catch::Contains("\x1b[1m30.0 min*\x1b[0m"));
}

TEST_CASE("Lines respect the width and many runs wrap into blocks", "[report][table]") {
  v1::Results results = TwoRuns();
  for (int i = 0; i < 8; ++i) {
    AddRun(results, "priority-backfill+topology-aware-best-fit-" + std::to_string(i));
  }
  for (const int width : {40, 60, 80, 100, 160}) {
    INFO("width " << width);
    const std::string table = RenderComparisonTable(results, TableOptions{width, false});
    INFO(table);
    for (const std::string& line : Lines(table)) CHECK(line.size() <= static_cast<size_t>(width));
    // Every run appears: each block repeats the row labels.
    int blocks = 0;
    for (const std::string& line : Lines(table)) {
      if (line.rfind("  submitted", 0) == 0) ++blocks;
    }
    CHECK(blocks >= 1);
    if (width <= 100) CHECK(blocks > 1);
    // Count the value cells of the "submitted" rows: one per run.
    int cells = 0;
    for (const std::string& line : Lines(table)) {
      if (line.rfind("  submitted", 0) != 0) continue;
      std::istringstream in(line.substr(11));
      for (std::string cell; in >> cell;) ++cells;
    }
    CHECK(cells == results.runs_size());
  }
}

TEST_CASE("Two runs fit side by side in the default width", "[report][table]") {
  const std::string table = RenderComparisonTable(TwoRuns(), TableOptions{});
  for (const std::string& line : Lines(table)) CHECK(line.size() <= 100);
  int blocks = 0;
  for (const std::string& line : Lines(table)) {
    if (line.rfind("  submitted", 0) == 0) ++blocks;
  }
  CHECK(blocks == 1);
  for (const char* heading : {"Jobs", "Service", "Efficiency", "Money", "Monthly bill"}) {
    CHECK_THAT(table, Catch::Contains(std::string("\n") + heading + "\n"));
  }
}

}  // namespace burnrate

namespace burnrate {
namespace {

TEST_CASE("Inference rows show a starved service as a 0% SLO miss with its unserved requests",
          "[report][table][serving]") {
  v1::Results results;
  results.set_scenario("s");
  for (const char* name : {"starved", "served"}) {
    v1::RunResult* run = results.add_runs();
    run->set_policy(name);
    run->mutable_summary()->set_total_cost_usd(100);
    run->mutable_summary()->set_revenue_usd(std::string(name) == "served" ? 50 : 0);
    run->mutable_summary()->set_gross_margin_usd(std::string(name) == "served" ? -50 : -100);
    v1::ServiceResult* sv = run->add_services();
    sv->set_name("api");
    sv->set_slo_latency_s(2);
    sv->set_slo_attainment_target(0.99);
    sv->set_requests_arrived(1000);
    if (std::string(name) == "served") {
      sv->set_requests_served(1000);
      sv->set_slo_attainment(0.995);
      sv->set_slo_met(true);
      sv->set_p99_latency_s(1.5);
      sv->set_revenue_usd(50);
    } else {
      sv->set_requests_unfinished(1000);
    }
  }
  const std::string table = RenderComparisonTable(results, TableOptions{});
  CHECK(RowLine(table, "  SLO attainment").find("0.0% MISS") != std::string::npos);
  CHECK(RowLine(table, "  SLO attainment").find("99.5% ok") != std::string::npos);
  CHECK(RowLine(table, "  requests never served").find("1,000") != std::string::npos);
  CHECK(RowLine(table, "  gross margin (revenue - bill)").find("-$50.00") != std::string::npos);
}

}  // namespace
}  // namespace burnrate

namespace burnrate {

TEST_CASE("Cost per useful GPU-hour charges lost work to the survivors", "[report][table]") {
  v1::Results results = TwoRuns();
  // Run a: 500 allocated GPU-hours, all useful: $4.00. Run b loses 100 to preemption: the same
  // $2,000 over 400 useful hours is $5.00, and a is the better.
  for (int i = 0; i < 2; ++i) {
    v1::Summary* s = results.mutable_runs(i)->mutable_summary();
    s->set_total_cost_usd(2000);
    s->set_gpu_hours_useful(i == 0 ? 500 : 400);
    s->set_cost_per_useful_gpu_hour_usd(i == 0 ? 4.0 : 5.0);
  }
  const std::string table = RenderComparisonTable(results, TableOptions{200, false});
  const std::string row = RowLine(table, "  cost per useful GPU-hour");
  CHECK(row.find("$4.00*") != std::string::npos);
  CHECK(row.find("$5.00") != std::string::npos);
  // No useful GPU-time at all: "-", not a best $0.
  results.mutable_runs(1)->mutable_summary()->set_gpu_hours_useful(0);
  results.mutable_runs(1)->mutable_summary()->set_cost_per_useful_gpu_hour_usd(0);
  const std::string none = RowLine(RenderComparisonTable(results, TableOptions{200, false}),
                                   "  cost per useful GPU-hour");
  CHECK(none.find("$0.00") == std::string::npos);
  CHECK(none.find(" -") != std::string::npos);
}

}  // namespace burnrate
