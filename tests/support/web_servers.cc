#include "support/web_servers.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/net_util.h"
#include "support/ports.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

// Whether a TCP connection to `ep` is accepted now (a blocking connect on loopback is
// answered at once: accepted, or refused).
bool accepts(const Endpoint& ep) {
  socklen_t len = 0;
  const sockaddr_storage ss = ep.sockaddr(len);
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) == 0;
}

// A double-quoted nginx string.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

void requireRelative(const std::string& rel) {
  const std::filesystem::path p(rel);
  if (rel.empty() || p.is_absolute()) throw std::invalid_argument("nginx: file path must be relative: " + rel);
  for (const auto& part : p) {
    if (part == "..") throw std::invalid_argument("nginx: file path must stay in the root: " + rel);
  }
}

}  // namespace

// ---------------------------------------------------------------- NginxServer

NginxServer::NginxServer(TempDir dir, std::vector<std::string> argv, std::optional<Endpoint> http,
                         std::vector<Endpoint> https)
    : dir_(std::move(dir)),
      http_(http),
      https_(std::move(https)),
      process_(std::make_unique<ServerProcess>("nginx", std::move(argv), dir_.path(),
                                               dir_ / "nginx.log")) {}

NginxServer::~NginxServer() { process_->stop(); }

Endpoint NginxServer::http() const {
  if (!http_) throw std::logic_error("nginx: started without an HTTP listener");
  return *http_;
}

Endpoint NginxServer::https(std::size_t i) const {
  if (i >= https_.size()) throw std::logic_error("nginx: no HTTPS listener #" + std::to_string(i));
  return https_[i];
}

std::vector<std::string> NginxServer::accessLog() const {
  std::ifstream in(dir_ / "access.log");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

void NginxServer::start(Millis deadline) {
  process_->start();
  std::vector<Endpoint> all = https_;
  if (http_) all.push_back(*http_);
  std::string why;
  const bool ready = pollUntil(deadline, [&] {
    if (!process_->running()) {
      why = "exited with status " + std::to_string(process_->exitStatus().value_or(-1));
      return true;
    }
    for (const auto& ep : all) {
      if (!accepts(ep)) return false;
    }
    return true;
  });
  if (!why.empty()) throw std::runtime_error(process_->failure(why));
  if (!ready) {
    throw std::runtime_error(process_->failure("not accepting connections within " +
                                               std::to_string(deadline.count()) + " ms"));
  }
}

std::unique_ptr<NginxServer> startNginx(const NginxOptions& o) {
  const auto bin = findExecutable("nginx");
  if (!bin) throw std::runtime_error("nginx not installed: run scripts/install-deps.sh --test");
  (void)loopbackEndpoint(o.address, 1);  // loopback check before anything else

  TempDir dir("dnsprop-nginx");
  const std::string d = dir.path().string();
  std::filesystem::create_directories(dir / "www");
  std::filesystem::create_directories(dir / "tmp");
  for (const auto& [rel, contents] : o.files) {
    requireRelative(rel);
    dir.writeFile(std::filesystem::path("www") / rel, contents);
  }

  std::optional<Endpoint> http;
  if (o.http) http = loopbackEndpoint(o.address, o.http_port != 0 ? o.http_port : freeUdpTcpPort(o.address));
  std::vector<Endpoint> https;
  for (std::size_t i = 0; i < o.https.size(); ++i) {
    https.push_back(loopbackEndpoint(o.address, i == 0 && o.https_port != 0 ? o.https_port : freeUdpTcpPort(o.address)));
    dir.writeFile("tls" + std::to_string(i) + ".crt", o.https[i].cert_chain_pem);
    dir.writeFile("tls" + std::to_string(i) + ".key", o.https[i].key_pem);
  }

  std::ostringstream site;  // what every server block serves
  site << "    server_name _;\n"
       << "    root " << quoted(d + "/www") << ";\n"
       << "    index index.html;\n";
  for (const auto& [path, ret] : o.returns) {
    site << "    location = " << quoted(path) << " { return " << ret.first << " " << quoted(ret.second)
         << "; }\n";
  }

  std::ostringstream conf;
  conf << "daemon off;\n"
       << "master_process on;\n"
       << "worker_processes 1;\n"
       << "pid " << quoted(d + "/nginx.pid") << ";\n"
       << "error_log stderr info;\n";
  // Workers drop to `user` only when the master is root; the default (nobody) could not
  // read the private temp dir. Not root: nginx ignores the directive (with a warning).
  if (::geteuid() == 0) conf << "user root root;\n";
  conf << "events { worker_connections 64; }\n"
       << "http {\n"
       << "  log_format probe '$remote_addr \"$request\" $status host=$host sni=$ssl_server_name';\n"
       << "  access_log " << quoted(d + "/access.log") << " probe;\n"
       << "  client_body_temp_path " << quoted(d + "/tmp/body") << ";\n"
       << "  proxy_temp_path " << quoted(d + "/tmp/proxy") << ";\n"
       << "  fastcgi_temp_path " << quoted(d + "/tmp/fastcgi") << ";\n"
       << "  uwsgi_temp_path " << quoted(d + "/tmp/uwsgi") << ";\n"
       << "  scgi_temp_path " << quoted(d + "/tmp/scgi") << ";\n"
       << "  types { text/html html; text/plain txt; application/octet-stream bin; }\n"
       << "  default_type application/octet-stream;\n"
       << "  server_tokens off;\n"
       << "  absolute_redirect off;\n"
       << "  gzip off;\n";
  if (http) {
    conf << "  server {\n    listen " << http->toString() << ";\n" << site.str() << "  }\n";
  }
  for (std::size_t i = 0; i < https.size(); ++i) {
    conf << "  server {\n    listen " << https[i].toString() << " ssl;\n"
         << "    ssl_certificate " << quoted(d + "/tls" + std::to_string(i) + ".crt") << ";\n"
         << "    ssl_certificate_key " << quoted(d + "/tls" + std::to_string(i) + ".key") << ";\n"
         << site.str() << "  }\n";
  }
  conf << "}\n";
  const auto conf_path = dir.writeFile("nginx.conf", conf.str());

  // -p: prefix for any relative path; -e: the error log before the config is read.
  std::vector<std::string> argv{bin->string(), "-p", d + "/", "-e", "stderr", "-c", conf_path.string()};
  auto server = std::make_unique<NginxServer>(std::move(dir), std::move(argv), http, std::move(https));
  server->start(o.ready_deadline);
  return server;
}

// ---------------------------------------------------------------- SilentListener

SilentListener::SilentListener(const std::string& address) {
  fd_.reset(bindSocket(address, 0, SOCK_STREAM));
  if (!fd_.valid()) throw std::runtime_error("SilentListener: bind " + address + ": " + std::strerror(errno));
  if (::listen(fd_.get(), 16) != 0) {
    throw std::runtime_error("SilentListener: listen: " + std::string(std::strerror(errno)));
  }
  endpoint_ = loopbackEndpoint(address, boundPort(fd_.get()));
}

bool SilentListener::connectionWaiting() const {
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

}  // namespace dnsprop::test
