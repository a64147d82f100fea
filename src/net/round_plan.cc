#include "net/round_plan.h"

#include <algorithm>
#include <map>

#include "common/clock.h"
#include "net/token_bucket.h"

namespace dnsprop {

std::vector<std::chrono::nanoseconds> planRound(const std::vector<std::string>& resolver_of,
                                                const RoundPlanOptions& options,
                                                SecureRandom& random) {
  using std::chrono::nanoseconds;
  const auto spread_ns = std::chrono::duration_cast<nanoseconds>(options.spread).count();
  std::vector<nanoseconds> offsets(resolver_of.size());
  std::map<std::string, std::vector<std::size_t>> by_resolver;
  for (std::size_t i = 0; i < resolver_of.size(); ++i) {
    // Jitter with 1 ms resolution (uniform() takes 32-bit bounds).
    const auto spread_ms = static_cast<std::uint32_t>(std::min<long long>(spread_ns / 1'000'000, UINT32_MAX));
    offsets[i] = spread_ms > 0 ? nanoseconds(std::int64_t{random.uniform(spread_ms)} * 1'000'000)
                               : nanoseconds(0);
    by_resolver[resolver_of[i]].push_back(i);
  }
  // Replay each resolver's probes in time order through its own token bucket; a probe
  // without a token waits for the next one.
  const MonoTime origin{};
  for (auto& [resolver, idx] : by_resolver) {
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return offsets[a] < offsets[b]; });
    TokenBucket bucket(options.rate_qps, options.burst, origin);
    nanoseconds last(0);
    for (std::size_t i : idx) {
      nanoseconds t = std::max(offsets[i], last);
      if (!bucket.tryTake(origin + t)) {
        t += bucket.waitTime(origin + t);
        bucket.tryTake(origin + t);
      }
      offsets[i] = t;
      last = t;
    }
  }
  return offsets;
}

}  // namespace dnsprop
