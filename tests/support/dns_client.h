// A tiny blocking DNS client for tests: checks that test servers answer and what they
// answer. NOT for product code (the prober has its own transport and acceptance rules).
// All functions are thread-safe and never throw except where noted; a timeout, a
// network error or an unparsable reply is an empty optional.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/endpoint.h"

namespace dnsprop::test {

// Numeric RR types and classes, to keep ldns out of test headers.
inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeNS = 2;
inline constexpr std::uint16_t kTypeCNAME = 5;
inline constexpr std::uint16_t kTypeSOA = 6;
inline constexpr std::uint16_t kTypeMX = 15;
inline constexpr std::uint16_t kTypeTXT = 16;
inline constexpr std::uint16_t kTypeAAAA = 28;
inline constexpr std::uint16_t kClassIN = 1;
inline constexpr std::uint16_t kClassCH = 3;

// Rcodes (RFC 1035/6895).
inline constexpr int kRcodeNoError = 0;
inline constexpr int kRcodeFormErr = 1;
inline constexpr int kRcodeServFail = 2;
inline constexpr int kRcodeNxDomain = 3;
inline constexpr int kRcodeNotImp = 4;
inline constexpr int kRcodeRefused = 5;

using Bytes = std::vector<std::uint8_t>;
using Millis = std::chrono::milliseconds;

// A query in wire format, with a random ID, no EDNS. Throws std::invalid_argument for a
// name ldns cannot parse.
Bytes makeQuery(const std::string& name, std::uint16_t qtype, bool rd,
                std::uint16_t qclass = kClassIN);

// Sends `query` over UDP from a fresh connected socket and returns the first datagram
// from `server` whose ID equals the query's (other datagrams are skipped).
std::optional<Bytes> exchangeUdp(const Endpoint& server, const Bytes& query, Millis timeout);
// Sends `query` over TCP (2-byte length framing) and returns the first reply message.
std::optional<Bytes> exchangeTcp(const Endpoint& server, const Bytes& query, Millis timeout);

// makeQuery + exchangeUdp / exchangeTcp.
std::optional<Bytes> queryUdp(const Endpoint& server, const std::string& name,
                              std::uint16_t qtype, bool rd, Millis timeout);
std::optional<Bytes> queryTcp(const Endpoint& server, const std::string& name,
                              std::uint16_t qtype, bool rd, Millis timeout);

// One datagram received by collectUdp.
struct Datagram {
  Bytes bytes;
  Endpoint from;
};
// Sends `query` from an unconnected socket on `local_addr` and collects every datagram
// that arrives within `window` (from any source), up to `max_count`. For tests that need
// to see spoofed or duplicate replies, or replies from an unexpected address or port.
std::vector<Datagram> collectUdp(const Endpoint& server, const Bytes& query, Millis window,
                                 std::size_t max_count = 16,
                                 const std::string& local_addr = "127.0.0.1");

struct Record {
  std::string name;   // owner, lower-case, absolute ("www.test.")
  std::uint32_t ttl = 0;
  std::uint16_t type = 0;
  std::string rdata;  // presentation form, names lower-cased ("192.0.2.1", "10 mx.test.")
  std::string text;   // the whole record, single-spaced ("www.test. 2 IN A 192.0.2.1")
};

struct Reply {
  std::uint16_t id = 0;
  int rcode = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false;
  std::string qname;  // lower-case, absolute; empty without a question
  std::uint16_t qtype = 0;
  std::vector<Record> answer, authority, additional;
  bool has_edns = false;
  std::vector<std::pair<std::uint16_t, Bytes>> edns_options;  // code, data

  // rdata of the answer records of `type`, in order ("192.0.2.1").
  std::vector<std::string> answerRdata(std::uint16_t type) const;
  // The first EDNS option with `code`, if any (3 = NSID, 15 = EDE).
  std::optional<Bytes> ednsOption(std::uint16_t code) const;
};

// Parses a reply with ldns; nullopt when ldns rejects it.
std::optional<Reply> parseReply(const Bytes& wire);

// queryUdp + parseReply.
std::optional<Reply> lookup(const Endpoint& server, const std::string& name,
                            std::uint16_t qtype, bool rd = true,
                            Millis timeout = Millis(1000));

// Polls `server` (UDP, RD as given) until the answer's rdata of `qtype` equals
// `expected` (order-insensitive) or `deadline` passes. Returns the last reply seen for
// the failure message (nullopt if none came at all) and whether it matched.
struct WaitResult {
  bool matched = false;
  std::optional<Reply> last;
  std::string describe() const;  // "rcode=0 answer=[...]" or "no reply"
};
WaitResult waitForAnswer(const Endpoint& server, const std::string& name,
                         std::uint16_t qtype, std::vector<std::string> expected,
                         Millis deadline, bool rd = true);

}  // namespace dnsprop::test
