#include "sim/scenario/yaml_to_proto.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace burnrate {
namespace scenario_internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

// What a YAML node is, for "expected X, got Y" messages.
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("\"{}\"", node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// Quoted scalars ("5", '5') carry the non-specific tag "!"; plain ones (5) carry "?".
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string ShortTypeName(const Descriptor* d) { return d->name(); }

// What a scalar field accepts, for messages.
std::string ExpectedKind(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return "a whole number";
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "a whole number >= 0";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_ENUM: {
      std::string names;
      for (int i = 0; i < f->enum_type()->value_count(); ++i) {
        if (i > 0) names += ", ";
        names += f->enum_type()->value(i)->name();
      }
      return "one of: " + names;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return fmt::format("a map of {} fields", ShortTypeName(f->message_type()));
  }
  return "a value";
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "; did you mean \"x\"?" for a near miss (camelCase spelling, typo or prefix), else "".
std::string Suggestion(const Descriptor* d, const std::string& key) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == key && d->field(i)->name() != key) {
      return fmt::format(" (did you mean \"{}\"? field names are snake_case)", d->field(i)->name());
    }
  }
  const FieldDescriptor* best = nullptr;
  size_t best_distance = 3;  // suggest only within 2 edits
  for (int i = 0; i < d->field_count(); ++i) {
    const size_t dist = EditDistance(key, d->field(i)->name());
    if (dist < best_distance) {
      best_distance = dist;
      best = d->field(i);
    }
  }
  if (best == nullptr) {
    for (int i = 0; i < d->field_count(); ++i) {
      const std::string& name = d->field(i)->name();
      if (key.size() >= 3 && name.compare(0, key.size(), key) == 0) {
        best = d->field(i);
        break;
      }
    }
  }
  return best == nullptr ? "" : fmt::format(" (did you mean \"{}\"?)", best->name());
}

std::string FieldNames(const Descriptor* d) {
  std::string names;
  for (int i = 0; i < d->field_count(); ++i) {
    if (i > 0) names += ", ";
    names += d->field(i)->name();
  }
  return names;
}

std::string OneofMembers(const OneofDescriptor* o) {
  std::string names;
  for (int i = 0; i < o->field_count(); ++i) {
    if (i > 0) names += ", ";
    names += o->field(i)->name();
  }
  return names;
}

// Parses a YAML/JSON number: decimal or scientific, optional sign, YAML's .inf/.nan.
bool ParseDouble(std::string text, double* out) {
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  if (text == ".inf" || text == ".Inf" || text == ".INF") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    // Beyond the range of a double (1e400): keep the sign; the range checks reject it.
    const size_t e = text.find_first_of("eE");
    const bool tiny = e != std::string::npos && e + 1 < text.size() && text[e + 1] == '-';
    if (tiny) {  // 1e-400 underflows to 0
      *out = 0;
    } else {
      *out = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
    }
    return true;
  }
  return ec == std::errc() && ptr == end;
}

// Parses a whole number in [lo, hi] (as doubles are exact up to 2^53, integral doubles such as
// "1e3" are accepted within that range). On failure `problem` says why.
template <typename Int>
bool ParseInteger(std::string text, Int* out, std::string* problem) {
  const std::string shown = text;
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  const char* end = text.data() + text.size();
  Int value{};
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc() && ptr == end) {
    *out = value;
    return true;
  }
  constexpr Int kLo = std::numeric_limits<Int>::min();
  constexpr Int kHi = std::numeric_limits<Int>::max();
  const std::string range = kLo == 0 ? fmt::format("a whole number from 0 to {}", kHi)
                                     : fmt::format("a whole number from {} to {}", kLo, kHi);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    *problem = fmt::format("{} is out of range; expected {}", shown, range);
    return false;
  }
  double d = 0;
  if (!ParseDouble(text, &d)) {
    *problem = fmt::format("\"{}\" is not a number; expected {}", shown, range);
    return false;
  }
  if (!std::isfinite(d) || d != std::floor(d)) {
    *problem = fmt::format("{} is not a whole number; expected {}", shown, range);
    return false;
  }
  if (kLo == 0 && d < 0) {
    *problem = fmt::format("{} is negative; expected {}", shown, range);
    return false;
  }
  if (d < static_cast<double>(kLo) || d > static_cast<double>(kHi) || std::fabs(d) > 0x1p53) {
    *problem = fmt::format("{} is out of range; expected {}", shown, range);
    return false;
  }
  *out = static_cast<Int>(d);
  return true;
}

class Walker {
 public:
  Walker(std::map<std::string, int>* lines, ScenarioErrors* errors)
      : lines_(lines), errors_(errors) {}

  void ReadMessage(const YAML::Node& node, Message* message, const std::string& path) {
    const Descriptor* d = message->GetDescriptor();
    std::map<std::string, int> seen;  // key -> line
    std::map<const OneofDescriptor*, const FieldDescriptor*> oneof_set;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      const YAML::Node& value = entry.second;
      const int line = LineOf(key);
      if (key.IsNull()) {
        errors_->AddAtLine(line, path,
                           fmt::format("a key is empty; keys must be field names of {}: {}",
                                       ShortTypeName(d), FieldNames(d)));
        continue;
      }
      if (!key.IsScalar()) {
        errors_->AddAtLine(line, path,
                           fmt::format("a key is {}; keys must be field names of {}: {}",
                                       Describe(key), ShortTypeName(d), FieldNames(d)));
        continue;
      }
      const std::string& name = key.Scalar();
      const std::string field_path = path.empty() ? name : path + "." + name;
      auto [where, inserted] = seen.emplace(name, line);
      if (!inserted) {
        errors_->AddAtLine(line, field_path,
                           fmt::format("duplicate key (first set on line {}); set each field once",
                                       where->second));
        continue;
      }
      const FieldDescriptor* field = d->FindFieldByName(name);
      if (field == nullptr) {
        errors_->AddAtLine(line, field_path,
                           fmt::format("unknown field \"{}\"{}; allowed fields of {}: {}", name,
                                       Suggestion(d, name), ShortTypeName(d), FieldNames(d)));
        continue;
      }
      if (const OneofDescriptor* oneof = field->real_containing_oneof(); oneof != nullptr) {
        auto [first, fresh] = oneof_set.emplace(oneof, field);
        if (!fresh) {
          errors_->AddAtLine(
              line, field_path,
              fmt::format("sets both \"{}\" and \"{}\", which are alternatives (oneof {}); set "
                          "only one of: {}",
                          first->second->name(), name, oneof->name(), OneofMembers(oneof)));
          continue;
        }
      }
      (*lines_)[field_path] = line;
      ReadField(value, line, message, field, field_path);
    }
  }

 private:
  // `line` is the line of the field's key: errors about the value as a whole point there.
  void ReadField(const YAML::Node& value, int line, Message* message, const FieldDescriptor* field,
                 const std::string& path) {
    const Reflection* r = message->GetReflection();
    if (field->is_map()) {
      // A proto map (string keys): a YAML map of key: scalar.
      if (value.IsNull()) return;
      if (!value.IsMap()) {
        errors_->AddAtLine(line, path,
                           fmt::format("expected a map of key: value, got {}", Describe(value)));
        return;
      }
      for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string key = it->first.Scalar();
        const YAML::Node entry_value = it->second;
        const std::string entry_path = fmt::format("{}.{}", path, key);
        Message* entry = r->AddMessage(message, field);
        const Descriptor* d = entry->GetDescriptor();
        entry->GetReflection()->SetString(entry, d->FindFieldByName("key"), key);
        (*lines_)[entry_path] = LineOf(entry_value);
        ReadScalar(entry_value, LineOf(entry_value), entry, d->FindFieldByName("value"),
                   entry_path, /*repeated=*/false);
      }
      return;
    }
    if (field->is_repeated()) {
      if (value.IsNull()) return;  // "key:" with no value = empty list
      if (!value.IsSequence()) {
        errors_->AddAtLine(
            line, path,
            fmt::format("expected a list of {}, got {}; write a list even for one value, e.g. "
                        "[x] or one \"- x\" line per item",
                        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                            ? "maps (" + ShortTypeName(field->message_type()) + ")"
                            : ExpectedKind(field) + " values",
                        Describe(value)));
        return;
      }
      for (size_t i = 0; i < value.size(); ++i) {
        const YAML::Node element = value[i];
        const std::string element_path = fmt::format("{}[{}]", path, i);
        (*lines_)[element_path] = LineOf(element);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          Message* child = r->AddMessage(message, field);
          if (element.IsMap()) {
            ReadMessage(element, child, element_path);
          } else if (!element.IsNull()) {
            errors_->AddAtLine(
                LineOf(element), element_path,
                fmt::format("expected {}, got {}", ExpectedKind(field), Describe(element)));
          }
        } else {
          ReadScalar(element, LineOf(element), message, field, element_path, /*repeated=*/true);
        }
      }
      return;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Message* child = r->MutableMessage(message, field);  // present even when empty
      if (value.IsMap()) {
        ReadMessage(value, child, path);
      } else if (!value.IsNull()) {
        errors_->AddAtLine(
            line, path, fmt::format("expected {}, got {}", ExpectedKind(field), Describe(value)));
      }
      return;
    }
    ReadScalar(value, line, message, field, path, /*repeated=*/false);
  }

  void ReadScalar(const YAML::Node& value, int line, Message* message, const FieldDescriptor* field,
                  const std::string& path, bool repeated) {
    const Reflection* r = message->GetReflection();
    if (!value.IsScalar()) {
      errors_->AddAtLine(
          line, path,
          fmt::format("{}; expected {}",
                      value.IsNull() ? std::string("has no value") : "got " + Describe(value),
                      ExpectedKind(field)));
      return;
    }
    const std::string& text = value.Scalar();
    const bool numeric = field->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
                         field->cpp_type() != FieldDescriptor::CPPTYPE_ENUM;
    if (numeric && IsQuoted(value)) {
      errors_->AddAtLine(line, path,
                         fmt::format("got the string \"{}\"; expected {} (without quotes)", text,
                                     ExpectedKind(field)));
      return;
    }
    std::string problem;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        repeated ? r->AddString(message, field, text) : r->SetString(message, field, text);
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!ParseDouble(text, &v)) {
          problem = fmt::format("\"{}\" is not a number; expected {}", text, ExpectedKind(field));
          break;
        }
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          const auto f = static_cast<float>(v);
          repeated ? r->AddFloat(message, field, f) : r->SetFloat(message, field, f);
        } else {
          repeated ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = 0;
        if (!ParseInteger(text, &v, &problem)) break;
        repeated ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        if (!ParseInteger(text, &v, &problem)) break;
        repeated ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v = 0;
        if (!ParseInteger(text, &v, &problem)) break;
        repeated ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        if (!ParseInteger(text, &v, &problem)) break;
        repeated ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v = false;
        if (text == "true" || text == "True" || text == "TRUE") {
          v = true;
        } else if (!(text == "false" || text == "False" || text == "FALSE")) {
          problem = fmt::format("\"{}\" is not a boolean; expected true or false", text);
          break;
        }
        repeated ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* v = field->enum_type()->FindValueByName(text);
        if (v == nullptr) {
          problem = fmt::format("unknown value \"{}\"; expected {}", text, ExpectedKind(field));
          break;
        }
        repeated ? r->AddEnum(message, field, v) : r->SetEnum(message, field, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        problem = "internal: message field read as a scalar";
        break;
    }
    errors_->AddAtLine(line, path, problem);
  }

  std::map<std::string, int>* lines_;
  ScenarioErrors* errors_;
};

}  // namespace

std::string FieldSuggestion(const Descriptor* d, const std::string& key) {
  return Suggestion(d, key);
}
std::string FieldNameList(const Descriptor* d) { return FieldNames(d); }

void ReadYamlMessage(const YAML::Node& node, Message* message, const std::string& path,
                     std::map<std::string, int>* lines, ScenarioErrors* errors) {
  Walker(lines, errors).ReadMessage(node, message, path);
}

}  // namespace scenario_internal
}  // namespace burnrate
