#include "servers/access_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "common/log.h"

namespace dnsprop {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2200;  // WallTime counts nanoseconds in an int64: good to 2262

// An owned file descriptor, closed on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The value of s[pos, pos + n) when all of it is decimal digits, else -1. n <= 4.
int fixedDigits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!isDigit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// 1..12 for an English month abbreviation as Apache and nginx write it ("Oct"), else 0.
unsigned monthNumber(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return 0;
}

// "[10/Oct/2000:13:55:36 -0700]" at the start of `s` (exactly 28 bytes).
constexpr std::size_t kTimestampLength = 28;
std::optional<WallTime> parseTimestamp(std::string_view s) {
  if (s.size() < kTimestampLength) return std::nullopt;
  s = s.substr(0, kTimestampLength);
  //  0         1         2
  //  0123456789012345678901234567
  //  [10/Oct/2000:13:55:36 -0700]
  if (s[0] != '[' || s[3] != '/' || s[7] != '/' || s[12] != ':' || s[15] != ':' ||
      s[18] != ':' || s[21] != ' ' || s[27] != ']' || (s[22] != '+' && s[22] != '-')) {
    return std::nullopt;
  }
  const int day = fixedDigits(s, 1, 2);
  const unsigned month = monthNumber(s.substr(4, 3));
  const int year = fixedDigits(s, 8, 4);
  const int hour = fixedDigits(s, 13, 2);
  const int minute = fixedDigits(s, 16, 2);
  const int second = fixedDigits(s, 19, 2);
  const int off_hours = fixedDigits(s, 23, 2);
  const int off_minutes = fixedDigits(s, 25, 2);
  if (day < 1 || month == 0 || year < kMinYear || year > kMaxYear || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60 /* leap second */ ||
      off_hours < 0 || off_hours > 23 || off_minutes < 0 || off_minutes > 59) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;  // 31/Feb, 29/Feb/2023
  const seconds offset = hours(off_hours) + minutes(off_minutes);
  const sys_seconds local_as_utc =
      sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second);
  return WallTime(s[22] == '+' ? local_as_utc - offset : local_as_utc + offset);
}

// A double-quoted field starting at line[pos]; backslash escapes (Apache's \" and \\)
// are skipped over, not decoded. On success `pos` is just past the closing quote.
std::optional<std::string_view> quotedField(std::string_view line, std::size_t& pos) {
  if (pos >= line.size() || line[pos] != '"') return std::nullopt;
  std::size_t i = pos + 1;
  while (true) {
    i = line.find_first_of("\"\\", i);
    if (i == std::string_view::npos) return std::nullopt;
    if (line[i] == '\\') {
      i += 2;  // may step past the end: then find_first_of gives npos
      if (i >= line.size()) return std::nullopt;
      continue;
    }
    const std::string_view value = line.substr(pos + 1, i - pos - 1);
    pos = i + 1;
    return value;
  }
}

bool expectChar(std::string_view line, std::size_t& pos, char c) {
  if (pos >= line.size() || line[pos] != c) return false;
  ++pos;
  return true;
}

// "www.example.jp:443" -> "www.example.jp"; left alone without a numeric port.
std::string_view withoutPort(std::string_view vhost) {
  const std::size_t colon = vhost.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == vhost.size() ||
      vhost.size() - colon - 1 > 5) {
    return vhost;
  }
  for (std::size_t i = colon + 1; i < vhost.size(); ++i) {
    if (!isDigit(vhost[i])) return vhost;
  }
  return vhost.substr(0, colon);
}

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != lower[i]) return false;
  }
  return true;
}

std::string_view withoutTrailingDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

std::int64_t minuteOf(WallTime t) {
  return std::chrono::floor<std::chrono::minutes>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<AccessLogLine> parseAccessLogLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  // Up to four space-separated fields before the timestamp: [vhost] host ident user.
  std::array<std::string_view, 4> fields;
  std::size_t count = 0;
  std::size_t pos = 0;
  std::optional<WallTime> time;
  while (true) {
    if (pos >= line.size()) return std::nullopt;
    if (count >= 3 && line[pos] == '[') {
      time = parseTimestamp(line.substr(pos));
      if (time) {
        pos += kTimestampLength;
        break;
      }
    }
    if (count == fields.size()) return std::nullopt;
    const std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos || end == pos) return std::nullopt;
    fields[count++] = line.substr(pos, end - pos);
    pos = end + 1;
  }

  AccessLogLine out;
  out.time = *time;
  if (count == 4) {
    out.vhost = withoutPort(fields[0]);
    out.remote_host = fields[1];
  } else {
    out.remote_host = fields[0];
  }

  // ' "GET / HTTP/1.1"'
  if (!expectChar(line, pos, ' ')) return std::nullopt;
  const auto request = quotedField(line, pos);
  if (!request) return std::nullopt;
  out.request = *request;
  if (const std::size_t sp = request->find(' '); sp != std::string_view::npos) {
    const std::size_t end = request->find(' ', sp + 1);
    out.target = request->substr(sp + 1, end == std::string_view::npos ? end : end - sp - 1);
  }

  // ' 200'
  if (!expectChar(line, pos, ' ')) return std::nullopt;
  if (line.size() - pos < 3 || line[pos] == '0') return std::nullopt;
  const int status = fixedDigits(line, pos, 3);
  if (status < 0) return std::nullopt;
  out.status = status;
  pos += 3;

  // ' 2326' or ' -'
  if (!expectChar(line, pos, ' ')) return std::nullopt;
  std::size_t bytes_end = line.find(' ', pos);
  if (bytes_end == std::string_view::npos) bytes_end = line.size();
  const std::string_view bytes = line.substr(pos, bytes_end - pos);
  const bool bytes_ok = bytes == "-" || (!bytes.empty() && bytes.size() <= 20 &&
                                         std::all_of(bytes.begin(), bytes.end(), isDigit));
  if (!bytes_ok) return std::nullopt;
  pos = bytes_end;
  if (pos == line.size()) return out;  // Common Log Format
  ++pos;                                // the space

  // Combined: ' "referer" "agent"', then perhaps more fields after a space. Without a
  // quote here, the fields after the bytes are some other extension of the common format.
  if (pos < line.size() && line[pos] == '"') {
    const auto referer = quotedField(line, pos);
    if (!referer || !expectChar(line, pos, ' ')) return std::nullopt;
    const auto agent = quotedField(line, pos);
    if (!agent) return std::nullopt;
    if (pos != line.size() && line[pos] != ' ') return std::nullopt;
    out.referer = *referer;
    out.user_agent = *agent;
  }
  return out;
}

class AccessLogFollower::Impl {
 public:
  Impl(std::filesystem::path path, AccessLogOptions options);

  PollResult poll(WallTime now);
  std::uint64_t requests(WallTime now) const;

  std::filesystem::path path_;
  AccessLogOptions options_;
  Stats stats_;
  std::string last_error_;
  std::optional<WallTime> last_request_;

 private:
  // One open file and where we are in it.
  struct Source {
    Fd fd;
    dev_t dev = 0;
    ino_t ino = 0;
    std::uint64_t offset = 0;
    std::string pending;           // a line read in part, without its "\n" yet
    bool skip_to_newline = false;  // inside a too-long line, or the partial line a tail read starts in
    WallTime last_growth;          // when bytes were last read (or the file was rotated away)
  };
  enum class ReadEnd { Eof, Budget, Error };
  enum class PathState { Same, Replaced, Missing, Error };
  struct Bucket {
    std::int64_t minute = std::numeric_limits<std::int64_t>::min();
    std::uint64_t count = 0;
  };

  PollResult pollFiles(WallTime now);
  bool openCurrent(WallTime now);
  bool checkTruncation(Source& s);
  PathState checkPath(const Source& s);
  ReadEnd read(Source& s, std::size_t& budget, WallTime now, PollResult& r);
  void consume(Source& s, std::string_view data, WallTime now, PollResult& r);
  void closeRotated(WallTime now, PollResult& r);
  void handleLine(std::string_view line, WallTime now, PollResult& r);
  bool isExcluded(const AccessLogLine& line) const;
  Bucket& bucketFor(std::int64_t minute);
  void setMissing(bool missing);
  void fail(std::string_view what, int err);
  void failText(std::string message);

  std::bitset<1000> exclude_status_;
  std::vector<std::string> hosts_;  // lower case, no trailing dot
  std::int64_t window_minutes_ = 0;
  std::int64_t tolerance_minutes_ = 0;
  std::vector<Bucket> buckets_;
  std::optional<Source> current_;
  std::optional<Source> rotated_;  // the file the path named before the last rotation
  bool opened_once_ = false;
  bool error_this_poll_ = false;
  std::vector<char> buffer_;
};

AccessLogFollower::Impl::Impl(std::filesystem::path path, AccessLogOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  using namespace std::chrono;
  auto bad = [](const std::string& what) { throw std::invalid_argument("access log: " + what); };
  if (path_.empty()) bad("empty path");
  if (options_.window < minutes(1) || options_.window > days(31)) {
    bad("window must be between 1m and 31d");
  }
  if (options_.future_tolerance < Duration::zero() || options_.future_tolerance > hours(1)) {
    bad("future_tolerance must be between 0s and 1h");
  }
  if (options_.max_line < 256 || options_.max_line > (1u << 20)) {
    bad("max_line must be between 256 and 1048576 bytes");
  }
  if (options_.max_read_per_poll < 4096) bad("max_read_per_poll must be at least 4096 bytes");
  if (options_.initial_read_limit < 4096) bad("initial_read_limit must be at least 4096 bytes");
  if (options_.rotated_grace < Duration::zero()) bad("rotated_grace must not be negative");
  for (const int status : options_.exclude_status) {
    if (status < 100 || status > 999) bad("exclude_status " + std::to_string(status) + " is not an HTTP status");
    exclude_status_.set(static_cast<std::size_t>(status));
  }
  for (const std::string& host : options_.hosts) {
    const std::string_view name = withoutTrailingDot(host);
    if (name.empty() || name.find_first_of(" \t\r\n") != std::string_view::npos) {
      bad("host \"" + host + "\" is not a host name");
    }
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), asciiLower);
    hosts_.push_back(std::move(lower));
  }
  for (const auto* list : {&options_.exclude_path_prefix, &options_.exclude_user_agent_prefix}) {
    for (const std::string& prefix : *list) {
      if (prefix.empty()) bad("an empty exclusion prefix would exclude everything");
    }
  }
  window_minutes_ = ceil<minutes>(options_.window).count();
  tolerance_minutes_ = ceil<minutes>(options_.future_tolerance).count();
  // Every minute a line may be counted in, (now - window, now + tolerance], has its own
  // bucket: no two of them share one.
  buckets_.resize(static_cast<std::size_t>(window_minutes_ + tolerance_minutes_ + 1));
}

AccessLogFollower::PollResult AccessLogFollower::Impl::poll(WallTime now) {
  error_this_poll_ = false;
  const PollResult r = pollFiles(now);
  if (!error_this_poll_) last_error_.clear();
  return r;
}

AccessLogFollower::PollResult AccessLogFollower::Impl::pollFiles(WallTime now) {
  PollResult r;
  std::size_t budget = options_.max_read_per_poll;

  // The rotated-away file first: it holds the older lines.
  if (rotated_) {
    const ReadEnd end = read(*rotated_, budget, now, r);
    if (end == ReadEnd::Budget) {
      r.more = true;
      return r;
    }
    if (end == ReadEnd::Error || now - rotated_->last_growth >= options_.rotated_grace) {
      closeRotated(now, r);
    }
  }

  if (!current_) {
    if (!openCurrent(now)) return r;
  } else if (!checkTruncation(*current_)) {
    return r;
  }
  ReadEnd end = read(*current_, budget, now, r);
  if (end == ReadEnd::Budget) {
    r.more = true;
    return r;
  }
  if (end == ReadEnd::Error) return r;  // the descriptor is kept; the next poll tries again

  // At the end of the current file: does the path still name it?
  switch (checkPath(*current_)) {
    case PathState::Same:
    case PathState::Missing:  // renamed away, the new file not created yet: keep reading the old
    case PathState::Error:
      break;
    case PathState::Replaced:
      ++stats_.rotations;
      log::info("access log rotated", {{"path", path_.string()}});
      if (rotated_) closeRotated(now, r);
      current_->last_growth = now;
      rotated_ = std::move(current_);
      current_.reset();
      if (openCurrent(now)) {
        end = read(*current_, budget, now, r);
        if (end == ReadEnd::Budget) r.more = true;
      }
      break;
  }
  return r;
}

bool AccessLogFollower::Impl::openCurrent(WallTime now) {
  const int raw = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (raw < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      setMissing(true);
    } else {
      setMissing(false);
      fail("open", err);
    }
    return false;
  }
  Fd fd(raw);
  setMissing(false);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    fail("fstat", errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    failText("access log " + path_.string() + " is not a regular file");
    return false;
  }
  Source s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.last_growth = now;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t start = 0;
  if (!opened_once_ && options_.start == AccessLogStart::End) {
    start = size;
  } else if (size > options_.initial_read_limit) {
    start = size - options_.initial_read_limit;
    stats_.bytes_skipped += start;
  }
  if (start > 0) {
    // Start at the next line unless `start` is already the beginning of one.
    char before = 0;
    const ssize_t got = ::pread(fd.get(), &before, 1, static_cast<off_t>(start - 1));
    s.skip_to_newline = got != 1 || before != '\n';
  }
  s.offset = start;
  s.fd = std::move(fd);
  log::info("access log opened",
            {{"path", path_.string()}, {"size", std::to_string(size)}, {"offset", std::to_string(start)}});
  opened_once_ = true;
  current_ = std::move(s);
  return true;
}

bool AccessLogFollower::Impl::checkTruncation(Source& s) {
  struct stat st {};
  if (::fstat(s.fd.get(), &st) != 0) {
    fail("fstat", errno);
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) < s.offset) {
    ++stats_.truncations;
    log::info("access log truncated", {{"path", path_.string()},
                                       {"size", std::to_string(st.st_size)},
                                       {"offset", std::to_string(s.offset)}});
    s.offset = 0;
    s.pending.clear();  // its end went with the truncated part
    s.skip_to_newline = false;
  }
  return true;
}

AccessLogFollower::Impl::PathState AccessLogFollower::Impl::checkPath(const Source& s) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      setMissing(true);
      return PathState::Missing;
    }
    fail("stat", err);
    return PathState::Error;
  }
  setMissing(false);
  return st.st_dev == s.dev && st.st_ino == s.ino ? PathState::Same : PathState::Replaced;
}

AccessLogFollower::Impl::ReadEnd AccessLogFollower::Impl::read(Source& s, std::size_t& budget,
                                                               WallTime now, PollResult& r) {
  if (buffer_.empty()) buffer_.resize(kReadChunk);
  while (budget > 0) {
    const std::size_t want = std::min(buffer_.size(), budget);
    const ssize_t got = ::pread(s.fd.get(), buffer_.data(), want, static_cast<off_t>(s.offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("read", errno);
      return ReadEnd::Error;
    }
    if (got == 0) return ReadEnd::Eof;
    const auto n = static_cast<std::size_t>(got);
    s.offset += n;
    budget -= n;
    stats_.bytes_read += n;
    r.bytes += n;
    s.last_growth = now;
    consume(s, std::string_view(buffer_.data(), n), now, r);
  }
  return ReadEnd::Budget;
}

void AccessLogFollower::Impl::consume(Source& s, std::string_view data, WallTime now,
                                      PollResult& r) {
  while (!data.empty()) {
    const auto* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
    if (s.skip_to_newline) {
      if (nl == nullptr) return;
      s.skip_to_newline = false;
      data.remove_prefix(static_cast<std::size_t>(nl - data.data()) + 1);
      continue;
    }
    if (nl == nullptr) {
      if (s.pending.size() + data.size() > options_.max_line) {
        // Counted now; the rest of it, up to its "\n", is skipped as it comes.
        ++stats_.lines_read;
        ++stats_.too_long;
        ++r.lines;
        s.pending.clear();
        s.skip_to_newline = true;
      } else {
        s.pending.append(data);
      }
      return;
    }
    const auto length = static_cast<std::size_t>(nl - data.data());
    const std::string_view piece = data.substr(0, length);
    data.remove_prefix(length + 1);
    if (s.pending.size() + piece.size() > options_.max_line) {
      ++stats_.lines_read;
      ++stats_.too_long;
      ++r.lines;
      s.pending.clear();
    } else if (s.pending.empty()) {
      handleLine(piece, now, r);
    } else {
      s.pending.append(piece);
      handleLine(s.pending, now, r);
      s.pending.clear();
    }
  }
}

void AccessLogFollower::Impl::closeRotated(WallTime now, PollResult& r) {
  // A last line without "\n" will not be completed any more: judge it as it is.
  if (!rotated_->skip_to_newline && !rotated_->pending.empty()) {
    handleLine(rotated_->pending, now, r);
  }
  rotated_.reset();
}

void AccessLogFollower::Impl::handleLine(std::string_view line, WallTime now, PollResult& r) {
  ++stats_.lines_read;
  ++r.lines;
  const auto parsed = parseAccessLogLine(line);
  if (!parsed) {
    ++stats_.unparsed;
    return;
  }
  if (isExcluded(*parsed)) {
    ++stats_.excluded;
    return;
  }
  if (parsed->time > now + options_.future_tolerance) {
    ++stats_.in_future;
    return;
  }
  const std::int64_t minute = minuteOf(parsed->time);
  if (minute <= minuteOf(now) - window_minutes_) {
    ++stats_.too_old;
    return;
  }
  Bucket& bucket = bucketFor(minute);
  if (bucket.minute != minute) {
    if (bucket.count != 0 && bucket.minute > minute) {
      // Only after `now` went backwards: a newer minute holds the bucket.
      ++stats_.too_old;
      return;
    }
    bucket.minute = minute;
    bucket.count = 0;
  }
  ++bucket.count;
  ++stats_.counted;
  if (!parsed->user_agent) ++stats_.counted_without_user_agent;
  if (!last_request_ || *last_request_ < parsed->time) last_request_ = parsed->time;
}

bool AccessLogFollower::Impl::isExcluded(const AccessLogLine& line) const {
  if (exclude_status_.test(static_cast<std::size_t>(line.status))) return true;
  if (!hosts_.empty() && !line.vhost.empty()) {
    const std::string_view vhost = withoutTrailingDot(line.vhost);
    const bool listed = std::any_of(hosts_.begin(), hosts_.end(), [&](const std::string& h) {
      return equalsIgnoringCase(vhost, h);
    });
    if (!listed) return true;
  }
  for (const std::string& prefix : options_.exclude_path_prefix) {
    if (line.target.starts_with(prefix)) return true;
  }
  if (line.user_agent) {
    for (const std::string& prefix : options_.exclude_user_agent_prefix) {
      if (line.user_agent->starts_with(prefix)) return true;
    }
  }
  return false;
}

AccessLogFollower::Impl::Bucket& AccessLogFollower::Impl::bucketFor(std::int64_t minute) {
  const auto n = static_cast<std::int64_t>(buckets_.size());
  const std::int64_t index = ((minute % n) + n) % n;
  return buckets_[static_cast<std::size_t>(index)];
}

std::uint64_t AccessLogFollower::Impl::requests(WallTime now) const {
  const std::int64_t now_minute = minuteOf(now);
  const std::int64_t oldest_excluded = now_minute - window_minutes_;
  const std::int64_t newest = now_minute + tolerance_minutes_;
  std::uint64_t sum = 0;
  for (const Bucket& b : buckets_) {
    if (b.count != 0 && b.minute > oldest_excluded && b.minute <= newest) sum += b.count;
  }
  return sum;
}

void AccessLogFollower::Impl::setMissing(bool missing) {
  if (missing && !stats_.missing) {
    log::warn("access log missing; waiting for it to appear", {{"path", path_.string()}});
  }
  stats_.missing = missing;
}

void AccessLogFollower::Impl::fail(std::string_view what, int err) {
  failText(std::string(what) + " " + path_.string() + ": " +
           std::system_category().message(err));
}

void AccessLogFollower::Impl::failText(std::string message) {
  ++stats_.read_errors;
  error_this_poll_ = true;
  if (message != last_error_) log::warn("access log error", {{"error", message}});
  last_error_ = std::move(message);
}

AccessLogFollower::AccessLogFollower(std::filesystem::path path, AccessLogOptions options)
    : impl_(std::make_unique<Impl>(std::move(path), std::move(options))) {}
AccessLogFollower::~AccessLogFollower() = default;
AccessLogFollower::AccessLogFollower(AccessLogFollower&&) noexcept = default;
AccessLogFollower& AccessLogFollower::operator=(AccessLogFollower&&) noexcept = default;

AccessLogFollower::PollResult AccessLogFollower::poll(WallTime now) { return impl_->poll(now); }
std::uint64_t AccessLogFollower::requests(WallTime now) const { return impl_->requests(now); }
std::optional<WallTime> AccessLogFollower::lastRequest() const { return impl_->last_request_; }
const AccessLogFollower::Stats& AccessLogFollower::stats() const { return impl_->stats_; }
const std::string& AccessLogFollower::lastError() const { return impl_->last_error_; }
const std::filesystem::path& AccessLogFollower::path() const { return impl_->path_; }

}  // namespace dnsprop
