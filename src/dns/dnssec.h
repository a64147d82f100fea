// DNSSEC of a delegation (FAULTS F13): does a DS record the parent publishes match a
// DNSKEY the child's servers serve? After a provider change the parent often keeps the
// old provider's DS while the new servers serve other keys or none; every validating
// resolver then answers SERVFAIL for the whole domain.
//
// Works on dns::Record values as acceptReply() produced them (DS/DNSKEY carry no names,
// so `rdata` is the wire RDATA as the server sent it). ldns does all the decoding and the
// digest (ldns_key_rr2ds); nothing here reads RDATA fields by hand.
// Pure functions, thread-safe, never throw (except std::bad_alloc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/observation.h"
#include "dns/types.h"

namespace dnsprop::dns {

// RR type codes (RFC 4034). Not config types: a watch cannot name them.
inline constexpr QType kTypeDs = 43;
inline constexpr QType kTypeDnskey = 48;

struct DsFields {
  std::uint16_t key_tag = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t digest_type = 0;
};
// The fixed fields of a DS record; nullopt when `ds` is not a DS or ldns cannot decode it.
std::optional<DsFields> readDs(const Record& ds);

struct DnskeyFields {
  std::uint16_t flags = 0;
  std::uint8_t protocol = 0;
  std::uint8_t algorithm = 0;
  std::uint16_t key_tag = 0;   // RFC 4034 appendix B, computed by ldns
};
// nullopt when `key` is not a DNSKEY or ldns cannot decode it.
std::optional<DnskeyFields> readDnskey(const Record& key);

// Whether a validator can use the DS at all. RFC 4035 5.2 / RFC 6840 5.2: a DS whose
// algorithm or digest type the validator does not implement is ignored (and a DS set of
// only such records makes the zone insecure, not bogus). "Checkable" is the set every
// current validator implements and ldns can digest: digest types 1, 2, 4 (RFC 8624 3.3)
// and algorithms 5, 7, 8, 10, 13, 14, 15, 16 (RFC 8624 3.1). Others we cannot judge.
bool isCheckable(const DsFields& ds);

enum class DsMatch {
  Matches,       // a zone key of the set has this key tag, algorithm and digest
  NoMatch,       // none has
  Uncheckable,   // not a decodable DS, or !isCheckable(): validators may ignore it
};
std::string_view toString(DsMatch m);  // "matches" | "no_match" | "uncheckable"

// Matches `ds` against `dnskeys` (the child's DNSKEY RRset; records of other types are
// skipped). Only zone keys count (flags bit 7, RFC 4034 2.1.1) that are not revoked
// (RFC 5011 bit 8) and have protocol 3: a validator uses nothing else. The digest is
// computed by ldns over the key's owner and RDATA with the DS's digest type and compared
// with the DS digest, so a key tag collision cannot pass.
DsMatch matchDs(const Record& ds, const std::vector<Record>& dnskeys);

// "11986/13" (key tag/algorithm) for messages; "?" when `ds` cannot be decoded.
std::string dsLabel(const Record& ds);
// The same for a DNSKEY ("27940/13"), "?" when it cannot be decoded.
std::string dnskeyLabel(const Record& key);

}  // namespace dnsprop::dns
