#include "http/web_server.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "common/log.h"
#include "dnsprop/build_info.h"
#include "http/basic_auth.h"
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
// The TLS set-up error of onInitSsl, which also runs synchronously inside mg_start2.
thread_local std::string* t_tls_error = nullptr;

void initCivetwebOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(0); });
}

// ---- TLS ----

// Makes civetweb's dlopen("libssl.so") find a library it can use: see
// http/tls_compat/tls_compat.c for why and how. Nothing may dlopen "libssl.so" before
// the modules are loaded (glibc would then alias the real libssl.so.3 under that name),
// so this loads first and only checks afterwards. Returns an error text, empty when TLS
// can be served. Runs once per process.
std::string loadTlsCompatOnce() {
#if defined(DNSPROP_TLS_COMPAT_DIRS)
  std::string looked;
  const std::string_view dirs = DNSPROP_TLS_COMPAT_DIRS;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const auto end = std::min(dirs.find(':', start), dirs.size());
    const std::filesystem::path dir(std::string(dirs.substr(start, end - start)));
    start = end + 1;
    if (dir.empty()) continue;
    const auto ssl = dir / "libdnsprop-ssl-compat.so";
    const auto crypto = dir / "libdnsprop-crypto-compat.so";
    looked += (looked.empty() ? "" : ", ") + dir.string();
    std::error_code ec;
    if (!std::filesystem::exists(ssl, ec)) continue;
    // The crypto module is optional: without it civetweb opens libssl-dev's
    // libcrypto.so symlink, which is fine where that package is installed.
    if (std::filesystem::exists(crypto, ec) &&
        dlopen(crypto.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
      const char* why = dlerror();
      return "cannot load " + crypto.string() + ": " + (why ? why : "unknown error");
    }
    if (dlopen(ssl.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
      const char* why = dlerror();
      return "cannot load " + ssl.string() + ": " + (why ? why : "unknown error");
    }
    void* handle = dlopen("libssl.so", RTLD_LAZY | RTLD_NOLOAD);
    const bool usable = handle != nullptr && dlsym(handle, "SSL_get_peer_certificate") != nullptr;
    if (handle != nullptr) dlclose(handle);
    if (!usable) {
      return "loaded " + ssl.string() + " but civetweb would still not find " +
             "SSL_get_peer_certificate in libssl.so (was libssl.so opened earlier?)";
    }
    return {};
  }
  return "TLS needs libdnsprop-ssl-compat.so, which lets Debian 12's civetweb 1.15 use "
         "OpenSSL 3; it was not found in " + looked + " (reinstall dnsprop or rebuild)";
#else
  return "this dnsprop was built without the TLS compat modules (DNSPROP_TLS_COMPAT_DIRS), "
         "which Debian 12's civetweb 1.15 needs to use OpenSSL 3";
#endif
}

std::string prepareCivetwebTls() {
  static std::once_flag once;
  static std::string error;
  std::call_once(once, [] { error = loadTlsCompatOnce(); });
  return error;
}

// Drains OpenSSL's error queue of this thread into one line.
std::string opensslErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int opensslVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::Tls10: return TLS1_VERSION;
    case TlsVersion::Tls11: return TLS1_1_VERSION;
    case TlsVersion::Tls12: return TLS1_2_VERSION;
    case TlsVersion::Tls13: return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(1, sep)) + i;
  return out;
}

// RequestClientCert and RequireAnyClientCert take any certificate, as Go does: the
// chain is not verified.
int acceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

// Encrypted keys would make OpenSSL prompt on the terminal: refuse them instead.
int noPassphrase(char*, int, int, void*) { return 0; }

// Sets up civetweb's fresh SSL_CTX from the web config. Throws std::runtime_error with
// a message naming the file or setting.
void configureTls(SSL_CTX* ctx, const TlsServerConfig& t) {
  ERR_clear_error();
  // civetweb disables protocol versions through options before calling us: undo that,
  // the versions are ours to choose.
  SSL_CTX_clear_options(ctx, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                                 SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
  if (SSL_CTX_set_min_proto_version(ctx, opensslVersion(t.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, opensslVersion(t.max_version)) != 1) {
    throw std::runtime_error("cannot set the TLS versions: " + opensslErrors());
  }
  SSL_CTX_set_default_passwd_cb(ctx, &noPassphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx, t.cert_file.c_str()) != 1) {
    throw std::runtime_error("cannot load cert_file " + t.cert_file.string() + ": " +
                             opensslErrors());
  }
  const std::string mismatch = "key_file " + t.key_file.string() + " does not match cert_file " +
                               t.cert_file.string();
  if (SSL_CTX_use_PrivateKey_file(ctx, t.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate while loading it.
    const unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_X509 && ERR_GET_REASON(last) == X509_R_KEY_VALUES_MISMATCH) {
      throw std::runtime_error(mismatch + ": " + opensslErrors());
    }
    throw std::runtime_error("cannot load key_file " + t.key_file.string() +
                             " (a PEM private key; encrypted keys are not supported): " +
                             opensslErrors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error(mismatch + ": " + opensslErrors());
  }
  if (!t.openssl_ciphers.empty() &&
      SSL_CTX_set_cipher_list(ctx, join(t.openssl_ciphers, ':').c_str()) != 1) {
    throw std::runtime_error("OpenSSL accepts none of cipher_suites: " + opensslErrors());
  }
  if (!t.openssl_groups.empty() &&
      SSL_CTX_set1_groups_list(ctx, join(t.openssl_groups, ':').c_str()) != 1) {
    throw std::runtime_error("OpenSSL refuses curve_preferences: " + opensslErrors());
  }
  if (t.client_ca_file) {
    const std::string ca = t.client_ca_file->string();
    if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
      throw std::runtime_error("cannot load client_ca_file " + ca + ": " + opensslErrors());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
    if (names == nullptr) {
      throw std::runtime_error("client_ca_file " + ca + " holds no certificate: " +
                               opensslErrors());
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }
  switch (t.client_auth) {
    case ClientAuth::NoClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::RequestClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &acceptAnyCertificate);
      break;
    case ClientAuth::RequireAnyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         &acceptAnyCertificate);
      break;
    case ClientAuth::VerifyClientCertIfGiven:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::RequireAndVerifyClientCert:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  // Session resumption with client certificates needs a context id (civetweb sets one
  // only when it configures the context itself).
  static const unsigned char kSessionId[] = "dnsprop";
  SSL_CTX_set_session_id_context(ctx, kSessionId, sizeof kSessionId - 1);
}

bool asciiIEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

// The web config's headers, unless the handler set the same header itself.
// X-Content-Type-Options is left out: send() always sends "nosniff", its only allowed
// value.
void addConfiguredHeaders(WebServer::Response& r,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (asciiIEquals(name, "X-Content-Type-Options")) continue;
    const bool present = std::any_of(r.headers.begin(), r.headers.end(),
                                     [&](const auto& h) { return asciiIEquals(h.first, name); });
    if (!present) r.headers.emplace_back(name, value);
  }
}

std::string_view toString(BasicAuth::Outcome o) {
  switch (o) {
    case BasicAuth::Outcome::Allowed: return "allowed";
    case BasicAuth::Outcome::NoCredentials: return "no credentials";
    case BasicAuth::Outcome::Malformed: return "malformed credentials";
    case BasicAuth::Outcome::Denied: return "unknown user or wrong password";
  }
  return "?";
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
                     std::shared_ptr<prometheus::Registry> registry, WebConfig web_config)
    : WebServer(std::move(listen), {std::move(registry)}, {}, std::move(web_config)) {}

WebServer::WebServer(std::vector<std::string> listen, const CoreMetrics& metrics,
                     WebConfig web_config)
    : WebServer(std::move(listen), {metrics.registry(), metrics.processCollector()},
                metrics.internalErrorHook(), std::move(web_config)) {}

WebServer::WebServer(std::vector<std::string> listen,
                     std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
                     std::function<void()> internal_error_hook, WebConfig web_config)
    : tls_(web_config.tls),
      access_(makeAccess(web_config)),
      collectables_(std::move(collectables)),
      internal_error_hook_(std::move(internal_error_hook)) {
  if (listen.empty()) throw std::invalid_argument("web server: no listen address given");
  if (tls_) {
    if (auto why = prepareCivetwebTls(); !why.empty()) {
      throw std::runtime_error("web server: cannot serve TLS: " + why);
    }
  }
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
    if (tls_) ports_option += 's';  // civetweb's suffix for an HTTPS-only port
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
  // With init_ssl set, civetweb needs no ssl_certificate option: the callback sets up
  // the whole SSL_CTX (certificate and key may be two files, unlike civetweb's option).
  if (tls_) callbacks.init_ssl = &WebServer::onInitSsl;
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = options;
  char error_text[256] = "";
  unsigned error_code = 0;
  mg_error_data error{&error_code, error_text, sizeof error_text};

  std::vector<std::string> messages;
  std::string tls_error;
  t_start_messages = &messages;
  t_tls_error = &tls_error;
  mg_context* ctx = mg_start2(&init, &error);
  t_start_messages = nullptr;
  t_tls_error = nullptr;
  if (ctx == nullptr && !tls_error.empty()) {
    throw std::runtime_error("web server: cannot set up TLS: " + tls_error);
  }
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
  log::info("web server listening",
            {{"address", ports_option},
             {"ports", bound},
             {"tls", tls_ ? "true" : "false"},
             {"basic_auth", access_->auth ? "true" : "false"}});
}

std::shared_ptr<const WebServer::Access> WebServer::makeAccess(const WebConfig& web_config) {
  auto access = std::make_shared<Access>();
  access->headers = web_config.headers;
  if (!web_config.basic_auth_users.empty()) {
    access->auth = std::make_shared<const BasicAuth>(web_config.basic_auth_users);
  }
  return access;
}

void WebServer::reloadWebConfig(const WebConfig& web_config) {
  if (web_config.tls != tls_) {
    throw std::invalid_argument(
        "web config: tls_server_config differs from the running one; TLS is set up at "
        "start-up only, restart dnsprop to change it");
  }
  auto next = makeAccess(web_config);
  std::unique_lock lock(mutex_);
  access_ = std::move(next);
}

int WebServer::onInitSsl(void* ssl_ctx, void* user_data) {
  auto* self = static_cast<WebServer*>(user_data);
  try {
    configureTls(static_cast<SSL_CTX*>(ssl_ctx), self->tls_.value());
    return 1;  // done: civetweb adds nothing of its own
  } catch (const std::exception& e) {
    if (t_tls_error != nullptr) {
      *t_tls_error = e.what();
    } else {
      log::error("TLS set-up failed", {{"err", e.what()}});
    }
    return -1;
  }
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

void WebServer::addTextSource(TextSource source) {
  std::unique_lock lock(mutex_);
  text_sources_.push_back(std::move(source));
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
      "<li><a href=\"/status\">Status page</a> (<a href=\"/status.json\">JSON</a>)</li>\n"
      "<li><a href=\"/metrics\">Metrics</a></li>\n"
      "<li><a href=\"/-/healthy\">Health</a></li>\n"
      "<li><a href=\"/-/ready\">Readiness</a></li>\n"
      "<li><a href=\"/runbook\">Runbooks</a> (what each alert means and what to do)</li>\n"
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
  std::vector<TextSource> texts;
  {
    std::shared_lock lock(mutex_);
    sources = collectables_;
    texts = text_sources_;
  }
  std::vector<prometheus::MetricFamily> families;
  for (const auto& source : sources) {
    auto collected = source->Collect();
    std::move(collected.begin(), collected.end(), std::back_inserter(families));
  }
  Response r;
  r.content_type = kMetricsContentType;
  r.body = prometheus::TextSerializer().Serialize(families);
  for (const auto& text : texts) text(r.body);
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
  std::shared_ptr<const Access> access;
  {
    std::shared_lock lock(mutex_);
    access = access_;
  }

  Response response;
  try {
    // Authentication comes before routing: without it nothing, not even which paths
    // exist, is revealed.
    bool authorized = true;
    if (access->auth) {
      const char* header = mg_get_header(conn, "Authorization");
      const auto outcome = access->auth->check(header != nullptr ? header : "");
      authorized = outcome == BasicAuth::Outcome::Allowed;
      if (!authorized) {
        log::debug("http request not authorized",
                   {{"path", request.path}, {"reason", std::string(toString(outcome))}});
      }
    }
    Route route;
    bool found = false;
    if (authorized) {
      std::shared_lock lock(mutex_);
      if (auto it = routes_.find(request.path); it != routes_.end()) {
        route = it->second;
        found = true;
      }
    }
    if (!authorized) {
      response = plain(401, "401 Unauthorized\n");
      response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"dnsprop\"");
    } else if (!found) {
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
  try {
    addConfiguredHeaders(response, access->headers);
  } catch (...) {
    // Out of memory: answer without them rather than let an exception reach civetweb.
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
