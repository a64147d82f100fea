// A loopback DNS world: a fake hierarchy in which one domain really migrates from an OLD
// to a NEW set of authoritative servers, and real resolvers of several makes that find it
// by iterating from a fake root. For the propagation-model and verdict tests, and demos.
//
//   root "."  (NSD)            delegates test. to ns1.nic.test.
//   parent "test." (NSD)       delegates oldhost.test., newhost.test., cdn.test. (fixed)
//                              and shop.test. to ns1.oldhost.test. (OLD), ns1.newhost.test.
//                              (NEW) or both: switchDelegation()
//   OLD (NSD)                  shop.test. (OLD data) and oldhost.test.
//   NEW (Knot, or NSD)         shop.test. (NEW data) and newhost.test.
//   CDN (NSD)                  cdn.test.: targets for a cross-zone www CNAME (FAULTS F15)
//   resolvers                  Unbound, Knot Resolver, PowerDNS Recursor iterate from the
//                              root; dnsmasq forwards to one of them
//
// Authoritative servers listen on port 53 (delegations carry no ports), each on its own
// address of 127.0.(70+block).0/24; resolvers on unprivileged ports of 127.0.(80+block).x.
// Binding port 53 needs root: the constructor throws std::runtime_error otherwise.
// Nothing ever leaves the machine (see dns_servers.h).
//
// Ownership: the world owns every server process and temp directory; destruction stops
// them all. Not thread-safe: use one world from one thread (the one that built it, see
// ServerProcess about PR_SET_PDEATHSIG). Two worlds at once need different `block`s.
//
// Errors: the constructor and every operation throw std::runtime_error (with server logs)
// when a server fails to start or does not pick up a change in time, and
// std::invalid_argument for impossible options. Accessors never throw except where noted.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/endpoint.h"
#include "support/dns_client.h"
#include "support/dns_servers.h"

namespace dnsprop::test {

// Which name servers the parent lists for the migrating domain.
enum class Delegation { Old, New, Both };
std::string_view toString(Delegation d);

// Which make of authoritative server plays a side.
enum class AuthMake { Nsd, Knot };

// What an authoritative server of one side does with the migrating domain.
enum class AuthState {
  Serving,  // running, serves the domain
  Lame,     // running, serves its host zone only: REFUSED for the domain (FAULTS F11)
  Stopped,  // not running: queries time out (FAULTS F6/F8)
};
std::string_view toString(AuthState s);

// One resolver of the world.
struct WorldResolverSpec {
  std::string name;  // unique, [A-Za-z0-9_.-], becomes the dnsprop resolver name
  ServerKind kind = ServerKind::Unbound;  // Unbound, Kresd, PdnsRecursor or Dnsmasq
  std::optional<std::uint32_t> cache_max_ttl;  // seconds; unset = the server's default
  // Seconds; unset = 0 for kresd (its own default of 5 s would hold our 2 s records
  // longer), the server's default for the others. Set it to clamp TTLs upwards.
  std::optional<std::uint32_t> cache_min_ttl;
  bool serve_expired = false;  // FAULTS F8
  // Passed to the launcher verbatim (ResolverOptions::extra_config). For PowerDNS
  // Recursor the world adds --packetcache-servfail-ttl=<negative_ttl> unless this sets
  // it: its default keeps a SERVFAIL for 60 s, an eternity in this compressed time.
  std::vector<std::string> extra_config;
  // Dnsmasq only: the name of the (earlier listed) resolver it forwards test. to;
  // empty = the first iterating resolver.
  std::string forward_to;
};

// Unbound, Knot Resolver, PowerDNS Recursor, and dnsmasq forwarding to Unbound.
std::vector<WorldResolverSpec> defaultWorldResolvers();

struct WorldOptions {
  // 0..9: authoritative servers on 127.0.(70+block).x, resolvers on 127.0.(80+block).x.
  int block = 0;
  // TTLs in seconds. record_ttl: A/AAAA/MX/CNAME of the migrating domain and the CDN;
  // ns_ttl_parent: the shop.test. NS records in test.; ns_ttl_child_*: the NS set in
  // each side's own zone; negative_ttl: SOA TTL and minimum of the migrating zone.
  // Everything else (root, test. apex, host zones, glue) has long TTLs: it never changes.
  std::uint32_t record_ttl = 2;
  std::uint32_t ns_ttl_parent = 3;
  std::uint32_t ns_ttl_child_old = 3;
  std::uint32_t ns_ttl_child_new = 3;
  std::uint32_t negative_ttl = 2;
  AuthMake old_make = AuthMake::Nsd;
  AuthMake new_make = AuthMake::Knot;
  // www.shop.test. as a CNAME into cdn.test. (FAULTS F15) instead of an A record. The
  // CNAME targets resolve to the side's own address, so expected values do not change.
  bool old_www_cname = false;
  bool new_www_cname = false;
  // The address the CDN hands out for the NEW CNAME target; empty = newAddress(). Another
  // address tests that the CNAME target alone makes the answer NEW (Expectation::cnames).
  std::string cdn_new_address;
  // The old and new IPv4 addresses of the site (apex and www A); empty = the
  // documentation addresses 192.0.2.10 / 198.51.100.80. Loopback addresses where the
  // test runs web servers (nginx) when the monitor fetches the site ([migration.web]).
  std::string old_v4;
  std::string new_v4;
  std::vector<WorldResolverSpec> resolvers = defaultWorldResolvers();
  Millis start_deadline = Millis(10000);  // per server
};

// A running resolver of the world.
struct WorldResolver {
  std::string name;
  ServerKind make;
  Endpoint endpoint;
};

// The zone one side serves for shop.test., as data: read it with oldZone()/newZone(),
// change a field, write it back with setOldZone()/setNewZone().
struct SideZone {
  std::string address;     // apex A and (without CNAME) www A
  std::string address_v6;  // apex AAAA; empty = none
  std::vector<std::string> ns;  // the zone's own NS set (absolute host names)
  std::uint32_t ns_ttl = 3;
  std::vector<std::string> mx;  // exchanges (absolute), preference 10; empty = no MX (F12)
  std::string www_cname;        // non-empty: www is a CNAME to this absolute name
  std::uint32_t record_ttl = 2;
  std::uint32_t negative_ttl = 2;
  std::vector<std::string> extra_records;  // zone-file lines appended verbatim
};

// The shape of migration a config describes (docs/VERDICT.md "Shapes").
enum class ConfigShape {
  NsAndData,        // name servers, addresses and MX move (watch @ A [AAAA] NS MX, www A)
  AddressOnly,      // the name servers and MX stay: both sides list the OLD NS set and the
                    // old servers (watch @ A [AAAA], www A); switch by editing the OLD zone
  DnsProviderOnly,  // addresses and MX stay (both sides list the OLD ones); watch @ NS
};

// What dnspropConfig() writes besides the world's own facts.
struct ConfigOptions {
  ConfigShape shape = ConfigShape::NsAndData;
  bool new_ipv6 = true;                     // false: the new side lists no IPv6 address
  bool mail_stays = false;                  // MX not watched; the new side lists the OLD MX
  std::vector<std::string> new_cnames;      // the new side's `cnames` (CDN names)
  std::filesystem::path state_dir;          // required (absolute)
  std::uint16_t web_port = 0;               // 0 = a free port on 127.0.0.1
  std::string interval = "1s";
  std::string timeout = "500ms";
  int retries = 1;
  std::string min_parallel = "0s";
  std::optional<std::string> switch_time;   // RFC 3339 with offset
  std::optional<std::string> old_stop;      // [migration.old] stop_date, RFC 3339 with offset
  bool watch_aaaa = false;                  // also watch AAAA at the apex
  bool include_servers = true;              // parent_servers and old/new servers
  std::vector<std::string> resolver_names;  // subset of resolvers(); empty = all
};

class LoopbackWorld {
 public:
  // Starts every server (a few seconds). Throws std::runtime_error when not running as
  // root, or when a server is not installed or does not come up.
  explicit LoopbackWorld(WorldOptions options = {});
  ~LoopbackWorld();
  LoopbackWorld(const LoopbackWorld&) = delete;
  LoopbackWorld& operator=(const LoopbackWorld&) = delete;

  const WorldOptions& options() const { return options_; }

  // ---- topology (all on port 53 except resolvers)
  Endpoint rootServer() const;
  std::vector<Endpoint> parentServers() const;
  std::vector<Endpoint> oldServers() const;
  std::vector<Endpoint> newServers() const;
  Endpoint cdnServer() const;
  const std::vector<WorldResolver>& resolvers() const { return resolvers_; }
  // Throws std::out_of_range for an unknown name.
  const WorldResolver& resolver(std::string_view name) const;
  DnsServer& resolverServer(std::string_view name);

  // ---- expected values ("shop.test.", lower-case, absolute names)
  static std::string domain() { return "shop.test."; }
  static std::string wwwName() { return "www.shop.test."; }
  std::string oldAddress() const;    // "192.0.2.10"
  std::string newAddress() const;    // "198.51.100.80"
  std::string oldAddressV6() const;  // "2001:db8::10"
  std::string newAddressV6() const;  // "2001:db8:5100::80"
  std::vector<std::string> oldNs() const;  // {"ns1.oldhost.test."}
  std::vector<std::string> newNs() const;  // {"ns1.newhost.test."}
  std::vector<std::string> oldMx() const;  // {"mail.shop.test."}
  std::vector<std::string> newMx() const;  // {"mx.newhost.test."}

  // ---- operations; each returns once the servers concerned serve the change
  // Rewrites the parent zone (serial bumped) and reloads it.
  void switchDelegation(Delegation d);
  Delegation delegation() const { return delegation_; }

  AuthState oldState() const { return old_state_; }
  AuthState newState() const { return new_state_; }
  void stopOld();   // F6/F8: the old server goes away
  void startOld();  // back in the state it had before stopOld()
  // F9: true = the old server serves the OLD zone (the default; "ghost domain" when the
  // parent already points to NEW); false = it runs but no longer serves shop.test.
  void oldKeepsServing(bool serving);
  void newServerWithoutZone();  // F11: lame delegation (REFUSED for shop.test.)
  void newServerWithZone();     // undoes newServerWithoutZone()

  SideZone oldZone() const { return old_zone_; }
  SideZone newZone() const { return new_zone_; }
  // Rewrite the side's shop.test. zone (serial bumped) and reload it. When the side is
  // not Serving the data is kept and applied once it serves again.
  void setOldZone(const SideZone& zone);
  void setNewZone(const SideZone& zone);
  void removeNewMx();  // F12: NODATA for MX with the SOA's negative TTL

  // Restarts every resolver with an empty cache.
  void flushResolvers();

  // An upper bound, from the TTLs and each resolver's cache settings, on how long after
  // switchDelegation() returns a resolver may still answer OLD for www A: the NS set and
  // then a record fetched through it must run out (plus one more record TTL behind a
  // forwarder), plus slack for TTL rounding. It holds for every resolver once the old
  // server stops serving the zone, but NOT for a resolver that holdsGhostDelegation()
  // while the old server keeps serving it.
  Millis switchBound() const;
  // Whether the named resolver refreshes the child's NS set from the authority section
  // of the old server's answers, and so stays on OLD indefinitely while that server keeps
  // serving the old zone and the resolver is asked more often than the NS TTL (a "ghost
  // domain", FAULTS F9). Observed here: Knot Resolver 5.6 does; Unbound 1.17 and
  // PowerDNS Recursor 4.8 do not; dnsmasq inherits its upstream's behaviour.
  // Throws std::out_of_range for an unknown name.
  bool holdsGhostDelegation(std::string_view resolver_name) const;

  // A dnsprop TOML config monitoring this world (docs/CONFIG.md). Throws
  // std::invalid_argument for an unknown resolver name or an empty state_dir.
  std::string dnspropConfig(const ConfigOptions& options) const;

  // Log tails of every server, for failure messages.
  std::string diagnostics(std::size_t lines_per_server = 15) const;

 private:
  std::string addr(int host) const;          // "127.0.(70+block).host"
  std::string resolverAddr(int host) const;  // "127.0.(80+block).host"
  std::string rootZone() const;
  std::string parentZone() const;
  std::string sideZoneText(const SideZone& z, std::uint32_t serial) const;
  std::string hostZone(const std::string& zone, const std::string& ns_addr,
                       const std::vector<std::string>& extra) const;
  std::string cdnZone() const;
  Zones oldZones(bool with_domain) const;
  Zones newZones(bool with_domain) const;
  void setSide(bool old_side, AuthState state);
  void startResolvers();
  const WorldResolverSpec& spec(std::string_view name) const;

  WorldOptions options_;
  Delegation delegation_ = Delegation::Old;
  AuthState old_state_ = AuthState::Serving;
  AuthState new_state_ = AuthState::Serving;
  AuthState old_before_stop_ = AuthState::Serving;
  SideZone old_zone_;
  SideZone new_zone_;
  std::uint32_t parent_serial_ = 1;
  std::uint32_t old_serial_ = 1;
  std::uint32_t new_serial_ = 1;
  std::unique_ptr<DnsServer> root_;
  std::unique_ptr<DnsServer> parent_;
  std::unique_ptr<DnsServer> old_;
  std::unique_ptr<DnsServer> new_;
  std::unique_ptr<DnsServer> cdn_;
  std::vector<std::unique_ptr<DnsServer>> resolver_servers_;  // parallel to resolvers_
  std::vector<WorldResolver> resolvers_;
};

}  // namespace dnsprop::test
