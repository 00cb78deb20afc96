// The HTML report and its SVG charts, checked as text: what each section shows, units and
// ticks people can read, escaping, aggregation of long runs, determinism. The browser-level
// checks (every chart laid out and drawn) are in tests/cli/report_render_test.sh.
#include <catch2/catch.hpp>

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "report/html.h"
#include "report/svg.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;
using chart::FormatValue;
using chart::Unit;

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The text of every <text class="tick"> in `svg`.
std::vector<std::string> TickLabels(const std::string& svg) {
  std::vector<std::string> out;
  const std::regex re("<text class=\"tick\"[^>]*>([^<]*)</text>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

// The chart with data-chart="id": from its <svg to its </svg>.
std::string Chart(const std::string& html, const std::string& id) {
  const std::size_t at = html.find("data-chart=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const std::size_t begin = html.rfind("<svg", at);
  return html.substr(begin, html.find("</svg>", at) + 6 - begin);
}

// A results with `runs` policies over `hours` hourly samples on two pools, with jobs.
v1::Results MakeResults(int runs, int hours, bool service = false) {
  v1::Results r;
  r.set_scenario("test <&> \"scenario\"");
  r.set_start("2024-01-01T00:00:00Z");
  r.set_horizon_s(hours * 3600.0);
  for (int k = 0; k < runs; ++k) {
    v1::RunResult* run = r.add_runs();
    run->set_policy(k == 0 ? "fifo+first-fit" : "sjf+best-fit #" + std::to_string(k));
    run->set_seed(7);
    v1::Summary* s = run->mutable_summary();
    s->set_jobs_submitted(1000);
    s->set_jobs_completed(990 - static_cast<uint32_t>(k));
    s->set_total_cost_usd(100000.0 + 1000.0 * k);
    s->set_idle_cost_usd(20000.0 - 500.0 * k);
    s->set_gpu_utilization(0.7 + 0.01 * k);
    s->set_p95_jct_s(36000.0 - 3600.0 * k * k);
    s->set_p95_queue_delay_s(600.0 * k);
    for (const char* name : {"a100", "h100"}) {
      v1::PoolResult* p = run->add_pools();
      p->set_name(name);
      p->set_gpu_type(std::string(name) == "a100" ? "A100-80GB" : "H100-80GB");
      p->set_pricing("reserved");
      p->set_gpus(64);
    }
    v1::MonthResult* m = run->add_monthly();
    m->set_month("2024-01");
    m->set_cost_usd(s->total_cost_usd());
    m->set_idle_cost_usd(s->idle_cost_usd());
    for (const char* name : {"a100", "h100"}) {
      v1::PoolMonthResult* pm = m->add_pools();
      pm->set_pool(name);
      pm->set_cost_usd(s->total_cost_usd() / 2);
      pm->set_usage_usd(s->total_cost_usd() / 2 - s->idle_cost_usd() / 2);
      pm->set_idle_capacity_usd(s->idle_cost_usd() / 2);
    }
    v1::TimeSeries* ts = run->mutable_timeseries();
    ts->set_interval_s(3600);
    v1::PoolSeries* pa = ts->add_pools();
    pa->set_pool("a100");
    v1::PoolSeries* ph = ts->add_pools();
    ph->set_pool("h100");
    for (int h = 0; h < hours; ++h) {
      ts->add_time_s(h * 3600.0);
      ts->add_queued_jobs(static_cast<uint32_t>(h % 24));
      ts->add_allocated_gpus(96);
      ts->add_provisioned_gpus(128);
      pa->add_allocated_gpus(48);
      pa->add_provisioned_gpus(64);
      ph->add_allocated_gpus(48);
      ph->add_provisioned_gpus(64);
    }
    for (v1::Distribution* d : {run->mutable_jct(), run->mutable_queue_delay()}) {
      for (int i = 0; i <= 100; ++i) {
        d->add_probability(i / 100.0);
        d->add_value_s(60.0 * std::exp(i / 10.0));
      }
    }
    if (service) {
      v1::ServiceResult* sv = run->add_services();
      sv->set_name("chat");
      sv->set_requests_arrived(1e6);
      sv->set_requests_served(1e6);
      sv->set_p50_latency_s(1.0);
      sv->set_p95_latency_s(2.5);
      sv->set_p99_latency_s(4.0 + k);
      sv->set_slo_latency_s(5.0);
      sv->set_slo_attainment_target(0.99);
      sv->set_slo_attainment(k == 0 ? 0.995 : 0.97);
      sv->set_slo_met(k == 0);
      for (int h = 0; h < hours; ++h) {
        sv->add_replicas(static_cast<uint32_t>(4 + h % 3));
        sv->add_replicas_pending(0);
      }
    }
  }
  return r;
}

std::string Render(const v1::Results& r, const v1::PlanResult* plan = nullptr) {
  HtmlReportInput in;
  in.results = &r;
  in.plan = plan;
  in.version = "burnrate test";
  in.scenario_text = "name: x  # <b>not markup</b>\n";
  return RenderHtmlReport(in);
}

TEST_CASE("values print with their units", "[report][html]") {
  CHECK(FormatValue(0.253, Unit::kPercent) == "25.3%");
  CHECK(FormatValue(1, Unit::kPercent) == "100%");
  CHECK(FormatValue(950, Unit::kUsd) == "$950");
  CHECK(FormatValue(12345, Unit::kUsd) == "$12.3k");
  CHECK(FormatValue(8256631, Unit::kUsd) == "$8.26M");
  CHECK(FormatValue(-1500, Unit::kUsd) == "-$1,500");
  CHECK(FormatValue(0.25, Unit::kSeconds) == "250 ms");
  CHECK(FormatValue(45, Unit::kSeconds) == "45 s");
  CHECK(FormatValue(900, Unit::kSeconds) == "15 min");
  CHECK(FormatValue(3600, Unit::kSeconds) == "1 h");
  CHECK(FormatValue(6 * 86400, Unit::kSeconds) == "6 d");
  CHECK(FormatValue(1234, Unit::kCount) == "1,234");
  CHECK(FormatValue(2.5e6, Unit::kCount) == "2.5M");
  CHECK(FormatValue(86400 + 3600 * 6, Unit::kDate, 1704067200) == "2024-01-02 06:00 UTC");
  CHECK(FormatValue(NAN, Unit::kUsd) == "-");
}

TEST_CASE("the Pareto frontier of cost and delay, by hand", "[report][html]") {
  // (cost, p95): b is dominated by a; d by c; e ties a on cost but is slower.
  const std::vector<double> cost = {10, 12, 15, 20, 10, NAN};
  const std::vector<double> p95 = {50, 60, 30, 35, 55, 1};
  CHECK(chart::ParetoFrontier(cost, p95) == std::vector<std::size_t>{0, 2});
  CHECK(chart::ParetoFrontier({}, {}).empty());
  CHECK(chart::ParetoFrontier({5, 4, 3}, {1, 2, 3}) == std::vector<std::size_t>{2, 1, 0});
}

TEST_CASE("long series are averaged into at most the requested points", "[report][html]") {
  std::vector<double> x, y;
  for (int i = 0; i < 10000; ++i) {
    x.push_back(i);
    y.push_back(i % 2);  // alternating 0, 1: every bin of even size averages to 0.5
  }
  const chart::Binned b = chart::BinAverage(x, y, 800);
  CHECK(b.per_bin == 13);
  CHECK(b.x.size() <= 800);
  CHECK(b.x.size() == (10000 + 12) / 13);
  CHECK(b.x[1] == 13);
  CHECK(b.y[0] == Approx(6.0 / 13));  // indices 0..12: six odd ones
  const chart::Binned same = chart::BinAverage(x, y, 20000);
  CHECK(same.per_bin == 1);
  CHECK(same.y == y);
}

TEST_CASE("tick labels stay distinct when values differ by little", "[report][html]") {
  chart::ScatterChart c;
  c.id = "s";
  c.title = "close bills";
  c.x = chart::Axis{"bill", Unit::kUsd};
  c.x.include_zero = false;
  c.y = chart::Axis{"p95", Unit::kSeconds};
  c.y.include_zero = false;
  c.points.push_back({8256631, 35.0 * 3600, "a", "", 0, true, false, false});
  c.points.push_back({8256634, 35.1 * 3600, "b", "", 1, true, false, false});
  const std::string svg = chart::RenderScatterChart(c);
  const std::vector<std::string> ticks = TickLabels(svg);
  REQUIRE(ticks.size() >= 4);
  for (std::size_t i = 1; i < ticks.size(); ++i) CHECK(ticks[i] != ticks[i - 1]);
  // Near-equal bills stay near each other: the axis spans at least 2% of the value.
  CHECK(std::set<std::string>(ticks.begin(), ticks.end()).size() == ticks.size());
  CHECK(svg.find("$8.2") != std::string::npos);
}

TEST_CASE("the report shows every section with data and escapes text", "[report][html]") {
  const v1::Results r = MakeResults(3, 24 * 7);
  const std::string html = Render(r);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.substr(html.size() - 8) == "</html>\n");
  for (const char* id : {"bill-by-pool", "bill-by-category", "cost-vs-p95-jct", "utilisation-a100",
                         "utilisation-h100", "queue-length", "jct-cdf", "queue-delay-ccdf"}) {
    INFO(id);
    const std::string svg = Chart(html, id);
    REQUIRE_FALSE(svg.empty());
    CHECK(svg.find("<g class=\"marks\">") != std::string::npos);
    CHECK(TickLabels(svg).size() >= 2);
  }
  // No services: no inference section; no plan: no plan section.
  CHECK(html.find("id=\"inference\"") == std::string::npos);
  CHECK(html.find("id=\"plan\"") == std::string::npos);
  // Text from the scenario is escaped, never markup.
  CHECK(html.find("test &lt;&amp;&gt; &quot;scenario&quot;") != std::string::npos);
  CHECK(html.find("<b>not markup</b>") == std::string::npos);
  CHECK(html.find("&lt;b&gt;not markup&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // One legend entry per policy in each line chart, in policy order and colour.
  const std::string util = Chart(html, "utilisation-a100");
  CHECK(Count(util, "<g class=\"item\">") == 3);
  CHECK(util.find("stroke=\"#0072B2\"") != std::string::npos);
  // 48 of the a100 pool's 64 GPUs are allocated at every sample: the hover bands say so.
  CHECK(util.find("fifo+first-fit: 75%") != std::string::npos);
  // The bill notes give the total and the idle share: run 0 pays $20,000 of $100,000 idle.
  CHECK(Chart(html, "bill-by-pool").find("$100,000 \xC2\xB7 idle 20%") != std::string::npos);
  // The frontier: run 0 is cheapest, runs 1 and 2 are dearer and faster: all on it.
  CHECK(Chart(html, "cost-vs-p95-jct").find("class=\"frontier\"") != std::string::npos);
  CHECK(Count(Chart(html, "cost-vs-p95-jct"), "on the frontier") == 3);
  // The glance table stars the cheapest bill (run 0) and the fastest p95 JCT (run 2: 6 h).
  CHECK(html.find("<td class=\"best\">$100,000</td>") != std::string::npos);
  CHECK(html.find("<td class=\"best\">6.0 h</td>") != std::string::npos);
}

TEST_CASE("the report is the same bytes for the same results", "[report][html]") {
  const v1::Results r = MakeResults(2, 48, true);
  CHECK(Render(r) == Render(r));
}

TEST_CASE("inference services get latency against the SLO and replicas", "[report][html]") {
  const v1::Results r = MakeResults(2, 48, true);
  const std::string html = Render(r);
  CHECK(html.find("id=\"inference\"") != std::string::npos);
  const std::string lat = Chart(html, "service-chat-latency");
  REQUIRE_FALSE(lat.empty());
  CHECK(lat.find("SLO 5 s") != std::string::npos);
  CHECK(lat.find("p99 4 s") != std::string::npos);
  CHECK(lat.find("p99 5 s") != std::string::npos);
  CHECK(lat.find("MISS") != std::string::npos);  // run 1 misses its SLO
  CHECK_FALSE(Chart(html, "service-chat-replicas").empty());
  CHECK(html.find("99.50% met") != std::string::npos);
  CHECK(html.find("97.00% MISSED") != std::string::npos);
}

TEST_CASE("a year of hourly samples stays small and legible", "[report][html]") {
  // 5 policies x 8,760 samples x 2 pools: drawn at most kMaxPointsPerSeries points a line.
  const v1::Results r = MakeResults(5, 24 * 365, true);
  const std::string html = Render(r);
  CHECK(html.size() < 1500000);
  const std::string util = Chart(html, "utilisation-a100");
  const std::regex path("<path class=\"series\" d=\"([^\"]*)\"");
  std::size_t series = 0;
  for (auto it = std::sregex_iterator(util.begin(), util.end(), path);
       it != std::sregex_iterator(); ++it) {
    ++series;
    CHECK(Count((*it)[1], "L") + 1 <= kMaxPointsPerSeries);
  }
  CHECK(series == 5);
  // The caption says the points are averages, and over how long.
  CHECK(html.find("each point is the mean of 11 samples (11 h)") != std::string::npos);
  // Over a year, the bill shows totals per policy and a monthly line.
  CHECK(html.find("over the horizon") != std::string::npos);
}

TEST_CASE("a plan report shows every candidate and marks the recommendation",
          "[report][html]") {
  v1::Results none;
  none.set_scenario("plan");
  none.set_start("2024-01-01T00:00:00Z");
  none.set_horizon_s(86400 * 30);
  v1::PlanResult plan;
  plan.set_scenario("plan");
  plan.set_policy("fifo+first-fit");
  plan.add_pools("a100");
  for (int n = 1; n <= 4; ++n) {
    v1::PlanPoint* p = plan.add_points();
    p->add_nodes(static_cast<uint32_t>(n));
    p->set_total_cost_usd(1000.0 * n);
    p->set_p95_jct_s(36000.0 / n);
    p->set_p95_queue_delay_s(7200.0 / n);
    p->set_jobs_submitted(100);
    p->set_jobs_completed(100);
    p->set_meets_target(n >= 2);
    p->set_on_frontier(true);
    if (n < 2) p->set_misses("p95 JCT 10 h > 6 h");
  }
  plan.set_recommended(1);
  plan.set_current(3);
  const std::string html = Render(none, &plan);
  const std::string svg = Chart(html, "plan-frontier");
  REQUIRE_FALSE(svg.empty());
  CHECK(Count(svg, "<g class=\"point\">") == 4);
  CHECK(svg.find(">recommended<") != std::string::npos);
  CHECK(svg.find(">current<") != std::string::npos);
  CHECK(svg.find("class=\"frontier\"") != std::string::npos);
  CHECK(html.find("a100=2 (recommended)") != std::string::npos);
  // Without a scenario the chart plots the planner's frontier metric, p95 queueing delay.
  CHECK(svg.find("p95 queueing delay") != std::string::npos);
  CHECK(html.find("misses: p95 JCT 10 h &gt; 6 h") != std::string::npos);
  // No runs: no run sections.
  CHECK(html.find("id=\"money\"") == std::string::npos);
}

TEST_CASE("plan charts plot the target's metric and leave out unknown values", "[report][html]") {
  v1::Results none;
  none.set_scenario("plan");
  none.set_start("2024-01-01T00:00:00Z");
  none.set_horizon_s(86400);
  v1::PlanResult plan;
  plan.add_pools("a");
  // Three candidates: n=1 finishes nothing (JCT unknown), n=2 and n=3 finish everything.
  for (int n = 1; n <= 3; ++n) {
    v1::PlanPoint* p = plan.add_points();
    p->add_nodes(static_cast<uint32_t>(n));
    p->set_total_cost_usd(100.0 * n);
    p->set_jobs_submitted(50);
    p->set_jobs_completed(n == 1 ? 0 : 50);
    p->set_p95_jct_s(n == 1 ? 0 : 9000.0 / n);
    p->set_meets_target(n == 3);
  }
  plan.set_recommended(2);
  plan.set_current(-1);
  ScenarioModel model;
  model.plan.target.max_p95_jct_s = 3600;
  HtmlReportInput in;
  in.results = &none;
  in.plan = &plan;
  in.scenario = &model;
  const std::string html = RenderHtmlReport(in);
  const std::string svg = Chart(html, "plan-frontier");
  REQUIRE_FALSE(svg.empty());
  CHECK(svg.find("bill vs p95 job completion time") != std::string::npos);
  CHECK(Count(svg, "<g class=\"point\">") == 2);  // n=1 is not drawn at a "fastest" 0 s
  CHECK(html.find("1 candidate(s) are not drawn") != std::string::npos);
  CHECK(html.find("target: p95 JCT at most 1 h") != std::string::npos);
  CHECK(html.find("Recommended: a=3 at $300") != std::string::npos);

  plan.set_recommended(-1);
  const std::string none_met = RenderHtmlReport(in);
  CHECK(none_met.find("No candidate meets the target") != std::string::npos);
}

TEST_CASE("chart ids stay unique when names sanitise alike", "[report][html]") {
  v1::Results r = MakeResults(1, 24);
  v1::TimeSeries* ts = r.mutable_runs(0)->mutable_timeseries();
  ts->mutable_pools(0)->set_pool("a-100");
  ts->mutable_pools(1)->set_pool("a 100");
  v1::PoolSeries* third = ts->add_pools();
  *third = ts->pools(0);
  third->set_pool("\xCE\xB1\xCE\xB2");  // no ASCII letter: falls back to "pool"
  const std::string html = Render(r);
  CHECK_FALSE(Chart(html, "utilisation-a-100").empty());
  CHECK_FALSE(Chart(html, "utilisation-a-100-2").empty());
  CHECK_FALSE(Chart(html, "utilisation-pool").empty());
  CHECK(Count(html, "data-chart=\"utilisation-a-100\"") == 1);
}

TEST_CASE("a lone sample between gaps is drawn as a dot", "[report][html]") {
  chart::LineChart c;
  c.id = "lone";
  c.title = "burst";
  c.x = chart::Axis{"t", Unit::kSeconds};
  c.y = chart::Axis{"u", Unit::kPercent};
  c.series.push_back({"s", {0, 1, 2, 3, 4}, {NAN, NAN, 0.5, NAN, NAN}, 0, false, false, {}, {}});
  const std::string svg = chart::RenderLineChart(c);
  const std::regex path("<path class=\"series\" d=\"M[0-9.]+ [0-9.]+h0.1\"");
  CHECK(std::regex_search(svg, path));
}

TEST_CASE("duration ticks use one unit across an axis", "[report][html]") {
  chart::LineChart c;
  c.id = "d";
  c.title = "delays";
  c.x = chart::Axis{"t", Unit::kNumber};
  c.y = chart::Axis{"delay", Unit::kSeconds};
  c.series.push_back({"s", {0, 1}, {0, 3.33 * 86400}, 0, false, false, {}, {}});
  const std::vector<std::string> ticks = TickLabels(chart::RenderLineChart(c));
  std::size_t days = 0;
  for (const std::string& t : ticks) days += t.size() > 2 && t.substr(t.size() - 2) == " d";
  CHECK(days >= 2);  // the y ticks, all in days ...
  for (const std::string& t : ticks) CHECK(t.find(" h") == std::string::npos);  // ... none in h
}

TEST_CASE("queueing-delay tails end at the longest wait and say when nobody waited",
          "[report][html]") {
  v1::Results r = MakeResults(1, 24);
  const std::string html = Render(r);
  const std::string ccdf = Chart(html, "queue-delay-ccdf");
  REQUIRE_FALSE(ccdf.empty());
  CHECK(ccdf.find("longest wait") != std::string::npos);
  // Every job started at once: no chart, a sentence.
  v1::Distribution* d = r.mutable_runs(0)->mutable_queue_delay();
  for (int i = 0; i < d->value_s_size(); ++i) d->set_value_s(i, 0);
  const std::string idle = Render(r);
  CHECK(Chart(idle, "queue-delay-ccdf").empty());
  CHECK(idle.find("No job waited in any run") != std::string::npos);
}

TEST_CASE("a huge scenario file is named, not embedded", "[report][html]") {
  const v1::Results r = MakeResults(1, 24);
  HtmlReportInput in;
  in.results = &r;
  in.scenario_text = "name: one line, no newline";
  CHECK(RenderHtmlReport(in).find("(1 line)") != std::string::npos);
  in.scenario_text = std::string(400000, 'x') + "\n";
  const std::string html = RenderHtmlReport(in);
  CHECK(html.size() < 200000);
  CHECK(html.find("is not embedded") != std::string::npos);
}

TEST_CASE("long policy names that shorten alike are numbered in bar charts", "[report][html]") {
  v1::Results r = MakeResults(2, 24);
  r.mutable_runs(0)->set_policy("fifo-backfill+best-fit (autoscaler target-utilization[target=0.5])");
  r.mutable_runs(1)->set_policy("fifo-backfill+best-fit (autoscaler target-utilization[target=0.9])");
  const std::string bars = Chart(Render(r), "bill-by-pool");
  // The ends, where the arguments differ, stay visible.
  CHECK(bars.find("target=0.5])") != std::string::npos);
  CHECK(bars.find("target=0.9])") != std::string::npos);
}

}  // namespace
}  // namespace burnrate
