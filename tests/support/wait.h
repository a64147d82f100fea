// Deadline polling for tests: never a fixed sleep standing in for "long enough".
// Thread-safe as far as `pred` is; never throws unless `pred` does.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace dnsprop::test {

// Calls `pred` until it returns true or `deadline` (a duration from now, measured on the
// monotonic clock) has passed; returns whether it became true. `pred` is always called
// at least once, and the last sleep is shortened so that one call lands on the deadline.
inline bool pollUntil(std::chrono::milliseconds deadline, const std::function<bool()>& pred,
                      std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (pred()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, end - now));
  }
}

}  // namespace dnsprop::test
