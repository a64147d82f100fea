// Reading and writing the stored JSON documents of src/verdict (round records, verdicts,
// web checks): a missing or mistyped field is a std::invalid_argument naming it, times
// are Unix milliseconds (or null). Internal to src/verdict; header-only, thread-safe.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/time_format.h"

namespace dnsprop::json_fields {

inline const nlohmann::json& field(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw std::invalid_argument(fmt::format("missing \"{}\"", key));
  return j.at(key);
}

template <typename T>
T get(const nlohmann::json& j, const char* key) {
  try {
    return field(j, key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(fmt::format("\"{}\" has the wrong type", key));
  }
}

// The enumerator of `all` whose toString() is `text` (case-insensitive).
template <typename E, std::size_t N>
E parseEnum(const E (&all)[N], std::string_view text, const char* what) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (E e : all) {
    std::string s(toString(e));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == lower) return e;
  }
  throw std::invalid_argument(fmt::format("unknown {} \"{}\"", what, text));
}

inline std::optional<std::int64_t> optMs(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return get<std::int64_t>(j, key);
}

inline nlohmann::json msOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(unixMillis(*t)) : nlohmann::json(nullptr);
}

}  // namespace dnsprop::json_fields
