// A certificate authority made in the test, with the OpenSSL C API: a self-signed CA and
// leaf certificates it signs for TLS servers started by tests (nginx in web_servers.h).
// Keys are ECDSA P-256 (fast to make), certificates X.509 v3 with the extensions a real
// server certificate carries (SAN, serverAuth, key identifiers). A validity period may lie
// entirely in the past (an expired leaf) or the future.
//
// Not thread-safe (use one object from one thread). The constructor and issue() throw
// std::runtime_error (with OpenSSL's reason) when OpenSSL fails.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"

namespace dnsprop::test {

// What a leaf certificate should say. Offsets are from now.
struct LeafSpec {
  std::vector<std::string> dns_names;  // subjectAltName DNS entries; the first is also the CN
  std::chrono::seconds valid_from = -std::chrono::hours(1);
  std::chrono::seconds valid_until = std::chrono::hours(24 * 30);
};

struct IssuedCert {
  std::string cert_pem;  // the leaf alone
  std::string key_pem;   // its private key (PKCS#8, unencrypted)
  WallTime not_before;   // as written in the certificate (whole seconds)
  WallTime not_after;
};

class TestCa {
 public:
  // A CA valid from an hour ago for ten years, subject "O = dnsprop tests, CN = <name>".
  explicit TestCa(const std::string& common_name = "dnsprop test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA certificate (PEM): what a client's trust store (ca_file) holds.
  const std::string& certPem() const { return cert_pem_; }
  // The one-line DN of the CA ("O = dnsprop tests, CN = dnsprop test CA").
  std::string subjectOneLine() const;
  // Signs a new leaf with a fresh key.
  IssuedCert issue(const LeafSpec& spec) const;

  struct Keys;  // test_ca.cc

 private:
  std::unique_ptr<Keys> keys_;
  std::string cert_pem_;
};

}  // namespace dnsprop::test
