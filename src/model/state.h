// The propagation model: per-target state, transitions, flip-flop detection, and the
// prediction of when each resolver must have dropped OLD data, plus the earliest time a
// migration's old server can be shut down without any resolver still handing out OLD.
// Pure and I/O-free: time comes in with the samples (WallTime), never from a clock.
// The reasoning behind every rule is in docs/MODEL.md (FAULTS F8-F16).
//
// Ownership and threads: a PropagationModel is owned by the event loop and is NOT
// thread-safe; other threads see copies the loop publishes. Nothing here throws except
// std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/duration.h"
#include "dns/observation.h"
#include "model/classify.h"
#include "model/target_state.h"

namespace dnsprop {

struct ModelSettings {
  std::size_t recent_transitions = 64;              // bound of TargetState::recent
  Duration stale_window = std::chrono::hours(72);   // RFC 8767: stale data may be served 1-3 days
  std::uint32_t regression_flipflop_threshold = 2;  // regressions that mark a target flip-flopping
  // Used when ground truth does not know a delegation or child NS TTL: the longest
  // common TLD delegation TTL (.com/.net, 172800 s), so an unknown never shortens a bound.
  Duration unknown_ns_ttl = std::chrono::hours(48);
  // A NEW run never spans a gap in observation longer than this (monitor down, a round
  // lost, the resolver not asked): the first sample after such a gap starts a new run.
  // Zero = no limit. The monitor sets it from its interval (docs/MODEL.md "Gaps").
  Duration max_gap{0};
};

// Builds the Sample the model keeps from an observation and its classification.
// `at` is when the answer was accepted. TTL: the smallest TTL of the final RRset for a
// positive answer, the negative TTL (SOA) for NXDOMAIN/NODATA, nullopt for Error.
Sample makeSample(const dns::Observation& o, const Classification& c, WallTime at);

// True when the sample shows the resolver still holding OLD data: class Old or Mixed, or
// Stale or Other with a value on the OLD side. New, Negative and Error never are.
bool isOldEvidence(const Sample& s);

// Facts from ground truth that widen predictions (all optional).
struct TruthContext {
  // Whether the migration moves its name servers (old and new NS sets differ). When it
  // does not (an address-only move), no parent or F9 term applies: the switch is the
  // data switch on the unchanged servers.
  bool ns_moves = true;
  // The switch as ground truth saw it first: with ns_moves, the first time every parent
  // server delegated only to NEW; otherwise the first time the authoritative servers
  // served NEW for every watched name. Cleared when it is undone.
  std::optional<WallTime> switch_seen;
  std::optional<std::uint32_t> parent_ns_ttl;     // TTL of the delegation NS RRset at the parent
  std::optional<std::uint32_t> old_child_ns_ttl;  // TTL of the NS RRset the OLD server serves (F9)
  bool old_server_serves_zone = false;            // the old server still answers AA for the zone (F9)
  std::uint32_t old_data_max_ttl = 0;             // longest TTL on OLD data served by the old server
  // The last time the old server was seen serving the zone (F9): child-centric resolvers
  // may have renewed the OLD NS set from it until then.
  std::optional<WallTime> old_last_serving;
  // Operator floor: max(switch_time, switch_seen) + min_parallel (config). The one place
  // it is computed is model/truth_tracker.cc; the verdict reads it from here.
  std::optional<WallTime> min_parallel_until;
  // OLD after NEW observed up to this time is the normal flip-flop of a propagation (OLD
  // could still legitimately be cached or served); later it is a regression. nullopt =
  // unknown (treated as a regression). Kept by model/truth_tracker.h.
  std::optional<WallTime> old_legit_until;
  friend bool operator==(const TruthContext&, const TruthContext&) = default;
};

// Why EarliestSafe::at is what it is (the binding constraint).
enum class SafeBasis {
  ParentNotSwitched,  // the parent has not been seen delegating only to NEW: no bound (unbounded)
  ObservedOld,        // a target's predicted OLD expiry (`target` names it)
  ParentSwitch,       // switch_seen + parent NS TTL + old data TTL
  OldServerServing,   // F9: old server still serves the zone; bound moves while it does
  OldServerRetired,   // F9 afterwards: last seen serving + child NS TTL + old data TTL
  MinParallel,        // the configured minimum parallel-operation period
  DataNotSwitched,    // address-only: the servers have not been seen serving NEW (unbounded)
  DataSwitch,         // address-only: switch_seen + old data TTL
};
std::string_view toString(SafeBasis b);  // "parent_not_switched", "observed_old", ... (stable)

struct EarliestSafe {
  // The earliest time no resolver can still serve OLD, on what is known now. nullopt
  // only when the parent switch was not seen and no OLD was observed either.
  std::optional<WallTime> at;
  // True when the bound is open-ended: it moves later for as long as the cause persists
  // (`basis` is then ParentNotSwitched or OldServerServing). Never safe while true.
  bool unbounded = false;
  SafeBasis basis = SafeBasis::ParentNotSwitched;
  // The target whose predicted OLD expiry is `at`, when one is (it may be set while
  // `basis` names the open-ended cause).
  std::optional<TargetKey> target;
  friend bool operator==(const EarliestSafe&, const EarliestSafe&) = default;
};

// What ground truth alone says about the end of OLD (no resolver observations, no
// operator floor): the term of EarliestSafe that comes from the switch and the old
// server. Unbounded before the switch and while the old server serves an OLD NS set (F9).
struct TruthBound {
  std::optional<WallTime> at;
  bool unbounded = true;
  SafeBasis basis = SafeBasis::ParentNotSwitched;
};
TruthBound truthBound(const TruthContext& truth, const ModelSettings& settings);

class PropagationModel {
 public:
  explicit PropagationModel(ModelSettings s = {});

  const ModelSettings& settings() const { return settings_; }
  void setMaxGap(Duration gap) { settings_.max_gap = gap; }
  // A round's data could not be made durable (store error): every NEW run restarts at
  // its next sample, so no run spans rounds nobody can see later.
  void interruptRuns();

  // Applies one sample; returns the class change it caused, if any. The first sample of a
  // target reports a transition from Error (the "nothing usable known" start) unless it
  // is itself an Error. A sample older than the target's last_seen (out of order) updates
  // counters and OLD evidence but never `current`, and returns nullopt (docs/MODEL.md).
  std::optional<Transition> record(const TargetKey& key, const Sample& sample);

  // At start-up, from the store. Replaces any state for `key`.
  void restore(const TargetKey& key, TargetState state);
  // nullptr when unknown. The pointer is valid until the next non-const call.
  const TargetState* find(const TargetKey& key) const;
  const std::map<TargetKey, TargetState>& all() const { return targets_; }
  // Drops a target's state (not used for config removal: history is kept in the store).
  void forget(const TargetKey& key);

  // F14: NEW then OLD again, often enough to mean several caches behind one address.
  bool flipFlopping(const TargetState& s) const;

  // The time by which `key`'s resolver must have dropped OLD, given ground truth:
  // its own old_expiry, widened for non-NS targets by the same resolver's apex NS target
  // (nsOldExpiry + old_data_max_ttl). nullopt when no OLD evidence bears on it.
  std::optional<WallTime> oldExpiry(const TargetKey& key, const TruthContext& truth) const;

  // Per migration (`domain` absolute, lower-case): the latest of every target's
  // oldExpiry and the floor from ground truth (docs/MODEL.md "Earliest safe time").
  EarliestSafe earliestSafe(const std::string& domain, const TruthContext& truth) const;

 private:
  void recordOutOfOrder(TargetState& st, const Sample& sample);
  void applyOldEvidence(TargetState& st, const Sample& sample);

  ModelSettings settings_;
  std::map<TargetKey, TargetState> targets_;
};

}  // namespace dnsprop
