// advanceTruth: what the monitor remembers of ground truth from round to round (the
// switch, the largest TTLs, F9, and until when OLD after NEW is a flip-flop), with
// hand-made GroundTruth values and times. Times are seconds after kT0.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "unit/model/fake_time.h"
#include "model/truth_tracker.h"

using namespace dnsprop;
using dnsprop::test::at;
using dnsprop::test::kT0;
using dnsprop::test::rel;
using std::chrono::seconds;

namespace {


Migration migration() {
  Migration m;
  m.domain = "shop.test.";
  m.watch = {{"www.shop.test.", {RRType::A}}};
  m.old_side.ns = {"ns1.oldhost.test."};
  m.new_side.ns = {"ns1.newhost.test."};
  m.min_parallel = std::chrono::hours(24);
  return m;
}

// Ground truth before the switch: the parent delegates to OLD, the old server serves the
// OLD NS set (child NS TTL 120 s) and OLD data (TTL 60 s).
GroundTruth before() {
  GroundTruth g;
  g.delegation = Delegation::Old;
  g.any_parent_lists_old = true;
  g.parent_ns_ttl = 30;
  g.old_state_known = true;
  g.old_serving_zone = true;
  g.old_serves_old_ns = true;
  g.old_child_ns_ttl = 120;
  g.old_data_max_ttl = 60;
  return g;
}

GroundTruth switched(bool old_serves_old_ns) {
  GroundTruth g = before();
  g.delegation = Delegation::New;
  g.any_parent_lists_old = false;
  g.old_serves_old_ns = old_serves_old_ns;
  return g;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(truth_tracker)

BOOST_AUTO_TEST_CASE(ghost_then_new_ns_published_then_switch_back) {
  const Migration m = migration();
  PropagationModel model;
  TruthFacts f;
  // Before the switch every OLD is legitimate: the bound follows the rounds.
  auto r = advanceTruth(f, m, before(), model, at(0));
  BOOST_TEST(!r.context.switch_seen.has_value());
  BOOST_TEST(rel(r.context.old_legit_until) == 0);
  r = advanceTruth(f, m, before(), model, at(10));
  BOOST_TEST(rel(r.context.old_legit_until) == 10);
  // The switch, with the old server still handing out the OLD NS set (F9): open-ended,
  // so OLD stays legitimate round after round.
  r = advanceTruth(f, m, switched(true), model, at(20));
  BOOST_TEST(r.events.switch_seen);
  BOOST_TEST(rel(r.context.switch_seen) == 20);
  BOOST_TEST(r.context.old_server_serves_zone);
  BOOST_TEST(rel(r.context.old_legit_until) == 20);
  BOOST_TEST(rel(r.context.min_parallel_until) == 20 + 86400);
  r = advanceTruth(f, m, switched(true), model, at(30));
  BOOST_TEST(rel(r.context.old_legit_until) == 30);
  // The operator publishes the NEW NS set on the old server: bounded by the last time it
  // served the OLD one + child NS TTL + data TTL.
  r = advanceTruth(f, m, switched(false), model, at(40));
  BOOST_TEST(!r.context.old_server_serves_zone);
  BOOST_TEST(rel(r.context.old_last_serving) == 30);
  BOOST_TEST(rel(r.context.old_legit_until) == 30 + 120 + 60);
  r = advanceTruth(f, m, switched(false), model, at(500));
  BOOST_TEST(rel(r.context.old_legit_until) == 210);
  // A switch-back: the switch is forgotten, but OLD is no longer legitimate (frozen).
  r = advanceTruth(f, m, before(), model, at(600));
  BOOST_TEST(r.events.switch_lost);
  BOOST_TEST(!r.context.switch_seen.has_value());
  BOOST_TEST(rel(r.context.old_legit_until) == 210);
  // The facts survive a restart (JSON).
  const TruthFacts back = truthFactsFromJson(nlohmann::json::parse(toJson(f).dump()));
  BOOST_TEST((back == f));
}

BOOST_AUTO_TEST_CASE(an_old_server_that_comes_back_does_not_reopen_the_flip_flop_window) {
  const Migration m = migration();
  PropagationModel model;
  TruthFacts f;
  advanceTruth(f, m, switched(false), model, at(0));
  auto r = advanceTruth(f, m, switched(false), model, at(10));
  const long bound = rel(r.context.old_legit_until);
  BOOST_TEST(bound == 0 + 30 + 60);  // switch + parent NS TTL + data TTL
  r = advanceTruth(f, m, switched(true), model, at(1000));
  BOOST_TEST(r.context.old_server_serves_zone);
  BOOST_TEST(rel(r.context.old_legit_until) == bound);
}

BOOST_AUTO_TEST_CASE(address_only_switches_on_the_servers_data_and_has_no_f9) {
  Migration m = migration();
  m.new_side.ns = m.old_side.ns;
  PropagationModel model;
  TruthFacts f;
  GroundTruth g;
  g.ns_moves = false;
  g.delegation = Delegation::Unchanged;
  g.old_state_known = false;  // old.servers not configured
  g.old_data_max_ttl = 600;
  g.data_reverted = true;
  auto r = advanceTruth(f, m, g, model, at(0));
  BOOST_TEST(!r.context.switch_seen.has_value());
  BOOST_TEST(!r.context.ns_moves);
  BOOST_TEST(!r.context.old_server_serves_zone);  // never assumed for address-only
  g.data_reverted = false;
  g.data_switched = true;
  g.old_data_max_ttl = 0;  // the servers no longer serve OLD; the TTL seen before stays
  r = advanceTruth(f, m, g, model, at(100));
  BOOST_TEST(r.events.switch_seen);
  BOOST_TEST(rel(r.context.switch_seen) == 100);
  BOOST_TEST(r.context.old_data_max_ttl == 600u);
  BOOST_TEST(rel(r.context.old_legit_until) == 700);
  const auto es = model.earliestSafe(m.domain, r.context);
  BOOST_TEST(!es.unbounded);
  BOOST_TEST(rel(es.at) == 100 + 86400);  // min_parallel (1 d) is later than 700
  // Served OLD again: undone.
  g.data_switched = false;
  g.data_reverted = true;
  r = advanceTruth(f, m, g, model, at(200));
  BOOST_TEST(r.events.switch_lost);
  BOOST_TEST(rel(r.context.old_legit_until) == 700);
}

BOOST_AUTO_TEST_CASE(a_partial_list_of_parent_servers_never_dates_the_switch) {
  const Migration m = migration();
  PropagationModel model;
  TruthFacts f;
  GroundTruth g = switched(false);
  g.parents_partial = "ns3.nic.test. has no address";
  auto r = advanceTruth(f, m, g, model, at(0));
  BOOST_TEST(!r.context.switch_seen.has_value());
  BOOST_TEST(!r.events.switch_seen);
  g.parents_partial.clear();
  r = advanceTruth(f, m, g, model, at(10));
  BOOST_TEST(rel(r.context.switch_seen) == 10);
}

BOOST_AUTO_TEST_CASE(unreadable_facts_read_as_defaults) {
  BOOST_TEST((truthFactsFromJson(nlohmann::json("garbage")) == TruthFacts{}));
  const auto f = truthFactsFromJson(nlohmann::json::parse(R"({"switch_seen_ms": "x", "parent_ns_ttl": -1})"));
  BOOST_TEST(!f.switch_seen.has_value());
  BOOST_TEST(f.parent_ns_ttl == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
