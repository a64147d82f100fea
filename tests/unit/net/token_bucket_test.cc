#include <boost/test/unit_test.hpp>

#include "net/token_bucket.h"

using namespace dnsprop;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(token_bucket)

BOOST_AUTO_TEST_CASE(burst_then_rate_limited) {
  FakeClock clock;
  TokenBucket b(2.0, 3, clock.monotonic());
  for (int i = 0; i < 3; ++i) BOOST_TEST(b.tryTake(clock.monotonic()));
  BOOST_TEST(!b.tryTake(clock.monotonic()));
  BOOST_TEST(b.waitTime(clock.monotonic()).count() == std::chrono::nanoseconds(500ms).count());
  clock.advance(499ms);
  BOOST_TEST(!b.tryTake(clock.monotonic()));
  clock.advance(1ms);
  BOOST_TEST(b.tryTake(clock.monotonic()));
}

BOOST_AUTO_TEST_CASE(never_exceeds_burst_after_idle) {
  FakeClock clock;
  TokenBucket b(100.0, 2, clock.monotonic());
  clock.advance(1h);
  BOOST_TEST(b.tryTake(clock.monotonic()));
  BOOST_TEST(b.tryTake(clock.monotonic()));
  BOOST_TEST(!b.tryTake(clock.monotonic()));
}

BOOST_AUTO_TEST_CASE(wall_clock_steps_do_not_refill) {
  FakeClock clock;
  TokenBucket b(1.0, 1, clock.monotonic());
  BOOST_TEST(b.tryTake(clock.monotonic()));
  clock.stepWall(24h);  // F18: only monotonic time counts
  BOOST_TEST(!b.tryTake(clock.monotonic()));
}

BOOST_AUTO_TEST_SUITE_END()
