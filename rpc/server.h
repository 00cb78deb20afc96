// `burnrate serve`: a gRPC server with burnrate.v1.Simulator, the standard health service
// (grpc.health.v1.Health, SERVING while up) and server reflection (grpcurl lists services).
#ifndef BURNRATE_RPC_SERVER_H_
#define BURNRATE_RPC_SERVER_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "rpc/simulator_service.h"

namespace grpc {
class Server;
}

namespace burnrate {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free one (see SimulationServer::port).
  // Default: 127.0.0.1:50051 (loopback only: there is no authentication).
  std::string listen = "127.0.0.1:50051";
  // Largest request accepted, in MiB; larger ones get RESOURCE_EXHAUSTED. Default: 64.
  int max_request_mb = 64;
  SimulatorServiceOptions simulator;
};

class SimulationServer {
 public:
  // Builds and starts the server. Errors: InvalidArgument for a bad address or option,
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<SimulationServer>> Start(const ServerOptions& options);
  ~SimulationServer();

  int port() const { return port_; }
  std::size_t workers() const { return service_->workers(); }
  // Stops accepting RPCs, cancels the runs in flight (they stop at their next event) and
  // waits for them. Idempotent.
  void Shutdown();
  // Blocks until Shutdown (from another thread or a signal handler's thread).
  void Wait();

 private:
  SimulationServer() = default;
  std::unique_ptr<SimulatorService> service_;
  std::unique_ptr<grpc::Server> server_;  // destroyed with this object, never before
  std::once_flag shutdown_;
  int port_ = 0;
};

}  // namespace burnrate

#endif  // BURNRATE_RPC_SERVER_H_
