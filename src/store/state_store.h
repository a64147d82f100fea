// Durable state of the propagation model: one SQLite database per state directory,
// surviving restarts and `kill -9` in the middle of a write (docs/STORE.md).
//
// Layout: `targets` (one summary row per TargetKey, TargetState without `recent`),
// `transitions` (every change of class, append-only), `samples` (periodic confirmations
// chosen by ConfirmationThrottle plus every change of class) and `facts` (small key/JSON
// values). Times are integer milliseconds since the Unix epoch (sub-millisecond parts are
// dropped), enums their stable text, so the file reads well in the sqlite3 shell.
// Targets of migrations or resolvers removed from the config are kept, never deleted.
//
// Durability: WAL journal with synchronous=NORMAL. A committed round survives a crash or
// `kill -9` of the process (the WAL is written before COMMIT returns); a power loss or
// kernel crash may lose the last few committed rounds but never corrupts the database.
//
// Ownership and threads: a StateStore owns its connection and cached statements. It is
// NOT thread-safe: one thread uses it (the libuv loop in the daemon, main() in the CLI).
// One process writes (`dnsprop run`, through open()); other processes (`dnsprop check`,
// `status`, `history`) read the same file at the same time through openReadOnly():
// WAL readers never block the writer, and they never change the file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "model/target_state.h"

namespace dnsprop {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateStore {
 public:
  // The schema version this build writes (PRAGMA user_version). Older databases are
  // migrated forward on open; newer ones are refused.
  static constexpr int kSchemaVersion = 1;
  // How many transitions loadTargets() puts into TargetState::recent by default.
  static constexpr std::size_t kDefaultRecent = 32;

  // Opens or creates `path` (its parent folder is created if missing): WAL journal,
  // synchronous=NORMAL, foreign keys on, `busy_timeout` for locks held by other processes.
  // Creates or migrates the schema in one transaction. Throws StoreError when the folder
  // or file cannot be created or written (read-only files are refused: a monitor that
  // cannot persist must not start), the file is not a SQLite database or not a dnsprop
  // one, its schema is damaged, or it was written by a newer dnsprop (user_version >
  // kSchemaVersion).
  static std::unique_ptr<StateStore> open(const std::filesystem::path& path,
                                          Duration busy_timeout = std::chrono::seconds(5));

  // Opens an existing database for reading only (`dnsprop check`, `status`, `history`),
  // for any user who may read the file, while the daemon runs or after it stopped. Never
  // creates the file or its folder, never creates or migrates the schema, never changes
  // the journal mode: the database file is left byte for byte as it was. The write API
  // of the returned store returns false ("opened read-only"); the read API works as on
  // open(). `busy_timeout` bounds the wait for a writer's lock (WAL recovery).
  //
  // WAL (https://sqlite.org/wal.html, "Read-Only Databases"): a reader needs the -shm
  // and -wal files beside the database. While the daemon runs they exist and are read
  // without write access. After the daemon stopped they are gone; a user who may write
  // the folder (root, the daemon's user) then creates them (SQLite gives them the
  // database file's owner and mode), and an empty -wal and a -shm stay behind until the
  // daemon's next clean stop. A user who may not write the folder cannot create them:
  // then, and only when no -wal file exists (so no committed data can be waiting in a
  // WAL), the file is opened as immutable (no locks, no -shm), which is exact because
  // nothing writes it.
  //
  // Throws StoreError when the file does not exist or cannot be read, is not a SQLite
  // database or not a dnsprop one (an empty file included), its schema is damaged, it
  // was written by a newer dnsprop (user_version > kSchemaVersion) or by an older one
  // (user_version < kSchemaVersion: it is not migrated here; running `dnsprop run` of
  // this version once migrates it), or a -wal file exists but the -shm file can be
  // neither opened nor created (ask the running monitor with `check --url` instead).
  static std::unique_ptr<StateStore> openReadOnly(
      const std::filesystem::path& path, Duration busy_timeout = std::chrono::seconds(5));
  // True for a store from openReadOnly().
  bool readOnly() const;
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // ---- Write API: never throws (runs inside libuv callbacks). On failure it returns
  // false and keeps a message for lastError(). On a store from openReadOnly() every
  // write (beginRound included) fails this way.
  //
  // One transaction per probe round: beginRound(), any number of saveTarget /
  // appendTransition / appendSample / putFact, then commitRound(). A round is atomic: if
  // any write in it fails (or beginRound itself failed, e.g. the database is locked), the
  // rest of the round's writes return false at once and commitRound() rolls everything
  // back and returns false, so no partial round is ever stored. Writes outside a round
  // are committed one by one.
  bool beginRound();
  // Upserts the summary row of `key` (every field of `state` except `recent`, which is
  // derived from the transitions table).
  bool saveTarget(const TargetKey& key, const TargetState& state);
  bool appendTransition(const TargetKey& key, const Transition& transition);
  // Stores `sample` as is; whether to store it at all is ConfirmationThrottle's decision.
  bool appendSample(const TargetKey& key, const Sample& sample);
  bool commitRound();
  // Abandons the open round (if any); its writes are not stored.
  void rollbackRound();
  bool roundOpen() const;

  // Small facts (ground-truth findings, "parent switch first seen", ...): `json_value` must
  // be valid JSON text (false otherwise); replaces any previous value of `key`.
  bool putFact(const std::string& key, const std::string& json_value);

  // ---- Read API (start-up, `check`, status pages). Throws StoreError on database errors
  // or on rows this build cannot read (e.g. an unknown class name).
  //
  // Every stored target with its state; `recent` holds its last `recent` transitions,
  // oldest first. Ordered by TargetKey.
  std::vector<std::pair<TargetKey, TargetState>> loadTargets(
      std::size_t recent = kDefaultRecent) const;
  // Transitions of `key` at or after `since` (all when nullopt), oldest first.
  std::vector<Transition> transitions(const TargetKey& key,
                                      std::optional<WallTime> since = {}) const;
  // Stored samples of `key` at or after `since`, oldest first.
  std::vector<Sample> samples(const TargetKey& key, WallTime since) const;
  // The newest stored sample of every target that has one (to seed ConfirmationThrottle
  // after a restart). Ordered by TargetKey.
  std::vector<std::pair<TargetKey, Sample>> lastSamples() const;
  // The JSON text stored under `key`, nullopt if none.
  std::optional<std::string> fact(const std::string& key) const;

  // The message of the last failed write ("" if none failed yet). Never throws.
  std::string lastError() const;
  const std::filesystem::path& path() const;

 private:
  class Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnsprop
