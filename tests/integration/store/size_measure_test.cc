// A measurement, not a test (disabled by default): how big the database gets and how long
// the writes take for a 14-day window of 50 resolvers x 4 types x 3 names probed every
// 5 minutes (4032 rounds x 600 targets = 2.4 million samples), storing every transition
// plus one confirmation per hour (ConfirmationThrottle). The figures go to docs/STORE.md:
//   integration_store --run_test=store_size/fourteen_days_of_600_targets --log_level=message
// DNSPROP_STORE_MEASURE_DIR=<folder> keeps the database there for inspection.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "store/confirmation_throttle.h"
#include "store/state_store.h"
#include "support/temp_dir.h"
#include "unit/store/store_test_util.h"

using namespace dnsprop;
using dnsprop::test::atMs;
using dnsprop::test::TempDir;

namespace {

struct SimTarget {
  TargetKey key;
  TargetState state;
  std::int64_t switch_round = 0;       // when this resolver starts answering NEW
  std::int64_t regression_round = -1;  // one short NEW -> OLD flip (F14), or none
};

std::uintmax_t fileSize(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_size)

BOOST_AUTO_TEST_CASE(fourteen_days_of_600_targets, *boost::unit_test::disabled()) {
  constexpr int kResolvers = 50;
  constexpr std::int64_t kRoundMs = 5 * 60 * 1000;
  constexpr std::int64_t kRounds = 14 * 24 * 12;  // 4032
  constexpr std::int64_t kStart = 1'800'000'000'000;
  const RRType kTypes[] = {RRType::A, RRType::AAAA, RRType::NS, RRType::MX};
  const char* kNames[] = {"shop.example.jp.", "www.shop.example.jp.", "api.shop.example.jp."};

  std::optional<TempDir> temp;
  std::filesystem::path folder;
  if (const char* keep = std::getenv("DNSPROP_STORE_MEASURE_DIR")) {
    folder = keep;
    std::filesystem::remove(folder / "state.db");
  } else {
    temp.emplace("dnsprop-store-size");
    folder = temp->path();
  }
  const auto path = folder / "state.db";

  std::mt19937 rng(20240501);
  std::uniform_int_distribution<std::int64_t> switch_at(288, 3 * 288);  // day 1 to 3
  std::bernoulli_distribution flips(0.2);                               // 1 in 5 regresses once
  std::bernoulli_distribution blip(0.0005);                             // error blips
  std::vector<SimTarget> targets;
  for (int r = 0; r < kResolvers; ++r) {
    for (auto type : kTypes) {
      for (auto name : kNames) {
        SimTarget t;
        t.key = TargetKey{"shop.example.jp.", name, type, "resolver-" + std::to_string(r)};
        t.switch_round = switch_at(rng);
        if (flips(rng)) t.regression_round = t.switch_round + 12;
        targets.push_back(std::move(t));
      }
    }
  }

  auto store = StateStore::open(path);
  ConfirmationThrottle throttle;
  std::uint64_t samples_seen = 0, samples_stored = 0, transitions = 0;
  const auto began = std::chrono::steady_clock::now();
  for (std::int64_t round = 0; round < kRounds; ++round) {
    const WallTime now = atMs(kStart + round * kRoundMs);
    BOOST_TEST_REQUIRE(store->beginRound(), store->lastError());
    for (auto& t : targets) {
      Sample s;
      s.at = now;
      s.outcome = dns::Outcome::Answer;
      s.ttl = 300;
      s.max_chain_ttl = 300;
      s.nsid = "site-" + std::to_string(round % 3);
      const bool is_new = round >= t.switch_round &&
                          !(round >= t.regression_round && round < t.regression_round + 2);
      if (blip(rng)) {
        s.cls = AnswerClass::Error;
        s.outcome = dns::Outcome::Timeout;
        s.ttl.reset();
        s.max_chain_ttl.reset();
      } else if (round == t.switch_round) {
        s.cls = AnswerClass::Mixed;
        s.values = {"192.0.2.10", "198.51.100.20"};
      } else if (is_new) {
        s.cls = AnswerClass::New;
        s.values = {"198.51.100.20", "198.51.100.21"};
      } else {
        s.cls = AnswerClass::Old;
        s.values = {"192.0.2.10"};
      }
      ++samples_seen;
      auto& st = t.state;
      if (!st.has_samples || s.cls != st.current) {
        Transition tr;
        tr.at = now;
        tr.from = st.current;
        tr.to = s.cls;
        tr.ttl = s.ttl;
        tr.nsid = s.nsid;
        BOOST_TEST_REQUIRE(store->appendTransition(t.key, tr), store->lastError());
        ++transitions;
        if (st.current == AnswerClass::New && s.cls == AnswerClass::Old) {
          ++st.regressions;
          st.last_regression = now;
        }
        st.current = s.cls;
        st.current_since = now;
        if (s.cls == AnswerClass::New) {
          st.new_since = now;
          st.new_streak = 0;
        } else {
          st.new_since.reset();
          st.new_streak = 0;
        }
      }
      if (!st.has_samples) st.first_seen = now;
      st.has_samples = true;
      st.last_seen = now;
      ++st.samples;
      if (s.cls == AnswerClass::New) ++st.new_streak;
      if (s.cls == AnswerClass::Old || s.cls == AnswerClass::Mixed) {
        st.last_old_seen = now;
        st.max_old_ttl = 300;
        st.old_expiry = now + std::chrono::seconds(300);
      }
      st.last_nsid = s.nsid;
      if (throttle.shouldStore(t.key, s)) {
        BOOST_TEST_REQUIRE(store->appendSample(t.key, s), store->lastError());
        ++samples_stored;
      }
      BOOST_TEST_REQUIRE(store->saveTarget(t.key, st), store->lastError());
    }
    BOOST_TEST_REQUIRE(store->commitRound(), store->lastError());
  }
  const auto wrote = std::chrono::steady_clock::now() - began;
  const auto size_open = fileSize(path) + fileSize(folder / "state.db-wal");

  const auto load_began = std::chrono::steady_clock::now();
  const auto loaded = store->loadTargets();
  const auto load_time = std::chrono::steady_clock::now() - load_began;
  const auto hist_began = std::chrono::steady_clock::now();
  const auto history = store->samples(targets.front().key, atMs(kStart));
  const auto hist_time = std::chrono::steady_clock::now() - hist_began;
  store.reset();  // the last connection checkpoints the WAL into the main file
  const auto size_closed = fileSize(path);

  using ms = std::chrono::duration<double, std::milli>;
  BOOST_TEST_MESSAGE("targets " << targets.size() << ", rounds " << kRounds
                                << ", samples seen " << samples_seen << ", samples stored "
                                << samples_stored << ", transitions " << transitions);
  BOOST_TEST_MESSAGE("write time " << ms(wrote).count() / 1000 << " s total, "
                                   << ms(wrote).count() / kRounds << " ms per round");
  BOOST_TEST_MESSAGE("database " << size_closed / 1e6 << " MB after close ("
                                 << size_open / 1e6 << " MB with the WAL while open)");
  BOOST_TEST_MESSAGE("loadTargets " << ms(load_time).count() << " ms, samples() of one target "
                                    << history.size() << " rows in " << ms(hist_time).count()
                                    << " ms");
  BOOST_TEST(loaded.size() == targets.size());
  BOOST_TEST(samples_stored < samples_seen / 10);
}

BOOST_AUTO_TEST_SUITE_END()
