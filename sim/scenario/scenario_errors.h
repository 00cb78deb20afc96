// Error messages of scenario loading and compilation, all of one shape:
//   "<file>:<line>: <field.path>: <what is wrong>; <what is allowed>"
// The line is looked up from the field path in LoadedScenario::lines (or its nearest recorded
// parent) and omitted when unknown. Internal to sim/scenario.
#ifndef BURNRATE_SIM_SCENARIO_SCENARIO_ERRORS_H_
#define BURNRATE_SIM_SCENARIO_SCENARIO_ERRORS_H_

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace burnrate {
namespace scenario_internal {

// At most this many messages are listed; the rest are counted ("... and N more errors").
inline constexpr size_t kMaxListedErrors = 20;

// The 1-based line recorded for `path` or for its nearest recorded parent
// ("a.b[2].c" -> "a.b[2]" -> "a.b" -> "a"); 0 when none is recorded.
int LineOfPath(const std::map<std::string, int>& lines, const std::string& path);

// Shortest decimal that reads back as `value` ("-5", "0.25", "1e+20", "inf").
std::string FormatNumber(double value);

// Collects every error of one scenario file. Not thread-safe (one per load/compile).
class ScenarioErrors {
 public:
  // `file` names the scenario in messages; `lines` (may be null) maps field paths to lines and
  // must outlive this object.
  ScenarioErrors(std::string file, const std::map<std::string, int>* lines)
      : file_(std::move(file)), lines_(lines) {}

  // An error about the field at `path` ("" = the whole scenario); the line comes from `lines`.
  void Add(const std::string& path, const std::string& message);
  // Same with an explicit 1-based line (0 = unknown).
  void AddAtLine(int line, const std::string& path, const std::string& message);

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<std::string>& messages() const { return errors_; }

  // OkStatus when empty; otherwise InvalidArgument with the messages, one per line.
  absl::Status ToStatus() const;

 private:
  std::string file_;
  const std::map<std::string, int>* lines_;
  std::vector<std::string> errors_;
};

// Joins messages into one InvalidArgument status (the first kMaxListedErrors, then a count).
absl::Status JoinErrors(const std::vector<std::string>& messages);

}  // namespace scenario_internal
}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_SCENARIO_ERRORS_H_
