// The one explicit list of scheduling policies, by name. Adding a policy: write its file, add
// one line to the table in registry.cc (see docs/policies.md).
#ifndef BURNRATE_SCHEDULER_REGISTRY_H_
#define BURNRATE_SCHEDULER_REGISTRY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/policy.h"

namespace burnrate {

struct PolicyInfo {
  std::string name;
  std::string summary;  // one line for `burnrate help policies`
};

// Registered names, in registry order.
const std::vector<PolicyInfo>& QueuePolicies();
const std::vector<PolicyInfo>& PlacementPolicies();
const std::vector<PolicyInfo>& ScalingPolicies();

bool IsQueuePolicy(std::string_view name);
bool IsPlacementPolicy(std::string_view name);
bool IsScalingPolicy(std::string_view name);

// NotFound with the list of known names when `name` is not registered.
absl::StatusOr<std::unique_ptr<QueuePolicy>> MakeQueuePolicy(std::string_view name);
absl::StatusOr<std::unique_ptr<PlacementPolicy>> MakePlacementPolicy(std::string_view name);
absl::StatusOr<std::unique_ptr<ScalingPolicy>> MakeScalingPolicy(std::string_view name);

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_REGISTRY_H_
