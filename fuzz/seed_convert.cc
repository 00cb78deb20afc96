// Seed corpora for the JSON and textproto scenario fuzzers from YAML scenarios (scripts/fuzz.sh):
//   burnrate_fuzz_seed_convert IN.yaml OUT.json OUT.textproto
// JSON: the YAML tree written as JSON (plain scalars that read as numbers, booleans or null stay
// bare, everything else is a string). Textproto: the loaded scenario printed by protobuf. A file
// that does not load as YAML gives neither (exit 1).
#include <google/protobuf/text_format.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

#include "sim/scenario/scenario_loader.h"

namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

void Json(const YAML::Node& node, std::string* out) {
  static const std::regex kNumber(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      *out += "{";
      bool first = true;
      for (const auto& kv : node) {
        if (!first) *out += ", ";
        first = false;
        *out += Quote(kv.first.Scalar()) + ": ";
        Json(kv.second, out);
      }
      *out += "}";
      break;
    }
    case YAML::NodeType::Sequence: {
      *out += "[";
      for (size_t i = 0; i < node.size(); ++i) {
        if (i > 0) *out += ", ";
        Json(node[i], out);
      }
      *out += "]";
      break;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      const bool plain = node.Tag() != "!";
      if (plain && (std::regex_match(s, kNumber) || s == "true" || s == "false")) {
        *out += s;
      } else {
        *out += Quote(s);
      }
      break;
    }
    default:
      *out += "null";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s IN.yaml OUT.json OUT.textproto\n", argv[0]);
    return 2;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(argv[1]);
  } catch (const YAML::Exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 1;
  }
  std::string json;
  Json(root, &json);
  std::ofstream(argv[2]) << json << "\n";
  absl::StatusOr<burnrate::LoadedScenario> loaded = burnrate::LoadScenarioFile(argv[1]);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s: no textproto seed: %s\n", argv[1],
                 std::string(loaded.status().message()).c_str());
    return 1;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(loaded->scenario, &text);
  std::ofstream(argv[3]) << text;
  return 0;
}
