#include "http/status_json.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace dnsprop {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

nlohmann::json timeOrNull(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json statusJson(const MonitorSnapshot& snap) {
  nlohmann::json migrations = nlohmann::json::array();
  for (const auto& m : snap.migrations) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& [name, type] : m.record.watch) {
      for (const auto& resolver : m.record.resolvers) {
        const TargetKey key{m.domain, name, type, resolver};
        nlohmann::json t{{"name", name},
                         {"rrtype", std::string(toString(type))},
                         {"resolver", resolver},
                         {"class", "ERROR"},
                         {"since", nullptr},
                         {"last_seen", nullptr},
                         {"ttl", nullptr},
                         {"expiry", nullptr},
                         {"samples", 0},
                         {"regressions", 0},
                         {"nsid", ""}};
        if (auto it = snap.targets.find(key); it != snap.targets.end() && it->second.has_samples) {
          const TargetState& st = it->second;
          t["class"] = upper(toString(st.current));
          t["since"] = formatRfc3339(st.current_since);
          t["last_seen"] = formatRfc3339(st.last_seen);
          if (!st.recent.empty() && st.recent.back().ttl) t["ttl"] = *st.recent.back().ttl;
          t["samples"] = st.samples;
          t["regressions"] = st.regressions;
          t["nsid"] = st.last_nsid;
        }
        if (auto e = m.expiries.find(key); e != m.expiries.end()) t["expiry"] = formatRfc3339(e->second);
        targets.push_back(std::move(t));
      }
    }
    nlohmann::json history = nlohmann::json::array();
    for (const auto& [t, ratio] : m.history) history.push_back({{"t", formatRfc3339(t)}, {"ratio", ratio}});
    nlohmann::json truth{{"delegation", std::string(toString(m.truth.delegation))},
                         {"parent_ns", m.truth.parent_ns},
                         {"parent_ns_ttl", m.truth.parent_ns_ttl ? nlohmann::json(*m.truth.parent_ns_ttl) : nlohmann::json(nullptr)},
                         {"old_serving_zone", m.truth.old_serving_zone},
                         {"dnssec", std::string(toString(m.truth.dnssec))},
                         {"plan_ok", m.truth.plan_ok},
                         {"findings", m.truth.findings}};
    migrations.push_back({{"domain", m.domain},
                          {"verdict", toJson(m.verdict)},
                          {"record", toJson(m.record)},
                          {"truth", truth},
                          {"switch_seen", timeOrNull(m.switch_seen)},
                          {"switch_time", timeOrNull(m.record.switch_time)},
                          {"old_stop", timeOrNull(m.record.old_stop)},
                          {"targets", targets},
                          {"history", history}});
  }
  nlohmann::json resolvers = nlohmann::json::array();
  for (const auto& r : snap.resolvers) {
    const bool excluded = std::find(snap.excluded.begin(), snap.excluded.end(), r.name) != snap.excluded.end();
    resolvers.push_back({{"name", r.name},
                         {"operator", r.operator_name},
                         {"country", r.country},
                         {"address", r.endpoint.toString()},
                         {"excluded", excluded}});
  }
  return {{"generated_at", formatRfc3339(snap.taken)},
          {"vantage", snap.vantage},
          {"rounds", snap.rounds},
          {"interval_seconds", std::chrono::duration<double>(snap.interval).count()},
          {"migrations", migrations},
          {"resolvers", resolvers},
          {"ipv6", {{"route", snap.host_ipv6}, {"resolvers_left_out", snap.ipv6_left_out}}}};
}

}  // namespace dnsprop
