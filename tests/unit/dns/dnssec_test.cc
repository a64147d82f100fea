// DS/DNSKEY matching (FAULTS F13) with real keys: a DS counts only when a zone key of the
// set has its key tag, algorithm AND digest; what validators would ignore is
// "uncheckable", never a match and never a mismatch.
#include <boost/test/unit_test.hpp>

#include "dns/dnssec.h"
#include "unit/dns/dnssec_vectors.h"

using namespace dnsprop;
using namespace dnsprop::dns;
using namespace dnsprop::dns::test;

namespace {

std::vector<Record> keys(std::initializer_list<const char*> texts) {
  std::vector<Record> out;
  for (const char* t : texts) out.push_back(recordFromText(t));
  return out;
}

DsMatch match(const char* ds, std::initializer_list<const char*> dnskeys) {
  return matchDs(recordFromText(ds), keys(dnskeys));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dnssec)

BOOST_AUTO_TEST_CASE(reads_ds_and_dnskey_fields_through_ldns) {
  const auto ds = readDs(recordFromText(kDs11986Sha384));
  BOOST_REQUIRE(ds.has_value());
  BOOST_TEST(ds->key_tag == 11986);
  BOOST_TEST(ds->algorithm == 13);
  BOOST_TEST(ds->digest_type == 4);
  const auto key = readDnskey(recordFromText(kZsk27940));
  BOOST_REQUIRE(key.has_value());
  BOOST_TEST(key->flags == 256);
  BOOST_TEST(key->protocol == 3);
  BOOST_TEST(key->algorithm == 13);
  BOOST_TEST(key->key_tag == 27940);  // what ldns-keygen printed
  BOOST_TEST(readDnskey(recordFromText(kRfcKey))->key_tag == 60485);
  // Wrong type either way.
  BOOST_TEST(!readDs(recordFromText(kZsk27940)).has_value());
  BOOST_TEST(!readDnskey(recordFromText(kDs15379)).has_value());
  BOOST_TEST(dsLabel(recordFromText(kDs15379)) == "15379/13");
  BOOST_TEST(dnskeyLabel(recordFromText(kKsk11986)) == "11986/13");
}

BOOST_AUTO_TEST_CASE(ds_matches_its_key_with_every_digest_type) {
  for (const char* ds : {kDs11986Sha1, kDs11986Sha256, kDs11986Sha384}) {
    BOOST_TEST((match(ds, {kZsk27940, kKsk11986}) == DsMatch::Matches), ds);
  }
  BOOST_TEST((match(kDs15379, {kKsk11986, kKsk15379, kZsk27940}) == DsMatch::Matches));
  // A DS may point at a zone key without SEP: validators do not look at SEP.
  BOOST_TEST((match(kDs27940, {kZsk27940}) == DsMatch::Matches));
  BOOST_TEST((match(kRfcDs, {kRfcKey}) == DsMatch::Matches));
}

BOOST_AUTO_TEST_CASE(f13_ds_of_another_key_or_no_keys_is_no_match) {
  BOOST_TEST((match(kDs11986Sha256, {kKsk15379, kZsk27940}) == DsMatch::NoMatch));
  BOOST_TEST((match(kDs11986Sha256, {}) == DsMatch::NoMatch));
}

BOOST_AUTO_TEST_CASE(same_tag_and_algorithm_with_another_digest_is_no_match) {
  // Key tags collide easily (16 bits): the digest decides.
  BOOST_TEST((match(kDs11986Forged, {kKsk11986}) == DsMatch::NoMatch));
}

BOOST_AUTO_TEST_CASE(digest_covers_the_owner_name) {
  Record key = recordFromText(kKsk11986);
  key.owner = "other.test.";
  BOOST_TEST((matchDs(recordFromText(kDs11986Sha256), {key}) == DsMatch::NoMatch));
}

BOOST_AUTO_TEST_CASE(only_unrevoked_dnssec_zone_keys_count) {
  // Each DS below is the correct digest of its key: only the key's flags or protocol
  // make a validator refuse it.
  BOOST_TEST((match(kFlags0Ds, {kFlags0Key}) == DsMatch::NoMatch));
  BOOST_TEST((match(kRevokedDs, {kRevokedKey}) == DsMatch::NoMatch));
  BOOST_TEST((match(kProtocol2Ds, {kProtocol2Key}) == DsMatch::NoMatch));
}

BOOST_AUTO_TEST_CASE(unknown_digest_or_algorithm_is_uncheckable_not_a_mismatch) {
  // GOST (3) and an unassigned digest type; DSA (3) and an unassigned algorithm.
  const char* uncheckable[] = {
      "shop.test. 3600 IN DS 11986 13 3 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae0",
      "shop.test. 3600 IN DS 11986 13 9 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae0",
      "shop.test. 3600 IN DS 11986 3 2 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae0",
      "shop.test. 3600 IN DS 11986 200 2 8b8f99b56e30e39a687ccef52e2ccad4aa12955f4c23e14a8de690f500174ae0",
  };
  for (const char* ds : uncheckable) {
    BOOST_TEST((match(ds, {kKsk11986}) == DsMatch::Uncheckable), ds);
    BOOST_TEST(!isCheckable(*readDs(recordFromText(ds))), ds);
  }
  BOOST_TEST(isCheckable(*readDs(recordFromText(kDs11986Sha1))));
}

BOOST_AUTO_TEST_CASE(undecodable_rdata_is_uncheckable_and_bad_keys_are_skipped) {
  Record ds = recordFromText(kDs11986Sha256);
  ds.rdata.resize(3);  // shorter than the fixed fields
  BOOST_TEST(!readDs(ds).has_value());
  BOOST_TEST(dsLabel(ds) == "?");
  BOOST_TEST((matchDs(ds, keys({kKsk11986})) == DsMatch::Uncheckable));
  Record bad_key = recordFromText(kKsk11986);
  bad_key.rdata.resize(2);
  BOOST_TEST(!readDnskey(bad_key).has_value());
  BOOST_TEST((matchDs(recordFromText(kDs11986Sha256), {bad_key}) == DsMatch::NoMatch));
  BOOST_TEST((matchDs(recordFromText(kDs11986Sha256), {bad_key, recordFromText(kKsk11986)}) ==
              DsMatch::Matches));
  // Records of other types in the key list are skipped, not misread.
  BOOST_TEST((matchDs(recordFromText(kDs11986Sha256), keys({kDs11986Sha256})) == DsMatch::NoMatch));
}

BOOST_AUTO_TEST_SUITE_END()
