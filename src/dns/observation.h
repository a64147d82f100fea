// What one query to one server showed: a typed outcome plus the data that counts
// (FAULTS "Before an answer counts"). Plain value type: copyable, thread-safe as a value.
// acceptReply() (acceptance.h) fills everything it can read from a reply; the transport
// fills transport, latency and attempts, and the network-level outcomes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/types.h"

namespace dnsprop::dns {

enum class Outcome {
  Answer,           // NOERROR and the chain from the question name ends in qtype records
  NxDomain,         // NXDOMAIN (for the end of the chain)
  NoData,           // NOERROR without qtype records at the end of the chain (incl. referrals)
  ServFail,         // SERVFAIL
  Refused,          // REFUSED, or a recursive query answered with RA=0 (see acceptance.h)
  NotAuthoritative, // RD=0 query (to an authoritative server) answered without AA (F11)
  OtherRcode,       // any other rcode (FORMERR, NOTIMP, BADVERS, ...)
  Timeout,          // transport: no acceptable reply before the deadline (all attempts)
  TruncatedFailed,  // transport: TC=1 over UDP and the TCP retry failed
  Malformed,        // reply well-formed on the wire but unusable (CNAME loop, chain too
                    // long); the transport also reports it when only bad packets came
  NetworkError,     // transport: send/connect failed, TCP reset, ...
};
std::string_view toString(Outcome o);  // "answer", "nxdomain", ... (stable: metric labels)

struct Record {
  std::string owner;              // absolute, lower-case, trailing dot
  QType type = 0;
  std::uint32_t ttl = 0;          // clamped: top bit set -> 0 (RFC 2181 8)
  std::vector<std::uint8_t> rdata;  // wire rdata, embedded names uncompressed + lower-cased
  // Canonical presentation of the rdata: the address for A/AAAA (inet_ntop form), the
  // absolute lower-case name for NS/CNAME, "pref exchange." for MX; empty otherwise.
  std::string text;

  friend bool operator==(const Record&, const Record&) = default;
};

struct Observation {
  Outcome outcome = Outcome::Timeout;
  int rcode = 0;                  // full rcode including the EDNS extended bits
  bool aa = false, tc = false, ra = false, ad = false, cd = false;
  std::vector<std::uint16_t> ede_codes;  // RFC 8914 info codes, in packet order
  std::string ede_text;           // EXTRA-TEXTs joined with "; " (may be empty)
  std::string nsid;               // RFC 5001: as-is when printable ASCII, else lower-case hex
  // Answer records on the chain from the question name: CNAMEs in order, then the final
  // RRset of qtype (for qtype CNAME: just the CNAME). Records off the chain are not here.
  std::vector<Record> chain;
  // NS records of the authority section whose owner is the end of the chain or an
  // ancestor of it (referrals, delegation data). Others are ignored.
  std::vector<Record> authority_ns;
  // Glue: A/AAAA records of the additional section whose owner is the target of one of
  // `authority_ns` AND at or below that NS record's owner (the referred zone). Glue for
  // names outside the referred zone is ignored: a server has no say over them, and
  // believing it is the classic cache-poisoning vector. Each record is decoded from
  // exactly its own bytes; an additional record ldns cannot decode is skipped (it never
  // made a reply unacceptable, and still does not). Duplicates appear once.
  std::vector<Record> glue;
  // min(SOA TTL, SOA MINIMUM) of the authority SOA for NXDOMAIN/NODATA (RFC 2308 5).
  std::optional<std::uint32_t> negative_ttl;
  // Serial of that SOA, or of the answer SOA when qtype is SOA.
  std::optional<std::uint32_t> soa_serial;
  std::string final_name;         // end of the CNAME chain (the qname when there is none)
  Transport transport = Transport::Udp;
  std::chrono::microseconds latency{0};  // filled by the transport
  int attempts = 0;                      // filled by the transport
};

}  // namespace dnsprop::dns
