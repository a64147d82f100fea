// Internal to src/dns: a bounds-checked walk over a DNS message, done BEFORE ldns sees
// the bytes (FAULTS F4: ldns 1.8.3 does not reject trailing bytes, duplicate OPTs or RDATA
// longer than its type needs, and allocates RDLENGTH bytes per TXT character-string).
// This is not a second parser: it only finds record boundaries and checks structure;
// ldns still decodes every record we use. Pure functions, thread-safe, never throw
// (except std::bad_alloc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dnsprop::dns::wire {

enum class Status {
  Ok,
  Malformed,       // out of bounds, bad label type, RDATA not matching its type's layout
  BadCompression,  // pointer not strictly backwards, into the header, or name > 255 octets
  TrailingBytes,
  DuplicateOpt,
  MisplacedOpt,
  ResourceLimit,
};

// The largest name, uncompressed, in octets (RFC 1035 3.1).
inline constexpr std::size_t kMaxNameLength = 255;
// Budget for what ldns would allocate for character-string types (n strings x RDLENGTH):
// a 64 KiB TXT made of 255-octet strings costs ~16 MiB and still passes; one made of
// empty strings would cost ~4 GiB and does not.
inline constexpr std::size_t kMaxStringParseCost = 17u * 1024 * 1024;

// Reads the (possibly compressed) name at `pos` and moves `pos` past it in the message.
// Each compression pointer must point into the message body (>= 12) and strictly before
// the place where the current run of labels began, which rules out loops without a hop
// counter. Appends the uncompressed, ASCII-lower-cased wire form to `out` if given.
Status readName(std::span<const std::uint8_t> msg, std::size_t& pos,
                std::vector<std::uint8_t>* out);

enum class Section { Answer, Authority, Additional };

struct RecordSpan {
  Section section;
  std::size_t start;    // owner name
  std::size_t rdata;    // first RDATA octet
  std::size_t end;      // one past the last RDATA octet
  std::uint16_t type;
  std::uint16_t klass;
  std::uint32_t ttl;    // raw, as on the wire
};

struct Layout {
  std::vector<RecordSpan> records;     // answer, authority, additional in order
  std::optional<std::size_t> opt;      // index into records of the OPT record
};

// Walks ancount+nscount+arcount records starting at `pos` (just after the question).
// Checks bounds, names (owner and the names inside NS, CNAME, PTR, DNAME, MX, SOA RDATA),
// fixed sizes of A/AAAA, character-string framing of TXT-like types and their parse
// cost, OPT placement and uniqueness, and that the last record ends the message.
Status walkRecords(std::span<const std::uint8_t> msg, std::size_t pos, std::uint16_t ancount,
                   std::uint16_t nscount, std::uint16_t arcount, Layout& layout);

// Presentation form of an uncompressed wire name, as ldns prints it (a backslash before
// . ; ( ) and backslash, non-graphic octets as \DDD), with a trailing dot; "." for the root. Copies the
// case as it is. `name` must be a valid uncompressed name.
std::string nameToText(std::span<const std::uint8_t> name);

// Case-insensitive (ASCII) comparison of two uncompressed wire names.
bool sameName(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
// True if `name` equals `ancestor` or lies below it (both uncompressed wire names).
bool isAtOrBelow(std::span<const std::uint8_t> name, std::span<const std::uint8_t> ancestor);

inline std::uint16_t readU16(std::span<const std::uint8_t> msg, std::size_t pos) {
  return static_cast<std::uint16_t>((msg[pos] << 8) | msg[pos + 1]);
}
inline std::uint32_t readU32(std::span<const std::uint8_t> msg, std::size_t pos) {
  return (std::uint32_t{msg[pos]} << 24) | (std::uint32_t{msg[pos + 1]} << 16) |
         (std::uint32_t{msg[pos + 2]} << 8) | std::uint32_t{msg[pos + 3]};
}

}  // namespace dnsprop::dns::wire
