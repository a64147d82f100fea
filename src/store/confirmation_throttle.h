// Which samples are worth storing: the store keeps every change of class and, while the
// class stays the same, one confirmation per `confirm_every` (default 1 h). That keeps a
// 14-day window of hundreds of targets probed every 5 minutes small (docs/STORE.md)
// while still showing, hour by hour, that a resolver kept answering the same way.
//
// Value type, not thread-safe (the loop owns it), never throws except std::bad_alloc.
#pragma once

#include <cstddef>
#include <map>

#include "common/clock.h"
#include "common/duration.h"
#include "model/target_state.h"

namespace dnsprop {

class ConfirmationThrottle {
 public:
  static constexpr Duration kDefaultConfirmEvery = std::chrono::hours(1);

  // True when `sample` must be stored: the first sample of `key`, a class different from
  // the previous stored sample's, or at least `confirm_every` after it. Also true when the
  // wall clock went backwards past the previous stored sample (FAULTS F18), so a clock
  // step never silences a target for as long as the step. A true answer counts as stored:
  // call it only when the caller will store the sample.
  bool shouldStore(const TargetKey& key, const Sample& sample,
                   Duration confirm_every = kDefaultConfirmEvery);

  // Records `sample` as the last stored one of `key` (seeding after a restart from
  // StateStore::lastSamples()).
  void remember(const TargetKey& key, const Sample& sample);
  // Drops what is known of `key` (its next sample is stored).
  void forget(const TargetKey& key);
  std::size_t size() const { return last_.size(); }

 private:
  struct Last {
    AnswerClass cls = AnswerClass::Error;
    WallTime at{};
    bool has_old = false;
  };
  std::map<TargetKey, Last> last_;
};

}  // namespace dnsprop
