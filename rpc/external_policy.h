// The `external` queue policy: decisions from a burnrate.v1.ExternalPolicy server in another process
// (proto/burnrate/v1/policy.proto, docs/grpc.md). One synchronous unary call per scheduling
// point, carrying deltas since the previous call; every decision is checked before it is
// applied. Simulated time stands still during a call.
#ifndef BURNRATE_RPC_EXTERNAL_POLICY_H_
#define BURNRATE_RPC_EXTERNAL_POLICY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "scheduler/policy.h"
#include "scheduler/policy_args.h"

namespace burnrate {

// Makes the `external` queue policy available to MakeQueuePolicy (and so to scenarios, the
// CLI and the simulation service). Call once at start-up, before runs begin.
void InstallExternalPolicy();

// The policy for `args` (address, timeout, fallback; see the registry's declaration).
// InvalidArgument for an unknown fallback policy.
absl::StatusOr<std::unique_ptr<QueuePolicy>> NewExternalQueuePolicy(const PolicyArgs& args);

}  // namespace burnrate

#endif  // BURNRATE_RPC_EXTERNAL_POLICY_H_
