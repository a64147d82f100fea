// The predictions of PropagationModel (declared in state.h): when each resolver must have
// dropped OLD, and the earliest time a migration's old server may go. docs/MODEL.md
// explains every term.
#include <algorithm>

#include "model/state.h"

namespace dnsprop {
namespace {

using std::chrono::seconds;

Duration ttlOr(std::optional<std::uint32_t> ttl, Duration fallback) {
  return ttl ? Duration(seconds(*ttl)) : fallback;
}

}  // namespace

std::optional<WallTime> PropagationModel::oldExpiry(const TargetKey& key,
                                                    const TruthContext& truth) const {
  std::optional<WallTime> out;
  if (const TargetState* st = find(key); st && st->old_expiry) out = st->old_expiry;
  if (key.type != RRType::NS) {
    // While this resolver may hold the OLD NS set it may ask the old servers for any name
    // of the zone and keep what they give for that data's TTL.
    const TargetKey ns_key{key.domain, key.domain, RRType::NS, key.resolver};
    if (const TargetState* ns = find(ns_key); ns && ns->old_expiry) {
      const WallTime widened = *ns->old_expiry + seconds(truth.old_data_max_ttl);
      if (!out || *out < widened) out = widened;
    }
  }
  return out;
}

TruthBound truthBound(const TruthContext& truth, const ModelSettings& settings) {
  TruthBound b;
  if (!truth.switch_seen) {
    // The parent (or, address-only, the servers) may still hand out OLD: no bound yet.
    b.basis = truth.ns_moves ? SafeBasis::ParentNotSwitched : SafeBasis::DataNotSwitched;
    return b;
  }
  b.unbounded = false;
  if (!truth.ns_moves) {
    // Address-only: the delegation never changed. A resolver that fetched OLD data just
    // before the servers switched keeps it for that data's TTL.
    b.at = *truth.switch_seen + seconds(truth.old_data_max_ttl);
    b.basis = SafeBasis::DataSwitch;
    return b;
  }
  // A resolver that cached the OLD delegation just before the switch may ask the old
  // servers until it expires, and keep their answers for those answers' TTL.
  WallTime floor = *truth.switch_seen + ttlOr(truth.parent_ns_ttl, settings.unknown_ns_ttl) +
                   seconds(truth.old_data_max_ttl);
  b.basis = SafeBasis::ParentSwitch;
  if (truth.old_server_serves_zone) {
    // F9: child-centric resolvers renew the OLD NS set from the old server itself, for as
    // long as it serves the zone; at best one more child NS TTL after that.
    floor += ttlOr(truth.old_child_ns_ttl, settings.unknown_ns_ttl);
    b.basis = SafeBasis::OldServerServing;
    b.unbounded = true;
  } else if (truth.old_last_serving) {
    // F9 after the old server stopped: a resolver that renewed the OLD NS set from it just
    // before may use it for one more child NS TTL and keep what it got for its TTL.
    const WallTime retired = *truth.old_last_serving + ttlOr(truth.old_child_ns_ttl, settings.unknown_ns_ttl) +
                             seconds(truth.old_data_max_ttl);
    if (retired > floor) {
      floor = retired;
      b.basis = SafeBasis::OldServerRetired;
    }
  }
  b.at = floor;
  return b;
}

EarliestSafe PropagationModel::earliestSafe(const std::string& domain,
                                            const TruthContext& truth) const {
  EarliestSafe r;
  // Observed: the latest prediction over the migration's targets.
  for (auto it = targets_.lower_bound(TargetKey{domain, {}, RRType::A, {}});
       it != targets_.end() && it->first.domain == domain; ++it) {
    if (auto e = oldExpiry(it->first, truth); e && (!r.at || *r.at < *e)) {
      r.at = e;
      r.target = it->first;
    }
  }
  if (r.at) r.basis = SafeBasis::ObservedOld;

  const TruthBound b = truthBound(truth, settings_);
  if (!b.at) {
    // Nothing bounds OLD yet.
    r.unbounded = true;
    r.basis = b.basis;
    return r;
  }
  WallTime floor = *b.at;
  SafeBasis floor_basis = b.basis;
  if (truth.min_parallel_until && *truth.min_parallel_until > floor) {
    floor = *truth.min_parallel_until;
    floor_basis = SafeBasis::MinParallel;
  }
  if (!r.at || *r.at < floor) {
    r.at = floor;
    r.target.reset();
    r.basis = floor_basis;
  }
  r.unbounded = b.unbounded;
  if (r.unbounded) r.basis = b.basis;
  return r;
}

}  // namespace dnsprop
