// Replica autoscalers: every Service.autoscaler.interval_s the World asks the service's
// autoscaler how many replicas it wants, clamps the answer to [min_replicas, max_replicas]
// and starts (after the cold start) or drains replicas to match. One registry of names with
// typed arguments, like the scheduling policies (`burnrate help autoscalers`).
#ifndef BURNRATE_SERVE_AUTOSCALER_H_
#define BURNRATE_SERVE_AUTOSCALER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/policy_args.h"
#include "serve/engine.h"
#include "serve/load.h"

namespace burnrate {

struct AutoscaleInput {
  SimTime now = 0;
  Duration interval = 0;        // between decisions
  uint32_t ready = 0;           // replicas serving
  uint32_t starting = 0;        // placed, in their cold start
  uint32_t pending = 0;         // wanted, waiting for GPUs
  uint32_t initial = 0;         // Service.initial_replicas
  ServiceWindow window;         // since the previous decision
  double mean_service_s = 0;    // per request on the reference GPU
  double mean_speed = 1;        // of the serving replicas (1 when none)
  uint32_t concurrency = 1;     // slots per replica
  Duration cold_start = 0;
  const LoadProcess* load = nullptr;  // ForecastRate for predictive scaling
  // ServiceSpec::replica_timeline (replica-trace), else empty.
  const std::vector<std::pair<SimTime, uint32_t>>* replica_timeline = nullptr;
};

class Autoscaler {
 public:
  virtual ~Autoscaler() = default;
  virtual std::string_view name() const = 0;
  // Replicas wanted now (the World clamps to the service's bounds).
  virtual uint32_t Desired(const AutoscaleInput& in) = 0;
};

struct AutoscalerInfo {
  std::string name;
  std::string summary;
  std::vector<ArgSpec> args;
};

// The registry, in listing order.
const std::vector<AutoscalerInfo>& Autoscalers();

// InvalidArgument naming the unknown autoscaler (with the known ones) or the bad argument.
absl::StatusOr<std::unique_ptr<Autoscaler>> MakeAutoscaler(
    const std::string& name, const std::map<std::string, std::string>& args);

}  // namespace burnrate

#endif  // BURNRATE_SERVE_AUTOSCALER_H_
