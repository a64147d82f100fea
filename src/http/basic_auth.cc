#include "http/basic_auth.h"

#include <crypt.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

namespace dnsprop {
namespace {

// A bcrypt hash of a random password nobody knows (cost 10, like `htpasswd -B`): what
// an unknown user's password is checked against, so that the answer does not reveal
// whether the user exists.
constexpr const char* kDummyHash = "$2y$10$0ikWwluZgkBKZ4okpaoh7OCvAHrhFFg0fsNIvUfUpNZ0SKkz47EHG";

bool isBcryptBase64(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '/';
}

// Equal without an early exit, so the time taken does not say how much matched.
bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding (RFC 4648 section 4), strict: what RFC 7617 requires.
std::optional<std::string> base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + static_cast<std::size_t>(j)];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = base64Value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) |
                            (static_cast<std::uint32_t>(v[1]) << 12) |
                            (static_cast<std::uint32_t>(v[2]) << 6) |
                            static_cast<std::uint32_t>(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool asciiIEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void appendField(std::string& out, std::string_view field) {
  const std::uint64_t n = field.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  out += field;
}

// SHA-256 of the length-prefixed fields: the cache key, which keeps no password.
std::string credentialDigest(std::string_view user, std::string_view hash,
                             std::string_view password) {
  std::string input;
  input.reserve(user.size() + hash.size() + password.size() + 24);
  appendField(input, user);
  appendField(input, hash);
  appendField(input, password);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    return {};  // never cached then
  }
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

}  // namespace

bool isBcryptHash(std::string_view t) {
  if (t.size() != 60 || t[0] != '$' || t[1] != '2' || t[3] != '$' || t[6] != '$') return false;
  if (t[2] != 'a' && t[2] != 'b' && t[2] != 'y') return false;
  if (t[4] < '0' || t[4] > '9' || t[5] < '0' || t[5] > '9') return false;
  const int cost = (t[4] - '0') * 10 + (t[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (std::size_t i = 7; i < t.size(); ++i) {
    if (!isBcryptBase64(t[i])) return false;
  }
  return true;
}

bool bcryptMatches(std::string_view password, const std::string& hash) {
  if (!isBcryptHash(hash) || password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  // ~32 KiB: on the heap, not on a civetweb worker's stack.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  // Failure is a null pointer or a "*0"/"*1" token, neither of which equals a hash.
  if (out == nullptr) return false;
  return constantTimeEquals(out, hash);
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

BasicAuth::Outcome BasicAuth::check(std::string_view authorization) const {
  // "Basic" SP token68, scheme case-insensitive (RFC 7617).
  constexpr std::string_view kScheme = "basic";
  if (authorization.size() <= kScheme.size() ||
      !asciiIEquals(authorization.substr(0, kScheme.size()), kScheme) ||
      (authorization[kScheme.size()] != ' ' && authorization[kScheme.size()] != '\t')) {
    return Outcome::NoCredentials;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  const auto decoded = base64Decode(token);
  if (!decoded) return Outcome::Malformed;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return Outcome::Malformed;
  const std::string_view user = std::string_view(*decoded).substr(0, colon);
  const std::string_view password = std::string_view(*decoded).substr(colon + 1);

  const auto it = users_.find(std::string(user));
  const bool known = it != users_.end();
  const std::string dummy = kDummyHash;
  const std::string& expected = known ? it->second : dummy;

  // Unknown users are never cached: they always pay the (dummy) bcrypt.
  const std::string digest = known ? credentialDigest(user, expected, password) : std::string();
  if (!digest.empty()) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.count(digest) != 0) return Outcome::Allowed;
  }
  bool match = false;
  {
    std::lock_guard lock(bcrypt_mutex_);
    match = bcryptMatches(password, expected);
  }
  if (!known || !match) return Outcome::Denied;
  if (!digest.empty()) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.insert(digest).second) {
      cache_order_.push_back(digest);
      if (cache_order_.size() > kCacheCapacity) {
        cache_.erase(cache_order_.front());
        cache_order_.pop_front();
      }
    }
  }
  return Outcome::Allowed;
}

std::size_t BasicAuth::cachedCount() const {
  std::lock_guard lock(cache_mutex_);
  return cache_.size();
}

}  // namespace dnsprop
