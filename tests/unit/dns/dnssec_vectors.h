// Real DS/DNSKEY records for the DNSSEC tests (FAULTS F13), and a helper that turns a
// record in presentation form into the dns::Record acceptReply() would produce.
// Keys made with `ldns-keygen -a ECDSAP256SHA256 [-k] shop.test.` and DS records with
// `ldns-key2ds -n [-f] [-1|-2|-4]` (ldnsutils 1.8.3); the RSASHA1 pair is the example of
// RFC 4034 5.4. Header-only, for test runners only.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <string>

#include "dns/ldns.h"
#include "dns/observation.h"

namespace dnsprop::dns::test {

// KSK 11986 and 15379, ZSK 27940 (all algorithm 13) of shop.test.
inline const char* kKsk11986 =
    "shop.test. 3600 IN DNSKEY 257 3 13 sQ9TgGz6WqqRUszgp4cpcpt+sHZE+PHqaL9s7SdISMM86iWl67sAZJKG"
    "PVf/ZSUTIv9lKoxDHlDd46o5AppmVg==";
inline const char* kKsk15379 =
    "shop.test. 3600 IN DNSKEY 257 3 13 +eY5F118MLcYKqAnr3LprAYdrvj0oRmuuTfvslTfXwG9QxEtoy+yVDlS"
    "MnniMfx6gWPstpOH8Pl7WS/tRH60Yg==";
inline const char* kZsk27940 =
    "shop.test. 3600 IN DNSKEY 256 3 13 1Fn6arlf9+gy3mcldfj4ZQLuM2KGLUPHOQrscbyRJGsW+Hfza0w0b6Nl"
    "aMRaKT1ktqJHEVKXHhmco9rXxd9byw==";
// The 11986 key material with flags 0 (not a zone key: tag 11729), 385 (revoked: tag
// 12114) and protocol 2 (tag 11730), and their DS (SHA-256, `ldns-key2ds -f`).
inline const char* kFlags0Key =
    "shop.test. 3600 IN DNSKEY 0 3 13 sQ9TgGz6WqqRUszgp4cpcpt+sHZE+PHqaL9s7SdISMM86iWl67sAZJKG"
    "PVf/ZSUTIv9lKoxDHlDd46o5AppmVg==";
inline const char* kFlags0Ds =
    "shop.test. 3600 IN DS 11729 13 2 e0b39a3fdaaa9a350ed083914640c84fca4f727a0183a60fda69ad9e9546292c";
inline const char* kRevokedKey =
    "shop.test. 3600 IN DNSKEY 385 3 13 sQ9TgGz6WqqRUszgp4cpcpt+sHZE+PHqaL9s7SdISMM86iWl67sAZJKG"
    "PVf/ZSUTIv9lKoxDHlDd46o5AppmVg==";
inline const char* kRevokedDs =
    "shop.test. 3600 IN DS 12114 13 2 27383ea7243893ac5626ebe4ed626b1c2a590ecedd82593a0232514bf4893fb3";
inline const char* kProtocol2Key =
    "shop.test. 3600 IN DNSKEY 257 2 13 sQ9TgGz6WqqRUszgp4cpcpt+sHZE+PHqaL9s7SdISMM86iWl67sAZJKG"
    "PVf/ZSUTIv9lKoxDHlDd46o5AppmVg==";
inline const char* kProtocol2Ds =
    "shop.test. 3600 IN DS 11730 13 2 94a9710701cf87295e08168efbf3f76a1b8d23f489a848a3d622caf471e59f31";

inline const char* kDs11986Sha256 =
    "shop.test. 3600 IN DS 11986 13 2 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae0";
inline const char* kDs11986Sha1 = "shop.test. 3600 IN DS 11986 13 1 14634ac18522da9d657594b0f1741b384b7b8aa8";
inline const char* kDs11986Sha384 =
    "shop.test. 3600 IN DS 11986 13 4 5b75f5f53c3f21c398a3a8022246893daddc27db12118e47a38ff89b7eb7141a4629dc4"
    "fbefb533d8e3d952edbbc52cf";
// Same tag, algorithm and digest type as kDs11986Sha256, last digest octet changed.
inline const char* kDs11986Forged =
    "shop.test. 3600 IN DS 11986 13 2 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae1";
inline const char* kDs15379 =
    "shop.test. 3600 IN DS 15379 13 2 eb8feedef4c320b743e2634e5e93231fd83f10531fc2a443a5155b91251a39dc";
inline const char* kDs27940 =
    "shop.test. 3600 IN DS 27940 13 2 b08fde979025d81df94f273fbedeef75a58aa50624c92bacfcbfef22779cd532";

// RFC 4034 5.4: a RSASHA1 zone key (not SEP) and its SHA-1 DS.
inline const char* kRfcKey =
    "dskey.example.com. 86400 IN DNSKEY 256 3 5 AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/"
    "2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9Xzc"
    "nOf+EPbtG9DMBmADjFDc2w/rljwvFw==";
inline const char* kRfcDs = "dskey.example.com. 86400 IN DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118";

// A record in presentation form as acceptReply() would hand it over: lower-case owner,
// wire RDATA (DS and DNSKEY hold no names, so the RDATA fields' bytes concatenated).
inline Record recordFromText(const std::string& text) {
  ldns_rr* raw = nullptr;
  const ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), 0, nullptr, nullptr);
  RrPtr rr(raw);
  BOOST_REQUIRE_MESSAGE(st == LDNS_STATUS_OK && rr, "ldns rejects test record: " << text);
  Record r;
  MallocPtr<char> owner(ldns_rdf2str(ldns_rr_owner(rr.get())));
  r.owner = owner.get();
  for (auto& c : r.owner) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  r.type = static_cast<QType>(ldns_rr_get_type(rr.get()));
  r.ttl = ldns_rr_ttl(rr.get());
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr.get(), i);
    r.rdata.insert(r.rdata.end(), ldns_rdf_data(f), ldns_rdf_data(f) + ldns_rdf_size(f));
  }
  return r;
}

}  // namespace dnsprop::dns::test
