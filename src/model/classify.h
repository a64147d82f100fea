// Classifying one observation against a migration's expectations. Pure: no I/O, no
// clock; thread-safe. The rule that matters most: only a genuine, current, positive
// answer whose every value belongs to the NEW side and none to the OLD side is NEW.
// Errors, negative, stale, partial, off-chain or unknown data are never NEW.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "dns/observation.h"

namespace dnsprop {

enum class AnswerClass {
  New,       // every value is on the NEW side, none only on the OLD side
  Old,       // every value is on the OLD side, none only on the NEW side
  Mixed,     // values from both sides (or only values both sides share)
  Other,     // at least one value neither side expects
  Negative,  // NXDOMAIN or NODATA
  Stale,     // served stale (RFC 8767; EDE 3 or 19) without OLD values (with OLD values: Old)
  Error,     // no usable answer: timeout, SERVFAIL, REFUSED, malformed, network error...
};
std::string_view toString(AnswerClass c);  // "new", "old", ... (stable: metric label values)

struct Classification {
  AnswerClass cls = AnswerClass::Error;
  std::vector<std::string> values;  // the values compared (addresses, host names)
  bool stale = false;               // served stale (EDE 3/19): Old stays Old (F8)
  bool has_old_values = false;      // some value is on the OLD side (Old, Mixed, stale Old)
  bool distrusted = false;          // EDE says forged/filtered/DNSSEC-broken: never New
};

// The values an expectation gives for `type`: IPv4 addresses for A, IPv6 for AAAA,
// host names for NS and MX (absolute, lower-case).
std::vector<std::string> expectedValues(const Expectation& e, RRType type);

// `type` is the type asked; `observation.chain` ends with that type's RRset when the
// outcome is Answer. Two shapes of migration add to the value comparison:
//  - an A/AAAA chain through a CNAME target one side lists (Expectation::cnames) is that
//    side's answer (a hosting/CDN name), whatever addresses end it;
//  - NODATA with the zone's SOA is the answer of the side that expects nothing of the
//    type when the other side expects something (IPv6 dropped: NEW; added: OLD).
// Stale, distrusted, referral-like or SOA-less NODATA never becomes NEW that way.
Classification classify(const dns::Observation& observation, RRType type,
                        const Expectation& old_side, const Expectation& new_side);

// Same, with the expected value sets given directly (for `survey --old/--new`).
Classification classifyValues(const dns::Observation& observation, RRType type,
                              const std::vector<std::string>& old_values,
                              const std::vector<std::string>& new_values);

}  // namespace dnsprop
