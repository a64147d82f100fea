#include "model/truth_tracker.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace dnsprop {
namespace {

nlohmann::json msOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(unixMillis(*t)) : nlohmann::json(nullptr);
}

std::optional<WallTime> optMs(const nlohmann::json& j, const char* key) {
  if (j.contains(key) && j.at(key).is_number_integer()) return fromUnixMillis(j.at(key).get<std::int64_t>());
  return std::nullopt;
}

std::uint32_t u32(const nlohmann::json& j, const char* key) {
  if (j.contains(key) && j.at(key).is_number_unsigned()) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(j.at(key).get<std::uint64_t>(), UINT32_MAX));
  }
  return 0;
}

bool flag(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j.at(key).is_boolean() && j.at(key).get<bool>();
}

void later(std::optional<WallTime>& slot, WallTime t) {
  if (!slot || *slot < t) slot = t;
}

}  // namespace

nlohmann::json toJson(const TruthFacts& f) {
  return {{"switch_seen_ms", msOrNull(f.switch_seen)},
          {"ever_switched", f.ever_switched},
          {"bounded_since_switch", f.bounded_since_switch},
          {"parent_ns_ttl", f.parent_ns_ttl},
          {"old_child_ns_ttl", f.old_child_ns_ttl},
          {"old_data_ttl", f.old_data_ttl},
          {"old_serving", f.old_serving ? nlohmann::json(*f.old_serving) : nlohmann::json(nullptr)},
          {"old_last_serving_ms", msOrNull(f.old_last_serving)},
          {"old_legit_until_ms", msOrNull(f.old_legit_until)}};
}

TruthFacts truthFactsFromJson(const nlohmann::json& j) {
  TruthFacts f;
  if (!j.is_object()) return f;
  f.switch_seen = optMs(j, "switch_seen_ms");
  f.ever_switched = flag(j, "ever_switched") || f.switch_seen.has_value();
  f.bounded_since_switch = flag(j, "bounded_since_switch");
  f.parent_ns_ttl = u32(j, "parent_ns_ttl");
  f.old_child_ns_ttl = u32(j, "old_child_ns_ttl");
  f.old_data_ttl = u32(j, "old_data_ttl");
  if (j.contains("old_serving") && j.at("old_serving").is_boolean()) f.old_serving = j.at("old_serving").get<bool>();
  f.old_last_serving = optMs(j, "old_last_serving_ms");
  f.old_legit_until = optMs(j, "old_legit_until_ms");
  return f;
}

TruthRound advanceTruth(TruthFacts& f, const Migration& m, const GroundTruth& g, const PropagationModel& model,
                        WallTime now) {
  TruthRound out;
  const bool ns_moves = g.ns_moves;

  // The switch. With moving name servers: any parent server still listing an OLD name
  // server means it is not done; every parent delegating only to NEW means it is. The
  // switch is dated by the first round that saw it: an earlier real switch only makes the
  // bounds later than necessary, never earlier. Address-only: the servers serving NEW
  // only, undone when a new server serves OLD again.
  const bool undone = ns_moves ? g.any_parent_lists_old : g.data_reverted;
  const bool done = ns_moves ? g.delegation == Delegation::New && g.parents_partial.empty() : g.data_switched;
  if (undone && f.switch_seen) {
    f.switch_seen.reset();
    out.events.switch_lost = true;
  } else if (done && !undone && !f.switch_seen) {
    f.switch_seen = now;
    f.ever_switched = true;
    f.bounded_since_switch = false;
    out.events.switch_seen = true;
  }

  // F9: only an old server that still hands out an OLD NS set lets resolvers renew it; an
  // address-only move has no such server.
  if (!ns_moves) {
    f.old_serving = false;
  } else if (g.old_state_known) {
    f.old_serving = g.old_serves_old_ns;
  }
  if (f.old_serving.value_or(true)) f.old_last_serving = now;

  f.parent_ns_ttl = std::max(f.parent_ns_ttl, g.parent_ns_ttl.value_or(0));
  f.old_child_ns_ttl = std::max(f.old_child_ns_ttl, g.old_child_ns_ttl.value_or(0));
  f.old_data_ttl = std::max(f.old_data_ttl, g.old_data_max_ttl);

  TruthContext& ctx = out.context;
  ctx.ns_moves = ns_moves;
  ctx.switch_seen = f.switch_seen;
  if (g.parent_ns_ttl || f.parent_ns_ttl > 0) ctx.parent_ns_ttl = std::max(g.parent_ns_ttl.value_or(0), f.parent_ns_ttl);
  if (g.old_child_ns_ttl || f.old_child_ns_ttl > 0) {
    ctx.old_child_ns_ttl = std::max(g.old_child_ns_ttl.value_or(0), f.old_child_ns_ttl);
  }
  ctx.old_data_max_ttl = std::max(g.old_data_max_ttl, f.old_data_ttl);
  // The old data's TTL as resolvers reported it, in case the old server never told us.
  for (auto it = model.all().lower_bound(TargetKey{m.domain, {}, RRType::A, {}});
       it != model.all().end() && it->first.domain == m.domain; ++it) {
    ctx.old_data_max_ttl = std::max(ctx.old_data_max_ttl, it->second.max_old_ttl);
  }
  ctx.old_server_serves_zone = f.old_serving.value_or(true);
  ctx.old_last_serving = f.old_last_serving;
  {
    std::optional<WallTime> base = f.switch_seen;
    if (m.switch_time && (!base || *m.switch_time > *base)) base = m.switch_time;
    if (base) ctx.min_parallel_until = *base + m.min_parallel;
  }

  // Flip-flop or regression: until when OLD after NEW is still legitimate.
  const TruthBound b = truthBound(ctx, model.settings());
  if (!f.ever_switched) {
    later(f.old_legit_until, now);  // nothing has switched: OLD is what everyone may hold
  } else if (f.switch_seen) {
    if (b.at && !b.unbounded) {
      later(f.old_legit_until, *b.at);
      f.bounded_since_switch = true;
    } else if (!f.bounded_since_switch) {
      later(f.old_legit_until, now);  // right after the switch, while F9 keeps it open
    }
    // Open-ended again after a bound was known (the old server came back): frozen.
  }
  // Switched before and undone now (a switch-back): frozen.
  ctx.old_legit_until = f.old_legit_until;
  return out;
}

}  // namespace dnsprop
