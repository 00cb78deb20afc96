// A service engine serves one inference service's requests on the replicas the World gives it.
// Two fidelities share this interface:
//   request-level (request_engine.cc): every request is simulated; exact latency percentiles
//     (to the histogram's 2^-10 relative resolution); for hours to days of traffic.
//   fluid (fluid_engine.cc): per time step, arrivals against capacity with carried backlog and
//     an M/G/c approximation for the latency distribution; for months of traffic in seconds.
//
// Co-simulation with the World: between two calls the engine's replica set is fixed, so the
// World advances each engine to the time of any event that changes or reads it (AdvanceTo),
// then changes it (AddReplica / DrainReplica / KillReplica) or reads it (Observe). Engines
// allocate only when their queues grow; no protobuf.
#ifndef BURNRATE_SERVE_ENGINE_H_
#define BURNRATE_SERVE_ENGINE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "serve/load.h"
#include "sim/model/calendar.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {

// What happened since the previous Observe() (or the start): the autoscalers' input.
struct ServiceWindow {
  Duration length = 0;          // since the previous Observe
  double arrivals = 0;          // requests arrived
  double ref_work_s = 0;        // their work on the reference GPU (sum of service_s)
  double available_slot_s = 0;  // slot-seconds of ready replicas (replicas x concurrency x time)
  double busy_slot_s = 0;       // slot-seconds spent serving (requests in service, any arrival)
  double waiting = 0;           // requests waiting for a slot at the end of the window
  double outstanding = 0;       // waiting + in service at the end of the window
  double dropped = 0;           // requests dropped in the window (max_wait, killed replicas)
};

// One calendar month of the scenario clock (the months passed to the engine), by arrival time.
struct ServiceMonth {
  double arrived = 0;
  double served = 0;      // completed (also after the month ended)
  double dropped = 0;     // waited longer than max_wait, or lost with a killed replica
  double slo_met = 0;     // served within the SLO (0 when the service has none)
  double revenue_usd = 0; // of the served requests
  double input_tokens = 0, output_tokens = 0;  // of the served requests
};

struct ServiceTotals {
  double arrived = 0, served = 0, dropped = 0;
  // Arrived before the horizon but never served: no replica left to serve them.
  double unfinished = 0;
  double slo_met = 0;
  double revenue_usd = 0;
  // Latency = finish - arrival (wait + service); time to first token = wait + prefill; over
  // served requests. 0 when none was served.
  double mean_latency_s = 0, p50_latency_s = 0, p95_latency_s = 0, p99_latency_s = 0;
  double max_latency_s = 0;
  double mean_wait_s = 0, p99_wait_s = 0;
  double p50_ttft_s = 0, p99_ttft_s = 0;
  std::vector<ServiceMonth> months;  // one per month given to the engine
};

class ServiceEngine {
 public:
  virtual ~ServiceEngine() = default;

  // Serves the load up to time t (exclusive) with the replicas as they are. REQUIRES: t >= the
  // previous call's t. Errors: the load's (a bad trace row).
  virtual absl::Status AdvanceTo(SimTime t) = 0;

  // Replica `r` (ids from 0, dense, never reused) starts serving now (the last AdvanceTo time)
  // with `speed` (its service times are the reference ones divided by speed). REQUIRES:
  // speed > 0.
  virtual void AddReplica(uint32_t r, double speed) = 0;

  // Replica `r` takes no new request; returns the time its accepted requests are all done
  // (>= now): the World releases its GPUs then.
  virtual SimTime DrainReplica(uint32_t r) = 0;

  // Replica `r` is gone now (its node was reclaimed): requests it held (in service or
  // waiting in its own queue) are dropped.
  virtual void KillReplica(uint32_t r) = 0;

  // The window since the previous call; `waiting` and `outstanding` as of now.
  virtual ServiceWindow Observe() = 0;

  // Arrivals stop at `horizon`; requests already arrived are served to completion by the
  // replicas still serving (the World bills nothing after the horizon); totals.
  virtual absl::StatusOr<ServiceTotals> Finish(SimTime horizon) = 0;
};

// The engine of the service's fidelity. `months`: the scenario's calendar months (per-month
// counts). Errors: an unknown routing name.
absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeServiceEngine(
    const ServiceSpec& service, std::unique_ptr<LoadProcess> load, std::vector<MonthSpan> months);

// Each fidelity on its own (tests compare them on one load).
absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeRequestEngine(
    const ServiceSpec& service, std::unique_ptr<LoadProcess> load, std::vector<MonthSpan> months);
absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeFluidEngine(
    const ServiceSpec& service, std::unique_ptr<LoadProcess> load, std::vector<MonthSpan> months);

// Routing names, for validation and help.
const std::vector<std::string>& RoutingNames();

}  // namespace burnrate

#endif  // BURNRATE_SERVE_ENGINE_H_
