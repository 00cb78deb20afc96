// The scenario's calendar: UTC timestamps and the calendar months that cut monthly bills.
#ifndef BURNRATE_SIM_MODEL_CALENDAR_H_
#define BURNRATE_SIM_MODEL_CALENDAR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/model/time.h"

namespace burnrate {

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DDTHH:MM:SSZ" (UTC, proleptic
// Gregorian, years 1970..9999) into seconds since 1970-01-01T00:00:00Z.
// Errors (InvalidArgument) say what was wrong and the accepted forms.
absl::StatusOr<int64_t> ParseUtcTimestamp(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string FormatUtcTimestamp(int64_t unix_seconds);

// Days since 1970-01-01 of a civil date, and back. Valid for years 1970..9999.
int64_t DaysFromCivil(int year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day);

// One calendar month of the scenario clock, clipped to the horizon.
struct MonthSpan {
  std::string label;  // "YYYY-MM"
  SimTime begin = 0;  // inclusive, simulated time
  SimTime end = 0;    // exclusive, simulated time
  Duration full_length = 0;  // the whole calendar month, unclipped (for monthly prorating)
};

// The calendar months overlapping [0, horizon) of a clock that starts at `start_unix_seconds`,
// in order, each clipped to [0, horizon). REQUIRES: horizon > 0.
std::vector<MonthSpan> MonthsInHorizon(int64_t start_unix_seconds, SimTime horizon);

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_CALENDAR_H_
