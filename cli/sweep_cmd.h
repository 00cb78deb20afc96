// `burnrate sweep GRID --out DIR` and `burnrate merge DIR... --json FILE` (docs/sweep.md).
#ifndef BURNRATE_CLI_SWEEP_CMD_H_
#define BURNRATE_CLI_SWEEP_CMD_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace burnrate {
namespace cli {

struct SweepFlags {
  std::string grid;
  std::string out;
  std::string shard;
  unsigned jobs = 0;
  bool check_invariants = false;
  bool quiet = false;
  bool list = false;
};

struct MergeFlags {
  std::vector<std::string> dirs;
  std::string json;
  std::string csv_dir;
  double confidence = 0.95;
  bool partial = false;
  bool quiet = false;
};

struct SweepCommands {
  CLI::App* sweep = nullptr;
  CLI::App* merge = nullptr;
  SweepFlags sweep_flags;
  MergeFlags merge_flags;
};

// Adds both subcommands to `app`; `commands` must outlive the parse.
void AddSweepCommands(CLI::App* app, SweepCommands* commands);
int DoSweep(const SweepFlags& flags);
int DoMerge(const MergeFlags& flags);

}  // namespace cli
}  // namespace burnrate

#endif  // BURNRATE_CLI_SWEEP_CMD_H_
