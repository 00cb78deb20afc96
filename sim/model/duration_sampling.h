// Draws from a DurationDist (generators' run times, services' service times and token counts).
#ifndef BURNRATE_SIM_MODEL_DURATION_SAMPLING_H_
#define BURNRATE_SIM_MODEL_DURATION_SAMPLING_H_

#include "sim/model/rng.h"
#include "sim/model/scenario_model.h"

namespace burnrate {

// One draw, clipped to [min_s, max_s] (0 = no bound) and to >= 0. An empty empirical list
// draws 0.
double SampleSeconds(const DurationDist& d, Rng& rng);

// The mean of SampleSeconds: the closed form when unclipped, else the mean of 65,536 draws of
// a fixed stream (deterministic).
double MeanSeconds(const DurationDist& d);

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_DURATION_SAMPLING_H_
