// The verdict rule (docs/VERDICT.md), condition by condition: SAFE only when everything
// holds; every missing, stale, erroring or contradicting input blocks it.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "verdict/verdict.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

const std::string kDomain = "shop.test.";
const std::string kWww = "www.shop.test.";
const WallTime T0 = WallTime(std::chrono::seconds(1'800'000'000));

Sample sample(WallTime at, AnswerClass cls, std::uint32_t ttl = 60) {
  Sample s;
  s.at = at;
  s.cls = cls;
  s.outcome = cls == AnswerClass::Error ? dns::Outcome::Timeout : dns::Outcome::Answer;
  if (cls != AnswerClass::Error) s.ttl = ttl;
  if (cls == AnswerClass::Old || cls == AnswerClass::Mixed) s.has_old_values = true;
  return s;
}

// A world in which everything is done: the parent switched at T0, every resolver
// answered OLD until T0 + 1 min and NEW every minute since, until T0 + 20 d.
struct Fixture {
  PropagationModel model;
  RoundRecord rec;
  WallTime now = T0 + 24h * 20;

  Fixture() {
    rec.domain = kDomain;
    rec.at = now - 30s;
    rec.round = 1000;
    rec.interval = 60s;
    rec.vantage = "test";
    rec.resolvers = {"r1", "r2", "r3"};
    rec.watch = {{kWww, RRType::A}, {kDomain, RRType::MX}};
    rec.delegation = Delegation::New;
    rec.any_parent_lists_old = false;
    rec.new_servers_configured = true;
    rec.old_servers_configured = true;
    rec.plan_ok = true;
    rec.dnssec = DnssecState::Unsigned;
    rec.context.switch_seen = T0;
    rec.context.parent_ns_ttl = 86400;
    rec.context.old_child_ns_ttl = 3600;
    rec.context.old_server_serves_zone = false;
    rec.context.old_last_serving = T0 + 2h;
    rec.context.old_data_max_ttl = 300;
    rec.context.min_parallel_until = T0 + 24h * 14;
    // The ground-truth bound: switch + parent NS TTL + old data TTL.
    rec.context.old_legit_until = T0 + 24h + 300s;
    rec.min_parallel = 24h * 14;
    rec.delegation_grace = 24h;
    for (const auto& r : rec.resolvers) {
      for (const auto& [name, type] : rec.watch) {
        model.record(key(r, name, type), sample(T0 - 1h, AnswerClass::Old, 300));
        model.record(key(r, name, type), sample(T0 + 1min, AnswerClass::Old, 300));
        for (WallTime t = T0 + 10min; t <= now - 30s; t += 1h) model.record(key(r, name, type), sample(t, AnswerClass::New));
        model.record(key(r, name, type), sample(now - 30s, AnswerClass::New));
      }
    }
  }
  static TargetKey key(const std::string& r, const std::string& name = kWww, RRType t = RRType::A) {
    return {kDomain, name, t, r};
  }
  Verdict decide() const { return dnsprop::decide(now, kDomain, rec, model); }
};

const Condition& condition(const Verdict& v, ConditionId id) {
  for (const auto& c : v.conditions) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no such condition");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verdict)

BOOST_AUTO_TEST_CASE(everything_done_is_safe_and_exit_0) {
  Fixture f;
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(exitCode(v.status) == 0);
  BOOST_TEST(v.blockers.empty());
  BOOST_TEST(v.trusted == 3u);
  BOOST_TEST(v.trusted_new == 3u);
  BOOST_TEST(v.conditions.size() == 7u);
  for (const auto& c : v.conditions) BOOST_TEST(c.met, toString(c.id) << ": " << c.detail);
  BOOST_TEST(v.summary.rfind("SAFE: shop.test.", 0) == 0u);
  // The hold is the longest TTL on OLD data (here the parent's 1 d NS TTL).
  BOOST_TEST((v.hold == Duration(24h)));
}

// [migration.old] stop_date is shown and flagged when it comes before SAFE can; it never
// changes the verdict.
BOOST_AUTO_TEST_CASE(old_stop_date_is_flagged_when_it_comes_before_safe_and_never_decides) {
  Fixture f;
  f.rec.old_stop = f.now - 1h;  // already past, but the verdict is SAFE: nothing to flag
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(!v.old_stop_too_early);
  BOOST_TEST(renderText(v).find("old server planned off: ") != std::string::npos, renderText(v));

  // A resolver still OLD: NOT YET (or CRITICAL) until its expiry; a stop before that is too early.
  f.model.record(Fixture::key("r9"), sample(f.now - 10s, AnswerClass::Old, 3600));
  f.rec.resolvers.push_back("r9");
  f.rec.old_stop = f.now + 10min;
  v = f.decide();
  BOOST_TEST(toString(v.status) != "SAFE", v.summary);
  BOOST_TEST(v.old_stop_too_early, v.summary);
  BOOST_TEST(renderText(v).find("before the earliest safe time") != std::string::npos, renderText(v));
  const auto j = toJson(v);
  BOOST_TEST(j.at("old_stop_too_early").get<bool>());
  BOOST_TEST((verdictFromJson(j) == v));

  // Planned well after the earliest safe time: not flagged, and the same status as without it.
  f.rec.old_stop = f.now + 24h * 30;
  const Verdict later = f.decide();
  BOOST_TEST(!later.old_stop_too_early, later.summary);
  f.rec.old_stop.reset();
  BOOST_TEST(toString(f.decide().status) == toString(later.status));
}

// [migration.web]: the new server must serve the site; without web checks there is no
// such condition at all.
BOOST_AUTO_TEST_CASE(web_condition_blocks_safe_only_when_configured) {
  Fixture f;
  BOOST_TEST(f.decide().conditions.size() == 7u);  // no [migration.web]: no web condition
  WebFetch fetch;
  fetch.side = ServerSide::New;
  fetch.address = "198.51.100.1";
  fetch.host = "www.shop.test";
  fetch.https = false;
  fetch.outcome = FetchOutcome::Response;
  fetch.status = 200;
  f.rec.web = WebChecks{{}, {fetch}};
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(v.conditions.size() == 8u);
  BOOST_TEST(condition(v, ConditionId::Web).met);

  f.rec.web->fetches[0].status = 502;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(!condition(v, ConditionId::Web).met);
  BOOST_TEST(v.summary.find("web: 1 of 1 fetches of the new server fail: http://www.shop.test/ at 198.51.100.1: HTTP 502") !=
                 std::string::npos,
             v.summary);
  BOOST_TEST(!v.safe_after.has_value());  // no prediction while the site is down
  // The record keeps the fetches (what check reads back).
  BOOST_TEST((roundRecordFromJson(toJson(f.rec)) == f.rec));
}

// [migration.traffic]: the old server's access log must show no traffic over the window.
BOOST_AUTO_TEST_CASE(traffic_condition_blocks_safe_only_when_configured) {
  Fixture f;
  TrafficCheck t;
  t.access_log = "/var/log/nginx/access.log";
  t.window = std::chrono::hours(24);
  t.at = f.now;
  t.requests = 0;
  t.covered_since = f.now - std::chrono::hours(48);
  f.rec.traffic = t;
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(v.conditions.size() == 8u);
  BOOST_TEST(condition(v, ConditionId::Traffic).met);
  f.rec.traffic->requests = 7;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(v.summary.find("traffic: the old server received 7 request(s)") != std::string::npos, v.summary);
  BOOST_TEST(!v.safe_after.has_value());
  BOOST_TEST((roundRecordFromJson(toJson(f.rec)) == f.rec));
  BOOST_TEST((verdictFromJson(toJson(v)) == v));
}

// [migration.mail]: the new mail server must accept mail for the domain; the old one
// still accepting is a finding that says until when senders may deliver there.
BOOST_AUTO_TEST_CASE(mail_condition_blocks_safe_only_when_configured) {
  Fixture f;
  BOOST_TEST(f.decide().conditions.size() == 7u);
  auto exchange = [&](ServerSide side, const std::string& address, int rcpt) {
    MailExchange e;
    e.side = side;
    e.address = address;
    e.at = f.now;
    e.outcome = MailOutcome::Completed;
    e.stage = "done";
    e.banner_code = 220;
    e.ehlo_code = 250;
    e.starttls_offered = true;
    e.tls = true;
    e.mail_from_code = 250;
    e.rcpt_code = rcpt;
    e.last_reply = std::to_string(rcpt) + " reply";
    return e;
  };
  f.rec.mail = MailChecks{"postmaster@shop.test", true, std::chrono::minutes(10),
                          {exchange(ServerSide::Old, "192.0.2.25", 250), exchange(ServerSide::New, "198.51.100.25", 250)},
                          {}};
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(v.conditions.size() == 8u);
  BOOST_TEST(condition(v, ConditionId::Mail).met);
  bool said = false;
  for (const auto& finding : v.findings) {
    said = said || (finding.find("the old mail server (192.0.2.25) still accepts mail for postmaster@shop.test") !=
                        std::string::npos &&
                    finding.find("retries for up to 5d") != std::string::npos);
  }
  BOOST_TEST(said);

  f.rec.mail->exchanges[1].rcpt_code = 550;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(!condition(v, ConditionId::Mail).met);
  BOOST_TEST(v.summary.find("mail: 1 of 1 addresses of the new mail server do not accept mail") != std::string::npos,
             v.summary);
  BOOST_TEST(!v.safe_after.has_value());
  BOOST_TEST((roundRecordFromJson(toJson(f.rec)) == f.rec));
  // Both checks at once: nine conditions, SAFE only when both are met.
  f.rec.mail->exchanges[1].rcpt_code = 250;
  WebFetch fetch;
  fetch.side = ServerSide::New;
  fetch.address = "198.51.100.1";
  fetch.host = "www.shop.test";
  fetch.https = false;
  fetch.outcome = FetchOutcome::Response;
  fetch.status = 200;
  f.rec.web = WebChecks{{}, {fetch}};
  v = f.decide();
  BOOST_TEST(v.conditions.size() == 9u);
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST((verdictFromJson(toJson(v)) == v));
}

BOOST_AUTO_TEST_CASE(no_round_recorded_is_unknown) {
  Fixture f;
  const Verdict v = decide(f.now, kDomain, std::nullopt, f.model);
  BOOST_TEST(toString(v.status) == "UNKNOWN");
  BOOST_TEST(exitCode(v.status) == 3);
}

BOOST_AUTO_TEST_CASE(one_resolver_still_old_blocks_and_is_named_with_its_expiry) {
  Fixture f;
  f.model.record(Fixture::key("r2"), sample(f.now - 10s, AnswerClass::Old, 300));
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) != "SAFE");
  // OLD after NEW is a regression: CRITICAL within the hold window.
  BOOST_TEST(toString(v.status) == "CRITICAL", v.summary);
  BOOST_REQUIRE(!v.blockers.empty());
  BOOST_TEST(v.blockers.front().resolver == "r2");
  BOOST_TEST(toString(v.blockers.front().reason) == "regression");
  BOOST_TEST(v.summary.find("r2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(old_after_new_within_the_bound_is_flip_flop_not_critical) {
  Fixture f;
  // Two hours after the switch a resolver alternates (an OLD NS set still cached: its
  // TTL is a day). That is the normal course of a propagation: NOT_YET, never CRITICAL.
  f.now = T0 + 2h;
  f.rec.at = f.now - 30s;
  f.model = PropagationModel();
  for (const auto& r : f.rec.resolvers) {
    for (const auto& [name, type] : f.rec.watch) {
      f.model.record(Fixture::key(r, name, type), sample(T0 - 1h, AnswerClass::Old, 300));
      for (WallTime t = T0 + 10min; t < f.now - 40s; t += 10min) {
        f.model.record(Fixture::key(r, name, type), sample(t, AnswerClass::New));
      }
    }
  }
  f.model.record(Fixture::key("r2"), sample(f.now - 40s, AnswerClass::Old, 300));
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  bool named = false;
  for (const auto& b : v.blockers) {
    if (b.resolver != "r2" || b.name != kWww) continue;
    named = true;
    BOOST_TEST(toString(b.reason) == "flip_flop");
    BOOST_REQUIRE(b.legit_until.has_value());
    BOOST_TEST((*b.legit_until == T0 + 24h + 300s));
  }
  BOOST_TEST(named);
  const std::string text = renderText(v);
  BOOST_TEST(text.find("flip-flop") != std::string::npos, text);
  BOOST_TEST(text.find("r2") != std::string::npos);
  // The same OLD after the bound has passed is a regression: CRITICAL.
  Fixture g;
  g.model.record(Fixture::key("r2"), sample(g.now - 40s, AnswerClass::Old, 300));
  BOOST_TEST(toString(g.decide().status) == "CRITICAL");
  // Without a known bound (a record from an older monitor) it stays a regression.
  g.rec.context.old_legit_until.reset();
  BOOST_TEST(toString(g.decide().status) == "CRITICAL");
}

BOOST_AUTO_TEST_CASE(flip_flop_never_lets_safe_through) {
  Fixture f;
  f.rec.context.old_legit_until = f.now + 1h;  // e.g. an old server still serving the OLD NS set
  f.model.record(Fixture::key("r3"), sample(f.now - 40s, AnswerClass::Old, 300));
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  // NEW again right after: the run starts over and must last the hold.
  f.model.record(Fixture::key("r3"), sample(f.now - 20s, AnswerClass::New));
  v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
}

BOOST_AUTO_TEST_CASE(address_only_has_no_parent_condition_and_needs_no_old_servers) {
  Fixture f;
  f.rec.context.ns_moves = false;
  f.rec.delegation = Delegation::Unchanged;
  f.rec.any_parent_lists_old = false;
  f.rec.old_servers_configured = false;
  f.rec.context.parent_ns_ttl.reset();
  f.rec.unchanged = {"NS", "MX"};
  f.rec.watch = {{kWww, RRType::A}};
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(toString(v.shape) == "address_only");
  // The hold is the OLD data's TTL: the NS TTLs (here 1 h at the old servers) do not count.
  BOOST_TEST((v.hold == Duration(300s)));
  BOOST_TEST(condition(v, ConditionId::Parent).met);
  BOOST_TEST(condition(v, ConditionId::Parent).detail.find("address-only") != std::string::npos);
  BOOST_TEST(renderText(v).find("unchanged (not judged): NS, MX") != std::string::npos, renderText(v));
  // The new servers must still be configured: without them nothing dates the switch.
  f.rec.new_servers_configured = false;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");
  // With moving name servers old.servers is required (F9).
  Fixture g;
  g.rec.old_servers_configured = false;
  BOOST_TEST(toString(g.decide().status) == "NOT_YET");
}

BOOST_AUTO_TEST_CASE(a_partial_list_of_parent_servers_never_meets_the_parent_condition) {
  Fixture f;
  f.rec.parents_partial = "ns3.nic.test. has no address";
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(!condition(v, ConditionId::Parent).met);
  BOOST_TEST(condition(v, ConditionId::Parent).detail.find("partial (ns3.nic.test. has no address)") !=
             std::string::npos);
  const RoundRecord back = roundRecordFromJson(nlohmann::json::parse(toJson(f.rec).dump()));
  BOOST_TEST(back.parents_partial == f.rec.parents_partial);
}

BOOST_AUTO_TEST_CASE(shapes_are_named) {
  Fixture f;
  BOOST_TEST(toString(f.decide().shape) == "ns_and_data");
  f.rec.watch = {{kDomain, RRType::NS}};
  BOOST_TEST(toString(f.decide().shape) == "dns_provider_only");
  f.rec.context.ns_moves = false;
  BOOST_TEST(toString(f.decide().shape) == "address_only");
}

BOOST_AUTO_TEST_CASE(a_shortened_parallel_period_is_said) {
  Fixture f;
  Verdict v = f.decide();
  BOOST_TEST(!v.parallel_shortened_to.has_value());
  BOOST_TEST(renderText(v).find("shortened") == std::string::npos);
  f.rec.min_parallel = 48h;
  f.rec.context.min_parallel_until = T0 + 48h;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_REQUIRE(v.parallel_shortened_to.has_value());
  BOOST_TEST((*v.parallel_shortened_to == Duration(48h)));
  BOOST_TEST(condition(v, ConditionId::MinParallel).detail.find("shortened") != std::string::npos);
  BOOST_TEST(renderText(v).find("parallel period is shortened to 2d") != std::string::npos, renderText(v));
  const auto j = toJson(v);
  BOOST_TEST(j["min_parallel_shortened_to_seconds"].get<int>() == 172800);
  BOOST_TEST((verdictFromJson(j) == v));
}

BOOST_AUTO_TEST_CASE(resolver_that_never_flipped_is_not_yet_with_prediction) {
  Fixture f;
  PropagationModel m;
  for (const auto& [key, st] : f.model.all()) {
    if (key.resolver != "r3") m.restore(key, st);
  }
  for (WallTime t = T0 - 1h; t <= f.now - 1h; t += 1h) m.record(Fixture::key("r3"), sample(t, AnswerClass::Old, 604800));
  m.record(Fixture::key("r3"), sample(f.now - 30s, AnswerClass::Old, 604800));
  m.record(Fixture::key("r3", kDomain, RRType::MX), sample(f.now - 30s, AnswerClass::New));
  const Verdict v = decide(f.now, kDomain, f.rec, m);
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(exitCode(v.status) == 1);
  BOOST_TEST(!condition(v, ConditionId::Resolvers).met);
  bool named = false;
  for (const auto& b : v.blockers) {
    if (b.resolver == "r3" && b.name == kWww) {
      named = true;
      BOOST_TEST(toString(b.reason) == "old");
      BOOST_REQUIRE(b.expiry.has_value());
      BOOST_TEST((*b.expiry >= f.now - 30s + 604800s));
    }
  }
  BOOST_TEST(named);
  BOOST_TEST(v.trusted_new == 2u);
}

BOOST_AUTO_TEST_CASE(erroring_resolver_blocks_unless_excluded) {
  Fixture f;
  f.model.record(Fixture::key("r1"), sample(f.now - 20s, AnswerClass::Error));
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_REQUIRE(v.blockers.size() == 1u);
  BOOST_TEST(toString(v.blockers[0].reason) == "unverified");
  f.rec.excluded = {"r1"};
  v = f.decide();
  BOOST_TEST(toString(v.status) == "SAFE", v.summary);
  BOOST_TEST(v.trusted == 2u);
}

BOOST_AUTO_TEST_CASE(new_but_not_for_the_whole_hold_window_is_not_yet) {
  Fixture f;
  f.model.record(Fixture::key("r1"), sample(f.now - 25s, AnswerClass::Error));
  f.model.record(Fixture::key("r1"), sample(f.now - 20s, AnswerClass::New));
  f.model.record(Fixture::key("r1"), sample(f.now - 10s, AnswerClass::New));
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_REQUIRE(v.blockers.size() == 1u);
  BOOST_TEST(toString(v.blockers[0].reason) == "hold");
  BOOST_REQUIRE(v.blockers[0].hold_until.has_value());
  BOOST_TEST((*v.blockers[0].hold_until == f.now - 20s + 24h));
  BOOST_REQUIRE(v.safe_after.has_value());
  BOOST_TEST((*v.safe_after == f.now - 20s + 24h));
}

BOOST_AUTO_TEST_CASE(a_single_new_sample_never_passes) {
  Fixture f;
  PropagationModel m;
  for (const auto& r : f.rec.resolvers) {
    for (const auto& [name, type] : f.rec.watch) m.record(Fixture::key(r, name, type), sample(T0 - 48h, AnswerClass::New));
  }
  f.rec.context.parent_ns_ttl = 1;
  f.rec.context.old_child_ns_ttl = 1;
  f.rec.context.old_data_max_ttl = 1;
  const Verdict v = decide(f.now, kDomain, f.rec, m);
  BOOST_TEST(toString(v.status) != "SAFE", v.summary);
}

BOOST_AUTO_TEST_CASE(stale_monitor_data_is_critical) {
  Fixture f;
  f.rec.at = f.now - 10min;  // 3 intervals + 60 s = 4 min
  const Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "CRITICAL", v.summary);
  BOOST_TEST(exitCode(v.status) == 2);
  BOOST_TEST(!condition(v, ConditionId::Fresh).met);
  BOOST_TEST(v.summary.find("stale") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dnssec_broken_is_critical_and_unknown_blocks) {
  Fixture f;
  f.rec.dnssec = DnssecState::Broken;
  BOOST_TEST(toString(f.decide().status) == "CRITICAL");
  f.rec.dnssec = DnssecState::Unknown;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");
  f.rec.dnssec = DnssecState::Valid;
  BOOST_TEST(toString(f.decide().status) == "SAFE");
}

BOOST_AUTO_TEST_CASE(parent_still_old_is_not_yet_then_critical_after_the_grace) {
  Fixture f;
  f.rec.delegation = Delegation::Both;
  f.rec.any_parent_lists_old = true;
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);  // no switch_time: cannot tell late
  BOOST_TEST(!condition(v, ConditionId::Parent).met);
  f.rec.switch_time = f.now - 2h;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");  // within the 1 d grace
  f.rec.switch_time = f.now - 48h;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "CRITICAL", v.summary);
  BOOST_TEST(v.summary.find("old name servers") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(servers_must_be_configured_and_serve_the_plan) {
  Fixture f;
  f.rec.old_servers_configured = false;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");
  f.rec.old_servers_configured = true;
  f.rec.new_lame = true;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");
  f.rec.new_lame = false;
  f.rec.plan_ok = false;
  BOOST_TEST(toString(f.decide().status) == "NOT_YET");
}

BOOST_AUTO_TEST_CASE(earliest_safe_and_min_parallel_must_have_passed) {
  Fixture f;
  f.now = T0 + 24h * 10;  // resolvers fine, but 14 d of parallel operation not over
  f.rec.at = f.now - 30s;
  Verdict v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(!condition(v, ConditionId::MinParallel).met);
  BOOST_TEST(!condition(v, ConditionId::EarliestSafe).met);  // min_parallel is the floor
  BOOST_REQUIRE(v.safe_after.has_value());
  BOOST_TEST((*v.safe_after == T0 + 24h * 14));
  // The old server still hands out the OLD NS set: open-ended.
  f.now = T0 + 24h * 20;
  f.rec.at = f.now - 30s;
  f.rec.context.old_server_serves_zone = true;
  v = f.decide();
  BOOST_TEST(toString(v.status) == "NOT_YET", v.summary);
  BOOST_TEST(v.earliest_safe.unbounded);
  BOOST_TEST(!v.safe_after.has_value());
}

BOOST_AUTO_TEST_CASE(no_trusted_resolver_is_unknown) {
  Fixture f;
  f.rec.excluded = f.rec.resolvers;
  BOOST_TEST(toString(f.decide().status) == "UNKNOWN");
}

BOOST_AUTO_TEST_CASE(round_record_survives_json) {
  Fixture f;
  f.rec.switch_time = T0 - 1h;
  f.rec.excluded = {"r9"};
  f.rec.findings = {"a finding"};
  f.rec.unchanged = {"MX"};
  f.rec.context.ns_moves = false;
  const RoundRecord back = roundRecordFromJson(nlohmann::json::parse(toJson(f.rec).dump()));
  BOOST_TEST((back == f.rec));
  BOOST_CHECK_THROW(roundRecordFromJson(nlohmann::json::parse("{\"domain\":\"x.\"}")), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(verdict_survives_json_and_is_rechecked_for_freshness) {
  Fixture f;
  f.model.record(Fixture::key("r1"), sample(f.now - 20s, AnswerClass::Error));
  const Verdict v = f.decide();
  const Verdict back = verdictFromJson(nlohmann::json::parse(toJson(v).dump()));
  BOOST_TEST((back == v));
  // The same verdict read an hour later from a monitor that stopped: CRITICAL.
  const Verdict later = recheckFreshness(back, f.now + 1h, 60s);
  BOOST_TEST(toString(later.status) == "CRITICAL");
  BOOST_TEST(toString(recheckFreshness(back, f.now + 10s, 60s).status) == "NOT_YET");
}

BOOST_AUTO_TEST_CASE(worst_orders_by_severity) {
  BOOST_TEST(toString(worst(VerdictStatus::Safe, VerdictStatus::NotYet)) == "NOT_YET");
  BOOST_TEST(toString(worst(VerdictStatus::Unknown, VerdictStatus::NotYet)) == "UNKNOWN");
  BOOST_TEST(toString(worst(VerdictStatus::Unknown, VerdictStatus::Critical)) == "CRITICAL");
}

BOOST_AUTO_TEST_CASE(text_names_blockers_and_the_earliest_safe_time) {
  Fixture f;
  f.model.record(Fixture::key("r1"), sample(f.now - 20s, AnswerClass::Error));
  const std::string text = renderText(f.decide());
  BOOST_TEST(text.rfind("NOT_YET: shop.test.", 0) == 0u);
  BOOST_TEST(text.find("www.shop.test. A") != std::string::npos);
  BOOST_TEST(text.find("r1") != std::string::npos);
  BOOST_TEST(text.find("earliest safe:") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rfc3339_round_trips) {
  const WallTime t = T0 + 123ms;
  BOOST_TEST(formatRfc3339(t) == "2027-01-15T08:00:00.123Z");
  BOOST_TEST((parseRfc3339(formatRfc3339(t)) == t));
  BOOST_TEST((parseRfc3339("2027-01-15T17:00:00+09:00") == T0));
  BOOST_TEST(!parseRfc3339("2027-01-15 08:00:00").has_value());
  BOOST_TEST(!parseRfc3339("2027-13-15T08:00:00Z").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
