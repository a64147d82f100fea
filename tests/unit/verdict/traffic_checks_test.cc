// The traffic condition of [migration.traffic] (verdict/traffic_checks.h): the old server
// received at most max_requests over a window its access log fully covers.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "verdict/traffic_checks.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));
constexpr Duration kStale = 3min;

TrafficCheck quiet() {
  TrafficCheck t;
  t.access_log = "/var/log/nginx/access.log";
  t.window = 24h;
  t.max_requests = 2;
  t.at = kNow - 10s;
  t.requests = 2;
  t.covered_since = kNow - 30h;
  t.last_request = kNow - 20h;
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(traffic_checks)

BOOST_AUTO_TEST_CASE(at_most_max_requests_over_a_covered_window_is_quiet) {
  auto j = judgeTraffic(quiet(), kNow, kStale);
  BOOST_TEST(j.quiet, j.detail);
  BOOST_TEST(j.detail == "the old server received 2 request(s) in the last 1d 0h (at most 2 allowed)");

  auto busy = quiet();
  busy.requests = 3;
  j = judgeTraffic(busy, kNow, kStale);
  BOOST_TEST(!j.quiet);
  BOOST_TEST(j.detail.find("the old server received 3 request(s) in the last 1d 0h (at most 2 allowed), the last at") == 0u, j.detail);
}

BOOST_AUTO_TEST_CASE(a_short_log_unreadable_log_or_old_count_is_not_quiet) {
  // The log begins 2 h ago (rotated, or just started): zero requests prove nothing yet.
  auto short_log = quiet();
  short_log.requests = 0;
  short_log.covered_since = kNow - 10s - 2h;
  auto j = judgeTraffic(short_log, kNow, kStale);
  BOOST_TEST(!j.quiet);
  BOOST_TEST(j.detail.find("covers only 2h 00m of the 1d 0h window; it is complete at") != std::string::npos, j.detail);
  short_log.covered_since.reset();
  BOOST_TEST(!judgeTraffic(short_log, kNow, kStale).quiet);

  auto unreadable = quiet();
  unreadable.requests.reset();
  unreadable.error = "Permission denied";
  j = judgeTraffic(unreadable, kNow, kStale);
  BOOST_TEST(!j.quiet);
  BOOST_TEST(j.detail == "the access log /var/log/nginx/access.log cannot be read: Permission denied");

  BOOST_TEST(!judgeTraffic(quiet(), kNow + 4min, kStale).quiet);
}

BOOST_AUTO_TEST_CASE(the_stored_form_round_trips) {
  auto t = quiet();
  BOOST_TEST((trafficCheckFromJson(toJson(t)) == t));
  t.requests.reset();
  t.covered_since.reset();
  t.last_request.reset();
  t.error = "No such file or directory";
  BOOST_TEST((trafficCheckFromJson(toJson(t)) == t));
  auto j = toJson(t);
  j.erase("window_ms");
  BOOST_CHECK_THROW(trafficCheckFromJson(j), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
