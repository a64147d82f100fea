// PropagationModel::record and friends: per-target state and transitions, with hand-made
// samples and times (no clock, no sleeping). Times are seconds after kT0.
#include <boost/test/unit_test.hpp>

#include "dns/types.h"
#include "unit/model/fake_time.h"
#include "model/state.h"

using namespace dnsprop;
using dnsprop::test::at;
using dnsprop::test::kT0;
using dnsprop::test::rel;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

const long kStaleWindow = 72 * 3600;

Sample sample(AnswerClass cls, long t, std::optional<std::uint32_t> ttl = 300) {
  Sample s;
  s.at = at(t);
  s.cls = cls;
  s.ttl = cls == AnswerClass::Error ? std::nullopt : ttl;
  s.max_chain_ttl = s.ttl;
  s.outcome = cls == AnswerClass::Error      ? dns::Outcome::Timeout
              : cls == AnswerClass::Negative ? dns::Outcome::NxDomain
                                             : dns::Outcome::Answer;
  s.has_old_values = cls == AnswerClass::Old || cls == AnswerClass::Mixed;
  return s;
}

const TargetKey kKey{"shop.example.jp.", "www.shop.example.jp.", RRType::A, "google-1"};

dns::Record rec(dns::QType type, std::uint32_t ttl, std::string text) {
  dns::Record r;
  r.owner = "www.shop.example.jp.";
  r.type = type;
  r.ttl = ttl;
  r.text = std::move(text);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state)

BOOST_AUTO_TEST_CASE(clean_old_to_new_switch) {
  PropagationModel m;
  auto t1 = m.record(kKey, sample(AnswerClass::Old, 0, 3600));
  BOOST_REQUIRE(t1);
  BOOST_TEST((t1->from == AnswerClass::Error && t1->to == AnswerClass::Old));
  BOOST_TEST(!m.record(kKey, sample(AnswerClass::Old, 300, 3300)));
  auto t3 = m.record(kKey, sample(AnswerClass::New, 600, 300));
  BOOST_REQUIRE(t3);
  BOOST_TEST((t3->from == AnswerClass::Old && t3->to == AnswerClass::New));
  BOOST_TEST(rel(t3->at) == 600);
  BOOST_TEST(!m.record(kKey, sample(AnswerClass::New, 900, 300)));

  const TargetState* st = m.find(kKey);
  BOOST_REQUIRE(st);
  BOOST_TEST((st->current == AnswerClass::New));
  BOOST_TEST(st->has_samples);
  BOOST_TEST(st->samples == 4u);
  BOOST_TEST(rel(st->first_seen) == 0);
  BOOST_TEST(rel(st->last_seen) == 900);
  BOOST_TEST(rel(st->current_since) == 600);
  BOOST_TEST(rel(st->new_since) == 600);
  BOOST_TEST(st->new_streak == 2u);
  BOOST_TEST(rel(st->last_new_seen) == 900);
  BOOST_TEST(rel(st->last_old_seen) == 300);
  BOOST_TEST(st->max_old_ttl == 3600u);
  BOOST_TEST(rel(st->old_expiry) == 3600);  // max(0 + 3600, 300 + 3300)
  BOOST_TEST(st->regressions == 0u);
  BOOST_TEST(!m.flipFlopping(*st));
  BOOST_TEST(st->recent.size() == 2u);
}

BOOST_AUTO_TEST_CASE(old_expiry_is_the_latest_of_time_plus_ttl) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::Old, 0, 7200));
  m.record(kKey, sample(AnswerClass::Old, 1000, 60));  // later but shorter: no shortening
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 7200);
  m.record(kKey, sample(AnswerClass::Old, 8000, 600));
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 8600);
  BOOST_TEST(m.find(kKey)->max_old_ttl == 7200u);
}

BOOST_AUTO_TEST_CASE(mixed_is_old_evidence_and_never_new) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::Old, 0, 100));
  auto t = m.record(kKey, sample(AnswerClass::Mixed, 50, 500));
  BOOST_REQUIRE(t);
  BOOST_TEST((t->to == AnswerClass::Mixed));
  const TargetState* st = m.find(kKey);
  BOOST_TEST(rel(st->last_old_seen) == 50);
  BOOST_TEST(rel(st->old_expiry) == 550);
  BOOST_TEST(st->max_old_ttl == 500u);
  BOOST_TEST(!st->new_since);
  BOOST_TEST(st->new_streak == 0u);
  // Old -> Mixed without a NEW in between is no regression.
  BOOST_TEST(st->regressions == 0u);
}

BOOST_AUTO_TEST_CASE(f8_stale_short_ttl_never_shortens_the_prediction) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::Old, 0, 60));
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 60);
  // Served stale with OLD values and the usual 30 s stale TTL: the resolver serves past
  // TTL, so OLD may last the whole serve-stale window from now.
  auto stale = sample(AnswerClass::Old, 100, 30);
  stale.stale = true;
  m.record(kKey, stale);
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 100 + kStaleWindow);
  BOOST_TEST(rel(m.find(kKey)->last_old_seen) == 100);
  // A later fresh OLD with a short TTL keeps the stale bound.
  m.record(kKey, sample(AnswerClass::Old, 200, 30));
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 100 + kStaleWindow);
}

BOOST_AUTO_TEST_CASE(f8_stale_class_with_old_values_counts_as_old) {
  PropagationModel m;
  auto s = sample(AnswerClass::Stale, 10, 30);
  s.stale = true;
  s.has_old_values = true;
  BOOST_TEST(isOldEvidence(s));
  m.record(kKey, s);
  BOOST_TEST(rel(m.find(kKey)->last_old_seen) == 10);
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 10 + kStaleWindow);
}

BOOST_AUTO_TEST_CASE(stale_without_old_values_is_neither_old_nor_new) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::New, 0));
  auto s = sample(AnswerClass::Stale, 10, 30);
  s.stale = true;
  BOOST_TEST(!isOldEvidence(s));
  m.record(kKey, s);
  const TargetState* st = m.find(kKey);
  BOOST_TEST(!st->last_old_seen);
  BOOST_TEST(!st->old_expiry);
  BOOST_TEST(!st->new_since);
  BOOST_TEST(st->new_streak == 0u);
  BOOST_TEST(st->regressions == 0u);
}

BOOST_AUTO_TEST_CASE(f12_negative_is_not_new_and_does_not_extend_old) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::Old, 0, 300));
  m.record(kKey, sample(AnswerClass::New, 100));
  auto t = m.record(kKey, sample(AnswerClass::Negative, 200, 900));
  BOOST_REQUIRE(t);
  BOOST_TEST((t->from == AnswerClass::New && t->to == AnswerClass::Negative));
  BOOST_TEST((t->ttl == std::optional<std::uint32_t>(900)));
  const TargetState* st = m.find(kKey);
  BOOST_TEST(!st->new_since);
  BOOST_TEST(st->new_streak == 0u);
  BOOST_TEST(rel(st->last_old_seen) == 0);
  BOOST_TEST(rel(st->old_expiry) == 300);
  BOOST_TEST(st->max_old_ttl == 300u);
  BOOST_TEST(rel(st->negative_until) == 1100);
  BOOST_TEST(st->regressions == 0u);
  // A positive answer ends the negative period.
  m.record(kKey, sample(AnswerClass::New, 1200));
  BOOST_TEST(!m.find(kKey)->negative_until);
  BOOST_TEST(m.find(kKey)->new_streak == 1u);
}

BOOST_AUTO_TEST_CASE(other_with_an_old_value_is_old_evidence_but_error_is_not) {
  PropagationModel m;
  auto other = sample(AnswerClass::Other, 0, 300);
  other.has_old_values = true;  // the OLD address next to an unknown one
  BOOST_TEST(isOldEvidence(other));
  auto plain_other = sample(AnswerClass::Other, 0, 300);
  BOOST_TEST(!isOldEvidence(plain_other));
  m.record(kKey, other);
  m.record(kKey, sample(AnswerClass::Error, 10));
  const TargetState* st = m.find(kKey);
  BOOST_TEST(rel(st->last_old_seen) == 0);
  BOOST_TEST(rel(st->old_expiry) == 300);  // the error did not shorten it
  BOOST_TEST(!st->new_since);
  BOOST_TEST(!st->last_new_seen);
  PropagationModel m2;
  m2.record(kKey, sample(AnswerClass::Error, 10));
  BOOST_TEST(!m2.find(kKey)->last_old_seen);
  BOOST_TEST(!m2.find(kKey)->old_expiry);
}

BOOST_AUTO_TEST_CASE(error_breaks_the_new_streak) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::New, 0));
  m.record(kKey, sample(AnswerClass::New, 300));
  BOOST_TEST(m.find(kKey)->new_streak == 2u);
  auto t = m.record(kKey, sample(AnswerClass::Error, 600));
  BOOST_REQUIRE(t);
  BOOST_TEST((t->to == AnswerClass::Error));
  BOOST_TEST(!m.find(kKey)->new_since);
  BOOST_TEST(m.find(kKey)->new_streak == 0u);
  m.record(kKey, sample(AnswerClass::New, 900));
  const TargetState* st = m.find(kKey);
  BOOST_TEST(rel(st->new_since) == 900);
  BOOST_TEST(st->new_streak == 1u);
  BOOST_TEST(!st->last_old_seen);  // errors never count as OLD either
  BOOST_TEST(st->regressions == 0u);
}

BOOST_AUTO_TEST_CASE(f14_flip_flop_after_two_regressions) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::Old, 0));
  m.record(kKey, sample(AnswerClass::New, 100));
  m.record(kKey, sample(AnswerClass::Old, 200));
  const TargetState* st = m.find(kKey);
  BOOST_TEST(st->regressions == 1u);
  BOOST_TEST(rel(st->last_regression) == 200);
  BOOST_TEST(!m.flipFlopping(*st));
  // NEW, then an error, then OLD again: the error in between does not hide the regression.
  m.record(kKey, sample(AnswerClass::New, 300));
  m.record(kKey, sample(AnswerClass::Error, 400));
  m.record(kKey, sample(AnswerClass::Mixed, 500));
  st = m.find(kKey);
  BOOST_TEST(st->regressions == 2u);
  BOOST_TEST(rel(st->last_regression) == 500);
  BOOST_TEST(m.flipFlopping(*st));
  // OLD after OLD is no further regression.
  m.record(kKey, sample(AnswerClass::Old, 600));
  BOOST_TEST(m.find(kKey)->regressions == 2u);
}

BOOST_AUTO_TEST_CASE(flip_flop_threshold_is_a_setting) {
  ModelSettings s;
  s.regression_flipflop_threshold = 3;
  PropagationModel m(s);
  for (long t = 0; t < 4; ++t) {
    m.record(kKey, sample(AnswerClass::New, 200 * t));
    m.record(kKey, sample(AnswerClass::Old, 200 * t + 100));
  }
  const TargetState* st = m.find(kKey);
  BOOST_TEST(st->regressions == 4u);
  BOOST_TEST(m.flipFlopping(*st));
  TargetState two = *st;
  two.regressions = 2;
  BOOST_TEST(!m.flipFlopping(two));
}

BOOST_AUTO_TEST_CASE(transitions_carry_ttl_and_nsid) {
  PropagationModel m;
  auto first = sample(AnswerClass::Error, 0);
  BOOST_TEST(!m.record(kKey, first));  // a first Error is no change from "nothing known"
  BOOST_TEST(rel(m.find(kKey)->current_since) == 0);
  auto s = sample(AnswerClass::New, 100, 120);
  s.nsid = "tokyo-3";
  auto t = m.record(kKey, s);
  BOOST_REQUIRE(t);
  BOOST_TEST(t->nsid == "tokyo-3");
  BOOST_TEST((t->ttl == std::optional<std::uint32_t>(120)));
  BOOST_TEST((t->from == AnswerClass::Error));
  BOOST_TEST(m.find(kKey)->last_nsid == "tokyo-3");
  auto o = sample(AnswerClass::Old, 200);
  o.nsid = "osaka-1";
  m.record(kKey, o);
  BOOST_TEST(m.find(kKey)->last_nsid == "osaka-1");
  BOOST_TEST(m.find(kKey)->recent.back().nsid == "osaka-1");
}

BOOST_AUTO_TEST_CASE(recent_is_bounded_newest_last) {
  ModelSettings s;
  s.recent_transitions = 3;
  PropagationModel m(s);
  for (long t = 0; t < 10; ++t) {
    m.record(kKey, sample(t % 2 == 0 ? AnswerClass::Old : AnswerClass::New, t * 100));
  }
  const TargetState* st = m.find(kKey);
  BOOST_REQUIRE(st->recent.size() == 3u);
  BOOST_TEST(rel(st->recent.front().at) == 700);
  BOOST_TEST(rel(st->recent.back().at) == 900);
  BOOST_TEST((st->recent.back().to == AnswerClass::New));
}

BOOST_AUTO_TEST_CASE(out_of_order_samples_do_not_move_current_back) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::New, 100));
  m.record(kKey, sample(AnswerClass::New, 200));
  // An OLD answer stamped before the NEW run began: counted, but the present stays NEW.
  BOOST_TEST(!m.record(kKey, sample(AnswerClass::Old, 50, 1000)));
  const TargetState* st = m.find(kKey);
  BOOST_TEST((st->current == AnswerClass::New));
  BOOST_TEST(rel(st->current_since) == 100);
  BOOST_TEST(rel(st->last_seen) == 200);
  BOOST_TEST(rel(st->first_seen) == 50);
  BOOST_TEST(st->samples == 3u);
  BOOST_TEST(rel(st->last_old_seen) == 50);
  BOOST_TEST(rel(st->old_expiry) == 1050);
  BOOST_TEST(rel(st->new_since) == 100);
  BOOST_TEST(st->new_streak == 2u);
  BOOST_TEST(st->recent.size() == 1u);
  BOOST_TEST(st->regressions == 0u);
}

BOOST_AUTO_TEST_CASE(out_of_order_sample_inside_the_new_run_breaks_it) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::New, 100));
  m.record(kKey, sample(AnswerClass::New, 200));
  m.record(kKey, sample(AnswerClass::New, 300));
  // An error stamped inside the run: the run cannot be older than the last NEW sample.
  BOOST_TEST(!m.record(kKey, sample(AnswerClass::Error, 150)));
  const TargetState* st = m.find(kKey);
  BOOST_TEST((st->current == AnswerClass::New));
  BOOST_TEST(rel(st->new_since) == 300);
  BOOST_TEST(st->new_streak == 1u);
  m.record(kKey, sample(AnswerClass::New, 400));
  // An OLD answer stamped inside the run is a regression too.
  m.record(kKey, sample(AnswerClass::Old, 350, 60));
  st = m.find(kKey);
  BOOST_TEST(st->regressions == 1u);
  BOOST_TEST(rel(st->last_regression) == 350);
  BOOST_TEST(rel(st->new_since) == 400);
  BOOST_TEST((st->current == AnswerClass::New));
}

BOOST_AUTO_TEST_CASE(restore_round_trip) {
  PropagationModel a;
  a.record(kKey, sample(AnswerClass::Old, 0, 3600));
  a.record(kKey, sample(AnswerClass::New, 100));
  a.record(kKey, sample(AnswerClass::Old, 200));
  a.record(kKey, sample(AnswerClass::New, 300));
  const TargetState saved = *a.find(kKey);

  PropagationModel b;
  BOOST_TEST(!b.find(kKey));
  b.restore(kKey, saved);
  BOOST_REQUIRE(b.find(kKey));
  BOOST_TEST((*b.find(kKey) == saved));
  BOOST_TEST(b.all().size() == 1u);
  // Both continue identically: the restored state carries everything the model needs
  // (a second regression makes the target flip-flop in both).
  const auto next = sample(AnswerClass::Mixed, 400, 60);
  const auto ta = a.record(kKey, next);
  const auto tb = b.record(kKey, next);
  BOOST_TEST((ta == tb));
  BOOST_TEST((*a.find(kKey) == *b.find(kKey)));
  BOOST_TEST(b.find(kKey)->regressions == 2u);
  BOOST_TEST(b.flipFlopping(*b.find(kKey)));

  b.forget(kKey);
  BOOST_TEST(!b.find(kKey));
  BOOST_TEST(b.all().empty());
}

BOOST_AUTO_TEST_CASE(make_sample_from_observations) {
  Classification c;
  c.cls = AnswerClass::Old;
  c.values = {"192.0.2.10"};
  c.has_old_values = true;

  dns::Observation o;
  o.outcome = dns::Outcome::Answer;
  o.nsid = "fra-2";
  o.chain = {rec(dns::qtype::CNAME, 7200, "shop.cdn.example.net."), rec(dns::qtype::A, 300, "192.0.2.10"),
             rec(dns::qtype::A, 200, "192.0.2.11")};
  Sample s = makeSample(o, c, at(5));
  BOOST_TEST(rel(s.at) == 5);
  BOOST_TEST((s.cls == AnswerClass::Old));
  BOOST_TEST((s.ttl == std::optional<std::uint32_t>(200)));            // smallest of the final RRset
  BOOST_TEST((s.max_chain_ttl == std::optional<std::uint32_t>(7200)));  // the CNAME (F15)
  BOOST_TEST(s.nsid == "fra-2");
  BOOST_TEST(s.values == c.values);
  BOOST_TEST(s.has_old_values);
  BOOST_TEST(!s.stale);

  // F15: the OLD answer may live as long as the longest TTL on its chain.
  PropagationModel m;
  m.record(kKey, s);
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == 5 + 7200);

  dns::Observation neg;
  neg.outcome = dns::Outcome::NxDomain;
  neg.negative_ttl = 900;
  Classification cn;
  cn.cls = AnswerClass::Negative;
  Sample sn = makeSample(neg, cn, at(0));
  BOOST_TEST((sn.ttl == std::optional<std::uint32_t>(900)));
  BOOST_TEST(!sn.has_old_values);

  dns::Observation timeout;
  timeout.outcome = dns::Outcome::Timeout;
  Classification ce;
  Sample se = makeSample(timeout, ce, at(0));
  BOOST_TEST((se.cls == AnswerClass::Error));
  BOOST_TEST(!se.ttl);
  BOOST_TEST(!se.max_chain_ttl);

  dns::Observation stale;
  stale.outcome = dns::Outcome::Answer;
  stale.ede_codes = {3};
  stale.chain = {rec(dns::qtype::A, 30, "192.0.2.10")};
  Sample ss = makeSample(stale, c, at(0));
  BOOST_TEST(ss.stale);
  BOOST_TEST((ss.ttl == std::optional<std::uint32_t>(30)));
}

BOOST_AUTO_TEST_CASE(make_sample_with_the_real_classifier) {
  // End to end with classify(): a stale OLD answer becomes OLD evidence with the
  // serve-stale bound.
  dns::Observation o;
  o.outcome = dns::Outcome::Answer;
  o.ede_codes = {3};
  o.chain = {rec(dns::qtype::A, 30, "192.0.2.10")};
  const auto c = classifyValues(o, RRType::A, {"192.0.2.10"}, {"198.51.100.20"});
  const Sample s = makeSample(o, c, at(0));
  BOOST_TEST(isOldEvidence(s));
  BOOST_TEST(s.stale);
  PropagationModel m;
  m.record(kKey, s);
  BOOST_TEST(rel(m.find(kKey)->old_expiry) == kStaleWindow);
}

BOOST_AUTO_TEST_CASE(a_gap_in_observation_restarts_the_new_run) {
  ModelSettings ms;
  ms.max_gap = seconds(200);
  PropagationModel m(ms);
  m.record(kKey, sample(AnswerClass::New, 0));
  m.record(kKey, sample(AnswerClass::New, 60));
  m.record(kKey, sample(AnswerClass::New, 120));
  BOOST_TEST(rel(m.find(kKey)->new_since) == 0);
  BOOST_TEST(m.find(kKey)->new_streak == 3u);
  // The monitor was down for an hour: nothing shows NEW all along.
  m.record(kKey, sample(AnswerClass::New, 3720));
  BOOST_TEST(rel(m.find(kKey)->new_since) == 3720);
  BOOST_TEST(m.find(kKey)->new_streak == 1u);
  m.record(kKey, sample(AnswerClass::New, 3780));
  BOOST_TEST(rel(m.find(kKey)->new_since) == 3720);
  BOOST_TEST(m.find(kKey)->new_streak == 2u);
  // Without a limit the run goes on (as configured by default).
  PropagationModel unlimited;
  unlimited.record(kKey, sample(AnswerClass::New, 0));
  unlimited.record(kKey, sample(AnswerClass::New, 3600));
  BOOST_TEST(rel(unlimited.find(kKey)->new_since) == 0);
}

BOOST_AUTO_TEST_CASE(interrupted_runs_start_again_at_the_next_sample) {
  PropagationModel m;
  m.record(kKey, sample(AnswerClass::New, 0));
  m.record(kKey, sample(AnswerClass::New, 60));
  m.interruptRuns();  // a round could not be stored
  BOOST_TEST(!m.find(kKey)->new_since.has_value());
  m.record(kKey, sample(AnswerClass::New, 120));
  BOOST_TEST(rel(m.find(kKey)->new_since) == 120);
  BOOST_TEST(m.find(kKey)->new_streak == 1u);
  BOOST_TEST(m.find(kKey)->regressions == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
