// Inputs the fuzzers (fuzz/, scripts/fuzz.sh) found crashing, committed under
// tests/fixtures/fuzz/<harness>/, replayed through the harnesses' own entry points
// (fuzz/fuzz_entry.h): a fixed bug that comes back aborts here, and under `make test-asan` any
// memory error or undefined behaviour they reach is reported. Also: every trace format of the
// registry has a harness.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_entry.h"
#include "sim/trace/trace.h"

namespace burnrate {
namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Underscored(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

std::vector<std::filesystem::path> Sorted(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("committed fuzz inputs replay through the harnesses' entry points", "[fuzz]") {
  const std::filesystem::path root = std::filesystem::path(BURNRATE_SOURCE_DIR) / "tests" /
                                     "fixtures" / "fuzz";
  size_t replayed = 0;
  for (const auto& dir : Sorted(root)) {
    if (!std::filesystem::is_directory(dir)) continue;
    const std::string harness = dir.filename().string();
    for (const auto& input : Sorted(dir)) {
      if (!std::filesystem::is_regular_file(input) || input.extension() == ".md") continue;
      INFO(input.string());
      const std::string data = ReadAll(input);
      bool known = false;
      for (const std::string format : {"yaml", "json", "textproto"}) {
        if (harness == "fuzz_scenario_" + format) {
          fuzz::RunScenarioInput(data, format);
          known = true;
        }
      }
      for (const TraceFormat& f : TraceFormats()) {
        if (harness == "fuzz_trace_" + Underscored(f.name)) {
          fuzz::RunTraceInput(data, f.name);
          known = true;
        }
      }
      if (harness == "fuzz_trace_openb_nodes") {
        fuzz::RunOpenbNodesInput(data);
        known = true;
      }
      if (harness == "fuzz_failure_trace") {
        fuzz::RunFailureTraceInput(data);
        known = true;
      }
      CHECK(known);  // a directory named after no harness
      ++replayed;
    }
  }
  CHECK(replayed > 0);
}

// fuzz_scenario_yaml / fuzz_scenario_json timeouts: yaml-cpp 0.7's LoadAll loops forever (and
// grows memory) on a token no rule takes, e.g. a stray top-level ",". Now a malformed-YAML error.
TEST_CASE("fuzz: a token yaml-cpp cannot place is an error, not an endless loop", "[fuzz]") {
  for (const std::string format : {"yaml", "json"}) {
    absl::StatusOr<LoadedScenario> loaded = LoadScenarioText(",\n", format, "s", ".");
    REQUIRE_FALSE(loaded.ok());
    CHECK(std::string(loaded.status().message()) ==
          "s:1:1: malformed " + std::string(format == "json" ? "JSON" : "YAML") +
              ": unexpected text where a value or the next document should start");
  }
  // Documents are still counted, empty ones included.
  absl::StatusOr<LoadedScenario> loaded = LoadScenarioText("horizon_days: 1\n---\n---\n", "yaml", "s", ".");
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(std::string(loaded.status().message()), Catch::Contains("holds 3 YAML documents"));
}

// fuzz_trace_openb_nodes: a negative cpu_milli (and "nan" GPUs, which from_chars reads) reached
// float-to-unsigned casts (undefined behaviour).
TEST_CASE("fuzz: openb node lists refuse negative, NaN and fractional values", "[fuzz]") {
  for (const std::string row : {"n,-96000,786432,8,V100M16", "n,96000,786432,nan,V100M16",
                                "n,96000,-1,8,V100M16", "n,96000,786432,0.5,V100M16",
                                "n,inf,786432,8,V100M16"}) {
    INFO(row);
    const fuzz::MemFile file("sn,cpu_milli,memory_mib,gpu,model\n" + row + "\n");
    absl::StatusOr<NodeList> list = ReadOpenbNodes(file.path());
    REQUIRE_FALSE(list.ok());
    CHECK_THAT(std::string(list.status().message()),
               Catch::EndsWith(":2: expected sn,cpu_milli (>= 0),memory_mib (>= 0),gpu (a whole "
                               "number 0..64),model"));
  }
}

TEST_CASE("every trace format has a fuzz harness", "[fuzz]") {
  const std::string cmake = ReadAll(std::filesystem::path(BURNRATE_SOURCE_DIR) / "fuzz" /
                                    "CMakeLists.txt");
  const auto begin = cmake.find("set(BURNRATE_FUZZ_TRACE_FORMATS");
  REQUIRE(begin != std::string::npos);
  const std::string list = cmake.substr(begin, cmake.find(')', begin) - begin);
  std::istringstream words(list);
  std::vector<std::string> listed;
  for (std::string w; words >> w;) listed.push_back(w);
  for (const TraceFormat& f : TraceFormats()) {
    INFO(f.name << " is in TraceFormats() but not in fuzz/CMakeLists.txt's "
                   "BURNRATE_FUZZ_TRACE_FORMATS");
    CHECK(std::count(listed.begin(), listed.end(), f.name) == 1);
  }
}

}  // namespace
}  // namespace burnrate
