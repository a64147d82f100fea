#include "dns/acceptance.h"

#include <arpa/inet.h>

#include <algorithm>
#include <tuple>

#include "dns/ldns.h"
#include "dns/wire.h"

namespace dnsprop::dns {
namespace {

constexpr int kMaxChainLinks = 16;  // CNAMEs followed at most (resolvers stop near 8-12)
constexpr std::size_t kMaxEdeText = 256;
constexpr std::size_t kMaxNsid = 128;
constexpr std::uint16_t kOptionNsid = 3;
constexpr std::uint16_t kOptionEde = 15;

using Bytes = std::span<const std::uint8_t>;

Acceptance dropped(DropReason reason) {
  Acceptance a;
  a.kind = Acceptance::Kind::Dropped;
  a.reason = reason;
  return a;
}

DropReason toDropReason(wire::Status s) {
  switch (s) {
    case wire::Status::Ok: return DropReason::None;
    case wire::Status::Malformed: return DropReason::Malformed;
    case wire::Status::BadCompression: return DropReason::BadCompression;
    case wire::Status::TrailingBytes: return DropReason::TrailingBytes;
    case wire::Status::DuplicateOpt: return DropReason::DuplicateOpt;
    case wire::Status::MisplacedOpt: return DropReason::MisplacedOpt;
    case wire::Status::ResourceLimit: return DropReason::ResourceLimit;
  }
  return DropReason::Malformed;
}

std::uint32_t clampTtl(std::uint32_t ttl) { return (ttl & 0x80000000u) ? 0 : ttl; }

Bytes rdfBytes(const ldns_rdf* rdf) {
  return {ldns_rdf_data(rdf), ldns_rdf_size(rdf)};
}

std::uint8_t lower(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// One answer or authority record, decoded by ldns from exactly its own bytes.
struct Parsed {
  wire::Section section;
  RrPtr rr;
  Bytes owner() const { return rdfBytes(ldns_rr_owner(rr.get())); }
  std::uint16_t type() const { return static_cast<std::uint16_t>(ldns_rr_get_type(rr.get())); }
  bool isIn() const { return ldns_rr_get_class(rr.get()) == LDNS_RR_CLASS_IN; }
  // First RDATA field as a name (NS, CNAME), if it is one.
  std::optional<Bytes> targetName(std::size_t index = 0) const {
    if (ldns_rr_rd_count(rr.get()) <= index) return std::nullopt;
    const ldns_rdf* rdf = ldns_rr_rdf(rr.get(), index);
    if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) return std::nullopt;
    return rdfBytes(rdf);
  }
};

std::string lowerText(Bytes name) {
  std::vector<std::uint8_t> lc(name.begin(), name.end());
  for (auto& c : lc) c = lower(c);
  return wire::nameToText(lc);
}

Record toRecord(const Parsed& p) {
  Record r;
  r.owner = lowerText(p.owner());
  r.type = p.type();
  r.ttl = clampTtl(ldns_rr_ttl(p.rr.get()));
  const std::size_t n = ldns_rr_rd_count(p.rr.get());
  for (std::size_t i = 0; i < n; ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(p.rr.get(), i);
    const Bytes b = rdfBytes(rdf);
    const bool is_name = ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME;
    for (std::uint8_t c : b) r.rdata.push_back(is_name ? lower(c) : c);
  }
  // Cheap presentation: inet_ntop on raw bytes, our own name printer (no ldns_rdf2str).
  char buf[INET6_ADDRSTRLEN] = {};
  switch (r.type) {
    case qtype::A:
      if (r.rdata.size() == 4 && inet_ntop(AF_INET, r.rdata.data(), buf, sizeof buf)) {
        r.text = buf;
      }
      break;
    case qtype::AAAA:
      if (r.rdata.size() == 16 && inet_ntop(AF_INET6, r.rdata.data(), buf, sizeof buf)) {
        r.text = buf;
      }
      break;
    case qtype::NS:
    case qtype::CNAME:
      if (auto t = p.targetName()) r.text = lowerText(*t);
      break;
    case qtype::MX:
      if (r.rdata.size() >= 3) {
        if (auto t = p.targetName(1)) {
          r.text = std::to_string((r.rdata[0] << 8) | r.rdata[1]) + " " + lowerText(*t);
        }
      }
      break;
    default:
      break;
  }
  return r;
}

std::string printable(Bytes data, std::size_t max) {
  std::string s;
  for (std::uint8_t c : data.first(std::min(data.size(), max))) {
    // Keep logs and JSON safe: anything but printable ASCII becomes '?'.
    s += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
  }
  return s;
}

std::string nsidText(Bytes data) {
  data = data.first(std::min(data.size(), kMaxNsid));
  const bool text = !data.empty() && std::all_of(data.begin(), data.end(), [](std::uint8_t c) {
    return c >= 0x20 && c < 0x7F;
  });
  if (text) return std::string(data.begin(), data.end());
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : data) {
    s += kHex[c >> 4];
    s += kHex[c & 0xF];
  }
  return s;
}

// EDE and NSID from the OPT RDATA, decoded by ldns. False if the options are malformed.
bool readOptions(Bytes rdata, Observation& obs) {
  if (rdata.empty()) return true;
  PktPtr holder(ldns_pkt_new());
  if (!holder) return false;
  ldns_rdf* data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, rdata.size(), rdata.data());
  if (!data) return false;
  ldns_pkt_set_edns_data(holder.get(), data);  // owned by holder
  // The list is owned by the packet as well.
  const ldns_edns_option_list* list = ldns_pkt_edns_get_option_list(holder.get());
  if (!list) return false;
  const std::size_t n = ldns_edns_option_list_get_count(list);
  for (std::size_t i = 0; i < n; ++i) {
    const ldns_edns_option* opt = ldns_edns_option_list_get_option(list, i);
    if (!opt) return false;
    const Bytes value(ldns_edns_get_data(opt), ldns_edns_get_size(opt));
    switch (ldns_edns_get_code(opt)) {
      case kOptionNsid:
        obs.nsid = nsidText(value);
        break;
      case kOptionEde:
        // RFC 8914 2: INFO-CODE (2 octets) then optional EXTRA-TEXT. Shorter: ignore it.
        if (value.size() >= 2) {
          obs.ede_codes.push_back(static_cast<std::uint16_t>((value[0] << 8) | value[1]));
          if (value.size() > 2 && obs.ede_text.size() < kMaxEdeText) {
            if (!obs.ede_text.empty()) obs.ede_text += "; ";
            obs.ede_text += printable(value.subspan(2), kMaxEdeText - obs.ede_text.size());
          }
        }
        break;
      default:
        break;
    }
  }
  return true;
}

Outcome fromRcode(int rcode, bool have_final) {
  switch (rcode) {
    case LDNS_RCODE_NOERROR: return have_final ? Outcome::Answer : Outcome::NoData;
    case LDNS_RCODE_NXDOMAIN: return Outcome::NxDomain;
    case LDNS_RCODE_SERVFAIL: return Outcome::ServFail;
    case LDNS_RCODE_REFUSED: return Outcome::Refused;
    default: return Outcome::OtherRcode;
  }
}

void fillHeader(Bytes msg, Observation& obs) {
  obs.aa = (msg[2] & 0x04) != 0;
  obs.tc = (msg[2] & 0x02) != 0;
  obs.ra = (msg[3] & 0x80) != 0;
  obs.ad = (msg[3] & 0x20) != 0;
  obs.cd = (msg[3] & 0x10) != 0;
  obs.rcode = msg[3] & 0x0F;
}

// Glue for the referral `ns` (see Observation::glue): class IN A/AAAA records of the
// additional section owned by an NS target that lies at or below that NS record's owner.
// Only those are handed to ldns, each bounded to its own bytes like answer records; one
// ldns rejects is skipped rather than failing the reply, because the additional section
// never decided whether a reply counts (the walk has already checked its structure).
std::vector<Record> readGlue(Bytes msg, const wire::Layout& layout,
                             const std::vector<const Parsed*>& ns) {
  std::vector<Record> glue;
  if (ns.empty()) return glue;
  std::vector<std::uint8_t> owner;
  for (const wire::RecordSpan& span : layout.records) {
    if (span.section != wire::Section::Additional || span.klass != kClassIn ||
        (span.type != qtype::A && span.type != qtype::AAAA)) {
      continue;
    }
    owner.clear();
    std::size_t pos = span.start;
    if (wire::readName(msg, pos, &owner) != wire::Status::Ok) continue;  // walked already
    const bool wanted = std::any_of(ns.begin(), ns.end(), [&](const Parsed* p) {
      const auto target = p->targetName();
      return target && wire::sameName(owner, *target) && wire::isAtOrBelow(owner, p->owner());
    });
    if (!wanted) continue;
    ldns_rr* raw = nullptr;
    std::size_t p = span.start;
    const ldns_status st = ldns_wire2rr(&raw, msg.data(), span.end, &p, LDNS_SECTION_ADDITIONAL);
    RrPtr rr(raw);
    if (st != LDNS_STATUS_OK || !rr || p != span.end) continue;
    Record r = toRecord(Parsed{span.section, std::move(rr)});
    const bool dup = std::any_of(glue.begin(), glue.end(), [&](const Record& o) {
      return o.type == r.type && o.owner == r.owner && o.rdata == r.rdata;
    });
    if (!dup) glue.push_back(std::move(r));
  }
  return glue;
}

}  // namespace

std::string_view toString(DropReason r) {
  switch (r) {
    case DropReason::None: return "none";
    case DropReason::WrongSource: return "wrong_source";
    case DropReason::TooShort: return "too_short";
    case DropReason::TooLarge: return "too_large";
    case DropReason::NotResponse: return "not_response";
    case DropReason::BadOpcode: return "bad_opcode";
    case DropReason::IdMismatch: return "id_mismatch";
    case DropReason::QdCount: return "qdcount";
    case DropReason::QuestionMismatch: return "question_mismatch";
    case DropReason::Malformed: return "malformed";
    case DropReason::BadCompression: return "bad_compression";
    case DropReason::TrailingBytes: return "trailing_bytes";
    case DropReason::DuplicateOpt: return "duplicate_opt";
    case DropReason::MisplacedOpt: return "misplaced_opt";
    case DropReason::ResourceLimit: return "resource_limit";
    case DropReason::ParseFailed: return "parse_failed";
    case DropReason::CnameConflict: return "cname_conflict";
  }
  return "?";
}

namespace {

// QDCOUNT 0, rcode FORMERR, SERVFAIL, NOTIMP or REFUSED, no answer or authority records,
// at most an OPT in the additional section, structurally sound: the error outcome.
std::optional<Acceptance> acceptBareError(Bytes msg, const ExpectedReply& expected) {
  const int rcode = msg[3] & 0x0F;
  if (rcode != LDNS_RCODE_FORMERR && rcode != LDNS_RCODE_SERVFAIL &&
      rcode != LDNS_RCODE_NOTIMPL && rcode != LDNS_RCODE_REFUSED) {
    return std::nullopt;
  }
  if (wire::readU16(msg, 6) != 0 || wire::readU16(msg, 8) != 0 || wire::readU16(msg, 10) > 1) {
    return std::nullopt;
  }
  wire::Layout layout;
  if (wire::walkRecords(msg, kHeaderSize, 0, 0, wire::readU16(msg, 10), layout) != wire::Status::Ok) {
    return std::nullopt;
  }
  if (wire::readU16(msg, 10) == 1 && !layout.opt) return std::nullopt;
  Acceptance result;
  Observation& obs = result.observation;
  obs.transport = expected.transport;
  obs.final_name = expected.query->qname();  // no chain: it ends where it starts
  fillHeader(msg, obs);
  if (obs.tc) return std::nullopt;
  if (layout.opt) {
    const wire::RecordSpan& opt = layout.records[*layout.opt];
    obs.rcode |= static_cast<int>((opt.ttl >> 24) << 4);
    if (!readOptions(msg.subspan(opt.rdata, opt.end - opt.rdata), obs)) return std::nullopt;
  }
  obs.outcome = fromRcode(obs.rcode, false);
  result.kind = Acceptance::Kind::Accepted;
  return result;
}

}  // namespace

Acceptance acceptReply(const ExpectedReply& expected, const Endpoint& from, Bytes msg) {
  // FAULTS 1: the exact address and port we sent to (F2).
  if (!(from == expected.server)) return dropped(DropReason::WrongSource);
  // FAULTS 2.
  if (msg.size() < kHeaderSize) return dropped(DropReason::TooShort);
  const std::size_t limit =
      expected.transport == Transport::Udp ? kUdpPayloadSize : kMaxTcpMessage;
  if (msg.size() > limit) return dropped(DropReason::TooLarge);
  // FAULTS 3 (RA comes later: it changes the outcome, it does not drop).
  if ((msg[2] & 0x80) == 0) return dropped(DropReason::NotResponse);
  if (((msg[2] >> 3) & 0x0F) != LDNS_PACKET_QUERY) return dropped(DropReason::BadOpcode);
  if (wire::readU16(msg, 0) != expected.id) return dropped(DropReason::IdMismatch);
  if (wire::readU16(msg, 4) == 0) {
    // Some servers (Unbound's access-control refuse, many FORMERR/NOTIMP senders) echo
    // no question with an error rcode. Such a reply carries no data that could count,
    // only the error, and it passed the source and ID checks; anyone able to forge it
    // could as well forge one with our question. So accept it as its error outcome,
    // instead of waiting for a timeout that would hide the real cause.
    if (auto bare = acceptBareError(msg, expected); bare) return *bare;
    return dropped(DropReason::QdCount);
  }
  if (wire::readU16(msg, 4) != 1) return dropped(DropReason::QdCount);
  // FAULTS 4 (F3).
  const QueryTemplate& query = *expected.query;
  std::size_t pos = kHeaderSize;
  std::vector<std::uint8_t> qname;
  qname.reserve(query.qnameWire().size());
  if (const auto s = wire::readName(msg, pos, &qname); s != wire::Status::Ok) {
    return dropped(toDropReason(s));
  }
  if (pos + 4 > msg.size()) return dropped(DropReason::Malformed);
  if (!wire::sameName(qname, query.qnameWire()) || wire::readU16(msg, pos) != query.qtype() ||
      wire::readU16(msg, pos + 2) != kClassIn) {
    return dropped(DropReason::QuestionMismatch);
  }
  pos += 4;

  Acceptance result;
  Observation& obs = result.observation;
  obs.transport = expected.transport;
  fillHeader(msg, obs);
  // FAULTS 7 (F5): a truncated reply is never an answer, whatever follows the question
  // (servers may cut it mid-record), so this comes before the structural walk.
  if (obs.tc) {
    result.kind = Acceptance::Kind::Truncated;
    return result;
  }

  // FAULTS 5 (F4): structure first, so that ldns only ever sees records we have bounded.
  wire::Layout layout;
  if (const auto s = wire::walkRecords(msg, pos, wire::readU16(msg, 6), wire::readU16(msg, 8),
                                       wire::readU16(msg, 10), layout);
      s != wire::Status::Ok) {
    return dropped(toDropReason(s));
  }

  // Decode the records we use, each bounded to its own bytes: ldns must consume exactly
  // owner..end, else it read the record differently from our walk.
  std::vector<Parsed> records;
  records.reserve(layout.records.size());
  for (const wire::RecordSpan& span : layout.records) {
    // Additional records are off the chain; the few that may count as glue are decoded
    // below, once the referral's NS set is known.
    if (span.section == wire::Section::Additional) continue;
    ldns_rr* raw = nullptr;
    std::size_t p = span.start;
    const ldns_status st =
        ldns_wire2rr(&raw, msg.data(), span.end, &p,
                     span.section == wire::Section::Answer ? LDNS_SECTION_ANSWER
                                                           : LDNS_SECTION_AUTHORITY);
    RrPtr rr(raw);
    if (st != LDNS_STATUS_OK || !rr || p != span.end) return dropped(DropReason::ParseFailed);
    records.push_back(Parsed{span.section, std::move(rr)});
  }
  if (layout.opt) {
    const wire::RecordSpan& opt = layout.records[*layout.opt];
    // RFC 6891 6.1.3: the upper 8 bits of the extended rcode sit in the OPT TTL.
    obs.rcode |= static_cast<int>((opt.ttl >> 24) << 4);
    if (!readOptions(msg.subspan(opt.rdata, opt.end - opt.rdata), obs)) {
      return dropped(DropReason::Malformed);
    }
  }

  // FAULTS 6 (F15): follow the chain from the question name only.
  const QType qt = query.qtype();
  std::vector<std::vector<std::uint8_t>> visited;
  visited.emplace_back(query.qnameWire().begin(), query.qnameWire().end());
  std::vector<std::uint8_t> current(query.qnameWire().begin(), query.qnameWire().end());
  bool have_final = false;
  bool chain_broken = false;  // loop or too long
  for (int links = 0;; ++links) {
    const Parsed* cname = nullptr;
    std::vector<const Parsed*> finals;
    for (const Parsed& p : records) {
      if (p.section != wire::Section::Answer || !p.isIn() || !wire::sameName(p.owner(), current)) {
        continue;
      }
      if (p.type() == qt) {
        finals.push_back(&p);
      } else if (p.type() == qtype::CNAME) {
        // The walk checked that a CNAME's RDATA is exactly one name.
        if (!p.targetName()) return dropped(DropReason::ParseFailed);
        if (cname && !wire::sameName(*cname->targetName(), *p.targetName())) {
          return dropped(DropReason::CnameConflict);
        }
        if (!cname) cname = &p;
      }
    }
    if (!cname) {
      for (const Parsed* p : finals) {
        Record r = toRecord(*p);
        // Exact duplicates add nothing (some servers repeat records).
        const bool dup = std::any_of(obs.chain.begin(), obs.chain.end(), [&](const Record& o) {
          return o.type == r.type && o.owner == r.owner && o.rdata == r.rdata;
        });
        if (!dup) obs.chain.push_back(std::move(r));
      }
      have_final = !finals.empty();
      break;
    }
    // A name that has a CNAME has no other data (RFC 1034 3.6.2): follow the CNAME and
    // ignore anything else claimed for this name.
    if (links == kMaxChainLinks) {
      chain_broken = true;
      break;
    }
    obs.chain.push_back(toRecord(*cname));
    const Bytes target = *cname->targetName();
    std::vector<std::uint8_t> next(target.begin(), target.end());
    for (auto& c : next) c = lower(c);
    if (std::any_of(visited.begin(), visited.end(), [&](const auto& v) { return v == next; })) {
      chain_broken = true;  // a loop: its answer is no answer
      break;
    }
    visited.push_back(next);
    current = std::move(next);
  }
  obs.final_name = lowerText(current);
  obs.outcome = fromRcode(obs.rcode, have_final);
  if (chain_broken &&
      (obs.rcode == LDNS_RCODE_NOERROR || obs.rcode == LDNS_RCODE_NXDOMAIN)) {
    obs.outcome = Outcome::Malformed;
  }

  // Authority: delegation NS and the negative-caching SOA, for the end of the chain only.
  std::vector<const Parsed*> referral_ns;  // the records behind obs.authority_ns
  for (const Parsed& p : records) {
    if (p.section != wire::Section::Authority || !p.isIn() ||
        !wire::isAtOrBelow(current, p.owner())) {
      continue;
    }
    if (p.type() == qtype::NS) {
      obs.authority_ns.push_back(toRecord(p));
      referral_ns.push_back(&p);
    } else if (p.type() == qtype::SOA && !obs.soa_serial &&
               (obs.outcome == Outcome::NxDomain || obs.outcome == Outcome::NoData)) {
      // SOA RDATA: mname, rname, serial, refresh, retry, expire, minimum (RFC 1035 3.3.13).
      if (ldns_rr_rd_count(p.rr.get()) == 7) {
        const std::uint32_t serial = ldns_rdf2native_int32(ldns_rr_rdf(p.rr.get(), 2));
        const std::uint32_t minimum = clampTtl(ldns_rdf2native_int32(ldns_rr_rdf(p.rr.get(), 6)));
        obs.soa_serial = serial;
        // RFC 2308 5: the negative TTL is the smaller of the SOA's TTL and MINIMUM.
        obs.negative_ttl = std::min(clampTtl(ldns_rr_ttl(p.rr.get())), minimum);
      }
    }
  }
  obs.glue = readGlue(msg, layout, referral_ns);
  if (qt == qtype::SOA && have_final) {
    for (const Parsed& p : records) {
      if (p.section == wire::Section::Answer && p.type() == qtype::SOA && p.isIn() &&
          wire::sameName(p.owner(), current) && ldns_rr_rd_count(p.rr.get()) == 7) {
        obs.soa_serial = ldns_rdf2native_int32(ldns_rr_rdf(p.rr.get(), 2));
        break;
      }
    }
  }

  // FAULTS 3, RA: a recursive query answered without recursion is a refusal in
  // disguise; its data never counts (see acceptance.h).
  if (query.rd() && !obs.ra &&
      (obs.rcode == LDNS_RCODE_NOERROR || obs.rcode == LDNS_RCODE_NXDOMAIN)) {
    obs.outcome = Outcome::Refused;
    obs.chain.clear();
    obs.authority_ns.clear();
    obs.glue.clear();
    obs.negative_ttl.reset();
    obs.soa_serial.reset();
  }
  // F11: an authoritative server (asked with RD=0) that answers data without AA does not
  // serve the zone; it answers from a cache or by recursion. Its data must not count.
  // Referrals (NODATA with authority NS, AA=0) are what parents send and stay as they are.
  if (!query.rd() && !obs.aa &&
      (obs.outcome == Outcome::Answer || obs.outcome == Outcome::NxDomain)) {
    obs.outcome = Outcome::NotAuthoritative;
    obs.chain.clear();
    obs.negative_ttl.reset();
    obs.soa_serial.reset();
  }
  result.kind = Acceptance::Kind::Accepted;
  return result;
}

bool sameAnswer(const Observation& a, const Observation& b) {
  if (a.outcome != b.outcome || a.rcode != b.rcode || a.chain.size() != b.chain.size()) {
    return false;
  }
  if ((a.outcome == Outcome::NxDomain || a.outcome == Outcome::NoData) &&
      a.soa_serial != b.soa_serial) {
    return false;
  }
  // Order-insensitive: resolvers rotate RRsets between replies.
  auto less = [](const Record* x, const Record* y) {
    return std::tie(x->owner, x->type, x->rdata) < std::tie(y->owner, y->type, y->rdata);
  };
  auto keys = [&](const Observation& o) {
    std::vector<const Record*> k;
    k.reserve(o.chain.size());
    for (const Record& r : o.chain) k.push_back(&r);
    std::sort(k.begin(), k.end(), less);
    return k;
  };
  const auto ka = keys(a);
  const auto kb = keys(b);
  return std::equal(ka.begin(), ka.end(), kb.begin(), kb.end(), [](const Record* x, const Record* y) {
    return x->owner == y->owner && x->type == y->type && x->rdata == y->rdata;
  });
}

}  // namespace dnsprop::dns
