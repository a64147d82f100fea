// dnsprop check: the scripted "safe to shut down the old server?" answer, with the
// monitoring-plugin exit codes (0 SAFE, 1 NOT YET, 2 CRITICAL, 3 UNKNOWN). It reads what
// `dnsprop run` recorded and never invents data (docs/VERDICT.md):
//   default     the state database in the config's monitor.state_dir (or --state-dir),
//               judged again with this process's clock;
//   --url U     a running monitor's /status.json, checked for freshness;
//   --live      one survey of its own, which can never say SAFE.
// Any failure to get data is UNKNOWN (3), never SAFE.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "cli/cli.h"
#include "cli/one_round.h"
#include "cli/store_view.h"
#include "common/duration.h"
#include "common/log.h"
#include "common/time_format.h"
#include "config/config_loader.h"
#include "http/http_client.h"
#include "net/monitor.h"
#include "net/uv_handle.h"
#include "store/state_store.h"
#include "verdict/verdict.h"

namespace dnsprop::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> domains;
  std::string output = "text";
  bool live = false;
  std::string url;
  std::string state_dir;
  std::string prometheus;  // base URL: the verdict over every vantage from Prometheus
  std::string max_age;  // empty: 3 intervals + 60 s (15 min with --prometheus)
  VerdictSettings settings;
};


struct Outcome {
  std::string source;
  std::vector<Verdict> verdicts;
  std::string error;  // set: UNKNOWN for everything, with this reason
};

Verdict unknownVerdict(const std::string& domain, WallTime now, const std::string& why) {
  Verdict v;
  v.domain = domain;
  v.evaluated = now;
  v.status = VerdictStatus::Unknown;
  v.summary = "UNKNOWN: " + domain + " - " + why;
  v.earliest_safe.unbounded = true;
  return v;
}

// A migration whose config here asks for server checks ([migration.web], .mail,
// .traffic) that the verdict has no condition for: the monitor runs an older config (not
// reloaded, a reload that failed) or an older dnsprop. Those checks count as failed, so a
// verdict computed without them can never be SAFE here.
void requireConfiguredChecks(Verdict& v, const Migration& m) {
  const std::pair<ConditionId, bool> wanted[] = {
      {ConditionId::Web, m.web.has_value()}, {ConditionId::Mail, m.mail.has_value()},
      {ConditionId::Traffic, m.traffic.has_value()}};
  for (const auto& [id, configured] : wanted) {
    if (!configured) continue;
    const bool present = std::any_of(v.conditions.begin(), v.conditions.end(),
                                     [id = id](const Condition& c) { return c.id == id; });
    if (present) continue;
    v.conditions.push_back({id, false,
                            fmt::format("configured here, but the monitor has not applied [migration.{}] (reload it)",
                                        toString(id))});
    if (v.status == VerdictStatus::Safe) {
      v.status = VerdictStatus::NotYet;
      v.summary = fmt::format("NOT_YET: {} - {}: {}", v.domain, toString(id), v.conditions.back().detail);
      v.safe_after.reset();
    }
  }
}

// The mail checks of the last round were made for another [migration.mail] (recipient,
// STARTTLS rule or the new addresses differ): they say nothing about the configured one.
bool mailMatchesConfig(const MailChecks& mc, const MailCheckConfig& c) {
  if (mc.recipient != c.recipient || mc.require_starttls != c.require_starttls) return false;
  std::set<std::string> asked, configured;
  for (const auto& e : mc.exchanges) {
    if (e.side == ServerSide::New) asked.insert(e.address);
  }
  for (const auto& a : c.new_addresses) configured.insert(a.address());
  return asked == configured;
}

Outcome fromStore(const Config& config, const CheckOptions& o, const std::vector<std::string>& domains, WallTime now) {
  Outcome out;
  const StoreView view =
      openStoreView(o.state_dir.empty() ? config.monitor.state_dir : std::filesystem::path(o.state_dir));
  out.source = view.db.string();
  if (!view.store) {
    out.error = view.error;
    return out;
  }
  for (const auto& d : domains) {
    std::optional<RoundRecord> record;
    try {
      record = loadRoundRecord(*view.store, d);
    } catch (const std::exception& e) {
      out.verdicts.push_back(unknownVerdict(d, now, std::string("unreadable round record: ") + e.what()));
      continue;
    }
    // The config asks for web checks the monitor's last round did not run (it has not
    // reloaded yet, or is older): the site is unverified, so the web condition fails.
    if (record && !record->web) {
      for (const auto& m : config.migrations) {
        if (m.domain == d && m.web) record->web = WebChecks{m.web->must_match, {}};
      }
    }
    // Likewise for mail checks (also when they were made for another [migration.mail]):
    // the new mail server counts as not asked.
    if (record) {
      for (const auto& m : config.migrations) {
        if (m.domain == d && m.mail && (!record->mail || !mailMatchesConfig(*record->mail, *m.mail))) {
          record->mail = MailChecks{m.mail->recipient, m.mail->require_starttls, m.mail->every, {}, {}};
        }
        if (m.domain == d && m.traffic && !record->traffic) {
          TrafficCheck t;
          t.access_log = m.traffic->access_log.string();
          t.window = m.traffic->window;
          t.max_requests = m.traffic->max_requests;
          t.error = "the monitor has not counted it yet";
          record->traffic = t;
        }
      }
    }
    out.verdicts.push_back(decide(now, d, record, view.model, o.settings));
  }
  return out;
}

Outcome fromUrl(const CheckOptions& o, const std::vector<std::string>& domains, WallTime now,
                const std::optional<Config>& config) {
  Outcome out;
  std::string url = o.url;
  if (url.size() < 5 || url.compare(url.size() - 5, 5, ".json") != 0) {
    if (!url.empty() && url.back() == '/') url.pop_back();
    url += "/status.json";
  }
  out.source = url;
  const HttpResult r = httpGet(url);
  if (!r.ok) {
    out.error = r.error;
    return out;
  }
  if (r.status != 200) {
    out.error = url + " answered HTTP " + std::to_string(r.status);
    return out;
  }
  try {
    const auto doc = nlohmann::json::parse(r.body);
    const Duration interval = std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(doc.at("interval_seconds").get<double>()));
    std::map<std::string, Verdict> by_domain;
    for (const auto& m : doc.at("migrations")) {
      Verdict v = recheckFreshness(verdictFromJson(m.at("verdict")), now, interval, o.settings);
      if (config) {
        for (const auto& mig : config->migrations) {
          if (mig.domain == v.domain) requireConfiguredChecks(v, mig);
        }
      }
      by_domain[v.domain] = std::move(v);
    }
    for (const auto& d : domains) {
      auto it = by_domain.find(d);
      out.verdicts.push_back(it != by_domain.end() ? it->second
                                                   : unknownVerdict(d, now, "not monitored by " + url));
    }
  } catch (const std::exception& e) {
    out.error = url + " is not a dnsprop status document: " + e.what();
  }
  return out;
}

// The fleet's answer: every vantage's dnsprop_verdict as Prometheus has it now. SAFE only
// when every vantage seen in the last day reports SAFE now, with fresh probes; a vantage
// that went silent (its series are stale in Prometheus) is CRITICAL, like stale data.
struct VantageVerdict {
  std::string vantage;
  VerdictStatus status = VerdictStatus::Unknown;
  std::optional<double> age_seconds;  // since its last probe round
  std::string why;
};

struct FleetOutcome {
  std::string error;
  std::vector<std::pair<std::string, std::vector<VantageVerdict>>> per_domain;
};

nlohmann::json promQuery(const std::string& base, const std::string& query) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/query?query=" + urlEncode(query);
  const HttpResult r = httpGet(url);
  if (!r.ok) throw std::runtime_error(r.error);
  if (r.status != 200) throw std::runtime_error(url + " answered HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  auto doc = nlohmann::json::parse(r.body);
  if (doc.value("status", "") != "success") throw std::runtime_error("Prometheus query failed: " + r.body.substr(0, 200));
  return doc.at("data").at("result");
}

std::string promString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

FleetOutcome fromPrometheus(const CheckOptions& o, const std::vector<std::string>& domains) {
  FleetOutcome out;
  const double max_age = o.max_age.empty()
                             ? 900.0
                             : std::chrono::duration<double>(o.settings.stale_slack).count();
  try {
    std::map<std::string, double> ages;
    for (const auto& s : promQuery(o.prometheus, "time() - max by (vantage) (dnsprop_last_probe_timestamp_seconds)")) {
      ages[s["metric"].value("vantage", "")] = std::stod(s["value"][1].get<std::string>());
    }
    for (const auto& d : domains) {
      const std::string sel = "{domain=" + promString(d) + "}";
      std::map<std::string, VantageVerdict> by_vantage;
      for (const auto& s : promQuery(o.prometheus, "count by (vantage) (count_over_time(dnsprop_verdict" + sel + "[1d]))")) {
        const std::string v = s["metric"].value("vantage", "");
        by_vantage[v] = {v, VerdictStatus::Critical, std::nullopt, "no current verdict (the instance stopped or is not scraped)"};
      }
      // Several series per vantage (several scrape jobs): the worst counts.
      std::map<std::string, bool> current;
      for (const auto& s : promQuery(o.prometheus, "dnsprop_verdict" + sel + " == 1")) {
        const std::string v = s["metric"].value("vantage", "");
        std::string state = s["metric"].value("state", "");
        for (auto& c : state) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const auto st = parseVerdictStatus(state).value_or(VerdictStatus::Unknown);
        auto& vv = by_vantage[v];
        vv.vantage = v;
        vv.status = current[v] ? worst(vv.status, st) : st;
        vv.why.clear();
        current[v] = true;
      }
      for (auto& [v, vv] : by_vantage) {
        if (auto a = ages.find(v); a != ages.end()) vv.age_seconds = a->second;
        if (current[v] && (!vv.age_seconds || *vv.age_seconds > max_age)) {
          vv.status = VerdictStatus::Critical;
          vv.why = vv.age_seconds ? "last probe round " + formatRelative(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                              std::chrono::duration<double>(*vv.age_seconds))) + " ago"
                                  : "no probe timestamp";
        }
      }
      std::vector<VantageVerdict> list;
      for (auto& [v, vv] : by_vantage) list.push_back(vv);
      out.per_domain.emplace_back(d, std::move(list));
    }
  } catch (const std::exception& e) {
    out.error = std::string("Prometheus: ") + e.what();
  }
  return out;
}

int reportFleet(const FleetOutcome& f, const CheckOptions& o, WallTime now, const std::vector<std::string>& domains) {
  VerdictStatus overall = VerdictStatus::Safe;
  std::vector<std::string> lines;
  nlohmann::json migrations = nlohmann::json::array();
  std::string first_bad;
  if (!f.error.empty()) overall = VerdictStatus::Unknown;
  for (const auto& d : domains) {
    const std::vector<VantageVerdict>* list = nullptr;
    for (const auto& [dom, l] : f.per_domain) {
      if (dom == d) list = &l;
    }
    VerdictStatus ds = list && !list->empty() ? VerdictStatus::Safe : VerdictStatus::Unknown;
    nlohmann::json vj = nlohmann::json::array();
    if (list) {
      for (const auto& v : *list) {
        ds = worst(ds, v.status);
        vj.push_back({{"vantage", v.vantage},
                      {"status", std::string(toString(v.status))},
                      {"age_seconds", v.age_seconds ? nlohmann::json(*v.age_seconds) : nlohmann::json(nullptr)},
                      {"why", v.why}});
        lines.push_back(fmt::format("  {} vantage {:<20} {}{}", d, v.vantage, toString(v.status),
                                    v.why.empty() ? "" : " (" + v.why + ")"));
        if (v.status != VerdictStatus::Safe && first_bad.empty()) {
          first_bad = d + " at vantage " + v.vantage + ": " + std::string(toString(v.status)) + (v.why.empty() ? "" : " (" + v.why + ")");
        }
      }
    }
    if (!list || list->empty()) {
      if (first_bad.empty()) first_bad = d + ": no vantage reports it";
      lines.push_back("  " + d + ": no vantage reports it");
    }
    overall = worst(overall, ds);
    migrations.push_back({{"domain", d}, {"status", std::string(toString(ds))}, {"vantages", vj}});
  }
  std::string summary = std::string(toString(overall)) + ": ";
  if (!f.error.empty()) summary += f.error;
  else if (overall == VerdictStatus::Safe) summary += "every vantage reports SAFE for " + std::to_string(domains.size()) + " migration(s)";
  else summary += first_bad;
  if (o.output == "json") {
    nlohmann::json doc{{"status", std::string(toString(overall))},
                       {"exit_code", exitCode(overall)},
                       {"summary", summary},
                       {"generated_at", formatRfc3339(now)},
                       {"source", o.prometheus},
                       {"migrations", migrations}};
    std::cout << doc.dump(2) << "\n";
  } else {
    std::cout << summary << "\n";
    for (const auto& l : lines) std::cout << l << "\n";
    std::cout << "source: " << o.prometheus << "\n";
  }
  return exitCode(overall);
}

// One round of the monitor of our own, in a throw-away state directory (cli/one_round.h).
Outcome live(Config config, const std::vector<std::string>& domains) {
  Outcome out;
  out.source = "live survey (one round)";
  std::shared_ptr<const MonitorSnapshot> snap;
  try {
    snap = runOneRound(std::move(config), std::chrono::seconds(10));
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  const WallTime now = SystemClock().wall();
  for (const auto& d : domains) {
    auto it = std::find_if(snap->migrations.begin(), snap->migrations.end(),
                           [&](const MigrationSnapshot& m) { return m.domain == d; });
    if (it == snap->migrations.end()) {
      out.verdicts.push_back(unknownVerdict(d, now, "not in the configuration"));
      continue;
    }
    Verdict v = it->verdict;
    if (v.status == VerdictStatus::Safe) {
      // One sample cannot prove that no cache still holds OLD.
      v.status = VerdictStatus::NotYet;
      v.summary = "NOT_YET: " + d + " - every resolver answers NEW in this one survey, but one survey "
                  "cannot prove safety; run `dnsprop run` over the hold window";
    }
    out.verdicts.push_back(std::move(v));
  }
  return out;
}

int report(const Outcome& out, const CheckOptions& o, WallTime now) {
  VerdictStatus overall = out.verdicts.empty() ? VerdictStatus::Unknown : VerdictStatus::Safe;
  for (const auto& v : out.verdicts) overall = worst(overall, v.status);
  std::string summary;
  if (out.verdicts.size() == 1) {
    summary = out.verdicts.front().summary;
  } else {
    std::size_t safe = 0;
    for (const auto& v : out.verdicts) safe += v.status == VerdictStatus::Safe ? 1 : 0;
    summary = std::string(toString(overall)) + ": " + std::to_string(safe) + " of " +
              std::to_string(out.verdicts.size()) + " migrations safe";
    for (const auto& v : out.verdicts) {
      if (v.status == overall && overall != VerdictStatus::Safe) {
        summary += " (" + v.summary + ")";
        break;
      }
    }
  }
  if (o.output == "json") {
    nlohmann::json migrations = nlohmann::json::array();
    for (const auto& v : out.verdicts) migrations.push_back(toJson(v));
    nlohmann::json doc{{"status", std::string(toString(overall))},
                       {"exit_code", exitCode(overall)},
                       {"summary", summary},
                       {"generated_at", formatRfc3339(now)},
                       {"source", out.source},
                       {"migrations", migrations}};
    std::cout << doc.dump(2) << "\n";
  } else {
    std::cout << summary << "\n";
    for (const auto& v : out.verdicts) {
      // The first line of renderText is the summary again; skip it for one migration.
      std::string text = renderText(v);
      if (out.verdicts.size() == 1) text = text.substr(text.find('\n') + 1);
      std::cout << text;
    }
    std::cout << "source: " << out.source << "\n";
  }
  return exitCode(overall);
}

}  // namespace

void addCheckCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto opts = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check",
      "Is it safe to shut down the old server? Exit 0 SAFE, 1 NOT YET, 2 CRITICAL, 3 UNKNOWN "
      "(monitoring-plugin codes; see docs/VERDICT.md)");
  cmd->add_option("--domain", opts->domains, "Migration(s) to judge (default: every migration in the config)");
  cmd->add_option("--output,-o", opts->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--live", opts->live,
                "Run one survey now instead of reading recorded data (never answers SAFE)");
  cmd->add_option("--url", opts->url,
                  "Read a running monitor's status instead of the state database "
                  "(e.g. http://127.0.0.1:10153)");
  cmd->add_option("--prometheus", opts->prometheus,
                  "Judge every vantage from Prometheus' HTTP API instead (e.g. http://127.0.0.1:9090): "
                  "SAFE only when every vantage seen in the last day says SAFE now");
  cmd->add_option("--state-dir", opts->state_dir, "State directory to read (default: monitor.state_dir)");
  cmd->add_option("--max-age", opts->max_age,
                  "Data older than this means the monitor stopped: CRITICAL (default: 3 intervals + 60s)");
  cmd->callback([&g, &action, opts] {
    action = [&g, opts]() -> int {
      const WallTime now = std::chrono::system_clock::now();
      CheckOptions& o = *opts;
      if (!o.max_age.empty()) {
        const auto d = parseDuration(o.max_age);
        if (!d) {
          std::cerr << "dnsprop check: --max-age: \"" << o.max_age << "\" is not a duration (e.g. 15m)\n";
          return exitCode(VerdictStatus::Unknown);
        }
        o.settings.stale_intervals = 0;
        o.settings.stale_slack = *d;
      }
      if ((o.live ? 1 : 0) + (o.url.empty() ? 0 : 1) + (o.prometheus.empty() ? 0 : 1) > 1) {
        std::cerr << "dnsprop check: --live, --url and --prometheus exclude each other\n";
        return exitCode(VerdictStatus::Unknown);
      }
      std::optional<Config> config;
      std::vector<std::string> domains;
      for (const auto& d : o.domains) domains.push_back(normaliseDomain(d));
      Outcome out;
      try {
        config = loadSelectedConfig(g);
      } catch (const std::exception& e) {
        // --url and --prometheus need no config when domains are given.
        if ((o.url.empty() && o.prometheus.empty()) || domains.empty()) {
          out.source = "configuration";
          out.error = std::string("configuration: ") + e.what();
        }
      }
      if (out.error.empty() && domains.empty() && config) {
        for (const auto& m : config->migrations) domains.push_back(m.domain);
      }
      if (out.error.empty() && domains.empty()) out.error = "no migration to judge (none configured, no --domain)";
      if (out.error.empty() && !o.prometheus.empty()) return reportFleet(fromPrometheus(o, domains), o, now, domains);
      if (out.error.empty()) {
        try {
          if (o.live) {
            Config c = *config;
            std::erase_if(c.migrations, [&](const Migration& m) {
              return std::find(domains.begin(), domains.end(), m.domain) == domains.end();
            });
            out = live(std::move(c), domains);
          } else if (!o.url.empty()) {
            out = fromUrl(o, domains, now, config);
          } else {
            out = fromStore(*config, o, domains, now);
          }
        } catch (const std::exception& e) {
          out.error = e.what();
        }
      }
      if (!out.error.empty()) {
        out.verdicts.clear();
        if (domains.empty()) domains.push_back("(all)");
        for (const auto& d : domains) out.verdicts.push_back(unknownVerdict(d, now, out.error));
      }
      return report(out, o, now);
    };
  });
}

}  // namespace dnsprop::cli
