#include "support/world.h"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "support/ports.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using namespace std::chrono_literals;

// Host numbers inside the world's /24s.
constexpr int kRootHost = 1;
constexpr int kParentHost = 2;
constexpr int kOldHost = 3;
constexpr int kNewHost = 4;
constexpr int kCdnHost = 5;

// TTL of everything that never changes (root, test. apex, host zones, glue).
constexpr std::uint32_t kStableTtl = 3600;

constexpr const char* kOldV4 = "192.0.2.10";
constexpr const char* kOldV6 = "2001:db8::10";
constexpr const char* kOldMailV4 = "192.0.2.25";
constexpr const char* kNewV4 = "198.51.100.80";
constexpr const char* kNewV6 = "2001:db8:5100::80";
constexpr const char* kNewMailV4 = "198.51.100.25";
constexpr const char* kOldNs = "ns1.oldhost.test.";
constexpr const char* kNewNs = "ns1.newhost.test.";
constexpr const char* kOldMx = "mail.shop.test.";
constexpr const char* kNewMx = "mx.newhost.test.";
constexpr const char* kOldCdnTarget = "old-shop.cdn.test.";
constexpr const char* kNewCdnTarget = "shop.cdn.test.";

// How long one server may take to show a reloaded zone, and how often the write is
// repeated meanwhile: NSD notices a change by the file's mtime, so a rewrite within the
// same timestamp granule as the previous one could go unseen; writing again fixes that.
constexpr Millis kReloadDeadline = 15s;
constexpr Millis kReloadRetry = 1500ms;

Endpoint ep53(const std::string& addr) { return *Endpoint::parse(addr, 53); }

// The serial of `zone`'s SOA as `server` answers it (RD=0), if it answers.
std::optional<std::uint32_t> soaSerial(const Endpoint& server, const std::string& zone) {
  const auto r = lookup(server, zone, kTypeSOA, false, 300ms);
  if (!r || r->rcode != kRcodeNoError) return std::nullopt;
  for (const auto& rd : r->answerRdata(kTypeSOA)) {
    std::istringstream in(rd);
    std::string mname, rname;
    std::uint64_t serial = 0;
    if (in >> mname >> rname >> serial) return static_cast<std::uint32_t>(serial);
  }
  return std::nullopt;
}

// Writes `zones` into `server`, reloads, and waits until `check_zone` is served with
// `serial`, writing again now and then (see kReloadRetry).
void applyZones(DnsServer& server, const Zones& zones, const std::string& check_zone,
                std::uint32_t serial) {
  const auto end = std::chrono::steady_clock::now() + kReloadDeadline;
  std::optional<std::uint32_t> seen;
  do {
    server.updateZones(zones);
    if (pollUntil(kReloadRetry, [&] {
          seen = soaSerial(server.endpoint(), check_zone);
          return seen == serial;
        }, 50ms)) {
      return;
    }
  } while (std::chrono::steady_clock::now() < end);
  throw std::runtime_error(server.process().failure(
      "does not serve " + check_zone + " serial " + std::to_string(serial) + " after reload (" +
      (seen ? "still serial " + std::to_string(*seen) : std::string("no SOA answer")) + ")"));
}

std::unique_ptr<DnsServer> startAuth(AuthMake make, const std::string& addr, const Zones& zones) {
  switch (make) {
    case AuthMake::Nsd:
      return startNsd(addr, 53, zones);
    case AuthMake::Knot:
      return startKnot(addr, 53, zones);
  }
  throw std::invalid_argument("unknown AuthMake");
}

bool safeName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
}

// A TOML basic string.
std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  return out + "\"";
}

std::string qList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + q(items[i]);
  return out + "]";
}

std::string noDot(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// The shortest TTL a resolver make keeps by default (PowerDNS Recursor's
// minimum-ttl-override is 1; kresd gets 0 from the world; the others keep TTLs as given).
std::uint32_t defaultMinTtl(ServerKind kind) {
  switch (kind) {
    case ServerKind::PdnsRecursor:
      return 1;
    case ServerKind::Nsd:
    case ServerKind::Knot:
    case ServerKind::Unbound:
    case ServerKind::Kresd:
    case ServerKind::Dnsmasq:
      return 0;
  }
  return 0;
}

}  // namespace

std::string_view toString(Delegation d) {
  switch (d) {
    case Delegation::Old:
      return "old";
    case Delegation::New:
      return "new";
    case Delegation::Both:
      return "both";
  }
  return "unknown";
}

std::string_view toString(AuthState s) {
  switch (s) {
    case AuthState::Serving:
      return "serving";
    case AuthState::Lame:
      return "lame";
    case AuthState::Stopped:
      return "stopped";
  }
  return "unknown";
}

std::vector<WorldResolverSpec> defaultWorldResolvers() {
  std::vector<WorldResolverSpec> out(4);
  out[0].name = "unbound";
  out[0].kind = ServerKind::Unbound;
  out[1].name = "kresd";
  out[1].kind = ServerKind::Kresd;
  out[2].name = "pdns-recursor";
  out[2].kind = ServerKind::PdnsRecursor;
  out[3].name = "dnsmasq";
  out[3].kind = ServerKind::Dnsmasq;
  out[3].forward_to = "unbound";
  return out;
}

// ---------------------------------------------------------------- construction

LoopbackWorld::LoopbackWorld(WorldOptions options) : options_(std::move(options)) {
  if (::geteuid() != 0) {
    throw std::runtime_error(
        "LoopbackWorld needs root: its authoritative servers must listen on port 53 "
        "(delegations carry no ports); run the test as root, as CI does");
  }
  if (options_.block < 0 || options_.block > 9) {
    throw std::invalid_argument("WorldOptions.block must be 0..9");
  }
  old_zone_.address = oldAddress();
  old_zone_.address_v6 = kOldV6;
  old_zone_.ns = {kOldNs};
  old_zone_.ns_ttl = options_.ns_ttl_child_old;
  old_zone_.mx = {kOldMx};
  old_zone_.record_ttl = options_.record_ttl;
  old_zone_.negative_ttl = options_.negative_ttl;
  old_zone_.extra_records = {"mail A " + std::string(kOldMailV4)};
  if (options_.old_www_cname) old_zone_.www_cname = kOldCdnTarget;
  new_zone_.address = newAddress();
  new_zone_.address_v6 = kNewV6;
  new_zone_.ns = {kNewNs};
  new_zone_.ns_ttl = options_.ns_ttl_child_new;
  new_zone_.mx = {kNewMx};
  new_zone_.record_ttl = options_.record_ttl;
  new_zone_.negative_ttl = options_.negative_ttl;
  if (options_.new_www_cname) new_zone_.www_cname = kNewCdnTarget;

  // Leaves first, so that every delegation points at a server that already answers.
  old_ = startAuth(options_.old_make, addr(kOldHost), oldZones(true));
  new_ = startAuth(options_.new_make, addr(kNewHost), newZones(true));
  cdn_ = startNsd(addr(kCdnHost), 53, {{"cdn.test.", cdnZone()}});
  parent_ = startNsd(addr(kParentHost), 53, {{"test.", parentZone()}});
  root_ = startNsd(addr(kRootHost), 53, {{".", rootZone()}});
  startResolvers();
}

LoopbackWorld::~LoopbackWorld() {
  // Resolvers first (dnsmasq before its upstream), then the hierarchy top-down.
  for (auto it = resolver_servers_.rbegin(); it != resolver_servers_.rend(); ++it) it->reset();
  root_.reset();
  parent_.reset();
  cdn_.reset();
  new_.reset();
  old_.reset();
}

void LoopbackWorld::startResolvers() {
  std::set<std::string> names;
  for (std::size_t i = 0; i < options_.resolvers.size(); ++i) {
    const auto& spec = options_.resolvers[i];
    if (!safeName(spec.name)) {
      throw std::invalid_argument("world resolver name \"" + spec.name +
                                  "\" is not 1..64 of [A-Za-z0-9_.-]");
    }
    if (!names.insert(spec.name).second) {
      throw std::invalid_argument("world resolver name \"" + spec.name + "\" is used twice");
    }
    ResolverOptions o;
    o.serve_expired = spec.serve_expired;
    o.cache_max_ttl = spec.cache_max_ttl;
    o.cache_min_ttl = spec.cache_min_ttl;
    if (!o.cache_min_ttl && spec.kind == ServerKind::Kresd) o.cache_min_ttl = 0;
    o.ready_deadline = options_.start_deadline;
    o.extra_config = spec.extra_config;
    if (spec.kind == ServerKind::PdnsRecursor &&
        std::none_of(o.extra_config.begin(), o.extra_config.end(), [](const std::string& a) {
          return a.find("packetcache-servfail-ttl") != std::string::npos;
        })) {
      o.extra_config.push_back("--packetcache-servfail-ttl=" +
                               std::to_string(options_.negative_ttl));
    }
    if (spec.kind == ServerKind::Dnsmasq) {
      // dnsmasq does not iterate: it forwards to a resolver of the world that does.
      const WorldResolver* upstream = nullptr;
      for (const auto& r : resolvers_) {
        if (r.make == ServerKind::Dnsmasq) continue;
        if (spec.forward_to.empty() || r.name == spec.forward_to) {
          upstream = &r;
          break;
        }
      }
      if (!upstream) {
        throw std::invalid_argument("world resolver \"" + spec.name +
                                    "\": forward_to must name an iterating resolver listed "
                                    "before it (got \"" + spec.forward_to + "\")");
      }
      o.forward_zones["test."] = {atForm(upstream->endpoint)};
    } else {
      o.root_hints = {{"ns.root.", addr(kRootHost)}};
    }
    const std::string a = resolverAddr(static_cast<int>(i) + 1);
    auto server = startResolver(spec.kind, a, freeUdpTcpPort(a), o);
    resolvers_.push_back({spec.name, spec.kind, server->endpoint()});
    resolver_servers_.push_back(std::move(server));
  }
}

// ---------------------------------------------------------------- zones

std::string LoopbackWorld::addr(int host) const {
  return "127.0." + std::to_string(70 + options_.block) + "." + std::to_string(host);
}

std::string LoopbackWorld::resolverAddr(int host) const {
  return "127.0." + std::to_string(80 + options_.block) + "." + std::to_string(host);
}

std::string LoopbackWorld::rootZone() const {
  std::ostringstream z;
  z << "$ORIGIN .\n$TTL " << kStableTtl << "\n"
    << ". SOA ns.root. hostmaster.root. 1 60 60 600 60\n"
    << ". NS ns.root.\n"
    << "ns.root. A " << addr(kRootHost) << "\n"
    << "test. NS ns1.nic.test.\n"
    << "ns1.nic.test. A " << addr(kParentHost) << "\n";
  return z.str();
}

std::string LoopbackWorld::parentZone() const {
  std::ostringstream z;
  z << "$ORIGIN test.\n$TTL " << kStableTtl << "\n"
    << "@ 60 SOA ns1.nic.test. hostmaster.nic.test. " << parent_serial_ << " 60 60 600 "
    << options_.negative_ttl << "\n"
    << "@ NS ns1.nic.test.\n"
    << "ns1.nic A " << addr(kParentHost) << "\n"
    << "oldhost NS ns1.oldhost.test.\n"
    << "ns1.oldhost A " << addr(kOldHost) << "\n"
    << "newhost NS ns1.newhost.test.\n"
    << "ns1.newhost A " << addr(kNewHost) << "\n"
    << "cdn NS ns1.cdn.test.\n"
    << "ns1.cdn A " << addr(kCdnHost) << "\n";
  std::vector<std::string> ns;
  switch (delegation_) {
    case Delegation::Old:
      ns = oldNs();
      break;
    case Delegation::New:
      ns = newNs();
      break;
    case Delegation::Both:
      ns = oldNs();
      for (const auto& n : newNs()) ns.push_back(n);
      break;
  }
  for (const auto& n : ns) z << "shop " << options_.ns_ttl_parent << " NS " << n << "\n";
  return z.str();
}

std::string LoopbackWorld::sideZoneText(const SideZone& s, std::uint32_t serial) const {
  std::ostringstream z;
  const std::string mname = s.ns.empty() ? std::string(kOldNs) : s.ns.front();
  z << "$ORIGIN shop.test.\n$TTL " << s.record_ttl << "\n"
    << "@ " << s.negative_ttl << " SOA " << mname << " hostmaster.shop.test. " << serial
    << " 60 60 600 " << s.negative_ttl << "\n";
  for (const auto& n : s.ns) z << "@ " << s.ns_ttl << " NS " << n << "\n";
  if (!s.address.empty()) z << "@ A " << s.address << "\n";
  if (!s.address_v6.empty()) z << "@ AAAA " << s.address_v6 << "\n";
  if (!s.www_cname.empty()) {
    z << "www CNAME " << s.www_cname << "\n";
  } else if (!s.address.empty()) {
    z << "www A " << s.address << "\n";
  }
  for (const auto& m : s.mx) z << "@ MX 10 " << m << "\n";
  for (const auto& line : s.extra_records) z << line << "\n";
  return z.str();
}

std::string LoopbackWorld::hostZone(const std::string& zone, const std::string& ns_addr,
                                    const std::vector<std::string>& extra) const {
  std::ostringstream z;
  z << "$ORIGIN " << zone << "\n$TTL " << kStableTtl << "\n"
    << "@ SOA ns1." << zone << " hostmaster." << zone << " 1 60 60 600 60\n"
    << "@ NS ns1." << zone << "\n"
    << "ns1 A " << ns_addr << "\n";
  for (const auto& line : extra) z << line << "\n";
  return z.str();
}

std::string LoopbackWorld::cdnZone() const {
  std::ostringstream z;
  z << "$ORIGIN cdn.test.\n$TTL " << options_.record_ttl << "\n"
    << "@ " << kStableTtl << " SOA ns1.cdn.test. hostmaster.cdn.test. 1 60 60 600 "
    << options_.negative_ttl << "\n"
    << "@ " << kStableTtl << " NS ns1.cdn.test.\n"
    << "ns1 " << kStableTtl << " A " << addr(kCdnHost) << "\n"
    << kOldCdnTarget << " A " << oldAddress() << "\n"
    << kNewCdnTarget << " A " << (options_.cdn_new_address.empty() ? newAddress() : options_.cdn_new_address) << "\n";
  return z.str();
}

Zones LoopbackWorld::oldZones(bool with_domain) const {
  Zones z{{"oldhost.test.", hostZone("oldhost.test.", addr(kOldHost), {})}};
  if (with_domain) z["shop.test."] = sideZoneText(old_zone_, old_serial_);
  return z;
}

Zones LoopbackWorld::newZones(bool with_domain) const {
  Zones z{{"newhost.test.",
           hostZone("newhost.test.", addr(kNewHost), {"mx A " + std::string(kNewMailV4)})}};
  if (with_domain) z["shop.test."] = sideZoneText(new_zone_, new_serial_);
  return z;
}

// ---------------------------------------------------------------- accessors

Endpoint LoopbackWorld::rootServer() const { return ep53(addr(kRootHost)); }
std::vector<Endpoint> LoopbackWorld::parentServers() const { return {ep53(addr(kParentHost))}; }
std::vector<Endpoint> LoopbackWorld::oldServers() const { return {ep53(addr(kOldHost))}; }
std::vector<Endpoint> LoopbackWorld::newServers() const { return {ep53(addr(kNewHost))}; }
Endpoint LoopbackWorld::cdnServer() const { return ep53(addr(kCdnHost)); }

const WorldResolver& LoopbackWorld::resolver(std::string_view name) const {
  for (const auto& r : resolvers_) {
    if (r.name == name) return r;
  }
  throw std::out_of_range("no world resolver named " + std::string(name));
}

DnsServer& LoopbackWorld::resolverServer(std::string_view name) {
  for (std::size_t i = 0; i < resolvers_.size(); ++i) {
    if (resolvers_[i].name == name) return *resolver_servers_[i];
  }
  throw std::out_of_range("no world resolver named " + std::string(name));
}

std::string LoopbackWorld::oldAddress() const { return options_.old_v4.empty() ? kOldV4 : options_.old_v4; }
std::string LoopbackWorld::newAddress() const { return options_.new_v4.empty() ? kNewV4 : options_.new_v4; }
std::string LoopbackWorld::oldAddressV6() const { return kOldV6; }
std::string LoopbackWorld::newAddressV6() const { return kNewV6; }
std::vector<std::string> LoopbackWorld::oldNs() const { return {kOldNs}; }
std::vector<std::string> LoopbackWorld::newNs() const { return {kNewNs}; }
std::vector<std::string> LoopbackWorld::oldMx() const { return {kOldMx}; }
std::vector<std::string> LoopbackWorld::newMx() const { return {kNewMx}; }

// ---------------------------------------------------------------- operations

void LoopbackWorld::switchDelegation(Delegation d) {
  delegation_ = d;
  ++parent_serial_;
  applyZones(*parent_, {{"test.", parentZone()}}, "test.", parent_serial_);
  // The new SOA serial can be visible before every NSD server process serves the new
  // referral (old processes finish their queries during a reload; seen under ASan): wait
  // until the referral itself lists the expected name servers.
  std::vector<std::string> want;
  if (d != Delegation::New) {
    const auto o = oldNs();
    want.insert(want.end(), o.begin(), o.end());
  }
  if (d != Delegation::Old) {
    const auto n = newNs();
    want.insert(want.end(), n.begin(), n.end());
  }
  std::sort(want.begin(), want.end());
  const bool ok = pollUntil(Millis(15000), [&] {
    const auto reply = lookup(parentServers().at(0), domain(), kTypeNS, false, Millis(500));
    if (!reply) return false;
    std::vector<std::string> got;
    for (const auto& rec : reply->authority) {
      if (rec.type == kTypeNS) got.push_back(rec.rdata);
    }
    std::sort(got.begin(), got.end());
    return got == want;
  });
  if (!ok) throw std::runtime_error("parent did not serve the new delegation in 15 s\n" + diagnostics());
}

void LoopbackWorld::setSide(bool old_side, AuthState state) {
  auto& server = old_side ? old_ : new_;
  auto& current = old_side ? old_state_ : new_state_;
  if (state == current) return;
  switch (state) {
    case AuthState::Stopped:
      if (old_side) old_before_stop_ = current;
      server->stop();
      break;
    case AuthState::Serving:
    case AuthState::Lame:
      // A fresh server with the zone set of the new state: NSD cannot drop or add a zone
      // on SIGHUP without nsd-control, and a restart is quick.
      server.reset();
      server = old_side
                   ? startAuth(options_.old_make, addr(kOldHost), oldZones(state == AuthState::Serving))
                   : startAuth(options_.new_make, addr(kNewHost), newZones(state == AuthState::Serving));
      break;
  }
  current = state;
}

void LoopbackWorld::stopOld() { setSide(true, AuthState::Stopped); }

void LoopbackWorld::startOld() {
  if (old_state_ == AuthState::Stopped) setSide(true, old_before_stop_);
}

void LoopbackWorld::oldKeepsServing(bool serving) {
  setSide(true, serving ? AuthState::Serving : AuthState::Lame);
}

void LoopbackWorld::newServerWithoutZone() { setSide(false, AuthState::Lame); }
void LoopbackWorld::newServerWithZone() { setSide(false, AuthState::Serving); }

void LoopbackWorld::setOldZone(const SideZone& zone) {
  old_zone_ = zone;
  ++old_serial_;
  if (old_state_ == AuthState::Serving) {
    applyZones(*old_, {{"shop.test.", sideZoneText(old_zone_, old_serial_)}}, "shop.test.",
               old_serial_);
  }
}

void LoopbackWorld::setNewZone(const SideZone& zone) {
  new_zone_ = zone;
  ++new_serial_;
  if (new_state_ == AuthState::Serving) {
    applyZones(*new_, {{"shop.test.", sideZoneText(new_zone_, new_serial_)}}, "shop.test.",
               new_serial_);
  }
}

void LoopbackWorld::removeNewMx() {
  SideZone z = new_zone_;
  z.mx.clear();
  setNewZone(z);
}

void LoopbackWorld::flushResolvers() {
  for (std::size_t i = 0; i < resolver_servers_.size(); ++i) {
    auto& server = *resolver_servers_[i];
    server.stop();
    if (server.kind() == ServerKind::Kresd) {
      // kresd keeps its cache in LMDB files that survive a restart.
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(server.dir() / "cache", ec)) {
        std::filesystem::remove_all(e.path(), ec);
      }
    }
    server.start(options_.start_deadline);
  }
}

Millis LoopbackWorld::switchBound() const {
  const std::uint32_t ns_ttl =
      std::max({options_.ns_ttl_parent, options_.ns_ttl_child_old, old_zone_.ns_ttl});
  const std::uint32_t rec_ttl = std::max(old_zone_.record_ttl, options_.record_ttl);
  auto held = [](const WorldResolverSpec& s, std::uint32_t ttl) -> std::uint64_t {
    std::uint64_t t = std::max<std::uint64_t>(ttl, s.cache_min_ttl.value_or(defaultMinTtl(s.kind)));
    if (s.cache_max_ttl) t = std::min<std::uint64_t>(t, *s.cache_max_ttl);
    return t;
  };
  // Seconds each resolver may keep answering OLD, by name (forwarders add to upstream).
  std::vector<std::uint64_t> bound(options_.resolvers.size(), 0);
  std::uint64_t worst = 0;
  for (std::size_t i = 0; i < options_.resolvers.size(); ++i) {
    const auto& s = options_.resolvers[i];
    // The old NS set runs out, then a record fetched through it just before; a CNAME in
    // front of it doubles the record part; serve-expired may hand out one more stale copy.
    std::uint64_t b = held(s, ns_ttl) + held(s, rec_ttl) * (old_zone_.www_cname.empty() ? 1 : 2);
    if (s.serve_expired) b += held(s, rec_ttl);
    if (s.kind == ServerKind::Dnsmasq) {
      std::uint64_t upstream = 0;
      for (std::size_t j = 0; j < i; ++j) {
        const auto& u = options_.resolvers[j];
        if (u.kind == ServerKind::Dnsmasq) continue;
        if (s.forward_to.empty() || u.name == s.forward_to) {
          upstream = bound[j];
          break;
        }
      }
      b = upstream + held(s, rec_ttl);
    }
    bound[i] = b;
    worst = std::max(worst, b);
  }
  // Slack: TTLs are counted in whole seconds by every cache (up to 1 s per cache on the
  // way), and the resolvers' clocks tick independently of ours.
  return Millis(worst * 1000 + 3000);
}

const WorldResolverSpec& LoopbackWorld::spec(std::string_view name) const {
  for (const auto& s : options_.resolvers) {
    if (s.name == name) return s;
  }
  throw std::out_of_range("no world resolver named " + std::string(name));
}

bool LoopbackWorld::holdsGhostDelegation(std::string_view resolver_name) const {
  const WorldResolverSpec& s = spec(resolver_name);
  if (s.kind == ServerKind::Dnsmasq) {
    for (const auto& u : options_.resolvers) {
      if (u.kind != ServerKind::Dnsmasq && (s.forward_to.empty() || u.name == s.forward_to)) {
        return holdsGhostDelegation(u.name);
      }
    }
    return false;
  }
  switch (s.kind) {
    case ServerKind::Kresd:
      return true;
    case ServerKind::Nsd:
    case ServerKind::Knot:
    case ServerKind::Unbound:
    case ServerKind::PdnsRecursor:
    case ServerKind::Dnsmasq:
      return false;
  }
  return false;
}

// ---------------------------------------------------------------- config

std::string LoopbackWorld::dnspropConfig(const ConfigOptions& o) const {
  if (o.state_dir.empty()) throw std::invalid_argument("ConfigOptions.state_dir is required");
  std::vector<const WorldResolver*> chosen;
  if (o.resolver_names.empty()) {
    for (const auto& r : resolvers_) chosen.push_back(&r);
  } else {
    for (const auto& n : o.resolver_names) {
      try {
        chosen.push_back(&resolver(n));
      } catch (const std::out_of_range&) {
        throw std::invalid_argument("ConfigOptions.resolver_names: no world resolver \"" + n +
                                    "\"");
      }
    }
  }
  const std::uint16_t port = o.web_port ? o.web_port : freeUdpTcpPort("127.0.0.1");
  auto addresses = [](const std::vector<Endpoint>& eps) {
    std::vector<std::string> out;
    for (const auto& e : eps) out.push_back(e.toString());
    return out;
  };

  std::ostringstream t;
  t << "# Written by LoopbackWorld (tests/support/world.cc): dnsprop watching shop.test.\n"
    << "# move from " << noDot(kOldNs) << " to " << noDot(kNewNs) << " on loopback.\n\n"
    << "[monitor]\n"
    << "interval = " << q(o.interval) << "\n"
    << "timeout = " << q(o.timeout) << "\n"
    << "retries = " << o.retries << "\n"
    << "vantage = \"loopback-world\"\n"
    << "state_dir = " << q(o.state_dir.string()) << "\n\n"
    << "[web]\n"
    << "listen = [" << q("127.0.0.1:" + std::to_string(port)) << "]\n\n"
    << "[resolvers]\n"
    << "extra = [\n";
  for (const auto* r : chosen) {
    t << "  { address = " << q(r->endpoint.toString()) << ", name = " << q(r->name)
      << ", operator = " << q("loopback world (" + std::string(toString(r->make)) + ")")
      << " },\n";
  }
  t << "]\n\n"
    << "[[migration]]\n"
    << "domain = " << q(noDot(domain())) << "\n"
    << "min_parallel = " << q(o.min_parallel) << "\n";
  if (o.switch_time) t << "switch_time = " << q(*o.switch_time) << "\n";
  const std::string aaaa = o.watch_aaaa ? "\"AAAA\", " : "";
  t << "watch = [\n";
  switch (o.shape) {
    case ConfigShape::NsAndData:
      t << "  { name = \"@\", types = [\"A\", " << aaaa << "\"NS\"" << (o.mail_stays ? "" : ", \"MX\"")
        << "] },\n"
        << "  { name = \"www\", types = [\"A\"] },\n";
      break;
    case ConfigShape::AddressOnly:
      t << "  { name = \"@\", types = [\"A\"" << (o.watch_aaaa ? ", \"AAAA\"" : "") << "] },\n"
        << "  { name = \"www\", types = [\"A\"] },\n";
      break;
    case ConfigShape::DnsProviderOnly:
      t << "  { name = \"@\", types = [\"NS\"] },\n";
      break;
  }
  t << "]\n";
  if (o.include_servers) t << "parent_servers = " << qList(addresses(parentServers())) << "\n";
  auto side = [&](const char* name, const std::string& v4, const std::string& v6,
                  const std::vector<std::string>& ns, const std::vector<std::string>& mx,
                  const std::vector<Endpoint>& servers, const std::vector<std::string>& cnames = {}) {
    std::vector<std::string> addrs{v4};
    if (!v6.empty()) addrs.push_back(v6);
    t << "\n[migration." << name << "]\n"
      << "addresses = " << qList(addrs) << "\n"
      << "ns = " << qList(ns) << "\n"
      << "mx = " << qList(mx) << "\n";
    if (!cnames.empty()) t << "cnames = " << qList(cnames) << "\n";
    if (o.include_servers) t << "servers = " << qList(addresses(servers)) << "\n";
  };
  const std::string new_v6 = o.new_ipv6 ? newAddressV6() : "";
  side("old", oldAddress(), oldAddressV6(), oldNs(), oldMx(), oldServers());
  if (o.old_stop) t << "stop_date = " << q(*o.old_stop) << "\n";
  switch (o.shape) {
    case ConfigShape::NsAndData:
      side("new", newAddress(), new_v6, newNs(), o.mail_stays ? oldMx() : newMx(), newServers(), o.new_cnames);
      break;
    case ConfigShape::AddressOnly:
      side("new", newAddress(), new_v6, oldNs(), oldMx(), oldServers());
      break;
    case ConfigShape::DnsProviderOnly:
      side("new", oldAddress(), oldAddressV6(), newNs(), oldMx(), newServers());
      break;
  }
  return t.str();
}

std::string LoopbackWorld::diagnostics(std::size_t lines) const {
  std::ostringstream out;
  auto dump = [&](const std::string& what, const std::unique_ptr<DnsServer>& s) {
    if (!s) return;
    out << "--- " << what << " (" << toString(s->kind()) << " " << s->endpoint().toString()
        << ") ---\n"
        << s->logTail(lines);
  };
  dump("root", root_);
  dump("parent", parent_);
  dump("old [" + std::string(toString(old_state_)) + "]", old_);
  dump("new [" + std::string(toString(new_state_)) + "]", new_);
  dump("cdn", cdn_);
  for (std::size_t i = 0; i < resolvers_.size(); ++i) {
    dump("resolver " + resolvers_[i].name, resolver_servers_[i]);
  }
  return out.str();
}

}  // namespace dnsprop::test
