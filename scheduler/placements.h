// Factories of the built-in placement policies (see placement.cc for their rules).
#ifndef BURNRATE_SCHEDULER_PLACEMENTS_H_
#define BURNRATE_SCHEDULER_PLACEMENTS_H_

#include <memory>

#include "scheduler/policy.h"

namespace burnrate {

std::unique_ptr<PlacementPolicy> NewFirstFitPlacement();
std::unique_ptr<PlacementPolicy> NewBestFitPlacement();
std::unique_ptr<PlacementPolicy> NewSpreadPlacement();

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_PLACEMENTS_H_
