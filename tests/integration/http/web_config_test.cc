// The web config in a real server: HTTPS with certificates made by the openssl CLI at
// test time, client certificates, TLS versions, cipher suites and curves, basic auth and
// extra headers, all seen through curl (a client we did not write). Loopback only.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/metrics.h"
#include "http/web_config.h"
#include "http/web_server.h"
#include "support/temp_dir.h"

using namespace dnsprop;
namespace utf = boost::unit_test;

namespace {

// `htpasswd -nbBC 4 alice 'correct horse'`: cost 4 keeps the tests fast.
constexpr const char* kAliceHash = "$2y$04$W5EIPvR13tAItBTX4vNc2.Y1mStgF8kVHYBmY8iUjKm1VZxu/huuG";
constexpr const char* kAlicePassword = "correct horse";
constexpr const char* kCurl = "/usr/bin/curl";

boost::test_tools::assertion_result curlInstalled(utf::test_unit_id) {
  boost::test_tools::assertion_result r(::access(kCurl, X_OK) == 0);
  r.message() << kCurl << " is not installed (scripts/install-deps.sh --test installs curl)";
  return r;
}

struct Ran {
  int exit_status = -1;
  std::string output;
};

// Runs a shell command; stdout and stderr together.
Ran run(const std::string& cmd) {
  Ran r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  char buf[1024];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

void mustRun(const std::string& cmd) {
  const Ran r = run(cmd);
  BOOST_TEST_REQUIRE(r.exit_status == 0, cmd << "\n" << r.output);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Certificates made fresh for each test with the openssl CLI (EC P-256, valid one day):
// a self-signed server certificate for IP 127.0.0.1, a client CA with a client signed
// by it, a self-signed client nobody trusts, and a key that matches nothing.
struct Pki {
  test::TempDir dir{"dnsprop-webtls"};
  Pki() {
    const std::string d = dir.path().string();
    const std::string ec = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    mustRun(ec + "-x509 -days 1 -subj /CN=dnsprop-test -addext subjectAltName=IP:127.0.0.1 "
                 "-keyout " + d + "/server.key -out " + d + "/server.crt");
    mustRun(ec + "-x509 -days 1 -subj /CN=dnsprop-test-client-ca -keyout " + d +
            "/ca.key -out " + d + "/ca.crt");
    mustRun(ec + "-subj /CN=scraper -keyout " + d + "/client.key -out " + d + "/client.csr");
    mustRun("openssl x509 -req -days 1 -in " + d + "/client.csr -CA " + d + "/ca.crt -CAkey " +
            d + "/ca.key -CAcreateserial -out " + d + "/client.crt");
    mustRun(ec + "-x509 -days 1 -subj /CN=rogue -keyout " + d + "/rogue.key -out " + d +
            "/rogue.crt");
    mustRun("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d +
            "/other.key");
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  // A web config file in this folder (so relative paths name the files above).
  WebConfig config(const std::string& yaml) const {
    return loadWebConfig(dir.writeFile("web.yml", yaml));
  }
};

const std::string kTls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

struct Served {
  CoreMetrics metrics;
  WebServer server;
  explicit Served(WebConfig c) : server({"127.0.0.1:0"}, metrics, std::move(c)) {}
  std::string url(const std::string& path) const {
    return std::string(server.tls() ? "https" : "http") + "://127.0.0.1:" +
           std::to_string(server.ports().at(0)) + path;
  }
};

struct Reply {
  int curl_exit = -1;   // 0: an HTTP response was received
  int status = 0;       // 0 when there was none
  std::map<std::string, std::vector<std::string>> headers;  // names lower-cased
  std::string body;
  std::string errors;   // curl's stderr

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
  }
  std::size_t count(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? 0 : it->second.size();
  }
};

// One request with curl; `args` are extra options, each already shell-safe.
Reply curl(const Pki& pki, const std::string& url, const std::vector<std::string>& args = {}) {
  const std::string body = pki.path("reply.body");
  const std::string head = pki.path("reply.head");
  const std::string err = pki.path("reply.err");
  std::remove(body.c_str());
  std::remove(head.c_str());
  std::string cmd = std::string(kCurl) + " -sS --noproxy '*' --max-time 10 -o " + body +
                    " -D " + head + " -w '%{http_code}'";
  for (const auto& a : args) cmd += " " + a;
  cmd += " '" + url + "' 2>" + err;
  Reply r;
  const Ran ran = run(cmd);
  r.curl_exit = ran.exit_status;
  r.status = std::atoi(ran.output.c_str());
  r.body = slurp(body);
  r.errors = slurp(err);
  std::istringstream lines(slurp(head));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name].push_back(value);
  }
  return r;
}

std::string cacert(const Pki& pki) { return "--cacert " + pki.path("server.crt"); }
std::string user(const std::string& u, const std::string& p) { return "-u '" + u + ":" + p + "'"; }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The WebServer constructor's error for `yaml`, or "" when it starts.
std::string startError(const Pki& pki, const std::string& yaml) {
  try {
    Served s(pki.config(yaml));
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_config_served, *utf::precondition(curlInstalled))

BOOST_AUTO_TEST_CASE(https_with_basic_auth_and_headers) {
  Pki pki;
  Served s(pki.config(kTls +
                      "http_server_config:\n"
                      "  headers:\n"
                      "    Strict-Transport-Security: max-age=31536000\n"
                      "    X-Frame-Options: deny\n"
                      "basic_auth_users:\n"
                      "  alice: " + std::string(kAliceHash) + "\n"));
  BOOST_TEST(s.server.tls());
  BOOST_TEST(contains(s.url("/"), "https://"));

  const Reply ok = curl(pki, s.url("/metrics"), {cacert(pki), user("alice", kAlicePassword)});
  BOOST_TEST(ok.curl_exit == 0, ok.errors);
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(contains(ok.body, "dnsprop_build_info{"), ok.body);
  BOOST_TEST(ok.header("strict-transport-security") == "max-age=31536000");
  BOOST_TEST(ok.header("x-frame-options") == "deny");
  BOOST_TEST(ok.count("x-content-type-options") == 1u);

  const Reply wrong = curl(pki, s.url("/metrics"), {cacert(pki), user("alice", "wrong")});
  BOOST_TEST(wrong.curl_exit == 0, wrong.errors);
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(wrong.header("www-authenticate") == "Basic realm=\"dnsprop\"");
  BOOST_TEST(!contains(wrong.body, "dnsprop_build_info"));
  BOOST_TEST(wrong.header("strict-transport-security") == "max-age=31536000");
  BOOST_TEST(wrong.header("x-frame-options") == "deny");

  const Reply none = curl(pki, s.url("/metrics"), {cacert(pki)});
  BOOST_TEST(none.status == 401);
  BOOST_TEST(none.header("www-authenticate") == "Basic realm=\"dnsprop\"");
  BOOST_TEST(curl(pki, s.url("/metrics"), {cacert(pki), user("mallory", kAlicePassword)}).status ==
             401);

  // Every path is protected, and without credentials not even 404 vs 200 is revealed.
  for (const char* path : {"/", "/-/healthy", "/-/ready", "/no-such-page"}) {
    BOOST_TEST(curl(pki, s.url(path), {cacert(pki)}).status == 401, path);
  }
  BOOST_TEST(curl(pki, s.url("/no-such-page"), {cacert(pki), user("alice", kAlicePassword)})
                 .status == 404);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), user("alice", kAlicePassword)})
                 .status == 200);
  const Reply head = curl(pki, s.url("/metrics"), {cacert(pki), "-I"});
  BOOST_TEST(head.status == 401);
}

BOOST_AUTO_TEST_CASE(the_tls_port_speaks_only_tls_with_its_certificate) {
  Pki pki;
  Served s(pki.config(kTls));
  const std::string port = std::to_string(s.server.ports().at(0));
  // Plain HTTP to the TLS port gets no HTTP answer.
  const Reply plain = curl(pki, "http://127.0.0.1:" + port + "/metrics");
  BOOST_TEST(plain.curl_exit != 0);
  BOOST_TEST(plain.status == 0);
  // Without our certificate as trust anchor, verification fails: it is our certificate.
  const Reply untrusted = curl(pki, s.url("/metrics"));
  BOOST_TEST(untrusted.curl_exit == 60, untrusted.errors);  // CURLE_PEER_FAILED_VERIFICATION
  // And the server is unharmed by both.
  const Reply ok = curl(pki, s.url("/metrics"), {cacert(pki)});
  BOOST_TEST(ok.status == 200, ok.errors);
}

BOOST_AUTO_TEST_CASE(min_version_tls13_refuses_tls12_clients) {
  Pki pki;
  Served s(pki.config(kTls + "  min_version: TLS13\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), "--tlsv1.3"}).status == 200);
  const Reply old = curl(pki, s.url("/-/healthy"), {cacert(pki), "--tls-max 1.2"});
  BOOST_TEST(old.curl_exit != 0);
  BOOST_TEST(old.status == 0);
}

BOOST_AUTO_TEST_CASE(max_version_tls12_refuses_tls13_only_clients) {
  Pki pki;
  Served s(pki.config(kTls + "  max_version: TLS12\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), "--tls-max 1.2"}).status == 200);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), "--tlsv1.3"}).status == 0);
}

BOOST_AUTO_TEST_CASE(cipher_suites_limit_tls12) {
  Pki pki;
  Served s(pki.config(kTls + "  max_version: TLS12\n"
                             "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"),
                  {cacert(pki), "--ciphers ECDHE-ECDSA-AES256-GCM-SHA384"}).status == 200);
  BOOST_TEST(curl(pki, s.url("/-/healthy"),
                  {cacert(pki), "--ciphers ECDHE-ECDSA-AES128-GCM-SHA256"}).status == 0);
}

BOOST_AUTO_TEST_CASE(curve_preferences_limit_key_exchange) {
  Pki pki;
  Served s(pki.config(kTls + "  curve_preferences: [CurveP384]\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), "--curves P-384"}).status == 200);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), "--curves X25519"}).status == 0);
}

BOOST_AUTO_TEST_CASE(client_certificates_are_required_and_verified) {
  Pki pki;
  Served s(pki.config(kTls + "  client_auth_type: RequireAndVerifyClientCert\n"
                             "  client_ca_file: ca.crt\n"));
  const Reply ok = curl(pki, s.url("/-/healthy"),
                        {cacert(pki), "--cert " + pki.path("client.crt"),
                         "--key " + pki.path("client.key")});
  BOOST_TEST(ok.status == 200, ok.errors);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki)}).status == 0);
  BOOST_TEST(curl(pki, s.url("/-/healthy"),
                  {cacert(pki), "--cert " + pki.path("rogue.crt"),
                   "--key " + pki.path("rogue.key")}).status == 0);
}

BOOST_AUTO_TEST_CASE(require_any_client_cert_takes_an_unverified_one) {
  Pki pki;
  Served s(pki.config(kTls + "  client_auth_type: RequireAnyClientCert\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"),
                  {cacert(pki), "--cert " + pki.path("rogue.crt"),
                   "--key " + pki.path("rogue.key")}).status == 200);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki)}).status == 0);
}

BOOST_AUTO_TEST_CASE(bad_certificate_files_are_clear_start_errors) {
  Pki pki;
  const std::string mismatch = startError(
      pki, "tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n");
  BOOST_TEST(contains(mismatch, "does not match cert_file"), mismatch);
  BOOST_TEST(contains(mismatch, pki.path("other.key")), mismatch);

  pki.dir.writeFile("garbage.crt", "not a certificate\n");
  const std::string garbage = startError(
      pki, "tls_server_config:\n  cert_file: garbage.crt\n  key_file: server.key\n");
  BOOST_TEST(contains(garbage, "cannot load cert_file " + pki.path("garbage.crt")), garbage);

  mustRun("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
          "-pass pass:secret -out " + pki.path("enc.key"));
  mustRun("openssl req -x509 -days 1 -subj /CN=enc -key " + pki.path("enc.key") +
          " -passin pass:secret -out " + pki.path("enc.crt"));
  const std::string encrypted = startError(
      pki, "tls_server_config:\n  cert_file: enc.crt\n  key_file: enc.key\n");
  BOOST_TEST(contains(encrypted, "encrypted keys are not supported"), encrypted);

  // A failed start leaves nothing behind: a good config still starts.
  BOOST_TEST(startError(pki, kTls) == "");
}

BOOST_AUTO_TEST_CASE(plain_http_with_basic_auth) {
  Pki pki;
  Served s(pki.config("basic_auth_users:\n  alice: " + std::string(kAliceHash) + "\n"));
  BOOST_TEST(!s.server.tls());
  BOOST_TEST(curl(pki, s.url("/metrics"), {user("alice", kAlicePassword)}).status == 200);
  BOOST_TEST(curl(pki, s.url("/metrics")).status == 401);
}

BOOST_AUTO_TEST_CASE(a_handler_header_wins_over_the_configured_one) {
  Pki pki;
  Served s(pki.config("http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                      "    X-Content-Type-Options: nosniff\n"));
  s.server.handle("/framed", [](const WebServer::Request&) {
    WebServer::Response r;
    r.body = "ok\n";
    r.headers.emplace_back("X-Frame-Options", "sameorigin");
    return r;
  });
  const Reply framed = curl(pki, s.url("/framed"));
  BOOST_TEST(framed.count("x-frame-options") == 1u);
  BOOST_TEST(framed.header("x-frame-options") == "sameorigin");
  BOOST_TEST(framed.count("x-content-type-options") == 1u);
  const Reply other = curl(pki, s.url("/-/healthy"));
  BOOST_TEST(other.header("x-frame-options") == "deny");
  BOOST_TEST(other.count("x-content-type-options") == 1u);
}

BOOST_AUTO_TEST_CASE(reload_swaps_users_and_headers_but_not_tls) {
  Pki pki;
  Served s(pki.config(kTls + "basic_auth_users:\n  alice: " + std::string(kAliceHash) + "\n"));
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), user("alice", kAlicePassword)}).status ==
             200);

  // bob replaces alice, and a header appears.
  WebConfig next = pki.config(kTls +
                              "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                              "basic_auth_users:\n  bob: " + std::string(kAliceHash) + "\n");
  s.server.reloadWebConfig(next);
  const Reply bob = curl(pki, s.url("/-/healthy"), {cacert(pki), user("bob", kAlicePassword)});
  BOOST_TEST(bob.status == 200);
  BOOST_TEST(bob.header("x-frame-options") == "deny");
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki), user("alice", kAlicePassword)}).status ==
             401);

  // Without users, no authentication.
  s.server.reloadWebConfig(pki.config(kTls));
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki)}).status == 200);

  // A TLS change is refused and changes nothing.
  WebConfig tls13 = pki.config(kTls + "  min_version: TLS13\n"
                                      "basic_auth_users:\n  bob: " + std::string(kAliceHash) + "\n");
  BOOST_CHECK_THROW(s.server.reloadWebConfig(tls13), std::invalid_argument);
  BOOST_TEST(curl(pki, s.url("/-/healthy"), {cacert(pki)}).status == 200);
  WebConfig plain;
  BOOST_CHECK_THROW(s.server.reloadWebConfig(plain), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
