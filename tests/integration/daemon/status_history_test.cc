// `dnsprop status` and `dnsprop history` on a real loopback migration: NSD serves the
// zone, Unbound resolves it through a stub zone (cache capped at 1 s), `dnsprop run`
// probes it every second. The zone switches from OLD to NEW; status shows the resolver's
// class and predicted OLD expiry, history shows OLD then NEW on its timeline, the
// OLD -> NEW transition with its time and TTL, and the NEW share rising to 100%.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "support/dns_servers.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

std::string zone(const char* address) {
  return std::string("$ORIGIN shop.test.\n$TTL 1\n") +
         "@ IN SOA ns.shop.test. hostmaster.shop.test. 1 3600 600 86400 1\n"
         "@ IN NS ns.shop.test.\nns IN A 127.0.0.1\nwww IN A " + address + "\n";
}

struct Run {
  int status = -1;
  std::string out;
};

// Runs the dnsprop binary with `args` (shell-quoted by the caller), stdout captured
// (a pipe: never a terminal, so never coloured).
Run runDnsprop(const std::string& args) {
  Run r;
  const std::string cmd = std::string("LC_ALL=C.UTF-8 NO_COLOR= '") + DNSPROP_EXE + "' " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The class `status -o json` reports for www A at the one resolver ("" if none yet).
std::string wwwClass(const std::string& args) {
  const Run r = runDnsprop(args + " status -o json");
  if (r.status != 0) return "";
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  try {
    const auto& t = doc.at("migrations").at(0).at("resolvers").at(0).at("targets").at(0);
    return t.at("class").is_string() ? t.at("class").get<std::string>() : "";
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_history)

BOOST_AUTO_TEST_CASE(old_to_new_in_the_terminal) {
  auto nsd = startNsd("127.0.0.1", freeUdpTcpPort("127.0.0.1"), {{"shop.test.", zone("192.0.2.1")}});
  ResolverOptions stub;
  stub.stub_zones["shop.test."] = {atForm(nsd->endpoint())};
  stub.cache_max_ttl = 1;
  auto unbound = startUnbound("127.0.0.1", freeUdpTcpPort("127.0.0.1"), stub);

  TempDir dir("dnsprop-status-history");
  const auto config = (dir.path() / "dnsprop.toml").string();
  const auto web_port = freeUdpTcpPort("127.0.0.1");
  std::ofstream(config)
      << "[monitor]\ninterval = \"1s\"\ntimeout = \"300ms\"\nretries = 0\nroot_hints = [\"127.0.0.1:9\"]\nstate_dir = \""
      << (dir.path() / "state").string() << "\"\n"
      << "[web]\nlisten = [\"127.0.0.1:" << web_port << "\"]\n"
      << "[resolvers]\nextra = [{ address = \"" << unbound->endpoint().toString() << "\", name = \"unbound\" }]\n"
      << "[[migration]]\ndomain = \"shop.test\"\nwatch = [{ name = \"www\", types = [\"A\"] }]\n"
      << "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"198.51.100.1\"]\n";
  const std::string args = "--config.file '" + config + "'";

  BOOST_TEST(runDnsprop(args + " status").status == 3);  // nothing recorded yet

  ServerProcess daemon("dnsprop", {DNSPROP_EXE, "--config.file", config, "run"}, dir.path(),
                       dir.path() / "dnsprop.log");
  daemon.start();
  BOOST_REQUIRE_MESSAGE(pollUntil(20s, [&] { return wwwClass(args) == "old"; }), daemon.failure("status never showed OLD"));
  {
    const Run r = runDnsprop(args + " status");
    BOOST_TEST_MESSAGE(r.out);
    BOOST_TEST(r.status == 0);
    BOOST_TEST_INFO(r.out);
    BOOST_TEST(std::regex_search(r.out, std::regex(R"(^NOT_YET: shop\.test\. - )")));
    BOOST_TEST(std::regex_search(r.out, std::regex(R"(\nRESOLVER +www A +OLD EXPIRY\n)")));
    // OLD, its age, and a predicted expiry (OLD with TTL 1 s: a few seconds from now or just past).
    BOOST_TEST(std::regex_search(r.out, std::regex(R"(\nunbound +OLD [0-9]+[smhd] +(in .+|.+ ago)\n)")));
  }

  // A few rounds of OLD before the switch, so the timeline (1 s buckets) shows them.
  const std::string window = " history --since 40s --width 40";
  BOOST_REQUIRE_MESSAGE(pollUntil(20s, [&] { return runDnsprop(args + window).out.find("OOO") != std::string::npos; }),
                        daemon.failure("history never showed OLD"));
  nsd->updateZones({{"shop.test.", zone("198.51.100.1")}});
  BOOST_REQUIRE_MESSAGE(pollUntil(20s, [&] { return wwwClass(args) == "new"; }), daemon.failure("status never showed NEW"));
  BOOST_REQUIRE_MESSAGE(pollUntil(10s, [&] {
                          const auto out = runDnsprop(args + window).out;
                          return out.find("NNN|") != std::string::npos && out.find("now 100%") != std::string::npos;
                        }),
                        daemon.failure("history never showed NEW at 100%"));
  {
    const Run r = runDnsprop(args + " status -o json");
    BOOST_REQUIRE(r.status == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& res = doc.at("migrations").at(0).at("resolvers").at(0);
    BOOST_TEST(res.at("name").get<std::string>() == "unbound");
    BOOST_TEST(res.at("old_expiry").is_string());  // OLD was seen: its expiry is predicted
  }
  {
    const Run r = runDnsprop(args + window + " --transitions");
    BOOST_TEST_MESSAGE(r.out);
    BOOST_TEST(r.status == 0);
    BOOST_TEST_INFO(r.out);
    // The timeline: no data before the daemon started, then OLD, then NEW up to now.
    BOOST_TEST(std::regex_search(r.out, std::regex(R"(\nunbound +\|-*[?]?O+[?MON]*N+\|\n)")));
    BOOST_TEST(std::regex_search(
        r.out, std::regex(R"(\n  20[0-9-]+T[0-9:.]+Z  unbound  www A  OLD -> NEW  ttl 1\b)")));
    BOOST_TEST(r.out.find("█| now 100%\n") != std::string::npos);  // UTF-8 locale: unicode blocks
  }
  {
    const Run r = runDnsprop(args + window + " -o json");
    BOOST_REQUIRE(r.status == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const auto& res = doc.at("migrations").at(0).at("resolvers").at(0);
    bool old_to_new = false;
    for (const auto& t : res.at("transitions")) {
      if (t.at("from") == "old" && t.at("to") == "new") old_to_new = true;
    }
    BOOST_TEST(old_to_new);
  }
  daemon.stop();
}

BOOST_AUTO_TEST_SUITE_END()
