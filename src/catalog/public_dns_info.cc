#include "catalog/public_dns_info.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace dnsprop {
namespace {

// Reads RFC 4180 records one at a time, counting physical lines for error messages.
// Not a general CSV library: just enough for one well-known export, and strict about
// the one thing that would silently corrupt data (an unterminated quote).
class CsvReader {
 public:
  CsvReader(std::istream& in, std::string source) : in_(in), source_(std::move(source)) {}

  // Fills `fields` with the next record; false at end of input. `record_line` receives the
  // line on which the record starts. Throws CatalogError on an unterminated quote.
  bool next(std::vector<std::string>& fields, std::size_t& record_line) {
    fields.clear();
    int c = in_.get();
    if (c == std::char_traits<char>::eof()) return false;
    record_line = line_;
    std::string field;
    bool quoted = false;       // inside a quoted section
    std::size_t quote_line = 0;
    while (true) {
      if (c == std::char_traits<char>::eof()) {
        if (quoted) {
          throw CatalogError(source_, static_cast<int>(quote_line), 0,
                             "unterminated quoted field");
        }
        fields.push_back(std::move(field));
        return true;
      }
      const char ch = static_cast<char>(c);
      if (quoted) {
        if (ch == '"') {
          if (in_.peek() == '"') {
            in_.get();
            field.push_back('"');
          } else {
            quoted = false;
          }
        } else {
          if (ch == '\n') ++line_;
          field.push_back(ch);
        }
      } else if (ch == '"') {
        quoted = true;
        quote_line = line_;
      } else if (ch == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && in_.peek() == '\n') in_.get();
        ++line_;
        fields.push_back(std::move(field));
        return true;
      } else {
        field.push_back(ch);
      }
      c = in_.get();
    }
  }

 private:
  std::istream& in_;
  std::string source_;
  std::size_t line_ = 1;
};

constexpr std::array<std::string_view, 12> kColumns = {
    "ip_address", "name",    "as_number",   "as_org",     "country_code", "city",
    "version",    "error",   "dnssec",      "reliability", "checked_at",  "created_at"};

enum Column { kIp, kName, kAsNumber, kAsOrg, kCountry, kCity, kVersion, kError, kDnssec,
              kReliability, kCheckedAt, kCreatedAt };

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// "Example Networks, Inc." -> "example-networks-inc" (at most 40 characters).
std::string slug(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "resolver" : out;
}

std::optional<double> parseReliability(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !(v >= 0.0 && v <= 1.0)) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string_view continentOfCountry(std::string_view country) {
  // Space-separated ISO 3166-1 alpha-2 codes per continent.
  static const std::array<std::pair<std::string_view, std::string_view>, 7> kTable = {{
      {"AF",
       "DZ AO BJ BW BF BI CM CV CF TD KM CG CD CI DJ EG GQ ER ET GA GM GH GN GW KE LS LR LY MG "
       "MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD SZ TZ TG TN UG EH ZM ZW"},
      {"AN", "AQ BV GS HM TF"},
      {"AS",
       "AF AM AZ BH BD BT BN KH CN GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN MM NP "
       "KP OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE IO CC CX"},
      {"EU",
       "AX AL AD AT BY BE BA BG HR CY CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI "
       "LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB VA"},
      {"NA",
       "AI AG AW BS BB BZ BM BQ VG CA KY CR CU CW DM DO SV GL GD GP GT HT HN JM MQ MX MS NI PA "
       "PR BL KN LC MF PM VC SX TT TC US VI UM"},
      {"OC", "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF"},
      {"SA", "AR BO BR CL CO EC FK GF GY PY PE SR UY VE"},
  }};
  if (country.size() != 2) return {};
  for (const auto& [continent, codes] : kTable) {
    for (std::size_t i = 0; i + 2 <= codes.size(); i += 3) {
      if (codes.substr(i, 2) == country) return continent;
    }
  }
  return {};
}

ImportResult importPublicDnsInfoDetailed(std::istream& csv, const ImportOptions& options) {
  ImportResult result;
  Catalog& c = result.catalog;
  ImportStats& stats = result.stats;
  c.name = options.catalog_name;
  c.description = options.description;
  c.source = options.source_name;

  CsvReader reader(csv, options.source_name);
  std::vector<std::string> fields;
  std::size_t line = 0;
  if (!reader.next(fields, line)) {
    throw CatalogError(options.source_name, 1, 0, "empty input: expected a header line");
  }
  std::array<std::size_t, kColumns.size()> index{};
  for (std::size_t col = 0; col < kColumns.size(); ++col) {
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const std::string& f) { return trim(f) == kColumns[col]; });
    if (it == fields.end()) {
      throw CatalogError(options.source_name, static_cast<int>(line), 0,
                         "header lacks column \"" + std::string(kColumns[col]) + "\"");
    }
    index[col] = static_cast<std::size_t>(it - fields.begin());
  }
  const std::size_t width = fields.size();

  std::set<std::string> wanted;
  for (const auto& cc : options.countries) wanted.insert(upper(cc));
  std::set<Endpoint> seen;
  std::map<std::string, int> name_counts;

  while (reader.next(fields, line)) {
    if (fields.size() == 1 && trim(fields[0]).empty()) continue;  // blank line
    if (fields.size() != width) {
      ++stats.skipped_malformed;
      continue;
    }
    auto field = [&](Column col) { return trim(fields[index[col]]); };
    if (!field(kError).empty()) {
      ++stats.skipped_error;
      continue;
    }
    const auto reliability = parseReliability(field(kReliability));
    if (!reliability || *reliability < options.min_reliability) {
      ++stats.skipped_reliability;
      continue;
    }
    const std::string ip = field(kIp);
    const auto ep = Endpoint::parse(ip);
    // Only a bare address: a port in this column would mean something else went wrong.
    const bool has_port = ip.find('[') != std::string::npos ||
                          (ep && ep->family() == Endpoint::Family::V4 &&
                           ip.find(':') != std::string::npos);
    if (!ep || has_port) {
      ++stats.skipped_address;
      continue;
    }
    const std::string country = upper(field(kCountry));
    const std::string_view continent = continentOfCountry(country);
    if (continent.empty() || (!wanted.empty() && wanted.count(country) == 0)) {
      ++stats.skipped_country;
      continue;
    }
    if (!seen.insert(*ep).second) {
      ++stats.skipped_duplicate;
      continue;
    }

    ResolverInfo r;
    r.endpoint = *ep;
    const std::string as_org = field(kAsOrg);
    const std::string host = field(kName);
    r.operator_name = !as_org.empty() ? as_org : (!host.empty() ? host : ip);
    const std::string base = slug(country) + "-" + slug(r.operator_name);
    r.name = base + "-" + std::to_string(++name_counts[base]);
    r.country = country;
    r.continent = std::string(continent);
    r.region = field(kCity);
    r.anycast = false;
    r.filtering = ResolverFiltering::Unknown;
    r.dnssec_validating = field(kDnssec) == "true";
    r.access = ResolverAccess::Open;
    r.tags = {"imported"};
    r.source = "public-dns.info nameserver list, checked_at " + field(kCheckedAt);
    std::string notes = "reliability " + field(kReliability);
    if (!host.empty()) notes += ", PTR " + host;
    if (!field(kAsNumber).empty()) notes += ", AS" + field(kAsNumber);
    if (!field(kVersion).empty()) notes += ", version " + field(kVersion);
    r.notes = std::move(notes);
    r.catalog = c.name;
    c.resolvers.push_back(std::move(r));
    ++stats.imported;
  }
  return result;
}

Catalog importPublicDnsInfo(std::istream& csv, const ImportOptions& options) {
  return importPublicDnsInfoDetailed(csv, options).catalog;
}

std::string renderCatalogToml(const Catalog& c) {
  toml::table meta{{"name", c.name}, {"description", c.description}};
  if (!c.updated.empty()) meta.insert("updated", c.updated);
  toml::table doc{{"catalog", std::move(meta)}};

  toml::array entries;
  for (const auto& r : c.resolvers) {
    toml::table t{
        {"name", r.name},
        {"address", catalogAddress(r.endpoint)},
        {"operator", r.operator_name},
        {"country", r.country},
        {"continent", r.continent},
        {"anycast", r.anycast},
        {"filtering", std::string(toString(r.filtering))},
        {"dnssec", r.dnssec_validating},
        {"access", std::string(toString(r.access))},
        {"source", r.source},
    };
    if (!r.region.empty()) t.insert("region", r.region);
    if (!r.dot_name.empty()) t.insert("dot", r.dot_name);
    if (!r.doh_url.empty()) t.insert("doh", r.doh_url);
    if (!r.notes.empty()) t.insert("notes", r.notes);
    if (!r.tags.empty()) {
      toml::array tags;
      for (const auto& tag : r.tags) tags.push_back(tag);
      t.insert("tags", std::move(tags));
    }
    entries.push_back(std::move(t));
  }
  if (!entries.empty()) doc.insert("resolver", std::move(entries));

  std::ostringstream out;
  out << "# Resolver catalog written by dnsprop (format: resolvers/README.md).\n"
      << toml::toml_formatter{doc} << "\n";
  return out.str();
}

}  // namespace dnsprop
