#include "http/web_server.h"

#include <civetweb.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "common/log.h"
#include "dnsprop/build_info.h"
#include "http/listen_address.h"
#include "http/metrics.h"

namespace dnsprop {
namespace {

constexpr const char* kPlainText = "text/plain; charset=utf-8";
constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
// civetweb's mg_check_feature bit for IPv6 (MG_FEATURES_IPV6 in newer headers).
constexpr unsigned kCivetwebFeatureIpv6 = 0x8;

// civetweb reports bind errors only through its log callback, synchronously on the
// thread running mg_start2; this collects them for the constructor's exception.
thread_local std::vector<std::string>* t_start_messages = nullptr;

void initCivetwebOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string joinMethods(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

WebServer::Response plain(int status, std::string body) {
  WebServer::Response r;
  r.status = status;
  r.content_type = kPlainText;
  r.body = std::move(body);
  return r;
}

// Writes a whole response. HEAD gets the headers of GET, without the body.
void send(mg_connection* conn, const WebServer::Response& r, bool head) {
  mg_response_header_start(conn, r.status);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  const std::string length = std::to_string(r.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  for (const auto& [name, value] : r.headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
  if (!head && !r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
}

std::vector<std::string> normaliseMethods(std::vector<std::string> methods) {
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end() &&
      std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
    methods.push_back("HEAD");
  }
  return methods;
}

}  // namespace

WebServer::WebServer(std::vector<std::string> listen,
                     std::shared_ptr<prometheus::Registry> registry)
    : WebServer(std::move(listen), {std::move(registry)}, {}) {}

WebServer::WebServer(std::vector<std::string> listen, const CoreMetrics& metrics)
    : WebServer(std::move(listen), {metrics.registry(), metrics.processCollector()},
                metrics.internalErrorHook()) {}

WebServer::WebServer(std::vector<std::string> listen,
                     std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                     std::function<void()> internal_error_hook)
    : collectables_(std::move(collectables)),
      internal_error_hook_(std::move(internal_error_hook)) {
  if (listen.empty()) throw std::invalid_argument("web server: no listen address given");
  std::string ports_option;
  for (const auto& text : listen) {
    auto parsed = parseListenAddress(text);
    if (!parsed.address) throw std::runtime_error("web server: " + parsed.error);
    if (parsed.address->kind == ListenAddress::Kind::V6 &&
        mg_check_feature(kCivetwebFeatureIpv6) == 0) {
      throw std::runtime_error("web server: cannot listen on \"" + text +
                               "\": this civetweb library was built without IPv6 support "
                               "(Debian 12's libcivetweb 1.15 is); use an IPv4 address");
    }
    if (!ports_option.empty()) ports_option += ',';
    ports_option += parsed.address->civetweb;
  }
  installBuiltinRoutes();

  initCivetwebOnce();
  const char* options[] = {
      "listening_ports", ports_option.c_str(),
      // Few workers: scrapes and status pages are cheap, and the host is small.
      "num_threads", "4",
      // A stalled client holds a worker for at most this long.
      "request_timeout_ms", "10000",
      "enable_keep_alive", "no",
      nullptr,
  };
  mg_callbacks callbacks{};
  callbacks.log_message = &WebServer::onLog;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = options;
  char error_text[256] = "";
  unsigned error_code = 0;
  mg_error_data error{&error_code, error_text, sizeof error_text};

  std::vector<std::string> messages;
  t_start_messages = &messages;
  mg_context* ctx = mg_start2(&init, &error);
  t_start_messages = nullptr;
  if (ctx == nullptr) {
    // civetweb's own lines name the failing entry ("cannot bind to 127.0.0.1:80: 98
    // (Address already in use)"); its summary line adds nothing.
    std::string why;
    for (const auto& m : messages) {
      if (m == error_text) continue;
      if (!why.empty()) why += "; ";
      why += m;
    }
    if (why.empty()) why = error_text[0] != '\0' ? error_text : "unknown civetweb error";
    std::string all;
    for (const auto& text : listen) all += (all.empty() ? "\"" : ", \"") + text + "\"";
    throw std::runtime_error("web server: cannot listen on " + all + ": " + why);
  }
  context_ = std::unique_ptr<mg_context, void (*)(mg_context*)>(
      ctx, [](mg_context* c) { mg_stop(c); });
  // One catch-all handler: routing is ours, so pages can be added while serving. A
  // request in the microseconds before this line gets civetweb's own 404.
  mg_set_request_handler(ctx, "/", &WebServer::onRequest, this);
  std::string bound;
  for (int p : ports()) bound += (bound.empty() ? "" : ",") + std::to_string(p);
  log::info("web server listening", {{"address", ports_option}, {"ports", bound}});
}

WebServer::~WebServer() = default;

std::vector<int> WebServer::ports() const {
  std::vector<mg_server_port> raw(16);
  const int n = mg_get_server_ports(context_.get(), static_cast<int>(raw.size()), raw.data());
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(raw[static_cast<std::size_t>(i)].port);
  return out;
}

void WebServer::setReady(bool ready) { ready_.store(ready); }

void WebServer::setLandingInfo(std::vector<std::string> migrations) {
  std::unique_lock lock(mutex_);
  migrations_ = std::move(migrations);
}

void WebServer::handle(std::string path, Handler handler) {
  handle(std::move(path), {"GET"}, std::move(handler));
}

void WebServer::handle(std::string path, std::vector<std::string> methods, Handler handler) {
  std::unique_lock lock(mutex_);
  routes_[std::move(path)] = Route{normaliseMethods(std::move(methods)), std::move(handler)};
}

void WebServer::addCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  std::unique_lock lock(mutex_);
  collectables_.push_back(std::move(collectable));
}

void WebServer::setInternalErrorHook(std::function<void()> hook) {
  std::unique_lock lock(mutex_);
  internal_error_hook_ = std::move(hook);
}

void WebServer::installBuiltinRoutes() {
  const std::vector<std::string> get{"GET", "HEAD"};
  routes_["/"] = Route{get, [this](const Request&) { return landingPage(); }};
  routes_["/metrics"] = Route{get, [this](const Request&) { return metricsPage(); }};
  routes_["/-/healthy"] =
      Route{get, [](const Request&) { return plain(200, "dnsprop is Healthy.\n"); }};
  routes_["/-/ready"] = Route{get, [this](const Request&) {
                                return ready_.load() ? plain(200, "dnsprop is Ready.\n")
                                                     : plain(503, "dnsprop is Not Ready.\n");
                              }};
}

WebServer::Response WebServer::landingPage() const {
  std::vector<std::string> migrations;
  {
    std::shared_lock lock(mutex_);
    migrations = migrations_;
  }
  std::string html =
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n"
      "<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>dnsprop</title>\n"
      "</head>\n"
      "<body>\n"
      "<h1>dnsprop</h1>\n"
      "<p>DNS propagation monitor, version " +
      htmlEscape(build::kVersion) + " (revision " + htmlEscape(build::kRevision) +
      ").</p>\n"
      "<ul>\n"
      "<li><a href=\"/metrics\">Metrics</a></li>\n"
      "<li><a href=\"/-/healthy\">Health</a></li>\n"
      "<li><a href=\"/-/ready\">Readiness</a></li>\n"
      "</ul>\n"
      "<h2>Migrations</h2>\n";
  if (migrations.empty()) {
    html += "<p>No migrations configured.</p>\n";
  } else {
    html += "<ul>\n";
    for (const auto& m : migrations) html += "<li>" + htmlEscape(m) + "</li>\n";
    html += "</ul>\n";
  }
  html += "</body>\n</html>\n";
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  return r;
}

WebServer::Response WebServer::metricsPage() const {
  std::vector<std::shared_ptr<prometheus::Collectable>> sources;
  {
    std::shared_lock lock(mutex_);
    sources = collectables_;
  }
  std::vector<prometheus::MetricFamily> families;
  for (const auto& source : sources) {
    auto collected = source->Collect();
    std::move(collected.begin(), collected.end(), std::back_inserter(families));
  }
  Response r;
  r.content_type = kMetricsContentType;
  r.body = prometheus::TextSerializer().Serialize(families);
  return r;
}

int WebServer::onRequest(mg_connection* conn, void* cbdata) {
  return static_cast<WebServer*>(cbdata)->serve(conn);
}

int WebServer::serve(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  Request request;
  request.method = info->request_method != nullptr ? info->request_method : "";
  request.path = info->local_uri != nullptr ? info->local_uri : "";
  request.query = info->query_string != nullptr ? info->query_string : "";
  const bool head = request.method == "HEAD";

  Response response;
  try {
    Route route;
    bool found = false;
    {
      std::shared_lock lock(mutex_);
      if (auto it = routes_.find(request.path); it != routes_.end()) {
        route = it->second;
        found = true;
      }
    }
    if (!found) {
      response = plain(404, "404 page not found\n");
    } else if (std::find(route.methods.begin(), route.methods.end(), request.method) ==
               route.methods.end()) {
      response = plain(405, "405 method not allowed\n");
      response.headers.emplace_back("Allow", joinMethods(route.methods));
    } else {
      response = route.handler(request);
      if (response.status < 100 || response.status > 599) {
        throw std::logic_error("handler returned HTTP status " +
                               std::to_string(response.status));
      }
    }
  } catch (const std::exception& e) {
    log::error("http handler failed", {{"path", request.path}, {"error", e.what()}});
    reportInternalError();
    response = plain(500, "500 internal server error\n");
  } catch (...) {
    log::error("http handler failed", {{"path", request.path}, {"error", "unknown exception"}});
    reportInternalError();
    response = plain(500, "500 internal server error\n");
  }
  send(conn, response, head);
  // civetweb reads 1..999 as "handled, with this status" (for its access log).
  return response.status;
}

void WebServer::reportInternalError() {
  std::function<void()> hook;
  {
    std::shared_lock lock(mutex_);
    hook = internal_error_hook_;
  }
  if (!hook) return;
  try {
    hook();
  } catch (...) {
    // Nothing sensible left to do; the failure itself is already logged.
  }
}

int WebServer::onLog(const mg_connection*, const char* message) {
  if (t_start_messages != nullptr) {
    t_start_messages->push_back(message);
  } else {
    log::warn("civetweb", {{"message", message}});
  }
  return 1;  // handled: civetweb prints nothing itself
}

}  // namespace dnsprop
