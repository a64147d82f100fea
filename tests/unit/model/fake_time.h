// Hand-made times for the model's unit tests: seconds after a fixed kT0, so failures
// print small numbers. Header-only; each test file includes it inside no namespace.
#pragma once

#include <chrono>
#include <optional>

#include "common/clock.h"

namespace dnsprop::test {

inline const WallTime kT0{std::chrono::seconds(1'800'000'000)};
inline WallTime at(long s) { return kT0 + std::chrono::seconds(s); }
// Seconds after kT0; -1 for "none".
inline long rel(std::optional<WallTime> t) {
  return t ? static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(*t - kT0).count()) : -1;
}

}  // namespace dnsprop::test
