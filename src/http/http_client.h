// A small blocking HTTP GET for one-shot commands (`dnsprop check --url`,
// `--prometheus`): civetweb's client (mg_connect_client) does the HTTP. Never used on
// the event loop. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>

namespace dnsprop {

struct HttpResult {
  bool ok = false;        // a response with a status line arrived
  int status = 0;         // HTTP status (when ok)
  std::string body;       // the whole body (when ok)
  std::string error;      // why not (when !ok)
};

// GETs `url` ("http://host[:port]/path?query", or https:// when civetweb has TLS;
// "user:password@" in the authority becomes Basic authorization). Never throws except
// std::bad_alloc; bodies over `max_body` bytes fail. `timeout` bounds the response wait.
HttpResult httpGet(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                   std::size_t max_body = 64u << 20);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string urlEncode(const std::string& s);

}  // namespace dnsprop
