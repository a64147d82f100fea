// Every way a config can be wrong must end in a ConfigError that points at the
// offending key or value. The corpus in tests/data/config-bad/ holds one mistake per
// file; its first line says where the error must point and what the message must say.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_loader.h"

using namespace dnsprop;
namespace fs = std::filesystem;

namespace {

struct ExpectedError {
  int line = -1;
  int column = -1;
  std::string substring;
};

// "# expect: 12:5 some text" -> {12, 5, "some text"}; line -1 when malformed.
ExpectedError readExpectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  ExpectedError e;
  const std::string prefix = "# expect: ";
  if (first.rfind(prefix, 0) != 0) return e;
  std::istringstream rest(first.substr(prefix.size()));
  std::string pos;
  rest >> pos;
  const auto colon = pos.find(':');
  if (colon == std::string::npos) return e;
  e.line = std::stoi(pos.substr(0, colon));
  e.column = std::stoi(pos.substr(colon + 1));
  std::getline(rest >> std::ws, e.substring);
  return e;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(DNSPROP_SOURCE_DIR) / "tests/data/config-bad")) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs `text` through parseConfig and returns the error (fails the test if none).
ConfigError errorOf(const std::string& text) {
  try {
    parseConfig(text, "inline.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  BOOST_FAIL("expected a ConfigError for:\n" << text);
  return ConfigError("", 0, 0, "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_errors)

BOOST_AUTO_TEST_CASE(bad_corpus_is_large_enough) {
  // So that the corpus test below cannot pass by finding nothing.
  BOOST_TEST(corpus().size() >= 25u);
}

BOOST_AUTO_TEST_CASE(every_bad_file_fails_at_its_stated_position) {
  for (const fs::path& file : corpus()) {
    BOOST_TEST_CONTEXT(file.filename().string()) {
      const ExpectedError want = readExpectation(file);
      BOOST_TEST_REQUIRE(want.line >= 0, "first line must be '# expect: LINE:COLUMN text'");
      BOOST_TEST_REQUIRE(!want.substring.empty());
      bool thrown = false;
      try {
        loadConfig(file);
      } catch (const ConfigError& e) {
        thrown = true;
        BOOST_TEST_INFO("got: " << e.what());
        BOOST_TEST(e.line() == want.line);
        BOOST_TEST_INFO("got: " << e.what());
        BOOST_TEST(e.column() == want.column);
        BOOST_TEST_INFO("got: " << e.what());
        BOOST_TEST(e.message().find(want.substring) != std::string::npos);
        BOOST_TEST(e.file() == file.string());
        // what() is the form users see: file:line:column: message
        BOOST_TEST(std::string(e.what()) ==
                   file.string() + ":" + std::to_string(want.line) + ":" +
                       std::to_string(want.column) + ": " + e.message());
      }
      BOOST_TEST(thrown, "loaded without error");
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_error_for_the_whole_file) {
  const fs::path missing = fs::path(DNSPROP_BINARY_DIR) / "no-such-dir" / "dnsprop.toml";
  try {
    loadConfig(missing);
    BOOST_FAIL("loaded a missing file");
  } catch (const ConfigError& e) {
    BOOST_TEST(e.file() == missing.string());
    BOOST_TEST(e.line() == 0);
    BOOST_TEST(e.column() == 0);
    BOOST_TEST(e.message().find("cannot read config file") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(directory_is_an_error_for_the_whole_file) {
  try {
    loadConfig(DNSPROP_SOURCE_DIR);
    BOOST_FAIL("loaded a directory");
  } catch (const ConfigError& e) {
    BOOST_TEST(e.line() == 0);
    BOOST_TEST(e.message().find("directory") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(unknown_key_lists_the_expected_keys_and_a_suggestion) {
  const ConfigError e = errorOf("[monitor]\nintervall = \"5m\"\n");
  BOOST_TEST(e.file() == "inline.toml");
  BOOST_TEST(e.line() == 2);
  BOOST_TEST(e.column() == 1);
  BOOST_TEST(e.message() ==
             "unknown key \"intervall\" in [monitor] (did you mean \"interval\"? expected one of: "
             "interval, timeout, retries, rate_limit_qps, rate_limit_burst, tcp_only, vantage, "
             "state_dir, root_hints)");
}

BOOST_AUTO_TEST_CASE(wrong_type_names_the_expected_and_the_actual_type) {
  const ConfigError e = errorOf("[monitor]\ninterval = 90\n");
  BOOST_TEST(e.line() == 2);
  BOOST_TEST(e.column() == 12);
  BOOST_TEST(e.message() ==
             "monitor.interval: expected a duration string like \"90s\" or \"14d\", got integer");
}

BOOST_AUTO_TEST_CASE(array_element_errors_carry_the_full_path) {
  const ConfigError e = errorOf(
      "[[migration]]\ndomain = \"a.example.jp\"\n[migration.old]\n"
      "addresses = [\"203.0.113.10\", \"10.0.0.300\"]\n");
  BOOST_TEST(e.line() == 4);
  BOOST_TEST(e.column() == 30);
  BOOST_TEST(e.message() == "migration[0].old.addresses[1]: \"10.0.0.300\" is not an IPv4/IPv6 address");
}

BOOST_AUTO_TEST_CASE(second_migration_errors_name_its_index) {
  const std::string one =
      "[[migration]]\ndomain = \"a.example.jp\"\n"
      "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"192.0.2.2\"]\n";
  const ConfigError e = errorOf(one + "[[migration]]\ndomain = \"b.example.jp\"\nbogus = 1\n");
  BOOST_TEST(e.line() == 9);
  BOOST_TEST(e.message().find("unknown key \"bogus\" in migration[1]") == 0u);
}

BOOST_AUTO_TEST_CASE(syntax_errors_use_the_parser_position) {
  const ConfigError e = errorOf("[web]\nlisten = [\":10153\"\n");
  BOOST_TEST(e.line() >= 2);
  BOOST_TEST(e.column() >= 1);
  BOOST_TEST(e.message().find("TOML syntax error") == 0u);
}

BOOST_AUTO_TEST_CASE(timeout_must_be_shorter_than_interval_even_by_default) {
  // interval alone below the default timeout (2s): the error names both values.
  const ConfigError e = errorOf("[monitor]\ninterval = \"1s\"\n");
  BOOST_TEST(e.line() == 2);
  BOOST_TEST(e.message() == "monitor.timeout (2s) must be shorter than monitor.interval (1s)");
}

BOOST_AUTO_TEST_SUITE_END()
