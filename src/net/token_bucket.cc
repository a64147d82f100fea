#include "net/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace dnsprop {

TokenBucket::TokenBucket(double rate_per_second, int burst, MonoTime now)
    : rate_(rate_per_second), burst_(std::max(1, burst)), tokens_(burst_), last_(now) {}

void TokenBucket::refill(MonoTime now) {
  if (now <= last_) return;  // monotonic, but be safe against equal readings
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::tryTake(MonoTime now) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  return false;
}

std::chrono::nanoseconds TokenBucket::waitTime(MonoTime now) {
  refill(now);
  if (tokens_ >= 1.0) return std::chrono::nanoseconds(0);
  const double seconds = (1.0 - tokens_) / rate_;
  return std::chrono::nanoseconds(static_cast<long long>(std::ceil(seconds * 1e9)));
}

}  // namespace dnsprop
