// The verdict: is it safe to shut down a migration's old server? The rule of
// docs/VERDICT.md as one pure function over what the monitor recorded; `dnsprop run`
// computes it every round (metrics, /status.json) and `dnsprop check` recomputes it from
// the state database with its own clock.
//
// A false SAFE loses customer mail, so every input that is missing, old, erroring or
// contradictory makes the verdict NOT_YET, CRITICAL or UNKNOWN, never SAFE.
//
// Pure and I/O-free; value types; thread-safe (no shared state). Nothing throws except
// std::bad_alloc, and roundRecordFromJson(), which throws std::invalid_argument.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "common/duration.h"
#include "config/config.h"
#include "model/ground_truth.h"
#include "model/state.h"
#include "model/target_state.h"
#include "verdict/mail_checks.h"
#include "verdict/traffic_checks.h"
#include "verdict/web_checks.h"

namespace dnsprop {

// Monitoring-plugin states; the numeric value is the exit code of `dnsprop check`.
enum class VerdictStatus { Safe = 0, NotYet = 1, Critical = 2, Unknown = 3 };
std::string_view toString(VerdictStatus s);  // "SAFE" "NOT_YET" "CRITICAL" "UNKNOWN" (stable)
std::optional<VerdictStatus> parseVerdictStatus(std::string_view text);
int exitCode(VerdictStatus s);

// What one completed round established about one migration: everything the rule needs
// besides the per-target states. The monitor stores it as a fact in the same transaction
// as the round ("round/<domain>"), so `check` sees the round and its targets together.
struct RoundRecord {
  std::string domain;                 // absolute, lower-case
  WallTime at{};                      // when the round completed (monitor's wall clock)
  std::uint64_t round = 0;            // rounds completed by that monitor process
  Duration interval{};                // the monitor's probe interval
  std::string vantage;
  // The plan probed that round: resolver names (catalog names), and the watched names.
  std::vector<std::string> resolvers;
  std::vector<std::string> excluded;  // resolvers probed but not trusted (config exclude)
  std::vector<std::pair<std::string, RRType>> watch;
  // What stays: record types both sides expect the same values for and nothing watches
  // ("NS", "MX", ...): shown as unchanged, never judged.
  std::vector<std::string> unchanged;
  // Ground truth (model/ground_truth.h) as evaluated that round. `context.ns_moves` tells
  // the shape: name servers moving or not (address-only).
  Delegation delegation = Delegation::Unknown;
  bool any_parent_lists_old = true;
  // Why the list of parent servers is partial (GroundTruth::parents_partial); empty when
  // it is complete or configured.
  std::string parents_partial;
  bool new_servers_configured = false;
  bool old_servers_configured = false;
  bool plan_ok = false;               // new servers serve NEW for every watched target
  bool new_lame = false;
  DnssecState dnssec = DnssecState::Unknown;
  std::vector<std::string> findings;
  // The context the model's predictions used (model/state.h).
  TruthContext context;
  // Policy in force (from the config the monitor ran with).
  std::optional<WallTime> switch_time;
  std::optional<WallTime> old_stop;   // [migration.old] stop_date (shown, never decides)
  Duration min_parallel{};
  Duration delegation_grace{};
  // [migration.web]: this round's fetches of the old and new web servers; nullopt when
  // the migration has no web checks.
  std::optional<WebChecks> web;
  // [migration.mail]: the latest SMTP exchanges with the old and new mail servers (asked
  // every `mail.every`, so possibly from an earlier round); nullopt without mail checks.
  std::optional<MailChecks> mail;
  // [migration.traffic]: the requests the old server received in the window, from its
  // access log; nullopt without traffic checks.
  std::optional<TrafficCheck> traffic;
  friend bool operator==(const RoundRecord&, const RoundRecord&) = default;
};

nlohmann::json toJson(const RoundRecord& r);
// Throws std::invalid_argument naming the field that is missing or malformed.
RoundRecord roundRecordFromJson(const nlohmann::json& j);

// Why a (name, type, resolver) keeps the verdict from SAFE.
enum class BlockReason {
  Old,          // last answer OLD, MIXED, or OTHER/STALE carrying OLD values
  Unverified,   // no answer yet, or the last one was an error, negative, other or stale
  Hold,         // NEW, but not yet for the whole hold window
  Regression,   // OLD came back after NEW when it could no longer legitimately (CRITICAL)
  FlipFlop,     // OLD again after NEW while OLD may still legitimately be cached or served
};
// "old" "unverified" "hold" "regression" "flip_flop"
std::string_view toString(BlockReason r);

// The shape of a migration (docs/VERDICT.md "Shapes"), from what moves.
enum class MigrationShape {
  NsAndData,        // name servers and addresses (or mail exchanges) move
  AddressOnly,      // name servers stay; the same servers serve the new data
  DnsProviderOnly,  // only the name servers move
};
std::string_view toString(MigrationShape s);  // "ns_and_data" "address_only" "dns_provider_only"
MigrationShape shapeOf(const RoundRecord& r);

struct Blocker {
  std::string name;
  RRType type = RRType::A;
  std::string resolver;
  BlockReason reason = BlockReason::Unverified;
  AnswerClass current = AnswerClass::Error;   // class of the last answer
  std::optional<WallTime> since;              // when `current` began
  std::optional<WallTime> expiry;             // predicted end of OLD (model oldExpiry)
  std::optional<WallTime> hold_until;         // when the NEW run will have lasted the hold
  // FlipFlop: until when OLD may still legitimately be seen there (the ground-truth bound).
  std::optional<WallTime> legit_until;
  friend bool operator==(const Blocker&, const Blocker&) = default;
};

// The five conditions of the rule plus the two guards, each with its finding.
// Web: the new server serves the site; only for migrations with [migration.web].
// Mail: the new mail server accepts mail for the domain; only with [migration.mail].
// Traffic: the old server no longer receives requests; only with [migration.traffic].
enum class ConditionId { Fresh, Dnssec, Parent, Servers, Resolvers, EarliestSafe, MinParallel, Web, Mail, Traffic };
std::string_view toString(ConditionId c);  // "fresh" "dnssec" "parent" "servers" ...

struct Condition {
  ConditionId id = ConditionId::Fresh;
  bool met = false;
  std::string detail;  // one line, for people
  friend bool operator==(const Condition&, const Condition&) = default;
};

struct Verdict {
  std::string domain;
  VerdictStatus status = VerdictStatus::Unknown;
  std::string summary;                 // the one-line summary (first line of `check`)
  WallTime evaluated{};                // the `now` it was computed for
  std::optional<WallTime> data_at;     // the round it is based on
  std::vector<Condition> conditions;   // in ConditionId order
  std::vector<Blocker> blockers;       // ordered by name, type, resolver
  // What the checks of the servers themselves found that does not block SAFE (content
  // drift, the old server not serving, a certificate expiring, the old mail server still
  // taking mail; verdict/web_checks.h, verdict/mail_checks.h).
  std::vector<std::string> findings;
  EarliestSafe earliest_safe;
  Duration hold{};                     // the hold window used
  // The earliest time SAFE is possible on what is known now (max of every bound), or
  // nullopt when open-ended or unknown.
  std::optional<WallTime> safe_after;
  std::size_t trusted = 0;             // trusted resolvers
  std::size_t trusted_new = 0;         // of which every watched target passes
  MigrationShape shape = MigrationShape::NsAndData;
  std::vector<std::string> unchanged;  // record types that stay (not judged)
  // min_parallel when it is shorter than the 14 days the hosting guide recommends for
  // parallel operation (so `check` and the status page can say so); nullopt otherwise.
  std::optional<Duration> parallel_shortened_to;
  // [migration.old] stop_date, and whether it comes too early: before the earliest safe
  // time (or that is open-ended) while the verdict is not SAFE. Shown; never decides.
  std::optional<WallTime> old_stop;
  bool old_stop_too_early = false;
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

struct VerdictSettings {
  // The monitor's data is stale (CRITICAL) when the last round is older than this many
  // intervals plus `stale_slack`.
  double stale_intervals = 3.0;
  Duration stale_slack = std::chrono::seconds(60);
  // The hold window is never shorter than this many intervals (several NEW samples).
  double min_hold_intervals = 3.0;
};

// The verdict for `domain` (absolute, lower-case) at `now`. `model` holds the restored
// target states (of any migration; only this domain's are read). `record` is the latest
// round recorded for the domain; nullopt = none (UNKNOWN).
Verdict decide(WallTime now, const std::string& domain, const std::optional<RoundRecord>& record,
               const PropagationModel& model, const VerdictSettings& settings = {});

// A verdict computed elsewhere (a running monitor's /status.json), judged again at `now`
// for freshness: when its data is older than the stale limit for `interval`, it becomes
// CRITICAL (the monitor has stopped probing). Otherwise returned unchanged.
Verdict recheckFreshness(Verdict v, WallTime now, Duration interval, const VerdictSettings& settings = {});

// The worst of several statuses, by severity: CRITICAL > UNKNOWN > NOT_YET > SAFE.
VerdictStatus worst(VerdictStatus a, VerdictStatus b);

nlohmann::json toJson(const Verdict& v);
// Throws std::invalid_argument on a malformed document.
Verdict verdictFromJson(const nlohmann::json& j);

// `check`'s text output: the one-line summary, then the blockers per name and type with
// predicted expiries, the conditions, and the earliest safe time.
std::string renderText(const Verdict& v);

}  // namespace dnsprop
