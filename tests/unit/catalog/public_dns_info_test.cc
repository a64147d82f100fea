#include "catalog/public_dns_info.h"

#include <boost/test/unit_test.hpp>

#include "unit/catalog/test_print.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace dnsprop;

namespace {

fs::path fixture() {
  return fs::path(DNSPROP_SOURCE_DIR) / "tests" / "data" / "catalog" / "nameservers.csv";
}

ImportResult importFixture(const ImportOptions& opt = {}) {
  std::ifstream in(fixture(), std::ios::binary);
  BOOST_REQUIRE(in);
  return importPublicDnsInfoDetailed(in, opt);
}

const std::string kHeader =
    "ip_address,name,as_number,as_org,country_code,city,version,error,dnssec,reliability,"
    "checked_at,created_at\n";

void checkSameCatalog(const Catalog& a, const Catalog& b) {
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.description == b.description);
  BOOST_TEST(a.updated == b.updated);
  BOOST_REQUIRE_EQUAL(a.resolvers.size(), b.resolvers.size());
  for (std::size_t i = 0; i < a.resolvers.size(); ++i) {
    const ResolverInfo& x = a.resolvers[i];
    const ResolverInfo& y = b.resolvers[i];
    BOOST_TEST_CONTEXT("resolver " << i << " " << x.name) {
      BOOST_TEST(x.name == y.name);
      BOOST_TEST((x.endpoint == y.endpoint));
      BOOST_TEST(x.operator_name == y.operator_name);
      BOOST_TEST(x.country == y.country);
      BOOST_TEST(x.continent == y.continent);
      BOOST_TEST(x.region == y.region);
      BOOST_TEST(x.anycast == y.anycast);
      BOOST_TEST((x.filtering == y.filtering));
      BOOST_TEST(x.dnssec_validating == y.dnssec_validating);
      BOOST_TEST((x.access == y.access));
      BOOST_TEST(x.dot_name == y.dot_name);
      BOOST_TEST(x.doh_url == y.doh_url);
      BOOST_TEST(x.tags == y.tags, boost::test_tools::per_element());
      BOOST_TEST(x.source == y.source);
      BOOST_TEST(x.notes == y.notes);
      BOOST_TEST(x.catalog == y.catalog);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(public_dns_info)

BOOST_AUTO_TEST_CASE(imports_usable_rows_and_counts_the_rest) {
  const ImportResult r = importFixture();
  const ImportStats& s = r.stats;
  BOOST_TEST(s.imported == 4u);
  BOOST_TEST(s.skipped_error == 1u);
  BOOST_TEST(s.skipped_reliability == 1u);
  BOOST_TEST(s.skipped_address == 1u);
  BOOST_TEST(s.skipped_duplicate == 1u);
  BOOST_TEST(s.skipped_country == 1u);
  BOOST_TEST(s.skipped_malformed == 1u);
  BOOST_TEST(s.skipped() == 6u);

  const Catalog& c = r.catalog;
  BOOST_TEST(c.name == "public-dns-info");
  BOOST_REQUIRE_EQUAL(c.resolvers.size(), 4u);

  const ResolverInfo& a = c.resolvers[0];
  BOOST_TEST(a.name == "jp-alpha-networks-inc-1");
  BOOST_TEST(a.endpoint.toString() == "192.0.2.10:53");
  BOOST_TEST(a.operator_name == "Alpha Networks, Inc.");  // quoted comma kept
  BOOST_TEST(a.country == "JP");
  BOOST_TEST(a.continent == "AS");
  BOOST_TEST(a.region == "Tokyo");
  BOOST_TEST(a.dnssec_validating);
  BOOST_TEST((a.access == ResolverAccess::Open));
  BOOST_TEST((a.filtering == ResolverFiltering::Unknown));
  BOOST_TEST(a.tags == (std::vector<std::string>{"imported"}), boost::test_tools::per_element());
  BOOST_TEST(a.notes.find("AS64500") != std::string::npos);
  BOOST_TEST(a.source.find("2026-11-01T10:00:00Z") != std::string::npos);

  const ResolverInfo& b = c.resolvers[1];
  BOOST_TEST(b.name == "us-beta-fast-dns-1");
  BOOST_TEST(b.operator_name == "Beta \"Fast\" DNS");  // doubled quotes
  BOOST_TEST(b.region == "Ashburn, VA");
  BOOST_TEST(b.endpoint.family() == Endpoint::Family::V6);
  BOOST_TEST(b.continent == "NA");
  BOOST_TEST(!b.dnssec_validating);

  // Same operator again: the generated name stays unique. Lower-case country accepted.
  BOOST_TEST(c.resolvers[2].name == "jp-alpha-networks-inc-2");
  BOOST_TEST(c.resolvers[2].country == "JP");

  // A quoted field spanning two lines.
  BOOST_TEST(c.resolvers[3].operator_name == "Theta\nNetworks");
  BOOST_TEST(c.resolvers[3].name == "br-theta-networks-1");
  BOOST_TEST(c.resolvers[3].continent == "SA");
}

BOOST_AUTO_TEST_CASE(threshold_and_country_options_apply) {
  ImportOptions strict;
  strict.min_reliability = 0.98;
  const ImportResult r = importFixture(strict);
  BOOST_TEST(r.stats.imported == 2u);  // 1.00 and 0.99 stay; 0.95 and 0.97 go
  BOOST_TEST(r.stats.skipped_reliability == 3u);

  ImportOptions jp;
  jp.countries = {"jp"};
  const ImportResult j = importFixture(jp);
  BOOST_TEST(j.stats.imported == 2u);
  for (const auto& res : j.catalog.resolvers) BOOST_TEST(res.country == "JP");
}

BOOST_AUTO_TEST_CASE(missing_header_column_throws_with_line) {
  std::istringstream in("ip_address,name,as_number,as_org,country_code,city,version,error,dnssec,"
                        "checked_at,created_at\n192.0.2.1,,,,JP,,,,,,\n");
  ImportOptions opt;
  opt.source_name = "ns.csv";
  try {
    importPublicDnsInfo(in, opt);
    BOOST_ERROR("no CatalogError");
  } catch (const CatalogError& e) {
    BOOST_TEST(e.file() == "ns.csv");
    BOOST_TEST(e.line() == 1);
    BOOST_TEST(e.message().find("\"reliability\"") != std::string::npos);
  }

  std::istringstream empty("");
  BOOST_CHECK_THROW(importPublicDnsInfo(empty, opt), CatalogError);
}

BOOST_AUTO_TEST_CASE(unterminated_quote_throws_with_the_line_it_started_on) {
  std::istringstream in(kHeader +
                        "192.0.2.1,,1,Org,JP,,,,false,1.00,x,y\n"
                        "192.0.2.2,,1,\"Org,JP,,,,false,1.00,x,y\n");
  try {
    importPublicDnsInfo(in, {});
    BOOST_ERROR("no CatalogError");
  } catch (const CatalogError& e) {
    BOOST_TEST(e.line() == 3);
    BOOST_TEST(e.message().find("unterminated") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(columns_may_come_in_any_order_with_crlf) {
  std::istringstream in(
      "reliability,ip_address,name,as_number,as_org,country_code,city,version,error,dnssec,"
      "checked_at,created_at,extra\r\n"
      "1.0,198.51.100.4,,7,Example,nz,Auckland,,,true,x,y,z\r\n");
  const ImportResult r = importPublicDnsInfoDetailed(in, {});
  BOOST_REQUIRE_EQUAL(r.catalog.resolvers.size(), 1u);
  BOOST_TEST(r.catalog.resolvers[0].endpoint.address() == "198.51.100.4");
  BOOST_TEST(r.catalog.resolvers[0].continent == "OC");
  BOOST_TEST(r.catalog.resolvers[0].region == "Auckland");
}

BOOST_AUTO_TEST_CASE(addresses_with_ports_are_rejected) {
  std::istringstream in(kHeader + "192.0.2.1:5353,,1,Org,JP,,,,false,1.00,x,y\n" +
                        "\"[2001:db8::1]:53\",,1,Org,JP,,,,false,1.00,x,y\n");
  const ImportResult r = importPublicDnsInfoDetailed(in, {});
  BOOST_TEST(r.stats.imported == 0u);
  BOOST_TEST(r.stats.skipped_address == 2u);
}

BOOST_AUTO_TEST_CASE(continent_table_covers_common_codes) {
  BOOST_TEST(continentOfCountry("JP") == "AS");
  BOOST_TEST(continentOfCountry("DE") == "EU");
  BOOST_TEST(continentOfCountry("RU") == "EU");
  BOOST_TEST(continentOfCountry("US") == "NA");
  BOOST_TEST(continentOfCountry("BR") == "SA");
  BOOST_TEST(continentOfCountry("ZA") == "AF");
  BOOST_TEST(continentOfCountry("AU") == "OC");
  BOOST_TEST(continentOfCountry("AQ") == "AN");
  BOOST_TEST(continentOfCountry("XX").empty());
  BOOST_TEST(continentOfCountry("jp").empty());  // upper case only
  BOOST_TEST(continentOfCountry("J").empty());
}

BOOST_AUTO_TEST_CASE(rendered_import_round_trips_through_the_parser) {
  const Catalog imported = importFixture().catalog;
  const std::string text = renderCatalogToml(imported);
  const Catalog back = parseCatalog(text, "rendered.toml");
  checkSameCatalog(imported, back);
}

BOOST_AUTO_TEST_CASE(rendered_curated_catalog_round_trips) {
  const fs::path good = fs::path(DNSPROP_SOURCE_DIR) / "tests" / "data" / "catalog" / "good.toml";
  const Catalog c = loadCatalog(good);
  const std::string text = renderCatalogToml(c);
  BOOST_TEST(text.find("[[resolver]]") != std::string::npos);
  BOOST_TEST(text.find("[2001:db8::53]:5353") != std::string::npos);  // port kept
  const Catalog back = parseCatalog(text, "rendered.toml");
  checkSameCatalog(c, back);
}

BOOST_AUTO_TEST_CASE(empty_catalog_renders_and_parses) {
  Catalog c;
  c.name = "empty";
  c.description = "nothing \"quoted\" here\\";
  c.updated = "2026-11";
  const Catalog back = parseCatalog(renderCatalogToml(c), "e.toml");
  checkSameCatalog(c, back);
}

BOOST_AUTO_TEST_SUITE_END()
