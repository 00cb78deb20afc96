#include "serve/load.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sim/model/duration_sampling.h"
#include "sim/trace/trace.h"
#include "sim/trace/trace_source.h"

namespace burnrate {
namespace {

// Random stream ids of service i (Rng::ForStream(seed, id)): clear of the workload sources'
// (1..) and traces' (2,000,000+) streams.
constexpr uint64_t kServiceStreamBase = uint64_t{5} << 40;
uint64_t StreamOf(uint32_t service, uint64_t purpose) {
  return kServiceStreamBase + (uint64_t{service} << 24) + purpose;
}
constexpr uint64_t kArrivalStream = 1, kWorkStream = 2, kSampleStream = 3;
constexpr uint64_t kNoiseStreamBase = uint64_t{1} << 20;  // + hour index (wraps harmlessly)

// Work of one request drawn from the service's distributions.
RequestWork DrawWork(const ServiceSpec& s, Rng& rng) {
  if (s.token_model) {
    return TokenWork(s, std::round(SampleSeconds(s.input_tokens, rng)),
                     std::round(SampleSeconds(s.output_tokens, rng)));
  }
  RequestWork w;
  w.service_s = SampleSeconds(s.service_time, rng);
  return w;
}

// Mean token count of draws rounded to whole tokens (as DrawWork rounds them): exact for a
// constant, the distribution's mean otherwise (rounding of a spread distribution averages out).
double MeanTokens(const DurationDist& d) {
  if (d.kind == DurationDist::Kind::kConstant) {
    double c = d.constant_s;
    if (d.min_s > 0) c = std::max(c, d.min_s);
    if (d.max_s > 0) c = std::min(c, d.max_s);
    return std::round(c);
  }
  return MeanSeconds(d);
}

double MeanWorkOf(const ServiceSpec& s) {
  if (s.token_model) {
    return TokenWork(s, MeanTokens(s.input_tokens), MeanTokens(s.output_tokens)).service_s;
  }
  return MeanSeconds(s.service_time);
}

// Constant or profiled Poisson load: the rate is constant within each hour of the scenario
// clock (hourly profile x weekly profile x noise), so arrivals are drawn hour by hour
// (memoryless: a gap crossing an hour boundary restarts there at the next hour's rate).
class GeneratedLoad final : public LoadProcess {
 public:
  GeneratedLoad(const ServiceSpec& s, uint32_t index, int64_t start_unix_s, SimTime horizon,
                uint64_t seed)
      : s_(s),
        index_(index),
        start_unix_s_(start_unix_s),
        horizon_s_(TimeToSeconds(horizon)),
        seed_(seed),
        arrivals_(Rng::ForStream(seed, StreamOf(index, kArrivalStream))),
        work_(Rng::ForStream(seed, StreamOf(index, kWorkStream))),
        mean_service_s_(MeanWorkOf(s)) {
    const LoadSpec& l = s.load;
    hourly_mean_ = MeanOf(l.hourly_profile);
    weekly_mean_ = MeanOf(l.weekly_profile);
    if (s.token_model) {
      mean_input_ = MeanTokens(s.input_tokens);
      mean_output_ = MeanTokens(s.output_tokens);
    }
    // Whole hours of the scenario clock: hour h covers [h_edge(h), h_edge(h+1)).
    first_hour_ = FloorDiv(start_unix_s_, 3600);
  }

  absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) override {
    while (true) {
      if (t_s_ >= horizon_s_) return false;
      if (!(t_s_ < hour_end_)) {  // entering a new hour (or the first call)
        const int64_t hour = HourAt(t_s_);
        hour_end_ = std::min(HourEnd(hour), horizon_s_);
        rate_ = RateOfHour(hour);
      }
      if (rate_ <= 0) {
        t_s_ = hour_end_;
        continue;
      }
      const double next = t_s_ + arrivals_.Exponential(1.0 / rate_);
      if (next >= hour_end_) {
        t_s_ = hour_end_;
        continue;
      }
      t_s_ = next;
      break;
    }
    *at = std::min(SecondsToTime(t_s_), SecondsToTime(horizon_s_) - 1);
    *work = DrawWork(s_, work_);
    return true;
  }

  absl::Status Totals(SimTime t0, SimTime t1, LoadTotals* out) override {
    *out = LoadTotals{};
    const double n = Integral(TimeToSeconds(t0), std::min(TimeToSeconds(t1), horizon_s_));
    out->requests = n;
    out->service_s = n * mean_service_s_;
    if (s_.token_model) {
      out->prefill_s = n * mean_input_ / s_.prefill_tokens_per_s;
      out->input_tokens = n * mean_input_;
      out->output_tokens = n * mean_output_;
    }
    return absl::OkStatus();
  }

  double ForecastRate(SimTime t0, SimTime t1) const override {
    const double a = TimeToSeconds(t0), b = TimeToSeconds(t1);
    if (!(b > a)) return RateOfHour(HourAt(a));
    return Integral(a, b) / (b - a);
  }

  double MeanServiceS() const override { return mean_service_s_; }

  std::vector<RequestWork> WorkSample(size_t n) override {
    Rng rng = Rng::ForStream(seed_, StreamOf(index_, kSampleStream));
    std::vector<RequestWork> out(n);
    for (RequestWork& w : out) w = DrawWork(s_, rng);
    return out;
  }

 private:
  static double MeanOf(const std::vector<double>& v) {
    if (v.empty()) return 1.0;
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  }
  static int64_t FloorDiv(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
  }
  // Absolute hour index (hours since 1970) of simulated second t.
  int64_t HourAt(double t_s) const {
    return static_cast<int64_t>(
        std::floor((static_cast<double>(start_unix_s_) + t_s) / 3600.0));
  }
  // Simulated second at which absolute hour h ends.
  double HourEnd(int64_t hour) const {
    return static_cast<double>((hour + 1) * 3600 - start_unix_s_);
  }
  double RateOfHour(int64_t hour) const {
    const LoadSpec& l = s_.load;
    double r = l.requests_per_s;
    if (!l.hourly_profile.empty()) {
      r *= l.hourly_profile[static_cast<size_t>(((hour % 24) + 24) % 24)] / hourly_mean_;
    }
    if (!l.weekly_profile.empty()) {
      // 1970-01-01 was a Thursday: day 0 is index 3 with Monday = 0.
      const int64_t day = FloorDiv(hour, 24);
      r *= l.weekly_profile[static_cast<size_t>(((day + 3) % 7 + 7) % 7)] / weekly_mean_;
    }
    if (l.noise_sigma > 0) {
      Rng noise = Rng::ForStream(
          seed_, StreamOf(index_, kNoiseStreamBase + static_cast<uint64_t>(hour - first_hour_)));
      r *= std::exp(l.noise_sigma * noise.Normal() - l.noise_sigma * l.noise_sigma / 2);
    }
    return r;
  }
  // Expected arrivals in [a, b) seconds.
  double Integral(double a, double b) const {
    double n = 0;
    while (a < b) {
      const int64_t hour = HourAt(a);
      const double end = std::min(HourEnd(hour), b);
      n += RateOfHour(hour) * (end - a);
      a = end;
    }
    return n;
  }

  const ServiceSpec& s_;
  const uint32_t index_;
  const int64_t start_unix_s_;
  const double horizon_s_;
  const uint64_t seed_;
  Rng arrivals_, work_;
  const double mean_service_s_;
  double mean_input_ = 0, mean_output_ = 0;
  double hourly_mean_ = 1, weekly_mean_ = 1;
  int64_t first_hour_ = 0;
  double t_s_ = 0;
  double hour_end_ = -1, rate_ = 0;  // Next(): the current hour's end and rate
};

// Requests replayed from a trace file: the first kept request arrives at trace.offset, later
// ones keep their spacing (TraceStream applies the window and time_compression). Work comes
// from the request's tokens under the token model when the trace has them, else from the
// service's distributions.
class TraceLoad final : public LoadProcess {
 public:
  TraceLoad(const ServiceSpec& s, uint32_t index, SimTime horizon, uint64_t seed,
            std::unique_ptr<TraceStream> stream)
      : s_(s),
        horizon_(horizon),
        work_(Rng::ForStream(seed, StreamOf(index, kWorkStream))),
        reservoir_rng_(Rng::ForStream(seed, StreamOf(index, kSampleStream))),
        stream_(std::move(stream)),
        default_mean_(MeanWorkOf(s)) {}

  absl::StatusOr<bool> Next(SimTime* at, RequestWork* work) override {
    if (!has_pending_) {
      absl::StatusOr<bool> got = Read();
      if (!got.ok() || !*got) return got;
    }
    has_pending_ = false;
    *at = pending_at_;
    *work = pending_work_;
    return true;
  }

  absl::Status Totals(SimTime t0, SimTime t1, LoadTotals* out) override {
    *out = LoadTotals{};
    (void)t0;
    while (true) {
      if (!has_pending_) {
        absl::StatusOr<bool> got = Read();
        if (!got.ok()) return got.status();
        if (!*got) return absl::OkStatus();
        has_pending_ = true;
      }
      if (pending_at_ >= t1) return absl::OkStatus();
      has_pending_ = false;
      out->requests += 1;
      out->service_s += pending_work_.service_s;
      out->prefill_s += pending_work_.prefill_s;
      out->input_tokens += pending_work_.input_tokens;
      out->output_tokens += pending_work_.output_tokens;
    }
  }

  double ForecastRate(SimTime, SimTime) const override {
    return std::numeric_limits<double>::quiet_NaN();
  }

  double MeanServiceS() const override {
    return read_ > 0 ? sum_service_s_ / static_cast<double>(read_) : default_mean_;
  }

  std::vector<RequestWork> WorkSample(size_t n) override {
    if (reservoir_.size() > n) {
      return std::vector<RequestWork>(reservoir_.begin(),
                                      reservoir_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return reservoir_;
  }

 private:
  static constexpr size_t kReservoir = 4096;

  // Reads the next request into pending_; false at the end or past the horizon.
  absl::StatusOr<bool> Read() {
    TraceJob job;
    absl::StatusOr<bool> got = stream_->Next(&job);
    if (!got.ok() || !*got) return got;
    if (!started_) {
      started_ = true;
      first_submit_s_ = job.submit_s;
    }
    const double rel_s = job.submit_s - first_submit_s_;
    if (rel_s < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(s_.load.trace.path, ":", job.line,
                       ": out of submission order; the trace must be sorted by time"));
    }
    const double at_s = TimeToSeconds(s_.load.trace.offset) + rel_s;
    if (at_s >= TimeToSeconds(horizon_)) return false;
    pending_at_ = std::max(last_at_, SecondsToTime(at_s));
    last_at_ = pending_at_;
    if (s_.token_model && (job.input_tokens > 0 || job.output_tokens > 0)) {
      pending_work_ = TokenWork(s_, job.input_tokens, job.output_tokens);
    } else {
      pending_work_ = DrawWork(s_, work_);
    }
    ++read_;
    sum_service_s_ += pending_work_.service_s;
    // Reservoir sampling (Vitter's algorithm R) of the requests read.
    if (reservoir_.size() < kReservoir) {
      reservoir_.push_back(pending_work_);
    } else {
      const uint64_t j = reservoir_rng_.UniformInt(read_);
      if (j < kReservoir) reservoir_[j] = pending_work_;
    }
    has_pending_ = true;
    return true;
  }

  const ServiceSpec& s_;
  const SimTime horizon_;
  Rng work_, reservoir_rng_;
  std::unique_ptr<TraceStream> stream_;
  const double default_mean_;
  bool started_ = false;
  double first_submit_s_ = 0;
  bool has_pending_ = false;
  SimTime pending_at_ = 0, last_at_ = 0;
  RequestWork pending_work_;
  uint64_t read_ = 0;
  double sum_service_s_ = 0;
  std::vector<RequestWork> reservoir_;
};

}  // namespace

RequestWork TokenWork(const ServiceSpec& service, double input, double output) {
  RequestWork w;
  w.input_tokens = input;
  w.output_tokens = output;
  w.prefill_s = service.prefill_tokens_per_s > 0 ? input / service.prefill_tokens_per_s : 0.0;
  w.service_s =
      w.prefill_s + (service.decode_tokens_per_s > 0 ? output / service.decode_tokens_per_s : 0.0);
  return w;
}

absl::StatusOr<std::unique_ptr<LoadProcess>> LoadProcess::Open(const ServiceSpec& service,
                                                               uint32_t service_index,
                                                               int64_t start_unix_s,
                                                               SimTime horizon, uint64_t seed) {
  if (service.load.kind != LoadSpec::Kind::kTrace) {
    return std::unique_ptr<LoadProcess>(
        new GeneratedLoad(service, service_index, start_unix_s, horizon, seed));
  }
  const TraceSourceSpec& spec = service.load.trace;
  const uint64_t stream_seed =
      Rng::ForStream(seed, StreamOf(service_index, kSampleStream + 1)).NextU64();
  auto stream = TraceStream::Open(spec.format, spec.path, TraceOptionsOf(spec, stream_seed));
  if (!stream.ok()) return stream.status();
  return std::unique_ptr<LoadProcess>(
      new TraceLoad(service, service_index, horizon, seed, *std::move(stream)));
}

}  // namespace burnrate
