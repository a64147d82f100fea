// draftInitConfig: what `dnsprop init` observed + the operator's arguments -> a config
// that parseConfig accepts, with OLD/NEW and the watch list as observed; refusals when
// nothing would change.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "config/config_writer.h"

using namespace dnsprop;

namespace {

InitFacts shopFacts() {
  InitFacts f;
  f.domain = "Shop.Test";
  f.apex_addresses = {"192.0.2.10", "2001:db8::10"};
  f.www = {"www.shop.test.", {"192.0.2.10"}};
  f.mx_hosts = {{"mail.shop.test.", {"192.0.2.25"}}};
  f.old_ns = {"ns1.oldhost.test."};
  f.old_mx = {"mail.shop.test."};
  f.old_servers = {"127.0.70.3"};
  f.parent_zone = "test.";
  f.parent_servers = {"127.0.70.2"};
  f.new_addresses = {"198.51.100.80"};
  f.catalogs = {"../resolvers/public.toml"};
  return f;
}

std::vector<std::string> addrs(const std::vector<Endpoint>& e) {
  std::vector<std::string> out;
  for (const auto& x : e) out.push_back(x.address());
  return out;
}

const WatchedName* watched(const Migration& m, const std::string& name) {
  for (const auto& w : m.watch) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

bool has(const std::vector<RRType>& v, RRType t) { return std::find(v.begin(), v.end(), t) != v.end(); }

std::size_t expectedValuesCount(const Expectation& e, bool v6) {
  return static_cast<std::size_t>(std::count_if(e.addresses.begin(), e.addresses.end(), [&](const Endpoint& a) {
    return (a.family() == Endpoint::Family::V6) == v6;
  }));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_writer)

BOOST_AUTO_TEST_CASE(ns_move_is_parsed_back_as_observed) {
  auto f = shopFacts();
  f.new_ns = {"NS1.newhost.test"};
  f.new_servers = {"127.0.70.4"};
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const Config c = parseConfig(d.text, "/etc/dnsprop/dnsprop.toml");
  BOOST_REQUIRE_EQUAL(c.migrations.size(), 1u);
  const auto& m = c.migrations[0];
  BOOST_TEST(m.domain == "shop.test.");
  // The mail host has an address of its own: it stays (web moves, mail stays).
  BOOST_TEST(addrs(m.old_side.addresses) == (std::vector<std::string>{"192.0.2.10", "2001:db8::10"}),
             boost::test_tools::per_element());
  BOOST_TEST(m.old_side.ns == std::vector<std::string>{"ns1.oldhost.test."}, boost::test_tools::per_element());
  BOOST_TEST(m.new_side.ns == std::vector<std::string>{"ns1.newhost.test."}, boost::test_tools::per_element());
  BOOST_TEST(m.new_side.mx == std::vector<std::string>{"mail.shop.test."}, boost::test_tools::per_element());
  BOOST_TEST(addrs(m.old_side.servers) == std::vector<std::string>{"127.0.70.3"}, boost::test_tools::per_element());
  BOOST_TEST(addrs(m.new_side.servers) == std::vector<std::string>{"127.0.70.4"}, boost::test_tools::per_element());
  BOOST_TEST(addrs(m.parent_servers) == std::vector<std::string>{"127.0.70.2"}, boost::test_tools::per_element());
  BOOST_TEST((m.min_parallel == std::chrono::hours(24 * 14)));
  BOOST_TEST(!m.switch_time.has_value());
  BOOST_TEST(d.text.find("# switch_time = ") != std::string::npos);
  BOOST_REQUIRE_EQUAL(c.resolvers.catalogs.size(), 1u);
  BOOST_TEST(c.resolvers.catalogs[0].lexically_normal().string() == "/etc/resolvers/public.toml");

  const auto* apex = watched(m, "shop.test.");
  BOOST_REQUIRE(apex);
  BOOST_TEST(has(apex->types, RRType::A));
  BOOST_TEST(has(apex->types, RRType::AAAA));
  BOOST_TEST(has(apex->types, RRType::NS));
  BOOST_TEST(!has(apex->types, RRType::MX));  // MX does not change
  BOOST_REQUIRE(watched(m, "www.shop.test."));
  BOOST_TEST(!has(watched(m, "www.shop.test.")->types, RRType::AAAA));  // www has no AAAA
  BOOST_TEST(!watched(m, "mail.shop.test."));
  BOOST_TEST(d.text.find("mail.shop.test. (mail) has an address of its own and stays") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_mail_host_on_the_web_servers_address_moves_with_it) {
  auto f = shopFacts();
  f.mx_hosts = {{"mail.shop.test.", {"192.0.2.10"}}};
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const auto m = parseConfig(d.text, "/tmp/x.toml").migrations.at(0);
  BOOST_REQUIRE(watched(m, "mail.shop.test."));
  BOOST_TEST(has(watched(m, "mail.shop.test.")->types, RRType::A));
  BOOST_TEST(!has(watched(m, "shop.test.")->types, RRType::MX));
}

BOOST_AUTO_TEST_CASE(ipv4_only_new_server_drops_ipv6_and_watches_aaaa) {
  auto f = shopFacts();  // the apex serves AAAA today; only an IPv4 --new-ip is given
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const auto m = parseConfig(d.text, "/tmp/x.toml").migrations.at(0);
  BOOST_TEST(has(watched(m, "shop.test.")->types, RRType::AAAA));
  BOOST_TEST(expectedValuesCount(m.new_side, true) == 0u);
}

BOOST_AUTO_TEST_CASE(address_only_move_keeps_ns_and_servers) {
  auto f = shopFacts();
  f.apex_addresses = {"192.0.2.10"};
  f.mx_hosts.clear();
  f.old_mx = {"mx.elsewhere.test."};
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const Config c = parseConfig(d.text, "/tmp/x.toml");
  const auto& m = c.migrations.at(0);
  BOOST_TEST(m.new_side.ns == m.old_side.ns, boost::test_tools::per_element());
  BOOST_TEST(addrs(m.new_side.servers) == addrs(m.old_side.servers), boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(m.watch.size(), 2u);  // apex A, www A
  for (const auto& w : m.watch) BOOST_TEST((w.types == std::vector<RRType>{RRType::A}));
}

BOOST_AUTO_TEST_CASE(no_www_and_mx_change) {
  auto f = shopFacts();
  f.www = {};
  f.new_mx = {"mx.newhost.test"};
  f.new_addresses = {"198.51.100.80", "2001:db8:5100::80"};
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const auto c = parseConfig(d.text, "/tmp/x.toml");
  const auto& m = c.migrations.at(0);
  BOOST_TEST(!watched(m, "www.shop.test."));
  BOOST_TEST(has(watched(m, "shop.test.")->types, RRType::MX));
  BOOST_TEST(!has(watched(m, "shop.test.")->types, RRType::NS));
  BOOST_TEST(m.new_side.mx == std::vector<std::string>{"mx.newhost.test."}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refuses_when_nothing_changes) {
  auto f = shopFacts();
  f.new_addresses = {"192.0.2.10", "2001:db8::10"};
  auto d = draftInitConfig(f);
  BOOST_TEST((d.outcome == InitOutcome::SameAsOld));
  BOOST_TEST(d.message.find("same") != std::string::npos);
  BOOST_TEST(d.text.empty());
  f.new_ns = {"ns1.oldhost.test"};  // the same NS set, spelt differently
  BOOST_TEST((draftInitConfig(f).outcome == InitOutcome::SameAsOld));
  f.new_ns = {"ns1.newhost.test"};  // an NS-only move is a migration
  d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const auto c = parseConfig(d.text, "/tmp/x.toml");
  BOOST_TEST((c.migrations.at(0).watch.at(0).types == std::vector<RRType>{RRType::NS}));
}

BOOST_AUTO_TEST_CASE(an_old_side_without_addresses_still_watches_the_new_one) {
  InitFacts f;
  f.domain = "empty.test.";
  f.old_ns = {"ns1.oldhost.test."};
  f.old_servers = {"127.0.70.3"};
  f.new_addresses = {"198.51.100.80"};
  // No address anywhere on the old side, but a new one: apex A is watched (OLD = none).
  auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  BOOST_CHECK_NO_THROW(parseConfig(d.text, "/tmp/x.toml"));
}

BOOST_AUTO_TEST_CASE(a_new_ipv6_address_is_watched_where_none_was_served) {
  auto f = shopFacts();
  f.apex_addresses = {"192.0.2.10"};
  f.mx_hosts.clear();
  f.new_addresses = {"198.51.100.80", "2001:db8:5100::80"};
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  const auto m = parseConfig(d.text, "/tmp/x.toml").migrations.at(0);
  BOOST_TEST(has(watched(m, "shop.test.")->types, RRType::AAAA));
  BOOST_TEST(has(watched(m, "www.shop.test.")->types, RRType::AAAA));
}

BOOST_AUTO_TEST_CASE(without_catalogs_the_key_is_omitted) {
  auto f = shopFacts();
  f.catalogs.clear();
  const auto d = draftInitConfig(f);
  BOOST_REQUIRE((d.outcome == InitOutcome::Ok));
  BOOST_TEST(d.text.find("\ncatalogs =") == std::string::npos);
  BOOST_TEST(parseConfig(d.text, "/tmp/x.toml").resolvers.catalogs.empty());
}

BOOST_AUTO_TEST_SUITE_END()
