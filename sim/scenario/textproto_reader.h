// Protobuf text format -> message, with "file:line:column" errors and the line of every field.
// Internal to sim/scenario.
#ifndef BURNRATE_SIM_SCENARIO_TEXTPROTO_READER_H_
#define BURNRATE_SIM_SCENARIO_TEXTPROTO_READER_H_

#include <google/protobuf/message.h>

#include <map>
#include <string>
#include <vector>

namespace burnrate {
namespace scenario_internal {

// Parses `text` into `message`. Returns false and fills `errors` ("<file>:<line>:<col>: ...")
// on a syntax error, an unknown field or two members of one oneof. On success `lines` receives
// "path" -> 1-based line for every field present in the text (also fields written with their
// default value, which proto3 reflection cannot see).
bool ReadTextproto(const std::string& text, const std::string& file,
                   google::protobuf::Message* message, std::map<std::string, int>* lines,
                   std::vector<std::string>* errors);

}  // namespace scenario_internal
}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_TEXTPROTO_READER_H_
