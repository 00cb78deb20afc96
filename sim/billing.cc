#include "sim/billing.h"

#include <algorithm>
#include <cmath>

namespace burnrate {
namespace {

// a * b / c rounded half up, in 128 bits. REQUIRES: a, b >= 0, c > 0.
Money MulDiv(Int128 a, Int128 b, Int128 c) { return static_cast<Money>((a * b + c / 2) / c); }

}  // namespace

PoolMonthBill& PoolMonthBill::operator+=(const PoolMonthBill& o) {
  usage += o.usage;
  idle_capacity += o.idle_capacity;
  upfront += o.upfront;
  capex += o.capex;
  hosting += o.hosting;
  energy += o.energy;
  energy_kwh += o.energy_kwh;
  idle += o.idle;
  return *this;
}

PoolMonthBill BillPoolMonth(const PoolSpec& pool, const MonthSpan& month,
                            const PoolMonthUsage& usage, SimTime horizon) {
  PoolMonthBill b;
  const GpuTime idle_time = usage.provisioned - usage.allocated;
  // Hourly charges (on-demand and reserved).
  // A price series accrues segment by segment in the ledger; a constant price is applied once.
  const bool series = !pool.price_series.empty();
  const Money hourly_total = series ? usage.provisioned_cost : CostOf(usage.provisioned, pool.price);
  b.usage = series ? usage.allocated_cost : CostOf(usage.allocated, pool.price);
  // A node released before its minimum charge is billed the rest, as idle capacity.
  b.idle_capacity = hourly_total - b.usage + CostOf(usage.min_charge, pool.price);

  const Duration in_horizon = month.end - month.begin;  // this month's part of the horizon
  const Duration full = month.full_length;
  Money fixed = 0;  // time-based charges to share between used and idle
  if (pool.pricing == PricingModel::kReserved && pool.upfront > 0) {
    // Straight-line over the term's months, prorated by the part of this month that lies in
    // both the commitment and the horizon.
    const SimTime lo = std::max(month.begin, pool.commit_begin);
    const SimTime hi = std::min(month.end, pool.commit_end);
    if (hi > lo) {
      // Open-ended: over the part of the horizon the commitment covers.
      const SimTime covered =
          std::min(pool.commit_end, horizon) - std::max<SimTime>(pool.commit_begin, 0);
      b.upfront = pool.term_months > 0
                      ? MulDiv(pool.upfront, hi - lo, Int128{full} * pool.term_months)
                      : MulDiv(pool.upfront, hi - lo, covered);
    }
    fixed += b.upfront;
  }
  if (pool.pricing == PricingModel::kOwned) {
    const Int128 nodes = pool.nodes;
    b.capex = MulDiv(pool.capex_per_node * nodes, in_horizon, Int128{full} * pool.amortization_months);
    b.hosting = MulDiv(pool.hosting_per_node_month * nodes, in_horizon, full);
    fixed += b.capex + b.hosting;
    // Energy: busy GPUs at busy power, idle GPUs at idle power, each provisioned node at its
    // overhead, times PUE.
    const double busy_h = GpuTimeToHours(usage.allocated);
    const double idle_h = GpuTimeToHours(idle_time);
    const double node_h = GpuTimeToHours(usage.provisioned) / pool.gpus_per_node;
    const double it_kwh = (busy_h * pool.gpu_busy_watts + idle_h * pool.gpu_idle_watts +
                           node_h * pool.node_overhead_watts) / 1000.0;
    b.energy_kwh = it_kwh * pool.pue;
    b.energy = DollarsToMoney(b.energy_kwh * pool.usd_per_kwh);
    // Idle energy: idle GPUs, plus the idle share of node overhead.
    const double idle_share = usage.provisioned > 0 ? static_cast<double>(idle_time) /
                                                          static_cast<double>(usage.provisioned)
                                                    : 0.0;
    const double idle_kwh =
        (idle_h * pool.gpu_idle_watts + idle_share * node_h * pool.node_overhead_watts) / 1000.0 *
        pool.pue;
    b.idle += DollarsToMoney(idle_kwh * pool.usd_per_kwh);
  }
  b.idle += b.idle_capacity;
  if (fixed > 0) {
    // Fixed charges are idle in the proportion of idle GPU-time (all idle when nothing was
    // provisioned, e.g. owned nodes are paid for even in months with no GPU-time).
    b.idle += usage.provisioned > 0 ? MulDiv(fixed, idle_time, usage.provisioned) : fixed;
  }
  return b;
}

}  // namespace burnrate
