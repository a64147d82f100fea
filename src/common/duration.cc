#include "common/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace dnsprop {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Ordered largest first; "ms" must be tried before "m".
constexpr std::array<Unit, 6> kUnits{{
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"ms", 1},
    {"m", 60LL * 1000},
    {"s", 1000},
}};

// Rank for the "strictly decreasing" rule (ms is the smallest).
int rankOf(std::string_view suffix) {
  if (suffix == "w") return 6;
  if (suffix == "d") return 5;
  if (suffix == "h") return 4;
  if (suffix == "m") return 3;
  if (suffix == "s") return 2;
  return 1;  // ms
}

}  // namespace

std::optional<Duration> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  int last_rank = 7;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    std::int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (text.substr(i, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->suffix.size();
    const int rank = rankOf(unit->suffix);
    if (rank >= last_rank) return std::nullopt;
    last_rank = rank;
    if (value > (std::numeric_limits<std::int64_t>::max() - total) / unit->ms) return std::nullopt;
    total += value * unit->ms;
  }
  return Duration(total);
}

std::string formatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  constexpr std::array<Unit, 6> kOrder{{{"w", 7LL * 24 * 3600 * 1000},
                                        {"d", 24LL * 3600 * 1000},
                                        {"h", 3600LL * 1000},
                                        {"m", 60LL * 1000},
                                        {"s", 1000},
                                        {"ms", 1}}};
  for (const auto& u : kOrder) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms);
      out += u.suffix;
      ms %= u.ms;
    }
  }
  return out;
}

}  // namespace dnsprop
