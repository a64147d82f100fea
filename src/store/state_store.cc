#include "store/state_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

namespace dnsprop {
namespace {

// ---- RAII for the two SQLite objects ----

struct DbCloser {
  // close_v2: if a statement were still alive the connection would linger as a zombie
  // until it is finalized, instead of failing with SQLITE_BUSY and leaking.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// ---- Schema ----

// Step i (0-based) migrates user_version i to i + 1. Append steps; never edit old ones.
// Time columns are *_ms (milliseconds since the Unix epoch); class/outcome/rrtype columns
// hold the stable names of toString(); `vals` holds a JSON array of strings.
constexpr std::string_view kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE targets (
  id                 INTEGER PRIMARY KEY,
  domain             TEXT NOT NULL,
  name               TEXT NOT NULL,
  rrtype             TEXT NOT NULL,
  resolver           TEXT NOT NULL,
  current            TEXT NOT NULL DEFAULT 'error',
  has_samples        INTEGER NOT NULL DEFAULT 0,
  first_seen_ms      INTEGER NOT NULL DEFAULT 0,
  last_seen_ms       INTEGER NOT NULL DEFAULT 0,
  current_since_ms   INTEGER NOT NULL DEFAULT 0,
  samples            INTEGER NOT NULL DEFAULT 0,
  last_old_seen_ms   INTEGER,
  max_old_ttl        INTEGER NOT NULL DEFAULT 0,
  new_since_ms       INTEGER,
  new_streak         INTEGER NOT NULL DEFAULT 0,
  regressions        INTEGER NOT NULL DEFAULT 0,
  last_regression_ms INTEGER,
  old_expiry_ms      INTEGER,
  last_nsid          TEXT NOT NULL DEFAULT '',
  last_new_seen_ms   INTEGER,
  negative_until_ms  INTEGER,
  UNIQUE (domain, name, rrtype, resolver)
);
CREATE TABLE transitions (
  id          INTEGER PRIMARY KEY,
  target_id   INTEGER NOT NULL REFERENCES targets(id),
  at_ms       INTEGER NOT NULL,
  from_class  TEXT NOT NULL,
  to_class    TEXT NOT NULL,
  ttl         INTEGER,
  nsid        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transitions_by_target ON transitions (target_id, at_ms);
CREATE TABLE samples (
  id            INTEGER PRIMARY KEY,
  target_id     INTEGER NOT NULL REFERENCES targets(id),
  at_ms         INTEGER NOT NULL,
  answer_class  TEXT NOT NULL,
  outcome       TEXT NOT NULL,
  ttl           INTEGER,
  max_chain_ttl INTEGER,
  vals          TEXT NOT NULL DEFAULT '[]',
  nsid          TEXT NOT NULL DEFAULT '',
  stale         INTEGER NOT NULL DEFAULT 0,
  has_old       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX samples_by_target ON samples (target_id, at_ms);
CREATE TABLE facts (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql",
};
static_assert(std::size(kMigrations) == StateStore::kSchemaVersion,
              "one migration step per schema version");

// PRAGMA application_id: marks the file as ours ("dnsp"), so a foreign database at
// user_version 0 is refused instead of being "migrated".
constexpr std::int64_t kApplicationId = 0x646e7370;

constexpr std::string_view kTables[] = {"targets", "transitions", "samples", "facts"};

// ---- Enum text ----
// The switches list every enumerator: adding one breaks the build (-Werror=switch) until
// it is listed here, so the parsers below can never miss a value.

bool isEnumerator(AnswerClass c) {
  switch (c) {
    case AnswerClass::New:
    case AnswerClass::Old:
    case AnswerClass::Mixed:
    case AnswerClass::Other:
    case AnswerClass::Negative:
    case AnswerClass::Stale:
    case AnswerClass::Error:
      return true;
  }
  return false;
}

bool isEnumerator(dns::Outcome o) {
  switch (o) {
    case dns::Outcome::Answer:
    case dns::Outcome::NxDomain:
    case dns::Outcome::NoData:
    case dns::Outcome::ServFail:
    case dns::Outcome::Refused:
    case dns::Outcome::NotAuthoritative:
    case dns::Outcome::OtherRcode:
    case dns::Outcome::Timeout:
    case dns::Outcome::TruncatedFailed:
    case dns::Outcome::Malformed:
    case dns::Outcome::NetworkError:
      return true;
  }
  return false;
}

// enum class has the fixed underlying type int, so every small int is a valid value to
// test; enumerators are contiguous from 0.
template <typename E, typename ToString>
std::optional<E> parseEnum(std::string_view text, ToString to_string) {
  for (int i = 0; i < 256; ++i) {
    const auto e = static_cast<E>(i);
    if (!isEnumerator(e)) break;
    if (to_string(e) == text) return e;
  }
  return std::nullopt;
}

std::int64_t toMs(WallTime t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
WallTime fromMs(std::int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(ms)));
}

// ---- One use of a cached statement: binds in order, steps, reads columns; resets the
// statement when it goes out of scope so the cache can hand it out again. ----
class Query {
 public:
  explicit Query(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::int64_t v) { return check(sqlite3_bind_int64(stmt_, ++index_, v)); }
  Query& bind(std::string_view v) {
    return check(sqlite3_bind_text64(stmt_, ++index_, v.data(), v.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  }
  Query& bind(WallTime t) { return bind(toMs(t)); }
  Query& bindNull() { return check(sqlite3_bind_null(stmt_, ++index_)); }
  template <typename T>
  Query& bind(const std::optional<T>& v) {
    if (!v) return bindNull();
    if constexpr (std::is_same_v<T, WallTime>) {
      return bind(*v);
    } else {
      return bind(static_cast<std::int64_t>(*v));
    }
  }

  // SQLITE_ROW, SQLITE_DONE or an error code (also a bind error from before).
  int step() {
    if (rc_ != SQLITE_OK) return rc_;
    return sqlite3_step(stmt_);
  }

  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    const int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
  }
  WallTime time(int col) const { return fromMs(int64(col)); }
  std::optional<WallTime> optTime(int col) const {
    if (isNull(col)) return std::nullopt;
    return time(col);
  }
  std::optional<std::uint32_t> optU32(int col) const {
    if (isNull(col)) return std::nullopt;
    return static_cast<std::uint32_t>(int64(col));
  }

 private:
  Query& check(int rc) {
    if (rc != SQLITE_OK && rc_ == SQLITE_OK) rc_ = rc;
    return *this;
  }

  sqlite3_stmt* stmt_;
  int index_ = 0;
  int rc_ = SQLITE_OK;
};

std::string describe(sqlite3* db, int rc, std::string_view what) {
  // errmsg describes the most recent failure on the connection; errstr names the code
  // (useful when the message is generic).
  return fmt::format("{}: {} ({})", what, db ? sqlite3_errmsg(db) : "no connection",
                     sqlite3_errstr(rc));
}

}  // namespace

// ---- Impl ----

class StateStore::Impl {
 public:
  enum class Round { None, Open, Failed };

  std::filesystem::path path_;
  DbHandle db_;
  // Prepared once, reused for every call (keyed by the SQL text's address: every call
  // site passes a string literal constant).
  mutable std::unordered_map<const char*, StmtHandle> statements_;
  // TargetKey -> targets.id, so the hot path does not look the id up for every write.
  std::map<TargetKey, std::int64_t> ids_;
  // Keys inserted by the open transaction: forgotten again if it rolls back.
  std::vector<TargetKey> pending_ids_;
  Round round_ = Round::None;
  std::string last_error_;
  // Opened by openReadOnly(): every write fails before it reaches SQLite.
  bool read_only_ = false;

  // -- helpers that throw StoreError (used by open and the read API; the write API catches)

  sqlite3_stmt* statement(const char* sql) const {
    auto it = statements_.find(sql);
    if (it != statements_.end()) return it->second.get();
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw,
                                      nullptr);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) throw StoreError(describe(db_.get(), rc, "preparing a statement"));
    auto* result = stmt.get();
    statements_.emplace(sql, std::move(stmt));
    return result;
  }

  Query query(const char* sql) const { return Query(statement(sql)); }

  void exec(const char* sql, std::string_view what) const {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    if (rc != SQLITE_OK) {
      throw StoreError(fmt::format("{}: {} ({})", what, msg, sqlite3_errstr(rc)));
    }
  }

  std::int64_t pragmaInt(const char* sql) const {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) throw StoreError(describe(db_.get(), rc, sql));
    rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) throw StoreError(describe(db_.get(), rc, sql));
    return sqlite3_column_int64(stmt.get(), 0);
  }

  std::string pragmaText(const char* sql) const {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
    StmtHandle stmt(raw);
    if (rc != SQLITE_OK) throw StoreError(describe(db_.get(), rc, sql));
    rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) throw StoreError(describe(db_.get(), rc, sql));
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    return p ? p : "";
  }

  void expectDone(int rc, std::string_view what) const {
    if (rc != SQLITE_DONE) throw StoreError(describe(db_.get(), rc, what));
  }

  // The id of `key`'s row, inserting a row with default state if there is none yet
  // (a transition may be written before the first saveTarget of a round).
  std::int64_t targetId(const TargetKey& key) {
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;
    {
      auto q = query(
          "SELECT id FROM targets WHERE domain = ? AND name = ? AND rrtype = ? AND "
          "resolver = ?");
      q.bind(key.domain).bind(key.name).bind(toString(key.type)).bind(key.resolver);
      const int rc = q.step();
      if (rc == SQLITE_ROW) {
        const auto id = q.int64(0);
        ids_.emplace(key, id);
        return id;
      }
      expectDone(rc, "looking up a target");
    }
    auto q = query("INSERT INTO targets (domain, name, rrtype, resolver) VALUES (?, ?, ?, ?)");
    q.bind(key.domain).bind(key.name).bind(toString(key.type)).bind(key.resolver);
    expectDone(q.step(), "inserting a target");
    const auto id = sqlite3_last_insert_rowid(db_.get());
    ids_.emplace(key, id);
    if (!sqlite3_get_autocommit(db_.get())) pending_ids_.push_back(key);
    return id;
  }

  // Only looks up (read API: never inserts).
  std::optional<std::int64_t> findTargetId(const TargetKey& key) const {
    if (auto it = ids_.find(key); it != ids_.end()) return it->second;
    auto q = query(
        "SELECT id FROM targets WHERE domain = ? AND name = ? AND rrtype = ? AND "
        "resolver = ?");
    q.bind(key.domain).bind(key.name).bind(toString(key.type)).bind(key.resolver);
    const int rc = q.step();
    if (rc == SQLITE_ROW) return q.int64(0);
    expectDone(rc, "looking up a target");
    return std::nullopt;
  }

  void rollback() noexcept {
    if (!sqlite3_get_autocommit(db_.get())) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    for (const auto& key : pending_ids_) ids_.erase(key);
    pending_ids_.clear();
  }

  // Runs one write; turns every failure into false + last_error_, and poisons the open
  // round so that it cannot be committed partially.
  template <typename F>
  bool write(std::string_view what, F&& f) noexcept {
    if (read_only_) {
      fail(what, "the state database was opened read-only");
      return false;
    }
    if (round_ == Round::Failed) {
      last_error_ = fmt::format("{}: skipped, the round already failed: {}", what,
                                first_round_error_);
      return false;
    }
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      fail(what, e.what());
    } catch (...) {
      fail(what, "unknown error");
    }
    return false;
  }

  void fail(std::string_view what, std::string_view why) noexcept {
    const bool first_in_round = round_ == Round::Open;
    if (first_in_round) round_ = Round::Failed;
    try {
      last_error_ = fmt::format("{}: {}", what, why);
      if (first_in_round) first_round_error_ = last_error_;
    } catch (...) {
      // Out of memory while describing the error: the round is poisoned all the same.
    }
  }

  std::string first_round_error_;
};

namespace {

AnswerClass classFrom(const std::string& text) {
  auto c = parseEnum<AnswerClass>(text, [](AnswerClass x) { return toString(x); });
  if (!c) throw StoreError(fmt::format("unknown answer class '{}' in the database", text));
  return *c;
}

dns::Outcome outcomeFrom(const std::string& text) {
  auto o = parseEnum<dns::Outcome>(text, [](dns::Outcome x) { return dns::toString(x); });
  if (!o) throw StoreError(fmt::format("unknown outcome '{}' in the database", text));
  return *o;
}

RRType rrtypeFrom(const std::string& text) {
  auto t = parseRRType(text);
  if (!t) throw StoreError(fmt::format("unknown rrtype '{}' in the database", text));
  return *t;
}

std::vector<std::string> valuesFrom(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) throw StoreError("sample values in the database are not a JSON array");
  std::vector<std::string> out;
  out.reserve(j.size());
  for (const auto& v : j) {
    if (!v.is_string()) throw StoreError("sample values in the database are not strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Columns: at_ms, answer_class, outcome, ttl, max_chain_ttl, vals, nsid, stale, has_old from `first`.
Sample sampleFrom(const Query& q, int first) {
  Sample s;
  s.at = q.time(first);
  s.cls = classFrom(q.text(first + 1));
  s.outcome = outcomeFrom(q.text(first + 2));
  s.ttl = q.optU32(first + 3);
  s.max_chain_ttl = q.optU32(first + 4);
  s.values = valuesFrom(q.text(first + 5));
  s.nsid = q.text(first + 6);
  s.stale = q.int64(first + 7) != 0;
  s.has_old_values = q.int64(first + 8) != 0;
  return s;
}

// Columns: at_ms, from_class, to_class, ttl, nsid from `first`.
Transition transitionFrom(const Query& q, int first) {
  Transition t;
  t.at = q.time(first);
  t.from = classFrom(q.text(first + 1));
  t.to = classFrom(q.text(first + 2));
  t.ttl = q.optU32(first + 3);
  t.nsid = q.text(first + 4);
  return t;
}

// How openReadOnly() connects: as a WAL reader beside a possible writer, or (when the
// -wal/-shm files can be neither found nor created) to a file that nothing writes.
enum class ReadOnlyMode { Shared, Immutable };

// A file: URI for `path` (https://sqlite.org/uri.html): absolute, every byte outside
// the unreserved set percent-encoded, so '?', '#' and '%' in folder names stay path.
std::string readOnlyUri(const std::filesystem::path& path, ReadOnlyMode mode) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  const std::string native = abs.lexically_normal().native();
  std::string uri = "file://";
  for (const unsigned char c : native) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      uri += fmt::format("%{:02X}", c);
    }
  }
  uri += "?mode=ro";
  switch (mode) {
    case ReadOnlyMode::Shared:
      break;
    case ReadOnlyMode::Immutable:
      uri += "&immutable=1";
      break;
  }
  return uri;
}

// The failures of a read-only WAL reader that cannot open or create the -wal/-shm
// files (SQLite reports a missing -wal in a folder it may not write as
// SQLITE_READONLY_DIRECTORY, other cases as SQLITE_CANTOPEN).
bool walFilesUnavailable(int rc) {
  return (rc & 0xff) == SQLITE_CANTOPEN || rc == SQLITE_READONLY_DIRECTORY;
}

}  // namespace

// ---- open ----

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path& path,
                                             Duration busy_timeout) {
  auto impl = std::make_unique<Impl>();
  impl->path_ = path;
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw StoreError(fmt::format("cannot create the state folder {}: {}",
                                   path.parent_path().string(), ec.message()));
    }
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
  impl->db_.reset(raw);  // owned even when opening failed (sqlite3 hands out a handle)
  if (rc != SQLITE_OK) {
    throw StoreError(describe(raw, rc, fmt::format("cannot open {}", path.string())));
  }
  sqlite3* db = raw;
  sqlite3_extended_result_codes(db, 1);
  if (sqlite3_db_readonly(db, "main") == 1) {
    throw StoreError(fmt::format("{} is read-only: the monitor could not persist its state",
                                 path.string()));
  }
  sqlite3_busy_timeout(db, static_cast<int>(std::clamp<Duration::rep>(
                               busy_timeout.count(), 0, std::numeric_limits<int>::max())));

  const auto where = [&](std::string_view msg) { return fmt::format("{}: {}", path.string(), msg); };
  try {
    // Reading the header first fails cleanly on a file that is not a database, and lets
    // us refuse a newer schema before anything (even the journal mode) is changed.
    const auto version = impl->pragmaInt("PRAGMA user_version");
    if (version > kSchemaVersion) {
      throw StoreError(where(fmt::format(
          "schema version {} is newer than this dnsprop understands ({}); use a newer "
          "dnsprop or another state folder",
          version, kSchemaVersion)));
    }
    const auto app = impl->pragmaInt("PRAGMA application_id");
    if (app != 0 && app != kApplicationId) {
      throw StoreError(where("not a dnsprop state database (foreign application_id)"));
    }
    const auto mode = impl->pragmaText("PRAGMA journal_mode = WAL");
    if (mode != "wal") {
      throw StoreError(where(fmt::format(
          "cannot use the WAL journal (got '{}'); is the folder on a network file system?",
          mode)));
    }
    impl->exec("PRAGMA synchronous = NORMAL", where("setting synchronous"));
    impl->exec("PRAGMA foreign_keys = ON", where("enabling foreign keys"));
    // Keeps the -wal file from staying huge after a burst of writes.
    impl->exec("PRAGMA journal_size_limit = 67108864", where("setting journal_size_limit"));

    if (version < kSchemaVersion) {
      // IMMEDIATE: take the write lock before re-reading the version, so two processes
      // opening a fresh file at once cannot both migrate.
      impl->exec("BEGIN IMMEDIATE", where("starting the schema migration"));
      try {
        const auto v = impl->pragmaInt("PRAGMA user_version");
        if (v == 0) {
          const auto tables = impl->pragmaInt(
              "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
          if (tables != 0 && impl->pragmaInt("PRAGMA application_id") != kApplicationId) {
            throw StoreError(where(
                "not a dnsprop state database (it has tables but no dnsprop schema version)"));
          }
        }
        for (auto step = v; step < kSchemaVersion; ++step) {
          const std::string sql(kMigrations[step]);
          impl->exec(sql.c_str(), where(fmt::format("migrating the schema to version {}", step + 1)));
        }
        impl->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion).c_str(),
                   where("setting user_version"));
        impl->exec(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str(),
                   where("setting application_id"));
        impl->exec("COMMIT", where("committing the schema migration"));
      } catch (...) {
        impl->rollback();
        throw;
      }
    }
    for (auto table : kTables) {
      auto q = impl->query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
      q.bind(table);
      if (q.step() != SQLITE_ROW || q.int64(0) != 1) {
        throw StoreError(where(fmt::format("damaged schema: table '{}' is missing", table)));
      }
    }
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    throw StoreError(where(e.what()));
  }
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

std::unique_ptr<StateStore> StateStore::openReadOnly(const std::filesystem::path& path,
                                                     Duration busy_timeout) {
  const auto where = [&](std::string_view msg) { return fmt::format("{}: {}", path.string(), msg); };
  // SQLite would refuse a missing file as well (mode=ro never creates); asking first
  // gives the clearer message.
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) {
    throw StoreError(where(ec && ec != std::errc::no_such_file_or_directory
                               ? fmt::format("cannot read: {}", ec.message())
                               : std::string("no such database (reading never creates one)")));
  }
  if (std::filesystem::is_directory(st)) throw StoreError(where("is a folder, not a database"));

  auto impl = std::make_unique<Impl>();
  impl->path_ = path;
  impl->read_only_ = true;

  // Opens the connection in `mode` and reads user_version, the first access to the file
  // (SQLite opens the -wal/-shm files only then). Returns SQLITE_OK or the extended code
  // of that read; throws when the file itself cannot be opened.
  std::int64_t version = 0;
  const auto connect = [&](ReadOnlyMode mode) {
    impl->statements_.clear();
    impl->db_.reset();
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(readOnlyUri(path, mode).c_str(), &raw,
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    impl->db_.reset(raw);  // owned even when opening failed
    if (rc != SQLITE_OK) {
      throw StoreError(describe(raw, rc, fmt::format("cannot open {} read-only", path.string())));
    }
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, static_cast<int>(std::clamp<Duration::rep>(
                                  busy_timeout.count(), 0, std::numeric_limits<int>::max())));
    sqlite3_stmt* stmt_raw = nullptr;
    int step = sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt_raw, nullptr);
    StmtHandle stmt(stmt_raw);
    if (step != SQLITE_OK) return step;
    step = sqlite3_step(stmt.get());
    if (step != SQLITE_ROW) return step == SQLITE_DONE ? SQLITE_CORRUPT : step;
    version = sqlite3_column_int64(stmt.get(), 0);
    return SQLITE_OK;
  };

  int rc = connect(ReadOnlyMode::Shared);
  if (walFilesUnavailable(rc)) {
    // The folder is not writable for us and the -wal/-shm files are missing. Without a
    // -wal file no writer has anything outside the database file, so reading the file
    // as immutable is exact. With one, immutable would ignore committed rounds: refuse.
    auto wal = path;
    wal += "-wal";
    if (std::filesystem::exists(wal, ec) || ec) {
      throw StoreError(where(fmt::format(
          "cannot read it as a WAL reader ({}): {} exists but the -shm file beside it can be "
          "neither opened nor created by this user; run as the monitor's user or ask the "
          "running monitor (`dnsprop check --url`)",
          sqlite3_errstr(rc), wal.filename().string())));
    }
    rc = connect(ReadOnlyMode::Immutable);
  }
  if ((rc & 0xff) == SQLITE_NOTADB) throw StoreError(where("not a SQLite database"));
  if (rc != SQLITE_OK) throw StoreError(describe(impl->db_.get(), rc, where("cannot read it")));

  try {
    const auto app = impl->pragmaInt("PRAGMA application_id");
    if (app != kApplicationId) {
      const auto tables =
          impl->pragmaInt("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
      if (version == 0 && tables == 0) {
        throw StoreError(where("empty, not a dnsprop state database yet (`dnsprop run` creates it)"));
      }
      throw StoreError(where("not a dnsprop state database (no dnsprop application_id)"));
    }
    if (version > kSchemaVersion) {
      throw StoreError(where(fmt::format(
          "schema version {} is newer than this dnsprop understands ({}); use a newer dnsprop",
          version, kSchemaVersion)));
    }
    if (version < kSchemaVersion) {
      throw StoreError(where(fmt::format(
          "schema version {} is older than this dnsprop's ({}) and is not migrated when "
          "reading; run `dnsprop run` of this version once (it migrates the database), or "
          "read it with the dnsprop that wrote it",
          version, kSchemaVersion)));
    }
    for (auto table : kTables) {
      auto q = impl->query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
      q.bind(table);
      if (q.step() != SQLITE_ROW || q.int64(0) != 1) {
        throw StoreError(where(fmt::format("damaged schema: table '{}' is missing", table)));
      }
    }
    // Belt and braces: SQLite itself refuses any write on this connection as well.
    impl->exec("PRAGMA query_only = 1", where("setting query_only"));
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    throw StoreError(where(e.what()));
  }
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

bool StateStore::readOnly() const { return impl_->read_only_; }

StateStore::~StateStore() {
  // An unfinished round is abandoned, never committed half-way.
  if (impl_ && impl_->db_) impl_->rollback();
}

const std::filesystem::path& StateStore::path() const { return impl_->path_; }

std::string StateStore::lastError() const {
  try {
    return impl_->last_error_;
  } catch (...) {
    return {};
  }
}

bool StateStore::roundOpen() const { return impl_->round_ != Impl::Round::None; }

// ---- write API ----

bool StateStore::beginRound() {
  auto& s = *impl_;
  if (s.round_ != Impl::Round::None) {
    s.last_error_ = "beginRound: a round is already open";
    return false;
  }
  s.round_ = Impl::Round::Open;
  s.first_round_error_.clear();
  // IMMEDIATE takes the write lock now (waiting up to busy_timeout), so a round never
  // fails half-way because another process holds the lock.
  return s.write("beginRound", [&] { s.exec("BEGIN IMMEDIATE", "starting a round"); });
}

bool StateStore::commitRound() {
  auto& s = *impl_;
  switch (s.round_) {
    case Impl::Round::None:
      s.last_error_ = "commitRound: no round is open";
      return false;
    case Impl::Round::Failed:
      s.rollback();
      s.round_ = Impl::Round::None;
      s.last_error_ = "commitRound: rolled back: " + s.first_round_error_;
      return false;
    case Impl::Round::Open:
      break;
  }
  const bool ok = s.write("commitRound", [&] { s.exec("COMMIT", "committing a round"); });
  if (ok) {
    s.pending_ids_.clear();
  } else {
    s.rollback();
  }
  s.round_ = Impl::Round::None;
  return ok;
}

void StateStore::rollbackRound() {
  impl_->rollback();
  impl_->round_ = Impl::Round::None;
}

bool StateStore::saveTarget(const TargetKey& key, const TargetState& st) {
  auto& s = *impl_;
  return s.write("saveTarget", [&] {
    const auto id = s.targetId(key);
    auto q = s.query(
        "UPDATE targets SET current = ?, has_samples = ?, first_seen_ms = ?, "
        "last_seen_ms = ?, current_since_ms = ?, samples = ?, last_old_seen_ms = ?, "
        "max_old_ttl = ?, new_since_ms = ?, new_streak = ?, regressions = ?, "
        "last_regression_ms = ?, old_expiry_ms = ?, last_nsid = ?, last_new_seen_ms = ?, "
        "negative_until_ms = ? WHERE id = ?");
    q.bind(toString(st.current))
        .bind(std::int64_t{st.has_samples ? 1 : 0})
        .bind(st.first_seen)
        .bind(st.last_seen)
        .bind(st.current_since)
        .bind(static_cast<std::int64_t>(st.samples))
        .bind(st.last_old_seen)
        .bind(static_cast<std::int64_t>(st.max_old_ttl))
        .bind(st.new_since)
        .bind(static_cast<std::int64_t>(st.new_streak))
        .bind(static_cast<std::int64_t>(st.regressions))
        .bind(st.last_regression)
        .bind(st.old_expiry)
        .bind(st.last_nsid)
        .bind(st.last_new_seen)
        .bind(st.negative_until)
        .bind(id);
    s.expectDone(q.step(), "saving a target");
  });
}

bool StateStore::appendTransition(const TargetKey& key, const Transition& t) {
  auto& s = *impl_;
  return s.write("appendTransition", [&] {
    const auto id = s.targetId(key);
    auto q = s.query(
        "INSERT INTO transitions (target_id, at_ms, from_class, to_class, ttl, nsid) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(id).bind(t.at).bind(toString(t.from)).bind(toString(t.to)).bind(t.ttl).bind(t.nsid);
    s.expectDone(q.step(), "appending a transition");
  });
}

bool StateStore::appendSample(const TargetKey& key, const Sample& smp) {
  auto& s = *impl_;
  return s.write("appendSample", [&] {
    const auto id = s.targetId(key);
    const std::string vals = nlohmann::json(smp.values).dump();
    auto q = s.query(
        "INSERT INTO samples (target_id, at_ms, answer_class, outcome, ttl, max_chain_ttl, "
        "vals, nsid, stale, has_old) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(id)
        .bind(smp.at)
        .bind(toString(smp.cls))
        .bind(dns::toString(smp.outcome))
        .bind(smp.ttl)
        .bind(smp.max_chain_ttl)
        .bind(vals)
        .bind(smp.nsid)
        .bind(std::int64_t{smp.stale ? 1 : 0})
        .bind(std::int64_t{smp.has_old_values ? 1 : 0});
    s.expectDone(q.step(), "appending a sample");
  });
}

bool StateStore::putFact(const std::string& key, const std::string& json_value) {
  auto& s = *impl_;
  return s.write("putFact", [&] {
    if (!nlohmann::json::accept(json_value)) {
      throw StoreError(fmt::format("the value of fact '{}' is not valid JSON", key));
    }
    auto q = s.query(
        "INSERT INTO facts (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    q.bind(key).bind(json_value);
    s.expectDone(q.step(), "storing a fact");
  });
}

// ---- read API ----

std::vector<std::pair<TargetKey, TargetState>> StateStore::loadTargets(std::size_t recent) const {
  const auto& s = *impl_;
  std::vector<std::pair<TargetKey, TargetState>> out;
  std::unordered_map<std::int64_t, std::size_t> index;
  {
    auto q = s.query(
        "SELECT id, domain, name, rrtype, resolver, current, has_samples, first_seen_ms, "
        "last_seen_ms, current_since_ms, samples, last_old_seen_ms, max_old_ttl, "
        "new_since_ms, new_streak, regressions, last_regression_ms, old_expiry_ms, "
        "last_nsid, last_new_seen_ms, negative_until_ms FROM targets");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      TargetKey k;
      k.domain = q.text(1);
      k.name = q.text(2);
      k.type = rrtypeFrom(q.text(3));
      k.resolver = q.text(4);
      TargetState st;
      st.current = classFrom(q.text(5));
      st.has_samples = q.int64(6) != 0;
      st.first_seen = q.time(7);
      st.last_seen = q.time(8);
      st.current_since = q.time(9);
      st.samples = static_cast<std::uint64_t>(q.int64(10));
      st.last_old_seen = q.optTime(11);
      st.max_old_ttl = static_cast<std::uint32_t>(q.int64(12));
      st.new_since = q.optTime(13);
      st.new_streak = static_cast<std::uint64_t>(q.int64(14));
      st.regressions = static_cast<std::uint32_t>(q.int64(15));
      st.last_regression = q.optTime(16);
      st.old_expiry = q.optTime(17);
      st.last_nsid = q.text(18);
      st.last_new_seen = q.optTime(19);
      st.negative_until = q.optTime(20);
      index.emplace(q.int64(0), out.size());
      out.emplace_back(std::move(k), std::move(st));
    }
    s.expectDone(rc, "reading targets");
  }
  if (recent > 0) {
    auto q = s.query(
        "SELECT target_id, at_ms, from_class, to_class, ttl, nsid FROM ("
        "  SELECT target_id, at_ms, from_class, to_class, ttl, nsid, id, row_number() OVER ("
        "    PARTITION BY target_id ORDER BY at_ms DESC, id DESC) AS rn FROM transitions)"
        " WHERE rn <= ? ORDER BY target_id, at_ms, id");
    q.bind(static_cast<std::int64_t>(std::min<std::size_t>(recent, INT64_MAX)));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto it = index.find(q.int64(0));
      if (it == index.end()) continue;  // cannot happen with foreign keys on
      out[it->second].second.recent.push_back(transitionFrom(q, 1));
    }
    s.expectDone(rc, "reading recent transitions");
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::vector<Transition> StateStore::transitions(const TargetKey& key,
                                                std::optional<WallTime> since) const {
  const auto& s = *impl_;
  std::vector<Transition> out;
  const auto id = s.findTargetId(key);
  if (!id) return out;
  auto q = s.query(
      "SELECT at_ms, from_class, to_class, ttl, nsid FROM transitions "
      "WHERE target_id = ? AND at_ms >= ? ORDER BY at_ms, id");
  q.bind(*id).bind(since ? toMs(*since) : std::numeric_limits<std::int64_t>::min());
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(transitionFrom(q, 0));
  s.expectDone(rc, "reading transitions");
  return out;
}

std::vector<Sample> StateStore::samples(const TargetKey& key, WallTime since) const {
  const auto& s = *impl_;
  std::vector<Sample> out;
  const auto id = s.findTargetId(key);
  if (!id) return out;
  auto q = s.query(
      "SELECT at_ms, answer_class, outcome, ttl, max_chain_ttl, vals, nsid, stale, has_old "
      "FROM samples WHERE target_id = ? AND at_ms >= ? ORDER BY at_ms, id");
  q.bind(*id).bind(since);
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(sampleFrom(q, 0));
  s.expectDone(rc, "reading samples");
  return out;
}

std::vector<std::pair<TargetKey, Sample>> StateStore::lastSamples() const {
  const auto& s = *impl_;
  std::vector<std::pair<TargetKey, Sample>> out;
  auto q = s.query(
      "SELECT t.domain, t.name, t.rrtype, t.resolver, s.at_ms, s.answer_class, s.outcome, "
      "s.ttl, s.max_chain_ttl, s.vals, s.nsid, s.stale, s.has_old FROM samples s "
      "JOIN targets t ON t.id = s.target_id "
      "WHERE s.id IN (SELECT (SELECT id FROM samples WHERE target_id = x.id "
      "                       ORDER BY at_ms DESC, id DESC LIMIT 1) FROM targets x)");
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    TargetKey k;
    k.domain = q.text(0);
    k.name = q.text(1);
    k.type = rrtypeFrom(q.text(2));
    k.resolver = q.text(3);
    out.emplace_back(std::move(k), sampleFrom(q, 4));
  }
  s.expectDone(rc, "reading the last samples");
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::optional<std::string> StateStore::fact(const std::string& key) const {
  const auto& s = *impl_;
  auto q = s.query("SELECT value FROM facts WHERE key = ?");
  q.bind(key);
  const int rc = q.step();
  if (rc == SQLITE_ROW) return q.text(0);
  s.expectDone(rc, "reading a fact");
  return std::nullopt;
}

}  // namespace dnsprop
