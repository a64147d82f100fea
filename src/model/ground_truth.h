// Ground truth for a migration, asked directly of the servers that know (RD=0): the
// parent zone's servers (what is delegated, with which TTL), the OLD and the NEW
// authoritative servers (do they serve the zone, with AA, which NS set, which data).
// Pure: truthQueries() says what to ask, evaluateTruth() judges the observations; the
// daemon does the asking through the probe engine. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/endpoint.h"
#include "config/config.h"
#include "dns/observation.h"
#include "dns/query.h"
#include "model/classify.h"

namespace dnsprop {

enum class TruthRole { Parent, Old, New };
std::string_view toString(TruthRole r);  // "parent" | "old" | "new"

// What a truth query asks for: `type` data, or for DNSSEC (F13) the domain's DS set at
// the parent or its DNSKEY set at the new servers (types a watch cannot name).
enum class TruthKind { Data, Ds, Dnskey };

struct TruthQuery {
  TruthRole role = TruthRole::Parent;
  Endpoint server;
  std::string name;   // absolute, lower-case
  RRType type = RRType::NS;         // what is asked when kind == Data; unused otherwise
  TruthKind kind = TruthKind::Data;
};

// The wire type and the options (RD=0; DO=1 for DS/DNSKEY, as validators ask) to build
// the query for `q` with.
dns::QType truthQType(const TruthQuery& q);
dns::QueryOptions truthQueryOptions(const TruthQuery& q);

// What to ask this round: the parent servers for the domain's NS (a referral), the old
// and new servers for the apex NS and for every watched (name, type); then the parent
// servers for the domain's DS and the new servers for its DNSKEY (F13).
std::vector<TruthQuery> truthQueries(const Migration& m);

enum class Delegation {
  Unknown,    // no parent server answered usably (or none configured)
  Old,        // the parent delegates to the OLD name servers only
  New,        // to the NEW name servers only
  Both,       // to both (F10: "old still delegated")
  Other,      // to something else, or parent servers disagree
  Unchanged,  // the name servers do not move (old NS set = new NS set, or none given) and
              // every parent server that answered delegates to the same set
};

// The name servers move: the new side lists an NS set and it differs from the old one.
// When they do not, the migration is address-only (docs/VERDICT.md "Shapes").
bool nsMoves(const Migration& m);
std::string_view toString(Delegation d);

// DNSSEC of the delegation after the move (FAULTS F13), from the DS set at the parent
// and the DNSKEY set the NEW servers serve.
enum class DnssecState {
  Unknown,   // not established (no parent or new server answered usably, or the DS
             // records use algorithms/digests validators may ignore)
  Unsigned,  // the parent answered authoritatively: no DS for the domain
  Valid,     // every DS set at the parent has a DS matching a zone key of every new
             // server that answered (docs/MODEL.md "DNSSEC (F13)")
  Broken,    // DS at the parent but none matches a DNSKEY of some new server (or it
             // serves none): validating resolvers answer SERVFAIL (the old provider's
             // DS left behind)
};
std::string_view toString(DnssecState s);  // "unknown" "unsigned" "valid" "broken"

struct ServerTruth {
  Endpoint server;
  dns::Outcome outcome = dns::Outcome::Timeout;  // of the apex NS query
  bool aa = false;
  bool serves_zone = false;           // answered the apex NS with AA=1 and data
  bool lame = false;                  // F11: REFUSED/SERVFAIL/NOTAUTH, or AA=0, for the zone
  std::vector<std::string> ns;        // the NS set it serves at the apex
  std::optional<std::uint32_t> ns_ttl;
};

struct GroundTruth {
  Delegation delegation = Delegation::Unknown;
  std::vector<std::string> parent_ns;            // union of what parent servers delegate to
  std::optional<std::uint32_t> parent_ns_ttl;    // largest delegation NS TTL seen
  bool parents_agree = true;
  bool all_parents_answered = false;             // every configured parent answered usably
  // Set by the caller (not by evaluateTruth): the parent servers asked came from a
  // discovery that found no usable address for some of the parent's name servers, so
  // "every parent server" is not all of them (why, for people). Non-empty: the switch
  // is never seen and the parent condition never holds on this list.
  std::string parents_partial;
  // Some parent server still lists an OLD-only name server: the switch is not done,
  // whatever the others say (a lagging secondary hands out the old delegation).
  bool any_parent_lists_old = false;
  std::vector<ServerTruth> old_servers, new_servers;
  bool old_serving_zone = false;                 // any OLD server still AA for the zone (F9)
  // Some OLD server serving the zone lists an OLD-only name server in its own NS set:
  // what lets child-centric resolvers renew the OLD delegation (F9). An old server that
  // serves the zone with the NEW NS set hands renewing resolvers the NEW servers.
  bool old_serves_old_ns = false;
  // True when every OLD server gave a definite answer this round (AA data, REFUSED,
  // NXDOMAIN, SERVFAIL, an answer without AA): only then does old_serving_zone == false
  // mean "no longer serving". A timeout proves nothing (the daemon keeps what it knew).
  bool old_state_known = false;
  std::optional<std::uint32_t> old_child_ns_ttl; // largest NS TTL the OLD servers serve
  bool new_lame = false;                         // any NEW server lame (F11)
  // Per watched (name, type): what the old and the new servers serve, classified against
  // the plan. `plan_ok` is true when every old server serves OLD (or is gone) and every
  // new server serves NEW for every watched target.
  std::map<std::pair<std::string, RRType>, AnswerClass> old_data, new_data;
  bool plan_ok = false;
  bool ns_moves = true;                          // nsMoves(m)
  // Address-only switch facts: every new server serves NEW for every watched name and no
  // old server serves OLD for any (data_switched); some new server serves OLD-bearing data
  // for a watched name (data_reverted: the switch was undone).
  bool data_switched = false;
  bool data_reverted = false;
  std::uint32_t old_data_max_ttl = 0;            // longest TTL on OLD data the old servers serve
  DnssecState dnssec = DnssecState::Unknown;
  std::vector<std::string> findings;             // human-readable, one per problem
};

// `observations[i]` answers `queries[i]` (same order as truthQueries() returned).
GroundTruth evaluateTruth(const Migration& m, const std::vector<TruthQuery>& queries,
                          const std::vector<dns::Observation>& observations);

}  // namespace dnsprop
