#include "runner/sweep.h"

#include <dirent.h>
#include <unistd.h>
#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "report/writers.h"
#include "runner/parallel.h"
#include "runner/stats.h"
#include "scheduler/policy_spec.h"
#include "sim/scenario/file_text.h"
#include "sim/scenario/scenario_overrides.h"
#include "sim/simulation.h"

#ifndef BURNRATE_VERSION
#define BURNRATE_VERSION "dev"
#endif

namespace burnrate {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FieldDescriptor;

// A grid expanding to more points than this is refused: one file per point, and a directory
// of millions of files is a problem of its own. Split such a grid.
constexpr uint64_t kMaxPoints = 1'000'000;

// Column names of the merged CSV files that a parameter may not take.
const std::set<std::string>& ReservedNames() {
  static const std::set<std::string> names = [] {
    std::set<std::string> n = {"index", "scenario_file", "scenario", "policy", "seed",
                               "seeds", "metric",        "mean",     "stddev", "ci_low",
                               "ci_high", "min",         "max"};
    // points.csv has a column per Summary field too.
    const auto* d = v1::Summary::descriptor();
    for (int i = 0; i < d->field_count(); ++i) n.insert(d->field(i)->name());
    return n;
  }();
  return names;
}

class GridErrors {
 public:
  explicit GridErrors(std::string file) : file_(std::move(file)) {}
  void Add(const YAML::Node& node, const std::string& key, const std::string& message) {
    const int line = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    AddAt(line, key, message);
  }
  void AddAt(int line, const std::string& key, const std::string& message) {
    std::string where = line > 0 ? fmt::format("{}:{}", file_, line) : file_;
    messages_.push_back(key.empty() ? fmt::format("{}: {}", where, message)
                                    : fmt::format("{}: {}: {}", where, key, message));
  }
  bool empty() const { return messages_.empty(); }
  absl::Status ToStatus() const {
    if (messages_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(messages_, "\n"));
  }

 private:
  std::string file_;
  std::vector<std::string> messages_;
};

std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("\"{}\"", n.Scalar());
    default: return "nothing";
  }
}

// A value as written: scalars verbatim, lists and maps in YAML flow style.
std::string ValueText(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << n;
  return out.c_str();
}

constexpr const char* kGridKeys = "name, scenarios, policies, seeds, parameters";

void ReadSeeds(const YAML::Node& node, GridErrors* errors, std::vector<uint32_t>* seeds) {
  auto one = [&](const YAML::Node& n, const std::string& key) -> std::optional<uint32_t> {
    uint32_t v = 0;
    if (!n.IsScalar() || !absl::SimpleAtoi(n.Scalar(), &v) || v == 0) {
      errors->Add(n, key, fmt::format("{} is not a seed; seeds are whole numbers from 1 to "
                                      "4294967295",
                                      Describe(n)));
      return std::nullopt;
    }
    return v;
  };
  if (node.IsSequence()) {
    if (node.size() == 0) errors->Add(node, "seeds", "the list is empty; give at least one seed");
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto v = one(node[i], fmt::format("seeds[{}]", i))) seeds->push_back(*v);
    }
  } else if (node.IsMap()) {
    std::optional<uint32_t> first = 1, count;
    bool count_given = false;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (key == "first") {
        first = one(kv.second, "seeds.first");
      } else if (key == "count") {
        count_given = true;
        count = one(kv.second, "seeds.count");
      } else {
        errors->Add(kv.first, "seeds." + key, "unknown key; seeds: {first: F, count: N} (first "
                                              "defaults to 1), or a list of seeds");
      }
    }
    if (!count) {
      if (!count_given) {
        errors->Add(node, "seeds", "no count; write seeds: {first: 1, count: 10} or a list");
      }
      return;
    }
    if (!first) return;
    if (static_cast<uint64_t>(*first) + *count - 1 > UINT32_MAX || *count > kMaxPoints) {
      errors->Add(node, "seeds", "first + count - 1 is past 4294967295 or count is too large");
      return;
    }
    for (uint32_t i = 0; i < *count; ++i) seeds->push_back(*first + i);
  } else {
    errors->Add(node, "seeds", fmt::format("expected a list of seeds or {{first: F, count: N}}, "
                                           "got {}",
                                           Describe(node)));
  }
  std::set<uint32_t> seen;
  for (uint32_t s : *seeds) {
    if (!seen.insert(s).second) {
      errors->Add(node, "seeds", fmt::format("seed {} is given twice; give each once", s));
      break;
    }
  }
}

bool ValidParameterName(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

void ReadParameters(const YAML::Node& node, GridErrors* errors, SweepGrid* grid) {
  if (!node.IsSequence()) {
    errors->Add(node, "parameters",
                fmt::format("expected a list of {{name, set, values}} maps, got {}",
                            Describe(node)));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node p = node[i];
    const std::string key = fmt::format("parameters[{}]", i);
    if (!p.IsMap()) {
      errors->Add(p, key, fmt::format("expected a map {{name, set, values}}, got {}", Describe(p)));
      continue;
    }
    SweepParameter param;
    param.line = p.Mark().line + 1;
    bool have_values = false;
    for (const auto& kv : p) {
      const std::string k = kv.first.Scalar();
      const YAML::Node v = kv.second;
      if (k == "name") {
        param.name = v.IsScalar() ? v.Scalar() : "";
        if (!ValidParameterName(param.name)) {
          errors->Add(v, key + ".name", fmt::format("{} is not a usable name; letters, digits, "
                                                    "'_', '-' and '.'",
                                                    Describe(v)));
        } else if (ReservedNames().count(param.name) > 0) {
          errors->Add(v, key + ".name",
                      fmt::format("\"{}\" names a column of the merged results; choose "
                                  "another name",
                                  param.name));
        } else if (!names.insert(param.name).second) {
          errors->Add(v, key + ".name",
                      fmt::format("parameter \"{}\" is given twice", param.name));
        }
      } else if (k == "set") {
        if (v.IsScalar()) {
          param.paths.push_back(v.Scalar());
          param.path_lines.push_back(v.Mark().line + 1);
        } else if (v.IsSequence() && v.size() > 0) {
          for (const YAML::Node& path : v) {
            if (path.IsScalar()) {
              param.paths.push_back(path.Scalar());
              param.path_lines.push_back(path.Mark().line + 1);
            } else {
              errors->Add(path, key + ".set", "expected a field path such as cluster.pools[0].nodes");
            }
          }
        } else {
          errors->Add(v, key + ".set", "expected a field path such as cluster.pools[0].nodes, "
                                       "or a list of paths set to the same value");
        }
      } else if (k == "values") {
        have_values = true;
        if (!v.IsSequence() || v.size() == 0) {
          errors->Add(v, key + ".values", fmt::format("expected a non-empty list of values, got "
                                                      "{}",
                                                      v.IsSequence() ? "an empty list"
                                                                     : Describe(v)));
          continue;
        }
        std::set<std::string> texts;
        for (const YAML::Node& value : v) {
          if (value.IsNull()) {
            errors->Add(value, key + ".values", "a value is empty");
            continue;
          }
          std::string text = ValueText(value);
          if (!texts.insert(text).second) {
            errors->Add(value, key + ".values", fmt::format("{} is given twice", text));
          }
          param.values.push_back(value);
          param.value_texts.push_back(std::move(text));
        }
      } else {
        errors->Add(kv.first, key + "." + k, "unknown key; a parameter has name, set and values");
      }
    }
    if (param.name.empty() && !p["name"]) errors->Add(p, key, "no name");
    if (param.paths.empty() && !p["set"]) {
      errors->Add(p, key, "no set: the scenario field(s) the values go to");
    }
    if (!have_values) errors->Add(p, key, "no values");
    for (const std::string& path : param.paths) {
      if (path == "seed" || path.rfind("policies", 0) == 0) {
        errors->Add(p["set"], key + ".set",
                    fmt::format("{} is set by the grid's own \"{}\" key; use that instead", path,
                                path == "seed" ? "seeds" : "policies"));
      }
    }
    grid->parameters.push_back(std::move(param));
  }
}

uint64_t Fnv1a(uint64_t h, std::string_view data) {
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Length-prefixed, so that field boundaries cannot shift between two different grids.
uint64_t HashField(uint64_t h, std::string_view data) {
  h = Fnv1a(h, fmt::format("{}:", data.size()));
  return Fnv1a(h, data);
}

std::string ParameterList(const SweepGrid& grid, const std::vector<uint32_t>& values) {
  std::vector<std::string> parts;
  for (size_t k = 0; k < grid.parameters.size(); ++k) {
    parts.push_back(fmt::format("{} = {}", grid.parameters[k].name,
                                grid.parameters[k].value_texts[values[k]]));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

absl::StatusOr<SweepGrid> LoadSweepGrid(const std::string& path) {
  const fs::path p(path);
  const std::string ext = p.extension().string();
  if (ext != ".yaml" && ext != ".yml" && ext != ".json") {
    return absl::InvalidArgumentError(fmt::format(
        "{}: a grid file is YAML or JSON (.yaml, .yml, .json); see docs/sweep.md", path));
  }
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) {
    return absl::InvalidArgumentError(fmt::format("{}: cannot read grid: {}", path, error));
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const bool flow = e.msg.find("flow") != std::string::npos;
    return absl::InvalidArgumentError(fmt::format(
        "{}:{}: malformed grid: {}{}", path, e.mark.line + 1, e.msg,
        flow ? " (inside a [...] list, quote paths with brackets: set: "
               "[\"cluster.pools[0].nodes\", \"cluster.pools[1].nodes\"])"
             : ""));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: a grid is a map with the keys {}; see docs/sweep.md", path, kGridKeys));
  }
  SweepGrid grid;
  grid.file = path;
  grid.name = p.stem().string();
  GridErrors errors(path);
  fs::path base = p.parent_path();
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const YAML::Node v = kv.second;
      if (key == "name") {
        if (!v.IsScalar() || v.Scalar().empty()) {
          errors.Add(v, "name", "expected a non-empty string");
        } else {
          grid.name = v.Scalar();
        }
      } else if (key == "scenarios" || key == "scenario") {
        std::vector<YAML::Node> items;
        if (v.IsScalar()) {
          items.push_back(v);
        } else if (v.IsSequence() && v.size() > 0) {
          for (const YAML::Node& item : v) items.push_back(item);
        } else {
          errors.Add(v, key, "expected a scenario file or a non-empty list of them (paths "
                             "relative to the grid file)");
        }
        for (const YAML::Node& item : items) {
          if (!item.IsScalar() || item.Scalar().empty()) {
            errors.Add(item, key, fmt::format("expected a scenario file name, got {}",
                                              Describe(item)));
            continue;
          }
          const std::string file = item.Scalar();
          if (std::find(grid.scenario_files.begin(), grid.scenario_files.end(), file) !=
              grid.scenario_files.end()) {
            errors.Add(item, key, fmt::format("{} is given twice", file));
            continue;
          }
          grid.scenario_files.push_back(file);
          const fs::path sp(file);
          grid.scenario_paths.push_back(sp.is_absolute() || base.empty() ? sp.string()
                                                                         : (base / sp).string());
        }
      } else if (key == "policies") {
        if (!v.IsSequence() || v.size() == 0) {
          errors.Add(v, "policies", "expected a non-empty list of policies such as "
                                    "fifo-backfill+best-fit (burnrate help policies)");
          continue;
        }
        for (const YAML::Node& item : v) {
          if (!item.IsScalar()) {
            errors.Add(item, "policies", fmt::format("expected a policy name, got {}",
                                                     Describe(item)));
            continue;
          }
          auto spec = ParsePolicySpec(item.Scalar(), PolicyErrorDetail::kBrief);
          if (!spec.ok()) {
            errors.Add(item, "policies", std::string(spec.status().message()));
            continue;
          }
          if (std::find(grid.policies.begin(), grid.policies.end(), spec->Name()) !=
              grid.policies.end()) {
            errors.Add(item, "policies", fmt::format("{} is given twice", spec->Name()));
            continue;
          }
          grid.policies.push_back(spec->Name());
        }
      } else if (key == "seeds") {
        ReadSeeds(v, &errors, &grid.seeds);
      } else if (key == "parameters") {
        ReadParameters(v, &errors, &grid);
      } else {
        static const std::map<std::string, std::string> kNear = {
            {"seed", "seeds"},        {"policy", "policies"},     {"parameter", "parameters"},
            {"params", "parameters"}, {"grid", "name"},           {"scenario_files", "scenarios"}};
        const auto near = kNear.find(key);
        errors.Add(kv.first, key,
                   fmt::format("unknown key{}; a grid has {}",
                               near == kNear.end()
                                   ? std::string()
                                   : fmt::format(" (did you mean \"{}\"?)", near->second),
                               kGridKeys));
      }
    }
  } catch (const YAML::Exception& e) {
    errors.AddAt(e.mark.line + 1, "", fmt::format("malformed grid: {}", e.msg));
  }
  if (grid.scenario_files.empty() && errors.empty()) {
    errors.AddAt(0, "scenarios", "missing; name at least one scenario file");
  }
  if (absl::Status s = errors.ToStatus(); !s.ok()) return s;
  return grid;
}

absl::StatusOr<SweepPlan> SweepPlan::Create(SweepGrid grid) {
  SweepPlan plan;
  uint64_t hash = 0xcbf29ce484222325ULL;
  hash = HashField(hash, BURNRATE_VERSION);
  hash = HashField(hash, grid.name);
  for (const std::string& p : grid.policies) hash = HashField(hash, p);
  hash = HashField(hash, "|");
  for (uint32_t s : grid.seeds) hash = HashField(hash, fmt::format("{}", s));
  hash = HashField(hash, "|");
  for (const SweepParameter& p : grid.parameters) {
    hash = HashField(hash, p.name);
    for (const std::string& path : p.paths) hash = HashField(hash, path);
    hash = HashField(hash, "=");
    for (const std::string& v : p.value_texts) hash = HashField(hash, v);
  }
  uint64_t tuples = 1;
  for (const SweepParameter& p : grid.parameters) {
    tuples *= p.values.size();
    if (tuples > kMaxPoints) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: the parameters' values combine to more than {} points (one file each); split "
          "the grid into several",
          grid.file, kMaxPoints));
    }
  }
  for (uint32_t s = 0; s < grid.scenario_paths.size(); ++s) {
    const std::string& path = grid.scenario_paths[s];
    std::string text, error;
    if (!scenario_internal::ReadFileText(path, &text, &error)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: scenario {}: cannot read {}: {}", grid.file, grid.scenario_files[s],
                      path, error));
    }
    hash = HashField(hash, grid.scenario_files[s]);
    hash = HashField(hash, text);
    auto loaded = LoadScenarioFile(path);
    if (!loaded.ok()) return loaded.status();
    std::vector<PolicySpec> policies;
    std::vector<uint32_t> seeds = grid.seeds;
    if (grid.policies.empty() || grid.seeds.empty()) {
      // The scenario's own policies or seed: compile it as written.
      auto base = CompileScenario(*loaded);
      if (!base.ok()) return base.status();
      if (grid.policies.empty()) policies = base->policies;
      if (grid.seeds.empty()) seeds = {static_cast<uint32_t>(base->seed)};
    }
    for (const std::string& name : grid.policies) {
      auto spec = ParsePolicySpec(name, PolicyErrorDetail::kBrief);
      if (!spec.ok()) return spec.status();
      policies.push_back(*spec);
    }
    // Every value of every parameter into this scenario: unknown paths and wrong types now.
    // And no two parameters may set one field (or one inside the other): the results would
    // be labelled with a value that was overwritten.
    std::vector<std::pair<std::string, std::string>> fields;  // canonical path, parameter
    for (const SweepParameter& p : grid.parameters) {
      for (size_t v = 0; v < p.values.size(); ++v) {
        LoadedScenario copy = *loaded;
        copy.overridden.clear();
        for (size_t k = 0; k < p.paths.size(); ++k) {
          ScenarioOverride o;
          o.path = p.paths[k];
          o.value = p.values[v];
          o.origin = grid.file;
          o.origin_has_lines = true;
          o.path_line = k < p.path_lines.size() ? p.path_lines[k] : 0;
          if (absl::Status st = ApplyOverride(o, &copy); !st.ok()) {
            return absl::InvalidArgumentError(
                fmt::format("parameter {} = {} in scenario {}: {}", p.name, p.value_texts[v],
                            grid.scenario_files[s], std::string(st.message())));
          }
        }
        if (v > 0) continue;
        for (const auto& [field, unused] : copy.overridden) {
          for (const auto& [other, name] : fields) {
            const auto within = [](const std::string& a, const std::string& b) {
              return a.compare(0, b.size(), b) == 0 &&
                     (a.size() == b.size() || a[b.size()] == '.' || a[b.size()] == '[');
            };
            if (name != p.name && (within(field, other) || within(other, field))) {
              return absl::InvalidArgumentError(fmt::format(
                  "{}:{}: parameters {} and {} both set {} in scenario {}; each field may have "
                  "one parameter (set several fields from one parameter with a list under "
                  "set:)",
                  grid.file, p.line, name, p.name, field.size() < other.size() ? field : other,
                  grid.scenario_files[s]));
            }
          }
          fields.emplace_back(field, p.name);
        }
      }
    }
    plan.loaded_.push_back(std::move(*loaded));
    const uint64_t total = plan.points_.size() + tuples * policies.size() * seeds.size();
    if (total > kMaxPoints) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: the grid expands to more than {} points (one file each); split it into several "
          "grids",
          grid.file, kMaxPoints));
    }
    for (uint64_t t = 0; t < tuples; ++t) {
      std::vector<uint32_t> values(grid.parameters.size());
      uint64_t rest = t;
      for (size_t k = grid.parameters.size(); k-- > 0;) {  // the last parameter varies fastest
        values[k] = static_cast<uint32_t>(rest % grid.parameters[k].values.size());
        rest /= grid.parameters[k].values.size();
      }
      const uint32_t combo = static_cast<uint32_t>(plan.combo_values_.size());
      plan.combo_scenario_.push_back(s);
      plan.combo_values_.push_back(values);
      for (const PolicySpec& policy : policies) {
        for (uint32_t seed : seeds) {
          SweepPointSpec point;
          point.index = static_cast<uint32_t>(plan.points_.size());
          point.scenario = s;
          point.combo = combo;
          point.values = values;
          point.policy = policy;
          point.seed = seed;
          plan.points_.push_back(std::move(point));
        }
      }
    }
  }
  v1::SweepManifest& m = plan.manifest_;
  m.set_grid(grid.name);
  m.set_grid_hash(fmt::format("{:016x}", hash));
  m.set_burnrate_version(BURNRATE_VERSION);
  m.set_points_total(static_cast<uint32_t>(plan.points_.size()));
  for (const SweepParameter& p : grid.parameters) m.add_parameters(p.name);
  for (const std::string& f : grid.scenario_files) m.add_scenarios(f);
  for (const std::string& p : grid.policies) m.add_policies(p);
  for (uint32_t s : grid.seeds) m.add_seeds(s);
  plan.grid_ = std::move(grid);
  return plan;
}

std::string SweepPlan::Describe(uint32_t combo) const {
  const std::string params = ParameterList(grid_, combo_values_[combo]);
  return grid_.scenario_files[combo_scenario_[combo]] + (params.empty() ? "" : " with " + params);
}

absl::StatusOr<ScenarioModel> SweepPlan::Compile(uint32_t combo) const {
  const uint32_t s = combo_scenario_[combo];
  const std::vector<uint32_t>& values = combo_values_[combo];
  LoadedScenario scenario = loaded_[s];
  std::unique_lock<std::mutex> lock(*yaml_mu_);
  for (size_t k = 0; k < grid_.parameters.size(); ++k) {
    const SweepParameter& p = grid_.parameters[k];
    for (size_t i = 0; i < p.paths.size(); ++i) {
      ScenarioOverride o;
      o.path = p.paths[i];
      o.path_line = i < p.path_lines.size() ? p.path_lines[i] : 0;
      o.value = p.values[values[k]];
      o.origin = grid_.file;
      o.origin_has_lines = true;
      o.blame = fmt::format("{}:{}: parameter {} = {}", grid_.file,
                            o.path_line > 0 ? o.path_line : p.line, p.name,
                            p.value_texts[values[k]]);
      if (absl::Status st = ApplyOverride(o, &scenario); !st.ok()) {
        return absl::InvalidArgumentError(fmt::format("parameter {} = {} in scenario {}: {}",
                                                      p.name, p.value_texts[values[k]],
                                                      grid_.scenario_files[s], std::string(st.message())));
      }
    }
  }
  lock.unlock();
  auto model = CompileWithOverrides(scenario);
  // An error no parameter is blamed for (it names the scenario file) says which values it had.
  if (!model.ok() && !grid_.parameters.empty() &&
      absl::StartsWith(model.status().message(), scenario.path)) {
    return absl::InvalidArgumentError(fmt::format("{}: with {}: {}", grid_.file,
                                                  ParameterList(grid_, values),
                                                  std::string(model.status().message())));
  }
  return model;
}

absl::StatusOr<Shard> ResolveShard(const std::string& flag,
                                   const std::function<const char*(const char*)>& getenv) {
  auto number = [](const char* text, uint32_t* out) {
    return text != nullptr && absl::SimpleAtoi(text, out);
  };
  Shard shard;
  if (!flag.empty()) {
    const size_t slash = flag.find('/');
    if (slash == std::string::npos || !absl::SimpleAtoi(flag.substr(0, slash), &shard.index) ||
        !absl::SimpleAtoi(flag.substr(slash + 1), &shard.count) || shard.count == 0 ||
        shard.index >= shard.count) {
      return absl::InvalidArgumentError(fmt::format(
          "--shard {}: expected I/N with 0 <= I < N, e.g. --shard 0/4 ... --shard 3/4", flag));
    }
    shard.source = "--shard";
    return shard;
  }
  if (const char* id_text = getenv("SLURM_ARRAY_TASK_ID"); id_text != nullptr) {
    uint32_t id = 0, min = 0, step = 1, count = 0;
    const char* min_text = getenv("SLURM_ARRAY_TASK_MIN");
    const char* step_text = getenv("SLURM_ARRAY_TASK_STEP");
    const char* count_text = getenv("SLURM_ARRAY_TASK_COUNT");
    if (count_text == nullptr) {
      return absl::InvalidArgumentError(
          "SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT (Slurm sets both for "
          "sbatch --array); give --shard I/N instead");
    }
    if (!number(id_text, &id) || (min_text != nullptr && !number(min_text, &min)) ||
        (step_text != nullptr && (!number(step_text, &step) || step == 0)) ||
        !number(count_text, &count) || count == 0) {
      return absl::InvalidArgumentError(fmt::format(
          "SLURM_ARRAY_TASK_ID={}, _MIN={}, _STEP={}, _COUNT={}: not usable numbers; run under "
          "sbatch --array=0-(N-1), or give --shard I/N",
          id_text, min_text == nullptr ? "(unset)" : min_text,
          step_text == nullptr ? "(unset)" : step_text, count_text));
    }
    if (id < min || (id - min) % step != 0 || (id - min) / step >= count) {
      return absl::InvalidArgumentError(fmt::format(
          "Slurm array task {} is not one of {} evenly spaced tasks from {}: the array must be "
          "a range such as --array=0-{} (no lists); or give --shard I/N",
          id, count, min, count - 1));
    }
    shard.index = (id - min) / step;
    shard.count = count;
    shard.source = "SLURM_ARRAY_TASK_ID";
    return shard;
  }
  if (const char* index_text = getenv("JOB_COMPLETION_INDEX"); index_text != nullptr) {
    const char* count_text = getenv("BURNRATE_SHARD_COUNT");
    if (count_text == nullptr) count_text = getenv("JOB_COMPLETIONS");
    if (count_text == nullptr) {
      return absl::InvalidArgumentError(
          "JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the number of shards: "
          "set BURNRATE_SHARD_COUNT (or JOB_COMPLETIONS) to the Job's completions in its "
          "manifest, or give --shard I/N");
    }
    if (!number(index_text, &shard.index) || !number(count_text, &shard.count) ||
        shard.count == 0 || shard.index >= shard.count) {
      return absl::InvalidArgumentError(fmt::format(
          "JOB_COMPLETION_INDEX={} with {} shards: expected 0 <= index < shards", index_text,
          count_text));
    }
    shard.source = "JOB_COMPLETION_INDEX";
    return shard;
  }
  return shard;
}

std::string SweepPointPath(const std::string& dir, uint32_t index) {
  return (fs::path(dir) / "points" / fmt::format("p{:06}.json", index)).string();
}

namespace {

// Compiled scenarios shared by the points of one combo while any of them runs.
class ModelCache {
 public:
  explicit ModelCache(const SweepPlan& plan) : plan_(plan), slots_(plan.combos()) {}

  absl::StatusOr<std::shared_ptr<const ScenarioModel>> Get(uint32_t combo) {
    Slot& slot = slots_[combo];
    std::lock_guard<std::mutex> lock(slot.mu);
    if (auto model = slot.model.lock()) return model;
    auto compiled = plan_.Compile(combo);
    if (!compiled.ok()) return compiled.status();
    auto model = std::make_shared<const ScenarioModel>(std::move(*compiled));
    slot.model = model;
    return model;
  }

 private:
  struct Slot {
    std::mutex mu;
    std::weak_ptr<const ScenarioModel> model;
  };
  const SweepPlan& plan_;
  std::vector<Slot> slots_;
};

absl::Status WriteManifest(const SweepPlan& plan, const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.json").string();
  std::string text, error;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!scenario_internal::ReadFileText(path, &text, &error)) {
      return absl::InvalidArgumentError(fmt::format("{}: cannot read: {}", path, error));
    }
    v1::SweepManifest existing;
    google::protobuf::util::JsonParseOptions options;
    if (!google::protobuf::util::JsonStringToMessage(text, &existing, options).ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: not a sweep manifest; --out must name a new directory or one a sweep of this "
          "grid wrote",
          path));
    }
    if (existing.grid_hash() != plan.manifest().grid_hash()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: holds points of another grid (\"{}\", hash {}; this grid \"{}\" has hash {}): "
          "the grid, a scenario file or the burnrate version changed. Use a new --out "
          "directory, or remove {} to start over",
          dir, existing.grid(), existing.grid_hash(), plan.manifest().grid(),
          plan.manifest().grid_hash(), dir));
    }
    return absl::OkStatus();
  }
  // Created exclusively: a temporary file linked to the name fails if another sweep created
  // it meanwhile; then that one must be of this grid too.
  const std::string tmp = path + fmt::format(".tmp-{}", ::getpid());
  if (absl::Status st = WriteFileAtomically(tmp, SweepJson(plan.manifest())); !st.ok()) return st;
  const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(tmp.c_str());
  if (linked) return absl::OkStatus();
  if (link_error == EEXIST) return WriteManifest(plan, dir);
  return absl::InvalidArgumentError(
      fmt::format("{}: cannot create: {}", path, std::strerror(link_error)));
}

// Whether an existing point file is a whole point of this sweep (not truncated by a crash,
// not another grid's): cheap checks on the text, no parse.
bool PointComplete(const std::string& path, const std::string& hash, uint32_t index) {
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) return false;
  return text.size() > 2 && text.compare(text.size() - 2, 2, "}\n") == 0 &&
         text.find(fmt::format("\"grid_hash\": \"{}\"", hash)) != std::string::npos &&
         text.find(fmt::format("\"index\": {},", index)) != std::string::npos;
}

}  // namespace

absl::Status CheckSweepDirectory(const SweepPlan& plan, const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(fmt::format("--out {}: exists and is not a directory", dir));
  }
  if (!fs::exists(fs::path(dir) / "sweep.json", ec)) return absl::OkStatus();
  return WriteManifest(plan, dir);  // checks only: it exists
}

absl::StatusOr<SweepRunStats> RunSweep(const SweepPlan& plan, const SweepRunOptions& options) {
  SweepRunStats stats;
  stats.grid_points = plan.points().size();
  const SweepGrid& grid = plan.grid();
  std::error_code ec;
  if (absl::Status s = CheckSweepDirectory(plan, options.out_dir); !s.ok()) return s;
  std::vector<const SweepPointSpec*> todo;
  for (const SweepPointSpec& p : plan.points()) {
    if (p.index % options.shard.count != options.shard.index) continue;
    ++stats.shard_points;
    const std::string path = SweepPointPath(options.out_dir, p.index);
    if (fs::exists(path, ec)) {
      if (PointComplete(path, plan.manifest().grid_hash(), p.index)) {
        ++stats.already_done;
        continue;
      }
      if (options.log) {
        options.log(fmt::format("{}: incomplete or not of this sweep; simulating it again",
                                path));
      }
    }
    todo.push_back(&p);
  }
  const unsigned threads = ThreadCount(options.threads);
  // Every scenario this shard needs compiles before anything runs or is written.
  std::vector<uint32_t> combos;
  for (const SweepPointSpec* p : todo) {
    if (combos.empty() || combos.back() != p->combo) combos.push_back(p->combo);
  }
  combos.erase(std::unique(combos.begin(), combos.end()), combos.end());
  std::vector<absl::Status> compile_status(combos.size());
  std::vector<std::vector<std::string>> warnings(combos.size());
  ParallelFor(combos.size(), threads, [&](size_t i) {
    if (options.cancel != nullptr && options.cancel->load()) return;
    auto model = plan.Compile(combos[i]);
    compile_status[i] = model.status();
    if (model.ok()) warnings[i] = model->warnings;
  });
  for (const absl::Status& s : compile_status) {
    if (!s.ok()) return s;
  }
  if (options.cancel != nullptr && options.cancel->load()) {
    stats.cancelled = true;
    return stats;
  }
  if (options.log) {
    for (size_t i = 0; i < combos.size(); ++i) {
      for (const std::string& w : warnings[i]) {
        options.log(fmt::format("warning: {}: {}", plan.Describe(combos[i]), w));
      }
    }
  }
  // Even a shard with nothing to do leaves its directory and manifest, so `merge` of every
  // shard's directory works.
  fs::create_directories(fs::path(options.out_dir) / "points", ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("--out {}: cannot create: {}", options.out_dir, ec.message()));
  }
  if (absl::Status s = WriteManifest(plan, options.out_dir); !s.ok()) return s;
  if (todo.empty()) return stats;

  ModelCache cache(plan);
  std::mutex mu;  // guards the fields below and the log
  absl::Status first_error = absl::OkStatus();
  uint32_t first_error_index = UINT32_MAX;
  std::atomic<bool> failed{false};
  size_t done = 0;
  ParallelFor(todo.size(), threads, [&](size_t i) {
    const SweepPointSpec& point = *todo[i];
    if (failed.load() || (options.cancel != nullptr && options.cancel->load())) return;
    const auto begin = std::chrono::steady_clock::now();
    absl::Status status = absl::OkStatus();
    auto model = cache.Get(point.combo);
    if (!model.ok()) {
      status = model.status();
    } else {
      RunOptions run;
      run.check_invariants = options.check_invariants;
      run.cancel = options.cancel;
      auto out = SimulateAll(**model, {point.policy}, point.seed, run);
      if (!out.ok()) {
        status = out.status();
      } else {
        v1::SweepPoint file;
        file.set_index(point.index);
        file.set_grid_hash(plan.manifest().grid_hash());
        file.set_scenario_file(grid.scenario_files[point.scenario]);
        file.set_policy(point.policy.Name());
        file.set_seed(point.seed);
        for (size_t k = 0; k < grid.parameters.size(); ++k) {
          v1::SweepParameterValue* v = file.add_parameters();
          v->set_name(grid.parameters[k].name);
          v->set_value(grid.parameters[k].value_texts[point.values[k]]);
        }
        *file.mutable_results() = std::move(out->results);
        status = WriteFileAtomically(SweepPointPath(options.out_dir, point.index),
                                     SweepJson(file));
      }
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::lock_guard<std::mutex> lock(mu);
    if (!status.ok()) {
      if (absl::IsCancelled(status)) return;
      failed = true;
      if (point.index < first_error_index) {
        first_error_index = point.index;
        first_error = absl::Status(status.code(), fmt::format("point {} ({} {} seed {}{}{}): {}",
                                                              point.index,
                                                              grid.scenario_files[point.scenario],
                                                              point.policy.Name(), point.seed,
                                                              grid.parameters.empty() ? "" : ", ",
                                                              ParameterList(grid, point.values),
                                                              std::string(status.message())));
      }
      return;
    }
    ++done;
    ++stats.ran;
    if (options.log) {
      options.log(fmt::format("[{}/{}] point {} {} {} seed {}{}{}: {:.2f} s", done, todo.size(),
                              point.index, grid.scenario_files[point.scenario],
                              point.policy.Name(), point.seed,
                              grid.parameters.empty() ? "" : ", ",
                              ParameterList(grid, point.values), secs));
    }
  });
  if (!first_error.ok()) return first_error;
  stats.cancelled = stats.ran < todo.size();
  return stats;
}

std::string SweepJson(const google::protobuf::Message& message) { return ProtoJson(message); }

namespace {

absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message,
                          const char* what) {
  std::string text, error;
  if (!scenario_internal::ReadFileText(path, &text, &error)) {
    return absl::InvalidArgumentError(fmt::format("{}: cannot read: {}", path, error));
  }
  google::protobuf::util::JsonParseOptions options;
  const auto status = google::protobuf::util::JsonStringToMessage(text, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}: not a {} ({}); was it written by burnrate "
                                                  "sweep?",
                                                  path, what, status.message().ToString()));
  }
  return absl::OkStatus();
}

// Numeric Summary fields: the merged metrics.
std::vector<const FieldDescriptor*> NumericSummaryFields() {
  std::vector<const FieldDescriptor*> fields;
  const auto* d = v1::Summary::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        fields.push_back(f);
        break;
      default:
        break;
    }
  }
  return fields;
}

double NumericValue(const v1::Summary& s, const FieldDescriptor* f) {
  const auto* r = s.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE: return r->GetDouble(s, f);
    case FieldDescriptor::CPPTYPE_FLOAT: return static_cast<double>(r->GetFloat(s, f));
    case FieldDescriptor::CPPTYPE_INT32: return r->GetInt32(s, f);
    case FieldDescriptor::CPPTYPE_INT64: return static_cast<double>(r->GetInt64(s, f));
    case FieldDescriptor::CPPTYPE_UINT32: return r->GetUInt32(s, f);
    case FieldDescriptor::CPPTYPE_UINT64: return static_cast<double>(r->GetUInt64(s, f));
    default: return 0;
  }
}

}  // namespace

absl::StatusOr<v1::SweepResults> MergeSweep(const MergeOptions& options) {
  if (options.dirs.empty()) return absl::InvalidArgumentError("merge: name at least one DIR");
  v1::SweepManifest manifest;
  std::string manifest_dir;
  // What merge keeps of a point: its coordinates and summary, and a fingerprint of its text
  // for the duplicate check (not the whole results: a million points would not fit).
  struct Found {
    std::string path;
    uint64_t fingerprint = 0;
    size_t size = 0;
    v1::SweepPointSummary point;
  };
  std::map<uint32_t, Found> points;
  for (const std::string& dir : options.dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return absl::InvalidArgumentError(fmt::format("{}: not a directory; merge takes the "
                                                    "--out directories of burnrate sweep",
                                                    dir));
    }
    const std::string manifest_path = (fs::path(dir) / "sweep.json").string();
    if (!fs::exists(manifest_path, ec)) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: no sweep.json; not a directory burnrate sweep wrote (its --out)", dir));
    }
    v1::SweepManifest m;
    if (absl::Status s = ReadJsonFile(manifest_path, &m, "sweep manifest"); !s.ok()) return s;
    if (manifest_dir.empty()) {
      manifest = m;
      manifest_dir = dir;
    } else if (m.grid_hash() != manifest.grid_hash()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} and {} hold different sweeps (grid \"{}\" hash {}, grid \"{}\" hash {}); merge "
          "the directories of one grid",
          manifest_dir, dir, manifest.grid(), manifest.grid_hash(), m.grid(), m.grid_hash()));
    }
    const fs::path points_dir = fs::path(dir) / "points";
    if (!fs::is_directory(points_dir, ec)) continue;  // a shard with nothing done yet
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(points_dir, ec)) {
      names.push_back(e.path().filename().string());
    }
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("{}: cannot list: {}", points_dir.string(), ec.message()));
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      // pNNNNNN.json; anything else (a temporary file of a point being written) is skipped.
      uint32_t index = 0;
      if (name.size() < 7 || name[0] != 'p' || name.substr(name.size() - 5) != ".json" ||
          !absl::SimpleAtoi(name.substr(1, name.size() - 6), &index)) {
        continue;
      }
      Found found;
      found.path = (points_dir / name).string();
      std::string text, error;
      if (!scenario_internal::ReadFileText(found.path, &text, &error)) {
        return absl::InvalidArgumentError(fmt::format("{}: cannot read: {}", found.path, error));
      }
      v1::SweepPoint p;
      google::protobuf::util::JsonParseOptions parse;
      if (!google::protobuf::util::JsonStringToMessage(text, &p, parse).ok()) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: not a whole sweep point (a run interrupted by a machine crash?); delete it and "
            "run the sweep again: it simulates that point anew",
            found.path));
      }
      if (p.grid_hash() != manifest.grid_hash() || p.index() != index ||
          p.index() >= manifest.points_total() || p.results().runs_size() != 1 ||
          static_cast<size_t>(p.parameters_size()) !=
              static_cast<size_t>(manifest.parameters_size())) {
        return absl::InvalidArgumentError(fmt::format(
            "{}: does not belong to this sweep (grid hash {}, index {}; expected hash {} and "
            "index {} of {})",
            found.path, p.grid_hash(), p.index(), manifest.grid_hash(), index,
            manifest.points_total()));
      }
      found.fingerprint = Fnv1a(0xcbf29ce484222325ULL, text);
      found.size = text.size();
      v1::SweepPointSummary& sp = found.point;
      sp.set_index(index);
      sp.set_scenario_file(p.scenario_file());
      sp.set_scenario(p.results().scenario());
      sp.set_policy(p.policy());
      sp.set_seed(p.seed());
      *sp.mutable_parameters() = p.parameters();
      *sp.mutable_summary() = std::move(*p.mutable_results()->mutable_runs(0)->mutable_summary());
      auto [it, fresh] = points.try_emplace(index, std::move(found));
      if (!fresh && (it->second.fingerprint != found.fingerprint || it->second.size != found.size)) {
        return absl::InvalidArgumentError(fmt::format(
            "{} and {}: point {} differs between the two; one of them was written by another "
            "machine or build that simulates differently. Remove one and merge again",
            it->second.path, found.path, index));
      }
    }
  }
  if (points.size() < manifest.points_total() && !options.partial) {
    std::vector<std::string> missing;
    for (uint32_t i = 0; i < manifest.points_total() && missing.size() < 10; ++i) {
      if (points.count(i) == 0) missing.push_back(fmt::format("{}", i));
    }
    return absl::InvalidArgumentError(fmt::format(
        "{} of {} points are missing (first: {}); run the sweep (or its missing shards) again: "
        "it resumes where it stopped. Or merge what there is with --partial",
        manifest.points_total() - points.size(), manifest.points_total(),
        absl::StrJoin(missing, ", ")));
  }

  v1::SweepResults out;
  out.set_grid(manifest.grid());
  out.set_grid_hash(manifest.grid_hash());
  out.set_burnrate_version(manifest.burnrate_version());
  out.set_points_total(manifest.points_total());
  out.set_points_merged(static_cast<uint32_t>(points.size()));
  out.set_confidence(options.confidence);
  *out.mutable_parameters() = manifest.parameters();
  std::map<std::string, size_t> group_of;
  std::vector<std::vector<const v1::Summary*>> members;
  for (auto& [index, found] : points) {
    v1::SweepPointSummary* s = out.add_points();
    *s = std::move(found.point);
    const v1::SweepPointSummary& p = *s;
    std::string key = p.scenario_file() + '\n' + p.policy();
    for (const v1::SweepParameterValue& v : p.parameters()) key += '\n' + v.value();
    auto [it, fresh] = group_of.emplace(key, members.size());
    if (fresh) {
      v1::SweepGroup* g = out.add_groups();
      g->set_scenario_file(p.scenario_file());
      g->set_scenario(p.scenario());
      g->set_policy(p.policy());
      *g->mutable_parameters() = p.parameters();
      members.emplace_back();
    }
    out.mutable_groups(static_cast<int>(it->second))->add_seeds(p.seed());
    members[it->second].push_back(&s->summary());
  }
  // Summaries are addressed through `out`'s points, whose storage no longer moves.
  const std::vector<const FieldDescriptor*> fields = NumericSummaryFields();
  for (size_t g = 0; g < members.size(); ++g) {
    v1::SweepGroup* group = out.mutable_groups(static_cast<int>(g));
    std::vector<double> values(members[g].size());
    for (const FieldDescriptor* f : fields) {
      for (size_t i = 0; i < members[g].size(); ++i) values[i] = NumericValue(*members[g][i], f);
      const MeanInterval ci = MeanConfidenceInterval(values, options.confidence);
      v1::MetricStats* m = group->add_metrics();
      m->set_metric(f->name());
      m->set_mean(ci.mean);
      m->set_stddev(ci.stddev);
      m->set_ci_low(ci.low);
      m->set_ci_high(ci.high);
      m->set_min(ci.min);
      m->set_max(ci.max);
    }
  }
  return out;
}

std::string SweepPointsCsv(const v1::SweepResults& results) {
  std::vector<const FieldDescriptor*> fields;
  const auto* d = v1::Summary::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (!d->field(i)->is_repeated() &&
        d->field(i)->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      fields.push_back(d->field(i));
    }
  }
  std::vector<std::string> header = {"index", "scenario_file", "scenario", "policy", "seed"};
  for (const std::string& p : results.parameters()) header.push_back(p);
  for (const FieldDescriptor* f : fields) header.push_back(f->name());
  std::string out = CsvRow(header);
  for (const v1::SweepPointSummary& p : results.points()) {
    std::vector<std::string> row = {fmt::format("{}", p.index()), p.scenario_file(), p.scenario(),
                                    p.policy(), fmt::format("{}", p.seed())};
    for (const v1::SweepParameterValue& v : p.parameters()) row.push_back(v.value());
    for (const FieldDescriptor* f : fields) row.push_back(ScalarFieldText(p.summary(), f));
    out += CsvRow(row);
  }
  return out;
}

std::string SweepGroupsCsv(const v1::SweepResults& results) {
  std::vector<std::string> header = {"scenario_file", "scenario", "policy"};
  for (const std::string& p : results.parameters()) header.push_back(p);
  for (const char* c : {"seeds", "metric", "mean", "stddev", "ci_low", "ci_high", "min", "max"}) {
    header.push_back(c);
  }
  std::string out = CsvRow(header);
  for (const v1::SweepGroup& g : results.groups()) {
    std::vector<std::string> coords = {g.scenario_file(), g.scenario(), g.policy()};
    for (const v1::SweepParameterValue& v : g.parameters()) coords.push_back(v.value());
    coords.push_back(fmt::format("{}", g.seeds_size()));
    for (const v1::MetricStats& m : g.metrics()) {
      std::vector<std::string> row = coords;
      for (const FieldDescriptor* f :
           {v1::MetricStats::descriptor()->FindFieldByName("metric"),
            v1::MetricStats::descriptor()->FindFieldByName("mean"),
            v1::MetricStats::descriptor()->FindFieldByName("stddev"),
            v1::MetricStats::descriptor()->FindFieldByName("ci_low"),
            v1::MetricStats::descriptor()->FindFieldByName("ci_high"),
            v1::MetricStats::descriptor()->FindFieldByName("min"),
            v1::MetricStats::descriptor()->FindFieldByName("max")}) {
        row.push_back(ScalarFieldText(m, f));
      }
      out += CsvRow(row);
    }
  }
  return out;
}

}  // namespace burnrate
