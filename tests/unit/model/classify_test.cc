#include <boost/test/unit_test.hpp>

#include "dns/types.h"
#include "model/classify.h"

using namespace dnsprop;
using dns::Outcome;

namespace {

dns::Record rec(dns::QType type, std::string text) {
  dns::Record r;
  r.owner = "www.shop.example.jp.";
  r.type = type;
  r.ttl = 300;
  r.text = std::move(text);
  return r;
}

dns::Observation answer(std::vector<dns::Record> chain) {
  dns::Observation o;
  o.outcome = Outcome::Answer;
  o.chain = std::move(chain);
  return o;
}

const std::vector<std::string> kOld = {"192.0.2.10"};
const std::vector<std::string> kNew = {"198.51.100.20", "198.51.100.21"};

}  // namespace

BOOST_AUTO_TEST_SUITE(classify)

BOOST_AUTO_TEST_CASE(addresses_new_old_mixed_other) {
  auto c = [](std::vector<dns::Record> r) { return classifyValues(answer(r), RRType::A, kOld, kNew).cls; };
  BOOST_TEST((c({rec(1, "198.51.100.20")}) == AnswerClass::New));
  BOOST_TEST((c({rec(1, "198.51.100.20"), rec(1, "198.51.100.21")}) == AnswerClass::New));
  BOOST_TEST((c({rec(1, "192.0.2.10")}) == AnswerClass::Old));
  BOOST_TEST((c({rec(1, "192.0.2.10"), rec(1, "198.51.100.20")}) == AnswerClass::Mixed));
  BOOST_TEST((c({rec(1, "203.0.113.9")}) == AnswerClass::Other));
  // An unknown value next to NEW ones is never NEW.
  BOOST_TEST((c({rec(1, "198.51.100.20"), rec(1, "203.0.113.9")}) == AnswerClass::Other));
}

BOOST_AUTO_TEST_CASE(cname_chain_classified_by_its_final_rrset) {
  auto o = answer({rec(dns::qtype::CNAME, "shop.cdn.example.net."), rec(1, "198.51.100.20")});
  BOOST_TEST((classifyValues(o, RRType::A, kOld, kNew).cls == AnswerClass::New));
}

BOOST_AUTO_TEST_CASE(errors_negative_and_stale_are_never_new) {
  for (auto outcome : {Outcome::Timeout, Outcome::ServFail, Outcome::Refused, Outcome::Malformed,
                       Outcome::NetworkError, Outcome::TruncatedFailed, Outcome::OtherRcode,
                       Outcome::NotAuthoritative}) {
    auto o = answer({rec(1, "198.51.100.20")});  // even with NEW-looking data attached
    o.outcome = outcome;
    BOOST_TEST((classifyValues(o, RRType::A, kOld, kNew).cls == AnswerClass::Error));
  }
  for (auto outcome : {Outcome::NxDomain, Outcome::NoData}) {
    dns::Observation o;
    o.outcome = outcome;
    BOOST_TEST((classifyValues(o, RRType::A, kOld, kNew).cls == AnswerClass::Negative));
  }
  auto stale = answer({rec(1, "198.51.100.20")});
  stale.ede_codes = {3};
  BOOST_TEST((classifyValues(stale, RRType::A, kOld, kNew).cls == AnswerClass::Stale));
  // An "answer" with no record of the asked type is unusable.
  BOOST_TEST((classifyValues(answer({rec(dns::qtype::CNAME, "x.example.")}), RRType::A, kOld, kNew).cls ==
              AnswerClass::Error));
}

BOOST_AUTO_TEST_CASE(f8_stale_old_data_stays_old) {
  // A resolver serving the OLD address stale still sends visitors to the old server.
  auto stale_old = answer({rec(1, "192.0.2.10")});
  stale_old.ede_codes = {3};
  const auto c = classifyValues(stale_old, RRType::A, kOld, kNew);
  BOOST_TEST((c.cls == AnswerClass::Old));
  BOOST_TEST(c.stale);
  BOOST_TEST(c.has_old_values);
  auto stale_mixed = answer({rec(1, "192.0.2.10"), rec(1, "198.51.100.20")});
  stale_mixed.ede_codes = {19};
  BOOST_TEST((classifyValues(stale_mixed, RRType::A, kOld, kNew).cls == AnswerClass::Old));
}

BOOST_AUTO_TEST_CASE(forged_filtered_or_bogus_answers_are_never_new) {
  for (std::uint16_t code : {4, 6, 9, 15, 16, 17}) {
    auto o = answer({rec(1, "198.51.100.20")});
    o.ede_codes = {code};
    const auto c = classifyValues(o, RRType::A, kOld, kNew);
    BOOST_TEST_INFO("EDE " << code);
    BOOST_TEST((c.cls == AnswerClass::Other));
    BOOST_TEST(c.distrusted);
  }
  auto old = answer({rec(1, "192.0.2.10")});
  old.ede_codes = {15};
  BOOST_TEST((classifyValues(old, RRType::A, kOld, kNew).cls == AnswerClass::Old));
  // Other EDE codes (e.g. 18 Prohibited on another record, 0 Other) do not demote.
  auto fine = answer({rec(1, "198.51.100.20")});
  fine.ede_codes = {0};
  BOOST_TEST((classifyValues(fine, RRType::A, kOld, kNew).cls == AnswerClass::New));
}

BOOST_AUTO_TEST_CASE(not_authoritative_is_an_error) {
  auto o = answer({rec(1, "198.51.100.20")});
  o.outcome = Outcome::NotAuthoritative;
  BOOST_TEST((classifyValues(o, RRType::A, kOld, kNew).cls == AnswerClass::Error));
}

BOOST_AUTO_TEST_CASE(ns_and_mx_compare_host_names_case_insensitively) {
  auto ns = answer({rec(dns::qtype::NS, "ns1.new-host.example."), rec(dns::qtype::NS, "ns2.new-host.example.")});
  BOOST_TEST((classifyValues(ns, RRType::NS, {"ns1.old.example."}, {"NS1.New-Host.example", "ns2.new-host.example."}).cls ==
              AnswerClass::New));
  auto mx = answer({rec(dns::qtype::MX, "10 mail.old.example.")});
  BOOST_TEST((classifyValues(mx, RRType::MX, {"mail.old.example."}, {"mx.new.example."}).cls == AnswerClass::Old));
}

BOOST_AUTO_TEST_CASE(shared_values_alone_cannot_prove_new) {
  auto o = answer({rec(1, "192.0.2.10")});
  BOOST_TEST((classifyValues(o, RRType::A, {"192.0.2.10"}, {"192.0.2.10", "198.51.100.20"}).cls ==
              AnswerClass::Mixed));
}

BOOST_AUTO_TEST_CASE(expectation_values_split_by_family) {
  Expectation e;
  e.addresses = {*Endpoint::parse("192.0.2.1"), *Endpoint::parse("2001:db8::1")};
  BOOST_TEST(expectedValues(e, RRType::A) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(expectedValues(e, RRType::AAAA) == std::vector<std::string>{"2001:db8::1"});
}

BOOST_AUTO_TEST_CASE(nodata_is_the_answer_of_the_side_without_the_type) {
  dns::Observation nodata;
  nodata.outcome = Outcome::NoData;
  nodata.negative_ttl = 300;
  const std::vector<std::string> v6 = {"2001:db8::10"};
  // IPv6 dropped: the new side has no AAAA, so "no AAAA" is NEW and the old AAAA is OLD.
  BOOST_TEST((classifyValues(nodata, RRType::AAAA, v6, {}).cls == AnswerClass::New));
  BOOST_TEST((classifyValues(answer({rec(28, "2001:db8::10")}), RRType::AAAA, v6, {}).cls == AnswerClass::Old));
  // IPv6 added: "no AAAA" is what the old side served.
  const auto added = classifyValues(nodata, RRType::AAAA, {}, v6);
  BOOST_TEST((added.cls == AnswerClass::Old));
  BOOST_TEST(added.has_old_values);
  // Both sides expect AAAA (or neither does): NODATA is just negative.
  BOOST_TEST((classifyValues(nodata, RRType::AAAA, v6, v6).cls == AnswerClass::Negative));
  BOOST_TEST((classifyValues(nodata, RRType::AAAA, {}, {}).cls == AnswerClass::Negative));
  // NXDOMAIN is never a side's answer: the name exists on both sides.
  auto nx = nodata;
  nx.outcome = Outcome::NxDomain;
  BOOST_TEST((classifyValues(nx, RRType::AAAA, v6, {}).cls == AnswerClass::Negative));
}

BOOST_AUTO_TEST_CASE(nodata_without_soa_stale_or_filtered_is_never_new) {
  const std::vector<std::string> v6 = {"2001:db8::10"};
  dns::Observation referral_like;  // no SOA: a referral or a bare NOERROR proves nothing
  referral_like.outcome = Outcome::NoData;
  BOOST_TEST((classifyValues(referral_like, RRType::AAAA, v6, {}).cls == AnswerClass::Negative));
  dns::Observation stale;
  stale.outcome = Outcome::NoData;
  stale.negative_ttl = 30;
  stale.ede_codes = {19};
  BOOST_TEST((classifyValues(stale, RRType::AAAA, v6, {}).cls == AnswerClass::Stale));
  // Stale "no AAAA" when the old side had none: still OLD (F8).
  BOOST_TEST((classifyValues(stale, RRType::AAAA, {}, v6).cls == AnswerClass::Old));
  dns::Observation filtered;
  filtered.outcome = Outcome::NoData;
  filtered.negative_ttl = 30;
  filtered.ede_codes = {17};
  BOOST_TEST((classifyValues(filtered, RRType::AAAA, v6, {}).cls == AnswerClass::Negative));
  for (auto outcome : {Outcome::Timeout, Outcome::ServFail, Outcome::Refused}) {
    dns::Observation e;
    e.outcome = outcome;
    e.negative_ttl = 30;
    BOOST_TEST((classifyValues(e, RRType::AAAA, v6, {}).cls == AnswerClass::Error));
  }
}

BOOST_AUTO_TEST_CASE(a_chain_through_a_configured_cname_target_is_that_sides_answer) {
  Expectation old_side, new_side;
  old_side.addresses = {*Endpoint::parse("192.0.2.10")};
  new_side.cnames = {"shop.cdn.example.net."};
  // The CDN's addresses are its own to choose: the CNAME target decides.
  auto via_cdn = answer({rec(dns::qtype::CNAME, "Shop.CDN.example.net."), rec(1, "203.0.113.77")});
  const auto c = dnsprop::classify(via_cdn, RRType::A, old_side, new_side);
  BOOST_TEST((c.cls == AnswerClass::New));
  BOOST_TEST(c.values == std::vector<std::string>{"shop.cdn.example.net."});
  // Through a CNAME nobody configured: the addresses decide as before (unknown: OTHER).
  auto elsewhere = answer({rec(dns::qtype::CNAME, "x.other.example."), rec(1, "203.0.113.77")});
  BOOST_TEST((dnsprop::classify(elsewhere, RRType::A, old_side, new_side).cls == AnswerClass::Other));
  BOOST_TEST((dnsprop::classify(answer({rec(1, "192.0.2.10")}), RRType::A, old_side, new_side).cls == AnswerClass::Old));
  // No AAAA behind the CDN name is still the CDN's answer (the chain says so).
  dns::Observation nodata_via_cdn;
  nodata_via_cdn.outcome = Outcome::NoData;
  nodata_via_cdn.negative_ttl = 60;
  nodata_via_cdn.chain = {rec(dns::qtype::CNAME, "shop.cdn.example.net.")};
  BOOST_TEST((dnsprop::classify(nodata_via_cdn, RRType::AAAA, old_side, new_side).cls == AnswerClass::New));
  // Errors stay errors, whatever the chain; a stale or forged one is never NEW.
  auto failed = via_cdn;
  failed.outcome = Outcome::ServFail;
  BOOST_TEST((dnsprop::classify(failed, RRType::A, old_side, new_side).cls == AnswerClass::Error));
  auto stale = via_cdn;
  stale.ede_codes = {3};
  BOOST_TEST((dnsprop::classify(stale, RRType::A, old_side, new_side).cls == AnswerClass::Stale));
  auto forged = via_cdn;
  forged.ede_codes = {4};
  BOOST_TEST((dnsprop::classify(forged, RRType::A, old_side, new_side).cls == AnswerClass::Other));
  // Both sides' targets on one chain: MIXED.
  old_side.cnames = {"shop.oldcdn.example.net."};
  auto both = answer({rec(dns::qtype::CNAME, "shop.oldcdn.example.net."),
                      rec(dns::qtype::CNAME, "shop.cdn.example.net."), rec(1, "203.0.113.77")});
  BOOST_TEST((dnsprop::classify(both, RRType::A, old_side, new_side).cls == AnswerClass::Mixed));
}

BOOST_AUTO_TEST_SUITE_END()
