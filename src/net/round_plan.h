// When each probe of a round is sent: pure planning, no I/O (testable with fixed
// random input). Two goals: rounds never burst at one resolver (each resolver's probes
// are spread over the round with jitter) and no resolver ever gets more than its token
// bucket allows (defaults far below public resolvers' limits; Google throttles above
// 1,500 qps per client).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/duration.h"
#include "net/random.h"

namespace dnsprop {

struct RoundPlanOptions {
  Duration spread = std::chrono::seconds(0);  // offsets drawn uniformly in [0, spread)
  double rate_qps = 5.0;                      // per resolver
  int burst = 10;                             // per resolver
};

// `resolver_of[i]` identifies the resolver probe i goes to (any stable key). Returns,
// per probe, its send offset from the start of the round. For every resolver and every
// window [t, t+w), the number of probes planned in it is at most burst + rate*w.
std::vector<std::chrono::nanoseconds> planRound(const std::vector<std::string>& resolver_of,
                                                const RoundPlanOptions& options,
                                                SecureRandom& random);

}  // namespace dnsprop
