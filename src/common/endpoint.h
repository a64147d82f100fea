// A resolver or server address with its port: "192.0.2.1", "192.0.2.1:5353",
// "2001:db8::1", "[2001:db8::1]:5353". Value type, thread-safe, never throws.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsprop {

class Endpoint {
 public:
  enum class Family { V4, V6 };

  // Parses the forms above; `default_port` applies when none is written.
  // Returns nullopt for host names, empty ports, port 0, ports > 65535, zone ids
  // and anything inet_pton rejects.
  static std::optional<Endpoint> parse(std::string_view text, std::uint16_t default_port = 53);

  Family family() const { return family_; }
  std::uint16_t port() const { return port_; }
  // "192.0.2.1" or "2001:db8::1" (canonical inet_ntop form), without the port.
  std::string address() const;
  // "192.0.2.1:53" or "[2001:db8::1]:53".
  std::string toString() const;
  // For socket calls; `len` receives the length of the structure.
  sockaddr_storage sockaddr(socklen_t& len) const;
  // Builds an endpoint from a received source address; nullopt for other families.
  static std::optional<Endpoint> fromSockaddr(const struct sockaddr* sa);

  bool isLoopback() const;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;

 private:
  Family family_ = Family::V4;
  // Network byte order; the first 4 bytes only for V4.
  unsigned char bytes_[16] = {};
  std::uint16_t port_ = 53;
};

}  // namespace dnsprop
