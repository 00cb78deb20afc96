#include "sim/scenario/scenario_errors.h"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace burnrate {
namespace scenario_internal {

int LineOfPath(const std::map<std::string, int>& lines, const std::string& path) {
  std::string p = path;
  while (!p.empty()) {
    auto it = lines.find(p);
    if (it != lines.end()) return it->second;
    // Drop the last component: "[i]" or ".name" (or the whole first name).
    const size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  return 0;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

void ScenarioErrors::Add(const std::string& path, const std::string& message) {
  AddAtLine(lines_ == nullptr ? 0 : LineOfPath(*lines_, path), path, message);
}

void ScenarioErrors::AddAtLine(int line, const std::string& path, const std::string& message) {
  std::string out = file_.empty() ? std::string("<scenario>") : file_;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  errors_.push_back(std::move(out));
}

absl::Status ScenarioErrors::ToStatus() const { return JoinErrors(errors_); }

absl::Status JoinErrors(const std::vector<std::string>& messages) {
  if (messages.empty()) return absl::OkStatus();
  std::string text;
  for (size_t i = 0; i < messages.size() && i < kMaxListedErrors; ++i) {
    if (i > 0) text += '\n';
    text += messages[i];
  }
  if (messages.size() > kMaxListedErrors) {
    const size_t more = messages.size() - kMaxListedErrors;
    text += fmt::format("\n... and {} more error{}", more, more == 1 ? "" : "s");
  }
  return absl::InvalidArgumentError(text);
}

}  // namespace scenario_internal
}  // namespace burnrate
