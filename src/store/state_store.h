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
// NOT thread-safe: one thread (the libuv loop) uses it. Other processes (`dnsprop check`)
// may open the same file at the same time: readers never block the writer (WAL).
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
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // ---- Write API: never throws (runs inside libuv callbacks). On failure it returns
  // false and keeps a message for lastError().
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
