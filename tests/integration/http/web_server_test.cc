#include <boost/test/unit_test.hpp>

#include <civetweb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "dnsprop/build_info.h"
#include "http/metrics.h"
#include "http/web_server.h"
#include "integration/http/http_client.h"

using namespace dnsprop;
using dnsprop::testing::httpGet;
using dnsprop::testing::httpRequest;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A server on an ephemeral loopback port with the full `dnsprop run` wiring.
struct Served {
  CoreMetrics metrics;
  WebServer server{{"127.0.0.1:0"}, metrics};
  int port() const { return server.ports().at(0); }
};

struct PromtoolResult {
  int exit_status = -1;
  std::string output;
};

// Feeds `text` to `promtool check metrics` on stdin; returns its exit status and output.
PromtoolResult promtoolCheckMetrics(const std::string& text) {
  char path[] = "/tmp/dnsprop-http-metrics-XXXXXX";
  const int fd = mkstemp(path);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  PromtoolResult result;
  const std::string cmd = std::string("/usr/bin/promtool check metrics < ") + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  char buf[512];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.output.append(buf, n);
  const int status = pclose(p);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  unlink(path);
  return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_server)

BOOST_AUTO_TEST_CASE(landing_page_is_html_with_links_and_escaped_migrations) {
  Served s;
  s.server.setLandingInfo({"shop.example.jp.", "<b>evil</b>"});
  auto r = httpGet(s.port(), "/");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->header("content-type") == "text/html; charset=utf-8");
  BOOST_TEST(r->body.starts_with("<!DOCTYPE html>"), r->body);
  BOOST_TEST(contains(r->body, "<meta charset=\"utf-8\">"));
  BOOST_TEST(contains(r->body, "<title>dnsprop</title>"));
  BOOST_TEST(contains(r->body, "href=\"/metrics\""));
  BOOST_TEST(contains(r->body, "href=\"/-/healthy\""));
  BOOST_TEST(contains(r->body, "href=\"/-/ready\""));
  BOOST_TEST(contains(r->body, "<li>shop.example.jp.</li>"));
  BOOST_TEST(contains(r->body, "&lt;b&gt;evil&lt;/b&gt;"));
  BOOST_TEST(!contains(r->body, "<b>evil"));
}

BOOST_AUTO_TEST_CASE(landing_page_says_when_no_migrations_are_configured) {
  Served s;
  auto r = httpGet(s.port(), "/");
  BOOST_REQUIRE(r);
  BOOST_TEST(contains(r->body, "No migrations configured."), r->body);
}

BOOST_AUTO_TEST_CASE(metrics_has_standard_series_and_passes_promtool) {
  Served s;
  s.metrics.setReloadResult(true, std::chrono::system_clock::now());
  auto r = httpGet(s.port(), "/metrics");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  BOOST_TEST(contains(r->body, "dnsprop_build_info{"), r->body);
  BOOST_TEST(contains(r->body, std::string("version=\"") + build::kVersion + "\""));
  BOOST_TEST(contains(r->body, "dnsprop_config_last_reload_successful 1\n"));
  BOOST_TEST(contains(r->body, "dnsprop_config_last_reload_success_timestamp_seconds "));
  BOOST_TEST(contains(r->body, "dnsprop_internal_errors_total 0\n"));
  for (const char* name :
       {"process_resident_memory_bytes", "process_cpu_seconds_total",
        "process_virtual_memory_bytes", "process_start_time_seconds", "process_open_fds",
        "process_max_fds"}) {
    BOOST_TEST(contains(r->body, std::string("\n") + name + " "), name);
  }
  const auto check = promtoolCheckMetrics(r->body);
  BOOST_TEST(check.exit_status == 0, check.output);
  BOOST_TEST(check.output.empty(), check.output);
}

BOOST_AUTO_TEST_CASE(promtool_check_is_able_to_fail) {
  // Guards the check above: a name with a lint problem must be reported.
  const auto check = promtoolCheckMetrics(
      "# HELP bad_counter x\n# TYPE bad_counter counter\nbad_counter 1\n");
  BOOST_TEST(!check.output.empty());
}

BOOST_AUTO_TEST_CASE(registry_only_constructor_serves_that_registry) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("dnsprop_test_gauge").Help("A test gauge.").Register(*registry)
      .Add({}).Set(42);
  WebServer server({"127.0.0.1:0"}, registry);
  auto r = httpGet(server.ports().at(0), "/metrics");
  BOOST_REQUIRE(r);
  BOOST_TEST(contains(r->body, "dnsprop_test_gauge 42\n"), r->body);
  BOOST_TEST(!contains(r->body, "process_"));
  server.addCollectable(std::make_shared<ProcessCollector>());
  r = httpGet(server.ports().at(0), "/metrics");
  BOOST_REQUIRE(r);
  BOOST_TEST(contains(r->body, "process_resident_memory_bytes "), r->body);
}

BOOST_AUTO_TEST_CASE(healthy_always_ready_only_after_set_ready) {
  Served s;
  auto h = httpGet(s.port(), "/-/healthy");
  BOOST_REQUIRE(h);
  BOOST_TEST(h->status == 200);
  BOOST_TEST(h->body == "dnsprop is Healthy.\n");
  auto r = httpGet(s.port(), "/-/ready");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 503);
  s.server.setReady(true);
  r = httpGet(s.port(), "/-/ready");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->body == "dnsprop is Ready.\n");
  s.server.setReady(false);
  r = httpGet(s.port(), "/-/ready");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 503);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
  Served s;
  for (const char* path : {"/nope", "/metrics/", "/-/", "/metricsx"}) {
    auto r = httpGet(s.port(), path);
    BOOST_REQUIRE(r);
    BOOST_TEST_INFO("path " << path);
    BOOST_TEST(r->status == 404);
  }
}

BOOST_AUTO_TEST_CASE(post_is_405_with_allow_header) {
  Served s;
  for (const char* path : {"/", "/metrics", "/-/healthy", "/-/ready"}) {
    auto r = httpRequest("127.0.0.1", s.port(), "POST", path);
    BOOST_REQUIRE(r);
    BOOST_TEST_INFO("path " << path);
    BOOST_TEST(r->status == 405);
    BOOST_TEST(r->header("allow") == "GET, HEAD");
  }
  auto d = httpRequest("127.0.0.1", s.port(), "DELETE", "/metrics");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->status == 405);
}

BOOST_AUTO_TEST_CASE(head_gets_headers_without_body) {
  Served s;
  auto r = httpRequest("127.0.0.1", s.port(), "HEAD", "/-/healthy");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->header("content-length") == std::to_string(std::string("dnsprop is Healthy.\n").size()));
  BOOST_TEST(r->body.empty());
}

BOOST_AUTO_TEST_CASE(serves_on_two_listen_addresses) {
  CoreMetrics metrics;
  WebServer server({"127.0.0.1:0", "127.0.0.2:0"}, metrics);
  const auto ports = server.ports();
  BOOST_REQUIRE(ports.size() == 2u);
  BOOST_TEST(ports[0] > 0);
  BOOST_TEST(ports[1] > 0);
  auto a = httpRequest("127.0.0.1", ports[0], "GET", "/-/healthy");
  auto b = httpRequest("127.0.0.2", ports[1], "GET", "/-/healthy");
  BOOST_REQUIRE(a);
  BOOST_REQUIRE(b);
  BOOST_TEST(a->status == 200);
  BOOST_TEST(b->status == 200);
}

BOOST_AUTO_TEST_CASE(address_in_use_throws_naming_it) {
  Served s;
  const std::string taken = "127.0.0.1:" + std::to_string(s.port());
  try {
    WebServer second({taken}, s.metrics);
    BOOST_FAIL("second server bound an address in use");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    BOOST_TEST(contains(what, taken), what);
    BOOST_TEST(contains(what, "in use"), what);
  }
  // The first server is unaffected.
  auto r = httpGet(s.port(), "/-/healthy");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
}

BOOST_AUTO_TEST_CASE(malformed_listen_address_throws_naming_it) {
  CoreMetrics metrics;
  for (const char* bad : {"127.0.0.1:99999", "127.0.0.1:80,127.0.0.1:81", "nonsense"}) {
    BOOST_TEST_INFO("input " << bad);
    try {
      WebServer server({bad}, metrics);
      BOOST_FAIL("accepted a malformed listen address");
    } catch (const std::runtime_error& e) {
      BOOST_TEST(contains(e.what(), bad), e.what());
    }
  }
  BOOST_CHECK_THROW(WebServer({}, metrics), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(ipv6_listen_address_serves_or_fails_clearly) {
  CoreMetrics metrics;
  if (mg_check_feature(0x8) == 0) {
    // Debian 12's civetweb: no IPv6. The error must say so, not "invalid port spec".
    try {
      WebServer server({"[::1]:0"}, metrics);
      BOOST_FAIL("IPv6 accepted by a civetweb without IPv6");
    } catch (const std::runtime_error& e) {
      BOOST_TEST(contains(e.what(), "[::1]:0"), e.what());
      BOOST_TEST(contains(e.what(), "IPv6"), e.what());
    }
  } else {
    WebServer server({"[::1]:0"}, metrics);
    auto r = httpRequest("::1", server.ports().at(0), "GET", "/-/healthy");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 200);
  }
}

BOOST_AUTO_TEST_CASE(custom_handler_sees_method_path_and_query) {
  Served s;
  s.server.handle("/status", [](const WebServer::Request& req) {
    WebServer::Response resp;
    resp.content_type = "application/json";
    resp.body = req.method + " " + req.path + " " + req.query;
    resp.headers.emplace_back("Cache-Control", "no-store");
    return resp;
  });
  auto r = httpGet(s.port(), "/status?domain=shop.example.jp.&x=1");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 200);
  BOOST_TEST(r->header("content-type") == "application/json");
  BOOST_TEST(r->header("cache-control") == "no-store");
  BOOST_TEST(r->body == "GET /status domain=shop.example.jp.&x=1");
}

BOOST_AUTO_TEST_CASE(custom_methods_are_enforced) {
  Served s;
  s.server.handle("/-/reload", {"POST"}, [](const WebServer::Request&) {
    WebServer::Response resp;
    resp.body = "reloaded\n";
    return resp;
  });
  auto post = httpRequest("127.0.0.1", s.port(), "POST", "/-/reload");
  BOOST_REQUIRE(post);
  BOOST_TEST(post->status == 200);
  BOOST_TEST(post->body == "reloaded\n");
  auto get = httpGet(s.port(), "/-/reload");
  BOOST_REQUIRE(get);
  BOOST_TEST(get->status == 405);
  BOOST_TEST(get->header("allow") == "POST");
}

BOOST_AUTO_TEST_CASE(throwing_handler_yields_500_counts_and_server_keeps_serving) {
  Served s;
  s.server.handle("/boom", [](const WebServer::Request&) -> WebServer::Response {
    throw std::runtime_error("kaboom");
  });
  s.server.handle("/weird", [](const WebServer::Request&) -> WebServer::Response { throw 7; });
  auto a = httpGet(s.port(), "/boom");
  BOOST_REQUIRE(a);
  BOOST_TEST(a->status == 500);
  BOOST_TEST(!contains(a->body, "kaboom"));  // no internals leak to clients
  auto b = httpGet(s.port(), "/weird");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->status == 500);
  auto h = httpGet(s.port(), "/-/healthy");
  BOOST_REQUIRE(h);
  BOOST_TEST(h->status == 200);
  auto m = httpGet(s.port(), "/metrics");
  BOOST_REQUIRE(m);
  BOOST_TEST(contains(m->body, "dnsprop_internal_errors_total 2\n"), m->body);
}

BOOST_AUTO_TEST_CASE(internal_error_hook_can_be_replaced) {
  auto registry = std::make_shared<prometheus::Registry>();
  WebServer server({"127.0.0.1:0"}, registry);
  int calls = 0;
  server.setInternalErrorHook([&calls] {
    ++calls;
    throw std::runtime_error("hooks may fail too");
  });
  server.handle("/boom", [](const WebServer::Request&) -> WebServer::Response {
    throw std::runtime_error("kaboom");
  });
  auto r = httpGet(server.ports().at(0), "/boom");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->status == 500);
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(destructor_stops_serving) {
  int port = 0;
  {
    Served s;
    port = s.port();
    auto r = httpGet(port, "/-/healthy");
    BOOST_REQUIRE(r);
  }
  std::string error;
  auto r = httpRequest("127.0.0.1", port, "GET", "/-/healthy", &error);
  BOOST_TEST(!r.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
