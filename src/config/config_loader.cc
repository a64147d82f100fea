// TOML -> validated Config (schema and rules: docs/CONFIG.md).
//
// Design: one pass over the parsed toml++ tree. Every table first has its keys checked
// against the schema (an unknown key is an error at the key's position, never ignored),
// then each known key is read with exact type checks (`is_*` / `value_exact`, never
// `value_or`, so a wrong type is an error at the value's position instead of a silent
// default). Cross-field rules (watch lists against expectations, duplicates) run after
// the fields they relate are read, and point at the most specific node available.
// The first problem found is thrown as ConfigError; nothing else escapes.
#include "config/config_loader.h"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

namespace dnsprop {
namespace {

namespace fs = std::filesystem;

constexpr Duration kDefaultMinParallel = std::chrono::hours(24 * 14);

std::string_view typeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
  }
  return "unknown";
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Values that end up as Prometheus label values or resolver ids: keep them to a
// conservative alphabet so they survive URLs, logfmt and shell scripts unquoted.
bool isSafeLabel(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

// Checks a domain name and returns it lower-case and absolute, or sets `why`.
// A trailing dot is optional on input. LDH plus underscore (for _service names);
// internationalised names must be given in their ASCII (xn--) form.
std::optional<std::string> normaliseName(std::string_view in, std::string& why) {
  std::string_view s = in;
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty()) {
    why = "is not a domain name (empty, or the root)";
    return std::nullopt;
  }
  if (s.size() > 253) {
    why = "is longer than 253 characters";
    return std::nullopt;
  }
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      const std::size_t len = i - label_start;
      if (len == 0) {
        why = "has an empty label";
        return std::nullopt;
      }
      if (len > 63) {
        why = "has a label longer than 63 characters";
        return std::nullopt;
      }
      label_start = i + 1;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      why = "contains non-ASCII characters (write internationalised names in their xn-- form)";
      return std::nullopt;
    }
    if (!(std::isalnum(c) || c == '-' || c == '_')) {
      why = fmt::format("contains '{}' (allowed: letters, digits, '-', '_')", static_cast<char>(c));
      return std::nullopt;
    }
  }
  return lower(s) + ".";
}

WallTime toWallTime(const toml::date_time& dt) {
  using namespace std::chrono;
  const sys_days date = year_month_day{year{dt.date.year}, month{dt.date.month}, day{dt.date.day}};
  auto t = time_point_cast<WallTime::duration>(date) + hours{dt.time.hour} +
           minutes{dt.time.minute} + seconds{dt.time.second} +
           duration_cast<WallTime::duration>(nanoseconds{dt.time.nanosecond});
  if (dt.offset) t -= minutes{dt.offset->minutes};
  return t;
}

// Node plus the dotted path users see in messages ("migration[0].old.addresses[1]").
struct Item {
  const toml::node* node;
  std::string path;
};

class Loader {
 public:
  Loader(std::string file, fs::path base) : file_(std::move(file)), base_(std::move(base)) {}

  Config load(const toml::table& root, const fs::path& source) {
    Config c;
    c.source = source;
    checkKeys(root, "at the top level", {"monitor", "web", "resolvers", "migration"});
    if (auto* t = optionalTable(root, "monitor", "monitor")) c.monitor = monitor(*t);
    if (auto* t = optionalTable(root, "web", "web")) c.web = web(*t);
    if (auto* t = optionalTable(root, "resolvers", "resolvers")) c.resolvers = resolvers(*t);
    if (auto* n = root.get("migration")) c.migrations = migrations(*n);
    return c;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& where, std::string message) const {
    throw ConfigError(file_, static_cast<int>(where.begin.line),
                      static_cast<int>(where.begin.column), std::move(message));
  }
  [[noreturn]] void fail(const toml::node& n, std::string message) const {
    fail(n.source(), std::move(message));
  }
  [[noreturn]] void wrongType(const Item& it, std::string_view expected) const {
    fail(*it.node, fmt::format("{}: expected {}, got {}", it.path, expected,
                               typeName(it.node->type())));
  }

  static std::string join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
  }
  static std::string index(std::string_view path, std::size_t i) {
    return fmt::format("{}[{}]", path, i);
  }

  void checkKeys(const toml::table& t, std::string_view where,
                 std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : t) {
      const std::string_view k = key.str();
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string list;
      std::string_view best;
      std::size_t best_distance = 3;  // suggest only near misses
      for (auto a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
        const auto d = editDistance(lower(k), a);
        if (d < best_distance) {
          best_distance = d;
          best = a;
        }
      }
      const std::string hint = best.empty() ? "" : fmt::format("did you mean \"{}\"? ", best);
      fail(key.source(), fmt::format("unknown key \"{}\" {} ({}expected one of: {})", k, where,
                                     hint, list));
    }
  }

  const toml::table* optionalTable(const toml::table& parent, std::string_view key,
                                   const std::string& path) const {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) wrongType({n, path}, "a table");
    return n->as_table();
  }

  // ---- scalar readers: nullopt when the key is absent, an error when the type is wrong ----

  std::optional<std::string> str(const toml::table& t, std::string_view key,
                                 const std::string& path) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    return str({n, join(path, key)});
  }
  std::string str(const Item& it) const {
    if (!it.node->is_string()) wrongType(it, "a string");
    return *it.node->value_exact<std::string>();
  }
  std::string nonEmptyStr(const Item& it) const {
    std::string s = str(it);
    if (s.empty()) fail(*it.node, fmt::format("{}: must not be empty", it.path));
    return s;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key,
                              const std::string& path) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) wrongType({n, join(path, key)}, "a boolean (true or false)");
    return *n->value_exact<bool>();
  }

  std::optional<int> integer(const toml::table& t, std::string_view key, const std::string& path,
                             std::int64_t min, std::int64_t max) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string p = join(path, key);
    if (!n->is_integer()) wrongType({n, p}, fmt::format("an integer from {} to {}", min, max));
    const std::int64_t v = *n->value_exact<std::int64_t>();
    if (v < min || v > max) {
      fail(*n, fmt::format("{}: {} is out of range (expected {} to {})", p, v, min, max));
    }
    return static_cast<int>(v);
  }

  std::optional<Duration> duration(const toml::table& t, std::string_view key,
                                   const std::string& path) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string p = join(path, key);
    if (!n->is_string()) wrongType({n, p}, "a duration string like \"90s\" or \"14d\"");
    const std::string s = *n->value_exact<std::string>();
    auto d = parseDuration(s);
    if (!d) {
      fail(*n, fmt::format("{}: \"{}\" is not a duration (expected e.g. \"250ms\", \"90s\", "
                           "\"1h30m\", \"14d\"; units ms, s, m, h, d, w)",
                           p, s));
    }
    return d;
  }

  // The elements of an optional array, each checked to be a string.
  std::optional<std::vector<std::pair<std::string, Item>>> strArray(
      const toml::table& t, std::string_view key, const std::string& path,
      std::string_view what = "an array of strings") const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const std::string p = join(path, key);
    if (!n->is_array()) wrongType({n, p}, what);
    std::vector<std::pair<std::string, Item>> out;
    std::size_t i = 0;
    for (const toml::node& e : *n->as_array()) {
      Item it{&e, index(p, i++)};
      out.emplace_back(nonEmptyStr(it), it);
    }
    return out;
  }

  fs::path resolvePath(const std::string& written) const {
    fs::path p(written);
    if (p.is_relative()) p = base_ / p;
    return p.lexically_normal();
  }

  // A bare IP address (A/AAAA value): no port, no brackets.
  Endpoint address(const std::string& s, const Item& it) const {
    auto ep = Endpoint::parse(s);
    const bool bare = ep && !s.empty() && s.front() != '[' &&
                      (ep->family() == Endpoint::Family::V6 || s.find(':') == std::string::npos);
    if (!bare) fail(*it.node, fmt::format("{}: \"{}\" is not an IPv4/IPv6 address", it.path, s));
    return *ep;
  }

  // A server address with optional port (default 53).
  Endpoint endpoint(const std::string& s, const Item& it) const {
    auto ep = Endpoint::parse(s);
    if (!ep) {
      fail(*it.node, fmt::format("{}: \"{}\" is not an address with optional port (expected "
                                 "\"192.0.2.1\", \"192.0.2.1:5353\", \"2001:db8::1\" or "
                                 "\"[2001:db8::1]:5353\")",
                                 it.path, s));
    }
    return *ep;
  }

  std::vector<Endpoint> endpointList(const toml::table& t, std::string_view key,
                                     const std::string& path) const {
    std::vector<Endpoint> out;
    auto items = strArray(t, key, path);
    if (!items) return out;
    for (auto& [s, it] : *items) {
      Endpoint ep = endpoint(s, it);
      if (std::find(out.begin(), out.end(), ep) != out.end()) {
        fail(*it.node, fmt::format("{}: duplicate address \"{}\"", it.path, s));
      }
      out.push_back(ep);
    }
    return out;
  }

  // ---- [monitor] ----

  MonitorSettings monitor(const toml::table& t) const {
    const std::string p = "monitor";
    checkKeys(t, "in [monitor]",
              {"interval", "timeout", "retries", "rate_limit_qps", "rate_limit_burst", "tcp_only",
               "vantage", "state_dir", "root_hints"});
    MonitorSettings m;
    m.root_hints = endpointList(t, "root_hints", p);
    if (auto d = duration(t, "interval", p)) {
      if (*d < std::chrono::seconds(1)) {
        fail(*t.get("interval"), "monitor.interval: must be at least 1s");
      }
      m.interval = *d;
    }
    if (auto d = duration(t, "timeout", p)) {
      if (d->count() <= 0) fail(*t.get("timeout"), "monitor.timeout: must be greater than 0s");
      m.timeout = *d;
    }
    if (m.timeout >= m.interval) {
      // Point at whichever of the two the user wrote (timeout first: usually the culprit).
      const toml::node* n = t.get("timeout") ? t.get("timeout") : t.get("interval");
      fail(n ? n->source() : t.source(),
           fmt::format("monitor.timeout ({}) must be shorter than monitor.interval ({})",
                       formatDuration(m.timeout), formatDuration(m.interval)));
    }
    if (auto v = integer(t, "retries", p, 0, 10)) m.retries = *v;
    if (const toml::node* n = t.get("rate_limit_qps")) {
      const std::string kp = "monitor.rate_limit_qps";
      double q = 0;
      if (n->is_floating_point()) {
        q = *n->value_exact<double>();
      } else if (n->is_integer()) {
        q = static_cast<double>(*n->value_exact<std::int64_t>());
      } else {
        wrongType({n, kp}, "a number greater than 0 and at most 100");
      }
      if (!(q > 0.0 && q <= 100.0)) {
        fail(*n, fmt::format("{}: {} is out of range (expected greater than 0 and at most 100)",
                             kp, n->is_integer() ? fmt::format("{}", static_cast<long long>(q))
                                                 : fmt::format("{}", q)));
      }
      m.rate_limit_qps = q;
    }
    if (auto v = integer(t, "rate_limit_burst", p, 1, 1000)) m.rate_limit_burst = *v;
    if (auto v = boolean(t, "tcp_only", p)) m.tcp_only = *v;
    if (auto v = str(t, "vantage", p)) {
      if (!isSafeLabel(*v)) {
        fail(*t.get("vantage"),
             fmt::format("monitor.vantage: \"{}\" is not a valid vantage name (1 to 64 of "
                         "A-Z a-z 0-9 _ . -)",
                         *v));
      }
      m.vantage = *v;
    }
    if (auto v = str(t, "state_dir", p)) {
      if (v->empty()) fail(*t.get("state_dir"), "monitor.state_dir: must not be empty");
      m.state_dir = resolvePath(*v);
    }
    return m;
  }

  // ---- [web] ----

  // ":PORT", "HOST:PORT" or "[V6]:PORT" with HOST an IP literal.
  bool validListen(const std::string& s) const {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) return false;
    const std::string host = s.substr(0, colon);
    const std::string port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return false;
    }
    const long value = std::stol(port);
    if (value < 1 || value > 65535) return false;
    if (host.empty()) return true;
    auto ep = Endpoint::parse(host);
    if (!ep) return false;
    // IPv6 must be bracketed, otherwise "::1:8080" would be ambiguous.
    return ep->family() == Endpoint::Family::V4 ? host.front() != '['
                                                : (host.front() == '[' && host.back() == ']');
  }

  WebSettings web(const toml::table& t) const {
    const std::string p = "web";
    checkKeys(t, "in [web]", {"listen", "config_file", "enable_lifecycle", "external_url"});
    WebSettings w;
    if (auto items = strArray(t, "listen", p)) {
      if (items->empty()) fail(*t.get("listen"), "web.listen: must list at least one address");
      w.listen.clear();
      for (auto& [s, it] : *items) {
        if (!validListen(s)) {
          fail(*it.node, fmt::format("{}: \"{}\" is not a listen address (expected \":PORT\", "
                                     "\"IP:PORT\" or \"[IPv6]:PORT\", port 1 to 65535)",
                                     it.path, s));
        }
        if (std::find(w.listen.begin(), w.listen.end(), s) != w.listen.end()) {
          fail(*it.node, fmt::format("{}: duplicate listen address \"{}\"", it.path, s));
        }
        w.listen.push_back(s);
      }
    }
    if (auto v = str(t, "config_file", p)) {
      if (v->empty()) fail(*t.get("config_file"), "web.config_file: must not be empty");
      w.web_config_file = resolvePath(*v);
    }
    if (auto v = boolean(t, "enable_lifecycle", p)) w.enable_lifecycle = *v;
    if (auto v = str(t, "external_url", p)) {
      const bool scheme = v->rfind("http://", 0) == 0 || v->rfind("https://", 0) == 0;
      const std::string_view rest = std::string_view(*v).substr(scheme ? v->find("//") + 2 : 0);
      const bool ok = scheme && !rest.empty() && rest.front() != '/' &&
                      std::none_of(v->begin(), v->end(), [](unsigned char c) {
                        return c <= ' ' || c == '"' || c == '<' || c == '>' || c == '\\' || c >= 0x7f;
                      }) &&
                      v->find_first_of("?#") == std::string::npos;
      if (!ok) {
        fail(*t.get("external_url"),
             fmt::format("web.external_url: \"{}\" is not an http:// or https:// URL with a host "
                         "(e.g. \"https://dnsprop.example.jp/\"; no query or fragment)",
                         *v));
      }
      w.external_url = *v;
      while (w.external_url.size() > 1 && w.external_url.back() == '/') w.external_url.pop_back();
    }
    return w;
  }

  // ---- [resolvers] ----

  std::vector<std::string> plainList(const toml::table& t, std::string_view key) const {
    std::vector<std::string> out;
    if (auto items = strArray(t, key, "resolvers")) {
      for (auto& [s, it] : *items) out.push_back(s);
    }
    return out;
  }

  std::string country(const std::string& s, const Item& it) const {
    if (s.size() != 2 || !std::isalpha(static_cast<unsigned char>(s[0])) ||
        !std::isalpha(static_cast<unsigned char>(s[1]))) {
      fail(*it.node, fmt::format("{}: \"{}\" is not an ISO 3166-1 alpha-2 country code like "
                                 "\"JP\"",
                                 it.path, s));
    }
    return upper(s);
  }

  std::string continent(const std::string& s, const Item& it) const {
    static constexpr std::string_view kAll[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
    const std::string u = upper(s);
    if (std::find(std::begin(kAll), std::end(kAll), u) == std::end(kAll)) {
      fail(*it.node, fmt::format("{}: \"{}\" is not a continent code (expected one of: AF, AN, "
                                 "AS, EU, NA, OC, SA)",
                                 it.path, s));
    }
    return u;
  }

  ResolverSelection resolvers(const toml::table& t) const {
    const std::string p = "resolvers";
    checkKeys(t, "in [resolvers]",
              {"catalogs", "countries", "continents", "operators", "tags", "names", "family",
               "include_restricted", "extra", "exclude"});
    ResolverSelection r;
    if (auto items = strArray(t, "catalogs", p)) {
      for (auto& [s, it] : *items) {
        fs::path path = resolvePath(s);
        if (std::find(r.catalogs.begin(), r.catalogs.end(), path) != r.catalogs.end()) {
          fail(*it.node, fmt::format("{}: catalog \"{}\" is listed twice", it.path, s));
        }
        r.catalogs.push_back(std::move(path));
      }
    }
    if (auto items = strArray(t, "countries", p)) {
      for (auto& [s, it] : *items) r.filter.countries.push_back(country(s, it));
    }
    if (auto items = strArray(t, "continents", p)) {
      for (auto& [s, it] : *items) r.filter.continents.push_back(continent(s, it));
    }
    r.filter.operators = plainList(t, "operators");
    r.filter.tags = plainList(t, "tags");
    r.filter.names = plainList(t, "names");
    if (auto v = str(t, "family", p)) {
      r.family_auto = *v == "auto";
      if (*v == "any" || *v == "auto") {
        r.filter.family.reset();
      } else if (*v == "ipv4") {
        r.filter.family = Endpoint::Family::V4;
      } else if (*v == "ipv6") {
        r.filter.family = Endpoint::Family::V6;
      } else {
        fail(*t.get("family"), fmt::format("resolvers.family: \"{}\" is not one of \"auto\", "
                                           "\"any\", \"ipv4\", \"ipv6\"",
                                           *v));
      }
    }
    if (auto v = boolean(t, "include_restricted", p)) r.filter.include_restricted = *v;
    if (const toml::node* n = t.get("extra")) r.extra = extras({n, "resolvers.extra"});
    r.exclude = endpointList(t, "exclude", p);
    return r;
  }

  std::vector<ResolverInfo> extras(const Item& list) const {
    const std::string_view expected =
        "an array of addresses or tables like { address = \"192.0.2.1\", name = \"isp-a\" }";
    if (!list.node->is_array()) wrongType(list, expected);
    std::vector<ResolverInfo> out;
    std::size_t i = 0;
    for (const toml::node& e : *list.node->as_array()) {
      const Item it{&e, index(list.path, i++)};
      ResolverInfo info;
      info.source = "config";
      info.catalog = file_;
      info.access = ResolverAccess::Open;
      const toml::node* name_node = nullptr;
      if (e.is_string()) {
        info.endpoint = endpoint(nonEmptyStr(it), it);
      } else if (const toml::table* t = e.as_table()) {
        checkKeys(*t, fmt::format("in {}", it.path),
                  {"address", "name", "operator", "country", "continent", "region"});
        const toml::node* a = t->get("address");
        if (!a) fail(e, fmt::format("{}: missing required key \"address\"", it.path));
        const Item ai{a, join(it.path, "address")};
        info.endpoint = endpoint(nonEmptyStr(ai), ai);
        if (auto v = str(*t, "name", it.path)) {
          name_node = t->get("name");
          if (!isSafeLabel(*v)) {
            fail(*name_node, fmt::format("{}.name: \"{}\" is not a valid resolver name (1 to 64 "
                                         "of A-Z a-z 0-9 _ . -)",
                                         it.path, *v));
          }
          info.name = *v;
        }
        if (auto v = str(*t, "operator", it.path)) info.operator_name = *v;
        if (const toml::node* c = t->get("country")) {
          const Item ci{c, join(it.path, "country")};
          info.country = country(str(ci), ci);
        }
        if (const toml::node* c = t->get("continent")) {
          const Item ci{c, join(it.path, "continent")};
          info.continent = continent(str(ci), ci);
        }
        if (auto v = str(*t, "region", it.path)) info.region = *v;
      } else {
        wrongType(it, "an address string or a table with \"address\"");
      }
      if (info.name.empty()) {
        info.name = info.endpoint.port() == 53 ? info.endpoint.address()
                                               : info.endpoint.toString();
      }
      for (std::size_t j = 0; j < out.size(); ++j) {
        if (out[j].endpoint == info.endpoint) {
          fail(e, fmt::format("{}: address {} is already listed at {}", it.path,
                              info.endpoint.toString(), index(list.path, j)));
        }
        if (out[j].name == info.name) {
          fail(name_node ? *name_node : e,
               fmt::format("{}: name \"{}\" is already used by {}", it.path, info.name,
                           index(list.path, j)));
        }
      }
      out.push_back(std::move(info));
    }
    return out;
  }

  // ---- [[migration]] ----

  struct Side {
    Expectation exp;
    const toml::node* table = nullptr;
    const toml::node* addresses = nullptr;
    const toml::node* ns = nullptr;
    const toml::node* mx = nullptr;
  };

  std::vector<std::string> nameList(const toml::table& t, std::string_view key,
                                    const std::string& path) const {
    std::vector<std::string> out;
    auto items = strArray(t, key, path);
    if (!items) return out;
    for (auto& [s, it] : *items) {
      std::string why;
      auto name = normaliseName(s, why);
      if (!name) fail(*it.node, fmt::format("{}: \"{}\" {}", it.path, s, why));
      if (std::find(out.begin(), out.end(), *name) != out.end()) {
        fail(*it.node, fmt::format("{}: duplicate name \"{}\"", it.path, *name));
      }
      out.push_back(*name);
    }
    return out;
  }

  Side side(const toml::table& m, std::string_view which, const std::string& mpath) const {
    const std::string p = join(mpath, which);
    const toml::node* n = m.get(which);
    if (!n) {
      fail(m, fmt::format("{}: missing required table [migration.{}] (what the {} side serves)",
                          mpath, which, which));
    }
    if (!n->is_table()) wrongType({n, p}, "a table");
    const toml::table& t = *n->as_table();
    if (which == "old") {
      checkKeys(t, fmt::format("in {}", p), {"addresses", "ns", "mx", "cnames", "servers", "stop_date"});
    } else {
      checkKeys(t, fmt::format("in {}", p), {"addresses", "ns", "mx", "cnames", "servers"});
    }
    Side s;
    s.table = n;
    s.addresses = t.get("addresses");
    s.ns = t.get("ns");
    s.mx = t.get("mx");
    if (auto items = strArray(t, "addresses", p)) {
      for (auto& [str_value, it] : *items) {
        Endpoint ep = address(str_value, it);
        for (const Endpoint& prev : s.exp.addresses) {
          if (prev.address() == ep.address()) {
            fail(*it.node, fmt::format("{}: duplicate address \"{}\"", it.path, str_value));
          }
        }
        s.exp.addresses.push_back(ep);
      }
    }
    s.exp.ns = nameList(t, "ns", p);
    s.exp.mx = nameList(t, "mx", p);
    s.exp.cnames = nameList(t, "cnames", p);
    s.exp.servers = endpointList(t, "servers", p);
    return s;
  }

  static std::vector<std::string> familySet(const Expectation& e, Endpoint::Family f) {
    std::vector<std::string> out;
    for (const Endpoint& ep : e.addresses) {
      if (ep.family() == f) out.push_back(ep.address());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // What one side expects for type `t`. With `with_cnames`, A and AAAA also carry the
  // side's CNAME targets (an answer through one of them is that side's).
  static std::vector<std::string> typeSet(const Expectation& e, RRType t, bool with_cnames = true) {
    std::vector<std::string> out;
    auto addressesAndCnames = [&](Endpoint::Family f) {
      auto v = familySet(e, f);
      if (with_cnames) {
        for (const auto& c : e.cnames) v.push_back("cname " + c);
      }
      std::sort(v.begin(), v.end());
      return v;
    };
    switch (t) {
      case RRType::A: return addressesAndCnames(Endpoint::Family::V4);
      case RRType::AAAA: return addressesAndCnames(Endpoint::Family::V6);
      case RRType::NS: out = e.ns; break;
      case RRType::MX: out = e.mx; break;
      case RRType::CNAME: break;
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string_view needs(RRType t) {
    switch (t) {
      case RRType::A: return "an IPv4 address in addresses";
      case RRType::AAAA: return "an IPv6 address in addresses";
      case RRType::NS: return "ns";
      case RRType::MX: return "mx";
      case RRType::CNAME: return "nothing";
    }
    return "?";
  }

  // The side key a default-watch error points at.
  static const toml::node* keyNode(const Side& s, RRType t) {
    switch (t) {
      case RRType::A:
      case RRType::AAAA: return s.addresses;
      case RRType::NS: return s.ns;
      case RRType::MX: return s.mx;
      case RRType::CNAME: return nullptr;
    }
    return nullptr;
  }

  std::vector<WatchedName> watchList(const Item& list, const std::string& domain,
                                     const Side& old_side, const Side& new_side) const {
    if (!list.node->is_array()) {
      wrongType(list, "an array of tables like { name = \"@\", types = [\"A\"] }");
    }
    std::vector<WatchedName> out;
    std::vector<std::pair<RRType, const toml::node*>> seen_types;
    std::size_t i = 0;
    for (const toml::node& e : *list.node->as_array()) {
      const Item it{&e, index(list.path, i++)};
      const toml::table* t = e.as_table();
      if (!t) wrongType(it, "a table like { name = \"www\", types = [\"A\", \"AAAA\"] }");
      checkKeys(*t, fmt::format("in {}", it.path), {"name", "types"});
      const toml::node* nn = t->get("name");
      if (!nn) fail(e, fmt::format("{}: missing required key \"name\"", it.path));
      const Item ni{nn, join(it.path, "name")};
      const std::string written = nonEmptyStr(ni);
      std::string full;
      if (written == "@") {
        full = domain;
      } else if (written.back() == '.') {
        full = written;
      } else {
        full = written + "." + domain;
      }
      std::string why;
      auto name = normaliseName(full, why);
      if (!name) fail(*nn, fmt::format("{}: \"{}\" {}", ni.path, written, why));
      for (const WatchedName& prev : out) {
        if (prev.name == *name) {
          fail(*nn, fmt::format("{}: {} is already watched in this migration", ni.path, *name));
        }
      }
      WatchedName w;
      w.name = *name;
      const toml::node* tn = t->get("types");
      if (!tn) fail(e, fmt::format("{}: missing required key \"types\"", it.path));
      const Item ti{tn, join(it.path, "types")};
      if (!tn->is_array()) wrongType(ti, "an array of record types (A, AAAA, NS, MX)");
      if (tn->as_array()->empty()) fail(*tn, fmt::format("{}: must list at least one type", ti.path));
      std::size_t j = 0;
      for (const toml::node& te : *tn->as_array()) {
        const Item ei{&te, index(ti.path, j++)};
        const std::string s = str(ei);
        auto type = parseRRType(s);
        if (!type) {
          fail(te, fmt::format("{}: \"{}\" is not a supported record type (expected A, AAAA, NS "
                               "or MX)",
                               ei.path, s));
        }
        if (*type == RRType::CNAME) {
          fail(te, fmt::format("{}: CNAME cannot be watched: list the types the name should "
                               "resolve to (A, AAAA); CNAME chains are followed automatically",
                               ei.path));
        }
        if (std::find(w.types.begin(), w.types.end(), *type) != w.types.end()) {
          fail(te, fmt::format("{}: duplicate type {}", ei.path, toString(*type)));
        }
        const auto old_set = typeSet(old_side.exp, *type);
        const auto new_set = typeSet(new_side.exp, *type);
        if (old_set.empty() && new_set.empty()) {
          fail(te, fmt::format("{}: {} is watched but neither old nor new lists {}", ei.path,
                               toString(*type), needs(*type)));
        }
        if (old_set == new_set) {
          fail(te, fmt::format("{}: old and new are the same for {}: nothing would change",
                               ei.path, toString(*type)));
        }
        w.types.push_back(*type);
      }
      out.push_back(std::move(w));
    }
    if (out.empty()) {
      fail(*list.node, fmt::format("{}: must list at least one name (or omit watch for the "
                                   "default)",
                                   list.path));
    }
    return out;
  }

  std::vector<WatchedName> defaultWatch(const toml::table& m, const std::string& mpath,
                                        const std::string& domain, const Side& old_side,
                                        const Side& new_side) const {
    std::vector<RRType> apex;
    std::vector<RRType> www;
    for (RRType t : {RRType::A, RRType::AAAA, RRType::NS, RRType::MX}) {
      const auto old_set = typeSet(old_side.exp, t);
      const auto new_set = typeSet(new_side.exp, t);
      if (old_set.empty() && new_set.empty()) continue;
      const bool by_address = t == RRType::A || t == RRType::AAAA;
      if (by_address && old_set != new_set &&
          typeSet(old_side.exp, t, false) == typeSet(new_side.exp, t, false)) {
        // Only the CNAME targets differ: www moves behind a hosting/CDN name; the apex
        // (which cannot be a CNAME) keeps its addresses.
        www.push_back(t);
        continue;
      }
      if (old_set == new_set) {
        // Both sides list the same values, so both keys exist: point at the new one.
        const toml::node* n = keyNode(new_side, t);
        const std::string key = (t == RRType::A || t == RRType::AAAA) ? "addresses"
                                : t == RRType::NS                     ? "ns"
                                                                      : "mx";
        fail(n ? *n : static_cast<const toml::node&>(m),
             fmt::format("{}.new.{}: old and new are the same for {}: nothing would change "
                         "(remove it from both sides, or list watch explicitly)",
                         mpath, key, toString(t)));
      }
      apex.push_back(t);
      if (t == RRType::A || t == RRType::AAAA) www.push_back(t);
    }
    if (apex.empty() && www.empty()) {
      fail(m, fmt::format("{}: nothing to watch: neither old nor new lists addresses, ns or mx",
                          mpath));
    }
    std::vector<WatchedName> out;
    if (!apex.empty()) out.push_back({domain, apex});
    if (!www.empty()) out.push_back({"www." + domain, www});
    return out;
  }

  std::optional<WallTime> switchTime(const Item& it) const {
    constexpr std::string_view expected =
        "an offset date-time like 2026-11-20T10:00:00+09:00 (or that as an RFC 3339 string)";
    const toml::date_time* dt = nullptr;
    // Parsed from a string below; kept alive for the rest of the function.
    toml::table from_string;
    if (it.node->is_date_time()) {
      dt = &it.node->as_date_time()->get();
    } else if (it.node->is_string()) {
      // RFC 3339 date-times are TOML offset date-times, so toml++ parses the string for us;
      // the alphabet check keeps the text from smuggling in anything but one value.
      const std::string s = *it.node->value_exact<std::string>();
      const bool plausible = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isdigit(c) || c == '-' || c == ':' || c == '.' || c == '+' || c == 'T' ||
               c == 't' || c == 'Z' || c == 'z' || c == ' ';
      });
      bool ok = false;
      if (plausible) {
        try {
          from_string = toml::parse("v = " + s);
          ok = from_string["v"].is_date_time();
        } catch (const toml::parse_error&) {
          ok = false;
        }
      }
      if (!ok) {
        fail(*it.node, fmt::format("{}: \"{}\" is not an RFC 3339 date-time (expected e.g. "
                                   "\"2026-11-20T10:00:00+09:00\")",
                                   it.path, s));
      }
      dt = &from_string["v"].as_date_time()->get();
    } else {
      wrongType(it, expected);
    }
    // WallTime counts nanoseconds in 64 bits (about 1678..2262): keep well inside it.
    if (dt->date.year < 1970 || dt->date.year > 2200) {
      fail(*it.node, fmt::format("{}: year {} is outside the supported range 1970 to 2200",
                                 it.path, dt->date.year));
    }
    if (!dt->offset) {
      fail(*it.node, fmt::format("{}: a date-time without a UTC offset is ambiguous; add one, "
                                 "e.g. +09:00 or Z",
                                 it.path));
    }
    return toWallTime(*dt);
  }

  // A URL path to fetch: starts with '/', printable ASCII without spaces or a fragment.
  std::string urlPath(const std::string& s, const Item& it) const {
    const bool ok = !s.empty() && s.front() == '/' && s.size() <= 2048 &&
                    std::all_of(s.begin(), s.end(), [](unsigned char c) { return c > ' ' && c < 0x7f && c != '#'; });
    if (!ok) {
      fail(*it.node, fmt::format("{}: \"{}\" is not a URL path (it must start with '/', with no spaces, "
                                 "non-ASCII or '#'; percent-encode what needs it)",
                                 it.path, s));
    }
    return s;
  }

  WebCheckConfig webCheck(const toml::table& t, const std::string& p, const Migration& mig) const {
    checkKeys(t, fmt::format("in {}", p),
              {"hosts", "paths", "must_match", "scheme", "http_port", "https_port", "ca_file"});
    WebCheckConfig w;
    if (auto items = strArray(t, "hosts", p)) {
      if (items->empty()) fail(*t.get("hosts"), fmt::format("{}.hosts: must list at least one name", p));
      for (auto& [written, it] : *items) {
        const std::string full = written == "@" ? mig.domain : written.back() == '.' ? written : written + "." + mig.domain;
        std::string why;
        auto name = normaliseName(full, why);
        if (!name) fail(*it.node, fmt::format("{}: \"{}\" {}", it.path, written, why));
        if (std::find(w.hosts.begin(), w.hosts.end(), *name) != w.hosts.end()) {
          fail(*it.node, fmt::format("{}: duplicate name \"{}\"", it.path, *name));
        }
        w.hosts.push_back(*name);
      }
    } else {
      for (const WatchedName& n : mig.watch) {
        const bool address = std::any_of(n.types.begin(), n.types.end(),
                                         [](RRType ty) { return ty == RRType::A || ty == RRType::AAAA; });
        if (address) w.hosts.push_back(n.name);
      }
      if (w.hosts.empty()) {
        fail(t, fmt::format("{}: no watched name has an A or AAAA record to fetch the site as; list "
                            "\"hosts\" (e.g. [\"www\"])",
                            p));
      }
    }
    auto pathList = [&](std::string_view key) {
      std::vector<std::string> out;
      if (auto items = strArray(t, key, p)) {
        for (auto& [s, it] : *items) {
          if (std::find(out.begin(), out.end(), s) != out.end()) {
            fail(*it.node, fmt::format("{}: duplicate path \"{}\"", it.path, s));
          }
          out.push_back(urlPath(s, it));
        }
      }
      return out;
    };
    if (t.get("paths")) {
      w.paths = pathList("paths");
      if (w.paths.empty()) fail(*t.get("paths"), fmt::format("{}.paths: must list at least one path", p));
    }
    w.must_match = pathList("must_match");
    if (auto v = str(t, "scheme", p)) {
      if (*v == "https") {
        w.http = false, w.https = true;
      } else if (*v == "http") {
        w.http = true, w.https = false;
      } else if (*v == "both") {
        w.http = true, w.https = true;
      } else {
        fail(*t.get("scheme"), fmt::format("{}.scheme: \"{}\" is not one of \"https\", \"http\", \"both\"", p, *v));
      }
    }
    if (auto v = integer(t, "http_port", p, 1, 65535)) w.http_port = static_cast<std::uint16_t>(*v);
    if (auto v = integer(t, "https_port", p, 1, 65535)) w.https_port = static_cast<std::uint16_t>(*v);
    if (auto v = str(t, "ca_file", p)) {
      if (v->empty()) fail(*t.get("ca_file"), fmt::format("{}.ca_file: must not be empty", p));
      w.ca_file = resolvePath(*v);
      std::error_code ec;
      if (!fs::is_regular_file(*w.ca_file, ec)) {
        fail(*t.get("ca_file"), fmt::format("{}.ca_file: {} is not a readable file", p, w.ca_file->string()));
      }
    }
    if (mig.new_side.addresses.empty()) {
      fail(t, fmt::format("{}: [migration.new] lists no addresses to fetch the site from", p));
    }
    return w;
  }

  // [migration.mail]; `mig` has its domain and sides already.
  MailCheckConfig mailCheck(const toml::table& t, const std::string& p, const Migration& mig) const {
    checkKeys(t, fmt::format("in {}", p),
              {"old_addresses", "new_addresses", "port", "recipient", "helo_name", "tls_name", "starttls", "every",
               "fetch_ports", "ca_file"});
    MailCheckConfig m;
    auto addressList = [&](std::string_view key, const std::vector<Endpoint>& fallback) {
      auto items = strArray(t, key, p);
      if (!items) return fallback;
      std::vector<Endpoint> out;
      for (auto& [s, it] : *items) {
        Endpoint ep = address(s, it);
        if (std::find(out.begin(), out.end(), ep) != out.end()) {
          fail(*it.node, fmt::format("{}: duplicate address \"{}\"", it.path, s));
        }
        out.push_back(ep);
      }
      return out;
    };
    m.old_addresses = addressList("old_addresses", mig.old_side.addresses);
    m.new_addresses = addressList("new_addresses", mig.new_side.addresses);
    // The default (the web server's addresses) would ask the wrong machine when the new MX
    // lives elsewhere (a mail provider): a permissive server there could pass the check
    // while the real MX was never asked.
    if (!t.get("new_addresses")) {
      for (const std::string& mx : mig.new_side.mx) {
        if (mx != mig.domain && !mx.ends_with("." + mig.domain)) {
          fail(t, fmt::format("{}: the new MX host {} is not in {}: list its addresses in \"new_addresses\" (by "
                              "default the mail server is asked at [migration.new] addresses)",
                              p, mx, mig.domain));
        }
      }
    }
    if (m.new_addresses.empty()) {
      fail(t, fmt::format("{}: no address of the new mail server: list \"new_addresses\" (or addresses in "
                          "[migration.new])",
                          p));
    }
    if (auto v = integer(t, "port", p, 1, 65535)) m.port = static_cast<std::uint16_t>(*v);
    const std::string domain = mig.domain.substr(0, mig.domain.size() - 1);
    m.recipient = "postmaster@" + domain;
    if (auto v = str(t, "recipient", p)) {
      const auto at = v->find('@');
      const bool ok = at != std::string::npos && at > 0 && at + 1 < v->size() && v->size() <= 254 &&
                      std::all_of(v->begin(), v->end(), [](unsigned char c) {
                        return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\';
                      });
      if (!ok) {
        fail(*t.get("recipient"), fmt::format("{}.recipient: \"{}\" is not an address like \"postmaster@{}\" "
                                              "(ASCII, no spaces, quotes or angle brackets)",
                                              p, *v, domain));
      }
      m.recipient = *v;
    }
    auto hostName = [&](std::string_view key) -> std::string {
      auto v = str(t, key, p);
      if (!v) return {};
      std::string why;
      auto name = normaliseName(*v, why);
      if (!name) fail(*t.get(key), fmt::format("{}.{}: \"{}\" {}", p, key, *v, why));
      return name->substr(0, name->size() - 1);
    };
    m.helo_name = hostName("helo_name");
    m.tls_name = hostName("tls_name");
    if (auto v = boolean(t, "starttls", p)) m.require_starttls = *v;
    if (auto d = duration(t, "every", p)) {
      if (*d < std::chrono::seconds(1)) {
        fail(*t.get("every"), fmt::format("{}.every: must be at least 1s", p));
      }
      m.every = *d;
    }
    if (const toml::node* n = t.get("fetch_ports")) {
      const std::string fp = join(p, "fetch_ports");
      if (!n->is_array()) wrongType({n, fp}, "an array of port numbers like [993, 995]");
      std::size_t i = 0;
      for (const toml::node& e : *n->as_array()) {
        const std::string ep = index(fp, i++);
        const auto v = e.value_exact<std::int64_t>();
        if (!v) wrongType({&e, ep}, "a port number from 1 to 65535");
        if (*v < 1 || *v > 65535) fail(e, fmt::format("{}: {} is out of range (expected 1 to 65535)", ep, *v));
        const auto port = static_cast<std::uint16_t>(*v);
        if (std::find(m.fetch_ports.begin(), m.fetch_ports.end(), port) != m.fetch_ports.end()) {
          fail(e, fmt::format("{}: duplicate port {}", ep, port));
        }
        m.fetch_ports.push_back(port);
      }
    }
    if (auto v = str(t, "ca_file", p)) {
      if (v->empty()) fail(*t.get("ca_file"), fmt::format("{}.ca_file: must not be empty", p));
      m.ca_file = resolvePath(*v);
      std::error_code ec;
      if (!fs::is_regular_file(*m.ca_file, ec)) {
        fail(*t.get("ca_file"), fmt::format("{}.ca_file: {} is not a readable file", p, m.ca_file->string()));
      }
    }
    return m;
  }

  // [migration.traffic]
  TrafficCheckConfig trafficCheck(const toml::table& t, const std::string& p, const Migration& mig) const {
    checkKeys(t, fmt::format("in {}", p), {"access_log", "window", "max_requests", "vhosts"});
    TrafficCheckConfig c;
    const toml::node* log = t.get("access_log");
    if (!log) fail(t, fmt::format("{}: missing required key \"access_log\" (the old web server's access log)", p));
    const std::string written = nonEmptyStr({log, join(p, "access_log")});
    c.access_log = resolvePath(written);
    if (auto d = duration(t, "window", p)) {
      if (*d < std::chrono::minutes(1)) fail(*t.get("window"), fmt::format("{}.window: must be at least 1m", p));
      c.window = *d;
    }
    if (auto v = integer(t, "max_requests", p, 0, 1000000000)) c.max_requests = static_cast<std::uint64_t>(*v);
    if (auto items = strArray(t, "vhosts", p)) {
      for (auto& [written_host, it] : *items) {
        const std::string full = written_host == "@" ? mig.domain
                                 : written_host.back() == '.' ? written_host
                                                              : written_host + "." + mig.domain;
        std::string why;
        auto name = normaliseName(full, why);
        if (!name) fail(*it.node, fmt::format("{}: \"{}\" {}", it.path, written_host, why));
        c.vhosts.push_back(name->substr(0, name->size() - 1));
      }
    }
    return c;
  }

  std::vector<Migration> migrations(const toml::node& n) const {
    const Item list{&n, "migration"};
    const std::string_view expected = "an array of tables ([[migration]])";
    if (!n.is_array()) wrongType(list, expected);
    std::vector<Migration> out;
    std::size_t i = 0;
    for (const toml::node& e : *n.as_array()) {
      const std::string mpath = index("migration", i++);
      const toml::table* m = e.as_table();
      if (!m) wrongType({&e, mpath}, "a table");
      checkKeys(*m, fmt::format("in {}", mpath),
                {"domain", "watch", "switch_time", "min_parallel", "delegation_grace",
                 "parent_servers", "old", "new", "web", "mail", "traffic"});
      Migration mig;
      const toml::node* dn = m->get("domain");
      if (!dn) fail(e, fmt::format("{}: missing required key \"domain\"", mpath));
      const Item di{dn, join(mpath, "domain")};
      const std::string written = nonEmptyStr(di);
      std::string why;
      auto domain = normaliseName(written, why);
      if (!domain) fail(*dn, fmt::format("{}: \"{}\" {}", di.path, written, why));
      for (std::size_t j = 0; j < out.size(); ++j) {
        if (out[j].domain == *domain) {
          fail(*dn, fmt::format("{}: {} is already monitored by migration[{}]", di.path, *domain,
                                j));
        }
      }
      mig.domain = *domain;
      if (const toml::node* st = m->get("switch_time")) {
        mig.switch_time = switchTime({st, join(mpath, "switch_time")});
      }
      mig.min_parallel = duration(*m, "min_parallel", mpath).value_or(kDefaultMinParallel);
      mig.delegation_grace = duration(*m, "delegation_grace", mpath).value_or(mig.delegation_grace);
      mig.parent_servers = endpointList(*m, "parent_servers", mpath);
      const Side old_side = side(*m, "old", mpath);
      if (const toml::node* sd = old_side.table->as_table()->get("stop_date")) {
        mig.old_stop = switchTime({sd, join(join(mpath, "old"), "stop_date")});
      }
      const Side new_side = side(*m, "new", mpath);
      if (const toml::node* w = m->get("watch")) {
        mig.watch = watchList({w, join(mpath, "watch")}, mig.domain, old_side, new_side);
      } else {
        mig.watch = defaultWatch(*m, mpath, mig.domain, old_side, new_side);
      }
      mig.old_side = old_side.exp;
      mig.new_side = new_side.exp;
      if (const toml::table* w = optionalTable(*m, "web", join(mpath, "web"))) {
        mig.web = webCheck(*w, join(mpath, "web"), mig);
      }
      if (const toml::table* ml = optionalTable(*m, "mail", join(mpath, "mail"))) {
        mig.mail = mailCheck(*ml, join(mpath, "mail"), mig);
      }
      if (const toml::table* tr = optionalTable(*m, "traffic", join(mpath, "traffic"))) {
        mig.traffic = trafficCheck(*tr, join(mpath, "traffic"), mig);
      }
      out.push_back(std::move(mig));
    }
    return out;
  }

  std::string file_;
  fs::path base_;
};

fs::path baseDir(const fs::path& source) {
  std::error_code ec;
  fs::path abs = fs::absolute(source, ec);
  if (ec) abs = source;
  return abs.parent_path();
}

}  // namespace

Config parseConfig(std::string_view text, const std::filesystem::path& source_name) {
  const std::string file = source_name.string();
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    throw ConfigError(file, static_cast<int>(e.source().begin.line),
                      static_cast<int>(e.source().begin.column),
                      fmt::format("TOML syntax error: {}", e.description()));
  }
  Loader loader(file, baseDir(source_name));
  try {
    return loader.load(root, source_name);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    // Allocation failures and the like: still a ConfigError, as the header promises.
    throw ConfigError(file, 0, 0, fmt::format("internal error while loading: {}", e.what()));
  }
}

Config loadConfig(const std::filesystem::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    throw ConfigError(file.string(), 0, 0, "cannot read config file: it is a directory");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(file.string(), 0, 0,
                      fmt::format("cannot read config file: {}", std::strerror(errno)));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(file.string(), 0, 0, "cannot read config file: read error");
  }
  return parseConfig(buf.str(), file);
}

}  // namespace dnsprop
