#include "http/http_client.h"

#include <civetweb.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>


namespace dnsprop {
namespace {

struct ConnCloser {
  void operator()(mg_connection* c) const { mg_close_connection(c); }
};

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string urlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

HttpResult httpGet(const std::string& url, std::chrono::milliseconds timeout, std::size_t max_body) {
  HttpResult r;
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  // Split scheme://authority/path. Only what is needed to open a connection: the rest of
  // the URL goes to the server unchanged.
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    r.error = "not an http:// or https:// URL: " + url;
    return r;
  }
  const std::string scheme = url.substr(0, scheme_end);
  const bool tls = scheme == "https";
  if (!tls && scheme != "http") {
    r.error = "unsupported URL scheme \"" + scheme + "\"";
    return r;
  }
  const auto auth_start = scheme_end + 3;
  const auto path_start = url.find('/', auth_start);
  std::string authority = url.substr(auth_start, path_start == std::string::npos ? std::string::npos : path_start - auth_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  std::string userinfo;
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
  }
  std::string host = authority;
  int port = tls ? 443 : 80;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      r.error = "bad IPv6 literal in URL: " + url;
      return r;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = std::atoi(authority.c_str() + close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = std::atoi(authority.c_str() + colon + 1);
  }
  if (host.empty() || port <= 0 || port > 65535) {
    r.error = "bad host or port in URL: " + url;
    return r;
  }
  char ebuf[256] = {0};
  std::unique_ptr<mg_connection, ConnCloser> conn(
      mg_connect_client(host.c_str(), port, tls ? 1 : 0, ebuf, sizeof ebuf));
  if (!conn) {
    r.error = std::string("cannot connect to ") + authority + ": " + ebuf;
    return r;
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + authority + "\r\nAccept: application/json, */*\r\n";
  if (!userinfo.empty()) request += "Authorization: Basic " + base64(userinfo) + "\r\n";
  request += "Connection: close\r\n\r\n";
  if (mg_write(conn.get(), request.data(), request.size()) != static_cast<int>(request.size())) {
    r.error = "cannot send the request to " + authority;
    return r;
  }
  if (mg_get_response(conn.get(), ebuf, sizeof ebuf, static_cast<int>(timeout.count())) < 0) {
    r.error = std::string("no response from ") + authority + ": " + ebuf;
    return r;
  }
  const mg_response_info* info = mg_get_response_info(conn.get());
  if (info == nullptr) {
    r.error = "no response information from " + authority;
    return r;
  }
  r.status = info->status_code;
  char buf[16384];
  for (;;) {
    const int n = mg_read(conn.get(), buf, sizeof buf);
    if (n <= 0) break;
    r.body.append(buf, static_cast<std::size_t>(n));
    if (r.body.size() > max_body) {
      r.error = "response body from " + authority + " is larger than " + std::to_string(max_body) + " bytes";
      r.body.clear();
      return r;
    }
  }
  r.ok = true;
  return r;
}

}  // namespace dnsprop
