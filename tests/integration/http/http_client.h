// A tiny HTTP/1.1 client for the http integration tests, on civetweb's client API
// (so no HTTP parsing of our own). Test code only.
#pragma once

#include <civetweb.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

namespace dnsprop::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One request with "Connection: close"; nullopt when the connection or the response
// fails (the reason goes to `error`). Waits at most 10 s for the response.
inline std::optional<HttpReply> httpRequest(const std::string& host, int port,
                                            const std::string& method, const std::string& path,
                                            std::string* error = nullptr) {
  char ebuf[256] = "";
  mg_connection* conn = mg_connect_client(host.c_str(), port, 0, ebuf, sizeof ebuf);
  if (conn == nullptr) {
    if (error) *error = ebuf;
    return std::nullopt;
  }
  mg_printf(conn,
            "%s %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            method.c_str(), path.c_str(), host.c_str(), port);
  if (mg_get_response(conn, ebuf, sizeof ebuf, 10000) < 0) {
    if (error) *error = ebuf;
    mg_close_connection(conn);
    return std::nullopt;
  }
  HttpReply reply;
  const mg_response_info* info = mg_get_response_info(conn);
  reply.status = info->status_code;
  for (int i = 0; i < info->num_headers; ++i) {
    std::string name = info->http_headers[i].name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    reply.headers[name] = info->http_headers[i].value;
  }
  if (method != "HEAD") {
    char buf[4096];
    int n = 0;
    while ((n = mg_read(conn, buf, sizeof buf)) > 0) reply.body.append(buf, static_cast<std::size_t>(n));
  }
  mg_close_connection(conn);
  return reply;
}

inline std::optional<HttpReply> httpGet(int port, const std::string& path) {
  return httpRequest("127.0.0.1", port, "GET", path);
}

}  // namespace dnsprop::testing
