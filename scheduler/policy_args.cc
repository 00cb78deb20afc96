#include "scheduler/policy_args.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace burnrate {
namespace {

const char* TypeName(ArgType t) {
  switch (t) {
    case ArgType::kNumber:
      return "number";
    case ArgType::kNumberList:
      return "comma-separated increasing numbers";
    case ArgType::kDuration:
      return "duration: seconds or 30m, 8h, 2d";
    case ArgType::kBool:
      return "true or false";
    case ArgType::kText:
      return "text";
  }
  return "?";
}

std::string Range(const ArgSpec& s) {
  if (s.type == ArgType::kBool || s.type == ArgType::kText) return "";  // no range
  return absl::StrCat(" in [", s.min, ", ", s.max, "]");
}

bool ParseNumber(const std::string& text, double* out) {
  const std::string t(absl::StripAsciiWhitespace(text));
  return absl::SimpleAtod(t, out) && std::isfinite(*out);
}

bool ParseDurationSeconds(const std::string& text, double* out) {
  std::string t(absl::StripAsciiWhitespace(text));
  double unit = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 's':
        unit = 1;
        t.pop_back();
        break;
      case 'm':
        unit = 60;
        t.pop_back();
        break;
      case 'h':
        unit = 3600;
        t.pop_back();
        break;
      case 'd':
        unit = 86400;
        t.pop_back();
        break;
      default:
        break;
    }
  }
  double v = 0;
  if (!ParseNumber(t, &v)) return false;
  *out = v * unit;
  return std::isfinite(*out);
}

}  // namespace

absl::StatusOr<PolicyArgs> ParsePolicyArgs(const std::vector<ArgSpec>& specs,
                                           const std::map<std::string, std::string>& given) {
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const ArgSpec& s : specs) known = known || s.name == name;
    if (!known) {
      if (specs.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": unknown argument; this policy takes none"));
      }
      std::vector<std::string> names;
      for (const ArgSpec& s : specs) names.push_back(s.name);
      return absl::InvalidArgumentError(absl::StrCat(name, ": unknown argument; allowed: ",
                                                     absl::StrJoin(names, ", ")));
    }
  }
  PolicyArgs out;
  for (const ArgSpec& s : specs) {
    auto it = given.find(s.name);
    const std::string& text = it != given.end() ? it->second : s.default_value;
    const auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(s.name, ": \"", text, "\" ", why,
                                                     "; allowed: ", TypeName(s.type), Range(s),
                                                     " (default ", s.default_value, ")"));
    };
    switch (s.type) {
      case ArgType::kNumber: {
        double v = 0;
        if (!ParseNumber(text, &v)) return bad("is not a number");
        if (v < s.min || v > s.max) return bad("is out of range");
        out.numbers_[s.name] = v;
        break;
      }
      case ArgType::kNumberList: {
        std::vector<double> values;
        if (!absl::StripAsciiWhitespace(text).empty()) {
          for (absl::string_view piece : absl::StrSplit(text, ',')) {
            const std::string part(piece);
            double v = 0;
            if (!ParseNumber(part, &v)) return bad("holds a value that is not a number");
            if (v < s.min || v > s.max) return bad("holds a value out of range");
            if (!values.empty() && v <= values.back()) return bad("is not strictly increasing");
            values.push_back(v);
          }
        }
        out.lists_[s.name] = std::move(values);
        break;
      }
      case ArgType::kDuration: {
        double v = 0;
        if (!ParseDurationSeconds(text, &v)) return bad("is not a duration");
        if (v < s.min || v > s.max) return bad("is out of range (seconds)");
        out.durations_[s.name] = SecondsToTime(v);
        break;
      }
      case ArgType::kText: {
        const std::string t(absl::StripAsciiWhitespace(text));
        if (t.empty()) return bad("is empty");
        out.texts_[s.name] = t;
        break;
      }
      case ArgType::kBool: {
        const std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
        if (t == "true") {
          out.bools_[s.name] = true;
        } else if (t == "false") {
          out.bools_[s.name] = false;
        } else {
          return bad("is not a boolean");
        }
        break;
      }
    }
  }
  return out;
}

std::string DescribeArgs(const std::vector<ArgSpec>& specs) {
  std::string out;
  for (const ArgSpec& s : specs) {
    absl::StrAppend(&out, "      - ", s.name, " (", TypeName(s.type), ", default ", s.default_value,
                    "): ", s.meaning, "\n");
  }
  return out;
}

}  // namespace burnrate
