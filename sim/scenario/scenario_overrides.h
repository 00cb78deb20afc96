// Setting one field of a loaded scenario by its path, before compiling: the sweep's parameters
// (`set: cluster.pools[0].nodes`) and `burnrate run --set PATH=VALUE`.
//
// A path is field names joined by dots, as in error messages. A list element is chosen by its
// position, `pools[0]`, or by its `name` field, `pools[a100]` (a number is a position). The
// value is YAML: a scalar for a number, string, bool or enum field, a list for a list field set
// whole, a map for a message field (which it replaces whole). Values are checked exactly as in
// a scenario file (the same messages); CompileScenario then checks the scenario as a whole.
#ifndef BURNRATE_SIM_SCENARIO_SCENARIO_OVERRIDES_H_
#define BURNRATE_SIM_SCENARIO_SCENARIO_OVERRIDES_H_

#include <yaml-cpp/yaml.h>

#include <string>

#include "absl/status/status.h"
#include "sim/scenario/scenario_loader.h"

namespace burnrate {

struct ScenarioOverride {
  std::string path;  // "cluster.pools[0].nodes"
  YAML::Node value;
  // Where the override was written, for messages: a file name (the YAML marks of `value` give
  // its lines) or a flag such as "--set".
  std::string origin;
  bool origin_has_lines = false;  // true when `value` was read from the file `origin`
  int path_line = 0;  // line of the path in `origin` (errors about the path), 0 = the value's
  // Who set the field, for later compile errors about it ("--set cluster.pools[0].nodes=0",
  // "grid.yaml:7: parameter nodes = 0"); default: `origin`.
  std::string blame;
};

// Sets the field. InvalidArgument "<origin>[:<line>]: <path>: <what is wrong>; <what is
// allowed>" for an unknown field or element, a wrong type or an unusable path. Line numbers
// recorded for the replaced fields are dropped (later compile errors about them name no line
// of the scenario file, which no longer holds their value).
absl::Status ApplyOverride(const ScenarioOverride& override_spec, LoadedScenario* loaded);

// CompileScenario, with every error about a field an override set (or inside it) attributed to
// the override: "--set cluster.pools[0].nodes=0: cluster.pools[0].nodes: ..." instead of the
// scenario file's name and a line that no longer holds the value.
absl::StatusOr<ScenarioModel> CompileWithOverrides(const LoadedScenario& loaded);

// Parses "PATH=VALUE" (VALUE is YAML, e.g. `cluster.pools[0].nodes=16` or
// `policies=[{queue: sjf, placement: best-fit}]`) for --set. InvalidArgument naming the flag
// when malformed.
absl::StatusOr<ScenarioOverride> ParseSetFlag(const std::string& text);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_SCENARIO_OVERRIDES_H_
