#include <boost/test/unit_test.hpp>

#include "store/confirmation_throttle.h"
#include "unit/store/store_test_util.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using dnsprop::test::atMs;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kMin = 60'000;

const TargetKey kKey{"example.jp.", "www.example.jp.", RRType::A, "google-1"};
const TargetKey kOther{"example.jp.", "www.example.jp.", RRType::AAAA, "google-1"};

Sample at(std::int64_t minutes, AnswerClass cls = AnswerClass::Old) {
  Sample s;
  s.at = atMs(kT0 + minutes * kMin);
  s.cls = cls;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(confirmation_throttle)

BOOST_AUTO_TEST_CASE(first_sample_is_stored_then_one_per_hour) {
  ConfirmationThrottle t;
  BOOST_TEST(t.shouldStore(kKey, at(0)));
  int stored = 0;
  for (int m = 5; m <= 180; m += 5) stored += t.shouldStore(kKey, at(m)) ? 1 : 0;
  BOOST_TEST(stored == 3);  // at 60, 120 and 180 minutes
  BOOST_TEST(!t.shouldStore(kKey, at(185)));
  BOOST_TEST(t.shouldStore(kKey, at(240)));  // exactly one hour after the last stored
}

BOOST_AUTO_TEST_CASE(class_change_is_always_stored_and_restarts_the_hour) {
  ConfirmationThrottle t;
  BOOST_TEST(t.shouldStore(kKey, at(0, AnswerClass::Old)));
  BOOST_TEST(t.shouldStore(kKey, at(5, AnswerClass::New)));
  BOOST_TEST(t.shouldStore(kKey, at(10, AnswerClass::Error)));
  BOOST_TEST(t.shouldStore(kKey, at(15, AnswerClass::New)));
  BOOST_TEST(!t.shouldStore(kKey, at(20, AnswerClass::New)));
  BOOST_TEST(!t.shouldStore(kKey, at(70, AnswerClass::New)));  // 55 min after the change
  BOOST_TEST(t.shouldStore(kKey, at(75, AnswerClass::New)));
}

BOOST_AUTO_TEST_CASE(targets_are_independent) {
  ConfirmationThrottle t;
  BOOST_TEST(t.shouldStore(kKey, at(0)));
  BOOST_TEST(t.shouldStore(kOther, at(5)));
  BOOST_TEST(!t.shouldStore(kKey, at(10)));
  BOOST_TEST(!t.shouldStore(kOther, at(10)));
  BOOST_TEST(t.size() == 2U);
}

BOOST_AUTO_TEST_CASE(custom_interval) {
  ConfirmationThrottle t;
  BOOST_TEST(t.shouldStore(kKey, at(0), 10min));
  BOOST_TEST(!t.shouldStore(kKey, at(5), 10min));
  BOOST_TEST(t.shouldStore(kKey, at(10), 10min));
  BOOST_TEST(t.shouldStore(kKey, at(11), 0ms));  // zero: store everything
}

BOOST_AUTO_TEST_CASE(wall_clock_step_backwards_does_not_silence_a_target) {
  ConfirmationThrottle t;
  BOOST_TEST(t.shouldStore(kKey, at(600)));
  BOOST_TEST(t.shouldStore(kKey, at(300)));   // clock stepped back 5 h (F18)
  BOOST_TEST(!t.shouldStore(kKey, at(305)));  // and the hour counts from there
  BOOST_TEST(t.shouldStore(kKey, at(360)));
}

BOOST_AUTO_TEST_CASE(remember_seeds_and_forget_resets) {
  ConfirmationThrottle t;
  t.remember(kKey, at(0));  // e.g. the last stored sample before a restart
  BOOST_TEST(!t.shouldStore(kKey, at(30)));
  BOOST_TEST(t.shouldStore(kKey, at(30, AnswerClass::New)));
  t.forget(kKey);
  BOOST_TEST(t.size() == 0U);
  BOOST_TEST(t.shouldStore(kKey, at(35, AnswerClass::New)));
}

BOOST_AUTO_TEST_SUITE_END()
