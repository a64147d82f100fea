// Query IDs and jitter from the kernel's CSPRNG (getrandom via uv_random), read in
// batches so the hot path costs a few nanoseconds. FAULTS.md: never ldns_get_random.
// Not thread-safe: one per loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dnsprop {

class SecureRandom {
 public:
  std::uint16_t next16();
  std::uint32_t next32();
  // Uniform in [0, bound) without modulo bias; bound > 0.
  std::uint32_t uniform(std::uint32_t bound);

 private:
  void refill();
  std::array<std::uint8_t, 4096> buf_{};
  std::size_t pos_ = sizeof(buf_);
};

}  // namespace dnsprop
