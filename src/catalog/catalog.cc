#include "catalog/catalog.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

namespace dnsprop {

std::string_view toString(ResolverAccess a) {
  switch (a) {
    case ResolverAccess::Open: return "open";
    case ResolverAccess::IspOnly: return "isp-only";
    case ResolverAccess::EncryptedOnly: return "encrypted-only";
  }
  return "open";  // unreachable; keeps -Wreturn-type quiet
}

std::string_view toString(ResolverFiltering f) {
  switch (f) {
    case ResolverFiltering::None: return "none";
    case ResolverFiltering::Malware: return "malware";
    case ResolverFiltering::Ads: return "ads";
    case ResolverFiltering::Family: return "family";
    case ResolverFiltering::Unknown: return "unknown";
  }
  return "unknown";
}

std::optional<ResolverAccess> parseResolverAccess(std::string_view text) {
  for (auto a : {ResolverAccess::Open, ResolverAccess::IspOnly, ResolverAccess::EncryptedOnly}) {
    if (text == toString(a)) return a;
  }
  return std::nullopt;
}

std::optional<ResolverFiltering> parseResolverFiltering(std::string_view text) {
  for (auto f : {ResolverFiltering::None, ResolverFiltering::Malware, ResolverFiltering::Ads,
                 ResolverFiltering::Family, ResolverFiltering::Unknown}) {
    if (text == toString(f)) return f;
  }
  return std::nullopt;
}

std::string catalogAddress(const Endpoint& e) {
  return e.port() == 53 ? e.address() : e.toString();
}

namespace {

constexpr std::array<std::string_view, 7> kContinents = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};

bool isIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool isCountryCode(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

bool isHostName(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.';
  });
}

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY-MM" or "YYYY-MM-DD" with a plausible month and day.
bool isUpdated(std::string_view s) {
  if (s.size() != 7 && s.size() != 10) return false;
  if (!isDigits(s.substr(0, 4)) || s[4] != '-' || !isDigits(s.substr(5, 2))) return false;
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  if (month < 1 || month > 12) return false;
  if (s.size() == 10) {
    if (s[7] != '-' || !isDigits(s.substr(8, 2))) return false;
    const int day = (s[8] - '0') * 10 + (s[9] - '0');
    if (day < 1 || day > 31) return false;
  }
  return true;
}

std::string_view typeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "a value";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Where each resolver's name and address were written, for cross-catalog duplicate errors.
struct Positions {
  std::vector<toml::source_position> names;
};

// Validates one parsed document. Every error goes through fail() so it carries a position.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::source_position& pos, const std::string& msg) const {
    throw CatalogError(file_, static_cast<int>(pos.line), static_cast<int>(pos.column), msg);
  }
  [[noreturn]] void fail(const toml::node& n, const std::string& msg) const {
    fail(n.source().begin, msg);
  }

  Catalog read(const toml::table& doc, Positions& positions) const {
    Catalog c;
    for (auto&& [key, value] : doc) {
      if (key.str() != "catalog" && key.str() != "resolver") {
        fail(key.source().begin,
             "unknown top-level key \"" + std::string(key.str()) +
                 "\" (expected [catalog] and [[resolver]])");
      }
    }
    const toml::node* meta = doc.get("catalog");
    if (meta == nullptr) fail(toml::source_position{1, 1}, "missing [catalog] table");
    if (!meta->is_table()) fail(*meta, "catalog: expected a table, got " + std::string(typeName(meta->type())));
    readMeta(*meta->as_table(), c);

    if (const toml::node* list = doc.get("resolver")) {
      const toml::array* arr = list->as_array();
      if (arr == nullptr || !arr->is_array_of_tables()) {
        fail(*list, "resolver: expected [[resolver]] entries (an array of tables)");
      }
      std::map<std::string, toml::source_position> names;
      std::map<Endpoint, toml::source_position> endpoints;
      for (const toml::node& entry : *arr) {
        toml::source_position name_pos{};
        toml::source_position addr_pos{};
        ResolverInfo r = readResolver(*entry.as_table(), name_pos, addr_pos);
        r.catalog = c.name;
        if (auto [it, fresh] = names.emplace(r.name, name_pos); !fresh) {
          fail(name_pos, "duplicate resolver name \"" + r.name + "\" (first at line " +
                             std::to_string(it->second.line) + ")");
        }
        if (auto [it, fresh] = endpoints.emplace(r.endpoint, addr_pos); !fresh) {
          fail(addr_pos, "duplicate resolver address " + r.endpoint.toString() +
                             " (first at line " + std::to_string(it->second.line) + ")");
        }
        positions.names.push_back(name_pos);
        c.resolvers.push_back(std::move(r));
      }
    }
    return c;
  }

 private:
  void checkKeys(const toml::table& t, std::string_view where,
                 std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, value] : t) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        fail(key.source().begin,
             std::string(where) + ": unknown key \"" + std::string(key.str()) + "\"");
      }
    }
  }

  // The node for `key`, or nullptr when absent and optional.
  const toml::node* find(const toml::table& t, std::string_view where, std::string_view key,
                         bool required) const {
    const toml::node* n = t.get(key);
    if (n == nullptr && required) {
      fail(t.source().begin,
           std::string(where) + ": missing required key \"" + std::string(key) + "\"");
    }
    return n;
  }

  const std::string* string(const toml::table& t, std::string_view where, std::string_view key,
                            bool required) const {
    const toml::node* n = find(t, where, key, required);
    if (n == nullptr) return nullptr;
    if (!n->is_string()) {
      fail(*n, std::string(where) + "." + std::string(key) + ": expected a string, got " +
                   std::string(typeName(n->type())));
    }
    return &n->as_string()->get();
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view where,
                              std::string_view key) const {
    const toml::node* n = find(t, where, key, false);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) {
      fail(*n, std::string(where) + "." + std::string(key) + ": expected a boolean, got " +
                   std::string(typeName(n->type())));
    }
    return n->as_boolean()->get();
  }

  void readMeta(const toml::table& t, Catalog& c) const {
    checkKeys(t, "catalog", {"name", "description", "updated"});
    const std::string* name = string(t, "catalog", "name", true);
    if (!isIdentifier(*name)) {
      fail(*t.get("name"), "catalog.name: \"" + *name +
                               "\" must be lower-case letters, digits and '-' (at most 63)");
    }
    c.name = *name;
    if (const std::string* d = string(t, "catalog", "description", true)) c.description = *d;
    if (const std::string* u = string(t, "catalog", "updated", false)) {
      if (!isUpdated(*u)) {
        fail(*t.get("updated"), "catalog.updated: \"" + *u + "\" must be YYYY-MM or YYYY-MM-DD");
      }
      c.updated = *u;
    }
  }

  ResolverInfo readResolver(const toml::table& t, toml::source_position& name_pos,
                            toml::source_position& addr_pos) const {
    static constexpr std::string_view where = "resolver";
    checkKeys(t, where,
              {"name", "address", "operator", "country", "continent", "region", "anycast",
               "filtering", "dnssec", "access", "dot", "doh", "tags", "source", "notes"});
    ResolverInfo r;

    const std::string* name = string(t, where, "name", true);
    name_pos = t.get("name")->source().begin;
    if (!isIdentifier(*name)) {
      fail(name_pos, "resolver.name: \"" + *name +
                         "\" must be lower-case letters, digits and '-' (at most 63)");
    }
    r.name = *name;

    const std::string* address = string(t, where, "address", true);
    addr_pos = t.get("address")->source().begin;
    auto ep = Endpoint::parse(*address);
    if (!ep) {
      fail(addr_pos, "resolver.address: \"" + *address +
                         "\" is not an IP address (forms: 192.0.2.1, 192.0.2.1:5353, "
                         "2001:db8::1, [2001:db8::1]:5353)");
    }
    r.endpoint = *ep;

    r.operator_name = *string(t, where, "operator", true);
    if (r.operator_name.empty()) fail(*t.get("operator"), "resolver.operator: must not be empty");

    r.country = *string(t, where, "country", true);
    if (!isCountryCode(r.country)) {
      fail(*t.get("country"), "resolver.country: \"" + r.country +
                                  "\" must be an upper-case ISO 3166-1 alpha-2 code such as \"JP\"");
    }

    r.continent = *string(t, where, "continent", true);
    if (std::find(kContinents.begin(), kContinents.end(), r.continent) == kContinents.end()) {
      fail(*t.get("continent"),
           "resolver.continent: \"" + r.continent + "\" must be one of AF AN AS EU NA OC SA");
    }

    if (const std::string* region = string(t, where, "region", false)) r.region = *region;
    r.anycast = boolean(t, where, "anycast").value_or(false);

    const std::string* filtering = string(t, where, "filtering", true);
    auto f = parseResolverFiltering(*filtering);
    if (!f) {
      fail(*t.get("filtering"), "resolver.filtering: \"" + *filtering +
                                    "\" must be one of none, malware, ads, family, unknown");
    }
    r.filtering = *f;

    r.dnssec_validating = boolean(t, where, "dnssec").value_or(false);

    const std::string* access = string(t, where, "access", true);
    auto a = parseResolverAccess(*access);
    if (!a) {
      fail(*t.get("access"),
           "resolver.access: \"" + *access + "\" must be one of open, isp-only, encrypted-only");
    }
    r.access = *a;

    if (const std::string* dot = string(t, where, "dot", false)) {
      if (!isHostName(*dot)) fail(*t.get("dot"), "resolver.dot: \"" + *dot + "\" is not a host name");
      r.dot_name = *dot;
    }
    if (const std::string* doh = string(t, where, "doh", false)) {
      if (doh->rfind("https://", 0) != 0 || doh->size() <= 8) {
        fail(*t.get("doh"), "resolver.doh: \"" + *doh + "\" must be an https:// URL");
      }
      r.doh_url = *doh;
    }

    if (const toml::node* tags = find(t, where, "tags", false)) {
      const toml::array* arr = tags->as_array();
      if (arr == nullptr) {
        fail(*tags, "resolver.tags: expected an array of strings, got " +
                        std::string(typeName(tags->type())));
      }
      for (const toml::node& tag : *arr) {
        if (!tag.is_string()) {
          fail(tag, "resolver.tags: expected a string, got " + std::string(typeName(tag.type())));
        }
        const std::string& s = tag.as_string()->get();
        if (!isIdentifier(s)) {
          fail(tag, "resolver.tags: \"" + s + "\" must be lower-case letters, digits and '-'");
        }
        r.tags.push_back(s);
      }
    }

    r.source = *string(t, where, "source", true);
    if (r.source.empty()) fail(*t.get("source"), "resolver.source: must say where the facts come from");
    if (const std::string* notes = string(t, where, "notes", false)) r.notes = *notes;
    return r;
  }

  std::string file_;
};

Catalog parseWithPositions(std::string_view text, const std::filesystem::path& source_name,
                           Positions& positions) {
  const std::string file = source_name.string();
  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    throw CatalogError(file, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column), std::string(e.description()));
  }
  Catalog c = Reader(file).read(doc, positions);
  c.source = source_name;
  return c;
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw CatalogError(file.string(), 0, 0, std::string("cannot open: ") + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw CatalogError(file.string(), 0, 0, "read error");
  return ss.str();
}

bool containsCaseless(const std::vector<std::string>& wanted, std::string_view value) {
  const std::string v = lower(value);
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return lower(w) == v; });
}

}  // namespace

Catalog parseCatalog(std::string_view text, const std::filesystem::path& source_name) {
  Positions ignored;
  return parseWithPositions(text, source_name, ignored);
}

Catalog loadCatalog(const std::filesystem::path& file) {
  const std::string text = readFile(file);
  return parseCatalog(text, file);
}

std::vector<ResolverInfo> loadCatalogs(const std::vector<std::filesystem::path>& files) {
  std::vector<ResolverInfo> all;
  std::map<std::string, std::string> seen;  // resolver name -> "file:line" of its first use
  for (const auto& file : files) {
    const std::string text = readFile(file);
    Positions positions;
    Catalog c = parseWithPositions(text, file, positions);
    for (std::size_t i = 0; i < c.resolvers.size(); ++i) {
      const auto& pos = positions.names[i];
      const std::string here = file.string() + ":" + std::to_string(pos.line);
      if (auto [it, fresh] = seen.emplace(c.resolvers[i].name, here); !fresh) {
        throw CatalogError(file.string(), static_cast<int>(pos.line), static_cast<int>(pos.column),
                           "resolver name \"" + c.resolvers[i].name + "\" already used at " +
                               it->second);
      }
    }
    all.insert(all.end(), std::make_move_iterator(c.resolvers.begin()),
               std::make_move_iterator(c.resolvers.end()));
  }
  return all;
}

bool matchesFilter(const ResolverInfo& r, const ResolverFilter& f) {
  if (!f.countries.empty() && !containsCaseless(f.countries, r.country)) return false;
  if (!f.continents.empty() && !containsCaseless(f.continents, r.continent)) return false;
  if (!f.operators.empty()) {
    const std::string op = lower(r.operator_name);
    const bool any = std::any_of(f.operators.begin(), f.operators.end(), [&](const std::string& o) {
      return op.find(lower(o)) != std::string::npos;
    });
    if (!any) return false;
  }
  if (!f.tags.empty()) {
    const bool any = std::any_of(r.tags.begin(), r.tags.end(),
                                 [&](const std::string& t) { return containsCaseless(f.tags, t); });
    if (!any) return false;
  }
  if (!f.names.empty() && std::find(f.names.begin(), f.names.end(), r.name) == f.names.end()) {
    return false;
  }
  if (f.family && r.endpoint.family() != *f.family) return false;
  return true;
}

std::vector<ResolverInfo> selectResolvers(const std::vector<ResolverInfo>& all,
                                          const ResolverFilter& f) {
  std::vector<ResolverInfo> out;
  std::set<Endpoint> taken;
  for (const auto& r : all) {
    bool allowed = false;
    switch (r.access) {
      case ResolverAccess::Open: allowed = true; break;
      case ResolverAccess::IspOnly:
      case ResolverAccess::EncryptedOnly: allowed = f.include_restricted; break;
    }
    if (!allowed || !matchesFilter(r, f)) continue;
    if (!taken.insert(r.endpoint).second) continue;
    out.push_back(r);
  }
  return out;
}

std::vector<std::filesystem::path> defaultCatalogPaths() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("DNSPROP_RESOLVERS_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.emplace_back("resolvers");
  candidates.emplace_back(fs::path(DNSPROP_DATADIR) / "resolvers");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path() / ".." / "share" / "dnsprop" / "resolvers");

  for (const auto& dir : candidates) {
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".toml" && entry.is_regular_file(ec)) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  return {};
}

}  // namespace dnsprop
