#include "sim/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace burnrate {
namespace {

double Mean(const std::vector<SimTime>& v) {
  if (v.empty()) return 0.0;
  // Sum in 128 bits: 1e6 jobs x 1e13 us fits easily.
  __extension__ __int128 sum = 0;
  for (SimTime x : v) sum += x;
  return static_cast<double>(sum) / static_cast<double>(v.size()) /
         static_cast<double>(kSecond);
}

// Fills `d` with the quantiles of `values` (sorted here) at DistributionProbabilities(), by
// the same interpolation as Quantile.
void FillDistribution(std::vector<SimTime>& values, burnrate::v1::Distribution* d) {
  if (values.empty()) return;
  std::sort(values.begin(), values.end());
  const double last = static_cast<double>(values.size() - 1);
  for (const double q : DistributionProbabilities()) {
    const double pos = q * last;
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, values.size() - 1);
    const double a = TimeToSeconds(values[lo]);
    const double b = TimeToSeconds(values[hi]);
    d->add_probability(q);
    d->add_value_s(a + (pos - static_cast<double>(lo)) * (b - a));
  }
}

}  // namespace

std::vector<double> DistributionProbabilities() {
  std::vector<double> p;
  p.reserve(103);
  for (int i = 0; i < 100; ++i) p.push_back(i / 100.0);
  for (const double q : {0.995, 0.999, 1.0}) p.push_back(q);
  return p;
}

void JobStats::FillDistributions(burnrate::v1::Distribution* jct,
                                 burnrate::v1::Distribution* delay) {
  FillDistribution(jct_, jct);
  FillDistribution(delay_, delay);
}

double Quantile(std::vector<SimTime>& values, double q) {
  if (values.empty()) return 0.0;
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo),
                   values.end());
  const SimTime a = values[lo];
  SimTime b = a;
  if (hi != lo) {
    b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(hi), values.end());
  }
  const double frac = pos - static_cast<double>(lo);
  return TimeToSeconds(a) + frac * (TimeToSeconds(b) - TimeToSeconds(a));
}

void JobStats::Add(SimTime submit, SimTime start, SimTime end, SimTime horizon) {
  ++submitted_;
  first_submit_ = std::min(first_submit_, submit);
  if (start >= 0) {
    ++started_;
    delay_.push_back(start - submit);
    max_wait_ = std::max(max_wait_, start - submit);
  } else {
    // Still waiting at the horizon: its wait so far (a lower bound) counts, so a policy that
    // starves jobs cannot look good on queueing delay.
    delay_.push_back(horizon - submit);
    max_wait_ = std::max(max_wait_, horizon - submit);
  }
  if (end >= 0) {
    ++completed_;
    jct_.push_back(end - submit);
    last_end_ = std::max(last_end_, end);
    first_submit_completed_ = std::min(first_submit_completed_, submit);
  }
}

void JobStats::FillSummary(burnrate::v1::Summary* s) {
  s->set_jobs_submitted(submitted_);
  s->set_jobs_completed(completed_);
  s->set_jobs_running_at_horizon(started_ - completed_);
  s->set_jobs_queued_at_horizon(submitted_ - started_);
  s->set_mean_jct_s(Mean(jct_));
  s->set_p50_jct_s(Quantile(jct_, 0.50));
  s->set_p95_jct_s(Quantile(jct_, 0.95));
  s->set_p99_jct_s(Quantile(jct_, 0.99));
  s->set_mean_queue_delay_s(Mean(delay_));
  s->set_p50_queue_delay_s(Quantile(delay_, 0.50));
  s->set_p95_queue_delay_s(Quantile(delay_, 0.95));
  s->set_p99_queue_delay_s(Quantile(delay_, 0.99));
  s->set_max_queue_delay_s(TimeToSeconds(max_wait_));
  s->set_makespan_s(completed_ > 0 ? TimeToSeconds(last_end_ - first_submit_completed_) : 0.0);
}

void JobStats::FillSizeClass(burnrate::v1::SizeClassResult* r) {
  r->set_jobs_submitted(submitted_);
  r->set_jobs_started(started_);
  r->set_jobs_completed(completed_);
  r->set_mean_queue_delay_s(Mean(delay_));
  r->set_p99_queue_delay_s(Quantile(delay_, 0.99));
  r->set_max_queue_delay_s(TimeToSeconds(max_wait_));
  r->set_mean_jct_s(Mean(jct_));
}

}  // namespace burnrate
