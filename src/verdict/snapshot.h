// What a monitor publishes at the end of every round: per migration, the ground truth,
// the round record, the verdict and the counts; and every target's state. An immutable
// value: the loop builds a new one per round and hands it to readers (the HTTP threads,
// /status.json, `check --live`) as a shared_ptr<const>; readers never see the loop's
// live structures. Value types, safe to copy and to read from any thread once published.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/resolver.h"
#include "common/clock.h"
#include "common/duration.h"
#include "model/ground_truth.h"
#include "model/state.h"
#include "model/target_state.h"
#include "verdict/verdict.h"

namespace dnsprop {

struct MigrationSnapshot {
  std::string domain;
  GroundTruth truth;
  std::optional<WallTime> switch_seen;  // TruthContext::switch_seen
  EarliestSafe earliest_safe;
  std::map<std::pair<std::string, RRType>, std::map<AnswerClass, int>> counts;  // per (name, type)
  RoundRecord record;   // what the round established (also stored: "round/<domain>")
  Verdict verdict;      // decide() at the end of the round
  std::map<TargetKey, WallTime> expiries;  // model oldExpiry() of the plan's targets that have one
  // Share of (trusted resolver, watched name) targets whose last answer is NEW, after
  // each round, oldest first; thinned to at most Monitor::kHistoryPoints (stored: "history/<domain>").
  std::vector<std::pair<WallTime, double>> history;
};

// What the HTTP side and `check` may read: an immutable copy made at the end of a round.
struct MonitorSnapshot {
  WallTime taken{};
  std::uint64_t rounds = 0;
  std::string vantage;
  Duration interval{};
  std::vector<std::string> excluded;   // names of selected resolvers not trusted
  bool host_ipv6 = true;               // the host has a route to global IPv6 addresses
  std::size_t ipv6_left_out = 0;       // catalog IPv6 resolvers not selected for lack of one
  std::vector<MigrationSnapshot> migrations;
  std::map<TargetKey, TargetState> targets;
  std::vector<ResolverInfo> resolvers;
};

}  // namespace dnsprop
