#include "sim/scenario/scenario_overrides.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cctype>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "sim/scenario/scenario_errors.h"
#include "sim/scenario/yaml_to_proto.h"

namespace burnrate {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using scenario_internal::FieldNameList;
using scenario_internal::FieldSuggestion;
using scenario_internal::ReadYamlMessage;
using scenario_internal::ScenarioErrors;

struct Segment {
  std::string name;
  std::optional<std::string> selector;  // the text between [ and ]
};

// "a.b[2].c[x]" -> segments; false with `problem` set when malformed.
bool ParsePath(const std::string& path, std::vector<Segment>* out, std::string* problem) {
  size_t i = 0;
  if (path.empty()) {
    *problem = "the path is empty; write field names joined by dots, e.g. cluster.pools[0].nodes";
    return false;
  }
  while (i < path.size()) {
    Segment s;
    while (i < path.size() && (std::isalnum(static_cast<unsigned char>(path[i])) || path[i] == '_')) {
      s.name += path[i++];
    }
    if (s.name.empty()) {
      *problem = fmt::format("expected a field name at character {}; write field names joined by "
                             "dots, e.g. cluster.pools[0].nodes",
                             i + 1);
      return false;
    }
    if (i < path.size() && path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string::npos) {
        *problem = fmt::format("\"[\" at character {} is not closed; write e.g. pools[0] or "
                               "pools[a100]",
                               i + 1);
        return false;
      }
      if (close == i + 1) {
        *problem = fmt::format("\"[\" at character {} has no element inside \"[...]\"; write "
                               "a position or a name, e.g. pools[0] or pools[a100]",
                               i + 1);
        return false;
      }
      s.selector = path.substr(i + 1, close - i - 1);
      i = close + 1;
    }
    out->push_back(std::move(s));
    if (i == path.size()) break;
    if (path[i] != '.') {
      *problem = fmt::format("unexpected \"{}\" at character {}; write field names joined by "
                             "dots, e.g. cluster.pools[0].nodes",
                             path[i], i + 1);
      return false;
    }
    ++i;
    if (i == path.size()) {
      *problem = "the path ends with a dot";
      return false;
    }
  }
  return true;
}

std::string KindOf(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return "string";
    case FieldDescriptor::CPPTYPE_BOOL: return "bool";
    case FieldDescriptor::CPPTYPE_ENUM: return "enum";
    case FieldDescriptor::CPPTYPE_MESSAGE: return "map";
    default: return "number";
  }
}

class Applier {
 public:
  Applier(const ScenarioOverride& o, LoadedScenario* loaded) : o_(o), loaded_(loaded) {}

  absl::Status Apply() {
    std::vector<Segment> segments;
    std::string problem;
    if (!ParsePath(o_.path, &segments, &problem)) return Error(o_.path, problem);
    Message* msg = &loaded_->scenario;
    std::string parent;  // canonical path of `msg` ("" = the scenario)
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& seg = segments[i];
      const bool last = i + 1 == segments.size();
      const Descriptor* d = msg->GetDescriptor();
      const Reflection* r = msg->GetReflection();
      const std::string here = parent.empty() ? seg.name : parent + "." + seg.name;
      const FieldDescriptor* f = d->FindFieldByName(seg.name);
      if (f == nullptr) {
        return Error(here, fmt::format("unknown field \"{}\"{}; allowed fields of {}: {}",
                                       seg.name, FieldSuggestion(d, seg.name), d->name(),
                                       FieldNameList(d)));
      }
      if (f->is_map()) {
        if (seg.selector || !last) {
          return Error(here, fmt::format("is a map of key: value; set it whole, e.g. {}={{key: "
                                         "value}}",
                                         here));
        }
        return SetWhole(msg, f, parent, here);
      }
      if (f->is_repeated()) {
        if (!seg.selector) {
          if (!last) {
            return Error(here, fmt::format("is a list; choose an element by position or name, "
                                           "e.g. {}[0].{}",
                                           here, segments[i + 1].name));
          }
          return SetWhole(msg, f, parent, here);
        }
        if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          return Error(here, fmt::format("is a list of {} values; set the whole list, e.g. "
                                         "{}=[...]",
                                         KindOf(f), here));
        }
        const int size = r->FieldSize(*msg, f);
        int index = -1;
        uint32_t position = 0;
        if (absl::SimpleAtoi(*seg.selector, &position)) {
          if (static_cast<int64_t>(position) >= size) {
            return Error(here, fmt::format("has {} element{}; [{}] is past the end{}", size,
                                           size == 1 ? "" : "s", position,
                                           size == 0 ? "" : fmt::format(" (0 to {})", size - 1)));
          }
          index = static_cast<int>(position);
        } else {
          const FieldDescriptor* name_field = f->message_type()->FindFieldByName("name");
          if (name_field == nullptr || name_field->is_repeated() ||
              name_field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
            return Error(here, fmt::format("elements have no name; choose one by position, "
                                           "e.g. {}[0]",
                                           here));
          }
          std::string names;
          for (int k = 0; k < size && index < 0; ++k) {
            const Message& element = r->GetRepeatedMessage(*msg, f, k);
            const std::string name = element.GetReflection()->GetString(element, name_field);
            if (name == *seg.selector) index = k;
            names += (names.empty() ? "" : ", ") + name;
          }
          if (index < 0) {
            return Error(here, fmt::format("has no element named \"{}\"; names: {}",
                                           *seg.selector, names.empty() ? "(none)" : names));
          }
        }
        Message* element = r->MutableRepeatedMessage(msg, f, index);
        const std::string element_path = fmt::format("{}[{}]", here, index);
        if (last) {
          if (!o_.value.IsMap()) {
            return Error(element_path, fmt::format("an element of {} is a map ({}); the value "
                                                   "must be a map",
                                                   here, f->message_type()->name()));
          }
          std::unique_ptr<Message> fresh(element->New());
          if (absl::Status s = Read(YAML::Clone(o_.value), fresh.get(), element_path); !s.ok()) {
            return s;
          }
          element->GetReflection()->Swap(element, fresh.get());
          DropLines(element_path);
          Record(element_path);
          return absl::OkStatus();
        }
        msg = element;
        parent = element_path;
        continue;
      }
      if (seg.selector) {
        return Error(here, fmt::format("is not a list; drop \"[{}]\"", *seg.selector));
      }
      if (last) return SetWhole(msg, f, parent, here);
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return Error(here, fmt::format("is a {} and has no field \"{}\"", KindOf(f),
                                       segments[i + 1].name));
      }
      msg = r->MutableMessage(msg, f);
      parent = here;
    }
    return absl::OkStatus();  // not reached: the last segment returns
  }

 private:
  // Reads `value` into field `f` of a fresh message of msg's type, then moves the field over.
  absl::Status SetWhole(Message* msg, const FieldDescriptor* f, const std::string& parent,
                        const std::string& here) {
    std::unique_ptr<Message> scratch(msg->New());
    YAML::Node wrapper(YAML::NodeType::Map);
    // A clone: assigning the caller's node would merge its (ever-growing) memory into the
    // wrapper's, a quadratic cost over a sweep's thousands of compiles.
    wrapper[f->name()] = YAML::Clone(o_.value);
    if (absl::Status s = Read(wrapper, scratch.get(), parent); !s.ok()) return s;
    const Reflection* r = msg->GetReflection();
    if (f->real_containing_oneof() != nullptr) r->ClearOneof(msg, f->real_containing_oneof());
    r->ClearField(msg, f);
    r->SwapFields(msg, scratch.get(), {f});
    DropLines(here);
    Record(here);
    return absl::OkStatus();
  }

  absl::Status Read(const YAML::Node& node, Message* message, const std::string& path) {
    std::map<std::string, int> lines;  // lines of the override's file, not the scenario's
    ScenarioErrors errors(o_.origin, nullptr);
    try {
      ReadYamlMessage(node, message, path, &lines, &errors);
    } catch (const YAML::Exception& e) {
      errors.Add(path, e.what());
    }
    absl::Status s = errors.ToStatus();
    if (s.ok()) {
      for (const auto& [written, line] : lines) loaded_->written_by_override.insert(written);
      return s;
    }
    if (!o_.origin_has_lines) {
      // A value from a flag: its "lines" are lines of the flag's text; say no line.
      return absl::InvalidArgumentError(
          absl::StrReplaceAll(s.message(), {{o_.origin + ":1: ", o_.origin + ": "}}));
    }
    // A scalar's errors name the line of the synthetic key around it (none): give the value's.
    const int line = o_.value.Mark().line >= 0 ? o_.value.Mark().line + 1 : 0;
    if (line == 0) return s;
    std::string out;
    for (absl::string_view piece : absl::StrSplit(s.message(), '\n')) {
      std::string text(piece);
      if (absl::StartsWith(text, o_.origin + ": ")) {
        text = fmt::format("{}:{}: {}", o_.origin, line, text.substr(o_.origin.size() + 2));
      }
      out += (out.empty() ? "" : "\n") + text;
    }
    return absl::InvalidArgumentError(out);
  }

  absl::Status Error(const std::string& path, const std::string& message) const {
    int line = o_.path_line;
    if (line == 0 && o_.origin_has_lines && o_.value.Mark().line >= 0) {
      line = o_.value.Mark().line + 1;
    }
    const std::string where = line > 0 ? fmt::format("{}:{}", o_.origin, line) : o_.origin;
    return absl::InvalidArgumentError(fmt::format("{}: {}: {}", where, path, message));
  }

  void Record(const std::string& path) {
    loaded_->overridden.emplace_back(path, o_.blame.empty() ? o_.origin : o_.blame);
  }

  // The scenario file's lines no longer locate the replaced fields.
  void DropLines(const std::string& path) {
    auto& lines = loaded_->lines;
    for (auto it = lines.lower_bound(path); it != lines.end();) {
      const std::string& key = it->first;
      if (key.compare(0, path.size(), path) != 0) break;
      if (key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[') {
        it = lines.erase(it);
      } else {
        ++it;
      }
    }
  }

  const ScenarioOverride& o_;
  LoadedScenario* loaded_;
};

}  // namespace

absl::Status ApplyOverride(const ScenarioOverride& override_spec, LoadedScenario* loaded) {
  return Applier(override_spec, loaded).Apply();
}

absl::StatusOr<ScenarioModel> CompileWithOverrides(const LoadedScenario& loaded) {
  absl::StatusOr<ScenarioModel> model = CompileScenario(loaded);
  if (model.ok() || loaded.overridden.empty()) return model;
  // Messages are "<file>[:<line>]: <path>: <what>", one per line.
  const std::string file = loaded.path.empty() ? std::string("<scenario>") : loaded.path;
  std::string out;
  for (absl::string_view piece : absl::StrSplit(model.status().message(), '\n')) {
    std::string text(piece);
    size_t at = std::string::npos;
    if (absl::StartsWith(text, file + ":")) {
      at = file.size() + 1;
      while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
      if (at < text.size() && text[at] == ':') ++at;
      if (at < text.size() && text[at] == ' ') ++at;
    }
    if (at != std::string::npos) {
      const size_t end = text.find(": ", at);
      const std::string path = end == std::string::npos ? "" : text.substr(at, end - at);
      // The last override of a field wins: search from the end.
      for (auto it = loaded.overridden.rbegin(); it != loaded.overridden.rend(); ++it) {
        const std::string& p = it->first;
        if (path.compare(0, p.size(), p) == 0 &&
            (path.size() == p.size() || path[p.size()] == '.' || path[p.size()] == '[')) {
          text = it->second + ": " + text.substr(at);
          break;
        }
      }
    }
    out += (out.empty() ? "" : "\n") + text;
  }
  return absl::Status(model.status().code(), out);
}

absl::StatusOr<ScenarioOverride> ParseSetFlag(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "--set {}: expected PATH=VALUE, e.g. --set cluster.pools[0].nodes=16 or --set "
        "workload.generators[0].arrivals_per_hour=120",
        text));
  }
  ScenarioOverride o;
  o.path = text.substr(0, eq);
  o.origin = "--set";
  o.blame = "--set " + text;
  const std::string value = text.substr(eq + 1);
  try {
    o.value = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    const bool flow_map = e.msg.find("map flow") != std::string::npos;
    return absl::InvalidArgumentError(
        fmt::format("--set {}: the value is not valid YAML: {}{}", text, e.msg,
                    flow_map ? " (in a {...} map put a space after each colon: {a: 1, b: [2]})"
                             : ""));
  }
  if (!o.value.IsDefined() || o.value.IsNull()) {
    return absl::InvalidArgumentError(
        fmt::format("--set {}: no value after \"=\"; write PATH=VALUE", text));
  }
  return o;
}

}  // namespace burnrate
