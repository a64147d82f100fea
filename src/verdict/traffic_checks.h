// The traffic the old server still receives ([migration.traffic], docs/CONFIG.md): the
// hosting guide's own end condition, "the old server no longer receives anything". When
// `dnsprop run` runs on the old server, it follows the old web server's access log
// (servers/access_log.h) and counts the requests of the last `window`; the verdict's
// condition `traffic` holds when there were at most `max_requests`, over a log that
// covers the whole window. Pure: no I/O. Value types; thread-safe as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/duration.h"

namespace dnsprop {

struct TrafficCheck {
  std::string access_log;                  // the file followed
  Duration window{};                       // counted over the last window
  std::uint64_t max_requests = 0;          // at most this many still counts as "no traffic"
  WallTime at{};                           // when it was counted
  std::optional<std::uint64_t> requests;   // in the window ending at `at`; nullopt: the log cannot be read
  // The log tells about requests since this time (its oldest line read, or when following
  // began when the file started empty); nullopt: nothing known yet.
  std::optional<WallTime> covered_since;
  std::optional<WallTime> last_request;    // the newest request counted
  std::uint64_t unparsed = 0;              // lines that were not access-log lines
  std::string error;                       // why the log cannot be read ("" when fine)
  friend bool operator==(const TrafficCheck&, const TrafficCheck&) = default;
};

struct TrafficJudgement {
  bool quiet = false;        // the condition: at most max_requests over a covered window
  std::string detail;        // one line for it
};
// A count older than `stale_after` at `now` does not count.
TrafficJudgement judgeTraffic(const TrafficCheck& t, WallTime now, Duration stale_after);

nlohmann::json toJson(const TrafficCheck& t);
// Throws std::invalid_argument naming a missing or malformed field.
TrafficCheck trafficCheckFromJson(const nlohmann::json& j);

}  // namespace dnsprop
