// burnrate.v1.Simulator through a real gRPC server on loopback: results equal the CLI's,
// progress streams, errors carry the right status codes, cancellation and deadlines stop a
// run and free its worker, the pool refuses work beyond its queue, requests have a size limit,
// and the health service answers.
#include <catch2/catch.hpp>
// gRPC's inlined async-call templates trip GCC 12's -Wnull-dereference (false positives in
// /usr/include/grpcpp/impl/call_op_set.h).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "burnrate/v1/simulator.grpc.pb.h"
#include "report/writers.h"
#include "rpc/external_policy.h"
#include "rpc/server.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/simulation.h"

namespace burnrate {
namespace {

namespace v1 = burnrate::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Example(const std::string& name) {
  return ReadFile(std::string(BURNRATE_SOURCE_DIR) + "/examples/" + name);
}

// A scenario that runs for many seconds: a busy cluster for a year.
std::string LongScenario() {
  return R"(name: long
horizon_days: 365
cluster:
  pools:
    - { name: a, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 64,
        pricing: { reserved: { usd_per_gpu_hour: 2 } } }
workload:
  generators:
    - name: g
      arrivals_per_hour: 400
      gpus: { values: [1, 2, 4, 8] }
      duration: { exponential: { mean_s: 3000 } }
)";
}

struct Server {
  explicit Server(std::size_t workers, std::size_t max_queued = 16, int max_request_mb = 64) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.max_request_mb = max_request_mb;
    o.simulator.workers = workers;
    o.simulator.max_queued = max_queued;
    o.simulator.data_dir = std::string(BURNRATE_SOURCE_DIR) + "/examples";
    auto s = SimulationServer::Start(o);
    REQUIRE(s.ok());
    server = *std::move(s);
    channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port()),
                                  grpc::InsecureChannelCredentials());
    stub = v1::Simulator::NewStub(channel);
  }
  std::unique_ptr<SimulationServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Simulator::Stub> stub;
};

struct Streamed {
  grpc::Status status;
  std::vector<v1::RunProgress> progress;
  v1::Results results;
  bool has_results = false;
};

Streamed RunToEnd(v1::Simulator::Stub& stub, const v1::RunRequest& req, bool compare = false,
                  grpc::ClientContext* context = nullptr) {
  grpc::ClientContext own;
  grpc::ClientContext* ctx = context != nullptr ? context : &own;
  auto reader = compare ? stub.Compare(ctx, req) : stub.Run(ctx, req);
  Streamed out;
  v1::RunUpdate u;
  while (reader->Read(&u)) {
    if (u.has_progress()) out.progress.push_back(u.progress());
    if (u.has_results()) {
      out.results = u.results();
      out.has_results = true;
    }
  }
  out.status = reader->Finish();
  return out;
}

TEST_CASE("a Run over gRPC returns the CLI's results with progress per run", "[rpc]") {
  Server s(2);
  v1::RunRequest req;
  req.set_scenario_yaml(Example("quickstart.yaml"));
  req.add_policies("fifo");
  req.add_policies("sjf+best-fit");
  const Streamed r = RunToEnd(*s.stub, req);
  REQUIRE(r.status.ok());
  REQUIRE(r.has_results);
  REQUIRE(r.results.runs_size() == 2);
  // At least one progress message per run, ending at the horizon, in run order.
  REQUIRE(r.progress.size() >= 2);
  CHECK(r.progress.front().run_index() == 0);
  CHECK(r.progress.back().run_index() == 1);
  CHECK(r.progress.back().run_count() == 2);
  CHECK(r.progress.back().policy() == "sjf+best-fit");
  CHECK(r.progress.back().simulated_s() == r.progress.back().horizon_s());
  CHECK(r.progress.back().jobs_completed() == r.results.runs(1).summary().jobs_completed());
  // Byte-identical to what `burnrate run --json` writes for the same scenario and policies.
  auto model = LoadAndCompileScenario(std::string(BURNRATE_SOURCE_DIR) + "/examples/quickstart.yaml");
  REQUIRE(model.ok());
  auto local = SimulateAll(*model, {PolicySpec("fifo"), PolicySpec("sjf", "best-fit")},
                           model->seed, RunOptions{});
  REQUIRE(local.ok());
  CHECK(ResultsToJson(r.results) == ResultsToJson(local->results));

  // The same scenario as a message (what the loader makes of the YAML) and another seed.
  auto loaded = LoadScenarioText(Example("quickstart.yaml"), "yaml", "q", ".");
  REQUIRE(loaded.ok());
  v1::RunRequest msg;
  *msg.mutable_scenario() = loaded->scenario;
  msg.add_policies("fifo");
  msg.set_seed(7);
  const Streamed m = RunToEnd(*s.stub, msg);
  REQUIRE(m.status.ok());
  CHECK(m.results.runs(0).seed() == 7);
  auto seven = SimulateAll(*model, {PolicySpec("fifo")}, 7, RunOptions{});
  CHECK(ResultsToJson(m.results) == ResultsToJson(seven->results));
}

TEST_CASE("bad requests get INVALID_ARGUMENT with the validation message", "[rpc]") {
  Server s(1);
  v1::RunRequest no_source;
  Streamed r = RunToEnd(*s.stub, no_source);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("no scenario") != std::string::npos);

  v1::RunRequest bad;
  bad.set_scenario_yaml("name: x\nhorizon_days: -1\n");
  r = RunToEnd(*s.stub, bad);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("request:2: horizon_days") != std::string::npos);

  v1::RunRequest policy;
  policy.set_scenario_yaml(Example("quickstart.yaml"));
  policy.add_policies("fastest-first");
  r = RunToEnd(*s.stub, policy);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("unknown queue policy \"fastest-first\"") !=
        std::string::npos);
  CHECK(r.status.error_message().find("burnrate help policies") != std::string::npos);

  v1::RunRequest one;
  one.set_scenario_yaml(Example("quickstart.yaml"));
  one.add_policies("fifo");
  r = RunToEnd(*s.stub, one, /*compare=*/true);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("at least two policies") != std::string::npos);

  v1::RunRequest interval;
  interval.set_scenario_yaml(Example("quickstart.yaml"));
  interval.set_progress_interval_s(0.001);
  r = RunToEnd(*s.stub, interval);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("Validate answers with what the scenario holds", "[rpc]") {
  Server s(1);
  v1::ValidateRequest req;
  req.set_scenario_yaml(Example("stability-2023.yaml"));
  v1::ValidateResponse resp;
  grpc::ClientContext ctx;
  REQUIRE(s.stub->Validate(&ctx, req, &resp).ok());
  CHECK(resp.name() == "stability-2023-08");
  CHECK(resp.pools() == 4);
  CHECK(resp.gpus() == 4176);
  CHECK(resp.services() == 1);
  CHECK(resp.policies_size() == 5);
  CHECK(resp.horizon_s() == 31 * 86400.0);

  v1::ValidateRequest bad;
  bad.set_scenario_yaml("horizon_days: 1\ncluster: {pools: []}\nworkload: {}\n");
  grpc::ClientContext ctx2;
  const grpc::Status st = s.stub->Validate(&ctx2, bad, &resp);
  CHECK(st.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(st.error_message().find("pools") != std::string::npos);
}

TEST_CASE("cancelling a run stops it and frees its worker", "[rpc]") {
  Server s(1, /*max_queued=*/0);
  v1::RunRequest req;
  req.set_scenario_yaml(LongScenario());
  req.set_progress_interval_s(0.05);
  grpc::ClientContext ctx;
  auto reader = s.stub->Run(&ctx, req);
  v1::RunUpdate u;
  REQUIRE(reader->Read(&u));  // the run is going
  REQUIRE(u.has_progress());
  CHECK(u.progress().simulated_s() < u.progress().horizon_s());

  // While it runs, the only worker is busy and nothing may queue: a second run is refused.
  v1::RunRequest quick;
  quick.set_scenario_yaml(Example("quickstart.yaml"));
  quick.add_policies("fifo");
  const Streamed refused = RunToEnd(*s.stub, quick);
  CHECK(refused.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(refused.status.error_message().find("retry later") != std::string::npos);

  ctx.TryCancel();
  while (reader->Read(&u)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);

  // The worker is free again (the cancelled run stopped rather than running on).
  Streamed after;
  for (int attempt = 0; attempt < 100; ++attempt) {
    after = RunToEnd(*s.stub, quick);
    if (after.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(after.status.ok());
  CHECK(after.has_results);
}

TEST_CASE("a deadline stops a long run with DEADLINE_EXCEEDED", "[rpc]") {
  Server s(1);
  v1::RunRequest req;
  req.set_scenario_yaml(LongScenario());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  const Streamed r = RunToEnd(*s.stub, req, false, &ctx);
  CHECK(r.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  CHECK_FALSE(r.has_results);
}

TEST_CASE("requests over the size limit get RESOURCE_EXHAUSTED", "[rpc]") {
  Server s(1, 16, /*max_request_mb=*/1);
  v1::RunRequest req;
  req.set_scenario_yaml(Example("quickstart.yaml") + "# " + std::string(2 << 20, 'x') + "\n");
  const Streamed r = RunToEnd(*s.stub, req);
  CHECK(r.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_CASE("every run of a Compare reports progress", "[rpc]") {
  Server s(1);
  v1::RunRequest req;
  req.set_scenario_yaml(Example("quickstart.yaml"));
  for (const char* p : {"fifo", "fifo-skip", "fifo-backfill", "sjf", "sjf-est", "srtf",
                        "priority", "tiresias-las", "fair-share", "drf"}) {
    req.add_policies(p);
  }
  const Streamed r = RunToEnd(*s.stub, req, /*compare=*/true);
  REQUIRE(r.status.ok());
  std::vector<bool> seen(10, false);
  for (const v1::RunProgress& p : r.progress) seen.at(p.run_index()) = true;
  for (size_t i = 0; i < seen.size(); ++i) {
    INFO("run " << i);
    CHECK(seen[i]);
  }
}

TEST_CASE("requests may not read files outside the data directory", "[rpc]") {
  Server s(1);
  v1::RunRequest req;
  std::string yaml = Example("quickstart.yaml");
  yaml += "";  // the quickstart has generators only: add a trace that escapes
  const std::string escape = R"(name: escape
horizon_days: 1
cluster:
  pools:
    - { name: a, gpu_type: A100-80GB, gpus_per_node: 8, nodes: 1,
        pricing: { reserved: { usd_per_gpu_hour: 2 } } }
workload:
  traces:
    - { format: swf, path: "../../../../../../etc/passwd" }
)";
  req.set_scenario_yaml(escape);
  Streamed r = RunToEnd(*s.stub, req);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("outside the server's data directory") != std::string::npos);
  CHECK(r.status.error_message().find("root:") == std::string::npos);
  std::string absolute = escape;
  absolute.replace(absolute.find("../../../../../../etc/passwd"), 27, "/etc/passwd");
  req.set_scenario_yaml(absolute);
  r = RunToEnd(*s.stub, req);
  CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(r.status.error_message().find("outside the server's data directory") != std::string::npos);
}

TEST_CASE("external policies need the server's permission and give up on cancel", "[rpc]") {
  InstallExternalPolicy();
  v1::RunRequest req;
  req.set_scenario_yaml(Example("quickstart.yaml"));
  // Nobody listens on port 1: the first call would wait its whole timeout for a server.
  req.add_policies("external[address=127.0.0.1:1;timeout=60]+best-fit");
  {
    Server s(1);
    const Streamed r = RunToEnd(*s.stub, req);
    CHECK(r.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(r.status.error_message().find("--allow-external-policies") != std::string::npos);
  }
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.simulator.workers = 1;
  o.simulator.allow_external_policies = true;
  auto server = SimulationServer::Start(o);
  REQUIRE(server.ok());
  auto stub = v1::Simulator::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  auto reader = stub->Run(&ctx, req);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ctx.TryCancel();
  v1::RunUpdate u;
  while (reader->Read(&u)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  // The only worker is free long before the policy call's 60 s timeout: a quick run gets
  // through within a few seconds (it would wait behind the stuck call otherwise).
  v1::RunRequest quick;
  quick.set_scenario_yaml(Example("quickstart.yaml"));
  quick.add_policies("fifo");
  grpc::ClientContext quick_ctx;
  quick_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const Streamed after = RunToEnd(*stub, quick, false, &quick_ctx);
  CHECK(after.status.ok());
}

TEST_CASE("the standard health service says SERVING", "[rpc]") {
  Server s(1);
  grpc::GenericStub generic(s.channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  // grpc.health.v1.HealthCheckRequest{service: ""} encodes to no bytes.
  grpc::ByteBuffer request;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  auto call = generic.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  REQUIRE(cq.Next(&tag, &ok));
  REQUIRE(status.ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  CHECK(bytes == std::string("\x08\x01", 2));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace burnrate
