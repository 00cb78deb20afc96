// Typed per-policy arguments. A policy declares its arguments (name, type, default, meaning)
// next to its code; the scenario gives them as strings (`queue_args: {thresholds_gpu_hours:
// "1,10"}`); ParsePolicyArgs checks every given name and value against the declaration, so
// a typo or a bad value is a load-time error naming the argument and what is allowed.
#ifndef BURNRATE_SCHEDULER_POLICY_ARGS_H_
#define BURNRATE_SCHEDULER_POLICY_ARGS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/model/time.h"

namespace burnrate {

enum class ArgType {
  kNumber,      // a finite real in [min, max]
  kNumberList,  // comma-separated, strictly increasing, each in [min, max]
  kDuration,    // seconds, or a number with unit s, m, h or d ("90", "30m", "8h"); in [min, max] s
  kBool,        // true or false
  kText,        // any non-empty text (an address, a policy name)
};

struct ArgSpec {
  ArgSpec(std::string n, ArgType t, std::string def, std::string what, double lo = 0,
          double hi = 1e12)
      : name(std::move(n)),
        type(t),
        default_value(std::move(def)),
        meaning(std::move(what)),
        min(lo),
        max(hi) {}
  std::string name;
  ArgType type = ArgType::kNumber;
  std::string default_value;  // as the user would write it
  std::string meaning;        // one line, with the unit
  double min = 0;
  double max = 1e12;
};

// Parsed values, by name; every declared argument is present (given or default).
class PolicyArgs {
 public:
  double Number(const std::string& name) const { return numbers_.at(name); }
  const std::vector<double>& NumberList(const std::string& name) const {
    return lists_.at(name);
  }
  Duration DurationOf(const std::string& name) const { return durations_.at(name); }
  bool Bool(const std::string& name) const { return bools_.at(name); }
  const std::string& Text(const std::string& name) const { return texts_.at(name); }

 private:
  friend absl::StatusOr<PolicyArgs> ParsePolicyArgs(const std::vector<ArgSpec>&,
                                                    const std::map<std::string, std::string>&);
  std::map<std::string, double> numbers_;
  std::map<std::string, std::vector<double>> lists_;
  std::map<std::string, Duration> durations_;
  std::map<std::string, bool> bools_;
  std::map<std::string, std::string> texts_;
};

// InvalidArgument "<name>: <problem>; allowed: ..." for an unknown name or a bad value.
absl::StatusOr<PolicyArgs> ParsePolicyArgs(const std::vector<ArgSpec>& specs,
                                           const std::map<std::string, std::string>& given);

// "name (type, default X): meaning" lines, for help and error messages.
std::string DescribeArgs(const std::vector<ArgSpec>& specs);

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_POLICY_ARGS_H_
