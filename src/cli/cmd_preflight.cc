// `dnsprop preflight`: is the new side ready for the switch? One round of a monitor of
// its own (cli/one_round.h) judged by verdict/preflight.h: the new authoritative servers
// serve the new data, the new web server serves the site with a valid certificate, the
// new mail server accepts mail for the domain, and the TTLs of what will change. Exit
// codes as `check`: 0 READY, 1 NOT_READY, 2 CRITICAL, 3 UNKNOWN.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/one_round.h"
#include "cli/store_view.h"
#include "common/duration.h"
#include "common/time_format.h"
#include "verdict/preflight.h"

namespace dnsprop::cli {
namespace {

struct PreflightOptions {
  std::vector<std::string> domains;
  std::string output = "text";
  std::string timeout = "10s";
};

int report(const std::vector<Preflight>& all, const PreflightOptions& o) {
  VerdictStatus overall = all.empty() ? VerdictStatus::Unknown : VerdictStatus::Safe;
  for (const auto& p : all) overall = worst(overall, p.status);
  if (o.output == "json") {
    nlohmann::json migrations = nlohmann::json::array();
    for (const auto& p : all) migrations.push_back(toJson(p));
    std::cout << nlohmann::json{{"status", std::string(preflightWord(overall))},
                                {"migrations", std::move(migrations)}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& p : all) std::cout << renderText(p);
  }
  return exitCode(overall);
}

}  // namespace

void addPreflightCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto opts = std::make_shared<PreflightOptions>();
  auto* cmd = app.add_subcommand(
      "preflight",
      "Before the switch: is the new side ready? New name servers serving the new data, the new web "
      "server ([migration.web]), the new mail server ([migration.mail]) and the TTLs to lower. Exit 0 READY, "
      "1 NOT READY, 2 CRITICAL, 3 UNKNOWN");
  cmd->add_option("--domain", opts->domains, "Migration(s) to check (default: every migration in the config)");
  cmd->add_option("--output,-o", opts->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--timeout", opts->timeout, "Time allowed for each web fetch and mail exchange (default 10s)");
  cmd->callback([&g, &action, opts] {
    action = [&g, opts]() -> int {
      const PreflightOptions& o = *opts;
      const WallTime now = std::chrono::system_clock::now();
      const auto timeout = parseDuration(o.timeout);
      if (!timeout || *timeout <= Duration::zero()) {
        std::cerr << "dnsprop preflight: --timeout: \"" << o.timeout << "\" is not a duration (e.g. 10s)\n";
        return exitCode(VerdictStatus::Unknown);
      }
      std::vector<std::string> domains;
      for (const auto& d : o.domains) domains.push_back(normaliseDomain(d));
      std::vector<Preflight> out;
      auto failAll = [&](const std::string& why) {
        if (domains.empty()) domains.push_back("(all)");
        for (const auto& d : domains) out.push_back(unknownPreflight(d, now, why));
        return report(out, o);
      };
      Config config;
      try {
        config = loadSelectedConfig(g);
      } catch (const std::exception& e) {
        return failAll(std::string("configuration: ") + e.what());
      }
      if (domains.empty()) {
        for (const auto& m : config.migrations) domains.push_back(m.domain);
      }
      if (domains.empty()) return failAll("no migration to check (none configured, no --domain)");
      std::erase_if(config.migrations, [&](const Migration& m) {
        return std::find(domains.begin(), domains.end(), m.domain) == domains.end();
      });
      std::shared_ptr<const MonitorSnapshot> snap;
      try {
        snap = runOneRound(std::move(config), *timeout);
      } catch (const std::exception& e) {
        return failAll(e.what());
      }
      const WallTime at = std::chrono::system_clock::now();
      for (const auto& d : domains) {
        auto it = std::find_if(snap->migrations.begin(), snap->migrations.end(),
                               [&](const MigrationSnapshot& m) { return m.domain == d; });
        out.push_back(it == snap->migrations.end() ? unknownPreflight(d, at, "not in the configuration")
                                                   : judgePreflight(it->record, it->truth, at));
      }
      return report(out, o);
    };
  });
}

}  // namespace dnsprop::cli
