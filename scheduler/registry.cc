#include "scheduler/registry.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/placements.h"
#include "scheduler/queue_policies.h"

namespace burnrate {
namespace {

template <typename T>
struct Entry {
  PolicyInfo info;
  std::function<std::unique_ptr<T>(const PolicyArgs&)> make;
};

// Adapts a factory without arguments.
template <typename T>
std::function<std::unique_ptr<T>(const PolicyArgs&)> NoArgs(std::unique_ptr<T> (*make)()) {
  return [make](const PolicyArgs&) { return make(); };
}

std::vector<ArgSpec> ExternalArgs() {
  return {
      ArgSpec("address", ArgType::kText, "127.0.0.1:50052",
              "HOST:PORT of the burnrate.v1.ExternalPolicy server"),
      ArgSpec("timeout", ArgType::kDuration, "5",
              "wall time to wait for each decision (the first call also waits this long for "
              "the server to come up)", 0.001, 3600),
      ArgSpec("fallback", ArgType::kText, "none",
              "built-in queue policy that decides when the server fails or is too slow; none = "
              "stop the run with an error"),
  };
}

ExternalQueueFactory& ExternalFactory() {
  static auto* factory = new ExternalQueueFactory();
  return *factory;
}

// THE registry. One line per policy; names are stable (CONTRACT.md) once released.
const std::vector<Entry<QueuePolicy>>& QueueTable() {
  static const auto* table = new std::vector<Entry<QueuePolicy>>{
      {{"fifo", "strict arrival order; the oldest job blocks the queue until it fits"},
       NoArgs(NewFifoQueue)},
      {{"fifo-skip", "arrival order, start every job that fits, skip the rest (YARN-CS, k8s)"},
       NoArgs(NewFifoSkipQueue)},
      {{"fifo-backfill", "EASY backfilling: head reserved, later jobs start if they end first"},
       NoArgs(NewFifoBackfillQueue)},
      {{"sjf", "shortest (oracle) duration first, start every job that fits"},
       NoArgs(NewSjfQueue)},
      {{"sjf-est", "shortest estimated duration first (the job's estimate, else its tenant's "
                   "history), not preemptive", EstimateArgs()},
       NewSjfEstQueue},
      {{"srtf", "shortest remaining (oracle) time first, preemptive", SrtfArgs()},
       NewSrtfQueue},
      {{"srtf-est", "shortest estimated remaining time first, preemptive", EstimateArgs()},
       NewSrtfEstQueue},
      {{"priority", "highest priority first; preempts lower priorities, losing the least work",
        PriorityArgs()},
       NewPriorityQueue},
      {{"tiresias-las", "Tiresias 2D-LAS: least attained GPU-time first in discrete queues, "
                        "preemptive, starvation promotion", TiresiasArgs()},
       NewTiresiasQueue},
      {{"fair-share", "weighted tenant shares with quotas; idle GPUs are lent and reclaimed "
                      "by preemption (YARN capacity scheduler, Kueue cohorts)", FairShareArgs()},
       NewFairShareQueue},
      {{"drf", "dominant resource fairness over GPU, CPU and memory across tenants",
        DrfArgs()},
       NewDrfQueue},
      {{"themis-ftf", "finish-time fairness: the job worst off (JCT / isolated JCT) first, "
                      "re-decided every lease", ThemisArgs()},
       NewThemisQueue},
      {{"external", "a policy in another process, any language, over gRPC (burnrate.v1.ExternalPolicy, "
                    "docs/grpc.md); the placement after '+' places starts without nodes",
        ExternalArgs()},
       [](const PolicyArgs&) { return std::unique_ptr<QueuePolicy>(); }},  // see MakeQueuePolicy
  };
  return *table;
}

const std::vector<Entry<PlacementPolicy>>& PlacementTable() {
  static const auto* table = new std::vector<Entry<PlacementPolicy>>{
      {{"first-fit", "lowest-numbered node(s) with room"}, NoArgs(NewFirstFitPlacement)},
      {{"best-fit", "pack: the node left with the fewest free GPUs"},
       NoArgs(NewBestFitPlacement)},
      {{"spread", "the least-loaded node (most free GPUs)"}, NoArgs(NewSpreadPlacement)},
      {{"random", "a random pool and random nodes with room (seeded baseline)"},
       NoArgs(NewRandomPlacement)},
      {{"topology", "one node (best fit), else one rack, else the fewest racks"},
       NoArgs(NewTopologyPlacement)},
      {{"fastest", "the fastest GPU type free now, across payment tiers"},
       NoArgs(NewFastestPlacement)},
      {{"cheapest-deadline", "the cheapest pool that still meets the job's deadline (else the "
                             "fastest), across payment tiers"},
       NoArgs(NewCheapestDeadlinePlacement)},
  };
  return *table;
}

const std::vector<Entry<ScalingPolicy>>& ScalingTable() {
  static const auto* table = new std::vector<Entry<ScalingPolicy>>{
      {{"in-order", "grow the first autoscaled pool, in scenario order, that can take the job"},
       NoArgs(NewInOrderScaling)},
      {{"cheapest-first", "grow the pool with the lowest price per unit of work"},
       NoArgs(NewCheapestFirstScaling)},
  };
  return *table;
}

template <typename T>
std::vector<PolicyInfo> Infos(const std::vector<Entry<T>>& table) {
  std::vector<PolicyInfo> out;
  for (const auto& e : table) out.push_back(e.info);
  return out;
}

template <typename T>
absl::StatusOr<std::unique_ptr<T>> Make(const std::vector<Entry<T>>& table, std::string_view kind,
                                        std::string_view name, const PolicyArgMap& args) {
  for (const auto& e : table) {
    if (e.info.name != name) continue;
    absl::StatusOr<PolicyArgs> parsed = ParsePolicyArgs(e.info.args, args);
    if (!parsed.ok()) return parsed.status();
    return e.make(*parsed);
  }
  std::vector<std::string> names;
  for (const auto& e : table) names.push_back(e.info.name);
  return absl::NotFoundError(absl::StrCat("unknown ", std::string(kind), " policy \"",
                                          std::string(name), "\"; known: ",
                                          absl::StrJoin(names, ", ")));
}

}  // namespace

const std::vector<PolicyInfo>& QueuePolicies() {
  static const auto* infos = new std::vector<PolicyInfo>(Infos(QueueTable()));
  return *infos;
}

const std::vector<PolicyInfo>& PlacementPolicies() {
  static const auto* infos = new std::vector<PolicyInfo>(Infos(PlacementTable()));
  return *infos;
}

const std::vector<PolicyInfo>& ScalingPolicies() {
  static const auto* infos = new std::vector<PolicyInfo>(Infos(ScalingTable()));
  return *infos;
}

bool IsScalingPolicy(std::string_view name) {
  const auto& t = ScalingPolicies();
  return std::any_of(t.begin(), t.end(), [&](const PolicyInfo& i) { return i.name == name; });
}

absl::StatusOr<std::unique_ptr<ScalingPolicy>> MakeScalingPolicy(std::string_view name) {
  return Make(ScalingTable(), "scaling", name, {});
}

bool IsQueuePolicy(std::string_view name) {
  const auto& t = QueuePolicies();
  return std::any_of(t.begin(), t.end(), [&](const PolicyInfo& i) { return i.name == name; });
}

bool IsPlacementPolicy(std::string_view name) {
  const auto& t = PlacementPolicies();
  return std::any_of(t.begin(), t.end(), [&](const PolicyInfo& i) { return i.name == name; });
}

void SetExternalQueueFactory(ExternalQueueFactory factory) {
  ExternalFactory() = std::move(factory);
}

absl::StatusOr<std::unique_ptr<QueuePolicy>> MakeQueuePolicy(std::string_view name,
                                                             const PolicyArgMap& args) {
  if (name == "external") {
    absl::StatusOr<PolicyArgs> parsed = ParsePolicyArgs(ExternalArgs(), args);
    if (!parsed.ok()) return parsed.status();
    if (!ExternalFactory()) {
      return absl::FailedPreconditionError(
          "the external policy needs the gRPC layer, which this program did not install "
          "(the burnrate command and server do)");
    }
    return ExternalFactory()(*parsed);
  }
  return Make(QueueTable(), "queue", name, args);
}

absl::StatusOr<std::unique_ptr<PlacementPolicy>> MakePlacementPolicy(
    std::string_view name, const PolicyArgMap& args) {
  return Make(PlacementTable(), "placement", name, args);
}

namespace {
template <typename T>
absl::Status CheckArgs(const std::vector<Entry<T>>& table, std::string_view name,
                       const PolicyArgMap& args) {
  for (const auto& e : table) {
    if (e.info.name == name) return ParsePolicyArgs(e.info.args, args).status();
  }
  return absl::NotFoundError(absl::StrCat("unknown policy ", std::string(name)));
}
}  // namespace

absl::Status CheckQueuePolicyArgs(std::string_view name, const PolicyArgMap& args) {
  return CheckArgs(QueueTable(), name, args);
}

absl::Status CheckPlacementPolicyArgs(std::string_view name, const PolicyArgMap& args) {
  return CheckArgs(PlacementTable(), name, args);
}

}  // namespace burnrate
