#include "rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/grpcpp.h>

#include <chrono>

namespace burnrate {

absl::StatusOr<std::unique_ptr<SimulationServer>> SimulationServer::Start(
    const ServerOptions& options) {
  if (options.max_request_mb < 1 || options.max_request_mb > 2047) {
    return absl::InvalidArgumentError("--max-request-mb must be in [1, 2047]");
  }
  if (options.listen.empty() || options.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("--listen " + options.listen +
                                      ": expected HOST:PORT, e.g. 127.0.0.1:50051 (port 0 "
                                      "picks a free one)");
  }
  std::unique_ptr<SimulationServer> s(new SimulationServer());
  s->service_ = std::make_unique<SimulatorService>(options.simulator);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &s->port_);
  builder.SetMaxReceiveMessageSize(options.max_request_mb * 1024 * 1024);
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError("--listen " + options.listen +
                                  ": cannot listen there (address in use, or not this "
                                  "machine's?)");
  }
  return s;
}

SimulationServer::~SimulationServer() { Shutdown(); }

void SimulationServer::Shutdown() {
  // Once, from whichever thread comes first (a signal waiter, the destructor); the server
  // object stays alive for other threads in Wait() until this object is destroyed.
  std::call_once(shutdown_, [this] {
    if (server_ == nullptr) return;
    // RPCs still running after the grace period are cancelled; their runs stop at the next
    // event and the clients see UNAVAILABLE.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    server_->Wait();
  });
}

void SimulationServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace burnrate
