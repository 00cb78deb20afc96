// The monthly bill of one pool: prices applied to the ledger's usage. Integer micro-dollars
// wherever the price is a rate (hourly, upfront, capex, hosting); energy is computed in double
// and rounded once per pool-month. Carbon (kg CO2e, double) is computed beside the money for
// every pool, owned or not (docs/carbon.md).
#ifndef BURNRATE_SIM_BILLING_H_
#define BURNRATE_SIM_BILLING_H_

#include "sim/ledger.h"
#include "sim/model/calendar.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

struct PoolMonthBill {
  Money usage = 0;          // hourly charges for allocated GPU-time
  Money idle_capacity = 0;  // hourly charges for provisioned but unallocated GPU-time
  Money upfront = 0;        // reserved: amortised upfront payment
  Money capex = 0;          // owned: amortised purchase price
  Money hosting = 0;        // owned
  Money energy = 0;         // owned: electricity incl. PUE
  double energy_kwh = 0;
  // The part of the total that paid for idle GPUs: idle_capacity, the idle share of upfront,
  // capex and hosting, the energy of idle GPUs and the idle share of node overhead energy.
  Money idle = 0;
  // Carbon, every pool (not money: not in total()). Facility energy = IT energy x PUE (for
  // owned pools the same as energy_kwh); operational kg CO2e = facility energy x the grid
  // intensity; embodied kg CO2e = provisioned GPU-hours x the amortised embodied carbon.
  double facility_kwh = 0;
  double co2e_operational_kg = 0;
  double co2e_embodied_kg = 0;

  double co2e_kg() const { return co2e_operational_kg + co2e_embodied_kg; }
  Money total() const { return usage + idle_capacity + upfront + capex + hosting + energy; }
  PoolMonthBill& operator+=(const PoolMonthBill& o);
};

// Bills `pool` for `month` (clipped to the horizon) given its usage there. `horizon` is the
// run's length (for amortising an open-ended commitment's upfront over the horizon).
PoolMonthBill BillPoolMonth(const PoolSpec& pool, const MonthSpan& month,
                            const PoolMonthUsage& usage, SimTime horizon);

}  // namespace burnrate

#endif  // BURNRATE_SIM_BILLING_H_
