// The mail server's parallel operation as the monitor last saw it ([migration.mail],
// docs/MAIL.md): one MailExchange per (side, address) — an SMTP dialogue up to RCPT,
// never DATA — and one PortCheck per POP3/IMAP port of the old server, and what the
// verdict makes of them. Pure: no I/O; the monitor fills these from servers/smtp_probe.h.
// Value types; thread-safe as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/duration.h"
#include "verdict/web_checks.h"  // ServerSide

namespace dnsprop {

// What became of an SMTP exchange (servers/smtp_probe.h SmtpOutcome, plus NoRoute: not
// attempted, the host has no route for the address's family: shown, never judged).
enum class MailOutcome { Completed, Timeout, ConnectFailed, TlsFailed, ProtocolError, Error, NoRoute };
// "completed" "timeout" "connect_failed" "tls_failed" "protocol_error" "error" "no_route"
std::string_view toString(MailOutcome o);

struct MailExchange {
  ServerSide side = ServerSide::New;
  std::string address;          // the IP asked (no port)
  std::uint16_t port = 25;
  std::string tls_name;         // SNI, and the name the certificate is checked against
  WallTime at{};                // when the exchange ended
  MailOutcome outcome = MailOutcome::Error;
  std::string error;            // why, when not Completed
  std::string stage;            // how far it got (smtp_probe.h SmtpStage: "banner" ... "done")
  int banner_code = 0;          // 0: no such reply
  int ehlo_code = 0;
  bool starttls_offered = false;
  int starttls_code = 0;        // reply to STARTTLS, when issued
  bool tls = false;             // the handshake completed
  std::string tls_version;
  int mail_from_code = 0;       // reply to MAIL FROM:<>
  int rcpt_code = 0;            // reply to RCPT TO:<recipient>
  int relay_code = 0;           // reply to the relay check's RCPT (another domain), when sent
  std::string last_reply;       // "550 Invalid recipient ..." : the last reply received (first line)
  double elapsed_seconds = 0;
  bool cert_seen = false;
  bool cert_chain_ok = false;
  std::string cert_error;
  bool cert_name_matches = false;
  std::optional<WallTime> cert_not_after;
  friend bool operator==(const MailExchange&, const MailExchange&) = default;
};

// A POP3/IMAP port of the old server: does it still answer (connect only)?
struct PortCheck {
  std::string address;
  std::uint16_t port = 0;
  WallTime at{};
  std::string outcome;          // "open" "refused" "timeout" "error" "no_route"
  std::string error;
  friend bool operator==(const PortCheck&, const PortCheck&) = default;
};

struct MailChecks {
  std::string recipient;        // "postmaster@shop.example.jp"
  bool require_starttls = true; // the new server must offer STARTTLS and complete the handshake
  Duration every{};             // how often the servers are asked (results in between are the last ones)
  std::vector<MailExchange> exchanges;
  std::vector<PortCheck> fetch_ports;
  friend bool operator==(const MailChecks&, const MailChecks&) = default;
};

// How long sending servers keep retrying a message before they bounce it (RFC 5321
// 4.5.4.1 suggests at least 4-5 days; Postfix's maximal_queue_lifetime is 5 d).
constexpr Duration kSenderRetry = std::chrono::hours(24 * 5);

// Whether an exchange shows the server taking mail for the recipient: the dialogue went
// to its end, the banner, EHLO, MAIL FROM:<> and RCPT were accepted (2xx), and with
// `require_starttls` STARTTLS was offered and the handshake completed. A 4xx at RCPT
// (greylisting) is not acceptance yet; nor is a RCPT accepted by a server that accepts
// another domain's recipient too (it relays for this host: senders elsewhere may be
// refused).
bool acceptsMail(const MailExchange& e, bool require_starttls);
// One line on why not ("" when it accepts).
std::string whyNotAccepting(const MailExchange& e, bool require_starttls);

struct MailJudgement {
  bool new_accepts = false;          // the condition "new mail server accepts mail for the domain"
  std::string detail;                // one line for it
  // Shown and alerted, never blocking: the old server refusing or unreachable while
  // senders may still be sent to it, a certificate that does not verify or expires
  // within 14 d, the old server's POP3/IMAP ports (the guide's "keep fetching mail").
  std::vector<std::string> findings;
  std::vector<std::string> old_accepting;  // old addresses that still accept mail
};
// A result older than 3 × `every` + 60 s at `now` is stale: it no longer shows acceptance.
MailJudgement judgeMail(const MailChecks& checks, WallTime now);

nlohmann::json toJson(const MailChecks& m);
// Throws std::invalid_argument naming a missing or malformed field.
MailChecks mailChecksFromJson(const nlohmann::json& j);

}  // namespace dnsprop
