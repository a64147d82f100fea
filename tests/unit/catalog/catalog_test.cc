#include "catalog/catalog.h"

#include <boost/test/unit_test.hpp>

#include "unit/catalog/test_print.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace dnsprop;

namespace {

fs::path dataDir() { return fs::path(DNSPROP_SOURCE_DIR) / "tests" / "data" / "catalog"; }

// A minimal valid entry, so tests can vary one field.
std::string entry(const std::string& name, const std::string& address,
                  const std::string& extra = "") {
  return "[[resolver]]\nname = \"" + name + "\"\naddress = \"" + address +
         "\"\noperator = \"Op " + name +
         "\"\ncountry = \"JP\"\ncontinent = \"AS\"\nfiltering = \"none\"\naccess = \"open\"\n"
         "source = \"s\"\n" +
         extra + "\n";
}

const std::string kHeader = "[catalog]\nname = \"t\"\ndescription = \"d\"\n\n";

ResolverInfo info(const std::string& name, const std::string& address, const std::string& country,
                  ResolverAccess access = ResolverAccess::Open) {
  ResolverInfo r;
  r.name = name;
  r.endpoint = *Endpoint::parse(address);
  r.operator_name = "Operator " + name;
  r.country = country;
  r.continent = country == "JP" ? "AS" : "EU";
  r.access = access;
  return r;
}

std::vector<std::string> names(const std::vector<ResolverInfo>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.name);
  return out;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(catalog)

BOOST_AUTO_TEST_CASE(loads_every_field_of_the_good_fixture) {
  const Catalog c = loadCatalog(dataDir() / "good.toml");
  BOOST_TEST(c.name == "test");
  BOOST_TEST(c.description == "Test catalog");
  BOOST_TEST(c.updated == "2026-11-05");
  BOOST_TEST(c.source == dataDir() / "good.toml");
  BOOST_REQUIRE_EQUAL(c.resolvers.size(), 4u);

  const ResolverInfo& a = c.resolvers[0];
  BOOST_TEST(a.name == "alpha-v4");
  BOOST_TEST(a.endpoint.toString() == "192.0.2.1:53");
  BOOST_TEST(a.operator_name == "Alpha Networks");
  BOOST_TEST(a.country == "JP");
  BOOST_TEST(a.continent == "AS");
  BOOST_TEST(a.region == "Tokyo");
  BOOST_TEST(a.anycast);
  BOOST_TEST(a.filtering == ResolverFiltering::None);
  BOOST_TEST(a.dnssec_validating);
  BOOST_TEST(a.access == ResolverAccess::Open);
  BOOST_TEST(a.dot_name == "dns.alpha.example");
  BOOST_TEST(a.doh_url == "https://dns.alpha.example/dns-query");
  BOOST_TEST(a.tags == (std::vector<std::string>{"jp", "global"}), boost::test_tools::per_element());
  BOOST_TEST(a.source == "https://alpha.example/dns");
  BOOST_TEST(a.notes == "first entry");
  BOOST_TEST(a.catalog == "test");

  // Optional keys take their defaults; an explicit port is kept.
  const ResolverInfo& b = c.resolvers[1];
  BOOST_TEST(b.endpoint.toString() == "[2001:db8::53]:5353");
  BOOST_TEST(b.endpoint.family() == Endpoint::Family::V6);
  BOOST_TEST(!b.anycast);
  BOOST_TEST(!b.dnssec_validating);
  BOOST_TEST(b.region.empty());
  BOOST_TEST(b.tags.empty());
  BOOST_TEST(b.filtering == ResolverFiltering::Malware);

  BOOST_TEST(c.resolvers[2].access == ResolverAccess::IspOnly);
  BOOST_TEST(c.resolvers[2].filtering == ResolverFiltering::Unknown);
  BOOST_TEST(c.resolvers[3].access == ResolverAccess::EncryptedOnly);
  BOOST_TEST(c.resolvers[3].filtering == ResolverFiltering::Family);
}

struct BadCase {
  const char* file;
  int line;
  int column;
  const char* message;  // a substring of CatalogError::message()
};

BOOST_AUTO_TEST_CASE(every_bad_fixture_reports_its_position) {
  const std::vector<BadCase> cases = {
      {"syntax.toml", 6, 10, "control characters"},
      {"unknown_key.toml", 14, 1, "resolver: unknown key \"colour\""},
      {"wrong_type.toml", 11, 11, "resolver.anycast: expected a boolean, got a string"},
      {"bad_address.toml", 7, 11, "resolver.address: \"192.0.2\" is not an IP address"},
      {"duplicate_name.toml", 16, 10, "duplicate resolver name \"a\" (first at line 6)"},
      {"duplicate_address.toml", 17, 13,
       "duplicate resolver address 192.0.2.1:53 (first at line 7)"},
      {"missing_key.toml", 15, 1, "resolver: missing required key \"source\""},
      {"bad_filtering.toml", 11, 13, "resolver.filtering: \"some\" must be one of"},
      {"bad_access.toml", 12, 10, "resolver.access: \"public\" must be one of"},
      {"bad_country.toml", 9, 11, "resolver.country: \"jp\" must be an upper-case"},
      {"unknown_top.toml", 5, 3, "unknown top-level key \"resolvers\""},
      {"bad_tag.toml", 13, 15, "resolver.tags: expected a string, got an integer"},
      {"missing_catalog.toml", 1, 1, "missing [catalog] table"},
      {"resolver_table.toml", 5, 1, "expected [[resolver]] entries"},
  };
  // Every file in bad/ must have a case, so a new fixture cannot go unchecked.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dataDir() / "bad")) files += e.path().extension() == ".toml";
  BOOST_TEST(files == cases.size());

  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      const fs::path path = dataDir() / "bad" / c.file;
      try {
        loadCatalog(path);
        BOOST_ERROR("no CatalogError");
      } catch (const CatalogError& e) {
        BOOST_TEST(e.file() == path.string());
        BOOST_TEST(e.line() == c.line);
        BOOST_TEST(e.column() == c.column);
        BOOST_TEST(e.message().find(c.message) != std::string::npos, "message: " << e.message());
        const std::string prefix = path.string() + ":" + std::to_string(c.line) + ":" +
                                   std::to_string(c.column) + ": ";
        BOOST_TEST(std::string(e.what()).rfind(prefix, 0) == 0u, "what: " << e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_a_catalog_error_without_position) {
  try {
    loadCatalog(dataDir() / "does-not-exist.toml");
    BOOST_ERROR("no CatalogError");
  } catch (const CatalogError& e) {
    BOOST_TEST(e.line() == 0);
    BOOST_TEST(e.column() == 0);
    BOOST_TEST(e.message().find("cannot open") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(field_validation_rejects_bad_values) {
  struct Case {
    std::string extra;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"dot = \"not a host\"", "resolver.dot"},
      {"doh = \"http://insecure.example/dns-query\"", "must be an https:// URL"},
      {"tags = [\"Upper\"]", "resolver.tags: \"Upper\""},
      {"tags = \"jp\"", "expected an array of strings"},
      {"region = 5", "resolver.region: expected a string, got an integer"},
      {"dnssec = 1", "resolver.dnssec: expected a boolean"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.extra) {
      try {
        parseCatalog(kHeader + entry("a", "192.0.2.1", c.extra), "mem.toml");
        BOOST_ERROR("no CatalogError");
      } catch (const CatalogError& e) {
        BOOST_TEST(e.message().find(c.message) != std::string::npos, "message: " << e.message());
        BOOST_TEST(e.line() == 14);  // 4 header lines, 9 entry lines, then the extra one
      }
    }
  }
  BOOST_CHECK_THROW(parseCatalog("[catalog]\nname = \"Bad Name\"\ndescription = \"d\"\n", "m"),
                    CatalogError);
  BOOST_CHECK_THROW(parseCatalog("[catalog]\nname = \"n\"\ndescription = \"d\"\nupdated = \"2026-13\"\n", "m"),
                    CatalogError);
  BOOST_CHECK_THROW(parseCatalog("[catalog]\nname = \"n\"\n", "m"), CatalogError);  // no description
  BOOST_CHECK_THROW(parseCatalog("[catalog]\nname = \"n\"\ndescription = \"d\"\nextra = 1\n", "m"),
                    CatalogError);
}

BOOST_AUTO_TEST_CASE(a_catalog_without_resolvers_is_valid) {
  const Catalog c = parseCatalog(kHeader, "empty.toml");
  BOOST_TEST(c.name == "t");
  BOOST_TEST(c.resolvers.empty());
}

BOOST_AUTO_TEST_CASE(load_catalogs_rejects_a_name_reused_in_another_file) {
  const auto all = loadCatalogs({dataDir() / "good.toml"});
  BOOST_TEST(all.size() == 4u);
  try {
    loadCatalogs({dataDir() / "good.toml", dataDir() / "good.toml"});
    BOOST_ERROR("no CatalogError");
  } catch (const CatalogError& e) {
    BOOST_TEST(e.line() == 8);  // name of the first entry, in the second file
    BOOST_TEST(e.column() == 8);
    BOOST_TEST(e.message().find("\"alpha-v4\" already used at") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(select_skips_restricted_unless_asked) {
  const std::vector<ResolverInfo> all = {
      info("open", "192.0.2.1", "JP"),
      info("isp", "192.0.2.2", "JP", ResolverAccess::IspOnly),
      info("enc", "192.0.2.3", "JP", ResolverAccess::EncryptedOnly),
  };
  ResolverFilter f;
  BOOST_TEST(names(selectResolvers(all, f)) == (std::vector<std::string>{"open"}),
             boost::test_tools::per_element());
  f.include_restricted = true;
  BOOST_TEST(names(selectResolvers(all, f)) == (std::vector<std::string>{"open", "isp", "enc"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(select_dedupes_by_endpoint_keeping_the_first) {
  const std::vector<ResolverInfo> all = {
      info("first", "192.0.2.1", "JP"),
      info("same-endpoint", "192.0.2.1:53", "DE"),
      info("other-port", "192.0.2.1:5353", "DE"),
      info("v6", "2001:db8::1", "DE"),
      info("v6-again", "[2001:db8:0::1]:53", "JP"),
  };
  BOOST_TEST(names(selectResolvers(all, {})) ==
                 (std::vector<std::string>{"first", "other-port", "v6"}),
             boost::test_tools::per_element());
  // A filter that drops the first occurrence lets the later one through.
  ResolverFilter de;
  de.countries = {"DE"};
  BOOST_TEST(names(selectResolvers(all, de)) ==
                 (std::vector<std::string>{"same-endpoint", "other-port", "v6"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filters_combine_and_ignore_case) {
  std::vector<ResolverInfo> all = {
      info("a", "192.0.2.1", "JP"),
      info("b", "2001:db8::2", "JP"),
      info("c", "192.0.2.3", "DE"),
  };
  all[0].tags = {"jp", "global"};
  all[1].tags = {"isp"};
  all[0].operator_name = "Google Public DNS";
  all[2].operator_name = "Quad9";

  ResolverFilter f;
  f.countries = {"jp"};
  BOOST_TEST(names(selectResolvers(all, f)) == (std::vector<std::string>{"a", "b"}),
             boost::test_tools::per_element());
  f.family = Endpoint::Family::V6;
  BOOST_TEST(names(selectResolvers(all, f)) == (std::vector<std::string>{"b"}),
             boost::test_tools::per_element());

  ResolverFilter op;
  op.operators = {"google"};
  BOOST_TEST(names(selectResolvers(all, op)) == (std::vector<std::string>{"a"}),
             boost::test_tools::per_element());

  ResolverFilter tag;
  tag.tags = {"ISP", "global"};  // any of them
  BOOST_TEST(names(selectResolvers(all, tag)) == (std::vector<std::string>{"a", "b"}),
             boost::test_tools::per_element());

  ResolverFilter cont;
  cont.continents = {"eu"};
  BOOST_TEST(names(selectResolvers(all, cont)) == (std::vector<std::string>{"c"}),
             boost::test_tools::per_element());

  ResolverFilter byname;
  byname.names = {"c", "a"};
  BOOST_TEST(names(selectResolvers(all, byname)) == (std::vector<std::string>{"a", "c"}),
             boost::test_tools::per_element());

  ResolverFilter none;
  none.countries = {"JP"};
  none.operators = {"quad9"};
  BOOST_TEST(selectResolvers(all, none).empty());
}

BOOST_AUTO_TEST_CASE(enum_spellings_round_trip) {
  for (auto a : {ResolverAccess::Open, ResolverAccess::IspOnly, ResolverAccess::EncryptedOnly}) {
    BOOST_TEST((parseResolverAccess(toString(a)) == a));
  }
  for (auto f : {ResolverFiltering::None, ResolverFiltering::Malware, ResolverFiltering::Ads,
                 ResolverFiltering::Family, ResolverFiltering::Unknown}) {
    BOOST_TEST((parseResolverFiltering(toString(f)) == f));
  }
  BOOST_TEST(!parseResolverAccess("Open"));
  BOOST_TEST(!parseResolverFiltering(""));
  BOOST_TEST(catalogAddress(*Endpoint::parse("2001:db8::1")) == "2001:db8::1");
  BOOST_TEST(catalogAddress(*Endpoint::parse("[2001:db8::1]:5353")) == "[2001:db8::1]:5353");
  BOOST_TEST(catalogAddress(*Endpoint::parse("192.0.2.1:53")) == "192.0.2.1");
}

BOOST_AUTO_TEST_CASE(default_paths_follow_the_environment) {
  {
    ScopedEnv env("DNSPROP_RESOLVERS_DIR", dataDir().string());
    const auto paths = defaultCatalogPaths();
    BOOST_TEST(paths == (std::vector<fs::path>{dataDir() / "good.toml"}),
               boost::test_tools::per_element());
  }
  {
    // A missing folder is skipped; the next candidate is ./resolvers.
    ScopedEnv env("DNSPROP_RESOLVERS_DIR", (dataDir() / "no-such-dir").string());
    const fs::path old = fs::current_path();
    fs::current_path(DNSPROP_SOURCE_DIR);
    const auto paths = defaultCatalogPaths();
    fs::current_path(old);
    BOOST_TEST(!paths.empty());
    for (const auto& p : paths) {
      BOOST_TEST(p.parent_path() == fs::path("resolvers"));
      BOOST_TEST(p.extension() == ".toml");
    }
    BOOST_TEST(std::is_sorted(paths.begin(), paths.end()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
