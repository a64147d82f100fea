#include "verdict/mail_checks.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "verdict/json_fields.h"

namespace dnsprop {
namespace {

using json_fields::get;
using json_fields::msOrNull;
using json_fields::optMs;
using json_fields::parseEnum;

constexpr ServerSide kSides[] = {ServerSide::Old, ServerSide::New};
constexpr MailOutcome kOutcomes[] = {MailOutcome::Completed,     MailOutcome::Timeout, MailOutcome::ConnectFailed,
                                     MailOutcome::TlsFailed,     MailOutcome::ProtocolError, MailOutcome::Error,
                                     MailOutcome::NoRoute};
constexpr Duration kCertWarning = std::chrono::hours(24 * 14);
constexpr Duration kStaleSlack = std::chrono::seconds(60);

bool ok2xx(int code) { return code >= 200 && code < 300; }

std::string server(const MailExchange& e) { return fmt::format("{}:{}", e.address, e.port); }

std::string portName(std::uint16_t port) {
  switch (port) {
    case 110: return "110 (POP3)";
    case 143: return "143 (IMAP)";
    case 993: return "993 (IMAPS)";
    case 995: return "995 (POP3S)";
    default: return std::to_string(port);
  }
}

bool stale(WallTime at, Duration every, WallTime now) {
  return every > Duration::zero() && now - at > every * 3 + kStaleSlack;
}

}  // namespace

std::string_view toString(MailOutcome o) {
  switch (o) {
    case MailOutcome::Completed: return "completed";
    case MailOutcome::Timeout: return "timeout";
    case MailOutcome::ConnectFailed: return "connect_failed";
    case MailOutcome::TlsFailed: return "tls_failed";
    case MailOutcome::ProtocolError: return "protocol_error";
    case MailOutcome::Error: return "error";
    case MailOutcome::NoRoute: return "no_route";
  }
  return "error";
}

std::string whyNotAccepting(const MailExchange& e, bool require_starttls) {
  if (e.outcome != MailOutcome::Completed) {
    return fmt::format("{}{}", toString(e.outcome), e.error.empty() ? "" : " (" + e.error + ")");
  }
  const std::string reply = e.last_reply.empty() ? "" : ": " + e.last_reply;
  if (!ok2xx(e.banner_code)) return fmt::format("refused at the banner{}", reply);
  if (!ok2xx(e.ehlo_code)) return fmt::format("EHLO refused{}", reply);
  if (require_starttls && !e.starttls_offered) return "STARTTLS not offered";
  if (require_starttls && !e.tls) return fmt::format("STARTTLS refused{}", reply);
  if (!ok2xx(e.mail_from_code)) return fmt::format("MAIL FROM:<> refused (bounces could not be delivered){}", reply);
  if (e.rcpt_code >= 400 && e.rcpt_code < 500) return fmt::format("RCPT deferred (greylisting? senders retry){}", reply);
  if (!ok2xx(e.rcpt_code)) return fmt::format("RCPT refused{}", reply);
  if (ok2xx(e.relay_code)) {
    return "it accepts a recipient of another domain too: it relays for this host, so its acceptance says nothing "
           "about senders elsewhere (ask from outside its trusted networks)";
  }
  return "";
}

bool acceptsMail(const MailExchange& e, bool require_starttls) { return whyNotAccepting(e, require_starttls).empty(); }

MailJudgement judgeMail(const MailChecks& checks, WallTime now) {
  MailJudgement j;
  std::size_t judged = 0;
  std::size_t unreachable = 0;
  std::vector<std::string> failing;
  for (const auto& e : checks.exchanges) {
    if (e.outcome == MailOutcome::NoRoute) {  // shown, never judged
      if (e.side == ServerSide::New) ++unreachable;
      continue;
    }
    std::string why = whyNotAccepting(e, checks.require_starttls && e.side == ServerSide::New);
    if (why.empty() && stale(e.at, checks.every, now)) {
      why = fmt::format("last asked {} ago", formatRelative(now - e.at));
    }
    if (e.side == ServerSide::New) {
      ++judged;
      if (!why.empty()) failing.push_back(fmt::format("{}: {}", server(e), why));
      if (why.empty() && !e.starttls_offered) {
        j.findings.push_back(fmt::format("the new mail server at {} does not offer STARTTLS: mail reaches it "
                                         "unencrypted",
                                         server(e)));
      }
    } else if (why.empty()) {
      j.old_accepting.push_back(e.address);
    } else {
      j.findings.push_back(fmt::format("the old mail server at {} does not accept mail for {} ({}) while senders "
                                       "may still be sent to it: their mail waits in their queues (up to {}) or "
                                       "bounces",
                                       server(e), checks.recipient, why, formatRelative(kSenderRetry)));
    }
    if (e.tls && e.cert_seen) {
      if (!e.cert_chain_ok || !e.cert_name_matches) {
        j.findings.push_back(fmt::format("the certificate of the {} mail server at {} {}: senders that verify "
                                         "(DANE, MTA-STS) will not deliver",
                                         toString(e.side), server(e),
                                         !e.cert_chain_ok ? "does not verify (" + e.cert_error + ")"
                                                          : "is not for " + e.tls_name));
      } else if (e.cert_not_after && *e.cert_not_after > now && *e.cert_not_after - now < kCertWarning) {
        j.findings.push_back(fmt::format("the certificate of the {} mail server at {} expires {}", toString(e.side),
                                         server(e), formatRfc3339(*e.cert_not_after)));
      }
    }
  }
  if (unreachable > 0) {
    j.findings.push_back(fmt::format("{} address(es) of the new mail server not asked: this host has no route to "
                                     "them (IPv6); check those from elsewhere",
                                     unreachable));
  }
  if (judged == 0) {
    j.detail = unreachable > 0 ? "no address of the new mail server can be reached from this host (no IPv6 route)"
                               : "the new mail server has not been asked yet";
  } else if (!failing.empty()) {
    j.detail = fmt::format("{} of {} addresses of the new mail server do not accept mail for {}: {}", failing.size(),
                           judged, checks.recipient, failing.front());
  } else {
    j.new_accepts = true;
    j.detail = fmt::format("the new mail server accepts mail for {} ({} address{})", checks.recipient, judged,
                          judged == 1 ? "" : "es");
  }
  // The guide: keep fetching mail from the old server until the end of the parallel period.
  std::map<bool, std::vector<std::string>> by_open;
  for (const auto& p : checks.fetch_ports) {
    if (p.outcome == "no_route") continue;
    by_open[p.outcome == "open"].push_back(fmt::format("{} port {}", p.address, portName(p.port)));
  }
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!by_open[true].empty()) {
    j.findings.push_back(fmt::format("the old server still answers on {}: keep fetching mail from it until the "
                                     "old server is shut down",
                                     joined(by_open[true])));
  }
  if (!by_open[false].empty()) {
    j.findings.push_back(fmt::format("the old server does not answer on {}: mail still delivered there cannot be "
                                     "fetched",
                                     joined(by_open[false])));
  }
  return j;
}

nlohmann::json toJson(const MailChecks& m) {
  nlohmann::json exchanges = nlohmann::json::array();
  for (const auto& e : m.exchanges) {
    exchanges.push_back({{"side", std::string(toString(e.side))},
                         {"address", e.address},
                         {"port", e.port},
                         {"tls_name", e.tls_name},
                         {"at_ms", unixMillis(e.at)},
                         {"outcome", std::string(toString(e.outcome))},
                         {"error", e.error},
                         {"stage", e.stage},
                         {"banner_code", e.banner_code},
                         {"ehlo_code", e.ehlo_code},
                         {"starttls_offered", e.starttls_offered},
                         {"starttls_code", e.starttls_code},
                         {"tls", e.tls},
                         {"tls_version", e.tls_version},
                         {"mail_from_code", e.mail_from_code},
                         {"rcpt_code", e.rcpt_code},
                         {"relay_code", e.relay_code},
                         {"last_reply", e.last_reply},
                         {"elapsed_seconds", e.elapsed_seconds},
                         {"cert_seen", e.cert_seen},
                         {"cert_chain_ok", e.cert_chain_ok},
                         {"cert_error", e.cert_error},
                         {"cert_name_matches", e.cert_name_matches},
                         {"cert_not_after_ms", msOrNull(e.cert_not_after)}});
  }
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& p : m.fetch_ports) {
    ports.push_back({{"address", p.address},
                     {"port", p.port},
                     {"at_ms", unixMillis(p.at)},
                     {"outcome", p.outcome},
                     {"error", p.error}});
  }
  return {{"recipient", m.recipient},
          {"require_starttls", m.require_starttls},
          {"every_ms", std::chrono::duration_cast<std::chrono::milliseconds>(m.every).count()},
          {"exchanges", std::move(exchanges)},
          {"fetch_ports", std::move(ports)}};
}

MailChecks mailChecksFromJson(const nlohmann::json& j) {
  MailChecks m;
  m.recipient = get<std::string>(j, "recipient");
  m.require_starttls = get<bool>(j, "require_starttls");
  m.every = std::chrono::milliseconds(get<std::int64_t>(j, "every_ms"));
  for (const auto& x : get<nlohmann::json>(j, "exchanges")) {
    MailExchange e;
    e.side = parseEnum(kSides, get<std::string>(x, "side"), "side");
    e.address = get<std::string>(x, "address");
    e.port = get<std::uint16_t>(x, "port");
    e.tls_name = get<std::string>(x, "tls_name");
    e.at = fromUnixMillis(get<std::int64_t>(x, "at_ms"));
    e.outcome = parseEnum(kOutcomes, get<std::string>(x, "outcome"), "outcome");
    e.error = get<std::string>(x, "error");
    e.stage = get<std::string>(x, "stage");
    e.banner_code = get<int>(x, "banner_code");
    e.ehlo_code = get<int>(x, "ehlo_code");
    e.starttls_offered = get<bool>(x, "starttls_offered");
    e.starttls_code = get<int>(x, "starttls_code");
    e.tls = get<bool>(x, "tls");
    e.tls_version = get<std::string>(x, "tls_version");
    e.mail_from_code = get<int>(x, "mail_from_code");
    e.rcpt_code = get<int>(x, "rcpt_code");
    if (x.contains("relay_code")) e.relay_code = get<int>(x, "relay_code");  // absent before the relay check
    e.last_reply = get<std::string>(x, "last_reply");
    e.elapsed_seconds = get<double>(x, "elapsed_seconds");
    e.cert_seen = get<bool>(x, "cert_seen");
    e.cert_chain_ok = get<bool>(x, "cert_chain_ok");
    e.cert_error = get<std::string>(x, "cert_error");
    e.cert_name_matches = get<bool>(x, "cert_name_matches");
    if (auto ms = optMs(x, "cert_not_after_ms")) e.cert_not_after = fromUnixMillis(*ms);
    m.exchanges.push_back(std::move(e));
  }
  for (const auto& x : get<nlohmann::json>(j, "fetch_ports")) {
    PortCheck p;
    p.address = get<std::string>(x, "address");
    p.port = get<std::uint16_t>(x, "port");
    p.at = fromUnixMillis(get<std::int64_t>(x, "at_ms"));
    p.outcome = get<std::string>(x, "outcome");
    p.error = get<std::string>(x, "error");
    m.fetch_ports.push_back(std::move(p));
  }
  return m;
}

}  // namespace dnsprop
