// The web configuration file (`--web.config.file`, `[web] config_file`): the Prometheus
// exporter-toolkit YAML format, so the file an operator already uses for node_exporter
// works here (docs/WEB.md lists what is supported and what is refused).
//
//   tls_server_config:   TLS for every listen address (certificate, key, client
//                        certificates, TLS versions, TLS 1.2 cipher suites, curves)
//   http_server_config:  extra response headers (the exporter-toolkit allow-list)
//   basic_auth_users:    user -> bcrypt hash; when non-empty every request needs them
//
// What civetweb and dnsprop cannot do (inline PEM, client_allowed_sans, rate_limit) is
// refused with its position rather than silently ignored: a security setting that is
// written down must be in force.
//
// Pure: loadWebConfig() reads the file (and checks the files it names are readable);
// nothing here touches the network or OpenSSL. Thread-safe (no shared state); values are
// plain and copyable. Errors are WebConfigError, `file:line:column: message`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/positioned_error.h"

namespace dnsprop {

class WebConfigError : public PositionedError {
 public:
  using PositionedError::PositionedError;
};

enum class TlsVersion { Tls10, Tls11, Tls12, Tls13 };

// Go's crypto/tls ClientAuthType names, with Go's meaning.
enum class ClientAuth {
  NoClientCert,                // never ask for a client certificate
  RequestClientCert,           // ask, accept none or any (not verified)
  RequireAnyClientCert,        // require one, any (not verified)
  VerifyClientCertIfGiven,     // accept none; a given one must verify against client_ca_file
  RequireAndVerifyClientCert,  // require one that verifies against client_ca_file
};

struct TlsServerConfig {
  std::filesystem::path cert_file;  // PEM, server certificate first, then its chain
  std::filesystem::path key_file;   // PEM private key
  ClientAuth client_auth = ClientAuth::NoClientCert;
  std::optional<std::filesystem::path> client_ca_file;  // PEM CA bundle
  TlsVersion min_version = TlsVersion::Tls12;
  TlsVersion max_version = TlsVersion::Tls13;
  // TLS 1.0-1.2 suites in OpenSSL's names ("ECDHE-RSA-AES128-GCM-SHA256"), in the
  // order given; empty = OpenSSL's defaults. TLS 1.3 suites named in the file are
  // accepted and, as in Go, not configurable: they are not listed here.
  std::vector<std::string> openssl_ciphers;
  // OpenSSL group names ("P-256", "X25519"), in preference order; empty = defaults.
  std::vector<std::string> openssl_groups;

  bool operator==(const TlsServerConfig&) const = default;
};

struct WebConfig {
  std::filesystem::path source;          // the file it was read from (empty: defaults)
  std::optional<TlsServerConfig> tls;    // nullopt: plain HTTP
  // Headers added to every response, in file order (names as in the allow-list).
  std::vector<std::pair<std::string, std::string>> headers;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash

  bool operator==(const WebConfig&) const = default;
};

// Reads and validates `file`. Relative paths inside it are resolved against the file's
// folder (as exporter-toolkit does). Checks that cert_file, key_file and client_ca_file
// can be opened; whether they hold a usable certificate and matching key is checked when
// the web server starts (WebServer throws then). Throws WebConfigError.
WebConfig loadWebConfig(const std::filesystem::path& file);

// Same, from text; `source_name` names the file in errors and is the base for relative
// paths. Referenced files are checked as by loadWebConfig().
WebConfig parseWebConfig(std::string_view text, const std::filesystem::path& source_name);

// The names exporter-toolkit accepts, for docs and errors.
std::string_view toString(TlsVersion v);
std::string_view toString(ClientAuth a);

}  // namespace dnsprop
