// The status page served by a real WebServer on loopback: its HTTP contract, then the
// page rendered by headless Chromium (Debian's `chromium`) from the fixtures in
// tests/data/status/, inspected through the DOM Chromium dumps after 5 s (or more) of
// virtual time. Chromium contacts nothing but the test's server (see chromiumCommand).
// Set DNSPROP_STATUS_SCREENSHOT=path.png to keep the screenshot that
// screenshot_script_writes_a_png takes of the fixture.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "common/time_format.h"
#include "http/status_page.h"
#include "http/web_server.h"
#include "integration/http/http_client.h"
#include "support/temp_dir.h"
#include "verdict/mail_checks.h"
#include "verdict/traffic_checks.h"
#include "verdict/web_checks.h"

using namespace dnsprop;
using dnsprop::testing::httpGet;
using dnsprop::testing::httpRequest;

namespace utf = boost::unit_test;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fixture(const std::string& name) {
  return readFile(std::filesystem::path(DNSPROP_SOURCE_DIR) / "tests/data/status" / name);
}

// Moves every RFC 3339 time in the document by the same amount, so that `generated_at`
// is now: relative times on the page ("in 1d 9h") then read as they did when the
// fixture was written.
void shiftTimes(nlohmann::json& j, Duration by) {
  if (j.is_string()) {
    if (auto t = parseRfc3339(j.get<std::string>())) j = formatRfc3339(*t + by);
  } else if (j.is_structured()) {
    for (auto& child : j) shiftTimes(child, by);
  }
}

// The fixture with its times moved so that it was generated `age` ago, after `edit`.
std::string fixtureAsOf(const std::string& name, Duration age,
                        const std::function<void(nlohmann::json&)>& edit = {}) {
  auto doc = nlohmann::json::parse(fixture(name));
  const auto generated = parseRfc3339(doc.at("generated_at").get<std::string>());
  if (!generated) throw std::runtime_error(name + ": generated_at is not RFC 3339");
  shiftTimes(doc, std::chrono::duration_cast<Duration>(std::chrono::system_clock::now() - age -
                                                       *generated));
  if (edit) edit(doc);
  return doc.dump(1);
}

std::string fixtureAsOfNow(const std::string& name) { return fixtureAsOf(name, Duration::zero()); }

void makeSafe(nlohmann::json& doc) {
  doc["migrations"][0]["verdict"]["status"] = "SAFE";
  doc["migrations"][0]["verdict"]["summary"] = "SAFE: shop.example.jp.";
}

// A WebServer on an ephemeral loopback port serving the status page from `producer`.
struct Served {
  explicit Served(std::function<std::string()> producer)
      : server({"127.0.0.1:0"}, std::make_shared<prometheus::Registry>()) {
    registerStatusPage(server, std::move(producer));
  }
  int port() const { return server.ports().at(0); }
  std::string url(const std::string& fragment = "") const {
    return "http://127.0.0.1:" + std::to_string(port()) + "/status" + fragment;
  }
  WebServer server;
};

struct CommandResult {
  int exit_status = -1;
  std::string output;  // stdout
};

// Runs `command` through /bin/sh; returns its exit status and stdout. The command's
// words are ours (temp paths, a loopback URL), never data.
CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.output.append(buf, n);
  const int status = pclose(p);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Chromium's flags for every run: headless, as root (no sandbox), a private profile, no
// background services, and every host name lookup but loopback failing, so nothing
// leaves the machine. Kept in step with scripts/screenshot-status.sh.
std::string chromiumCommand(const test::TempDir& dir, const std::string& extra) {
  return "TZ=UTC timeout -k 5 90 " + std::string(kChromium) +
         " --headless=new --no-sandbox --disable-gpu --hide-scrollbars --lang=en-US"
         " --user-data-dir=" + (dir / "profile").string() +
         " --no-first-run --no-default-browser-check --disable-background-networking"
         " --disable-component-update --disable-sync --disable-default-apps --disable-extensions"
         " --disable-domain-reliability --disable-client-side-phishing-detection --no-pings"
         " --metrics-recording-only"
         " --disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider"
         " '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE ::1' " +
         extra + " 2>>" + (dir / "chromium.log").string();
}

std::string between(const std::string& text, const std::string& from, const std::string& to) {
  const auto b = text.find(from);
  const auto e = b == std::string::npos ? b : text.find(to, b);
  return e == std::string::npos ? std::string() : text.substr(b, e - b);
}

// The page as Chromium left it. The dump also holds the page's own script and
// stylesheet, whose text must not satisfy a check: checks look at the parts.
struct Rendered {
  std::string dom;   // everything
  std::string body;  // the <body ...> start tag: data-state, data-css, CSP violations
  std::string top;   // the header and the fetch line
  std::string main;  // <main>: the migrations
};

// The DOM of `url` after `virtual_ms` of virtual time (timers and fetches run; the 30 s
// refresh fires only when the budget is longer than that).
Rendered dumpDom(const std::string& url, int virtual_ms = 5000) {
  test::TempDir dir("dnsprop-chromium");
  const auto r = run(chromiumCommand(dir, "--virtual-time-budget=" + std::to_string(virtual_ms) +
                                              " --dump-dom '" + url + "'"));
  BOOST_TEST_REQUIRE(r.exit_status == 0, "chromium failed:\n" << dir.readFile("chromium.log"));
  Rendered out;
  out.dom = r.output;
  const auto body = out.dom.find("<body");
  BOOST_TEST_REQUIRE(body != std::string::npos, "no DOM from chromium:\n" << dir.readFile("chromium.log"));
  out.body = out.dom.substr(body, out.dom.find('>', body) - body + 1);
  out.top = between(out.dom, "<header", "<main");
  out.main = between(out.dom, "<main", "</main>");
  BOOST_TEST_REQUIRE(!out.main.empty(), "no <main> in the DOM:\n" << out.dom);
  return out;
}

// Position of `part` in `text`, or npos with a test failure naming it.
std::size_t positionOf(const std::string& text, const std::string& part) {
  const auto pos = text.find(part);
  BOOST_TEST(pos != std::string::npos, "missing: " << part);
  return pos;
}

boost::test_tools::assertion_result chromiumInstalled(utf::test_unit_id) {
  boost::test_tools::assertion_result r(::access(kChromium, X_OK) == 0);
  r.message() << kChromium << " is not installed (scripts/install-deps.sh installs chromium)";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_page_http)

BOOST_AUTO_TEST_CASE(serves_page_with_policy_and_json_from_the_producer) {
  const std::string doc = fixture("not_yet.json");
  std::atomic<int> calls{0};
  Served s([&] {
    ++calls;
    return doc;
  });
  auto page = httpGet(s.port(), "/status");
  BOOST_REQUIRE(page);
  BOOST_TEST(page->status == 200);
  BOOST_TEST(page->header("content-type") == "text/html; charset=utf-8");
  BOOST_TEST(page->header("content-security-policy") == std::string(statusPageContentSecurityPolicy()));
  BOOST_TEST(page->header("cache-control") == "no-cache");
  BOOST_TEST(page->header("x-content-type-options") == "nosniff");
  BOOST_TEST(page->body == std::string(statusPageHtml()));
  BOOST_TEST(calls.load() == 0);  // the page itself never asks for the document

  auto json = httpGet(s.port(), "/status.json");
  BOOST_REQUIRE(json);
  BOOST_TEST(json->status == 200);
  BOOST_TEST(json->header("content-type") == "application/json");
  BOOST_TEST(json->header("cache-control") == "no-store");
  BOOST_TEST(json->body == doc);
  BOOST_TEST(calls.load() == 1);

  auto head = httpRequest("127.0.0.1", s.port(), "HEAD", "/status");
  BOOST_REQUIRE(head);
  BOOST_TEST(head->status == 200);
  BOOST_TEST(head->body.empty());
  auto post = httpRequest("127.0.0.1", s.port(), "POST", "/status.json");
  BOOST_REQUIRE(post);
  BOOST_TEST(post->status == 405);
}

BOOST_AUTO_TEST_CASE(no_document_yet_is_503_and_a_throwing_producer_500) {
  Served empty([] { return std::string(); });
  auto r = httpGet(empty.port(), "/status.json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 503);
  BOOST_TEST(nlohmann::json::parse(r->body).contains("error"));

  Served failing([]() -> std::string { throw std::runtime_error("snapshot unavailable"); });
  r = httpGet(failing.port(), "/status.json");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 500);
  r = httpGet(failing.port(), "/status");  // the page is still served
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(status_page_browser, *utf::precondition(chromiumInstalled))

BOOST_AUTO_TEST_CASE(renders_a_not_yet_migration) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());

  // The script ran under the served CSP (hash matches), the stylesheet applied, and
  // nothing was blocked.
  BOOST_TEST(contains(r.body, "data-state=\"ok\""), r.body);
  BOOST_TEST(contains(r.body, "data-css=\"ok\""));
  BOOST_TEST(!contains(r.body, "data-csp-violations"), r.body);
  BOOST_TEST(contains(r.dom, "<title>NOT YET – shop.example.jp. – dnsprop</title>"));
  BOOST_TEST(contains(r.top, "Vantage <b>tokyo-1</b>"));
  BOOST_TEST(contains(r.top, "<b>456</b> rounds"));
  BOOST_TEST(contains(r.top, "probing every <b>5m</b>"));
  BOOST_TEST(!contains(r.top, "</b>null"), "a null child rendered as text: " << r.top);
  BOOST_TEST(contains(r.top, "refreshes every 30 s."));

  // Verdict: the word, the advice, the summary, coloured by status.
  BOOST_TEST(contains(r.main, "<h2 id=\"migration-0\">shop.example.jp.</h2>"));
  BOOST_TEST(contains(r.main, "class=\"verdict st-notyet\""));
  BOOST_TEST(contains(r.main, "<p class=\"word\">NOT YET</p>"));
  BOOST_TEST(contains(r.main, "Keep the old server running."));
  BOOST_TEST(contains(r.main, "4 of 7 trusted resolvers still block"));
  // Progress, with an accessible bar.
  BOOST_TEST(contains(r.main, "3 of 7 trusted resolvers on NEW"));
  BOOST_TEST(contains(r.main, "role=\"progressbar\""));
  BOOST_TEST(contains(r.main, "aria-valuenow=\"3\""));
  BOOST_TEST(contains(r.main, "aria-valuemax=\"7\""));
  BOOST_TEST(contains(r.main, "43% of trusted resolvers"));
  // Earliest safe: absolute (UTC here) and relative, with its basis.
  const std::string at =
      nlohmann::json::parse(doc)["migrations"][0]["verdict"]["earliest_safe"]["at"].get<std::string>();
  BOOST_TEST(contains(r.main, "<p class=\"big\"><time datetime=\"" + at + "\" title=\"" + at + "\">"));
  BOOST_TEST(contains(r.main, "(in 1d 9h)"));
  BOOST_TEST(contains(r.main, "Because: the predicted expiry of the last OLD answer seen"));
  BOOST_TEST(contains(r.main, "Latest OLD expiry: www.shop.example.jp. A at kddi-auonenet-1"));
  BOOST_TEST(contains(r.main, "<dd>1d</dd>"));  // hold window
  // Conditions (text, not only colour) and findings.
  BOOST_TEST(contains(r.main, "<li class=\"unmet\"><span class=\"mark\">✗ not met</span><span class=\"cond\">Resolvers on NEW</span>"));
  BOOST_TEST(contains(r.main, "<li class=\"met\"><span class=\"mark\">✓ met</span><span class=\"cond\">Fresh data</span>"));
  BOOST_TEST(contains(r.main, "the old server ns1.old-host.example. stopped answering"));
  BOOST_TEST(contains(r.main, "ns1.new-host.example. ns2.new-host.example. (TTL 1d (86400 s))"));

  // The chart: an inline SVG with a 0-100 % axis, time labels and the ratio path.
  BOOST_TEST(contains(r.main, "<svg viewBox=\"0 0 960 240\" role=\"img\" class=\"ratio-chart\""));
  BOOST_TEST(contains(r.main, "<path class=\"ratio-line\" d=\"M44.0 "));
  BOOST_TEST(contains(r.main, ">100%</text>"));
  BOOST_TEST(contains(r.main, ">0%</text>"));
  BOOST_TEST(contains(r.main, "<text class=\"last\""));
  BOOST_TEST(contains(r.main, "<desc>Propagation ratio of shop.example.jp. from 0% at"));

  // The table: one row per resolver, one column per watched name and type, the class as
  // text in every cell, the tooltip with TTL and prediction, worst first.
  BOOST_TEST(contains(r.main, "<table class=\"grid\" id=\"table-0\">"));
  BOOST_TEST(contains(r.main, "<caption>Answer class per resolver and watched name (worst first;"));
  BOOST_TEST(contains(r.main, "<th scope=\"col\" class=\"col\" title=\"www.shop.example.jp. A (sort worst first)\""));
  BOOST_TEST(contains(r.main, "<td class=\"cls c-OLD\" title=\"www.shop.example.jp. A at kddi-auonenet-1\nClass: OLD"));
  BOOST_TEST(contains(r.main, "TTL: 22h 16m (80212 s)"));
  BOOST_TEST(contains(r.main, "OLD predicted gone: "));
  BOOST_TEST(contains(r.main, "Blocks SAFE: still answers OLD"));
  BOOST_TEST(contains(r.main, "<span class=\"name\">OLD</span><span class=\"why\">old</span>"));
  BOOST_TEST(contains(r.main, "<span class=\"name\">MIXED</span>"));
  BOOST_TEST(contains(r.main, "<span class=\"name\">STALE</span><span class=\"why\">unverified</span>"));
  BOOST_TEST(contains(r.main, "<span class=\"name\">NEW</span><span class=\"why\">hold</span>"));
  BOOST_TEST(contains(r.main, "class=\"cls c-ERROR\""));
  BOOST_TEST(contains(r.main, "class=\"cls c-NEGATIVE\""));
  BOOST_TEST(contains(r.main, "8 resolvers"));
  const auto kddi = positionOf(r.main, "<th scope=\"row\">kddi-auonenet-1");
  const auto iij = positionOf(r.main, "<th scope=\"row\">iij-public-1");
  const auto opendns = positionOf(r.main, "<th scope=\"row\">opendns-1");
  const auto google = positionOf(r.main, "<th scope=\"row\">google-1");
  const auto excluded = positionOf(r.main, "<th scope=\"row\">isp-local<span class=\"tag\">excluded</span>");
  BOOST_TEST(kddi < iij);        // OLD before MIXED
  BOOST_TEST(iij < opendns);     // MIXED before NEW on hold
  BOOST_TEST(opendns < google);  // on hold before settled NEW
  BOOST_TEST(google < excluded);  // excluded resolvers last, whatever their state
  BOOST_TEST(contains(r.main, "<span class=\"addr mono\">8.8.8.8:53</span>"));
  BOOST_TEST(contains(r.main, "Google Public DNS"));
}

// The served policy is what lets the page's own script run: under another hash Chromium
// blocks it (so the check above that the page rendered also checks the hash).
BOOST_AUTO_TEST_CASE(script_runs_only_under_its_own_hash) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  Served s([&] { return doc; });
  s.server.handle("/status", [](const WebServer::Request&) {
    auto response = statusPageResponse();
    for (auto& [name, value] : response.headers) {
      if (name != "Content-Security-Policy") continue;
      const auto at = value.find("script-src 'sha256-") + std::string_view("script-src 'sha256-").size();
      value.replace(at, 43, std::string(43, 'A'));
    }
    return response;
  });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"loading\""), r.body);
  BOOST_TEST(!contains(r.main, "shop.example.jp."));
}

// Names come from the config and answers: whatever they hold shows as text.
BOOST_AUTO_TEST_CASE(untrusted_names_render_as_text) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"ok\""));
  BOOST_TEST(contains(r.main, "<th scope=\"row\">&lt;img src=x onerror=alert(1)&gt;"));
  BOOST_TEST(contains(r.main, "<td>&lt;script&gt;alert(2)&lt;/script&gt;</td>"));
  BOOST_TEST(contains(r.main, "<li>&lt;b&gt;markup in a finding&lt;/b&gt; shows as text</li>"));
  BOOST_TEST(!contains(r.dom, "<img"));
  BOOST_TEST(!contains(r.dom, "<b>markup"));
  BOOST_TEST(!contains(r.dom, "<script>alert"));
}

BOOST_AUTO_TEST_CASE(filter_and_sort_start_from_the_url_fragment) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  Served s([&] { return doc; });
  Rendered r = dumpDom(s.url("#filter=JP"));
  BOOST_TEST(contains(r.main, "3 of 8 resolvers shown"));
  BOOST_TEST(contains(r.main, "<tr hidden=\"\"><th scope=\"row\">google-1"));
  BOOST_TEST(contains(r.main, "<tr><th scope=\"row\">kddi-auonenet-1"));

  r = dumpDom(s.url("#sort=country"));
  BOOST_TEST(contains(r.main, "aria-sort=\"ascending\"><button type=\"button\" data-focus-key=\"sort shop.example.jp. country\">Country"));
  const auto quad9 = positionOf(r.main, "<th scope=\"row\">quad9-unfiltered-1");   // CH
  const auto kddi = positionOf(r.main, "<th scope=\"row\">kddi-auonenet-1");       // JP
  const auto google = positionOf(r.main, "<th scope=\"row\">google-1");            // US
  BOOST_TEST(quad9 < kddi);
  BOOST_TEST(kddi < google);
}

BOOST_AUTO_TEST_CASE(zero_migrations_say_so) {
  const std::string doc = fixtureAsOfNow("empty.json");
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"ok\""));
  BOOST_TEST(contains(r.main, "No migrations configured."));
  BOOST_TEST(!contains(r.main, "class=\"card migration\""));
  BOOST_TEST(contains(r.dom, "<title>dnsprop status</title>"));
}

// Every field missing or of the wrong type: the page still renders, with dashes.
BOOST_AUTO_TEST_CASE(malformed_document_renders_defensively) {
  const std::string doc = fixture("malformed.json");
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"ok\""), r.body);
  BOOST_TEST(contains(r.top, "Vantage <b>–</b>"));
  BOOST_TEST(contains(r.main, "<h2 id=\"migration-0\">broken.example.</h2>"));
  // An unknown status is shown as it is, never with SAFE's colour or advice.
  BOOST_TEST(contains(r.main, "class=\"verdict st-unknown\""));
  BOOST_TEST(contains(r.main, "<p class=\"word\">SOMETHING_NEW</p>"));
  BOOST_TEST(!contains(r.main, "st-safe"));
  BOOST_TEST(!contains(r.main, "Safe to shut down"));
  BOOST_TEST(contains(r.main, "open-ended"));
  BOOST_TEST(contains(r.main, "No history yet."));
  BOOST_TEST(contains(r.main, "<span class=\"name\">WEIRD</span>"));
  // A target without samples has no class to show, whatever its blocker carries.
  BOOST_TEST(contains(r.main, "<td class=\"cls c-NONE\" data-class=\"NONE\" title=\"broken.example. AAAA at r1: no answer recorded yet\nBlocks SAFE: no usable NEW answer yet\"><span class=\"name\">–</span><span class=\"vh\">no answer recorded yet</span><span class=\"why\">unverified</span>"));
  BOOST_TEST(contains(r.main, "<span class=\"count\" aria-live=\"polite\">1 resolver</span>"));
  BOOST_TEST(contains(r.main, "(unnamed migration)"));
  BOOST_TEST(contains(r.main, "<h2 id=\"migration-2\">(unnamed migration)</h2>"));
  BOOST_TEST(!contains(r.main, "Cannot show this migration"));
}

// [migration.web] and [migration.mail]: the last fetch and the last SMTP exchange with
// each old and new server, as /status.json carries them (record.web, record.mail).
BOOST_AUTO_TEST_CASE(servers_in_parallel_operation_render_per_address) {
  const WallTime now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  WebFetch f;
  f.side = ServerSide::New;
  f.address = "198.51.100.10";
  f.host = "www.shop.example.jp";
  f.path = "/order/";
  f.at = now;
  f.outcome = FetchOutcome::Response;
  f.status = 503;
  f.elapsed_seconds = 0.042;
  f.cert_seen = f.cert_chain_ok = f.cert_name_matches = true;
  f.cert_not_after = now + std::chrono::hours(24 * 40) + std::chrono::hours(1);
  MailExchange n;
  n.side = ServerSide::New;
  n.address = "198.51.100.25";
  n.tls_name = "mail.shop.example.jp";
  n.at = now;
  n.outcome = MailOutcome::Completed;
  n.stage = "done";
  n.starttls_offered = n.tls = true;
  n.tls_version = "TLSv1.3";
  n.rcpt_code = 550;
  n.last_reply = "550 Invalid recipient";
  n.cert_seen = n.cert_chain_ok = true;  // a certificate for another name
  MailExchange o;
  o.side = ServerSide::Old;
  o.address = "203.0.113.25";
  o.port = 25;
  o.at = now;
  o.outcome = MailOutcome::ConnectFailed;
  o.stage = "connect";
  o.error = "connection refused";
  const MailChecks mail{"postmaster@shop.example.jp", true, std::chrono::minutes(10), {o, n},
                        {{"203.0.113.25", 993, now, "open", ""}}};
  const std::string doc = fixtureAsOf("not_yet.json", Duration::zero(), [&](nlohmann::json& d) {
    TrafficCheck t;
    t.access_log = "/var/log/nginx/access.log";
    t.window = std::chrono::hours(24);
    t.max_requests = 5;
    t.at = now;
    t.requests = 42;
    t.last_request = WallTime(std::chrono::seconds(1'796'000'000));
    d["migrations"][0]["record"] = {
        {"web", toJson(WebChecks{{}, {f}})}, {"mail", toJson(mail)}, {"traffic", toJson(t)}};
  });
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"ok\""), r.body);
  BOOST_TEST(contains(r.main, "<h3>Web servers in parallel operation</h3>"), r.main);
  BOOST_TEST(contains(r.main, "<td>new</td><td>198.51.100.10</td><td>https</td><td>www.shop.example.jp/order/</td>"
                              "<td>503</td><td>valid, 40 days left</td><td>42 ms</td>"),
             r.main);
  BOOST_TEST(contains(r.main, "<h3>Mail servers in parallel operation</h3>"));
  BOOST_TEST(contains(r.main, "for postmaster@shop.example.jp (never sending a message)"));
  BOOST_TEST(contains(r.main, "<td>old</td><td>203.0.113.25:25</td><td>connect_failed</td><td>not offered</td>"
                              "<td>–</td><td>connection refused</td>"),
             r.main);
  BOOST_TEST(contains(r.main, "<td>new</td><td>198.51.100.25:25</td><td>ended at done</td>"
                              "<td>TLSv1.3, certificate not for mail.shop.example.jp</td><td>550</td>"
                              "<td>550 Invalid recipient</td>"),
             r.main);
  BOOST_TEST(contains(r.main, "203.0.113.25 port 993 open"));
  BOOST_TEST(contains(r.main, "<h3>Traffic on the old server</h3><p>42 request(s) in the last 1d (at most 5 allowed), "
                              "from /var/log/nginx/access.log; the last at 2026-11-30T00:53:20Z.</p>"),
             r.main);
}

BOOST_AUTO_TEST_CASE(fresh_safe_is_green_and_says_so) {
  const std::string doc = fixtureAsOf("not_yet.json", std::chrono::seconds(30), makeSafe);
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.main, "class=\"verdict st-safe\""), r.main.substr(0, 600));
  BOOST_TEST(contains(r.main, "<p class=\"word\">SAFE</p><p class=\"advice\">Safe to shut down the old server.</p>"));
  BOOST_TEST(contains(r.dom, "<title>SAFE – shop.example.jp. – dnsprop</title>"));
  BOOST_TEST(!contains(r.top, "stale"));
}

// A false SAFE loses mail: a SAFE older than the rule's freshness bound (3 intervals +
// 60 s; 16 min here) is not shown as SAFE.
BOOST_AUTO_TEST_CASE(stale_safe_is_not_shown_as_safe) {
  const std::string doc = fixtureAsOf("not_yet.json", std::chrono::hours(2), makeSafe);
  Served s([&] { return doc; });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"ok\""));
  BOOST_TEST(!contains(r.main, "st-safe"));
  BOOST_TEST(!contains(r.main, "Safe to shut down"));
  BOOST_TEST(contains(r.main, "class=\"verdict st-unknown\""));
  BOOST_TEST(contains(r.main, "<p class=\"word\">SAFE (stale)</p>"));
  BOOST_TEST(contains(r.main, "This verdict is 2h 00m old: dnsprop may have stopped. Do not shut down the old server on it."));
  BOOST_TEST(contains(r.top, "stale: dnsprop may have stopped"));
  BOOST_TEST(contains(r.dom, "<title>SAFE (stale) – shop.example.jp. – dnsprop</title>"));
}

// A refresh that fails shows the error and keeps what was shown.
BOOST_AUTO_TEST_CASE(fetch_error_is_shown_and_last_data_kept) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  std::atomic<int> calls{0};
  Served s([&] { return calls++ == 0 ? doc : std::string(); });  // then 503
  const Rendered r = dumpDom(s.url(), 40000);  // past the 30 s refresh
  BOOST_TEST(calls.load() >= 2);
  BOOST_TEST(contains(r.body, "data-state=\"error\""));
  BOOST_TEST(contains(r.top, "class=\"fetch error\" role=\"alert\""));
  BOOST_TEST(contains(r.top, "Could not load status.json: HTTP 503"));
  BOOST_TEST(contains(r.top, "Showing the data loaded"));
  BOOST_TEST(contains(r.main, "<p class=\"word\">NOT YET</p>"));
  BOOST_TEST(contains(r.main, "<th scope=\"row\">kddi-auonenet-1"));
}

BOOST_AUTO_TEST_CASE(no_data_yet_shows_the_error) {
  Served s([] { return std::string(); });
  const Rendered r = dumpDom(s.url());
  BOOST_TEST(contains(r.body, "data-state=\"error\""));
  BOOST_TEST(contains(r.top, "Could not load status.json: HTTP 503"));
  BOOST_TEST(contains(r.top, "No data yet."));
}

BOOST_AUTO_TEST_CASE(screenshot_script_writes_a_png) {
  const std::string doc = fixtureAsOfNow("not_yet.json");
  Served s([&] { return doc; });
  test::TempDir dir("dnsprop-screenshot");
  const auto out = dir / "status-page.png";
  const auto r = run("bash " + std::string(DNSPROP_SOURCE_DIR) + "/scripts/screenshot-status.sh '" +
                     s.url() + "' '" + out.string() + "' 1280x2000 2>&1");
  BOOST_TEST_REQUIRE(r.exit_status == 0, r.output);
  const std::string png = readFile(out);
  BOOST_TEST(png.size() > 20000u);  // a rendered page, not a blank one
  BOOST_TEST(png.starts_with("\x89PNG\r\n\x1a\n"));
  if (const char* keep = std::getenv("DNSPROP_STATUS_SCREENSHOT"); keep != nullptr && *keep != '\0') {
    std::filesystem::copy_file(out, keep, std::filesystem::copy_options::overwrite_existing);
  }
  // Usage errors are 64.
  BOOST_TEST(run("bash " + std::string(DNSPROP_SOURCE_DIR) + "/scripts/screenshot-status.sh 2>/dev/null")
                 .exit_status == 64);
}

BOOST_AUTO_TEST_SUITE_END()
