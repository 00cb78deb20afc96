// Policy names as users write them on the command line and in RPCs:
// "QUEUE[+PLACEMENT[+SCALING]]" with arguments in brackets, e.g.
// "tiresias-las[thresholds_gpu_hours=1,10;promote_knob=2]+topology".
#ifndef BURNRATE_SCHEDULER_POLICY_SPEC_H_
#define BURNRATE_SCHEDULER_POLICY_SPEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

// How much an error about an unknown name says: the whole policy catalogue (a terminal user
// reads it) or a pointer to `burnrate help policies` (an RPC status message).
enum class PolicyErrorDetail { kHelp, kBrief };

// Parses and checks a policy (names against the registry, arguments against each policy's
// declaration). Errors are InvalidArgument naming the text and what is allowed.
absl::StatusOr<PolicySpec> ParsePolicySpec(const std::string& text, PolicyErrorDetail detail);

// The policy catalogue `burnrate help policies` prints: syntax, then every queue, placement
// and scaling policy with its summary and arguments.
std::string PolicyHelp();

// Splits `text` at `sep` outside brackets: "a[x,y],b" -> {"a[x,y]", "b"}.
std::vector<std::string> SplitOutsideBrackets(const std::string& text, char sep);

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_POLICY_SPEC_H_
