// Per-resolver politeness: a token bucket on the monotonic clock. Pure logic, no I/O;
// time is passed in. Not thread-safe (owned by the loop thread).
#pragma once

#include "common/clock.h"

namespace dnsprop {

class TokenBucket {
 public:
  // `rate_per_second` > 0 tokens are added per second up to `burst` (>= 1).
  // The bucket starts full.
  TokenBucket(double rate_per_second, int burst, MonoTime now);

  // Takes one token if available and returns true; otherwise returns false.
  bool tryTake(MonoTime now);
  // How long from `now` until a token will be available (0 if one is available now).
  std::chrono::nanoseconds waitTime(MonoTime now);

 private:
  void refill(MonoTime now);
  double rate_;
  double burst_;
  double tokens_;
  MonoTime last_;
};

}  // namespace dnsprop
