// What the monitor remembers of a migration's ground truth from round to round and across
// restarts, and the TruthContext the predictions and the verdict read from it:
//  - when the switch was first seen (parent delegating only to NEW; address-only: the
//    servers serving NEW only), forgotten when it is undone;
//  - the largest TTLs ground truth ever showed (a resolver may hold what the old server
//    served before it retired, so the bound must not shrink when it goes);
//  - whether the old server still hands out an OLD NS set (F9), as last established by a
//    definite answer, and when it last did;
//  - until when OLD after NEW is the normal flip-flop of a propagation (docs/VERDICT.md
//    "Flip-flop or regression"): before the switch, while the bound is open-ended right
//    after it, and up to the ground-truth bound once there is one. After a switch-back or
//    an old server that came back, the value stays where it was, so OLD then is a
//    regression.
//
// Pure: no I/O, no clock (time comes in as `now`). Value types; not thread-safe (the
// loop owns the tracker). Nothing throws except std::bad_alloc; factsFromJson() never
// throws (unreadable fields are left at their defaults).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "config/config.h"
#include "model/ground_truth.h"
#include "model/state.h"

namespace dnsprop {

struct TruthFacts {
  std::optional<WallTime> switch_seen;
  bool ever_switched = false;
  // Since the switch was last seen, ground truth has bounded OLD at least once.
  bool bounded_since_switch = false;
  std::uint32_t parent_ns_ttl = 0;     // largest ever seen
  std::uint32_t old_child_ns_ttl = 0;  // largest ever seen
  std::uint32_t old_data_ttl = 0;      // largest ever seen
  // Whether the old server hands out an OLD NS set (F9), per the last definite answer;
  // nullopt = never established (assumed serving).
  std::optional<bool> old_serving;
  std::optional<WallTime> old_last_serving;
  std::optional<WallTime> old_legit_until;
  friend bool operator==(const TruthFacts&, const TruthFacts&) = default;
};

nlohmann::json toJson(const TruthFacts& f);
TruthFacts truthFactsFromJson(const nlohmann::json& j);

// What changed this round, for the log.
struct TruthEvents {
  bool switch_seen = false;  // the switch was seen for the first time (again)
  bool switch_lost = false;  // a switch seen before was undone
};

struct TruthRound {
  TruthContext context;
  TruthEvents events;
};

// Folds one round's ground truth `g` of migration `m` at `now` into `facts` and returns
// the context for the round. `model` supplies the OLD TTLs resolvers reported (in case the
// old server never told us); `settings` the model's unknown-TTL fallback.
TruthRound advanceTruth(TruthFacts& facts, const Migration& m, const GroundTruth& g, const PropagationModel& model,
                        WallTime now);

}  // namespace dnsprop
