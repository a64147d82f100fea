// Small DNS vocabulary shared by the wire layer (src/dns) and the transport (src/net).
// Plain values and pure functions: thread-safe, never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace dnsprop::dns {

enum class Transport { Udp, Tcp };
std::string_view toString(Transport t);  // "udp" | "tcp"

// RR type codes as on the wire (RFC 1035 and successors).
using QType = std::uint16_t;
namespace qtype {
inline constexpr QType A = 1;
inline constexpr QType NS = 2;
inline constexpr QType CNAME = 5;
inline constexpr QType SOA = 6;
inline constexpr QType PTR = 12;
inline constexpr QType MX = 15;
inline constexpr QType TXT = 16;
inline constexpr QType AAAA = 28;
inline constexpr QType OPT = 41;
}  // namespace qtype

inline constexpr std::uint16_t kClassIn = 1;

// The EDNS0 UDP payload size we advertise (DNS flag day 2020) and so the largest UDP
// reply we accept (FAULTS "Before an answer counts" 2).
inline constexpr std::size_t kUdpPayloadSize = 1232;
// The largest DNS message a TCP length prefix can announce.
inline constexpr std::size_t kMaxTcpMessage = 65535;
inline constexpr std::size_t kHeaderSize = 12;

// Config types to wire codes and back (nullopt for codes the config cannot name).
QType toQType(RRType t);
std::optional<RRType> fromQType(QType code);
// "A", "AAAA", ... for the types above, "TYPE<n>" otherwise (RFC 3597 spelling).
std::string qtypeName(QType code);

}  // namespace dnsprop::dns
