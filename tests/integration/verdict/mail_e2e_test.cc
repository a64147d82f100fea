// [migration.mail] end to end: a real `dnsprop run` asks the old and the new mail server
// on loopback (STARTTLS with a test CA on the new one) during an address-only move of
// the site and its mail. A new mail server that refuses the domain keeps SAFE away (and
// says why) before and after the switch; once it accepts, SAFE comes, with the reminder
// that the old one still takes mail; no server ever receives DATA. The new server is a
// scripted one with real STARTTLS, the old one a real OpenSMTPD.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "check_watch.h"
#include "support/mail_servers.h"
#include "support/ports.h"
#include "support/test_ca.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

const nlohmann::json* condition(const CheckResult& r, const std::string& id) { return conditionOf(r, id); }

bool mailMet(const CheckResult& r) {
  const auto* c = condition(r, "mail");
  return c != nullptr && (*c)["met"].get<bool>();
}

std::string detail(const CheckResult& r) {
  const auto* c = condition(r, "mail");
  return c == nullptr ? "" : (*c)["detail"].get<std::string>();
}

std::string findings(const CheckResult& r) { return verdictOf(r)["findings"].dump(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(mail_e2e, *boost::unit_test::precondition(runningAsRoot))

boost::test_tools::assertion_result openSmtpdRuns(boost::unit_test::test_unit_id) {
  const std::string why = openSmtpdUnavailable();
  boost::test_tools::assertion_result r(why.empty());
  r.message() << "OpenSMTPD cannot run here: " << why;
  return r;
}

BOOST_AUTO_TEST_CASE(new_mail_server_refusing_blocks_safe_until_it_accepts,
                     *boost::unit_test::precondition(openSmtpdRuns)) {
  WorldOptions wo;
  wo.block = 5;
  wo.old_v4 = "127.0.95.10";  // the site's and mail's addresses: where the test's mail servers run
  wo.new_v4 = "127.0.95.80";
  LoopbackWorld world(wo);

  TestCa ca;
  LeafSpec spec;
  spec.dns_names = {"mail.shop.test"};
  const IssuedCert leaf = ca.issue(spec);
  TempDir certs("dnsprop-mail-e2e-ca");
  const auto ca_file = certs.path() / "ca.pem";
  std::ofstream(ca_file) << ca.certPem();

  // The new mail server: a scripted one with real STARTTLS (OpenSSL, the test CA's
  // certificate), refusing the domain until `accept` is set. The old one: a real
  // OpenSMTPD on the same port of its own address, as in production (25 on each), plain:
  // Debian 12's OpenSMTPD 6.8 cannot complete a handshake with OpenSSL 3
  // (tests/support/README.md), and the old side is judged without STARTTLS anyway.
  auto accept = std::make_shared<std::atomic<bool>>(false);
  FakeSmtpOptions fo;
  fo.address = wo.new_v4;
  fo.tls = TlsIdentity{leaf.cert_pem, leaf.key_pem};
  fo.script = [accept, base = standardSmtpScript({}, /*offer_starttls=*/true)](const std::string& command,
                                                                               const SmtpSessionInfo& session) {
    if (!accept->load() && command.starts_with("RCPT")) {
      return SmtpStep::say("550 5.1.1 <postmaster@shop.test>: Recipient address rejected\r\n");
    }
    return base(command, session);
  };
  FakeSmtpServer new_mail(fo);
  const std::uint16_t port = new_mail.endpoint().port();
  OpenSmtpdOptions so;
  so.listeners.push_back({.address = wo.old_v4, .port = port, .hostname = "mail.shop.test", .tls = std::nullopt,
                          .accept_domains = {"shop.test"}, .tag = "OLD"});
  auto old_mail = startOpenSmtpd(so);

  ConfigOptions co;
  co.shape = ConfigShape::AddressOnly;
  Watch watch(world, co, "", "", [&](std::string& text) {
    // The world's IPv6 addresses are documentation addresses: nothing may be asked there
    // (tests touch loopback only), so the mail servers are IPv4 here.
    withoutIpv6Addresses(world, text);
    text += "\n[migration.mail]\nport = " + std::to_string(port) +
            "\nhelo_name = \"monitor.shop.test\"\ntls_name = \"mail.shop.test\"\nevery = \"1s\"\nca_file = \"" +
            ca_file.string() + "\"\n";
  });
  watch.oracle = {{LoopbackWorld::wwwName(), kTypeA, {world.oldAddress()}},
                  {LoopbackWorld::domain(), kTypeA, {world.oldAddress()}}};

  // Before the switch: the new server refuses the domain; the old one takes mail.
  auto r = watch.until(30s, [](const CheckResult& c) {
    return c.doc.is_object() && detail(c).find("RCPT refused: 550") != std::string::npos;
  });
  BOOST_REQUIRE_MESSAGE(detail(r).find("RCPT refused: 550") != std::string::npos,
                        watch.failure("the refusing new mail server did not fail the mail condition", r));
  BOOST_TEST(!mailMet(r));
  BOOST_TEST(detail(r).find("127.0.95.80:" + std::to_string(port)) != std::string::npos, r.raw);
  BOOST_TEST(findings(r).find("the old mail server (127.0.95.10) still accepts mail for postmaster@shop.test") !=
                 std::string::npos,
             r.raw);

  // The switch, with the new mail server still refusing: never SAFE, and mail is why.
  SideZone z = world.oldZone();
  z.address = world.newAddress();
  world.setOldZone(z);
  r = watch.until(20s, [](const CheckResult& c) {
    BOOST_TEST_REQUIRE(c.exit_code != 0, "SAFE while the new mail server refuses the domain: " << c.raw);
    // Wait until the resolvers condition holds, so that mail alone is left.
    if (!c.doc.is_object()) return false;
    for (const auto& cond : verdictOf(c)["conditions"]) {
      if (cond["id"] == "resolvers" && !cond["met"].get<bool>()) return false;
    }
    return true;
  });
  BOOST_REQUIRE_MESSAGE(r.doc.is_object() && r.exit_code == 1,
                        watch.failure("the resolvers never all moved while the mail server refused", r));
  for (const auto& cond : verdictOf(r)["conditions"]) {
    if (cond["id"] == "resolvers") BOOST_REQUIRE_MESSAGE(cond["met"].get<bool>(), watch.failure("resolvers not NEW", r));
  }
  BOOST_TEST(!mailMet(r), r.raw);

  // The new server set up for the domain: SAFE comes, and the old one is still a reminder.
  accept->store(true);
  r = watch.until(60s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE once the new mail server accepts", r));
  BOOST_TEST(mailMet(r));
  BOOST_TEST(detail(r).find("accepts mail for postmaster@shop.test") != std::string::npos, r.raw);
  BOOST_TEST(findings(r).find("keep fetching mail from it") != std::string::npos, r.raw);

  BOOST_TEST(new_mail.handshakes() >= 1u);  // the new side was judged over STARTTLS

  // As a sending server would, and never further: no DATA on either server, and the
  // sessions end with RSET and QUIT.
  for (const auto& commands : {new_mail.commands(), old_mail->commands("OLD")}) {
    BOOST_REQUIRE(!commands.empty());
    BOOST_TEST(std::none_of(commands.begin(), commands.end(), [](const std::string& c) { return c.starts_with("DATA"); }));
    BOOST_TEST(std::count(commands.begin(), commands.end(), "RCPT TO:<postmaster@shop.test>") >= 1);
    BOOST_TEST(std::count(commands.begin(), commands.end(), "RSET") >= 1);
    BOOST_TEST(std::count(commands.begin(), commands.end(), "QUIT") >= 1);
  }
  const auto new_commands = new_mail.commands();
  BOOST_TEST(std::count(new_commands.begin(), new_commands.end(), "STARTTLS") >= 1);
}

BOOST_AUTO_TEST_SUITE_END()
