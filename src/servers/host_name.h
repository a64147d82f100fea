// Host names the server checks put on the wire (URL, Host header, SNI, EHLO): LDH labels
// (and '_', seen in the wild), at most 253 bytes and 63 per label, no empty label, not
// starting with '-'. Anything else could smuggle a second command into an SMTP line (CR,
// LF), break out of a URL, or make a bad SNI. Internal to src/servers; pure, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace dnsprop::servers {

inline bool validHostName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '-') return false;
  std::size_t label = 0;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

}  // namespace dnsprop::servers
