// The usage ledger: integrates provisioned and allocated GPUs over time, per pool and per
// calendar month, exactly (GPU-microseconds in 128 bits). The bill (sim/billing.h) is computed
// from these integrals and the pools' prices at the end of a run.
#ifndef BURNRATE_SIM_LEDGER_H_
#define BURNRATE_SIM_LEDGER_H_

#include <cstdint>
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

 private:
  struct PoolLedger {
    uint64_t allocated = 0;    // GPUs now
    uint64_t provisioned = 0;  // GPUs now
    SimTime last = 0;
    size_t month = 0;
    bool priced = false;
    PricePerGpuHour price = 0;
    std::vector<PoolMonthUsage> usage;
  };
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
  }

  const std::vector<MonthSpan>& months_;
  std::vector<PoolLedger> pools_;
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_LEDGER_H_
