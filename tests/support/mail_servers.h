// Mail servers for integration tests of the mail checks (src/servers/smtp_probe.h):
//  - OpenSMTPD (Debian's /usr/sbin/smtpd) on loopback addresses and unprivileged ports,
//    with several listeners in one process (an "old" and a "new" address, say), each with
//    or without STARTTLS and accepting RCPT TO only for its own domains;
//  - FakeSmtpServer: a scripted SMTP server (one thread, loopback only) for the faults a
//    real server will not produce: refusals at the banner, malformed and oversized
//    replies, bytes injected after the STARTTLS 220, garbage instead of a handshake,
//    silence, a connection closed mid-dialogue;
//  - SynDroppingListener: a port whose connections never complete (reach() timeouts).
//
// OpenSMTPD runs like the servers of dns_servers.h: its own TempDir with config,
// certificates and log (`smtpd.log`: stderr with `-d -T smtp`, so every command received
// and every reply sent is logged), in the foreground as a ServerProcess in its own process
// group, stopped in the destructor. It needs root, and it is fenced in with a private
// mount namespace (`unshare --mount`, see start-smtpd.sh in its directory):
//  - /run is its own directory: its control socket (/run/smtpd.sock, compiled in) and
//    pid file, so it never meets a system smtpd, and several tests' servers can run at
//    once (each in its own namespace);
//  - /var/spool/smtpd is its own directory: nothing reaches the system's queue;
//  - /etc/resolv.conf names 127.0.0.254 (nothing listens): smtpd looks up the PTR of
//    every client address (and then the name) through the DNS resolver directly,
//    ignoring /etc/hosts; without this, every test session sent DNS queries for
//    1.0.0.127.in-addr.arpa to the machine's real resolver.
// Without a mount namespace (a container without CAP_SYS_ADMIN) OpenSMTPD is not started
// at all: openSmtpdUnavailable() says why, for a Boost precondition.
//
// OpenSMTPD 6.8 quirks found while writing this: a key file readable by group or others
// fails the start ("insecure permissions: must be at most rwxr-----"); `mx` is a keyword
// and cannot be a pki name (hence quoted "tlsN" names); the spool directory must be mode
// 0711; a command pipelined without the PIPELINING extension (not offered) is answered
// "500 5.5.1 Invalid command: Pipelining not supported" and the session closed; a RCPT for
// a domain no `match` accepts gets "550 Invalid recipient: <...>".
//
// Errors: startOpenSmtpd throws std::runtime_error when smtpd cannot run here (the
// message from openSmtpdUnavailable()), exits early or does not greet in time (the message
// includes its log), std::invalid_argument for a non-loopback address or a bad option.
// Not thread-safe: use each object from one thread (FakeSmtpServer: see below).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/endpoint.h"
#include "support/dns_client.h"
#include "support/dns_servers.h"
#include "support/temp_dir.h"
#include "support/unique_fd.h"
#include "support/web_servers.h"  // TlsIdentity

namespace dnsprop::test {

// ---------------------------------------------------------------- OpenSMTPD

struct SmtpdListener {
  std::string address = "127.0.0.1";       // loopback only
  std::uint16_t port = 0;                    // 0: a free one
  std::string hostname = "mx.test";          // the name in the banner and the EHLO reply
  std::optional<TlsIdentity> tls;            // offer STARTTLS with this certificate
  std::vector<std::string> accept_domains;   // RCPT TO these domains: 250; any other: 550
  std::string tag;                           // the listener's tag; empty: "L<index>"
};

struct OpenSmtpdOptions {
  std::vector<SmtpdListener> listeners;  // at least one
  Millis ready_deadline = Millis(10000);
};

class OpenSmtpdServer {
 public:
  // Used by startOpenSmtpd: the server's directory (config and script written), its
  // command line, its listeners' endpoints and tags. Does not start it.
  OpenSmtpdServer(TempDir dir, std::vector<std::string> argv, std::vector<Endpoint> endpoints,
                  std::vector<std::string> tags);
  ~OpenSmtpdServer();
  OpenSmtpdServer(const OpenSmtpdServer&) = delete;
  OpenSmtpdServer& operator=(const OpenSmtpdServer&) = delete;

  // The i-th listener; throws std::logic_error when there is none.
  Endpoint endpoint(std::size_t i = 0) const;
  const std::string& tag(std::size_t i = 0) const;
  const TempDir& dir() const { return dir_; }
  ServerProcess& process() { return *process_; }
  std::string logTail(std::size_t max_lines = 60) const { return process_->logTail(max_lines); }

  // Every command line the server received, in order, from its trace ("<<< EHLO x"
  // lines; after STARTTLS too, decrypted): of all sessions, or of the sessions on the
  // listener with `tag`. smtpd logs a command before it answers, so once a client has the
  // reply the command is in the log.
  std::vector<std::string> commands() const;
  std::vector<std::string> commands(const std::string& tag) const;

  // Starts and waits until every listener sends its 220 banner.
  void start(Millis deadline);
  void stop() { process_->stop(); }

 private:
  std::vector<std::string> commandsOf(const std::string* tag) const;

  TempDir dir_;
  std::vector<Endpoint> endpoints_;
  std::vector<std::string> tags_;
  std::unique_ptr<ServerProcess> process_;
};

// Empty when OpenSMTPD can run here; otherwise why not (not root, smtpd or unshare not
// installed, no mount namespace allowed). Checked once per process.
std::string openSmtpdUnavailable();

std::unique_ptr<OpenSmtpdServer> startOpenSmtpd(const OpenSmtpdOptions& options);

// ---------------------------------------------------------------- FakeSmtpServer

// What the fake does in answer to one command line.
struct SmtpStep {
  enum class Then {
    Continue,  // wait for the next command
    Close,     // close the connection
    StartTls,  // run a TLS server handshake (FakeSmtpOptions::tls), then go on inside TLS
    Garbage,   // when the next bytes arrive (a ClientHello), send `garbage` instead of
               // a handshake; then read and drop everything until the client closes
  };
  std::string reply;  // written at once, in one write (CRLFs included); may be empty
  Then then = Then::Continue;
  std::string garbage;

  static SmtpStep say(std::string reply, Then then = Then::Continue) { return {std::move(reply), then, {}}; }
};

// Where a command arrived: the connection's number (from 0) and whether inside TLS.
struct SmtpSessionInfo {
  std::size_t connection = 0;
  bool tls = false;
};

// Called on the server's thread for every command line (without its CRLF).
using SmtpScript = std::function<SmtpStep(const std::string& command, const SmtpSessionInfo& session)>;

// A well-behaved server: EHLO (250, multi-line; STARTTLS listed when `offer_starttls`
// and not yet inside TLS), STARTTLS (220, then the handshake), MAIL (250), RCPT (250;
// 554 "Relay access denied" for a recipient @relay-check.invalid: no relay),
// RSET (250), QUIT (221, then close), DATA (354: a probe must never get there), anything
// else 500. `overrides` replaces the step for a verb (the command's first word, upper
// case: "RCPT" -> SmtpStep::say("450 4.7.1 greylisted\r\n")).
SmtpScript standardSmtpScript(std::map<std::string, SmtpStep> overrides = {}, bool offer_starttls = false);

struct FakeSmtpOptions {
  std::string address = "127.0.0.1";                 // loopback only
  std::string greeting = "220 fake.test ESMTP\r\n";  // raw; empty: never say anything
  SmtpScript script;                                  // unset: standardSmtpScript()
  std::optional<TlsIdentity> tls;                     // for Then::StartTls (without: close)
};

// Serves one connection at a time on its own thread (later connections wait in the
// listen backlog), started by the constructor, stopped and joined by the destructor.
// Public members are thread-safe.
class FakeSmtpServer {
 public:
  // Throws std::invalid_argument for a non-loopback address, std::runtime_error when the
  // socket, the TLS context or the thread cannot be set up.
  explicit FakeSmtpServer(FakeSmtpOptions options);
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  Endpoint endpoint() const { return endpoint_; }
  // Every command line received so far (all connections, in order; inside TLS too).
  std::vector<std::string> commands() const;
  std::size_t connections() const { return connections_.load(); }
  std::size_t handshakes() const { return handshakes_.load(); }     // TLS handshakes completed
  std::size_t closedByClient() const { return closed_by_client_.load(); }  // connections the client ended
  std::size_t droppedBytes() const { return dropped_bytes_.load(); }  // received after a Garbage step

 private:
  struct Tls;  // mail_servers.cc
  void run();
  void serve(int fd, std::size_t index);
  void record(std::string command);

  FakeSmtpOptions options_;
  UniqueFd listen_fd_;
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  Endpoint endpoint_;
  std::unique_ptr<Tls> tls_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> handshakes_{0};
  std::atomic<std::size_t> closed_by_client_{0};
  std::atomic<std::size_t> dropped_bytes_{0};
  std::thread thread_;  // last: started when everything else is ready
};

// ---------------------------------------------------------------- SynDroppingListener

// A TCP port on which a connect never completes: a listener with a backlog of 0 whose
// only queue slot is taken by a connection this object makes itself, so the kernel
// drops every further SYN (Linux, and gVisor, drop SYNs while the accept queue is full)
// and the client waits in SYN_SENT until it gives up. Port chosen by the kernel.
class SynDroppingListener {
 public:
  // Throws std::invalid_argument for a non-loopback address, std::runtime_error when the
  // sockets cannot be set up.
  explicit SynDroppingListener(const std::string& address = "127.0.0.1");
  Endpoint endpoint() const { return endpoint_; }
  // Whether a further connect really stays pending (checked with a probe connection for
  // `wait`): false on a kernel that behaves otherwise; a test should then not rely on it.
  bool dropsConnections(Millis wait = Millis(100)) const;

 private:
  UniqueFd listen_fd_;
  UniqueFd filler_;
  Endpoint endpoint_;
};

}  // namespace dnsprop::test
