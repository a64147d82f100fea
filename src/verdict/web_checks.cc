#include "verdict/web_checks.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

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
constexpr FetchOutcome kOutcomes[] = {FetchOutcome::Response,  FetchOutcome::Timeout, FetchOutcome::ConnectFailed,
                                      FetchOutcome::TlsFailed, FetchOutcome::Error,   FetchOutcome::NoRoute};
// A certificate this close to its expiry is a finding (and the alert's threshold).
constexpr Duration kCertWarning = std::chrono::hours(24 * 14);

std::string url(const WebFetch& f) { return fmt::format("{}://{}{}", f.https ? "https" : "http", f.host, f.path); }

// A Location that is a path on the same site, or an absolute URL of the same host.
bool redirectStaysOnHost(const WebFetch& f) {
  const std::string& l = f.location;
  if (l.starts_with("/") && !l.starts_with("//")) return true;
  for (const char* scheme : {"http://", "https://"}) {
    const std::string prefix = scheme + f.host;
    if (l.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), l.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      const char next = l.size() > prefix.size() ? l[prefix.size()] : '/';
      if (next == '/' || next == ':' || next == '?') return true;
    }
  }
  return false;
}

}  // namespace

std::string_view toString(ServerSide s) {
  switch (s) {
    case ServerSide::Old: return "old";
    case ServerSide::New: return "new";
  }
  return "new";
}

std::string_view toString(FetchOutcome o) {
  switch (o) {
    case FetchOutcome::Response: return "response";
    case FetchOutcome::Timeout: return "timeout";
    case FetchOutcome::ConnectFailed: return "connect_failed";
    case FetchOutcome::TlsFailed: return "tls_failed";
    case FetchOutcome::Error: return "error";
    case FetchOutcome::NoRoute: return "no_route";
  }
  return "error";
}

std::string whyNotServing(const WebFetch& f, WallTime now) {
  if (f.outcome != FetchOutcome::Response) {
    return fmt::format("{}{}", toString(f.outcome), f.error.empty() ? "" : " (" + f.error + ")");
  }
  if (f.status >= 400) return fmt::format("HTTP {}", f.status);
  if (!f.https) return "";
  if (!f.cert_seen) return "no certificate";
  if (!f.cert_chain_ok) return fmt::format("certificate does not verify ({})", f.cert_error);
  if (!f.cert_name_matches) return fmt::format("certificate is not for {}", f.host);
  if (!f.cert_not_after || *f.cert_not_after <= now) return "certificate has expired";
  return "";
}

bool serves(const WebFetch& f, WallTime now) { return whyNotServing(f, now).empty(); }

WebJudgement judgeWeb(const WebChecks& checks, WallTime now) {
  WebJudgement j;
  std::size_t judged = 0;
  std::vector<std::string> failing;
  std::size_t unreachable = 0;  // new-side fetches this host has no route for
  for (const auto& f : checks.fetches) {
    if (f.outcome == FetchOutcome::NoRoute) {  // shown, never judged
      if (f.side == ServerSide::New) ++unreachable;
      continue;
    }
    const std::string why = whyNotServing(f, now);
    if (f.side == ServerSide::New) {
      ++judged;
      if (!why.empty()) failing.push_back(fmt::format("{} at {}: {}", url(f), f.address, why));
    } else if (!why.empty()) {
      j.findings.push_back(fmt::format("the old server at {} does not serve {} ({}) while people may still be "
                                       "sent to it",
                                       f.address, url(f), why));
    }
    if (f.side == ServerSide::New && f.status >= 300 && f.status < 400 && !f.location.empty() &&
        !redirectStaysOnHost(f)) {
      j.findings.push_back(fmt::format("the new server at {} redirects {} to {}: only that page was checked, not "
                                       "where it leads",
                                       f.address, url(f), f.location));
    }
    if (f.https && f.cert_not_after && *f.cert_not_after > now && *f.cert_not_after - now < kCertWarning) {
      j.findings.push_back(fmt::format("the certificate of {} at {} ({} server) expires {}", f.host, f.address,
                                       toString(f.side), formatRfc3339(*f.cert_not_after)));
    }
  }
  if (unreachable > 0) {
    j.findings.push_back(fmt::format("{} fetch(es) of the new server not made: this host has no route to their "
                                     "addresses (IPv6); check those from elsewhere",
                                     unreachable));
  }
  if (judged == 0) {
    j.new_serves = false;
    j.detail = unreachable > 0 ? "no address of the new server can be reached from this host (no IPv6 route)"
                               : "no fetch of the new server yet";
  } else if (!failing.empty()) {
    j.new_serves = false;
    j.detail = fmt::format("{} of {} fetches of the new server fail: {}", failing.size(), judged, failing.front());
  } else {
    j.new_serves = true;
    j.detail = fmt::format("the new server serves every path ({} fetches)", judged);
  }
  // Content drift: a must_match path whose bodies differ between the old and the new
  // server (same host and scheme), among the fetches that were served.
  const std::set<std::string> must(checks.must_match.begin(), checks.must_match.end());
  std::map<std::tuple<std::string, bool, std::string>, std::map<ServerSide, std::set<std::string>>> bodies;
  for (const auto& f : checks.fetches) {
    if (must.count(f.path) == 0 || f.outcome != FetchOutcome::Response || f.status >= 400) continue;
    bodies[{f.host, f.https, f.path}][f.side].insert(f.body_sha256);
  }
  for (const auto& [key, by_side] : bodies) {
    const auto o = by_side.find(ServerSide::Old);
    const auto n = by_side.find(ServerSide::New);
    if (o == by_side.end() || n == by_side.end()) continue;
    if (o->second != n->second) {
      const auto& [host, https, path] = key;
      j.drift.push_back(fmt::format("{}{}", host, path));
      j.findings.push_back(fmt::format("content drift: {}://{}{} differs between the old and the new server "
                                       "(it is marked must_match: update both)",
                                       https ? "https" : "http", host, path));
    }
  }
  return j;
}

nlohmann::json toJson(const WebChecks& w) {
  nlohmann::json fetches = nlohmann::json::array();
  for (const auto& f : w.fetches) {
    fetches.push_back({{"side", std::string(toString(f.side))},
                       {"address", f.address},
                       {"host", f.host},
                       {"https", f.https},
                       {"path", f.path},
                       {"at_ms", unixMillis(f.at)},
                       {"outcome", std::string(toString(f.outcome))},
                       {"error", f.error},
                       {"status", f.status},
                       {"location", f.location},
                       {"body_bytes", f.body_bytes},
                       {"body_truncated", f.body_truncated},
                       {"body_sha256", f.body_sha256},
                       {"elapsed_seconds", f.elapsed_seconds},
                       {"cert_seen", f.cert_seen},
                       {"cert_chain_ok", f.cert_chain_ok},
                       {"cert_error", f.cert_error},
                       {"cert_name_matches", f.cert_name_matches},
                       {"cert_not_after_ms", msOrNull(f.cert_not_after)}});
  }
  return {{"must_match", w.must_match}, {"fetches", std::move(fetches)}};
}

WebChecks webChecksFromJson(const nlohmann::json& j) {
  WebChecks w;
  w.must_match = get<std::vector<std::string>>(j, "must_match");
  for (const auto& e : get<nlohmann::json>(j, "fetches")) {
    WebFetch f;
    f.side = parseEnum(kSides, get<std::string>(e, "side"), "side");
    f.address = get<std::string>(e, "address");
    f.host = get<std::string>(e, "host");
    f.https = get<bool>(e, "https");
    f.path = get<std::string>(e, "path");
    f.at = fromUnixMillis(get<std::int64_t>(e, "at_ms"));
    f.outcome = parseEnum(kOutcomes, get<std::string>(e, "outcome"), "outcome");
    f.error = get<std::string>(e, "error");
    f.status = get<int>(e, "status");
    f.location = get<std::string>(e, "location");
    f.body_bytes = get<std::uint64_t>(e, "body_bytes");
    f.body_truncated = get<bool>(e, "body_truncated");
    f.body_sha256 = get<std::string>(e, "body_sha256");
    f.elapsed_seconds = get<double>(e, "elapsed_seconds");
    f.cert_seen = get<bool>(e, "cert_seen");
    f.cert_chain_ok = get<bool>(e, "cert_chain_ok");
    f.cert_error = get<std::string>(e, "cert_error");
    f.cert_name_matches = get<bool>(e, "cert_name_matches");
    if (auto ms = optMs(e, "cert_not_after_ms")) f.cert_not_after = fromUnixMillis(*ms);
    w.fetches.push_back(std::move(f));
  }
  return w;
}

}  // namespace dnsprop
