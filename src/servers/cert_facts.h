// What a TLS server's certificate says, judged apart from the exchange that presented it
// (servers/cert_judge.h judges; web_probe.h and smtp_probe.h report it). Value type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace dnsprop {

// The server certificate as presented (depth 0), judged independently of the exchange.
struct CertFacts {
  bool chain_ok = false;              // verifies against the trust store (system roots, or ca_file)
  std::string chain_error;            // OpenSSL's text for the first chain error ("certificate has expired"), empty when ok
  bool name_matches = false;          // the certificate's names cover the requested host (X509_check_host)
  std::optional<WallTime> not_after;  // expiry of the leaf
  std::vector<std::string> names;     // DNS SANs (or CN when there are none)
  std::string issuer;                 // one-line issuer DN ("C = JP, O = Example, CN = Example CA")
  std::optional<WallTime> not_before;  // start of the leaf's validity
};

}  // namespace dnsprop
