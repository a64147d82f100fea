// The propagation model's vocabulary: what one probe target is, what the model keeps of
// each observation, and the state per target. Plain value types (copyable, no I/O), shared
// by the model (state.h), the durable store (src/store) and the metrics/status layers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "dns/observation.h"
#include "model/classify.h"

namespace dnsprop {

// One (migration, name, rrtype, resolver). `resolver` is the resolver's stable name from
// its catalog (or the address for extra resolvers); `domain` and `name` are absolute,
// lower-case. Ordered so it can key std::map.
struct TargetKey {
  std::string domain;
  std::string name;
  RRType type = RRType::A;
  std::string resolver;
  friend auto operator<=>(const TargetKey&, const TargetKey&) = default;
  friend bool operator==(const TargetKey&, const TargetKey&) = default;
};

// What the model keeps of one observation (the raw packet is never stored).
struct Sample {
  WallTime at{};                       // when the answer was accepted (wall clock, for display
                                       // and persistence); intervals use the monotonic clock
  AnswerClass cls = AnswerClass::Error;
  dns::Outcome outcome = dns::Outcome::Timeout;
  // Smallest TTL of the final RRset (Answer) or the negative TTL (NXDOMAIN/NODATA);
  // nullopt for errors. This is the time the resolver may keep serving this data.
  std::optional<std::uint32_t> ttl;
  // Largest TTL anywhere on the chain (CNAMEs included, F15).
  std::optional<std::uint32_t> max_chain_ttl;
  std::vector<std::string> values;     // classified values (addresses, host names)
  std::string nsid;                    // which anycast instance answered, if it said
  bool stale = false;                  // EDE 3/19 (RFC 8767 serve-stale)
  // Some value is on the OLD side (Classification::has_old_values): what makes a Stale
  // sample OLD evidence (see docs/MODEL.md).
  bool has_old_values = false;
  friend bool operator==(const Sample&, const Sample&) = default;
};

// One change of class for a target.
struct Transition {
  WallTime at{};
  AnswerClass from = AnswerClass::Error;
  AnswerClass to = AnswerClass::Error;
  std::optional<std::uint32_t> ttl;    // TTL seen with the new class
  std::string nsid;
  friend bool operator==(const Transition&, const Transition&) = default;
};

// Everything the verdict and the displays need about one target. Rebuilt from the store
// at start-up, so every field must be persisted (src/store) or derivable from history.
struct TargetState {
  AnswerClass current = AnswerClass::Error;   // class of the last sample
  bool has_samples = false;
  WallTime first_seen{};
  WallTime last_seen{};                        // last sample of any class
  WallTime current_since{};                    // when `current` began
  std::uint64_t samples = 0;
  // Evidence of OLD: any sample whose values include an OLD value (Old, Mixed, or Stale
  // with old values) counts.
  std::optional<WallTime> last_old_seen;
  std::uint32_t max_old_ttl = 0;               // longest TTL ever seen on OLD data
  // Start of the current unbroken run of NEW samples (nullopt unless current == New).
  std::optional<WallTime> new_since;
  std::uint64_t new_streak = 0;                // samples in that run
  // Latest NEW sample ever: a later OLD-bearing sample is a regression even with errors
  // between them.
  std::optional<WallTime> last_new_seen;
  // Negative answers (F12): the time until which the last NXDOMAIN/NODATA may be served
  // from the resolver's negative cache (sample time + negative TTL). Cleared by a
  // positive answer. Never extends old_expiry.
  std::optional<WallTime> negative_until;
  // Flip-flop (F14: several caches behind one anycast address): transitions between an
  // OLD-bearing class and NEW after the first NEW was seen.
  std::uint32_t regressions = 0;               // NEW -> OLD-bearing
  std::optional<WallTime> last_regression;
  // The time by which this resolver must have dropped OLD data (see state.h).
  std::optional<WallTime> old_expiry;
  std::string last_nsid;
  std::vector<Transition> recent;              // last transitions, newest last (bounded)
  friend bool operator==(const TargetState&, const TargetState&) = default;
};

}  // namespace dnsprop
