// Every shape of migration reaches a true verdict, end to end (docs/VERDICT.md "Shapes"):
// the real `dnsprop run` watches the loopback world while the change really happens, and
// the real `dnsprop check` is sampled all along. At every sample where check exits 0 the
// oracle asks every resolver of the world directly and fails the test if one still
// answers OLD (check_watch.h); and SAFE must come within the hold window plus three
// intervals (plus slack for process start-up and sampling) after the last moment OLD
// could legitimately be served.
//
// Shapes: address-only (the servers stay, the data changes on them), NS and addresses
// with IPv6 dropped (NODATA for AAAA is NEW) while mail stays, a CNAME to a CDN name,
// DNS-provider-only (only NS moves); the
// normal flip-flop of a ghost delegation (F9) is not CRITICAL, a switch-back after the
// bound is; a gap in observation restarts the hold.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "common/time_format.h"
#include "integration/verdict/check_watch.h"
#include "support/dns_client.h"
#include "support/scripted_responder.h"
#include "support/wait.h"
#include "support/world.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

using Steady = std::chrono::steady_clock;

double secondsSince(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

// Samples until SAFE and checks it came in time: within the hold window (as the verdict
// reports it) + 3 intervals + `slack` after `last_old` (the moment OLD could last be
// served, per the world's TTLs).
CheckResult safeInTime(Watch& watch, Steady::time_point last_old, double slack, const std::string& what) {
  auto r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure(what + ": never SAFE", r));
  const double took = secondsSince(last_old);
  const double hold = verdictOf(r)["hold_seconds"].get<double>();
  BOOST_TEST_MESSAGE(what << ": SAFE " << took << " s after OLD could last be served (hold " << hold << " s, "
                          << watch.samples << " samples)");
  BOOST_TEST(took <= hold + 3 * 1.0 + slack, what << ": SAFE came " << took << " s after the last OLD, hold " << hold
                                                  << " s\n"
                                                  << r.raw);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shapes_e2e, *boost::unit_test::precondition(runningAsRoot))

// The most common migration: the web server moves, the name servers stay. The same
// authoritative servers start serving the new address: no parent condition, no F9.
BOOST_AUTO_TEST_CASE(address_only_reaches_safe_after_the_data_switch) {
  WorldOptions wo;
  wo.block = 0;
  LoopbackWorld world(wo);
  ConfigOptions co;
  co.shape = ConfigShape::AddressOnly;
  Watch watch(world, co);
  watch.oracle = {{LoopbackWorld::wwwName(), kTypeA, {world.oldAddress()}},
                  {LoopbackWorld::domain(), kTypeA, {world.oldAddress()}}};

  auto r = watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1 && c.doc.is_object(); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));
  BOOST_TEST(verdictOf(r)["shape"] == "address_only");
  BOOST_TEST(verdictOf(r)["earliest_safe"]["basis"] == "data_not_switched");

  // The switch: the old (and only) servers now serve the new address.
  SideZone z = world.oldZone();
  z.address = world.newAddress();
  world.setOldZone(z);
  const auto last_old = Steady::now() + std::chrono::seconds(wo.record_ttl);

  r = safeInTime(watch, last_old, 6.0, "address-only");
  BOOST_TEST(r.doc["summary"].get<std::string>().rfind("SAFE: shop.test.", 0) == 0u);
  for (const auto& c : verdictOf(r)["conditions"]) {
    if (c["id"] == "parent") BOOST_TEST(c["detail"].get<std::string>().find("address-only") != std::string::npos);
  }
  // NS and MX stay: shown as unchanged, not judged.
  BOOST_TEST(verdictOf(r)["unchanged"].dump().find("NS") != std::string::npos, r.raw);
}

// Name servers and addresses move, the new server has no IPv6 ("no AAAA" is NEW), and
// mail stays where it is (MX unchanged: shown, not judged).
BOOST_AUTO_TEST_CASE(ipv6_dropped_nodata_counts_as_new_and_mail_stays) {
  WorldOptions wo;
  wo.block = 7;
  LoopbackWorld world(wo);
  SideZone nz = world.newZone();
  nz.address_v6.clear();   // the new server serves no AAAA
  nz.mx = world.oldMx();   // mail stays with the old mail exchange
  world.setNewZone(nz);
  ConfigOptions co;
  co.watch_aaaa = true;
  co.new_ipv6 = false;
  co.mail_stays = true;
  Watch watch(world, co);
  watch.oracle = defaultOracle(world);
  watch.oracle.erase(watch.oracle.begin() + 2);  // MX: the old one is the right answer now
  watch.oracle.push_back({LoopbackWorld::domain(), kTypeAAAA, {world.oldAddressV6()}});

  auto r = watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1 && c.doc.is_object(); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  // A resolver may have fetched the old NS set (3 s) just before, then data (2 s).
  const auto last_old = Steady::now() + std::chrono::seconds(wo.ns_ttl_parent + wo.record_ttl);
  r = safeInTime(watch, last_old, 6.0, "IPv6 dropped, mail stays");
  BOOST_TEST(verdictOf(r)["shape"] == "ns_and_data");
  BOOST_TEST(verdictOf(r)["unchanged"].dump() == "[\"MX\"]", r.raw);
}

// The new side answers www with a CNAME to a CDN name whose addresses nobody configured:
// the CNAME target alone (new.cnames) makes the answer NEW.
BOOST_AUTO_TEST_CASE(a_cname_to_the_configured_cdn_name_is_new) {
  WorldOptions wo;
  wo.block = 6;
  wo.new_www_cname = true;               // www.shop.test. CNAME shop.cdn.test. on the new side
  wo.cdn_new_address = "203.0.113.77";   // not in the config: only the CNAME can tell
  LoopbackWorld world(wo);
  ConfigOptions co;
  co.new_cnames = {"shop.cdn.test."};
  Watch watch(world, co);

  auto r = watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1 && c.doc.is_object(); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  const auto last_old = Steady::now() + std::chrono::seconds(wo.ns_ttl_parent + wo.record_ttl);
  safeInTime(watch, last_old, 6.0, "CNAME to a CDN");
}

// Only the DNS provider changes: the records stay, the NS set moves.
BOOST_AUTO_TEST_CASE(dns_provider_only_reaches_safe_from_ns_answers) {
  WorldOptions wo;
  wo.block = 9;
  LoopbackWorld world(wo);
  // The new provider serves the very same records.
  SideZone nz = world.newZone();
  const SideZone oz = world.oldZone();
  nz.address = oz.address;
  nz.address_v6 = oz.address_v6;
  nz.mx = oz.mx;
  world.setNewZone(nz);
  ConfigOptions co;
  co.shape = ConfigShape::DnsProviderOnly;
  Watch watch(world, co);
  watch.oracle = {{LoopbackWorld::domain(), kTypeNS, world.oldNs()}};

  auto r = watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1 && c.doc.is_object(); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));
  BOOST_TEST(verdictOf(r)["shape"] == "dns_provider_only");
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  const auto last_old = Steady::now() + std::chrono::seconds(std::max(wo.ns_ttl_parent, wo.ns_ttl_child_old));
  safeInTime(watch, last_old, 6.0, "DNS provider only");
}

// The ghost world of FAULTS F9: the old server keeps the OLD NS set (20 s TTL) after the
// parent switched; then the operator publishes the NEW NS set there. A resolver address
// with two caches behind it (F14: one child-centric Knot Resolver holding the ghost, one
// Unbound that follows the parent) alternates OLD and NEW meanwhile. That is the normal
// course of a propagation: never CRITICAL. SAFE comes once it settles; a switch-back
// after that is CRITICAL.
BOOST_AUTO_TEST_CASE(ghost_flip_flop_is_not_critical_but_a_switch_back_after_the_bound_is) {
  WorldOptions wo;
  wo.block = 3;
  wo.ns_ttl_child_old = 20;
  LoopbackWorld world(wo);
  Endpoint ghost, follower;
  for (const auto& r : world.resolvers()) {
    if (r.make == ServerKind::Kresd) ghost = r.endpoint;
    if (r.make == ServerKind::Unbound) follower = r.endpoint;
  }
  BOOST_REQUIRE(ghost.port() != 0 && follower.port() != 0);
  // One address, two caches: each (name, type) alternates between them.
  std::mutex mu;
  std::map<std::pair<std::string, std::uint16_t>, unsigned> turns;
  ScriptedResponder anycast([&](const ReceivedQuery& q) -> Actions {
    if (!q.parsed) return {};
    unsigned turn;
    {
      std::lock_guard<std::mutex> lock(mu);
      turn = turns[{q.qname, q.qtype}]++;
    }
    auto reply = exchangeUdp(turn % 2 == 0 ? follower : ghost, q.bytes, Millis(400));
    if (!reply) return {};
    return {Action::send(*reply)};
  });
  // The world's config already has an `extra` list: the anycast resolver joins it.
  Watch watch(world, {}, "", "", [&](std::string& text) {
    const std::string from = "extra = [\n";
    const auto p = text.find(from);
    BOOST_REQUIRE(p != std::string::npos);
    text.insert(p + from.size(), "  { address = \"" + anycast.endpoint().toString() + "\", name = \"anycast\" },\n");
  });

  auto r = watch.until(20s, [](const CheckResult& c) {
    return c.exit_code == 1 && c.doc.is_object() && verdictOf(c)["trusted"] == static_cast<int>(5);
  });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1 && verdictOf(r)["trusted"] == 5,
                        watch.failure("the anycast resolver was not picked up", r));

  // The switch; the old server still hands out the OLD NS set: open-ended, flip-flop.
  world.switchDelegation(Delegation::New);
  bool saw_flip_flop = false;
  auto noCritical = [&](const CheckResult& c) {
    BOOST_TEST_REQUIRE(c.exit_code != 2, "CRITICAL during the normal course of a propagation:\n" << c.raw);
    if (!blockedResolvers(c, "flip_flop").empty()) saw_flip_flop = true;
    return false;
  };
  watch.until(12s, noCritical);
  oldServerPublishesNewNs(world);
  const auto published = Steady::now();
  r = watch.until(120s, [&](const CheckResult& c) {
    noCritical(c);
    return exitIs(c, 0);
  });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE after the NEW NS set was published", r));
  BOOST_TEST_MESSAGE("SAFE " << secondsSince(published) << " s after the NEW NS set was published; flip-flop seen: "
                             << saw_flip_flop);
  // Stated, so that a change of the world that stops the alternation is noticed.
  BOOST_TEST(saw_flip_flop, "the anycast resolver never flip-flopped: the test no longer tests anything");

  // A switch-back long after OLD could legitimately be served: CRITICAL.
  switchBack(world);
  expectRegressionCritical(watch, 30s, "a switch-back after the bound was not CRITICAL");
}

// A gap in observation: the monitor is stopped for longer than the hold window. Once it
// runs again, no SAFE until a whole hold of fresh NEW samples has passed.
BOOST_AUTO_TEST_CASE(a_gap_longer_than_the_hold_restarts_it) {
  WorldOptions wo;
  wo.block = 4;
  LoopbackWorld world(wo);
  Watch watch(world);
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  const std::vector<std::string> strict = {"--max-age", "3s"};
  auto r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); }, strict);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE", r));
  const double hold = verdictOf(r)["hold_seconds"].get<double>();

  watch.daemon->stop();
  const auto stopped = Steady::now();
  // The outage itself (the stimulus, not a wait for an outcome): twice the hold window
  // and longer than the gap limit (3 intervals + attempts).
  const auto down_until = Steady::now() + std::chrono::duration<double>(std::max(2 * hold, 8.0));
  while (Steady::now() < down_until) {
    const auto c = watch.check(strict);
    // Once the last round is older than --max-age the data is stale (CRITICAL).
    if (secondsSince(stopped) > 4.0) BOOST_TEST_REQUIRE(c.exit_code != 0, "SAFE from stale data:\n" << c.raw);
    std::this_thread::sleep_for(500ms);
  }
  watch.daemon->start();
  const auto restarted = Steady::now();
  r = watch.until(60s, [&](const CheckResult& c) {
    if (c.exit_code == 0) {
      BOOST_TEST_REQUIRE(secondsSince(restarted) >= hold,
                         "SAFE " << secondsSince(restarted) << " s after the restart, hold " << hold << " s:\n" << c.raw);
    }
    return exitIs(c, 0);
  }, strict);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE again after the restart", r));
  BOOST_TEST_MESSAGE("SAFE again " << secondsSince(restarted) << " s after the restart (hold " << hold << " s)");
}

BOOST_AUTO_TEST_SUITE_END()
