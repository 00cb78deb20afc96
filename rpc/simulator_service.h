// burnrate.v1.Simulator over gRPC (proto/burnrate/v1/simulator.proto): the simulation runs of
// `burnrate run`, as a service. Requests are checked on the gRPC thread; simulations run on a
// bounded WorkerPool (one simulation per thread); progress and the results stream back through
// a callback-API write reactor that owns its lifetime. A client's cancellation or deadline
// stops its run at the engine's next event.
#ifndef BURNRATE_RPC_SIMULATOR_SERVICE_H_
#define BURNRATE_RPC_SIMULATOR_SERVICE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnrate/v1/simulator.grpc.pb.h"
#include "rpc/worker_pool.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

struct SimulatorServiceOptions {
  // Simulations at once. Default: the machine's hardware threads.
  std::size_t workers = 0;
  // Runs that may wait for a worker; beyond them a Run gets RESOURCE_EXHAUSTED. Default: 16.
  std::size_t max_queued = 16;
  // Base directory of relative paths in requests' scenarios (traces, empirical samples).
  // Default: the server's working directory.
  std::string data_dir = ".";
  // Whether requests may use `external[address=...]` policies (the server then connects to
  // addresses clients name). Default: false.
  bool allow_external_policies = false;
};

// What a request's oneof source holds, loaded and compiled. InvalidArgument (the loader's
// message, file name "request") when the scenario is missing or invalid.
absl::StatusOr<ScenarioModel> ScenarioFromRequest(const burnrate::v1::Scenario* scenario,
                                                  const std::string* yaml,
                                                  const std::string& data_dir);

// The policies a request names (checked against the registry), or the scenario's when it
// names none. InvalidArgument for an unknown name or argument, or a name given twice.
absl::StatusOr<std::vector<PolicySpec>> PoliciesFromRequest(
    const google::protobuf::RepeatedPtrField<std::string>& names, const ScenarioModel& scenario);

class SimulatorService final : public burnrate::v1::Simulator::CallbackService {
 public:
  explicit SimulatorService(const SimulatorServiceOptions& options);
  // REQUIRES: the server using it has shut down (no RPC in flight).
  ~SimulatorService() override;

  grpc::ServerWriteReactor<burnrate::v1::RunUpdate>* Run(
      grpc::CallbackServerContext* context, const burnrate::v1::RunRequest* request) override;
  grpc::ServerWriteReactor<burnrate::v1::RunUpdate>* Compare(
      grpc::CallbackServerContext* context, const burnrate::v1::RunRequest* request) override;
  grpc::ServerUnaryReactor* Validate(grpc::CallbackServerContext* context,
                                     const burnrate::v1::ValidateRequest* request,
                                     burnrate::v1::ValidateResponse* response) override;

  std::size_t workers() const { return pool_.threads(); }

 private:
  grpc::ServerWriteReactor<burnrate::v1::RunUpdate>* StartRun(
      grpc::CallbackServerContext* context, const burnrate::v1::RunRequest* request,
      bool compare);

  SimulatorServiceOptions options_;
  WorkerPool pool_;
};

}  // namespace burnrate

#endif  // BURNRATE_RPC_SIMULATOR_SERVICE_H_
