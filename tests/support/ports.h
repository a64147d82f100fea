// Picking unprivileged ports for servers started by tests.
#pragma once

#include <cstdint>
#include <string>

namespace dnsprop::test {

// A port that is free for both UDP and TCP on `addr` (a loopback address such as
// "127.0.0.2" or "::1") at the time of the call: binds UDP on port 0, then TCP on the
// same port, and retries with another port until both succeed. The sockets are closed
// before returning, so a racing process could still take the port; servers started
// right afterwards rarely lose that race. Thread-safe.
// Throws std::invalid_argument for a non-loopback or unparsable address and
// std::runtime_error when no port is found after many attempts.
std::uint16_t freeUdpTcpPort(const std::string& addr);

}  // namespace dnsprop::test
