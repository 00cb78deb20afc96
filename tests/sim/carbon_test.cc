// Carbon on the bill (docs/carbon.md): operational and embodied kg CO2e computed by hand for
// owned and on-demand pools across a month boundary, an hourly intensity series, tenant shares,
// and the scenario checks with their exact messages.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <map>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/billing.h"
#include "sim/model/carbon_catalog.h"
#include "sim/model/calendar.h"
#include "sim/scenario/carbon_series.h"
#include "sim/scenario/scenario_errors.h"
#include "sim/scenario/scenario_loader.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::MustRun;
using testing::OnePool;

constexpr int64_t kJan31 = 1675123200;  // 2023-01-31T00:00:00Z

// One node of 8 GPUs (80 W idle, 400 W busy) from Jan 31 for two days (24 h in January, 24 h in
// February), 100 kg embodied per GPU + 800 kg per node over one year (200 kg per GPU, 8,760 h),
// and one 8-GPU job from 12:00 on Jan 31 for 24 h: 12 h busy in each month.
ScenarioModel TwoDays(PricingModel pricing) {
  ScenarioModel s = OnePool(1, 8, 2, 0);
  s.start_unix_s = kJan31;
  PoolSpec& p = s.pools[0];
  p.pricing = pricing;
  p.gpu_idle_watts = 80;
  p.gpu_busy_watts = 400;
  p.embodied_kgco2e_per_gpu = 100;
  p.embodied_kgco2e_per_node = 800;
  p.embodied_lifetime_years = 1;
  if (pricing == PricingModel::kOwned) {
    p.capex_per_node = DollarsToMoney(240000);
    p.amortization_months = 24;
    p.usd_per_kwh = 0.10;
    p.pue = 1.5;
    p.node_overhead_watts = 1000;
    p.grid_gco2e_per_kwh = 100;
  } else {
    p.price = DollarsPerHourToPrice(2.0);
    p.carbon_pue = 1.2;
    p.carbon_node_overhead_watts = 500;
    p.grid_gco2e_per_kwh = 300;
  }
  AddJob(s, 12, 8, 24, "spans");
  return s;
}

// Embodied per month: 192 provisioned GPU-hours x 200 kg / 8,760 h.
constexpr double kEmbodiedPerMonth = 192 * 200.0 / 8760;

TEST_CASE("carbon: an owned pool across a month boundary, by hand", "[carbon][sim]") {
  RunOutput r = MustRun(TwoDays(PricingModel::kOwned), "fifo");
  REQUIRE(r.result.monthly_size() == 2);
  for (int m = 0; m < 2; ++m) {
    INFO("month " << r.result.monthly(m).month());
    const auto& pm = r.result.monthly(m).pools(0);
    // IT: 96 busy GPU-h x 400 W + 96 idle GPU-h x 80 W + 24 node-h x 1 kW = 70.08 kWh; x PUE
    // 1.5 = 105.12 kWh; x 100 g/kWh = 10.512 kg.
    CHECK(pm.facility_kwh() == Approx(105.12));
    CHECK(pm.facility_kwh() == pm.energy_kwh());  // the same energy the bill charges
    CHECK(pm.co2e_operational_kg() == Approx(10.512));
    CHECK(pm.co2e_embodied_kg() == Approx(kEmbodiedPerMonth));
    CHECK(pm.co2e_kg() == Approx(10.512 + kEmbodiedPerMonth));
    CHECK(r.result.monthly(m).co2e_kg() == Approx(pm.co2e_kg()));
  }
  CHECK(r.result.pools(0).co2e_kg() == Approx(2 * (10.512 + kEmbodiedPerMonth)));
  CHECK(r.result.pools(0).grid_gco2e_per_kwh() == 100);
  CHECK(r.result.summary().co2e_operational_kg() == Approx(21.024));
  CHECK(r.result.summary().co2e_embodied_kg() == Approx(2 * kEmbodiedPerMonth));
  CHECK(r.result.summary().facility_kwh() == Approx(210.24));
}

TEST_CASE("carbon: an on-demand pool emits too, with its own PUE and node overhead",
          "[carbon][sim]") {
  RunOutput r = MustRun(TwoDays(PricingModel::kOnDemand), "fifo");
  REQUIRE(r.result.monthly_size() == 2);
  for (int m = 0; m < 2; ++m) {
    const auto& pm = r.result.monthly(m).pools(0);
    // IT: 38.4 + 7.68 + 24 node-h x 0.5 kW = 58.08 kWh; x PUE 1.2 = 69.696 kWh; x 300 g/kWh =
    // 20.9088 kg. No energy on the bill: the provider's price includes it.
    CHECK(pm.energy_kwh() == 0);
    CHECK(pm.energy_usd() == 0);
    CHECK(pm.facility_kwh() == Approx(69.696));
    CHECK(pm.co2e_operational_kg() == Approx(20.9088));
    CHECK(pm.co2e_embodied_kg() == Approx(kEmbodiedPerMonth));
  }
  CHECK(r.result.summary().co2e_kg() == Approx(2 * (20.9088 + kEmbodiedPerMonth)));
}

TEST_CASE("carbon: embodied carbon is amortised per provisioned GPU-hour", "[carbon][sim]") {
  // The defaults: (150 kg per GPU + 2,500 kg per node / 8 GPUs) / (6 x 8,760 h) per GPU-hour,
  // idle or busy: 8 GPUs x 744 h of January = 5,952 GPU-h -> 5,952 x 462.5 / 52,560 kg.
  ScenarioModel s = OnePool(1, 8, 31, 1.0);
  RunOutput idle = MustRun(s, "fifo");
  CHECK(idle.result.summary().co2e_embodied_kg() == Approx(5952 * 462.5 / 52560));
  CHECK(idle.result.summary().co2e_embodied_kg() ==
        Approx(5952 * (kDefaultEmbodiedKgPerGpu + kDefaultEmbodiedKgPerNode / 8) /
               (kDefaultLifetimeYears * kHoursPerYear)));
  AddJob(s, 0, 8, 744, "busy");
  RunOutput busy = MustRun(s, "fifo");
  CHECK(busy.result.summary().co2e_embodied_kg() == idle.result.summary().co2e_embodied_kg());
  // Four nodes for half the time carry what one node carries all the time... twice.
  ScenarioModel four = OnePool(4, 8, 15.5, 1.0);
  CHECK(MustRun(four, "fifo").result.summary().co2e_embodied_kg() ==
        Approx(2 * idle.result.summary().co2e_embodied_kg()));
}

TEST_CASE("carbon: tenants' shares add up to the pools' carbon", "[carbon][sim]") {
  // Two pools over two months; team-a uses pool 0 in January, team-b both pools in February,
  // nobody uses pool 1 in January (unattributed).
  ScenarioModel s = TwoDays(PricingModel::kOnDemand);
  s.jobs.clear();
  PoolSpec second = s.pools[0];
  second.name = "owned";
  second.pricing = PricingModel::kOwned;
  second.amortization_months = 12;
  second.grid_gco2e_per_kwh = 50;
  s.pools.push_back(second);
  AddJob(s, 1, 4, 10, "a1");
  s.jobs.back().tenant = "team-a";
  AddJob(s, 2, 2, 5, "a2");
  s.jobs.back().tenant = "team-a";
  AddJob(s, 30, 8, 10, "b1");
  s.jobs.back().tenant = "team-b";
  AddJob(s, 30, 8, 10, "b2");
  s.jobs.back().tenant = "team-b";
  AddJob(s, 31, 4, 10, "a3");
  s.jobs.back().tenant = "team-a";
  RunOutput r = MustRun(s, "fifo");
  REQUIRE(r.result.tenants_size() == 2);
  double tenants = 0, operational = 0, embodied = 0;
  for (const auto& t : r.result.tenants()) {
    CHECK(t.co2e_kg() > 0);
    CHECK(t.co2e_kg() == Approx(t.co2e_operational_kg() + t.co2e_embodied_kg()));
    tenants += t.co2e_kg();
    operational += t.co2e_operational_kg();
    embodied += t.co2e_embodied_kg();
  }
  const auto& sum = r.result.summary();
  CHECK(sum.unattributed_co2e_kg() > 0);
  // Committed capacity fills first: team-a's January jobs ran on the owned pool, so nobody used
  // the on-demand pool in January.
  CHECK(sum.unattributed_co2e_kg() == Approx(r.result.monthly(0).pools(0).co2e_kg()));
  CHECK(tenants + sum.unattributed_co2e_kg() == Approx(sum.co2e_kg()).epsilon(1e-12));
  CHECK(operational + embodied == Approx(tenants));
  // Pools and months add up to the total.
  double pools = 0, months = 0;
  for (const auto& p : r.result.pools()) pools += p.co2e_kg();
  for (const auto& m : r.result.monthly()) months += m.co2e_kg();
  CHECK(pools == Approx(sum.co2e_kg()).epsilon(1e-12));
  CHECK(months == Approx(sum.co2e_kg()).epsilon(1e-12));
  // team-a alone used the owned pool in January: it carries all of that pool-month.
  const auto& a = r.result.tenants(0);
  REQUIRE(a.tenant() == "team-a");
  CHECK(a.co2e_kg() > r.result.monthly(0).pools(1).co2e_kg());
}

// One on-demand node of 8 A100s (80 W idle, 400 W busy), PUE 1, no embodied carbon, over two
// days; the grid is clean (0 g/kWh) except for hour 5, at 1,000 g/kWh.
ScenarioModel DirtyHour() {
  ScenarioModel s = OnePool(1, 8, 2, 1.0);
  PoolSpec& p = s.pools[0];
  p.pricing = PricingModel::kOnDemand;
  p.gpu_idle_watts = 80;
  p.gpu_busy_watts = 400;
  p.embodied_kgco2e_per_gpu = 0;
  p.embodied_kgco2e_per_node = 0;
  p.carbon_hourly.assign(48, 0.0);
  p.carbon_hourly[5] = 1000;
  return s;
}

TEST_CASE("carbon: an hourly series weighs the GPUs busy in its dirty hour", "[carbon][sim]") {
  SECTION("idle all along: 8 idle GPUs x 80 W x 1 h x 1 kg/kWh") {
    RunOutput r = MustRun(DirtyHour(), "fifo");
    CHECK(r.result.summary().co2e_operational_kg() == Approx(0.64));
    // Facility energy is the whole horizon's, whatever the intensity: 8 x 48 h x 80 W.
    CHECK(r.result.summary().facility_kwh() == Approx(30.72));
  }
  SECTION("a job exactly in the dirty hour: 8 x 400 W x 1 h x 1 kg/kWh") {
    ScenarioModel s = DirtyHour();
    AddJob(s, 5, 8, 1, "dirty");
    RunOutput r = MustRun(s, "fifo");
    CHECK(r.result.summary().co2e_operational_kg() == Approx(3.2));
    CHECK(r.result.summary().co2e_embodied_kg() == 0);
    // The mean intensity over the pool's energy: 3.2 kg over 8 x 1 h x 0.4 + 8 x 47 h x 0.08.
    CHECK(r.result.pools(0).grid_gco2e_per_kwh() == Approx(3200 / (3.2 + 30.08)));
  }
  SECTION("a job over half of it: half busy, half idle") {
    ScenarioModel s = DirtyHour();
    AddJob(s, 4.5, 8, 1, "half");
    RunOutput r = MustRun(s, "fifo");
    CHECK(r.result.summary().co2e_operational_kg() == Approx(1.6 + 0.32));
  }
  SECTION("a job just outside it") {
    ScenarioModel s = DirtyHour();
    AddJob(s, 6, 8, 10, "clean");
    RunOutput r = MustRun(s, "fifo");
    CHECK(r.result.summary().co2e_operational_kg() == Approx(0.64));
  }
}

TEST_CASE("carbon: with an hourly grid a tenant bears the carbon of the hours it ran in",
          "[carbon][sim]") {
  // Team a runs 8 GPUs in the dirty hour, team b the same job two hours later (clean): the
  // pool-month's 3.2 kg of operational carbon is a's, not shared half and half by GPU-hours.
  ScenarioModel s = DirtyHour();
  AddJob(s, 5, 8, 1, "dirty");
  s.jobs.back().tenant = "a";
  AddJob(s, 7, 8, 1, "clean");
  s.jobs.back().tenant = "b";
  RunOutput r = MustRun(s, "fifo");
  CHECK(r.result.summary().co2e_operational_kg() == Approx(3.2));
  std::map<std::string, double> by_tenant;
  for (const v1::TenantResult& t : r.result.tenants()) by_tenant[t.tenant()] = t.co2e_kg();
  CHECK(by_tenant["a"] == Approx(3.2));
  CHECK(by_tenant["b"] == Approx(0.0).margin(1e-12));
  // The bill is still shared by GPU-hours: the same for both.
  double cost_a = 0, cost_b = 0;
  for (const v1::TenantResult& t : r.result.tenants()) {
    (t.tenant() == "a" ? cost_a : cost_b) = t.cost_usd();
  }
  CHECK(cost_a == Approx(cost_b));
}

TEST_CASE("carbon: the prefix-sum ledger matches an hour-by-hour sum", "[carbon][sim]") {
  // A varied series and Poisson load: the ledger's O(1) integral equals summing the samples
  // of a run whose levels change only on the hour... here: constant series = constant value.
  ScenarioModel series = OnePool(2, 8, 10, 1.0);
  series.pools[0].pricing = PricingModel::kOnDemand;
  series.pools[0].gpu_idle_watts = 80;
  series.pools[0].gpu_busy_watts = 400;
  testing::AddPoissonGenerator(series, 3, 3 * 3600.0, {1, 2, 4, 8});
  ScenarioModel constant = series;
  constant.pools[0].grid_gco2e_per_kwh = 237;
  series.pools[0].carbon_hourly.assign(10 * 24, 237.0);
  RunOutput a = MustRun(series, "fifo");
  RunOutput b = MustRun(constant, "fifo");
  REQUIRE(a.result.summary().gpu_hours_allocated() > 0);
  for (int m = 0; m < a.result.monthly_size(); ++m) {
    CHECK(a.result.monthly(m).co2e_operational_kg() ==
          Approx(b.result.monthly(m).co2e_operational_kg()).epsilon(1e-9));
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario files.

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("burnrate_carbon_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

std::string Scenario(const std::string& pricing, const std::string& carbon,
                     const std::string& start = "2023-01-01") {
  return "start: " + start + "\nhorizon_days: 1\ncluster:\n  pools:\n    - name: p\n"
         "      gpu_type: A100-80GB\n      gpus_per_node: 8\n      nodes: 1\n"
         "      pricing: " + pricing + "\n" +
         (carbon.empty() ? "" : "      carbon: " + carbon + "\n") +
         "workload:\n  jobs:\n    - {name: j, submit_s: 0, gpus: 8, duration_s: 3600}\n"
         "policies: [{queue: fifo}]\n";
}

const std::string kOnDemand = "{on_demand: {usd_per_gpu_hour: 2}}";
const std::string kOwned =
    "{owned: {capex_usd_per_node: 0, amortization_months: 12, usd_per_kwh: 0.1}}";

std::string ErrorOf(const TempDir& dir, const std::string& text) {
  absl::StatusOr<ScenarioModel> m = LoadAndCompileScenario(dir.Write("s.yaml", text));
  return m.ok() ? std::string() : std::string(m.status().message());
}

// A series file: hours from `first` (a UTC timestamp on the hour) with the given values.
std::string Series(const std::string& first, const std::vector<double>& g) {
  const int64_t begin = *ParseUtcTimestamp(first);
  std::string out = "# hourly grid intensity\nhour_utc,gco2e_per_kwh\n";
  for (size_t i = 0; i < g.size(); ++i) {
    out += FormatUtcTimestamp(begin + static_cast<int64_t>(i) * 3600) + "," +
           scenario_internal::FormatNumber(g[i]) + "\n";
  }
  return out;
}

TEST_CASE("carbon: scenario defaults, presets and a constant", "[carbon][scenario]") {
  TempDir dir;
  absl::StatusOr<ScenarioModel> m = LoadAndCompileScenario(dir.Write("s.yaml", Scenario(kOnDemand, "")));
  REQUIRE(m.ok());
  const PoolSpec& p = m->pools[0];
  CHECK(p.grid_gco2e_per_kwh == 480);
  CHECK(p.grid_source == "world: 480 gCO2e/kWh, lifecycle, 2023");
  CHECK(p.embodied_kgco2e_per_gpu == 150);
  CHECK(p.embodied_kgco2e_per_node == 2500);
  CHECK(p.embodied_lifetime_years == 6);
  CHECK(p.carbon_pue == 1.0);
  CHECK(p.gpu_busy_watts == 400);  // every pool's GPU power, owned or not
  CHECK(p.gpu_idle_watts == 80);

  m = LoadAndCompileScenario(dir.Write(
      "s.yaml", Scenario(kOnDemand, "{location: us-iowa, pue: 1.1, node_overhead_watts: 900, "
                                    "embodied_kgco2e_per_gpu: 0, lifetime_years: 4}")));
  REQUIRE(m.ok());
  CHECK(m->pools[0].grid_gco2e_per_kwh == 412.72);
  CHECK(m->pools[0].grid_source == "us-iowa: 412.72 gCO2e/kWh, operational, 2024");
  CHECK(m->pools[0].carbon_pue == 1.1);
  CHECK(m->pools[0].carbon_node_overhead_watts == 900);
  CHECK(m->pools[0].embodied_kgco2e_per_gpu == 0);  // written as 0: none
  CHECK(m->pools[0].embodied_kgco2e_per_node == 2500);
  CHECK(m->pools[0].embodied_lifetime_years == 4);

  m = LoadAndCompileScenario(
      dir.Write("s.yaml", Scenario(kOwned, "{location: france, grid_gco2e_per_kwh: 0}")));
  REQUIRE(m.ok());
  CHECK(m->pools[0].grid_gco2e_per_kwh == 0);  // written 0: a zero-carbon supply
  CHECK(m->pools[0].grid_source == "0 gCO2e/kWh, given in the scenario");

  // Every preset has a source, a basis and a year.
  for (const GridIntensity& g : GridIntensities()) {
    INFO(std::string(g.location));
    CHECK(!g.source.empty());
    CHECK((g.basis == "lifecycle" || g.basis == "operational"));
    CHECK(g.year >= 2023);
    CHECK(g.gco2e_per_kwh > 0);
  }
}

TEST_CASE("carbon: an hourly series file from the scenario, trimmed to the horizon",
          "[carbon][scenario]") {
  TempDir dir;
  // Starts at 00:30: the series needs the hours 00:00 of Jan 1 to 00:00 of Jan 2 (25 rows);
  // the file has one hour before and one after. Hour 00:00 is dirty; the job runs 00:30-01:30.
  std::vector<double> g(27, 0.0);
  g[1] = 1000;
  dir.Write("grid.csv", Series("2022-12-31T23:00:00Z", g));
  const std::string path = dir.Write(
      "s.yaml", Scenario(kOnDemand,
                         "{hourly_gco2e_per_kwh_file: grid.csv, embodied_kgco2e_per_gpu: 0, "
                         "embodied_kgco2e_per_node: 0}",
                         "2023-01-01T00:30:00Z"));
  absl::StatusOr<ScenarioModel> m = LoadAndCompileScenario(path);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  const PoolSpec& p = m->pools[0];
  CHECK(p.carbon_hourly.size() == 25);
  CHECK(p.carbon_hourly[0] == 1000);
  CHECK(p.carbon_series_begin == -30 * kMinute);
  CHECK(p.grid_source == "hourly series grid.csv (25 hours used)");
  // 00:30-01:00: 8 busy GPUs x 400 W x 0.5 h x 1 kg/kWh = 1.6 kg; the rest of the day is clean.
  RunOutput r = MustRun(*m, "fifo");
  CHECK(r.result.summary().co2e_operational_kg() == Approx(1.6));
}

TEST_CASE("carbon: bad carbon settings are refused with their field and what is allowed",
          "[carbon][scenario]") {
  TempDir dir;
  const std::string s = dir.path() + "/s.yaml";
  CHECK(ErrorOf(dir, Scenario(kOnDemand, "{location: mars}")) ==
        s + ":10: cluster.pools[0].carbon.location: unknown location \"mars\"; known: " +
            GridLocationNames() +
            " (or give grid_gco2e_per_kwh or hourly_gco2e_per_kwh_file)");
  CHECK(GridLocationNames().rfind("world, france, germany, ireland, finland, sweden, norway, ",
                                  0) == 0);
  CHECK(ErrorOf(dir, Scenario(kOnDemand, "{grid_gco2e_per_kwh: -5}")) ==
        s + ":10: cluster.pools[0].carbon.grid_gco2e_per_kwh: -5 is not allowed; must be >= 0 "
            "and <= 5000 (gCO2e per kWh; 0 = the location's value)");
  CHECK(ErrorOf(dir, Scenario(kOwned, "{pue: 1.2}")) ==
        s + ":10: cluster.pools[0].carbon.pue: is for pools that are not owned; an owned "
            "pool's pue is cluster.pools[0].pricing.owned.pue");
  CHECK(ErrorOf(dir, Scenario(kOnDemand, "{pue: 0.5}")) ==
        s + ":10: cluster.pools[0].carbon.pue: 0.5 is not allowed; must be 1..5 (total facility "
            "power / IT power; 0 = default 1.0)");
  CHECK(ErrorOf(dir, Scenario(kOnDemand, "{lifetime_years: -1}")) ==
        s + ":10: cluster.pools[0].carbon.lifetime_years: -1 is not allowed; must be > 0 and "
            "<= 100 (years of linear amortisation; 0 = 6)");
  CHECK(ErrorOf(dir, Scenario(kOnDemand,
                              "{grid_gco2e_per_kwh: 100, hourly_gco2e_per_kwh_file: g.csv}")) ==
        s + ":10: cluster.pools[0].carbon.grid_gco2e_per_kwh: is given with "
            "hourly_gco2e_per_kwh_file; give one of them (a constant intensity or an hourly "
            "series)");
}

TEST_CASE("carbon: a missing, short or broken series names the file and line",
          "[carbon][scenario]") {
  TempDir dir;
  const std::string s = dir.path() + "/s.yaml";
  const std::string field = ":10: cluster.pools[0].carbon.hourly_gco2e_per_kwh_file: ";
  const std::string grid = dir.path() + "/grid.csv";
  const std::string with_file = Scenario(kOnDemand, "{hourly_gco2e_per_kwh_file: grid.csv}");
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ": cannot read the carbon-intensity series: No such file or directory");

  // 23 of the 24 hours of Jan 1: the last row is on line 25 (two header lines first).
  dir.Write("grid.csv", Series("2023-01-01T00:00:00Z", std::vector<double>(23, 300)));
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ":25: the series ends at 2023-01-01T23:00:00Z (its last hour starts "
                           "on this line) but the horizon runs to 2023-01-02T00:00:00Z; give one "
                           "row per hour up to the horizon's end (a series is not repeated)");
  dir.Write("grid.csv", Series("2023-01-01T01:00:00Z", std::vector<double>(24, 300)));
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ":3: the series starts at 2023-01-01T01:00:00Z, after the scenario's "
                           "start 2023-01-01T00:00:00Z; it must cover the whole horizon from the "
                           "hour holding the start (2023-01-01T00:00:00Z)");
  dir.Write("grid.csv",
            "hour_utc,gco2e_per_kwh\n2023-01-01T00:00:00Z,300\n2023-01-01T02:00:00Z,300\n"
            "2023-01-01T03:00:00Z,-1\n2023-01-01T04:30:00Z,1\n");
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ":3: hour_utc 2023-01-01T02:00:00Z does not follow "
                           "2023-01-01T00:00:00Z (line 2); rows must be consecutive UTC hours in "
                           "order, one row per hour (expected 2023-01-01T01:00:00Z)\n" +
            s + field + grid + ":4: gco2e_per_kwh -1 is not allowed; must be 0..5000 (gCO2e per "
                               "kWh)\n" +
            s + field + grid + ":5: hour_utc 2023-01-01T04:30:00Z is not on a whole hour; each "
                               "row is one UTC hour, e.g. 2023-01-01T05:00:00Z");
  dir.Write("grid.csv", "hour,g\n2023-01-01T00:00:00Z,300\n");
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ":1: the header must name the columns hour_utc and gco2e_per_kwh "
                           "(found \"hour,g\"); e.g. \"hour_utc,gco2e_per_kwh\" then rows like "
                           "\"2023-01-01T00:00:00Z,412\"");
  dir.Write("grid.csv", "# nothing\n");
  CHECK(ErrorOf(dir, with_file) ==
        s + field + grid + ": holds no hours; expected a header \"hour_utc,gco2e_per_kwh\" and "
                           "one row per UTC hour (blank lines and lines starting with '#' are "
                           "skipped)");
}

}  // namespace
}  // namespace burnrate
