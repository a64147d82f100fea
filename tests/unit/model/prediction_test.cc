// PropagationModel::oldExpiry and ::earliestSafe: when each resolver must have dropped OLD
// and when a migration's old server may go, from hand-made samples and ground truth.
// Times are seconds after kT0.
#include <boost/test/unit_test.hpp>

#include "unit/model/fake_time.h"
#include "model/state.h"

using namespace dnsprop;
using dnsprop::test::at;
using dnsprop::test::kT0;
using dnsprop::test::rel;
using std::chrono::seconds;

namespace {


Sample sample(AnswerClass cls, long t, std::uint32_t ttl) {
  Sample s;
  s.at = at(t);
  s.cls = cls;
  s.outcome = dns::Outcome::Answer;
  s.ttl = ttl;
  s.max_chain_ttl = ttl;
  s.has_old_values = cls == AnswerClass::Old || cls == AnswerClass::Mixed;
  return s;
}

const std::string kDomain = "shop.example.jp.";
TargetKey key(RRType type, const std::string& resolver, const std::string& name = "www.shop.example.jp.") {
  return TargetKey{kDomain, name, type, resolver};
}
TargetKey apexNs(const std::string& resolver) { return key(RRType::NS, resolver, kDomain); }

}  // namespace

BOOST_AUTO_TEST_SUITE(prediction)

BOOST_AUTO_TEST_CASE(own_evidence_without_ns_target) {
  PropagationModel m;
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 600));
  TruthContext truth;
  truth.old_data_max_ttl = 3600;
  BOOST_TEST(rel(m.oldExpiry(key(RRType::A, "google-1"), truth)) == 600);
  // No OLD ever seen, no NS evidence: nothing to predict.
  m.record(key(RRType::A, "quad9-1"), sample(AnswerClass::New, 0, 600));
  BOOST_TEST(!m.oldExpiry(key(RRType::A, "quad9-1"), truth));
  BOOST_TEST(!m.oldExpiry(key(RRType::AAAA, "nobody"), truth));
}

BOOST_AUTO_TEST_CASE(old_ns_widens_the_same_resolvers_data_targets) {
  PropagationModel m;
  // google-1 still holds the OLD NS set for a day: it may ask the old server for any name
  // until then and keep the answer for the old data's TTL.
  m.record(apexNs("google-1"), sample(AnswerClass::Old, 0, 86400));
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 300));
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::New, 600, 300));
  m.record(key(RRType::MX, "google-1", kDomain), sample(AnswerClass::New, 600, 300));
  m.record(key(RRType::A, "cloudflare-1"), sample(AnswerClass::Old, 0, 300));
  TruthContext truth;
  truth.old_data_max_ttl = 3600;
  BOOST_TEST(rel(m.oldExpiry(key(RRType::A, "google-1"), truth)) == 86400 + 3600);
  // Even a target that never showed OLD is exposed while its resolver holds the old NS.
  BOOST_TEST(rel(m.oldExpiry(key(RRType::MX, "google-1", kDomain), truth)) == 86400 + 3600);
  // The NS target itself is bounded by its own evidence.
  BOOST_TEST(rel(m.oldExpiry(apexNs("google-1"), truth)) == 86400);
  // Another resolver's NS set says nothing about cloudflare-1.
  BOOST_TEST(rel(m.oldExpiry(key(RRType::A, "cloudflare-1"), truth)) == 300);
  // Own evidence wins when it is later than the widened NS bound.
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 100000, 600));
  BOOST_TEST(rel(m.oldExpiry(key(RRType::A, "google-1"), truth)) == 100600);
}

BOOST_AUTO_TEST_CASE(earliest_safe_is_open_ended_until_the_parent_switches) {
  PropagationModel m;
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 600));
  const auto r = m.earliestSafe(kDomain, TruthContext{});
  BOOST_TEST(r.unbounded);
  BOOST_TEST((r.basis == SafeBasis::ParentNotSwitched));
  BOOST_TEST(rel(r.at) == 600);
  BOOST_TEST(toString(r.basis) == "parent_not_switched");
  // Nothing observed and no switch: no time at all.
  BOOST_TEST(!PropagationModel().earliestSafe(kDomain, TruthContext{}).at);
}

BOOST_AUTO_TEST_CASE(earliest_safe_floor_from_the_parent_switch) {
  PropagationModel m;
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 600));
  TruthContext truth;
  truth.switch_seen = at(1000);
  truth.parent_ns_ttl = 86400;
  truth.old_data_max_ttl = 3600;
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST(!r.unbounded);
  BOOST_TEST((r.basis == SafeBasis::ParentSwitch));
  BOOST_TEST(rel(r.at) == 1000 + 86400 + 3600);
  BOOST_TEST(!r.target);
}

BOOST_AUTO_TEST_CASE(earliest_safe_unknown_parent_ttl_assumes_two_days) {
  PropagationModel m;
  TruthContext truth;
  truth.switch_seen = at(0);
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST(rel(r.at) == 172800);
  BOOST_TEST(!r.unbounded);
}

BOOST_AUTO_TEST_CASE(earliest_safe_observed_old_beats_the_floor) {
  PropagationModel m;
  auto stale = sample(AnswerClass::Old, 5000, 30);
  stale.stale = true;  // F8: up to 72 h more
  m.record(key(RRType::AAAA, "unbound-1"), stale);
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 600));
  // Another migration's targets never count.
  m.record(TargetKey{"other.example.", "other.example.", RRType::A, "google-1"},
           sample(AnswerClass::Old, 0, 10'000'000));
  TruthContext truth;
  truth.switch_seen = at(1000);
  truth.parent_ns_ttl = 86400;
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST(!r.unbounded);
  BOOST_TEST((r.basis == SafeBasis::ObservedOld));
  BOOST_TEST(rel(r.at) == 5000 + 72 * 3600);
  BOOST_REQUIRE(r.target);
  BOOST_TEST(r.target->resolver == "unbound-1");
  BOOST_TEST((r.target->type == RRType::AAAA));
}

BOOST_AUTO_TEST_CASE(earliest_safe_includes_ns_widening) {
  PropagationModel m;
  m.record(apexNs("google-1"), sample(AnswerClass::Old, 2000, 172800));
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::New, 2000, 300));
  TruthContext truth;
  truth.switch_seen = at(1000);
  truth.parent_ns_ttl = 3600;
  truth.old_data_max_ttl = 600;
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST((r.basis == SafeBasis::ObservedOld));
  BOOST_TEST(rel(r.at) == 2000 + 172800 + 600);
  BOOST_REQUIRE(r.target);
  BOOST_TEST((r.target->type == RRType::A));
}

BOOST_AUTO_TEST_CASE(f9_old_server_still_serving_is_open_ended) {
  PropagationModel m;
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::New, 0, 300));
  TruthContext truth;
  truth.switch_seen = at(1000);
  truth.parent_ns_ttl = 86400;
  truth.old_data_max_ttl = 3600;
  truth.old_server_serves_zone = true;
  truth.old_child_ns_ttl = 604800;  // a week-long NS TTL on the old server
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST(r.unbounded);
  BOOST_TEST((r.basis == SafeBasis::OldServerServing));
  BOOST_TEST(rel(r.at) == 1000 + 86400 + 3600 + 604800);
  BOOST_TEST(toString(r.basis) == "old_server_serving");
  // Once the old server stops serving, the same facts give a closed bound.
  truth.old_server_serves_zone = false;
  const auto closed = m.earliestSafe(kDomain, truth);
  BOOST_TEST(!closed.unbounded);
  BOOST_TEST(rel(closed.at) == 1000 + 86400 + 3600);
}

BOOST_AUTO_TEST_CASE(f9_open_ended_even_when_observed_old_is_later) {
  PropagationModel m;
  m.record(key(RRType::A, "google-1"), sample(AnswerClass::Old, 0, 10'000'000));
  TruthContext truth;
  truth.switch_seen = at(0);
  truth.parent_ns_ttl = 60;
  truth.old_child_ns_ttl = 60;
  truth.old_server_serves_zone = true;
  const auto r = m.earliestSafe(kDomain, truth);
  BOOST_TEST(r.unbounded);
  BOOST_TEST((r.basis == SafeBasis::OldServerServing));
  BOOST_TEST(rel(r.at) == 10'000'000);
  BOOST_TEST(r.target.has_value());
}

BOOST_AUTO_TEST_CASE(address_only_is_bounded_by_the_data_switch_and_the_data_ttl) {
  PropagationModel m;
  TruthContext truth;
  truth.ns_moves = false;
  truth.old_server_serves_zone = true;  // never F9 for an address-only move
  truth.old_data_max_ttl = 3600;
  auto es = m.earliestSafe(kDomain, truth);
  BOOST_TEST(es.unbounded);
  BOOST_TEST(toString(es.basis) == "data_not_switched");
  truth.switch_seen = at(1000);
  es = m.earliestSafe(kDomain, truth);
  BOOST_TEST(!es.unbounded);
  BOOST_TEST(toString(es.basis) == "data_switch");
  BOOST_TEST(rel(es.at) == 1000 + 3600);  // no parent NS TTL: the delegation never changed
  // A resolver that still held OLD later pushes it out, as for any shape.
  m.record(key(RRType::A, "r1"), sample(AnswerClass::Old, 4000, 3600));
  BOOST_TEST(rel(m.earliestSafe(kDomain, truth).at) == 4000 + 3600);
}

BOOST_AUTO_TEST_SUITE_END()
