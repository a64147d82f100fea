#include "dns/wire.h"

#include "dns/types.h"

namespace dnsprop::dns::wire {
namespace {

std::uint8_t lower(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// Types whose RDATA ldns splits into one field per character-string, allocating RDLENGTH
// octets for each (wire2host.c, ldns_wire2rdf): TXT, NINFO, SPF, AVC.
bool isStringListType(std::uint16_t type) {
  return type == qtype::TXT || type == 56 || type == 99 || type == 258;
}

// A name inside RDATA that must end at or before `end`; `pos` moves past it.
Status rdataName(std::span<const std::uint8_t> msg, std::size_t& pos, std::size_t end) {
  // Names inside RDATA may point back into earlier records but must not run past the
  // record: readName stays inside the message, and we check the record bound here.
  const Status s = readName(msg, pos, nullptr);
  if (s != Status::Ok) return s;
  return pos <= end ? Status::Ok : Status::Malformed;
}

Status checkRdata(std::span<const std::uint8_t> msg, const RecordSpan& rr,
                  std::size_t& string_cost) {
  std::size_t pos = rr.rdata;
  const std::size_t len = rr.end - rr.rdata;
  switch (rr.type) {
    case qtype::A:
      return len == 4 ? Status::Ok : Status::Malformed;
    case qtype::AAAA:
      return len == 16 ? Status::Ok : Status::Malformed;
    case qtype::NS:
    case qtype::CNAME:
    case qtype::PTR:
    case 39: {  // DNAME
      const Status s = rdataName(msg, pos, rr.end);
      if (s != Status::Ok) return s;
      return pos == rr.end ? Status::Ok : Status::Malformed;
    }
    case qtype::MX: {
      if (len < 3) return Status::Malformed;
      pos += 2;
      const Status s = rdataName(msg, pos, rr.end);
      if (s != Status::Ok) return s;
      return pos == rr.end ? Status::Ok : Status::Malformed;
    }
    case qtype::SOA: {
      for (int i = 0; i < 2; ++i) {
        const Status s = rdataName(msg, pos, rr.end);
        if (s != Status::Ok) return s;
      }
      return pos + 20 == rr.end ? Status::Ok : Status::Malformed;
    }
    default:
      break;
  }
  if (isStringListType(rr.type)) {
    std::size_t strings = 0;
    while (pos < rr.end) {
      pos += 1 + std::size_t{msg[pos]};
      ++strings;
    }
    if (pos != rr.end) return Status::Malformed;
    string_cost += strings * len;
    if (string_cost > kMaxStringParseCost) return Status::ResourceLimit;
  }
  return Status::Ok;
}

}  // namespace

Status readName(std::span<const std::uint8_t> msg, std::size_t& pos,
                std::vector<std::uint8_t>* out) {
  std::size_t p = pos;
  std::size_t run_start = pos;  // where the current run of labels began
  bool jumped = false;
  std::size_t total = 0;
  for (;;) {
    if (p >= msg.size()) return Status::Malformed;
    const std::uint8_t len = msg[p];
    if ((len & 0xC0) == 0xC0) {
      if (p + 1 >= msg.size()) return Status::Malformed;
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | msg[p + 1];
      // Strictly before the current run: pointer targets strictly decrease, so the walk
      // ends after at most one jump per octet even for crafted loops.
      if (target < kHeaderSize || target >= run_start) return Status::BadCompression;
      if (!jumped) {
        pos = p + 2;
        jumped = true;
      }
      run_start = target;
      p = target;
      continue;
    }
    if ((len & 0xC0) != 0) return Status::Malformed;  // RFC 6891 extended label types
    total += 1 + std::size_t{len};
    if (total > kMaxNameLength) return Status::BadCompression;
    if (len == 0) {
      if (out) out->push_back(0);
      if (!jumped) pos = p + 1;
      return Status::Ok;
    }
    if (p + 1 + len > msg.size()) return Status::Malformed;
    if (out) {
      out->push_back(len);
      for (std::size_t i = 0; i < len; ++i) out->push_back(lower(msg[p + 1 + i]));
    }
    p += 1 + std::size_t{len};
  }
}

Status walkRecords(std::span<const std::uint8_t> msg, std::size_t pos, std::uint16_t ancount,
                   std::uint16_t nscount, std::uint16_t arcount, Layout& layout) {
  layout.records.clear();
  layout.opt.reset();
  const std::size_t total = std::size_t{ancount} + nscount + arcount;
  // Each record takes at least 11 octets: a cheap bound before reserving anything.
  if (total * 11 > msg.size() - std::min(pos, msg.size())) return Status::Malformed;
  layout.records.reserve(total);
  std::size_t string_cost = 0;
  for (std::size_t i = 0; i < total; ++i) {
    const Section section = i < ancount                 ? Section::Answer
                            : i < std::size_t{ancount} + nscount ? Section::Authority
                                                                 : Section::Additional;
    RecordSpan rr{};
    rr.section = section;
    rr.start = pos;
    const Status s = readName(msg, pos, nullptr);
    if (s != Status::Ok) return s;
    if (pos + 10 > msg.size()) return Status::Malformed;
    rr.type = readU16(msg, pos);
    rr.klass = readU16(msg, pos + 2);
    rr.ttl = readU32(msg, pos + 4);
    const std::size_t rdlength = readU16(msg, pos + 8);
    rr.rdata = pos + 10;
    rr.end = rr.rdata + rdlength;
    if (rr.end > msg.size()) return Status::Malformed;  // RDLENGTH overflow
    if (rr.type == qtype::OPT) {
      // RFC 6891 6.1.1: only in the additional section, owned by the root, at most once.
      if (section != Section::Additional || msg[rr.start] != 0) return Status::MisplacedOpt;
      if (layout.opt) return Status::DuplicateOpt;
      layout.opt = layout.records.size();
    } else {
      const Status r = checkRdata(msg, rr, string_cost);
      if (r != Status::Ok) return r;
    }
    layout.records.push_back(rr);
    pos = rr.end;
  }
  return pos == msg.size() ? Status::Ok : Status::TrailingBytes;
}

std::string nameToText(std::span<const std::uint8_t> name) {
  std::string text;
  text.reserve(name.size() + 1);
  std::size_t p = 0;
  while (p < name.size() && name[p] != 0) {
    const std::size_t len = name[p];
    for (std::size_t i = 1; i <= len && p + i < name.size(); ++i) {
      const std::uint8_t c = name[p + i];
      if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
        text.push_back('\\');
        text.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7F) {
        text.push_back('\\');
        text.push_back(static_cast<char>('0' + c / 100));
        text.push_back(static_cast<char>('0' + (c / 10) % 10));
        text.push_back(static_cast<char>('0' + c % 10));
      } else {
        text.push_back(static_cast<char>(c));
      }
    }
    text.push_back('.');
    p += 1 + len;
  }
  if (text.empty()) text.push_back('.');
  return text;
}

bool sameName(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  // Length octets are <= 63, so lower() leaves them alone.
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool isAtOrBelow(std::span<const std::uint8_t> name, std::span<const std::uint8_t> ancestor) {
  std::size_t p = 0;
  while (p < name.size()) {
    if (name.size() - p == ancestor.size()) return sameName(name.subspan(p), ancestor);
    if (name.size() - p < ancestor.size() || name[p] == 0) return false;
    p += 1 + std::size_t{name[p]};
  }
  return false;
}

}  // namespace dnsprop::dns::wire
