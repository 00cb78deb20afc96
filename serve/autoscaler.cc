#include "serve/autoscaler.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace burnrate {
namespace {

// ceil(x) as a replica count, saturating; 0 for x <= 0 or NaN.
uint32_t CeilCount(double x) {
  if (!(x > 0)) return 0;
  // Tolerate float noise: 3.0000000001 replicas is 3.
  const double c = std::ceil(x - 1e-9);
  return c >= 4e9 ? 4'000'000'000u : static_cast<uint32_t>(c);
}

// Scale-down stabilisation (as Kubernetes' HPA): the answer is the largest recommendation of
// the last `window`, so a brief dip does not release replicas that are wanted again soon.
class Stabiliser {
 public:
  explicit Stabiliser(Duration window) : window_(window) {}
  uint32_t Apply(SimTime now, uint32_t want) {
    while (!history_.empty() && history_.front().first + window_ <= now) history_.pop_front();
    // Keep the history decreasing: older smaller values can never be the maximum again.
    while (!history_.empty() && history_.back().second <= want) history_.pop_back();
    history_.emplace_back(now, want);
    return history_.front().second;
  }

 private:
  Duration window_;
  std::deque<std::pair<SimTime, uint32_t>> history_;
};

// Slot-seconds of work per second the replicas must serve, from the last window's arrivals,
// plus the waiting requests cleared within one interval.
double DemandSlots(const AutoscaleInput& in) {
  const double window_s = TimeToSeconds(in.window.length);
  const double speed = in.mean_speed > 0 ? in.mean_speed : 1.0;
  double demand = window_s > 0 ? in.window.ref_work_s / speed / window_s : 0.0;
  const double interval_s = TimeToSeconds(in.interval);
  if (interval_s > 0) demand += in.window.waiting * in.mean_service_s / speed / interval_s;
  return demand;
}

class TargetUtilization final : public Autoscaler {
 public:
  explicit TargetUtilization(const PolicyArgs& a)
      : target_(a.Number("target")), stable_(a.DurationOf("scale_down_delay_s")) {}
  std::string_view name() const override { return "target-utilization"; }
  uint32_t Desired(const AutoscaleInput& in) override {
    return stable_.Apply(in.now, CeilCount(DemandSlots(in) / (in.concurrency * target_)));
  }

 private:
  double target_;
  Stabiliser stable_;
};

class QueueLength final : public Autoscaler {
 public:
  explicit QueueLength(const PolicyArgs& a)
      : per_replica_(a.Number("target_per_replica")),
        stable_(a.DurationOf("scale_down_delay_s")) {}
  std::string_view name() const override { return "queue-length"; }
  uint32_t Desired(const AutoscaleInput& in) override {
    const double target = per_replica_ > 0 ? per_replica_ : in.concurrency;
    return stable_.Apply(in.now, CeilCount(in.window.outstanding / target));
  }

 private:
  double per_replica_;
  Stabiliser stable_;
};

// Predictive: sizes for the load forecast one cold start ahead (the profile the load is drawn
// from), so replicas are serving when the load arrives. A trace load has no forecast: the
// last window's arrivals stand in for it.
class Schedule final : public Autoscaler {
 public:
  explicit Schedule(const PolicyArgs& a) : target_(a.Number("target")) {}
  std::string_view name() const override { return "schedule"; }
  uint32_t Desired(const AutoscaleInput& in) override {
    const SimTime from = in.now + in.cold_start;
    double rate = in.load != nullptr ? in.load->ForecastRate(from, from + in.interval)
                                     : std::numeric_limits<double>::quiet_NaN();
    double demand;
    const double speed = in.mean_speed > 0 ? in.mean_speed : 1.0;
    if (std::isnan(rate)) {
      demand = DemandSlots(in);
    } else {
      demand = rate * in.mean_service_s / speed;
      const double interval_s = TimeToSeconds(in.interval);
      if (interval_s > 0) demand += in.window.waiting * in.mean_service_s / speed / interval_s;
    }
    return CeilCount(demand / (in.concurrency * target_));
  }

 private:
  double target_;
};

// Replays the replica counts of a trace of instances (Service.replica_trace).
class ReplicaTrace final : public Autoscaler {
 public:
  explicit ReplicaTrace(const PolicyArgs&) {}
  std::string_view name() const override { return "replica-trace"; }
  uint32_t Desired(const AutoscaleInput& in) override {
    if (in.replica_timeline == nullptr || in.replica_timeline->empty()) return in.initial;
    const auto& t = *in.replica_timeline;
    auto it = std::upper_bound(t.begin(), t.end(), in.now,
                               [](SimTime now, const auto& p) { return now < p.first; });
    return it == t.begin() ? 0u : std::prev(it)->second;
  }
};

class Fixed final : public Autoscaler {
 public:
  explicit Fixed(const PolicyArgs& a) : replicas_(a.Number("replicas")) {}
  std::string_view name() const override { return "fixed"; }
  uint32_t Desired(const AutoscaleInput& in) override {
    return replicas_ > 0 ? static_cast<uint32_t>(replicas_) : in.initial;
  }

 private:
  double replicas_;
};

}  // namespace

const std::vector<AutoscalerInfo>& Autoscalers() {
  static const auto* list = new std::vector<AutoscalerInfo>{
      {"target-utilization",
       "replicas = ceil(work arriving per second / (slots per replica x target)), the "
       "Kubernetes HPA rule on offered load, plus the waiting requests cleared within one "
       "interval; scale-down held for scale_down_delay_s",
       {ArgSpec("target", ArgType::kNumber, "0.7",
                "utilisation of the slots to aim for, (0, 1]", 1e-6, 1.0),
        ArgSpec("scale_down_delay_s", ArgType::kDuration, "300",
                "a lower recommendation must hold this long before replicas are released",
                0, 1e7)}},
      {"queue-length",
       "replicas = ceil(requests waiting or in service / target_per_replica) (KEDA-style); "
       "scale-down held for scale_down_delay_s",
       {ArgSpec("target_per_replica", ArgType::kNumber, "0",
                "outstanding requests per replica to aim for; 0 = the service's concurrency",
                0, 1e9),
        ArgSpec("scale_down_delay_s", ArgType::kDuration, "300",
                "a lower recommendation must hold this long before replicas are released",
                0, 1e7)}},
      {"schedule",
       "predictive: sizes for the load's forecast rate one cold start ahead (its hourly and "
       "weekly profile), at the target utilisation; trace loads fall back to the last window",
       {ArgSpec("target", ArgType::kNumber, "0.7",
                "utilisation of the slots to aim for, (0, 1]", 1e-6, 1.0)}},
      {"replica-trace",
       "the replica counts of the service's replica_trace (live instances of a trace such as "
       "alibaba-dlrm), read at each decision",
       {}},
      {"fixed",
       "a constant replica count (replaces replicas lost to revocations)",
       {ArgSpec("replicas", ArgType::kNumber, "0",
                "replicas to keep; 0 = the service's initial_replicas", 0, 1e6)}},
  };
  return *list;
}

absl::StatusOr<std::unique_ptr<Autoscaler>> MakeAutoscaler(
    const std::string& name, const std::map<std::string, std::string>& args) {
  const AutoscalerInfo* info = nullptr;
  std::vector<std::string> names;
  for (const AutoscalerInfo& a : Autoscalers()) {
    names.push_back(a.name);
    if (a.name == name) info = &a;
  }
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown autoscaler \"", name,
                                                   "\"; allowed: ", absl::StrJoin(names, ", ")));
  }
  absl::StatusOr<PolicyArgs> parsed = ParsePolicyArgs(info->args, args);
  if (!parsed.ok()) return parsed.status();
  if (name == "target-utilization") return std::unique_ptr<Autoscaler>(new TargetUtilization(*parsed));
  if (name == "queue-length") return std::unique_ptr<Autoscaler>(new QueueLength(*parsed));
  if (name == "schedule") return std::unique_ptr<Autoscaler>(new Schedule(*parsed));
  if (name == "replica-trace") return std::unique_ptr<Autoscaler>(new ReplicaTrace(*parsed));
  return std::unique_ptr<Autoscaler>(new Fixed(*parsed));
}

}  // namespace burnrate
