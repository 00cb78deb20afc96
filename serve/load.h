// The request load of one inference service: when requests arrive and how much work each
// brings. One LoadProcess per service per run; it owns its random streams, so the request-level
// and fluid engines of the same scenario and seed see the same rates (and, for the same
// (seed, service), the same hourly noise).
#ifndef BURNRATE_SERVE_LOAD_H_
#define BURNRATE_SERVE_LOAD_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"
#include "sim/model/time.h"

namespace burnrate {

// Requests and their work over an interval (fluid model).
struct LoadTotals {
  double requests = 0;       // arrivals (expected for generated loads, counted for traces)
  double service_s = 0;      // sum of RequestWork::service_s (reference GPU)
  double prefill_s = 0;      // sum of RequestWork::prefill_s
  double input_tokens = 0;   // sums
  double output_tokens = 0;
};

class LoadProcess {
 public:
  // `service_index` selects the random streams (stream ids derived from it), `start_unix_s` is
  // the scenario clock (hourly and weekly profiles are read on it). Arrivals stop at `horizon`.
  // Errors: a trace that cannot be opened (InvalidArgument naming the file).
  static absl::StatusOr<std::unique_ptr<LoadProcess>> Open(const ServiceSpec& service,
                                                           uint32_t service_index,
                                                           int64_t start_unix_s, SimTime horizon,
                                                           uint64_t seed);
  virtual ~LoadProcess() = default;

  // Request-level: the next arrival (non-decreasing times, < horizon) and its work; false when
  // no arrival is left before the horizon. Generated loads are Poisson with a piecewise-constant
  // rate (constant within each hour of the scenario clock); trace loads replay the file.
  virtual absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) = 0;

  // Fluid: the arrivals in [t0, t1) and their work. Generated loads: the expected values (rate
  // integrated over the interval, mean work per request). Traces: the requests actually in the
  // interval (intervals must be consecutive and increasing). Do not mix with Next().
  virtual absl::Status Totals(SimTime t0, SimTime t1, LoadTotals* out) = 0;

  // The mean arrival rate in [t0, t1), requests per second, as the load's own model knows it in
  // advance (profile x noise); for a trace, NaN (not known in advance). For predictive
  // autoscaling.
  virtual double ForecastRate(SimTime t0, SimTime t1) const = 0;

  // Mean work per request: from the distributions, or (traces) over the requests read so far
  // (the default distributions' mean before the first).
  virtual double MeanServiceS() const = 0;

  // A sample of request works representing the service-time distribution (fluid latency):
  // `n` independent draws from the distributions (own stream, does not disturb Next), or for a
  // trace a uniform reservoir sample of up to `n` of the requests read so far.
  virtual std::vector<RequestWork> WorkSample(size_t n) = 0;
};

// The work of a request with `input` and `output` tokens under the service's token model.
RequestWork TokenWork(const ServiceSpec& service, double input, double output);

// Revenue of one served request, USD.
inline double RequestRevenue(const ServiceSpec& s, const RequestWork& w) {
  return s.usd_per_request + s.usd_per_1k_input_tokens * w.input_tokens / 1000.0 +
         s.usd_per_1k_output_tokens * w.output_tokens / 1000.0;
}

}  // namespace burnrate

#endif  // BURNRATE_SERVE_LOAD_H_
