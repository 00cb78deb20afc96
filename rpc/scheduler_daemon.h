// `burnrate scheduler serve`: the live scheduler daemon (burnrate.v1.Scheduler, proto/burnrate/
// v1/scheduler.proto). One Boost.Asio io_context on one thread; a strand owns all scheduling
// state (the LiveEngine, the journal, job metadata, event history, leases); gRPC handlers only
// post work to the strand and finish their RPCs from it. A steady_timer wakes the strand for
// the engine's next due time and for lease expiries.
//
// Durability (docs/scheduler.md): inputs are journaled, and the journal flushed (fdatasync,
// shared by concurrent requests), before responses are sent and before the placements they
// cause are announced. Restart replays the journal through the same engine: same jobs, queue,
// placements and event numbers.
#ifndef BURNRATE_RPC_SCHEDULER_DAEMON_H_
#define BURNRATE_RPC_SCHEDULER_DAEMON_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

struct DaemonOptions {
  // HOST:PORT; port 0 picks a free one. Default: loopback (no authentication).
  std::string listen = "127.0.0.1:50053";
  // Required: where the journal lives (created when missing).
  std::string state_dir;
  // The policy; must be one LiveEngine::Supports. Default: the scenario's first.
  PolicySpec policy;
  uint64_t seed = 1;
  // Seconds a running job may go without a Heartbeat before it is requeued; 0 = no leases.
  double lease_s = 0;
};

class SchedulerDaemon {
 public:
  // Opens (or creates) the journal, replays it, and starts serving. Errors: InvalidArgument
  // for a bad scenario, policy or state directory (a journal made with another policy, seed
  // or scenario), Internal when the replay diverges, Unavailable when the address is taken.
  static absl::StatusOr<std::unique_ptr<SchedulerDaemon>> Start(const ScenarioModel& scenario,
                                                                const DaemonOptions& options);
  ~SchedulerDaemon();

  int port() const;
  // Journal records replayed at start (0 for a new state directory).
  uint64_t replayed() const;
  // Stops serving (RPCs in flight finish or are cancelled), flushes and stops the strand.
  void Shutdown();
  void Wait();

  struct State;

 private:
  explicit SchedulerDaemon(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace burnrate

#endif  // BURNRATE_RPC_SCHEDULER_DAEMON_H_
