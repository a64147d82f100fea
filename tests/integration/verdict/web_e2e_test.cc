// [migration.web] end to end: a real `dnsprop run` fetches the site from a real old and a
// real new web server (nginx on loopback, HTTPS with a test CA) during an address-only
// move. The new site down keeps SAFE away (and says why); content drift on a must_match
// path is reported and never blocks; a certificate for another name fails the condition;
// once the new server serves the site again SAFE comes.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "check_watch.h"
#include "support/ports.h"
#include "support/test_ca.h"
#include "support/web_servers.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

const nlohmann::json* condition(const CheckResult& r, const std::string& id) { return conditionOf(r, id); }

bool webMet(const CheckResult& r) {
  const auto* c = condition(r, "web");
  return c != nullptr && (*c)["met"].get<bool>();
}

std::string findings(const CheckResult& r) { return verdictOf(r)["findings"].dump(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(web_e2e, *boost::unit_test::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(new_site_down_blocks_safe_drift_is_shown_and_a_wrong_name_fails) {
  if (!std::filesystem::exists("/usr/sbin/nginx")) {
    BOOST_TEST_MESSAGE("nginx not installed (scripts/install-deps.sh --test): skipped");
    return;
  }
  WorldOptions wo;
  wo.block = 2;
  wo.old_v4 = "127.0.92.10";  // the site's addresses: where the test's web servers run
  wo.new_v4 = "127.0.92.80";
  LoopbackWorld world(wo);

  TestCa ca;
  LeafSpec good;
  good.dns_names = {"www.shop.test", "shop.test"};
  const IssuedCert leaf = ca.issue(good);
  LeafSpec other;
  other.dns_names = {"other.test"};
  const IssuedCert wrong = ca.issue(other);

  // Old and new on the same port of their own address, as in production (443 on each).
  std::uint16_t port = freeUdpTcpPort(wo.old_v4);
  NginxOptions old_site;
  old_site.address = wo.old_v4;
  old_site.http = false;
  old_site.https = {{leaf.cert_pem, leaf.key_pem}};
  old_site.https_port = port;
  old_site.files = {{"index.html", "old shop\n"}, {"canary.txt", "v1\n"}};
  NginxOptions new_site = old_site;
  new_site.address = wo.new_v4;
  new_site.files = {{"index.html", "new shop\n"}, {"canary.txt", "v2\n"}};  // forgot to update the canary
  auto old_web = startNginx(old_site);
  auto new_web = startNginx(new_site);

  TempDir certs("dnsprop-web-e2e-ca");
  const auto ca_file = certs.path() / "ca.pem";
  std::ofstream(ca_file) << ca.certPem();

  ConfigOptions co;
  co.shape = ConfigShape::AddressOnly;
  Watch watch(world, co, "", "", [&](std::string& text) {
    // The world's IPv6 addresses are documentation addresses: nothing may be fetched from
    // them (tests touch loopback only), so the sites are IPv4 here.
    withoutIpv6Addresses(world, text);
    text += "\n[migration.web]\nhosts = [\"www\"]\nmust_match = [\"/canary.txt\"]\nhttps_port = " +
            std::to_string(port) + "\nca_file = \"" + ca_file.string() + "\"\n";
  });
  watch.oracle = {{LoopbackWorld::wwwName(), kTypeA, {world.oldAddress()}},
                  {LoopbackWorld::domain(), kTypeA, {world.oldAddress()}}};

  // Before the switch: the new site serves (the condition holds), the canary differs.
  auto r = watch.until(30s, [](const CheckResult& c) { return c.doc.is_object() && webMet(c); });
  BOOST_REQUIRE_MESSAGE(webMet(r), watch.failure("the web condition never held", r));
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(findings(r).find("content drift: https://www.shop.test/canary.txt") != std::string::npos, r.raw);
  BOOST_TEST(condition(r, "web")->at("detail").get<std::string>().find("serves every path") != std::string::npos);

  // The switch, with the new site down: never SAFE, and the reason is the site.
  new_web->stop();
  SideZone z = world.oldZone();
  z.address = world.newAddress();
  world.setOldZone(z);
  r = watch.until(20s, [](const CheckResult& c) {
    BOOST_TEST_REQUIRE(c.exit_code != 0, "SAFE while the new site is down: " << c.raw);
    return c.doc.is_object() && !webMet(c) && c.doc["summary"].get<std::string>().find("web:") != std::string::npos;
  });
  BOOST_REQUIRE_MESSAGE(!webMet(r), watch.failure("the new site down did not fail the web condition", r));
  BOOST_TEST(condition(r, "web")->at("detail").get<std::string>().find("connect_failed") != std::string::npos, r.raw);

  // Back up, but with a certificate for another name: still not SAFE, and that is why.
  new_site.https = {{wrong.cert_pem, wrong.key_pem}};
  new_web = startNginx(new_site);
  r = watch.until(20s, [](const CheckResult& c) {
    BOOST_TEST_REQUIRE(c.exit_code != 0, "SAFE with a wrong-name certificate: " << c.raw);
    const auto* w = condition(c, "web");
    return w != nullptr && (*w)["detail"].get<std::string>().find("certificate is not for www.shop.test") !=
                               std::string::npos;
  });
  BOOST_REQUIRE_MESSAGE(!webMet(r), watch.failure("a wrong-name certificate did not fail the web condition", r));

  // The right certificate and the canary updated on both: SAFE, with no drift left.
  new_web.reset();
  new_site.https = {{leaf.cert_pem, leaf.key_pem}};
  new_site.files["canary.txt"] = "v1\n";
  new_web = startNginx(new_site);
  r = watch.until(60s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE once the new site serves", r));
  BOOST_TEST(webMet(r));
  BOOST_TEST(findings(r).find("content drift") == std::string::npos, r.raw);
}

BOOST_AUTO_TEST_SUITE_END()
