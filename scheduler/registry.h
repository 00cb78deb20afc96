// The one explicit list of scheduling policies, by name. Adding a policy: write its file, add
// one line to the table in registry.cc (see docs/policies.md).
#ifndef BURNRATE_SCHEDULER_REGISTRY_H_
#define BURNRATE_SCHEDULER_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <map>

#include "absl/status/statusor.h"
#include "scheduler/policy.h"
#include "scheduler/policy_args.h"

namespace burnrate {

struct PolicyInfo {
  PolicyInfo(std::string n, std::string s, std::vector<ArgSpec> a = {})
      : name(std::move(n)), summary(std::move(s)), args(std::move(a)) {}
  std::string name;
  std::string summary;        // one line for `burnrate help policies`
  std::vector<ArgSpec> args;  // its typed arguments (may be empty)
};

using PolicyArgMap = std::map<std::string, std::string>;

// Registered names, in registry order.
const std::vector<PolicyInfo>& QueuePolicies();
const std::vector<PolicyInfo>& PlacementPolicies();
const std::vector<PolicyInfo>& ScalingPolicies();

bool IsQueuePolicy(std::string_view name);
bool IsPlacementPolicy(std::string_view name);
bool IsScalingPolicy(std::string_view name);

// InvalidArgument "<arg>: <problem>; allowed: ..." when `args` does not match the policy's
// declaration. REQUIRES: the name is registered.
absl::Status CheckQueuePolicyArgs(std::string_view name, const PolicyArgMap& args);
absl::Status CheckPlacementPolicyArgs(std::string_view name, const PolicyArgMap& args);

// The `external` queue policy talks gRPC, which this library does not link: the rpc module
// installs its factory (InstallExternalPolicy in rpc/external_policy.h) before runs start.
// Thread-safe to read once set; set it before starting simulations.
using ExternalQueueFactory =
    std::function<absl::StatusOr<std::unique_ptr<QueuePolicy>>(const PolicyArgs&)>;
void SetExternalQueueFactory(ExternalQueueFactory factory);

// NotFound with the list of known names when `name` is not registered; InvalidArgument for
// bad arguments; FailedPrecondition for `external` without an installed factory.
absl::StatusOr<std::unique_ptr<QueuePolicy>> MakeQueuePolicy(std::string_view name,
                                                             const PolicyArgMap& args = {});
absl::StatusOr<std::unique_ptr<PlacementPolicy>> MakePlacementPolicy(
    std::string_view name, const PolicyArgMap& args = {});
absl::StatusOr<std::unique_ptr<ScalingPolicy>> MakeScalingPolicy(std::string_view name);

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_REGISTRY_H_
