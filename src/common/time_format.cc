#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace dnsprop {

using namespace std::chrono;

std::int64_t unixMillis(WallTime t) { return floor<milliseconds>(t.time_since_epoch()).count(); }

WallTime fromUnixMillis(std::int64_t ms) {
  return WallTime(duration_cast<WallTime::duration>(milliseconds(ms)));
}

std::string formatRfc3339(WallTime t) {
  const std::int64_t ms = unixMillis(t);
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
  return buf;
}

std::optional<WallTime> parseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), checked character by character.
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > text.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int Y, M, D, h, m, s;
  if (!digits(0, 4, Y) || text.size() < 20 || text[4] != '-' || !digits(5, 2, M) || text[7] != '-' ||
      !digits(8, 2, D) || (text[10] != 'T' && text[10] != 't') || !digits(11, 2, h) ||
      text[13] != ':' || !digits(14, 2, m) || text[16] != ':' || !digits(17, 2, s)) {
    return std::nullopt;
  }
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    std::int64_t scale = 100'000'000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 9) nanos += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  int offset_min = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm);
  return WallTime(duration_cast<WallTime::duration>(seconds(secs) - minutes(offset_min) +
                                                    nanoseconds(nanos)));
}

std::string formatRelative(std::chrono::nanoseconds d) {
  const bool neg = d < std::chrono::nanoseconds::zero();
  std::int64_t s = duration_cast<seconds>(neg ? -d : d).count();
  const std::int64_t days = s / 86400, hours = s / 3600 % 24, mins = s / 60 % 60, secs = s % 60;
  char buf[64];
  if (days > 0) std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(days), static_cast<long long>(hours));
  else if (hours > 0) std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(hours), static_cast<long long>(mins));
  else if (mins > 0) std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(mins), static_cast<long long>(secs));
  else std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(secs));
  return (neg ? "-" : "") + std::string(buf);
}

}  // namespace dnsprop
