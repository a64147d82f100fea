// RFC 3339 text for wall-clock times, as every JSON document and table of dnsprop shows
// them: UTC, millisecond precision, "2026-11-25T19:37:16.123Z". Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/duration.h"

namespace dnsprop {

// "2026-11-25T19:37:16.123Z" (sub-millisecond parts are dropped, towards the past).
std::string formatRfc3339(WallTime t);
// Parses what formatRfc3339 writes, and also "...Z" without fraction or with 1-9 digits,
// and offsets "+09:00"/"-05:00". nullopt for anything else.
std::optional<WallTime> parseRfc3339(std::string_view text);
// "3d 4h", "5h 02m", "12m 03s", "45s" (negative durations as "-" + that).
std::string formatRelative(std::chrono::nanoseconds d);
// Milliseconds since the Unix epoch (floor), and back.
std::int64_t unixMillis(WallTime t);
WallTime fromUnixMillis(std::int64_t ms);

}  // namespace dnsprop
