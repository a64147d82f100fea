// `dnsprop preflight` end to end, before the switch of the loopback world (name servers
// and addresses move): the real binary, one round of its own. The new side ready gives
// READY (exit 0) with the TTLs of what will change; new name servers still serving the
// old data, or a new mail server refusing the domain, give NOT_READY (exit 1) naming
// what is not ready.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "check_watch.h"
#include "support/mail_servers.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

CheckResult preflight(const std::filesystem::path& config) {
  return runDnsprop(config, "preflight --output json --timeout 2s");
}

const nlohmann::json& item(const CheckResult& r, const std::string& id) {
  static const nlohmann::json none;
  if (!r.doc.is_object()) return none;
  for (const auto& i : r.doc["migrations"][0]["items"]) {
    if (i["id"] == id) return i;
  }
  return none;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(preflight_e2e, *boost::unit_test::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(ready_then_not_ready_for_the_zone_and_for_mail) {
  WorldOptions wo;
  wo.block = 1;
  LoopbackWorld world(wo);
  // The new mail server: a scripted one on loopback (no STARTTLS), accepting at first.
  auto accepting = std::make_unique<FakeSmtpServer>(FakeSmtpOptions{});
  TempDir dir("dnsprop-preflight-e2e");
  auto writeConfig = [&](const Endpoint& mail) {
    ConfigOptions co;
    co.state_dir = dir.path() / "state";
    std::string text = world.dnspropConfig(co);
    text += "\n[migration.mail]\nold_addresses = []\nnew_addresses = [\"" + mail.address() +
            "\"]\nport = " + std::to_string(mail.port()) + "\nstarttls = false\nhelo_name = \"monitor.shop.test\"\n";
    std::ofstream(dir.path() / "dnsprop.toml") << text;
    return dir.path() / "dnsprop.toml";
  };
  const auto config = writeConfig(accepting->endpoint());

  // The new provider serves the new data and the new mail server takes mail: READY.
  auto r = preflight(config);
  BOOST_TEST(r.exit_code == 0, r.raw);
  BOOST_TEST(r.doc["status"] == "READY", r.raw);
  BOOST_TEST(item(r, "zone")["status"] == "READY", r.raw);
  BOOST_TEST(item(r, "zone")["detail"].get<std::string>().find("serve the new data for every watched name") !=
                 std::string::npos,
             r.raw);
  BOOST_TEST(item(r, "mail")["status"] == "READY", r.raw);
  const auto& m = r.doc["migrations"][0];
  BOOST_TEST(!m["data_ttl_seconds"].is_null(), r.raw);        // the old servers' records
  BOOST_TEST(!m["parent_ns_ttl_seconds"].is_null(), r.raw);   // the delegation
  BOOST_TEST(!m["switch_after"].is_null(), r.raw);
  BOOST_TEST(item(r, "ttl")["detail"].get<std::string>().find("a switch makes sense after") != std::string::npos,
             r.raw);
  // Asked as a sending server would, never further.
  const auto commands = accepting->commands();
  BOOST_TEST(std::count(commands.begin(), commands.end(), "RCPT TO:<postmaster@shop.test>") >= 1);
  BOOST_TEST(std::none_of(commands.begin(), commands.end(), [](const std::string& c) { return c == "DATA"; }));

  // The new provider still serves the old address: not ready, and the zone is why.
  SideZone z = world.newZone();
  const std::string new_address = z.address;
  z.address = world.oldAddress();
  world.setNewZone(z);
  r = preflight(config);
  BOOST_TEST(r.exit_code == 1, r.raw);
  BOOST_TEST(r.doc["status"] == "NOT_READY", r.raw);
  BOOST_TEST(item(r, "zone")["status"] == "NOT_READY", r.raw);
  BOOST_TEST(item(r, "zone")["detail"].get<std::string>().find("do not serve the new data yet") != std::string::npos,
             r.raw);

  // Fixed, but the new mail server refuses the domain: not ready, and mail is why.
  z.address = new_address;
  world.setNewZone(z);
  FakeSmtpOptions refusing;
  refusing.script = standardSmtpScript({{"RCPT", SmtpStep::say("550 5.1.1 no such domain here\r\n")}});
  auto refuser = std::make_unique<FakeSmtpServer>(refusing);
  r = preflight(writeConfig(refuser->endpoint()));
  BOOST_TEST(r.exit_code == 1, r.raw);
  BOOST_TEST(item(r, "zone")["status"] == "READY", r.raw);
  BOOST_TEST(item(r, "mail")["status"] == "NOT_READY", r.raw);
  BOOST_TEST(r.doc["migrations"][0]["summary"].get<std::string>().find("RCPT refused: 550 5.1.1 no such domain") !=
                 std::string::npos,
             r.raw);
}

BOOST_AUTO_TEST_SUITE_END()
