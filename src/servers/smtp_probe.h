// Asks one mail server, at one address, whether it would take mail for a domain, the way
// a sending mail server would, without ever sending a message: banner, EHLO, STARTTLS
// when offered (and the handshake), EHLO again, `MAIL FROM:<>`, `RCPT TO:<recipient>`,
// then RSET and QUIT. Never DATA. The "parallel operation" mail checks use it for every
// old and every new mail server address ([migration.mail], docs/CONFIG.md), and `reach()`
// to see whether the old server's POP3/IMAP ports still answer.
//
// How it works: a libuv TCP stream on the caller's loop; SMTP replies are read line by
// line (RFC 5321 4.2: "ddd-" continuation lines, "ddd " or "ddd" last line); TLS is
// OpenSSL driven through a memory-BIO pair (net/tls_client.h), so the loop never blocks.
// Nothing here implements TLS or X.509: OpenSSL does the handshake, and the certificate
// is judged apart, like the web server's (cert_judge.h, with our own trust store: the
// system roots or `ca_file`, names checked against `tls_name`, never fatal to the
// exchange: a wrong-name or self-signed certificate still yields the RCPT reply).
//
// Limits: a reply line longer than 2,048 bytes, a reply of more than 100 lines, a reply
// code that is not three digits 2xx-5xx (or differs between the lines of one reply), a
// reply code that makes no sense for the command (a 3xx to EHLO), bytes after the
// STARTTLS 220 before the handshake (RFC 3207 5: a command injection attempt) or the
// server closing the connection mid-dialogue end the exchange with ProtocolError. Lines
// end with CRLF; a bare LF is accepted too. The whole exchange has one deadline
// (`timeout`, in whole milliseconds).
//
// The dialogue, one command at a time (never pipelined: servers that do not offer
// PIPELINING, OpenSMTPD among them, drop a client that sends ahead):
//  - a 4xx/5xx to the banner, EHLO or MAIL ends the exchange (Completed) with QUIT, as a
//    554 banner expects (RFC 5321 3.1); a 421 at any step ends it without a word (the
//    server is closing the channel, RFC 5321 3.8). A refused EHLO is not retried as HELO.
//  - STARTTLS refused (454 and the like): the dialogue goes on in plain text, as a
//    sending MTA would (`starttls` holds the refusal, `tls` stays false). Not offered, or
//    `starttls` false: plain text too. A handshake failure is TlsFailed, not retried in
//    plain text. A TLS error after the handshake is ProtocolError.
//  - after the RCPT reply (any code): RSET, then QUIT, each awaiting its reply; `done` is
//    called once the QUIT reply (or the server's close) arrives. Nothing that goes wrong
//    after the RCPT reply, or after a refusal (a timeout, a close, a bad reply to RSET or
//    QUIT), changes the result: it stays Completed.
//
// Threading: loop thread only; not thread-safe. Callbacks run on the loop thread.
// Ownership: the prober owns its uv handles, SSL objects and exchange state; the loop
// must outlive it (handles are closed with uv_close and freed when the loop runs again).
// Exceptions: nothing escapes into a libuv callback; an exception from `done` is caught,
// counted (callback_errors) and logged.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/endpoint.h"
#include "servers/cert_facts.h"

namespace dnsprop {

// How far the dialogue got. For a result, `stage` is the last step that was started:
// an exchange that ends at Banner with a 554 was refused at the banner; Done means the
// RCPT reply arrived (whatever its code) and RSET/QUIT were sent (not after a 421).
enum class SmtpStage { Connect, Banner, Ehlo, StartTls, TlsHandshake, EhloAfterTls, MailFrom, RcptTo, Done };
// "connect" "banner" "ehlo" "starttls" "tls_handshake" "ehlo_after_tls" "mail_from" "rcpt_to" "done"
std::string_view toString(SmtpStage s);

// What became of one exchange.
//  Completed      the server spoke SMTP to the end of what we asked, or refused politely
//                 with a 4xx/5xx reply (banner, EHLO, MAIL or RCPT: see `stage` and the
//                 replies); the judgement is the caller's
//  Timeout        `timeout` passed first
//  ConnectFailed  the TCP connection was refused or could not be made
//  TlsFailed      STARTTLS was accepted (220) but the TLS handshake failed; never because
//                 of the certificate, which is judged apart (`cert`)
//  ProtocolError  the server broke the protocol: closed mid-dialogue, a malformed or
//                 oversized reply, bytes sent ahead of the handshake
//  Error          anything else (a request that cannot be made, cancelled)
enum class SmtpOutcome { Completed, Timeout, ConnectFailed, TlsFailed, ProtocolError, Error };
// "completed" "timeout" "connect_failed" "tls_failed" "protocol_error" "error"
std::string_view toString(SmtpOutcome o);

struct SmtpReply {
  int code = 0;          // 0: no reply to this step
  std::string text;      // the first line's text after the code, at most 200 bytes, printable ASCII only
};

struct SmtpRequest {
  Endpoint address;                 // where to connect (IP and port; 25 unless the config says)
  std::string helo_name;            // the name for EHLO ("monitor.example.jp"); must be a DNS name
  std::string recipient;            // for RCPT TO ("postmaster@shop.example.jp"), without angle brackets
  std::string tls_name;             // SNI and the name the certificate is checked against (the MX host name);
                                    // a DNS name (one trailing dot dropped), may be empty only when !starttls
  bool starttls = true;             // issue STARTTLS when the server offers it
  // Once `recipient` is accepted, a second RCPT for this address of a domain nobody
  // serves (RFC 2606 .invalid): a server that accepts it too relays for us (we are in its
  // trusted networks), so its acceptance says nothing about senders elsewhere. Empty:
  // no such check.
  std::string relay_check_recipient = "dnsprop-relay-check@relay-check.invalid";
};

struct SmtpResult {
  SmtpOutcome outcome = SmtpOutcome::Error;
  std::string error;                // why, when not Completed (OpenSSL's or libuv's text, or ours)
  SmtpStage stage = SmtpStage::Connect;
  SmtpReply banner;
  SmtpReply ehlo;                   // the last EHLO reply (after TLS when TLS was made)
  bool starttls_offered = false;    // the EHLO reply (before TLS) listed STARTTLS
  SmtpReply starttls;               // the reply to STARTTLS (220 to go on), when issued
  bool tls = false;                 // the handshake completed
  std::string tls_version;          // "TLSv1.3" when tls
  std::optional<CertFacts> cert;    // when a certificate was presented (a failed handshake may have one)
  SmtpReply mail_from;
  SmtpReply rcpt;
  SmtpReply relay_rcpt;             // the reply to the relay check's RCPT, when sent (rcpt accepted)
  Duration elapsed{};               // from start to the end of the exchange
};

// Whether a TCP port answers: POP3/IMAP on the old server (the guide's "keep fetching
// mail from the old server"). Connect only; nothing is sent, nothing is read.
enum class ReachOutcome { Open, Refused, Timeout, Error };
// "open" "refused" "timeout" "error"
std::string_view toString(ReachOutcome o);

struct ReachResult {
  ReachOutcome outcome = ReachOutcome::Error;
  std::string error;
  Duration elapsed{};
};

struct SmtpProberOptions {
  Duration timeout = std::chrono::seconds(30);   // whole exchange (RFC 5321 allows minutes per reply; we ask less)
  Duration reach_timeout = std::chrono::seconds(5);
  std::optional<std::filesystem::path> ca_file;  // trust store for CertFacts.chain_ok instead of the system roots
};

struct SmtpProberCounters {
  std::uint64_t exchanges_started = 0;
  std::uint64_t exchanges_finished = 0;   // `done` called (any outcome, cancelled included)
  std::uint64_t reaches_started = 0;
  std::uint64_t reaches_finished = 0;
  std::uint64_t callback_errors = 0;      // exceptions thrown by a `done` callback (caught, logged)
};

// Exchanges on a libuv loop. Loop thread only. `done` is called exactly once per
// exchange or reach (also on cancelAll(), with outcome Error, "cancelled"), never from
// within ask()/reach(). A `done` callback may call ask(), reach() and cancelAll(), and
// may destroy the prober.
class SmtpProber {
 public:
  // Throws std::runtime_error if the TLS context or the trust store cannot be set up (an
  // unreadable or empty ca_file).
  SmtpProber(uv_loop_t* loop, SmtpProberOptions options);
  ~SmtpProber();  // ends what is in flight (calls no callbacks)
  SmtpProber(const SmtpProber&) = delete;
  SmtpProber& operator=(const SmtpProber&) = delete;

  // Starts an exchange. A request that cannot be made (a helo_name or tls_name that is
  // not a DNS name, a recipient with spaces, control characters, angle brackets or
  // non-ASCII bytes (no SMTPUTF8), no '@', more than 254 bytes) ends with outcome Error,
  // "invalid <field> '...'", delivered later on the loop like any other. Throws only
  // std::bad_alloc (then `done` is never called).
  void ask(SmtpRequest request, std::function<void(const SmtpResult&)> done);
  // Starts a connect-only check of `address` (closed as soon as it is made). Throws only
  // std::bad_alloc.
  void reach(Endpoint address, std::function<void(const ReachResult&)> done);
  // Ends everything in flight now; each `done` is called before this returns, with
  // outcome Error and error "cancelled".
  void cancelAll();
  std::size_t inFlight() const;
  const SmtpProberCounters& counters() const;

 private:
  class Impl;  // smtp_probe.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsprop
