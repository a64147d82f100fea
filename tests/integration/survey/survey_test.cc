// `dnsprop survey` end to end against real servers on loopback: NSD serving the zone,
// Unbound and PowerDNS Recursor resolving it through stub zones, one Unbound that
// refuses us. Runs the real binary, with flags only and with a config file.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/dns_servers.h"
#include "support/ports.h"
#include "support/temp_dir.h"

using namespace dnsprop;
using namespace dnsprop::test;
using nlohmann::json;

namespace {

const char* kZone =
    "$ORIGIN shop.test.\n"
    "$TTL 30\n"
    "@ IN SOA ns.shop.test. hostmaster.shop.test. 1 3600 600 86400 30\n"
    "@ IN NS ns.shop.test.\n"
    "ns IN A 127.0.0.1\n"
    "www IN A 192.0.2.1\n"
    "@ IN MX 10 mail.old.test.\n";

struct World {
  World() {
    nsd = startNsd("127.0.0.1", freeUdpTcpPort("127.0.0.1"), {{"shop.test.", kZone}});
    ResolverOptions stub;
    stub.stub_zones["shop.test."] = {atForm(nsd->endpoint())};
    unbound = startUnbound("127.0.0.1", freeUdpTcpPort("127.0.0.1"), stub);
    pdns = startPdnsRecursor("127.0.0.1", freeUdpTcpPort("127.0.0.1"), stub);
    ResolverOptions refusing = stub;
    refusing.access_control = {{"127.0.0.0/8", "refuse"}};
    refuser = startUnbound("127.0.0.1", freeUdpTcpPort("127.0.0.1"), refusing);
  }
  std::unique_ptr<DnsServer> nsd, unbound, pdns, refuser;
};

// Runs the dnsprop binary; returns exit status and stdout.
std::pair<int, std::string> runDnsprop(const std::string& args) {
  // No default config may leak in from the working directory or /etc.
  const std::string cmd =
      "DNSPROP_CONFIG=/nonexistent/dnsprop.toml " + std::string(DNSPROP_EXE) + " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const json* rowFor(const json& rows, const std::string& address, const std::string& type = "A") {
  for (const auto& r : rows) {
    if (r["address"] == address && r["type"] == type) return &r;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(survey)

BOOST_AUTO_TEST_CASE(flags_only_survey_classifies_each_resolver) {
  World w;
  const auto [rc, out] = runDnsprop(
      "survey --resolver " + w.unbound->endpoint().toString() + " --resolver " +
      w.pdns->endpoint().toString() + " --resolver " + w.refuser->endpoint().toString() +
      " --name www.shop.test --type A --old 192.0.2.1 --new 198.51.100.1 --timeout 1s -o json");
  BOOST_TEST(rc == 0);
  const json rows = json::parse(out);
  BOOST_TEST(rows.size() == 3u);
  for (const auto* ep : {&w.unbound, &w.pdns}) {
    const json* r = rowFor(rows, (*ep)->endpoint().toString());
    BOOST_REQUIRE(r != nullptr);
    BOOST_TEST((*r)["outcome"] == "answer");
    BOOST_TEST((*r)["answer"] == json::array({"192.0.2.1"}));
    BOOST_TEST((*r)["class"] == "old");
    BOOST_TEST((*r)["ttl"].get<int>() <= 30);
  }
  const json* refused = rowFor(rows, w.refuser->endpoint().toString());
  BOOST_REQUIRE(refused != nullptr);
  BOOST_TEST((*refused)["outcome"] == "refused");
  BOOST_TEST((*refused)["class"] == "error");  // never NEW, never OLD
}

BOOST_AUTO_TEST_CASE(authoritative_server_asked_without_recursion) {
  World w;
  const auto [rc, out] = runDnsprop("survey --no-rd --resolver " + w.nsd->endpoint().toString() +
                                 " --name shop.test --type MX -o json");
  BOOST_TEST(rc == 0);
  const json rows = json::parse(out);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0]["outcome"] == "answer");
  BOOST_TEST(rows[0]["flags"]["aa"] == true);
  BOOST_TEST(rows[0]["answer"] == json::array({"10 mail.old.test."}));
  BOOST_TEST(!rows[0].contains("class"));  // no --old/--new: nothing to classify against
}

BOOST_AUTO_TEST_CASE(config_file_survey_uses_migrations_and_extra_resolvers) {
  World w;
  TempDir dir;
  const auto path = dir.path() / "dnsprop.toml";
  std::ofstream(path) << "[resolvers]\n"
                      << "extra = [\"" << w.unbound->endpoint().toString() << "\", \""
                      << w.pdns->endpoint().toString() << "\"]\n"
                      << "[[migration]]\ndomain = \"shop.test\"\n"
                      << "watch = [{ name = \"www\", types = [\"A\"] }, { name = \"@\", types = [\"MX\"] }]\n"
                      << "[migration.old]\naddresses = [\"192.0.2.1\"]\nmx = [\"mail.old.test\"]\n"
                      << "[migration.new]\naddresses = [\"198.51.100.1\"]\nmx = [\"mail.new.test\"]\n";
  const auto [rc, out] = runDnsprop("--config.file " + path.string() + " survey -o json --timeout 1s");
  BOOST_TEST(rc == 0);
  const json rows = json::parse(out);
  BOOST_TEST(rows.size() == 4u);  // 2 questions x 2 resolvers
  for (const auto& r : rows) {
    BOOST_TEST(r["outcome"] == "answer");
    BOOST_TEST(r["class"] == "old");
  }
  // The table form names every resolver.
  const auto [rc2, table] = runDnsprop("--config.file " + path.string() + " survey --timeout 1s");
  BOOST_TEST(rc2 == 0);
  BOOST_TEST(table.find("RESOLVER") != std::string::npos);
  BOOST_TEST(table.find(w.pdns->endpoint().toString()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_non_zero) {
  BOOST_TEST(runDnsprop("survey --resolver not-an-address --name x.test").first != 0);
  BOOST_TEST(runDnsprop("survey --resolver 127.0.0.1:9 --name x.test --type TXT").first != 0);
  BOOST_TEST(runDnsprop("survey --resolver 127.0.0.1:9").first != 0);  // nothing to ask
}

BOOST_AUTO_TEST_SUITE_END()
