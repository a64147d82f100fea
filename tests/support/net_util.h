// Small socket helpers shared by the test support code (not for product code).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/endpoint.h"

namespace dnsprop::test {

// A sockaddr for a literal IPv4/IPv6 address and a port (0 allowed, unlike Endpoint).
// Throws std::invalid_argument when `addr` is not a literal address, or (unless
// `allow_any` is set) when it is not a loopback address: tests never touch anything else.
sockaddr_storage makeSockaddr(const std::string& addr, std::uint16_t port, socklen_t& len);

// The local port a socket is bound to; 0 on error.
std::uint16_t boundPort(int fd);

// Binds a new CLOEXEC, non-blocking socket of `type` (SOCK_DGRAM or SOCK_STREAM) to
// addr:port; -1 with errno set on failure. TCP sockets get SO_REUSEADDR so a restarted
// test server can take its port back while old connections sit in TIME_WAIT.
int bindSocket(const std::string& addr, std::uint16_t port, int type);

// Whether a literal address is IPv6 (holds a ':').
bool isV6(const std::string& addr);

// addr + port -> Endpoint. Throws std::invalid_argument unless `addr` is a loopback
// literal and the port is not 0.
Endpoint loopbackEndpoint(const std::string& addr, std::uint16_t port);

}  // namespace dnsprop::test
