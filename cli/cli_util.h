// Helpers shared by the `burnrate` subcommands: exit codes (CONTRACT.md), error printing and
// output-path checks made before a long run starts.
#ifndef BURNRATE_CLI_CLI_UTIL_H_
#define BURNRATE_CLI_CLI_UTIL_H_

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

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

}  // namespace cli
}  // namespace burnrate

#endif  // BURNRATE_CLI_CLI_UTIL_H_
