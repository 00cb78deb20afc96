// Loading a scenario file (YAML, JSON or protobuf text format) into burnrate.v1.Scenario, checking
// it, and compiling it into a ScenarioModel.
//
// Every error is absl::InvalidArgumentError with a message of the form
//   "<file>:<line>: <field.path>: <what is wrong>; <what is allowed>"
// (the line is omitted when unknown). The CLI prints it and exits with code 2.
#ifndef BURNRATE_SIM_SCENARIO_SCENARIO_LOADER_H_
#define BURNRATE_SIM_SCENARIO_SCENARIO_LOADER_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "burnrate/v1/scenario.pb.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

struct LoadedScenario {
  burnrate::v1::Scenario scenario;
  std::string path;      // as given by the user
  std::string base_dir;  // directory of `path`, for relative paths inside the scenario
  // Field path ("cluster.pools[0].nodes") -> 1-based line in the file, for error messages.
  std::map<std::string, int> lines;
  // Files named in the scenario (traces, empirical samples) must lie inside base_dir: no
  // absolute paths, no ".." or symlink leading out. For scenarios from remote clients.
  bool confine_paths = false;
  // Fields replaced after parsing (scenario_overrides.h): canonical path ("cluster.pools[0].
  // nodes") and who set it ("--set cluster.pools[0].nodes=0"), so that errors about them name
  // the override rather than the file (CompileWithOverrides).
  std::vector<std::pair<std::string, std::string>> overridden;
  // Fields an override wrote (their paths, subfields included): like `lines`, so that a 0 set
  // by --set or a sweep parameter counts as written where a written 0 means something.
  std::set<std::string> written_by_override;
};

// Parses the file; the format comes from the extension: .yaml/.yml, .json, .textproto/.txtpb/.pbtxt.
// Rejects unknown fields and wrong types. Does not check values (see CompileScenario).
absl::StatusOr<LoadedScenario> LoadScenarioFile(const std::string& path);

// Parses scenario text already in memory; `display_name` is used in messages and `base_dir`
// for relative paths. `format` is "yaml", "json" or "textproto".
absl::StatusOr<LoadedScenario> LoadScenarioText(const std::string& text, const std::string& format,
                                                const std::string& display_name,
                                                const std::string& base_dir);

// Checks every value (ranges, references between fields, policy names, empirical files) and
// converts to the engine's plain model, applying documented defaults.
absl::StatusOr<ScenarioModel> CompileScenario(const LoadedScenario& loaded);

// Load + compile.
absl::StatusOr<ScenarioModel> LoadAndCompileScenario(const std::string& path);

}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_SCENARIO_LOADER_H_
