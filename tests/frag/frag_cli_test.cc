// `burnrate frag`: help, exit codes (0 ok, 2 bad input) and messages, JSON output.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/trace/trace_test_util.h"

namespace burnrate {
namespace {

const std::string kFixtures = std::string(BURNRATE_SOURCE_DIR) + "/tests/frag/fixtures";

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr
};

Result Burnrate(const std::string& args) {
  const std::string command = std::string(BURNRATE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Result r;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kSmall =
    "frag --nodes " + kFixtures + "/nodes_small.csv --pods " + kFixtures + "/pods_small.csv";

}  // namespace

TEST_CASE("frag cli: help teaches the experiment", "[frag][cli]") {
  const Result r = Burnrate("frag --help");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Beware of Fragmentation") && Catch::Contains("--inflate") &&
                        Catch::Contains("fgd, best-fit, dot-product") &&
                        Catch::Contains("docs/fragmentation.md"));
  CHECK(Burnrate("help frag").code == 0);
}

TEST_CASE("frag cli: a small run prints the table and writes identical JSON twice",
          "[frag][cli]") {
  testing::TempDir dir;
  const std::string a = (dir.path / "a.json").string(), b = (dir.path / "b.json").string();
  const Result r = Burnrate(kSmall + " --seeds 3 --json " + a);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("fgd") && Catch::Contains("unallocated at 100%") &&
                        Catch::Contains("18 runs"));
  REQUIRE(Burnrate(kSmall + " --seeds 3 -j 1 --json " + b).code == 0);
  const std::string json = Slurp(a);
  CHECK_THAT(json, Catch::Contains("\"schema\": \"burnrate.frag.v1\""));
  CHECK(json == Slurp(b));
  CHECK(Burnrate(kSmall + " --seeds 2 --policy fgd,random --policy best-fit").code == 0);
}

TEST_CASE("frag cli: bad input exits 2 naming what is wrong", "[frag][cli]") {
  testing::TempDir dir;
  Result r = Burnrate("frag --nodes " + kFixtures + "/nodes_small.csv");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("--pods is required"));

  r = Burnrate(kSmall + " --policy fgd,first-fit");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("first-fit: unknown policy; known: fgd, best-fit"));

  r = Burnrate(kSmall + " --order random");
  CHECK(r.code == 2);

  r = Burnrate(kSmall + " --seeds 0");
  CHECK(r.code == 2);

  const std::string bad =
      dir.Write("bad.csv", "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1000,10,3,500\n");
  r = Burnrate("frag --nodes " + kFixtures + "/nodes_small.csv --pods " + bad);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("bad.csv:2:13: gpu_milli: must be 1000 for a pod of 3 GPUs"));

  r = Burnrate("frag --nodes " + kFixtures + "/absent.csv --pods " + bad);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("absent.csv: cannot read"));

  r = Burnrate(kSmall + " --json " + (dir.path / "no" / "such" / "dir.json").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("does not exist"));
}

}  // namespace burnrate

namespace burnrate {
namespace {

const std::string kReplay = "frag --replay --nodes " + kFixtures + "/nodes_small.csv --pods " +
                            kFixtures + "/pods_small.csv";

}  // namespace

TEST_CASE("frag cli: help teaches the replay", "[frag][cli]") {
  const Result r = Burnrate("frag --help");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("--replay") && Catch::Contains("--time-compression") &&
                        Catch::Contains("--max-wait") && Catch::Contains("--lenient") &&
                        Catch::Contains("deletion_time - scheduled_time") &&
                        Catch::Contains("in arrival order"));
}

TEST_CASE("frag cli: a replay prints the table and writes identical JSON twice", "[frag][cli]") {
  testing::TempDir dir;
  const std::string a = (dir.path / "a.json").string(), b = (dir.path / "b.json").string();
  const Result r = Burnrate(kReplay + " --lenient --max-wait 30 --sample 10 --json " + a);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("7 pods replayed (1 rows skipped") &&
                        Catch::Contains("pods_small.csv:8:57: scheduled_time: empty") &&
                        Catch::Contains("gpu-clustering") && Catch::Contains("6 policies"));
  REQUIRE(Burnrate(kReplay + " --lenient --max-wait 30 --sample 10 -j 1 --json " + b).code == 0);
  const std::string json = Slurp(a);
  CHECK_THAT(json, Catch::Contains("\"schema\": \"burnrate.frag.replay.v1\"") &&
                       Catch::Contains("\"rows_skipped_unscheduled\": 1") &&
                       Catch::Contains("\"max_wait_s\": 30.000"));
  CHECK(json == Slurp(b));
  CHECK(Burnrate(kReplay + " --lenient --policy fgd,random --time-compression 5 --horizon-days 1")
            .code == 0);
}

TEST_CASE("frag cli: replay errors exit 2 and leave the JSON untouched", "[frag][cli]") {
  testing::TempDir dir;
  const std::string out = (dir.path / "keep.json").string();
  REQUIRE(Burnrate(kReplay + " --lenient --policy fgd --json " + out).code == 0);
  const std::string before = Slurp(out);

  Result r = Burnrate(kReplay + " --json " + out);  // not lenient: pod-06 has no scheduled_time
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("pods_small.csv:8:57: scheduled_time: empty") &&
                        Catch::Contains("--lenient skips"));
  CHECK(Slurp(out) == before);

  const std::string bad = dir.Write(
      "bad.csv",
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,creation_time,scheduled_time,deletion_time\n"
      "p,1000,10,1,500,0,0,10\np,1000,10,1,500,20,30,25\n");
  r = Burnrate("frag --replay --lenient --nodes " + kFixtures + "/nodes_small.csv --pods " + bad +
               " --json " + out);
  CHECK(r.code == 0);  // lenient: the bad row is skipped
  r = Burnrate("frag --replay --nodes " + kFixtures + "/nodes_small.csv --pods " + bad +
               " --json " + out);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("bad.csv:3:23: deletion_time: 25 is before scheduled_time 30"));

  r = Burnrate(kReplay + " --lenient --inflate 2");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("--inflate is for the experiment"));
  r = Burnrate(kSmall + " --max-wait 60");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("--max-wait is for the replay; add --replay"));
  CHECK(Burnrate(kReplay + " --lenient --time-compression 0").code == 2);
  CHECK(Burnrate(kReplay + " --lenient --max-wait -5").code == 2);
  r = Burnrate(kReplay + " --lenient --policy fgd,first-fit");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("first-fit: unknown policy; known: fgd, best-fit"));
  r = Burnrate(kReplay + " --lenient --sample 0.001 --horizon-days 100");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("use a larger step"));
  r = Burnrate(kReplay + " --lenient --json " + (dir.path / "no" / "dir.json").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("does not exist"));
}

}  // namespace burnrate
