// The shipped example configs (config/*.toml) must always load: the README runs
// config/dnsprop.toml as is.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config_loader.h"

using namespace dnsprop;
namespace fs = std::filesystem;

namespace {

const fs::path kConfigDir = fs::path(DNSPROP_SOURCE_DIR) / "config";

bool watches(const Migration& m, const std::string& name, RRType t) {
  for (const auto& w : m.watch) {
    if (w.name == name) return std::find(w.types.begin(), w.types.end(), t) != w.types.end();
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(example_configs)

BOOST_AUTO_TEST_CASE(every_example_config_loads) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kConfigDir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  BOOST_TEST(files.size() >= 2u);
  for (const fs::path& file : files) {
    BOOST_TEST_CONTEXT(file.filename().string()) {
      try {
        const Config c = loadConfig(file);
        BOOST_TEST(!c.migrations.empty());
      } catch (const ConfigError& e) {
        BOOST_TEST(false, e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(default_config_is_the_documented_shop_migration) {
  const Config c = loadConfig(kConfigDir / "dnsprop.toml");
  BOOST_TEST(c.web.listen == std::vector<std::string>{"127.0.0.1:10153"});  // this machine only
  BOOST_TEST(c.resolvers.family_auto);  // no IPv6 resolvers where the host has no IPv6 route
  BOOST_TEST(c.monitor.state_dir == fs::path("/var/lib/dnsprop"));
  const fs::path resolvers = (kConfigDir / "../resolvers").lexically_normal();
  BOOST_TEST(c.resolvers.catalogs ==
             (std::vector<fs::path>{resolvers / "public.toml", resolvers / "jp.toml"}));
  BOOST_REQUIRE(c.migrations.size() == 1u);
  const Migration& m = c.migrations[0];
  BOOST_TEST(m.domain == "shop.example.jp.");
  BOOST_TEST(watches(m, "shop.example.jp.", RRType::NS));
  BOOST_TEST(watches(m, "shop.example.jp.", RRType::A));
  BOOST_TEST(watches(m, "shop.example.jp.", RRType::MX));
  BOOST_TEST(m.old_side.ns != m.new_side.ns);
}

BOOST_AUTO_TEST_CASE(minimal_config_watches_only_a) {
  const Config c = loadConfig(kConfigDir / "minimal.toml");
  BOOST_REQUIRE(c.migrations.size() == 1u);
  for (const auto& w : c.migrations[0].watch) {
    BOOST_TEST((w.types == std::vector<RRType>{RRType::A}));
  }
}

BOOST_AUTO_TEST_SUITE_END()
