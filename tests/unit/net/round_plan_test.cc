#include <boost/test/unit_test.hpp>

#include <map>

#include "net/round_plan.h"

using namespace dnsprop;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(round_plan)

// Counts, for each resolver, the largest number of probes in any window of length w.
std::map<std::string, int> maxInWindow(const std::vector<std::string>& who,
                                       const std::vector<std::chrono::nanoseconds>& at,
                                       std::chrono::nanoseconds w) {
  std::map<std::string, int> best;
  for (std::size_t i = 0; i < at.size(); ++i) {
    int n = 0;
    for (std::size_t j = 0; j < at.size(); ++j) {
      if (who[j] == who[i] && at[j] >= at[i] && at[j] < at[i] + w) ++n;
    }
    best[who[i]] = std::max(best[who[i]], n);
  }
  return best;
}

BOOST_AUTO_TEST_CASE(no_resolver_exceeds_its_bucket_even_without_spread) {
  std::vector<std::string> who;
  for (int i = 0; i < 40; ++i) who.push_back(i % 2 ? "a" : "b");
  SecureRandom rnd;
  RoundPlanOptions o;
  o.spread = 0s;
  o.rate_qps = 10;
  o.burst = 4;
  auto at = planRound(who, o, rnd);
  // In any 1 s window: at most burst + rate*1s = 14 per resolver.
  for (auto& [r, n] : maxInWindow(who, at, 1s)) BOOST_TEST(n <= 14, r << " had " << n);
  // 20 probes per resolver at 10 qps after a burst of 4: the last one waits ~1.6 s.
  auto last = *std::max_element(at.begin(), at.end());
  BOOST_TEST(last >= 1500ms);
  BOOST_TEST(last <= 1700ms);
}

BOOST_AUTO_TEST_CASE(spread_jitters_probes_over_the_window) {
  std::vector<std::string> who(200, "only");
  SecureRandom rnd;
  RoundPlanOptions o;
  o.spread = 10s;
  o.rate_qps = 1000;
  o.burst = 1000;
  auto at = planRound(who, o, rnd);
  int first_half = 0;
  for (auto t : at) {
    BOOST_TEST(t.count() >= 0);
    BOOST_TEST(t < std::chrono::nanoseconds(10s));
    if (t < 5s) ++first_half;
  }
  // Uniform jitter: not all at once (a burst would put everything at 0).
  BOOST_TEST(first_half > 60);
  BOOST_TEST(first_half < 140);
}

BOOST_AUTO_TEST_SUITE_END()
