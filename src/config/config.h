// The validated configuration: plain structs produced by loadConfig() (config_loader.h).
// Everything here has been checked; code downstream never re-validates. Value types,
// safe to copy and to publish to other threads as an immutable snapshot.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "catalog/resolver.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/endpoint.h"

namespace dnsprop {

enum class RRType { A, AAAA, NS, MX, CNAME };

struct MonitorSettings {
  Duration interval = std::chrono::minutes(5);   // one probe round per interval
  Duration timeout = std::chrono::seconds(2);    // per attempt
  int retries = 2;                               // extra attempts after the first
  double rate_limit_qps = 5.0;                   // per resolver, token bucket refill
  int rate_limit_burst = 10;                     // per resolver, token bucket size
  bool tcp_only = false;
  std::string vantage = "default";               // label for this instance's series
  std::filesystem::path state_dir = "/var/lib/dnsprop";
  // Where parent-server discovery starts (migrations without parent_servers); empty =
  // the IANA root servers. Loopback test worlds set their fake root here.
  std::vector<Endpoint> root_hints;
  // Not a config key: the one-round commands (`check --live`, `preflight`) run with a
  // short interval and set this as the web and mail checks' timeout instead of their
  // default (at most 10 s and 30 s, and half the interval).
  std::optional<Duration> server_timeout;
};

struct WebSettings {
  std::vector<std::string> listen = {"127.0.0.1:10153"};  // civetweb "addr:port" forms
  std::optional<std::filesystem::path> web_config_file;   // exporter-toolkit YAML
  bool enable_lifecycle = false;                          // POST /-/reload
  // Where users reach this instance ("https://dnsprop.example.jp/", as Prometheus'
  // --web.external-url): the base of the runbook links in alerts (dnsprop_web_info).
  // Empty: http(s)://<listen host or host name>:<port> of the first listen address.
  std::string external_url;
};

struct ResolverSelection {
  std::vector<std::filesystem::path> catalogs;   // resolved against the config's folder
  ResolverFilter filter;
  // family = "auto" (the default): like "any", but catalog resolvers of a family the host
  // has no route for are not selected (selectConfiguredResolvers). An explicit "any",
  // "ipv4" or "ipv6" sets this to false.
  bool family_auto = true;
  std::vector<ResolverInfo> extra;               // explicit addresses from the config
  std::vector<Endpoint> exclude;                 // never trusted for the verdict
};

// What one side (old or new) of a migration is expected to serve.
struct Expectation {
  std::vector<Endpoint> addresses;     // A and AAAA values (port ignored)
  std::vector<std::string> ns;         // NS host names, lower-case, absolute (trailing dot)
  std::vector<std::string> mx;         // MX exchange names, lower-case, absolute
  // CNAME targets that stand for this side (a hosting or CDN name, lower-case, absolute):
  // an A/AAAA answer whose CNAME chain passes through one is this side's answer, whatever
  // addresses the CDN hands out at the end of it.
  std::vector<std::string> cnames;
  std::vector<Endpoint> servers;       // authoritative servers to ask directly (RD=0); optional
};

struct WatchedName {
  std::string name;                    // absolute, lower-case, trailing dot
  std::vector<RRType> types;
};

// [migration.web]: the web server's parallel operation (docs/CONFIG.md "[migration.web]").
// Once per interval each path is fetched as each host from every old and new address
// (Host header and TLS SNI of the host, connection to the address).
struct WebCheckConfig {
  std::vector<std::string> hosts;        // absolute names; default: the watched A/AAAA names
  std::vector<std::string> paths = {"/"};
  // Paths whose bodies must be the same on old and new (a canary file updated on both);
  // fetched too. A difference is the "content drift" finding (shown, never blocking).
  std::vector<std::string> must_match;
  bool http = false;                     // scheme "http" or "both"
  bool https = true;                     // scheme "https" (default) or "both"
  std::uint16_t http_port = 80;
  std::uint16_t https_port = 443;
  // Trust store for the certificate check instead of the system roots (a private CA).
  std::optional<std::filesystem::path> ca_file;
};

// [migration.mail]: the mail server's parallel operation (docs/CONFIG.md "[migration.mail]").
// Every `every`, each old and new mail server address is asked, over SMTP, whether it
// would take mail for `recipient` (banner, EHLO, STARTTLS, MAIL FROM:<>, RCPT, then RSET
// and QUIT; never DATA), and the old server's `fetch_ports` whether they still answer.
struct MailCheckConfig {
  std::vector<Endpoint> old_addresses;   // default: [migration.old] addresses (port ignored)
  std::vector<Endpoint> new_addresses;   // default: [migration.new] addresses
  std::uint16_t port = 25;
  std::string recipient;                 // default "postmaster@<domain>"
  std::string helo_name;                 // empty: this host's name (uv_os_gethostname)
  // The name the certificate is checked against (and SNI). Empty: per side, the side's
  // first MX name, else the other side's, else the domain.
  std::string tls_name;
  bool require_starttls = true;          // key "starttls": the new server must offer it and complete the handshake
  Duration every = std::chrono::minutes(10);
  std::vector<std::uint16_t> fetch_ports;  // POP3/IMAP ports of the old server to check (connect only)
  std::optional<std::filesystem::path> ca_file;
};

// [migration.traffic]: the traffic the old server still receives (docs/CONFIG.md
// "[migration.traffic]"), from its web server's access log when `dnsprop run` runs on the
// old server itself.
struct TrafficCheckConfig {
  std::filesystem::path access_log;       // Common/Combined Log Format, followed across rotation
  Duration window = std::chrono::hours(24);
  std::uint64_t max_requests = 0;         // at most this many in the window: no traffic
  std::vector<std::string> vhosts;        // count only these virtual hosts (a leading vhost field); empty: all
};

struct Migration {
  std::string domain;                  // absolute, lower-case, trailing dot ("shop.example.jp.")
  std::vector<WatchedName> watch;
  Expectation old_side;
  Expectation new_side;
  std::vector<Endpoint> parent_servers;   // optional; discovered from the root when empty
  std::optional<WallTime> switch_time;
  Duration min_parallel = std::chrono::hours(24 * 14);
  // How long after switch_time the parent may still list the old name servers before
  // the verdict says CRITICAL ("old still delegated long after the switch").
  Duration delegation_grace = std::chrono::hours(24);
  // [migration.old] stop_date: when the old server is planned to be shut down (shown,
  // exported and alerted on when it comes before the earliest safe time; never decides).
  std::optional<WallTime> old_stop;
  std::optional<WebCheckConfig> web;      // [migration.web]; absent: no web checks
  std::optional<MailCheckConfig> mail;    // [migration.mail]; absent: no mail checks
  std::optional<TrafficCheckConfig> traffic;  // [migration.traffic]; absent: no traffic condition
};

struct Config {
  std::filesystem::path source;        // the file it was loaded from
  MonitorSettings monitor;
  WebSettings web;
  ResolverSelection resolvers;
  std::vector<Migration> migrations;
};

std::string_view toString(RRType t);
std::optional<RRType> parseRRType(std::string_view text);  // case-insensitive

}  // namespace dnsprop
