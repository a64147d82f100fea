// HTTP basic authentication against bcrypt hashes (the exporter-toolkit
// `basic_auth_users` of http/web_config.h).
//
// bcrypt is slow on purpose (~50-100 ms at cost 10), too slow to pay on every scrape,
// so an accepted (user, hash, password) is remembered by its SHA-256 digest, as
// exporter-toolkit does: the password itself is never kept. Rejected attempts are not
// cached; at most one bcrypt runs at a time, so a flood of wrong passwords occupies one
// core and one HTTP worker rather than all of them. An unknown user is checked against a
// fixed dummy hash so the answer takes as long as for a known one.
//
// Thread-safe: check() is called concurrently from civetweb's worker threads. Never
// throws from check() except std::bad_alloc.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace dnsprop {

// "$2a$", "$2b$" or "$2y$", a two-digit cost 04..31, "$" and 53 characters of bcrypt's
// base64 alphabet (22 of salt, 31 of hash): 60 characters in all.
bool isBcryptHash(std::string_view text);

// Whether `password` matches the bcrypt `hash` (libcrypt's crypt_r; the result is
// compared in constant time). False for a malformed hash or a password holding a NUL
// byte. Takes as long as the hash's cost says.
bool bcryptMatches(std::string_view password, const std::string& hash);

class BasicAuth {
 public:
  enum class Outcome {
    Allowed,        // a configured user with the right password
    NoCredentials,  // no Authorization header, or another scheme (Bearer, ...)
    Malformed,      // "Basic" with bad base64 or without "user:password"
    Denied,         // unknown user or wrong password
  };

  // `users`: user -> bcrypt hash, as validated by the web config (isBcryptHash).
  explicit BasicAuth(std::map<std::string, std::string> users);

  // `authorization` is the Authorization header's value, empty when there is none.
  Outcome check(std::string_view authorization) const;

  // Accepted credentials currently remembered (tests).
  std::size_t cachedCount() const;

 private:
  static constexpr std::size_t kCacheCapacity = 256;

  std::map<std::string, std::string> users_;
  mutable std::mutex bcrypt_mutex_;  // one bcrypt at a time
  mutable std::mutex cache_mutex_;   // guards cache_, cache_order_
  mutable std::unordered_set<std::string> cache_;   // SHA-256 of accepted credentials
  mutable std::deque<std::string> cache_order_;     // oldest first, for eviction
};

}  // namespace dnsprop
