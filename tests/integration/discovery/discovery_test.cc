// ParentDiscovery (src/net/parent_discovery.h): finding the servers of the zone that
// delegates a domain by iterating from root hints with RD=0, against the loopback world
// (real NSD servers: a fake root and the parent test.) and against scripted servers that
// lie: referrals upwards, sideways, back to the same zone, endlessly downwards, and trees
// of glueless referrals. Every failure must come within the discovery's bounds. A parent
// whose NS names did not all get an address is reported as partial (complete=false, with
// the reason), and IPv6 (AAAA glue and lookups) is used exactly when the host has it.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "net/parent_discovery.h"
#include "net/probe_engine.h"
#include "net/uv_handle.h"
#include "support/ports.h"
#include "support/scripted_responder.h"
#include "support/world.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using test::Action;
using test::Actions;
using test::makeReply;
using test::ReceivedQuery;
using test::ReplyOptions;
using test::ScriptedResponder;
namespace utf = boost::unit_test;

namespace {

boost::test_tools::assertion_result runningAsRoot(utf::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "binds port 53 on loopback (the world, or a scripted server reached "
                 "through glue) and needs root (CI runs as root)";
  return r;
}

struct Harness {
  Harness() : engine(loop.get(), clock, options()) {}

  static EngineOptions options() {
    EngineOptions o;
    o.timeout = 300ms;
    o.retries = 0;
    o.conflict_window = 20ms;
    return o;
  }

  // Runs one discovery to its end (or fails the test after 30 s).
  ParentDiscoveryResult discover(const std::vector<Endpoint>& hints, const std::string& domain,
                                 DiscoveryLimits limits = {}, DiscoveryOptions options = {}) {
    ParentDiscovery discovery(engine, hints, limits, options);
    std::optional<ParentDiscoveryResult> result;
    int calls = 0;
    discovery.discover(domain, [&](const ParentDiscoveryResult& r) {
      ++calls;
      result = r;
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop.get(), UV_RUN_ONCE);
    }
    BOOST_REQUIRE_MESSAGE(result.has_value(), "discovery of " << domain << " did not end");
    // Let probes that may still be listening (conflict window) end, then check that the
    // callback came exactly once.
    while (engine.inFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop.get(), UV_RUN_ONCE);
    }
    BOOST_TEST(calls == 1);
    BOOST_TEST(discovery.running() == 0u);
    BOOST_TEST_MESSAGE(domain << ": ok=" << result->ok << " zone=" << result->parent_zone
                              << " queries=" << result->queries << " complete="
                              << result->complete << " partial=" << result->partial_reason
                              << " error=" << result->error);
    if (!result->ok) {
      BOOST_TEST(!result->complete);
      BOOST_TEST(result->partial_reason.empty());
    }
    return *result;
  }

  uv::Loop loop;
  SystemClock clock;
  ProbeEngine engine;
};

std::vector<std::string> texts(const std::vector<Endpoint>& eps) {
  std::vector<std::string> out;
  for (const auto& e : eps) out.push_back(e.toString());
  std::sort(out.begin(), out.end());
  return out;
}

test::WorldOptions worldOptions() {
  test::WorldOptions o;
  o.block = 7;      // away from the other world tests' default block 0
  o.resolvers = {};  // discovery asks authoritative servers only
  return o;
}

// A referral reply: authority NS records `zone NS name` and A glue lines.
test::Bytes referral(const ReceivedQuery& q, const std::string& zone,
                     const std::vector<std::string>& ns_names,
                     const std::vector<std::string>& glue = {}) {
  ReplyOptions o;
  o.aa = false;
  o.ra = false;
  for (const auto& n : ns_names) o.authority.push_back(zone + " 3600 IN NS " + n);
  o.additional = glue;
  return makeReply(q.bytes, 0, {}, o);
}

DiscoveryOptions ipv6(bool use) {
  DiscoveryOptions o;
  o.ipv6 = use;
  return o;
}

// An authoritative server of test. for the partial-list tests: it delegates shop.test.
// (to a server never asked) and serves `records` (zone-file lines owned by NS host names
// of test.): their A/AAAA records, NODATA for a type they lack, NXDOMAIN for any other
// name. `refuse_domain`: REFUSED for the shop.test. question (a server that is useless).
test::Script tldScript(std::vector<std::string> records, bool refuse_domain = false) {
  return [records, refuse_domain](const ReceivedQuery& q) -> Actions {
    if (q.qname == "shop.test.") {
      if (refuse_domain) return {Action::send(makeReply(q.bytes, 5))};
      return {Action::send(referral(q, "shop.test.", {"ns1.shop-dns.example."}))};
    }
    ReplyOptions o;
    o.aa = true;
    o.ra = false;
    o.authority = {"test. 60 IN SOA ns1.nic.test. hostmaster.nic.test. 1 60 60 600 60"};
    bool exists = false;
    std::vector<std::string> answers;
    for (const std::string& line : records) {
      std::istringstream in(line);
      std::string owner, ttl, klass, type;
      in >> owner >> ttl >> klass >> type;
      if (owner != q.qname) continue;
      exists = true;
      const std::uint16_t code = type == "A" ? test::kTypeA : type == "AAAA" ? test::kTypeAAAA : 0;
      if (code == q.qtype) answers.push_back(line);
    }
    if (!answers.empty()) o.authority.clear();
    return {Action::send(makeReply(q.bytes, exists ? 0 : 3, answers, o))};
  };
}

test::ResponderOptions port53(const std::string& address) {
  test::ResponderOptions o;
  o.address = address;
  o.port = 53;
  o.tcp = false;
  return o;
}

// A root server (a hint, any port, on 127.0.69.10) that refers every question to test.
// with the NS names and glue given.
ScriptedResponder rootReferringTest(const std::vector<std::string>& ns,
                                    const std::vector<std::string>& glue) {
  test::ResponderOptions o;
  o.address = "127.0.69.10";
  o.tcp = false;
  return ScriptedResponder(
      [ns, glue](const ReceivedQuery& q) -> Actions {
        return {Action::send(referral(q, "test.", ns, glue))};
      },
      o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parent_discovery_world, *utf::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(finds_the_parent_test_and_exactly_its_servers) {
  test::LoopbackWorld world(worldOptions());
  Harness h;
  const auto r = h.discover({world.rootServer()}, "Shop.Test");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.parent_zone == "test.");
  BOOST_TEST(texts(r.servers) == texts(world.parentServers()), boost::test_tools::per_element());
  BOOST_TEST(r.ns_names == std::vector<std::string>{"ns1.nic.test."},
             boost::test_tools::per_element());
  BOOST_TEST(r.error.empty());
  BOOST_TEST(r.queries == 2);  // the root's referral, then test.'s referral for shop.test.
  BOOST_TEST(r.complete);      // ns1.nic.test., the only NS name, has its address
  BOOST_TEST(r.partial_reason.empty());
}

BOOST_AUTO_TEST_CASE(a_tld_has_the_root_as_parent) {
  test::LoopbackWorld world(worldOptions());
  Harness h;
  const auto r = h.discover({world.rootServer()}, "test.");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.parent_zone == ".");
  BOOST_TEST(texts(r.servers) == texts({world.rootServer()}), boost::test_tools::per_element());
  BOOST_TEST(r.ns_names.empty());
  BOOST_TEST(r.queries == 1);
  BOOST_TEST(r.complete);  // the root: its servers are the hints, no NS names to resolve
  BOOST_TEST(r.partial_reason.empty());
}

BOOST_AUTO_TEST_CASE(a_domain_that_does_not_exist_fails_within_bounds) {
  test::LoopbackWorld world(worldOptions());
  Harness h;
  const auto below = h.discover({world.rootServer()}, "no-such-shop.test.");
  BOOST_TEST(!below.ok);
  BOOST_TEST(below.error.find("does not exist") != std::string::npos, below.error);
  BOOST_TEST(below.error.find("NXDOMAIN") != std::string::npos, below.error);
  BOOST_TEST(below.servers.empty());
  BOOST_TEST(below.queries == 2);
  const auto tld = h.discover({world.rootServer()}, "shop.no-such-tld.");
  BOOST_TEST(!tld.ok);
  BOOST_TEST(tld.error.find("does not exist") != std::string::npos, tld.error);
  BOOST_TEST(tld.queries == 1);
  // A name inside test. that is no zone cut (ns1.nic.test. has only an A record).
  const auto plain = h.discover({world.rootServer()}, "ns1.nic.test.");
  BOOST_TEST(!plain.ok);
  BOOST_TEST(plain.error.find("not a delegated zone") != std::string::npos, plain.error);
  BOOST_TEST(plain.queries <= 30);
}

BOOST_AUTO_TEST_CASE(a_dead_root_hint_is_skipped_for_a_live_one) {
  test::LoopbackWorld world(worldOptions());
  // Nothing listens there: bound and closed again by freeUdpTcpPort.
  const Endpoint dead = *Endpoint::parse("127.0.0.1", test::freeUdpTcpPort("127.0.0.1"));
  Harness h;
  const auto r = h.discover({dead, world.rootServer()}, "shop.test.");
  BOOST_REQUIRE_MESSAGE(r.ok, r.error);
  BOOST_TEST(r.parent_zone == "test.");
  BOOST_TEST(texts(r.servers) == texts(world.parentServers()), boost::test_tools::per_element());
  BOOST_TEST(r.queries == 3);
  BOOST_TEST(r.complete);
  // Only dead hints: a failure naming the problem, one query per hint.
  const auto none = h.discover({dead}, "shop.test.");
  BOOST_TEST(!none.ok);
  BOOST_TEST(none.error.find("no server of zone .") != std::string::npos, none.error);
  BOOST_TEST(none.queries == 1);
}

BOOST_AUTO_TEST_CASE(a_server_referring_back_to_its_own_zone_or_up_is_a_loop) {
  // One scripted server on port 53 (glue carries no port) plays the root and, through
  // glue pointing at itself, the test. zone; as test. it refers again to test. or to
  // the root. Followed naively that is an endless loop.
  for (const std::string second : {"test.", "."}) {
    BOOST_TEST_CONTEXT("second referral to " << second) {
      const std::string self = "127.0.69.1";
      test::ResponderOptions opts;
      opts.address = self;
      opts.port = 53;
      opts.tcp = false;
      int seen = 0;
      ScriptedResponder r(
          [&seen, second, self](const ReceivedQuery& q) -> Actions {
            const bool first = seen++ == 0;
            const std::string zone = first ? "test." : second;
            const std::string ns = zone == "." ? "ns.root." : "ns1.nic.test.";
            return {Action::send(referral(q, zone, {ns}, {ns + " 3600 IN A " + self}))};
          },
          opts);
      Harness h;
      const auto res = h.discover({r.endpoint()}, "shop.test.");
      BOOST_TEST(!res.ok);
      BOOST_TEST(res.error.find("lame or loop") != std::string::npos, res.error);
      BOOST_TEST(res.queries == 2);
      BOOST_TEST(r.queryCount() == 2u);
      BOOST_TEST(r.errors().empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(an_endless_descent_stops_at_the_referral_limit) {
  // Each answer refers one label further down, glue pointing at the same server.
  const std::string self = "127.0.69.2";
  test::ResponderOptions opts;
  opts.address = self;
  opts.port = 53;
  opts.tcp = false;
  std::string domain = "shop.test.";
  for (int i = 0; i < 14; ++i) domain = "l" + std::to_string(i) + "." + domain;
  int depth = 0;  // labels of the zone referred to next
  ScriptedResponder r(
      [&depth, self](const ReceivedQuery& q) -> Actions {
        ++depth;
        std::string zone = q.qname;
        // Keep the last `depth` labels of the question.
        std::size_t cut = zone.size() - 1;
        for (int i = 0; i < depth && cut > 0; ++i) {
          cut = zone.rfind('.', cut - 1);
          if (cut == std::string::npos) {
            cut = 0;
            break;
          }
        }
        zone = cut == 0 ? zone : zone.substr(cut + 1);
        const std::string ns = "ns." + zone;
        return {Action::send(referral(q, zone, {ns}, {ns + " 3600 IN A " + self}))};
      },
      opts);
  Harness h;
  const auto res = h.discover({r.endpoint()}, domain);
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.error.find("referrals (the limit)") != std::string::npos, res.error);
  BOOST_TEST(res.queries == 11);  // 10 referrals followed, the 11th refused
  BOOST_TEST(r.queryCount() == 11u);
}

// The partial-list tests: a scripted root (rootReferringTest) and a scripted test.
// server on 127.0.69.11:53 (glue carries no port; tldScript). IPv6 use is forced so that
// the counts do not depend on the host.

BOOST_AUTO_TEST_CASE(a_query_budget_running_out_mid_resolution_gives_a_partial_list) {
  // Only ns1 has glue: ns2 and ns3 cost two queries each (the root, then test.) after the
  // two that find the parent. A parent server left out could be the one still handing
  // out the old delegation, so the result must say the list is partial, and why.
  const std::vector<std::string> ns = {"ns1.nic.test.", "ns2.nic.test.", "ns3.nic.test."};
  ScriptedResponder root = rootReferringTest(ns, {"ns1.nic.test. 3600 IN A 127.0.69.11"});
  ScriptedResponder tld(tldScript({"ns1.nic.test. 60 IN A 127.0.69.11",
                                   "ns2.nic.test. 60 IN A 127.0.69.12",
                                   "ns3.nic.test. 60 IN A 127.0.69.13",
                                   "ns3.nic.test. 60 IN AAAA ::1"}),
                        port53("127.0.69.11"));
  Harness h;
  const auto full = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(false));
  BOOST_REQUIRE_MESSAGE(full.ok, full.error);
  BOOST_TEST(full.parent_zone == "test.");
  BOOST_TEST(full.ns_names == ns, boost::test_tools::per_element());
  BOOST_TEST(texts(full.servers) ==
                 (std::vector<std::string>{"127.0.69.11:53", "127.0.69.12:53", "127.0.69.13:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(full.complete);
  BOOST_TEST(full.partial_reason.empty());
  BOOST_TEST(full.queries == 6);

  DiscoveryLimits limits;
  limits.max_queries = 5;  // ns3's resolution under way (the root has referred) at the end
  const auto mid = h.discover({root.endpoint()}, "shop.test.", limits, ipv6(false));
  BOOST_REQUIRE_MESSAGE(mid.ok, mid.error);
  BOOST_TEST(!mid.complete);
  BOOST_TEST(mid.partial_reason == "query budget ran out before ns3.nic.test. was resolved");
  BOOST_TEST(texts(mid.servers) == (std::vector<std::string>{"127.0.69.11:53", "127.0.69.12:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(mid.ns_names == ns, boost::test_tools::per_element());  // still the whole NS set
  BOOST_TEST(mid.queries == 5);

  limits.max_queries = 4;  // ns2 resolved, ns3 never started
  const auto before = h.discover({root.endpoint()}, "shop.test.", limits, ipv6(false));
  BOOST_REQUIRE_MESSAGE(before.ok, before.error);
  BOOST_TEST(!before.complete);
  BOOST_TEST(before.partial_reason == "query budget ran out before ns3.nic.test. was resolved");
  BOOST_TEST(before.servers.size() == 2u);
  BOOST_TEST(before.queries == 4);

  limits.max_queries = 3;  // ns2 under way, ns3 to come: both named, in NS order
  const auto both = h.discover({root.endpoint()}, "shop.test.", limits, ipv6(false));
  BOOST_REQUIRE_MESSAGE(both.ok, both.error);
  BOOST_TEST(!both.complete);
  BOOST_TEST(both.partial_reason ==
             "query budget ran out before ns2.nic.test. was resolved; "
             "query budget ran out before ns3.nic.test. was resolved");
  BOOST_TEST(texts(both.servers) == std::vector<std::string>{"127.0.69.11:53"},
             boost::test_tools::per_element());
  BOOST_TEST(both.queries == 3);

  // With IPv6 each glueless name is also asked for AAAA, at the test. server that gave
  // its A records: ns3's ::1 is listed. Two queries more than without.
  const auto v6 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(true));
  BOOST_REQUIRE_MESSAGE(v6.ok, v6.error);
  BOOST_TEST(v6.complete);
  BOOST_TEST(texts(v6.servers) == (std::vector<std::string>{"127.0.69.11:53", "127.0.69.12:53",
                                                            "127.0.69.13:53", "[::1]:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(v6.queries == 8);
  // The budget running out between ns3's A and AAAA questions keeps its A records: ns3
  // has an address, the list is complete, only its IPv6 address is missing.
  limits.max_queries = 7;
  const auto v6_cut = h.discover({root.endpoint()}, "shop.test.", limits, ipv6(true));
  BOOST_REQUIRE_MESSAGE(v6_cut.ok, v6_cut.error);
  BOOST_TEST(v6_cut.complete);
  BOOST_TEST(texts(v6_cut.servers) ==
                 (std::vector<std::string>{"127.0.69.11:53", "127.0.69.12:53", "127.0.69.13:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(v6_cut.queries == 7);
  BOOST_TEST(root.errors().empty());
  BOOST_TEST(tld.errors().empty());
}

BOOST_AUTO_TEST_CASE(an_ns_name_without_any_address_gives_a_partial_list) {
  // ns2.nic.test. does not exist (NXDOMAIN); ns4.nic.test. exists without A or AAAA.
  const std::vector<std::string> ns = {"ns1.nic.test.", "ns2.nic.test.", "ns4.nic.test."};
  ScriptedResponder root = rootReferringTest(ns, {"ns1.nic.test. 3600 IN A 127.0.69.11"});
  ScriptedResponder tld(tldScript({"ns1.nic.test. 60 IN A 127.0.69.11",
                                   "ns4.nic.test. 60 IN TXT \"no address here\""}),
                        port53("127.0.69.11"));
  Harness h;
  const auto v6 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(true));
  BOOST_REQUIRE_MESSAGE(v6.ok, v6.error);
  BOOST_TEST(v6.parent_zone == "test.");
  BOOST_TEST(!v6.complete);
  BOOST_TEST(v6.partial_reason ==
             "ns2.nic.test. has no address (it does not exist); ns4.nic.test. has no address");
  BOOST_TEST(texts(v6.servers) == std::vector<std::string>{"127.0.69.11:53"},
             boost::test_tools::per_element());
  BOOST_TEST(v6.ns_names == ns, boost::test_tools::per_element());
  BOOST_TEST(v6.queries == 7);  // root, test.; ns2: root, A; ns4: root, A, AAAA
  // Without IPv6 AAAA is never asked: ns4 may well have IPv6 addresses.
  const auto v4 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(false));
  BOOST_REQUIRE_MESSAGE(v4.ok, v4.error);
  BOOST_TEST(!v4.complete);
  BOOST_TEST(v4.partial_reason ==
             "ns2.nic.test. has no address (it does not exist); "
             "ns4.nic.test. has no IPv4 address and this host has no IPv6");
  BOOST_TEST(v4.queries == 6);
  // AAAA was asked only for ns4 (with IPv6): NXDOMAIN for ns2 ends its lookup.
  for (const auto& q : tld.queries()) {
    BOOST_TEST((q.qtype != test::kTypeAAAA || q.qname == "ns4.nic.test."), q.qname);
  }
  BOOST_TEST(tld.errors().empty());
}

BOOST_AUTO_TEST_CASE(an_ns_name_with_only_aaaa_glue_counts_only_where_the_host_has_ipv6) {
  // ns2.nic.test. has only an IPv6 address (AAAA glue ::1, port 53 like every glue
  // address), where a second test. server listens.
  const std::vector<std::string> ns = {"ns1.nic.test.", "ns2.nic.test."};
  ScriptedResponder root = rootReferringTest(
      ns, {"ns1.nic.test. 3600 IN A 127.0.69.11", "ns2.nic.test. 3600 IN AAAA ::1"});
  const std::vector<std::string> data = {"ns1.nic.test. 60 IN A 127.0.69.11",
                                         "ns2.nic.test. 60 IN AAAA ::1"};
  ScriptedResponder tld(tldScript(data), port53("127.0.69.11"));
  ScriptedResponder tld6(tldScript(data), port53("::1"));
  Harness h;

  // No IPv6: ns2's A records are looked for (there are none), and the list is partial.
  const auto v4 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(false));
  BOOST_REQUIRE_MESSAGE(v4.ok, v4.error);
  BOOST_TEST(!v4.complete);
  BOOST_TEST(v4.partial_reason ==
             "ns2.nic.test. has only IPv6 addresses and this host has no IPv6");
  BOOST_TEST(texts(v4.servers) == std::vector<std::string>{"127.0.69.11:53"},
             boost::test_tools::per_element());
  BOOST_TEST(v4.queries == 4);  // root, test.; ns2: root, A (NODATA)
  BOOST_TEST(tld6.queryCount() == 0u);  // nothing is ever sent over IPv6

  // IPv6: the AAAA glue address is a parent server, and the list is complete.
  const auto v6 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(true));
  BOOST_REQUIRE_MESSAGE(v6.ok, v6.error);
  BOOST_TEST(v6.complete);
  BOOST_TEST(v6.partial_reason.empty());
  BOOST_TEST(texts(v6.servers) == (std::vector<std::string>{"127.0.69.11:53", "[::1]:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(v6.queries == 2);

  // And it is really asked over IPv6: with the IPv4 server useless (REFUSED), the IPv6
  // one finds the parent.
  tld.setScript(tldScript(data, /*refuse_domain=*/true));
  const auto via6 = h.discover({root.endpoint()}, "shop.test.", {}, ipv6(true));
  BOOST_REQUIRE_MESSAGE(via6.ok, via6.error);
  BOOST_TEST(via6.complete);
  BOOST_TEST(texts(via6.servers) == (std::vector<std::string>{"127.0.69.11:53", "[::1]:53"}),
             boost::test_tools::per_element());
  BOOST_TEST(via6.queries == 3);  // root, 127.0.69.11 (REFUSED), ::1
  BOOST_TEST(tld6.queryCount() == 1u);
  BOOST_TEST(tld.errors().empty());
  BOOST_TEST(tld6.errors().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// These need no root: the scripted servers are only ever reached as root hints (with
// their port), or never reached at all.
BOOST_AUTO_TEST_SUITE(parent_discovery_scripted)

BOOST_AUTO_TEST_CASE(upward_and_sideways_referrals_from_the_root_fail_without_looping) {
  // The first hint refers to the root itself (upwards: no progress); the second to a
  // zone off the domain's path (sideways: acceptance drops those NS, leaving a lame
  // reply). Neither may be followed, each is asked once.
  ScriptedResponder up([](const ReceivedQuery& q) -> Actions {
    return {Action::send(referral(q, ".", {"a.root.example."}))};
  });
  ScriptedResponder sideways([](const ReceivedQuery& q) -> Actions {
    return {Action::send(referral(q, "example.", {"ns.example."}, {"ns.example. 3600 IN A 127.0.0.1"}))};
  });
  Harness h;
  const auto res = h.discover({up.endpoint(), sideways.endpoint()}, "shop.test.");
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.error.find("no server of zone . gave a usable answer") != std::string::npos,
             res.error);
  BOOST_TEST(res.error.find("lame") != std::string::npos, res.error);
  BOOST_TEST(res.queries == 2);
  BOOST_TEST(up.queryCount() == 1u);
  BOOST_TEST(sideways.queryCount() == 1u);
  // Upwards alone: the error names the loop.
  const auto up_only = h.discover({up.endpoint()}, "shop.test.");
  BOOST_TEST(up_only.error.find("lame or loop") != std::string::npos, up_only.error);
}

BOOST_AUTO_TEST_CASE(glueless_referral_trees_stop_at_the_query_budget) {
  // Every query, for the domain or for an NS host name, gets a referral to the name's
  // TLD with three fresh NS names in other made-up TLDs and no glue: each needs a
  // nested resolution from the root, which meets the same. Unbounded, that tree never
  // ends; the nesting and query limits must end it.
  int serial = 0;
  ScriptedResponder r([&serial](const ReceivedQuery& q) -> Actions {
    const std::string tld = q.qname.substr(q.qname.rfind('.', q.qname.size() - 2) + 1);
    std::vector<std::string> ns;
    for (int i = 0; i < 3; ++i) ns.push_back("ns.t" + std::to_string(serial++) + ".");
    return {Action::send(referral(q, tld, ns))};
  });
  Harness h;
  DiscoveryLimits lax;
  lax.max_referrals = 1000;  // let the query budget be what stops it
  const auto res = h.discover({r.endpoint()}, "shop.test.", lax);
  BOOST_TEST(!res.ok);
  BOOST_TEST(res.error.find("30 queries (the limit)") != std::string::npos, res.error);
  BOOST_TEST(res.queries == 30);
  BOOST_TEST(r.queryCount() == 30u);
  // With the default limits the referral limit comes first.
  const auto strict = h.discover({r.endpoint()}, "shop.test.");
  BOOST_TEST(!strict.ok);
  BOOST_TEST(strict.queries <= 30);
  BOOST_TEST(strict.error.find("referrals (the limit)") != std::string::npos, strict.error);
}

BOOST_AUTO_TEST_CASE(invalid_domains_and_no_hints_fail_at_once) {
  Harness h;
  const Endpoint nowhere = *Endpoint::parse("127.0.0.1", 9);  // never asked
  const auto root = h.discover({nowhere}, ".");
  BOOST_TEST(!root.ok);
  BOOST_TEST(root.queries == 0);
  const auto bad = h.discover({nowhere}, "a..b");
  BOOST_TEST(!bad.ok);
  BOOST_TEST(bad.error.find("invalid domain") != std::string::npos, bad.error);
  BOOST_TEST(bad.queries == 0);
  const auto no_hints = h.discover({}, "shop.test.");
  BOOST_TEST(!no_hints.ok);
  BOOST_TEST(no_hints.queries == 0);
}

BOOST_AUTO_TEST_CASE(destroying_the_discovery_abandons_it_without_a_callback) {
  ScriptedResponder slow([](const ReceivedQuery& q) -> Actions {
    return {Action::send(referral(q, "test.", {"ns1.nic.test."}), 200ms)};
  });
  Harness h;
  int calls = 0;
  {
    ParentDiscovery d(h.engine, {slow.endpoint()});
    d.discover("shop.test.", [&](const ParentDiscoveryResult&) { ++calls; });
    BOOST_TEST(d.running() == 1u);
    BOOST_TEST(h.engine.inFlight() == 1u);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.engine.inFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    uv_run(h.loop.get(), UV_RUN_ONCE);
  }
  BOOST_TEST(h.engine.inFlight() == 0u);
  BOOST_TEST(slow.queryCount() == 1u);  // and nothing sent after the reply came
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(ipv6_use_is_forced_or_detected_once_per_discovery_object) {
  Harness h;
  const Endpoint nowhere = *Endpoint::parse("127.0.0.1", 9);  // never asked
  BOOST_TEST(ParentDiscovery(h.engine, {nowhere}, {}, ipv6(true)).ipv6());
  BOOST_TEST(!ParentDiscovery(h.engine, {nowhere}, {}, ipv6(false)).ipv6());
  // Detection only looks up a route (UDP connect sends nothing); whatever the host has,
  // the default follows it.
  const bool host = ParentDiscovery::hostHasIpv6Route();
  BOOST_TEST_MESSAGE("this host has an IPv6 route: " << host);
  BOOST_TEST(ParentDiscovery(h.engine, {nowhere}).ipv6() == host);
  BOOST_TEST(h.engine.inFlight() == 0u);
}

BOOST_AUTO_TEST_CASE(default_root_hints_are_the_thirteen_root_servers) {
  const auto hints = ParentDiscovery::defaultRootHints();
  BOOST_TEST(hints.size() == 13u);
  BOOST_TEST(hints.front().toString() == "198.41.0.4:53");  // a.root-servers.net
  BOOST_TEST(hints.back().toString() == "202.12.27.33:53");  // m.root-servers.net
  for (const auto& e : hints) BOOST_TEST(!e.isLoopback());
}

BOOST_AUTO_TEST_SUITE_END()
