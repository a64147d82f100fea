#include "verdict/preflight.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace dnsprop {
namespace {

std::string ttlText(std::uint32_t seconds) { return formatRelative(std::chrono::seconds(seconds)); }

nlohmann::json optNum(const std::optional<std::uint32_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view preflightWord(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::Safe: return "READY";
    case VerdictStatus::NotYet: return "NOT_READY";
    case VerdictStatus::Critical: return "CRITICAL";
    case VerdictStatus::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

Preflight judgePreflight(const RoundRecord& r, const GroundTruth& truth, WallTime now) {
  Preflight p;
  p.domain = r.domain;
  p.evaluated = now;
  auto add = [&](std::string id, VerdictStatus s, std::string detail) {
    p.items.push_back({std::move(id), s, std::move(detail)});
  };

  // zone: the new authoritative servers already serve the new data.
  if (!r.context.ns_moves) {
    add("zone", VerdictStatus::Safe,
        "the name servers stay (address-only): the switch is changing the records on them; nothing to check "
        "before it");
  } else if (!r.new_servers_configured) {
    add("zone", VerdictStatus::Unknown,
        "the new authoritative servers are not configured ([migration.new] servers): they cannot be asked");
  } else if (truth.new_lame) {
    add("zone", VerdictStatus::Critical, "a new authoritative server does not serve the zone (lame: REFUSED, "
                                         "SERVFAIL or no AA): resolvers sent to it would fail");
  } else {
    std::vector<std::string> wrong;
    for (const auto& [key, cls] : truth.new_data) {
      if (cls != AnswerClass::New) {
        wrong.push_back(fmt::format("{} {} is {}", key.first, toString(key.second), toString(cls)));
      }
    }
    if (truth.new_data.empty()) {
      add("zone", VerdictStatus::Unknown, "no answer from the new authoritative servers");
    } else if (!wrong.empty()) {
      add("zone", VerdictStatus::NotYet,
          fmt::format("the new authoritative servers do not serve the new data yet: {}{}", wrong.front(),
                      wrong.size() > 1 ? fmt::format(" (+{} more)", wrong.size() - 1) : ""));
    } else {
      add("zone", VerdictStatus::Safe,
          fmt::format("the new authoritative servers serve the new data for every watched name ({})",
                      truth.new_data.size()));
    }
    if (truth.dnssec == DnssecState::Valid || truth.dnssec == DnssecState::Broken) {
      p.findings.push_back("the zone is signed (the parent has a DS): before the name servers change, publish the "
                           "new provider's DNSKEY and its DS, or remove the DS and wait its TTL (docs/TROUBLESHOOTING.md "
                           "DNSSEC)");
    }
  }

  if (r.web) {
    const WebJudgement j = judgeWeb(*r.web, now);
    add("web", j.new_serves ? VerdictStatus::Safe : VerdictStatus::NotYet, j.detail);
    for (const auto& f : j.findings) {
      if (f.find("old server") == std::string::npos) p.findings.push_back(f);  // the old side is fine before
    }
  }
  if (r.mail) {
    const MailJudgement j = judgeMail(*r.mail, now);
    add("mail", j.new_accepts ? VerdictStatus::Safe : VerdictStatus::NotYet, j.detail);
    for (const auto& f : j.findings) {
      if (f.find("the new") != std::string::npos || f.find("of the new") != std::string::npos) p.findings.push_back(f);
    }
  }

  // ttl: what caches may hold after the switch, and when a switch makes sense if the
  // TTLs are lowered now (every copy cached with the current TTL has expired by then).
  const TruthContext& c = r.context;
  if (c.old_data_max_ttl > 0) p.data_ttl = c.old_data_max_ttl;
  if (c.ns_moves) {
    p.child_ns_ttl = c.old_child_ns_ttl;
    p.parent_ns_ttl = c.parent_ns_ttl;
  }
  std::uint32_t lowerable = p.data_ttl.value_or(0);
  if (p.child_ns_ttl) lowerable = std::max(lowerable, *p.child_ns_ttl);
  std::string ttl;
  if (!p.data_ttl && !p.child_ns_ttl) {
    ttl = "the current TTLs are not known (no answer carried the old data): ask the old servers";
  } else {
    ttl = fmt::format("now: old records {}", p.data_ttl ? ttlText(*p.data_ttl) : std::string("unknown"));
    if (c.ns_moves) {
      ttl += fmt::format(", NS at the old servers {}, NS at the parent {} (set by the registry)",
                         p.child_ns_ttl ? ttlText(*p.child_ns_ttl) : std::string("unknown"),
                         p.parent_ns_ttl ? ttlText(*p.parent_ns_ttl) : std::string("unknown"));
    }
    p.switch_after = now + std::chrono::seconds(lowerable);
    ttl += fmt::format("; lowered to 5m now, a switch makes sense after {}", formatRfc3339(*p.switch_after));
    if (lowerable > 3600) {
      p.findings.push_back(fmt::format("the records that change have a TTL of {}: lower them (e.g. to 5m) now, at "
                                       "the old DNS servers, so that caches let the old answers go soon after the "
                                       "switch",
                                       ttlText(lowerable)));
    }
  }
  add("ttl", VerdictStatus::Safe, ttl);

  p.status = VerdictStatus::Safe;
  for (const auto& item : p.items) p.status = worst(p.status, item.status);
  const auto first = std::find_if(p.items.begin(), p.items.end(),
                                  [&](const PreflightItem& i) { return i.status == p.status; });
  if (p.status == VerdictStatus::Safe) {
    p.summary = fmt::format("READY: {} - the new side is ready for the switch", p.domain);
  } else {
    p.summary = fmt::format("{}: {} - {}: {}", preflightWord(p.status), p.domain, first->id, first->detail);
  }
  return p;
}

Preflight unknownPreflight(const std::string& domain, WallTime now, const std::string& why) {
  Preflight p;
  p.domain = domain;
  p.evaluated = now;
  p.status = VerdictStatus::Unknown;
  p.summary = fmt::format("UNKNOWN: {} - {}", domain, why);
  return p;
}

nlohmann::json toJson(const Preflight& p) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : p.items) {
    items.push_back({{"id", i.id}, {"status", std::string(preflightWord(i.status))}, {"detail", i.detail}});
  }
  return {{"domain", p.domain},
          {"status", std::string(preflightWord(p.status))},
          {"summary", p.summary},
          {"evaluated", formatRfc3339(p.evaluated)},
          {"items", std::move(items)},
          {"findings", p.findings},
          {"data_ttl_seconds", optNum(p.data_ttl)},
          {"child_ns_ttl_seconds", optNum(p.child_ns_ttl)},
          {"parent_ns_ttl_seconds", optNum(p.parent_ns_ttl)},
          {"switch_after", p.switch_after ? nlohmann::json(formatRfc3339(*p.switch_after)) : nlohmann::json(nullptr)}};
}

std::string renderText(const Preflight& p) {
  std::string out = p.summary + "\n";
  for (const auto& i : p.items) {
    // The ttl item is information, never a failure: marked as such.
    const char* mark = i.id == "ttl" ? "i " : i.status == VerdictStatus::Safe ? "ok" : "--";
    out += fmt::format("  [{}] {}: {}\n", mark, i.id, i.detail);
  }
  for (const auto& f : p.findings) out += fmt::format("  finding: {}\n", f);
  return out;
}

}  // namespace dnsprop
