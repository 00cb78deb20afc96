// The usage ledger: integrates provisioned and allocated GPUs over time, per pool and per
// calendar month, exactly (GPU-microseconds in 128 bits). The bill (sim/billing.h) is computed
// from these integrals and the pools' prices at the end of a run. Pools with an hourly grid
// carbon series also integrate GPU-time weighted by the grid intensity (docs/carbon.md).
#ifndef BURNRATE_SIM_LEDGER_H_
#define BURNRATE_SIM_LEDGER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/model/calendar.h"
#include "sim/model/money.h"

namespace burnrate {

struct PoolMonthUsage {
  GpuTime provisioned = 0;
  GpuTime allocated = 0;
  // Billed but not provisioned: the rest of a minimum charge for a node released early.
  GpuTime min_charge = 0;
  // Pools whose price changes over time (Ledger::SetPrice): the hourly charges, accumulated
  // segment by segment at the price of the moment (each segment rounded to the micro-dollar).
  Money provisioned_cost = 0;
  Money allocated_cost = 0;
  // Pools with an hourly carbon series (Ledger::SetIntensitySeries): GPU-time weighted by the
  // grid intensity of the moment, in GPU-hours x gCO2e/kWh. 0 for the other pools (billing
  // multiplies their GPU-time by a constant intensity instead).
  double allocated_gco2e = 0;
  double provisioned_gco2e = 0;
};

class Ledger {
 public:
  // REQUIRES: `months` outlives the ledger and covers [0, horizon) in order.
  Ledger(size_t pools, const std::vector<MonthSpan>& months) : months_(months), pools_(pools) {
    for (auto& p : pools_) p.usage.assign(months.size(), {});
  }
  // Accounts the pool's current levels up to `t`, then sets them. O(months crossed).
  // REQUIRES: t never decreases for a pool.
  void Set(uint32_t pool, SimTime t, uint64_t allocated, uint64_t provisioned) {
    Advance(pool, t);
    pools_[pool].allocated = allocated;
    pools_[pool].provisioned = provisioned;
  }
  void Advance(uint32_t pool, SimTime t) {
    PoolLedger& p = pools_[pool];
    while (p.month < months_.size() && t >= months_[p.month].end) {
      Add(p, months_[p.month].end - p.last);
      p.last = months_[p.month].end;
      ++p.month;
    }
    if (p.month < months_.size()) {
      Add(p, t - p.last);
      p.last = t;
    }
  }
  // From `t` on, the pool's hourly charges accrue at `price` (a spot price series). Pools that
  // never call this are billed from their GPU-time totals instead (exact, one rounding).
  void SetPrice(uint32_t pool, SimTime t, PricePerGpuHour price) {
    Advance(pool, t);
    pools_[pool].priced = true;
    pools_[pool].price = price;
  }
  // From time 0 on, the pool's GPU-time is also integrated against an hourly grid intensity:
  // hourly[i] gCO2e/kWh applies on [begin + i h, begin + (i + 1) h). Prefix sums make each
  // later Set O(1) more. REQUIRES: called before the pool's first Set; begin <= 0; the series
  // is not empty (it should cover the horizon: past its end the last hour's value applies).
  void SetIntensitySeries(uint32_t pool, SimTime begin, std::vector<double> hourly) {
    PoolLedger& p = pools_[pool];
    p.series_begin = begin;
    p.cumulative.assign(hourly.size() + 1, 0.0);
    for (size_t i = 0; i < hourly.size(); ++i) p.cumulative[i + 1] = p.cumulative[i] + hourly[i];
    p.hourly = std::move(hourly);
  }
  // Adds billed-only GPU-time at `t` (a minimum charge). REQUIRES: t within the horizon.
  void AddMinCharge(uint32_t pool, SimTime t, GpuTime gpu_time) {
    Advance(pool, t);
    PoolLedger& p = pools_[pool];
    if (p.month < months_.size()) p.usage[p.month].min_charge += gpu_time;
  }
  uint64_t allocated(uint32_t pool) const { return pools_[pool].allocated; }
  uint64_t provisioned(uint32_t pool) const { return pools_[pool].provisioned; }
  const PoolMonthUsage& usage(uint32_t pool, size_t month) const {
    return pools_[pool].usage[month];
  }
  // Whether the pool has an hourly intensity series, and its integral over [a, b), gCO2e/kWh
  // x hours (0 without a series). O(1).
  bool has_series(uint32_t pool) const { return !pools_[pool].hourly.empty(); }
  double IntensityBetween(uint32_t pool, SimTime a, SimTime b) const {
    const PoolLedger& p = pools_[pool];
    return p.hourly.empty() ? 0.0 : IntensityIntegral(p, b) - IntensityIntegral(p, a);
  }

 private:
  struct PoolLedger {
    uint64_t allocated = 0;    // GPUs now
    uint64_t provisioned = 0;  // GPUs now
    SimTime last = 0;
    size_t month = 0;
    bool priced = false;
    PricePerGpuHour price = 0;
    std::vector<PoolMonthUsage> usage;
    // Hourly grid intensity (empty = none) and its prefix sums (cumulative[i] = sum of the
    // first i hours, gCO2e/kWh x h).
    SimTime series_begin = 0;
    std::vector<double> hourly;
    std::vector<double> cumulative;
  };
  // Integral of the intensity from series_begin to t, gCO2e/kWh x hours. O(1).
  static double IntensityIntegral(const PoolLedger& p, SimTime t) {
    const Duration offset = t - p.series_begin;
    size_t hour = static_cast<size_t>(offset / kHour);
    if (hour >= p.hourly.size()) hour = p.hourly.size() - 1;
    const Duration into = offset - static_cast<Duration>(hour) * kHour;
    return p.cumulative[hour] +
           p.hourly[hour] * static_cast<double>(into) / static_cast<double>(kHour);
  }
  void Add(PoolLedger& p, Duration d) {
    PoolMonthUsage& u = p.usage[p.month];
    const GpuTime allocated = static_cast<GpuTime>(p.allocated) * d;
    const GpuTime provisioned = static_cast<GpuTime>(p.provisioned) * d;
    u.allocated += allocated;
    u.provisioned += provisioned;
    if (p.priced && d > 0) {
      u.allocated_cost += CostOf(allocated, p.price);
      u.provisioned_cost += CostOf(provisioned, p.price);
    }
    if (!p.hourly.empty() && d > 0 && p.provisioned > 0) {
      const double weight = IntensityIntegral(p, p.last + d) - IntensityIntegral(p, p.last);
      u.allocated_gco2e += static_cast<double>(p.allocated) * weight;
      u.provisioned_gco2e += static_cast<double>(p.provisioned) * weight;
    }
  }

  const std::vector<MonthSpan>& months_;
  std::vector<PoolLedger> pools_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_LEDGER_H_
