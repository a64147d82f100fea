// `dnsprop init` against the loopback world: the real binary discovers the parent from
// the world's root, asks the old authoritative server, resolves the new NS host through
// the world's Unbound, and writes a config that loads with OLD and NEW as the world
// serves them. Refusals: a domain that does not exist, and NEW equal to OLD. Every
// query stays on loopback (--root-hint and --resolver are always given).
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "support/temp_dir.h"
#include "support/world.h"

namespace dnsprop::test {
namespace {

boost::test_tools::assertion_result runningAsRoot(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "the loopback world needs root (port 53)";
  return r;
}

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run dnsprop(const std::string& args) {
  const std::string cmd = std::string("'") + DNSPROP_EXE + "' " + args + " 2>&1";
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) r.output += buf.data();
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::vector<std::string> addrs(const std::vector<Endpoint>& e) {
  std::vector<std::string> out;
  for (const auto& x : e) out.push_back(x.address());
  std::sort(out.begin(), out.end());
  return out;
}

bool contains(const std::vector<Endpoint>& e, const std::string& a) {
  const auto v = addrs(e);
  return std::find(v.begin(), v.end(), a) != v.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(init, *boost::unit_test::precondition(runningAsRoot))

BOOST_AUTO_TEST_CASE(writes_a_loadable_config_from_what_the_world_serves_and_refuses_no_change) {
  WorldOptions wo;
  wo.block = 0;
  wo.resolvers = {defaultWorldResolvers().front()};  // Unbound only
  LoopbackWorld world(wo);
  TempDir dir("dnsprop-init");
  const std::string loopback = " --root-hint " + world.rootServer().toString() + " --resolver " +
                               world.resolver("unbound").endpoint.toString() + " --timeout 500ms";
  const auto file = dir.path() / "x.toml";

  const Run ok = dnsprop("init --domain shop.test --new-ip 198.51.100.80 --new-ns ns1.newhost.test" + loopback +
                         " -o " + file.string());
  BOOST_TEST_INFO(ok.output << world.diagnostics());
  BOOST_REQUIRE_EQUAL(ok.status, 0);
  {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    BOOST_TEST_MESSAGE("written:\n" << text.str());
  }
  Config c;
  BOOST_REQUIRE_NO_THROW(c = loadConfig(file));
  BOOST_REQUIRE_EQUAL(c.migrations.size(), 1u);
  const auto& m = c.migrations[0];
  BOOST_TEST(m.domain == "shop.test.");
  BOOST_TEST(contains(m.old_side.addresses, world.oldAddress()));
  BOOST_TEST(m.old_side.ns == world.oldNs(), boost::test_tools::per_element());
  BOOST_TEST(m.new_side.ns == world.newNs(), boost::test_tools::per_element());
  BOOST_TEST(m.old_side.mx == world.oldMx(), boost::test_tools::per_element());
  BOOST_TEST(addrs(m.old_side.servers) == addrs(world.oldServers()), boost::test_tools::per_element());
  BOOST_TEST(addrs(m.new_side.addresses) == std::vector<std::string>{world.newAddress()},
             boost::test_tools::per_element());
  BOOST_TEST(addrs(m.new_side.servers) == addrs(world.newServers()), boost::test_tools::per_element());
  BOOST_TEST(addrs(m.parent_servers) == addrs(world.parentServers()), boost::test_tools::per_element());
  BOOST_TEST(!m.watch.empty());

  // Never overwritten without --force.
  const Run again = dnsprop("init --domain shop.test --new-ip 198.51.100.81" + loopback + " -o " + file.string());
  BOOST_TEST(again.status != 0);
  BOOST_TEST(again.output.find("--force") != std::string::npos, again.output);

  const Run nosuch = dnsprop("init --domain nosuch.test --new-ip 198.51.100.80" + loopback + " -o " +
                             (dir.path() / "nosuch.toml").string());
  BOOST_TEST(nosuch.status == 1);
  BOOST_TEST(nosuch.output.find("does not exist") != std::string::npos, nosuch.output);
  BOOST_TEST(!std::filesystem::exists(dir.path() / "nosuch.toml"));

  const Run same = dnsprop("init --domain shop.test --new-ip " + world.oldAddress() + " --new-ip " +
                           world.oldAddressV6() + " --new-ns ns1.oldhost.test" + loopback + " -o " +
                           (dir.path() / "same.toml").string());
  BOOST_TEST(same.status == 1);
  BOOST_TEST(same.output.find("same") != std::string::npos, same.output);
  BOOST_TEST(!std::filesystem::exists(dir.path() / "same.toml"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace dnsprop::test
