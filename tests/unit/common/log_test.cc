#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "common/log.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(logging)

BOOST_AUTO_TEST_CASE(logfmt_quotes_only_what_needs_it) {
  auto line = log::render(log::Format::Logfmt, "T", log::Level::Warn, "probe failed",
                          {{"domain", "shop.example.jp."}, {"err", "said \"no\""}, {"empty", ""}});
  BOOST_TEST(line ==
             "ts=T level=warn msg=\"probe failed\" domain=shop.example.jp. err=\"said \\\"no\\\"\" "
             "empty=\"\"");
}

BOOST_AUTO_TEST_CASE(json_is_valid_even_for_bad_utf8) {
  auto line = log::render(log::Format::Json, "T", log::Level::Info, "x",
                          {{"resolver", "8.8.8.8:53"}, {"raw", std::string("\xff\xfe", 2)}});
  auto j = nlohmann::json::parse(line);
  BOOST_TEST(j["level"] == "info");
  BOOST_TEST(j["resolver"] == "8.8.8.8:53");
}

BOOST_AUTO_TEST_CASE(levels_and_formats_parse) {
  BOOST_TEST((log::parseLevel("debug") == log::Level::Debug));
  BOOST_TEST(!log::parseLevel("verbose").has_value());
  BOOST_TEST((log::parseFormat("json") == log::Format::Json));
  BOOST_TEST(!log::parseFormat("text").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
