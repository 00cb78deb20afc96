#include "sim/billing.h"

#include <algorithm>
#include <cmath>

#include "sim/model/carbon_catalog.h"

namespace burnrate {
namespace {

// a * b / c rounded half up, in 128 bits. REQUIRES: a, b >= 0, c > 0.
Money MulDiv(Int128 a, Int128 b, Int128 c) { return static_cast<Money>((a * b + c / 2) / c); }

// Carbon of every pool (docs/carbon.md). Power as for owned energy: busy GPUs at busy watts,
// idle GPUs at idle watts, each provisioned node at its overhead, times PUE; owned pools use
// their Owned pue and overhead, the others the Carbon ones.
void BillCarbon(const PoolSpec& pool, const PoolMonthUsage& usage, PoolMonthBill* b) {
  const bool owned = pool.pricing == PricingModel::kOwned;
  const double pue = owned ? pool.pue : pool.carbon_pue;
  const double node_watts = owned ? pool.node_overhead_watts : pool.carbon_node_overhead_watts;
  const double gpus_per_node = pool.gpus_per_node > 0 ? pool.gpus_per_node : 1.0;
  // The same expression as the owned energy above, so that facility_kwh == energy_kwh there.
  const double busy_h = GpuTimeToHours(usage.allocated);
  const double idle_h = GpuTimeToHours(usage.provisioned - usage.allocated);
  const double provisioned_h = GpuTimeToHours(usage.provisioned);
  const double node_h = provisioned_h / gpus_per_node;
  const double it_kwh =
      (busy_h * pool.gpu_busy_watts + idle_h * pool.gpu_idle_watts + node_h * node_watts) /
      1000.0;
  b->facility_kwh = it_kwh * pue;
  if (pool.carbon_hourly.empty()) {
    b->co2e_operational_kg = b->facility_kwh * pool.grid_gco2e_per_kwh / 1000.0;
  } else {
    // The ledger's intensity-weighted GPU-hours (GPU-h x gCO2e/kWh) in place of GPU-hours.
    const double busy_g = usage.allocated_gco2e;
    const double idle_g = usage.provisioned_gco2e - usage.allocated_gco2e;
    const double node_g = usage.provisioned_gco2e / gpus_per_node;
    const double grams = (busy_g * pool.gpu_busy_watts + idle_g * pool.gpu_idle_watts +
                          node_g * node_watts) / 1000.0 * pue;
    b->co2e_operational_kg = grams / 1000.0;
  }
  // Embodied: linear over the lifetime, per provisioned GPU-hour (idle capacity carries it).
  const double per_gpu_kg =
      pool.embodied_kgco2e_per_gpu + pool.embodied_kgco2e_per_node / gpus_per_node;
  b->co2e_embodied_kg =
      pool.embodied_lifetime_years > 0
          ? provisioned_h * per_gpu_kg / (pool.embodied_lifetime_years * kHoursPerYear)
          : 0.0;
}

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
  facility_kwh += o.facility_kwh;
  co2e_operational_kg += o.co2e_operational_kg;
  co2e_embodied_kg += o.co2e_embodied_kg;
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
  BillCarbon(pool, usage, &b);
  return b;
}

}  // namespace burnrate
