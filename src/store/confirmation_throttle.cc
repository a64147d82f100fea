#include "store/confirmation_throttle.h"

namespace dnsprop {

bool ConfirmationThrottle::shouldStore(const TargetKey& key, const Sample& sample,
                                       Duration confirm_every) {
  auto it = last_.find(key);
  if (it == last_.end()) {
    last_.emplace(key, Last{sample.cls, sample.at, sample.has_old_values});
    return true;
  }
  Last& last = it->second;
  // A change of class, or of whether OLD values are present (Other/Stale with or without
  // the old address), is always stored.
  const bool store = sample.cls != last.cls || sample.has_old_values != last.has_old ||
                     sample.at < last.at || sample.at - last.at >= confirm_every;
  if (store) last = Last{sample.cls, sample.at, sample.has_old_values};
  return store;
}

void ConfirmationThrottle::remember(const TargetKey& key, const Sample& sample) {
  last_.insert_or_assign(key, Last{sample.cls, sample.at, sample.has_old_values});
}

void ConfirmationThrottle::forget(const TargetKey& key) { last_.erase(key); }

}  // namespace dnsprop
