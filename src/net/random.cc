#include "net/random.h"

#include <uv.h>

#include <cstdlib>
#include <cstring>

namespace dnsprop {

void SecureRandom::refill() {
  // Synchronous mode (no loop, no callback). getrandom() only fails before the pool
  // is initialised at early boot or on a broken kernel: continuing without real
  // randomness would make spoofing (FAULTS F1) easy, so stop.
  if (uv_random(nullptr, nullptr, buf_.data(), buf_.size(), 0, nullptr) != 0) std::abort();
  pos_ = 0;
}

std::uint16_t SecureRandom::next16() {
  if (pos_ + 2 > buf_.size()) refill();
  std::uint16_t v;
  std::memcpy(&v, buf_.data() + pos_, 2);
  pos_ += 2;
  return v;
}

std::uint32_t SecureRandom::next32() {
  if (pos_ + 4 > buf_.size()) refill();
  std::uint32_t v;
  std::memcpy(&v, buf_.data() + pos_, 4);
  pos_ += 4;
  return v;
}

std::uint32_t SecureRandom::uniform(std::uint32_t bound) {
  // Rejection sampling: drop values in the incomplete last bucket.
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  std::uint32_t v;
  do {
    v = next32();
  } while (v >= limit);
  return v % bound;
}

}  // namespace dnsprop
