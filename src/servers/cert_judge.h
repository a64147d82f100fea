// Judging a server certificate apart from the TLS exchange that presented it (see
// web_probe.h for why). Internal to src/servers: the only header here that includes
// OpenSSL's X.509 API.
//
// Thread-safety: a TrustStore may be shared by threads once built (OpenSSL's X509_STORE
// is safe for concurrent verification); judgeCertificate is thread-safe.
#pragma once

#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "servers/cert_facts.h"

namespace dnsprop::servers {

// The roots a chain must lead to: the system's (OpenSSL's default locations, on Debian
// /etc/ssl/certs) or the PEM certificates of one file.
class TrustStore {
 public:
  // Throws std::runtime_error when the store cannot be made or `ca_file` cannot be loaded.
  explicit TrustStore(const std::optional<std::filesystem::path>& ca_file);
  X509_STORE* get() const { return store_.get(); }

 private:
  struct Free {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  };
  std::unique_ptr<X509_STORE, Free> store_;
};

// Judges `leaf` (as presented, depth 0) with the other certificates the server sent
// (`untrusted`, may be null) against `trust`, at the current time, for `host` (a DNS
// name, or an IPv4/IPv6 literal checked against IP SANs). Never throws except
// std::bad_alloc; an internal OpenSSL failure shows as chain_ok == false with a reason.
CertFacts judgeCertificate(X509* leaf, STACK_OF(X509) * untrusted, const TrustStore& trust,
                           std::string_view host);

}  // namespace dnsprop::servers
