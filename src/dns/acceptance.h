// Deciding whether a reply counts (FAULTS "Before an answer counts") and turning it into
// an Observation. Pure functions over bytes: no I/O, no clock, no allocation that
// survives the call except the returned value. Thread-safe; never throw (a hostile packet
// is a Dropped result, never an exception, an abort or an out-of-bounds read: the bytes
// are walked with bounds checks before ldns sees them, see FAULTS F4).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/endpoint.h"
#include "dns/observation.h"
#include "dns/query.h"
#include "dns/types.h"

namespace dnsprop::dns {

// What the transport sent and where, for one in-flight query.
struct ExpectedReply {
  std::uint16_t id = 0;
  const QueryTemplate* query = nullptr;  // not owned; must outlive the call
  Endpoint server;                       // address AND port we sent to
  Transport transport = Transport::Udp;
};

// Why a packet was not accepted, in the order the checks run. Stable names (toString)
// are meant for a metric label such as dnsprop_replies_dropped_total{reason}.
enum class DropReason {
  None,                   // not dropped (Accepted or Truncated)
  WrongSource,            // F2: other address or other port
  TooShort,               // F4: fewer than 12 bytes
  TooLarge,               // over UDP > 1232 (our advertised size); over TCP > 65535
  NotResponse,            // QR=0
  BadOpcode,              // opcode != QUERY
  IdMismatch,             // F1
  QdCount,                // F3: QDCOUNT != 1
  QuestionMismatch,       // F3: other name (case-insensitive), type, or class != IN
  Malformed,              // F4: truncated section, RDLENGTH overflow, bad label, bad name
  BadCompression,         // F4: pointer forward/into itself, loop, or name > 255 octets
  TrailingBytes,          // F4: bytes after the last record the counts announce
  DuplicateOpt,           // F4: more than one OPT record
  MisplacedOpt,           // F4: OPT outside the additional section or not owned by root
  ResourceLimit,          // F4: parsing would cost too much memory (huge TXT of tiny strings)
  ParseFailed,            // ldns rejected a record, or did not consume exactly its RDLENGTH
  CnameConflict,          // two different CNAMEs for one owner on the chain
};
std::string_view toString(DropReason r);

struct Acceptance {
  enum class Kind {
    Accepted,   // `observation` holds the result
    Truncated,  // TC=1: never an answer; retry over TCP (F5). Over TCP the transport
                // reports Outcome::TruncatedFailed. `observation` has header fields only.
    Dropped,    // ignore the packet and keep waiting (F1-F4, FAULTS 8); count `reason`
  };
  Kind kind = Kind::Dropped;
  DropReason reason = DropReason::None;
  Observation observation;
};

// Checks, in order: source endpoint (address and port); size (>= 12; <= 1232 over UDP,
// <= 65535 over TCP; `bytes` is the DNS message without the TCP length prefix); QR=1;
// opcode QUERY; ID; QDCOUNT == 1; the question equals ours; a bounds-checked walk of all
// sections (compression pointers strictly backwards, at most 255-octet names, no trailing
// bytes, at most one OPT and only in the additional section, owned by the root); then each
// answer/authority record and the OPT parsed by ldns on its own, bounded to its own bytes
// (ldns_wire2pkt silently resynchronises on records whose RDATA is longer than their type
// needs, and allocates RDLENGTH bytes per character-string: see acceptance.cc). TC=1 is
// checked right after the question (a truncated reply may be cut mid-record) and gives
// Truncated whatever follows. Then classification by rcode and the CNAME chain, followed
// from the question name only, in the answer section only, class IN only (at most 16
// CNAMEs; a loop or a longer chain gives Outcome::Malformed for NOERROR/NXDOMAIN; at a
// name that has a CNAME, other records are ignored, RFC 1034 3.6.2), plus EDE (option
// 15) and NSID (option 3).
//
// Decision on RA: a recursive query (RD=1) answered with RA=0 and rcode NOERROR or
// NXDOMAIN comes from a server that is not recursing for us (an authoritative server, or
// a resolver closed to us that still answers from local data). Its data must not count,
// yet it is a definite reply, so it is Accepted with Outcome::Refused (rcode and flags as
// received, chain left empty) rather than dropped: dropping would turn a clear
// misconfiguration into a misleading Timeout.
Acceptance acceptReply(const ExpectedReply& expected, const Endpoint& from,
                       std::span<const std::uint8_t> bytes);

// For conflict detection (F17): same outcome, same rcode and the same chain records
// (owner, type, rdata) ignoring TTLs and record order; for negative answers also the
// same SOA serial. Flags, EDE, NSID and timing are ignored.
bool sameAnswer(const Observation& a, const Observation& b);

}  // namespace dnsprop::dns
