#include "verdict/traffic_checks.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "verdict/json_fields.h"

namespace dnsprop {
namespace {

using json_fields::get;
using json_fields::msOrNull;
using json_fields::optMs;

}  // namespace

TrafficJudgement judgeTraffic(const TrafficCheck& t, WallTime now, Duration stale_after) {
  TrafficJudgement j;
  const std::string window = formatRelative(t.window);
  if (!t.requests) {
    j.detail = fmt::format("the access log {} cannot be read{}", t.access_log, t.error.empty() ? "" : ": " + t.error);
    return j;
  }
  if (now - t.at > stale_after) {
    j.detail = fmt::format("the access log was last counted {} ago", formatRelative(now - t.at));
    return j;
  }
  if (*t.requests > t.max_requests) {
    j.detail = fmt::format("the old server received {} request(s) in the last {} (at most {} allowed){}", *t.requests,
                           window, t.max_requests,
                           t.last_request ? ", the last at " + formatRfc3339(*t.last_request) : std::string());
    return j;
  }
  if (!t.covered_since || *t.covered_since > t.at - t.window) {
    j.detail = fmt::format("{} request(s) so far, but the access log covers only {} of the {} window{}", *t.requests,
                           t.covered_since ? formatRelative(t.at - *t.covered_since) : std::string("none"), window,
                           t.covered_since ? "; it is complete at " + formatRfc3339(*t.covered_since + t.window)
                                           : std::string());
    return j;
  }
  j.quiet = true;
  j.detail = fmt::format("the old server received {} request(s) in the last {} (at most {} allowed)", *t.requests,
                         window, t.max_requests);
  return j;
}

nlohmann::json toJson(const TrafficCheck& t) {
  return {{"access_log", t.access_log},
          {"window_ms", std::chrono::duration_cast<std::chrono::milliseconds>(t.window).count()},
          {"max_requests", t.max_requests},
          {"at_ms", unixMillis(t.at)},
          {"requests", t.requests ? nlohmann::json(*t.requests) : nlohmann::json(nullptr)},
          {"covered_since_ms", msOrNull(t.covered_since)},
          {"last_request_ms", msOrNull(t.last_request)},
          {"unparsed", t.unparsed},
          {"error", t.error}};
}

TrafficCheck trafficCheckFromJson(const nlohmann::json& j) {
  TrafficCheck t;
  t.access_log = get<std::string>(j, "access_log");
  t.window = std::chrono::milliseconds(get<std::int64_t>(j, "window_ms"));
  t.max_requests = get<std::uint64_t>(j, "max_requests");
  t.at = fromUnixMillis(get<std::int64_t>(j, "at_ms"));
  if (!json_fields::field(j, "requests").is_null()) t.requests = get<std::uint64_t>(j, "requests");
  if (auto ms = optMs(j, "covered_since_ms")) t.covered_since = fromUnixMillis(*ms);
  if (auto ms = optMs(j, "last_request_ms")) t.last_request = fromUnixMillis(*ms);
  t.unparsed = get<std::uint64_t>(j, "unparsed");
  t.error = get<std::string>(j, "error");
  return t;
}

}  // namespace dnsprop
