// FAULTS F13 in the ground truth: the DS set the parent servers publish against the
// DNSKEY set each new server serves, with real keys (tests/unit/dns/dnssec_vectors.h).
// A stale DS from the old provider must come out Broken (the verdict's CRITICAL), a
// matching one Valid, no DS Unsigned, and anything unproven Unknown, never Valid.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>

#include "dns/dnssec.h"
#include "model/ground_truth.h"
#include "support/printers.h"
#include "unit/dns/dnssec_vectors.h"

using namespace dnsprop;
using dns::Outcome;
using namespace dnsprop::dns::test;

namespace {

Endpoint ep(const char* s) { return *Endpoint::parse(s); }

const Endpoint kParent1 = ep("127.0.72.1");
const Endpoint kParent2 = ep("127.0.72.2");
const Endpoint kNew1 = ep("127.0.71.1");
const Endpoint kNew2 = ep("127.0.71.2");

Migration migration() {
  Migration m;
  m.domain = "shop.test.";
  m.watch = {{"www.shop.test.", {RRType::A}}};
  m.old_side.addresses = {ep("192.0.2.10")};
  m.old_side.ns = {"ns1.oldhost.test."};
  m.old_side.servers = {ep("127.0.70.1")};
  m.new_side.addresses = {ep("198.51.100.20")};
  m.new_side.ns = {"ns1.newhost.test."};
  m.new_side.servers = {kNew1};
  m.parent_servers = {kParent1, kParent2};
  return m;
}

// An authoritative answer holding `records` (presentation form).
dns::Observation authAnswer(std::initializer_list<const char*> records) {
  dns::Observation o;
  o.outcome = Outcome::Answer;
  o.aa = true;
  for (const char* r : records) o.chain.push_back(recordFromText(r));
  return o;
}

dns::Observation authNoData() {
  dns::Observation o;
  o.outcome = Outcome::NoData;
  o.aa = true;
  return o;
}

dns::Observation failed(Outcome out) {
  dns::Observation o;
  o.outcome = out;
  return o;
}

using Answers = std::function<dns::Observation(const TruthQuery&)>;

// Runs truthQueries() + evaluateTruth() with `ds(q)` answering the parents' DS queries
// and `dnskey(q)` the new servers' DNSKEY queries; every other query times out.
GroundTruth judge(const Migration& m, const Answers& ds, const Answers& dnskey) {
  const auto queries = truthQueries(m);
  std::vector<dns::Observation> obs;
  for (const auto& q : queries) {
    switch (q.kind) {
      case TruthKind::Data: obs.push_back(failed(Outcome::Timeout)); break;
      case TruthKind::Ds: obs.push_back(ds(q)); break;
      case TruthKind::Dnskey: obs.push_back(dnskey(q)); break;
    }
  }
  return evaluateTruth(m, queries, obs);
}

Answers always(dns::Observation o) {
  return [o](const TruthQuery&) { return o; };
}

bool hasFinding(const GroundTruth& g, const std::string& part) {
  return std::any_of(g.findings.begin(), g.findings.end(),
                     [&](const std::string& f) { return f.find(part) != std::string::npos; });
}

std::string findings(const GroundTruth& g) {
  std::string s;
  for (const auto& f : g.findings) s += "\n  " + f;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ground_truth_dnssec)

BOOST_AUTO_TEST_CASE(asks_every_parent_for_ds_and_every_new_server_for_dnskey_with_do) {
  Migration m = migration();
  m.new_side.servers = {kNew1, kNew2};
  const auto q = truthQueries(m);
  std::vector<TruthQuery> ds, dnskey;
  for (const auto& t : q) {
    if (t.kind == TruthKind::Ds) ds.push_back(t);
    if (t.kind == TruthKind::Dnskey) dnskey.push_back(t);
    const auto o = truthQueryOptions(t);
    BOOST_TEST(!o.recursion_desired);  // authoritative servers only
    BOOST_TEST(o.dnssec_ok == (t.kind != TruthKind::Data));
  }
  BOOST_REQUIRE(ds.size() == 2u);
  BOOST_REQUIRE(dnskey.size() == 2u);
  for (const auto& t : ds) {
    BOOST_TEST((t.role == TruthRole::Parent));
    BOOST_TEST(t.name == "shop.test.");
    BOOST_TEST(truthQType(t) == dns::kTypeDs);
  }
  BOOST_TEST(ds[0].server == kParent1);
  BOOST_TEST(ds[1].server == kParent2);
  for (const auto& t : dnskey) {
    BOOST_TEST((t.role == TruthRole::New));
    BOOST_TEST(t.name == "shop.test.");
    BOOST_TEST(truthQType(t) == dns::kTypeDnskey);
  }
  BOOST_TEST(dnskey[0].server == kNew1);
  BOOST_TEST(dnskey[1].server == kNew2);
  // The old servers' keys do not matter once the delegation points elsewhere: not asked.
  BOOST_TEST(std::none_of(q.begin(), q.end(), [](const TruthQuery& t) {
    return t.kind == TruthKind::Dnskey && t.role == TruthRole::Old;
  }));
}

BOOST_AUTO_TEST_CASE(no_ds_at_the_parent_is_unsigned) {
  const auto g = judge(migration(), always(authNoData()), always(authAnswer({kKsk11986, kZsk27940})));
  BOOST_TEST((g.dnssec == DnssecState::Unsigned));
  BOOST_TEST(!hasFinding(g, "DS"), findings(g));
}

BOOST_AUTO_TEST_CASE(ds_matching_a_key_of_the_new_servers_is_valid) {
  const auto g = judge(migration(), always(authAnswer({kDs11986Sha256})),
                       always(authAnswer({kZsk27940, kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
  BOOST_TEST(!hasFinding(g, "F13"), findings(g));
  // The DS answers are not mistaken for the parents' NS referral.
  BOOST_TEST(!hasFinding(g, "gave no delegation"), findings(g));
}

BOOST_AUTO_TEST_CASE(f13_old_providers_ds_left_at_the_parent_is_broken) {
  // The parent still has the DS of the old provider's key 15379; the new provider signs
  // with 11986/27940.
  const auto g = judge(migration(), always(authAnswer({kDs15379})), always(authAnswer({kKsk11986, kZsk27940})));
  BOOST_TEST((g.dnssec == DnssecState::Broken));
  BOOST_TEST(hasFinding(g, "parent DS 15379/13 for shop.test. matches no DNSKEY of the new servers (127.0.71.1:53)"),
             findings(g));
  BOOST_TEST(hasFinding(g, "validating resolvers will SERVFAIL (F13)"), findings(g));
}

BOOST_AUTO_TEST_CASE(f13_ds_at_the_parent_and_an_unsigned_new_zone_is_broken) {
  const auto g = judge(migration(), always(authAnswer({kDs15379})), always(authNoData()));
  BOOST_TEST((g.dnssec == DnssecState::Broken));
  BOOST_TEST(hasFinding(g, "serve no DNSKEY"), findings(g));
}

BOOST_AUTO_TEST_CASE(a_colliding_tag_with_the_wrong_digest_is_broken) {
  const auto g = judge(migration(), always(authAnswer({kDs11986Forged})), always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Broken));
}

BOOST_AUTO_TEST_CASE(old_and_new_ds_during_a_careful_move_is_valid) {
  // The recommended move: the parent lists both providers' DS until the switch is done.
  const auto g = judge(migration(), always(authAnswer({kDs15379, kDs11986Sha256})),
                       always(authAnswer({kKsk11986, kZsk27940})));
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
}

BOOST_AUTO_TEST_CASE(one_new_server_with_other_keys_is_broken_and_named) {
  // A resolver that picks the second new server fails, even though the first is fine.
  Migration m = migration();
  m.new_side.servers = {kNew1, kNew2};
  const auto g = judge(m, always(authAnswer({kDs11986Sha256})), [](const TruthQuery& q) {
    return q.server == kNew1 ? authAnswer({kKsk11986}) : authAnswer({kKsk15379});
  });
  BOOST_TEST((g.dnssec == DnssecState::Broken));
  BOOST_TEST(hasFinding(g, "(127.0.71.2:53)"), findings(g));
  BOOST_TEST(!hasFinding(g, "127.0.71.1:53"), findings(g));
}

BOOST_AUTO_TEST_CASE(a_lagging_parent_server_with_the_old_ds_is_broken) {
  const auto g = judge(migration(), [](const TruthQuery& q) {
    return q.server == kParent1 ? authAnswer({kDs11986Sha256}) : authAnswer({kDs15379});
  }, always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Broken));
  BOOST_TEST(hasFinding(g, "parent DS 15379/13"), findings(g));
}

BOOST_AUTO_TEST_CASE(one_parent_without_ds_and_one_with_a_matching_ds_is_valid) {
  // Mid-way through adding the DS: the server without it sends resolvers down the
  // insecure path, which does not fail.
  const auto g = judge(migration(), [](const TruthQuery& q) {
    return q.server == kParent1 ? authNoData() : authAnswer({kDs11986Sha256});
  }, always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
}

BOOST_AUTO_TEST_CASE(a_new_server_that_does_not_answer_does_not_count) {
  Migration m = migration();
  m.new_side.servers = {kNew1, kNew2};
  const auto g = judge(m, always(authAnswer({kDs11986Sha256})), [](const TruthQuery& q) {
    return q.server == kNew1 ? authAnswer({kKsk11986}) : failed(Outcome::Timeout);
  });
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
}

BOOST_AUTO_TEST_CASE(nothing_proven_is_unknown_never_valid) {
  // No parent answered the DS query.
  auto g = judge(migration(), always(failed(Outcome::Timeout)), always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
  BOOST_TEST(hasFinding(g, "no parent server answered the DS query"), findings(g));
  // A DS, but no new server answered the DNSKEY query (timeout, REFUSED: lame).
  for (auto out : {Outcome::Timeout, Outcome::Refused, Outcome::ServFail}) {
    g = judge(migration(), always(authAnswer({kDs15379})), always(failed(out)));
    BOOST_TEST((g.dnssec == DnssecState::Unknown), dns::toString(out));
    BOOST_TEST(hasFinding(g, "no new server answered the DNSKEY query"), findings(g));
  }
  // A DS set validators may ignore (GOST digest): we cannot say it is broken.
  g = judge(migration(),
            always(authAnswer({"shop.test. 3600 IN DS 15379 13 3 "
                               "eb8feedef4c320b743e2634e5e93231fd83f10531fc2a443a5155b91251a39dc"})),
            always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
  BOOST_TEST(hasFinding(g, "cannot check"), findings(g));
  // No parent and no new server configured.
  Migration bare = migration();
  bare.parent_servers.clear();
  bare.new_side.servers.clear();
  g = judge(bare, always(authNoData()), always(authNoData()));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
}

BOOST_AUTO_TEST_CASE(only_authoritative_replies_count) {
  // A parent's referral (NODATA without AA) says nothing about its DS set...
  dns::Observation referral = failed(Outcome::NoData);
  auto g = judge(migration(), always(referral), always(authAnswer({kKsk11986})));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
  // ... and a new server's NODATA without AA does not prove it is unsigned.
  g = judge(migration(), always(authAnswer({kDs15379})), always(referral));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
  // An answer with AA but without a record of the domain proves nothing either.
  dns::Observation off_name = authAnswer({kKsk11986});
  off_name.chain.front().owner = "other.test.";
  g = judge(migration(), always(authAnswer({kDs11986Sha256})), always(off_name));
  BOOST_TEST((g.dnssec == DnssecState::Unknown));
}

BOOST_AUTO_TEST_SUITE_END()
