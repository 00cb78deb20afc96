// Money and GPU-time as integers, so bills add up exactly and can be checked by hand.
#ifndef BURNRATE_SIM_MODEL_MONEY_H_
#define BURNRATE_SIM_MODEL_MONEY_H_

#include <cmath>
#include <cstdint>

#include "sim/model/time.h"

namespace burnrate {

// 128-bit signed integer (GCC/Clang extension, marked so -Wpedantic accepts it).
__extension__ typedef __int128 Int128;

// US dollars in micro-dollars (1e-6 USD). int64 holds +-9.2e12 USD.
using Money = int64_t;
inline constexpr Money kMicroDollarsPerDollar = 1'000'000;

// GPU-time in GPU-microseconds. 128-bit: 1e6 GPUs for 10 years is 3e20 GPU-us.
using GpuTime = Int128;
inline constexpr double kGpuTimePerGpuHour = static_cast<double>(kHour);

// A price per GPU-hour, in micro-dollars per GPU-hour (so $2.345678/GPU-h is exact).
using PricePerGpuHour = int64_t;

inline PricePerGpuHour DollarsPerHourToPrice(double usd_per_gpu_hour) {
  return static_cast<PricePerGpuHour>(
      std::llround(usd_per_gpu_hour * static_cast<double>(kMicroDollarsPerDollar)));
}

// Cost of `gpu_time` at `price`, rounded half away from zero to the micro-dollar.
inline Money CostOf(GpuTime gpu_time, PricePerGpuHour price) {
  const Int128 num = gpu_time * static_cast<Int128>(price);
  const Int128 den = static_cast<Int128>(kHour);
  const Int128 q = (num >= 0 ? num + den / 2 : num - den / 2) / den;
  return static_cast<Money>(q);
}

inline Money DollarsToMoney(double usd) {
  return static_cast<Money>(std::llround(usd * static_cast<double>(kMicroDollarsPerDollar)));
}

inline double MoneyToDollars(Money m) {
  return static_cast<double>(m) / static_cast<double>(kMicroDollarsPerDollar);
}
inline double GpuTimeToHours(GpuTime g) {
  return static_cast<double>(g) / kGpuTimePerGpuHour;
}

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_MONEY_H_
