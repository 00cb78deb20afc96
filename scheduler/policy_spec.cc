#include "scheduler/policy_spec.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "scheduler/policy_args.h"
#include "scheduler/registry.h"

namespace burnrate {

std::string PolicyHelp() {
  std::string out =
      "A policy is QUEUE[+PLACEMENT[+SCALING]], e.g. fifo-backfill+best-fit (placement defaults\n"
      "to first-fit; scaling, which only matters for pools with autoscale, to in-order).\n"
      "Arguments follow a policy in brackets, separated by ';' (quote the whole flag), e.g.\n"
      "  --policy 'tiresias-las[thresholds_gpu_hours=1,10;promote_knob=2]+topology'\n"
      "(in a scenario: queue_args / placement_args). Docs: docs/policies.md.\n\n"
      "Queue policies:\n";
  for (const PolicyInfo& p : QueuePolicies()) {
    out += "  " + p.name + "\n      " + p.summary + "\n" + DescribeArgs(p.args);
  }
  out += "\nPlacement policies:\n";
  for (const PolicyInfo& p : PlacementPolicies()) {
    out += "  " + p.name + "\n      " + p.summary + "\n" + DescribeArgs(p.args);
  }
  out += "\nScaling policies (which autoscaled pool grows for jobs that do not fit):\n";
  for (const PolicyInfo& p : ScalingPolicies()) {
    out += "  " + p.name + "\n      " + p.summary + "\n";
  }
  return out;
}

std::vector<std::string> SplitOutsideBrackets(const std::string& text, char sep) {
  std::vector<std::string> out(1);
  int depth = 0;
  for (char ch : text) {
    if (ch == '[') ++depth;
    if (ch == ']') --depth;
    if (ch == sep && depth == 0) {
      out.emplace_back();
    } else {
      out.back() += ch;
    }
  }
  return out;
}

namespace {

// "name[k=v;k=v]" -> name and its arguments.
absl::Status SplitArgs(const std::string& prefix, const std::string& text, const std::string& part, std::string* name,
                       std::map<std::string, std::string>* args) {
  const size_t open = part.find('[');
  *name = part.substr(0, open);
  if (open == std::string::npos) return absl::OkStatus();
  if (part.back() != ']') {
    return absl::InvalidArgumentError(prefix + text + ": \"" + part +
                                      "\": arguments go in brackets at the end, e.g. "
                                      "tiresias-las[thresholds_gpu_hours=1,10]");
  }
  const std::string inner = part.substr(open + 1, part.size() - open - 2);
  for (absl::string_view piece : absl::StrSplit(inner, ';', absl::SkipWhitespace())) {
    const std::string kv(piece);
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(prefix + text + ": \"" + kv +
                                        "\": expected NAME=VALUE");
    }
    (*args)[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PolicySpec> ParsePolicySpec(const std::string& text, PolicyErrorDetail detail) {
  // The CLI's messages name its flag; an RPC client has none.
  const std::string prefix = detail == PolicyErrorDetail::kHelp ? "--policy " : "policy ";
  const std::string help = detail == PolicyErrorDetail::kHelp
                               ? "\n" + PolicyHelp()
                               : std::string("; `burnrate help policies` lists them");
  PolicySpec spec;
  const std::vector<std::string> parts = SplitOutsideBrackets(text, '+');
  if (parts.size() > 3) {
    return absl::InvalidArgumentError(prefix + text +
                                      ": expected QUEUE[+PLACEMENT[+SCALING]]" + help);
  }
  if (absl::Status st = SplitArgs(prefix, text, parts[0], &spec.queue, &spec.queue_args); !st.ok()) {
    return st;
  }
  if (parts.size() > 1) {
    if (absl::Status st = SplitArgs(prefix, text, parts[1], &spec.placement, &spec.placement_args);
        !st.ok()) {
      return st;
    }
  }
  if (parts.size() > 2) spec.scaling = parts[2];
  if (!IsScalingPolicy(spec.scaling)) {
    return absl::InvalidArgumentError(prefix + text + ": unknown scaling policy \"" +
                                      spec.scaling + "\"" + help);
  }
  if (!IsQueuePolicy(spec.queue)) {
    return absl::InvalidArgumentError(prefix + text + ": unknown queue policy \"" +
                                      spec.queue + "\"" + help);
  }
  if (!IsPlacementPolicy(spec.placement)) {
    return absl::InvalidArgumentError(prefix + text + ": unknown placement policy \"" +
                                      spec.placement + "\"" + help);
  }
  if (absl::Status st = CheckQueuePolicyArgs(spec.queue, spec.queue_args); !st.ok()) {
    return absl::InvalidArgumentError(prefix + text + ": " + spec.queue + " " +
                                      std::string(st.message()));
  }
  if (absl::Status st = CheckPlacementPolicyArgs(spec.placement, spec.placement_args);
      !st.ok()) {
    return absl::InvalidArgumentError(prefix + text + ": " + spec.placement + " " +
                                      std::string(st.message()));
  }
  return spec;
}

}  // namespace burnrate
