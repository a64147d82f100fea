// Follows a web server's access log and counts the requests it records, per minute, over
// a sliding window (24 h by default). Used when `dnsprop run` runs on the old server of a
// migration: the migration is over when the old server no longer receives traffic, and
// this answers "how many requests did the old server log in the last <window>?".
//
// How it works: plain POSIX (open with O_CLOEXEC|O_NONBLOCK, fstat, pread), no threads,
// no libuv. The caller calls poll(now) periodically; each poll reads at most
// `max_read_per_poll` bytes (the rest waits for the next poll, PollResult::more says so),
// so a poll never blocks for long on a large file.
//
// Restart behaviour: the file found at the path on the first poll is read from its
// beginning (AccessLogStart::Beginning, the default), so a restarted monitor sees the
// last day again instead of starting from zero; but when that file is larger than
// `initial_read_limit`, only its last `initial_read_limit` bytes are read, from the first
// line that starts inside them (Stats::bytes_skipped says how much was left out, and the
// window may then be undercounted). AccessLogStart::End counts only lines appended after
// the first poll. A file that appears later (after a rotation, or after being missing) is
// read from its beginning, with the same `initial_read_limit` bound.
//
// Rotation:
//  - rename + create (logrotate `create`): when the current file has been read to its end
//    and the path names another file (device/inode changed), the old file is kept open
//    and still read, before the new one, until it has not grown for `rotated_grace` (the
//    web server goes on writing to it until it reopens its logs), then closed. The new
//    file is read from its beginning.
//  - copytruncate: a file shorter than the read offset was truncated; reading restarts at
//    offset 0. Lines written between the last poll and the truncation are in the copy and
//    not seen; a truncated file that has grown past the old offset again before the next
//    poll cannot be told from appends (the usual limit of copytruncate).
//  - A missing path is not an error: Stats::missing is set (and logged once) and the file
//    is opened when it appears. A file still open keeps being read meanwhile.
//
// What counts: a line in Common or Combined Log Format, optionally with one leading field
// (Apache `vhost_combined`'s "%v:%p", or an nginx "$host"):
//   [vhost[:port] ]host ident user [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 2326[ "referer" "agent"][ more]
// (the timestamp in exactly that shape, English month names, any UTC offset; the status
// three digits; bytes digits or "-"; fields after the user agent ignored), that passes the
// filters (status, vhost, path prefix, user agent) and whose timestamp, when it is read,
// is inside the window and at most `future_tolerance` ahead of `now`. Anything else is
// counted in Stats and never throws. The parser is hand-written and bounds-checked (no
// regex, no locale); lines longer than `max_line` are dropped and counted.
//
// Resolution: whole minutes. requests(now) counts the lines of the last ceil(window / 1 min)
// minutes including the current one, plus the tolerated future ones; a line leaves the
// window up to a minute early. Memory is bounded: one bucket per minute of the window,
// one partial line of at most `max_line` bytes per open file, one 64 KiB read buffer.
//
// Threading: not thread-safe; one thread calls everything. Ownership: the follower owns
// its file descriptors (at most two: the current file and a rotated-away one).
// Exceptions: the constructor throws std::invalid_argument on bad options (never because
// of the file); after construction nothing throws but std::bad_alloc. Read errors (EIO,
// EACCES, a path that is not a regular file) are counted and reported by lastError().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"

namespace dnsprop {

// Where the follower starts in the file found at the path on its first poll.
enum class AccessLogStart { Beginning, End };

struct AccessLogOptions {
  Duration window = std::chrono::hours(24);  // 1 min .. 31 d; rounded up to whole minutes
  AccessLogStart start = AccessLogStart::Beginning;
  // Statuses not counted (e.g. 400, 408 for scanners' junk); none by default. 100..999.
  std::vector<int> exclude_status;
  // When not empty, a line with a leading vhost field counts only if that field (without
  // ":port" and a trailing dot, ASCII case-insensitive) is one of these names; lines
  // without a vhost field are not filtered (the log then belongs to one site).
  std::vector<std::string> hosts;
  // Requests whose target (as logged, e.g. "/healthz?x=1") starts with one of these.
  std::vector<std::string> exclude_path_prefix;
  // Requests whose user agent starts with one of these (case-sensitive): by default the
  // monitor's own web checks, which send "dnsprop/<version>". Lines in Common Log Format
  // have no user agent and cannot be filtered so (Stats::counted_without_user_agent).
  std::vector<std::string> exclude_user_agent_prefix = {"dnsprop/"};
  Duration future_tolerance = std::chrono::minutes(5);  // clock skew accepted; 0 .. 1 h
  std::size_t max_line = 16 * 1024;                      // bytes without "\n"; 256 .. 1 MiB
  std::size_t max_read_per_poll = 8 * 1024 * 1024;       // >= 4 KiB
  std::uint64_t initial_read_limit = 256ull * 1024 * 1024;  // tail read of a newly opened file; >= 4 KiB
  Duration rotated_grace = std::chrono::seconds(60);     // keep reading a rotated-away file this long after it last grew
};

// One parsed line. The views point into the line given to parseAccessLogLine().
struct AccessLogLine {
  std::string_view vhost;       // the leading field without ":port"; empty when absent
  std::string_view remote_host; // %h
  WallTime time;
  std::string_view request;     // the request line as logged (escapes kept), e.g. GET / HTTP/1.1
  std::string_view target;      // its second space-separated word ("/"), empty if it has none
  int status = 0;
  std::optional<std::string_view> referer;     // Combined only
  std::optional<std::string_view> user_agent;  // Combined only (escapes kept)
};

// Parses one line (without its "\n"; a trailing "\r" is allowed). nullopt when it is not
// in the format above, or its date is invalid (31/Feb), or its year is outside 1970..2200.
// Pure, thread-safe, never throws; linear in the line's length.
std::optional<AccessLogLine> parseAccessLogLine(std::string_view line);

class AccessLogFollower {
 public:
  // Every complete line read is in exactly one of counted, unparsed, excluded, too_old,
  // in_future and too_long.
  struct Stats {
    std::uint64_t lines_read = 0;
    std::uint64_t counted = 0;     // in the window when read
    std::uint64_t unparsed = 0;    // not in a format above (also empty lines)
    std::uint64_t excluded = 0;    // parsed, but filtered out (status, vhost, path, user agent)
    std::uint64_t too_old = 0;     // older than the window when read
    std::uint64_t in_future = 0;   // more than future_tolerance ahead of `now` when read
    std::uint64_t too_long = 0;    // longer than max_line: dropped
    std::uint64_t counted_without_user_agent = 0;  // counted lines the user-agent filter could not see
    std::uint64_t rotations = 0;   // a new file appeared at the path
    std::uint64_t truncations = 0; // the file became shorter than what was read
    std::uint64_t read_errors = 0; // failed open/fstat/pread (each failed attempt)
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_skipped = 0;  // left unread by the initial_read_limit bound
    bool missing = false;          // the path did not exist at the last poll
  };
  struct PollResult {
    std::uint64_t bytes = 0;  // read by this poll
    std::uint64_t lines = 0;  // complete lines seen by this poll
    bool more = false;        // stopped at max_read_per_poll with data left: poll again soon
  };

  // Opens nothing yet (the first poll does). Throws std::invalid_argument on an empty
  // path or options outside the ranges above.
  AccessLogFollower(std::filesystem::path path, AccessLogOptions options);
  ~AccessLogFollower();
  AccessLogFollower(AccessLogFollower&&) noexcept;
  AccessLogFollower& operator=(AccessLogFollower&&) noexcept;
  AccessLogFollower(const AccessLogFollower&) = delete;
  AccessLogFollower& operator=(const AccessLogFollower&) = delete;

  // Reads what was appended since the last poll (at most max_read_per_poll bytes), follows
  // rotation and truncation, and counts the lines against the window ending at `now`.
  PollResult poll(WallTime now);

  // Counted requests in the window ending at `now` (see Resolution above).
  std::uint64_t requests(WallTime now) const;
  // The timestamp of the newest counted line; nullopt before the first.
  std::optional<WallTime> lastRequest() const;
  const Stats& stats() const;
  // The error of the last poll ("open /var/log/nginx/access.log: Permission denied");
  // empty after a poll without error (a missing file is not an error: Stats::missing).
  const std::string& lastError() const;
  const std::filesystem::path& path() const;

 private:
  class Impl;  // access_log.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsprop
