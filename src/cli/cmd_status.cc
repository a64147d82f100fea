// dnsprop status: the current state of each migration in the terminal, from the state
// database the monitor writes (readable over SSH, no browser): the verdict summary line
// (decide() on the recorded round, exactly as `check` judges it), when the data was taken,
// then one row per resolver and one column per watched (name, type) with the class of the
// last answer and how long it has held ("OLD 2h"), and the resolver's predicted OLD expiry.
// Informational: exit 0 whatever the verdict, 3 when there is no data at all.
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/store_view.h"
#include "cli/table.h"
#include "common/time_format.h"

namespace dnsprop::cli {
namespace {

constexpr int kExitNoData = 3;

struct StatusOptions {
  std::vector<std::string> domains;
  std::string state_dir;
  std::string output = "text";
};

std::string relativeTo(WallTime t, WallTime now) {
  if (t >= now) return "in " + formatRelative(t - now);
  return formatRelative(now - t) + " ago";
}

// The resolver's predicted OLD expiry: the latest over its targets (nullopt: none).
std::optional<WallTime> resolverExpiry(const StoreView& view, const std::string& domain,
                                       const std::vector<std::pair<std::string, RRType>>& watch,
                                       const std::string& resolver, const TruthContext& ctx) {
  std::optional<WallTime> out;
  for (const auto& [name, type] : watch) {
    if (auto e = view.model.oldExpiry({domain, name, type, resolver}, ctx)) {
      if (!out || *e > *out) out = e;
    }
  }
  return out;
}

// Colours the class words of a printed table's data rows (after alignment, so escapes do
// not disturb the column widths).
std::string colourTable(const std::string& text) {
  static const std::regex word(R"(\b(NEW|OLD|MIXED|OTHER|NEGATIVE|STALE|ERROR)(?= \d))");
  std::istringstream in(text);
  std::string line, out;
  bool header = true;
  while (std::getline(in, line)) {
    if (!header) {
      std::string coloured;
      auto begin = std::sregex_iterator(line.begin(), line.end(), word);
      std::size_t pos = 0;
      for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        coloured += line.substr(pos, static_cast<std::size_t>(m.position()) - pos);
        const std::string w = m.str();
        const char* code = "";
        for (auto c : {AnswerClass::New, AnswerClass::Old, AnswerClass::Mixed, AnswerClass::Other,
                       AnswerClass::Negative, AnswerClass::Stale, AnswerClass::Error}) {
          if (upper(c) == w) code = colourOf(c);
        }
        coloured += paint(w, code, true);
        pos = static_cast<std::size_t>(m.position() + m.length());
      }
      line = coloured + line.substr(pos);
    }
    header = false;
    out += line + "\n";
  }
  return out;
}

int runStatus(const GlobalOptions& g, const StatusOptions& o) {
  const WallTime now = std::chrono::system_clock::now();
  std::optional<Config> config;
  const auto dir = selectStateDir(g, o.state_dir, config);
  StoreView view = openStoreView(dir);
  if (!view.error.empty()) {
    std::cerr << "dnsprop status: " << view.error << "\n";
    return kExitNoData;
  }
  const auto domains = selectDomains(o.domains, config, view);
  const bool colour = o.output == "text" && useColour();
  bool any_data = false;
  nlohmann::json migrations = nlohmann::json::array();

  for (const auto& domain : domains) {
    std::optional<RoundRecord> record;
    std::string record_error;
    try {
      record = loadRoundRecord(*view.store, domain);
    } catch (const std::exception& e) {
      record_error = std::string("unreadable round record: ") + e.what();
    }
    Verdict verdict;
    if (record_error.empty()) {
      verdict = decide(now, domain, record, view.model, VerdictSettings{});
    } else {
      verdict.domain = domain;
      verdict.evaluated = now;
      verdict.status = VerdictStatus::Unknown;
      verdict.summary = "UNKNOWN: " + domain + " - " + record_error;
      verdict.earliest_safe.unbounded = true;
    }
    if (record) any_data = true;
    const auto watch = watchedTargets(record, view.model, domain);
    const auto resolvers = resolverNames(record, view.model, domain);
    const TruthContext ctx = record ? record->context : TruthContext{};
    auto excluded = [&](const std::string& r) {
      return record && std::find(record->excluded.begin(), record->excluded.end(), r) != record->excluded.end();
    };

    if (o.output == "json") {
      nlohmann::json jw = nlohmann::json::array();
      for (const auto& [name, type] : watch) jw.push_back({{"name", name}, {"type", std::string(toString(type))}});
      nlohmann::json jr = nlohmann::json::array();
      for (const auto& r : resolvers) {
        nlohmann::json targets = nlohmann::json::array();
        for (const auto& [name, type] : watch) {
          const TargetState* st = view.model.find({domain, name, type, r});
          nlohmann::json t{{"name", name}, {"type", std::string(toString(type))}};
          if (st != nullptr && st->has_samples) {
            t["class"] = std::string(toString(st->current));
            t["since"] = formatRfc3339(st->current_since);
            t["last_seen"] = formatRfc3339(st->last_seen);
          } else {
            t["class"] = nullptr;
            t["since"] = nullptr;
            t["last_seen"] = nullptr;
          }
          const auto e = view.model.oldExpiry({domain, name, type, r}, ctx);
          t["old_expiry"] = e ? nlohmann::json(formatRfc3339(*e)) : nlohmann::json();
          targets.push_back(std::move(t));
        }
        const auto e = resolverExpiry(view, domain, watch, r, ctx);
        jr.push_back({{"name", r},
                      {"excluded", excluded(r)},
                      {"old_expiry", e ? nlohmann::json(formatRfc3339(*e)) : nlohmann::json()},
                      {"targets", std::move(targets)}});
      }
      migrations.push_back({{"domain", domain},
                            {"data_at", record ? nlohmann::json(formatRfc3339(record->at)) : nlohmann::json()},
                            {"round", record ? nlohmann::json(record->round) : nlohmann::json()},
                            {"vantage", record ? nlohmann::json(record->vantage) : nlohmann::json()},
                            {"verdict", toJson(verdict)},
                            {"watch", std::move(jw)},
                            {"resolvers", std::move(jr)}});
      continue;
    }

    std::cout << paint(verdict.summary, colourOf(verdict.status), colour) << "\n";
    if (record) {
      std::cout << "data: round " << record->round << " at " << formatRfc3339(record->at) << " ("
                << compactAge(now - record->at) << " ago)";
      if (!record->vantage.empty()) std::cout << ", vantage " << record->vantage;
      std::cout << "\n";
    } else {
      std::cout << "data: no round recorded for " << domain << "\n";
    }
    if (resolvers.empty() || watch.empty()) {
      std::cout << "(no targets stored)\n\n";
      continue;
    }
    std::vector<std::string> header{"RESOLVER"};
    for (const auto& [name, type] : watch) header.push_back(shortName(name, domain) + " " + std::string(toString(type)));
    header.push_back("OLD EXPIRY");
    Table table(header);
    for (const auto& r : resolvers) {
      std::vector<std::string> row{excluded(r) ? r + " (excluded)" : r};
      for (const auto& [name, type] : watch) {
        const TargetState* st = view.model.find({domain, name, type, r});
        if (st == nullptr || !st->has_samples) {
          row.push_back("-");
        } else {
          row.push_back(upper(st->current) + " " + compactAge(now - st->current_since));
        }
      }
      const auto e = resolverExpiry(view, domain, watch, r, ctx);
      row.push_back(e ? relativeTo(*e, now) : "-");
      table.add(std::move(row));
    }
    std::ostringstream text;
    table.print(text);
    std::cout << (colour ? colourTable(text.str()) : text.str()) << "\n";
  }

  if (o.output == "json") {
    nlohmann::json doc{{"generated_at", formatRfc3339(now)},
                       {"source", view.db.string()},
                       {"migrations", std::move(migrations)}};
    std::cout << doc.dump(2) << "\n";
  } else {
    std::cout << "source: " << view.db.string() << "\n";
  }
  return any_data ? kExitOk : kExitNoData;
}

}  // namespace

void addStatusCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand(
      "status",
      "The current table of each migration: verdict, then per resolver the class and age of the last "
      "answer for every watched name, and the predicted OLD expiry (exit 0; 3 when there is no data)");
  cmd->add_option("--domain", opts->domains, "Migration(s) to show (default: every migration in the config)");
  cmd->add_option("--state-dir", opts->state_dir, "State directory to read (default: monitor.state_dir)");
  cmd->add_option("--output,-o", opts->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&g, &action, opts] { action = [&g, opts] { return runStatus(g, *opts); }; });
}

}  // namespace dnsprop::cli
