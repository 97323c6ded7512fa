// Instants as PROTOCOL.md section 1 writes them: RFC 3339 in UTC ending in
// "Z", fractional seconds accepted on input and never written.
#ifndef ISOLOIR_TIMESTAMP_H_
#define ISOLOIR_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "isoloir/result.h"

namespace isoloir {

struct Timestamp {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  uint32_t nanos = 0;   // 0 .. 999'999'999

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads defaulted <=>
  auto operator<=>(const Timestamp&) const = default;

  // "bad_time" for anything but YYYY-MM-DDTHH:MM:SS[.fraction]Z with a real date.
  static Result<Timestamp> parse(std::string_view text, std::string_view field);
  static Timestamp from_unix(int64_t seconds) { return Timestamp{seconds, 0}; }
  // The current time of the system clock.
  static Timestamp now();
  // YYYY-MM-DDTHH:MM:SSZ (the fraction is dropped).
  std::string to_string() const;
};

}  // namespace isoloir

#endif  // ISOLOIR_TIMESTAMP_H_
