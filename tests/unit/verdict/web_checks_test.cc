// The web condition and findings of [migration.web] (verdict/web_checks.h): what counts
// as "the new server serves the site", what is only shown, and the stored form.
#include <boost/test/unit_test.hpp>

#include <functional>

#include <nlohmann/json.hpp>

#include "verdict/web_checks.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

WebFetch served(ServerSide side, const std::string& address, const std::string& path = "/",
                const std::string& body = "aa") {
  WebFetch f;
  f.side = side;
  f.address = address;
  f.host = "www.shop.test";
  f.https = true;
  f.path = path;
  f.at = kNow;
  f.outcome = FetchOutcome::Response;
  f.status = 200;
  f.body_bytes = 2;
  f.body_sha256 = body;
  f.cert_seen = true;
  f.cert_chain_ok = true;
  f.cert_name_matches = true;
  f.cert_not_after = kNow + 24h * 60;
  return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_checks)

BOOST_AUTO_TEST_CASE(every_new_fetch_must_serve_with_a_valid_certificate) {
  WebChecks w;
  w.fetches = {served(ServerSide::Old, "192.0.2.1"), served(ServerSide::New, "198.51.100.1"),
               served(ServerSide::New, "198.51.100.2")};
  auto j = judgeWeb(w, kNow);
  BOOST_TEST(j.new_serves, j.detail);
  BOOST_TEST(j.findings.empty());

  // Each way one new fetch can fail blocks, and says why.
  const std::vector<std::pair<std::function<void(WebFetch&)>, std::string>> failures = {
      {[](WebFetch& f) { f.status = 503; }, "HTTP 503"},
      {[](WebFetch& f) { f.outcome = FetchOutcome::ConnectFailed; f.error = "refused"; }, "connect_failed (refused)"},
      {[](WebFetch& f) { f.outcome = FetchOutcome::Timeout; }, "timeout"},
      {[](WebFetch& f) { f.outcome = FetchOutcome::TlsFailed; }, "tls_failed"},
      {[](WebFetch& f) { f.cert_name_matches = false; }, "certificate is not for www.shop.test"},
      {[](WebFetch& f) { f.cert_chain_ok = false; f.cert_error = "unable to get local issuer certificate"; },
       "certificate does not verify (unable to get local issuer certificate)"},
      {[](WebFetch& f) { f.cert_not_after = kNow - 1s; }, "certificate has expired"},
      {[](WebFetch& f) { f.cert_seen = false; }, "no certificate"},
  };
  for (const auto& [breakIt, why] : failures) {
    WebChecks b = w;
    breakIt(b.fetches[2]);
    const auto jb = judgeWeb(b, kNow);
    BOOST_TEST(!jb.new_serves, why);
    BOOST_TEST(jb.detail.find(why) != std::string::npos, jb.detail);
    BOOST_TEST(jb.detail.find("198.51.100.2") != std::string::npos, jb.detail);
  }
  // A redirect is served (< 400); plain HTTP needs no certificate.
  WebChecks r = w;
  r.fetches[1].status = 301;
  r.fetches[2].https = false;
  r.fetches[2].cert_seen = false;
  BOOST_TEST(judgeWeb(r, kNow).new_serves);
}

BOOST_AUTO_TEST_CASE(no_route_is_never_judged_and_nothing_fetched_is_not_served) {
  WebChecks w;
  BOOST_TEST(!judgeWeb(w, kNow).new_serves);  // nothing fetched yet: not met
  WebFetch v6 = served(ServerSide::New, "2001:db8::1");
  v6.outcome = FetchOutcome::NoRoute;
  w.fetches = {v6};
  auto j = judgeWeb(w, kNow);
  BOOST_TEST(!j.new_serves);  // only a fetch that could not be made
  BOOST_TEST(j.detail.find("no IPv6 route") != std::string::npos, j.detail);
  w.fetches.push_back(served(ServerSide::New, "198.51.100.1"));
  j = judgeWeb(w, kNow);
  BOOST_TEST(j.new_serves);   // the IPv6 one neither helps nor blocks...
  BOOST_REQUIRE(j.findings.size() == 1u);  // ...but is said to be unchecked
  BOOST_TEST(j.findings[0].find("1 fetch(es) of the new server not made") != std::string::npos, j.findings[0]);
}

BOOST_AUTO_TEST_CASE(a_redirect_off_the_site_is_a_finding) {
  WebChecks w;
  WebFetch r = served(ServerSide::New, "198.51.100.1");
  r.status = 302;
  for (const char* same : {"/login/", "https://www.shop.test/a", "HTTPS://WWW.SHOP.TEST:443/", "http://www.shop.test"}) {
    r.location = same;
    w.fetches = {r};
    BOOST_TEST(judgeWeb(w, kNow).findings.empty(), same);
  }
  for (const char* away : {"https://parking.example.net/", "//evil.test/", "https://www.shop.test.evil.test/"}) {
    r.location = away;
    w.fetches = {r};
    const auto j = judgeWeb(w, kNow);
    BOOST_TEST(j.new_serves);  // the page itself answered
    BOOST_TEST_REQUIRE(j.findings.size() == 1u, away);
    BOOST_TEST(j.findings[0].find(std::string("redirects https://www.shop.test/ to ") + away) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(old_server_down_drift_and_expiring_certificates_are_findings_not_blockers) {
  WebChecks w;
  w.must_match = {"/canary.txt"};
  WebFetch old_down = served(ServerSide::Old, "192.0.2.1");
  old_down.outcome = FetchOutcome::ConnectFailed;
  WebFetch expiring = served(ServerSide::New, "198.51.100.1");
  expiring.cert_not_after = kNow + 24h * 3;
  w.fetches = {old_down, expiring, served(ServerSide::Old, "192.0.2.1", "/canary.txt", "v1"),
               served(ServerSide::New, "198.51.100.1", "/canary.txt", "v2")};
  const auto j = judgeWeb(w, kNow);
  BOOST_TEST(j.new_serves, j.detail);
  BOOST_REQUIRE(j.drift.size() == 1u);
  BOOST_TEST(j.drift[0] == "www.shop.test/canary.txt");
  std::string all;
  for (const auto& f : j.findings) all += f + "\n";
  BOOST_TEST(all.find("the old server at 192.0.2.1 does not serve https://www.shop.test/") != std::string::npos, all);
  BOOST_TEST(all.find("content drift: https://www.shop.test/canary.txt") != std::string::npos, all);
  BOOST_TEST(all.find("certificate of www.shop.test at 198.51.100.1 (new server) expires") != std::string::npos, all);

  // The same canary on both: no drift. A path not marked must_match may differ freely.
  w.fetches[3].body_sha256 = "v1";
  w.fetches[1].body_sha256 = "different home page";
  BOOST_TEST(judgeWeb(w, kNow).drift.empty());
}

BOOST_AUTO_TEST_CASE(the_stored_form_round_trips) {
  WebChecks w;
  w.must_match = {"/canary.txt"};
  WebFetch f = served(ServerSide::Old, "192.0.2.1");
  f.location = "https://www.shop.test/new/";
  f.body_truncated = true;
  f.elapsed_seconds = 0.25;
  WebFetch g = served(ServerSide::New, "2001:db8::1");
  g.outcome = FetchOutcome::NoRoute;
  g.cert_not_after.reset();
  w.fetches = {f, g};
  const WebChecks back = webChecksFromJson(nlohmann::json::parse(toJson(w).dump()));
  BOOST_TEST((back == w));
  BOOST_CHECK_THROW(webChecksFromJson(nlohmann::json::object()), std::invalid_argument);
  auto bad = toJson(w);
  bad["fetches"][0]["outcome"] = "exploded";
  BOOST_CHECK_THROW(webChecksFromJson(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
