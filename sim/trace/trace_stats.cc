#include "sim/trace/trace_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace burnrate {

double TraceStats::DurationQuantile(double q) const {
  if (durations_s.empty()) return 0;
  const double pos = q * static_cast<double>(durations_s.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, durations_s.size() - 1);
  return durations_s[lo] + (pos - static_cast<double>(lo)) * (durations_s[hi] - durations_s[lo]);
}

absl::StatusOr<TraceStats> ComputeTraceStats(const std::string& format, const std::string& path,
                                             const TraceOptions& options) {
  auto stream = TraceStream::Open(format, path, options);
  if (!stream.ok()) return stream.status();
  TraceStats st;
  st.format = format;
  st.path = path;
  TraceJob job;
  double sum_duration = 0;
  bool first = true;
  while (true) {
    absl::StatusOr<bool> got = (*stream)->Next(&job);
    if (!got.ok()) return got.status();
    if (!*got) break;
    ++st.jobs;
    if (first) {
      st.first_submit_s = st.last_submit_s = job.submit_s;
      first = false;
    }
    st.first_submit_s = std::min(st.first_submit_s, job.submit_s);
    st.last_submit_s = std::max(st.last_submit_s, job.submit_s);
    ++st.jobs_by_gpus[job.gpus];
    const double gpus = job.gpu_fraction > 0 ? job.gpu_fraction : static_cast<double>(job.gpus);
    st.gpu_hours_by_gpus[job.gpus] += gpus * job.duration_s / 3600;
    st.gpu_hours += gpus * job.duration_s / 3600;
    if (job.gpu_fraction > 0) ++st.fractional;
    ++st.jobs_by_status[job.status];
    st.durations_s.push_back(job.duration_s);
    sum_duration += job.duration_s;
    const int64_t secs = static_cast<int64_t>(std::floor(job.submit_s));
    const int64_t day = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    st.jobs_by_hour[static_cast<size_t>(((secs % 86400) + 86400) % 86400 / 3600)] += 1;
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    st.jobs_by_weekday[static_cast<size_t>(((day + 3) % 7 + 7) % 7)] += 1;
  }
  std::sort(st.durations_s.begin(), st.durations_s.end());
  st.mean_duration_s = st.jobs > 0 ? sum_duration / static_cast<double>(st.jobs) : 0;
  st.counts = (*stream)->counts();
  return st;
}

namespace {
std::string Hours(double s) { return fmt::format("{:.2f} h", s / 3600); }
}  // namespace

std::string FormatTraceStats(const TraceStats& st) {
  std::string out = fmt::format("Trace {} ({})\n", st.path, st.format);
  out += fmt::format("  rows read {}, jobs kept {}, filtered out {}, unreadable rows skipped {}\n",
                     st.counts.rows, st.jobs, st.counts.filtered, st.counts.bad_rows);
  for (const std::string& e : st.counts.first_errors) out += "    skipped: " + e + "\n";
  out += fmt::format("  submissions span {:.1f} days; {:.2f} jobs per hour\n",
                     st.span_s() / 86400, st.arrivals_per_hour());
  out += fmt::format("  GPU-hours {:.0f}; offered load {:.1f} GPUs busy on average\n",
                     st.gpu_hours, st.offered_load_gpus());
  out += fmt::format("  jobs asking part of one GPU: {}\n", st.fractional);
  out += "\n  GPUs per job      jobs   share of GPU-hours\n";
  for (const auto& [g, n] : st.jobs_by_gpus) {
    out += fmt::format("  {:>12} {:>9} {:>12.1f}%\n", g, n,
                       st.gpu_hours > 0 ? 100 * st.gpu_hours_by_gpus.at(g) / st.gpu_hours : 0.0);
  }
  out += "\n  duration   mean " + Hours(st.mean_duration_s);
  for (double q : {0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    out += fmt::format(", p{:.0f} {}", q * 100, Hours(st.DurationQuantile(q)));
  }
  out += fmt::format(", max {}\n", Hours(st.durations_s.empty() ? 0 : st.durations_s.back()));
  if (!st.jobs_by_status.empty()) {
    out += "\n  status:";
    for (const auto& [s, n] : st.jobs_by_status) out += fmt::format(" {}={}", s.empty() ? "(none)" : s, n);
    out += "\n";
  }
  const double days = std::max(1.0, st.span_s() / 86400);
  out += "\n  arrivals per hour by hour of day (trace clock):\n  ";
  for (size_t h = 0; h < 24; ++h) {
    out += fmt::format("{:02}:{:<8.1f} ", h, st.jobs_by_hour[h] / days);
    if (h % 8 == 7) out += "\n  ";
  }
  static const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  out += "\n  arrivals per hour by day of week:";
  for (size_t d = 0; d < 7; ++d) {
    out += fmt::format(" {} {:.1f}", kDays[d], st.jobs_by_weekday[d] / (days / 7) / 24);
  }
  out += "\n";
  return out;
}

std::string FitGeneratorYaml(const TraceStats& st, const std::string& name, int quantiles) {
  std::string out = fmt::format(
      "# Fitted by `burnrate trace fit` from {} ({}): {} jobs over {:.1f} days.\n"
      "# Paste under workload.generators; scale arrivals_per_hour to change the load.\n",
      st.path, st.format, st.jobs, st.span_s() / 86400);
  out += fmt::format("- name: \"{}\"\n  arrivals_per_hour: {}\n", name, st.arrivals_per_hour());
  // Daily profile: relative rates per hour of the trace's clock.
  double max_h = 0;
  for (double h : st.jobs_by_hour) max_h = std::max(max_h, h);
  if (max_h > 0) {
    out += "  hourly_profile: [";
    for (size_t h = 0; h < 24; ++h) {
      out += fmt::format("{}{:.4g}", h ? ", " : "", st.jobs_by_hour[h] / max_h);
    }
    out += "]\n";
  }
  // Gang sizes of GPU jobs (CPU-only jobs, if kept by --all-jobs, are not fitted).
  out += "  gpus:\n    values: [";
  bool first = true;
  for (const auto& [g, n] : st.jobs_by_gpus) {
    if (g == 0) continue;
    out += fmt::format("{}{}", first ? "" : ", ", g);
    first = false;
  }
  out += "]\n    weights: [";
  first = true;
  for (const auto& [g, n] : st.jobs_by_gpus) {
    if (g == 0) continue;
    out += fmt::format("{}{}", first ? "" : ", ", n);
    first = false;
  }
  out += "]\n  duration:\n    empirical:\n      values_s: [";
  // n equal-count buckets of the sorted durations, each written as its mean: every value
  // stands for 1/n of the jobs, quantiles are kept to within a bucket, and the mean is exact
  // (midpoint quantiles would cut off a heavy tail's mean).
  const size_t total = st.durations_s.size();
  const size_t n = std::min<size_t>(static_cast<size_t>(quantiles), total);
  for (size_t i = 0; i < n; ++i) {
    const size_t lo = i * total / n, hi = (i + 1) * total / n;
    double sum = 0;
    for (size_t k = lo; k < hi; ++k) sum += st.durations_s[k];
    out += fmt::format("{}{:.6g}", i == 0 ? "" : i % 10 == 0 ? ",\n        " : ", ",
                       sum / static_cast<double>(hi - lo));
  }
  out += "]\n";
  return out;
}

}  // namespace burnrate
