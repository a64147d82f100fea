// Translation of `web.listen` / `--web.listen-address` values into civetweb's
// `listening_ports` entries. Pure functions, thread-safe, never throw.
//
// Accepted forms (the Prometheus exporter ones):
//   ":PORT"         every address civetweb can serve ("+PORT": IPv4 and IPv6 with an
//                   IPv6-enabled civetweb; IPv4 only with Debian 12's libcivetweb1, which
//                   is built without IPv6, see WebServer)
//   "A.B.C.D:PORT"  one IPv4 address
//   "[V6]:PORT"     one IPv6 address (needs an IPv6-enabled civetweb)
//   "HOST:PORT"     a host name civetweb resolves at start-up (e.g. "localhost:10153")
// PORT is 0..65535; 0 asks the kernel for a free port (tests), see WebServer::ports().
// Anything civetweb would read as more than one entry or as an option (commas, spaces,
// the "s"/"r" TLS and redirect suffixes) is rejected, so a config value can never
// open a port nobody asked for. TLS is the web config's business: WebServer appends
// the "s" to every entry itself when tls_server_config is set (docs/WEB.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsprop {

struct ListenAddress {
  enum class Kind { AllAddresses, V4, V6, HostName };
  Kind kind = Kind::AllAddresses;
  std::string civetweb;     // the listening_ports entry, e.g. "127.0.0.1:10153", "+10153"
  std::uint16_t port = 0;   // as written; 0 = kernel-chosen
};

// Exactly one of `address` and `error` is set; `error` says what is wrong in words
// suitable for a config error ("port 70000 is out of range 0..65535").
struct ListenParseResult {
  std::optional<ListenAddress> address;
  std::string error;
};

ListenParseResult parseListenAddress(std::string_view text);

// The URL people reach an instance at when [web] external_url is not set (as Prometheus'
// default --web.external-url): "http(s)://HOST:PORT" of the first listen address, where
// HOST is that address (or host name), or `hostname` when it listens on every address.
// `port` is the bound one (WebServer::ports()); an unparsable `listen` gives "".
std::string defaultExternalUrl(std::string_view listen, std::uint16_t port, bool tls,
                               std::string_view hostname);

}  // namespace dnsprop
