#include "http/web_config.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>


#include "http/basic_auth.h"

namespace dnsprop {
namespace fs = std::filesystem;
namespace {

struct NamedVersion {
  std::string_view name;
  TlsVersion version;
};
constexpr std::array<NamedVersion, 4> kVersions{{
    {"TLS10", TlsVersion::Tls10},
    {"TLS11", TlsVersion::Tls11},
    {"TLS12", TlsVersion::Tls12},
    {"TLS13", TlsVersion::Tls13},
}};

struct NamedClientAuth {
  std::string_view name;
  ClientAuth auth;
};
constexpr std::array<NamedClientAuth, 6> kClientAuths{{
    {"NoClientCert", ClientAuth::NoClientCert},
    {"RequestClientCert", ClientAuth::RequestClientCert},
    {"RequireAnyClientCert", ClientAuth::RequireAnyClientCert},
    {"RequireClientCert", ClientAuth::RequireAnyClientCert},  // exporter-toolkit's old alias
    {"VerifyClientCertIfGiven", ClientAuth::VerifyClientCertIfGiven},
    {"RequireAndVerifyClientCert", ClientAuth::RequireAndVerifyClientCert},
}};

// The suites Go's tls.CipherSuites() has listed (exporter-toolkit accepts exactly
// those), with OpenSSL's name; an empty OpenSSL name marks a TLS 1.3 suite, which Go
// does not let a config choose either.
struct NamedCipher {
  std::string_view go;
  std::string_view openssl;
};
constexpr std::array<NamedCipher, 17> kCiphers{{
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
}};

struct NamedCurve {
  std::string_view go;
  std::string_view openssl;
};
constexpr std::array<NamedCurve, 4> kCurves{{
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
    {"X25519", "X25519"},
}};

// exporter-toolkit's allow-list: the only headers a web config may set, and for some
// the only values. Anything else (Authorization, Content-Type, Set-Cookie, ...) would
// let a config break the protocol or the exposition format.
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;  // empty: any value
};
const std::vector<AllowedHeader>& allowedHeaders() {
  static const std::vector<AllowedHeader> list{
      {"Strict-Transport-Security", {}},
      {"X-Content-Type-Options", {"nosniff"}},
      {"X-Frame-Options", {"deny", "sameorigin"}},
      {"X-XSS-Protection", {}},
      {"Content-Security-Policy", {}},
  };
  return list;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

class Parser {
 public:
  Parser(std::string file, fs::path base) : file_(std::move(file)), base_(std::move(base)) {}

  WebConfig parse(const YAML::Node& root) {
    WebConfig out;
    if (root.IsNull()) return out;  // an empty file: plain HTTP, no auth (as exporter-toolkit)
    if (!root.IsMap()) fail(root, "the web config must be a mapping of sections");
    for (const auto& [key, value] : entries(root, "")) {
      if (key == "tls_server_config") {
        out.tls = tls(value.node, value.key);
      } else if (key == "http_server_config") {
        out.headers = http(value.node);
      } else if (key == "basic_auth_users") {
        out.basic_auth_users = users(value.node);
      } else if (key == "rate_limit") {
        fail(value.key, "rate_limit is not supported by dnsprop; remove it (rate-limit in a "
                        "reverse proxy if needed)");
      } else {
        fail(value.key, "unknown key " + quote(key) +
                            " (expected tls_server_config, http_server_config or "
                            "basic_auth_users)");
      }
    }
    return out;
  }

 private:
  struct Entry {
    YAML::Node key;
    YAML::Node node;
  };

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) throw WebConfigError(file_, 0, 0, message);
    throw WebConfigError(file_, m.line + 1, m.column + 1, message);
  }

  // A null value (`key:` with nothing after it) has no useful mark of its own: errors
  // about it point at its key.
  const YAML::Node& at(const Entry& e) const { return e.node.IsNull() ? e.key : e.node; }

  // The mapping's entries in file order; rejects non-scalar and duplicate keys (yaml-cpp
  // keeps duplicates; Go's strict YAML refuses them).
  std::vector<std::pair<std::string, Entry>> entries(const YAML::Node& map,
                                                     const std::string& prefix) const {
    std::vector<std::pair<std::string, Entry>> out;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, prefix + "keys must be plain strings");
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) fail(it->first, "duplicate key " + quote(prefix + key));
      out.emplace_back(key, Entry{it->first, it->second});
    }
    return out;
  }

  // nullopt for null and "": exporter-toolkit treats both as "not set".
  std::optional<std::string> text(const Entry& e, const std::string& path) const {
    if (e.node.IsNull()) return std::nullopt;
    if (!e.node.IsScalar()) fail(e.node, path + ": expected a string");
    if (e.node.Scalar().empty()) return std::nullopt;
    return e.node.Scalar();
  }

  std::vector<std::pair<std::string, YAML::Node>> list(const Entry& e,
                                                       const std::string& path) const {
    std::vector<std::pair<std::string, YAML::Node>> out;
    if (e.node.IsNull()) return out;
    if (!e.node.IsSequence()) fail(e.node, path + ": expected a list of strings");
    for (const auto& item : e.node) {
      if (!item.IsScalar()) fail(item, path + ": expected a list of strings");
      out.emplace_back(item.Scalar(), item);
    }
    return out;
  }

  bool boolean(const Entry& e, const std::string& path) const {
    bool b = false;
    if (!e.node.IsScalar() || !YAML::convert<bool>::decode(e.node, b)) {
      fail(at(e), path + ": expected true or false");
    }
    return b;
  }

  fs::path readableFile(const Entry& e, const std::string& written, const std::string& path) const {
    fs::path p(written);
    if (p.is_relative()) p = base_ / p;
    p = p.lexically_normal();
    std::error_code ec;
    if (fs::is_directory(p, ec)) fail(e.node, path + ": " + p.string() + " is a directory");
    std::ifstream in(p, std::ios::binary);
    if (!in) fail(e.node, path + ": cannot read " + p.string() + ": " + std::strerror(errno));
    return p;
  }

  TlsVersion version(const Entry& e, const std::string& path) const {
    auto s = text(e, path);
    if (!s) fail(at(e), path + ": expected one of TLS10, TLS11, TLS12, TLS13");
    for (const auto& v : kVersions) {
      if (v.name == *s) return v.version;
    }
    fail(e.node, path + ": unknown TLS version " + quote(*s) +
                     " (expected TLS10, TLS11, TLS12 or TLS13)");
  }

  std::optional<TlsServerConfig> tls(const YAML::Node& node, const YAML::Node& key) const {
    if (node.IsNull()) return std::nullopt;
    if (!node.IsMap()) fail(node, "tls_server_config: expected a mapping");
    const std::string p = "tls_server_config.";
    TlsServerConfig t;
    std::optional<std::string> cert, keyf, ca, auth;
    Entry cert_e, key_e, ca_e, auth_e, min_e;
    bool min_set = false;
    for (const auto& [k, e] : entries(node, p)) {
      const std::string path = p + k;
      if (k == "cert_file") {
        cert = text(e, path);
        cert_e = e;
      } else if (k == "key_file") {
        keyf = text(e, path);
        key_e = e;
      } else if (k == "client_ca_file") {
        ca = text(e, path);
        ca_e = e;
      } else if (k == "client_auth_type") {
        auth = text(e, path);
        auth_e = e;
      } else if (k == "min_version") {
        t.min_version = version(e, path);
        min_e = e;
        min_set = true;
      } else if (k == "max_version") {
        t.max_version = version(e, path);
      } else if (k == "cipher_suites") {
        for (const auto& [name, item] : list(e, path)) {
          const NamedCipher* found = nullptr;
          for (const auto& c : kCiphers) {
            if (c.go == name) found = &c;
          }
          if (found == nullptr) {
            fail(item, path + ": unknown cipher " + quote(name) +
                           " (use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
          }
          if (!found->openssl.empty()) t.openssl_ciphers.emplace_back(found->openssl);
        }
      } else if (k == "curve_preferences") {
        for (const auto& [name, item] : list(e, path)) {
          const NamedCurve* found = nullptr;
          for (const auto& c : kCurves) {
            if (c.go == name) found = &c;
          }
          if (found == nullptr) {
            fail(item, path + ": unknown curve " + quote(name) +
                           " (expected CurveP256, CurveP384, CurveP521 or X25519)");
          }
          t.openssl_groups.emplace_back(found->openssl);
        }
      } else if (k == "prefer_server_cipher_suites") {
        // Go ignores it since 1.18 and OpenSSL servers here always prefer their own
        // order; accepted so exporter configs load unchanged.
        boolean(e, path);
      } else if (k == "cert" || k == "key" || k == "client_ca") {
        fail(e.key, path + ": inline PEM is not supported by dnsprop; put it in a file and "
                           "use " + k + "_file");
      } else if (k == "client_allowed_sans") {
        fail(e.key, path + " is not supported by dnsprop; use a dedicated client CA instead");
      } else {
        fail(e.key, "unknown key " + quote(path) +
                        " (expected cert_file, key_file, client_auth_type, client_ca_file, "
                        "min_version, max_version, cipher_suites, curve_preferences or "
                        "prefer_server_cipher_suites)");
      }
    }
    // As exporter-toolkit: TLS is on when any of these is set; versions, ciphers and
    // curves alone leave the server on plain HTTP.
    if (!cert && !keyf && !ca && !auth) return std::nullopt;
    if (!cert) fail(key, "tls_server_config: cert_file is missing (TLS needs cert_file and key_file)");
    if (!keyf) fail(key, "tls_server_config: key_file is missing (TLS needs cert_file and key_file)");
    t.cert_file = readableFile(cert_e, *cert, p + "cert_file");
    t.key_file = readableFile(key_e, *keyf, p + "key_file");
    if (auth) {
      bool known = false;
      for (const auto& a : kClientAuths) {
        if (a.name == *auth) {
          t.client_auth = a.auth;
          known = true;
        }
      }
      if (!known) {
        fail(auth_e.node, p + "client_auth_type: unknown value " + quote(*auth) +
                              " (expected NoClientCert, RequestClientCert, "
                              "RequireAnyClientCert, VerifyClientCertIfGiven or "
                              "RequireAndVerifyClientCert)");
      }
    }
    if (ca) t.client_ca_file = readableFile(ca_e, *ca, p + "client_ca_file");
    switch (t.client_auth) {
      case ClientAuth::NoClientCert:
        if (ca) {
          fail(ca_e.node, p + "client_ca_file is set but client_auth_type is NoClientCert; set "
                              "client_auth_type: RequireAndVerifyClientCert to check client "
                              "certificates");
        }
        break;
      case ClientAuth::RequestClientCert:
      case ClientAuth::RequireAnyClientCert:
        break;
      case ClientAuth::VerifyClientCertIfGiven:
      case ClientAuth::RequireAndVerifyClientCert:
        // Go would fall back to the system roots: any publicly issued certificate would
        // then pass. Refused, so client-certificate auth always names its CA.
        if (!ca) {
          fail(auth_e.node, p + "client_auth_type " + std::string(toString(t.client_auth)) +
                                " needs client_ca_file (the CA that signs client certificates)");
        }
        break;
    }
    if (t.min_version > t.max_version) {
      fail(min_set ? min_e.node : key, p + "min_version " + std::string(toString(t.min_version)) +
                                           " is above max_version " +
                                           std::string(toString(t.max_version)));
    }
    return t;
  }

  std::vector<std::pair<std::string, std::string>> http(const YAML::Node& node) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (node.IsNull()) return out;
    if (!node.IsMap()) fail(node, "http_server_config: expected a mapping");
    const std::string p = "http_server_config.";
    for (const auto& [k, e] : entries(node, p)) {
      if (k == "http2") {
        // dnsprop serves HTTP/1.1 only (civetweb 1.15 as packaged has no HTTP/2);
        // clients negotiate down, so both values are accepted.
        boolean(e, p + k);
      } else if (k == "headers") {
        if (e.node.IsNull()) continue;
        if (!e.node.IsMap()) fail(e.node, p + "headers: expected a mapping of header: value");
        for (const auto& [name, h] : entries(e.node, p + "headers.")) {
          const std::string path = p + "headers." + name;
          const AllowedHeader* allowed = nullptr;
          for (const auto& a : allowedHeaders()) {
            if (a.name == name) allowed = &a;
          }
          if (allowed == nullptr) {
            fail(h.key, "HTTP header " + quote(name) +
                            " can not be configured (allowed: Strict-Transport-Security, "
                            "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
                            "Content-Security-Policy)");
          }
          auto value = text(h, path);
          if (!value) continue;  // "Unset if blank"
          for (char c : *value) {
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) {
              fail(h.node, path + ": the value contains a control character (a line break?)");
            }
          }
          if (!allowed->values.empty()) {
            bool ok = false;
            std::string expected;
            for (auto v : allowed->values) {
              ok = ok || v == *value;
              expected += (expected.empty() ? "" : ", ") + quote(v);
            }
            if (!ok) {
              fail(h.node, "invalid value for " + name + ": expected one of " + expected +
                               ", got " + quote(*value));
            }
          }
          out.emplace_back(name, *value);
        }
      } else {
        fail(e.key, "unknown key " + quote(p + k) + " (expected headers or http2)");
      }
    }
    return out;
  }

  std::map<std::string, std::string> users(const YAML::Node& node) const {
    std::map<std::string, std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsMap()) fail(node, "basic_auth_users: expected a mapping of user: bcrypt hash");
    for (const auto& [user, e] : entries(node, "basic_auth_users.")) {
      const std::string path = "basic_auth_users." + user;
      if (user.empty()) fail(e.key, "basic_auth_users: the user name is empty");
      // Basic auth splits "user:password" at the first colon: such a user could never
      // log in.
      if (user.find(':') != std::string::npos) {
        fail(e.key, path + ": a user name cannot contain ':'");
      }
      if (!e.node.IsScalar() || !isBcryptHash(e.node.Scalar())) {
        fail(at(e), path + ": not a bcrypt hash (make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n')");
      }
      out.emplace(user, e.node.Scalar());
    }
    return out;
  }

  std::string file_;
  fs::path base_;
};

fs::path baseDir(const fs::path& source) {
  std::error_code ec;
  fs::path abs = fs::absolute(source, ec);
  if (ec) abs = source;
  return abs.parent_path();
}

}  // namespace

std::string_view toString(TlsVersion v) {
  switch (v) {
    case TlsVersion::Tls10: return "TLS10";
    case TlsVersion::Tls11: return "TLS11";
    case TlsVersion::Tls12: return "TLS12";
    case TlsVersion::Tls13: return "TLS13";
  }
  return "?";
}

std::string_view toString(ClientAuth a) {
  switch (a) {
    case ClientAuth::NoClientCert: return "NoClientCert";
    case ClientAuth::RequestClientCert: return "RequestClientCert";
    case ClientAuth::RequireAnyClientCert: return "RequireAnyClientCert";
    case ClientAuth::VerifyClientCertIfGiven: return "VerifyClientCertIfGiven";
    case ClientAuth::RequireAndVerifyClientCert: return "RequireAndVerifyClientCert";
  }
  return "?";
}

WebConfig parseWebConfig(std::string_view text, const fs::path& source_name) {
  const std::string file = source_name.string();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw WebConfigError(file, e.mark.is_null() ? 0 : e.mark.line + 1,
                         e.mark.is_null() ? 0 : e.mark.column + 1, "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw WebConfigError(file, 0, 0, std::string("YAML error: ") + e.what());
  }
  try {
    WebConfig c = Parser(file, baseDir(source_name)).parse(root);
    c.source = source_name;
    return c;
  } catch (const WebConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw WebConfigError(file, 0, 0, std::string("internal error while loading: ") + e.what());
  }
}

WebConfig loadWebConfig(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    throw WebConfigError(file.string(), 0, 0, "cannot read web config file: it is a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw WebConfigError(file.string(), 0, 0,
                         std::string("cannot read web config file: ") + std::strerror(errno));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw WebConfigError(file.string(), 0, 0, "cannot read web config file: read error");
  return parseWebConfig(buf.str(), file);
}

}  // namespace dnsprop
