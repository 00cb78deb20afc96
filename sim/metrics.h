// Job-level service statistics: JCT and queueing delay with percentiles.
#ifndef BURNRATE_SIM_METRICS_H_
#define BURNRATE_SIM_METRICS_H_

#include <cstdint>
#include <vector>

#include "burnrate/v1/results.pb.h"
#include "sim/model/time.h"

namespace burnrate {

// The q-quantile (0 <= q <= 1) of `values` by linear interpolation between the closest ranks
// (numpy's default, Hyndman & Fan type 7). Reorders `values`. 0 when empty.
double Quantile(std::vector<SimTime>& values, double q);

// The probabilities of RunResult.jct / queue_delay: 0, 0.01, ..., 0.99, 0.995, 0.999, 1.
std::vector<double> DistributionProbabilities();

// Accumulates jobs' times; percentiles are computed once at the end.
class JobStats {
 public:
  // start/end < 0 mean "did not happen before the horizon".
  void Add(SimTime submit, SimTime start, SimTime end, SimTime horizon);
  // Jobs, JCT and queueing-delay fields of the summary (not money or utilisation).
  void FillSummary(burnrate::v1::Summary* s);
  void FillSizeClass(burnrate::v1::SizeClassResult* r);
  // JCT and queueing-delay quantiles at kDistributionProbabilities (see results.proto);
  // a distribution is left empty when it has no values. Call after FillSummary.
  void FillDistributions(burnrate::v1::Distribution* jct, burnrate::v1::Distribution* delay);

 private:
  uint32_t submitted_ = 0, started_ = 0, completed_ = 0;
  std::vector<SimTime> jct_;
  std::vector<SimTime> delay_;  // started jobs, and jobs still queued at the horizon (so far)
  SimTime max_wait_ = 0;  // includes jobs still waiting at the horizon
  SimTime first_submit_ = kTimeInfinity, last_end_ = -1, first_submit_completed_ = kTimeInfinity;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_METRICS_H_
