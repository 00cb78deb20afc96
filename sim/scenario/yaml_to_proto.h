// A generic YAML/JSON -> protobuf reader driven by the message descriptor: map keys are proto
// field names (snake_case), values must have the field's type. Records the 1-based line of every
// field it sets. Internal to sim/scenario.
#ifndef BURNRATE_SIM_SCENARIO_YAML_TO_PROTO_H_
#define BURNRATE_SIM_SCENARIO_YAML_TO_PROTO_H_

#include <google/protobuf/message.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "sim/scenario/scenario_errors.h"

namespace burnrate {
namespace scenario_internal {

// Fills `message` from `node`, which must be a YAML map. Every problem (unknown key with the
// allowed names, wrong type, two members of one oneof, duplicate key) goes to `errors`; reading
// continues past errors so all of them are reported. `lines` receives "path" -> line for every
// field and list element set ("cluster.pools[0].nodes").
// REQUIRES: node.IsMap().
void ReadYamlMessage(const YAML::Node& node, google::protobuf::Message* message,
                     const std::string& path, std::map<std::string, int>* lines,
                     ScenarioErrors* errors);

// "; did you mean \"x\"?"-style hint for an unknown field `key` of `d` ("" when none is close),
// and the comma-separated field names of `d`.
std::string FieldSuggestion(const google::protobuf::Descriptor* d, const std::string& key);
std::string FieldNameList(const google::protobuf::Descriptor* d);

}  // namespace scenario_internal
}  // namespace burnrate

#endif  // BURNRATE_SIM_SCENARIO_YAML_TO_PROTO_H_
