#include "sim/model/calendar.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sim/model/rng.h"
#include "sim/model/time.h"

namespace burnrate {
namespace {

int64_t ParseOrDie(const std::string& text) {
  absl::StatusOr<int64_t> parsed = ParseUtcTimestamp(text);
  INFO(text << ": " << parsed.status().ToString());
  REQUIRE(parsed.ok());
  return *parsed;
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<int64_t> parsed = ParseUtcTimestamp(text);
  INFO(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST_CASE("ParseUtcTimestamp accepts the three forms", "[calendar]") {
  CHECK(ParseOrDie("1970-01-01") == 0);
  CHECK(ParseOrDie("1970-01-01T00:00:01Z") == 1);
  // Values from Python's calendar.timegm.
  CHECK(ParseOrDie("2000-03-01T00:00:00Z") == 951868800);
  CHECK(ParseOrDie("2023-01-31") == 1675123200);
  CHECK(ParseOrDie("2023-01-31T00:00:00") == 1675123200);
  CHECK(ParseOrDie("2023-01-31T00:00:00Z") == 1675123200);
  CHECK(ParseOrDie("2024-02-29T23:59:59Z") == 1709251199);
  CHECK(ParseOrDie("9999-12-31T23:59:59Z") == 253402300799);
}

TEST_CASE("ParseUtcTimestamp knows leap years", "[calendar]") {
  CHECK(ParseOrDie("2024-02-29") - ParseOrDie("2024-02-28") == 86400);
  CHECK(ParseOrDie("2000-02-29") - ParseOrDie("2000-02-28") == 86400);  // divisible by 400
  CHECK(ErrorOf("2023-02-29") ==
        "\"2023-02-29\" is not a valid date: day 29 is out of range for 2023-02 (28 days); use "
        "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  CHECK_THAT(ErrorOf("2100-02-29"), Catch::Contains("day 29 is out of range"));  // century
  CHECK_THAT(ErrorOf("2023-04-31"), Catch::Contains("day 31 is out of range for 2023-04"));
  CHECK_THAT(ErrorOf("2023-01-00"), Catch::Contains("day 0 is out of range"));
}

TEST_CASE("ParseUtcTimestamp rejects malformed and out-of-range text", "[calendar]") {
  CHECK(ErrorOf("2023-13-01") ==
        "\"2023-13-01\" is not a valid date: month 13 is out of range; use YYYY-MM-DD or "
        "YYYY-MM-DDTHH:MM:SSZ (UTC)");
  CHECK_THAT(ErrorOf("2023-00-10"), Catch::Contains("month 0 is out of range"));
  CHECK_THAT(ErrorOf("1969-12-31T23:59:59Z"), Catch::Contains("year 1969 is out of range"));
  CHECK_THAT(ErrorOf("2023-01-01T24:00:00Z"), Catch::Contains("hour 24 is out of range"));
  CHECK_THAT(ErrorOf("2023-01-01T00:60:00Z"), Catch::Contains("minute 60 is out of range"));
  CHECK_THAT(ErrorOf("2023-01-01T23:59:60Z"), Catch::Contains("second 60 is out of range"));
  for (const char* bad :
       {"", "2023-1-01", "2023/01/01", "20230101", "2023-01-01 00:00:00", "2023-01-01t00:00:00z",
        "2023-01-01T00:00:00+00:00", "2023-01-01T00:00:00.000Z", "2023-01-01T00:00", "2023-01-0a",
        "2023-01-01T00:00:00ZZ", "+023-01-01", " 2023-01-01", "2023-01-01T00:00:00z"}) {
    const std::string message = ErrorOf(bad);
    INFO(message);
    CHECK_THAT(message, Catch::Contains("is not a valid date") &&
                            Catch::Contains("use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"));
  }
}

TEST_CASE("DaysFromCivil and CivilFromDays round-trip over 1970..9999", "[calendar]") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  const int64_t last = DaysFromCivil(9999, 12, 31);
  CHECK(last == 2932896);  // Python: (date(9999,12,31) - date(1970,1,1)).days

  int failures = 0;
  int prev_year = 1969;
  unsigned prev_month = 12;
  unsigned prev_day = 31;
  for (int64_t days = 0; days <= last; ++days) {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    CivilFromDays(days, &year, &month, &day);
    if (DaysFromCivil(year, month, day) != days) ++failures;
    // Each day follows the previous one: same month and day + 1, or the first of the next month.
    const bool next_in_month = year == prev_year && month == prev_month && day == prev_day + 1;
    const bool next_month = day == 1 && ((year == prev_year && month == prev_month + 1) ||
                                         (year == prev_year + 1 && month == 1 && prev_month == 12));
    if (!next_in_month && !next_month) ++failures;
    prev_year = year;
    prev_month = month;
    prev_day = day;
  }
  CHECK(failures == 0);
  CHECK(prev_year == 9999);
  CHECK(prev_month == 12);
  CHECK(prev_day == 31);
}

TEST_CASE("FormatUtcTimestamp inverts ParseUtcTimestamp", "[calendar]") {
  for (const char* text : {"1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2023-12-31T23:59:59Z",
                           "9999-12-31T23:59:59Z"}) {
    CHECK(FormatUtcTimestamp(ParseOrDie(text)) == text);
  }
  Rng rng(2024);
  const int64_t max_seconds = ParseOrDie("9999-12-31T23:59:59Z");
  int failures = 0;
  for (int i = 0; i < 100'000; ++i) {
    const int64_t t = static_cast<int64_t>(rng.UniformInt(static_cast<uint64_t>(max_seconds) + 1));
    absl::StatusOr<int64_t> back = ParseUtcTimestamp(FormatUtcTimestamp(t));
    if (!back.ok() || *back != t) ++failures;
  }
  CHECK(failures == 0);
}

TEST_CASE("MonthsInHorizon cuts at month boundaries", "[calendar]") {
  SECTION("two days from January 31") {
    const std::vector<MonthSpan> months =
        MonthsInHorizon(ParseOrDie("2023-01-31T00:00:00Z"), 2 * kDay);
    REQUIRE(months.size() == 2);
    CHECK(months[0].label == "2023-01");
    CHECK(months[0].begin == 0);
    CHECK(months[0].end == kDay);
    CHECK(months[1].label == "2023-02");
    CHECK(months[1].begin == kDay);
    CHECK(months[1].end == 2 * kDay);
  }
  SECTION("mid-month start across a year boundary") {
    // 2023-12-15T12:00Z + 60 days = 2024-02-13T12:00Z.
    const std::vector<MonthSpan> months =
        MonthsInHorizon(ParseOrDie("2023-12-15T12:00:00Z"), 60 * kDay);
    REQUIRE(months.size() == 3);
    CHECK(months[0].label == "2023-12");
    CHECK(months[0].begin == 0);
    CHECK(months[0].end == 16 * kDay + 12 * kHour);
    CHECK(months[1].label == "2024-01");
    CHECK(months[1].begin == 16 * kDay + 12 * kHour);
    CHECK(months[1].end == 47 * kDay + 12 * kHour);
    CHECK(months[2].label == "2024-02");
    CHECK(months[2].begin == 47 * kDay + 12 * kHour);
    CHECK(months[2].end == 60 * kDay);
  }
  SECTION("a horizon ending exactly at a month boundary adds no empty month") {
    const int64_t start = ParseOrDie("2023-01-01");
    REQUIRE(MonthsInHorizon(start, 31 * kDay).size() == 1);
    const std::vector<MonthSpan> one_more = MonthsInHorizon(start, 31 * kDay + 1);
    REQUIRE(one_more.size() == 2);
    CHECK(one_more[1].label == "2023-02");
    CHECK(one_more[1].begin == 31 * kDay);
    CHECK(one_more[1].end == 31 * kDay + 1);
  }
  SECTION("a leap year tiles without gaps") {
    const std::vector<MonthSpan> months = MonthsInHorizon(ParseOrDie("2024-01-01"), 366 * kDay);
    REQUIRE(months.size() == 12);
    CHECK(months[1].end - months[1].begin == 29 * kDay);
    CHECK(months.front().begin == 0);
    CHECK(months.back().label == "2024-12");
    CHECK(months.back().end == 366 * kDay);
    for (size_t i = 1; i < months.size(); ++i) CHECK(months[i].begin == months[i - 1].end);
  }
  SECTION("a short horizon inside one month") {
    const std::vector<MonthSpan> months =
        MonthsInHorizon(ParseOrDie("2023-06-10T08:00:00Z"), 90 * kMinute);
    REQUIRE(months.size() == 1);
    CHECK(months[0].label == "2023-06");
    CHECK(months[0].begin == 0);
    CHECK(months[0].end == 90 * kMinute);
  }
}

}  // namespace
}  // namespace burnrate
