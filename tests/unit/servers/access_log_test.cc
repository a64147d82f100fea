#include "servers/access_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/temp_dir.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using dnsprop::test::TempDir;

namespace {

// 2027-01-15T08:00:00Z, the FakeClock's default start.
const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

// Seconds from kNow, for assertions Boost.Test can print; a sentinel for nullopt.
long rel(WallTime t) {
  return static_cast<long>(std::chrono::floor<std::chrono::seconds>(t - kNow).count());
}
long rel(const std::optional<WallTime>& t) {
  return t ? rel(*t) : std::numeric_limits<long>::min();
}

// "[15/Jan/2027:17:00:00 +0900]" for `t` written in the zone `offset` east of UTC.
std::string stamp(WallTime t, std::chrono::minutes offset = 0min) {
  using namespace std::chrono;
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto local = floor<seconds>(t) + offset;
  const auto day = floor<days>(local);
  const year_month_day ymd(day);
  const hh_mm_ss hms(local - day);
  const long off = offset.count() < 0 ? -offset.count() : offset.count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "[%02u/%s/%04d:%02ld:%02ld:%02ld %c%02ld%02ld]",
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()),
                offset.count() < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

// nginx `combined`.
std::string combined(WallTime t, std::string_view path = "/",
                     std::string_view agent = "Mozilla/5.0 (X11; Linux x86_64)", int status = 200) {
  return "203.0.113.7 - - " + stamp(t) + " \"GET " + std::string(path) + " HTTP/1.1\" " +
         std::to_string(status) + " 612 \"-\" \"" + std::string(agent) + "\"\n";
}

// Apache `common`.
std::string common(WallTime t, std::string_view path = "/") {
  return "198.51.100.23 - frank " + stamp(t) + " \"GET " + std::string(path) +
         " HTTP/1.0\" 200 2326\n";
}

// Apache `vhost_combined`: "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"".
std::string vhostCombined(std::string_view vhost, WallTime t,
                          std::string_view agent = "Mozilla/5.0") {
  return std::string(vhost) + " 2001:db8::7 - - " + stamp(t) +
         " \"GET /index.html HTTP/2.0\" 200 5120 \"https://example.org/\" \"" +
         std::string(agent) + "\"\n";
}

void append(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot append to " + file.string());
}

// Every complete line is in exactly one outcome.
void checkAccounting(const AccessLogFollower::Stats& s) {
  BOOST_TEST(s.lines_read ==
             s.counted + s.unparsed + s.excluded + s.too_old + s.in_future + s.too_long);
}

// Polls until a poll says nothing is left; returns the number of polls.
int pollAll(AccessLogFollower& f, WallTime now) {
  int polls = 1;
  while (f.poll(now).more) ++polls;
  return polls;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(access_log)

BOOST_AUTO_TEST_CASE(counts_combined_common_and_vhost_lines_in_the_window) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 3h) + common(kNow - 2h) +
                                                   vhostCombined("www.shop.example.jp:443", kNow - 1h));
  AccessLogFollower f(log, {});
  const auto r = f.poll(kNow);
  BOOST_TEST(r.lines == 3u);
  BOOST_TEST(!r.more);
  BOOST_TEST(f.requests(kNow) == 3u);
  BOOST_TEST(f.stats().counted == 3u);
  BOOST_TEST(f.stats().lines_read == 3u);
  BOOST_TEST(f.stats().unparsed == 0u);
  BOOST_TEST(f.stats().counted_without_user_agent == 1u);  // the common line
  BOOST_TEST(f.stats().bytes_read == std::filesystem::file_size(log));
  BOOST_TEST(f.lastError().empty());
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(parses_fields_of_each_format) {
  const auto c = parseAccessLogLine(
      "203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] \"GET /a/b?c=\\\"d\\\" HTTP/1.1\" 404 - "
      "\"https://ref.example/\" \"curl/8.0\" \"10.0.0.1\" 0.003");
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->vhost.empty());
  BOOST_TEST(c->remote_host == "203.0.113.7");
  BOOST_TEST(c->request == "GET /a/b?c=\\\"d\\\" HTTP/1.1");
  BOOST_TEST(c->target == "/a/b?c=\\\"d\\\"");
  BOOST_TEST(c->status == 404);
  BOOST_TEST(c->referer.value() == "https://ref.example/");
  BOOST_TEST(c->user_agent.value() == "curl/8.0");
  BOOST_TEST(std::chrono::floor<std::chrono::seconds>(c->time.time_since_epoch()).count() == 971211336);  // 2000-10-10T20:55:36Z

  const auto v = parseAccessLogLine(
      "shop.example.jp:80 192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] \"-\" 408 0 \"-\" \"-\"\r");
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->vhost == "shop.example.jp");
  BOOST_TEST(v->remote_host == "192.0.2.1");
  BOOST_TEST(v->target.empty());
  BOOST_TEST(v->status == 408);

  // Common format with a field appended (Apache %D) has no user agent.
  const auto e = parseAccessLogLine(
      "192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 10 1234");
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(!e->user_agent.has_value());
}

BOOST_AUTO_TEST_CASE(lines_older_than_the_window_are_not_counted) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 2h) + combined(kNow - 30min) +
                                                   combined(kNow - 61min));
  AccessLogOptions o;
  o.window = 1h;
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.requests(kNow) == 1u);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.stats().too_old == 2u);
  BOOST_TEST(rel(f.lastRequest()) == rel(kNow - 30min));
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(window_slides_with_now) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 50min) + combined(kNow - 10min) +
                                                   combined(kNow - 10min + 30s));
  AccessLogOptions o;
  o.window = 1h;
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.requests(kNow) == 3u);
  BOOST_TEST(f.requests(kNow + 9min) == 3u);   // the oldest ends at kNow + 10min
  BOOST_TEST(f.requests(kNow + 20min) == 2u);
  BOOST_TEST(f.requests(kNow + 49min) == 2u);
  BOOST_TEST(f.requests(kNow + 51min) == 0u);
  BOOST_TEST(f.requests(kNow + 2h) == 0u);
  // Counted once, whatever `now` asks later.
  BOOST_TEST(f.stats().counted == 3u);
}

BOOST_AUTO_TEST_CASE(future_lines_beyond_the_tolerance_are_counted_apart) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow + 2min) + combined(kNow + 1h));
  AccessLogFollower f(log, {});  // tolerance 5 min
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.stats().in_future == 1u);
  BOOST_TEST(f.requests(kNow) == 1u);
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(appended_lines_are_picked_up_by_the_next_poll) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 5min));
  AccessLogFollower f(log, {});
  f.poll(kNow);
  BOOST_TEST(f.requests(kNow) == 1u);
  BOOST_TEST(f.poll(kNow).lines == 0u);  // nothing new
  append(log, combined(kNow - 1min) + common(kNow));
  const auto r = f.poll(kNow + 1s);
  BOOST_TEST(r.lines == 2u);
  BOOST_TEST(f.requests(kNow + 1s) == 3u);
  BOOST_TEST(f.stats().lines_read == 3u);
  BOOST_TEST(f.stats().rotations == 0u);
  BOOST_TEST(f.stats().truncations == 0u);
}

BOOST_AUTO_TEST_CASE(a_partial_line_is_kept_until_completed) {
  TempDir dir("dnsprop-alog");
  const std::string line = combined(kNow - 1min);
  const std::size_t cut = 37;  // inside the timestamp
  const auto log = dir.writeFile("access.log", line.substr(0, cut));
  AccessLogFollower f(log, {});
  BOOST_TEST(f.poll(kNow).lines == 0u);
  BOOST_TEST(f.stats().lines_read == 0u);
  append(log, line.substr(cut, 20));
  BOOST_TEST(f.poll(kNow).lines == 0u);
  append(log, line.substr(cut + 20));
  BOOST_TEST(f.poll(kNow).lines == 1u);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.stats().unparsed == 0u);
  // CRLF endings are accepted.
  std::string crlf = combined(kNow);
  crlf.insert(crlf.size() - 1, "\r");
  append(log, crlf);
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 2u);
}

BOOST_AUTO_TEST_CASE(a_line_over_the_cap_is_dropped_and_counted) {
  TempDir dir("dnsprop-alog");
  AccessLogOptions o;
  o.max_line = 256;
  // A valid line of exactly max_line bytes still counts.
  std::string exact = combined(kNow, "/", "ua");
  exact = combined(kNow, "/" + std::string(256 - exact.size() + 1, 'x'), "ua");
  BOOST_REQUIRE(exact.size() == 257u);  // 256 + "\n"
  const std::string huge = combined(kNow, "/" + std::string(1000, 'y'));
  const auto log = dir.writeFile("access.log", exact + huge + combined(kNow - 1min));
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.stats().too_long == 1u);
  BOOST_TEST(f.stats().counted == 2u);
  BOOST_TEST(f.stats().unparsed == 0u);

  // A long line arriving in pieces over several polls: dropped once, the rest of it
  // skipped, the next line counted.
  const std::string pieces = combined(kNow, "/" + std::string(700, 'z'));
  append(log, pieces.substr(0, 200));
  f.poll(kNow);
  append(log, pieces.substr(200, 200));
  f.poll(kNow);
  BOOST_TEST(f.stats().too_long == 2u);
  append(log, pieces.substr(400));
  append(log, combined(kNow));
  f.poll(kNow);
  BOOST_TEST(f.stats().too_long == 2u);
  BOOST_TEST(f.stats().counted == 3u);
  BOOST_TEST(f.stats().unparsed == 0u);
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(hostile_lines_are_unparsed_without_crashing) {
  using namespace std::string_literals;
  const std::string ok_tail = " \"GET / HTTP/1.1\" 200 1 \"-\" \"a\"";
  const std::vector<std::string> bad = {
      "",
      " ",
      "[",
      "]",
      "\"",
      "\\",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700",                        // unbalanced [
      "1.2.3.4 - - 10/Oct/2000:13:55:36 -0700]" + ok_tail,               // unbalanced ]
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1 200 1",  // unterminated quote
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / \\",             // trailing backslash
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\\\" 200 1",  // escaped closing quote
      "1.2.3.4 - [10/Oct/2000:13:55:36 -0700]" + ok_tail,                // missing field
      "a b c d e [10/Oct/2000:13:55:36 -0700]" + ok_tail,                // one field too many
      "1.2.3.4  - - [10/Oct/2000:13:55:36 -0700]" + ok_tail,             // empty field
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700]",                        // no request
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\"",     // no status
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200",  // no bytes
      "1.2.3.4 - - [31/Feb/2024:13:55:36 -0700]" + ok_tail,              // invalid date
      "1.2.3.4 - - [29/Feb/2023:13:55:36 -0700]" + ok_tail,              // not a leap year
      "1.2.3.4 - - [00/Jan/2024:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/oct/2000:13:55:36 -0700]" + ok_tail,              // month in lower case
      "1.2.3.4 - - [10/Okt/2000:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:24:00:00 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:60:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:61 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 *0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -07:00]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:36]" + ok_tail,
      "1.2.3.4 - - [1/Oct/2000:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/99999:13:55:36 -0700]" + ok_tail,             // huge year
      "1.2.3.4 - - [10/Oct/9999:13:55:36 -0700]" + ok_tail,              // beyond WallTime
      "1.2.3.4 - - [10/Oct/1969:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [-1/Oct/2000:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 99999999999999999999 1",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 20 1",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 2000 1",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 123456789012345678901",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1e5",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 -1",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\"",   // no agent
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"a",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"a\"x",
      "1.2.3.4 - - [10/Oct/2000:13:\0:36 -0700]"s + ok_tail,             // NUL in the date
      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"s,
      "\xff\xfe\xc3\x28 \xa0\xa1 - [\xf0\x28\x8c\x28/Oct/2000:13:55:36 -0700]" + ok_tail,
      std::string(5000, '['),
      std::string(5000, '"'),
      "1.2.3.4 - - " + std::string(3000, '[') + "10/Oct/2000:13:55:36 -0700]" + ok_tail,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] " + std::string(3000, '\\'),
  };
  std::string file_text;
  for (const std::string& line : bad) {
    BOOST_TEST_INFO("line: " << line.substr(0, 80));
    BOOST_TEST(!parseAccessLogLine(line).has_value());
    file_text += line + "\n";
  }
  // Not hostile: non-UTF-8 and NUL bytes inside quoted fields are still requests.
  const std::string odd = "1.2.3.4 - - " + stamp(kNow) +
                          " \"GET /\xff\xfe\0x HTTP/1.1\" 400 0 \"\xc3\x28\" \"\0\"\n"s;
  file_text += odd;

  TempDir dir("dnsprop-alog");
  AccessLogOptions o;
  o.max_line = 1 << 20;
  AccessLogFollower f(dir.writeFile("access.log", file_text), o);
  f.poll(kNow);
  BOOST_TEST(f.stats().unparsed == bad.size());
  BOOST_TEST(f.stats().counted == 1u);
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(random_and_mutated_lines_never_crash) {
  std::mt19937 rng(20270115);
  const std::string alphabet = std::string("[]\"\\ /:-+0123456789abcJanOctFeb\r\t\xff") + '\0';
  const std::string valid = combined(kNow).substr(0, combined(kNow).size() - 1);
  std::string file_text;
  std::size_t lines = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    if (i % 2 == 0) {
      const std::size_t n = rng() % 200;
      for (std::size_t k = 0; k < n; ++k) line += alphabet[rng() % alphabet.size()];
    } else {
      line = valid;
      for (int m = 0; m < 1 + static_cast<int>(rng() % 4); ++m) {
        const std::size_t at = rng() % (line.size() + 1);
        switch (rng() % 3) {
          case 0: line.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
          case 1: if (at < line.size()) line.erase(at, 1); break;
          default: if (at < line.size()) line[at] = alphabet[rng() % alphabet.size()]; break;
        }
      }
    }
    if (const auto p = parseAccessLogLine(line)) {
      BOOST_TEST((p->status >= 100 && p->status <= 999));
      BOOST_TEST((p->time >= WallTime(std::chrono::hours(-24))));
    }
    for (char& c : line) {
      if (c == '\n') c = ' ';
    }
    file_text += line + "\n";
    ++lines;
  }
  TempDir dir("dnsprop-alog");
  AccessLogFollower f(dir.writeFile("access.log", file_text), {});
  f.poll(kNow);
  BOOST_TEST(f.stats().lines_read == lines);
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(timezone_offsets_give_the_right_instant) {
  // kNow is 2027-01-15T08:00:00Z.
  const std::string tail = " \"GET / HTTP/1.1\" 200 1 \"-\" \"a\"";
  const auto tokyo = parseAccessLogLine("1.2.3.4 - - [15/Jan/2027:17:00:00 +0900]" + tail);
  const auto denver = parseAccessLogLine("1.2.3.4 - - [15/Jan/2027:01:00:00 -0700]" + tail);
  const auto india = parseAccessLogLine("1.2.3.4 - - [15/Jan/2027:13:30:00 +0530]" + tail);
  const auto day_before = parseAccessLogLine("1.2.3.4 - - [14/Jan/2027:23:30:00 -0830]" + tail);
  const auto year_after = parseAccessLogLine("1.2.3.4 - - [01/Jan/2028:00:30:00 +0100]" + tail);
  BOOST_REQUIRE((tokyo && denver && india && day_before && year_after));
  BOOST_TEST(rel(tokyo->time) == 0);
  BOOST_TEST(rel(denver->time) == 0);
  BOOST_TEST(rel(india->time) == 0);
  BOOST_TEST(rel(day_before->time) == 0);
  const WallTime new_year_eve =
      std::chrono::sys_days(std::chrono::year(2027) / std::chrono::December / 31) + 23h + 30min;
  BOOST_TEST(rel(year_after->time) == rel(new_year_eve));
  // Leap day.
  BOOST_TEST(parseAccessLogLine("1.2.3.4 - - [29/Feb/2028:00:00:00 +0000]" + tail).has_value());

  TempDir dir("dnsprop-alog");
  const std::string line = "1.2.3.4 - - " + stamp(kNow - 10min, 9h) + tail + "\n";
  BOOST_TEST(line.find("+0900") != std::string::npos);
  AccessLogFollower f(dir.writeFile("access.log", line), {});
  f.poll(kNow);
  BOOST_TEST(rel(f.lastRequest()) == rel(kNow - 10min));
  BOOST_TEST(f.requests(kNow) == 1u);
}

BOOST_AUTO_TEST_CASE(rotation_by_rename_and_create) {
  TempDir dir("dnsprop-alog");
  const auto log = dir / "access.log";
  const auto old_log = dir / "access.log.1";
  append(log, combined(kNow - 3min) + combined(kNow - 3min));
  AccessLogOptions o;
  o.rotated_grace = 60s;
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 2u);

  // Written before the rotation, not read yet: must still count.
  append(log, combined(kNow - 2min));
  std::filesystem::rename(log, old_log);
  append(log, combined(kNow - 1min) + combined(kNow - 1min));
  f.poll(kNow + 1s);
  BOOST_TEST(f.stats().rotations == 1u);
  BOOST_TEST(f.stats().counted == 5u);
  BOOST_TEST(f.requests(kNow + 1s) == 5u);

  // nginx writes to the renamed file until it reopens its logs.
  append(old_log, combined(kNow));
  append(log, combined(kNow));
  f.poll(kNow + 10s);
  BOOST_TEST(f.stats().counted == 7u);

  // Quiet for longer than the grace: the old file is let go.
  f.poll(kNow + 2min);
  append(old_log, combined(kNow + 2min));
  append(log, combined(kNow + 2min));
  f.poll(kNow + 3min);
  BOOST_TEST(f.stats().counted == 8u);
  BOOST_TEST(f.stats().rotations == 1u);
  BOOST_TEST(f.stats().truncations == 0u);
  BOOST_TEST(!f.stats().missing);
  checkAccounting(f.stats());
}

BOOST_AUTO_TEST_CASE(rotation_by_delete_then_create_reads_the_new_file_from_its_start) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 2min));
  AccessLogFollower f(log, {});
  f.poll(kNow);
  std::filesystem::remove(log);
  f.poll(kNow + 1s);
  BOOST_TEST(f.stats().missing);
  BOOST_TEST(f.lastError().empty());
  append(log, combined(kNow - 1min) + combined(kNow));
  f.poll(kNow + 2s);
  BOOST_TEST(!f.stats().missing);
  BOOST_TEST(f.stats().rotations == 1u);
  BOOST_TEST(f.stats().counted == 3u);
}

BOOST_AUTO_TEST_CASE(copytruncate_restarts_at_offset_zero) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 3min) + combined(kNow - 3min) +
                                                   combined(kNow - 3min));
  AccessLogFollower f(log, {});
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 3u);
  std::filesystem::copy_file(log, dir / "access.log.1");
  std::filesystem::resize_file(log, 0);
  append(log, common(kNow - 1min));
  f.poll(kNow + 1s);
  BOOST_TEST(f.stats().truncations == 1u);
  BOOST_TEST(f.stats().rotations == 0u);
  BOOST_TEST(f.stats().counted == 4u);
  BOOST_TEST(f.stats().unparsed == 0u);
  append(log, common(kNow));
  f.poll(kNow + 2s);
  BOOST_TEST(f.stats().counted == 5u);
  BOOST_TEST(f.stats().truncations == 1u);
}

BOOST_AUTO_TEST_CASE(a_file_missing_at_start_is_picked_up_when_created) {
  TempDir dir("dnsprop-alog");
  const auto log = dir / "logs" / "access.log";  // not even its folder exists yet
  AccessLogFollower f(log, {});
  const auto r = f.poll(kNow);
  BOOST_TEST(r.bytes == 0u);
  BOOST_TEST(f.stats().missing);
  BOOST_TEST(f.stats().read_errors == 0u);
  BOOST_TEST(f.lastError().empty());
  BOOST_TEST(f.requests(kNow) == 0u);
  BOOST_TEST(!f.lastRequest().has_value());
  dir.writeFile("logs/access.log", combined(kNow - 1min));
  f.poll(kNow + 5s);
  BOOST_TEST(!f.stats().missing);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.requests(kNow + 5s) == 1u);
}

BOOST_AUTO_TEST_CASE(a_path_that_is_not_a_regular_file_is_an_error_not_a_hang) {
  TempDir dir("dnsprop-alog");
  const auto log = dir / "access.log";
  std::filesystem::create_directory(log);
  AccessLogFollower f(log, {});
  f.poll(kNow);
  BOOST_TEST(f.stats().read_errors == 1u);
  BOOST_TEST(f.lastError().find("not a regular file") != std::string::npos);
  BOOST_TEST(!f.stats().missing);

  std::filesystem::remove(log);
  BOOST_REQUIRE(::mkfifo(log.c_str(), 0600) == 0);
  f.poll(kNow);  // a FIFO must not block the open
  BOOST_TEST(f.stats().read_errors == 2u);

  std::filesystem::remove(log);
  append(log, combined(kNow));
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.lastError().empty());
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_reported) {
  if (::geteuid() == 0) {
    BOOST_TEST_MESSAGE("skipped: root reads files whatever their mode");
    return;
  }
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow));
  std::filesystem::permissions(log, std::filesystem::perms::none);
  AccessLogFollower f(log, {});
  f.poll(kNow);
  BOOST_TEST(f.stats().read_errors == 1u);
  BOOST_TEST(f.lastError().find("Permission denied") != std::string::npos);
  std::filesystem::permissions(log, std::filesystem::perms::owner_read);
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 1u);
  BOOST_TEST(f.lastError().empty());
}

BOOST_AUTO_TEST_CASE(the_monitors_own_fetches_and_other_filters_are_excluded) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile(
      "access.log",
      combined(kNow, "/", "dnsprop/0.1.0") +                          // our web check
      combined(kNow, "/", "Mozilla/5.0 (compatible; dnsprop/0.1)") +  // not a prefix: counts
      combined(kNow, "/", "Mozilla/5.0", 400) +                       // excluded status
      combined(kNow, "/.well-known/acme-challenge/abc") +             // excluded path
      combined(kNow, "/index.html") + common(kNow));
  AccessLogOptions o;
  o.exclude_status = {400, 408};
  o.exclude_path_prefix = {"/.well-known/acme-challenge/"};
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.stats().excluded == 3u);
  BOOST_TEST(f.stats().counted == 3u);
  BOOST_TEST(f.stats().counted_without_user_agent == 1u);
  BOOST_TEST(f.requests(kNow) == 3u);

  // The default alone excludes the monitor's user agent.
  AccessLogFollower defaults(log, {});
  defaults.poll(kNow);
  BOOST_TEST(defaults.stats().excluded == 1u);
  BOOST_TEST(defaults.stats().counted == 5u);
}

BOOST_AUTO_TEST_CASE(vhost_filter) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile(
      "access.log", vhostCombined("www.shop.example.jp:443", kNow) +
                        vhostCombined("SHOP.Example.JP:80", kNow) +
                        vhostCombined("other.example.jp:443", kNow) +
                        vhostCombined("shop.example.jp.", kNow) +      // nginx $host style, no port
                        vhostCombined("shop.example.jp.evil:80", kNow) +
                        combined(kNow));                               // no vhost field: not filtered
  AccessLogOptions o;
  o.hosts = {"www.shop.example.jp", "shop.example.jp."};
  AccessLogFollower f(log, o);
  f.poll(kNow);
  BOOST_TEST(f.stats().counted == 4u);
  BOOST_TEST(f.stats().excluded == 2u);
  BOOST_TEST(f.stats().unparsed == 0u);
}

BOOST_AUTO_TEST_CASE(a_large_existing_file_is_read_from_its_tail_only) {
  // Lines of exactly 100 bytes, a minute apart, the newest at kNow.
  const std::size_t n = 10'000;
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    std::string line = common(kNow - std::chrono::minutes(n - 1 - i), "/p");
    line.insert(line.find(" HTTP"), 100 - line.size(), 'x');
    BOOST_REQUIRE(line.size() == 100u);
    text += line;
  }
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", text);
  {
    AccessLogOptions o;
    o.window = std::chrono::days(31);
    o.initial_read_limit = 65'536;  // not a whole number of lines: starts inside one
    AccessLogFollower f(log, o);
    pollAll(f, kNow);
    BOOST_TEST(f.stats().bytes_read == 65'536u);
    BOOST_TEST(f.stats().bytes_skipped == n * 100 - 65'536);
    BOOST_TEST(f.stats().counted == 655u);  // the whole lines in the tail
    BOOST_TEST(f.stats().unparsed == 0u);
    BOOST_TEST(rel(f.lastRequest()) == rel(kNow));
  }
  {
    AccessLogOptions o;
    o.window = std::chrono::days(31);
    o.initial_read_limit = 102'400;  // exactly 1024 lines: the first one is whole
    AccessLogFollower f(log, o);
    pollAll(f, kNow);
    BOOST_TEST(f.stats().counted == 1024u);
    BOOST_TEST(f.stats().unparsed == 0u);
  }
}

BOOST_AUTO_TEST_CASE(each_poll_reads_at_most_the_bound) {
  std::string text;
  std::size_t n = 0;
  while (text.size() < (1u << 20)) {
    text += combined(kNow - std::chrono::seconds(n % 3600));
    ++n;
  }
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", text);
  AccessLogOptions o;
  o.max_read_per_poll = 65'536;
  AccessLogFollower f(log, o);
  const auto first = f.poll(kNow);
  BOOST_TEST(first.bytes == 65'536u);
  BOOST_TEST(first.more);
  int polls = 1;
  std::uint64_t total = first.bytes;
  while (true) {
    const auto r = f.poll(kNow);
    ++polls;
    BOOST_TEST(r.bytes <= 65'536u);
    total += r.bytes;
    if (!r.more) break;
  }
  BOOST_TEST(total == text.size());
  BOOST_TEST(polls == static_cast<int>(text.size() / 65'536 + 1));  // the last one finds the end
  BOOST_TEST(f.stats().counted == n);
  BOOST_TEST(f.requests(kNow) == n);
}

BOOST_AUTO_TEST_CASE(last_request_is_the_newest_counted_line) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 5min) + combined(kNow - 20min) +
                                                   combined(kNow - 1min, "/", "dnsprop/0.1.0") +
                                                   combined(kNow + 2h));
  AccessLogFollower f(log, {});
  BOOST_TEST(!f.lastRequest().has_value());
  f.poll(kNow);
  // Not the excluded one at -1 min, nor the one from the future.
  BOOST_TEST(rel(f.lastRequest()) == rel(kNow - 5min));
  append(log, combined(kNow - 30s));
  f.poll(kNow);
  BOOST_TEST(rel(f.lastRequest()) == rel(kNow - 30s));
}

BOOST_AUTO_TEST_CASE(a_restart_sees_the_existing_lines_again_unless_told_to_start_at_the_end) {
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", combined(kNow - 2h) + combined(kNow - 1h) +
                                                   combined(kNow).substr(0, 30));  // being written
  {
    AccessLogFollower before(log, {});
    before.poll(kNow);
    BOOST_TEST(before.requests(kNow) == 2u);
  }
  AccessLogFollower restarted(log, {});
  restarted.poll(kNow);
  BOOST_TEST(restarted.requests(kNow) == 2u);

  AccessLogOptions o;
  o.start = AccessLogStart::End;
  AccessLogFollower at_end(log, o);
  at_end.poll(kNow);
  BOOST_TEST(at_end.requests(kNow) == 0u);
  append(log, combined(kNow).substr(30) + combined(kNow));
  at_end.poll(kNow);
  restarted.poll(kNow);
  BOOST_TEST(at_end.requests(kNow) == 1u);  // the line it saw begin is not judged in part
  BOOST_TEST(at_end.stats().unparsed == 0u);
  BOOST_TEST(restarted.requests(kNow) == 4u);
}

BOOST_AUTO_TEST_CASE(bad_options_throw_invalid_argument) {
  auto with = [](auto change) {
    AccessLogOptions o;
    change(o);
    return o;
  };
  const std::vector<AccessLogOptions> bad = {
      with([](AccessLogOptions& o) { o.window = 30s; }),
      with([](AccessLogOptions& o) { o.window = std::chrono::days(32); }),
      with([](AccessLogOptions& o) { o.future_tolerance = -1s; }),
      with([](AccessLogOptions& o) { o.max_line = 0; }),
      with([](AccessLogOptions& o) { o.max_read_per_poll = 0; }),
      with([](AccessLogOptions& o) { o.initial_read_limit = 0; }),
      with([](AccessLogOptions& o) { o.rotated_grace = -1s; }),
      with([](AccessLogOptions& o) { o.exclude_status = {42}; }),
      with([](AccessLogOptions& o) { o.exclude_status = {1000}; }),
      with([](AccessLogOptions& o) { o.hosts = {""}; }),
      with([](AccessLogOptions& o) { o.hosts = {"a b"}; }),
      with([](AccessLogOptions& o) { o.exclude_path_prefix = {""}; }),
      with([](AccessLogOptions& o) { o.exclude_user_agent_prefix = {""}; }),
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    BOOST_TEST_INFO("case " << i);
    BOOST_CHECK_THROW(AccessLogFollower("/nonexistent/access.log", bad[i]), std::invalid_argument);
  }
  BOOST_CHECK_THROW(AccessLogFollower("", {}), std::invalid_argument);
  // A missing file is not a bad option.
  BOOST_CHECK_NO_THROW(AccessLogFollower("/nonexistent/access.log", {}));
}

BOOST_AUTO_TEST_CASE(parse_throughput) {
  std::string text;
  const std::size_t n = 100'000;
  for (std::size_t i = 0; i < n; ++i) {
    const WallTime t = kNow - std::chrono::seconds(i % 3600);
    text += (i % 3 == 0) ? vhostCombined("www.shop.example.jp:443", t)
                         : combined(t, "/products/item?id=12345");
  }
  TempDir dir("dnsprop-alog");
  const auto log = dir.writeFile("access.log", text);
  AccessLogOptions o;
  o.max_read_per_poll = 64 << 20;
  AccessLogFollower f(log, o);
  const auto start = std::chrono::steady_clock::now();
  pollAll(f, kNow);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(f.stats().counted == n);
  BOOST_TEST_MESSAGE("access log: " << n << " lines, " << text.size() / 1e6 << " MB in "
                                    << seconds * 1e3 << " ms: " << n / seconds << " lines/s, "
                                    << text.size() / 1e6 / seconds << " MB/s");
}

BOOST_AUTO_TEST_SUITE_END()
