// Web servers for integration tests of the web checks (src/servers/web_probe.h):
//  - nginx (Debian's /usr/sbin/nginx) on a loopback address and unprivileged ports,
//    serving given files over HTTP and HTTPS, started and stopped by the test;
//  - SilentListener: a TCP port that accepts connections (the kernel completes the
//    handshake) and never answers, for timeouts.
//
// nginx runs like the DNS servers of dns_servers.h: its own TempDir with config, document
// root, certificates, pid file, temp paths and logs (`nginx.log`: stderr and the error
// log; `access.log`: one line per request with the Host header and the SNI name), in the
// foreground (`daemon off;`) as a ServerProcess in its own process group, stopped in the
// destructor. It reads no system config. As root, workers run as root (`user root;`):
// the temp dir is private to the test's user.
//
// Errors: startNginx throws std::runtime_error when nginx is missing ("run
// scripts/install-deps.sh --test"), exits early or does not accept connections in time
// (the message includes its log), std::invalid_argument for a non-loopback address.
// Not thread-safe: use each object from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/endpoint.h"
#include "support/dns_client.h"
#include "support/dns_servers.h"
#include "support/temp_dir.h"
#include "support/unique_fd.h"

namespace dnsprop::test {

// A certificate (with any intermediates after it) and its key, both PEM.
struct TlsIdentity {
  std::string cert_chain_pem;
  std::string key_pem;
};

struct NginxOptions {
  std::string address = "127.0.0.1";  // loopback only (127.0.0.0/8 or ::1)
  bool http = true;                    // one plain HTTP listener
  std::vector<TlsIdentity> https;      // one HTTPS listener per identity, in this order
  // The document root: relative path ("index.html", "big/file.bin") -> contents. `/`
  // serves index.html; other paths 404.
  std::map<std::string, std::string> files;
  // Exact paths answered by nginx's `return`: "/old" -> {301, "/new/"}. For 3xx the text
  // is the Location header, sent as written (absolute_redirect off).
  std::map<std::string, std::pair<int, std::string>> returns;
  Millis ready_deadline = Millis(10000);
  // Fixed ports (0: a free one): the plain listener and the first HTTPS one. Servers on
  // different loopback addresses can share a port, as old and new web servers do.
  std::uint16_t http_port = 0;
  std::uint16_t https_port = 0;
};

class NginxServer {
 public:
  // Used by startNginx: the server's directory (config written), its command line and
  // its listeners. Does not start it.
  NginxServer(TempDir dir, std::vector<std::string> argv, std::optional<Endpoint> http,
              std::vector<Endpoint> https);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // The plain HTTP listener; throws std::logic_error when there is none.
  Endpoint http() const;
  // The i-th HTTPS listener; throws std::logic_error when there is none.
  Endpoint https(std::size_t i = 0) const;
  const TempDir& dir() const { return dir_; }
  ServerProcess& process() { return *process_; }
  // Lines of access.log, "<remote> \"<request line>\" <status> host=<Host> sni=<SNI or ->".
  // nginx writes a line when the response is done: poll for it.
  std::vector<std::string> accessLog() const;
  std::string logTail(std::size_t max_lines = 40) const { return process_->logTail(max_lines); }

  // Starts and waits until every listener accepts a TCP connection.
  void start(Millis deadline);
  void stop() { process_->stop(); }

 private:
  TempDir dir_;
  std::optional<Endpoint> http_;
  std::vector<Endpoint> https_;
  std::unique_ptr<ServerProcess> process_;
};

std::unique_ptr<NginxServer> startNginx(const NginxOptions& options);

// A listening TCP socket that never accepts: connections complete in the kernel's
// backlog and then nothing is ever sent. Port chosen by the kernel. Closed on destruction.
class SilentListener {
 public:
  // Throws std::invalid_argument for a non-loopback address, std::runtime_error when
  // bind or listen fails.
  explicit SilentListener(const std::string& address = "127.0.0.1");
  Endpoint endpoint() const { return endpoint_; }
  // Whether a connection is waiting in the backlog (the listening socket is readable):
  // a client got as far as connecting. Does not accept it.
  bool connectionWaiting() const;

 private:
  UniqueFd fd_;
  Endpoint endpoint_;
};

}  // namespace dnsprop::test
