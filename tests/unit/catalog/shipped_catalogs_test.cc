// The data under resolvers/ is part of the product: every file must load, and the
// public catalog must stay broad enough to judge propagation worldwide.
#include <boost/test/unit_test.hpp>

#include "unit/catalog/test_print.h"

#include <filesystem>
#include <set>
#include <string>

#include "catalog/catalog.h"

namespace fs = std::filesystem;
using namespace dnsprop;

namespace {
fs::path resolversDir() { return fs::path(DNSPROP_SOURCE_DIR) / "resolvers"; }
}  // namespace

BOOST_AUTO_TEST_SUITE(shipped_catalogs)

BOOST_AUTO_TEST_CASE(every_shipped_catalog_loads_and_names_are_unique_across_them) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(resolversDir())) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  BOOST_TEST(files.size() >= 2u);
  for (const auto& f : files) {
    BOOST_TEST_CONTEXT(f) {
      BOOST_CHECK_NO_THROW(loadCatalog(f));
    }
  }
  // Names must be unique over the whole set (the loader throws otherwise).
  BOOST_CHECK_NO_THROW(loadCatalogs(files));
}

BOOST_AUTO_TEST_CASE(public_catalog_is_broad_and_open) {
  const Catalog c = loadCatalog(resolversDir() / "public.toml");
  BOOST_TEST(c.name == "public");
  std::set<std::string> names;
  std::set<Endpoint> endpoints;
  std::set<std::string> continents;
  std::size_t open = 0, v4 = 0, v6 = 0;
  for (const auto& r : c.resolvers) {
    BOOST_TEST(names.insert(r.name).second, "duplicate name " << r.name);
    BOOST_TEST(endpoints.insert(r.endpoint).second, "duplicate address " << r.endpoint.toString());
    BOOST_TEST(!r.source.empty());
    if (r.access != ResolverAccess::Open) continue;
    ++open;
    continents.insert(r.continent);
    (r.endpoint.family() == Endpoint::Family::V4 ? v4 : v6) += 1;
  }
  BOOST_TEST(open >= 30u);
  BOOST_TEST(v4 >= 10u);
  BOOST_TEST(v6 >= 10u);
  BOOST_TEST(continents.size() >= 5u);
}

BOOST_AUTO_TEST_CASE(japan_catalog_is_honest_about_access) {
  const Catalog c = loadCatalog(resolversDir() / "jp.toml");
  BOOST_TEST(!c.resolvers.empty());
  bool iij = false;
  for (const auto& r : c.resolvers) {
    BOOST_TEST(r.country == "JP");
    if (r.operator_name.find("IIJ") != std::string::npos) {
      iij = true;
      BOOST_TEST((r.access == ResolverAccess::EncryptedOnly));
      BOOST_TEST(!r.dot_name.empty());
      BOOST_TEST(!r.doh_url.empty());
    }
  }
  BOOST_TEST(iij);
  // Nothing in Japan is open on plain 53, so probing defaults select none of it.
  BOOST_TEST(selectResolvers(c.resolvers, {}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
