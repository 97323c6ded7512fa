// Paris time for the printed notices, without a time-zone database: Debian's
// g++ 12 libstdc++ has none for std::chrono zones, so the EU rule is written
// out here. Europe/Paris is CET (UTC+1) except from the last Sunday of March
// 01:00 UTC to the last Sunday of October 01:00 UTC, CEST (UTC+2) — the rule
// in force since 1996 (directive 2000/84/EC); earlier years are not needed.
#ifndef ISOLOIR_TOOLS_PARIS_TIME_H_
#define ISOLOIR_TOOLS_PARIS_TIME_H_

#include <cstdint>
#include <string>

namespace isoloir::cli {

// Seconds to add to UTC for Paris at the instant `unix_seconds`: 3600 or 7200.
int paris_offset_seconds(int64_t unix_seconds);

// The instant in Paris time, in French: "lundi 1er décembre 2026 à 9 h 00".
std::string french_paris_time(int64_t unix_seconds);

// "du lundi 1er décembre 2026 à 9 h 00 au lundi 8 décembre 2026 à 17 h 00,
// heure de Paris".
std::string french_voting_period(int64_t opens_unix, int64_t closes_unix);

}  // namespace isoloir::cli

#endif  // ISOLOIR_TOOLS_PARIS_TIME_H_
