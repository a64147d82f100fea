#include <boost/test/unit_test.hpp>

#include "common/duration.h"

using namespace dnsprop;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(duration)

BOOST_AUTO_TEST_CASE(parses_single_and_compound_units) {
  BOOST_TEST(parseDuration("90s").value() == Duration(90s));
  BOOST_TEST(parseDuration("14d").value() == Duration(24h * 14));
  BOOST_TEST(parseDuration("1h30m").value() == Duration(90min));
  BOOST_TEST(parseDuration("250ms").value() == Duration(250ms));
  BOOST_TEST(parseDuration("2w").value() == Duration(24h * 14));
  BOOST_TEST(parseDuration("1m500ms").value() == Duration(60500ms));
  BOOST_TEST(parseDuration("0s").value() == Duration(0ms));
}

BOOST_AUTO_TEST_CASE(rejects_malformed_text) {
  for (const char* bad : {"", "90", "s", "-5s", "1.5h", "30m1h", "1h1h", "5 s", "5S", "1y",
                          "99999999999999999999s", "9223372036854775807w"}) {
    BOOST_TEST_INFO("input: " << bad);
    BOOST_TEST(!parseDuration(bad).has_value());
  }
}

BOOST_AUTO_TEST_CASE(format_round_trips) {
  for (const char* text : {"0s", "250ms", "90s", "1d12h", "2w", "1h30m", "1m500ms"}) {
    auto d = parseDuration(text);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(parseDuration(formatDuration(*d)).value() == *d);
  }
  BOOST_TEST(formatDuration(Duration(90s)) == "1m30s");
}

BOOST_AUTO_TEST_SUITE_END()
