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

  if (!truth.parent_switch_seen) {
    // The parent may still hand out the OLD delegation: nothing bounds OLD yet.
    r.unbounded = true;
    r.basis = SafeBasis::ParentNotSwitched;
    return r;
  }
  // Floor: a resolver that cached the OLD delegation just before the switch may ask the
  // old servers until it expires, and keep their answers for those answers' TTL.
  WallTime floor = *truth.parent_switch_seen + ttlOr(truth.parent_ns_ttl, settings_.unknown_ns_ttl) +
                   seconds(truth.old_data_max_ttl);
  SafeBasis floor_basis = SafeBasis::ParentSwitch;
  if (truth.old_server_serves_zone) {
    // F9: child-centric resolvers renew the OLD NS set from the old server itself, for as
    // long as it serves the zone; at best one more child NS TTL after that.
    floor += ttlOr(truth.old_child_ns_ttl, settings_.unknown_ns_ttl);
    floor_basis = SafeBasis::OldServerServing;
    r.unbounded = true;
  }
  if (!truth.old_server_serves_zone && truth.old_last_serving) {
    // F9 after the old server stopped: a resolver that renewed the OLD NS set from it just
    // before may use it for one more child NS TTL and keep what it got for its TTL.
    const WallTime retired = *truth.old_last_serving + ttlOr(truth.old_child_ns_ttl, settings_.unknown_ns_ttl) +
                             seconds(truth.old_data_max_ttl);
    if (retired > floor) {
      floor = retired;
      floor_basis = SafeBasis::OldServerRetired;
    }
  }
  if (truth.min_parallel_until && *truth.min_parallel_until > floor) {
    floor = *truth.min_parallel_until;
    floor_basis = SafeBasis::MinParallel;
  }
  if (!r.at || *r.at < floor) {
    r.at = floor;
    r.target.reset();
    r.basis = floor_basis;
  }
  if (r.unbounded) r.basis = SafeBasis::OldServerServing;
  return r;
}

}  // namespace dnsprop
