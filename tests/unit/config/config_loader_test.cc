// loadConfig/parseConfig happy paths: every key read, defaults, normalisation and
// relative-path resolution.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config_loader.h"

using namespace dnsprop;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string names(const std::vector<WatchedName>& watch) {
  std::string out;
  for (const auto& w : watch) {
    out += w.name + "=";
    for (RRType t : w.types) out += std::string(toString(t)) + ",";
    out += " ";
  }
  return out;
}

std::vector<std::string> addresses(const std::vector<Endpoint>& eps) {
  std::vector<std::string> out;
  for (const auto& ep : eps) out.push_back(ep.toString());
  return out;
}

const std::string kSimpleMigration =
    "[[migration]]\n"
    "domain = \"shop.example.jp\"\n"
    "[migration.old]\n"
    "addresses = [\"192.0.2.10\"]\n"
    "[migration.new]\n"
    "addresses = [\"198.51.100.10\"]\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(config_loader)

BOOST_AUTO_TEST_CASE(empty_file_gives_all_defaults) {
  const Config c = parseConfig("", "/etc/dnsprop/dnsprop.toml");
  const MonitorSettings defaults;
  BOOST_TEST(c.source == fs::path("/etc/dnsprop/dnsprop.toml"));
  BOOST_TEST((c.monitor.interval == 5min));
  BOOST_TEST((c.monitor.timeout == 2s));
  BOOST_TEST(c.monitor.retries == 2);
  BOOST_TEST(c.monitor.rate_limit_qps == 5.0);
  BOOST_TEST(c.monitor.rate_limit_burst == 10);
  BOOST_TEST(!c.monitor.tcp_only);
  BOOST_TEST(c.monitor.vantage == "default");
  BOOST_TEST(c.monitor.state_dir == fs::path("/var/lib/dnsprop"));
  BOOST_TEST(c.web.listen == std::vector<std::string>{"127.0.0.1:10153"});
  BOOST_TEST(!c.web.web_config_file.has_value());
  BOOST_TEST(!c.web.enable_lifecycle);
  BOOST_TEST(c.resolvers.catalogs.empty());
  BOOST_TEST(c.resolvers.filter.countries.empty());
  BOOST_TEST(!c.resolvers.filter.family.has_value());
  BOOST_TEST(!c.resolvers.filter.include_restricted);
  BOOST_TEST(c.resolvers.extra.empty());
  BOOST_TEST(c.resolvers.exclude.empty());
  BOOST_TEST(c.migrations.empty());
}

BOOST_AUTO_TEST_CASE(monitor_keys_are_read) {
  const Config c = parseConfig(
      "[monitor]\n"
      "interval = \"1h30m\"\n"
      "timeout = \"1500ms\"\n"
      "retries = 0\n"
      "rate_limit_qps = 0.5\n"
      "rate_limit_burst = 1000\n"
      "tcp_only = true\n"
      "vantage = \"tokyo-1.a_b\"\n"
      "state_dir = \"/srv/dnsprop\"\n"
      "root_hints = [\"127.0.70.1\", \"[::1]:5353\"]\n",
      "/etc/dnsprop/x.toml");
  BOOST_TEST((c.monitor.interval == 90min));
  BOOST_REQUIRE(c.monitor.root_hints.size() == 2u);
  BOOST_TEST(c.monitor.root_hints[1].toString() == "[::1]:5353");
  BOOST_CHECK_THROW(parseConfig("[monitor]\nroot_hints = [\"a.root-servers.net\"]\n", "x.toml"), ConfigError);
  BOOST_TEST((c.monitor.timeout == 1500ms));
  BOOST_TEST(c.monitor.retries == 0);
  BOOST_TEST(c.monitor.rate_limit_qps == 0.5);
  BOOST_TEST(c.monitor.rate_limit_burst == 1000);
  BOOST_TEST(c.monitor.tcp_only);
  BOOST_TEST(c.monitor.vantage == "tokyo-1.a_b");
  BOOST_TEST(c.monitor.state_dir == fs::path("/srv/dnsprop"));
}

BOOST_AUTO_TEST_CASE(rate_limit_qps_accepts_an_integer_and_the_bounds) {
  BOOST_TEST(parseConfig("[monitor]\nrate_limit_qps = 100\n", "x.toml").monitor.rate_limit_qps == 100.0);
  BOOST_TEST(parseConfig("[monitor]\nrate_limit_qps = 3\n", "x.toml").monitor.rate_limit_qps == 3.0);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nrate_limit_qps = 100.5\n", "x.toml"), ConfigError);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nrate_limit_qps = nan\n", "x.toml"), ConfigError);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nrate_limit_qps = -1\n", "x.toml"), ConfigError);
  BOOST_TEST(parseConfig("[monitor]\nretries = 10\n", "x.toml").monitor.retries == 10);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nretries = -1\n", "x.toml"), ConfigError);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nrate_limit_burst = 1001\n", "x.toml"), ConfigError);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nvantage = \"\"\n", "x.toml"), ConfigError);
  BOOST_CHECK_THROW(parseConfig("[monitor]\nvantage = \"" + std::string(65, 'a') + "\"\n", "x.toml"),
                    ConfigError);
  BOOST_TEST(parseConfig("[monitor]\nvantage = \"" + std::string(64, 'a') + "\"\n", "x.toml")
                 .monitor.vantage.size() == 64u);
}

BOOST_AUTO_TEST_CASE(web_keys_are_read) {
  const Config c = parseConfig(
      "[web]\n"
      "listen = [\":10153\", \"127.0.0.1:9999\", \"[::1]:10153\", \"[::]:1\"]\n"
      "config_file = \"/etc/dnsprop/web.yml\"\n"
      "enable_lifecycle = true\n",
      "/etc/dnsprop/dnsprop.toml");
  BOOST_TEST(c.web.listen ==
             (std::vector<std::string>{":10153", "127.0.0.1:9999", "[::1]:10153", "[::]:1"}));
  BOOST_REQUIRE(c.web.web_config_file.has_value());
  BOOST_TEST(*c.web.web_config_file == fs::path("/etc/dnsprop/web.yml"));
  BOOST_TEST(c.web.enable_lifecycle);
}

BOOST_AUTO_TEST_CASE(listen_rejects_bad_forms) {
  for (const char* bad : {"10153", ":0", ":65536", "example.com:80", "[::1]", "::1:80",
                          "127.0.0.1:", "[127.0.0.1]:80", ":1x", "1.2.3:80"}) {
    BOOST_TEST_INFO("listen: " << bad);
    BOOST_CHECK_THROW(parseConfig(std::string("[web]\nlisten = [\"") + bad + "\"]\n", "x.toml"),
                      ConfigError);
  }
  BOOST_CHECK_THROW(parseConfig("[web]\nlisten = [\":1\", \":1\"]\n", "x.toml"), ConfigError);
}

BOOST_AUTO_TEST_CASE(resolver_selection_is_read_and_normalised) {
  const Config c = parseConfig(
      "[resolvers]\n"
      "catalogs = [\"/usr/share/dnsprop/resolvers/public.toml\"]\n"
      "countries = [\"jp\", \"US\"]\n"
      "continents = [\"as\"]\n"
      "operators = [\"Google\"]\n"
      "tags = [\"global\"]\n"
      "names = [\"google-1\"]\n"
      "family = \"ipv6\"\n"
      "include_restricted = true\n"
      "extra = [\"192.0.2.53\", \"192.0.2.1:5353\", \"[2001:db8::1]:53\",\n"
      "  { address = \"198.51.100.1\", name = \"isp-a\", operator = \"My ISP\", country = \"jp\", "
      "continent = \"AS\", region = \"Osaka\" }]\n"
      "exclude = [\"192.0.2.99\", \"[2001:db8::99]:5353\"]\n",
      "/etc/dnsprop/dnsprop.toml");
  const ResolverSelection& r = c.resolvers;
  BOOST_TEST(r.catalogs == std::vector<fs::path>{"/usr/share/dnsprop/resolvers/public.toml"});
  BOOST_TEST(r.filter.countries == (std::vector<std::string>{"JP", "US"}));
  BOOST_TEST(r.filter.continents == std::vector<std::string>{"AS"});
  BOOST_TEST(r.filter.operators == std::vector<std::string>{"Google"});
  BOOST_TEST(r.filter.tags == std::vector<std::string>{"global"});
  BOOST_TEST(r.filter.names == std::vector<std::string>{"google-1"});
  BOOST_TEST((r.filter.family == Endpoint::Family::V6));
  BOOST_TEST(r.filter.include_restricted);
  BOOST_REQUIRE(r.extra.size() == 4u);
  BOOST_TEST(r.extra[0].endpoint.toString() == "192.0.2.53:53");
  BOOST_TEST(r.extra[0].name == "192.0.2.53");
  BOOST_TEST(r.extra[1].endpoint.toString() == "192.0.2.1:5353");
  BOOST_TEST(r.extra[1].name == "192.0.2.1:5353");
  BOOST_TEST(r.extra[2].endpoint.toString() == "[2001:db8::1]:53");
  BOOST_TEST(r.extra[2].name == "2001:db8::1");
  BOOST_TEST(r.extra[3].endpoint.toString() == "198.51.100.1:53");
  BOOST_TEST(r.extra[3].name == "isp-a");
  BOOST_TEST(r.extra[3].operator_name == "My ISP");
  BOOST_TEST(r.extra[3].country == "JP");
  BOOST_TEST(r.extra[3].continent == "AS");
  BOOST_TEST(r.extra[3].region == "Osaka");
  BOOST_TEST((r.extra[3].access == ResolverAccess::Open));
  BOOST_TEST(r.extra[3].catalog == "/etc/dnsprop/dnsprop.toml");
  BOOST_TEST(addresses(r.exclude) == (std::vector<std::string>{"192.0.2.99:53", "[2001:db8::99]:5353"}));
}

BOOST_AUTO_TEST_CASE(family_any_and_ipv4) {
  BOOST_TEST(!parseConfig("[resolvers]\nfamily = \"any\"\n", "x.toml").resolvers.filter.family);
  BOOST_TEST((parseConfig("[resolvers]\nfamily = \"ipv4\"\n", "x.toml").resolvers.filter.family ==
              Endpoint::Family::V4));
}

BOOST_AUTO_TEST_CASE(extra_allows_same_address_on_another_port) {
  const Config c =
      parseConfig("[resolvers]\nextra = [\"192.0.2.1\", \"192.0.2.1:5353\"]\n", "x.toml");
  BOOST_TEST(c.resolvers.extra.size() == 2u);
  BOOST_CHECK_THROW(parseConfig("[resolvers]\nextra = [\"192.0.2.1\", \"192.0.2.1:53\"]\n", "x.toml"),
                    ConfigError);
  BOOST_CHECK_THROW(parseConfig("[resolvers]\nexclude = [\"192.0.2.1\", \"192.0.2.1\"]\n", "x.toml"),
                    ConfigError);
}

BOOST_AUTO_TEST_CASE(relative_paths_resolve_against_the_config_folder) {
  const Config c = parseConfig(
      "[monitor]\nstate_dir = \"state\"\n"
      "[web]\nconfig_file = \"./web.yml\"\n"
      "[resolvers]\ncatalogs = [\"../resolvers/public.toml\", \"/abs/jp.toml\"]\n",
      "/opt/dnsprop/config/dnsprop.toml");
  BOOST_TEST(c.monitor.state_dir == fs::path("/opt/dnsprop/config/state"));
  BOOST_TEST(*c.web.web_config_file == fs::path("/opt/dnsprop/config/web.yml"));
  BOOST_TEST(c.resolvers.catalogs ==
             (std::vector<fs::path>{"/opt/dnsprop/resolvers/public.toml", "/abs/jp.toml"}));
}

BOOST_AUTO_TEST_CASE(relative_config_path_resolves_against_the_working_directory) {
  const Config c =
      parseConfig("[resolvers]\ncatalogs = [\"../resolvers/jp.toml\"]\n", "config/dnsprop.toml");
  BOOST_REQUIRE(c.resolvers.catalogs.size() == 1u);
  BOOST_TEST(c.resolvers.catalogs[0] == (fs::current_path() / "resolvers/jp.toml").lexically_normal());
  BOOST_TEST(c.source == fs::path("config/dnsprop.toml"));
}

BOOST_AUTO_TEST_CASE(load_config_reads_a_file_and_resolves_against_its_folder) {
  const fs::path dir = fs::path(DNSPROP_BINARY_DIR) / "unit_config_tmp" / "nested";
  fs::create_directories(dir);
  const fs::path file = dir / "cfg.toml";
  {
    std::ofstream out(file);
    out << "[resolvers]\ncatalogs = [\"cat.toml\"]\n" << kSimpleMigration;
  }
  const Config c = loadConfig(file);
  BOOST_TEST(c.source == file);
  BOOST_TEST(c.resolvers.catalogs == std::vector<fs::path>{(dir / "cat.toml").lexically_normal()});
  BOOST_TEST(c.migrations.size() == 1u);
  fs::remove_all(dir.parent_path());
}

BOOST_AUTO_TEST_CASE(full_migration_is_read_and_normalised) {
  const Config c = parseConfig(
      "[[migration]]\n"
      "domain = \"Shop.Example.JP\"\n"
      "watch = [ { name = \"@\", types = [\"A\", \"aaaa\", \"NS\", \"MX\"] },\n"
      "          { name = \"WWW\", types = [\"A\"] },\n"
      "          { name = \"cdn.example.net.\", types = [\"AAAA\"] } ]\n"
      "switch_time = 2026-11-20T10:00:00+09:00\n"
      "min_parallel = \"21d\"\n"
      "delegation_grace = \"6h\"\n"
      "parent_servers = [\"192.0.2.1\", \"[2001:db8::1]:5353\"]\n"
      "[migration.old]\n"
      "addresses = [\"203.0.113.10\", \"2001:DB8::10\"]\n"
      "ns = [\"NS1.old-host.example.\", \"ns2.old-host.example\"]\n"
      "mx = [\"mail.shop.example.jp\"]\n"
      "servers = [\"203.0.113.53\"]\n"
      "[migration.new]\n"
      "addresses = [\"198.51.100.10\", \"2001:db8::20\"]\n"
      "ns = [\"ns1.new-host.example\"]\n"
      "mx = [\"mx.new-host.example.\"]\n"
      "servers = [\"198.51.100.53:5353\"]\n",
      "x.toml");
  BOOST_REQUIRE(c.migrations.size() == 1u);
  const Migration& m = c.migrations[0];
  BOOST_TEST(m.domain == "shop.example.jp.");
  BOOST_TEST(names(m.watch) ==
             "shop.example.jp.=A,AAAA,NS,MX, www.shop.example.jp.=A, cdn.example.net.=AAAA, ");
  BOOST_REQUIRE(m.switch_time.has_value());
  // 2026-11-20T01:00:00Z
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(m.switch_time->time_since_epoch())
                 .count() == 1795136400);
  BOOST_TEST((m.min_parallel == std::chrono::hours(21 * 24)));
  BOOST_TEST((m.delegation_grace == std::chrono::hours(6)));
  BOOST_TEST(addresses(m.parent_servers) ==
             (std::vector<std::string>{"192.0.2.1:53", "[2001:db8::1]:5353"}));
  BOOST_TEST(addresses(m.old_side.addresses) ==
             (std::vector<std::string>{"203.0.113.10:53", "[2001:db8::10]:53"}));
  BOOST_TEST(m.old_side.ns ==
             (std::vector<std::string>{"ns1.old-host.example.", "ns2.old-host.example."}));
  BOOST_TEST(m.old_side.mx == std::vector<std::string>{"mail.shop.example.jp."});
  BOOST_TEST(addresses(m.old_side.servers) == std::vector<std::string>{"203.0.113.53:53"});
  BOOST_TEST(m.new_side.ns == std::vector<std::string>{"ns1.new-host.example."});
  BOOST_TEST(m.new_side.mx == std::vector<std::string>{"mx.new-host.example."});
  BOOST_TEST(addresses(m.new_side.servers) == std::vector<std::string>{"198.51.100.53:5353"});
}

BOOST_AUTO_TEST_CASE(migration_defaults) {
  const Config c = parseConfig(kSimpleMigration, "x.toml");
  BOOST_REQUIRE(c.migrations.size() == 1u);
  const Migration& m = c.migrations[0];
  BOOST_TEST((m.min_parallel == std::chrono::hours(14 * 24)));
  BOOST_TEST((m.delegation_grace == std::chrono::hours(24)));
  BOOST_TEST(!m.switch_time.has_value());
  BOOST_TEST(m.parent_servers.empty());
  BOOST_TEST(m.old_side.ns.empty());
  BOOST_TEST(m.new_side.servers.empty());
  BOOST_TEST(names(m.watch) == "shop.example.jp.=A, www.shop.example.jp.=A, ");
}

BOOST_AUTO_TEST_CASE(default_watch_follows_the_expectations) {
  const Config c = parseConfig(
      "[[migration]]\n"
      "domain = \"shop.example.jp.\"\n"
      "[migration.old]\n"
      "addresses = [\"192.0.2.10\"]\n"
      "ns = [\"ns1.old.example\"]\n"
      "[migration.new]\n"
      "addresses = [\"2001:db8::10\"]\n"
      "ns = [\"ns1.new.example\"]\n"
      "mx = [\"mx.new.example\"]\n",
      "x.toml");
  BOOST_TEST(names(c.migrations[0].watch) ==
             "shop.example.jp.=A,AAAA,NS,MX, www.shop.example.jp.=A,AAAA, ");

  // Only NS changes: no www entry, because nothing is known about its addresses.
  const Config ns_only = parseConfig(
      "[[migration]]\ndomain = \"example.jp\"\n"
      "[migration.old]\nns = [\"a.example.net\"]\n[migration.new]\nns = [\"b.example.net\"]\n",
      "x.toml");
  BOOST_TEST(names(ns_only.migrations[0].watch) == "example.jp.=NS, ");
}

BOOST_AUTO_TEST_CASE(switch_time_variants) {
  auto load = [](const std::string& value) {
    return parseConfig("[[migration]]\ndomain = \"example.jp\"\nswitch_time = " + value +
                           "\n[migration.old]\naddresses = [\"192.0.2.1\"]\n"
                           "[migration.new]\naddresses = [\"192.0.2.2\"]\n",
                       "x.toml")
        .migrations[0]
        .switch_time;
  };
  auto secs = [](std::optional<WallTime> t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
  };
  BOOST_TEST(secs(load("2026-11-20T01:00:00Z")) == 1795136400);
  BOOST_TEST(secs(load("\"2026-11-20T10:00:00+09:00\"")) == 1795136400);
  BOOST_TEST(secs(load("\"2026-11-20t01:00:00z\"")) == 1795136400);
  BOOST_TEST(secs(load("\"2026-11-19T20:00:00-05:00\"")) == 1795136400);
  const auto frac = load("2026-11-20T01:00:00.250Z");
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(frac->time_since_epoch())
                 .count() == 1795136400250);
  BOOST_CHECK_THROW(load("\"2026-11-20T10:00:00+09:00\\nx = 1\""), ConfigError);
  BOOST_CHECK_THROW(load("\"2026-11-20\""), ConfigError);
  BOOST_CHECK_THROW(load("10:00:00"), ConfigError);
  BOOST_CHECK_THROW(load("9999-01-01T00:00:00Z"), ConfigError);
  BOOST_CHECK_THROW(load("2026-02-30T00:00:00Z"), ConfigError);
  BOOST_TEST(secs(load("1970-01-01T09:00:00+09:00")) == 0);
}

BOOST_AUTO_TEST_CASE(old_stop_date_and_external_url) {
  const Config c = parseConfig(
      "[web]\nexternal_url = \"https://dnsprop.example.jp/monitor/\"\n"
      "[[migration]]\ndomain = \"example.jp\"\n"
      "[migration.old]\naddresses = [\"192.0.2.1\"]\nstop_date = 2026-12-20T00:00:00+09:00\n"
      "[migration.new]\naddresses = [\"192.0.2.2\"]\n",
      "x.toml");
  BOOST_TEST(c.web.external_url == "https://dnsprop.example.jp/monitor");  // trailing '/' dropped
  BOOST_REQUIRE(c.migrations[0].old_stop.has_value());
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(c.migrations[0].old_stop->time_since_epoch())
                 .count() == 1797692400);  // 2026-12-19T15:00:00Z
  const Config none = parseConfig(
      "[[migration]]\ndomain = \"example.jp\"\n[migration.old]\naddresses = [\"192.0.2.1\"]\n"
      "[migration.new]\naddresses = [\"192.0.2.2\"]\n",
      "x.toml");
  BOOST_TEST(!none.migrations[0].old_stop.has_value());
  BOOST_TEST(none.web.external_url.empty());
  BOOST_TEST(none.web.listen == std::vector<std::string>{"127.0.0.1:10153"});  // this machine only
  for (const char* bad : {"\"ftp://x\"", "\"https://\"", "\"https:///x\"", "\"http://a b\"", "\"http://x/?q\""}) {
    BOOST_CHECK_THROW(parseConfig(std::string("[web]\nexternal_url = ") + bad + "\n", "x.toml"), ConfigError);
  }
}

BOOST_AUTO_TEST_CASE(web_checks_defaults_and_keys) {
  const std::string sides =
      "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"192.0.2.2\"]\n";
  const Config none = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides, "x.toml");
  BOOST_TEST(!none.migrations[0].web.has_value());  // nothing runs unless configured

  // An empty table: https, "/", as every watched A/AAAA name (apex and www by default).
  const Config d = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides + "[migration.web]\n", "x.toml");
  BOOST_REQUIRE(d.migrations[0].web.has_value());
  const WebCheckConfig& w = *d.migrations[0].web;
  BOOST_TEST(w.https);
  BOOST_TEST(!w.http);
  BOOST_TEST(w.paths == std::vector<std::string>{"/"});
  BOOST_TEST(w.hosts == (std::vector<std::string>{"example.jp.", "www.example.jp."}));
  BOOST_TEST(w.https_port == 443);

  const Config c = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides +
                                   "[migration.web]\nhosts = [\"www\", \"shop.example.net.\"]\n"
                                   "paths = [\"/\", \"/order?x=1\"]\nmust_match = [\"/canary.txt\"]\n"
                                   "scheme = \"both\"\nhttp_port = 8080\nhttps_port = 8443\n",
                               "x.toml");
  const WebCheckConfig& x = *c.migrations[0].web;
  BOOST_TEST(x.hosts == (std::vector<std::string>{"www.example.jp.", "shop.example.net."}));
  BOOST_TEST(x.paths == (std::vector<std::string>{"/", "/order?x=1"}));
  BOOST_TEST(x.must_match == std::vector<std::string>{"/canary.txt"});
  BOOST_TEST((x.http && x.https));
  BOOST_TEST(x.http_port == 8080);
  BOOST_TEST(x.https_port == 8443);
  BOOST_CHECK_THROW(parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides +
                                    "[migration.web]\nca_file = \"/nonexistent/ca.pem\"\n",
                                "x.toml"),
                    ConfigError);
}

BOOST_AUTO_TEST_CASE(mail_checks_defaults_and_keys) {
  const std::string sides =
      "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"192.0.2.2\", \"2001:db8::2\"]\n";
  const Config none = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides, "x.toml");
  BOOST_TEST(!none.migrations[0].mail.has_value());  // no mail server is contacted unless configured

  // An empty table: the sides' addresses, port 25, postmaster@, STARTTLS required, every 10 min.
  const Config d = parseConfig("[[migration]]\ndomain = \"Example.JP\"\n" + sides + "[migration.mail]\n", "x.toml");
  BOOST_REQUIRE(d.migrations[0].mail.has_value());
  const MailCheckConfig& m = *d.migrations[0].mail;
  BOOST_TEST(m.old_addresses.size() == 1u);
  BOOST_TEST(m.new_addresses.size() == 2u);
  BOOST_TEST(m.port == 25);
  BOOST_TEST(m.recipient == "postmaster@example.jp");
  BOOST_TEST(m.helo_name.empty());
  BOOST_TEST(m.tls_name.empty());
  BOOST_TEST(m.require_starttls);
  BOOST_TEST((m.every == std::chrono::minutes(10)));
  BOOST_TEST(m.fetch_ports.empty());

  const Config c = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides +
                                   "[migration.mail]\nold_addresses = [\"192.0.2.25\"]\nnew_addresses = [\"2001:db8::25\"]\n"
                                   "port = 2525\nrecipient = \"abuse@example.jp\"\nhelo_name = \"Monitor.Example.NET.\"\n"
                                   "tls_name = \"mx.example.jp\"\nstarttls = false\nevery = \"5m\"\n"
                                   "fetch_ports = [993, 995]\n",
                               "x.toml");
  const MailCheckConfig& x = *c.migrations[0].mail;
  BOOST_TEST(x.old_addresses.at(0).address() == "192.0.2.25");
  BOOST_TEST(x.new_addresses.at(0).address() == "2001:db8::25");
  BOOST_TEST(x.port == 2525);
  BOOST_TEST(x.recipient == "abuse@example.jp");
  BOOST_TEST(x.helo_name == "monitor.example.net");
  BOOST_TEST(x.tls_name == "mx.example.jp");
  BOOST_TEST(!x.require_starttls);
  BOOST_TEST((x.every == std::chrono::minutes(5)));
  BOOST_TEST((x.fetch_ports == std::vector<std::uint16_t>{993, 995}));
  for (const char* bad : {"recipient = \"a b@example.jp\"", "recipient = \"<x@example.jp>\"", "recipient = \"@example.jp\"",
                          "helo_name = \"a..b\"", "fetch_ports = [0]", "fetch_ports = [25, 25]", "every = \"0s\"",
                          "ca_file = \"/nonexistent/ca.pem\"", "old_addresses = [\"192.0.2.1:25\"]"}) {
    BOOST_CHECK_THROW(parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides + "[migration.mail]\n" + bad + "\n",
                                  "x.toml"),
                      ConfigError);
  }
}

BOOST_AUTO_TEST_CASE(traffic_checks_defaults_and_keys) {
  const std::string sides =
      "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"192.0.2.2\"]\n";
  const Config d = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides +
                                   "[migration.traffic]\naccess_log = \"logs/access.log\"\n",
                               "/etc/dnsprop/x.toml");
  BOOST_REQUIRE(d.migrations[0].traffic.has_value());
  const TrafficCheckConfig& t = *d.migrations[0].traffic;
  BOOST_TEST(t.access_log.string() == "/etc/dnsprop/logs/access.log");  // relative to the config's folder
  BOOST_TEST((t.window == std::chrono::hours(24)));
  BOOST_TEST(t.max_requests == 0u);
  BOOST_TEST(t.vhosts.empty());
  const Config c = parseConfig("[[migration]]\ndomain = \"example.jp\"\n" + sides +
                                   "[migration.traffic]\naccess_log = \"/var/log/a.log\"\nwindow = \"12h\"\n"
                                   "max_requests = 20\nvhosts = [\"@\", \"www\"]\n",
                               "x.toml");
  const TrafficCheckConfig& x = *c.migrations[0].traffic;
  BOOST_TEST((x.window == std::chrono::hours(12)));
  BOOST_TEST(x.max_requests == 20u);
  BOOST_TEST((x.vhosts == std::vector<std::string>{"example.jp", "www.example.jp"}));
}

BOOST_AUTO_TEST_CASE(watch_names_apex_relative_absolute) {
  const Config c = parseConfig(
      "[[migration]]\n"
      "domain = \"example.jp\"\n"
      "watch = [ { name = \"@\", types = [\"A\"] }, { name = \"_dmarc.www\", types = [\"A\"] },\n"
      "          { name = \"Other.Example.\", types = [\"A\"] } ]\n"
      "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"192.0.2.2\"]\n",
      "x.toml");
  BOOST_TEST(names(c.migrations[0].watch) ==
             "example.jp.=A, _dmarc.www.example.jp.=A, other.example.=A, ");
}

BOOST_AUTO_TEST_CASE(watch_as_array_of_tables_syntax) {
  const Config c = parseConfig(
      "[[migration]]\n"
      "domain = \"example.jp\"\n"
      "[[migration.watch]]\nname = \"@\"\ntypes = [\"NS\"]\n"
      "[migration.old]\nns = [\"a.example.net\"]\n[migration.new]\nns = [\"b.example.net\"]\n",
      "x.toml");
  BOOST_TEST(names(c.migrations[0].watch) == "example.jp.=NS, ");
}

BOOST_AUTO_TEST_CASE(several_migrations_keep_their_order) {
  const Config c = parseConfig(
      kSimpleMigration +
          "[[migration]]\ndomain = \"blog.example.jp\"\nmin_parallel = \"0s\"\n"
          "[migration.old]\nmx = [\"a.example.net\"]\n[migration.new]\nmx = [\"b.example.net\"]\n",
      "x.toml");
  BOOST_REQUIRE(c.migrations.size() == 2u);
  BOOST_TEST(c.migrations[0].domain == "shop.example.jp.");
  BOOST_TEST(c.migrations[1].domain == "blog.example.jp.");
  BOOST_TEST(c.migrations[1].min_parallel.count() == 0);
  BOOST_TEST(names(c.migrations[1].watch) == "blog.example.jp.=MX, ");
}

BOOST_AUTO_TEST_CASE(domain_name_limits) {
  auto domain = [](const std::string& d) {
    return parseConfig("[[migration]]\ndomain = \"" + d +
                           "\"\n[migration.old]\naddresses = [\"192.0.2.1\"]\n"
                           "[migration.new]\naddresses = [\"192.0.2.2\"]\n",
                       "x.toml")
        .migrations[0]
        .domain;
  };
  const std::string label63(63, 'a');
  BOOST_TEST(domain(label63 + ".jp") == label63 + ".jp.");
  BOOST_CHECK_THROW(domain(std::string(64, 'a') + ".jp"), ConfigError);
  // 253 characters without the trailing dot is the longest legal name.
  std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  BOOST_TEST(longest.size() == 253u);
  BOOST_TEST(domain(longest) == longest + ".");
  BOOST_CHECK_THROW(domain(longest + "b"), ConfigError);
  BOOST_CHECK_THROW(domain("."), ConfigError);
  BOOST_CHECK_THROW(domain(""), ConfigError);
  BOOST_CHECK_THROW(domain("a b.jp"), ConfigError);
  BOOST_CHECK_THROW(domain("*.example.jp"), ConfigError);
  BOOST_TEST(domain("xn--eckwd4c7c.example.jp") == "xn--eckwd4c7c.example.jp.");
}

BOOST_AUTO_TEST_SUITE_END()
