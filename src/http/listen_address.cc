#include "http/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace dnsprop {
namespace {

ListenParseResult fail(std::string why) { return {std::nullopt, std::move(why)}; }

std::optional<std::uint16_t> parsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 952/1123 host names. civetweb tries a number first, so a name must start with a
// letter or civetweb would read its leading digits as a port.
bool isHostName(std::string_view h) {
  if (h.empty() || h.size() > 253 || !isAsciiAlpha(h.front())) return false;
  if (h.back() == '-' || h.back() == '.') return false;
  char prev = '\0';
  for (char c : h) {
    if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '-' && c != '.') return false;
    if (c == '.' && (prev == '.' || prev == '-')) return false;
    if (c == '-' && prev == '.') return false;
    prev = c;
  }
  return true;
}

}  // namespace

ListenParseResult parseListenAddress(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  if (text.empty()) return fail("empty listen address");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    // civetweb splits listening_ports at commas and would read the rest as more ports.
    if (u <= 0x20 || u >= 0x7f || c == ',') {
      return fail("listen address " + quoted + " contains a space, comma or control character");
    }
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return fail("listen address " + quoted + " has no port (use HOST:PORT or :PORT)");
  }
  const auto port_text = text.substr(colon + 1);
  const auto port = parsePort(port_text);
  if (!port) {
    return fail("listen address " + quoted + ": port \"" + std::string(port_text) +
                "\" is not a number in 0..65535");
  }
  const auto host = text.substr(0, colon);
  ListenAddress out;
  out.port = *port;
  const std::string port_str = std::to_string(*port);

  if (host.empty()) {
    out.kind = ListenAddress::Kind::AllAddresses;
    out.civetweb = "+" + port_str;
    return {out, {}};
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return fail("listen address " + quoted + ": IPv6 address is not in [brackets]");
    }
    const std::string inner(host.substr(1, host.size() - 2));
    in6_addr a6{};
    // Zone ids ("fe80::1%eth0") are refused: civetweb 1.15 cannot bind to them.
    if (inner.find('%') != std::string::npos || inet_pton(AF_INET6, inner.c_str(), &a6) != 1) {
      return fail("listen address " + quoted + ": \"" + inner + "\" is not an IPv6 address");
    }
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &a6, buf, sizeof buf);
    out.kind = ListenAddress::Kind::V6;
    out.civetweb = "[" + std::string(buf) + "]:" + port_str;
    return {out, {}};
  }
  if (host.find(':') != std::string_view::npos || host.find(']') != std::string_view::npos) {
    return fail("listen address " + quoted + ": IPv6 addresses must be written as [ADDR]:PORT");
  }
  const std::string host_str(host);
  in_addr a4{};
  if (inet_pton(AF_INET, host_str.c_str(), &a4) == 1) {
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a4, buf, sizeof buf);
    out.kind = ListenAddress::Kind::V4;
    out.civetweb = std::string(buf) + ":" + port_str;
    return {out, {}};
  }
  if (isHostName(host)) {
    out.kind = ListenAddress::Kind::HostName;
    out.civetweb = host_str + ":" + port_str;
    return {out, {}};
  }
  return fail("listen address " + quoted + ": \"" + host_str +
              "\" is neither an IPv4 address nor a host name");
}

std::string defaultExternalUrl(std::string_view listen, std::uint16_t port, bool tls,
                               std::string_view hostname) {
  const auto parsed = parseListenAddress(listen);
  if (!parsed.address) return "";
  const std::string_view text = listen;
  const auto colon = text.rfind(':');
  std::string host;
  switch (parsed.address->kind) {
    case ListenAddress::Kind::AllAddresses: host = std::string(hostname); break;
    case ListenAddress::Kind::V4:
    case ListenAddress::Kind::V6:
    case ListenAddress::Kind::HostName: host = std::string(text.substr(0, colon)); break;
  }
  if (host == "0.0.0.0" || host == "[::]") host = std::string(hostname);  // every address too
  if (host.empty()) host = "localhost";
  return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port);
}

}  // namespace dnsprop
