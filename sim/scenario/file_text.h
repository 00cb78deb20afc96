// Whole-file reads with errno-based messages. Internal to sim/scenario.
#ifndef BURNRATE_SIM_SCENARIO_FILE_TEXT_H_
#define BURNRATE_SIM_SCENARIO_FILE_TEXT_H_

#include <string>

namespace burnrate {
namespace scenario_internal {

// Reads all of `path` into `text`. On failure returns false and sets `error` to strerror(errno)
// (e.g. "No such file or directory", "Is a directory").
bool ReadFileText(const std::string& path, std::string* text, std::string* error);

}  // namespace scenario_internal
}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_FILE_TEXT_H_
