// Helpers shared by the `burnrate` subcommands: exit codes (CONTRACT.md), error printing and
// output-path checks made before a long run starts.
#ifndef BURNRATE_CLI_CLI_UTIL_H_
#define BURNRATE_CLI_CLI_UTIL_H_

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"

namespace burnrate {
namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it

inline int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "burnrate: %s\n", message.c_str());
  return code;
}

// 2 for bad input (InvalidArgument, NotFound), else 1.
inline int ExitFor(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument ||
                 s.code() == absl::StatusCode::kNotFound
             ? kExitBadInput
             : kExitInternal;
}

// The directory an output file will be written into must exist before a long run starts.
inline absl::Status CheckOutputFile(const std::string& flag, const std::string& path) {
  std::filesystem::path p(path);
  std::filesystem::path dir = p.parent_path().empty() ? "." : p.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(flag + " " + path + ": directory " + dir.string() +
                                      " does not exist");
  }
  if (std::filesystem::is_directory(p, ec)) {
    return absl::InvalidArgumentError(flag + " " + path + ": is a directory; give a file name");
  }
  if (std::filesystem::exists(p, ec) && !std::filesystem::is_regular_file(p, ec)) {
    return absl::InvalidArgumentError(flag + " " + path +
                                      ": exists and is not a regular file; give a file name");
  }
  return absl::OkStatus();
}

// A path made comparable: absolute, symlinks resolved as far as the path exists, normalised
// ("r.json", "./r.json" and "/cwd/r.json" give the same key).
inline std::string PathKey(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  if (ec) return path;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(p, ec);
  return (ec ? p.lexically_normal() : canonical).string();
}

struct OutputPath {
  std::string flag;   // "--json"
  std::string path;
  bool directory = false;  // --csv DIR: files are written inside it
};

// Checked before a run starts: no two outputs name one file (a file output may not be the
// directory of --csv either) and no output overwrites an input (the scenario, a trace).
inline absl::Status CheckOutputConflicts(const std::vector<OutputPath>& outputs,
                                         const std::vector<std::string>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].path.empty()) continue;
    const std::string key = PathKey(outputs[i].path);
    for (size_t j = i + 1; j < outputs.size(); ++j) {
      if (outputs[j].path.empty() || PathKey(outputs[j].path) != key) continue;
      return absl::InvalidArgumentError(outputs[i].flag + " " + outputs[i].path + " and " +
                                        outputs[j].flag + " " + outputs[j].path +
                                        " name the same path; give each output its own");
    }
    for (const std::string& in : inputs) {
      if (in.empty() || in == "-") continue;
      const std::string in_key = PathKey(in);
      const bool inside = outputs[i].directory && in_key.size() > key.size() &&
                          in_key.compare(0, key.size(), key) == 0 && in_key[key.size()] == '/';
      if (in_key == key || inside) {
        return absl::InvalidArgumentError(
            outputs[i].flag + " " + outputs[i].path + ": would overwrite the input " + in +
            "; write the output elsewhere");
      }
    }
  }
  return absl::OkStatus();
}

// --listen HOST:PORT, checked before a server starts: the form, a port in 0..65535, a host
// that resolves, and an address this machine can bind (in use, or not one of its addresses,
// is bad input rather than a server failure). "[::1]:50051" for IPv6.
inline absl::Status CheckListenAddress(const std::string& flag, const std::string& listen) {
  const size_t colon = listen.rfind(':');
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(flag + " " + listen + ": " + why);
  };
  if (colon == std::string::npos || colon == 0) {
    return bad("expected HOST:PORT, e.g. 127.0.0.1:50051 (port 0 picks a free one)");
  }
  std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    return bad("the port must be a number from 0 to 65535 (0 picks a free one)");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return bad("unknown host \"" + host + "\"; give an address of this machine, e.g. 127.0.0.1 "
               "or 0.0.0.0");
  }
  const int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  int error = 0;
  if (fd >= 0) {
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) error = errno;
    close(fd);
  }
  freeaddrinfo(found);
  if (error == EADDRINUSE) return bad("the address is in use; choose another port (0 picks one)");
  if (error != 0) {
    return bad(std::string("cannot listen there: ") + std::strerror(error) +
               " (not an address of this machine?)");
  }
  return absl::OkStatus();
}

}  // namespace cli
}  // namespace burnrate

#endif  // BURNRATE_CLI_CLI_UTIL_H_
