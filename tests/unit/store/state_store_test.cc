#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/state_store.h"
#include "support/temp_dir.h"
#include "unit/store/store_test_util.h"

using namespace dnsprop;
using dnsprop::test::atMs;
using dnsprop::test::ms;
using dnsprop::test::RawDb;
using dnsprop::test::TempDir;
using dnsprop::test::ttlOr;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000'123;  // ms since the epoch, not a whole second

TargetKey key(std::string resolver = "google-1", RRType type = RRType::A) {
  return TargetKey{"shop.example.jp.", "www.shop.example.jp.", type, std::move(resolver)};
}

// Every field set, every optional engaged, nothing at its default.
TargetState fullState() {
  TargetState s;
  s.current = AnswerClass::New;
  s.has_samples = true;
  s.first_seen = atMs(kT0);
  s.last_seen = atMs(kT0 + 9'000);
  s.current_since = atMs(kT0 + 5'000);
  s.samples = 123456789012ULL;
  s.last_old_seen = atMs(kT0 + 4'000);
  s.max_old_ttl = 4'000'000'000U;
  s.new_since = atMs(kT0 + 5'001);
  s.new_streak = 77;
  s.regressions = 3;
  s.last_regression = atMs(kT0 + 3'000);
  s.old_expiry = atMs(kT0 + 86'400'000);
  s.last_nsid = "tyo-3";
  s.last_new_seen = atMs(kT0 + 9'000);
  s.negative_until = atMs(kT0 + 12'000);
  return s;
}

void checkSame(const TargetState& a, const TargetState& b) {
  BOOST_TEST(toString(a.current) == toString(b.current));
  BOOST_TEST(a.has_samples == b.has_samples);
  BOOST_TEST(ms(a.first_seen) == ms(b.first_seen));
  BOOST_TEST(ms(a.last_seen) == ms(b.last_seen));
  BOOST_TEST(ms(a.current_since) == ms(b.current_since));
  BOOST_TEST(a.samples == b.samples);
  BOOST_TEST(ms(a.last_old_seen) == ms(b.last_old_seen));
  BOOST_TEST(a.max_old_ttl == b.max_old_ttl);
  BOOST_TEST(ms(a.new_since) == ms(b.new_since));
  BOOST_TEST(a.new_streak == b.new_streak);
  BOOST_TEST(a.regressions == b.regressions);
  BOOST_TEST(ms(a.last_regression) == ms(b.last_regression));
  BOOST_TEST(ms(a.old_expiry) == ms(b.old_expiry));
  BOOST_TEST(a.last_nsid == b.last_nsid);
  BOOST_TEST(ms(a.last_new_seen) == ms(b.last_new_seen));
  BOOST_TEST(ms(a.negative_until) == ms(b.negative_until));
}

void checkSame(const Transition& a, const Transition& b) {
  BOOST_TEST(ms(a.at) == ms(b.at));
  BOOST_TEST(toString(a.from) == toString(b.from));
  BOOST_TEST(toString(a.to) == toString(b.to));
  BOOST_TEST(ttlOr(a.ttl) == ttlOr(b.ttl));
  BOOST_TEST(a.nsid == b.nsid);
}

void checkSame(const Sample& a, const Sample& b) {
  BOOST_TEST(ms(a.at) == ms(b.at));
  BOOST_TEST(toString(a.cls) == toString(b.cls));
  BOOST_TEST(dns::toString(a.outcome) == dns::toString(b.outcome));
  BOOST_TEST(ttlOr(a.ttl) == ttlOr(b.ttl));
  BOOST_TEST(ttlOr(a.max_chain_ttl) == ttlOr(b.max_chain_ttl));
  BOOST_TEST(a.values == b.values, boost::test_tools::per_element());
  BOOST_TEST(a.nsid == b.nsid);
  BOOST_TEST(a.stale == b.stale);
}

Transition transition(std::int64_t at, AnswerClass from, AnswerClass to) {
  Transition t;
  t.at = atMs(at);
  t.from = from;
  t.to = to;
  t.ttl = 300;
  t.nsid = "n" + std::to_string(at);
  return t;
}

Sample sample(std::int64_t at, AnswerClass cls) {
  Sample s;
  s.at = atMs(at);
  s.cls = cls;
  s.outcome = dns::Outcome::Answer;
  s.ttl = 300;
  s.max_chain_ttl = 3600;
  s.values = {"198.51.100.20", "198.51.100.21"};
  s.nsid = "fra-1";
  return s;
}

void writeFile(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_store)

BOOST_AUTO_TEST_CASE(open_creates_folder_and_versioned_wal_schema) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "deep/er/state.db";
  {
    auto store = StateStore::open(path);
    BOOST_TEST(store->loadTargets().empty());
    BOOST_TEST(store->lastError().empty());
  }
  BOOST_TEST(std::filesystem::exists(path));
  RawDb raw(path);
  BOOST_TEST(raw.integer("PRAGMA user_version") == StateStore::kSchemaVersion);
  BOOST_TEST(raw.text("PRAGMA journal_mode") == "wal");
  for (const char* table : {"targets", "transitions", "samples", "facts"}) {
    BOOST_TEST(raw.integer(std::string("SELECT count(*) FROM sqlite_master WHERE type='table' "
                                       "AND name='") + table + "'") == 1,
               table);
  }
}

BOOST_AUTO_TEST_CASE(empty_file_at_version_zero_is_migrated) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  writeFile(path, "");
  {
    RawDb raw(path);
    BOOST_TEST(raw.integer("PRAGMA user_version") == 0);
  }
  {
    auto store = StateStore::open(path);
    BOOST_TEST(store->saveTarget(key(), fullState()));
  }
  RawDb raw(path);
  BOOST_TEST(raw.integer("PRAGMA user_version") == StateStore::kSchemaVersion);
  BOOST_TEST(raw.integer("SELECT count(*) FROM targets") == 1);
}

BOOST_AUTO_TEST_CASE(reopening_keeps_data_and_version) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  StateStore::open(path)->putFact("a", "1");
  auto store = StateStore::open(path);
  BOOST_TEST(store->fact("a").value_or("missing") == "1");
  RawDb raw(path);
  BOOST_TEST(raw.integer("PRAGMA user_version") == StateStore::kSchemaVersion);
}

BOOST_AUTO_TEST_CASE(newer_schema_version_is_refused_untouched) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  StateStore::open(path).reset();
  RawDb(path).exec("PRAGMA user_version = " + std::to_string(StateStore::kSchemaVersion + 1));
  std::string message;
  try {
    StateStore::open(path);
  } catch (const StoreError& e) {
    message = e.what();
  }
  BOOST_TEST(message.find("newer") != std::string::npos, message);
  RawDb raw(path);
  BOOST_TEST(raw.integer("PRAGMA user_version") == StateStore::kSchemaVersion + 1);
}

BOOST_AUTO_TEST_CASE(foreign_database_and_garbage_are_refused) {
  TempDir dir("dnsprop-store");
  const auto foreign = dir / "foreign.db";
  RawDb(foreign).exec("CREATE TABLE notes (x TEXT)");
  BOOST_CHECK_THROW(StateStore::open(foreign), StoreError);
  RawDb raw(foreign);
  BOOST_TEST(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'targets'") == 0);

  const auto garbage = dir / "garbage.db";
  writeFile(garbage, std::string(8192, 'x'));
  BOOST_CHECK_THROW(StateStore::open(garbage), StoreError);
}

BOOST_AUTO_TEST_CASE(open_fails_with_store_error_when_the_folder_cannot_exist) {
  TempDir dir("dnsprop-store");
  writeFile(dir / "file", "x");
  BOOST_CHECK_THROW(StateStore::open(dir / "file/state.db"), StoreError);
}

BOOST_AUTO_TEST_CASE(target_state_round_trips_every_field) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  const TargetState full = fullState();
  TargetState empty;  // every optional nullopt, every time at the epoch
  empty.current = AnswerClass::Stale;
  {
    auto store = StateStore::open(path);
    BOOST_TEST_REQUIRE(store->beginRound());
    BOOST_TEST(store->saveTarget(key("google-1"), full));
    BOOST_TEST(store->saveTarget(key("quad9-1", RRType::MX), empty));
    BOOST_TEST(store->commitRound(), store->lastError());
  }
  auto store = StateStore::open(path);
  const auto loaded = store->loadTargets();
  BOOST_TEST_REQUIRE(loaded.size() == 2U);
  BOOST_TEST((loaded[0].first == key("google-1")));
  BOOST_TEST((loaded[1].first == key("quad9-1", RRType::MX)));
  checkSame(loaded[0].second, full);
  checkSame(loaded[1].second, empty);
  BOOST_TEST(loaded[0].second.recent.empty());

  // Upsert: a later save replaces the row, it does not add one.
  TargetState changed = full;
  changed.current = AnswerClass::Old;
  changed.samples += 1;
  changed.new_since.reset();
  BOOST_TEST(store->saveTarget(key("google-1"), changed));
  const auto again = store->loadTargets();
  BOOST_TEST_REQUIRE(again.size() == 2U);
  checkSame(again[0].second, changed);
}

BOOST_AUTO_TEST_CASE(transitions_round_trip_and_fill_recent) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  std::vector<Transition> written;
  {
    auto store = StateStore::open(path);
    BOOST_TEST_REQUIRE(store->beginRound());
    for (int i = 0; i < 40; ++i) {
      auto t = transition(kT0 + i * 1000, i % 2 ? AnswerClass::New : AnswerClass::Old,
                          i % 2 ? AnswerClass::Old : AnswerClass::New);
      if (i == 7) t.ttl.reset();
      written.push_back(t);
      // Written before the target's first saveTarget: the row is created on demand.
      BOOST_TEST(store->appendTransition(key(), t));
    }
    BOOST_TEST(store->appendTransition(key("other"), transition(kT0, AnswerClass::Error,
                                                                AnswerClass::Negative)));
    BOOST_TEST(store->saveTarget(key(), fullState()));
    BOOST_TEST(store->commitRound(), store->lastError());
  }
  auto store = StateStore::open(path);
  const auto all = store->transitions(key());
  BOOST_TEST_REQUIRE(all.size() == written.size());
  for (std::size_t i = 0; i < all.size(); ++i) checkSame(all[i], written[i]);

  const auto since = store->transitions(key(), atMs(kT0 + 35 * 1000));
  BOOST_TEST_REQUIRE(since.size() == 5U);
  checkSame(since.front(), written[35]);
  BOOST_TEST(store->transitions(key("nobody")).empty());

  const auto targets = store->loadTargets();
  BOOST_TEST_REQUIRE(targets.size() == 2U);
  const auto& recent = targets[0].second.recent;  // "google-1" sorts before "other"
  BOOST_TEST_REQUIRE(recent.size() == StateStore::kDefaultRecent);
  checkSame(recent.front(), written[40 - StateStore::kDefaultRecent]);
  checkSame(recent.back(), written.back());
  BOOST_TEST(targets[1].second.recent.size() == 1U);
  BOOST_TEST(store->loadTargets(3)[0].second.recent.size() == 3U);
  BOOST_TEST(store->loadTargets(0)[0].second.recent.empty());
}

BOOST_AUTO_TEST_CASE(samples_round_trip_every_field_and_enum_as_text) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  std::vector<Sample> written;
  {
    auto store = StateStore::open(path);
    Sample full = sample(kT0, AnswerClass::New);
    full.stale = true;
    full.values = {"a.example.", "b.example.", "with \"quotes\" and \xc3\xa9"};
    Sample bare;
    bare.at = atMs(kT0 + 1);
    bare.cls = AnswerClass::Error;
    bare.outcome = dns::Outcome::NetworkError;
    written = {full, bare};
    // Every class and outcome survives its text form.
    std::int64_t at = kT0 + 2;
    for (auto c : {AnswerClass::New, AnswerClass::Old, AnswerClass::Mixed, AnswerClass::Other,
                   AnswerClass::Negative, AnswerClass::Stale, AnswerClass::Error}) {
      written.push_back(sample(at++, c));
    }
    for (auto o : {dns::Outcome::Answer, dns::Outcome::NxDomain, dns::Outcome::NoData,
                   dns::Outcome::ServFail, dns::Outcome::Refused, dns::Outcome::NotAuthoritative,
                   dns::Outcome::OtherRcode, dns::Outcome::Timeout,
                   dns::Outcome::TruncatedFailed, dns::Outcome::Malformed,
                   dns::Outcome::NetworkError}) {
      Sample s = sample(at++, AnswerClass::Error);
      s.outcome = o;
      written.push_back(s);
    }
    for (const auto& s : written) BOOST_TEST(store->appendSample(key(), s), store->lastError());
  }
  auto store = StateStore::open(path);
  const auto all = store->samples(key(), atMs(0));
  BOOST_TEST_REQUIRE(all.size() == written.size());
  for (std::size_t i = 0; i < all.size(); ++i) checkSame(all[i], written[i]);
  BOOST_TEST(store->samples(key(), atMs(kT0 + 2)).size() == written.size() - 2);
  BOOST_TEST(store->samples(key("nobody"), atMs(0)).empty());

  const auto last = store->lastSamples();
  BOOST_TEST_REQUIRE(last.size() == 1U);
  checkSame(last[0].second, written.back());

  RawDb raw(path);
  BOOST_TEST(raw.text("SELECT answer_class || '/' || outcome || '/' || vals FROM samples "
                      "ORDER BY at_ms LIMIT 1") ==
             "new/answer/[\"a.example.\",\"b.example.\",\"with \\\"quotes\\\" and \xc3\xa9\"]");
  BOOST_TEST(raw.integer("SELECT at_ms FROM samples ORDER BY at_ms LIMIT 1") == kT0);
  BOOST_TEST(raw.text("SELECT rrtype FROM targets") == "A");
}

BOOST_AUTO_TEST_CASE(unknown_text_in_the_database_is_a_read_error) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  auto store = StateStore::open(path);
  BOOST_TEST(store->appendSample(key(), sample(kT0, AnswerClass::Old)));
  RawDb(path).exec("UPDATE samples SET answer_class = 'purple'");
  BOOST_CHECK_THROW(store->samples(key(), atMs(0)), StoreError);
}

BOOST_AUTO_TEST_CASE(facts_round_trip_and_reject_invalid_json) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  {
    auto store = StateStore::open(path);
    BOOST_TEST(!store->fact("parent_switch_seen").has_value());
    BOOST_TEST(store->putFact("parent_switch_seen", R"({"at_ms":1800000000123})"));
    BOOST_TEST(store->putFact("note", R"("first")"));
    BOOST_TEST(store->putFact("note", R"(["second", 2])"));
    BOOST_TEST(!store->putFact("note", "{not json"));
    BOOST_TEST(store->lastError().find("JSON") != std::string::npos, store->lastError());
  }
  auto store = StateStore::open(path);
  BOOST_TEST(store->fact("parent_switch_seen").value_or("") == R"({"at_ms":1800000000123})");
  BOOST_TEST(store->fact("note").value_or("") == R"(["second", 2])");
}

BOOST_AUTO_TEST_CASE(round_is_invisible_until_commit_and_rollback_discards_it) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  auto store = StateStore::open(path);
  RawDb other(path);

  BOOST_TEST_REQUIRE(store->beginRound());
  BOOST_TEST(store->roundOpen());
  BOOST_TEST(!store->beginRound());  // nested rounds are a caller bug
  BOOST_TEST(store->saveTarget(key(), fullState()));
  BOOST_TEST(store->appendTransition(key(), transition(kT0, AnswerClass::Old, AnswerClass::New)));
  BOOST_TEST(other.integer("SELECT count(*) FROM targets") == 0);
  BOOST_TEST(store->commitRound());
  BOOST_TEST(!store->roundOpen());
  BOOST_TEST(other.integer("SELECT count(*) FROM targets") == 1);

  BOOST_TEST_REQUIRE(store->beginRound());
  BOOST_TEST(store->saveTarget(key("new-one"), fullState()));
  store->rollbackRound();
  BOOST_TEST(!store->roundOpen());
  BOOST_TEST(other.integer("SELECT count(*) FROM targets") == 1);
  // The id cached for the rolled-back row is forgotten: writing the key again works.
  BOOST_TEST(store->appendTransition(key("new-one"),
                                     transition(kT0, AnswerClass::Old, AnswerClass::New)),
             store->lastError());
  BOOST_TEST(store->transitions(key("new-one")).size() == 1U);
  BOOST_TEST(!store->commitRound());  // no round open
}

BOOST_AUTO_TEST_CASE(a_failed_write_poisons_the_round) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  auto store = StateStore::open(path);
  BOOST_TEST_REQUIRE(store->beginRound());
  BOOST_TEST(store->saveTarget(key("a"), fullState()));
  BOOST_TEST(!store->putFact("x", "not json"));
  BOOST_TEST(!store->saveTarget(key("b"), fullState()));  // skipped
  BOOST_TEST(!store->commitRound());
  BOOST_TEST(store->lastError().find("rolled back") != std::string::npos, store->lastError());
  BOOST_TEST(store->loadTargets().empty());
  // The next round is independent.
  BOOST_TEST_REQUIRE(store->beginRound());
  BOOST_TEST(store->saveTarget(key("a"), fullState()), store->lastError());
  BOOST_TEST(store->commitRound(), store->lastError());
  BOOST_TEST(store->loadTargets().size() == 1U);
}

BOOST_AUTO_TEST_CASE(locked_database_makes_writes_return_false) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  auto store = StateStore::open(path, std::chrono::milliseconds(50));
  RawDb other(path);
  other.exec("BEGIN IMMEDIATE");
  bool ok = true;
  BOOST_CHECK_NO_THROW(ok = store->beginRound());
  BOOST_TEST(!ok);
  BOOST_TEST(store->lastError().find("locked") != std::string::npos, store->lastError());
  BOOST_CHECK_NO_THROW(ok = store->saveTarget(key(), fullState()));
  BOOST_TEST(!ok);
  BOOST_CHECK_NO_THROW(ok = store->commitRound());
  BOOST_TEST(!ok);
  BOOST_CHECK_NO_THROW(ok = store->putFact("k", "1"));  // outside a round
  BOOST_TEST(!ok);
  other.exec("COMMIT");
  BOOST_TEST(store->beginRound(), store->lastError());
  BOOST_TEST(store->saveTarget(key(), fullState()), store->lastError());
  BOOST_TEST(store->commitRound(), store->lastError());
}

BOOST_AUTO_TEST_CASE(corrupt_file_makes_writes_return_false) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  {
    auto store = StateStore::open(path);
    BOOST_TEST_REQUIRE(store->beginRound());
    for (int i = 0; i < 200; ++i) BOOST_TEST_REQUIRE(store->appendSample(key(), sample(kT0 + i, AnswerClass::New)));
    BOOST_TEST_REQUIRE(store->commitRound());
  }
  std::int64_t root = 0, page_size = 0;
  {
    RawDb raw(path);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    root = raw.integer("SELECT rootpage FROM sqlite_master WHERE name = 'samples'");
    page_size = raw.integer("PRAGMA page_size");
  }
  {
    // Overwrite the samples table's root page with garbage, behind SQLite's back.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((root - 1) * page_size);
    const std::string junk(static_cast<std::size_t>(page_size), '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    BOOST_TEST_REQUIRE(f.good());
  }
  auto store = StateStore::open(path);
  bool ok = true;
  BOOST_CHECK_NO_THROW(ok = store->appendSample(key(), sample(kT0 + 1000, AnswerClass::Old)));
  BOOST_TEST(!ok);
  BOOST_TEST(store->lastError().find("malformed") != std::string::npos, store->lastError());
  BOOST_CHECK_NO_THROW(ok = store->beginRound());
  BOOST_CHECK_NO_THROW(ok = store->appendSample(key(), sample(kT0 + 1001, AnswerClass::Old)));
  BOOST_TEST(!ok);
  BOOST_CHECK_NO_THROW(ok = store->commitRound());
  BOOST_TEST(!ok);
  BOOST_CHECK_THROW(store->samples(key(), atMs(0)), StoreError);
}

BOOST_AUTO_TEST_SUITE_END()

// StateStore::openReadOnly: what `check`, `status` and `history` use. These run as the
// test's user (root in CI), for whom the folder is writable; the immutable fallback for
// a user who may only read is covered by tests/cli/read_only_state.sh.
BOOST_AUTO_TEST_SUITE(state_store_read_only)

namespace {

// The bytes and the modification time (ns) of a file: what "left untouched" compares.
struct FileImage {
  std::string bytes;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileImage&) const = default;
};

FileImage image(const std::filesystem::path& p) {
  FileImage img;
  std::ifstream f(p, std::ios::binary);
  img.bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(p.c_str(), &st) == 0);
  img.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return img;
}

// A database as the daemon leaves it: two targets, transitions, samples and a fact.
void writeExample(const std::filesystem::path& path) {
  auto store = StateStore::open(path);
  BOOST_TEST_REQUIRE(store->beginRound());
  BOOST_TEST_REQUIRE(store->appendTransition(key(), transition(kT0, AnswerClass::Old, AnswerClass::New)));
  BOOST_TEST_REQUIRE(store->appendSample(key(), sample(kT0, AnswerClass::New)));
  BOOST_TEST_REQUIRE(store->saveTarget(key(), fullState()));
  BOOST_TEST_REQUIRE(store->saveTarget(key("quad9", RRType::MX), fullState()));
  BOOST_TEST_REQUIRE(store->putFact("round/shop.example.jp.", R"({"round":7})"));
  BOOST_TEST_REQUIRE(store->commitRound());
}

std::string refusal(const std::filesystem::path& path) {
  try {
    StateStore::openReadOnly(path);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(opened)";
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_what_open_wrote) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  writeExample(path);
  auto writer = StateStore::open(path);
  auto reader = StateStore::openReadOnly(path);
  BOOST_TEST(reader->readOnly());
  BOOST_TEST(!writer->readOnly());
  BOOST_TEST(reader->path() == path);

  const auto want = writer->loadTargets();
  const auto got = reader->loadTargets();
  BOOST_TEST_REQUIRE(got.size() == 2U);
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST((got[i].first == want[i].first));
    checkSame(got[i].second, want[i].second);
    BOOST_TEST_REQUIRE(got[i].second.recent.size() == want[i].second.recent.size());
    for (std::size_t j = 0; j < got[i].second.recent.size(); ++j) {
      checkSame(got[i].second.recent[j], want[i].second.recent[j]);
    }
  }
  BOOST_TEST_REQUIRE(reader->transitions(key()).size() == 1U);
  checkSame(reader->transitions(key())[0], transition(kT0, AnswerClass::Old, AnswerClass::New));
  BOOST_TEST_REQUIRE(reader->samples(key(), atMs(0)).size() == 1U);
  checkSame(reader->samples(key(), atMs(0))[0], sample(kT0, AnswerClass::New));
  BOOST_TEST(reader->lastSamples().size() == 1U);
  BOOST_TEST(reader->fact("round/shop.example.jp.").value_or("") == R"({"round":7})");
  BOOST_TEST(!reader->fact("missing").has_value());
}

BOOST_AUTO_TEST_CASE(sees_rounds_the_writer_commits_later_and_never_blocks_it) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  auto writer = StateStore::open(path, std::chrono::milliseconds(50));
  auto reader = StateStore::openReadOnly(path, std::chrono::milliseconds(50));
  BOOST_TEST(reader->loadTargets().empty());
  BOOST_TEST_REQUIRE(writer->beginRound());
  BOOST_TEST_REQUIRE(writer->saveTarget(key(), fullState()));
  BOOST_TEST(reader->loadTargets().empty());  // not committed yet
  BOOST_TEST(writer->commitRound(), writer->lastError());
  BOOST_TEST(reader->loadTargets().size() == 1U);
  BOOST_TEST(writer->putFact("k", "2"), writer->lastError());
  BOOST_TEST(reader->fact("k").value_or("") == "2");
}

BOOST_AUTO_TEST_CASE(a_missing_file_or_folder_is_never_created) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  const std::string message = refusal(path);
  BOOST_TEST(message.find("no such database") != std::string::npos, message);
  BOOST_TEST(std::filesystem::is_empty(dir.path()));

  BOOST_CHECK_THROW(StateStore::openReadOnly(dir / "sub/state.db"), StoreError);
  BOOST_TEST(!std::filesystem::exists(dir / "sub"));
  BOOST_CHECK_THROW(StateStore::openReadOnly(dir.path()), StoreError);  // a folder
  BOOST_TEST(std::filesystem::is_empty(dir.path()));
}

BOOST_AUTO_TEST_CASE(an_older_schema_is_refused_and_left_byte_identical) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  writeExample(path);
  // What a database of the previous schema version looks like to this build. The raw
  // connection closes last, so the WAL is checkpointed into the file and removed.
  RawDb(path).exec("PRAGMA user_version = " + std::to_string(StateStore::kSchemaVersion - 1));
  BOOST_TEST_REQUIRE(!std::filesystem::exists(dir / "state.db-wal"));
  const FileImage before = image(path);

  const std::string message = refusal(path);
  BOOST_TEST(message.find("older") != std::string::npos, message);
  BOOST_TEST(message.find("dnsprop run") != std::string::npos, message);
  BOOST_TEST((image(path) == before), "the database file changed");
  // And a store opened read-only never checkpoints or migrates on close either.
  BOOST_TEST(RawDb(path).integer("PRAGMA user_version") == StateStore::kSchemaVersion - 1);
}

BOOST_AUTO_TEST_CASE(reading_leaves_a_current_database_byte_identical) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  writeExample(path);
  const FileImage before = image(path);
  {
    auto reader = StateStore::openReadOnly(path);
    BOOST_TEST(reader->loadTargets().size() == 2U);
    BOOST_TEST(!reader->putFact("x", "1"));
  }
  BOOST_TEST((image(path) == before), "the database file changed");
}

BOOST_AUTO_TEST_CASE(newer_foreign_empty_and_garbage_files_are_refused_untouched) {
  TempDir dir("dnsprop-store");
  const auto newer = dir / "newer.db";
  writeExample(newer);
  RawDb(newer).exec("PRAGMA user_version = " + std::to_string(StateStore::kSchemaVersion + 1));
  const FileImage newer_before = image(newer);
  std::string message = refusal(newer);
  BOOST_TEST(message.find("newer") != std::string::npos, message);
  BOOST_TEST((image(newer) == newer_before));

  const auto foreign = dir / "foreign.db";
  RawDb(foreign).exec("CREATE TABLE notes (x TEXT)");
  message = refusal(foreign);
  BOOST_TEST(message.find("not a dnsprop state database") != std::string::npos, message);

  // open() would make an empty file a database; reading refuses it and leaves it empty.
  const auto empty = dir / "empty.db";
  writeFile(empty, "");
  message = refusal(empty);
  BOOST_TEST(message.find("empty") != std::string::npos, message);
  BOOST_TEST(std::filesystem::file_size(empty) == 0U);

  const auto garbage = dir / "garbage.db";
  writeFile(garbage, std::string(8192, 'x'));
  message = refusal(garbage);
  BOOST_TEST(message.find("not a SQLite database") != std::string::npos, message);

  const auto damaged = dir / "damaged.db";
  writeExample(damaged);
  RawDb(damaged).exec("DROP TABLE facts");
  message = refusal(damaged);
  BOOST_TEST(message.find("'facts' is missing") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(writes_return_false_with_a_message_and_store_nothing) {
  TempDir dir("dnsprop-store");
  const auto path = dir / "state.db";
  writeExample(path);
  auto reader = StateStore::openReadOnly(path);
  bool ok = true;
  BOOST_CHECK_NO_THROW(ok = reader->putFact("round/shop.example.jp.", "{}"));
  BOOST_TEST(!ok);
  BOOST_TEST(reader->lastError().find("read-only") != std::string::npos, reader->lastError());
  BOOST_CHECK_NO_THROW(ok = reader->saveTarget(key("new-one"), fullState()));
  BOOST_TEST(!ok);

  BOOST_CHECK_NO_THROW(ok = reader->beginRound());
  BOOST_TEST(!ok);
  BOOST_TEST(reader->lastError().find("read-only") != std::string::npos, reader->lastError());
  BOOST_CHECK_NO_THROW(ok = reader->appendTransition(key(), transition(kT0 + 1, AnswerClass::New, AnswerClass::Old)));
  BOOST_TEST(!ok);
  BOOST_CHECK_NO_THROW(ok = reader->appendSample(key(), sample(kT0 + 1, AnswerClass::Old)));
  BOOST_TEST(!ok);
  BOOST_CHECK_NO_THROW(ok = reader->commitRound());
  BOOST_TEST(!ok);
  BOOST_TEST(!reader->roundOpen());
  BOOST_CHECK_NO_THROW(reader->rollbackRound());

  // Nothing was stored, and reading still works on the same connection.
  BOOST_TEST(reader->loadTargets().size() == 2U);
  BOOST_TEST(reader->transitions(key()).size() == 1U);
  BOOST_TEST(reader->samples(key(), atMs(0)).size() == 1U);
  BOOST_TEST(reader->fact("round/shop.example.jp.").value_or("") == R"({"round":7})");
  auto writer = StateStore::open(path);
  BOOST_TEST(writer->loadTargets().size() == 2U);
}

BOOST_AUTO_TEST_SUITE_END()
