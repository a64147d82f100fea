// Time sources, passed in so that logic and tests can use fake time.
// Monotonic time measures intervals and timeouts (immune to wall-clock steps, FAULTS F18);
// system time is only for display, persisted timestamps and TTL-based predictions shown
// to humans.
#pragma once

#include <chrono>

namespace dnsprop {

using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime monotonic() const = 0;
  virtual WallTime wall() const = 0;
};

// The real clocks. Thread-safe.
class SystemClock final : public Clock {
 public:
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
  WallTime wall() const override { return std::chrono::system_clock::now(); }
};

// A clock tests move by hand. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime wall_start = WallTime(std::chrono::seconds(1'800'000'000)))
      : wall_(wall_start) {}
  MonoTime monotonic() const override { return mono_; }
  WallTime wall() const override { return wall_; }
  void advance(std::chrono::milliseconds d) {
    mono_ += d;
    wall_ += d;
  }
  // A wall-clock step that monotonic time does not see (FAULTS F18).
  void stepWall(std::chrono::milliseconds d) { wall_ += d; }

 private:
  MonoTime mono_{};
  WallTime wall_;
};

}  // namespace dnsprop
