#include "paris_time.h"

#include <array>

namespace isoloir::cli {
namespace {

constexpr int64_t kDay = 86400;

struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// 0 = Sunday (1970-01-01 was a Thursday).
int weekday(int64_t days) {
  return static_cast<int>(((days % 7) + 11) % 7);
}

// The instant, in Unix seconds, of 01:00 UTC on the last Sunday of `month`
// (31 days: March or October).
int64_t last_sunday_0100_utc(int64_t year, int month) {
  const int64_t last = days_from_civil(year, month, 31);
  return (last - weekday(last)) * kDay + 3600;
}

}  // namespace

int paris_offset_seconds(int64_t unix_seconds) {
  const int64_t year = civil_from_days(floor_div(unix_seconds, kDay)).year;
  const bool summer = last_sunday_0100_utc(year, 3) <= unix_seconds &&
                      unix_seconds < last_sunday_0100_utc(year, 10);
  return summer ? 7200 : 3600;
}

std::string french_paris_time(int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"dimanche", "lundi",    "mardi", "mercredi",
                                                       "jeudi",    "vendredi", "samedi"};
  static constexpr std::array<const char*, 12> kMonths = {
      "janvier", "février", "mars",      "avril",   "mai",      "juin",
      "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
  const int64_t local = unix_seconds + paris_offset_seconds(unix_seconds);
  const int64_t days = floor_div(local, kDay);
  const int64_t second_of_day = local - days * kDay;
  const Civil c = civil_from_days(days);
  const int64_t minutes = second_of_day / 60;
  const std::string mm = (minutes % 60 < 10 ? "0" : "") + std::to_string(minutes % 60);
  return std::string(kDays[static_cast<size_t>(weekday(days))]) + " " +
         (c.day == 1 ? std::string("1er") : std::to_string(c.day)) + " " +
         kMonths[static_cast<size_t>(c.month - 1)] + " " + std::to_string(c.year) + " à " +
         std::to_string(minutes / 60) + " h " + mm;
}

std::string french_voting_period(int64_t opens_unix, int64_t closes_unix) {
  return "du " + french_paris_time(opens_unix) + " au " + french_paris_time(closes_unix) +
         ", heure de Paris";
}

}  // namespace isoloir::cli
