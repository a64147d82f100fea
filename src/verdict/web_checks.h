// The web server's parallel operation as a round saw it ([migration.web], docs/VERDICT.md
// "Servers in parallel operation"): one WebFetch per (side, address, host, scheme, path),
// and what the verdict makes of them. Pure: no I/O; the monitor fills WebFetch from
// servers/web_probe.h. Value types; thread-safe as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/duration.h"

namespace dnsprop {

enum class ServerSide { Old, New };
std::string_view toString(ServerSide s);  // "old" "new"

// What became of a fetch. NoRoute: not attempted, the host has no route for the address's
// family (an IPv6 address on an IPv4-only host): shown, never judged.
enum class FetchOutcome { Response, Timeout, ConnectFailed, TlsFailed, Error, NoRoute };
// "response" "timeout" "connect_failed" "tls_failed" "error" "no_route"
std::string_view toString(FetchOutcome o);

struct WebFetch {
  ServerSide side = ServerSide::New;
  std::string address;        // the IP fetched from (no port)
  std::string host;           // Host header and SNI, no trailing dot
  bool https = true;
  std::string path = "/";
  WallTime at{};              // when the fetch ended
  FetchOutcome outcome = FetchOutcome::Error;
  std::string error;          // why, when not a Response
  int status = 0;
  std::string location;       // Location of a 3xx (never followed)
  std::uint64_t body_bytes = 0;
  bool body_truncated = false;
  std::string body_sha256;    // hex; of the first body_bytes bytes
  double elapsed_seconds = 0;
  // HTTPS: the certificate as presented, judged on its own (chain, names, expiry).
  bool cert_seen = false;
  bool cert_chain_ok = false;
  std::string cert_error;
  bool cert_name_matches = false;
  std::optional<WallTime> cert_not_after;
  friend bool operator==(const WebFetch&, const WebFetch&) = default;
};

struct WebChecks {
  std::vector<std::string> must_match;  // paths whose bodies must be equal on old and new
  std::vector<WebFetch> fetches;
  friend bool operator==(const WebChecks&, const WebChecks&) = default;
};

// Whether a fetch shows the site served: a response below 400 and, over HTTPS, a
// certificate that verifies, covers the host and has not expired at `now`.
bool serves(const WebFetch& f, WallTime now);
// One line on what is wrong with a fetch that does not serve ("" when it serves).
std::string whyNotServing(const WebFetch& f, WallTime now);

struct WebJudgement {
  bool new_serves = false;            // the condition "new server serves the site"
  std::string detail;                 // one line for it
  // Shown and alerted, never blocking: content drift on a must_match path, the old
  // server not serving (people are still sent to it), a certificate expiring within 14 d.
  std::vector<std::string> findings;
  std::vector<std::string> drift;     // "host path" of must_match paths whose bodies differ
};
WebJudgement judgeWeb(const WebChecks& checks, WallTime now);

nlohmann::json toJson(const WebChecks& w);
// Throws std::invalid_argument naming a missing or malformed field.
WebChecks webChecksFromJson(const nlohmann::json& j);

}  // namespace dnsprop
