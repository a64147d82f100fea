// `dnsprop check` end to end: the real `dnsprop run` binary watches the loopback world
// (fake root, parent, old NSD, new Knot, Unbound, Knot Resolver, PowerDNS Recursor,
// dnsmasq) while the delegation really switches with TTLs of a few seconds, and the real
// `dnsprop check` binary is asked again and again. The invariant checked at EVERY sample:
// whenever check exits 0, no resolver of the world answers OLD for any watched name
// (asked directly, right then). Scenarios: clean switch, stopped monitor, TTL clamping,
// a resolver that stops answering (and the same excluded), OLD reappearing after NEW,
// and the old server still serving the zone (F9).
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "support/dns_client.h"
#include "http/http_client.h"
#include "support/dns_servers.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/world.h"
#include "integration/verdict/check_watch.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

// The scaffolding (Watch, CheckResult, ...) is shared with shapes_e2e_test.cc.

BOOST_AUTO_TEST_SUITE(check_e2e, *boost::unit_test::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(clean_switch_not_yet_until_hold_passes_then_safe_and_critical_when_monitor_stops) {
  WorldOptions wo;
  wo.block = 3;
  LoopbackWorld world(wo);
  Watch watch(world);

  // Before the switch: NOT YET (1), never SAFE.
  auto r = watch.until(20s, [](const CheckResult& c) {
    return c.exit_code == 1 && c.doc.is_object() && !verdictOf(c)["blockers"].empty();
  });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));

  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  const auto switched = std::chrono::steady_clock::now();

  // Propagation completes and the hold passes: SAFE, never earlier than a resolver flips.
  r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE", r));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - switched).count();
  BOOST_TEST_MESSAGE("SAFE " << took << " s after the switch, " << watch.samples << " samples");
  BOOST_TEST(verdictOf(r)["status"] == "SAFE");
  BOOST_TEST(r.doc["summary"].get<std::string>().rfind("SAFE: shop.test.", 0) == 0u);
  // The hold alone is several rounds, so SAFE cannot come at once.
  BOOST_TEST(took > 3.0);

  // The monitor stops: the data goes stale and check says CRITICAL, never SAFE.
  watch.daemon->stop();
  const auto stopped = std::chrono::steady_clock::now();
  CheckResult s;
  BOOST_REQUIRE(pollUntil(30s, [&] {
    s = watch.check({"--max-age", "5s"});
    BOOST_TEST_REQUIRE(
        (s.exit_code != 0 || std::chrono::steady_clock::now() - stopped < 5s),
        "SAFE from stale data: " << s.raw);
    return s.exit_code == 2;
  }));
  BOOST_TEST(s.doc["summary"].get<std::string>().find("stale") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(ttl_clamping_resolver_is_named_while_it_holds_old) {
  WorldOptions wo;
  wo.block = 4;
  wo.resolvers = defaultWorldResolvers();
  WorldResolverSpec clamp;
  clamp.name = "unbound-clamp";
  clamp.kind = ServerKind::Unbound;
  clamp.cache_min_ttl = 40;  // holds every answer at least 40 s
  wo.resolvers.push_back(clamp);
  LoopbackWorld world(wo);
  Watch watch(world);
  BOOST_REQUIRE(watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1; }).exit_code == 1);
  // Its cache holds OLD now.
  BOOST_REQUIRE(waitForAnswer(world.resolver("unbound-clamp").endpoint, LoopbackWorld::wwwName(), kTypeA,
                              {world.oldAddress()}, Millis(5000))
                    .matched);
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  // The others flip within seconds (and wait out the hold, which the clamped 40 s TTL
  // on OLD data makes 40 s); the clamping one keeps OLD and is named as OLD.
  auto r = watch.until(30s, [](const CheckResult& c) {
    const auto b = blockedResolvers(c, "old");
    return c.exit_code == 1 && b.size() == 1 && b.count("unbound-clamp") == 1;
  });
  BOOST_REQUIRE_MESSAGE(blockedResolvers(r, "old") == std::set<std::string>{"unbound-clamp"},
                        watch.failure("the clamping resolver was not the only one named as OLD", r));
  BOOST_TEST(verdictOf(r)["hold_seconds"].get<int>() >= 40);
  bool has_expiry = false;
  for (const auto& b : verdictOf(r)["blockers"]) {
    if (b["resolver"] == "unbound-clamp") has_expiry = has_expiry || !b["expiry"].is_null();
  }
  BOOST_TEST(has_expiry, "no predicted expiry for the clamping resolver: " << r.raw);
  // Until it flips the clamping resolver keeps check from SAFE (the invariant is checked
  // at every sample); the clean-switch case covers the way to SAFE.
}

BOOST_AUTO_TEST_CASE(resolver_that_stops_answering_blocks_safe_unless_excluded) {
  WorldOptions wo;
  wo.block = 5;
  LoopbackWorld world(wo);
  // Not the resolver dnsmasq forwards to: only the victim itself must stop answering.
  std::string victim;
  for (const auto& r : world.resolvers()) {
    if (r.make == ServerKind::PdnsRecursor) victim = r.name;
  }
  BOOST_REQUIRE(!victim.empty());
  Watch watch(world);
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  auto r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE", r));

  world.resolverServer(victim).stop();
  r = watch.until(30s, [&](const CheckResult& c) { return c.exit_code == 1 && blockedResolvers(c).count(victim); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1 && blockedResolvers(r).count(victim) == 1,
                        watch.failure("a dead resolver did not block SAFE", r));
  for (const auto& b : verdictOf(r)["blockers"]) BOOST_TEST(b["reason"] == "unverified");

  // The same with the resolver excluded in the config: SAFE again (after SIGHUP).
  std::string text;
  {
    std::ifstream in(watch.config);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto p = text.find("[resolvers]\n");
  text.insert(p + 12, "exclude = [\"" + world.resolver(victim).endpoint.toString() + "\"]\n");
  std::ofstream(watch.config) << text;
  watch.daemon->signal(SIGHUP);
  r = watch.until(30s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("excluded resolver still blocks", r));
  BOOST_TEST(verdictOf(r)["trusted"].get<int>() == static_cast<int>(world.resolvers().size()) - 1);
}

BOOST_AUTO_TEST_CASE(old_reappearing_after_new_is_critical) {
  WorldOptions wo;
  wo.block = 6;
  LoopbackWorld world(wo);
  Watch watch(world);
  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  auto r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE", r));
  // Someone switches back (or a cache behind an anycast address still has OLD).
  switchBack(world);
  expectRegressionCritical(watch, 30s, "OLD after NEW was not CRITICAL");
}

BOOST_AUTO_TEST_CASE(f9_old_server_serving_keeps_it_open_ended_then_the_ns_ttl_bounds_it) {
  WorldOptions wo;
  wo.block = 8;
  wo.ns_ttl_child_old = 20;  // a long child NS TTL on the old server
  LoopbackWorld world(wo);
  Watch watch(world);
  world.switchDelegation(Delegation::New);
  // The old server keeps serving the OLD zone (OLD NS set): open-ended, never SAFE.
  auto r = watch.until(15s, [](const CheckResult& c) {
    return c.doc.is_object() && verdictOf(c)["earliest_safe"]["unbounded"] == true &&
           verdictOf(c)["earliest_safe"]["basis"] == "old_server_serving";
  });
  BOOST_REQUIRE_MESSAGE(verdictOf(r)["earliest_safe"]["unbounded"] == true, watch.failure("not open-ended", r));
  BOOST_TEST(r.exit_code == 1);
  // The old server stops serving the zone: the bound is its last serving + 20 s + data TTL.
  world.oldKeepsServing(false);
  const WallTime stopped = std::chrono::system_clock::now();
  r = watch.until(20s, [](const CheckResult& c) {
    return c.doc.is_object() && verdictOf(c)["earliest_safe"]["unbounded"] == false;
  });
  BOOST_REQUIRE_MESSAGE(verdictOf(r)["earliest_safe"]["unbounded"] == false, watch.failure("still open-ended", r));
  const auto at = parseRfc3339(verdictOf(r)["earliest_safe"]["at"].get<std::string>());
  BOOST_REQUIRE(at.has_value());
  const double after = std::chrono::duration<double>(*at - stopped).count();
  BOOST_TEST_MESSAGE("earliest safe " << after << " s after the old server stopped serving");
  // last serving (within a round or two before `stopped`) + 20 s NS TTL + 2 s data TTL.
  BOOST_TEST(after > 15.0);
  BOOST_TEST(after < 30.0);
  r = watch.until(90s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_TEST(r.exit_code == 0, watch.failure("never SAFE after the old server retired", r));
}

BOOST_AUTO_TEST_CASE(f8_stale_serving_resolver_stays_not_yet_with_a_day_long_prediction) {
  WorldOptions wo;
  wo.block = 2;
  wo.resolvers = {{"unbound-stale", ServerKind::Unbound, {}, {}, true, {"ede: yes", "ede-serve-expired: yes"}, ""}};
  LoopbackWorld world(wo);
  Watch watch(world);
  BOOST_REQUIRE(watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1; }).exit_code == 1);
  world.stopOld();  // the parent still delegates to it; Unbound serves its expired copy
  auto r = watch.until(30s, [](const CheckResult& c) {
    if (!c.doc.is_object()) return false;
    for (const auto& b : verdictOf(c)["blockers"]) {
      if (b["resolver"] != "unbound-stale" || b["reason"] != "old" || b["expiry"].is_null()) continue;
      const auto e = parseRfc3339(b["expiry"].get<std::string>());
      if (e && *e > std::chrono::system_clock::now() + 24h) return true;
    }
    return false;
  });
  BOOST_TEST(r.exit_code == 1, watch.failure("stale OLD did not keep check at NOT YET with a 1 d+ expiry", r));
  BOOST_TEST(blockedResolvers(r, "old").count("unbound-stale") == 1u);
}

// Two vantages, one Prometheus (Debian's, scraping both every second with the mixin's
// rules loaded): `check --prometheus` gives one answer for the fleet, never SAFE while a
// resolver answers OLD, CRITICAL once a vantage goes silent; and every expression of
// every dashboard panel and rule returns data from that Prometheus.
BOOST_AUTO_TEST_CASE(two_vantages_one_prometheus_one_verdict_and_every_dashboard_query_has_data) {
  if (!std::filesystem::exists("/usr/bin/prometheus")) {
    BOOST_TEST_MESSAGE("prometheus not installed (scripts/install-deps.sh --test): skipped");
    return;
  }
  WorldOptions wo;
  wo.block = 1;
  LoopbackWorld world(wo);
  ConfigOptions a, b;
  a.web_port = freeUdpTcpPort("127.0.0.1");
  b.web_port = freeUdpTcpPort("127.0.0.1");
  // A planned switch a minute ago and a planned shutdown in a month: the dashboards'
  // switch and stop annotations and the days-left stat have data too.
  for (ConfigOptions* o : {&a, &b}) {
    o->switch_time = formatRfc3339(std::chrono::system_clock::now() - 1min);
    o->old_stop = formatRfc3339(std::chrono::system_clock::now() + 24h * 30);
  }
  Watch tokyo(world, a, "", "tokyo");
  Watch frankfurt(world, b, "", "frankfurt");

  TempDir pdir("dnsprop-prometheus");
  const std::uint16_t pport = freeUdpTcpPort("127.0.0.1");
  const std::string purl = "http://127.0.0.1:" + std::to_string(pport);
  std::ofstream(pdir.path() / "prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      << "rule_files: [\"" << DNSPROP_SOURCE_DIR << "/dashboards/rules/dnsprop.rules.yml\"]\n"
      << "scrape_configs:\n  - job_name: dnsprop\n    static_configs:\n      - targets: [\"127.0.0.1:" << a.web_port
      << "\", \"127.0.0.1:" << b.web_port << "\"]\n";
  ServerProcess prom("prometheus",
                     {"/usr/bin/prometheus", "--config.file=" + (pdir.path() / "prometheus.yml").string(),
                      "--storage.tsdb.path=" + (pdir.path() / "data").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
                     pdir.path(), pdir.path() / "prometheus.log");
  prom.start();
  BOOST_REQUIRE_MESSAGE(pollUntil(30s, [&] { return httpGet(purl + "/-/ready", 1000ms).status == 200; }),
                        prom.failure("Prometheus not ready"));

  const std::vector<std::string> fleet = {"--prometheus", purl, "--domain", "shop.test."};
  // Before the switch: both vantages say NOT YET, so does the fleet.
  CheckResult c;
  BOOST_REQUIRE_MESSAGE(pollUntil(40s, [&] {
                          c = tokyo.check(fleet);
                          return c.exit_code == 1 && c.doc.is_object() &&
                                 c.doc["migrations"][0]["vantages"].size() == 2u;
                        }),
                        prom.failure("no fleet NOT YET with two vantages: " + c.raw));

  world.switchDelegation(Delegation::New);
  oldServerPublishesNewNs(world);
  BOOST_REQUIRE_MESSAGE(pollUntil(120s, [&] {
                          c = tokyo.check(fleet);
                          if (c.exit_code == 0) {
                            std::string which;
                            BOOST_TEST_REQUIRE(!tokyo.anyResolverAnswersOld(&which),
                                               "fleet SAFE while " << which << "\n" << c.raw);
                          }
                          return c.exit_code == 0;
                        }),
                        tokyo.failure("the fleet never said SAFE", c));
  BOOST_TEST(c.doc["summary"].get<std::string>().find("every vantage reports SAFE") != std::string::npos);

  // Every dashboard panel, variable and rule expression returns data.
  const std::string cmd = "env -u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY python3 " +
                          std::string(DNSPROP_SOURCE_DIR) + "/dashboards/tools/query_prometheus.py --quiet --prometheus " +
                          purl + " domain=shop.test. vantage=tokyo __interval=5s __rate_interval=10s __range=1m 2>&1";
  std::string out;
  int status = -1;
  BOOST_REQUIRE(pollUntil(30s, [&] {  // the recording rules need a few evaluations
    out.clear();
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    status = ::pclose(p);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }) || true);
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "dashboard/rule expressions without data:\n" << out);

  // One vantage stops: the fleet is CRITICAL (never SAFE on what is left).
  frankfurt.daemon->stop();
  BOOST_REQUIRE_MESSAGE(pollUntil(30s, [&] {
                          c = tokyo.check(fleet);
                          BOOST_TEST_REQUIRE(c.exit_code != 0, "SAFE with a silent vantage: " << c.raw);
                          return c.exit_code == 2;
                        }),
                        "a silent vantage did not make the fleet CRITICAL: " + c.raw);
  BOOST_TEST(c.doc["summary"].get<std::string>().find("frankfurt") != std::string::npos, c.raw);
}

BOOST_AUTO_TEST_SUITE_END()
