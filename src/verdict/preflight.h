// `dnsprop preflight`: before the switch, is the new side ready? The guide asks the site
// owner to check the new server before switching (with a hosts-file entry); this is that
// check, from one round of the monitor (docs/CLI.md "preflight"):
//  - zone: the new authoritative servers serve the zone with the new data (when the name
//    servers move; for an address-only move the switch is the change of the records on
//    the unchanged servers, so there is nothing to check before it);
//  - web:  the new web server serves every path with a valid certificate ([migration.web]);
//  - mail: the new mail server accepts mail for the domain ([migration.mail]);
//  - ttl:  the TTLs of what will change as served now, and the earliest time a switch
//          makes sense when they are lowered now (shown; never "not ready").
// Exit codes are the verdict's: 0 ready, 1 not ready, 2 critical (a new side that is
// broken: lame, or DNSSEC broken), 3 unknown (nothing to judge it by).
//
// Pure and I/O-free; value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/clock.h"
#include "model/ground_truth.h"
#include "verdict/verdict.h"

namespace dnsprop {

struct PreflightItem {
  std::string id;                               // "zone" "web" "mail" "ttl"
  VerdictStatus status = VerdictStatus::Unknown;  // Safe = ready
  std::string detail;                           // one line, for people
  friend bool operator==(const PreflightItem&, const PreflightItem&) = default;
};

struct Preflight {
  std::string domain;
  VerdictStatus status = VerdictStatus::Unknown;  // the worst of the items
  std::string summary;                            // "READY: ..." / "NOT_READY: ..." first line
  WallTime evaluated{};
  std::vector<PreflightItem> items;
  std::vector<std::string> findings;              // what the server checks found besides (web/mail findings)
  // The TTLs of what changes, as seen now (seconds); nullopt when not seen.
  std::optional<std::uint32_t> data_ttl;          // longest TTL of the records that change (old data)
  std::optional<std::uint32_t> child_ns_ttl;      // NS at the old servers (name servers move)
  std::optional<std::uint32_t> parent_ns_ttl;     // NS at the parent (the registry's; cannot be lowered)
  // When a switch makes sense if the TTLs are lowered now: every cache holding the
  // current records with their current TTL has let them go by then.
  std::optional<WallTime> switch_after;
  friend bool operator==(const Preflight&, const Preflight&) = default;
};

// "READY" "NOT_READY" "CRITICAL" "UNKNOWN" (the verdict's statuses, named for preflight).
std::string_view preflightWord(VerdictStatus s);

// The preflight of one migration from one round: its record (web, mail, shape, TTLs) and
// its ground truth (new servers serving, DNSSEC).
Preflight judgePreflight(const RoundRecord& record, const GroundTruth& truth, WallTime now);
// A migration no round could judge ("not in the configuration", an error).
Preflight unknownPreflight(const std::string& domain, WallTime now, const std::string& why);

nlohmann::json toJson(const Preflight& p);
std::string renderText(const Preflight& p);

}  // namespace dnsprop
