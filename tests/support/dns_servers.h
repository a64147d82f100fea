// Launchers for real DNS servers from Debian, on loopback, for integration tests.
//
// Every server gets its own TempDir holding its config, zone files, pid file, control
// socket, cache and log (`<name>.log`, the server's stdout and stderr). It runs in the
// foreground as a child process in its own process group, as the current user (no
// privilege drop, no chroot), and listens ONLY on the address and port given. Resolvers
// are fenced in: their root hints point at a loopback address (127.0.0.254 unless the
// test provides hints), outgoing queries leave from loopback addresses only, and
// nothing else (trust-anchor updates, security polling, root priming to the real root)
// is enabled, so no query ever leaves the machine.
//
// Errors: the start* functions throw std::runtime_error when the server is not
// installed ("unbound not installed: run scripts/install-deps.sh --test"), exits early,
// or does not answer within the deadline; the message includes the tail of its log.
// They throw std::invalid_argument for an option the chosen server cannot honour.
// Not thread-safe: use each object from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/endpoint.h"
#include "support/dns_client.h"
#include "support/temp_dir.h"

namespace dnsprop::test {

// The question waitReady() asks: any well-formed reply means "ready".
struct ReadyProbe {
  Endpoint server;
  std::string name = "version.bind.";
  std::uint16_t qtype = kTypeTXT;
  std::uint16_t qclass = kClassCH;
};

// One child process: fork/exec of argv (argv[0] an absolute path), stdout and stderr
// appended to `log_file`, working directory `workdir`, its own process group, killed
// (SIGKILL) by the kernel if the test process dies first (PR_SET_PDEATHSIG: strictly,
// when the *thread* that called start() exits, so start servers from the test's thread,
// not from a short-lived helper thread).
class ServerProcess {
 public:
  ServerProcess(std::string name, std::vector<std::string> argv, std::filesystem::path workdir,
                std::filesystem::path log_file);
  ~ServerProcess();  // stop()
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the process. Throws std::runtime_error if it is already running or if exec
  // fails (the message says why, e.g. ENOENT).
  void start();
  // Sends `probe` over UDP every ~100 ms until any well-formed DNS reply comes back.
  // Throws std::runtime_error (with the log tail) when the process exits first or
  // `deadline` passes.
  void waitReady(const ReadyProbe& probe, Millis deadline);
  // SIGTERM to the process group, SIGKILL after 5 s, then reaps it. Safe to call twice.
  void stop();
  // Waits up to `deadline` for the process to exit by itself (for one-shot commands
  // such as knotc); returns its exit status (128+signal if killed), nullopt on timeout.
  std::optional<int> waitExit(Millis deadline);
  // Sends `sig` to the main process only (e.g. SIGHUP to reload).
  void signal(int sig);
  // Whether it is still running (reaps it if it exited).
  bool running();
  pid_t pid() const { return pid_; }
  std::optional<int> exitStatus() const { return exit_status_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& logFile() const { return log_file_; }
  // The last `max_lines` lines of the log.
  std::string logTail(std::size_t max_lines = 40) const;
  // "<name> (pid N): <what>\n--- last lines of <log> ---\n...".
  std::string failure(const std::string& what) const;

 private:
  void reap(bool block);

  std::string name_;
  std::vector<std::string> argv_;
  std::filesystem::path workdir_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

enum class ServerKind { Nsd, Knot, Unbound, Kresd, PdnsRecursor, Dnsmasq };
std::string_view toString(ServerKind kind);

// Zone name ("test.", trailing dot optional) -> zone file text.
using Zones = std::map<std::string, std::string>;

// A running server with its directory. Destruction stops it, then removes the
// directory (kept with DNSPROP_KEEP_TEMP=1).
class DnsServer {
 public:
  // Used by the builders; `zones` are the zone names an authoritative server serves.
  DnsServer(ServerKind kind, Endpoint endpoint, TempDir dir, std::vector<std::string> argv,
            ReadyProbe probe, std::vector<std::string> zones = {});
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  ServerKind kind() const { return kind_; }
  Endpoint endpoint() const { return endpoint_; }
  const TempDir& dir() const { return dir_; }
  ServerProcess& process() { return *process_; }
  std::string logTail(std::size_t max_lines = 40) const { return process_->logTail(max_lines); }

  // Starts (again) and waits until it answers. start* functions call this already.
  void start(Millis deadline = Millis(10000));
  void stop() { process_->stop(); }
  void restart(Millis deadline = Millis(10000)) {
    stop();
    start(deadline);
  }

  // Authoritative servers only (NSD, Knot): rewrite the files of the zones given (each
  // must be one the server was started with) and reload. The reload is asynchronous:
  // poll the server (waitForAnswer) for the new data. Bumping the SOA serial is good
  // practice but neither server needs it here (NSD checks file mtimes, Knot reloads
  // unconditionally). Throws std::invalid_argument for other kinds or unknown zones,
  // std::runtime_error when the reload command fails.
  void updateZones(const Zones& zones);
  // Reload without changing files: SIGHUP for NSD, `knotc zone-reload` for Knot.
  void reload();

  // Where a zone's file lives, relative to dir(): "test.zone", "root.zone" for ".".
  static std::string zoneFileName(const std::string& zone);

 private:
  ServerKind kind_;
  Endpoint endpoint_;
  TempDir dir_;
  std::vector<std::string> zones_;  // normalised names (trailing dot)
  ReadyProbe probe_;
  std::unique_ptr<ServerProcess> process_;
};

// "127.0.0.2@5353" / "::1@5353": the address form stub/forward lists take.
std::string atForm(const Endpoint& ep);

// Authoritative: NSD 4.6, zones from files, one server process. reload() = SIGHUP.
std::unique_ptr<DnsServer> startNsd(const std::string& addr, std::uint16_t port,
                                    const Zones& zones);
// Authoritative: Knot DNS 3.2, control socket in the temp dir. reload() = knotc.
std::unique_ptr<DnsServer> startKnot(const std::string& addr, std::uint16_t port,
                                     const Zones& zones);

// What a resolver should do. Address lists take "addr@port" (port 53 if omitted).
// Fields a server cannot honour throw std::invalid_argument (noted per field).
struct ResolverOptions {
  // Zone -> authoritative servers, asked with RD=0 (dnsmasq forwards with the client's
  // RD bit; PowerDNS uses forward-zones).
  std::map<std::string, std::vector<std::string>> stub_zones;
  // Zone -> recursive servers, asked with RD=1 (dnsmasq: like stub_zones).
  std::map<std::string, std::vector<std::string>> forward_zones;
  // Root hints {NS name, address} for iteration from a fake root (port 53 only, as
  // delegations carry no ports). Empty: a dead root at 127.0.0.254. dnsmasq: must be empty.
  std::vector<std::pair<std::string, std::string>> root_hints;
  bool serve_expired = false;               // unbound serve-expired, kresd serve_stale,
                                            // pdns serve-stale-extensions, dnsmasq use-stale-cache
  std::optional<std::uint32_t> cache_max_ttl;  // seconds
  // Seconds. Unset keeps the server's default: NOTE kresd's default is 5 s, so records
  // with TTL 1-2 s are cached for 5 s there unless this is set to 0.
  std::optional<std::uint32_t> cache_min_ttl;
  // Unbound only: {netblock, action} ("127.0.0.0/8", "refuse").
  std::vector<std::pair<std::string, std::string>> access_control;
  // DS or DNSKEY lines; non-empty turns DNSSEC validation on (unbound, kresd only).
  std::vector<std::string> trust_anchors;
  // Appended verbatim: unbound config lines (inside `server:`), kresd Lua lines,
  // pdns_recursor and dnsmasq command-line arguments ("--foo=bar").
  std::vector<std::string> extra_config;
  Millis ready_deadline = Millis(10000);
};
using UnboundOptions = ResolverOptions;

std::unique_ptr<DnsServer> startUnbound(const std::string& addr, std::uint16_t port,
                                        const ResolverOptions& options);
std::unique_ptr<DnsServer> startKresd(const std::string& addr, std::uint16_t port,
                                      const ResolverOptions& options);
std::unique_ptr<DnsServer> startPdnsRecursor(const std::string& addr, std::uint16_t port,
                                             const ResolverOptions& options);
std::unique_ptr<DnsServer> startDnsmasq(const std::string& addr, std::uint16_t port,
                                        const ResolverOptions& options);
// Dispatches on kind to the four functions above (throws std::invalid_argument for
// authoritative kinds).
std::unique_ptr<DnsServer> startResolver(ServerKind kind, const std::string& addr,
                                         std::uint16_t port, const ResolverOptions& options);

// The absolute path of a server binary (searched in $PATH, /usr/sbin, /sbin), or nullopt.
std::optional<std::filesystem::path> findExecutable(const std::string& name);

}  // namespace dnsprop::test
