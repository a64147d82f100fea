#include "support/mail_servers.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/net_util.h"
#include "support/ports.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

// Names written into smtpd.conf unquoted or inside double quotes: nothing that could
// end a string or start another directive.
void requireConfWord(const std::string& what, const std::string& s) {
  const bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '-' || c == '_';
  });
  if (!ok) throw std::invalid_argument("opensmtpd: bad " + what + " '" + s + "'");
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// '...' for /bin/sh.
std::string shQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// Connects to `ep` and reads its first line within `wait`; empty when there is none.
std::string firstLine(const Endpoint& ep, Millis wait) {
  socklen_t len = 0;
  const sockaddr_storage ss = ep.sockaddr(len);
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return {};
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) return {};
  std::string line;
  const auto end = std::chrono::steady_clock::now() + wait;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return {};
    char buf[512];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return {};
    line.append(buf, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

// `needle` in `line` after `from`; the text up to `stop` (exclusive), or nullopt.
std::optional<std::string> between(const std::string& line, const std::string& needle, char stop) {
  const auto at = line.find(needle);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + needle.size();
  const auto end = line.find(stop, start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

// ---------------------------------------------------------------- OpenSmtpdServer

OpenSmtpdServer::OpenSmtpdServer(TempDir dir, std::vector<std::string> argv, std::vector<Endpoint> endpoints,
                                 std::vector<std::string> tags)
    : dir_(std::move(dir)),
      endpoints_(std::move(endpoints)),
      tags_(std::move(tags)),
      process_(std::make_unique<ServerProcess>("smtpd", std::move(argv), dir_.path(), dir_ / "smtpd.log")) {}

OpenSmtpdServer::~OpenSmtpdServer() { process_->stop(); }

Endpoint OpenSmtpdServer::endpoint(std::size_t i) const {
  if (i >= endpoints_.size()) throw std::logic_error("opensmtpd: no listener #" + std::to_string(i));
  return endpoints_[i];
}

const std::string& OpenSmtpdServer::tag(std::size_t i) const {
  if (i >= tags_.size()) throw std::logic_error("opensmtpd: no listener #" + std::to_string(i));
  return tags_[i];
}

std::vector<std::string> OpenSmtpdServer::commands() const { return commandsOf(nullptr); }

std::vector<std::string> OpenSmtpdServer::commands(const std::string& tag) const { return commandsOf(&tag); }

// Trace lines (smtpd -T smtp), per session (its pointer, reused by later sessions):
//   smtp: 0x55d0c3a2b3c0: connected to listener 0x55d0c3a1e8f0 [hostname=mx.test, port=2525, tag=L0]
//   smtp: 0x55d0c3a2b3c0: <<< EHLO monitor.test
std::vector<std::string> OpenSmtpdServer::commandsOf(const std::string* tag) const {
  std::ifstream in(process_->logFile());
  std::map<std::string, std::string> tag_of;  // session -> its listener's tag
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("smtp: ", 0) != 0) continue;
    const auto colon = line.find(": ", 6);
    if (colon == std::string::npos) continue;
    const std::string session = line.substr(6, colon - 6);
    const std::string rest = line.substr(colon + 2);
    if (rest.rfind("connected to listener ", 0) == 0) {
      tag_of[session] = between(rest, "tag=", ']').value_or("");
    } else if (rest.rfind("<<< ", 0) == 0) {
      if (tag == nullptr || tag_of[session] == *tag) out.push_back(rest.substr(4));
    }
  }
  return out;
}

void OpenSmtpdServer::start(Millis deadline) {
  process_->start();
  std::string why;
  const bool ready = pollUntil(deadline, [&] {
    if (!process_->running()) {
      why = "exited with status " + std::to_string(process_->exitStatus().value_or(-1));
      return true;
    }
    for (const auto& ep : endpoints_) {
      if (firstLine(ep, Millis(500)).rfind("220 ", 0) != 0) return false;
    }
    return true;
  });
  if (!why.empty()) throw std::runtime_error(process_->failure(why));
  if (!ready) {
    throw std::runtime_error(process_->failure("no 220 banner on every listener within " +
                                               std::to_string(deadline.count()) + " ms"));
  }
}

std::string openSmtpdUnavailable() {
  static const std::string why = [] {
    if (::geteuid() != 0) return std::string("OpenSMTPD needs root");
    if (!findExecutable("smtpd"))
      return std::string("smtpd not installed: run scripts/install-deps.sh --test");
    if (!findExecutable("unshare") || !findExecutable("mount")) {
      return std::string("unshare or mount (util-linux) not installed");
    }
    if (!std::filesystem::is_directory("/var/spool/smtpd")) {
      return std::string("/var/spool/smtpd missing (made by the opensmtpd package)");
    }
    // A mount namespace keeps smtpd's DNS lookups on loopback (see the header): without
    // one it is not started at all. Tried in a child, which only makes the syscall.
    const pid_t pid = ::fork();
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    if (pid == 0) ::_exit(::unshare(CLONE_NEWNS) == 0 ? 0 : 1);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return std::string("cannot create a mount namespace here (needs CAP_SYS_ADMIN)");
    }
    return std::string();
  }();
  return why;
}

std::unique_ptr<OpenSmtpdServer> startOpenSmtpd(const OpenSmtpdOptions& o) {
  if (o.listeners.empty()) throw std::invalid_argument("opensmtpd: no listener");
  for (const auto& l : o.listeners) (void)loopbackEndpoint(l.address, 1);  // loopback check first
  if (const std::string why = openSmtpdUnavailable(); !why.empty())
    throw std::runtime_error("opensmtpd: " + why);
  const auto smtpd = findExecutable("smtpd");
  const auto unshare = findExecutable("unshare");

  TempDir dir("dnsprop-smtpd");
  const std::string d = dir.path().string();
  std::filesystem::create_directories(dir / "run");
  std::filesystem::create_directories(dir / "spool");
  std::filesystem::permissions(dir / "spool", std::filesystem::perms(0711));  // smtpd insists

  std::ostringstream conf;
  conf << "# written by tests/support/mail_servers.cc\n"
       << "table aliases { postmaster = root }\n";
  std::ostringstream listens;
  std::ostringstream matches;
  std::vector<Endpoint> endpoints;
  std::vector<std::string> tags;
  for (std::size_t i = 0; i < o.listeners.size(); ++i) {
    const SmtpdListener& l = o.listeners[i];
    const std::string tag = l.tag.empty() ? "L" + std::to_string(i) : l.tag;
    requireConfWord("tag", tag);
    requireConfWord("hostname", l.hostname);
    const Endpoint ep = loopbackEndpoint(l.address, l.port != 0 ? l.port : freeUdpTcpPort(l.address));
    listens << "listen on " << ep.address() << " port " << ep.port() << " hostname " << quoted(l.hostname)
            << " tag " << quoted(tag);
    if (l.tls) {
      const std::string pki = "tls" + std::to_string(i);
      const auto cert = dir.writeFile(pki + ".crt", l.tls->cert_chain_pem);
      const auto key = dir.writeFile(pki + ".key", l.tls->key_pem);
      std::filesystem::permissions(key, std::filesystem::perms(0600));  // smtpd refuses more
      conf << "pki " << quoted(pki) << " cert " << quoted(cert.string()) << "\n"
           << "pki " << quoted(pki) << " key " << quoted(key.string()) << "\n";
      listens << " tls pki " << quoted(pki);
    }
    listens << "\n";
    for (const auto& domain : l.accept_domains) {
      requireConfWord("domain", domain);
      matches << "match from any tag " << quoted(tag) << " for domain " << quoted(domain)
              << " action \"deliver\"\n";
    }
    endpoints.push_back(ep);
    tags.push_back(tag);
  }
  // Mail is never delivered (no probe sends DATA); the action only makes RCPT succeed.
  conf << listens.str() << "action \"deliver\" mbox alias <aliases>\n" << matches.str();
  const auto conf_path = dir.writeFile("smtpd.conf", conf.str());
  dir.writeFile("resolv.conf", "# nothing listens here: smtpd's lookups fail at once, on loopback\n"
                               "nameserver 127.0.0.254\noptions timeout:1 attempts:1\n");

  // Runs inside `unshare --mount --propagation private`: these mounts are the
  // namespace's own and vanish with it.
  std::ostringstream script;
  script << "#!/bin/sh\n"
         << "set -eu\n"
         << "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
         << "D=" << shQuoted(d) << "\n"
         << "resolv=$(readlink -f /etc/resolv.conf || true)\n"  // before /run changes (it may point there)
         << "mount --bind \"$D/run\" /run\n"
         << "mount --bind \"$D/spool\" /var/spool/smtpd\n"
         << "case \"$resolv\" in\n"
         << "  /run/*) mkdir -p \"$(dirname \"$D$resolv\")\"; : > \"$D$resolv\" ;;\n"
         << "esac\n"
         << "if [ -e /etc/resolv.conf ]; then mount --bind \"$D/resolv.conf\" /etc/resolv.conf; fi\n"
         << "exec " << shQuoted(smtpd->string()) << " -d -T smtp -f " << shQuoted(conf_path.string()) << "\n";
  // "$D$resolv": the file the symlink names, inside our /run ("$D/run/..."), created so
  // that it exists to be mounted over.
  const auto script_path = dir.writeFile("start-smtpd.sh", script.str());

  std::vector<std::string> argv{unshare->string(), "--mount", "--propagation", "private", "/bin/sh",
                                script_path.string()};
  auto server = std::make_unique<OpenSmtpdServer>(std::move(dir), std::move(argv), std::move(endpoints),
                                                  std::move(tags));
  server->start(o.ready_deadline);
  return server;
}

// ---------------------------------------------------------------- FakeSmtpServer

SmtpScript standardSmtpScript(std::map<std::string, SmtpStep> overrides, bool offer_starttls) {
  return [overrides = std::move(overrides), offer_starttls](const std::string& command,
                                                            const SmtpSessionInfo& session) -> SmtpStep {
    std::string verb = command.substr(0, command.find_first_of(" :"));
    std::transform(verb.begin(), verb.end(), verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (auto it = overrides.find(verb); it != overrides.end()) return it->second;
    using Then = SmtpStep::Then;
    if (verb == "EHLO") {
      std::string r = "250-fake.test greets you\r\n250-PIPELINING\r\n";
      if (offer_starttls && !session.tls) r += "250-STARTTLS\r\n";
      return SmtpStep::say(r + "250 8BITMIME\r\n");
    }
    if (verb == "STARTTLS") return SmtpStep::say("220 2.0.0 Ready to start TLS\r\n", Then::StartTls);
    if (verb == "MAIL") return SmtpStep::say("250 2.1.0 Ok\r\n");
    // Not a relay: a recipient of a domain nobody serves is refused (the probes' relay check).
    if (verb == "RCPT" && command.find("@relay-check.invalid>") != std::string::npos) {
      return SmtpStep::say("554 5.7.1 Relay access denied\r\n");
    }
    if (verb == "RCPT") return SmtpStep::say("250 2.1.5 Ok\r\n");
    if (verb == "RSET") return SmtpStep::say("250 2.0.0 Ok\r\n");
    if (verb == "QUIT") return SmtpStep::say("221 2.0.0 Bye\r\n", Then::Close);
    if (verb == "DATA") return SmtpStep::say("354 End data with <CR><LF>.<CR><LF>\r\n");
    return SmtpStep::say("500 5.5.2 Error: command not recognized\r\n");
  };
}

struct FakeSmtpServer::Tls {
  struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  std::unique_ptr<SSL_CTX, CtxFree> ctx;

  explicit Tls(const TlsIdentity& id) : ctx(SSL_CTX_new(TLS_server_method())) {
    if (!ctx) fail("SSL_CTX_new");
    std::unique_ptr<BIO, decltype(&BIO_free)> certs(
        BIO_new_mem_buf(id.cert_chain_pem.data(), static_cast<int>(id.cert_chain_pem.size())), &BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> leaf(
        PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr), &X509_free);
    if (!leaf || SSL_CTX_use_certificate(ctx.get(), leaf.get()) != 1) fail("certificate");
    while (X509* more = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(ctx.get(), more) != 1) {
        X509_free(more);
        fail("chain certificate");
      }
    }
    ERR_clear_error();  // the read loop ends with "no start line"
    std::unique_ptr<BIO, decltype(&BIO_free)> keybio(
        BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size())), &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(keybio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    if (!key || SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1) fail("private key");
  }

  [[noreturn]] static void fail(const std::string& what) {
    char buf[256] = "no OpenSSL error";
    if (unsigned long e = ERR_peek_last_error()) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error("FakeSmtpServer TLS: " + what + ": " + buf);
  }
};

FakeSmtpServer::FakeSmtpServer(FakeSmtpOptions options) : options_(std::move(options)) {
  if (!options_.script) options_.script = standardSmtpScript({}, options_.tls.has_value());
  if (options_.tls) tls_ = std::make_unique<Tls>(*options_.tls);
  listen_fd_.reset(bindSocket(options_.address, 0, SOCK_STREAM));
  if (!listen_fd_.valid()) {
    throw std::runtime_error("FakeSmtpServer: bind " + options_.address + ": " + std::strerror(errno));
  }
  if (::listen(listen_fd_.get(), 16) != 0) {
    throw std::runtime_error("FakeSmtpServer: listen: " + std::string(std::strerror(errno)));
  }
  endpoint_ = loopbackEndpoint(options_.address, boundPort(listen_fd_.get()));
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("FakeSmtpServer: pipe2: " + std::string(std::strerror(errno)));
  }
  stop_read_.reset(p[0]);
  stop_write_.reset(p[1]);
  thread_ = std::thread([this] { run(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  const char x = 'x';
  [[maybe_unused]] auto n = ::write(stop_write_.get(), &x, 1);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> FakeSmtpServer::commands() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commands_;
}

void FakeSmtpServer::record(std::string command) {
  std::lock_guard<std::mutex> lock(mu_);
  commands_.push_back(std::move(command));
}

void FakeSmtpServer::run() {
  for (std::size_t index = 0;; ++index) {
    pollfd fds[2] = {{listen_fd_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    int rc;
    do {
      rc = ::poll(fds, 2, -1);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 || (fds[1].revents & POLLIN) != 0) return;
    UniqueFd conn(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));  // blocking
    if (!conn.valid()) {
      --index;
      continue;
    }
    ++connections_;
    // Bounds every blocking call (TLS handshake, writes) should the client go quiet.
    timeval tv{5, 0};
    ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(conn.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    try {
      serve(conn.get(), index);
    } catch (...) {
      // A throwing script ends its connection; the server goes on.
    }
  }
}

void FakeSmtpServer::serve(int fd, std::size_t index) {
  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  std::unique_ptr<SSL, SslFree> ssl;
  SmtpSessionInfo info{index, false};

  auto writeAll = [&](const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n;
      if (ssl) {
        n = SSL_write(ssl.get(), bytes.data() + done, static_cast<int>(bytes.size() - done));
      } else {
        n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      }
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  };
  // false: stop requested.
  auto waitReadable = [&] {
    if (ssl && SSL_pending(ssl.get()) > 0) return true;
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    int rc;
    do {
      rc = ::poll(fds, 2, -1);
    } while (rc < 0 && errno == EINTR);
    return rc > 0 && (fds[1].revents & POLLIN) == 0;
  };

  if (!options_.greeting.empty() && !writeAll(options_.greeting)) return;
  std::string in;
  bool garbage_mode = false;
  std::string garbage;
  char buf[4096];
  for (;;) {
    if (!waitReadable()) return;
    const ssize_t n = ssl ? SSL_read(ssl.get(), buf, sizeof buf) : ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ++closed_by_client_;
      return;
    }
    if (garbage_mode) {
      dropped_bytes_ += static_cast<std::size_t>(n);
      if (!garbage.empty() && !writeAll(std::exchange(garbage, std::string()))) return;
      continue;  // everything the client sends from now on is dropped
    }
    in.append(buf, static_cast<std::size_t>(n));
    for (auto nl = in.find('\n'); nl != std::string::npos && !garbage_mode; nl = in.find('\n')) {
      std::string line = in.substr(0, nl);
      in.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      record(line);
      const SmtpStep step = options_.script(line, info);
      if (!writeAll(step.reply)) return;
      switch (step.then) {
        case SmtpStep::Then::Continue:
          break;
        case SmtpStep::Then::Close:
          return;
        case SmtpStep::Then::StartTls:
          if (!tls_) return;
          ssl.reset(SSL_new(tls_->ctx.get()));
          if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || SSL_accept(ssl.get()) != 1) {
            ERR_clear_error();
            return;
          }
          ++handshakes_;
          info.tls = true;
          in.clear();  // anything sent ahead of the handshake is not a command
          break;
        case SmtpStep::Then::Garbage:
          garbage_mode = true;
          garbage = step.garbage;
          in.clear();
          break;
      }
    }
  }
}

// ---------------------------------------------------------------- SynDroppingListener

SynDroppingListener::SynDroppingListener(const std::string& address) {
  listen_fd_.reset(bindSocket(address, 0, SOCK_STREAM));
  if (!listen_fd_.valid()) {
    throw std::runtime_error("SynDroppingListener: bind " + address + ": " + std::strerror(errno));
  }
  if (::listen(listen_fd_.get(), 0) != 0) {
    throw std::runtime_error("SynDroppingListener: listen: " + std::string(std::strerror(errno)));
  }
  endpoint_ = loopbackEndpoint(address, boundPort(listen_fd_.get()));
  // The filler takes the one slot of the accept queue (a blocking connect on loopback
  // completes at once) and stays there: nobody accepts.
  socklen_t len = 0;
  const sockaddr_storage ss = endpoint_.sockaddr(len);
  filler_.reset(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!filler_.valid() || ::connect(filler_.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    throw std::runtime_error("SynDroppingListener: filler connect: " + std::string(std::strerror(errno)));
  }
}

bool SynDroppingListener::dropsConnections(Millis wait) const {
  socklen_t len = 0;
  const sockaddr_storage ss = endpoint_.sockaddr(len);
  UniqueFd probe(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) return false;
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&ss), len) == 0) return false;
  if (errno != EINPROGRESS) return false;
  pollfd p{probe.get(), POLLOUT, 0};
  return ::poll(&p, 1, static_cast<int>(wait.count())) == 0;  // still connecting
}

}  // namespace dnsprop::test
