// kill -9 in the middle of writes: a child process writes probe rounds in a tight loop
// and reports each committed round through a pipe; the parent SIGKILLs it at random
// moments and checks, after each kill, that the database is intact, that every reported
// round is there and that no round is there in part.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "store/state_store.h"
#include "support/temp_dir.h"
#include "support/unique_fd.h"
#include "unit/store/store_test_util.h"

using namespace dnsprop;
using dnsprop::test::atMs;
using dnsprop::test::RawDb;
using dnsprop::test::TempDir;
using dnsprop::test::UniqueFd;

namespace {

constexpr int kKeys = 40;         // targets written in every round
constexpr int kSampledKeys = 5;   // of which this many also get a sample per round

TargetKey keyOf(int i) {
  return TargetKey{"shop.example.jp.", "www.shop.example.jp.", i % 2 ? RRType::AAAA : RRType::A,
                   "resolver-" + std::to_string(i)};
}

// The child: never returns, never unwinds into the test framework.
[[noreturn]] void writeRounds(const std::filesystem::path& path, int report_fd,
                              std::int64_t first_round) {
  try {
    auto store = StateStore::open(path);
    for (std::int64_t r = first_round;; ++r) {
      if (!store->beginRound()) _exit(10);
      for (int i = 0; i < kKeys; ++i) {
        const auto k = keyOf(i);
        Transition t;
        t.at = atMs(r);
        t.from = r % 2 ? AnswerClass::Old : AnswerClass::New;
        t.to = r % 2 ? AnswerClass::New : AnswerClass::Old;
        t.ttl = static_cast<std::uint32_t>(r);
        t.nsid = "round-" + std::to_string(r);
        if (!store->appendTransition(k, t)) _exit(11);
        if (i < kSampledKeys) {
          Sample s;
          s.at = atMs(r);
          s.cls = t.to;
          s.outcome = dns::Outcome::Answer;
          s.values = {"192.0.2.1", std::to_string(r)};
          if (!store->appendSample(k, s)) _exit(12);
        }
        TargetState st;
        st.current = t.to;
        st.has_samples = true;
        st.samples = static_cast<std::uint64_t>(r);
        st.last_seen = atMs(r);
        st.last_nsid = t.nsid;
        if (!store->saveTarget(k, st)) _exit(13);
      }
      if (!store->putFact("round", std::to_string(r))) _exit(14);
      if (!store->commitRound()) _exit(15);
      if (::write(report_fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) _exit(16);
    }
  } catch (...) {
    _exit(17);
  }
}

// Reads round numbers from `fd` until `deadline` (or EOF when `until_eof`); returns the
// last one seen, or `last` if none came.
std::int64_t readReports(int fd, std::int64_t last, std::chrono::steady_clock::time_point deadline,
                         bool until_eof, std::string& pending) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!until_eof && left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, until_eof ? 2000 : static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // deadline (or, draining, a pipe that never reaches EOF)
    char buf[4096];
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child is gone and the pipe drained
    pending.append(buf, static_cast<std::size_t>(got));
    while (pending.size() >= sizeof(std::int64_t)) {
      std::memcpy(&last, pending.data(), sizeof last);
      pending.erase(0, sizeof last);
    }
  }
  return last;
}

struct Verified {
  std::int64_t rounds = 0;  // rounds present in the database
};

Verified verify(const std::filesystem::path& path, std::int64_t reported, std::int64_t before) {
  Verified v;
  if (!std::filesystem::exists(path)) {
    BOOST_TEST(reported == 0);
    return v;
  }
  {
    RawDb raw(path);
    BOOST_TEST(raw.text("PRAGMA integrity_check") == "ok");
  }
  // Opening runs recovery and (if the kill came during creation) the migration again.
  std::unique_ptr<StateStore> store;
  BOOST_REQUIRE_NO_THROW(store = StateStore::open(path));
  RawDb raw(path);
  BOOST_TEST(raw.integer("PRAGMA user_version") == StateStore::kSchemaVersion);
  const auto targets = raw.integer("SELECT count(*) FROM targets");
  if (targets == 0) {
    BOOST_TEST(reported == 0);
    BOOST_TEST(before == 0);
    BOOST_TEST(raw.integer("SELECT count(*) FROM transitions") == 0);
    return v;
  }
  BOOST_TEST_REQUIRE(targets == kKeys);
  const auto lo = raw.integer("SELECT min(samples) FROM targets");
  const auto hi = raw.integer("SELECT max(samples) FROM targets");
  BOOST_TEST(lo == hi, "targets saved by different rounds: " << lo << " vs " << hi);
  v.rounds = hi;
  BOOST_TEST(v.rounds >= reported, "reported round " << reported << " lost; db has " << v.rounds);
  BOOST_TEST(v.rounds >= before);
  const std::string r = std::to_string(v.rounds);
  // Every round 1..R has exactly one transition per target, and nothing else is there.
  BOOST_TEST(raw.integer("SELECT count(*) FROM transitions") == kKeys * v.rounds);
  BOOST_TEST(raw.integer("SELECT count(*) FROM (SELECT target_id, count(*) AS c, "
                         "count(DISTINCT at_ms) AS d, min(at_ms) AS lo, max(at_ms) AS hi "
                         "FROM transitions GROUP BY target_id) WHERE c = " + r +
                         " AND d = " + r + " AND lo = 1 AND hi = " + r) == kKeys);
  BOOST_TEST(raw.integer("SELECT count(*) FROM samples") == kSampledKeys * v.rounds);
  BOOST_TEST(raw.integer("SELECT max(at_ms) FROM samples") == v.rounds);
  BOOST_TEST(store->fact("round").value_or("none") == r);
  // And the store's own view agrees.
  const auto loaded = store->loadTargets(4);
  BOOST_TEST_REQUIRE(loaded.size() == static_cast<std::size_t>(kKeys));
  for (const auto& [k, st] : loaded) {
    BOOST_TEST(st.samples == static_cast<std::uint64_t>(v.rounds));
    BOOST_TEST_REQUIRE(!st.recent.empty());
    BOOST_TEST(test::ms(st.recent.back().at) == v.rounds);
  }
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crash_safety)

BOOST_AUTO_TEST_CASE(kill_9_during_rounds_loses_no_committed_round_and_keeps_rounds_atomic) {
  TempDir dir("dnsprop-store-crash");
  const auto path = dir / "state" / "state.db";
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  // The first kills come early (during open and schema creation), later ones after
  // hundreds of rounds; the total stays under ~6 s of writing.
  std::uniform_int_distribution<int> delay_us(0, 900'000);

  std::int64_t db_rounds = 0;
  int kills_after_commit_before_report = 0;
  for (int kill = 0; kill < 10; ++kill) {
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    const pid_t pid = ::fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      read_end.reset();
      writeRounds(path, write_end.get(), db_rounds + 1);
    }
    write_end.reset();

    // The first kills land within 3 ms of the fork: during open, WAL setup or the schema
    // migration of a fresh file.
    const int wait_us = kill < 2 ? delay_us(rng) / 300 : delay_us(rng);
    std::string pending;
    std::int64_t reported = readReports(
        read_end.get(), 0, std::chrono::steady_clock::now() + std::chrono::microseconds(wait_us),
        false, pending);
    BOOST_TEST_REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    BOOST_TEST_REQUIRE(WIFSIGNALED(status),
                       "writer exited by itself with status " << WEXITSTATUS(status));
    BOOST_TEST(WTERMSIG(status) == SIGKILL);
    // Whatever the child reported before it died is still in the pipe.
    reported = readReports(read_end.get(), reported, std::chrono::steady_clock::now(), true,
                           pending);
    BOOST_TEST(pending.empty());

    const auto v = verify(path, reported, db_rounds);
    BOOST_TEST_MESSAGE("kill " << kill << " after " << wait_us << " us: reported " << reported
                               << ", stored " << v.rounds);
    if (v.rounds > reported && v.rounds > db_rounds) ++kills_after_commit_before_report;
    db_rounds = v.rounds;
  }
  BOOST_TEST(db_rounds > 0, "no round was ever committed: the writer never got going");
  BOOST_TEST_MESSAGE("rounds stored " << db_rounds << ", kills between commit and report "
                                      << kills_after_commit_before_report);
}

BOOST_AUTO_TEST_SUITE_END()
