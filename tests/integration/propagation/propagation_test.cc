// The propagation model end to end: the real Monitor (engine, classification, model,
// ground truth, store) watching the loopback world (fake root, parent, old and new
// authoritative servers, Unbound, Knot Resolver, PowerDNS Recursor, dnsmasq) while the
// delegation really switches with TTLs of a few seconds. One test per FAULTS case the
// model must get right (F8-F12, F14, F15), plus the clean switch, whose observed flip
// times are compared with the predictions.
#include <boost/test/unit_test.hpp>

#include <prometheus/registry.h>

#include <algorithm>
#include <optional>

#include "config/config_loader.h"
#include "net/monitor.h"
#include "net/uv_handle.h"
#include "support/scripted_responder.h"
#include "support/temp_dir.h"
#include "support/world.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using test::LoopbackWorld;

namespace {

// Authoritative servers need port 53 on loopback, so these tests need root (CI has it).
boost::test_tools::assertion_result runningAsRoot(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "the loopback world needs root (port 53)";
  return r;
}

// A Monitor on its own loop, watching a world.
struct Watch {
  // `discover`: no parent_servers in the config; the monitor finds them from the world's
  // fake root (monitor.root_hints).
  explicit Watch(const LoopbackWorld& world, test::ConfigOptions opts = {}, bool discover = false) {
    opts.state_dir = dir.path() / "state";
    std::string text = world.dnspropConfig(opts);
    if (discover) {
      const auto p = text.find("parent_servers = ");
      BOOST_REQUIRE(p != std::string::npos);
      text.erase(p, text.find('\n', p) - p + 1);
      const auto mon = text.find("[monitor]\n");
      BOOST_REQUIRE(mon != std::string::npos);
      text.insert(mon + 10, "root_hints = [\"" + world.rootServer().toString() + "\"]\n");
    }
    Config config = parseConfig(text, dir.path() / "dnsprop.toml");
    monitor = std::make_unique<Monitor>(loop.get(), clock, std::move(config),
                                        std::make_shared<prometheus::Registry>());
    monitor->start();
  }
  ~Watch() {
    monitor->stop();
    monitor.reset();
  }

  // Runs the loop until `pred(snapshot)` holds or `deadline` passes.
  bool until(std::chrono::milliseconds deadline, const std::function<bool(const MonitorSnapshot&)>& pred) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::uint64_t seen_round = 0;
    while (std::chrono::steady_clock::now() < end) {
      uv_run(loop.get(), UV_RUN_ONCE);
      auto snap = monitor->snapshot();
      if (snap->rounds != seen_round) {
        seen_round = snap->rounds;
        if (pred(*snap)) return true;
      }
    }
    return false;
  }
  std::shared_ptr<const MonitorSnapshot> snap() const { return monitor->snapshot(); }

  test::TempDir dir{"dnsprop-propagation"};
  uv::Loop loop;
  SystemClock clock;
  std::unique_ptr<Monitor> monitor;
};

TargetKey key(const std::string& resolver, RRType t = RRType::A,
              const std::string& name = LoopbackWorld::wwwName()) {
  return {LoopbackWorld::domain(), name, t, resolver};
}

const TargetState* stateOf(const MonitorSnapshot& s, const TargetKey& k) {
  auto it = s.targets.find(k);
  return it == s.targets.end() ? nullptr : &it->second;
}

AnswerClass classOf(const MonitorSnapshot& s, const TargetKey& k) {
  const auto* st = stateOf(s, k);
  return st != nullptr && st->has_samples ? st->current : AnswerClass::Error;
}

bool allAre(const MonitorSnapshot& s, const LoopbackWorld& w, AnswerClass c, RRType t = RRType::A,
            const std::string& name = LoopbackWorld::wwwName(), const std::vector<std::string>& except = {}) {
  for (const auto& r : w.resolvers()) {
    if (std::find(except.begin(), except.end(), r.name) != except.end()) continue;
    if (classOf(s, key(r.name, t, name)) != c) return false;
  }
  return true;
}

const MigrationSnapshot& migrationOf(const MonitorSnapshot& s) { return s.migrations.at(0); }

double secondsBetween(WallTime a, WallTime b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(propagation, *boost::unit_test::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(clean_switch_every_flip_is_within_its_prediction) {
  LoopbackWorld world;
  Watch watch(world);
  BOOST_REQUIRE_MESSAGE(watch.until(20s, [&](const MonitorSnapshot& s) { return allAre(s, world, AnswerClass::Old); }),
                        "not every resolver seen OLD first\n" << world.diagnostics());
  BOOST_TEST((migrationOf(*watch.snap()).truth.delegation == Delegation::Old));
  BOOST_TEST(migrationOf(*watch.snap()).earliest_safe.unbounded);  // nothing switched yet

  world.switchDelegation(test::Delegation::New);
  world.oldKeepsServing(false);  // the old server retires its copy: no ghost can persist
  BOOST_REQUIRE_MESSAGE(watch.until(world.switchBound() + 15s,
                                    [&](const MonitorSnapshot& s) { return allAre(s, world, AnswerClass::New); }),
                        "not every resolver flipped to NEW\n" << world.diagnostics());
  const auto snap = watch.snap();
  const auto& m = migrationOf(*snap);
  BOOST_TEST((m.truth.delegation == Delegation::New));
  BOOST_REQUIRE(m.switch_seen.has_value());
  BOOST_REQUIRE(m.earliest_safe.at.has_value());
  BOOST_TEST(!m.earliest_safe.unbounded);
  // Each resolver's OLD -> NEW transition (possibly via an error while the old server
  // retired) happened no later than predicted: its own OLD evidence plus TTL, or the
  // floor from the parent switch, plus one probe interval (we see a flip only at the
  // next probe) and a second of TTL rounding.
  const auto slack = 2.5;
  for (const auto& r : world.resolvers()) {
    const auto* st = stateOf(*snap, key(r.name));
    BOOST_REQUIRE(st != nullptr);
    BOOST_REQUIRE(st->new_since.has_value());
    BOOST_REQUIRE(st->last_old_seen.has_value());
    const WallTime predicted = std::max(st->old_expiry.value_or(WallTime{}), *m.earliest_safe.at);
    const double margin = secondsBetween(*st->new_since, predicted);
    BOOST_TEST_MESSAGE(r.name << ": flipped " << secondsBetween(*m.switch_seen, *st->new_since)
                              << " s after the parent switch was seen; prediction "
                              << secondsBetween(*m.switch_seen, predicted) << " s; margin " << margin << " s");
    BOOST_TEST(margin >= -slack, r.name << " flipped " << -margin << " s after its prediction");
  }
}

BOOST_AUTO_TEST_CASE(parent_servers_are_discovered_from_the_root_when_not_configured) {
  LoopbackWorld world;
  Watch watch(world, {}, /*discover=*/true);
  BOOST_REQUIRE_MESSAGE(watch.until(15s, [](const MonitorSnapshot& s) {
    return migrationOf(s).truth.delegation == Delegation::Old;
  }), "the delegation was never established from discovered parents\n" << world.diagnostics());
  world.switchDelegation(test::Delegation::New);
  BOOST_REQUIRE(watch.until(15s, [](const MonitorSnapshot& s) { return migrationOf(s).switch_seen.has_value(); }));
  const auto& m = migrationOf(*watch.snap());
  BOOST_TEST((m.truth.delegation == Delegation::New));
  BOOST_TEST(m.truth.parent_ns == world.newNs());
}

BOOST_AUTO_TEST_CASE(f9_old_server_still_serving_keeps_a_ghost_and_no_safe_time) {
  LoopbackWorld world;
  Watch watch(world);
  BOOST_REQUIRE(watch.until(20s, [&](const MonitorSnapshot& s) { return allAre(s, world, AnswerClass::Old); }));
  world.switchDelegation(test::Delegation::New);  // the old server keeps serving the zone
  std::vector<std::string> ghosts;
  for (const auto& r : world.resolvers()) {
    if (world.holdsGhostDelegation(r.name)) ghosts.push_back(r.name);
  }
  BOOST_REQUIRE(watch.until(world.switchBound() + 15s, [&](const MonitorSnapshot& s) {
    return allAre(s, world, AnswerClass::New, RRType::A, LoopbackWorld::wwwName(), ghosts);
  }));
  // Let the ghost(s) show they stay.
  watch.until(4s, [](const MonitorSnapshot&) { return false; });
  const auto snap = watch.snap();
  for (const auto& g : ghosts) BOOST_TEST((classOf(*snap, key(g)) == AnswerClass::Old), g << " should still be a ghost");
  const auto& m = migrationOf(*snap);
  BOOST_TEST(m.truth.old_serving_zone);
  BOOST_TEST(m.earliest_safe.unbounded);  // never safe while the old server feeds ghosts
  BOOST_TEST((m.earliest_safe.basis == SafeBasis::OldServerServing));
}

BOOST_AUTO_TEST_CASE(f10_parent_listing_both_is_never_a_switch) {
  LoopbackWorld world;
  Watch watch(world);
  world.switchDelegation(test::Delegation::Both);
  BOOST_REQUIRE(watch.until(15s, [](const MonitorSnapshot& s) {
    return migrationOf(s).truth.delegation == Delegation::Both;
  }));
  const auto& m = migrationOf(*watch.snap());
  BOOST_TEST(!m.switch_seen.has_value());
  BOOST_TEST(m.earliest_safe.unbounded);
  BOOST_TEST((m.earliest_safe.basis == SafeBasis::ParentNotSwitched));
}

BOOST_AUTO_TEST_CASE(f11_lame_new_server_is_found_and_its_answers_never_count) {
  LoopbackWorld world;
  world.newServerWithoutZone();
  world.switchDelegation(test::Delegation::New);
  Watch watch(world);
  BOOST_REQUIRE(watch.until(15s, [](const MonitorSnapshot& s) { return migrationOf(s).truth.new_lame; }));
  watch.until(3s, [](const MonitorSnapshot&) { return false; });
  const auto snap = watch.snap();
  BOOST_TEST(!migrationOf(*snap).truth.plan_ok);
  for (const auto& r : world.resolvers()) {
    BOOST_TEST((classOf(*snap, key(r.name)) != AnswerClass::New), r.name);
  }
}

BOOST_AUTO_TEST_CASE(f12_negative_answers_are_negative_not_new) {
  LoopbackWorld world;
  Watch watch(world);
  world.switchDelegation(test::Delegation::New);
  world.oldKeepsServing(false);
  world.removeNewMx();
  const std::string apex = LoopbackWorld::domain();
  BOOST_REQUIRE_MESSAGE(watch.until(world.switchBound() + 15s, [&](const MonitorSnapshot& s) {
    return allAre(s, world, AnswerClass::Negative, RRType::MX, apex);
  }), world.diagnostics());
  const auto snap = watch.snap();
  const auto& counts = migrationOf(*snap).counts.at({apex, RRType::MX});
  BOOST_TEST(counts.at(AnswerClass::New) == 0);
  const auto* st = stateOf(*snap, key(world.resolvers().front().name, RRType::MX, apex));
  BOOST_REQUIRE(st != nullptr);
  BOOST_TEST(st->negative_until.has_value());
  BOOST_TEST(!st->new_since.has_value());
}

BOOST_AUTO_TEST_CASE(f8_stale_old_answers_stay_old_and_push_the_prediction_out) {
  test::WorldOptions wo;
  wo.resolvers = {{"unbound-stale", test::ServerKind::Unbound, {}, {}, true, {"ede: yes", "ede-serve-expired: yes"}, ""}};
  LoopbackWorld world(wo);
  Watch watch(world);
  BOOST_REQUIRE(watch.until(15s, [&](const MonitorSnapshot& s) { return allAre(s, world, AnswerClass::Old); }));
  world.stopOld();  // the parent still delegates to it; Unbound serves its expired copy
  BOOST_REQUIRE_MESSAGE(watch.until(20s, [&](const MonitorSnapshot& s) {
    const auto* st = stateOf(s, key("unbound-stale"));
    return st && st->old_expiry && *st->old_expiry > s.taken + 24h;
  }), "stale answers never widened the prediction\n" << world.diagnostics());
  BOOST_TEST((classOf(*watch.snap(), key("unbound-stale")) == AnswerClass::Old));
}

BOOST_AUTO_TEST_CASE(f14_anycast_flip_flop_is_detected_from_many_samples) {
  LoopbackWorld world;
  // Two caches behind one address: answers alternate between OLD and NEW.
  std::atomic<int> n{0};
  test::ScriptedResponder anycast([&](const test::ReceivedQuery& q) -> test::Actions {
    const bool odd = (n++ % 2) == 1;
    if (q.qtype != test::kTypeA || q.qname != LoopbackWorld::wwwName()) {
      return {test::Action::send(test::makeReply(q.bytes, test::kRcodeServFail))};
    }
    return {test::Action::send(test::makeReply(
        q.bytes, 0, {q.qname + " 2 IN A " + (odd ? world.newAddress() : world.oldAddress())}))};
  });
  test::ConfigOptions co;
  co.resolver_names = {world.resolvers().front().name};
  Watch watch(world, co);  // plus the anycast address as an extra resolver below
  // (The world's config names its own resolvers; the anycast one is added by a reload.)
  Config cfg = watch.monitor->config();
  ResolverInfo ri;
  ri.endpoint = anycast.endpoint();
  ri.name = "anycast";
  cfg.resolvers.extra.push_back(ri);
  watch.monitor->applyConfig(cfg);
  BOOST_REQUIRE(watch.until(20s, [](const MonitorSnapshot& s) {
    const auto* st = stateOf(s, key("anycast"));
    return st && st->regressions >= 2;
  }));
  const auto* st = stateOf(*watch.snap(), key("anycast"));
  BOOST_TEST(st->last_old_seen.has_value());
  BOOST_TEST(st->last_regression.has_value());
}

BOOST_AUTO_TEST_CASE(f15_cross_zone_cname_is_followed_to_its_final_address) {
  test::WorldOptions wo;
  wo.new_www_cname = true;
  LoopbackWorld world(wo);
  Watch watch(world);
  world.switchDelegation(test::Delegation::New);
  world.oldKeepsServing(false);
  BOOST_REQUIRE_MESSAGE(watch.until(world.switchBound() + 15s,
                                    [&](const MonitorSnapshot& s) { return allAre(s, world, AnswerClass::New); }),
                        world.diagnostics());
}

BOOST_AUTO_TEST_SUITE_END()
