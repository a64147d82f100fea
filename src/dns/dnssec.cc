#include "dns/dnssec.h"

#include <algorithm>

#include "dns/ldns.h"

namespace dnsprop::dns {
namespace {

constexpr std::uint16_t kFlagZoneKey = 0x0100;  // RFC 4034 2.1.1, bit 7
constexpr std::uint16_t kFlagRevoke = 0x0080;   // RFC 5011 7, bit 8
constexpr std::uint8_t kProtocolDnssec = 3;     // RFC 4034 2.1.2

// `r` as an ldns record, its RDATA decoded by ldns from the wire form; null when ldns
// does not consume exactly the RDATA or the type is not `want`.
RrPtr toLdns(const Record& r, QType want) {
  if (r.type != want) return nullptr;
  RrPtr rr(ldns_rr_new());
  if (!rr) return nullptr;
  ldns_rdf* owner = nullptr;
  if (ldns_str2rdf_dname(&owner, r.owner.empty() ? "." : r.owner.c_str()) != LDNS_STATUS_OK ||
      owner == nullptr) {
    return nullptr;
  }
  ldns_dname2canonical(owner);
  ldns_rr_set_owner(rr.get(), owner);  // rr owns it now
  ldns_rr_set_type(rr.get(), static_cast<ldns_rr_type>(r.type));
  ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr.get(), r.ttl);
  if (r.rdata.size() > 0xFFFF) return nullptr;
  // ldns_wire2rdf reads RDLENGTH first.
  std::vector<std::uint8_t> wire;
  wire.reserve(r.rdata.size() + 2);
  wire.push_back(static_cast<std::uint8_t>(r.rdata.size() >> 8));
  wire.push_back(static_cast<std::uint8_t>(r.rdata.size() & 0xFF));
  wire.insert(wire.end(), r.rdata.begin(), r.rdata.end());
  std::size_t pos = 0;
  if (ldns_wire2rdf(rr.get(), wire.data(), wire.size(), &pos) != LDNS_STATUS_OK ||
      pos != wire.size()) {
    return nullptr;
  }
  return rr;
}

// DS: key tag (int16), algorithm, digest type (int8), digest (hex). DNSKEY: flags
// (int16), protocol (int8), algorithm, public key (b64). RFC 4034 2.1 and 5.1.
bool hasFields(const ldns_rr* rr, std::size_t n) { return ldns_rr_rd_count(rr) >= n; }

std::optional<DsFields> dsFields(const ldns_rr* rr) {
  if (!hasFields(rr, 4)) return std::nullopt;
  DsFields f;
  f.key_tag = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
  f.algorithm = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
  f.digest_type = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
  return f;
}

std::optional<DnskeyFields> dnskeyFields(const ldns_rr* rr) {
  if (!hasFields(rr, 4)) return std::nullopt;
  DnskeyFields f;
  f.flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
  f.protocol = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
  f.algorithm = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
  f.key_tag = ldns_calc_keytag(rr);
  return f;
}

std::string label(std::uint16_t tag, std::uint8_t alg) {
  return std::to_string(tag) + "/" + std::to_string(alg);
}

}  // namespace

std::optional<DsFields> readDs(const Record& ds) {
  const RrPtr rr = toLdns(ds, kTypeDs);
  return rr ? dsFields(rr.get()) : std::nullopt;
}

std::optional<DnskeyFields> readDnskey(const Record& key) {
  const RrPtr rr = toLdns(key, kTypeDnskey);
  return rr ? dnskeyFields(rr.get()) : std::nullopt;
}

bool isCheckable(const DsFields& ds) {
  static constexpr std::uint8_t kDigests[] = {LDNS_SHA1, LDNS_SHA256, LDNS_SHA384};
  static constexpr std::uint8_t kAlgorithms[] = {5, 7, 8, 10, 13, 14, 15, 16};
  return std::find(std::begin(kDigests), std::end(kDigests), ds.digest_type) != std::end(kDigests) &&
         std::find(std::begin(kAlgorithms), std::end(kAlgorithms), ds.algorithm) !=
             std::end(kAlgorithms);
}

std::string_view toString(DsMatch m) {
  switch (m) {
    case DsMatch::Matches: return "matches";
    case DsMatch::NoMatch: return "no_match";
    case DsMatch::Uncheckable: return "uncheckable";
  }
  return "?";
}

DsMatch matchDs(const Record& ds, const std::vector<Record>& dnskeys) {
  const RrPtr ds_rr = toLdns(ds, kTypeDs);
  if (!ds_rr) return DsMatch::Uncheckable;
  const auto d = dsFields(ds_rr.get());
  if (!d || !isCheckable(*d)) return DsMatch::Uncheckable;
  for (const Record& k : dnskeys) {
    const RrPtr key = toLdns(k, kTypeDnskey);
    if (!key) continue;
    const auto f = dnskeyFields(key.get());
    if (!f || (f->flags & kFlagZoneKey) == 0 || (f->flags & kFlagRevoke) != 0 ||
        f->protocol != kProtocolDnssec || f->algorithm != d->algorithm || f->key_tag != d->key_tag) {
      continue;
    }
    // The DS this key would have with the same digest type; the digests must be equal.
    const RrPtr computed(ldns_key_rr2ds(key.get(), static_cast<ldns_hash>(d->digest_type)));
    if (!computed || !hasFields(computed.get(), 4)) continue;
    if (ldns_rdf_compare(ldns_rr_rdf(computed.get(), 3), ldns_rr_rdf(ds_rr.get(), 3)) == 0) {
      return DsMatch::Matches;
    }
  }
  return DsMatch::NoMatch;
}

std::string dsLabel(const Record& ds) {
  const auto f = readDs(ds);
  return f ? label(f->key_tag, f->algorithm) : "?";
}

std::string dnskeyLabel(const Record& key) {
  const auto f = readDnskey(key);
  return f ? label(f->key_tag, f->algorithm) : "?";
}

}  // namespace dnsprop::dns
