// Factories of the built-in placement and scaling policies (see placement.cc, scaling.cc).
#ifndef BURNRATE_SCHEDULER_PLACEMENTS_H_
#define BURNRATE_SCHEDULER_PLACEMENTS_H_

#include <memory>

#include "scheduler/policy.h"

namespace burnrate {

std::unique_ptr<PlacementPolicy> NewFirstFitPlacement();
std::unique_ptr<PlacementPolicy> NewBestFitPlacement();
std::unique_ptr<PlacementPolicy> NewSpreadPlacement();
// placement_aware.cc
std::unique_ptr<PlacementPolicy> NewRandomPlacement();
std::unique_ptr<PlacementPolicy> NewTopologyPlacement();
std::unique_ptr<PlacementPolicy> NewFastestPlacement();
std::unique_ptr<PlacementPolicy> NewCheapestDeadlinePlacement();

// Scaling policies (scaling.cc).
std::unique_ptr<ScalingPolicy> NewInOrderScaling();
std::unique_ptr<ScalingPolicy> NewCheapestFirstScaling();

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_PLACEMENTS_H_
