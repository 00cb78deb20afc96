// CompileScenario: checks every value of a loaded burnrate.v1.Scenario against the rules written
// in scenario.proto and converts it into the engine's ScenarioModel. All errors are collected.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "scheduler/registry.h"
#include "serve/autoscaler.h"
#include "serve/engine.h"
#include "sim/model/calendar.h"
#include "sim/model/carbon_catalog.h"
#include "sim/model/gpu_catalog.h"
#include "sim/model/money.h"
#include "sim/model/price_catalog.h"
#include "sim/model/time.h"
#include "sim/scenario/carbon_series.h"
#include "sim/scenario/empirical_samples.h"
#include "sim/scenario/failure_trace.h"
#include "sim/scenario/scenario_errors.h"
#include "sim/scenario/scenario_loader.h"
#include "sim/trace/trace.h"
#include "sim/trace/trace_source.h"

namespace burnrate {
namespace {

using scenario_internal::FormatNumber;
using scenario_internal::ScenarioErrors;

constexpr const char* kDefaultStart = "2023-01-01";
constexpr double kMaxHorizonDays = 3660;
constexpr const char* kDefaultReferenceGpu = "A100-80GB";
constexpr uint32_t kMaxGpusPerNode = 64;
// Not in scenario.proto: sanity bounds that keep the engine's integer arithmetic exact and its
// memory bounded. Documented in docs/scenario.md.
constexpr uint32_t kMaxNodesPerPool = 1'000'000;
constexpr double kMaxSeconds = 1e11;  // any time or duration (about 3,170 years)
constexpr double kMaxUsdPerGpuHour = 1e6;

// How a number's lower bound reads in messages.
enum class Lower { kPositive, kNonNegative, kAtLeastOne };

bool MeetsLower(double v, Lower lower) {
  switch (lower) {
    case Lower::kPositive:
      return v > 0;
    case Lower::kNonNegative:
      return v >= 0;
    case Lower::kAtLeastOne:
      return v >= 1;
  }
  return false;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

std::string PolicyNames(const std::vector<PolicyInfo>& infos) {
  std::vector<std::string> names;
  for (const PolicyInfo& info : infos) names.push_back(info.name);
  return JoinNames(names);
}

// A pool that passed its checks, for "does the job fit" questions.
struct PoolCapacity {
  std::string name;
  std::string gpu_type;
  uint64_t gpus = 0;
};

class Compiler {
 public:
  explicit Compiler(const LoadedScenario& loaded)
      : loaded_(loaded),
        s_(loaded.scenario),
        errors_(loaded.path.empty() ? std::string("<scenario>") : loaded.path, &loaded.lines) {}

  absl::StatusOr<ScenarioModel> Run() {
    ScenarioModel m;
    m.source_path = loaded_.path;
    m.name = s_.name().empty() ? DefaultName() : s_.name();
    Calendar(&m);
    m.seed = s_.seed() == 0 ? 1 : s_.seed();  // proto3 cannot tell 0 from unset: 0 = default
    if (!s_.has_cluster()) {
      errors_.Add("cluster", "is required; a map with pools (and optionally gpu_types)");
    }
    Catalog(&m);
    Pools(&m);
    if (!s_.has_workload()) {
      errors_.Add("workload",
                  "is required (it may hold zero jobs); a map with reference_gpu, jobs and/or "
                  "generators");
    }
    Jobs(&m);
    Tenants(&m);
    Generators(&m);
    Traces(&m);
    Services(&m);
    Policies(&m);
    Plan(&m);
    if (errors_.empty()) BillBound(m);
    if (!errors_.empty()) return errors_.ToStatus();
    return m;
  }

 private:
  // Money is counted exactly in 64-bit micro-dollars (sim/model/money.h). A bill that could
  // pass 2^62 micro-dollars (about $4.6 trillion) would overflow; refuse such a scenario with
  // the bound rather than print a wrapped, negative bill. The bound is generous: every GPU of
  // every pool provisioned for the whole horizon at its highest price, busy at full power.
  void BillBound(const ScenarioModel& m) {
    const double hours = static_cast<double>(m.horizon) / static_cast<double>(kHour);
    const double months = hours / (24.0 * 28.0) + 1.0;
    double bound = 0;  // micro-dollars
    for (size_t i = 0; i < m.pools.size(); ++i) {
      PoolSpec p = m.pools[i];
      // A capacity plan may try more nodes than the pool has.
      for (const PlanDimensionSpec& d : m.plan.dimensions) {
        if (d.pool == i && !d.candidates.empty()) {
          p.nodes = std::max(p.nodes, d.candidates.back() + d.spare_candidates.back());
        }
      }
      const double gpus = static_cast<double>(p.gpus_per_node) * p.nodes;
      double price = static_cast<double>(p.price);
      for (const auto& step : p.price_series) price = std::max(price, static_cast<double>(step.second));
      bound += price * gpus * hours;
      bound += static_cast<double>(p.upfront);
      bound += static_cast<double>(p.capex_per_node) * p.nodes;
      bound += static_cast<double>(p.hosting_per_node_month) * p.nodes * months;
      const double kw = (p.gpu_busy_watts * p.gpus_per_node + p.node_overhead_watts) / 1000.0;
      bound += p.usd_per_kwh * 1e6 * kw * p.nodes * 3.0 * hours;  // PUE up to 3
    }
    constexpr double kLimit = 4.611686018427388e18;  // 2^62 micro-dollars
    if (bound >= kLimit) {
      errors_.Add("cluster.pools",
                  fmt::format("the bill could reach ${:.3g} over the horizon, beyond the ${:.3g} "
                              "burnrate counts exactly (64-bit micro-dollars); use fewer GPUs, a "
                              "shorter horizon or lower prices",
                              bound / 1e6, kLimit / 1e6));
    }
  }

  // True when the file wrote `path` (also with a zero value). Without line information (a
  // scenario built in code), presence is unknown and this is false.
  bool Written(const std::string& path) const {
    return loaded_.lines.count(path) > 0 || loaded_.written_by_override.count(path) > 0;
  }

  std::string DefaultName() const {
    if (loaded_.path.empty()) return "scenario";
    const std::string stem = std::filesystem::path(loaded_.path).stem().string();
    return stem.empty() ? std::string("scenario") : stem;
  }

  // Checks a double: finite, the lower bound and at most `hi`. `allowed` completes the message
  // ("must be > 0 (seconds)"). A zero the file did not write is reported as missing when
  // `required`.
  bool Number(const std::string& path, double v, Lower lower, double hi, const std::string& allowed,
              bool required = true) {
    if (required && v == 0 && !MeetsLower(v, lower) && !Written(path)) {
      errors_.Add(path, "is required; " + allowed);
      return false;
    }
    if (!std::isfinite(v)) {
      errors_.Add(path, fmt::format("{} is not a finite number; {}", FormatNumber(v), allowed));
      return false;
    }
    if (!MeetsLower(v, lower)) {
      errors_.Add(path, fmt::format("{} is not allowed; {}", FormatNumber(v), allowed));
      return false;
    }
    if (v > hi) {
      errors_.Add(path, allowed.find("<=") != std::string::npos
                            ? fmt::format("{} is not allowed; {}", FormatNumber(v), allowed)
                            : fmt::format("{} is too large; must be at most {}", FormatNumber(v),
                                          FormatNumber(hi)));
      return false;
    }
    return true;
  }

  // Like Number for an optional field whose zero means "use the default": only negative,
  // non-finite or too large values are errors.
  bool OptionalSeconds(const std::string& path, double v, const std::string& what) {
    return Number(path, v, Lower::kNonNegative, kMaxSeconds,
                  fmt::format("must be >= 0 (seconds{})", what), /*required=*/false);
  }

  void Calendar(ScenarioModel* m) {
    const std::string start = s_.start().empty() ? std::string(kDefaultStart) : s_.start();
    absl::StatusOr<int64_t> start_s = ParseUtcTimestamp(start);
    if (start_s.ok()) {
      m->start_unix_s = *start_s;
    } else {
      errors_.Add("start", std::string(start_s.status().message()));
    }
    if (Number("horizon_days", s_.horizon_days(), Lower::kPositive, kMaxHorizonDays,
               fmt::format("must be > 0 and <= {} (days)", FormatNumber(kMaxHorizonDays)))) {
      m->horizon = SecondsToTime(s_.horizon_days() * 86400.0);
    }
    if (s_.sample_interval_s() == 0) {
      m->sample_interval = kHour;
    } else if (Number("sample_interval_s", s_.sample_interval_s(), Lower::kAtLeastOne, kMaxSeconds,
                      "must be >= 1 (seconds; default 3600)", false)) {
      m->sample_interval = SecondsToTime(s_.sample_interval_s());
    }
  }

  void Catalog(ScenarioModel* m) {
    m->catalog = GpuCatalog::BuiltIn();
    const GpuCatalog builtin = GpuCatalog::BuiltIn();
    std::map<std::string, std::string> seen;  // name -> path of first entry
    for (int i = 0; i < s_.cluster().gpu_types_size(); ++i) {
      const auto& t = s_.cluster().gpu_types(i);
      const std::string path = fmt::format("cluster.gpu_types[{}]", i);
      if (t.name().empty()) {
        errors_.Add(path + ".name", "is required; the name of a built-in type to override (" +
                                        JoinNames(builtin.Names()) + ") or of a new type");
        continue;
      }
      if (auto [it, fresh] = seen.emplace(t.name(), path); !fresh) {
        errors_.Add(path + ".name", fmt::format("duplicate GPU type {} (also {}); list each type "
                                                "once",
                                                Quoted(t.name()), it->second));
        continue;
      }
      bool ok = true;
      ok &= Number(path + ".memory_gb", t.memory_gb(), Lower::kNonNegative, 1e9,
                   "must be >= 0 (GB; 0 = unknown)", false);
      ok &= Number(path + ".idle_watts", t.idle_watts(), Lower::kNonNegative, 1e9,
                   "must be >= 0 (watts; 0 = unknown)", false);
      ok &= Number(path + ".busy_watts", t.busy_watts(), Lower::kNonNegative, 1e9,
                   "must be >= 0 (watts; 0 = unknown)", false);
      ok &= Number(path + ".mtbf_hours", t.mtbf_hours(), Lower::kNonNegative, 1e12,
                   "must be >= 0 (hours between failures of one GPU; 0 = unknown)", false);
      const GpuSpec* base = builtin.Find(t.name());
      if (base == nullptr) {
        ok &= Number(path + ".training_speed", t.training_speed(), Lower::kPositive, 1e6,
                     fmt::format("must be > 0 for the new GPU type {} (speed relative to {} = 1)",
                                 Quoted(t.name()), kDefaultReferenceGpu));
      } else {
        ok &= Number(path + ".training_speed", t.training_speed(), Lower::kNonNegative, 1e6,
                     "must be > 0 (speed relative to A100-80GB = 1), or 0 to keep the built-in",
                     false);
      }
      if (!ok) continue;
      GpuSpec spec;
      if (base != nullptr) {
        // An override replaces only the fields it sets (non-zero).
        spec = *base;
        std::vector<std::string> changed;
        auto merge = [&changed](const char* field, double value, double* into) {
          if (value == 0) return;
          *into = value;
          changed.push_back(field);
        };
        merge("memory_gb", t.memory_gb(), &spec.memory_gb);
        merge("idle_watts", t.idle_watts(), &spec.idle_watts);
        merge("busy_watts", t.busy_watts(), &spec.busy_watts);
        merge("training_speed", t.training_speed(), &spec.training_speed);
        merge("mtbf_hours", t.mtbf_hours(), &spec.mtbf_hours);
        if (!changed.empty()) {
          spec.source = fmt::format("{} Overridden by the scenario ({}): {}.", base->source,
                                    loaded_.path, JoinNames(changed));
        }
      } else {
        spec.name = t.name();
        spec.memory_gb = t.memory_gb();
        spec.idle_watts = t.idle_watts();
        spec.busy_watts = t.busy_watts();
        spec.training_speed = t.training_speed();
        spec.mtbf_hours = t.mtbf_hours();
        spec.source = fmt::format("Defined by the scenario ({}).", loaded_.path);
      }
      m->catalog.Upsert(std::move(spec));
    }
    const auto& w = s_.workload();
    m->reference_gpu =
        w.reference_gpu().empty() ? std::string(kDefaultReferenceGpu) : w.reference_gpu();
    const GpuSpec* ref = m->catalog.Find(m->reference_gpu);
    if (ref == nullptr) {
      errors_.Add(
          "workload.reference_gpu",
          fmt::format("unknown GPU type {}; known: {} (default {})", Quoted(m->reference_gpu),
                      JoinNames(m->catalog.Names()), kDefaultReferenceGpu));
    } else {
      reference_speed_ = ref->training_speed;
    }
  }

  void Pools(ScenarioModel* m) {
    const auto& c = s_.cluster();
    if (s_.has_cluster() && c.pools_size() == 0) {
      errors_.Add("cluster.pools",
                  "is required; at least one pool (name, gpu_type, gpus_per_node, nodes, "
                  "pricing)");
    }
    const double node_speed = Written("cluster.cross_node_speed") ? c.cross_node_speed() : 1.0;
    if (Number("cluster.cross_node_speed", node_speed, Lower::kPositive, 1.0,
               "must be in (0, 1] (relative speed of a gang over several nodes; default 1)",
               false)) {
      m->cross_node_speed = node_speed;
    }
    const double rack_speed =
        Written("cluster.cross_rack_speed") ? c.cross_rack_speed() : m->cross_node_speed;
    if (Number("cluster.cross_rack_speed", rack_speed, Lower::kPositive, 1.0,
               "must be in (0, 1] (relative speed of a gang over several racks; default "
               "cross_node_speed)",
               false)) {
      m->cross_rack_speed = rack_speed;
    }
    std::map<std::string, std::string> names;  // name -> path of first pool
    for (int i = 0; i < c.pools_size(); ++i) {
      const auto& p = c.pools(i);
      const std::string path = fmt::format("cluster.pools[{}]", i);
      bool ok = true;
      PoolSpec spec;
      spec.name = p.name();
      if (p.name().empty()) {
        errors_.Add(path + ".name", "is required; a unique pool name");
        ok = false;
      } else if (auto [it, fresh] = names.emplace(p.name(), path); !fresh) {
        errors_.Add(path + ".name",
                    fmt::format("duplicate pool name {} (also {}); pool names must be unique",
                                Quoted(p.name()), it->second));
        ok = false;
      }
      spec.gpu_type = p.gpu_type();
      if (!p.gpu_type().empty()) pool_types_.insert(p.gpu_type());
      const GpuSpec* gpu = m->catalog.Find(p.gpu_type());
      if (p.gpu_type().empty()) {
        errors_.Add(path + ".gpu_type", "is required; one of: " + JoinNames(m->catalog.Names()) +
                                            " (or a type defined in cluster.gpu_types)");
        ok = false;
      } else if (gpu == nullptr) {
        errors_.Add(path + ".gpu_type",
                    fmt::format("unknown GPU type {}; known: {} (or define it in "
                                "cluster.gpu_types)",
                                Quoted(p.gpu_type()), JoinNames(m->catalog.Names())));
        ok = false;
      } else if (reference_speed_ > 0) {
        spec.training_speed = gpu->training_speed / reference_speed_;
      }
      spec.gpus_per_node = p.gpus_per_node();
      if (p.gpus_per_node() < 1 || p.gpus_per_node() > kMaxGpusPerNode) {
        const std::string allowed = fmt::format("must be 1..{} (GPUs per node)", kMaxGpusPerNode);
        errors_.Add(path + ".gpus_per_node",
                    p.gpus_per_node() == 0 && !Written(path + ".gpus_per_node")
                        ? "is required; " + allowed
                        : fmt::format("{} is not allowed; {}", p.gpus_per_node(), allowed));
        ok = false;
      }
      spec.nodes = p.nodes();
      if (p.nodes() < 1) {
        errors_.Add(path + ".nodes", Written(path + ".nodes")
                                         ? std::string("0 is not allowed; must be >= 1 (nodes)")
                                         : std::string("is required; must be >= 1 (nodes)"));
        ok = false;
      } else if (p.nodes() > kMaxNodesPerPool) {
        errors_.Add(path + ".nodes", fmt::format("{} is too large; must be >= 1, at most {}",
                                                 p.nodes(), kMaxNodesPerPool));
        ok = false;
      }
      spec.cpus_per_node = p.cpus_per_node();
      spec.memory_gb_per_node = p.memory_gb_per_node();
      ok &= Number(path + ".memory_gb_per_node", p.memory_gb_per_node(), Lower::kNonNegative, 1e12,
                   "must be >= 0 (GB)", false);
      spec.rack_size = p.rack_size();
      ok &= Pricing(p, path + ".pricing", &spec, *m);
      ok &= Autoscale(p, path, &spec);
      ok &= Failures(p, path, gpu, &spec, m);
      if (gpu != nullptr && gpu->busy_watts == 0) {
        m->warnings.push_back(fmt::format(
            "{}: {}: GPU type {} has no busy_watts (unknown), so this pool's energy and "
            "operational carbon count its GPUs as 0 W; set idle_watts and busy_watts in "
            "cluster.gpu_types",
            loaded_.path, path, Quoted(p.gpu_type())));
      }
      ok &= Carbon(p, path, gpu, *m, &spec);
      if (!ok) continue;
      capacities_.push_back(
          {spec.name, spec.gpu_type, static_cast<uint64_t>(spec.gpus_per_node) * spec.nodes});
      m->pools.push_back(std::move(spec));
    }
  }

  // The hourly price of on-demand and reserved pools: exactly one of usd_per_gpu_hour,
  // usd_per_node_hour or a catalogue key whose kind is one of `kinds`.
  bool HourlyPrice(const std::string& path, double per_gpu, double per_node,
                   const std::string& catalog, const std::vector<std::string>& kinds,
                   PoolSpec* spec) {
    const std::string gpu_path = path + ".usd_per_gpu_hour";
    const std::string node_path = path + ".usd_per_node_hour";
    const std::string cat_path = path + ".catalog";
    const bool has_gpu = per_gpu != 0 || Written(gpu_path);
    const bool has_node = per_node != 0 || Written(node_path);
    const bool has_cat = !catalog.empty();
    const int given = int{has_gpu} + int{has_node} + int{has_cat};
    const std::string one_of =
        "give exactly one of usd_per_gpu_hour, usd_per_node_hour or catalog (a key of the price "
        "catalogue, `burnrate help prices`)";
    if (given == 0) {
      // A scenario built in code (no line information) may leave a zero price unwritten.
      if (loaded_.lines.empty()) {
        spec->price = 0;
        return true;
      }
      errors_.Add(gpu_path, "is required; " + one_of);
      return false;
    }
    if (given > 1) {
      errors_.Add(has_gpu ? gpu_path : node_path, "is given with another price; " + one_of);
      return false;
    }
    if (has_cat) {
      const PriceEntry* e = FindPrice(catalog);
      if (e == nullptr) {
        errors_.Add(cat_path, fmt::format("unknown price catalogue key {}; known: {}",
                                          Quoted(catalog), JoinNames(PriceKeys())));
        return false;
      }
      if (std::find(kinds.begin(), kinds.end(), e->kind) == kinds.end()) {
        errors_.Add(cat_path, fmt::format("{} is a {} price; this pricing takes {}",
                                          Quoted(catalog), e->kind, JoinNames(kinds)));
        return false;
      }
      if (!spec->gpu_type.empty() && e->gpu_type != spec->gpu_type) {
        errors_.Add(cat_path, fmt::format("{} prices {} GPUs but the pool's gpu_type is {}",
                                          Quoted(catalog), e->gpu_type,
                                          Quoted(spec->gpu_type)));
        return false;
      }
      spec->price = DollarsPerHourToPrice(e->usd_per_gpu_hour);
      return true;
    }
    if (has_gpu) {
      if (!Number(gpu_path, per_gpu, Lower::kNonNegative, kMaxUsdPerGpuHour,
                  "must be >= 0 (USD per GPU-hour)", false)) {
        return false;
      }
      spec->price = DollarsPerHourToPrice(per_gpu);
      return true;
    }
    if (!Number(node_path, per_node, Lower::kNonNegative, kMaxUsdPerGpuHour * 64,
                "must be >= 0 (USD per node-hour)", false)) {
      return false;
    }
    if (spec->gpus_per_node > 0) {
      spec->price = DollarsPerHourToPrice(per_node / spec->gpus_per_node);
    }
    return true;
  }

  // Checkpointing of a Job or a Generator: interval, restart overhead, write time and rule.
  template <typename Message, typename Spec>
  bool Checkpointing(const std::string& path, const Message& j, Spec* spec) {
    bool ok = OptionalSeconds(path + ".checkpoint_interval_s", j.checkpoint_interval_s(),
                              " of run time between checkpoints; 0 = never checkpoints");
    ok &= OptionalSeconds(path + ".restart_overhead_s", j.restart_overhead_s(),
                          " after each restart");
    ok &= OptionalSeconds(path + ".checkpoint_write_s", j.checkpoint_write_s(),
                          " each checkpoint stops the job to write");
    const std::string& rule = j.checkpoint_rule();
    const bool young_daly = rule == "young-daly" || rule == "daly";
    if (!rule.empty() && rule != "fixed" && !young_daly) {
      errors_.Add(path + ".checkpoint_rule",
                  fmt::format("unknown rule {}; one of: fixed (checkpoint_interval_s, the "
                              "default), young-daly (sqrt(2 x checkpoint_write_s x MTBF of the "
                              "gang)), daly (Daly's higher-order interval)",
                              Quoted(rule)));
      ok = false;
    }
    if (!ok) return false;
    if (young_daly && !(j.checkpoint_write_s() > 0)) {
      errors_.Add(path + ".checkpoint_write_s",
                  fmt::format("is required with checkpoint_rule {}; must be > 0 (seconds each "
                              "checkpoint stops the job)",
                              rule));
      return false;
    }
    if (young_daly && j.checkpoint_interval_s() != 0) {
      errors_.Add(path + ".checkpoint_interval_s",
                  fmt::format("is set by checkpoint_rule {}; remove it, or use checkpoint_rule "
                              "fixed",
                              rule));
      return false;
    }
    if (!young_daly && j.checkpoint_write_s() > 0 && j.checkpoint_interval_s() == 0) {
      errors_.Add(path + ".checkpoint_write_s",
                  "is given but no checkpoint is taken; set checkpoint_interval_s > 0 or "
                  "checkpoint_rule young-daly");
      return false;
    }
    spec->checkpoint_interval = SecondsToTime(j.checkpoint_interval_s());
    spec->restart_overhead = SecondsToTime(j.restart_overhead_s());
    spec->checkpoint_write = SecondsToTime(j.checkpoint_write_s());
    spec->checkpoint_rule = rule == "young-daly" ? CheckpointRule::kYoungDaly
                            : rule == "daly"     ? CheckpointRule::kDaly
                                                 : CheckpointRule::kFixed;
    return true;
  }

  // A pool's failures and hot spares (docs/failures.md).
  bool Failures(const burnrate::v1::Pool& p, const std::string& path, const GpuSpec* gpu,
                PoolSpec* spec, ScenarioModel* m) {
    bool ok = true;
    if (p.spare_nodes() > 0) {
      if (p.has_autoscale() || p.pricing().has_spot()) {
        errors_.Add(path + ".spare_nodes", "is not for autoscaled or spot pools (their nodes come "
                                           "and go); use spare_nodes on a fixed-size on_demand, "
                                           "reserved or owned pool");
        ok = false;
      } else if (p.nodes() >= 1 && p.spare_nodes() >= p.nodes()) {
        errors_.Add(path + ".spare_nodes",
                    fmt::format("{} leaves no node to run jobs; must be less than nodes ({})",
                                p.spare_nodes(), p.nodes()));
        ok = false;
      }
      spec->spare_nodes = p.spare_nodes();
      if (!p.has_failures()) {
        m->warnings.push_back(fmt::format("{}: {}.spare_nodes: the pool has no failures, so its "
                                          "{} spare node(s) only add to the bill",
                                          loaded_.path, path, p.spare_nodes()));
      }
    }
    if (!p.has_failures()) return ok;
    const std::string fp = path + ".failures";
    const auto& f = p.failures();
    if (p.pricing().has_spot() || p.has_autoscale()) {
      errors_.Add(fp, "is not modelled for spot or autoscaled pools yet (their nodes come and "
                      "go); use it on on_demand, reserved or owned pools of fixed size");
      return false;
    }
    ok &= Number(fp + ".gpu_mtbf_hours", f.gpu_mtbf_hours(), Lower::kNonNegative, 1e12,
                 "must be >= 0 (hours; left out: the GPU type's mtbf_hours; 0: none)", false);
    ok &= Number(fp + ".node_mtbf_hours", f.node_mtbf_hours(), Lower::kNonNegative, 1e12,
                 "must be >= 0 (hours; 0 = none)", false);
    ok &= Number(fp + ".rack_mtbf_hours", f.rack_mtbf_hours(), Lower::kNonNegative, 1e12,
                 "must be >= 0 (hours; 0 = none)", false);
    const std::string& dist = f.repair_distribution();
    if (!dist.empty() && dist != "exponential" && dist != "fixed") {
      errors_.Add(fp + ".repair_distribution",
                  fmt::format("unknown distribution {}; one of: exponential (default), fixed",
                              Quoted(dist)));
      ok = false;
    }
    bool needs_repair = false;
    if (!f.trace().empty()) {
      const std::string tp = fp + ".trace";
      if (!Confined(tp, f.trace())) return false;
      const std::filesystem::path file(f.trace());
      std::string resolved = f.trace();
      if (file.is_relative() && !loaded_.base_dir.empty() && loaded_.base_dir != ".") {
        resolved = (std::filesystem::path(loaded_.base_dir) / file).string();
      }
      FailureTraceRead read = ReadFailureTrace(resolved, f.trace(), std::max(1u, p.nodes()));
      for (const std::string& e : read.errors) errors_.Add(tp, e);
      if (!read.errors.empty()) return false;
      spec->failure_trace = std::move(read.failures);
      needs_repair = read.needs_repair_hours;
    }
    if (!ok) return false;
    // 0 written: no GPU failure rate (e.g. a trace alone); left out: the GPU type's figure.
    const double gpu_mtbf = f.gpu_mtbf_hours() > 0               ? f.gpu_mtbf_hours()
                            : Written(fp + ".gpu_mtbf_hours")    ? 0.0
                            : gpu != nullptr                     ? gpu->mtbf_hours
                                                                 : 0.0;
    spec->gpu_mtbf_hours = gpu_mtbf;
    spec->node_mtbf_hours = f.node_mtbf_hours();
    spec->rack_mtbf_hours = f.rack_mtbf_hours();
    spec->node_failures_per_hour =
        (gpu_mtbf > 0 ? p.gpus_per_node() / gpu_mtbf : 0.0) +
        (f.node_mtbf_hours() > 0 ? 1.0 / f.node_mtbf_hours() : 0.0);
    spec->rack_failures_per_hour = f.rack_mtbf_hours() > 0 ? 1.0 / f.rack_mtbf_hours() : 0.0;
    const bool rates = spec->node_failures_per_hour > 0 || spec->rack_failures_per_hour > 0;
    if (!rates && f.trace().empty()) {
      errors_.Add(fp, fmt::format("sets no failure rate: give gpu_mtbf_hours, node_mtbf_hours, "
                                  "rack_mtbf_hours or a trace (the GPU type {} has no mtbf_hours "
                                  "in the catalog)",
                                  Quoted(p.gpu_type())));
      return false;
    }
    if (!rates && !needs_repair && f.repair_hours() == 0) return true;  // every row says
    if (!Number(fp + ".repair_hours", f.repair_hours(), Lower::kPositive, 1e6,
                "must be > 0 (mean hours to repair or replace a failed node)")) {
      return false;
    }
    spec->repair = SecondsToTime(f.repair_hours() * 3600.0);
    spec->fixed_repair = dist == "fixed";
    return true;
  }

  // A pool's carbon accounting (docs/carbon.md). Every pool has one; without a `carbon` block
  // the defaults apply (the world grid, the embodied carbon of an A100 server over 6 years).
  bool Carbon(const burnrate::v1::Pool& p, const std::string& path, const GpuSpec* gpu,
              const ScenarioModel& m, PoolSpec* spec) {
    if (gpu != nullptr) {  // power of every pool's GPUs (owned pools' energy uses it too)
      spec->gpu_idle_watts = gpu->idle_watts;
      spec->gpu_busy_watts = gpu->busy_watts;
    }
    const auto& c = p.carbon();
    const std::string cp = path + ".carbon";
    bool ok = true;
    const std::string location =
        c.location().empty() ? std::string(kDefaultGridLocation) : c.location();
    const GridIntensity* preset = FindGridIntensity(location);
    if (preset == nullptr) {
      errors_.Add(cp + ".location",
                  fmt::format("unknown location {}; known: {} (or give grid_gco2e_per_kwh or "
                              "hourly_gco2e_per_kwh_file)",
                              Quoted(location), GridLocationNames()));
      ok = false;
    }
    const std::string file = c.hourly_gco2e_per_kwh_file();
    const bool constant = c.grid_gco2e_per_kwh() != 0 || Written(cp + ".grid_gco2e_per_kwh");
    ok &= Number(cp + ".grid_gco2e_per_kwh", c.grid_gco2e_per_kwh(), Lower::kNonNegative,
                 kMaxGridGco2ePerKwh,
                 fmt::format("must be >= 0 and <= {} (gCO2e per kWh; 0 = the location's value)",
                             FormatNumber(kMaxGridGco2ePerKwh)),
                 false);
    if (constant && !file.empty()) {
      errors_.Add(cp + ".grid_gco2e_per_kwh",
                  "is given with hourly_gco2e_per_kwh_file; give one of them (a constant "
                  "intensity or an hourly series)");
      ok = false;
    }
    const bool owned = p.pricing().has_owned();
    for (const auto& [field, value] : {std::pair<const char*, double>{"pue", c.pue()},
                                       {"node_overhead_watts", c.node_overhead_watts()}}) {
      if (owned && (value != 0 || Written(cp + "." + field))) {
        errors_.Add(cp + "." + field,
                    fmt::format("is for pools that are not owned; an owned pool's {} is "
                                "{}.pricing.owned.{}",
                                field, path, field));
        ok = false;
      }
    }
    const double pue = c.pue() == 0 ? 1.0 : c.pue();
    if (!std::isfinite(pue) || pue < 1 || pue > 5) {
      errors_.Add(cp + ".pue", fmt::format("{} is not allowed; must be 1..5 (total facility power "
                                           "/ IT power; 0 = default 1.0)",
                                           FormatNumber(c.pue())));
      ok = false;
    }
    ok &= Number(cp + ".node_overhead_watts", c.node_overhead_watts(), Lower::kNonNegative, 1e6,
                 "must be >= 0 (watts per node)", false);
    ok &= Number(cp + ".embodied_kgco2e_per_gpu", c.embodied_kgco2e_per_gpu(),
                 Lower::kNonNegative, 1e6,
                 "must be >= 0 (kg CO2e per GPU; 0 = 150, written as 0: none)", false);
    ok &= Number(cp + ".embodied_kgco2e_per_node", c.embodied_kgco2e_per_node(),
                 Lower::kNonNegative, 1e7,
                 "must be >= 0 (kg CO2e per node without its GPUs; 0 = 2,500, written as 0: none)",
                 false);
    ok &= Number(cp + ".lifetime_years", c.lifetime_years(), Lower::kNonNegative, 100,
                 "must be > 0 and <= 100 (years of linear amortisation; 0 = 6)", false);
    CarbonSeries series;
    if (!file.empty() && !constant) {  // with both, only the conflict is reported
      const std::string fp = cp + ".hourly_gco2e_per_kwh_file";
      std::string resolved = file;
      const std::filesystem::path f(file);
      if (f.is_relative() && !loaded_.base_dir.empty() && loaded_.base_dir != ".") {
        resolved = (std::filesystem::path(loaded_.base_dir) / f).string();
      }
      if (!Confined(fp, file)) return false;
      series = ReadCarbonSeries(resolved);
      for (const std::string& error : series.errors) errors_.Add(fp, error);
      if (!series.errors.empty()) return false;
      ok &= CarbonSeriesCovers(fp, resolved, series, m);
    }
    if (!ok) return false;
    const auto chosen = [this](const std::string& field, double value, double fallback) {
      return value != 0 || Written(field) ? value : fallback;
    };
    spec->carbon_pue = pue;
    spec->carbon_node_overhead_watts = c.node_overhead_watts();
    spec->embodied_kgco2e_per_gpu =
        chosen(cp + ".embodied_kgco2e_per_gpu", c.embodied_kgco2e_per_gpu(),
               kDefaultEmbodiedKgPerGpu);
    spec->embodied_kgco2e_per_node =
        chosen(cp + ".embodied_kgco2e_per_node", c.embodied_kgco2e_per_node(),
               kDefaultEmbodiedKgPerNode);
    spec->embodied_lifetime_years =
        c.lifetime_years() == 0 ? kDefaultLifetimeYears : c.lifetime_years();
    if (!file.empty()) {
      // Keep the hours from the one holding the start to the one holding the horizon's end.
      const int64_t skip = (m.start_unix_s - series.first_hour_unix_s) / 3600;
      const int64_t end_us = m.start_unix_s * 1'000'000 + m.horizon;
      const int64_t last = (end_us - 1) / 3'600'000'000 - series.first_hour_unix_s / 3600;
      spec->carbon_hourly.assign(series.hourly.begin() + skip, series.hourly.begin() + last + 1);
      spec->carbon_series_begin =
          (series.first_hour_unix_s + skip * 3600 - m.start_unix_s) * kSecond;
      spec->grid_source = fmt::format("hourly series {} ({} hours used)", file,
                                      spec->carbon_hourly.size());
      spec->grid_gco2e_per_kwh = 0;
    } else if (constant) {
      spec->grid_gco2e_per_kwh = c.grid_gco2e_per_kwh();
      spec->grid_source = fmt::format("{} gCO2e/kWh, given in the scenario", FormatNumber(c.grid_gco2e_per_kwh()));
    } else {
      spec->grid_gco2e_per_kwh = preset->gco2e_per_kwh;
      spec->grid_source = DescribeGridIntensity(*preset);
    }
    return true;
  }

  // An hourly carbon series must cover the whole horizon: from the hour holding the start to
  // the one holding the horizon's last moment (it is not repeated or extended).
  bool CarbonSeriesCovers(const std::string& field, const std::string& file,
                          const CarbonSeries& series, const ScenarioModel& m) {
    if (m.horizon <= 0) return true;  // the horizon's own error is reported
    const int64_t start_hour = m.start_unix_s - m.start_unix_s % 3600;
    if (series.first_hour_unix_s > start_hour) {
      errors_.Add(field, fmt::format("{}:{}: the series starts at {}, after the scenario's "
                                     "start {}; it must cover the whole horizon from the hour "
                                     "holding the start ({})",
                                     file, series.first_line,
                                     FormatUtcTimestamp(series.first_hour_unix_s),
                                     FormatUtcTimestamp(m.start_unix_s),
                                     FormatUtcTimestamp(start_hour)));
      return false;
    }
    const int64_t series_end = series.first_hour_unix_s +
                               static_cast<int64_t>(series.hourly.size()) * 3600;
    const int64_t end_us = m.start_unix_s * 1'000'000 + m.horizon;
    if (static_cast<int64_t>(series_end) * 1'000'000 < end_us) {
      const int64_t end_s = (end_us + 999'999) / 1'000'000;
      errors_.Add(field, fmt::format("{}:{}: the series ends at {} (its last hour starts on this "
                                     "line) but the horizon runs to {}; give one row per hour up "
                                     "to the horizon's end (a series is not repeated)",
                                     file, series.last_line, FormatUtcTimestamp(series_end),
                                     FormatUtcTimestamp(end_s)));
      return false;
    }
    return true;
  }

  bool Autoscale(const burnrate::v1::Pool& p, const std::string& path, PoolSpec* spec) {
    if (!p.has_autoscale()) return true;
    const std::string ap = path + ".autoscale";
    if (!p.pricing().has_on_demand()) {
      errors_.Add(ap, "applies to on_demand pools only; committed and owned capacity is paid "
                      "whether provisioned or not");
      return false;
    }
    const auto& a = p.autoscale();
    bool ok = true;
    if (a.min_nodes() > p.nodes()) {
      errors_.Add(ap + ".min_nodes", fmt::format("{} is more than the pool's {} nodes; must be "
                                                 "0..nodes (nodes is the maximum)",
                                                 a.min_nodes(), p.nodes()));
      ok = false;
    }
    ok &= Number(ap + ".provisioning_delay_s", a.provisioning_delay_s(), Lower::kNonNegative,
                 86400, "must be >= 0 and <= 86400 (seconds)", false);
    ok &= Number(ap + ".idle_timeout_s", a.idle_timeout_s(), Lower::kNonNegative, 1e7,
                 "must be >= 0 and <= 1e7 (seconds; 0 = release when idle)", false);
    if (!ok) return false;
    spec->autoscale = true;
    spec->min_nodes = a.min_nodes();
    spec->provisioning_delay = SecondsToTime(a.provisioning_delay_s());
    spec->idle_timeout = SecondsToTime(a.idle_timeout_s());
    return true;
  }

  bool Pricing(const burnrate::v1::Pool& p, const std::string& path, PoolSpec* spec,
               const ScenarioModel& m) {
    const std::string one_of =
        "set exactly one of on_demand, reserved, owned or spot, e.g. on_demand: "
        "{usd_per_gpu_hour: 2.5}";
    if (!p.has_pricing() || p.pricing().model_case() == burnrate::v1::Pricing::MODEL_NOT_SET) {
      errors_.Add(path, "is required; " + one_of);
      return false;
    }
    const burnrate::v1::Pricing& pr = p.pricing();
    if (pr.has_on_demand()) {
      spec->pricing = PricingModel::kOnDemand;
      const auto& od = pr.on_demand();
      bool ok = HourlyPrice(path + ".on_demand", od.usd_per_gpu_hour(), od.usd_per_node_hour(),
                            od.catalog(), {"on_demand"}, spec);
      ok &= Number(path + ".on_demand.min_charge_s", od.min_charge_s(), Lower::kNonNegative,
                   86400, "must be >= 0 and <= 86400 (seconds)", false);
      if (ok) spec->min_charge = SecondsToTime(od.min_charge_s());
      return ok;
    }
    if (pr.has_spot()) {
      spec->pricing = PricingModel::kSpot;
      const auto& sp = pr.spot();
      const std::string sp_path = path + ".spot";
      bool ok = HourlyPrice(sp_path, sp.usd_per_gpu_hour(), sp.usd_per_node_hour(),
                            sp.catalog(), {"spot"}, spec);
      const std::string rate = sp_path + ".revocations_per_node_hour";
      if (!Written(rate) && sp.revocations_per_node_hour() == 0 && !loaded_.lines.empty()) {
        errors_.Add(rate, "is required; mean revocations per node-hour, 0..100 (write 0 for "
                          "none)");
        ok = false;
      } else {
        ok &= Number(rate, sp.revocations_per_node_hour(), Lower::kNonNegative, 100,
                     "must be >= 0 and <= 100 (revocations per node-hour)", false);
      }
      ok &= Number(sp_path + ".notice_s", sp.notice_s(), Lower::kNonNegative, 86400,
                   "must be >= 0 and <= 86400 (seconds)", false);
      ok &= Number(sp_path + ".mean_restore_s", sp.mean_restore_s(), Lower::kNonNegative, 1e7,
                   "must be >= 0 and <= 1e7 (seconds; 0 = replaced at once)", false);
      if (!ok) return false;
      spec->revocations_per_node_hour = sp.revocations_per_node_hour();
      spec->revocation_notice = SecondsToTime(sp.notice_s());
      spec->mean_restore = SecondsToTime(sp.mean_restore_s());
      double last = -1;
      for (int i = 0; i < sp.price_series_size(); ++i) {
        const auto& pt = sp.price_series(i);
        const std::string pp = fmt::format("{}.price_series[{}]", sp_path, i);
        bool point_ok = OptionalSeconds(pp + ".time_s", pt.time_s(), " after the scenario start");
        point_ok &= Number(pp + ".usd_per_gpu_hour", pt.usd_per_gpu_hour(), Lower::kNonNegative,
                           kMaxUsdPerGpuHour, "must be >= 0 (USD per GPU-hour)", false);
        if (point_ok && pt.time_s() <= last) {
          errors_.Add(pp + ".time_s", fmt::format("{} is not after the previous point ({}); "
                                                  "points must be in increasing time",
                                                  FormatNumber(pt.time_s()), FormatNumber(last)));
          point_ok = false;
        }
        if (!point_ok) return false;
        last = pt.time_s();
        spec->price_series.emplace_back(SecondsToTime(pt.time_s()),
                                        DollarsPerHourToPrice(pt.usd_per_gpu_hour()));
      }
      last = -1;
      for (int i = 0; i < sp.availability_series_size(); ++i) {
        const auto& pt = sp.availability_series(i);
        const std::string ap = fmt::format("{}.availability_series[{}]", sp_path, i);
        bool point_ok = OptionalSeconds(ap + ".time_s", pt.time_s(), " after the scenario start");
        if (pt.nodes() > p.nodes()) {
          errors_.Add(ap + ".nodes", fmt::format("{} is more than the pool's {} nodes; must be "
                                                 "0..nodes",
                                                 pt.nodes(), p.nodes()));
          point_ok = false;
        }
        if (point_ok && pt.time_s() <= last) {
          errors_.Add(ap + ".time_s", fmt::format("{} is not after the previous point ({}); "
                                                  "points must be in increasing time",
                                                  FormatNumber(pt.time_s()), FormatNumber(last)));
          point_ok = false;
        }
        if (!point_ok) return false;
        last = pt.time_s();
        spec->availability_series.emplace_back(SecondsToTime(pt.time_s()), pt.nodes());
      }
      return true;
    }
    if (pr.has_reserved()) {
      spec->pricing = PricingModel::kReserved;
      const auto& r = pr.reserved();
      const std::string rp = path + ".reserved";
      bool ok = HourlyPrice(rp, r.usd_per_gpu_hour(), r.usd_per_node_hour(), r.catalog(),
                            {"reserved_1y", "reserved_3y"}, spec);
      ok &= Number(rp + ".upfront_usd", r.upfront_usd(), Lower::kNonNegative, 1e12,
                   "must be >= 0 (USD for the whole commitment)", false);
      if (ok) spec->upfront = DollarsToMoney(r.upfront_usd());
      ok &= Number(rp + ".on_demand_usd_per_gpu_hour", r.on_demand_usd_per_gpu_hour(),
                   Lower::kNonNegative, kMaxUsdPerGpuHour, "must be >= 0 (USD per GPU-hour)",
                   false);
      spec->on_demand_reference_usd_per_gpu_hour = r.on_demand_usd_per_gpu_hour();
      if (r.term_months() > 1200) {
        errors_.Add(rp + ".term_months", fmt::format("{} is too large; must be 0..1200 (months; "
                                                     "0 = open-ended)",
                                                     r.term_months()));
        return false;
      }
      spec->term_months = r.term_months();
      // The commitment's first month: "YYYY-MM", by default the scenario's start month.
      int year = 0;
      unsigned month = 0, day = 0;
      CivilFromDays(m.start_unix_s / 86400, &year, &month, &day);
      if (!r.start_month().empty()) {
        const std::string& t = r.start_month();
        const bool shape = t.size() == 7 && t[4] == '-' &&
                           std::all_of(t.begin(), t.begin() + 4, ::isdigit) &&
                           ::isdigit(t[5]) && ::isdigit(t[6]);
        const int y = shape ? std::stoi(t.substr(0, 4)) : 0;
        const int mo = shape ? std::stoi(t.substr(5, 2)) : 0;
        if (!shape || y < 1970 || y > 9999 || mo < 1 || mo > 12) {
          errors_.Add(rp + ".start_month",
                      fmt::format("{} is not a month; use YYYY-MM, e.g. \"2023-09\"", Quoted(t)));
          return false;
        }
        year = y;
        month = static_cast<unsigned>(mo);
      }
      const int64_t begin_unix = DaysFromCivil(year, month, 1) * 86400;
      spec->commit_begin = (begin_unix - m.start_unix_s) * kSecond;
      if (spec->term_months > 0) {
        const int64_t months = int64_t{year} * 12 + (month - 1) + spec->term_months;
        const int end_year = static_cast<int>(months / 12);
        if (end_year > 9999) {
          errors_.Add(rp + ".term_months", "ends after the year 9999; shorten the term");
          return false;
        }
        const int64_t end_unix =
            DaysFromCivil(end_year, static_cast<unsigned>(months % 12) + 1, 1) * 86400;
        spec->commit_end = (end_unix - m.start_unix_s) * kSecond;
        if (spec->commit_end <= 0) {
          errors_.Add(rp + ".term_months",
                      "the commitment ends before the scenario starts; its pool would never run");
          return false;
        }
      }
      if (m.horizon > 0 && spec->commit_begin >= m.horizon) {
        errors_.Add(rp + ".start_month",
                    "the commitment starts after the horizon; its pool would never run");
        return false;
      }
      return ok;
    }
    // Owned.
    spec->pricing = PricingModel::kOwned;
    const auto& o = pr.owned();
    const std::string op = path + ".owned";
    bool ok = true;
    if (!Written(op + ".capex_usd_per_node") && o.capex_usd_per_node() == 0 &&
        !loaded_.lines.empty()) {
      errors_.Add(op + ".capex_usd_per_node", "is required; USD per node, >= 0 (write 0 for "
                                              "hardware already paid off)");
      ok = false;
    } else {
      ok &= Number(op + ".capex_usd_per_node", o.capex_usd_per_node(), Lower::kNonNegative, 1e9,
                   "must be >= 0 (USD per node)", false);
    }
    if (o.amortization_months() < 1 || o.amortization_months() > 1200) {
      errors_.Add(op + ".amortization_months",
                  o.amortization_months() == 0 && !Written(op + ".amortization_months")
                      ? std::string("is required; 1..1200 (months of straight-line amortisation)")
                      : fmt::format("{} is not allowed; must be 1..1200 (months)",
                                    o.amortization_months()));
      ok = false;
    }
    ok &= Number(op + ".hosting_usd_per_node_month", o.hosting_usd_per_node_month(),
                 Lower::kNonNegative, 1e9, "must be >= 0 (USD per node-month)", false);
    if (!Written(op + ".usd_per_kwh") && o.usd_per_kwh() == 0 && !loaded_.lines.empty()) {
      errors_.Add(op + ".usd_per_kwh", "is required; USD per kWh, >= 0 (write 0 to leave "
                                       "energy out)");
      ok = false;
    } else {
      ok &= Number(op + ".usd_per_kwh", o.usd_per_kwh(), Lower::kNonNegative, 100,
                   "must be >= 0 and <= 100 (USD per kWh)", false);
    }
    const double pue = o.pue() == 0 ? 1.0 : o.pue();
    if (!std::isfinite(pue) || pue < 1 || pue > 5) {
      errors_.Add(op + ".pue", fmt::format("{} is not allowed; must be 1..5 (total facility power "
                                           "/ IT power; 0 = default 1.0)",
                                           FormatNumber(o.pue())));
      ok = false;
    }
    ok &= Number(op + ".node_overhead_watts", o.node_overhead_watts(), Lower::kNonNegative, 1e6,
                 "must be >= 0 (watts per node)", false);
    ok &= Number(op + ".on_demand_usd_per_gpu_hour", o.on_demand_usd_per_gpu_hour(),
                 Lower::kNonNegative, kMaxUsdPerGpuHour, "must be >= 0 (USD per GPU-hour)",
                 false);
    if (!ok) return false;
    spec->capex_per_node = DollarsToMoney(o.capex_usd_per_node());
    spec->amortization_months = o.amortization_months();
    spec->hosting_per_node_month = DollarsToMoney(o.hosting_usd_per_node_month());
    spec->usd_per_kwh = o.usd_per_kwh();
    spec->pue = pue;
    spec->node_overhead_watts = o.node_overhead_watts();
    spec->on_demand_reference_usd_per_gpu_hour = o.on_demand_usd_per_gpu_hour();
    if (const GpuSpec* gpu = m.catalog.Find(spec->gpu_type); gpu != nullptr) {
      spec->gpu_idle_watts = gpu->idle_watts;
      spec->gpu_busy_watts = gpu->busy_watts;
    }
    return true;
  }


  // Checks a job's or generator's gpu_type ("" = any pool). False when no pool has it.
  bool GpuTypeOfSomePool(const std::string& path, const std::string& gpu_type,
                         const ScenarioModel& m) {
    if (gpu_type.empty() || pool_types_.count(gpu_type) > 0) return true;
    std::vector<std::string> types(pool_types_.begin(), pool_types_.end());
    errors_.Add(
        path, fmt::format(
                  "{} {}; use \"\" (any pool) or a GPU type of some pool: {}",
                  m.catalog.Find(gpu_type) == nullptr ? "unknown GPU type" : "no pool has GPU type",
                  Quoted(gpu_type), types.empty() ? std::string("(none)") : JoinNames(types)));
    return false;
  }

  // A gang runs inside one pool: `gpus` must fit the largest pool it may use.
  void CheckFits(const std::string& path, uint32_t gpus, const std::string& gpu_type) {
    const PoolCapacity* largest = nullptr;
    for (const PoolCapacity& p : capacities_) {
      if (!gpu_type.empty() && p.gpu_type != gpu_type) continue;
      if (largest == nullptr || p.gpus > largest->gpus) largest = &p;
    }
    if (largest == nullptr || gpus <= largest->gpus) return;  // no valid pool: reported already
    errors_.Add(path, fmt::format("needs {} GPUs but the largest eligible pool has {} (pool {}); "
                                  "a gang runs inside one pool, so at most {}{}",
                                  gpus, largest->gpus, Quoted(largest->name), largest->gpus,
                                  gpu_type.empty() ? "" : " for gpu_type " + Quoted(gpu_type)));
  }

  void Jobs(ScenarioModel* m) {
    const auto& w = s_.workload();
    for (int i = 0; i < w.jobs_size(); ++i) {
      const auto& j = w.jobs(i);
      const std::string path = fmt::format("workload.jobs[{}]", i);
      JobSpec spec;
      spec.name = j.name().empty() ? fmt::format("job-{}", i) : j.name();
      bool ok = OptionalSeconds(path + ".submit_s", j.submit_s(), " after the scenario start");
      spec.submit = ok ? SecondsToTime(j.submit_s()) : 0;
      if (j.gpus() < 1) {
        errors_.Add(path + ".gpus", Written(path + ".gpus")
                                        ? std::string("0 is not allowed; must be >= 1 (GPUs)")
                                        : std::string("is required; must be >= 1 (GPUs)"));
        ok = false;
      }
      spec.gpus = j.gpus();
      if (Number(path + ".duration_s", j.duration_s(), Lower::kPositive, kMaxSeconds,
                 "must be > 0 (seconds)")) {
        spec.duration = std::max<Duration>(SecondsToTime(j.duration_s()), 1);
      } else {
        ok = false;
      }
      spec.gpu_type = j.gpu_type();
      if (GpuTypeOfSomePool(path + ".gpu_type", j.gpu_type(), *m) && j.gpus() >= 1) {
        CheckFits(path + ".gpus", j.gpus(), j.gpu_type());
      }
      spec.tenant = j.tenant().empty() ? std::string("default") : j.tenant();
      spec.priority = j.priority();
      ok &= Checkpointing(path, j, &spec);
      if (OptionalSeconds(path + ".estimated_duration_s", j.estimated_duration_s(),
                          " (the user's estimate of duration_s; 0 = none)")) {
        spec.estimate = SecondsToTime(j.estimated_duration_s());
      } else {
        ok = false;
      }
      ok &= Number(path + ".cpus", j.cpus(), Lower::kNonNegative, 1e9,
                   "must be >= 0 (CPU cores of the whole gang)", false);
      ok &= Number(path + ".memory_gb", j.memory_gb(), Lower::kNonNegative, 1e12,
                   "must be >= 0 (GB of the whole gang)", false);
      spec.cpus = j.cpus();
      spec.memory_gb = j.memory_gb();
      if (OptionalSeconds(path + ".deadline_s", j.deadline_s(),
                          " after submission (0 = no deadline)")) {
        spec.deadline = SecondsToTime(j.deadline_s());
      } else {
        ok = false;
      }
      if (ok) m->jobs.push_back(std::move(spec));
    }
    // Jobs submitted at or after the horizon are legal (a long job log cut to a shorter run)
    // but never run: say so rather than drop them silently.
    size_t late = 0;
    std::string first_late;
    for (int i = 0; i < w.jobs_size(); ++i) {
      if (m->horizon > 0 && SecondsToTime(w.jobs(i).submit_s()) >= m->horizon) {
        if (late++ == 0) {
          first_late = fmt::format("workload.jobs[{}] at {} s", i,
                                   FormatNumber(w.jobs(i).submit_s()));
        }
      }
    }
    if (late > 0) {
      m->warnings.push_back(fmt::format(
          "{}: {} job(s) submit at or after the horizon ({} s) and will not run (first: {})",
          loaded_.path, late, FormatNumber(TimeToSeconds(m->horizon)), first_late));
    }
  }

  // Trace sources: options checked, then the file streamed once so that every problem
  // (unreadable rows, submission order) is reported now with its line, not mid-run.
  // The fields every trace source shares (format, path, window, rescaling, settings).
  bool TraceSourceOf(const burnrate::v1::TraceSource& t, const std::string& path,
                     TraceSourceSpec* out) {
    TraceSourceSpec& spec = *out;
    bool ok = true;
    bool known = false;
    std::vector<std::string> names;
    for (const TraceFormat& f : TraceFormats()) {
      names.push_back(f.name);
      known |= f.name == t.format();
    }
    if (!known) {
      errors_.Add(path + ".format",
                  t.format().empty()
                      ? "is required; one of: " + JoinNames(names)
                      : fmt::format("unknown trace format {}; known: {}", Quoted(t.format()),
                                    JoinNames(names)));
      ok = false;
    }
    if (t.path().empty()) {
      errors_.Add(path + ".path", "is required; a trace file (plain or .gz), relative to the "
                                  "scenario file");
      ok = false;
    }
    ok &= OptionalSeconds(path + ".offset_s", t.offset_s(), " after the scenario start");
    ok &= Number(path + ".window_start_s", t.window_start_s(), Lower::kNonNegative, 1e13,
                 "must be >= 0 (seconds of the trace's clock; 0 = unbounded)", false);
    ok &= Number(path + ".window_end_s", t.window_end_s(), Lower::kNonNegative, 1e13,
                 "must be >= 0 (seconds of the trace's clock; 0 = unbounded)", false);
    if (t.window_end_s() > 0 && t.window_end_s() <= t.window_start_s()) {
      errors_.Add(path + ".window_end_s", "must be after window_start_s");
      ok = false;
    }
    const double compression = t.time_compression() == 0 ? 1.0 : t.time_compression();
    const double multiplier = t.load_multiplier() == 0 ? 1.0 : t.load_multiplier();
    ok &= Number(path + ".time_compression", compression, Lower::kPositive, 1e6,
                 "must be > 0 (default 1)", false);
    ok &= Number(path + ".load_multiplier", multiplier, Lower::kPositive, 1000,
                 "must be > 0 (default 1)", false);
    if (!ok) return false;
    const std::filesystem::path file(t.path());
    spec.path = t.path();
    if (file.is_relative() && !loaded_.base_dir.empty() && loaded_.base_dir != ".") {
      spec.path = (std::filesystem::path(loaded_.base_dir) / file).string();
    }
    if (!Confined(path + ".path", t.path())) return false;
    spec.format = t.format();
    spec.offset = SecondsToTime(t.offset_s());
    spec.window_start_s = t.window_start_s();
    spec.window_end_s = t.window_end_s();
    spec.statuses.assign(t.statuses().begin(), t.statuses().end());
    spec.vcs.assign(t.vcs().begin(), t.vcs().end());
    spec.time_compression = compression;
    spec.load_multiplier = multiplier;
    spec.lenient = t.lenient();
    for (const auto& [k, v] : t.settings()) spec.settings[k] = v;
    return true;
  }

  // A trace that cannot be opened: a bad setting is reported at TRACE.settings.<key>, anything
  // else (the file, its header) at TRACE.path.
  void TraceOpenError(const std::string& trace_path, const absl::Status& status) {
    const std::string setting = TraceSettingOf(status);
    errors_.Add(trace_path + (setting.empty() ? ".path" : ".settings." + setting),
                std::string(status.message()));
  }

  void Traces(ScenarioModel* m) {
    const auto& w = s_.workload();
    for (int i = 0; i < w.traces_size(); ++i) {
      const auto& t = w.traces(i);
      const std::string path = fmt::format("workload.traces[{}]", i);
      TraceSourceSpec spec;
      if (!TraceSourceOf(t, path, &spec)) continue;
      spec.gpu_type = t.gpu_type();
      spec.tenant = t.tenant();
      if (!spec.gpu_type.empty() && !GpuTypeOfSomePool(path + ".gpu_type", spec.gpu_type, *m)) {
        continue;
      }
      // Stream it once.
      auto stream = TraceStream::Open(spec.format, spec.path, TraceOptionsOf(spec, m->seed));
      if (!stream.ok()) {
        TraceOpenError(path, stream.status());
        continue;
      }
      TraceJob job;
      double previous = -std::numeric_limits<double>::infinity();
      uint64_t too_large = 0, jobs = 0;
      uint64_t largest = 0;
      for (const PoolCapacity& p : capacities_) largest = std::max(largest, p.gpus);
      while (true) {
        absl::StatusOr<bool> got = (*stream)->Next(&job);
        if (!got.ok()) {
          errors_.Add(path + ".path", std::string(got.status().message()));
          break;
        }
        if (!*got) break;
        if (job.submit_s < previous) {
          errors_.Add(path + ".path",
                      fmt::format("{}:{}: submitted at {} s, before the previous job ({} s): the "
                                  "trace must be in submission order (sort it by submit time)",
                                  spec.path, job.line, FormatNumber(job.submit_s),
                                  FormatNumber(previous)));
          break;
        }
        previous = job.submit_s;
        ++jobs;
        if (job.gpus > largest) ++too_large;
      }
      const TraceCounts& c = (*stream)->counts();
      if (c.bad_rows > 0) {
        std::string first;
        for (const std::string& e : c.first_errors) first += "\n  " + e;
        m->warnings.push_back(fmt::format("{}: {} skipped {} unreadable row(s) (lenient); the "
                                          "first:{}",
                                          loaded_.path, path, c.bad_rows, first));
      }
      if (too_large > 0) {
        m->warnings.push_back(fmt::format(
            "{}: {}: {} job(s) need more GPUs than the largest pool ({}); they will be dropped "
            "(counted as jobs_rejected)",
            loaded_.path, path, too_large, largest));
      }
      if (jobs == 0) {
        m->warnings.push_back(fmt::format("{}: {}: no job kept (check the window and filters)",
                                          loaded_.path, path));
      }
      m->traces.push_back(std::move(spec));
    }
  }

  void Generators(ScenarioModel* m) {
    const auto& w = s_.workload();
    for (int i = 0; i < w.generators_size(); ++i) {
      const auto& g = w.generators(i);
      const std::string path = fmt::format("workload.generators[{}]", i);
      GeneratorSpec spec;
      spec.name = g.name().empty() ? fmt::format("gen{}", i) : g.name();
      Number(path + ".arrivals_per_hour", g.arrivals_per_hour(), Lower::kPositive, 1e9,
             "must be > 0 (mean jobs per hour)");
      spec.arrivals_per_hour = g.arrivals_per_hour();
      spec.max_jobs = g.max_jobs();
      if (OptionalSeconds(path + ".start_s", g.start_s(), " after the scenario start")) {
        spec.start = SecondsToTime(g.start_s());
      }
      if (OptionalSeconds(path + ".end_s", g.end_s(), " after the scenario start; 0 = horizon")) {
        if (g.end_s() != 0 && g.end_s() < g.start_s()) {
          errors_.Add(path + ".end_s",
                      fmt::format("{} is before start_s {}; must be >= start_s, or 0 for the "
                                  "horizon",
                                  FormatNumber(g.end_s()), FormatNumber(g.start_s())));
        }
        spec.end = g.end_s() == 0 ? m->horizon : std::min(SecondsToTime(g.end_s()), m->horizon);
      }
      const bool type_ok = GpuTypeOfSomePool(path + ".gpu_type", g.gpu_type(), *m);
      spec.gpu_type = g.gpu_type();
      GpuCounts(g, path + ".gpus", type_ok, &spec);
      DurationOf(g, path + ".duration", &spec.duration);
      spec.tenant = g.tenant().empty() ? std::string("default") : g.tenant();
      spec.priority = g.priority();
      Checkpointing(path, g, &spec);
      Number(path + ".cpus_per_gpu", g.cpus_per_gpu(), Lower::kNonNegative, 1e6,
             "must be >= 0 (CPU cores per GPU)", false);
      Number(path + ".memory_gb_per_gpu", g.memory_gb_per_gpu(), Lower::kNonNegative, 1e9,
             "must be >= 0 (GB per GPU)", false);
      spec.cpus_per_gpu = g.cpus_per_gpu();
      spec.memory_gb_per_gpu = g.memory_gb_per_gpu();
      if (g.hourly_profile_size() > 0) {
        double sum = 0;
        bool profile_ok = g.hourly_profile_size() == 24;
        for (double rate : g.hourly_profile()) {
          profile_ok &= std::isfinite(rate) && rate >= 0;
          sum += rate;
        }
        if (!profile_ok || !(sum > 0)) {
          errors_.Add(path + ".hourly_profile",
                      g.hourly_profile_size() != 24
                          ? fmt::format("has {} values; must be 24 relative rates, one per hour "
                                        "of the day (UTC)",
                                        g.hourly_profile_size())
                          : std::string("must be 24 finite rates >= 0, not all 0"));
        } else {
          spec.hourly_profile.assign(g.hourly_profile().begin(), g.hourly_profile().end());
        }
      }
      m->generators.push_back(std::move(spec));
    }
  }

  void GpuCounts(const burnrate::v1::Generator& g, const std::string& path, bool check_fit,
                 GeneratorSpec* spec) {
    if (!g.has_gpus()) {
      errors_.Add(path,
                  "is required; a map with values (GPU counts, each >= 1) and optional "
                  "weights, e.g. {values: [1, 8], weights: [3, 1]}");
      return;
    }
    const auto& d = g.gpus();
    if (d.values_size() == 0) {
      errors_.Add(path + ".values", "is required; a non-empty list of GPU counts, each >= 1");
    }
    for (int k = 0; k < d.values_size(); ++k) {
      const std::string value_path = fmt::format("{}.values[{}]", path, k);
      if (d.values(k) < 1) {
        errors_.Add(value_path, "0 is not allowed; must be >= 1 (GPUs)");
      } else if (check_fit) {
        CheckFits(value_path, d.values(k), g.gpu_type());
      }
      spec->gpu_values.push_back(d.values(k));
    }
    if (d.weights_size() == 0) {
      spec->gpu_weights.assign(spec->gpu_values.size(), 1.0);
      return;
    }
    if (d.weights_size() != d.values_size()) {
      errors_.Add(path + ".weights",
                  fmt::format("has {} weights for {} values; give one weight per value, or none "
                              "for equal weights",
                              d.weights_size(), d.values_size()));
      return;
    }
    double sum = 0;
    bool ok = true;
    for (int k = 0; k < d.weights_size(); ++k) {
      ok &= Number(fmt::format("{}.weights[{}]", path, k), d.weights(k), Lower::kNonNegative, 1e300,
                   "must be >= 0 (a relative weight)", false);
      sum += d.weights(k);
      spec->gpu_weights.push_back(d.weights(k));
    }
    if (ok && !(sum > 0 && std::isfinite(sum))) {
      errors_.Add(path + ".weights",
                  "all weights are 0; at least one must be > 0 (weights are relative)");
    }
  }

  void DurationOf(const burnrate::v1::Generator& g, const std::string& path, DurationDist* out) {
    DistributionOf(g.has_duration(), g.duration(), path, "seconds", out);
  }

  // A DurationDistribution at `path`; `unit` names what its values are ("seconds", "tokens").
  void DistributionOf(bool present, const burnrate::v1::DurationDistribution& d,
                      const std::string& path, const std::string& unit, DurationDist* out) {
    using burnrate::v1::DurationDistribution;
    const std::string kinds =
        "set one of constant_s, exponential {mean_s}, lognormal {median_s, "
        "sigma} or empirical {path}";
    if (!present || d.kind_case() == DurationDistribution::KIND_NOT_SET) {
      errors_.Add(path, "is required; " + kinds);
      return;
    }
    const std::string positive = "must be > 0 (" + unit + ")";
    switch (d.kind_case()) {
      case DurationDistribution::kConstantS:
        out->kind = DurationDist::Kind::kConstant;
        out->constant_s = d.constant_s();
        Number(path + ".constant_s", d.constant_s(), Lower::kPositive, kMaxSeconds,
               positive);
        break;
      case DurationDistribution::kExponential:
        out->kind = DurationDist::Kind::kExponential;
        out->mean_s = d.exponential().mean_s();
        Number(path + ".exponential.mean_s", d.exponential().mean_s(), Lower::kPositive,
               kMaxSeconds, positive);
        break;
      case DurationDistribution::kLognormal: {
        out->kind = DurationDist::Kind::kLognormal;
        out->median_s = d.lognormal().median_s();
        out->sigma = d.lognormal().sigma();
        Number(path + ".lognormal.median_s", d.lognormal().median_s(), Lower::kPositive,
               kMaxSeconds, positive);
        const std::string sigma_path = path + ".lognormal.sigma";
        const std::string allowed =
            "must be >= 0 (the standard deviation of ln(duration); 0 = every job runs median_s)";
        if (!loaded_.lines.empty() && !Written(sigma_path)) {
          errors_.Add(sigma_path, "is required; " + allowed);
        } else {
          Number(sigma_path, d.lognormal().sigma(), Lower::kNonNegative, 100, allowed, false);
        }
        break;
      }
      case DurationDistribution::kEmpirical:
        out->kind = DurationDist::Kind::kEmpirical;
        Empirical(d.empirical(), path + ".empirical", out);
        break;
      case DurationDistribution::KIND_NOT_SET:
        break;
    }
    bool bounds_ok = OptionalSeconds(path + ".min_s", d.min_s(), "; 0 = no lower bound");
    bounds_ok &= OptionalSeconds(path + ".max_s", d.max_s(), "; 0 = no upper bound");
    if (bounds_ok && d.min_s() != 0 && d.max_s() != 0 && d.min_s() > d.max_s()) {
      errors_.Add(path + ".min_s", fmt::format("{} is greater than max_s {}; must be <= max_s",
                                               FormatNumber(d.min_s()), FormatNumber(d.max_s())));
    }
    out->min_s = d.min_s();
    out->max_s = d.max_s();
  }

  void Empirical(const burnrate::v1::Empirical& e, const std::string& path, DurationDist* out) {
    bool ok = true;
    if (e.values_s_size() > 0) {
      if (!e.path().empty()) {
        errors_.Add(path + ".values_s", "is given with path; give either values_s or path");
        return;
      }
      for (int i = 0; i < e.values_s_size(); ++i) {
        const double v = e.values_s(i);
        if (!std::isfinite(v) || v < 0) {
          errors_.Add(fmt::format("{}.values_s[{}]", path, i),
                      fmt::format("{} is not allowed; must be a finite number >= 0 (seconds)",
                                  FormatNumber(v)));
          return;
        }
        out->samples_s.push_back(std::min(v, kMaxSeconds));
      }
      return;
    }
    if (e.path().empty()) {
      errors_.Add(path + ".path",
                  "is required; a file of durations, relative to the scenario "
                  "file (one number per line, or a CSV column)");
      ok = false;
    }
    double scale = 1;
    if (e.scale() != 0) {
      scale = e.scale();
      ok &= Number(path + ".scale", e.scale(), Lower::kPositive, 1e12,
                   "must be > 0 (seconds per unit in the file, e.g. 60 for minutes; default 1)",
                   false);
    }
    if (!ok) return;
    const std::filesystem::path file(e.path());
    std::string resolved = e.path();
    if (file.is_relative() && !loaded_.base_dir.empty() && loaded_.base_dir != ".") {
      resolved = (std::filesystem::path(loaded_.base_dir) / file).string();
    }
    if (!Confined(path + ".path", e.path())) return;
    EmpiricalSamples samples = ReadEmpiricalSamples(resolved, e.column(), scale);
    for (const std::string& error : samples.errors) errors_.Add(path + ".path", error);
    if (samples.errors.empty()) {
      for (double& v : samples.seconds) v = std::min(v, kMaxSeconds);
      out->samples_s = std::move(samples.seconds);
    }
  }

  // With LoadedScenario::confine_paths: `file` must resolve inside base_dir (lexically and
  // through symlinks). Adds an error and returns false otherwise.
  bool Confined(const std::string& field, const std::string& file) {
    if (!loaded_.confine_paths) return true;
    const std::filesystem::path f(file);
    const std::string base = loaded_.base_dir.empty() ? "." : loaded_.base_dir;
    std::error_code ec;
    const auto root = std::filesystem::weakly_canonical(base, ec);
    const auto full = std::filesystem::weakly_canonical(std::filesystem::path(base) / f, ec);
    const auto rel = full.lexically_relative(root);
    const bool inside = !f.is_absolute() && !ec && !rel.empty() && *rel.begin() != "..";
    if (!inside) {
      errors_.Add(field, "\"" + file + "\" is outside the server's data directory; name a file "
                         "inside it with a relative path");
    }
    return inside;
  }

  void Tenants(ScenarioModel* m) {
    const auto& w = s_.workload();
    std::map<std::string, std::string> seen;
    for (int i = 0; i < w.tenants_size(); ++i) {
      const auto& t = w.tenants(i);
      const std::string path = fmt::format("workload.tenants[{}]", i);
      TenantSpec spec;
      bool ok = true;
      if (t.name().empty()) {
        errors_.Add(path + ".name", "is required; the tenant name jobs give in `tenant`");
        ok = false;
      } else if (auto [it, fresh] = seen.emplace(t.name(), path); !fresh) {
        errors_.Add(path + ".name", fmt::format("duplicate tenant {} (also {})",
                                                Quoted(t.name()), it->second));
        ok = false;
      }
      spec.name = t.name();
      const double weight = Written(path + ".weight") ? t.weight() : 1.0;
      ok &= Number(path + ".weight", weight, Lower::kPositive, 1e6,
                   "must be > 0 and <= 1e6 (relative share; default 1)", false);
      spec.weight = weight;
      spec.quota_gpus = t.quota_gpus();
      spec.max_gpus = t.max_gpus();
      if (spec.max_gpus > 0 && spec.max_gpus < spec.quota_gpus) {
        errors_.Add(path + ".max_gpus",
                    fmt::format("{} is below quota_gpus {}; must be >= quota_gpus, or 0 for no "
                                "limit",
                                spec.max_gpus, spec.quota_gpus));
        ok = false;
      }
      if (ok) m->tenants.push_back(std::move(spec));
    }
  }

  void Services(ScenarioModel* m) {
    const auto& w = s_.workload();
    std::map<std::string, std::string> seen;
    for (int i = 0; i < w.services_size(); ++i) {
      const burnrate::v1::Service& v = w.services(i);
      const std::string path = fmt::format("workload.services[{}]", i);
      ServiceSpec spec;
      bool ok = true;
      if (v.name().empty()) {
        errors_.Add(path + ".name", "is required; a unique service name");
        ok = false;
      } else if (auto [it, fresh] = seen.emplace(v.name(), path); !fresh) {
        errors_.Add(path + ".name", fmt::format("duplicate service {} (also {})",
                                                Quoted(v.name()), it->second));
        ok = false;
      }
      spec.name = v.name();
      spec.model = v.model();
      spec.tenant = v.tenant().empty() ? "service:" + v.name() : v.tenant();
      spec.gpus_per_replica = v.gpus_per_replica() == 0 ? 1 : v.gpus_per_replica();
      if (v.gpus_per_replica() > 64 || (v.gpus_per_replica() == 0 &&
                                        Written(path + ".gpus_per_replica"))) {
        errors_.Add(path + ".gpus_per_replica",
                    fmt::format("{} is not allowed; must be 1..64 (GPUs of one replica, on one "
                                "node; default 1)",
                                v.gpus_per_replica()));
        ok = false;
      }
      for (int k = 0; k < v.gpu_types_size(); ++k) {
        ok &= GpuTypeOfSomePool(fmt::format("{}.gpu_types[{}]", path, k), v.gpu_types(k), *m);
        spec.gpu_types.push_back(v.gpu_types(k));
      }
      std::map<std::string, double> speeds;
      for (const auto& [type, speed] : v.speed_by_gpu_type()) {
        const std::string at = path + ".speed_by_gpu_type." + type;
        if (m->catalog.Find(type) == nullptr) {
          errors_.Add(at, fmt::format("unknown GPU type {}; known: {}", Quoted(type),
                                      JoinNames(m->catalog.Names())));
          ok = false;
          continue;
        }
        ok &= Number(at, speed, Lower::kPositive, 1e6,
                     "must be > 0 and <= 1e6 (serving speed relative to the reference GPU)");
        speeds[type] = speed;
      }
      // Per pool: its serving speed, or 0 when the pool may not hold a replica.
      bool any_pool = false;
      for (const PoolSpec& p : m->pools) {
        const bool type_ok =
            spec.gpu_types.empty() ||
            std::find(spec.gpu_types.begin(), spec.gpu_types.end(), p.gpu_type) !=
                spec.gpu_types.end();
        double speed = 0;
        if (type_ok && p.gpus_per_node >= spec.gpus_per_replica) {
          auto it = speeds.find(p.gpu_type);
          speed = it != speeds.end() ? it->second : p.training_speed;
        }
        any_pool |= speed > 0;
        spec.pool_speed.push_back(speed);
      }
      if (ok && !m->pools.empty() && !any_pool) {
        errors_.Add(path + ".gpus_per_replica",
                    fmt::format("no pool can hold a replica of {} GPUs{}: a replica runs on one "
                                "node; use fewer GPUs per replica or a pool with larger nodes",
                                spec.gpus_per_replica,
                                spec.gpu_types.empty() ? std::string()
                                                       : " of the allowed gpu_types"));
        ok = false;
      }
      spec.concurrency = v.concurrency() == 0 ? 1 : v.concurrency();
      if (v.concurrency() > 1'000'000 ||
          (v.concurrency() == 0 && Written(path + ".concurrency"))) {
        errors_.Add(path + ".concurrency",
                    fmt::format("{} is not allowed; must be 1..1000000 (requests one replica "
                                "serves at once; default 1)",
                                v.concurrency()));
        ok = false;
      }
      const bool is_trace = v.load().has_trace();
      const bool replay = v.has_replica_trace();
      if (replay) {
        ok &= ReplicaTimelineOf(v.replica_trace(), path + ".replica_trace", &spec);
      }
      if (replay && !v.has_tokens() && !v.has_service_time()) {
        // Replicas only (no requests unless a load is given): a nominal service time.
        spec.service_time.kind = DurationDist::Kind::kConstant;
        spec.service_time.constant_s = 1;
      } else if (v.has_tokens() == v.has_service_time()) {
        errors_.Add(path, v.has_tokens() ? "gives both service_time and tokens; give one"
                                         : "needs service_time (seconds per request) or tokens "
                                           "(the token throughput model)");
        ok = false;
      } else if (v.has_service_time()) {
        DistributionOf(true, v.service_time(), path + ".service_time", "seconds",
                       &spec.service_time);
      } else {
        spec.token_model = true;
        const auto& t = v.tokens();
        spec.prefill_tokens_per_s = t.prefill_tokens_per_s();
        spec.decode_tokens_per_s = t.decode_tokens_per_s();
        ok &= Number(path + ".tokens.prefill_tokens_per_s", t.prefill_tokens_per_s(),
                     Lower::kPositive, 1e12, "must be > 0 (prompt tokens per second of a slot)");
        ok &= Number(path + ".tokens.decode_tokens_per_s", t.decode_tokens_per_s(),
                     Lower::kPositive, 1e12,
                     "must be > 0 (generated tokens per second of a slot)");
        // A trace with tokens needs no distributions; given ones serve requests without.
        if (t.has_input_tokens() || !is_trace) {
          DistributionOf(t.has_input_tokens(), t.input_tokens(), path + ".tokens.input_tokens",
                         "tokens", &spec.input_tokens);
        }
        if (t.has_output_tokens() || !is_trace) {
          DistributionOf(t.has_output_tokens(), t.output_tokens(),
                         path + ".tokens.output_tokens", "tokens", &spec.output_tokens);
        }
      }
      // A lognormal spread beyond sigma 5 has a mean over 2e5 times its median (sigma 38
      // overflows a double): nothing a server does, and the fluid model's moments explode.
      const auto spread_ok = [&](const DurationDist& d, const std::string& at) {
        if (d.kind != DurationDist::Kind::kLognormal || d.sigma <= 5) return true;
        const double ratio = std::exp(d.sigma * d.sigma / 2);
        errors_.Add(at + ".lognormal.sigma",
                    fmt::format("{} is too large for a service; must be <= 5 (the mean would be "
                                "exp(sigma^2/2) = {} times the median); clip with max_s or use "
                                "an empirical distribution",
                                FormatNumber(d.sigma),
                                std::isfinite(ratio) ? fmt::format("{:.3g}", ratio)
                                                     : std::string("more than 1e308")));
        return false;
      };
      ok &= spread_ok(spec.service_time, path + ".service_time");
      ok &= spread_ok(spec.input_tokens, path + ".tokens.input_tokens");
      ok &= spread_ok(spec.output_tokens, path + ".tokens.output_tokens");
      ok &= Number(path + ".cold_start_s", v.cold_start_s(), Lower::kNonNegative, 86400,
                   "must be 0..86400 (seconds from placement to serving; default 0)", false);
      spec.cold_start = SecondsToTime(v.cold_start_s());
      spec.min_replicas = v.min_replicas();
      spec.max_replicas = v.max_replicas();
      uint32_t trace_peak = 0;
      for (const auto& [t, n] : spec.replica_timeline) trace_peak = std::max(trace_peak, n);
      if (replay && v.max_replicas() == 0) spec.max_replicas = std::max(trace_peak, 1u);
      if (spec.max_replicas == 0) {
        errors_.Add(path + ".max_replicas", "is required; >= 1 and >= min_replicas");
        ok = false;
      } else if (spec.max_replicas < v.min_replicas()) {
        errors_.Add(path + ".max_replicas",
                    fmt::format("{} is below min_replicas {}; must be >= min_replicas",
                                spec.max_replicas, v.min_replicas()));
        ok = false;
      } else if (spec.max_replicas > 1'000'000) {
        errors_.Add(path + ".max_replicas",
                    fmt::format("{} is not allowed; at most 1000000", spec.max_replicas));
        ok = false;
      }
      const uint32_t trace_initial =
          !spec.replica_timeline.empty() && spec.replica_timeline.front().first == 0
              ? spec.replica_timeline.front().second
              : 0;
      spec.initial_replicas =
          Written(path + ".initial_replicas") || v.initial_replicas() > 0 ? v.initial_replicas()
          : replay ? std::clamp(trace_initial, v.min_replicas(),
                                std::max(spec.max_replicas, v.min_replicas()))
                   : std::min(std::max(v.min_replicas(), 1u), std::max(spec.max_replicas, 1u));
      if (spec.max_replicas >= spec.min_replicas &&
          (spec.initial_replicas < spec.min_replicas ||
           (spec.max_replicas > 0 && spec.initial_replicas > spec.max_replicas))) {
        errors_.Add(path + ".initial_replicas",
                    fmt::format("{} is outside [min_replicas, max_replicas] = [{}, {}]",
                                spec.initial_replicas, spec.min_replicas, spec.max_replicas));
        ok = false;
      }
      if (v.has_slo()) {
        const auto& slo = v.slo();
        ok &= Number(path + ".slo.latency_s", slo.latency_s(), Lower::kPositive, kMaxSeconds,
                     "must be > 0 (seconds a request may take)");
        if (slo.latency_s() > 0 && slo.latency_s() < 1e-6) {
          errors_.Add(path + ".slo.latency_s",
                      fmt::format("{} is below the clock's resolution; must be >= 1e-6 (seconds)",
                                  FormatNumber(slo.latency_s())));
          ok = false;
        }
        spec.slo_latency_s = slo.latency_s();
        const double target = Written(path + ".slo.attainment") || slo.attainment() != 0
                                  ? slo.attainment()
                                  : 0.99;
        if (!(target > 0 && target <= 1)) {
          errors_.Add(path + ".slo.attainment",
                      fmt::format("{} is not allowed; must be in (0, 1] (share of requests "
                                  "within latency_s, e.g. 0.99; default 0.99)",
                                  FormatNumber(target)));
          ok = false;
        }
        spec.slo_attainment_target = target;
        spec.slo_on_ttft = slo.time_to_first_token();
        if (spec.slo_on_ttft && !v.has_tokens()) {
          errors_.Add(path + ".slo.time_to_first_token",
                      "needs the token model (tokens); a service_time has no first token");
          ok = false;
        }
      }
      ok &= Number(path + ".max_wait_s", v.max_wait_s(), Lower::kNonNegative, 1e7,
                   "must be 0..1e7 (seconds a request may wait; 0 = no limit)", false);
      if (v.max_wait_s() > 0 && v.max_wait_s() < 1e-6) {
        errors_.Add(path + ".max_wait_s",
                    fmt::format("{} is below the clock's resolution; must be 0 (no limit) or "
                                ">= 1e-6 (seconds)",
                                FormatNumber(v.max_wait_s())));
        ok = false;
      }
      spec.max_wait = SecondsToTime(v.max_wait_s());
      spec.preempt_training = v.preempt_training();
      const auto& r = v.revenue();
      ok &= Number(path + ".revenue.usd_per_request", r.usd_per_request(), Lower::kNonNegative,
                   1e9, "must be >= 0 (USD)", false);
      ok &= Number(path + ".revenue.usd_per_1k_input_tokens", r.usd_per_1k_input_tokens(),
                   Lower::kNonNegative, 1e9, "must be >= 0 (USD)", false);
      ok &= Number(path + ".revenue.usd_per_1k_output_tokens", r.usd_per_1k_output_tokens(),
                   Lower::kNonNegative, 1e9, "must be >= 0 (USD)", false);
      if (!v.has_tokens() &&
          (r.usd_per_1k_input_tokens() > 0 || r.usd_per_1k_output_tokens() > 0)) {
        errors_.Add(path + ".revenue",
                    "prices tokens but the service has no token model (tokens); use "
                    "usd_per_request, or give tokens");
        ok = false;
      }
      spec.usd_per_request = r.usd_per_request();
      spec.usd_per_1k_input_tokens = r.usd_per_1k_input_tokens();
      spec.usd_per_1k_output_tokens = r.usd_per_1k_output_tokens();
      if (!v.routing().empty()) {
        const auto& names = RoutingNames();
        if (std::find(names.begin(), names.end(), v.routing()) == names.end()) {
          errors_.Add(path + ".routing", fmt::format("unknown routing {}; allowed: {}",
                                                     Quoted(v.routing()), JoinNames(names)));
          ok = false;
        }
        spec.routing = v.routing();
      }
      if (!v.autoscaler().name().empty()) {
        spec.autoscaler = v.autoscaler().name();
      } else if (replay) {
        spec.autoscaler = "replica-trace";
      }
      if (spec.autoscaler == "replica-trace" && !replay) {
        errors_.Add(path + ".autoscaler.name",
                    "replica-trace replays replica_trace, which this service does not give");
        ok = false;
      }
      for (const auto& [k, val] : v.autoscaler().args()) spec.autoscaler_args[k] = val;
      ok &= AutoscalerOk(path + ".autoscaler", spec.autoscaler, spec.autoscaler_args);
      if (spec.autoscaler == "fixed" && spec.autoscaler_args.count("replicas") > 0) {
        double n = 0;
        const std::string& text = spec.autoscaler_args.at("replicas");
        if (absl::SimpleAtod(text, &n) && std::isfinite(n) &&
            (n != std::floor(n) || (n > 0 && spec.max_replicas > 0 && n > spec.max_replicas) ||
             (n > 0 && n < spec.min_replicas))) {
          errors_.Add(path + ".autoscaler.args.replicas",
                      fmt::format("\"{}\" is not allowed; a whole number of replicas in "
                                  "[min_replicas, max_replicas] = [{}, {}], or 0 for "
                                  "initial_replicas",
                                  text, spec.min_replicas, spec.max_replicas));
          ok = false;
        }
      }
      if (v.autoscaler().interval_s() != 0 || Written(path + ".autoscaler.interval_s")) {
        ok &= Number(path + ".autoscaler.interval_s", v.autoscaler().interval_s(), Lower::kPositive,
                     86400, "must be 1..86400 (seconds between decisions; default 60)");
        if (v.autoscaler().interval_s() > 0 && v.autoscaler().interval_s() < 1) {
          errors_.Add(path + ".autoscaler.interval_s", "must be >= 1 (seconds)");
          ok = false;
        }
        spec.autoscale_interval = SecondsToTime(v.autoscaler().interval_s());
      }
      if (v.fidelity().empty() || v.fidelity() == "request") {
        spec.fidelity = ServiceSpec::Fidelity::kRequest;
      } else if (v.fidelity() == "fluid") {
        spec.fidelity = ServiceSpec::Fidelity::kFluid;
      } else {
        errors_.Add(path + ".fidelity",
                    fmt::format("unknown fidelity {}; allowed: request (every request "
                                "simulated), fluid (per time step)",
                                Quoted(v.fidelity())));
        ok = false;
      }
      if (v.fluid_step_s() != 0 || Written(path + ".fluid_step_s")) {
        if (!(v.fluid_step_s() >= 1 && v.fluid_step_s() <= 86400)) {
          errors_.Add(path + ".fluid_step_s",
                      fmt::format("{} is not allowed; must be 1..86400 (seconds; default 60)",
                                  FormatNumber(v.fluid_step_s())));
          ok = false;
        } else {
          spec.fluid_step = SecondsToTime(v.fluid_step_s());
        }
      }
      ok &= LoadOf(v, path + ".load", m, &spec);
      if (ok && spec.fidelity == ServiceSpec::Fidelity::kFluid) {
        std::set<double> distinct;
        for (double sp : spec.pool_speed) {
          if (sp > 0) distinct.insert(sp);
        }
        if (distinct.size() > 1) {
          m->warnings.push_back(fmt::format(
              "{}: {}: fidelity fluid with pools of {} different serving speeds: the fluid "
              "model serves at their average speed, so its latency percentiles are approximate "
              "(use fidelity: request, or one gpu_types entry)",
              loaded_.path, path, distinct.size()));
        }
      }
      if (ok) m->services.push_back(std::move(spec));
    }
  }

  // Service.replica_trace: every row an instance live over [submit, submit + duration) (trace
  // time, shifted by offset_s); the timeline of live counts. Reads the whole file (any order).
  bool ReplicaTimelineOf(const burnrate::v1::TraceSource& t, const std::string& path,
                         ServiceSpec* spec) {
    TraceSourceSpec ts;
    if (!TraceSourceOf(t, path, &ts)) return false;
    // The window clips live intervals (an instance created before window_start but alive in
    // it counts) and time_compression scales whole intervals, so the stream gets neither.
    TraceSourceSpec whole = ts;
    whole.window_start_s = 0;
    whole.window_end_s = 0;
    whole.time_compression = 1;
    const double window_start = ts.window_start_s;
    const double window_end =
        ts.window_end_s > 0 ? ts.window_end_s : std::numeric_limits<double>::infinity();
    auto stream = TraceStream::Open(whole.format, whole.path, TraceOptionsOf(whole, 1));
    if (!stream.ok()) {
      TraceOpenError(path, stream.status());
      return false;
    }
    std::vector<std::pair<SimTime, int>> changes;
    const double offset_s = TimeToSeconds(ts.offset);
    TraceJob job;
    while (true) {
      absl::StatusOr<bool> got = (*stream)->Next(&job);
      if (!got.ok()) {
        errors_.Add(path + ".path", std::string(got.status().message()));
        return false;
      }
      if (!*got) break;
      // Trace time -> simulated time: window_start at offset_s, compressed.
      const double from = std::max(job.submit_s, window_start);
      const double to = std::min(job.submit_s + job.duration_s, window_end);
      if (!(to > from)) continue;
      const double begin_s =
          std::min(offset_s + (from - window_start) / ts.time_compression, kMaxSeconds);
      const double end_s =
          std::min(offset_s + (to - window_start) / ts.time_compression, kMaxSeconds);
      if (!(end_s > begin_s)) continue;
      changes.emplace_back(SecondsToTime(begin_s), +1);
      changes.emplace_back(SecondsToTime(end_s), -1);
    }
    if (changes.empty()) {
      errors_.Add(path + ".path",
                  fmt::format("{}: no instance kept (check vcs, statuses and the window)",
                              ts.path));
      return false;
    }
    std::sort(changes.begin(), changes.end());
    int64_t live = 0;
    spec->replica_timeline.emplace_back(0, 0);
    for (size_t i = 0; i < changes.size();) {
      const SimTime at = changes[i].first;
      for (; i < changes.size() && changes[i].first == at; ++i) live += changes[i].second;
      const uint32_t n = static_cast<uint32_t>(std::clamp<int64_t>(live, 0, 1'000'000));
      if (spec->replica_timeline.back().first == at) {
        spec->replica_timeline.back().second = n;
      } else if (spec->replica_timeline.back().second != n) {
        spec->replica_timeline.emplace_back(at, n);
      }
    }
    return true;
  }

  bool LoadOf(const burnrate::v1::Service& v, const std::string& path, const ScenarioModel* m,
              ServiceSpec* spec) {
    if (!v.has_load() && v.has_replica_trace()) {
      spec->load.kind = LoadSpec::Kind::kConstant;  // replicas only: no requests
      return true;
    }
    if (!v.has_load()) {
      errors_.Add(path, "is required; requests_per_s (with optional hourly_profile, "
                        "weekly_profile, noise_sigma) or trace");
      return false;
    }
    const auto& l = v.load();
    LoadSpec& out = spec->load;
    bool ok = true;
    if (l.has_trace()) {
      out.kind = LoadSpec::Kind::kTrace;
      if (l.requests_per_s() != 0 || l.hourly_profile_size() > 0 || l.weekly_profile_size() > 0 ||
          l.noise_sigma() != 0) {
        errors_.Add(path + ".trace",
                    "is given with requests_per_s, a profile or noise_sigma, which shape a "
                    "generated rate; give either the trace or the rate");
        return false;
      }
      if (!TraceSourceOf(l.trace(), path + ".trace", &out.trace)) return false;
      if (out.trace.format != "azure-llm") {
        errors_.Add(path + ".trace.format",
                    fmt::format("{} is not a request trace; a service's load reads azure-llm "
                                "(timestamps and token counts)",
                                Quoted(out.trace.format)));
        return false;
      }
      // Stream it once: a bad row or a request out of order is an error now, not mid-run.
      auto stream = TraceStream::Open(out.trace.format, out.trace.path,
                                      TraceOptionsOf(out.trace, m->seed));
      if (!stream.ok()) {
        TraceOpenError(path + ".trace", stream.status());
        return false;
      }
      TraceJob job;
      double previous = -std::numeric_limits<double>::infinity();
      while (true) {
        absl::StatusOr<bool> got = (*stream)->Next(&job);
        if (!got.ok()) {
          errors_.Add(path + ".trace.path", std::string(got.status().message()));
          return false;
        }
        if (!*got) break;
        if (job.submit_s < previous) {
          errors_.Add(path + ".trace.path",
                      fmt::format("{}:{}: a request at {} s, before the previous one ({} s): "
                                  "the trace must be in time order",
                                  out.trace.path, job.line, FormatNumber(job.submit_s),
                                  FormatNumber(previous)));
          return false;
        }
        previous = job.submit_s;
      }
      return true;
    }
    out.kind = l.hourly_profile_size() > 0 || l.weekly_profile_size() > 0 || l.noise_sigma() > 0
                   ? LoadSpec::Kind::kProfile
                   : LoadSpec::Kind::kConstant;
    ok &= Number(path + ".requests_per_s", l.requests_per_s(), Lower::kNonNegative, 1e9,
                 "must be 0..1e9 (mean requests per second; or give a trace)");
    out.requests_per_s = l.requests_per_s();
    const auto profile = [&](const auto& values, int n, const std::string& at,
                             const std::string& what, std::vector<double>* dst) {
      if (values.size() == 0) return;
      if (values.size() != n) {
        errors_.Add(at, fmt::format("has {} values; give {} ({}), or none for a flat load",
                                    values.size(), n, what));
        ok = false;
        return;
      }
      double sum = 0;
      for (int k = 0; k < n; ++k) {
        ok &= Number(fmt::format("{}[{}]", at, k), values[k], Lower::kNonNegative, 1e12,
                     "must be >= 0 (a relative rate)", false);
        sum += values[k];
        dst->push_back(values[k]);
      }
      if (ok && !(sum > 0)) {
        errors_.Add(at, "all values are 0; at least one must be > 0 (rates are relative)");
        ok = false;
      }
    };
    profile(l.hourly_profile(), 24, path + ".hourly_profile", "one per hour of the day, UTC",
            &out.hourly_profile);
    profile(l.weekly_profile(), 7, path + ".weekly_profile", "one per day, Monday first",
            &out.weekly_profile);
    ok &= Number(path + ".noise_sigma", l.noise_sigma(), Lower::kNonNegative, 5,
                 "must be 0..5 (sigma of the hourly lognormal factor; 0 = no noise)", false);
    out.noise_sigma = l.noise_sigma();
    return ok;
  }

  // Checks an autoscaler name and its arguments; errors name path.name or path.args.<arg>.
  bool AutoscalerOk(const std::string& path, const std::string& name,
                    const std::map<std::string, std::string>& args) {
    auto made = MakeAutoscaler(name, args);
    if (made.ok()) return true;
    const std::string msg(made.status().message());
    const size_t colon = msg.find(": ");
    if (msg.rfind("unknown autoscaler", 0) == 0 || colon == std::string::npos) {
      errors_.Add(path + ".name", msg);
    } else {
      errors_.Add(path + ".args." + msg.substr(0, colon), msg.substr(colon + 2));
    }
    return false;
  }

  // Checks a policy's arguments against its declaration; errors name path.<kind>_args.<arg>.
  bool PolicyArgsOk(const std::string& path, const std::string& kind, const std::string& name,
                    const std::map<std::string, std::string>& args) {
    const absl::Status st = kind == "queue" ? CheckQueuePolicyArgs(name, args)
                                            : CheckPlacementPolicyArgs(name, args);
    if (st.ok()) return true;
    const std::string msg(st.message());
    const size_t colon = msg.find(": ");
    if (colon == std::string::npos) {
      errors_.Add(path + "." + kind + "_args", msg);
    } else {
      errors_.Add(path + "." + kind + "_args." + msg.substr(0, colon), msg.substr(colon + 2));
    }
    return false;
  }

  void Policies(ScenarioModel* m) {
    if (s_.policies_size() == 0) {
      m->policies.push_back(PolicySpec{"fifo", "first-fit"});
      return;
    }
    std::map<std::string, std::string> seen;  // "queue+placement" -> path
    for (int i = 0; i < s_.policies_size(); ++i) {
      const auto& p = s_.policies(i);
      const std::string path = fmt::format("policies[{}]", i);
      PolicySpec spec;
      spec.queue = p.queue();
      spec.placement = p.placement().empty() ? std::string("first-fit") : p.placement();
      bool ok = true;
      if (p.queue().empty()) {
        errors_.Add(path + ".queue", "is required; one of: " + PolicyNames(QueuePolicies()));
        ok = false;
      } else if (!IsQueuePolicy(p.queue())) {
        errors_.Add(path + ".queue", fmt::format("unknown queue policy {}; known: {}",
                                                 Quoted(p.queue()), PolicyNames(QueuePolicies())));
        ok = false;
      }
      if (!IsPlacementPolicy(spec.placement)) {
        errors_.Add(path + ".placement",
                    fmt::format("unknown placement policy {}; known: {} (default first-fit)",
                                Quoted(spec.placement), PolicyNames(PlacementPolicies())));
        ok = false;
      }
      if (!p.scaling().empty()) spec.scaling = p.scaling();
      if (!IsScalingPolicy(spec.scaling)) {
        errors_.Add(path + ".scaling",
                    fmt::format("unknown scaling policy {}; known: {} (default in-order)",
                                Quoted(spec.scaling), PolicyNames(ScalingPolicies())));
        ok = false;
      }
      if (!ok) continue;
      for (const auto& [k, v] : p.queue_args()) spec.queue_args[k] = v;
      for (const auto& [k, v] : p.placement_args()) spec.placement_args[k] = v;
      if (p.has_inference_preempts_training()) {
        spec.inference_preemption = p.inference_preempts_training() ? 1 : 0;
      }
      if (p.has_autoscaler()) {
        spec.autoscaler = p.autoscaler().name();
        for (const auto& [k, v] : p.autoscaler().args()) spec.autoscaler_args[k] = v;
        if (spec.autoscaler.empty()) {
          errors_.Add(path + ".autoscaler.name", "is required; `burnrate help autoscalers`");
          ok = false;
        } else if (!AutoscalerOk(path + ".autoscaler", spec.autoscaler, spec.autoscaler_args)) {
          ok = false;
        } else if (spec.autoscaler == "replica-trace") {
          errors_.Add(path + ".autoscaler.name",
                      "replica-trace belongs to a service with a replica_trace; not per run");
          ok = false;
        }
      }
      ok &= PolicyArgsOk(path, "queue", spec.queue, spec.queue_args);
      ok &= PolicyArgsOk(path, "placement", spec.placement, spec.placement_args);
      if (!ok) continue;
      if (auto [it, fresh] = seen.emplace(spec.Name(), path); !fresh) {
        errors_.Add(path, fmt::format("duplicate policy {} (also {}); list each queue + placement "
                                      "(+ scaling) combination once",
                                      spec.Name(), it->second));
        continue;
      }
      m->policies.push_back(std::move(spec));
    }
  }

  void Plan(ScenarioModel* m) {
    if (!s_.has_plan()) return;
    const auto& plan = s_.plan();
    PlanSpec& spec = m->plan;
    spec.present = true;
    if (plan.dimensions_size() == 0) {
      errors_.Add("plan.dimensions", "is required; at least one {pool, nodes: [...]} or {pool, "
                                     "min_nodes, max_nodes, step}");
    }
    uint64_t grid = 1;
    std::set<std::string> seen;
    for (int i = 0; i < plan.dimensions_size(); ++i) {
      const auto& d = plan.dimensions(i);
      const std::string path = fmt::format("plan.dimensions[{}]", i);
      PlanDimensionSpec dim;
      auto it = std::find_if(m->pools.begin(), m->pools.end(),
                             [&](const PoolSpec& p) { return p.name == d.pool(); });
      if (it == m->pools.end()) {
        std::vector<std::string> names;
        for (const PoolSpec& p : m->pools) names.push_back(p.name);
        errors_.Add(path + ".pool", fmt::format("{} is not a pool of the scenario; pools: {}",
                                                Quoted(d.pool()), JoinNames(names)));
        continue;
      }
      if (!seen.insert(d.pool()).second) {
        errors_.Add(path + ".pool", fmt::format("pool {} is sized twice; give each pool once",
                                                Quoted(d.pool())));
        continue;
      }
      dim.pool = static_cast<uint32_t>(it - m->pools.begin());
      if (d.nodes_size() > 0) {
        if (d.min_nodes() != 0 || d.max_nodes() != 0 || d.step() != 0) {
          errors_.Add(path, "give either nodes (a list) or min_nodes/max_nodes/step, not both");
          continue;
        }
        dim.candidates.assign(d.nodes().begin(), d.nodes().end());
      } else {
        const uint32_t step = d.step() == 0 ? 1 : d.step();
        if (d.max_nodes() < d.min_nodes() || d.max_nodes() == 0) {
          errors_.Add(path + ".max_nodes",
                      fmt::format("{} is not allowed; give nodes: [...] or max_nodes >= min_nodes "
                                  "({}) and > 0",
                                  d.max_nodes(), d.min_nodes()));
          continue;
        }
        for (uint64_t n = d.min_nodes(); n <= d.max_nodes(); n += step) {
          dim.candidates.push_back(static_cast<uint32_t>(n));
        }
      }
      std::sort(dim.candidates.begin(), dim.candidates.end());
      dim.candidates.erase(std::unique(dim.candidates.begin(), dim.candidates.end()),
                           dim.candidates.end());
      if (dim.candidates.back() > kMaxNodesPerPool) {
        errors_.Add(path, fmt::format("{} nodes is too many; at most {}", dim.candidates.back(),
                                      kMaxNodesPerPool));
        continue;
      }
      const PoolSpec& sized = *it;
      if (d.spare_nodes_size() > 0) {
        if (sized.autoscale || sized.pricing == PricingModel::kSpot) {
          errors_.Add(path + ".spare_nodes",
                      fmt::format("pool {} is {}; spare nodes are for fixed-size on_demand, "
                                  "reserved or owned pools",
                                  Quoted(d.pool()), sized.autoscale ? "autoscaled" : "spot"));
          continue;
        }
        dim.varies_spares = true;
        dim.spare_candidates.assign(d.spare_nodes().begin(), d.spare_nodes().end());
        std::sort(dim.spare_candidates.begin(), dim.spare_candidates.end());
        dim.spare_candidates.erase(
            std::unique(dim.spare_candidates.begin(), dim.spare_candidates.end()),
            dim.spare_candidates.end());
      } else {
        dim.spare_candidates = {sized.spare_nodes};
      }
      if (uint64_t{dim.candidates.back()} + dim.spare_candidates.back() > kMaxNodesPerPool) {
        errors_.Add(path + ".spare_nodes",
                    fmt::format("{} nodes and {} spares is too many; at most {} in all",
                                dim.candidates.back(), dim.spare_candidates.back(),
                                kMaxNodesPerPool));
        continue;
      }
      grid *= dim.candidates.size() * dim.spare_candidates.size();
      spec.dimensions.push_back(std::move(dim));
    }
    if (grid > 10000) {
      errors_.Add("plan.dimensions", fmt::format("the grid has {} combinations; at most 10,000 "
                                                 "(coarsen a step or drop a dimension)",
                                                 grid));
    }
    spec.seeds = plan.seeds() == 0 ? 1 : plan.seeds();
    if (plan.seeds() > 1000) {
      errors_.Add("plan.seeds", fmt::format("{} is too many; must be 1..1000 (default 1)",
                                            plan.seeds()));
    } else if (grid * spec.seeds > 100000) {
      errors_.Add("plan.seeds", fmt::format("{} candidates x {} seeds is {} runs; at most "
                                            "100,000",
                                            grid, spec.seeds, grid * spec.seeds));
    }
    const auto& t = plan.target();
    bool ok = Number("plan.target.max_p95_queue_delay_s", t.max_p95_queue_delay_s(),
                     Lower::kNonNegative, kMaxSeconds, "must be >= 0 (seconds; 0 = no bound)", false);
    ok &= Number("plan.target.max_mean_queue_delay_s", t.max_mean_queue_delay_s(),
                 Lower::kNonNegative, kMaxSeconds, "must be >= 0 (seconds; 0 = no bound)", false);
    ok &= Number("plan.target.max_p95_jct_s", t.max_p95_jct_s(), Lower::kNonNegative, kMaxSeconds,
                 "must be >= 0 (seconds; 0 = no bound)", false);
    if (ok && t.max_p95_queue_delay_s() == 0 && t.max_mean_queue_delay_s() == 0 &&
        t.max_p95_jct_s() == 0 && !t.all_jobs_done()) {
      errors_.Add("plan.target", "is required; set at least one of max_p95_queue_delay_s, "
                                 "max_mean_queue_delay_s, max_p95_jct_s, all_jobs_done: true");
    }
    spec.target.max_p95_queue_delay_s = t.max_p95_queue_delay_s();
    spec.target.max_mean_queue_delay_s = t.max_mean_queue_delay_s();
    spec.target.max_p95_jct_s = t.max_p95_jct_s();
    spec.target.all_jobs_done = t.all_jobs_done();
    if (plan.has_policy()) {
      const auto& p = plan.policy();
      spec.policy.queue = p.queue();
      if (!p.placement().empty()) spec.policy.placement = p.placement();
      if (!p.scaling().empty()) spec.policy.scaling = p.scaling();
      for (const auto& [k, v] : p.queue_args()) spec.policy.queue_args[k] = v;
      for (const auto& [k, v] : p.placement_args()) spec.policy.placement_args[k] = v;
      if (IsQueuePolicy(spec.policy.queue)) {
        PolicyArgsOk("plan.policy", "queue", spec.policy.queue, spec.policy.queue_args);
      }
      if (IsPlacementPolicy(spec.policy.placement)) {
        PolicyArgsOk("plan.policy", "placement", spec.policy.placement,
                     spec.policy.placement_args);
      }
      if (!IsQueuePolicy(spec.policy.queue)) {
        errors_.Add("plan.policy.queue", fmt::format("unknown queue policy {}; known: {}",
                                                     Quoted(p.queue()),
                                                     PolicyNames(QueuePolicies())));
      }
      if (!IsPlacementPolicy(spec.policy.placement)) {
        errors_.Add("plan.policy.placement",
                    fmt::format("unknown placement policy {}; known: {}",
                                Quoted(spec.policy.placement), PolicyNames(PlacementPolicies())));
      }
      if (!IsScalingPolicy(spec.policy.scaling)) {
        errors_.Add("plan.policy.scaling",
                    fmt::format("unknown scaling policy {}; known: {}", Quoted(spec.policy.scaling),
                                PolicyNames(ScalingPolicies())));
      }
    } else if (!m->policies.empty()) {
      spec.policy = m->policies.front();
    }
  }

  const LoadedScenario& loaded_;
  const burnrate::v1::Scenario& s_;
  ScenarioErrors errors_;
  double reference_speed_ = 0;            // 0 when the reference GPU is unknown
  std::set<std::string> pool_types_;      // GPU types named by any pool (valid or not)
  std::vector<PoolCapacity> capacities_;  // valid pools only
};

}  // namespace

absl::StatusOr<ScenarioModel> CompileScenario(const LoadedScenario& loaded) {
  return Compiler(loaded).Run();
}

}  // namespace burnrate
