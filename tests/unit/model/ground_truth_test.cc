#include <boost/test/unit_test.hpp>

#include "dns/types.h"
#include "model/ground_truth.h"

using namespace dnsprop;
using dns::Outcome;

namespace {

Endpoint ep(const char* s) { return *Endpoint::parse(s); }

Migration migration() {
  Migration m;
  m.domain = "shop.test.";
  m.watch = {{"www.shop.test.", {RRType::A}}};
  m.old_side.addresses = {ep("192.0.2.10")};
  m.old_side.ns = {"ns1.oldhost.test."};
  m.old_side.servers = {ep("127.0.70.1")};
  m.new_side.addresses = {ep("198.51.100.20")};
  m.new_side.ns = {"ns1.newhost.test."};
  m.new_side.servers = {ep("127.0.71.1")};
  m.parent_servers = {ep("127.0.72.1"), ep("127.0.72.2")};
  return m;
}

dns::Record rec(const std::string& owner, dns::QType t, std::uint32_t ttl, const std::string& text) {
  dns::Record r;
  r.owner = owner;
  r.type = t;
  r.ttl = ttl;
  r.text = text;
  return r;
}

dns::Observation referral(std::vector<std::string> hosts, std::uint32_t ttl = 86400) {
  dns::Observation o;
  o.outcome = Outcome::NoData;
  for (const auto& h : hosts) o.authority_ns.push_back(rec("shop.test.", dns::qtype::NS, ttl, h));
  return o;
}

dns::Observation authNs(std::vector<std::string> hosts, std::uint32_t ttl) {
  dns::Observation o;
  o.outcome = Outcome::Answer;
  o.aa = true;
  for (const auto& h : hosts) o.chain.push_back(rec("shop.test.", dns::qtype::NS, ttl, h));
  return o;
}

dns::Observation authA(const std::string& addr, std::uint32_t ttl, bool aa = true) {
  dns::Observation o;
  o.outcome = Outcome::Answer;
  o.aa = aa;
  o.chain.push_back(rec("www.shop.test.", dns::qtype::A, ttl, addr));
  return o;
}

dns::Observation failed(Outcome out) {
  dns::Observation o;
  o.outcome = out;
  return o;
}

// Observations in truthQueries() order: parent x2, old (NS, A), new (NS, A); the DNSSEC
// queries that follow (parent DS x2, new DNSKEY: ground_truth_dnssec_test.cc) get none.
GroundTruth judge(const Migration& m, dns::Observation p1, dns::Observation p2, dns::Observation oldNs,
                  dns::Observation oldA, dns::Observation newNs, dns::Observation newA) {
  const auto q = truthQueries(m);
  BOOST_REQUIRE(q.size() == 9u);
  return evaluateTruth(m, q, {p1, p2, oldNs, oldA, newNs, newA});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ground_truth)

BOOST_AUTO_TEST_CASE(queries_cover_parent_old_and_new_without_recursion_targets) {
  const auto q = truthQueries(migration());
  BOOST_REQUIRE(q.size() == 9u);
  BOOST_TEST((q[0].role == TruthRole::Parent && q[0].type == RRType::NS && q[0].name == "shop.test."));
  BOOST_TEST((q[2].role == TruthRole::Old && q[2].type == RRType::NS));
  BOOST_TEST((q[3].role == TruthRole::Old && q[3].type == RRType::A && q[3].name == "www.shop.test."));
  BOOST_TEST((q[5].role == TruthRole::New && q[5].server == ep("127.0.71.1")));
}

BOOST_AUTO_TEST_CASE(clean_switch_delegates_to_new_and_plan_holds) {
  const auto g = judge(migration(), referral({"ns1.newhost.test."}, 3600), referral({"ns1.newhost.test."}, 3600),
                       failed(Outcome::Timeout), failed(Outcome::Timeout),
                       authNs({"ns1.newhost.test."}, 300), authA("198.51.100.20", 300));
  BOOST_TEST((g.delegation == Delegation::New));
  BOOST_TEST(g.parent_ns_ttl.value_or(0) == 3600u);
  BOOST_TEST(g.plan_ok);
  BOOST_TEST(!g.old_serving_zone);
  BOOST_TEST(!g.new_lame);
}

BOOST_AUTO_TEST_CASE(f10_parent_listing_both_is_flagged) {
  const auto g = judge(migration(), referral({"ns1.oldhost.test.", "ns1.newhost.test."}),
                       referral({"ns1.oldhost.test.", "ns1.newhost.test."}), authNs({"ns1.oldhost.test."}, 86400),
                       authA("192.0.2.10", 3600), authNs({"ns1.newhost.test."}, 300), authA("198.51.100.20", 300));
  BOOST_TEST((g.delegation == Delegation::Both));
  BOOST_TEST(!g.findings.empty());
}

BOOST_AUTO_TEST_CASE(f9_old_server_still_serving_its_ns_set_is_reported_with_ttls) {
  const auto g = judge(migration(), referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                       authNs({"ns1.oldhost.test."}, 604800), authA("192.0.2.10", 3600),
                       authNs({"ns1.newhost.test."}, 300), authA("198.51.100.20", 300));
  BOOST_TEST((g.delegation == Delegation::New));
  BOOST_TEST(g.old_serving_zone);
  BOOST_TEST(g.old_child_ns_ttl.value_or(0) == 604800u);
  BOOST_TEST(g.old_data_max_ttl == 3600u);
}

BOOST_AUTO_TEST_CASE(f11_lame_new_server_breaks_the_plan) {
  for (auto out : {Outcome::Refused, Outcome::ServFail, Outcome::NotAuthoritative}) {
    auto newNs = failed(out);
    const auto g = judge(migration(), referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                         failed(Outcome::Timeout), failed(Outcome::Timeout), newNs, failed(out));
    BOOST_TEST_INFO(dns::toString(out));
    BOOST_TEST(!g.plan_ok);
  }
  // AA=0 with data from the "new" server: it does not serve the zone.
  auto noAa = authNs({"ns1.newhost.test."}, 300);
  noAa.aa = false;
  const auto g = judge(migration(), referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                       failed(Outcome::Timeout), failed(Outcome::Timeout), noAa, authA("198.51.100.20", 300, false));
  BOOST_TEST(g.new_lame);
  BOOST_TEST(!g.plan_ok);
}

BOOST_AUTO_TEST_CASE(disagreeing_or_unknown_parents_are_not_new) {
  const auto g = judge(migration(), referral({"ns1.newhost.test."}), referral({"ns1.oldhost.test."}),
                       failed(Outcome::Timeout), failed(Outcome::Timeout), authNs({"ns1.newhost.test."}, 300),
                       authA("198.51.100.20", 300));
  BOOST_TEST((g.delegation == Delegation::Other));
  BOOST_TEST(!g.parents_agree);
  const auto none = judge(migration(), failed(Outcome::Timeout), failed(Outcome::ServFail), failed(Outcome::Timeout),
                          failed(Outcome::Timeout), authNs({"ns1.newhost.test."}, 300), authA("198.51.100.20", 300));
  BOOST_TEST((none.delegation == Delegation::Unknown));
}

BOOST_AUTO_TEST_CASE(new_server_serving_old_data_breaks_the_plan) {
  const auto g = judge(migration(), referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                       failed(Outcome::Timeout), failed(Outcome::Timeout), authNs({"ns1.newhost.test."}, 300),
                       authA("192.0.2.10", 300));
  BOOST_TEST(!g.plan_ok);
  BOOST_TEST((g.new_data.at({"www.shop.test.", RRType::A}) == AnswerClass::Old));
}

BOOST_AUTO_TEST_CASE(address_only_delegation_is_unchanged_and_the_data_switch_is_seen) {
  Migration m = migration();
  m.new_side.ns = m.old_side.ns;            // the name servers stay
  m.new_side.servers = m.old_side.servers;  // the same servers serve the new data
  BOOST_TEST(!nsMoves(m));
  const auto q = truthQueries(m);
  BOOST_REQUIRE(q.size() == 9u);
  // Before: the servers serve OLD.
  auto g = evaluateTruth(m, q, {referral({"ns1.oldhost.test."}), referral({"ns1.oldhost.test."}),
                                authNs({"ns1.oldhost.test."}, 3600), authA("192.0.2.10", 600),
                                authNs({"ns1.oldhost.test."}, 3600), authA("192.0.2.10", 600)});
  BOOST_TEST((g.delegation == Delegation::Unchanged));
  BOOST_TEST(!g.ns_moves);
  BOOST_TEST(!g.data_switched);
  BOOST_TEST(g.data_reverted);  // a new server serves OLD
  BOOST_TEST(!g.old_serves_old_ns);
  BOOST_TEST(g.old_data_max_ttl == 600u);
  // After: they serve NEW.
  g = evaluateTruth(m, q, {referral({"ns1.oldhost.test."}), referral({"ns1.oldhost.test."}),
                           authNs({"ns1.oldhost.test."}, 3600), authA("198.51.100.20", 600),
                           authNs({"ns1.oldhost.test."}, 3600), authA("198.51.100.20", 600)});
  BOOST_TEST((g.delegation == Delegation::Unchanged));
  BOOST_TEST(g.data_switched);
  BOOST_TEST(!g.data_reverted);
  BOOST_TEST(g.plan_ok);
  // A timeout at one server proves nothing: not switched, not reverted.
  g = evaluateTruth(m, q, {referral({"ns1.oldhost.test."}), referral({"ns1.oldhost.test."}),
                           authNs({"ns1.oldhost.test."}, 3600), authA("198.51.100.20", 600),
                           authNs({"ns1.oldhost.test."}, 3600), failed(Outcome::Timeout)});
  BOOST_TEST(!g.data_switched);
  BOOST_TEST(!g.data_reverted);
  // The parent delegating to a name server the config does not list: OTHER.
  g = evaluateTruth(m, q, {referral({"ns9.elsewhere.test."}), referral({"ns9.elsewhere.test."}),
                           authNs({"ns1.oldhost.test."}, 3600), authA("198.51.100.20", 600),
                           authNs({"ns1.oldhost.test."}, 3600), authA("198.51.100.20", 600)});
  BOOST_TEST((g.delegation == Delegation::Other));
}

BOOST_AUTO_TEST_CASE(dns_provider_only_judges_the_apex_ns_set_per_side) {
  Migration m = migration();
  m.watch = {{"shop.test.", {RRType::NS}}};
  m.new_side.addresses = m.old_side.addresses;  // addresses stay
  BOOST_TEST(nsMoves(m));
  const auto q = truthQueries(m);
  // parent x2, old NS, new NS, then DNSSEC.
  BOOST_REQUIRE(q.size() == 7u);
  auto g = evaluateTruth(m, q, {referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                                authNs({"ns1.oldhost.test."}, 3600), authNs({"ns1.newhost.test."}, 3600)});
  BOOST_TEST((g.delegation == Delegation::New));
  BOOST_TEST(g.plan_ok);
  BOOST_TEST((g.old_data.at({"shop.test.", RRType::NS}) == AnswerClass::Old));
  BOOST_TEST((g.new_data.at({"shop.test.", RRType::NS}) == AnswerClass::New));
  BOOST_TEST(g.old_serves_old_ns);
  // The NS TTL is the child NS TTL, never a data TTL (it would stretch every bound twice).
  BOOST_TEST(g.old_data_max_ttl == 0u);
  BOOST_TEST(g.old_child_ns_ttl.value_or(0) == 3600u);
  // The new provider still publishing the old NS set in its zone breaks the plan.
  g = evaluateTruth(m, q, {referral({"ns1.newhost.test."}), referral({"ns1.newhost.test."}),
                           authNs({"ns1.oldhost.test."}, 3600), authNs({"ns1.oldhost.test."}, 3600)});
  BOOST_TEST(!g.plan_ok);
}

BOOST_AUTO_TEST_SUITE_END()
