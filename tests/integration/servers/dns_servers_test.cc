// Tests of the real-server launchers: NSD and Knot answer from their zones and pick up
// changes on reload; each resolver (Unbound, Knot Resolver, PowerDNS Recursor, dnsmasq)
// resolves through a stub to NSD and follows a zone change once the TTL has run out.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "support/dns_client.h"
#include "support/printers.h"
#include "support/dns_servers.h"
#include "support/net_util.h"
#include "support/ports.h"
#include "support/unique_fd.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using namespace std::chrono_literals;

// Addresses for this runner's servers; ports come from freeUdpTcpPort.
constexpr const char* kAuthAddr = "127.0.0.2";
constexpr const char* kResolverAddr = "127.0.0.3";

std::string testZone(const std::string& www, int ttl = 1, int serial = 1) {
  return "$ORIGIN test.\n$TTL " + std::to_string(ttl) + "\n" +
         "@ SOA ns.test. hostmaster.test. " + std::to_string(serial) + " 60 60 600 " +
         std::to_string(ttl) + "\n" +
         "@ NS ns.test.\n"
         "ns A 127.0.0.2\n"
         "www A " + www + "\n";
}

// Something else can bind addr:port only if the server did not grab the wildcard.
bool boundOnlyItsAddress(std::uint16_t port) {
  UniqueFd other(bindSocket("127.0.0.1", port, SOCK_DGRAM));
  return other.valid();
}

std::unique_ptr<DnsServer> startTestNsd(const std::string& www = "192.0.2.1") {
  return startNsd(kAuthAddr, freeUdpTcpPort(kAuthAddr), {{"test.", testZone(www)}});
}

// Starts `kind` with a stub to `nsd`, checks the first answer, changes the zone, and
// waits for the resolver to return the new address after the 1 s TTL.
void checkResolverFollowsChange(ServerKind kind) {
  auto nsd = startTestNsd();
  ResolverOptions opts;
  opts.stub_zones["test."] = {atForm(nsd->endpoint())};
  opts.cache_min_ttl = 0;  // kresd would keep 1 s records for 5 s
  auto resolver = startResolver(kind, kResolverAddr, freeUdpTcpPort(kResolverAddr), opts);
  BOOST_TEST_MESSAGE(toString(kind) << " on " << resolver->endpoint().toString());

  const auto first = lookup(resolver->endpoint(), "www.test.", kTypeA, true, 3s);
  BOOST_REQUIRE_MESSAGE(first, "no reply from " << toString(kind) << "\n" << resolver->logTail());
  BOOST_TEST(first->rcode == kRcodeNoError);
  BOOST_TEST(first->ra);
  BOOST_TEST(first->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(first->answer.at(0).ttl <= 1u);
  BOOST_TEST(boundOnlyItsAddress(resolver->endpoint().port()));

  nsd->updateZones({{"test.", testZone("192.0.2.2", 1, 2)}});
  const auto changed =
      waitForAnswer(resolver->endpoint(), "www.test.", kTypeA, {"192.0.2.2"}, 15s);
  BOOST_TEST(changed.matched, toString(kind) << " still answers " << changed.describe() << "\n"
                                             << resolver->logTail());
}

BOOST_AUTO_TEST_SUITE(dns_servers)

BOOST_AUTO_TEST_CASE(nsd_serves_zone_over_udp_and_tcp_and_reloads) {
  auto nsd = startTestNsd();
  const auto reply = lookup(nsd->endpoint(), "www.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->aa);
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  const auto tcp = queryTcp(nsd->endpoint(), "www.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(tcp);
  BOOST_TEST(parseReply(*tcp)->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(boundOnlyItsAddress(nsd->endpoint().port()));

  // Same serial on purpose: NSD 4.6 goes by the file's mtime on SIGHUP.
  nsd->updateZones({{"test.", testZone("192.0.2.9")}});
  const auto changed = waitForAnswer(nsd->endpoint(), "www.test.", kTypeA, {"192.0.2.9"}, 5s, false);
  BOOST_TEST(changed.matched, changed.describe() << "\n" << nsd->logTail());
  BOOST_CHECK_THROW(nsd->updateZones({{"other.", testZone("192.0.2.1")}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(stopped_server_releases_its_port_and_process) {
  auto nsd = startTestNsd();
  const pid_t pid = nsd->process().pid();
  const auto port = nsd->endpoint().port();
  BOOST_TEST(pid > 0);
  nsd.reset();
  BOOST_TEST(::kill(pid, 0) == -1);
  BOOST_TEST(errno == ESRCH);
  UniqueFd udp(bindSocket(kAuthAddr, port, SOCK_DGRAM));
  BOOST_TEST(udp.valid());
}

BOOST_AUTO_TEST_CASE(restart_serves_again_on_the_same_port) {
  auto nsd = startTestNsd();
  nsd->stop();
  BOOST_TEST(!lookup(nsd->endpoint(), "www.test.", kTypeA, false, 200ms));
  nsd->start();
  BOOST_TEST(lookup(nsd->endpoint(), "www.test.", kTypeA, false, 2s).has_value());
}

BOOST_AUTO_TEST_CASE(knot_serves_zone_and_reloads) {
  auto knot = startKnot(kAuthAddr, freeUdpTcpPort(kAuthAddr), {{"test", testZone("192.0.2.1")}});
  const auto reply = lookup(knot->endpoint(), "www.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->aa);
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(boundOnlyItsAddress(knot->endpoint().port()));
  // knotc -b: the reload has finished when updateZones returns.
  knot->updateZones({{"test.", testZone("192.0.2.8")}});
  const auto after = lookup(knot->endpoint(), "www.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(after);
  BOOST_TEST(after->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.8"});
}

BOOST_AUTO_TEST_CASE(unbound_follows_zone_change) { checkResolverFollowsChange(ServerKind::Unbound); }
BOOST_AUTO_TEST_CASE(kresd_follows_zone_change) { checkResolverFollowsChange(ServerKind::Kresd); }
BOOST_AUTO_TEST_CASE(pdns_recursor_follows_zone_change) {
  checkResolverFollowsChange(ServerKind::PdnsRecursor);
}
BOOST_AUTO_TEST_CASE(dnsmasq_follows_zone_change) { checkResolverFollowsChange(ServerKind::Dnsmasq); }

BOOST_AUTO_TEST_CASE(unbound_serves_expired_answer_when_authority_is_down) {
  auto nsd = startTestNsd();
  ResolverOptions opts;
  opts.stub_zones["test."] = {atForm(nsd->endpoint())};
  opts.serve_expired = true;
  auto unbound = startUnbound(kResolverAddr, freeUdpTcpPort(kResolverAddr), opts);
  const auto first = lookup(unbound->endpoint(), "www.test.", kTypeA, true, 3s);
  BOOST_REQUIRE(first);
  BOOST_TEST(first->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  nsd->stop();
  // Once the 1 s TTL has run out, the record is served expired with unbound's
  // serve-expired-reply-ttl (30 s) instead of SERVFAIL (FAULTS F8).
  std::optional<Reply> stale;
  const bool served_stale = pollUntil(5s, [&] {
    stale = lookup(unbound->endpoint(), "www.test.", kTypeA, true, 1s);
    return stale && !stale->answer.empty() && stale->answer[0].ttl > 1;
  }, 100ms);
  BOOST_REQUIRE_MESSAGE(served_stale, "no stale answer\n" << unbound->logTail());
  BOOST_TEST(stale->rcode == kRcodeNoError);
  BOOST_TEST(stale->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
}

BOOST_AUTO_TEST_CASE(unbound_forward_zone_and_access_control) {
  auto nsd = startTestNsd();
  ResolverOptions opts;
  opts.forward_zones["test."] = {atForm(nsd->endpoint())};
  opts.access_control = {{"127.0.0.0/8", "refuse"}};
  auto unbound = startUnbound(kResolverAddr, freeUdpTcpPort(kResolverAddr), opts);
  const auto reply = lookup(unbound->endpoint(), "www.test.", kTypeA, true, 3s);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->rcode == kRcodeRefused);  // FAULTS F7

  ResolverOptions open;
  open.forward_zones["test."] = {atForm(nsd->endpoint())};
  auto unbound2 = startUnbound(kResolverAddr, freeUdpTcpPort(kResolverAddr), open);
  const auto ok = lookup(unbound2->endpoint(), "www.test.", kTypeA, true, 3s);
  BOOST_REQUIRE(ok);
  BOOST_TEST(ok->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
}

// Every resolver config with every option it supports, resolving by iteration from a
// fake root (NSD on port 53 of its own 127.x address: delegations carry no ports).
BOOST_AUTO_TEST_CASE(resolvers_iterate_from_a_fake_root_with_all_options) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: binding port 53 needs root");
    return;
  }
  const std::string root_addr = "127.0.53.1";
  const std::string test_addr = "127.0.53.2";
  auto root = startNsd(root_addr, 53, {{".", "$ORIGIN .\n$TTL 60\n"
                                             ". SOA ns.root. hostmaster.root. 1 60 60 600 60\n"
                                             ". NS ns.root.\n"
                                             "ns.root. A " + root_addr + "\n"
                                             "test. NS ns.test.\n"
                                             "ns.test. A " + test_addr + "\n"}});
  std::string zone = testZone("192.0.2.1");
  zone.replace(zone.find("ns A 127.0.0.2"), 14, "ns A " + test_addr);
  auto test = startNsd(test_addr, 53, {{"test.", zone}});
  BOOST_REQUIRE(lookup(test->endpoint(), "www.test.", kTypeA, false, 1s));

  for (const auto kind : {ServerKind::Unbound, ServerKind::Kresd, ServerKind::PdnsRecursor,
                          ServerKind::Dnsmasq}) {
    ResolverOptions opts;
    opts.serve_expired = true;
    opts.cache_max_ttl = 3600;
    opts.cache_min_ttl = 0;
    if (kind == ServerKind::Dnsmasq) {
      opts.forward_zones["test."] = {atForm(test->endpoint())};  // dnsmasq does not iterate
    } else {
      opts.root_hints = {{"ns.root.", root_addr}};
    }
    auto resolver = startResolver(kind, kResolverAddr, freeUdpTcpPort(kResolverAddr), opts);
    const auto reply = lookup(resolver->endpoint(), "www.test.", kTypeA, true, 3s);
    BOOST_TEST_CONTEXT(toString(kind) << " log:\n" << resolver->logTail()) {
      BOOST_REQUIRE(reply);
      BOOST_TEST(reply->rcode == kRcodeNoError);
      BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
    }
  }
}

BOOST_AUTO_TEST_CASE(nsd_and_unbound_on_ipv6_loopback) {
  auto nsd = startNsd("::1", freeUdpTcpPort("::1"), {{"test.", testZone("192.0.2.1")}});
  ResolverOptions opts;
  opts.stub_zones["test."] = {atForm(nsd->endpoint())};
  auto unbound = startUnbound("::1", freeUdpTcpPort("::1"), opts);
  BOOST_TEST(unbound->endpoint().family() == Endpoint::Family::V6);
  const auto reply = lookup(unbound->endpoint(), "www.test.", kTypeA, true, 3s);
  BOOST_REQUIRE_MESSAGE(reply, unbound->logTail());
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
}

BOOST_AUTO_TEST_CASE(unsupported_options_are_rejected_before_starting) {
  ResolverOptions acl;
  acl.access_control = {{"127.0.0.0/8", "refuse"}};
  BOOST_CHECK_THROW(startDnsmasq(kResolverAddr, 1053, acl), std::invalid_argument);
  ResolverOptions hints;
  hints.root_hints = {{"a.root.test.", "127.0.0.10"}};
  BOOST_CHECK_THROW(startDnsmasq(kResolverAddr, 1053, hints), std::invalid_argument);
  ResolverOptions outside;
  outside.stub_zones["test."] = {"192.0.2.53@53"};
  BOOST_CHECK_THROW(startUnbound(kResolverAddr, 1053, outside), std::invalid_argument);
  BOOST_CHECK_THROW(startNsd("10.0.0.1", 1053, {{"test.", testZone("192.0.2.1")}}),
                    std::invalid_argument);
  BOOST_CHECK_THROW(startResolver(ServerKind::Nsd, kResolverAddr, 1053, {}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(process_failure_messages_carry_the_log) {
  TempDir dir("dnsprop-proc");
  ServerProcess early("early", {"/bin/sh", "-c", "echo hello-from-server; exit 3"}, dir.path(),
                      dir / "early.log");
  early.start();
  const auto probe = ReadyProbe{*Endpoint::parse("127.0.0.1:9")};
  try {
    early.waitReady(probe, 5s);
    BOOST_FAIL("waitReady should have thrown");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find("exited with status 3") != std::string::npos, msg);
    BOOST_TEST(msg.find("hello-from-server") != std::string::npos, msg);
  }

  ServerProcess missing("missing", {"/nonexistent/dnsprop-server"}, dir.path(), dir / "m.log");
  BOOST_CHECK_THROW(missing.start(), std::runtime_error);

  // Does not answer DNS: times out with a clear message, and stop() ends it.
  ServerProcess silent("silent", {"/bin/sleep", "30"}, dir.path(), dir / "silent.log");
  silent.start();
  BOOST_CHECK_THROW(silent.waitReady(probe, 300ms), std::runtime_error);
  BOOST_TEST(silent.running());
  silent.stop();
  BOOST_TEST(!silent.running());
  BOOST_TEST(silent.exitStatus().value_or(0) == 128 + SIGTERM);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dnsprop::test
