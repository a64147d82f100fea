// The built-in status page for users without Grafana (docs/STATUS-PAGE.md).
//
// `/status` is one self-contained HTML5 document: inline CSS and vanilla JavaScript, no
// external resources. It fetches `status.json` (a relative URL, so it also works behind a
// reverse proxy that adds a path prefix) every 30 s and renders it client-side with DOM
// methods only (names from the config are treated as untrusted text). `/status.json` is
// produced by the caller.
//
// The page is served with a Content-Security-Policy that allows exactly its own inline
// script and stylesheet (by SHA-256 hash), fetches to the same origin, and nothing else.
//
// Thread-safety: every function here is thread-safe (the page and its policy are
// immutable, computed once on first use). Nothing throws except std::bad_alloc.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/web_server.h"

namespace dnsprop {

// The page (static storage; valid for the life of the program).
std::string_view statusPageHtml();

// The Content-Security-Policy header value served with the page:
// "default-src 'none'; script-src 'sha256-…'; style-src 'sha256-…'; connect-src 'self'; …".
std::string_view statusPageContentSecurityPolicy();

// The full response for GET /status: 200, text/html, the CSP above, no-cache.
WebServer::Response statusPageResponse();

// The response for GET /status.json given the producer's document. An empty document
// means "nothing to show yet" (before the first round): 503 with a JSON error object, so
// the page shows the error and keeps polling.
WebServer::Response statusJsonResponse(std::string document);

// Serves /status (statusPageResponse) and /status.json (statusJsonResponse of
// `status_json()`, called on a civetweb thread for every request: it must be
// thread-safe and should only copy a snapshot the loop published, STYLE 8). An
// exception from `status_json` becomes a 500 through WebServer's handler guard.
void registerStatusPage(WebServer& server, std::function<std::string()> status_json);

}  // namespace dnsprop
