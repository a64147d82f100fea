// Durations as humans write them in config files and flags: "90s", "14d", "1h30m", "250ms".
// Pure functions, thread-safe, never throw.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dnsprop {

using Duration = std::chrono::milliseconds;

// Parses a sequence of <unsigned integer><unit> groups, units ms, s, m, h, d, w, with
// strictly decreasing units ("1h30m" yes, "30m1h" no). No sign, no fractions, no
// whitespace, no bare numbers. Returns nullopt on any error or on overflow.
std::optional<Duration> parseDuration(std::string_view text);

// Inverse of parseDuration: the shortest exact spelling ("1d12h", "0s", "250ms").
std::string formatDuration(Duration d);

}  // namespace dnsprop
