// burnrate_daemon_load: a load generator for the live scheduler daemon (burnrate.v1.Scheduler,
// `burnrate scheduler serve`). N client threads together submit a fixed number of jobs with
// unique client tokens by synchronous unary SubmitJob calls and record each call's latency
// (send to acknowledgement: the daemon answers only after the job's journal record is on disk).
// Prints wall time, throughput, latency percentiles and errors. Not a test; see bench/README.md
// and bench/daemon_load.sh (which starts a daemon on a temporary state directory).
//
//   burnrate_daemon_load --server 127.0.0.1:PORT --clients 50 --jobs 20000 [--gpus 1]
//       [--estimate-s 3600] [--deadline-ms 10000] [--channels shared|per-client]
//       [--token-prefix P]
//
// --channels shared (default): all clients share one channel, i.e. one HTTP/2 connection;
// per-client: each client thread has its own channel and TCP connection. On the 2-core machine
// of docs/performance.md the shared channel gave more throughput (it costs both processes less
// CPU per call: fewer, fuller socket writes), so it is the default.
//
// Bounded by construction: a fixed number of calls, each with a deadline; no retries.
// gRPC's inlined call templates trip GCC 12's -Wnull-dereference (false positives in
// /usr/include/grpcpp/impl/call_op_set.h).
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cinttypes>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "burnrate/v1/scheduler.grpc.pb.h"

namespace {

namespace v1 = burnrate::v1;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string server;
  unsigned clients = 50;
  unsigned jobs = 20000;
  unsigned gpus = 1;
  double estimate_s = 3600;
  unsigned deadline_ms = 10000;
  bool shared_channel = true;
  std::string token_prefix;
};

[[noreturn]] void Usage(const char* why, int code = 2) {
  std::fprintf(stderr,
               "burnrate_daemon_load: %s\n"
               "usage: burnrate_daemon_load --server HOST:PORT [--clients 50] [--jobs 20000] "
               "[--gpus 1]\n"
               "       [--estimate-s 3600] [--deadline-ms 10000] [--channels shared|per-client] "
               "[--token-prefix P]\n",
               why);
  std::exit(code);
}

unsigned ParseUnsigned(const char* flag, const char* text, unsigned lo, unsigned hi) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
    std::fprintf(stderr, "burnrate_daemon_load: %s must be an integer in [%u, %u]; got \"%s\"\n",
                 flag, lo, hi, text);
    std::exit(2);
  }
  return static_cast<unsigned>(v);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") Usage("a load generator for burnrate scheduler serve", 0);
    if (i + 1 >= argc) Usage(("missing value after " + a).c_str());
    const char* v = argv[++i];
    if (a == "--server") {
      o.server = v;
    } else if (a == "--clients") {
      o.clients = ParseUnsigned("--clients", v, 1, 1000);
    } else if (a == "--jobs") {
      o.jobs = ParseUnsigned("--jobs", v, 1, 10000000);
    } else if (a == "--gpus") {
      o.gpus = ParseUnsigned("--gpus", v, 1, 1 << 20);
    } else if (a == "--estimate-s") {
      o.estimate_s = std::strtod(v, nullptr);
      if (!(o.estimate_s > 0) || o.estimate_s > 1e9) Usage("--estimate-s must be in (0, 1e9]");
    } else if (a == "--deadline-ms") {
      o.deadline_ms = ParseUnsigned("--deadline-ms", v, 1, 600000);
    } else if (a == "--channels") {
      if (std::strcmp(v, "shared") == 0) {
        o.shared_channel = true;
      } else if (std::strcmp(v, "per-client") == 0) {
        o.shared_channel = false;
      } else {
        Usage("--channels must be shared or per-client");
      }
    } else if (a == "--token-prefix") {
      o.token_prefix = v;
    } else {
      Usage(("unknown flag " + a).c_str());
    }
  }
  if (o.server.empty()) Usage("--server HOST:PORT is required");
  if (o.clients > o.jobs) o.clients = o.jobs;
  if (o.token_prefix.empty()) {
    // Unique across runs against the same daemon (a reused token would be a duplicate).
    o.token_prefix = "load-" + std::to_string(::getpid()) + "-" +
                     std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  }
  return o;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& server, bool own_connection) {
  grpc::ChannelArguments args;
  // gRPC shares subchannels (TCP connections) between channels with equal arguments; a local
  // pool gives each per-client channel its own connection.
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args);
}

struct ClientResult {
  std::vector<int64_t> latency_ns;  // acknowledged calls only
  std::map<int, unsigned> errors;   // by gRPC status code
  std::string first_error;
  unsigned duplicates = 0;
};

double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

// Nearest-rank percentile of sorted values.
int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = p / 100.0 * static_cast<double>(sorted.size());
  size_t i = static_cast<size_t>(rank);
  if (static_cast<double>(i) < rank) ++i;  // ceil
  if (i == 0) i = 1;
  return sorted[std::min(sorted.size(), i) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);

  // Channels first, connected before the clock starts (connection setup is not a SubmitJob).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const unsigned n_channels = o.shared_channel ? 1 : o.clients;
  for (unsigned c = 0; c < n_channels; ++c) {
    auto ch = MakeChannel(o.server, !o.shared_channel);
    if (!ch->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      std::fprintf(stderr, "burnrate_daemon_load: cannot connect to %s within 10 s\n",
                   o.server.c_str());
      return 1;
    }
    channels.push_back(std::move(ch));
  }

  std::vector<ClientResult> results(o.clients);
  std::mutex mu;
  std::condition_variable cv;
  unsigned ready = 0;
  bool go = false;
  std::vector<std::thread> threads;
  threads.reserve(o.clients);
  for (unsigned c = 0; c < o.clients; ++c) {
    const unsigned count = o.jobs / o.clients + (c < o.jobs % o.clients ? 1u : 0u);
    threads.emplace_back([&, c, count] {
      ClientResult& r = results[c];
      r.latency_ns.reserve(count);
      auto stub = v1::Scheduler::NewStub(channels[o.shared_channel ? 0 : c]);
      v1::SubmitJobRequest req;
      req.set_gpus(o.gpus);
      req.set_estimate_s(o.estimate_s);
      req.set_tenant("load");
      const std::string prefix = o.token_prefix + "-" + std::to_string(c) + "-";
      {
        std::unique_lock<std::mutex> lock(mu);
        ++ready;
        cv.notify_all();
        cv.wait(lock, [&] { return go; });
      }
      for (unsigned k = 0; k < count; ++k) {
        req.set_client_token(prefix + std::to_string(k));
        req.set_name("load-" + std::to_string(c) + "-" + std::to_string(k));
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(o.deadline_ms));
        v1::SubmitJobResponse resp;
        const auto t0 = Clock::now();
        const grpc::Status s = stub->SubmitJob(&ctx, req, &resp);
        const auto t1 = Clock::now();
        if (s.ok()) {
          r.latency_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
          if (resp.duplicate()) ++r.duplicates;
        } else {
          ++r.errors[static_cast<int>(s.error_code())];
          if (r.first_error.empty()) r.first_error = s.error_message();
        }
      }
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready == o.clients; });
  }
  const double cpu0 = CpuSeconds(RUSAGE_SELF);
  const auto start = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  const auto end = Clock::now();
  const double cpu = CpuSeconds(RUSAGE_SELF) - cpu0;

  std::vector<int64_t> all;
  all.reserve(o.jobs);
  std::map<int, unsigned> errors;
  unsigned duplicates = 0;
  std::string first_error;
  for (const ClientResult& r : results) {
    all.insert(all.end(), r.latency_ns.begin(), r.latency_ns.end());
    for (const auto& [code, n] : r.errors) errors[code] += n;
    duplicates += r.duplicates;
    if (first_error.empty()) first_error = r.first_error;
  }
  std::sort(all.begin(), all.end());
  unsigned n_errors = 0;
  for (const auto& [code, n] : errors) n_errors += n;
  const double wall = std::chrono::duration<double>(end - start).count();
  double mean_ns = 0;
  for (const int64_t v : all) mean_ns += static_cast<double>(v);
  if (!all.empty()) mean_ns /= static_cast<double>(all.size());

  std::printf("server: %s\n", o.server.c_str());
  std::printf("clients: %u (%s)\n", o.clients,
              o.shared_channel ? "one shared channel" : "one channel and connection each");
  std::printf("jobs: %u x %u GPU(s), estimate %.0f s, deadline %u ms\n", o.jobs, o.gpus,
              o.estimate_s, o.deadline_ms);
  std::printf("wall_s: %.3f\n", wall);
  std::printf("acks: %zu\n", all.size());
  std::printf("throughput_acks_per_s: %.0f\n",
              wall > 0 ? static_cast<double>(all.size()) / wall : 0.0);
  std::printf("latency_ms: p50 %.3f p90 %.3f p99 %.3f max %.3f mean %.3f\n",
              Ms(Percentile(all, 50)), Ms(Percentile(all, 90)), Ms(Percentile(all, 99)),
              Ms(all.empty() ? 0 : all.back()), mean_ns / 1e6);
  std::printf("errors: %u", n_errors);
  for (const auto& [code, n] : errors) std::printf(" (code %d: %u)", code, n);
  std::printf("\n");
  if (!first_error.empty()) std::printf("first_error: %s\n", first_error.c_str());
  std::printf("duplicates: %u\n", duplicates);
  std::printf("load_cpu_s: %.2f (%.0f%% of one core)\n", cpu, wall > 0 ? 100.0 * cpu / wall : 0.0);
  return n_errors == 0 ? 0 : 1;
}
