// Tests of the loopback DNS world (tests/support/world.h): real resolvers iterating from
// a fake root follow a delegation switch from OLD to NEW authoritative servers, and the
// world's knobs (both NS sets, lame server, negative caching, stopped server, cache
// flush, rendered dnsprop config) do what they say.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "support/dns_client.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/world.h"

namespace dnsprop::test {
namespace {

using namespace std::chrono_literals;
namespace utf = boost::unit_test;

}  // namespace

// Printing for BOOST_TEST (found by ADL).
inline std::ostream& boost_test_print_type(std::ostream& os, Delegation d) {
  return os << toString(d);
}
inline std::ostream& boost_test_print_type(std::ostream& os, AuthState s) {
  return os << toString(s);
}

namespace {

boost::test_tools::assertion_result runningAsRoot(utf::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "the loopback world binds port 53 and needs root (CI runs as root)";
  return r;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// NS host names in a reply's authority section (a referral), sorted.
std::vector<std::string> authorityNs(const Reply& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.authority) {
    if (rec.type == kTypeNS) out.push_back(rec.rdata);
  }
  return sorted(out);
}

// "10 mail.shop.test." -> "mail.shop.test."
std::vector<std::string> mxNames(const Reply& r) {
  std::vector<std::string> out;
  for (const auto& rd : r.answerRdata(kTypeMX)) out.push_back(rd.substr(rd.find(' ') + 1));
  return sorted(out);
}

// Every resolver of the world answers `expected` for `name`/`qtype` within `deadline`.
void requireAllAnswer(LoopbackWorld& world, const std::string& name, std::uint16_t qtype,
                      const std::vector<std::string>& expected, Millis deadline) {
  for (const auto& r : world.resolvers()) {
    const auto w = waitForAnswer(r.endpoint, name, qtype, expected, deadline);
    BOOST_TEST_CONTEXT("resolver " << r.name << " (" << toString(r.make) << ")") {
      BOOST_REQUIRE_MESSAGE(w.matched, "answers " << w.describe() << " for " << name << "\n"
                                                  << world.diagnostics());
    }
  }
}

BOOST_AUTO_TEST_SUITE(loopback_world, *utf::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(world_starts_and_every_resolver_answers_old) {
  LoopbackWorld world;
  BOOST_TEST(world.resolvers().size() == 4u);
  BOOST_TEST(world.delegation() == Delegation::Old);

  // The hierarchy, asked directly without recursion.
  const auto referral = lookup(world.rootServer(), "www.shop.test.", kTypeA, false);
  BOOST_REQUIRE(referral);
  BOOST_TEST(authorityNs(*referral) == std::vector<std::string>{"ns1.nic.test."});
  const auto parent = lookup(world.parentServers().at(0), "shop.test.", kTypeNS, false);
  BOOST_REQUIRE(parent);
  BOOST_TEST(!parent->aa);
  BOOST_TEST(authorityNs(*parent) == world.oldNs());
  const auto old_auth = lookup(world.oldServers().at(0), "www.shop.test.", kTypeA, false);
  BOOST_REQUIRE(old_auth);
  BOOST_TEST(old_auth->aa);
  BOOST_TEST(old_auth->answerRdata(kTypeA) == std::vector<std::string>{world.oldAddress()});
  const auto new_auth = lookup(world.newServers().at(0), "www.shop.test.", kTypeA, false);
  BOOST_REQUIRE(new_auth);
  BOOST_TEST(new_auth->aa);
  BOOST_TEST(new_auth->answerRdata(kTypeA) == std::vector<std::string>{world.newAddress()});
  const auto new_ns = lookup(world.newServers().at(0), "shop.test.", kTypeNS, false);
  BOOST_REQUIRE(new_ns);
  BOOST_TEST(sorted(new_ns->answerRdata(kTypeNS)) == world.newNs());

  // Every resolver, by iteration (dnsmasq through its upstream).
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.oldAddress()}, 5s);
  requireAllAnswer(world, "shop.test.", kTypeAAAA, {world.oldAddressV6()}, 5s);
  requireAllAnswer(world, "shop.test.", kTypeNS, world.oldNs(), 5s);
  for (const auto& r : world.resolvers()) {
    const auto mx = lookup(r.endpoint, "shop.test.", kTypeMX, true, 2s);
    BOOST_REQUIRE_MESSAGE(mx, r.name << ": no reply\n" << world.diagnostics());
    BOOST_TEST(mxNames(*mx) == world.oldMx(), r.name);
  }
}

// When each resolver first answers NEW for www A, polling them side by side from the
// moment switchDelegation() returned; resolvers missing from the map never did.
struct Arrivals {
  std::map<std::string, Millis> reached;
  std::map<std::string, std::string> last;  // the last non-NEW answer seen
};

Arrivals pollForNew(LoopbackWorld& world, Millis deadline,
                    std::chrono::steady_clock::time_point since) {
  Arrivals out;
  pollUntil(deadline, [&] {
    for (const auto& r : world.resolvers()) {
      if (out.reached.count(r.name)) continue;
      const auto reply = lookup(r.endpoint, "www.shop.test.", kTypeA, true, 500ms);
      if (reply && reply->answerRdata(kTypeA) == std::vector<std::string>{world.newAddress()}) {
        out.reached[r.name] =
            std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - since);
      } else {
        out.last[r.name] = reply ? WaitResult{false, reply}.describe() : "no reply";
      }
    }
    return out.reached.size() == world.resolvers().size();
  }, 200ms);
  return out;
}

// The common case: the parent switches while the old server keeps serving the old zone.
// Resolvers that take the NS set from the parent once the cached one runs out answer NEW
// within the TTL bound; Knot Resolver refreshes the child's NS set from every answer of
// the old server and stays on OLD for as long as it is asked (a "ghost domain", F9).
BOOST_AUTO_TEST_CASE(switch_reaches_resolvers_within_the_ttl_bound_except_a_ghost) {
  LoopbackWorld world;
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.oldAddress()}, 5s);
  // Warm the NS caches too, so the bound is tested against what a resolver holds.
  requireAllAnswer(world, "shop.test.", kTypeNS, world.oldNs(), 5s);

  const Millis bound = world.switchBound();
  BOOST_TEST_MESSAGE("switch bound " << bound.count() << " ms");
  BOOST_TEST(bound.count() >= 5000);   // ns 3 s + record 2 s at least
  BOOST_TEST(bound.count() <= 20000);  // default TTLs keep the suite short

  world.switchDelegation(Delegation::New);
  const auto switched = std::chrono::steady_clock::now();
  const auto parent = lookup(world.parentServers().at(0), "shop.test.", kTypeNS, false);
  BOOST_REQUIRE(parent);
  BOOST_TEST(authorityNs(*parent) == world.newNs());

  const Arrivals a = pollForNew(world, bound, switched);
  for (const auto& r : world.resolvers()) {
    BOOST_TEST_CONTEXT("resolver " << r.name) {
      if (world.holdsGhostDelegation(r.name)) {
        BOOST_TEST(a.reached.count(r.name) == 0u, "no longer a ghost: update world.h/README");
        const auto ns = lookup(r.endpoint, "shop.test.", kTypeNS, true, 2s);
        BOOST_REQUIRE(ns);
        BOOST_TEST(sorted(ns->answerRdata(kTypeNS)) == world.oldNs());
        continue;
      }
      BOOST_TEST_REQUIRE(a.reached.count(r.name) == 1u,
                         "no NEW within " << bound.count() << " ms, last: " << a.last.at(r.name)
                                          << "\n" << world.diagnostics());
      BOOST_TEST_MESSAGE(r.name << " answered NEW after " << a.reached.at(r.name).count()
                                << " ms");
    }
  }
}

// Once the old server stops serving the zone, even the ghost follows the parent: every
// resolver answers NEW within the bound (FAULTS F9 resolved by retiring the old zone).
BOOST_AUTO_TEST_CASE(switch_reaches_every_resolver_within_the_ttl_bound_when_old_retires) {
  LoopbackWorld world;
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.oldAddress()}, 5s);
  requireAllAnswer(world, "shop.test.", kTypeNS, world.oldNs(), 5s);
  const Millis bound = world.switchBound();

  world.switchDelegation(Delegation::New);
  world.oldKeepsServing(false);
  const auto retired = std::chrono::steady_clock::now();
  const Arrivals a = pollForNew(world, bound, retired);
  for (const auto& r : world.resolvers()) {
    BOOST_TEST_CONTEXT("resolver " << r.name) {
      BOOST_TEST_REQUIRE(a.reached.count(r.name) == 1u,
                         "no NEW within " << bound.count() << " ms, last: " << a.last.at(r.name)
                                          << "\n" << world.diagnostics());
      BOOST_TEST_MESSAGE(r.name << " answered NEW after " << a.reached.at(r.name).count()
                                << " ms");
    }
  }
  // The rest of the NEW data follows through the new delegation.
  requireAllAnswer(world, "shop.test.", kTypeNS, world.newNs(), bound);
  for (const auto& r : world.resolvers()) {
    const auto mx = lookup(r.endpoint, "shop.test.", kTypeMX, true, 2s);
    BOOST_REQUIRE(mx);
    BOOST_TEST(mxNames(*mx) == world.newMx(), r.name);
  }
}

BOOST_AUTO_TEST_CASE(both_delegation_lists_both_ns_sets_and_old_takes_it_back) {
  LoopbackWorld world;
  world.switchDelegation(Delegation::Both);
  BOOST_TEST(world.delegation() == Delegation::Both);
  const auto both = lookup(world.parentServers().at(0), "shop.test.", kTypeNS, false);
  BOOST_REQUIRE(both);
  auto expected = world.oldNs();
  for (const auto& n : world.newNs()) expected.push_back(n);
  BOOST_TEST(authorityNs(*both) == sorted(expected));
  // Delegation TTL as configured.
  for (const auto& rec : both->authority) {
    if (rec.type == kTypeNS) BOOST_TEST(rec.ttl == world.options().ns_ttl_parent);
  }
  // Resolvers now see one side or the other, never an error.
  for (const auto& r : world.resolvers()) {
    const auto reply = lookup(r.endpoint, "www.shop.test.", kTypeA, true, 3s);
    BOOST_REQUIRE_MESSAGE(reply, r.name << ": no reply\n" << world.diagnostics());
    const auto a = reply->answerRdata(kTypeA);
    BOOST_TEST((a == std::vector<std::string>{world.oldAddress()} ||
                a == std::vector<std::string>{world.newAddress()}),
               r.name << ": " << (WaitResult{false, reply}.describe()));
  }

  world.switchDelegation(Delegation::Old);
  const auto old = lookup(world.parentServers().at(0), "shop.test.", kTypeNS, false);
  BOOST_REQUIRE(old);
  BOOST_TEST(authorityNs(*old) == world.oldNs());
}

BOOST_AUTO_TEST_CASE(new_server_without_zone_is_lame_and_comes_back) {
  LoopbackWorld world;
  world.newServerWithoutZone();
  BOOST_TEST(world.newState() == AuthState::Lame);
  const auto lame = lookup(world.newServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE_MESSAGE(lame, "lame server does not answer\n" << world.diagnostics());
  BOOST_TEST(lame->rcode == kRcodeRefused);
  BOOST_TEST(lame->answer.empty());
  // Its host zone still answers: only the migrating domain is missing.
  const auto host = lookup(world.newServers().at(0), "ns1.newhost.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(host);
  BOOST_TEST(host->aa);

  // A lame new side behind a switched delegation: resolvers cannot get NEW data.
  world.switchDelegation(Delegation::New);
  world.flushResolvers();
  const auto unbound = lookup(world.resolver("unbound").endpoint, "www.shop.test.", kTypeA,
                              true, 5s);
  BOOST_REQUIRE_MESSAGE(unbound, world.diagnostics());
  BOOST_TEST(unbound->rcode == kRcodeServFail);

  world.newServerWithZone();
  const auto back = lookup(world.newServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(back);
  BOOST_TEST(back->aa);
  BOOST_TEST(back->answerRdata(kTypeA) == std::vector<std::string>{world.newAddress()});
}

BOOST_AUTO_TEST_CASE(old_server_stops_starts_and_goes_lame) {
  WorldOptions o;
  o.resolvers.resize(1);  // unbound only: this test is about the old server
  LoopbackWorld world(o);
  world.stopOld();
  BOOST_TEST(world.oldState() == AuthState::Stopped);
  BOOST_TEST(!lookup(world.oldServers().at(0), "www.shop.test.", kTypeA, false, 300ms));
  world.startOld();
  BOOST_TEST(world.oldState() == AuthState::Serving);
  const auto again = lookup(world.oldServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->answerRdata(kTypeA) == std::vector<std::string>{world.oldAddress()});

  world.oldKeepsServing(false);
  BOOST_TEST(world.oldState() == AuthState::Lame);
  const auto lame = lookup(world.oldServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(lame);
  BOOST_TEST(lame->rcode == kRcodeRefused);
  // Stopping and starting a lame server keeps it lame.
  world.stopOld();
  world.startOld();
  BOOST_TEST(world.oldState() == AuthState::Lame);
  world.oldKeepsServing(true);
  const auto serving = lookup(world.oldServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(serving);
  BOOST_TEST(serving->aa);
}

BOOST_AUTO_TEST_CASE(unbound_serves_old_stale_when_old_server_stops) {
  WorldOptions o;
  o.resolvers.resize(1);
  o.resolvers[0].serve_expired = true;  // FAULTS F8
  LoopbackWorld world(o);
  const auto ep = world.resolver("unbound").endpoint;
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.oldAddress()}, 5s);
  world.stopOld();
  // Once the record TTL has run out, unbound keeps answering OLD with its
  // serve-expired-reply-ttl (30 s), longer than any TTL in the zone.
  std::optional<Reply> stale;
  const bool served = pollUntil(world.switchBound(), [&] {
    stale = lookup(ep, "www.shop.test.", kTypeA, true, 1s);
    return stale && !stale->answer.empty() && stale->answer[0].ttl > world.options().record_ttl;
  }, 200ms);
  BOOST_REQUIRE_MESSAGE(served, "no stale answer\n" << world.diagnostics());
  BOOST_TEST(stale->answerRdata(kTypeA) == std::vector<std::string>{world.oldAddress()});
}

BOOST_AUTO_TEST_CASE(new_zone_without_mx_gives_nodata_with_the_negative_ttl) {
  WorldOptions o;
  o.resolvers.resize(1);
  o.negative_ttl = 4;
  LoopbackWorld world(o);
  const auto before = lookup(world.newServers().at(0), "shop.test.", kTypeMX, false, 2s);
  BOOST_REQUIRE(before);
  BOOST_TEST(mxNames(*before) == world.newMx());

  world.removeNewMx();  // FAULTS F12
  BOOST_TEST(world.newZone().mx.empty());
  const auto after = lookup(world.newServers().at(0), "shop.test.", kTypeMX, false, 2s);
  BOOST_REQUIRE(after);
  BOOST_TEST(after->rcode == kRcodeNoError);
  BOOST_TEST(after->aa);
  BOOST_TEST(after->answer.empty());
  BOOST_REQUIRE(after->authority.size() == 1u);
  BOOST_TEST(after->authority[0].type == kTypeSOA);
  BOOST_TEST(after->authority[0].ttl == 4u);
  // The rest of the zone is untouched.
  const auto a = lookup(world.newServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(a);
  BOOST_TEST(a->answerRdata(kTypeA) == std::vector<std::string>{world.newAddress()});
}

BOOST_AUTO_TEST_CASE(cross_zone_cname_resolves_through_the_cdn) {
  WorldOptions o;
  o.resolvers.resize(2);  // unbound, kresd
  o.new_www_cname = true;  // FAULTS F15
  LoopbackWorld world(o);
  const auto direct = lookup(world.newServers().at(0), "www.shop.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(direct);
  BOOST_TEST(direct->answerRdata(kTypeCNAME) == std::vector<std::string>{"shop.cdn.test."});
  world.switchDelegation(Delegation::New);
  world.flushResolvers();
  for (const auto& r : world.resolvers()) {
    const auto reply = lookup(r.endpoint, "www.shop.test.", kTypeA, true, 3s);
    BOOST_REQUIRE_MESSAGE(reply, r.name << "\n" << world.diagnostics());
    BOOST_TEST(reply->answerRdata(kTypeCNAME) == std::vector<std::string>{"shop.cdn.test."},
               r.name);
    BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{world.newAddress()},
               r.name);
  }
}

BOOST_AUTO_TEST_CASE(flush_resolvers_drops_cached_old_answers) {
  WorldOptions o;
  // TTLs far longer than the test: without the flush every cache would hold OLD.
  o.record_ttl = 120;
  o.ns_ttl_parent = 120;
  o.ns_ttl_child_old = 120;
  o.ns_ttl_child_new = 120;
  LoopbackWorld world(o);
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.oldAddress()}, 5s);
  world.switchDelegation(Delegation::New);
  for (const auto& r : world.resolvers()) {
    const auto cached = lookup(r.endpoint, "www.shop.test.", kTypeA, true, 2s);
    BOOST_REQUIRE(cached);
    BOOST_TEST(cached->answerRdata(kTypeA) == std::vector<std::string>{world.oldAddress()},
               r.name << " forgot OLD before its TTL ran out");
  }
  world.flushResolvers();
  requireAllAnswer(world, "www.shop.test.", kTypeA, {world.newAddress()}, 3s);
}

BOOST_AUTO_TEST_CASE(cache_min_ttl_clamps_ttls_upwards_and_widens_the_bound) {
  WorldOptions o;
  o.resolvers.resize(1);
  o.resolvers[0].cache_min_ttl = 9;  // a resolver that holds every record at least 9 s
  LoopbackWorld world(o);
  const auto reply = lookup(world.resolver("unbound").endpoint, "www.shop.test.", kTypeA, true, 3s);
  BOOST_REQUIRE_MESSAGE(reply, world.diagnostics());
  BOOST_REQUIRE(reply->answer.size() == 1u);
  BOOST_TEST(reply->answer[0].ttl > world.options().record_ttl);
  BOOST_TEST(reply->answer[0].ttl <= 9u);
  // NS and record both held 9 s: the bound covers both (plus slack).
  BOOST_TEST(world.switchBound().count() >= 18000);
}

BOOST_AUTO_TEST_CASE(rendered_config_loads_and_describes_the_world) {
  LoopbackWorld world;
  TempDir dir("dnsprop-world-config");
  ConfigOptions co;
  co.state_dir = dir / "state";
  co.web_port = 18153;
  co.watch_aaaa = true;
  co.switch_time = "2026-11-20T01:00:00Z";
  const std::string text = world.dnspropConfig(co);
  BOOST_TEST_MESSAGE(text);
  const auto file = dir.writeFile("dnsprop.toml", text);
  Config c;
  try {
    c = loadConfig(file);
  } catch (const ConfigError& e) {
    BOOST_FAIL("rendered config does not load: " << e.what() << "\n" << text);
  }
  BOOST_TEST(c.monitor.interval.count() == 1000);
  BOOST_TEST(c.monitor.timeout.count() == 500);
  BOOST_TEST(c.monitor.state_dir == co.state_dir);
  BOOST_TEST(c.web.listen == std::vector<std::string>{"127.0.0.1:18153"});
  BOOST_REQUIRE(c.resolvers.extra.size() == world.resolvers().size());
  for (std::size_t i = 0; i < world.resolvers().size(); ++i) {
    BOOST_TEST(c.resolvers.extra[i].name == world.resolvers()[i].name);
    BOOST_TEST(c.resolvers.extra[i].endpoint == world.resolvers()[i].endpoint);
  }
  BOOST_REQUIRE(c.migrations.size() == 1u);
  const Migration& m = c.migrations[0];
  BOOST_TEST(m.domain == "shop.test.");
  BOOST_TEST(m.min_parallel.count() == 0);
  BOOST_TEST(m.switch_time.has_value());
  BOOST_TEST(m.parent_servers == world.parentServers());
  BOOST_REQUIRE(m.watch.size() == 2u);
  BOOST_TEST(m.watch[0].name == "shop.test.");
  BOOST_TEST((m.watch[0].types ==
              std::vector<RRType>{RRType::A, RRType::AAAA, RRType::NS, RRType::MX}));
  BOOST_TEST(m.watch[1].name == "www.shop.test.");
  BOOST_TEST(m.old_side.ns == world.oldNs());
  BOOST_TEST(m.new_side.ns == world.newNs());
  BOOST_TEST(m.old_side.mx == world.oldMx());
  BOOST_TEST(m.new_side.mx == world.newMx());
  BOOST_TEST(m.old_side.servers == world.oldServers());
  BOOST_TEST(m.new_side.servers == world.newServers());
  BOOST_REQUIRE(m.old_side.addresses.size() == 2u);
  BOOST_TEST(m.old_side.addresses[0].address() == world.oldAddress());
  BOOST_TEST(m.new_side.addresses[1].address() == world.newAddressV6());

  // A subset of resolvers, no server lists, a default web port.
  ConfigOptions small;
  small.state_dir = dir / "state2";
  small.resolver_names = {"kresd"};
  small.include_servers = false;
  const Config c2 = parseConfig(world.dnspropConfig(small), dir / "small.toml");
  BOOST_REQUIRE(c2.resolvers.extra.size() == 1u);
  BOOST_TEST(c2.resolvers.extra[0].endpoint == world.resolver("kresd").endpoint);
  BOOST_TEST(c2.migrations.at(0).parent_servers.empty());
  BOOST_TEST(c2.migrations.at(0).old_side.servers.empty());
  BOOST_TEST(c2.web.listen.size() == 1u);

  // The real binary accepts it too.
  const std::string check = std::string(DNSPROP_EXE) + " --config.file " + file.string() +
                            " --config.check >/dev/null 2>&1";
  BOOST_TEST(std::system(check.c_str()) == 0);

  ConfigOptions bad;
  bad.state_dir = dir / "state3";
  bad.resolver_names = {"bind"};
  BOOST_CHECK_THROW(world.dnspropConfig(bad), std::invalid_argument);
  BOOST_CHECK_THROW(world.dnspropConfig(ConfigOptions{}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// Not under the root precondition: a process without root gets a clear error, and no
// server is started.
BOOST_AUTO_TEST_SUITE(loopback_world_privileges)

BOOST_AUTO_TEST_CASE(world_without_root_throws_a_clear_error) {
  int pipefd[2];
  BOOST_REQUIRE(::pipe(pipefd) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipefd[0]);
    if (::geteuid() == 0 && ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
    std::string msg = "constructed";
    try {
      LoopbackWorld world;
    } catch (const std::runtime_error& e) {
      msg = e.what();
    }
    [[maybe_unused]] auto n = ::write(pipefd[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(pipefd[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(msg.find("needs root") != std::string::npos, msg);
  BOOST_TEST(msg.find("port 53") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dnsprop::test

