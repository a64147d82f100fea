// Fetches one URL path from one web server address, as `curl --connect-to` would: the
// URL, the Host header and the TLS SNI carry the domain's name, but the TCP connection
// goes to the address given, never to what DNS says. The "parallel operation" checks use
// it to fetch every configured path from every old and every new server address and
// compare what came back.
//
// How it works: libcurl (OpenSSL backend) through its multi_socket API, driven by the
// caller's libuv loop: one uv_poll_t per socket curl asks us to watch, one uv_timer_t for
// curl's timer. curl does all HTTP and TLS; nothing here parses HTTP.
//
// Every fetch is isolated: a fresh connection (no reuse, no TLS session resumption, so
// the certificate is always presented and judged), no proxy (environment proxies such
// as http_proxy/https_proxy/all_proxy are ignored), http/https only, redirects never
// followed (the Location header is recorded as sent), no cookies, no credentials (.netrc
// ignored), HTTP/1.1, `Accept-Encoding: identity` and no content decoding (the hash is of
// the bytes as sent), at most `max_body` bytes read.
//
// Certificates: the exchange is always completed when TLS itself works, whatever the
// certificate, so that a wrong-name or expired certificate still yields the HTTP status.
// curl's own checks (VERIFYPEER, VERIFYHOST) are off; instead, through
// CURLOPT_SSL_CTX_FUNCTION, OpenSSL's certificate verification step of the handshake is
// replaced by ours (SSL_CTX_set_cert_verify_callback), which runs on every handshake:
// it verifies the presented chain against our own trust store (the system roots, or
// `ca_file`), records the first chain error and the leaf's facts, checks the requested
// host against the leaf (X509_check_host, no partial wildcards), and always lets the
// handshake go on. The caller judges: for HTTPS, `chain_ok && name_matches` and a
// `not_after` in the future (chain_ok already includes the validity period at the time
// of the fetch). Our trust store is independent of curl's CA settings and CA cache.
//
// Threading: loop thread only; not thread-safe. Callbacks run on the loop thread.
// Ownership: the prober owns its curl handles, uv handles and fetch state; the loop must
// outlive it (handles are closed with uv_close and freed when the loop runs again).
// Exceptions: nothing thrown by curl or libuv callbacks (ours or `done`) escapes into
// them; an exception from `done` is caught and logged.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/endpoint.h"
#include "servers/cert_facts.h"

namespace dnsprop {

// What became of one fetch.
//  Response       an HTTP response arrived (any status; the body may be truncated)
//  Timeout        `timeout` passed first (no connection, no handshake, or no answer)
//  ConnectFailed  the TCP connection was refused or could not be made
//  TlsFailed      the TLS handshake failed (e.g. plain HTTP on the HTTPS port); never
//                 because of the certificate, which is judged apart (CertFacts)
//  Error          anything else: a malformed or cut-off response, a bad request, cancelled
enum class WebOutcome { Response, Timeout, ConnectFailed, TlsFailed, Error };
// "response" "timeout" "connect_failed" "tls_failed" "error"
std::string_view toString(WebOutcome o);

struct WebRequest {
  std::string host;      // the name for the URL, Host header and SNI, no trailing dot ("www.shop.example.jp")
  Endpoint address;      // where to connect (IP and port; port 80/443 or what the config says)
  bool https = true;
  std::string path = "/";  // starts with '/'
};

struct WebResult {
  WebOutcome outcome = WebOutcome::Error;
  std::string error;                  // curl's error text when not Response
  int status = 0;                     // HTTP status when Response
  std::string location;               // the Location header of a 3xx, as sent (never followed)
  std::uint64_t body_bytes = 0;       // bytes received (up to max_body)
  bool body_truncated = false;        // more than max_body: stopped reading there
  std::string body_sha256;            // hex SHA-256 of the bytes received (OpenSSL EVP)
  Duration elapsed{};                 // from start to the end of the exchange
  std::optional<CertFacts> cert;      // https only, when a certificate was presented
};
// status, location and the body fields are set for Response only; `cert` whenever a
// certificate was presented, whatever the outcome (a Timeout after the handshake has one).

struct WebProberOptions {
  Duration timeout = std::chrono::seconds(10);   // whole exchange
  std::size_t max_body = 1 << 20;                // 1 MiB cap; bodies are never logged
  std::optional<std::filesystem::path> ca_file;  // trust store for chain_ok instead of the system roots (tests: a test CA)
  std::string user_agent;                        // default "dnsprop/<version>" (build::kVersion from dnsprop/build_info.h)
};

// Counters the metrics layer reads (loop thread, or through a published snapshot).
struct WebProberCounters {
  std::uint64_t fetches_started = 0;
  std::uint64_t fetches_finished = 0;  // `done` called (any outcome, cancelled included)
  std::uint64_t callback_errors = 0;   // exceptions thrown by a `done` callback (caught, logged)
};

// Fetches on a libuv loop. Loop thread only. Callbacks run on the loop; `done` is called exactly
// once per fetch (also on cancelAll(), with outcome Error, "cancelled"), never from within fetch().
// A `done` callback may call fetch() and cancelAll(), and may destroy the prober.
class WebProber {
 public:
  // Throws std::runtime_error if curl cannot be set up (curl_global_init or
  // curl_multi_init fails, libcurl is not built with OpenSSL) or the trust store cannot
  // be loaded (an unreadable or empty ca_file).
  WebProber(uv_loop_t* loop, WebProberOptions options);
  ~WebProber();  // cancels what is in flight (calls no callbacks)
  WebProber(const WebProber&) = delete;
  WebProber& operator=(const WebProber&) = delete;

  // Starts a fetch. A request that cannot be started (a host that is not a plain DNS name
  // or IPv4 literal, a path not starting with '/' or holding spaces or control
  // characters, curl refusing an option) ends with outcome Error, delivered later on the
  // loop like any other. Throws only std::bad_alloc.
  void fetch(WebRequest request, std::function<void(const WebResult&)> done);
  // Ends every fetch in flight now; each `done` is called before this returns, with
  // outcome Error and error "cancelled". Fetches started from those callbacks go on.
  void cancelAll();
  // Fetches whose `done` has not been called yet.
  std::size_t inFlight() const;
  const WebProberCounters& counters() const;

 private:
  class Impl;  // web_probe.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsprop
