// The rule of docs/VERDICT.md. Every branch that cannot prove safety falls through to
// NOT_YET (or worse); SAFE is reached only when every condition was checked and met.
#include "verdict/verdict.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "verdict/json_fields.h"

namespace dnsprop {
namespace {

using std::chrono::seconds;
using json_fields::field;
using json_fields::get;
using json_fields::msOrNull;
using json_fields::optMs;
using json_fields::parseEnum;

constexpr VerdictStatus kStatuses[] = {VerdictStatus::Safe, VerdictStatus::NotYet,
                                       VerdictStatus::Critical, VerdictStatus::Unknown};
constexpr BlockReason kReasons[] = {BlockReason::Old, BlockReason::Unverified, BlockReason::Hold,
                                    BlockReason::Regression, BlockReason::FlipFlop};
constexpr MigrationShape kShapes[] = {MigrationShape::NsAndData, MigrationShape::AddressOnly,
                                      MigrationShape::DnsProviderOnly};
// The parallel-operation period the hosting provider's guide recommends (mail fetched
// from both servers for two weeks).
constexpr Duration kRecommendedParallel = std::chrono::hours(24 * 14);
constexpr ConditionId kConditions[] = {ConditionId::Fresh,     ConditionId::Dnssec,
                                       ConditionId::Parent,    ConditionId::Servers,
                                       ConditionId::Resolvers, ConditionId::EarliestSafe,
                                       ConditionId::MinParallel, ConditionId::Web,
                                       ConditionId::Mail,      ConditionId::Traffic};
constexpr AnswerClass kClasses[] = {AnswerClass::New,      AnswerClass::Old,   AnswerClass::Mixed,
                                    AnswerClass::Other,    AnswerClass::Negative,
                                    AnswerClass::Stale,    AnswerClass::Error};
constexpr Delegation kDelegations[] = {Delegation::Unknown, Delegation::Old,   Delegation::New,
                                       Delegation::Both,    Delegation::Other, Delegation::Unchanged};
constexpr DnssecState kDnssec[] = {DnssecState::Unknown, DnssecState::Unsigned, DnssecState::Valid,
                                   DnssecState::Broken};
constexpr SafeBasis kBases[] = {SafeBasis::ParentNotSwitched, SafeBasis::ObservedOld,
                                SafeBasis::ParentSwitch,      SafeBasis::OldServerServing,
                                SafeBasis::OldServerRetired,  SafeBasis::MinParallel,
                                SafeBasis::DataNotSwitched,   SafeBasis::DataSwitch};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::optional<std::uint32_t> optU32(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return get<std::uint32_t>(j, key);
}

nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

std::optional<WallTime> optTime(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  const auto text = get<std::string>(j, key);
  auto t = parseRfc3339(text);
  if (!t) throw std::invalid_argument(fmt::format("\"{}\" is not an RFC 3339 time: {}", key, text));
  return t;
}

std::int64_t durMs(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }
Duration fromMs(std::int64_t ms) { return std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)); }

std::string when(WallTime t, WallTime now) {
  const auto d = t - now;
  return formatRfc3339(t) + (d >= d.zero() ? " (in " + formatRelative(d) + ")"
                                                   : " (" + formatRelative(-d) + " ago)");
}

bool oldBearing(const TargetState& st) {
  switch (st.current) {
    case AnswerClass::Old:
    case AnswerClass::Mixed:
      return true;
    case AnswerClass::Other:
    case AnswerClass::Stale:
      // Carrying an OLD value: the last OLD evidence is the last sample.
      return st.last_old_seen && *st.last_old_seen >= st.last_seen;
    case AnswerClass::New:
    case AnswerClass::Negative:
    case AnswerClass::Error:
      return false;
  }
  return true;
}

}  // namespace

std::string_view toString(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::Safe: return "SAFE";
    case VerdictStatus::NotYet: return "NOT_YET";
    case VerdictStatus::Critical: return "CRITICAL";
    case VerdictStatus::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<VerdictStatus> parseVerdictStatus(std::string_view text) {
  for (auto s : kStatuses) {
    if (toString(s) == text) return s;
  }
  return std::nullopt;
}

int exitCode(VerdictStatus s) { return static_cast<int>(s); }

VerdictStatus worst(VerdictStatus a, VerdictStatus b) {
  auto rank = [](VerdictStatus s) {
    switch (s) {
      case VerdictStatus::Safe: return 0;
      case VerdictStatus::NotYet: return 1;
      case VerdictStatus::Unknown: return 2;
      case VerdictStatus::Critical: return 3;
    }
    return 3;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::string_view toString(BlockReason r) {
  switch (r) {
    case BlockReason::Old: return "old";
    case BlockReason::Unverified: return "unverified";
    case BlockReason::Hold: return "hold";
    case BlockReason::Regression: return "regression";
    case BlockReason::FlipFlop: return "flip_flop";
  }
  return "unverified";
}

std::string_view toString(MigrationShape s) {
  switch (s) {
    case MigrationShape::NsAndData: return "ns_and_data";
    case MigrationShape::AddressOnly: return "address_only";
    case MigrationShape::DnsProviderOnly: return "dns_provider_only";
  }
  return "ns_and_data";
}

MigrationShape shapeOf(const RoundRecord& r) {
  if (!r.context.ns_moves) return MigrationShape::AddressOnly;
  const bool data = std::any_of(r.watch.begin(), r.watch.end(), [&](const auto& w) {
    return !(w.first == r.domain && w.second == RRType::NS);
  });
  return data ? MigrationShape::NsAndData : MigrationShape::DnsProviderOnly;
}

std::string_view toString(ConditionId c) {
  switch (c) {
    case ConditionId::Fresh: return "fresh";
    case ConditionId::Dnssec: return "dnssec";
    case ConditionId::Parent: return "parent";
    case ConditionId::Servers: return "servers";
    case ConditionId::Resolvers: return "resolvers";
    case ConditionId::EarliestSafe: return "earliest_safe";
    case ConditionId::MinParallel: return "min_parallel";
    case ConditionId::Web: return "web";
    case ConditionId::Mail: return "mail";
    case ConditionId::Traffic: return "traffic";
  }
  return "fresh";
}

// ---- RoundRecord <-> JSON (a fact in the store: integer milliseconds, exact)

nlohmann::json toJson(const RoundRecord& r) {
  nlohmann::json watch = nlohmann::json::array();
  for (const auto& [name, type] : r.watch) watch.push_back({name, std::string(toString(type))});
  const TruthContext& c = r.context;
  nlohmann::json ctx{
      {"ns_moves", c.ns_moves},
      {"switch_seen_ms", msOrNull(c.switch_seen)},
      {"parent_ns_ttl", c.parent_ns_ttl ? nlohmann::json(*c.parent_ns_ttl) : nlohmann::json(nullptr)},
      {"old_child_ns_ttl", c.old_child_ns_ttl ? nlohmann::json(*c.old_child_ns_ttl) : nlohmann::json(nullptr)},
      {"old_server_serves_zone", c.old_server_serves_zone},
      {"old_data_max_ttl", c.old_data_max_ttl},
      {"old_last_serving_ms", msOrNull(c.old_last_serving)},
      {"min_parallel_until_ms", msOrNull(c.min_parallel_until)},
      {"old_legit_until_ms", msOrNull(c.old_legit_until)},
  };
  return {
      {"domain", r.domain},
      {"at_ms", unixMillis(r.at)},
      {"round", r.round},
      {"interval_ms", durMs(r.interval)},
      {"vantage", r.vantage},
      {"resolvers", r.resolvers},
      {"excluded", r.excluded},
      {"watch", watch},
      {"unchanged", r.unchanged},
      {"delegation", std::string(toString(r.delegation))},
      {"any_parent_lists_old", r.any_parent_lists_old},
      {"parents_partial", r.parents_partial},
      {"new_servers_configured", r.new_servers_configured},
      {"old_servers_configured", r.old_servers_configured},
      {"plan_ok", r.plan_ok},
      {"new_lame", r.new_lame},
      {"dnssec", std::string(toString(r.dnssec))},
      {"findings", r.findings},
      {"context", ctx},
      {"switch_time_ms", msOrNull(r.switch_time)},
      {"old_stop_ms", msOrNull(r.old_stop)},
      {"min_parallel_ms", durMs(r.min_parallel)},
      {"delegation_grace_ms", durMs(r.delegation_grace)},
      {"web", r.web ? toJson(*r.web) : nlohmann::json(nullptr)},
      {"mail", r.mail ? toJson(*r.mail) : nlohmann::json(nullptr)},
      {"traffic", r.traffic ? toJson(*r.traffic) : nlohmann::json(nullptr)},
  };
}

RoundRecord roundRecordFromJson(const nlohmann::json& j) {
  RoundRecord r;
  r.domain = get<std::string>(j, "domain");
  r.at = fromUnixMillis(get<std::int64_t>(j, "at_ms"));
  r.round = get<std::uint64_t>(j, "round");
  r.interval = fromMs(get<std::int64_t>(j, "interval_ms"));
  r.vantage = get<std::string>(j, "vantage");
  r.resolvers = get<std::vector<std::string>>(j, "resolvers");
  r.excluded = get<std::vector<std::string>>(j, "excluded");
  for (const auto& w : field(j, "watch")) {
    if (!w.is_array() || w.size() != 2 || !w[0].is_string() || !w[1].is_string()) {
      throw std::invalid_argument("\"watch\" entries must be [name, type]");
    }
    auto type = parseRRType(w[1].get<std::string>());
    if (!type) throw std::invalid_argument("\"watch\" has an unknown type");
    r.watch.emplace_back(w[0].get<std::string>(), *type);
  }
  r.delegation = parseEnum(kDelegations, get<std::string>(j, "delegation"), "delegation");
  r.any_parent_lists_old = get<bool>(j, "any_parent_lists_old");
  if (j.contains("parents_partial")) r.parents_partial = get<std::string>(j, "parents_partial");
  r.new_servers_configured = get<bool>(j, "new_servers_configured");
  r.old_servers_configured = get<bool>(j, "old_servers_configured");
  r.plan_ok = get<bool>(j, "plan_ok");
  r.new_lame = get<bool>(j, "new_lame");
  r.dnssec = parseEnum(kDnssec, get<std::string>(j, "dnssec"), "dnssec state");
  r.findings = get<std::vector<std::string>>(j, "findings");
  const auto& c = field(j, "context");
  // Records written before address-only shapes: "parent_switch_seen_ms", always NS moves.
  if (c.contains("ns_moves")) r.context.ns_moves = get<bool>(c, "ns_moves");
  if (auto ms = optMs(c, c.contains("switch_seen_ms") ? "switch_seen_ms" : "parent_switch_seen_ms")) {
    r.context.switch_seen = fromUnixMillis(*ms);
  }
  if (auto ms = optMs(c, "old_legit_until_ms")) r.context.old_legit_until = fromUnixMillis(*ms);
  if (j.contains("unchanged")) r.unchanged = get<std::vector<std::string>>(j, "unchanged");
  r.context.parent_ns_ttl = optU32(c, "parent_ns_ttl");
  r.context.old_child_ns_ttl = optU32(c, "old_child_ns_ttl");
  r.context.old_server_serves_zone = get<bool>(c, "old_server_serves_zone");
  r.context.old_data_max_ttl = get<std::uint32_t>(c, "old_data_max_ttl");
  if (auto ms = optMs(c, "old_last_serving_ms")) r.context.old_last_serving = fromUnixMillis(*ms);
  if (auto ms = optMs(c, "min_parallel_until_ms")) r.context.min_parallel_until = fromUnixMillis(*ms);
  if (auto ms = optMs(j, "switch_time_ms")) r.switch_time = fromUnixMillis(*ms);
  if (auto ms = optMs(j, "old_stop_ms")) r.old_stop = fromUnixMillis(*ms);
  r.min_parallel = fromMs(get<std::int64_t>(j, "min_parallel_ms"));
  r.delegation_grace = fromMs(get<std::int64_t>(j, "delegation_grace_ms"));
  if (j.contains("web") && !j.at("web").is_null()) r.web = webChecksFromJson(j.at("web"));
  if (j.contains("mail") && !j.at("mail").is_null()) r.mail = mailChecksFromJson(j.at("mail"));
  if (j.contains("traffic") && !j.at("traffic").is_null()) r.traffic = trafficCheckFromJson(j.at("traffic"));
  return r;
}

// ---- The rule

Verdict decide(WallTime now, const std::string& domain, const std::optional<RoundRecord>& record,
               const PropagationModel& model, const VerdictSettings& settings) {
  Verdict v;
  v.domain = domain;
  v.evaluated = now;
  if (!record) {
    v.status = VerdictStatus::Unknown;
    v.summary = fmt::format("UNKNOWN: {} - no probe round recorded yet (is `dnsprop run` running "
                            "with this state directory?)",
                            domain);
    for (auto id : kConditions) {
      if (id != ConditionId::Web && id != ConditionId::Mail && id != ConditionId::Traffic) {
        v.conditions.push_back({id, false, "no data"});
      }
    }
    v.earliest_safe.unbounded = true;
    return v;
  }
  const RoundRecord& r = *record;
  v.data_at = r.at;
  auto add = [&](ConditionId id, bool met, std::string detail) {
    v.conditions.push_back({id, met, std::move(detail)});
  };
  std::vector<std::string> critical;  // reasons for CRITICAL, most important first
  std::vector<std::string> unknown;   // reasons for UNKNOWN

  // Fresh: the data must come from a monitor that is still running.
  const Duration stale_after =
      std::chrono::duration_cast<Duration>(r.interval * settings.stale_intervals) + settings.stale_slack;
  const auto age = now - r.at;
  const bool fresh = age <= stale_after;
  add(ConditionId::Fresh, fresh,
      fmt::format("last round {} ago (stale after {})", formatRelative(age), formatRelative(stale_after)));
  if (!fresh) {
    critical.push_back(fmt::format("monitor data is stale: last round {} ago", formatRelative(age)));
  }

  // DNSSEC (F13).
  switch (r.dnssec) {
    case DnssecState::Unsigned:
      add(ConditionId::Dnssec, true, "unsigned: the parent has no DS for the domain");
      break;
    case DnssecState::Valid:
      add(ConditionId::Dnssec, true, "a DS at the parent matches a DNSKEY of the new servers");
      break;
    case DnssecState::Broken:
      add(ConditionId::Dnssec, false,
          "the parent's DS matches no DNSKEY of the new servers: validating resolvers answer SERVFAIL");
      critical.push_back("DNSSEC is broken (DS at the parent matches no DNSKEY of the new servers)");
      break;
    case DnssecState::Unknown:
      add(ConditionId::Dnssec, false, "not established (parent or new servers did not answer usably)");
      break;
  }

  v.shape = shapeOf(r);
  v.unchanged = r.unchanged;
  if (r.min_parallel < kRecommendedParallel) v.parallel_shortened_to = r.min_parallel;

  // (a) The parent delegates only to the new name servers. Address-only moves keep their
  // name servers: there is no parent condition (the delegation is shown, not judged).
  if (!r.context.ns_moves) {
    add(ConditionId::Parent, true,
        fmt::format("the name servers do not move (address-only): no parent condition; the parent delegation "
                    "is {}",
                    toString(r.delegation)));
  } else {
    // A partial list of parent servers (discovery found no address for some of them):
    // one never asked may still hand out the old delegation (F10).
    const bool met = r.delegation == Delegation::New && !r.any_parent_lists_old && r.parents_partial.empty();
    std::string detail = met ? "the parent delegates to the new name servers only"
                             : fmt::format("the parent delegation is {}{}", toString(r.delegation),
                                           r.any_parent_lists_old ? " (an old name server is still listed)" : "");
    if (!r.parents_partial.empty()) {
      detail += fmt::format("; the list of parent servers is partial ({}): a parent server never asked may still "
                            "delegate to the old name servers",
                            r.parents_partial);
    }
    if (!met && r.switch_time && now > *r.switch_time + r.delegation_grace &&
        (r.any_parent_lists_old || r.delegation == Delegation::Old || r.delegation == Delegation::Both)) {
      critical.push_back(fmt::format("the parent still delegates to the old name servers {} after the switch",
                                     formatRelative(now - *r.switch_time)));
      detail += fmt::format("; {} after switch_time", formatRelative(now - *r.switch_time));
    }
    add(ConditionId::Parent, met, detail);
  }

  // (b) The authoritative servers serve what the plan says.
  {
    std::vector<std::string> why;
    if (!r.new_servers_configured) why.push_back("no new.servers configured: cannot verify the new servers");
    // Address-only: the same servers serve old and new data; new.servers is enough.
    if (!r.old_servers_configured && r.context.ns_moves) {
      why.push_back("no old.servers configured: cannot tell when the old server stops serving");
    }
    if (r.new_lame) why.push_back("a new server is lame for the zone");
    if (r.new_servers_configured && !r.plan_ok && !r.new_lame) why.push_back("the new servers do not serve NEW for every watched name");
    std::string detail;
    for (const auto& w : why) detail += (detail.empty() ? "" : "; ") + w;
    add(ConditionId::Servers, why.empty(), why.empty() ? "the new servers serve NEW for every watched name" : detail);
  }

  // The hold window: as long as the longest TTL seen on OLD data, and several rounds.
  // NS TTLs count only when the name servers move: an address-only move never changes
  // the delegation, so a day-long NS TTL must not hold its verdict back by a day.
  std::uint32_t longest = r.context.old_data_max_ttl;
  if (r.context.ns_moves) {
    longest = std::max(longest, r.context.old_child_ns_ttl.value_or(0));
    longest = std::max(longest, r.context.parent_ns_ttl.value_or(0));
  }
  for (const auto& [key, st] : model.all()) {
    if (key.domain == domain) longest = std::max(longest, st.max_old_ttl);
  }
  v.hold = std::max<Duration>(seconds(longest),
                              std::chrono::duration_cast<Duration>(r.interval * settings.min_hold_intervals));

  // (c) Every trusted resolver answered NEW for every watched name over the hold window.
  const std::set<std::string> excluded(r.excluded.begin(), r.excluded.end());
  std::set<std::string> seen;
  std::vector<std::string> trusted;
  for (const auto& name : r.resolvers) {
    if (excluded.count(name) == 0 && seen.insert(name).second) trusted.push_back(name);
  }
  v.trusted = trusted.size();
  bool open_ended_blocker = false;     // a blocker with no known end
  std::optional<WallTime> latest_end;  // the latest known end of a blocker
  auto later = [&](std::optional<WallTime> t) {
    if (!t) {
      open_ended_blocker = true;
    } else if (!latest_end || *latest_end < *t) {
      latest_end = t;
    }
  };
  const TruthContext& ctx = r.context;
  for (const auto& res : trusted) {
    bool all_ok = true;
    for (const auto& [name, type] : r.watch) {
      const TargetKey key{domain, name, type, res};
      const TargetState* st = model.find(key);
      Blocker b;
      b.name = name;
      b.type = type;
      b.resolver = res;
      b.expiry = model.oldExpiry(key, ctx);
      if (st == nullptr || !st->has_samples) {
        b.reason = BlockReason::Unverified;
        later(std::nullopt);
      } else {
        b.current = st->current;
        b.since = st->current_since;
        // OLD after NEW is the normal flip-flop of a propagation while OLD may still
        // legitimately be cached or served (ground truth: before the switch, while the
        // old server hands out the OLD NS set, up to the bound after it); later it is a
        // regression: a switch-back, a lagging anycast instance, an old server back.
        const bool legit_flip = st->last_regression && ctx.old_legit_until && *st->last_regression <= *ctx.old_legit_until;
        if (st->last_regression && !legit_flip && now - *st->last_regression < v.hold) {
          b.reason = BlockReason::Regression;
          critical.push_back(fmt::format("OLD reappeared after NEW at {} for {} {} ({} ago), after OLD could "
                                         "legitimately be served",
                                         res, name, toString(type), formatRelative(now - *st->last_regression)));
          later(std::nullopt);
        } else if (oldBearing(*st)) {
          b.reason = legit_flip ? BlockReason::FlipFlop : BlockReason::Old;
          if (legit_flip) b.legit_until = ctx.old_legit_until;
          later(b.expiry ? std::optional<WallTime>(*b.expiry + v.hold) : std::nullopt);
        } else if (st->current != AnswerClass::New || !st->new_since || now - st->last_seen > stale_after) {
          // Errors, negative, other or stale answers, or no answer for too long: nothing
          // shows what this resolver would hand out.
          b.reason = BlockReason::Unverified;
          later(std::nullopt);
        } else {
          b.hold_until = *st->new_since + v.hold;
          if (now < *b.hold_until || st->new_streak < 2) {
            b.reason = BlockReason::Hold;
            later(b.hold_until);
          } else {
            continue;  // this target passes
          }
        }
      }
      all_ok = false;
      v.blockers.push_back(std::move(b));
    }
    if (all_ok && !r.watch.empty()) ++v.trusted_new;
  }
  std::sort(v.blockers.begin(), v.blockers.end(), [](const Blocker& a, const Blocker& b) {
    return std::tie(a.name, a.type, a.resolver) < std::tie(b.name, b.type, b.resolver);
  });
  {
    std::size_t old = 0, unverified = 0, hold = 0;
    std::set<std::string> old_res, unv_res, hold_res;
    for (const auto& b : v.blockers) {
      switch (b.reason) {
        case BlockReason::Old:
        case BlockReason::Regression:
        case BlockReason::FlipFlop:
          ++old;
          old_res.insert(b.resolver);
          break;
        case BlockReason::Unverified:
          ++unverified;
          unv_res.insert(b.resolver);
          break;
        case BlockReason::Hold:
          ++hold;
          hold_res.insert(b.resolver);
          break;
      }
    }
    const bool met = v.blockers.empty() && !trusted.empty() && !r.watch.empty();
    add(ConditionId::Resolvers, met,
        met ? fmt::format("all {} trusted resolvers answered NEW for every watched name for at least {}",
                          trusted.size(), formatRelative(v.hold))
            : fmt::format("{} of {} trusted resolvers pass; {} still OLD, {} unverified, {} in the {} hold",
                          v.trusted_new, trusted.size(), old_res.size(), unv_res.size(), hold_res.size(),
                          formatRelative(v.hold)));
    (void)old;
    (void)unverified;
    (void)hold;
  }
  if (trusted.empty()) unknown.push_back("no trusted resolvers (all excluded or none selected)");
  if (r.watch.empty()) unknown.push_back("nothing watched");

  // (d) The earliest safe time has passed.
  v.earliest_safe = model.earliestSafe(domain, ctx);
  {
    const auto& es = v.earliest_safe;
    bool met = false;
    std::string detail;
    if (es.unbounded) {
      detail = fmt::format("open-ended ({}){}", toString(es.basis),
                           es.at ? ", at least until " + when(*es.at, now) : "");
    } else if (!es.at) {
      detail = "unknown";
    } else {
      met = now >= *es.at;
      detail = fmt::format("{} ({})", when(*es.at, now), toString(es.basis));
    }
    add(ConditionId::EarliestSafe, met, detail);
  }

  // (e) The minimum parallel-operation period since the switch has passed.
  std::optional<WallTime> parallel_until;
  {
    parallel_until = ctx.min_parallel_until;  // computed once, by model/truth_tracker
    const bool met = parallel_until && now >= *parallel_until;
    std::string detail = parallel_until ? fmt::format("{} of parallel operation until {}",
                                                      formatRelative(r.min_parallel), when(*parallel_until, now))
                                        : "the switch has not been seen yet";
    if (v.parallel_shortened_to) {
      detail += fmt::format("; shortened from the {} the hosting guide recommends", formatRelative(kRecommendedParallel));
    }
    add(ConditionId::MinParallel, met, detail);
  }

  // The new web server serves the site (only with [migration.web]): every path, from
  // every new address the host can reach, status < 400 and a valid certificate.
  if (r.web) {
    const WebJudgement wj = judgeWeb(*r.web, now);
    add(ConditionId::Web, wj.new_serves, wj.detail);
    v.findings = wj.findings;
  }

  // The new mail server accepts mail for the domain (only with [migration.mail]): every
  // new address the host can reach takes `MAIL FROM:<>` and `RCPT TO:<recipient>`.
  std::vector<std::string> old_mail_accepting;
  if (r.mail) {
    MailJudgement mj = judgeMail(*r.mail, now);
    add(ConditionId::Mail, mj.new_accepts, mj.detail);
    v.findings.insert(v.findings.end(), mj.findings.begin(), mj.findings.end());
    old_mail_accepting = std::move(mj.old_accepting);
  }

  // The old server no longer receives traffic (only with [migration.traffic]): at most
  // max_requests in the window, over an access log that covers all of it.
  if (r.traffic) {
    const TrafficJudgement tj = judgeTraffic(*r.traffic, now, stale_after);
    add(ConditionId::Traffic, tj.quiet, tj.detail);
  }

  // When SAFE becomes possible on what is known now.
  {
    bool known = !open_ended_blocker && !v.earliest_safe.unbounded && v.earliest_safe.at && parallel_until;
    for (const auto& c : v.conditions) {
      if (!c.met && (c.id == ConditionId::Dnssec || c.id == ConditionId::Parent || c.id == ConditionId::Servers ||
                     c.id == ConditionId::Fresh || c.id == ConditionId::Web || c.id == ConditionId::Mail ||
                     c.id == ConditionId::Traffic)) {
        known = false;
      }
    }
    if (known) {
      WallTime t = std::max(*v.earliest_safe.at, *parallel_until);
      if (latest_end) t = std::max(t, *latest_end);
      v.safe_after = t;
    }
  }
  if (!old_mail_accepting.empty()) {
    std::string addresses;
    for (const auto& a : old_mail_accepting) addresses += (addresses.empty() ? "" : ", ") + a;
    v.findings.push_back(fmt::format(
        "the old mail server ({}) still accepts mail for {}: senders that still have the old MX or address deliver "
        "there until {}, and a sender whose first try failed retries for up to {}; keep fetching mail from it",
        addresses, r.mail->recipient,
        v.safe_after ? "about " + formatRfc3339(*v.safe_after) + " (the earliest safe time)"
                     : "the last old answer expires (not known yet)",
        formatRelative(kSenderRetry)));
  }

  const bool all_met = std::all_of(v.conditions.begin(), v.conditions.end(), [](const Condition& c) { return c.met; });
  if (!critical.empty()) {
    v.status = VerdictStatus::Critical;
    v.summary = fmt::format("CRITICAL: {} - {}", domain, critical.front());
    if (critical.size() > 1) v.summary += fmt::format(" (+{} more)", critical.size() - 1);
  } else if (!unknown.empty()) {
    v.status = VerdictStatus::Unknown;
    v.summary = fmt::format("UNKNOWN: {} - {}", domain, unknown.front());
  } else if (all_met && v.conditions.size() ==
                             std::size(kConditions) - (r.web ? 0 : 1) - (r.mail ? 0 : 1) - (r.traffic ? 0 : 1)) {
    v.status = VerdictStatus::Safe;
    v.summary = fmt::format("SAFE: {} - all {} trusted resolvers answer NEW for at least {}; the old "
                            "server may be shut down",
                            domain, trusted.size(), formatRelative(v.hold));
  } else {
    v.status = VerdictStatus::NotYet;
    std::string first;
    for (const auto& c : v.conditions) {
      if (!c.met) {
        first = fmt::format("{}: {}", toString(c.id), c.detail);
        break;
      }
    }
    v.summary = fmt::format("NOT_YET: {} - {}/{} resolvers ready; {}", domain, v.trusted_new, trusted.size(), first);
    if (v.safe_after) v.summary += fmt::format("; safe after {}", formatRfc3339(*v.safe_after));
  }
  // The planned shutdown of the old server, against the first time SAFE can come.
  v.old_stop = r.old_stop;
  if (v.old_stop && v.status != VerdictStatus::Safe) {
    std::optional<WallTime> safe_from = v.earliest_safe.at;
    if (v.safe_after && (!safe_from || *v.safe_after > *safe_from)) safe_from = v.safe_after;
    v.old_stop_too_early = v.earliest_safe.unbounded || (safe_from && *v.old_stop < *safe_from);
  }
  return v;
}

Verdict recheckFreshness(Verdict v, WallTime now, Duration interval, const VerdictSettings& settings) {
  const Duration stale_after =
      std::chrono::duration_cast<Duration>(interval * settings.stale_intervals) + settings.stale_slack;
  const WallTime data_at = v.data_at.value_or(v.evaluated);
  const auto age = now - data_at;
  if (age <= stale_after) return v;
  for (auto& c : v.conditions) {
    if (c.id == ConditionId::Fresh) {
      c.met = false;
      c.detail = fmt::format("last round {} ago (stale after {})", formatRelative(age), formatRelative(stale_after));
    }
  }
  v.status = VerdictStatus::Critical;
  v.summary = fmt::format("CRITICAL: {} - monitor data is stale: last round {} ago", v.domain, formatRelative(age));
  v.safe_after.reset();
  v.evaluated = now;
  return v;
}

// ---- Verdict <-> JSON (the /status.json and `check --output json` form: RFC 3339 times)

nlohmann::json toJson(const Verdict& v) {
  nlohmann::json conditions = nlohmann::json::array();
  for (const auto& c : v.conditions) {
    conditions.push_back({{"id", std::string(toString(c.id))}, {"met", c.met}, {"detail", c.detail}});
  }
  nlohmann::json blockers = nlohmann::json::array();
  for (const auto& b : v.blockers) {
    blockers.push_back({{"name", b.name},
                        {"rrtype", std::string(toString(b.type))},
                        {"resolver", b.resolver},
                        {"reason", std::string(toString(b.reason))},
                        {"class", upper(toString(b.current))},
                        {"since", timeOrNull(b.since)},
                        {"expiry", timeOrNull(b.expiry)},
                        {"hold_until", timeOrNull(b.hold_until)},
                        {"legit_until", timeOrNull(b.legit_until)}});
  }
  nlohmann::json es{{"at", timeOrNull(v.earliest_safe.at)},
                    {"unbounded", v.earliest_safe.unbounded},
                    {"basis", std::string(toString(v.earliest_safe.basis))}};
  if (v.earliest_safe.target) {
    const auto& t = *v.earliest_safe.target;
    es["target"] = {{"name", t.name}, {"rrtype", std::string(toString(t.type))}, {"resolver", t.resolver}};
  }
  return {{"domain", v.domain},
          {"status", std::string(toString(v.status))},
          {"exit_code", exitCode(v.status)},
          {"summary", v.summary},
          {"evaluated", formatRfc3339(v.evaluated)},
          {"data_at", timeOrNull(v.data_at)},
          {"conditions", conditions},
          {"blockers", blockers},
          {"earliest_safe", es},
          {"hold_seconds", std::chrono::duration_cast<seconds>(v.hold).count()},
          {"safe_after", timeOrNull(v.safe_after)},
          {"trusted", v.trusted},
          {"trusted_new", v.trusted_new},
          {"shape", std::string(toString(v.shape))},
          {"unchanged", v.unchanged},
          {"findings", v.findings},
          {"min_parallel_shortened_to_seconds",
           v.parallel_shortened_to
               ? nlohmann::json(std::chrono::duration_cast<seconds>(*v.parallel_shortened_to).count())
               : nlohmann::json(nullptr)},
          {"old_stop", timeOrNull(v.old_stop)},
          {"old_stop_too_early", v.old_stop_too_early}};
}

Verdict verdictFromJson(const nlohmann::json& j) {
  Verdict v;
  v.domain = get<std::string>(j, "domain");
  const auto status = parseVerdictStatus(get<std::string>(j, "status"));
  if (!status) throw std::invalid_argument("unknown \"status\"");
  v.status = *status;
  v.summary = get<std::string>(j, "summary");
  const auto evaluated = optTime(j, "evaluated");
  if (!evaluated) throw std::invalid_argument("missing \"evaluated\"");
  v.evaluated = *evaluated;
  v.data_at = optTime(j, "data_at");
  for (const auto& c : field(j, "conditions")) {
    v.conditions.push_back({parseEnum(kConditions, get<std::string>(c, "id"), "condition"), get<bool>(c, "met"),
                            get<std::string>(c, "detail")});
  }
  for (const auto& b : field(j, "blockers")) {
    Blocker x;
    x.name = get<std::string>(b, "name");
    auto type = parseRRType(get<std::string>(b, "rrtype"));
    if (!type) throw std::invalid_argument("unknown \"rrtype\"");
    x.type = *type;
    x.resolver = get<std::string>(b, "resolver");
    x.reason = parseEnum(kReasons, get<std::string>(b, "reason"), "reason");
    x.current = parseEnum(kClasses, get<std::string>(b, "class"), "class");
    x.since = optTime(b, "since");
    x.expiry = optTime(b, "expiry");
    x.hold_until = optTime(b, "hold_until");
    x.legit_until = optTime(b, "legit_until");
    v.blockers.push_back(std::move(x));
  }
  const auto& es = field(j, "earliest_safe");
  v.earliest_safe.at = optTime(es, "at");
  v.earliest_safe.unbounded = get<bool>(es, "unbounded");
  v.earliest_safe.basis = parseEnum(kBases, get<std::string>(es, "basis"), "basis");
  if (es.contains("target")) {
    const auto& t = es.at("target");
    auto type = parseRRType(get<std::string>(t, "rrtype"));
    if (!type) throw std::invalid_argument("unknown \"rrtype\"");
    v.earliest_safe.target = TargetKey{v.domain, get<std::string>(t, "name"), *type, get<std::string>(t, "resolver")};
  }
  v.hold = seconds(get<std::int64_t>(j, "hold_seconds"));
  v.safe_after = optTime(j, "safe_after");
  v.trusted = get<std::size_t>(j, "trusted");
  v.trusted_new = get<std::size_t>(j, "trusted_new");
  // Absent from the documents of monitors older than the migration shapes.
  if (j.contains("shape")) v.shape = parseEnum(kShapes, get<std::string>(j, "shape"), "shape");
  if (j.contains("unchanged")) v.unchanged = get<std::vector<std::string>>(j, "unchanged");
  if (j.contains("findings")) v.findings = get<std::vector<std::string>>(j, "findings");
  if (j.contains("min_parallel_shortened_to_seconds") && !j.at("min_parallel_shortened_to_seconds").is_null()) {
    v.parallel_shortened_to = seconds(get<std::int64_t>(j, "min_parallel_shortened_to_seconds"));
  }
  v.old_stop = optTime(j, "old_stop");
  if (j.contains("old_stop_too_early")) v.old_stop_too_early = get<bool>(j, "old_stop_too_early");
  return v;
}

// ---- Text

std::string renderText(const Verdict& v) {
  std::string out = v.summary + "\n";
  // The shape comes from a round record: without one there is nothing to name.
  out += v.data_at ? fmt::format("{} {} ({})\n", v.domain, toString(v.status), toString(v.shape))
                   : fmt::format("{} {}\n", v.domain, toString(v.status));
  if (v.data_at) out += fmt::format("  data from the round at {}\n", formatRfc3339(*v.data_at));
  out += "  conditions:\n";
  for (const auto& c : v.conditions) {
    out += fmt::format("    [{}] {:<13} {}\n", c.met ? "ok" : "--", toString(c.id), c.detail);
  }
  if (!v.blockers.empty()) {
    out += "  still OLD or unverified:\n";
    std::string last;
    for (const auto& b : v.blockers) {
      const std::string head = fmt::format("{} {}", b.name, toString(b.type));
      if (head != last) out += "    " + head + "\n";
      last = head;
      std::string tail;
      if (b.reason == BlockReason::Hold && b.hold_until) tail = "NEW, hold until " + when(*b.hold_until, v.evaluated);
      else if (b.reason == BlockReason::FlipFlop && b.legit_until)
        tail = "OLD again after NEW (normal flip-flop): OLD may legitimately be served until " +
               when(std::max(*b.legit_until, b.expiry.value_or(*b.legit_until)), v.evaluated);
      else if (b.expiry) tail = "OLD may be served until " + when(*b.expiry, v.evaluated);
      else if (b.reason == BlockReason::Old || b.reason == BlockReason::Regression) tail = "no prediction";
      out += fmt::format("      {:<24} {:<10} {:<8} {}{}\n", b.resolver, toString(b.reason), upper(toString(b.current)),
                         b.since ? "since " + formatRfc3339(*b.since) + "  " : "", tail);
    }
  }
  const auto& es = v.earliest_safe;
  if (es.unbounded) {
    out += fmt::format("  earliest safe: open-ended ({}){}\n", toString(es.basis),
                       es.at ? ", at least until " + when(*es.at, v.evaluated) : "");
  } else if (es.at) {
    out += fmt::format("  earliest safe: {} ({})\n", when(*es.at, v.evaluated), toString(es.basis));
  } else {
    out += "  earliest safe: unknown\n";
  }
  out += fmt::format("  hold window: {}\n", formatRelative(v.hold));
  if (!v.unchanged.empty()) {
    std::string u;
    for (const auto& t : v.unchanged) u += (u.empty() ? "" : ", ") + t;
    out += fmt::format("  unchanged (not judged): {}\n", u);
  }
  if (v.parallel_shortened_to) {
    out += fmt::format("  note: the parallel period is shortened to {} (the hosting guide recommends {})\n",
                       formatRelative(*v.parallel_shortened_to), formatRelative(kRecommendedParallel));
  }
  if (v.safe_after) out += fmt::format("  SAFE possible after: {}\n", when(*v.safe_after, v.evaluated));
  for (const auto& f : v.findings) out += fmt::format("  finding: {}\n", f);
  if (v.old_stop) {
    out += fmt::format("  old server planned off: {}{}\n", when(*v.old_stop, v.evaluated),
                       v.old_stop_too_early ? " - before the earliest safe time: keep it running longer" : "");
  }
  return out;
}

}  // namespace dnsprop
