#include "common/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace dnsprop {
namespace {

std::optional<std::uint16_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::uint16_t default_port) {
  Endpoint ep;
  ep.port_ = default_port;
  std::string host;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      auto port = parsePort(rest.substr(1));
      if (!port) return std::nullopt;
      ep.port_ = *port;
    }
    if (inet_pton(AF_INET6, host.c_str(), ep.bytes_) != 1) return std::nullopt;
    ep.family_ = Family::V6;
    return ep;
  }
  const auto colons = std::count(text.begin(), text.end(), ':');
  if (colons == 0 || colons == 1) {
    std::string_view h = text;
    if (colons == 1) {
      const auto colon = text.find(':');
      h = text.substr(0, colon);
      auto port = parsePort(text.substr(colon + 1));
      if (!port) return std::nullopt;
      ep.port_ = *port;
    }
    host = std::string(h);
    if (inet_pton(AF_INET, host.c_str(), ep.bytes_) != 1) return std::nullopt;
    ep.family_ = Family::V4;
    return ep;
  }
  // Bare IPv6 without brackets: no port possible.
  host = std::string(text);
  if (inet_pton(AF_INET6, host.c_str(), ep.bytes_) != 1) return std::nullopt;
  ep.family_ = Family::V6;
  return ep;
}

std::string Endpoint::address() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_ == Family::V4 ? AF_INET : AF_INET6, bytes_, buf, sizeof buf);
  return buf;
}

std::string Endpoint::toString() const {
  if (family_ == Family::V4) return address() + ":" + std::to_string(port_);
  return "[" + address() + "]:" + std::to_string(port_);
}

sockaddr_storage Endpoint::sockaddr(socklen_t& len) const {
  sockaddr_storage ss{};
  if (family_ == Family::V4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port_);
    std::memcpy(&sin->sin_addr, bytes_, 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port_);
    std::memcpy(&sin6->sin6_addr, bytes_, 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

std::optional<Endpoint> Endpoint::fromSockaddr(const struct sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  Endpoint ep;
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    ep.family_ = Family::V4;
    ep.port_ = ntohs(sin->sin_port);
    std::memcpy(ep.bytes_, &sin->sin_addr, 4);
    return ep;
  }
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    ep.family_ = Family::V6;
    ep.port_ = ntohs(sin6->sin6_port);
    std::memcpy(ep.bytes_, &sin6->sin6_addr, 16);
    return ep;
  }
  return std::nullopt;
}

bool Endpoint::isLoopback() const {
  if (family_ == Family::V4) return bytes_[0] == 127;
  static const unsigned char kLoop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(bytes_, kLoop6, 16) == 0;
}

}  // namespace dnsprop
