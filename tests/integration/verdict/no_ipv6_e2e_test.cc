// A host without IPv6 (FAULTS: an IPv4-only monitor): with the default [resolvers]
// family "auto", the catalogs' IPv6 resolvers are not selected (they could never answer,
// and a resolver that never answers keeps SAFE away for good), the daemon says so once,
// and SAFE comes.
//
// Runs only where the host has no IPv6 route. ctest runs it as
// integration_verdict_no_ipv6 inside a loopback-only network namespace
// (tests/support/in_loopback_netns.sh), where that is so whatever the machine has; in the
// plain integration_verdict run on a host with IPv6 it is skipped.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "check_watch.h"
#include "net/parent_discovery.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

boost::test_tools::assertion_result noIpv6Route(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(!ParentDiscovery::hostHasIpv6Route());
  r.message() << "this host has an IPv6 route (ctest runs this as integration_verdict_no_ipv6 in a netns)";
  return r;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(no_ipv6_host, *boost::unit_test::precondition(runningAsRoot) *
                                        boost::unit_test::precondition(noIpv6Route))

BOOST_AUTO_TEST_CASE(ipv6_resolvers_are_left_out_and_safe_comes) {
  WorldOptions wo;
  wo.block = 0;
  LoopbackWorld world(wo);
  ConfigOptions co;
  co.shape = ConfigShape::AddressOnly;
  TempDir cat("dnsprop-v6-catalog");
  const auto catalog = cat.path() / "v6.toml";
  // A resolver only reachable over IPv6 (the documentation prefix: nothing answers there).
  std::ofstream(catalog) << "[catalog]\nname = \"v6\"\ndescription = \"IPv6 only\"\nupdated = \"2026-12\"\n\n"
                            "[[resolver]]\nname = \"v6-only\"\naddress = \"2001:db8::53\"\noperator = \"Example\"\n"
                            "country = \"JP\"\ncontinent = \"AS\"\nregion = \"Tokyo\"\nanycast = false\n"
                            "filtering = \"none\"\ndnssec = true\naccess = \"open\"\nsource = \"https://example.jp/\"\n";
  Watch watch(world, co, "catalogs = [\"" + catalog.string() + "\"]\n");
  watch.oracle = {{LoopbackWorld::wwwName(), kTypeA, {world.oldAddress()}},
                  {LoopbackWorld::domain(), kTypeA, {world.oldAddress()}}};

  auto r = watch.until(20s, [](const CheckResult& c) { return c.exit_code == 1 && c.doc.is_object(); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 1, watch.failure("no NOT YET before the switch", r));
  // The IPv6 resolver is neither probed nor waited for.
  BOOST_TEST(r.raw.find("v6-only") == std::string::npos, r.raw);
  const std::string log = slurp(watch.dir.path() / "dnsprop.log");
  BOOST_TEST(log.find("this host has no IPv6 route") != std::string::npos, log);
  BOOST_TEST(log.find("left_out=1") != std::string::npos, log);

  SideZone z = world.oldZone();
  z.address = world.newAddress();
  world.setOldZone(z);
  r = watch.until(120s, [](const CheckResult& c) { return exitIs(c, 0); });
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, watch.failure("never SAFE on a host without IPv6", r));
  BOOST_TEST(r.raw.find("v6-only") == std::string::npos, r.raw);
}

BOOST_AUTO_TEST_SUITE_END()
