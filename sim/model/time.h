// Simulated time and durations: 64-bit integer microseconds since the scenario start.
// Never a double inside the engine; convert at the edges (loading and reports) only.
#ifndef BURNRATE_SIM_MODEL_TIME_H_
#define BURNRATE_SIM_MODEL_TIME_H_

#include <cmath>
#include <cstdint>
#include <limits>

namespace burnrate {

// Microseconds since the scenario start. int64 holds about 292,000 years.
using SimTime = int64_t;
// A span of simulated time in microseconds.
using Duration = int64_t;

inline constexpr Duration kMicrosecond = 1;
inline constexpr Duration kMillisecond = 1000;
inline constexpr Duration kSecond = 1000 * kMillisecond;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;
inline constexpr SimTime kTimeInfinity = std::numeric_limits<SimTime>::max();

// Rounds to the nearest microsecond. REQUIRES: 0 <= s < 9.2e12 (checked by the loader).
inline SimTime SecondsToTime(double s) {
  return static_cast<SimTime>(std::llround(s * static_cast<double>(kSecond)));
}
inline double TimeToSeconds(SimTime t) {
  return static_cast<double>(t) / static_cast<double>(kSecond);
}

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_TIME_H_
