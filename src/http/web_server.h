// The HTTP side of `dnsprop run`: our own civetweb server (not prometheus::Exposer,
// which keeps its server private) serving
//   /            landing page (HTML5) linking the pages below and listing migrations
//   /metrics     the registry and other collectables, Prometheus text format 0.0.4
//   /-/healthy   200 "dnsprop is Healthy.\n"
//   /-/ready     200 "dnsprop is Ready.\n" after setReady(true), else 503
// plus any page added with handle(). Unknown paths answer 404; a method a route does
// not accept answers 405 with an Allow header. HEAD is accepted wherever GET is.
//
// Listen addresses: see http/listen_address.h. Debian 12's libcivetweb 1.15 is built
// without IPv6: there ":PORT" serves IPv4 only and "[V6]:PORT" makes the constructor
// throw a clear error (an IPv6-enabled civetweb serves both, unchanged code).
//
// Threads: civetweb runs its own worker threads (4); handlers run on them, concurrently,
// so a Handler must be thread-safe and must only read snapshots the loop publishes
// (STYLE 8). Handlers never let an exception reach civetweb: it is caught, logged,
// counted through the internal-error hook and answered with 500.
//
// Web config (http/web_config.h, the exporter-toolkit file; docs/WEB.md):
//   - tls: every listen address serves HTTPS only, with the certificate, key, client
//     certificate policy, TLS versions, cipher suites and curves of the file. Debian 12's
//     civetweb needs the TLS compat modules (http/tls_compat/tls_compat.c) for that; the
//     constructor loads them and throws a clear error when they are missing.
//   - basic_auth_users: every request, on every path, needs one of the users' passwords
//     (checked before routing; 401 with `WWW-Authenticate: Basic realm="dnsprop"`).
//   - headers: added to every response, 401/404/500 included, unless the handler set the
//     same header itself.
//
// Lifetime: serving starts in the constructor and stops in the destructor (mg_stop waits
// for running handlers). Not copyable or movable (civetweb holds `this`). All public
// methods are thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/registry.h>

#include "http/web_config.h"

struct mg_connection;
struct mg_context;

namespace dnsprop {

class BasicAuth;
class CoreMetrics;

class WebServer {
 public:
  struct Request {
    std::string method;   // "GET", "HEAD", ...
    std::string path;     // URL-decoded, without the query ("/status")
    std::string query;    // raw query string without '?', may be empty
  };
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  };
  using Handler = std::function<Response(const Request&)>;

  // Binds every address in `listen` and starts serving `registry` on /metrics, with the
  // TLS, basic auth and headers of `web_config` (default: plain HTTP, no auth).
  // Throws std::runtime_error naming the address and the reason when an address is
  // malformed, needs IPv6 this civetweb lacks, or cannot be bound (e.g. in use), or when
  // TLS cannot be set up (compat modules missing, unreadable or mismatched certificate
  // and key, a cipher or curve OpenSSL refuses: the message names the file or setting);
  // std::invalid_argument when `listen` is empty.
  WebServer(std::vector<std::string> listen, std::shared_ptr<prometheus::Registry> registry,
            WebConfig web_config = {});
  // The wiring for `dnsprop run`: serves metrics.registry() and its process collector
  // and counts handler failures in dnsprop_internal_errors_total. Keeps its own shares
  // of what it needs, so `metrics` may be destroyed first. Throws as above.
  WebServer(std::vector<std::string> listen, const CoreMetrics& metrics,
            WebConfig web_config = {});
  ~WebServer();

  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // The bound ports, in the order of `listen` (the real ones where 0 was asked for).
  std::vector<int> ports() const;
  // Whether the listen addresses serve HTTPS (the web config has tls_server_config).
  bool tls() const { return tls_.has_value(); }

  // Applies a re-read web config (SIGHUP): basic_auth_users and headers take effect for
  // the next request. TLS is set up when serving starts, so a config whose
  // tls_server_config differs is refused with std::invalid_argument and nothing changes
  // (restart to change TLS settings or to load renewed certificate files).
  void reloadWebConfig(const WebConfig& web_config);

  // /-/ready answers 200 once ready, 503 before (and after setReady(false)).
  void setReady(bool ready);
  // Migrations listed on the landing page (domain names, shown as text, escaped).
  void setLandingInfo(std::vector<std::string> migrations);

  // Serves `path` (exact match) with `handler`, replacing any earlier handler for it,
  // built-in ones included. The first form accepts GET and HEAD; the second the given
  // methods (HEAD is added when GET is present). May be called while serving.
  void handle(std::string path, Handler handler);
  void handle(std::string path, std::vector<std::string> methods, Handler handler);

  // Adds another source of metrics to /metrics (served after the registry).
  void addCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // Appends pre-rendered exposition text to /metrics after the collectables (e.g. a
  // SeriesTable: [t](std::string& o) { t->render(o); }). Called on an HTTP thread on every
  // scrape: must be thread-safe; its exceptions are handled like a handler's (500). A
  // family must come from either a collectable or a text source, never both.
  using TextSource = std::function<void(std::string& out)>;
  void addTextSource(TextSource source);
  // Called (on an HTTP thread) whenever a handler throws; must not block. The hook's own
  // exceptions are swallowed.
  void setInternalErrorHook(std::function<void()> hook);

 private:
  struct Route {
    std::vector<std::string> methods;
    Handler handler;
  };

  // What every request goes through before routing: immutable, swapped whole on reload.
  struct Access {
    std::vector<std::pair<std::string, std::string>> headers;  // from the web config
    std::shared_ptr<const BasicAuth> auth;                      // null: no authentication
  };

  WebServer(std::vector<std::string> listen,
            std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
            std::function<void()> internal_error_hook, WebConfig web_config);

  static std::shared_ptr<const Access> makeAccess(const WebConfig& web_config);
  static int onRequest(mg_connection* conn, void* cbdata);
  static int onLog(const mg_connection* conn, const char* message);
  static int onInitSsl(void* ssl_ctx, void* user_data);
  int serve(mg_connection* conn);
  void reportInternalError();
  void installBuiltinRoutes();
  Response landingPage() const;
  Response metricsPage() const;

  // Set in the constructor, read by onInitSsl (during mg_start2), then never changed.
  std::optional<TlsServerConfig> tls_;

  mutable std::shared_mutex mutex_;  // guards access_, routes_, collectables_, hook_, migrations_
  std::shared_ptr<const Access> access_;
  std::unordered_map<std::string, Route> routes_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::vector<TextSource> text_sources_;  // guarded by mutex_
  std::function<void()> internal_error_hook_;
  std::vector<std::string> migrations_;
  std::atomic<bool> ready_{false};

  // Declared last so it is destroyed first: mg_stop() joins the worker threads before
  // anything they use goes away.
  std::unique_ptr<mg_context, void (*)(mg_context*)> context_{nullptr, nullptr};
};

}  // namespace dnsprop
