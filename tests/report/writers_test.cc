#include "report/writers.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace burnrate {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "burnrate-writers-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

bool HasTempFile(const fs::path& dir) {
  for (const std::string& name : Entries(dir)) {
    if (name.find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

v1::Results SampleResults() {
  v1::Results results;
  results.set_scenario("demo");
  results.set_start("2023-08-01T00:00:00Z");
  results.set_horizon_s(86400);
  v1::RunResult* run = results.add_runs();
  run->set_policy("fifo+first-fit");
  run->set_seed(7);
  run->mutable_summary()->set_jobs_submitted(2);
  run->mutable_summary()->set_total_cost_usd(0.1);
  v1::MonthResult* month = run->add_monthly();
  month->set_month("2023-08");
  month->set_cost_usd(12.5);
  month->set_gpu_hours_provisioned(8);
  month->set_gpu_hours_allocated(2);
  month->set_gpu_utilization(0.25);
  v1::PoolMonthResult* pool = month->add_pools();
  pool->set_pool("a100");
  pool->set_cost_usd(12.5);
  pool->set_gpu_hours_provisioned(8);
  pool->set_gpu_hours_allocated(4);
  v1::SizeClassResult* size_class = run->add_by_gpu_count();
  size_class->set_gpus(8);
  size_class->set_jobs_submitted(2);
  v1::TimeSeries* ts = run->mutable_timeseries();
  ts->set_interval_s(60);
  ts->add_time_s(0);
  ts->add_time_s(60);
  ts->add_allocated_gpus(0);
  ts->add_allocated_gpus(8);
  ts->add_queued_jobs(2);
  ts->add_queued_jobs(1);
  ts->add_running_jobs(0);
  ts->add_running_jobs(1);
  return results;
}

// Two runs; the first has two pools (one named with a comma and a quote, one with nothing
// provisioned at the first sample) and both distributions; the second has a short pool array,
// a distribution with a missing value and no JCT distribution (no job completed).
v1::Results PoolAndDistributionResults() {
  v1::Results results;
  results.set_scenario("pools");
  v1::RunResult* run = results.add_runs();
  run->set_policy("fifo+best-fit");
  v1::TimeSeries* ts = run->mutable_timeseries();
  ts->set_interval_s(3600);
  for (const double t : {0.0, 3600.0, 7200.5}) ts->add_time_s(t);
  v1::PoolSeries* a100 = ts->add_pools();
  a100->set_pool("a100");
  for (const uint32_t g : {0u, 3u, 8u}) a100->add_allocated_gpus(g);
  for (const uint32_t g : {8u, 8u, 8u}) a100->add_provisioned_gpus(g);
  v1::PoolSeries* spot = ts->add_pools();
  spot->set_pool("h100 \"spot\", us-east");
  for (const uint32_t g : {0u, 1u, 2u}) spot->add_allocated_gpus(g);
  for (const uint32_t g : {0u, 3u, 16u}) spot->add_provisioned_gpus(g);
  for (const double p : {0.0, 0.5, 1.0}) run->mutable_jct()->add_probability(p);
  for (const double v : {60.0, 0.1, 1e21}) run->mutable_jct()->add_value_s(v);
  for (const double p : {0.0, 0.999, 1.0}) run->mutable_queue_delay()->add_probability(p);
  for (const double v : {0.0, 30.25, 90.0}) run->mutable_queue_delay()->add_value_s(v);

  v1::RunResult* second = results.add_runs();
  second->set_policy("tiresias-las[thresholds_gpu_hours=1,10]+topology");
  v1::TimeSeries* ts2 = second->mutable_timeseries();
  ts2->add_time_s(0);
  ts2->add_time_s(3600);
  v1::PoolSeries* only = ts2->add_pools();
  only->set_pool("a100");
  only->add_allocated_gpus(4);
  only->add_provisioned_gpus(8);
  for (const double p : {0.0, 1.0}) second->mutable_queue_delay()->add_probability(p);
  second->mutable_queue_delay()->add_value_s(5);
  return results;
}

std::vector<std::vector<JobRecord>> SampleJobs() {
  JobRecord done;
  done.name = "train,bert \"large\"";
  done.tenant = "nlp";
  done.gpus = 8;
  done.pool = "a100";
  done.priority = 1;
  done.submit_s = 10;
  done.start_s = 70;
  done.finish_s = 3670;
  done.runtime_s = 3600;
  done.nodes = 1;
  done.preemptions = 1;  // by a node failure, after one checkpoint of 30 minutes
  done.failures = 1;
  done.gpu_hours_checkpointing = 0.25;
  done.checkpoint_interval_s = 1800;
  JobRecord waiting;
  waiting.name = "eval";
  waiting.tenant = "vision";
  waiting.gpus = 16;
  waiting.submit_s = 20.5;
  waiting.runtime_s = 7200;
  return {{done, waiting}};
}

}  // namespace

TEST_CASE("Results JSON uses proto field names and prints zero values", "[report][writers]") {
  const std::string json = ResultsToJson(SampleResults());
  CHECK_THAT(json, Catch::Contains("\"jobs_completed\""));
  CHECK_THAT(json, Catch::Contains("\"gpu_utilization\": 0"));
  CHECK_THAT(json, Catch::Contains("\"cost_per_allocated_gpu_hour_usd\""));
  CHECK_THAT(json, Catch::Contains("\"by_gpu_count\""));
  CHECK_THAT(json, !Catch::Contains("jobsCompleted"));
  REQUIRE(!json.empty());
  CHECK(json.back() == '\n');
}

TEST_CASE("Results JSON round-trips", "[report][writers]") {
  const v1::Results original = SampleResults();
  v1::Results parsed;
  REQUIRE(google::protobuf::util::JsonStringToMessage(ResultsToJson(original), &parsed).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(original, parsed));
}

TEST_CASE("WriteResultsJson writes the file atomically", "[report][writers]") {
  TempDir dir;
  const fs::path path = dir.path() / "results.json";
  REQUIRE(WriteResultsJson(SampleResults(), path.string()).ok());
  CHECK(ReadFile(path) == ResultsToJson(SampleResults()));
  CHECK(Entries(dir.path()) == std::vector<std::string>{"results.json"});
}

TEST_CASE("WriteFileAtomically replaces the file and leaves no temporary file",
          "[report][writers]") {
  TempDir dir;
  const fs::path path = dir.path() / "out.txt";
  REQUIRE(WriteFileAtomically(path.string(), "first\n").ok());
  REQUIRE(WriteFileAtomically(path.string(), "second\n").ok());
  CHECK(ReadFile(path) == "second\n");
  CHECK(!HasTempFile(dir.path()));
  CHECK((fs::status(path).permissions() & fs::perms::others_read) != fs::perms::none);
}

TEST_CASE("WriteFileAtomically into a missing directory fails and creates nothing",
          "[report][writers]") {
  TempDir dir;
  const fs::path path = dir.path() / "missing" / "out.txt";
  const absl::Status status = WriteFileAtomically(path.string(), "x");
  CHECK(!status.ok());
  CHECK_THAT(std::string(status.message()), Catch::Contains(path.string()));
  CHECK(Entries(dir.path()).empty());
}

TEST_CASE("A failed rename does not clobber the target and removes the temporary file",
          "[report][writers]") {
  TempDir dir;
  // The target is a non-empty directory: rename(2) of a file over it fails.
  const fs::path target = dir.path() / "target";
  fs::create_directory(target);
  { std::ofstream(target / "keep.txt") << "keep"; }
  const absl::Status status = WriteFileAtomically(target.string(), "new contents");
  CHECK(!status.ok());
  CHECK_THAT(std::string(status.message()), Catch::Contains(target.string()));
  CHECK(fs::is_directory(target));
  CHECK(ReadFile(target / "keep.txt") == "keep");
  CHECK(Entries(dir.path()) == std::vector<std::string>{"target"});
}

TEST_CASE("WriteCsvDir writes every table and quoting and leaving empty cells", "[report][writers]") {
  TempDir dir;
  const fs::path out = dir.path() / "nested" / "csv";
  REQUIRE(WriteCsvDir(SampleResults(), SampleJobs(), out.string()).ok());
  std::vector<std::string> names = Entries(out);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"by_gpu_count.csv", "distributions.csv", "jobs.csv",
                                          "monthly.csv", "pool_timeseries.csv", "summary.csv",
                                          "tenants.csv", "timeseries.csv"});

  const std::string jobs = ReadFile(out / "jobs.csv");
  CHECK(jobs ==
        "policy,name,tenant,gpus,priority,pool,nodes,submit_s,start_s,finish_s,runtime_s,"
        "queue_delay_s,jct_s,preemptions,gpu_hours_lost,failures,gpu_hours_checkpointing,"
        "checkpoint_interval_s\n"
        "fifo+first-fit,\"train,bert \"\"large\"\"\",nlp,8,1,a100,1,10,70,3670,3600,60,3660,1,0,"
        "1,0.25,1800\n"
        "fifo+first-fit,eval,vision,16,0,,,20.5,,,7200,,,0,0,0,0,0\n");

  const std::string summary = ReadFile(out / "summary.csv");
  CHECK_THAT(summary, Catch::StartsWith("policy,seed,jobs_submitted,jobs_completed,"
                                        "jobs_running_at_horizon,jobs_queued_at_horizon,"
                                        "gpu_utilization,"));
  CHECK_THAT(summary, Catch::Contains("cost_per_allocated_gpu_hour_usd,events,"));
  CHECK_THAT(summary, Catch::Contains("\nfifo+first-fit,7,2,0,"));
  CHECK_THAT(summary, Catch::Contains(",0.1,"));  // Shortest round-trip double.

  CHECK(ReadFile(out / "monthly.csv") ==
        "policy,month,pool,cost_usd,idle_cost_usd,gpu_hours_provisioned,gpu_hours_allocated,"
        "gpu_utilization,usage_usd,idle_capacity_usd,upfront_usd,capex_usd,hosting_usd,"
        "energy_usd,energy_kwh,facility_kwh,co2e_kg,co2e_operational_kg,co2e_embodied_kg\n"
        "fifo+first-fit,2023-08,a100,12.5,0,8,4,0.5,0,0,0,0,0,0,0,0,0,0,0\n"
        "fifo+first-fit,2023-08,ALL,12.5,0,8,2,0.25,0,0,0,0,0,0,0,0,0,0,0\n");
  CHECK(ReadFile(out / "timeseries.csv") ==
        "policy,time_s,allocated_gpus,queued_jobs,running_jobs,provisioned_gpus\n"
        "fifo+first-fit,0,0,2,0,\n"
        "fifo+first-fit,60,8,1,1,\n");
  CHECK(ReadFile(out / "by_gpu_count.csv") ==
        "policy,gpus,jobs_submitted,jobs_started,jobs_completed,mean_queue_delay_s,"
        "p99_queue_delay_s,max_queue_delay_s,mean_jct_s\n"
        "fifo+first-fit,8,2,0,0,0,0,0,0\n");
  CHECK(!HasTempFile(out));
}

TEST_CASE("pool_timeseries.csv has one row per sample and pool with utilization",
          "[report][writers]") {
  TempDir dir;
  REQUIRE(WriteCsvDir(PoolAndDistributionResults(), {}, dir.path().string()).ok());
  // Sample-major, pools in scenario order; an unprovisioned pool has an empty utilization; a
  // pool array shorter than time_s leaves empty cells; names with a comma or quote are quoted.
  CHECK(ReadFile(dir.path() / "pool_timeseries.csv") ==
        "policy,time_s,pool,allocated_gpus,provisioned_gpus,utilization\n"
        "fifo+best-fit,0,a100,0,8,0\n"
        "fifo+best-fit,0,\"h100 \"\"spot\"\", us-east\",0,0,\n"
        "fifo+best-fit,3600,a100,3,8,0.375\n"
        "fifo+best-fit,3600,\"h100 \"\"spot\"\", us-east\",1,3,0.3333333333333333\n"
        "fifo+best-fit,7200.5,a100,8,8,1\n"
        "fifo+best-fit,7200.5,\"h100 \"\"spot\"\", us-east\",2,16,0.125\n"
        "\"tiresias-las[thresholds_gpu_hours=1,10]+topology\",0,a100,4,8,0.5\n"
        "\"tiresias-las[thresholds_gpu_hours=1,10]+topology\",3600,a100,,,\n");
}

TEST_CASE("distributions.csv has the jct and queue_delay quantiles of every run",
          "[report][writers]") {
  TempDir dir;
  REQUIRE(WriteCsvDir(PoolAndDistributionResults(), {}, dir.path().string()).ok());
  // jct before queue_delay; shortest round-trip doubles; an empty distribution has no rows; a
  // missing value is an empty cell.
  CHECK(ReadFile(dir.path() / "distributions.csv") ==
        "policy,metric,probability,value_s\n"
        "fifo+best-fit,jct,0,60\n"
        "fifo+best-fit,jct,0.5,0.1\n"
        "fifo+best-fit,jct,1,1e+21\n"
        "fifo+best-fit,queue_delay,0,0\n"
        "fifo+best-fit,queue_delay,0.999,30.25\n"
        "fifo+best-fit,queue_delay,1,90\n"
        "\"tiresias-las[thresholds_gpu_hours=1,10]+topology\",queue_delay,0,5\n"
        "\"tiresias-las[thresholds_gpu_hours=1,10]+topology\",queue_delay,1,\n");
}

TEST_CASE("pool_timeseries.csv and distributions.csv are header-only without data",
          "[report][writers]") {
  TempDir dir;
  // SampleResults has samples but no per-pool series and no distributions.
  REQUIRE(WriteCsvDir(SampleResults(), {}, dir.path().string()).ok());
  CHECK(ReadFile(dir.path() / "pool_timeseries.csv") ==
        "policy,time_s,pool,allocated_gpus,provisioned_gpus,utilization\n");
  CHECK(ReadFile(dir.path() / "distributions.csv") == "policy,metric,probability,value_s\n");
}

TEST_CASE("WriteCsvDir without job records skips jobs.csv", "[report][writers]") {
  TempDir dir;
  REQUIRE(WriteCsvDir(SampleResults(), {}, dir.path().string()).ok());
  CHECK(!fs::exists(dir.path() / "jobs.csv"));
  CHECK(fs::exists(dir.path() / "summary.csv"));
}

TEST_CASE("WriteCsvDir rejects job records that do not match the runs", "[report][writers]") {
  TempDir dir;
  const std::vector<std::vector<JobRecord>> two_runs(2);
  const absl::Status status = WriteCsvDir(SampleResults(), two_runs, dir.path().string());
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(Entries(dir.path()).empty());
}

TEST_CASE("WriteCsvDir reports a directory it cannot create", "[report][writers]") {
  TempDir dir;
  { std::ofstream(dir.path() / "file") << "x"; }
  const fs::path out = dir.path() / "file" / "csv";
  const absl::Status status = WriteCsvDir(SampleResults(), {}, out.string());
  CHECK(!status.ok());
  CHECK_THAT(std::string(status.message()), Catch::Contains(out.string()));
}

}  // namespace burnrate
