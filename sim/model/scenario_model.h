// The compiled scenario: plain C++ values the engine runs on, produced from the validated
// burnrate.v1.Scenario protobuf by sim/scenario (CompileScenario). No protobuf beyond this line.
#ifndef BURNRATE_SIM_MODEL_SCENARIO_MODEL_H_
#define BURNRATE_SIM_MODEL_SCENARIO_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/model/gpu_catalog.h"
#include "sim/model/money.h"
#include "sim/model/time.h"

namespace burnrate {

enum class PricingModel { kOnDemand, kReserved, kOwned, kSpot };

inline const char* PricingModelName(PricingModel m) {
  switch (m) {
    case PricingModel::kOnDemand:
      return "on_demand";
    case PricingModel::kReserved:
      return "reserved";
    case PricingModel::kOwned:
      return "owned";
    case PricingModel::kSpot:
      return "spot";
  }
  return "?";
}

// One failure of a pool's failure trace: node (index in the pool) fails at `at`; repaired after
// `repair` (0 = the pool's repair draw).
struct TracedFailure {
  SimTime at = 0;
  uint32_t node = 0;
  Duration repair = 0;
};

struct PoolSpec {
  std::string name;
  std::string gpu_type;        // a name in ScenarioModel::catalog
  double training_speed = 1;   // of gpu_type, relative to the reference GPU
  uint32_t gpus_per_node = 0;  // >= 1
  uint32_t nodes = 0;          // >= 1
  uint32_t cpus_per_node = 0;
  double memory_gb_per_node = 0;
  uint32_t rack_size = 0;      // nodes per rack; 0 = one rack
  PricingModel pricing = PricingModel::kOnDemand;
  PricePerGpuHour price = 0;   // hourly charge, micro-dollars per GPU-hour (0 for owned)
  // Reserved: the commitment [commit_begin, commit_end) in simulated time (begin may be < 0;
  // end kTimeInfinity when open-ended) and its upfront payment over term_months (0 = open).
  SimTime commit_begin = 0;
  SimTime commit_end = kTimeInfinity;
  uint32_t term_months = 0;
  Money upfront = 0;
  // Owned.
  Money capex_per_node = 0;
  uint32_t amortization_months = 0;
  Money hosting_per_node_month = 0;
  double usd_per_kwh = 0;
  double pue = 1.0;
  double node_overhead_watts = 0;
  double gpu_idle_watts = 0;  // of gpu_type, from the catalogue
  double gpu_busy_watts = 0;
  // Reserved and owned: on-demand USD per GPU-hour to compare with (0 = none).
  double on_demand_reference_usd_per_gpu_hour = 0;
  // On-demand: minimum billed time per node provisioning.
  Duration min_charge = 0;
  // Spot: revocations per node-hour, notice, mean time to replacement.
  double revocations_per_node_hour = 0;
  Duration revocation_notice = 0;
  Duration mean_restore = 0;
  // Spot: (time, price) steps and (time, nodes offered) steps, in increasing time.
  std::vector<std::pair<SimTime, PricePerGpuHour>> price_series;
  std::vector<std::pair<SimTime, uint32_t>> availability_series;
  // Autoscaling (on-demand only): between min_nodes and `nodes`.
  bool autoscale = false;
  uint32_t min_nodes = 0;
  Duration provisioning_delay = 0;
  Duration idle_timeout = 0;
  // Failures (docs/failures.md): each node fails at node_failures_per_hour (its GPUs' rate plus
  // its own), each rack at rack_failures_per_hour; 0 = never. A failed node (rack) is repaired
  // after an exponential time of mean `repair` (exactly `repair` when fixed_repair).
  double gpu_mtbf_hours = 0;   // as used (the pool's, else the GPU type's); 0 = none
  double node_mtbf_hours = 0;  // 0 = none
  double rack_mtbf_hours = 0;  // 0 = none
  double node_failures_per_hour = 0;
  double rack_failures_per_hour = 0;
  Duration repair = 0;
  bool fixed_repair = false;
  uint32_t spare_nodes = 0;    // hot spares, out of scheduling, counted in `nodes`
  std::vector<TracedFailure> failure_trace;  // in time order
  // Carbon (docs/carbon.md; defaults in sim/model/carbon_catalog.h). Every pool: grid intensity
  // (gCO2e/kWh) constant, or hourly from `carbon_series_begin` (simulated time of the first
  // hour, <= 0) when carbon_hourly is not empty; the power of a pool that is not owned
  // (owned pools use pue and node_overhead_watts above); embodied kg CO2e per GPU-hour
  // provisioned = (per GPU + per node / gpus_per_node) / (lifetime_years x 8,760 h).
  double grid_gco2e_per_kwh = 480;
  SimTime carbon_series_begin = 0;
  std::vector<double> carbon_hourly;  // gCO2e/kWh per consecutive hour
  std::string grid_source = "world: 480 gCO2e/kWh, lifecycle, 2023";
  double carbon_pue = 1.0;
  double carbon_node_overhead_watts = 0;
  double embodied_kgco2e_per_gpu = 150;
  double embodied_kgco2e_per_node = 2500;
  double embodied_lifetime_years = 6;
};

// How a job's checkpoint interval is chosen (docs/failures.md): fixed (checkpoint_interval), or
// per attempt from the failure rate of its gang (MTBF M) and the write time d: Young (1974)
// sqrt(2 d M), or Daly (2006, eq. 37) sqrt(2 d M) (1 + sqrt(d / 2M) / 3 + d / 18M) - d (M when
// d >= 2M).
enum class CheckpointRule : uint8_t { kFixed, kYoungDaly, kDaly };

struct JobSpec {
  std::string name;
  SimTime submit = 0;
  uint32_t gpus = 1;
  Duration duration = 0;  // on the reference GPU
  std::string gpu_type;   // "" = any pool
  std::string tenant = "default";
  int32_t priority = 0;
  Duration checkpoint_interval = 0;  // 0 = never
  Duration restart_overhead = 0;
  Duration checkpoint_write = 0;     // wall time each checkpoint stops the job
  CheckpointRule checkpoint_rule = CheckpointRule::kFixed;
  Duration estimate = 0;  // the user's estimate of `duration`; 0 = none
  Duration deadline = 0;  // finish within this of submission; 0 = none
  double cpus = 0;        // whole gang
  double memory_gb = 0;
};

// A tenant's fairness settings (tenants not listed: weight 1, no quota, no limit).
struct TenantSpec {
  std::string name;
  double weight = 1.0;
  uint64_t quota_gpus = 0;  // 0 = weighted share of the online GPUs
  uint64_t max_gpus = 0;    // 0 = no limit
};

struct DurationDist {
  enum class Kind { kConstant, kExponential, kLognormal, kEmpirical };
  Kind kind = Kind::kConstant;
  double constant_s = 0;
  double mean_s = 0;               // exponential
  double median_s = 0, sigma = 0;  // lognormal
  std::vector<double> samples_s;   // empirical, already scaled to seconds
  double min_s = 0, max_s = 0;     // clip bounds; 0 = none
};

struct GeneratorSpec {
  std::string name;
  double arrivals_per_hour = 0;
  uint64_t max_jobs = 0;  // 0 = until end
  SimTime start = 0;
  SimTime end = 0;        // exclusive; already defaulted to the horizon
  std::vector<uint32_t> gpu_values;
  std::vector<double> gpu_weights;  // same length, defaulted to equal weights
  DurationDist duration;
  std::string gpu_type;
  std::string tenant = "default";
  int32_t priority = 0;
  Duration checkpoint_interval = 0;
  Duration restart_overhead = 0;
  Duration checkpoint_write = 0;
  CheckpointRule checkpoint_rule = CheckpointRule::kFixed;
  std::vector<double> hourly_profile;  // 24 relative rates (empty = constant)
  double cpus_per_gpu = 0;
  double memory_gb_per_gpu = 0;
};

// A trace file feeding jobs (sim/trace reads it).
struct TraceSourceSpec {
  std::string format;
  std::string path;      // resolved against the scenario's directory
  SimTime offset = 0;    // arrival of the first kept job
  double window_start_s = 0, window_end_s = 0;  // 0 = unbounded
  std::vector<std::string> statuses, vcs;
  double time_compression = 1;
  double load_multiplier = 1;
  bool lenient = false;
  std::map<std::string, std::string> settings;
  std::string gpu_type;  // "" = the trace's, when it names a pool type
  std::string tenant;    // "" = the trace's user, else vc, else "default"
};

struct PolicySpec {
  PolicySpec() = default;
  // Implicit, so that {queue, placement} reads as a policy.
  PolicySpec(std::string q, std::string p = "first-fit", std::string s = "in-order",
                      std::map<std::string, std::string> qargs = {})
      : queue(std::move(q)),
        placement(std::move(p)),
        scaling(std::move(s)),
        queue_args(std::move(qargs)) {}
  std::string queue;
  std::string placement = "first-fit";
  std::string scaling = "in-order";
  // Typed per-policy arguments as written (checked against the policy's declaration).
  std::map<std::string, std::string> queue_args;
  std::map<std::string, std::string> placement_args;
  // Whether inference replicas may evict training jobs in this run: -1 = each service's
  // preempt_training, 0 = never, 1 = always.
  int inference_preemption = -1;
  // Every service's autoscaler in this run ("" = each service's own) and its arguments.
  std::string autoscaler;
  std::map<std::string, std::string> autoscaler_args;
  // "queue+placement", with "+scaling" when it is not the default; arguments in brackets,
  // e.g. "tiresias-las[thresholds_gpu_hours=1,10]+first-fit"; " (inference preempts)" or
  // " (inference waits)" when the run overrides the services' preemption.
  std::string Name() const {
    return queue + ArgsSuffix(queue_args) + "+" + placement + ArgsSuffix(placement_args) +
           (scaling == "in-order" ? "" : "+" + scaling) +
           (inference_preemption < 0    ? ""
            : inference_preemption == 1 ? " (inference preempts)"
                                        : " (inference waits)") +
           (autoscaler.empty() ? "" : " (autoscaler " + autoscaler + ArgsSuffix(autoscaler_args) + ")");
  }
  static std::string ArgsSuffix(const std::map<std::string, std::string>& args) {
    if (args.empty()) return "";
    std::string out = "[";
    for (const auto& [k, v] : args) {
      if (out.size() > 1) out += ";";
      out += k + "=" + v;
    }
    return out + "]";
  }
};

struct PlanDimensionSpec {
  uint32_t pool = 0;                // index into ScenarioModel::pools
  std::vector<uint32_t> candidates;  // node counts (spares excluded), ascending, distinct
  std::vector<uint32_t> spare_candidates;  // hot spares on top; {the pool's own} when not varied
  bool varies_spares = false;              // the plan gave spare_nodes
};

struct ServiceTargetSpec {
  double max_p95_queue_delay_s = 0;  // 0 = no bound
  double max_mean_queue_delay_s = 0;
  double max_p95_jct_s = 0;
  bool all_jobs_done = false;
};

struct PlanSpec {
  bool present = false;
  std::vector<PlanDimensionSpec> dimensions;
  ServiceTargetSpec target;
  PolicySpec policy;
  uint32_t seeds = 1;  // each candidate's runs; the target is judged on their mean
};

// An inference service (docs/serving.md). Durations in microseconds, rates per second.
// Request load of a service.
struct LoadSpec {
  enum class Kind { kConstant, kProfile, kTrace };
  Kind kind = Kind::kConstant;
  // Mean arrival rate, requests per second (constant and profile).
  double requests_per_s = 0;
  // Relative rates by hour of day (24 values, scenario clock, UTC) and by day of week (7 values,
  // Monday first); empty = flat. The mean rate stays requests_per_s.
  std::vector<double> hourly_profile;
  std::vector<double> weekly_profile;
  // Lognormal noise on the rate: each hour's rate is multiplied by exp(sigma Z - sigma^2 / 2),
  // Z ~ N(0, 1) drawn per (seed, service, hour): mean 1, the same draws in both fidelities.
  double noise_sigma = 0;
  // kTrace: requests read from a file (format azure-llm); spec.tenant, gpu_type unused.
  TraceSourceSpec trace;
};

// The work of one request on the service's reference GPU (the workload's reference type).
struct RequestWork {
  double service_s = 0;   // time in a request slot, uncontended
  double prefill_s = 0;   // part of service_s before the first token (token model), else 0
  double input_tokens = 0;
  double output_tokens = 0;
};

struct ServiceSpec {
  std::string name;
  std::string model;             // label only
  std::string tenant;            // chargeback tenant of its replicas; default "service:<name>"
  uint32_t gpus_per_replica = 1;
  std::vector<std::string> gpu_types;  // allowed GPU types; empty = any pool
  // Speed of a replica per pool (index = pool), service times divided by it; 0 = the pool may
  // not run the service (wrong type, or nodes smaller than a replica).
  std::vector<double> pool_speed;
  // Request slots per replica: requests served at once (continuous batching's batch size).
  uint32_t concurrency = 1;
  // Service time per request: a distribution (seconds on the reference GPU), or the token model
  // (service_s = input / prefill_tokens_per_s + output / decode_tokens_per_s per slot).
  bool token_model = false;
  DurationDist service_time;
  double prefill_tokens_per_s = 0;
  double decode_tokens_per_s = 0;
  DurationDist input_tokens;     // token counts when the load does not carry them
  DurationDist output_tokens;
  Duration cold_start = 0;       // from placement to serving (billed)
  uint32_t min_replicas = 0;
  uint32_t max_replicas = 0;     // >= max(1, min_replicas)
  uint32_t initial_replicas = 0; // at time 0, in [min, max]
  // SLO: a request meets it when its latency (or time to first token) <= slo_latency_s; the
  // service meets its SLO when the share meeting it >= slo_attainment_target (e.g. 0.99 for a
  // p99 bound). slo_latency_s 0 = no SLO.
  double slo_latency_s = 0;
  double slo_attainment_target = 0.99;
  bool slo_on_ttft = false;
  // A request still waiting after max_wait is dropped (0 = never).
  Duration max_wait = 0;
  // May evict training jobs to place replicas (they pay their checkpoint/restart costs).
  bool preempt_training = false;
  // Revenue of each served request, USD.
  double usd_per_request = 0;
  double usd_per_1k_input_tokens = 0;
  double usd_per_1k_output_tokens = 0;
  // round-robin | least-outstanding | shared-queue
  std::string routing = "least-outstanding";
  // Autoscaler by registry name with its arguments; evaluated every autoscale_interval.
  std::string autoscaler = "target-utilization";
  std::map<std::string, std::string> autoscaler_args;
  Duration autoscale_interval = kMinute;
  enum class Fidelity { kRequest, kFluid };
  Fidelity fidelity = Fidelity::kRequest;
  Duration fluid_step = kMinute;
  LoadSpec load;
  // Replica counts from a trace of instances (Service.replica_trace): from each time on, this
  // many replicas are wanted; ascending times, the first at 0. Empty: not trace-driven.
  std::vector<std::pair<SimTime, uint32_t>> replica_timeline;
};

struct ScenarioModel {
  std::string name;
  std::string source_path;    // the file it was loaded from
  int64_t start_unix_s = 0;   // UTC
  SimTime horizon = 0;        // > 0
  uint64_t seed = 1;
  Duration sample_interval = kHour;
  GpuCatalog catalog;
  std::string reference_gpu = "A100-80GB";
  std::vector<PoolSpec> pools;
  // Speed factor of a gang spread over several nodes of one rack, and over several racks.
  double cross_node_speed = 1.0;
  double cross_rack_speed = 1.0;
  std::vector<JobSpec> jobs;  // in the order given
  std::vector<GeneratorSpec> generators;
  std::vector<TraceSourceSpec> traces;
  std::vector<TenantSpec> tenants;
  std::vector<ServiceSpec> services;
  std::vector<PolicySpec> policies;  // never empty after compilation
  PlanSpec plan;  // for `burnrate plan`
  // Things that are legal but probably not what the user meant; the CLI prints them.
  std::vector<std::string> warnings;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_SCENARIO_MODEL_H_
