#include <algorithm>
#include <cctype>
#include <string>

#include "config/config.h"

namespace dnsprop {

std::string_view toString(RRType t) {
  switch (t) {
    case RRType::A: return "A";
    case RRType::AAAA: return "AAAA";
    case RRType::NS: return "NS";
    case RRType::MX: return "MX";
    case RRType::CNAME: return "CNAME";
  }
  return "?";
}

std::optional<RRType> parseRRType(std::string_view text) {
  std::string up(text);
  std::transform(up.begin(), up.end(), up.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (RRType t : {RRType::A, RRType::AAAA, RRType::NS, RRType::MX, RRType::CNAME}) {
    if (up == toString(t)) return t;
  }
  return std::nullopt;
}

}  // namespace dnsprop
