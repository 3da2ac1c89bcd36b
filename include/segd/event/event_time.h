// RFC 3339 timestamps <-> Unix epoch milliseconds. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace segd {

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (RFC 3339 section 5.6; 't'/'z' and a
// space separator accepted as RFC 3339 allows). Fractions beyond milliseconds are truncated.
// Returns nullopt for anything else, including out-of-range fields (month 13, hour 24, ...).
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

// Formats as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC), or with an offset in minutes (e.g. -180 gives
// "...-03:00"). Milliseconds are omitted when zero.
std::string FormatRfc3339(int64_t epoch_ms, int offset_minutes = 0);

// A day as command lines take it: "YYYY-MM-DD" (midnight UTC) or a full RFC 3339 timestamp.
std::optional<int64_t> ParseDayMs(std::string_view text);

// "YYYY-MM-DD" of the UTC day holding `epoch_ms`.
std::string FormatDay(int64_t epoch_ms);

// Days since 1970-01-01 for a proleptic Gregorian date (month 1..12, day 1..31).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

inline constexpr int64_t kMillisPerDay = 86'400'000;

}  // namespace segd
