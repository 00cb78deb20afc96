#include "sim/model/calendar.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 9999;

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Floor division for a positive divisor (C++ `/` truncates towards zero).
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Zero-padded decimal of a non-negative number.
std::string Pad(int64_t value, size_t width) {
  std::string digits = absl::StrCat(value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return digits;
}

// absl 20220623 (Debian) has its own string_view, distinct from std::string_view.
absl::Status Invalid(std::string_view text, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", absl::CHexEscape(std::string(text)),
                                                 "\" is not a valid date: ", why,
                                                 "; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"));
}

// Reads text[pos, pos + width) as decimal digits; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t width, int* out) {
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// Unix seconds at 00:00:00Z on the first day of the month; month in 1..12.
int64_t MonthStartSeconds(int year, unsigned month) {
  return DaysFromCivil(year, month, 1) * kSecondsPerDay;
}

}  // namespace

// Howard Hinnant's days_from_civil (http://howardhinnant.github.io/date_algorithms.html):
// count in 400-year eras of 146097 days, with years starting on March 1 so the leap day is last.
int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;  // [0, 399]
  const int64_t m = static_cast<int64_t>(month);
  const int64_t day_of_year =
      (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<int64_t>(day) - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468 = days from 0000-03-01 to 1970-01-01
}

// The inverse, civil_from_days from the same source.
void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;  // [0, 146096]
  // [0, 399]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t mp = (5 * day_of_year + 2) / 153;                              // [0, 11], March = 0
  const int64_t d = day_of_year - (153 * mp + 2) / 5 + 1;                      // [1, 31]
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;                                 // [1, 12]
  *year = static_cast<int>(year_of_era + era * 400 + (m <= 2 ? 1 : 0));
  *month = static_cast<unsigned>(m);
  *day = static_cast<unsigned>(d);
}

absl::StatusOr<int64_t> ParseUtcTimestamp(std::string_view text) {
  const bool has_time = text.size() == 19 || text.size() == 20;
  if (text.size() != 10 && !has_time) {
    return Invalid(text, "expected 10 or 20 characters");
  }
  auto separator_ok = [&](size_t pos, char expected) { return text[pos] == expected; };
  int year = 0;
  int month = 0;
  int day = 0;
  if (!ReadDigits(text, 0, 4, &year) || !separator_ok(4, '-') || !ReadDigits(text, 5, 2, &month) ||
      !separator_ok(7, '-') || !ReadDigits(text, 8, 2, &day)) {
    return Invalid(text, "the date part is not YYYY-MM-DD");
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (has_time) {
    if (!separator_ok(10, 'T') || !ReadDigits(text, 11, 2, &hour) || !separator_ok(13, ':') ||
        !ReadDigits(text, 14, 2, &minute) || !separator_ok(16, ':') ||
        !ReadDigits(text, 17, 2, &second) || (text.size() == 20 && !separator_ok(19, 'Z'))) {
      return Invalid(text, "the time part is not THH:MM:SS or THH:MM:SSZ");
    }
  }
  if (year < kMinYear || year > kMaxYear) {
    return Invalid(
        text, absl::StrCat("year ", year, " is out of range (", kMinYear, "..", kMaxYear, ")"));
  }
  if (month < 1 || month > 12) {
    return Invalid(text, absl::StrCat("month ", month, " is out of range"));
  }
  const unsigned month_days = DaysInMonth(year, static_cast<unsigned>(month));
  if (day < 1 || static_cast<unsigned>(day) > month_days) {
    return Invalid(text, absl::StrCat("day ", day, " is out of range for ", Pad(year, 4), "-",
                                      Pad(month, 2), " (", month_days, " days)"));
  }
  if (hour > 23) return Invalid(text, absl::StrCat("hour ", hour, " is out of range"));
  if (minute > 59) return Invalid(text, absl::StrCat("minute ", minute, " is out of range"));
  if (second > 59) return Invalid(text, absl::StrCat("second ", second, " is out of range"));
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
             kSecondsPerDay +
         hour * 3600 + minute * 60 + second;
}

std::string FormatUtcTimestamp(int64_t unix_seconds) {
  const int64_t days = FloorDiv(unix_seconds, kSecondsPerDay);
  const int64_t second_of_day = unix_seconds - days * kSecondsPerDay;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, &year, &month, &day);
  return absl::StrCat(Pad(year, 4), "-", Pad(month, 2), "-", Pad(day, 2), "T",
                      Pad(second_of_day / 3600, 2), ":", Pad(second_of_day / 60 % 60, 2), ":",
                      Pad(second_of_day % 60, 2), "Z");
}

std::vector<MonthSpan> MonthsInHorizon(int64_t start_unix_seconds, SimTime horizon) {
  std::vector<MonthSpan> months;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(FloorDiv(start_unix_seconds, kSecondsPerDay), &year, &month, &day);
  // Stops after 9999-12 as well, so an unbounded horizon (kTimeInfinity) terminates and
  // second-to-microsecond products stay far below int64 overflow.
  while (year <= kMaxYear) {
    const int next_year = month == 12 ? year + 1 : year;
    const unsigned next_month = month == 12 ? 1 : month + 1;
    const SimTime begin =
        std::max<SimTime>(0, (MonthStartSeconds(year, month) - start_unix_seconds) * kSecond);
    if (begin >= horizon) break;
    const SimTime end = std::min<SimTime>(
        horizon, (MonthStartSeconds(next_year, next_month) - start_unix_seconds) * kSecond);
    const Duration full =
        (MonthStartSeconds(next_year, next_month) - MonthStartSeconds(year, month)) * kSecond;
    months.push_back(
        MonthSpan{absl::StrCat(Pad(year, 4), "-", Pad(month, 2)), begin, end, full});
    year = next_year;
    month = next_month;
  }
  return months;
}

}  // namespace burnrate
