// alibaba-dlrm: Alibaba GPU trace v2025, disaggregated DLRM inference instances.
#include <algorithm>
#include <catch2/catch.hpp>

#include "tests/skip.h"
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/trace/formats.h"
#include "sim/trace/trace.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using namespace testing;

const std::string kFixture =
    std::string(BURNRATE_SOURCE_DIR) + "/tests/fixtures/traces/dlrm_small.csv";
const std::string kHeader =
    "instance_sn,role,app_name,cpu_request,cpu_limit,gpu_request,gpu_limit,rdma_request,"
    "rdma_limit,memory_request,memory_limit,disk_request,disk_limit,max_instance_per_node,"
    "creation_time,scheduled_time,deletion_time\n";
// The columns before gpu_request and between it and creation_time, as in an HN row.
const std::string kHn = "HN,app_1,12,12,";
const std::string kHnMid = ",1,25,25,120.0,120.0,680.0,800.0,8,";
constexpr double kMonth = 2678400;  // 31 days: the default trace_end_s

}  // namespace

TEST_CASE("alibaba-dlrm maps every field of an instance", "[trace]") {
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenAlibabaDlrm, kFixture, {}, &jobs, &errors);
  REQUIRE(jobs.size() == 6);

  const TraceJob& before = jobs[0];  // existed before the trace, alive at its end
  CHECK(before.name == "instance_0");
  CHECK(before.user.empty());
  CHECK(before.vc == "app_0");
  CHECK(before.status == "HN");
  CHECK(before.submit_s == 0);
  CHECK(before.duration_s == kMonth);
  CHECK(before.gpus == 1);
  CHECK(before.gpu_fraction == 0);
  CHECK(before.gpu_type.empty());
  CHECK(before.line == 2);

  const TraceJob& deleted = jobs[1];  // existed before the trace, deleted on day 2
  CHECK(deleted.name == "instance_1");
  CHECK(deleted.submit_s == 0);
  CHECK(deleted.duration_s == 86400);

  const TraceJob& cpu = jobs[2];  // CN: no GPU
  CHECK(cpu.name == "instance_13574");
  CHECK(cpu.vc == "app_130");
  CHECK(cpu.status == "CN");
  CHECK(cpu.gpus == 0);
  CHECK(cpu.submit_s == 1435629);
  CHECK(cpu.duration_s == 131);

  CHECK(jobs[3].name == "instance_7281");
  CHECK(jobs[3].submit_s == 610);
  CHECK(jobs[3].duration_s == 91730 - 683);  // deletion - scheduled

  const TraceJob& alive = jobs[4];  // created in the trace, alive at its end
  CHECK(alive.name == "instance_7301");
  CHECK(alive.line == 7);
  CHECK(alive.submit_s == 475.00000000000006);
  CHECK(alive.duration_s == kMonth - 475.00000000000006);

  const TraceJob& unscheduled = jobs[5];  // no scheduled_time: deletion - creation
  CHECK(unscheduled.name == "instance_7302");
  CHECK(unscheduled.vc == "app_9");
  CHECK(unscheduled.submit_s == 2000);
  CHECK(unscheduled.duration_s == 600);

  REQUIRE(errors.size() == 1);
  CHECK(errors[0] ==
        kFixture + ":6:80: deletion_time: before scheduled_time (-1090 s): negative run time");
}

TEST_CASE("alibaba-dlrm setting trace_end_s: the end of instances alive at the end", "[trace]") {
  TraceOptions options;
  options.settings["trace_end_s"] = "100000";
  std::vector<TraceJob> jobs;
  std::vector<std::string> errors;
  ReadRaw(OpenAlibabaDlrm, kFixture, options, &jobs, &errors);
  REQUIRE(jobs.size() == 6);
  CHECK(jobs[0].duration_s == 100000);
  CHECK(jobs[1].duration_s == 86400);  // deleted: unchanged
  CHECK(jobs[4].duration_s == 100000 - 475.00000000000006);
  CHECK(errors.size() == 1);

  // An end before an alive instance started is a bad row.
  options.settings["trace_end_s"] = "100";
  jobs.clear();
  errors.clear();
  ReadRaw(OpenAlibabaDlrm, kFixture, options, &jobs, &errors);
  REQUIRE(jobs.size() == 5);
  CHECK(jobs[0].duration_s == 100);
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[1], Catch::Contains("dlrm_small.csv:7:") &&
                            Catch::Contains("deletion_time: empty (alive at the trace end), but "
                                            "setting trace_end_s 100 is before scheduled_time"));

  const auto rejected = [](const std::string& key, const std::string& value) {
    TraceOptions bad;
    bad.settings[key] = value;
    auto stream = TraceStream::Open("alibaba-dlrm", kFixture, bad);
    REQUIRE_FALSE(stream.ok());
    CHECK(stream.status().code() == absl::StatusCode::kInvalidArgument);
    return std::string(stream.status().message());
  };
  CHECK_THAT(rejected("duration", "run"),
             Catch::Contains("alibaba-dlrm setting \"duration\" is unknown") &&
                 Catch::Contains("trace_end_s"));
  CHECK_THAT(rejected("trace_end_s", "-1"),
             Catch::Contains("trace_end_s: \"-1\" is not allowed") && Catch::Contains(">= 0"));
  CHECK_THAT(rejected("trace_end_s", "soon"), Catch::Contains("trace_end_s: \"soon\""));
}

TEST_CASE("alibaba-dlrm bad rows: lenient skipping and counts", "[trace]") {
  auto stream = TraceStream::Open("alibaba-dlrm", kFixture, TraceOptions{});
  REQUIRE(stream.ok());
  TraceJob job;
  for (int i = 0; i < 2; ++i) REQUIRE(*(*stream)->Next(&job));  // then two CN rows filtered
  absl::StatusOr<bool> got = (*stream)->Next(&job);
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(got.status().message()),
             Catch::Contains("dlrm_small.csv:6:80: deletion_time") &&
                 Catch::Contains("--lenient"));

  TraceCounts counts;
  std::vector<TraceJob> jobs = ReadStream("alibaba-dlrm", kFixture, Lenient(), &counts);
  CHECK(jobs.size() == 4);
  CHECK(counts.rows == 6);
  CHECK(counts.bad_rows == 1);
  CHECK(counts.filtered == 2);  // the CN (CPU) instances
  CHECK(counts.kept == 4);
  REQUIRE(counts.first_errors.size() == 1);
  CHECK_THAT(counts.first_errors[0], Catch::Contains("dlrm_small.csv:6:80: deletion_time"));

  TraceOptions cn;
  cn.gpu_jobs_only = false;
  cn.statuses = {"CN"};
  jobs = ReadStream("alibaba-dlrm", kFixture, Lenient(cn), &counts);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].name == "instance_13574");
  CHECK(jobs[1].name == "instance_7281");

  TraceOptions apps;
  apps.vcs = {"app_7", "app_9"};
  jobs = ReadStream("alibaba-dlrm", kFixture, Lenient(apps), &counts);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].name == "instance_7301");

  TempDir dir;
  std::vector<std::string> errors;
  jobs.clear();
  ReadRaw(OpenAlibabaDlrm,
          dir.Write("bad.csv", kHeader +
                                   "i1," + kHn + "1" + kHnMid + "-5,,100\n" +
                                   "i2," + kHn + "0.5" + kHnMid + "0,0,100\n" +
                                   "i3," + kHn + "1" + kHnMid + "50,40,100\n" +
                                   "i4," + kHn + "1" + kHnMid + "0,0,ten\n" +
                                   "," + kHn + "1" + kHnMid + "0,0,100\n" +
                                   "i6," + kHn + "1\n" +
                                   "i7," + kHn + "1" + kHnMid + "nan,NaN,100\n" +
                                   "i8," + kHn + "1" + kHnMid + "10,,nan\n"),
          {}, &jobs, &errors);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].name == "i7");
  CHECK(jobs[0].submit_s == 0);
  CHECK(jobs[0].duration_s == 100);
  CHECK(jobs[1].name == "i8");
  CHECK(jobs[1].submit_s == 10);
  CHECK(jobs[1].duration_s == kMonth - 10);
  REQUIRE(errors.size() == 6);
  CHECK_THAT(errors[0], Catch::Contains("bad.csv:2:") &&
                            Catch::Contains("creation_time: must be >= 0 (seconds"));
  CHECK_THAT(errors[1], Catch::Contains("bad.csv:3:") &&
                            Catch::Contains("gpu_request: must be a whole number of GPUs"));
  CHECK_THAT(errors[2], Catch::Contains("bad.csv:4:") &&
                            Catch::Contains("scheduled_time: before creation_time (-10 s)"));
  CHECK_THAT(errors[3], Catch::Contains("bad.csv:5:") &&
                            Catch::Contains("deletion_time: \"ten\" is not a number"));
  CHECK_THAT(errors[4], Catch::Contains("bad.csv:6:1: instance_sn: empty"));
  CHECK_THAT(errors[5], Catch::Contains("bad.csv:7:") && Catch::Contains("missing"));

  auto header = TraceStream::Open(
      "alibaba-dlrm", dir.Write("header.csv", "instance_sn,role,gpu_request\ni,HN,1\n"), {});
  REQUIRE_FALSE(header.ok());
  CHECK_THAT(std::string(header.status().message()),
             Catch::Contains("header lacks column(s) app_name, creation_time"));
}

TEST_CASE("alibaba-dlrm on the real trace (SOURCE.md facts)", "[trace]") {
  const std::string path =
      TracesDir() + "/alibaba-gpu-v2025-dlrm/disaggregated_DLRM_trace.csv";
  if (!std::filesystem::exists(path)) {
    BURNRATE_SKIP("skipped: " << path << " is absent (set BURNRATE_TRACES)");
  }
  TraceOptions options;
  options.gpu_jobs_only = false;
  TraceCounts counts;
  std::vector<TraceJob> all = ReadStream("alibaba-dlrm", path, Lenient(options), &counts);
  CHECK(counts.bad_rows == 0);
  REQUIRE(all.size() == 23871);
  std::map<std::string, int> by_role;
  std::map<std::pair<std::string, uint32_t>, int> by_role_gpus;
  std::set<std::string> apps;
  int before_start = 0, descents = 0;
  double last_submit = 0, previous = -1;
  for (const TraceJob& j : all) {
    ++by_role[j.status];
    ++by_role_gpus[{j.status, j.gpus}];
    apps.insert(j.vc);
    if (j.submit_s == 0) ++before_start;  // no creation_time == 0 in the file
    if (j.submit_s < previous) ++descents;
    previous = j.submit_s;
    last_submit = std::max(last_submit, j.submit_s);
    CHECK(j.duration_s >= 0);
    CHECK(j.submit_s + j.duration_s <= kMonth);
  }
  CHECK(by_role == std::map<std::string, int>{{"CN", 16485}, {"HN", 7386}});
  CHECK(by_role_gpus ==
        std::map<std::pair<std::string, uint32_t>, int>{{{"CN", 0}, 16485}, {{"HN", 1}, 7386}});
  CHECK(apps.size() == 156);
  CHECK(before_start == 23871 - 16591);  // 16,591 rows have a creation time
  CHECK(last_submit == 2676636);
  CHECK(descents == 1651);  // not in submission order: sort before replaying

  // 14,993 rows have a deletion time: only the others move with trace_end_s.
  options.settings["trace_end_s"] = "3000000";
  std::vector<TraceJob> later = ReadStream("alibaba-dlrm", path, Lenient(options), &counts);
  REQUIRE(later.size() == all.size());
  int alive_at_end = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (later[i].duration_s != all[i].duration_s) {
      ++alive_at_end;
      CHECK(later[i].duration_s - all[i].duration_s == Approx(3000000 - kMonth));
    }
  }
  CHECK(alive_at_end == 23871 - 14993);

  // Default filters: the CN (CPU) instances are dropped.
  std::vector<TraceJob> gpu = ReadStream("alibaba-dlrm", path, Lenient(), &counts);
  CHECK(gpu.size() == 7386);
  CHECK(counts.filtered == 16485);
  CHECK(counts.kept == 7386);
}

}  // namespace burnrate
