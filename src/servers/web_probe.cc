#include "servers/web_probe.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "common/log.h"
#include "dnsprop/build_info.h"
#include "net/uv_handle.h"
#include "servers/cert_judge.h"
#include "servers/host_name.h"

namespace dnsprop {

std::string_view toString(WebOutcome o) {
  switch (o) {
    case WebOutcome::Response:
      return "response";
    case WebOutcome::Timeout:
      return "timeout";
    case WebOutcome::ConnectFailed:
      return "connect_failed";
    case WebOutcome::TlsFailed:
      return "tls_failed";
    case WebOutcome::Error:
      return "error";
  }
  return "error";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// curl_global_init is not to be called per prober, and not concurrently with anything
// else in curl: once per process, thread-safe through the function-local static. It is
// never undone (curl_global_cleanup at exit would race with late users).
void initCurlOnce() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  }
}

// Our certificate judging hands OpenSSL objects through CURLOPT_SSL_CTX_FUNCTION: that
// only means what we think with the OpenSSL backend (Debian: libcurl4-openssl-dev).
void requireOpensslBackend() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info == nullptr || info->ssl_version == nullptr ||
      std::strncmp(info->ssl_version, "OpenSSL", 7) != 0) {
    throw std::runtime_error(std::string("libcurl is not built with OpenSSL (TLS backend: ") +
                             (info != nullptr && info->ssl_version != nullptr ? info->ssl_version : "none") +
                             ")");
  }
}

struct MultiCleanup {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct EasyCleanup {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct DigestFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiCleanup>;
using EasyPtr = std::unique_ptr<CURL, EasyCleanup>;
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;
using DigestPtr = std::unique_ptr<EVP_MD_CTX, DigestFree>;

// Appends to a list owned by `list`; false when out of memory.
bool slistAppend(SlistPtr& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  (void)list.release();
  list.reset(grown);
  return true;
}


// Starts with '/', visible ASCII only (spaces and controls must be percent-encoded).
bool validPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

WebOutcome outcomeOf(CURLcode rc) {
  switch (rc) {
    case CURLE_OK:
      return WebOutcome::Response;
    case CURLE_OPERATION_TIMEDOUT:
      return WebOutcome::Timeout;
    case CURLE_COULDNT_CONNECT:
      return WebOutcome::ConnectFailed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return WebOutcome::TlsFailed;
    default:
      return WebOutcome::Error;
  }
}

// Runs a libuv callback's work; nothing may unwind into libuv (std::bad_alloc is all that
// could). The handler touches nothing: the work may have destroyed the prober.
template <class F>
void guarded(F&& work) noexcept {
  try {
    work();
  } catch (...) {
    log::error("web probe: internal error in a libuv callback");
  }
}

}  // namespace

// ---------------------------------------------------------------- Impl

class WebProber::Impl {
 public:
  Impl(uv_loop_t* loop, WebProberOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void fetch(WebRequest request, std::function<void(const WebResult&)> done);
  void cancelAll();
  std::size_t inFlight() const { return fetches_.size(); }
  const WebProberCounters& counters() const { return counters_; }

 private:
  // One fetch: its easy handle and everything curl's callbacks write into.
  struct Fetch {
    Impl* owner = nullptr;
    WebRequest request;
    std::function<void(const WebResult&)> done;
    SteadyClock::time_point started{};
    std::optional<WebResult> failed_to_start;  // delivered by the defer timer
    SlistPtr connect_to;
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    DigestPtr digest;
    std::uint64_t body_bytes = 0;
    bool body_truncated = false;
    bool attached = false;  // added to the multi handle
    std::optional<CertFacts> cert;
    std::string internal_error;  // an exception caught in one of our curl callbacks
    EasyPtr easy;  // last: cleaned up first, before what it points into
  };

  void setUp(Fetch& f);
  void failToStart(Fetch& f, std::string why);
  void detach(Fetch& f);
  WebResult resultOf(Fetch& f, CURLcode rc);
  void deliver(Fetch& f, const WebResult& r);
  void scheduleDeferred();
  void deliverDeferred();
  void processDone();

  // curl callbacks (C linkage types, never throw).
  static int onSocket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp) noexcept;
  static int onCurlTimer(CURLM* multi, long timeout_ms, void* userp) noexcept;
  static size_t onBody(char* data, size_t size, size_t nmemb, void* userp) noexcept;
  static CURLcode onSslCtx(CURL* easy, void* ssl_ctx, void* userp) noexcept;
  static int onVerify(X509_STORE_CTX* ctx, void* arg) noexcept;
  // libuv callbacks.
  static void pollCallback(uv_poll_t* handle, int status, int events) {
    if (auto* me = static_cast<Impl*>(handle->data)) guarded([&] { me->onPoll(handle, status, events); });
  }
  void onPoll(uv_poll_t* handle, int status, int events);
  void onTimer();

  struct Watch {
    uv::UvPtr<uv_poll_t> poll;
    int events = 0;
  };

  uv_loop_t* loop_;
  WebProberOptions options_;
  servers::TrustStore trust_;
  SlistPtr headers_;  // shared by every easy handle; outlives them (see ~Impl)
  uv::UvPtr<uv_timer_t> curl_timer_;
  uv::UvPtr<uv_timer_t> defer_timer_;
  std::unordered_map<curl_socket_t, Watch> watches_;
  std::unordered_map<Fetch*, std::unique_ptr<Fetch>> fetches_;
  WebProberCounters counters_;
  // Expires when the prober is destroyed: a `done` callback may do that, and the code
  // that called it must then stop touching members.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  MultiPtr multi_;  // last: cleaned up first (see ~Impl)
};

WebProber::Impl::Impl(uv_loop_t* loop, WebProberOptions options)
    : loop_(loop), options_(std::move(options)), trust_((initCurlOnce(), options_.ca_file)) {
  requireOpensslBackend();
  if (options_.user_agent.empty()) options_.user_agent = std::string("dnsprop/") + build::kVersion;
  if (!slistAppend(headers_, "Accept-Encoding: identity")) throw std::bad_alloc();

  auto* t = uv::allocHandle<uv_timer_t>();
  if (int rc = uv_timer_init(loop_, t); rc != 0) {
    uv::discardUninitialised(t);
    throw std::runtime_error(std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  curl_timer_.reset(t);
  curl_timer_->data = this;
  t = uv::allocHandle<uv_timer_t>();
  if (int rc = uv_timer_init(loop_, t); rc != 0) {
    uv::discardUninitialised(t);
    throw std::runtime_error(std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  defer_timer_.reset(t);
  defer_timer_->data = this;

  multi_.reset(curl_multi_init());
  if (!multi_) throw std::runtime_error("curl_multi_init failed");
  CURLMcode mc = curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION,
                                     static_cast<curl_socket_callback>(&Impl::onSocket));
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION,
                                               static_cast<curl_multi_timer_callback>(&Impl::onCurlTimer));
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
  // A round starts every fetch at once: at most this many connections at a time (the
  // rest queue inside curl, their timeout running).
  if (mc == CURLM_OK) mc = curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, 32L);
  if (mc != CURLM_OK) throw std::runtime_error(std::string("curl_multi_setopt: ") + curl_multi_strerror(mc));
}

WebProber::Impl::~Impl() {
  // Detach and clean every easy handle while the multi handle, the shared header list and
  // the socket watches still exist: curl calls onSocket(CURL_POLL_REMOVE) from here,
  // which closes the uv_poll handles before curl closes the sockets.
  for (auto& [raw, fetch] : fetches_) detach(*fetch);
  fetches_.clear();
  multi_.reset();
  watches_.clear();  // none should be left; closes any that are
}

// ---- starting

void WebProber::Impl::fetch(WebRequest request, std::function<void(const WebResult&)> done) {
  auto owned = std::make_unique<Fetch>();
  Fetch& f = *owned;
  f.owner = this;
  f.request = std::move(request);
  f.done = std::move(done);
  f.started = SteadyClock::now();
  fetches_.emplace(&f, std::move(owned));
  ++counters_.fetches_started;
  try {
    setUp(f);
  } catch (...) {  // std::bad_alloc: the fetch never existed, `done` is never called
    detach(f);
    fetches_.erase(&f);
    throw;
  }
}

void WebProber::Impl::setUp(Fetch& f) {
  WebRequest& rq = f.request;
  if (!rq.host.empty() && rq.host.back() == '.') rq.host.pop_back();
  if (!servers::validHostName(rq.host)) return failToStart(f, "invalid host name '" + rq.host + "'");
  if (!validPath(rq.path)) return failToStart(f, "invalid path '" + rq.path + "'");

  f.digest.reset(EVP_MD_CTX_new());
  if (!f.digest || EVP_DigestInit_ex(f.digest.get(), EVP_sha256(), nullptr) != 1) {
    return failToStart(f, "cannot set up SHA-256");
  }
  f.easy.reset(curl_easy_init());
  if (!f.easy) return failToStart(f, "curl_easy_init failed");

  const char* scheme = rq.https ? "https" : "http";
  const int url_port = rq.https ? 443 : 80;
  const std::string url = std::string(scheme) + "://" + rq.host + rq.path;
  // "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT": the URL keeps its default port, so the
  // Host header is the bare name, while the connection goes to the configured address.
  const std::string addr = rq.address.family() == Endpoint::Family::V6 ? "[" + rq.address.address() + "]"
                                                                       : rq.address.address();
  if (!slistAppend(f.connect_to, rq.host + ":" + std::to_string(url_port) + ":" + addr + ":" +
                                     std::to_string(rq.address.port()))) {
    throw std::bad_alloc();
  }

  CURL* e = f.easy.get();
  const long timeout_ms = static_cast<long>(std::max<std::int64_t>(options_.timeout.count(), 1));
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption opt, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, value);
  };
  set(CURLOPT_PRIVATE, static_cast<void*>(&f));
  set(CURLOPT_ERRORBUFFER, f.errbuf.data());
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_CONNECT_TO, f.connect_to.get());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  // "" disables proxies even when http_proxy/https_proxy/all_proxy are set; NOPROXY "*"
  // says the same for any host, in case a later setting brings a proxy back.
  set(CURLOPT_PROXY, "");
  set(CURLOPT_NOPROXY, "*");
  set(CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED));
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers_.get());
  set(CURLOPT_HTTP_CONTENT_DECODING, 0L);  // hash what the server sent
  set(CURLOPT_TIMEOUT_MS, timeout_ms);
  set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  // A fresh connection per fetch, closed after it: every fetch must do a handshake that
  // presents (and so has judged) the certificate. With reuse allowed, curl 7.88 reuses the
  // previous connection to the same address and the second fetch has no certificate.
  set(CURLOPT_FRESH_CONNECT, 1L);
  set(CURLOPT_FORBID_REUSE, 1L);
  set(CURLOPT_WRITEFUNCTION, static_cast<curl_write_callback>(&Impl::onBody));
  set(CURLOPT_WRITEDATA, static_cast<void*>(&f));
  if (rq.https) {
    // A resumed session presents no certificate. curl 7.88 keeps the session cache per
    // easy handle (we use each once), so this guards against a future shared cache.
    set(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    set(CURLOPT_SSL_VERIFYPEER, 0L);       // judged by onVerify instead
    set(CURLOPT_SSL_VERIFYHOST, 0L);
    set(CURLOPT_SSL_CTX_FUNCTION, static_cast<curl_ssl_ctx_callback>(&Impl::onSslCtx));
    set(CURLOPT_SSL_CTX_DATA, static_cast<void*>(&f));
  }
  if (rc != CURLE_OK) return failToStart(f, std::string("curl_easy_setopt: ") + curl_easy_strerror(rc));

  // Never completes here: curl only asks for a timer (onCurlTimer), the work starts
  // when the loop runs it.
  const CURLMcode mc = curl_multi_add_handle(multi_.get(), e);
  if (mc != CURLM_OK) return failToStart(f, std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
  f.attached = true;
}

void WebProber::Impl::failToStart(Fetch& f, std::string why) {
  WebResult r;
  r.outcome = WebOutcome::Error;
  r.error = std::move(why);
  f.failed_to_start = std::move(r);
  f.easy.reset();
  scheduleDeferred();
}

void WebProber::Impl::scheduleDeferred() {
  uv_timer_start(
      defer_timer_.get(),
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Impl*>(t->data)) guarded([self] { self->deliverDeferred(); });
      },
      0, 0);
}

void WebProber::Impl::deliverDeferred() {
  std::vector<std::unique_ptr<Fetch>> ready;
  for (auto it = fetches_.begin(); it != fetches_.end();) {
    if (it->second->failed_to_start) {
      ready.push_back(std::move(it->second));
      it = fetches_.erase(it);
    } else {
      ++it;
    }
  }
  const std::weak_ptr<int> alive = alive_;
  for (auto& f : ready) {
    f->failed_to_start->elapsed =
        std::chrono::duration_cast<Duration>(SteadyClock::now() - f->started);
    deliver(*f, *f->failed_to_start);
    if (alive.expired()) return;
  }
}

// ---- finishing

void WebProber::Impl::detach(Fetch& f) {
  if (f.attached) {
    curl_multi_remove_handle(multi_.get(), f.easy.get());
    f.attached = false;
  }
  f.easy.reset();
}

WebResult WebProber::Impl::resultOf(Fetch& f, CURLcode rc) {
  WebResult r;
  r.cert = std::move(f.cert);
  CURL* e = f.easy.get();
  // Stopping at max_body is our abort (onBody returned short): the response stands.
  const bool truncated = rc == CURLE_WRITE_ERROR && f.body_truncated;
  r.outcome = truncated ? WebOutcome::Response : outcomeOf(rc);
  if (!f.internal_error.empty()) r.outcome = WebOutcome::Error;
  if (r.outcome != WebOutcome::Response) {
    if (!f.internal_error.empty()) {
      r.error = "internal error: " + f.internal_error;
    } else {
      r.error = f.errbuf[0] != '\0' ? std::string(f.errbuf.data()) : std::string(curl_easy_strerror(rc));
    }
    return r;
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  r.status = static_cast<int>(status);
  if (r.status >= 300 && r.status < 400) {
    // As sent, not CURLINFO_REDIRECT_URL (which curl resolves against the URL).
    curl_header* h = nullptr;
    if (curl_easy_header(e, "Location", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr) {
      r.location = h->value;
    }
  }
  r.body_bytes = f.body_bytes;
  r.body_truncated = f.body_truncated;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_DigestFinal_ex(f.digest.get(), md, &md_len) == 1) r.body_sha256 = hex(md, md_len);
  return r;
}

// Calls `done`, which may destroy *this: only the counters are touched afterwards, and
// only while *this lives.
void WebProber::Impl::deliver(Fetch& f, const WebResult& r) {
  ++counters_.fetches_finished;
  const std::weak_ptr<int> alive = alive_;
  std::optional<std::string> thrown;
  try {
    f.done(r);
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "unknown exception";
  }
  if (!thrown) return;
  log::error("web probe callback threw",
             {{"host", f.request.host}, {"address", f.request.address.toString()}, {"err", *thrown}});
  if (!alive.expired()) ++counters_.callback_errors;
}

void WebProber::Impl::processDone() {
  const std::weak_ptr<int> alive = alive_;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // The message is gone once its handle is removed: copy what we need first.
    CURL* easy = msg->easy_handle;
    const CURLcode rc = msg->data.result;
    char* priv = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    auto it = fetches_.find(reinterpret_cast<Fetch*>(priv));
    if (it == fetches_.end()) {  // not ours any more (cannot happen): just let go of it
      curl_multi_remove_handle(multi_.get(), easy);
      continue;
    }
    std::unique_ptr<Fetch> f = std::move(it->second);
    fetches_.erase(it);
    WebResult r;
    try {
      r = resultOf(*f, rc);
    } catch (const std::exception& e) {
      r = WebResult{};
      r.error = std::string("internal error: ") + e.what();
    }
    r.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - f->started);
    detach(*f);
    deliver(*f, r);
    if (alive.expired()) return;
  }
}

void WebProber::Impl::cancelAll() {
  std::vector<std::unique_ptr<Fetch>> cancelled;
  cancelled.reserve(fetches_.size());
  for (auto& [raw, f] : fetches_) {
    detach(*f);
    cancelled.push_back(std::move(f));
  }
  fetches_.clear();
  const std::weak_ptr<int> alive = alive_;
  for (auto& f : cancelled) {
    WebResult r;
    r.outcome = WebOutcome::Error;
    r.error = "cancelled";
    r.cert = std::move(f->cert);
    r.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - f->started);
    deliver(*f, r);
    if (alive.expired()) return;
  }
}

// ---- curl callbacks

int WebProber::Impl::onSocket(CURL*, curl_socket_t s, int what, void* userp, void*) noexcept {
  auto* self = static_cast<Impl*>(userp);
  try {
    if (what == CURL_POLL_REMOVE) {
      // Closing the uv_poll handle stops watching at once (epoll_ctl DEL), before curl
      // closes the socket; the handle's memory goes in its close callback.
      self->watches_.erase(s);
      return 0;
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
    auto it = self->watches_.find(s);
    if (it == self->watches_.end()) {
      auto* p = uv::allocHandle<uv_poll_t>();
      if (uv_poll_init_socket(self->loop_, p, s) != 0) {
        uv::discardUninitialised(p);
        return -1;  // curl fails the transfer
      }
      Watch w;
      w.poll.reset(p);
      w.poll->data = self;
      it = self->watches_.emplace(s, std::move(w)).first;
    }
    it->second.events = events;
    const int rc = uv_poll_start(it->second.poll.get(), events, &Impl::pollCallback);
    return rc == 0 ? 0 : -1;
  } catch (...) {
    return -1;
  }
}

int WebProber::Impl::onCurlTimer(CURLM*, long timeout_ms, void* userp) noexcept {
  auto* self = static_cast<Impl*>(userp);
  if (timeout_ms < 0) {
    uv_timer_stop(self->curl_timer_.get());
    return 0;
  }
  // Never call curl from inside its own callback: even 0 ms means "on the next turn".
  const int rc = uv_timer_start(
      self->curl_timer_.get(),
      [](uv_timer_t* t) {
        if (auto* me = static_cast<Impl*>(t->data)) guarded([me] { me->onTimer(); });
      },
      static_cast<std::uint64_t>(timeout_ms), 0);
  return rc == 0 ? 0 : -1;
}

size_t WebProber::Impl::onBody(char* data, size_t size, size_t nmemb, void* userp) noexcept {
  auto* f = static_cast<Fetch*>(userp);
  const std::size_t n = size * nmemb;
  const std::size_t max = f->owner->options_.max_body;
  const std::size_t room = f->body_bytes < max ? max - static_cast<std::size_t>(f->body_bytes) : 0;
  const std::size_t take = std::min(n, room);
  if (take > 0 && EVP_DigestUpdate(f->digest.get(), data, take) != 1) {
    f->internal_error = "SHA-256 update failed";
    return 0;
  }
  f->body_bytes += take;
  if (take < n) {
    f->body_truncated = true;
    return 0;  // fewer bytes than offered: curl stops the transfer (CURLE_WRITE_ERROR)
  }
  return n;
}

CURLcode WebProber::Impl::onSslCtx(CURL*, void* ssl_ctx, void* userp) noexcept {
  // curl (7.88) makes a new SSL_CTX per connection and calls this before the handshake.
  // Replacing the verification step rather than adding a verify_callback: OpenSSL runs
  // it on every handshake even with SSL_VERIFY_NONE, it sees the whole presented chain,
  // and it does not depend on the CA store curl sets up (lazily, after this callback).
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), &Impl::onVerify, userp);
  return CURLE_OK;
}

int WebProber::Impl::onVerify(X509_STORE_CTX* ctx, void* arg) noexcept {
  auto* f = static_cast<Fetch*>(arg);
  try {
    if (X509* leaf = X509_STORE_CTX_get0_cert(ctx)) {
      f->cert = servers::judgeCertificate(leaf, X509_STORE_CTX_get0_untrusted(ctx), f->owner->trust_,
                                          f->request.host);
    }
  } catch (const std::exception& e) {
    f->internal_error = std::string("certificate check: ") + e.what();
  } catch (...) {
    f->internal_error = "certificate check failed";
  }
  // Always go on: the certificate is judged, never a reason to fail the exchange.
  X509_STORE_CTX_set_error(ctx, X509_V_OK);
  return 1;
}

// ---- libuv callbacks

void WebProber::Impl::onPoll(uv_poll_t* handle, int status, int events) {
  int fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(handle), &fd);
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if ((events & UV_READABLE) != 0) flags |= CURL_CSELECT_IN;
    if ((events & UV_WRITABLE) != 0) flags |= CURL_CSELECT_OUT;
  }
  int running = 0;
  curl_multi_socket_action(multi_.get(), static_cast<curl_socket_t>(fd), flags, &running);
  if (status < 0) {
    // libuv stops a poll handle that reported an error. If curl still wants this socket
    // watched (it did not remove it), watch it again, or the transfer would sit until
    // its timeout.
    auto it = watches_.find(static_cast<curl_socket_t>(fd));
    if (it != watches_.end() && it->second.poll.get() == handle &&
        uv_is_active(reinterpret_cast<uv_handle_t*>(handle)) == 0) {
      uv_poll_start(handle, it->second.events, &Impl::pollCallback);
    }
  }
  processDone();  // may destroy *this: nothing after it
}

void WebProber::Impl::onTimer() {
  int running = 0;
  curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
  processDone();  // may destroy *this: nothing after it
}

// ---------------------------------------------------------------- WebProber

WebProber::WebProber(uv_loop_t* loop, WebProberOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {}

WebProber::~WebProber() = default;

void WebProber::fetch(WebRequest request, std::function<void(const WebResult&)> done) {
  impl_->fetch(std::move(request), std::move(done));
}

void WebProber::cancelAll() { impl_->cancelAll(); }

std::size_t WebProber::inFlight() const { return impl_->inFlight(); }

const WebProberCounters& WebProber::counters() const { return impl_->counters(); }

}  // namespace dnsprop
