#include "support/dns_servers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/net_util.h"
#include "support/unique_fd.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStopGrace = std::chrono::seconds(5);
// The dead root every resolver is pointed at unless the test provides hints: nothing
// listens there, so resolution outside the configured zones fails fast and locally.
constexpr const char* kDeadRoot = "127.0.0.254";

std::string normalizeZone(std::string zone) {
  if (zone.empty() || zone.back() != '.') zone.push_back('.');
  return zone;
}

// "127.0.0.2@5353" or "127.0.0.2" (port 53) -> Endpoint.
Endpoint parseAt(const std::string& text) {
  const auto at = text.find('@');
  const std::string addr = text.substr(0, at);
  int port = 53;
  if (at != std::string::npos) {
    const std::string p = text.substr(at + 1);
    char* end = nullptr;
    const long v = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || v < 1 || v > 65535) {
      throw std::invalid_argument("bad port in '" + text + "' (want addr@port)");
    }
    port = static_cast<int>(v);
  }
  return loopbackEndpoint(addr, static_cast<std::uint16_t>(port));
}

std::filesystem::path requireBinary(const std::string& name) {
  auto path = findExecutable(name);
  if (!path) {
    throw std::runtime_error(name + " not installed: run scripts/install-deps.sh --test");
  }
  return *path;
}

std::string rootHintsText(const ResolverOptions& o) {
  std::ostringstream ss;
  auto hints = o.root_hints;
  if (hints.empty()) hints.emplace_back("a.root.invalid.", kDeadRoot);
  for (const auto& [name, addr] : hints) {
    (void)loopbackEndpoint(addr, 53);  // loopback only
    const std::string ns = normalizeZone(name);
    ss << ".\t3600000\tIN\tNS\t" << ns << "\n";
    ss << ns << "\t3600000\tIN\t" << (isV6(addr) ? "AAAA" : "A") << "\t" << addr << "\n";
  }
  return ss.str();
}

// Whether any address the resolver listens on or talks to is IPv6.
bool needsV6(const std::string& addr, const ResolverOptions& o) {
  if (isV6(addr)) return true;
  for (const auto* zones : {&o.stub_zones, &o.forward_zones}) {
    for (const auto& [zone, list] : *zones) {
      for (const auto& a : list) {
        if (parseAt(a).family() == Endpoint::Family::V6) return true;
      }
    }
  }
  for (const auto& [name, a] : o.root_hints) {
    if (isV6(a)) return true;
  }
  return false;
}

void rejectUnsupported(ServerKind kind, const ResolverOptions& o, bool access_control,
                       bool trust_anchors, bool root_hints) {
  const std::string who(toString(kind));
  if (!access_control && !o.access_control.empty()) {
    throw std::invalid_argument(who + ": access_control is unbound-only; use extra_config");
  }
  if (!trust_anchors && !o.trust_anchors.empty()) {
    throw std::invalid_argument(who + ": DNSSEC validation (trust_anchors) not supported here");
  }
  if (!root_hints && !o.root_hints.empty()) {
    throw std::invalid_argument(who + ": does not iterate, root_hints cannot apply");
  }
}

std::string luaQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

}  // namespace

// ---------------------------------------------------------------- ServerProcess

ServerProcess::ServerProcess(std::string name, std::vector<std::string> argv,
                             std::filesystem::path workdir, std::filesystem::path log_file)
    : name_(std::move(name)),
      argv_(std::move(argv)),
      workdir_(std::move(workdir)),
      log_file_(std::move(log_file)) {
  if (argv_.empty()) throw std::invalid_argument("ServerProcess: empty argv");
}

ServerProcess::~ServerProcess() { stop(); }

void ServerProcess::start() {
  if (pid_ > 0) throw std::runtime_error(name_ + ": already running");
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed (other test threads may hold malloc locks).
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string workdir = workdir_.string();
  UniqueFd log_fd(::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log_fd.valid()) {
    throw std::runtime_error(name_ + ": cannot open " + log_file_.string() + ": " +
                             std::strerror(errno));
  }
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(name_ + ": pipe2: " + std::strerror(errno));
  }
  UniqueFd err_read(errpipe[0]);
  UniqueFd err_write(errpipe[1]);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(name_ + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // own group: stop() signals the server and any children it forks
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before prctl took effect
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(devnull.get(), 0);
    ::dup2(log_fd.get(), 1);
    ::dup2(log_fd.get(), 2);
    int rc = ::chdir(workdir.c_str());
    if (rc == 0) {
      ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);  // sockets of other tests, leaked fds
      ::execv(args[0], args.data());
    }
    const int e = errno;
    [[maybe_unused]] auto n = ::write(err_write.get(), &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before start() returns
  pid_ = pid;
  exit_status_.reset();
  err_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    reap(true);
    throw std::runtime_error(name_ + ": cannot exec " + argv_[0] + ": " +
                             std::strerror(child_errno));
  }
}

void ServerProcess::reap(bool block) {
  if (pid_ <= 0) return;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    exit_status_ = r != pid_           ? -1
                   : WIFEXITED(status) ? WEXITSTATUS(status)
                                       : 128 + WTERMSIG(status);
    // Children the server forked (NSD's) must not keep its ports: kill what is left of
    // the group. The group id cannot be reused while any member is alive.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
  }
}

bool ServerProcess::running() {
  reap(false);
  return pid_ > 0;
}

void ServerProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> ServerProcess::waitExit(Millis deadline) {
  if (pollUntil(deadline, [&] { return !running(); }, Millis(10))) return exit_status_;
  return std::nullopt;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  if (!pollUntil(kStopGrace, [&] { return !running(); }, Millis(10))) {
    ::kill(-pid_, SIGKILL);
    reap(true);
  }
}

std::string ServerProcess::logTail(std::size_t max_lines) const {
  std::ifstream in(log_file_);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string ServerProcess::failure(const std::string& what) const {
  std::ostringstream ss;
  ss << name_ << ": " << what << "\n--- last lines of " << log_file_.string() << " ---\n"
     << logTail() << "--- end of log ---";
  return ss.str();
}

void ServerProcess::waitReady(const ReadyProbe& probe, Millis deadline) {
  const auto end = Clock::now() + deadline;
  for (;;) {
    if (!running()) {
      throw std::runtime_error(failure("exited with status " +
                                       std::to_string(exit_status_.value_or(-1)) +
                                       " before answering on " + probe.server.toString()));
    }
    const auto attempt_start = Clock::now();
    auto wire = exchangeUdp(probe.server, makeQuery(probe.name, probe.qtype, false, probe.qclass),
                            Millis(250));
    if (wire) {
      auto reply = parseReply(*wire);
      if (reply && reply->qr) return;
    }
    if (Clock::now() >= end) {
      throw std::runtime_error(failure(
          "no DNS reply on " + probe.server.toString() + " to " + probe.name + " within " +
          std::to_string(deadline.count()) + " ms"));
    }
    // A refused connection returns at once: do not spin.
    std::this_thread::sleep_until(attempt_start + Millis(100));
  }
}

// ---------------------------------------------------------------- DnsServer

std::string_view toString(ServerKind kind) {
  switch (kind) {
    case ServerKind::Nsd:
      return "nsd";
    case ServerKind::Knot:
      return "knot";
    case ServerKind::Unbound:
      return "unbound";
    case ServerKind::Kresd:
      return "kresd";
    case ServerKind::PdnsRecursor:
      return "pdns_recursor";
    case ServerKind::Dnsmasq:
      return "dnsmasq";
  }
  return "unknown";
}

DnsServer::DnsServer(ServerKind kind, Endpoint endpoint, TempDir dir,
                     std::vector<std::string> argv, ReadyProbe probe,
                     std::vector<std::string> zones)
    : kind_(kind),
      endpoint_(endpoint),
      dir_(std::move(dir)),
      zones_(std::move(zones)),
      probe_(std::move(probe)),
      process_(std::make_unique<ServerProcess>(std::string(toString(kind)), std::move(argv),
                                               dir_.path(),
                                               dir_ / (std::string(toString(kind)) + ".log"))) {}

DnsServer::~DnsServer() { process_->stop(); }

void DnsServer::start(Millis deadline) {
  process_->start();
  process_->waitReady(probe_, deadline);
}

std::string DnsServer::zoneFileName(const std::string& zone) {
  std::string z = normalizeZone(zone);
  z.pop_back();
  if (z.empty()) z = "root";
  for (auto& c : z) {
    if (c == '/') c = '_';
  }
  return z + ".zone";
}

void DnsServer::updateZones(const Zones& zones) {
  if (kind_ != ServerKind::Nsd && kind_ != ServerKind::Knot) {
    throw std::invalid_argument(std::string(toString(kind_)) + " serves no zones");
  }
  for (const auto& [zone, text] : zones) {
    const auto z = normalizeZone(zone);
    if (std::find(zones_.begin(), zones_.end(), z) == zones_.end()) {
      throw std::invalid_argument(std::string(toString(kind_)) + " was not started with zone " + z);
    }
    dir_.writeFile(zoneFileName(z), text);
  }
  reload();
}

void DnsServer::reload() {
  switch (kind_) {
    case ServerKind::Nsd:
      // NSD 4.6 re-reads zone files whose mtime changed on SIGHUP (checked: no serial
      // bump needed). Only the main process handles it.
      process_->signal(SIGHUP);
      return;
    case ServerKind::Knot: {
      // -b: wait until the reload has finished, so the caller sees the new data at once.
      ServerProcess knotc("knotc", {requireBinary("knotc").string(), "-b", "-s",
                                    (dir_ / "knot.sock").string(), "zone-reload"},
                          dir_.path(), dir_ / "knotc.log");
      knotc.start();
      const auto rc = knotc.waitExit(Millis(15000));
      if (!rc || *rc != 0) {
        throw std::runtime_error(knotc.failure("zone-reload failed (status " +
                                               (rc ? std::to_string(*rc) : "timeout") + ")") +
                                 "\n" + process_->failure("server log"));
      }
      return;
    }
    case ServerKind::Unbound:
    case ServerKind::Kresd:
    case ServerKind::PdnsRecursor:
    case ServerKind::Dnsmasq:
      throw std::invalid_argument(std::string(toString(kind_)) + ": reload() is for NSD and Knot");
  }
}

std::string atForm(const Endpoint& ep) { return ep.address() + "@" + std::to_string(ep.port()); }

std::optional<std::filesystem::path> findExecutable(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string d;
    while (std::getline(ss, d, ':')) {
      if (!d.empty()) dirs.push_back(d);
    }
  }
  dirs.insert(dirs.end(), {"/usr/sbin", "/sbin", "/usr/local/sbin"});
  for (const auto& d : dirs) {
    const std::filesystem::path p = std::filesystem::path(d) / name;
    if (::access(p.c_str(), X_OK) == 0) return std::filesystem::absolute(p);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- authoritative

namespace {

std::vector<std::string> writeZones(const TempDir& dir, const Zones& zones, const char* who) {
  if (zones.empty()) throw std::invalid_argument(std::string(who) + ": no zones given");
  std::vector<std::string> names;
  for (const auto& [zone, text] : zones) {
    names.push_back(normalizeZone(zone));
    dir.writeFile(DnsServer::zoneFileName(zone), text);
  }
  return names;
}

ReadyProbe soaProbe(const Endpoint& ep, const std::string& zone) {
  return ReadyProbe{ep, zone, kTypeSOA, kClassIN};
}

}  // namespace

std::unique_ptr<DnsServer> startNsd(const std::string& addr, std::uint16_t port,
                                    const Zones& zones) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  const auto bin = requireBinary("nsd");
  TempDir dir("dnsprop-nsd");
  const auto names = writeZones(dir, zones, "nsd");
  const std::string d = dir.path().string();
  std::ostringstream conf;
  conf << "server:\n"
       << "  ip-address: " << addr << "@" << port << "\n"
       << "  port: " << port << "\n"
       << "  do-ip4: " << (isV6(addr) ? "no" : "yes") << "\n"
       << "  do-ip6: " << (isV6(addr) ? "yes" : "no") << "\n"
       << "  username: \"\"\n"  // no privilege drop: the temp dir may be root-only
       << "  chroot: \"\"\n"
       << "  zonesdir: \"" << d << "\"\n"
       << "  database: \"\"\n"
       << "  zonelistfile: \"" << d << "/zone.list\"\n"
       << "  xfrdfile: \"" << d << "/xfrd.state\"\n"
       << "  xfrdir: \"" << d << "\"\n"
       << "  pidfile: \"" << d << "/nsd.pid\"\n"
       << "  server-count: 1\n"
       << "  verbosity: 1\n"
       << "remote-control:\n"
       << "  control-enable: no\n";
  for (const auto& z : names) {
    conf << "zone:\n  name: \"" << z << "\"\n  zonefile: \"" << DnsServer::zoneFileName(z)
         << "\"\n";
  }
  const auto conf_path = dir.writeFile("nsd.conf", conf.str());
  auto server = std::make_unique<DnsServer>(
      ServerKind::Nsd, ep, std::move(dir),
      std::vector<std::string>{bin.string(), "-d", "-c", conf_path.string()},
      soaProbe(ep, names.front()), names);
  server->start();
  return server;
}

std::unique_ptr<DnsServer> startKnot(const std::string& addr, std::uint16_t port,
                                     const Zones& zones) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  const auto bin = requireBinary("knotd");
  (void)requireBinary("knotc");
  TempDir dir("dnsprop-knot");
  const auto names = writeZones(dir, zones, "knot");
  const std::string d = dir.path().string();
  std::filesystem::create_directories(dir / "db");
  std::ostringstream conf;
  conf << "server:\n"
       << "    rundir: \"" << d << "\"\n"
       << "    pidfile: \"" << d << "/knot.pid\"\n"
       << "    listen: " << addr << "@" << port << "\n"
       << "    udp-workers: 1\n"
       << "    tcp-workers: 1\n"
       << "    background-workers: 1\n"
       << "log:\n"
       << "  - target: stderr\n"
       << "    any: info\n"
       << "database:\n"
       << "    storage: \"" << d << "/db\"\n"
       << "control:\n"
       << "    listen: \"" << d << "/knot.sock\"\n"
       << "template:\n"
       << "  - id: default\n"
       << "    storage: \"" << d << "\"\n"
       << "    journal-content: none\n"  // the zone files are the only truth
       << "    zonefile-sync: -1\n"       // never write back into them
       << "zone:\n";
  for (const auto& z : names) {
    conf << "  - domain: \"" << z << "\"\n    file: \"" << d << "/" << DnsServer::zoneFileName(z)
         << "\"\n";
  }
  const auto conf_path = dir.writeFile("knot.conf", conf.str());
  auto server = std::make_unique<DnsServer>(
      ServerKind::Knot, ep, std::move(dir),
      std::vector<std::string>{bin.string(), "-c", conf_path.string()},
      soaProbe(ep, names.front()), names);
  server->start();
  return server;
}

// ---------------------------------------------------------------- resolvers

std::unique_ptr<DnsServer> startUnbound(const std::string& addr, std::uint16_t port,
                                        const ResolverOptions& o) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  rejectUnsupported(ServerKind::Unbound, o, true, true, true);
  const auto bin = requireBinary("unbound");
  TempDir dir("dnsprop-unbound");
  const std::string d = dir.path().string();
  const bool v6 = needsV6(addr, o);
  dir.writeFile("root.hints", rootHintsText(o));
  std::ostringstream conf;
  conf << "server:\n"
       << "  interface: " << addr << "@" << port << "\n"
       << "  port: " << port << "\n"
       << "  do-ip4: yes\n"
       << "  do-ip6: " << (v6 ? "yes" : "no") << "\n"
       << "  outgoing-interface: 127.0.0.1\n";  // queries leave from loopback only
  if (v6) conf << "  outgoing-interface: ::1\n";
  conf << "  username: \"\"\n"
       << "  chroot: \"\"\n"
       << "  directory: \"" << d << "\"\n"
       << "  pidfile: \"" << d << "/unbound.pid\"\n"
       << "  use-syslog: no\n"
       << "  logfile: \"\"\n"
       << "  log-time-ascii: yes\n"
       << "  verbosity: 1\n"
       << "  num-threads: 1\n"
       << "  outgoing-range: 128\n"
       << "  do-not-query-localhost: no\n"
       << "  root-hints: \"" << d << "/root.hints\"\n"
       << "  module-config: \"" << (o.trust_anchors.empty() ? "iterator" : "validator iterator")
       << "\"\n"
       // Unbound answers test. and invalid. itself (RFC 6761 defaults) unless told not to.
       << "  local-zone: \"test.\" nodefault\n"
       << "  local-zone: \"invalid.\" nodefault\n";
  for (const auto* zones : {&o.stub_zones, &o.forward_zones}) {
    for (const auto& [zone, list] : *zones) {
      const auto z = normalizeZone(zone);
      if (z != "test." && z != "invalid." && z != ".") {
        conf << "  local-zone: \"" << z << "\" nodefault\n";
      }
    }
  }
  if (o.serve_expired) conf << "  serve-expired: yes\n";
  if (o.cache_max_ttl) conf << "  cache-max-ttl: " << *o.cache_max_ttl << "\n";
  if (o.cache_min_ttl) conf << "  cache-min-ttl: " << *o.cache_min_ttl << "\n";
  for (const auto& [net, action] : o.access_control) {
    conf << "  access-control: " << net << " " << action << "\n";
  }
  for (const auto& ta : o.trust_anchors) conf << "  trust-anchor: \"" << ta << "\"\n";
  for (const auto& line : o.extra_config) conf << "  " << line << "\n";
  for (const auto& [zone, list] : o.stub_zones) {
    conf << "stub-zone:\n  name: \"" << normalizeZone(zone) << "\"\n";
    for (const auto& a : list) conf << "  stub-addr: " << atForm(parseAt(a)) << "\n";
  }
  for (const auto& [zone, list] : o.forward_zones) {
    conf << "forward-zone:\n  name: \"" << normalizeZone(zone) << "\"\n";
    for (const auto& a : list) conf << "  forward-addr: " << atForm(parseAt(a)) << "\n";
  }
  conf << "remote-control:\n  control-enable: no\n";
  const auto conf_path = dir.writeFile("unbound.conf", conf.str());
  auto server = std::make_unique<DnsServer>(
      ServerKind::Unbound, ep, std::move(dir),
      std::vector<std::string>{bin.string(), "-d", "-c", conf_path.string()}, ReadyProbe{ep});
  server->start(o.ready_deadline);
  return server;
}

std::unique_ptr<DnsServer> startKresd(const std::string& addr, std::uint16_t port,
                                      const ResolverOptions& o) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  rejectUnsupported(ServerKind::Kresd, o, false, true, true);
  const auto bin = requireBinary("kresd");
  TempDir dir("dnsprop-kresd");
  const std::string d = dir.path().string();
  const bool v6 = needsV6(addr, o);
  std::ostringstream lua;
  lua << "-- written by dnsprop tests/support/dns_servers.cc\n"
      << "net.ipv6 = " << (v6 ? "true" : "false") << "\n"
      << "net.listen(" << luaQuote(addr) << ", " << port << ", { kind = 'dns' })\n"
      << "net.outgoing_v4('127.0.0.1')\n";  // queries leave from loopback only
  if (v6) lua << "net.outgoing_v6('::1')\n";
  // Modules that would query the real root or time servers on their own.
  for (const char* m : {"priming", "detect_time_skew", "detect_time_jump", "ta_sentinel",
                        "ta_signal_query", "ta_update"}) {
    lua << "pcall(modules.unload, '" << m << "')\n";
  }
  lua << "trust_anchors.remove('.')\n";
  for (const auto& ta : o.trust_anchors) lua << "trust_anchors.add(" << luaQuote(ta) << ")\n";
  lua << "option('ALLOW_LOCAL', true)\n"  // stubs, forwarders and fake roots on 127.x
      << "modules.load('hints > iterate')\n"
      << "hints.root({";
  auto hints = o.root_hints;
  if (hints.empty()) hints.emplace_back("a.root.invalid.", kDeadRoot);
  for (const auto& [name, a] : hints) {
    (void)loopbackEndpoint(a, 53);
    lua << "[" << luaQuote(normalizeZone(name)) << "] = " << luaQuote(a) << ", ";
  }
  lua << "})\n"
      << "cache.open(16 * MB, 'lmdb://" << d << "/cache')\n";
  if (o.cache_min_ttl) lua << "cache.min_ttl(" << *o.cache_min_ttl << ")\n";
  if (o.cache_max_ttl) lua << "cache.max_ttl(" << *o.cache_max_ttl << ")\n";
  if (o.serve_expired) lua << "modules.load('serve_stale < cache')\n";
  auto rules = [&](const std::map<std::string, std::vector<std::string>>& zones,
                   const char* action) {
    for (const auto& [zone, list] : zones) {
      lua << "policy.add(policy.suffix(policy." << action << "({";
      for (const auto& a : list) lua << luaQuote(atForm(parseAt(a))) << ", ";
      lua << "}), {todname(" << luaQuote(normalizeZone(zone)) << ")}))\n";
    }
  };
  rules(o.stub_zones, "STUB");
  rules(o.forward_zones, "FORWARD");
  // Knot Resolver refuses test., invalid., onion. and local. (RFC 6761 special names:
  // NXDOMAIN with EDE "Not Supported") unless a rule in policy.rules matches first. PASS
  // ends the rule walk, so it must come after the STUB/FORWARD rules above.
  lua << "policy.add(policy.suffix(policy.PASS, {todname('test.'), todname('invalid.')}))\n";
  for (const auto& line : o.extra_config) lua << line << "\n";
  const auto conf_path = dir.writeFile("kresd.conf", lua.str());
  auto server = std::make_unique<DnsServer>(
      ServerKind::Kresd, ep, std::move(dir),
      std::vector<std::string>{bin.string(), "-n", "-c", conf_path.string(), d}, ReadyProbe{ep});
  server->start(o.ready_deadline);
  return server;
}

std::unique_ptr<DnsServer> startPdnsRecursor(const std::string& addr, std::uint16_t port,
                                             const ResolverOptions& o) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  rejectUnsupported(ServerKind::PdnsRecursor, o, false, false, true);
  const auto bin = requireBinary("pdns_recursor");
  TempDir dir("dnsprop-pdns");
  const std::string d = dir.path().string();
  const bool v6 = needsV6(addr, o);
  dir.writeFile("recursor.conf", "# all settings are on the command line\n");
  dir.writeFile("root.hints", rootHintsText(o));
  auto pdnsAddr = [](const std::string& a) {
    const Endpoint e = parseAt(a);
    return e.toString();  // "127.0.0.2:5353" or "[::1]:5353"
  };
  auto zoneList = [&](const std::map<std::string, std::vector<std::string>>& zones) {
    std::string out;
    for (const auto& [zone, list] : zones) {
      if (!out.empty()) out += ",";
      out += normalizeZone(zone) + "=";
      for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ";" : "") + pdnsAddr(list[i]);
    }
    return out;
  };
  std::vector<std::string> argv{
      bin.string(),
      "--config-dir=" + d,  // keeps /etc/powerdns/recursor.conf (setuid=pdns) out
      "--socket-dir=" + d,
      "--daemon=no",
      "--disable-syslog=yes",
      "--local-address=" + addr,
      "--local-port=" + std::to_string(port),
      "--query-local-address=" + std::string(v6 ? "127.0.0.1, ::1" : "127.0.0.1"),
      "--dont-query=",  // the default list forbids 127.0.0.0/8, where all our servers live
      "--hint-file=" + d + "/root.hints",
      "--security-poll-suffix=",  // no secpoll.powerdns.com lookups
      "--dnssec=off",
      "--threads=1",
      "--loglevel=6",
  };
  if (!o.stub_zones.empty()) argv.push_back("--forward-zones=" + zoneList(o.stub_zones));
  if (!o.forward_zones.empty()) {
    argv.push_back("--forward-zones-recurse=" + zoneList(o.forward_zones));
  }
  if (o.serve_expired) argv.push_back("--serve-stale-extensions=100");
  if (o.cache_max_ttl) argv.push_back("--max-cache-ttl=" + std::to_string(*o.cache_max_ttl));
  if (o.cache_min_ttl) {
    argv.push_back("--minimum-ttl-override=" + std::to_string(*o.cache_min_ttl));
  }
  argv.insert(argv.end(), o.extra_config.begin(), o.extra_config.end());
  auto server = std::make_unique<DnsServer>(ServerKind::PdnsRecursor, ep, std::move(dir),
                                            std::move(argv), ReadyProbe{ep});
  server->start(o.ready_deadline);
  return server;
}

std::unique_ptr<DnsServer> startDnsmasq(const std::string& addr, std::uint16_t port,
                                        const ResolverOptions& o) {
  const Endpoint ep = loopbackEndpoint(addr, port);
  rejectUnsupported(ServerKind::Dnsmasq, o, false, false, false);
  const auto bin = requireBinary("dnsmasq");
  TempDir dir("dnsprop-dnsmasq");
  const std::string d = dir.path().string();
  std::vector<std::string> argv{
      bin.string(),
      "--keep-in-foreground",
      "--conf-file=/dev/null",  // no /etc/dnsmasq.conf
      "--log-facility=-",       // stderr, i.e. our log file
      "--log-queries",
      "--no-resolv",            // no upstreams but the ones below
      "--no-hosts",
      "--listen-address=" + addr,
      "--bind-interfaces",      // bind that address only, not the wildcard
      "--port=" + std::to_string(port),
      "--pid-file=" + d + "/dnsmasq.pid",
      "--cache-size=1000",
  };
  // As root dnsmasq drops to "nobody" unless told otherwise; it needs nothing from the
  // temp dir after start-up, but staying root keeps behaviour the same everywhere.
  if (::geteuid() == 0) argv.push_back("--user=root");
  for (const auto* zones : {&o.stub_zones, &o.forward_zones}) {
    for (const auto& [zone, list] : *zones) {
      std::string z = normalizeZone(zone);
      z.pop_back();  // dnsmasq spells domains without the trailing dot
      for (const auto& a : list) {
        const Endpoint e = parseAt(a);
        argv.push_back("--server=" + (z.empty() ? "" : "/" + z + "/") + e.address() + "#" +
                       std::to_string(e.port()));
      }
    }
  }
  if (o.serve_expired) argv.push_back("--use-stale-cache");
  if (o.cache_max_ttl) argv.push_back("--max-cache-ttl=" + std::to_string(*o.cache_max_ttl));
  if (o.cache_min_ttl) argv.push_back("--min-cache-ttl=" + std::to_string(*o.cache_min_ttl));
  argv.insert(argv.end(), o.extra_config.begin(), o.extra_config.end());
  auto server = std::make_unique<DnsServer>(ServerKind::Dnsmasq, ep, std::move(dir),
                                            std::move(argv), ReadyProbe{ep});
  server->start(o.ready_deadline);
  return server;
}

std::unique_ptr<DnsServer> startResolver(ServerKind kind, const std::string& addr,
                                         std::uint16_t port, const ResolverOptions& options) {
  switch (kind) {
    case ServerKind::Unbound:
      return startUnbound(addr, port, options);
    case ServerKind::Kresd:
      return startKresd(addr, port, options);
    case ServerKind::PdnsRecursor:
      return startPdnsRecursor(addr, port, options);
    case ServerKind::Dnsmasq:
      return startDnsmasq(addr, port, options);
    case ServerKind::Nsd:
    case ServerKind::Knot:
      break;
  }
  throw std::invalid_argument(std::string(toString(kind)) + " is not a resolver");
}

}  // namespace dnsprop::test
