// WebProber (src/servers/web_probe.h) against real nginx servers on loopback, with
// certificates from a CA made in the test: what a "parallel operation" check sees of an
// old and a new web server. Every fetch goes to an explicit address with the domain's
// Host header and SNI (the access log shows both), and the certificate is judged apart
// from the exchange, so wrong-name and expired certificates still give the status.
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/uv_handle.h"
#include "servers/web_probe.h"
#include "support/ports.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"
#include "support/wait.h"
#include "support/web_servers.h"

namespace dnsprop {

inline std::ostream& boost_test_print_type(std::ostream& os, WebOutcome o) { return os << toString(o); }

namespace {

using namespace std::chrono_literals;
using test::IssuedCert;
using test::LeafSpec;
using test::Millis;
using test::NginxOptions;
using test::NginxServer;
using test::SilentListener;
using test::TestCa;
using test::TlsIdentity;

const std::string kHost = "www.shop.test";

std::string sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  BOOST_REQUIRE(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kDigits[md[i] >> 4]);
    out.push_back(kDigits[md[i] & 0x0f]);
  }
  return out;
}

// A body that is not all one byte, so a hash over the wrong range cannot match.
std::string patternBody(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return s;
}

// Runs `loop` until `pred` holds or `deadline` passes; a 10 ms ticker bounds each turn,
// so this polls with a deadline and never sleeps a fixed time.
bool runUntil(uv_loop_t* loop, const std::function<bool()>& pred, Millis deadline) {
  uv::UvPtr<uv_timer_t> tick(uv::allocHandle<uv_timer_t>());
  uv_timer_init(loop, tick.get());
  uv_timer_start(tick.get(), [](uv_timer_t*) {}, 10, 10);
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    uv_run(loop, UV_RUN_ONCE);
  }
  return true;
}

WebRequest request(const Endpoint& address, bool https, std::string path = "/") {
  WebRequest r;
  r.host = kHost;
  r.address = address;
  r.https = https;
  r.path = std::move(path);
  return r;
}

// True when some access-log line contains every fragment (nginx logs when the response
// is done, which can be a moment after the client has it).
bool logged(const NginxServer& server, const std::vector<std::string>& fragments) {
  return test::pollUntil(5s, [&] {
    for (const auto& line : server.accessLog()) {
      bool all = true;
      for (const auto& f : fragments) all = all && line.find(f) != std::string::npos;
      if (all) return true;
    }
    return false;
  });
}

std::string describe(const WebResult& r) {
  std::string s = std::string(toString(r.outcome)) + " status=" + std::to_string(r.status) +
                  " error='" + r.error + "' bytes=" + std::to_string(r.body_bytes);
  if (r.cert) {
    s += " chain_ok=" + std::to_string(r.cert->chain_ok) + " chain_error='" + r.cert->chain_error +
         "' name_matches=" + std::to_string(r.cert->name_matches);
  }
  return s;
}

struct WebFixture {
  uv::Loop loop;  // first: destroyed last, after every prober of a test
  test::TempDir dir{"dnsprop-webprobe"};
  TestCa ca;
  std::filesystem::path ca_file = dir.writeFile("ca.pem", ca.certPem());

  WebProberOptions options() const {
    WebProberOptions o;
    o.ca_file = ca_file;
    o.timeout = 5s;
    return o;
  }

  TlsIdentity identity(const LeafSpec& spec, IssuedCert* issued = nullptr) const {
    IssuedCert c = ca.issue(spec);
    if (issued != nullptr) *issued = c;
    return {c.cert_pem, c.key_pem};
  }

  // One fetch, run to its end (10 s safety deadline).
  WebResult fetchOne(WebProber& prober, const WebRequest& rq) {
    std::optional<WebResult> result;
    int calls = 0;
    prober.fetch(rq, [&](const WebResult& r) {
      ++calls;
      result = r;
    });
    BOOST_TEST(calls == 0);  // never from within fetch()
    BOOST_REQUIRE_MESSAGE(runUntil(loop.get(), [&] { return result.has_value(); }, 10s),
                          "fetch did not finish within 10 s");
    BOOST_TEST(calls == 1);
    BOOST_TEST(prober.inFlight() == 0u);
    BOOST_TEST_MESSAGE(describe(*result));
    return *result;
  }
};

// Sets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  void set(const std::string& name, const std::optional<std::string>& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(web_probe, WebFixture)

BOOST_AUTO_TEST_CASE(outcome_names) {
  BOOST_TEST(toString(WebOutcome::Response) == "response");
  BOOST_TEST(toString(WebOutcome::Timeout) == "timeout");
  BOOST_TEST(toString(WebOutcome::ConnectFailed) == "connect_failed");
  BOOST_TEST(toString(WebOutcome::TlsFailed) == "tls_failed");
  BOOST_TEST(toString(WebOutcome::Error) == "error");
}

BOOST_AUTO_TEST_CASE(http_200_with_body_size_and_hash) {
  const std::string index = "<h1>served by the old server</h1>\n";
  NginxOptions o;
  o.files = {{"index.html", index}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->http(), false));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.error.empty());
  BOOST_TEST(r.body_bytes == index.size());
  BOOST_TEST(!r.body_truncated);
  BOOST_TEST(r.body_sha256 == sha256Hex(index));
  BOOST_TEST(r.location.empty());
  BOOST_TEST(!r.cert.has_value());
  BOOST_TEST(r.elapsed < 5000ms);
  // The address was given, the name only travels in the Host header.
  BOOST_TEST(logged(*nginx, {"\"GET / HTTP/1.1\" 200", "host=" + kHost + " sni=-"}));

  const WebResult missing = fetchOne(prober, request(nginx->http(), false, "/missing.html"));
  BOOST_TEST(missing.outcome == WebOutcome::Response);
  BOOST_TEST(missing.status == 404);
}

BOOST_AUTO_TEST_CASE(https_valid_certificate_from_ca_file) {
  IssuedCert leaf;
  NginxOptions o;
  o.http = false;
  o.https = {identity({.dns_names = {kHost, "shop.test"}}, &leaf)};
  o.files = {{"index.html", "new\n"}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->https(), true));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body_sha256 == sha256Hex("new\n"));
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(r.cert->chain_ok);
  BOOST_TEST(r.cert->chain_error.empty());
  BOOST_TEST(r.cert->name_matches);
  BOOST_REQUIRE(r.cert->not_after.has_value());
  BOOST_TEST((*r.cert->not_after == leaf.not_after));
  BOOST_REQUIRE(r.cert->not_before.has_value());
  BOOST_TEST((*r.cert->not_before == leaf.not_before));
  const auto days_left = std::chrono::duration_cast<std::chrono::hours>(
                             *r.cert->not_after - std::chrono::system_clock::now()).count() / 24;
  BOOST_TEST((days_left >= 29 && days_left <= 30));
  BOOST_TEST(r.cert->names == (std::vector<std::string>{kHost, "shop.test"}), boost::test_tools::per_element());
  BOOST_TEST(r.cert->issuer == ca.subjectOneLine());
  BOOST_TEST(r.cert->issuer == "O = dnsprop tests, CN = dnsprop test CA");
  // SNI and Host both carry the name, as with `curl --resolve`.
  BOOST_TEST(logged(*nginx, {"\"GET / HTTP/1.1\" 200", "host=" + kHost + " sni=" + kHost}));
}

BOOST_AUTO_TEST_CASE(https_test_ca_is_unknown_to_the_system_roots) {
  NginxOptions o;
  o.http = false;
  o.https = {identity({.dns_names = {kHost}})};
  o.files = {{"index.html", "new\n"}};
  auto nginx = test::startNginx(o);
  WebProberOptions opts = options();
  opts.ca_file.reset();  // the system's roots
  WebProber prober(loop.get(), opts);

  const WebResult r = fetchOne(prober, request(nginx->https(), true));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(!r.cert->chain_ok);
  BOOST_TEST(r.cert->chain_error == "unable to get local issuer certificate");
  BOOST_TEST(r.cert->name_matches);
}

BOOST_AUTO_TEST_CASE(wrong_name_certificate_still_gives_the_status) {
  NginxOptions o;
  o.http = false;
  o.https = {identity({.dns_names = {"www.other.test"}})};
  o.files = {{"index.html", "new\n"}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->https(), true));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(r.cert->chain_ok);  // a good chain, for another name
  BOOST_TEST(!r.cert->name_matches);
  BOOST_TEST(r.cert->names == std::vector<std::string>{"www.other.test"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wildcard_certificate_covers_one_label) {
  NginxOptions o;
  o.http = false;
  o.https = {identity({.dns_names = {"*.shop.test"}})};
  o.files = {{"index.html", "new\n"}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->https(), true));
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(r.cert->name_matches);
  WebRequest deeper = request(nginx->https(), true);
  deeper.host = "a.www.shop.test";
  const WebResult d = fetchOne(prober, deeper);
  BOOST_TEST(d.status == 200);
  BOOST_REQUIRE(d.cert.has_value());
  BOOST_TEST(!d.cert->name_matches);
}

BOOST_AUTO_TEST_CASE(expired_certificate_fails_the_chain_with_openssl_reason) {
  IssuedCert leaf;
  NginxOptions o;
  o.http = false;
  o.https = {identity({.dns_names = {kHost}, .valid_from = -std::chrono::hours(24 * 30),
                       .valid_until = -std::chrono::hours(24)},
                      &leaf)};
  o.files = {{"index.html", "new\n"}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->https(), true));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(!r.cert->chain_ok);
  BOOST_TEST(r.cert->chain_error == "certificate has expired");
  BOOST_TEST(r.cert->name_matches);
  BOOST_REQUIRE(r.cert->not_after.has_value());
  BOOST_TEST((*r.cert->not_after == leaf.not_after));
  BOOST_TEST((*r.cert->not_after < std::chrono::system_clock::now()));
}

BOOST_AUTO_TEST_CASE(redirect_location_recorded_as_sent_and_not_followed) {
  NginxOptions o;
  o.files = {{"new/index.html", "moved here\n"}};
  o.returns = {{"/old", {301, "/new/"}}};
  o.https = {identity({.dns_names = {kHost}})};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  for (bool https : {false, true}) {
    const Endpoint ep = https ? nginx->https() : nginx->http();
    const WebResult r = fetchOne(prober, request(ep, https, "/old"));
    BOOST_TEST(r.outcome == WebOutcome::Response);
    BOOST_TEST(r.status == 301);
    BOOST_TEST(r.location == "/new/");  // relative, as nginx sent it: not resolved by curl
  }
  BOOST_TEST(logged(*nginx, {"\"GET /old HTTP/1.1\" 301"}));
  // Both fetches are over, so a followed redirect would be in the log by now.
  BOOST_TEST(test::pollUntil(5s, [&] { return nginx->accessLog().size() >= 2; }));
  for (const auto& line : nginx->accessLog()) BOOST_TEST(line.find("/new/") == std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(body_over_max_body_is_truncated_there) {
  const std::string big = patternBody(3 << 20);
  const std::string exact = patternBody(1000);
  NginxOptions o;
  o.files = {{"big.bin", big}, {"exact.bin", exact}};
  auto nginx = test::startNginx(o);

  WebProber prober(loop.get(), options());  // default cap: 1 MiB
  const WebResult r = fetchOne(prober, request(nginx->http(), false, "/big.bin"));
  BOOST_TEST(r.outcome == WebOutcome::Response);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body_truncated);
  BOOST_TEST(r.body_bytes == std::uint64_t{1} << 20);
  BOOST_TEST(r.body_sha256 == sha256Hex(std::string_view(big).substr(0, 1 << 20)));

  WebProberOptions small = options();
  small.max_body = exact.size();
  WebProber capped(loop.get(), small);
  const WebResult e = fetchOne(capped, request(nginx->http(), false, "/exact.bin"));
  BOOST_TEST(e.outcome == WebOutcome::Response);
  BOOST_TEST(!e.body_truncated);  // exactly the cap is not more than the cap
  BOOST_TEST(e.body_bytes == exact.size());
  BOOST_TEST(e.body_sha256 == sha256Hex(exact));
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_connect_failed) {
  // Free now and nobody listens: the kernel refuses at once.
  const auto port = test::freeUdpTcpPort("127.0.0.1");
  const Endpoint ep = *Endpoint::parse("127.0.0.1:" + std::to_string(port));
  WebProber prober(loop.get(), options());
  for (bool https : {false, true}) {
    const WebResult r = fetchOne(prober, request(ep, https));
    BOOST_TEST(r.outcome == WebOutcome::ConnectFailed);
    BOOST_TEST(!r.error.empty());
    BOOST_TEST(r.status == 0);
    BOOST_TEST(!r.cert.has_value());
    BOOST_TEST(r.elapsed < 2000ms);
  }
}

BOOST_AUTO_TEST_CASE(peer_that_accepts_but_never_answers_times_out) {
  SilentListener silent;
  WebProberOptions o = options();
  o.timeout = 300ms;
  WebProber prober(loop.get(), o);
  for (bool https : {false, true}) {
    const WebResult r = fetchOne(prober, request(silent.endpoint(), https));
    BOOST_TEST(r.outcome == WebOutcome::Timeout);
    BOOST_TEST(!r.error.empty());
    BOOST_TEST(!r.cert.has_value());
    BOOST_TEST(r.elapsed >= 300ms);
    BOOST_TEST(r.elapsed < 3000ms);
  }
}

BOOST_AUTO_TEST_CASE(plain_http_on_the_https_port_is_tls_failed) {
  NginxOptions o;
  o.files = {{"index.html", "plain\n"}};
  auto nginx = test::startNginx(o);
  WebProber prober(loop.get(), options());

  const WebResult r = fetchOne(prober, request(nginx->http(), true));
  BOOST_TEST(r.outcome == WebOutcome::TlsFailed);
  BOOST_TEST(!r.error.empty());
  BOOST_TEST(!r.cert.has_value());
  BOOST_TEST(r.status == 0);
}

BOOST_AUTO_TEST_CASE(two_addresses_with_different_content_for_one_host) {
  NginxOptions old_site;
  old_site.address = "127.0.91.1";
  old_site.https = {identity({.dns_names = {kHost}})};
  old_site.files = {{"index.html", "old shop\n"}};
  NginxOptions new_site = old_site;
  new_site.address = "127.0.91.2";
  new_site.https = {identity({.dns_names = {kHost}})};
  new_site.files = {{"index.html", "new shop\n"}};
  auto old_server = test::startNginx(old_site);
  auto new_server = test::startNginx(new_site);
  WebProber prober(loop.get(), options());

  // Both at once, on one prober, as a check round would.
  std::map<std::string, WebResult> results;
  for (const auto* server : {old_server.get(), new_server.get()}) {
    for (bool https : {false, true}) {
      const Endpoint ep = https ? server->https() : server->http();
      prober.fetch(request(ep, https),
                   [&results, ep](const WebResult& r) { results[ep.toString()] = r; });
    }
  }
  BOOST_TEST(prober.inFlight() == 4u);
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return results.size() == 4; }, 10s));
  BOOST_TEST(prober.inFlight() == 0u);
  for (bool https : {false, true}) {
    const auto& o = results[(https ? old_server->https() : old_server->http()).toString()];
    const auto& n = results[(https ? new_server->https() : new_server->http()).toString()];
    BOOST_TEST(o.status == 200);
    BOOST_TEST(n.status == 200);
    BOOST_TEST(o.body_sha256 == sha256Hex("old shop\n"));
    BOOST_TEST(n.body_sha256 == sha256Hex("new shop\n"));
    BOOST_TEST(o.body_sha256 != n.body_sha256);
  }
  BOOST_TEST(logged(*old_server, {"host=" + kHost + " sni=" + kHost}));
  BOOST_TEST(logged(*new_server, {"host=" + kHost + " sni=" + kHost}));
}

BOOST_AUTO_TEST_CASE(cancel_all_calls_every_callback_once) {
  SilentListener silent;
  NginxOptions site;
  site.files = {{"index.html", "after\n"}};
  auto nginx = test::startNginx(site);
  WebProberOptions o = options();
  o.timeout = 30s;
  WebProber prober(loop.get(), o);

  std::vector<int> calls(4, 0);
  std::vector<WebResult> results(4);
  std::optional<WebResult> started_in_callback;
  for (int i = 0; i < 3; ++i) {
    prober.fetch(request(silent.endpoint(), i == 1), [&, i](const WebResult& r) {
      ++calls[i];
      results[i] = r;
      if (i == 0) {  // a fetch started while cancelling is not cancelled
        prober.fetch(request(nginx->http(), false), [&](const WebResult& after) { started_in_callback = after; });
      }
    });
  }
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return silent.connectionWaiting(); }, 5s));
  WebRequest bad = request(silent.endpoint(), false);
  bad.host = "bad host";  // fails to start: cancelled before its (deferred) delivery
  prober.fetch(bad, [&](const WebResult& r) {
    ++calls[3];
    results[3] = r;
  });
  BOOST_TEST(prober.inFlight() == 4u);

  prober.cancelAll();
  BOOST_TEST(calls == std::vector<int>(4, 1), boost::test_tools::per_element());
  for (const auto& r : results) {
    BOOST_TEST(r.outcome == WebOutcome::Error);
    BOOST_TEST(r.error == "cancelled");
  }
  BOOST_TEST(prober.inFlight() == 1u);  // the one started from a callback
  // The loop goes on: that fetch completes, and no cancelled callback comes again.
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return started_in_callback.has_value(); }, 10s));
  BOOST_TEST(started_in_callback->status == 200);
  BOOST_TEST(calls == std::vector<int>(4, 1), boost::test_tools::per_element());
  BOOST_TEST(prober.inFlight() == 0u);
}

BOOST_AUTO_TEST_CASE(done_is_never_called_from_within_fetch) {
  WebProber prober(loop.get(), options());
  const SilentListener silent;
  std::vector<WebResult> results;
  WebRequest bad_host = request(silent.endpoint(), true);
  bad_host.host = "www.shop.test:8443/x";
  WebRequest bad_path = request(silent.endpoint(), true, "no-slash");
  WebRequest space = request(silent.endpoint(), true, "/a b");
  for (const auto& rq : {bad_host, bad_path, space}) {
    prober.fetch(rq, [&](const WebResult& r) { results.push_back(r); });
  }
  BOOST_TEST(results.empty());
  BOOST_TEST(prober.inFlight() == 3u);
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return results.size() == 3; }, 5s));
  for (const auto& r : results) {
    BOOST_TEST(r.outcome == WebOutcome::Error);
    BOOST_TEST(r.error.find("invalid") != std::string::npos, r.error);
  }
  BOOST_TEST(prober.inFlight() == 0u);
}

BOOST_AUTO_TEST_CASE(destructor_abandons_fetches_without_callbacks) {
  SilentListener silent;
  int calls = 0;
  {
    WebProberOptions o = options();
    o.timeout = 30s;
    WebProber prober(loop.get(), o);
    for (bool https : {false, true}) {
      prober.fetch(request(silent.endpoint(), https), [&](const WebResult&) { ++calls; });
    }
    BOOST_REQUIRE(runUntil(loop.get(), [&] { return silent.connectionWaiting(); }, 5s));
  }
  // Every handle of the prober is closing: the loop runs dry (nothing active is left).
  uv_run(loop.get(), UV_RUN_DEFAULT);
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(prober_may_be_destroyed_from_a_callback) {
  SilentListener silent;
  NginxOptions site;
  site.files = {{"index.html", "x\n"}};
  auto nginx = test::startNginx(site);
  auto prober = std::make_unique<WebProber>(loop.get(), options());
  int silent_calls = 0;
  std::optional<int> status;
  prober->fetch(request(silent.endpoint(), false), [&](const WebResult&) { ++silent_calls; });
  prober->fetch(request(nginx->http(), false), [&](const WebResult& r) {
    status = r.status;
    prober.reset();
  });
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return status.has_value(); }, 10s));
  BOOST_TEST(*status == 200);
  BOOST_TEST(!prober);
  uv_run(loop.get(), UV_RUN_DEFAULT);
  BOOST_TEST(silent_calls == 0);
}

BOOST_AUTO_TEST_CASE(environment_proxies_are_never_used) {
  NginxOptions site;
  site.https = {identity({.dns_names = {kHost}})};
  site.files = {{"index.html", "direct\n"}};
  auto nginx = test::startNginx(site);
  // A proxy that refuses every connection: a fetch that went through it would fail.
  const auto closed_port = test::freeUdpTcpPort("127.0.0.1");
  const std::string proxy = "http://127.0.0.1:" + std::to_string(closed_port);
  EnvGuard env;
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    env.set(name, proxy);
  }
  env.set("no_proxy", std::nullopt);
  env.set("NO_PROXY", std::nullopt);

  WebProber prober(loop.get(), options());
  for (bool https : {false, true}) {
    const Endpoint ep = https ? nginx->https() : nginx->http();
    const WebResult r = fetchOne(prober, request(ep, https));
    BOOST_TEST(r.outcome == WebOutcome::Response);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body_sha256 == sha256Hex("direct\n"));
  }
  BOOST_TEST(logged(*nginx, {"host=" + kHost + " sni=" + kHost}));
  BOOST_TEST(logged(*nginx, {"host=" + kHost + " sni=-"}));
}

BOOST_AUTO_TEST_CASE(every_https_fetch_presents_and_judges_the_certificate) {
  // No connection reuse and no TLS session resumption: a resumed session would present
  // no certificate, and a reused connection could go to another address.
  NginxOptions site;
  site.http = false;
  site.https = {identity({.dns_names = {kHost}})};
  site.files = {{"index.html", "again\n"}};
  auto nginx = test::startNginx(site);
  WebProber prober(loop.get(), options());
  for (int i = 0; i < 3; ++i) {
    const WebResult r = fetchOne(prober, request(nginx->https(), true));
    BOOST_TEST(r.status == 200);
    BOOST_REQUIRE(r.cert.has_value());
    BOOST_TEST(r.cert->chain_ok);
  }
  BOOST_TEST(test::pollUntil(5s, [&] { return nginx->accessLog().size() == 3; }));
}

BOOST_AUTO_TEST_CASE(a_throwing_callback_is_contained_and_counted) {
  NginxOptions site;
  site.files = {{"index.html", "x\n"}};
  auto nginx = test::startNginx(site);
  WebProber prober(loop.get(), options());
  bool threw = false;
  prober.fetch(request(nginx->http(), false), [&](const WebResult&) {
    threw = true;
    throw std::runtime_error("callback failure");
  });
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return threw; }, 10s));
  BOOST_TEST(prober.counters().callback_errors == 1u);
  BOOST_TEST(prober.counters().fetches_started == 1u);
  BOOST_TEST(prober.counters().fetches_finished == 1u);
  // The prober still works.
  BOOST_TEST(fetchOne(prober, request(nginx->http(), false)).status == 200);
}

BOOST_AUTO_TEST_CASE(unreadable_ca_file_fails_construction) {
  WebProberOptions o = options();
  o.ca_file = dir / "missing.pem";
  BOOST_CHECK_THROW(WebProber(loop.get(), o), std::runtime_error);
  o.ca_file = dir.writeFile("empty.pem", "");
  BOOST_CHECK_THROW(WebProber(loop.get(), o), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace dnsprop
