// frag/openb.h: openb node and pod lists for the fragmentation experiment, and their errors.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "frag/openb.h"
#include "tests/skip.h"
#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

using testing::TempDir;
using testing::TracesDir;

const std::string kFixtures = std::string(BURNRATE_SOURCE_DIR) + "/tests/frag/fixtures";
const std::string kPodHeader = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\n";

std::string ErrorOf(const absl::Status& s) { return std::string(s.message()); }

}  // namespace

TEST_CASE("frag openb nodes: every field with CPU-only nodes kept", "[frag]") {
  auto nodes = ReadOpenbNodeList(kFixtures + "/nodes_small.csv");
  REQUIRE(nodes.ok());
  REQUIRE(nodes->size() == 4);
  CHECK((*nodes)[0].name == "node-a");
  CHECK((*nodes)[0].cpu_milli == 32000);
  CHECK((*nodes)[0].memory_mib == 131072);
  CHECK((*nodes)[0].gpus == 4);
  CHECK((*nodes)[0].model == "T4");
  CHECK((*nodes)[2].model == "G2");
  CHECK((*nodes)[3].gpus == 0);
  CHECK((*nodes)[3].model.empty());  // "nan"
}

TEST_CASE("frag openb pods: shares and whole GPUs and models and creation times", "[frag]") {
  auto pods = ReadOpenbPodList(kFixtures + "/pods_small.csv");
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 8);
  const FragPod& share = (*pods)[0];
  CHECK(share.name == "pod-00");
  CHECK(share.line == 2);
  CHECK(share.cpu_milli == 4000);
  CHECK(share.memory_mib == 16384);
  CHECK(share.num_gpu == 1);
  CHECK(share.gpu_milli == 500);
  CHECK(share.gpu_models.empty());
  CHECK((*pods)[2].gpu_models == std::vector<std::string>{"T4"});
  CHECK((*pods)[4].num_gpu == 0);
  CHECK((*pods)[4].gpu_milli == 0);
  CHECK((*pods)[5].gpu_models.empty());  // "nan"
  CHECK((*pods)[6].num_gpu == 8);
  CHECK((*pods)[6].gpu_models == std::vector<std::string>{"G2", "V100M32"});
  CHECK((*pods)[7].creation_s == 5);
}

TEST_CASE("frag openb: bad rows name the file and line and column and field", "[frag]") {
  TempDir dir;
  struct Case {
    std::string row, expect;
  };
  const std::vector<Case> pod_cases = {
      {"p,-1,10,1,500,", "bad.csv:2:3: cpu_milli: must be a whole number in 0.."},
      {"p,1000,10.5,1,500,", "bad.csv:2:8: memory_mib: must be a whole number"},
      {"p,1000,10,17,1000,", "bad.csv:2:11: num_gpu: must be a whole number in 0..16"},
      {"p,1000,10,1,1200,", "bad.csv:2:13: gpu_milli: must be a whole number in 0..1000"},
      {"p,1000,10,2,500,", "bad.csv:2:13: gpu_milli: must be 1000 for a pod of 2 GPUs"},
      {"p,1000,10,1,0,", "bad.csv:2:13: gpu_milli: must be 1..1000"},
      {"p,1000,10,0,300,", "bad.csv:2:13: gpu_milli: must be 0 for a pod asking no GPU"},
      {"p,1000,ten,1,300,", "bad.csv:2:8: memory_mib: \"ten\" is not a number"},
      {"p,1000,10", "bad.csv:2:1: num_gpu: missing"},
  };
  for (const Case& c : pod_cases) {
    INFO(c.row);
    auto pods = ReadOpenbPodList(dir.Write("bad.csv", kPodHeader + c.row + "\n"));
    REQUIRE_FALSE(pods.ok());
    CHECK(pods.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(ErrorOf(pods.status()), Catch::Contains(c.expect));
  }
  auto header = ReadOpenbPodList(dir.Write("h.csv", "name,num_gpu\np,1\n"));
  REQUIRE_FALSE(header.ok());
  CHECK_THAT(ErrorOf(header.status()),
             Catch::Contains("h.csv:1: header lacks column(s) cpu_milli, memory_mib, gpu_milli"));
  auto empty = ReadOpenbPodList(dir.Write("e.csv", kPodHeader));
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(ErrorOf(empty.status()), Catch::Contains("e.csv: no pods"));
  auto missing = ReadOpenbPodList(dir.Write("x", "") + "-absent.csv");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(ErrorOf(missing.status()), Catch::Contains("-absent.csv: cannot read"));

  const std::string node_header = "sn,cpu_milli,memory_mib,gpu,model\n";
  auto gpus = ReadOpenbNodeList(dir.Write("n.csv", node_header + "n,1000,10,65,T4\n"));
  REQUIRE_FALSE(gpus.ok());
  CHECK_THAT(ErrorOf(gpus.status()), Catch::Contains("n.csv:2:11: gpu: must be a whole number"));
  auto model = ReadOpenbNodeList(dir.Write("m.csv", node_header + "n,1000,10,2,\n"));
  REQUIRE_FALSE(model.ok());
  CHECK_THAT(ErrorOf(model.status()), Catch::Contains("m.csv:2:13: model: empty for a node"));
}

TEST_CASE("frag openb pods with times: run times and the rows without them", "[frag]") {
  // pods_small.csv: pod-06 (line 8) is Pending, with an empty scheduled_time.
  auto strict = ReadOpenbPodList(kFixtures + "/pods_small.csv", OpenbPodListOptions{true, false});
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(ErrorOf(strict.status()),
             Catch::Contains("pods_small.csv:8:") &&
                 Catch::Contains(": scheduled_time: empty: the pod never started"));

  auto lenient = ReadOpenbPodList(kFixtures + "/pods_small.csv", OpenbPodListOptions{true, true});
  REQUIRE(lenient.ok());
  CHECK(lenient->rows == 8);
  CHECK(lenient->skipped == 1);
  CHECK(lenient->skipped_unscheduled == 1);
  CHECK_THAT(lenient->first_skipped, Catch::Contains("pods_small.csv:8:"));
  REQUIRE(lenient->pods.size() == 7);
  for (const FragPod& p : lenient->pods) CHECK(p.has_times);
  CHECK(lenient->pods[1].name == "pod-01");
  CHECK(lenient->pods[1].creation_s == 10);
  CHECK(lenient->pods[1].scheduled_s == 10);
  CHECK(lenient->pods[1].deletion_s == 100);
  CHECK(lenient->pods[6].name == "pod-07");  // file order, not creation order

  // Without times the time columns are ignored, as the experiment needs.
  auto plain = ReadOpenbPodList(kFixtures + "/pods_small.csv");
  REQUIRE(plain.ok());
  CHECK(plain->size() == 8);
  CHECK_FALSE((*plain)[0].has_times);

  TempDir dir;
  const std::string header = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,"
                             "scheduled_time,deletion_time\n";
  struct Case {
    std::string row, expect;
  };
  const std::vector<Case> cases = {
      {"p,1000,10,1,500,x,0,5", "t.csv:3:17: creation_time: \"x\" is not a number"},
      {"p,1000,10,1,500,,0,5", "t.csv:3:17: creation_time: empty"},
      {"p,1000,10,1,500,10,5,20", "t.csv:3:20: scheduled_time: 5 is before creation_time 10"},
      {"p,1000,10,1,500,10,12,11", "t.csv:3:23: deletion_time: 11 is before scheduled_time 12"},
      {"p,1000,10,1,500,10,12,", "t.csv:3:23: deletion_time: empty"},
      {"p,1000,10,1,500,10,12", "t.csv:3:1: deletion_time: missing"},
  };
  for (const Case& c : cases) {
    INFO(c.row);
    const std::string path = dir.Write("t.csv", header + "ok,1000,10,1,500,0,1,2\n" + c.row + "\n");
    auto bad = ReadOpenbPodList(path, OpenbPodListOptions{true, false});
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(ErrorOf(bad.status()), Catch::Contains(c.expect));
    auto skipped = ReadOpenbPodList(path, OpenbPodListOptions{true, true});
    REQUIRE(skipped.ok());
    CHECK(skipped->pods.size() == 1);
    CHECK(skipped->skipped == 1);
    CHECK(skipped->skipped_unscheduled == 0);
  }
  // Lenient is about times only: a malformed request is still an error.
  auto request = ReadOpenbPodList(dir.Write("r.csv", header + "p,-5,10,1,500,0,1,2\n"),
                                  OpenbPodListOptions{true, true});
  REQUIRE_FALSE(request.ok());
  CHECK_THAT(ErrorOf(request.status()), Catch::Contains("r.csv:2:3: cpu_milli"));
  // Every row skipped: no pods, with the first reason.
  auto none = ReadOpenbPodList(dir.Write("n.csv", header + "p,1000,10,1,500,0,,2\n"),
                               OpenbPodListOptions{true, true});
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(ErrorOf(none.status()),
             Catch::Contains("n.csv: no pods with usable times (1 rows skipped; first: ") &&
                 Catch::Contains("n.csv:2:19: scheduled_time: empty"));
  // The replay needs the three columns.
  auto columns = ReadOpenbPodList(dir.Write("c.csv", kPodHeader + "p,1000,10,1,500,\n"),
                                  OpenbPodListOptions{true, true});
  REQUIRE_FALSE(columns.ok());
  CHECK_THAT(ErrorOf(columns.status()),
             Catch::Contains("header lacks column(s) creation_time, scheduled_time, "
                             "deletion_time"));
}

TEST_CASE("frag openb: the real GPU node list has 1213 nodes and 6212 GPUs", "[frag]") {
  const std::string path = TracesDir() + "/alibaba-gpu-v2023-openb/openb_node_list_gpu_node.csv";
  if (!std::filesystem::exists(path)) {
    BURNRATE_SKIP("skipped: " << path << " is absent (set BURNRATE_TRACES)");
  }
  auto nodes = ReadOpenbNodeList(path);
  REQUIRE(nodes.ok());
  CHECK(nodes->size() == 1213);
  int64_t gpus = 0;
  std::map<std::string, int> by_model;
  for (const FragNodeSpec& n : *nodes) {
    gpus += n.gpus;
    ++by_model[n.model];
  }
  CHECK(gpus == 6212);
  CHECK(by_model == std::map<std::string, int>{{"A10", 2}, {"G2", 549}, {"G3", 39}, {"P100", 134},
                                              {"T4", 404}, {"V100M16", 55}, {"V100M32", 30}});
}

}  // namespace burnrate
