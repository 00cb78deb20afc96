// Loading: file -> text -> burnrate.v1.Scenario (+ field lines). Compilation is in
// scenario_compiler.cc.
#include "sim/scenario/scenario_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/scenario/file_text.h"
#include "sim/scenario/scenario_errors.h"
#include "sim/scenario/textproto_reader.h"
#include "sim/scenario/yaml_to_proto.h"

namespace burnrate {
namespace {

using scenario_internal::JoinErrors;
using scenario_internal::ReadFileText;
using scenario_internal::ReadTextproto;
using scenario_internal::ReadYamlMessage;
using scenario_internal::ScenarioErrors;

constexpr const char* kAcceptedExtensions = ".yaml, .yml, .json, .textproto, .txtpb, .pbtxt";

// "yaml", "json", "textproto" or "" for an unknown extension (compared case-insensitively).
std::string FormatOfExtension(std::string ext) {
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".yaml" || ext == ".yml") return "yaml";
  if (ext == ".json") return "json";
  if (ext == ".textproto" || ext == ".txtpb" || ext == ".pbtxt") return "textproto";
  return "";
}

bool IsBlank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

absl::Status Empty(const std::string& file) {
  return absl::InvalidArgumentError(fmt::format(
      "{}: scenario is empty; expected at least horizon_days, cluster and workload", file));
}

// Where each document of a YAML stream starts (its first event), and whether it is a lone null.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark start, previous;
  bool null_root = false;

  void OnDocumentStart(const YAML::Mark& mark) override {
    previous = start;
    start = mark;
    events_ = 0;
    null_root = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    if (First(mark)) null_root = true;
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { First(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    First(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    First(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    First(mark);
  }
  void OnMapEnd() override {}

 private:
  // True for the document's first node, whose position becomes the document's start.
  bool First(const YAML::Mark& mark) {
    if (events_++ > 0) return false;
    start = mark;
    return true;
  }
  size_t events_ = 0;
};

absl::Status ParseYamlOrJson(std::string text, const std::string& format, const std::string& file,
                             LoadedScenario* out) {
  // JSON allows tabs as whitespace where YAML flow syntax may not; a literal tab is never valid
  // inside a JSON string, so replacing them keeps every line and column.
  if (format == "json") std::replace(text.begin(), text.end(), '\t', ' ');
  const char* kind = format == "json" ? "JSON" : "YAML";
  // Not YAML::LoadAll: in yaml-cpp 0.7 it loops forever, growing memory, on a token no rule
  // takes (e.g. a stray "," at the top level; yaml-cpp PR 1319): every round gives another null
  // document at the same position. Count the documents first, stopping at the first one that
  // starts where the previous one did, then load the one document.
  size_t count = 0;
  bool first_null = false;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    while (parser.HandleNextDocument(starts)) {
      if (count > 0 && starts.start.pos == starts.previous.pos) {
        return absl::InvalidArgumentError(fmt::format(
            "{}:{}:{}: malformed {}: unexpected text where a value or the next document should "
            "start",
            file, starts.start.line + 1, starts.start.column + 1, kind));
      }
      if (count == 0) first_null = starts.null_root;
      ++count;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(fmt::format("{}:{}:{}: malformed {}: {}", file,
                                                  e.mark.line + 1, e.mark.column + 1, kind, e.msg));
  }
  if (count == 0 || (count == 1 && first_null)) return Empty(file);
  if (count > 1) {
    return absl::InvalidArgumentError(
        fmt::format("{}: holds {} YAML documents (separated by ---); expected exactly one "
                    "scenario",
                    file, count));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(fmt::format("{}:{}:{}: malformed {}: {}", file,
                                                  e.mark.line + 1, e.mark.column + 1, kind, e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        fmt::format("{}:{}: the scenario must be a map of fields (name, start, horizon_days, seed, "
                    "sample_interval_s, cluster, workload, policies), got {}",
                    file, root.Mark().line + 1, root.IsSequence() ? "a list" : "a single value"));
  }
  if (root.size() == 0) return Empty(file);
  ScenarioErrors errors(file, &out->lines);
  try {
    ReadYamlMessage(root, &out->scenario, "", &out->lines, &errors);
  } catch (const YAML::Exception& e) {
    errors.AddAtLine(e.mark.line + 1, "", fmt::format("malformed {}: {}", kind, e.msg));
  }
  return errors.ToStatus();
}

}  // namespace

absl::StatusOr<LoadedScenario> LoadScenarioText(const std::string& text, const std::string& format,
                                                const std::string& display_name,
                                                const std::string& base_dir) {
  LoadedScenario out;
  out.path = display_name;
  out.base_dir = base_dir;
  const std::string file = display_name.empty() ? std::string("<scenario>") : display_name;
  if (format != "yaml" && format != "json" && format != "textproto") {
    return absl::InvalidArgumentError(fmt::format(
        "{}: unknown scenario format \"{}\"; expected yaml, json or textproto", file, format));
  }
  if (IsBlank(text)) return Empty(file);
  if (format == "textproto") {
    std::vector<std::string> errors;
    if (!ReadTextproto(text, file, &out.scenario, &out.lines, &errors)) return JoinErrors(errors);
    if (out.lines.empty()) return Empty(file);
    return out;
  }
  if (absl::Status s = ParseYamlOrJson(text, format, file, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<LoadedScenario> LoadScenarioFile(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string format = FormatOfExtension(p.extension().string());
  if (p.extension().empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: scenario file has no extension; accepted: {}", path, kAcceptedExtensions));
  }
  if (format.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: unknown scenario file extension \"{}\"; accepted: {}", path,
                    p.extension().string(), kAcceptedExtensions));
  }
  std::string text, error;
  if (!ReadFileText(path, &text, &error)) {
    return absl::InvalidArgumentError(fmt::format("{}: cannot read scenario: {}", path, error));
  }
  std::string base_dir = p.parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return LoadScenarioText(text, format, path, base_dir);
}

absl::StatusOr<ScenarioModel> LoadAndCompileScenario(const std::string& path) {
  absl::StatusOr<LoadedScenario> loaded = LoadScenarioFile(path);
  if (!loaded.ok()) return loaded.status();
  return CompileScenario(*loaded);
}

}  // namespace burnrate
