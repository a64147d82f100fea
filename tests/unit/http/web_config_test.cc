#include <boost/test/unit_test.hpp>

#include <crypt.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "http/basic_auth.h"
#include "http/web_config.h"
#include "support/temp_dir.h"

using namespace dnsprop;
namespace fs = std::filesystem;
namespace utf = boost::unit_test;

namespace {

// Made with `htpasswd -nbBC 4 alice 'correct horse'` and Python's crypt (cost 4, so the
// tests stay fast; the cost only changes the time taken).
constexpr const char* kAliceHash = "$2y$04$W5EIPvR13tAItBTX4vNc2.Y1mStgF8kVHYBmY8iUjKm1VZxu/huuG";
constexpr const char* kAlicePassword = "correct horse";
constexpr const char* kBobHash = "$2b$04$bGx.2frOPA1mvFl62p4V1OLNav4wRovkBcZzRQr.HGa8dUnc5jAkG";
constexpr const char* kBobPassword = "hunter2";

// Files a web config may name; the parser checks only that they can be read.
struct Files {
  test::TempDir dir{"dnsprop-webcfg"};
  Files() {
    dir.writeFile("cert.pem", "not checked by the parser\n");
    dir.writeFile("key.pem", "not checked by the parser\n");
    dir.writeFile("ca.pem", "not checked by the parser\n");
  }
  WebConfig parse(const std::string& yaml) const { return parseWebConfig(yaml, dir / "web.yml"); }
};

// Parses `yaml` and checks it fails at line:column with a message containing `part`.
void expectError(const Files& f, const std::string& yaml, int line, int column,
                 const std::string& part) {
  BOOST_TEST_CONTEXT("yaml:\n" << yaml) {
    try {
      f.parse(yaml);
      BOOST_ERROR("accepted, expected an error containing: " << part);
    } catch (const WebConfigError& e) {
      BOOST_TEST(e.file() == (f.dir / "web.yml").string());
      BOOST_TEST(e.line() == line, e.what());
      BOOST_TEST(e.column() == column, e.what());
      BOOST_TEST(e.message().find(part) != std::string::npos, e.what());
      const std::string prefix = (f.dir / "web.yml").string() + ":" + std::to_string(line) +
                                 ":" + std::to_string(column) + ": ";
      BOOST_TEST(std::string(e.what()).starts_with(prefix), e.what());
    }
  }
}

std::string base64(const std::string& in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += abc[(n >> 18) & 63];
    out += abc[(n >> 12) & 63];
    out += abc[(n >> 6) & 63];
    out += abc[n & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += abc[(n >> 18) & 63];
    out += abc[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8);
    out += abc[(n >> 18) & 63];
    out += abc[(n >> 12) & 63];
    out += abc[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

using Users = std::map<std::string, std::string>;

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64(user + ":" + password);
}

// A fresh cost-4 bcrypt hash of `password`, made with libcrypt.
std::string makeHash(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  BOOST_REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt) != nullptr);
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), salt, &data);
  BOOST_REQUIRE(out != nullptr);
  return out;
}

constexpr const char* kHtpasswd = "/usr/bin/htpasswd";

boost::test_tools::assertion_result htpasswdInstalled(utf::test_unit_id) {
  boost::test_tools::assertion_result r(::access(kHtpasswd, X_OK) == 0);
  r.message() << kHtpasswd << " is not installed (apache2-utils, scripts/install-deps.sh --test)";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_config)

BOOST_AUTO_TEST_CASE(an_empty_file_means_plain_http_without_auth) {
  Files f;
  for (const char* text : {"", "# only a comment\n", "---\n"}) {
    const WebConfig c = f.parse(text);
    BOOST_TEST(!c.tls.has_value());
    BOOST_TEST(c.headers.empty());
    BOOST_TEST(c.basic_auth_users.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_full_exporter_toolkit_file_is_read) {
  Files f;
  const WebConfig c = f.parse(
      "tls_server_config:\n"
      "  cert_file: cert.pem\n"
      "  key_file: " + (f.dir / "key.pem").string() + "\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ./ca.pem\n"
      "  min_version: TLS13\n"
      "  max_version: TLS13\n"
      "  cipher_suites:\n"
      "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
      "    - TLS_AES_128_GCM_SHA256\n"
      "    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n"
      "  curve_preferences: [X25519, CurveP256]\n"
      "  prefer_server_cipher_suites: true\n"
      "http_server_config:\n"
      "  http2: false\n"
      "  headers:\n"
      "    Strict-Transport-Security: max-age=31536000\n"
      "    X-Frame-Options: deny\n"
      "    Content-Security-Policy: \"\"\n"
      "basic_auth_users:\n"
      "  alice: " + std::string(kAliceHash) + "\n"
      "  bob: \"" + std::string(kBobHash) + "\"\n");
  BOOST_TEST(c.source == f.dir / "web.yml");
  BOOST_REQUIRE(c.tls.has_value());
  const TlsServerConfig& t = *c.tls;
  // Relative paths are relative to the web config's folder, not the working directory.
  BOOST_TEST(t.cert_file == f.dir / "cert.pem");
  BOOST_TEST(t.key_file == f.dir / "key.pem");
  BOOST_REQUIRE(t.client_ca_file.has_value());
  BOOST_TEST(*t.client_ca_file == f.dir / "ca.pem");
  BOOST_TEST((t.client_auth == ClientAuth::RequireAndVerifyClientCert));
  BOOST_TEST((t.min_version == TlsVersion::Tls13));
  BOOST_TEST((t.max_version == TlsVersion::Tls13));
  // OpenSSL's names, in order; the TLS 1.3 suite is accepted and not configured (as Go).
  BOOST_TEST(t.openssl_ciphers ==
                 (std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256",
                                           "ECDHE-ECDSA-CHACHA20-POLY1305"}),
             boost::test_tools::per_element());
  BOOST_TEST(t.openssl_groups == (std::vector<std::string>{"X25519", "P-256"}),
             boost::test_tools::per_element());
  // A blank header is "unset" (exporter-toolkit); file order is kept.
  BOOST_REQUIRE(c.headers.size() == 2u);
  BOOST_TEST(c.headers[0].first == "Strict-Transport-Security");
  BOOST_TEST(c.headers[0].second == "max-age=31536000");
  BOOST_TEST(c.headers[1].first == "X-Frame-Options");
  BOOST_TEST(c.headers[1].second == "deny");
  BOOST_REQUIRE(c.basic_auth_users.size() == 2u);
  BOOST_TEST(c.basic_auth_users.at("alice") == kAliceHash);
  BOOST_TEST(c.basic_auth_users.at("bob") == kBobHash);
}

BOOST_AUTO_TEST_CASE(tls_defaults_are_exporter_toolkit_ones) {
  Files f;
  const WebConfig c = f.parse("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n");
  BOOST_REQUIRE(c.tls.has_value());
  BOOST_TEST((c.tls->client_auth == ClientAuth::NoClientCert));
  BOOST_TEST(!c.tls->client_ca_file.has_value());
  BOOST_TEST((c.tls->min_version == TlsVersion::Tls12));
  BOOST_TEST((c.tls->max_version == TlsVersion::Tls13));
  BOOST_TEST(c.tls->openssl_ciphers.empty());
  BOOST_TEST(c.tls->openssl_groups.empty());
}

BOOST_AUTO_TEST_CASE(tls_settings_without_certificate_or_client_auth_leave_plain_http) {
  // exporter-toolkit turns TLS on only when a file or client_auth_type is given.
  Files f;
  const WebConfig c = f.parse(
      "tls_server_config:\n  min_version: TLS13\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n");
  BOOST_TEST(!c.tls.has_value());
  BOOST_TEST(!f.parse("tls_server_config:\n").tls.has_value());
  BOOST_TEST(!f.parse("tls_server_config:\n  cert_file: \"\"\n").tls.has_value());
}

BOOST_AUTO_TEST_CASE(client_auth_types_and_the_old_alias_are_accepted) {
  Files f;
  const std::string head = "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n";
  auto auth = [&](const std::string& rest) { return f.parse(head + rest).tls->client_auth; };
  BOOST_TEST((auth("  client_auth_type: NoClientCert\n") == ClientAuth::NoClientCert));
  BOOST_TEST((auth("  client_auth_type: RequestClientCert\n") == ClientAuth::RequestClientCert));
  BOOST_TEST((auth("  client_auth_type: RequireAnyClientCert\n") ==
              ClientAuth::RequireAnyClientCert));
  BOOST_TEST((auth("  client_auth_type: RequireClientCert\n") ==
              ClientAuth::RequireAnyClientCert));
  BOOST_TEST((auth("  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.pem\n") ==
              ClientAuth::VerifyClientCertIfGiven));
}

BOOST_AUTO_TEST_CASE(every_go_cipher_suite_name_maps_to_an_openssl_name_or_tls13) {
  Files f;
  const std::vector<std::string> tls12 = {
      "TLS_RSA_WITH_AES_128_CBC_SHA",          "TLS_RSA_WITH_AES_256_CBC_SHA",
      "TLS_RSA_WITH_AES_128_GCM_SHA256",       "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",  "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"};
  std::string yaml = "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                     "  cipher_suites:\n";
  for (const auto& c : tls12) yaml += "    - " + c + "\n";
  yaml += "    - TLS_AES_256_GCM_SHA384\n    - TLS_CHACHA20_POLY1305_SHA256\n";
  const WebConfig c = f.parse(yaml);
  BOOST_REQUIRE(c.tls->openssl_ciphers.size() == tls12.size());
  // OpenSSL itself must know each name: `openssl ciphers -stdname NAME` prints the
  // standard (Go) name next to it.
  for (std::size_t i = 0; i < tls12.size(); ++i) {
    const std::string cmd = "openssl ciphers -stdname '" + c.tls->openssl_ciphers[i] + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    BOOST_REQUIRE(p != nullptr);
    std::string out;
    char buf[512];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    BOOST_TEST(out.find(tls12[i] + " ") != std::string::npos,
               tls12[i] << " -> " << c.tls->openssl_ciphers[i] << ": " << out);
  }
}

BOOST_AUTO_TEST_CASE(each_bad_field_is_reported_at_its_line_and_column) {
  Files f;
  const std::string tls = "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n";
  expectError(f, "basic_auth_users: [alice\n", 2, 1, "YAML syntax error");
  expectError(f, "- a\n- b\n", 1, 1, "must be a mapping");
  expectError(f, tls + "foo: 1\n", 4, 1, "unknown key \"foo\"");
  expectError(f, "rate_limit:\n  interval: 1s\n  burst: 5\n", 1, 1, "rate_limit is not supported");
  expectError(f, "basic_auth_users:\nbasic_auth_users:\n", 2, 1, "duplicate key");
  // tls_server_config
  expectError(f, "tls_server_config:\n  certfile: cert.pem\n", 2, 3,
              "unknown key \"tls_server_config.certfile\"");
  expectError(f, "tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n", 2, 3,
              "inline PEM is not supported");
  expectError(f, tls + "  client_allowed_sans: [a.example]\n", 4, 3,
              "client_allowed_sans is not supported");
  expectError(f, "tls_server_config:\n  cert_file: cert.pem\n", 1, 1, "key_file is missing");
  expectError(f, "tls_server_config:\n  key_file: key.pem\n", 1, 1, "cert_file is missing");
  expectError(f, "tls_server_config:\n  cert_file: missing.pem\n  key_file: key.pem\n", 2, 14,
              "cannot read " + (f.dir / "missing.pem").string());
  expectError(f, "tls_server_config:\n  cert_file: cert.pem\n  key_file: .\n", 3, 13,
              "is a directory");
  expectError(f, "tls_server_config:\n  min_version: TLS14\n", 2, 16,
              "unknown TLS version \"TLS14\"");
  expectError(f, tls + "  min_version: TLS13\n  max_version: TLS12\n", 4, 16,
              "min_version TLS13 is above max_version TLS12");
  expectError(f,
              "tls_server_config:\n  cipher_suites:\n"
              "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n    - TLS_RSA_WITH_RC4_128_SHA\n",
              4, 7, "unknown cipher \"TLS_RSA_WITH_RC4_128_SHA\"");
  expectError(f, "tls_server_config:\n  cipher_suites: TLS_AES_128_GCM_SHA256\n", 2, 18,
              "expected a list of strings");
  expectError(f, "tls_server_config:\n  curve_preferences: [X25519, P-256]\n", 2, 31,
              "unknown curve \"P-256\"");
  expectError(f, tls + "  client_auth_type: RequireClientCertificate\n", 4, 21,
              "client_auth_type: unknown value \"RequireClientCertificate\"");
  expectError(f, tls + "  client_ca_file: ca.pem\n", 4, 19,
              "client_ca_file is set but client_auth_type is NoClientCert");
  expectError(f, tls + "  client_auth_type: RequireAndVerifyClientCert\n", 4, 21,
              "needs client_ca_file");
  expectError(f, tls + "  client_auth_type: VerifyClientCertIfGiven\n", 4, 21,
              "needs client_ca_file");
  expectError(f, tls + "  prefer_server_cipher_suites: sometimes\n", 4, 32,
              "expected true or false");
  // http_server_config
  expectError(f, "http_server_config:\n  http3: true\n", 2, 3,
              "unknown key \"http_server_config.http3\"");
  expectError(f, "http_server_config:\n  http2: maybe\n", 2, 10, "expected true or false");
  expectError(f, "http_server_config:\n  headers:\n    Content-Type: text/html\n", 3, 5,
              "HTTP header \"Content-Type\" can not be configured");
  expectError(f, "http_server_config:\n  headers:\n    Authorization: Basic eDp5\n", 3, 5,
              "HTTP header \"Authorization\" can not be configured");
  expectError(f, "http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3, 22,
              "invalid value for X-Frame-Options: expected one of \"deny\", \"sameorigin\"");
  expectError(f, "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n", 3, 29,
              "invalid value for X-Content-Type-Options");
  expectError(f,
              "http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n",
              3, 30, "control character");
  // basic_auth_users
  expectError(f, "basic_auth_users:\n  alice: secret\n", 2, 10, "not a bcrypt hash");
  expectError(f, "basic_auth_users:\n  alice:\n", 2, 3, "not a bcrypt hash");
  expectError(f, "basic_auth_users:\n  \"a:b\": " + std::string(kAliceHash) + "\n", 2, 3,
              "cannot contain ':'");
  expectError(f,
              "basic_auth_users:\n  alice: " + std::string(kAliceHash) + "\n  alice: " +
                  std::string(kBobHash) + "\n",
              3, 3, "duplicate key \"basic_auth_users.alice\"");
  expectError(f, "basic_auth_users:\n  - alice\n", 2, 3, "expected a mapping");
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_an_error_without_position) {
  Files f;
  for (const fs::path& p : {f.dir / "absent.yml", f.dir.path()}) {
    try {
      loadWebConfig(p);
      BOOST_ERROR("accepted " << p);
    } catch (const WebConfigError& e) {
      BOOST_TEST(e.line() == 0);
      BOOST_TEST(e.column() == 0);
      BOOST_TEST(e.message().starts_with("cannot read web config file"), e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(load_reads_the_file_and_resolves_paths_against_its_folder) {
  Files f;
  const fs::path file = f.dir.writeFile(
      "sub/web.yml", "tls_server_config:\n  cert_file: ../cert.pem\n  key_file: ../key.pem\n");
  const WebConfig c = loadWebConfig(file);
  BOOST_TEST(c.source == file);
  BOOST_REQUIRE(c.tls.has_value());
  BOOST_TEST(c.tls->cert_file == f.dir / "cert.pem");
  BOOST_TEST(c.tls->key_file == f.dir / "key.pem");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(basic_auth)

BOOST_AUTO_TEST_CASE(bcrypt_hash_shape_is_checked) {
  BOOST_TEST(isBcryptHash(kAliceHash));
  BOOST_TEST(isBcryptHash(kBobHash));
  BOOST_TEST(isBcryptHash("$2a$10$" + std::string(53, 'a')));
  BOOST_TEST(!isBcryptHash(""));
  BOOST_TEST(!isBcryptHash("secret"));
  BOOST_TEST(!isBcryptHash("$2y$10$" + std::string(52, 'a')));           // short
  BOOST_TEST(!isBcryptHash("$2y$03$" + std::string(53, 'a')));           // cost below 4
  BOOST_TEST(!isBcryptHash("$2y$32$" + std::string(53, 'a')));           // cost above 31
  BOOST_TEST(!isBcryptHash("$2x$10$" + std::string(53, 'a')));           // buggy old variant
  BOOST_TEST(!isBcryptHash("$6$saltsalt$" + std::string(49, 'a')));      // sha512-crypt
  BOOST_TEST(!isBcryptHash("$2y$10$" + std::string(52, 'a') + "!"));     // not bcrypt base64
}

BOOST_AUTO_TEST_CASE(bcrypt_matches_only_the_right_password) {
  BOOST_TEST(bcryptMatches(kAlicePassword, kAliceHash));
  BOOST_TEST(bcryptMatches(kBobPassword, kBobHash));
  BOOST_TEST(!bcryptMatches("correct horse ", kAliceHash));
  BOOST_TEST(!bcryptMatches("", kAliceHash));
  BOOST_TEST(!bcryptMatches(kBobPassword, kAliceHash));
  // A NUL would cut the password short inside crypt_r: never a match.
  BOOST_TEST(!bcryptMatches(std::string("correct horse\0x", 15), kAliceHash));
  BOOST_TEST(!bcryptMatches(kAlicePassword, "not a hash"));
}

BOOST_AUTO_TEST_CASE(bcrypt_matches_a_hash_made_by_htpasswd_now,
                     *utf::precondition(htpasswdInstalled)) {
  FILE* p = popen("/usr/bin/htpasswd -nbBC 5 scraper 's3cret:with colon' 2>/dev/null", "r");
  BOOST_REQUIRE(p != nullptr);
  char buf[256] = "";
  const bool got = fgets(buf, sizeof buf, p) != nullptr;
  BOOST_TEST(pclose(p) == 0);
  BOOST_REQUIRE(got);
  std::string line = buf;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  BOOST_REQUIRE(line.starts_with("scraper:"));
  const std::string hash = line.substr(8);
  BOOST_TEST(isBcryptHash(hash), hash);
  BOOST_TEST(bcryptMatches("s3cret:with colon", hash));
  BOOST_TEST(!bcryptMatches("s3cret", hash));
  BasicAuth auth(Users{{"scraper", hash}});
  BOOST_TEST((auth.check(basic("scraper", "s3cret:with colon")) == BasicAuth::Outcome::Allowed));
}

BOOST_AUTO_TEST_CASE(check_sorts_authorization_headers) {
  BasicAuth auth(Users{{"alice", kAliceHash}, {"bob", kBobHash}});
  using O = BasicAuth::Outcome;
  BOOST_TEST((auth.check(basic("alice", kAlicePassword)) == O::Allowed));
  BOOST_TEST((auth.check(basic("bob", kBobPassword)) == O::Allowed));
  BOOST_TEST((auth.check("bAsIc " + base64(std::string("bob:") + kBobPassword)) == O::Allowed));
  BOOST_TEST((auth.check(basic("alice", kBobPassword)) == O::Denied));
  BOOST_TEST((auth.check(basic("carol", kAlicePassword)) == O::Denied));
  BOOST_TEST((auth.check(basic("", "")) == O::Denied));
  BOOST_TEST((auth.check("") == O::NoCredentials));
  BOOST_TEST((auth.check("Bearer abc") == O::NoCredentials));
  BOOST_TEST((auth.check("Basic") == O::NoCredentials));
  BOOST_TEST((auth.check("Basicx " + base64("alice:x")) == O::NoCredentials));
  BOOST_TEST((auth.check("Basic !!!!") == O::Malformed));
  BOOST_TEST((auth.check("Basic " + base64("alice")) == O::Malformed));   // no colon
  BOOST_TEST((auth.check("Basic YWxpY2U6eA") == O::Malformed));           // padding missing
  BOOST_TEST((auth.check("Basic YW=pY2U6eA==") == O::Malformed));         // data after '='
}

BOOST_AUTO_TEST_CASE(accepted_credentials_are_cached_and_rejected_ones_are_not) {
  BasicAuth auth(Users{{"alice", kAliceHash}});
  BOOST_TEST(auth.cachedCount() == 0u);
  BOOST_TEST((auth.check(basic("alice", "wrong")) == BasicAuth::Outcome::Denied));
  BOOST_TEST((auth.check(basic("nobody", "x")) == BasicAuth::Outcome::Denied));
  BOOST_TEST(auth.cachedCount() == 0u);
  BOOST_TEST((auth.check(basic("alice", kAlicePassword)) == BasicAuth::Outcome::Allowed));
  BOOST_TEST(auth.cachedCount() == 1u);
  BOOST_TEST((auth.check(basic("alice", kAlicePassword)) == BasicAuth::Outcome::Allowed));
  BOOST_TEST(auth.cachedCount() == 1u);
  // The cache is keyed on the password too: a wrong one is still refused.
  BOOST_TEST((auth.check(basic("alice", "wrong")) == BasicAuth::Outcome::Denied));
}

BOOST_AUTO_TEST_CASE(the_cache_is_bounded) {
  Users users;
  for (int i = 0; i < 300; ++i) users["u" + std::to_string(i)] = makeHash("p" + std::to_string(i));
  BasicAuth auth(users);
  for (int i = 0; i < 300; ++i) {
    BOOST_TEST((auth.check(basic("u" + std::to_string(i), "p" + std::to_string(i))) ==
                BasicAuth::Outcome::Allowed));
  }
  BOOST_TEST(auth.cachedCount() == 256u);
  // An evicted entry is verified again and still accepted.
  BOOST_TEST((auth.check(basic("u0", "p0")) == BasicAuth::Outcome::Allowed));
}

BOOST_AUTO_TEST_CASE(concurrent_checks_agree) {
  BasicAuth auth(Users{{"alice", kAliceHash}, {"bob", kBobHash}});
  std::vector<std::thread> threads;
  std::vector<int> allowed(8, 0), denied(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const bool good = (i + t) % 2 == 0;
        const auto o = auth.check(good ? basic("bob", kBobPassword) : basic("bob", "nope"));
        (o == BasicAuth::Outcome::Allowed ? allowed : denied)[static_cast<std::size_t>(t)]++;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    BOOST_TEST(allowed[static_cast<std::size_t>(t)] == 10);
    BOOST_TEST(denied[static_cast<std::size_t>(t)] == 10);
  }
}

BOOST_AUTO_TEST_SUITE_END()
