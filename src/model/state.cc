#include "model/state.h"

#include <algorithm>
#include <utility>

namespace dnsprop {
namespace {

using std::chrono::seconds;

void latest(std::optional<WallTime>& slot, WallTime t) {
  if (!slot || *slot < t) slot = t;
}

bool staleByEde(const dns::Observation& o) {
  return std::any_of(o.ede_codes.begin(), o.ede_codes.end(),
                     [](std::uint16_t code) { return code == 3 || code == 19; });
}

// The smallest TTL of the final RRset: the run of records at the end of the chain that
// share the last record's type (for qtype CNAME the chain is just the CNAME). The
// smallest, because that is when the resolver must refresh the RRset as a whole.
std::optional<std::uint32_t> finalRRsetTtl(const std::vector<dns::Record>& chain) {
  if (chain.empty()) return std::nullopt;
  const auto type = chain.back().type;
  std::optional<std::uint32_t> ttl;
  for (auto it = chain.rbegin(); it != chain.rend() && it->type == type; ++it) {
    if (!ttl || it->ttl < *ttl) ttl = it->ttl;
  }
  return ttl;
}

}  // namespace

Sample makeSample(const dns::Observation& o, const Classification& c, WallTime at) {
  Sample s;
  s.at = at;
  s.cls = c.cls;
  s.outcome = o.outcome;
  s.values = c.values;
  s.nsid = o.nsid;
  s.stale = c.stale || c.cls == AnswerClass::Stale || staleByEde(o);
  s.has_old_values = c.has_old_values || c.cls == AnswerClass::Old || c.cls == AnswerClass::Mixed;
  switch (c.cls) {
    case AnswerClass::Error:
      return s;  // nothing the resolver may keep serving: no TTL
    case AnswerClass::New:
    case AnswerClass::Old:
    case AnswerClass::Mixed:
    case AnswerClass::Other:
    case AnswerClass::Negative:
    case AnswerClass::Stale:
      break;
  }
  switch (o.outcome) {
    case dns::Outcome::Answer:
      s.ttl = finalRRsetTtl(o.chain);
      break;
    case dns::Outcome::NxDomain:
    case dns::Outcome::NoData:
      s.ttl = o.negative_ttl;
      break;
    case dns::Outcome::ServFail:
    case dns::Outcome::Refused:
    case dns::Outcome::NotAuthoritative:
    case dns::Outcome::OtherRcode:
    case dns::Outcome::Timeout:
    case dns::Outcome::TruncatedFailed:
    case dns::Outcome::Malformed:
    case dns::Outcome::NetworkError:
      break;
  }
  if (s.ttl) {
    // F15: a CNAME on the chain may be cached far longer than the final RRset.
    std::uint32_t m = *s.ttl;
    for (const auto& r : o.chain) m = std::max(m, r.ttl);
    s.max_chain_ttl = m;
  }
  return s;
}

bool isOldEvidence(const Sample& s) {
  switch (s.cls) {
    case AnswerClass::Old:
    case AnswerClass::Mixed:
      return true;
    case AnswerClass::Stale:
    case AnswerClass::Other:
      // OTHER with an OLD value among unknown ones (e.g. the old address next to a
      // filtering resolver's own) still sends some people to the old server.
      return s.has_old_values;
    case AnswerClass::New:
    case AnswerClass::Negative:
    case AnswerClass::Error:
      return false;
  }
  return false;
}

std::string_view toString(SafeBasis b) {
  switch (b) {
    case SafeBasis::ParentNotSwitched: return "parent_not_switched";
    case SafeBasis::ObservedOld: return "observed_old";
    case SafeBasis::ParentSwitch: return "parent_switch";
    case SafeBasis::OldServerServing: return "old_server_serving";
    case SafeBasis::OldServerRetired: return "old_server_retired";
    case SafeBasis::MinParallel: return "min_parallel";
    case SafeBasis::DataNotSwitched: return "data_not_switched";
    case SafeBasis::DataSwitch: return "data_switch";
  }
  return "parent_not_switched";
}

PropagationModel::PropagationModel(ModelSettings s) : settings_(std::move(s)) {}

void PropagationModel::applyOldEvidence(TargetState& st, const Sample& sample) {
  latest(st.last_old_seen, sample.at);
  // The resolver may serve what it showed for its remaining TTL; a CNAME above it for
  // longer (F15), so the longer of the two bounds the OLD answer.
  const std::uint32_t t = std::max(sample.ttl.value_or(0), sample.max_chain_ttl.value_or(0));
  st.max_old_ttl = std::max(st.max_old_ttl, t);
  WallTime until = sample.at + seconds(t);
  // F8: a stale answer proves the resolver serves past the TTL; its TTL (often 30 s) is
  // only the stale-refresh hint, so the bound is the serve-stale window, never less.
  if (sample.stale) until = std::max(until, sample.at + settings_.stale_window);
  latest(st.old_expiry, until);
}

void PropagationModel::recordOutOfOrder(TargetState& st, const Sample& sample) {
  ++st.samples;
  st.first_seen = std::min(st.first_seen, sample.at);
  const bool in_new_run = st.current == AnswerClass::New && st.new_since && *st.new_since <= sample.at;
  if (isOldEvidence(sample)) {
    // A regression if the latest NEW known came before this OLD with no OLD since, or if
    // the OLD falls inside the current NEW run.
    const bool after_new = st.last_new_seen && *st.last_new_seen < sample.at &&
                           (!st.last_old_seen || *st.last_old_seen < *st.last_new_seen);
    if (after_new || in_new_run) {
      ++st.regressions;
      latest(st.last_regression, sample.at);
    }
    applyOldEvidence(st, sample);
  }
  if (sample.cls == AnswerClass::New) {
    latest(st.last_new_seen, sample.at);
  } else if (in_new_run) {
    // The run was not unbroken after all. Only the last sample is known to be NEW and
    // later than this one; the samples in between are unknown, so restart the run there
    // (shorter, never longer, than the truth).
    st.new_since = st.last_seen;
    st.new_streak = 1;
  }
}

std::optional<Transition> PropagationModel::record(const TargetKey& key, const Sample& sample) {
  TargetState& st = targets_[key];
  if (st.has_samples && sample.at < st.last_seen) {
    recordOutOfOrder(st, sample);
    return std::nullopt;
  }
  const bool first = !st.has_samples;
  const AnswerClass prev = st.current;
  // A gap in observation: nothing shows the resolver answered NEW all along.
  const bool gap = !first && settings_.max_gap > Duration(0) && sample.at - st.last_seen > settings_.max_gap;

  if (isOldEvidence(sample) && !first) {
    // F14: the last informative sample (NEW or OLD-bearing; errors in between do not
    // count) was NEW, and now OLD again.
    const bool new_was_latest =
        prev == AnswerClass::New ||
        (st.last_new_seen && (!st.last_old_seen || *st.last_old_seen < *st.last_new_seen));
    if (new_was_latest) {
      ++st.regressions;
      latest(st.last_regression, sample.at);
    }
  }
  if (isOldEvidence(sample)) applyOldEvidence(st, sample);

  ++st.samples;
  if (first) {
    st.has_samples = true;
    st.first_seen = sample.at;
    st.current_since = sample.at;
  }
  st.last_seen = sample.at;
  if (!sample.nsid.empty()) st.last_nsid = sample.nsid;

  switch (sample.cls) {
    case AnswerClass::New:
      if (!first && !gap && prev == AnswerClass::New && st.new_since) {
        ++st.new_streak;
      } else {
        st.new_since = sample.at;
        st.new_streak = 1;
      }
      latest(st.last_new_seen, sample.at);
      st.negative_until.reset();
      break;
    case AnswerClass::Old:
    case AnswerClass::Mixed:
    case AnswerClass::Other:
      st.new_since.reset();
      st.new_streak = 0;
      st.negative_until.reset();  // a positive answer: no negative cache entry in the way
      break;
    case AnswerClass::Negative:
      st.new_since.reset();
      st.new_streak = 0;
      // F12: the resolver keeps saying "nothing" for the negative TTL from the SOA.
      st.negative_until = sample.at + seconds(sample.ttl.value_or(0));
      break;
    case AnswerClass::Stale:
    case AnswerClass::Error:
      // Neither says what the resolver holds now; both break the NEW run.
      st.new_since.reset();
      st.new_streak = 0;
      break;
  }

  std::optional<Transition> out;
  const AnswerClass from = first ? AnswerClass::Error : prev;
  if (sample.cls != from) {
    out = Transition{sample.at, from, sample.cls, sample.ttl, sample.nsid};
    st.current_since = sample.at;
    if (settings_.recent_transitions > 0) {
      st.recent.push_back(*out);
      if (st.recent.size() > settings_.recent_transitions) {
        st.recent.erase(st.recent.begin(),
                        st.recent.begin() + static_cast<std::ptrdiff_t>(st.recent.size() -
                                                                        settings_.recent_transitions));
      }
    }
  }
  st.current = sample.cls;
  return out;
}

void PropagationModel::restore(const TargetKey& key, TargetState state) {
  targets_[key] = std::move(state);
}

const TargetState* PropagationModel::find(const TargetKey& key) const {
  const auto it = targets_.find(key);
  return it == targets_.end() ? nullptr : &it->second;
}

void PropagationModel::forget(const TargetKey& key) { targets_.erase(key); }

void PropagationModel::interruptRuns() {
  for (auto& [key, st] : targets_) {
    st.new_since.reset();
    st.new_streak = 0;
  }
}

bool PropagationModel::flipFlopping(const TargetState& s) const {
  return s.regressions > 0 && s.regressions >= settings_.regression_flipflop_threshold;
}

}  // namespace dnsprop
