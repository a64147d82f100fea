// dnsprop history: how a migration got where it is, in the terminal (readable over SSH):
// per resolver a one-line timeline over the --since window, one character per time bucket,
// then the share of resolvers answering NEW after each round as a sparkline, and (with
// --transitions, or when --resolver narrows it down) every change of class with its time
// and TTL. Reads the state database the monitor writes (docs/CLI.md).
// Exit 0; 3 when there is no data (no database, or no stored target in the window's
// migrations); 64 for a malformed option.
#include <iostream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/store_view.h"
#include "common/duration.h"
#include "common/time_format.h"

namespace dnsprop::cli {
namespace {

constexpr int kExitNoData = 3;

struct HistoryOptions {
  std::vector<std::string> domains;
  std::vector<std::string> resolvers;
  std::string since = "7d";
  std::string state_dir;
  std::string output = "text";
  int width = 60;
  bool transitions = false;
};

struct Segment {
  WallTime from{};
  WallTime to{};
  AnswerClass cls = AnswerClass::Error;
};

// The classes a target held over [w0, w1], from its state and its transitions since w0.
// Outside [first_seen, last_seen + slack] nothing is known.
std::vector<Segment> segmentsOf(const TargetState& st, const std::vector<Transition>& trans, WallTime w0,
                                WallTime w1, Duration slack) {
  std::vector<Segment> out;
  if (!st.has_samples) return out;
  const WallTime start = std::max(w0, st.first_seen);
  const WallTime end = std::min(w1, st.last_seen + slack);
  if (end <= start) return out;
  AnswerClass cur = trans.empty() ? st.current : trans.front().from;
  WallTime t = start;
  for (const auto& tr : trans) {
    if (tr.at > t) out.push_back({t, std::min(tr.at, end), cur});
    cur = tr.to;
    t = std::max(t, tr.at);
    if (t >= end) break;
  }
  if (t < end) out.push_back({t, end, cur});
  return out;
}

// One character for the classes seen in a bucket (all of a resolver's targets).
char bucketChar(const std::set<AnswerClass>& seen) {
  if (seen.empty()) return '-';
  const bool has_new = seen.count(AnswerClass::New) > 0;
  const bool has_old = seen.count(AnswerClass::Old) > 0;
  if (seen.count(AnswerClass::Mixed) > 0 || (has_new && has_old)) return 'M';
  if (has_old) return 'O';
  if (has_new) return 'N';
  if (seen.count(AnswerClass::Stale) > 0) return 'S';
  if (seen.count(AnswerClass::Negative) > 0) return 'X';
  return '?';  // other or error only
}

const char* charColour(char c) {
  switch (c) {
    case 'N': return colourOf(AnswerClass::New);
    case 'O': return colourOf(AnswerClass::Old);
    case 'M': return colourOf(AnswerClass::Mixed);
    case 'S': return colourOf(AnswerClass::Stale);
    case 'X': return colourOf(AnswerClass::Negative);
    case '?': return colourOf(AnswerClass::Error);
    default: return "";
  }
}

std::string paintBar(const std::string& bar, bool colour) {
  if (!colour) return bar;
  std::string out;
  for (char c : bar) out += paint(std::string(1, c), charColour(c), true);
  return out;
}

// The ratio history as one character per bucket (mean of the points in it; ' ' for none).
// The share is a step function: a round's value holds until the next round, for at most
// `hold` (three intervals, the verdict's gap rule), so a bucket that falls between two rounds
// is not shown as "no data". A bucket with rounds shows their mean.
std::string sparkline(const std::vector<std::pair<WallTime, double>>& points, WallTime w0, WallTime w1,
                      int width, bool utf8, Duration hold) {
  static const char* const kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char kAscii[] = "_.-:=+*#";
  std::vector<double> sum(static_cast<std::size_t>(width), 0.0);
  std::vector<int> n(static_cast<std::size_t>(width), 0);
  const auto span = w1 - w0;
  for (const auto& [t, ratio] : points) {
    if (t < w0 || t > w1 || span <= Duration::zero()) continue;
    auto i = static_cast<std::size_t>((t - w0) * width / span);
    if (i >= sum.size()) i = sum.size() - 1;
    sum[i] += ratio;
    ++n[i];
  }
  // The last round at or before a bucket's start, for the buckets without a round of their own.
  std::size_t next = 0;
  std::optional<std::pair<WallTime, double>> held;
  std::string out;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    const WallTime start = w0 + std::chrono::duration_cast<Duration>(span * static_cast<std::int64_t>(i) / width);
    while (next < points.size() && points[next].first <= start) held = points[next++];
    double r = 0.0;
    if (n[i] != 0) {
      r = sum[i] / n[i];
    } else if (held && held->first >= w0 && start - held->first <= hold) {
      r = held->second;
    } else {
      out += ' ';
      continue;
    }
    r = std::clamp(r, 0.0, 1.0);
    const auto level = std::min<std::size_t>(7, static_cast<std::size_t>(r * 8.0));
    if (utf8) {
      out += kBlocks[level];
    } else {
      out += kAscii[level];
    }
  }
  return out;
}

std::string ttlText(const std::optional<std::uint32_t>& ttl) {
  return ttl ? "ttl " + std::to_string(*ttl) : "ttl -";
}

int runHistory(const GlobalOptions& g, const HistoryOptions& o) {
  const WallTime now = std::chrono::system_clock::now();
  const auto since = parseDuration(o.since);
  if (!since || *since <= Duration::zero()) {
    std::cerr << "dnsprop history: --since: \"" << o.since << "\" is not a positive duration (e.g. 7d, 12h)\n";
    return kExitUsage;
  }
  std::optional<Config> config;
  const auto dir = selectStateDir(g, o.state_dir, config);
  StoreView view = openStoreView(dir);
  if (!view.error.empty()) {
    std::cerr << "dnsprop history: " << view.error << "\n";
    return kExitNoData;
  }
  const WallTime w0 = now - *since;
  const WallTime w1 = now;
  const int width = o.width;
  const auto bucket = (w1 - w0) / width;
  const bool colour = o.output == "text" && useColour();
  const bool list_transitions = o.transitions || !o.resolvers.empty();
  const auto domains = selectDomains(o.domains, config, view);
  bool any_data = false;
  nlohmann::json migrations = nlohmann::json::array();

  for (const auto& domain : domains) {
    std::optional<RoundRecord> record;
    try {
      record = loadRoundRecord(*view.store, domain);
    } catch (const std::exception&) {
      record.reset();  // the timeline needs only the targets
    }
    const Duration slack = record ? record->interval : Duration(std::chrono::minutes(1));
    const auto watch = watchedTargets(record, view.model, domain);
    auto resolvers = resolverNames(record, view.model, domain);
    if (!o.resolvers.empty()) {
      std::erase_if(resolvers, [&](const std::string& r) {
        return std::find(o.resolvers.begin(), o.resolvers.end(), r) == o.resolvers.end();
      });
    }
    struct Line {
      std::string resolver;
      std::string bar;
      std::vector<std::pair<TargetKey, Transition>> transitions;
    };
    std::vector<Line> lines;
    for (const auto& r : resolvers) {
      Line line{r, std::string(static_cast<std::size_t>(width), '-'), {}};
      std::vector<std::set<AnswerClass>> seen(static_cast<std::size_t>(width));
      for (const auto& [name, type] : watch) {
        const TargetKey key{domain, name, type, r};
        const TargetState* st = view.model.find(key);
        if (st == nullptr) continue;
        const auto trans = view.store->transitions(key, w0);
        for (const auto& tr : trans) line.transitions.emplace_back(key, tr);
        for (const auto& seg : segmentsOf(*st, trans, w0, w1, slack)) {
          any_data = true;
          auto first = static_cast<std::size_t>((seg.from - w0) / bucket);
          // The bucket holding the segment's last instant (its end is exclusive).
          auto last = static_cast<std::size_t>((seg.to - w0 - std::chrono::nanoseconds(1)) / bucket);
          last = std::min(last, seen.size() - 1);
          for (auto i = first; i <= last && i < seen.size(); ++i) seen[i].insert(seg.cls);
        }
      }
      for (std::size_t i = 0; i < seen.size(); ++i) line.bar[i] = bucketChar(seen[i]);
      std::stable_sort(line.transitions.begin(), line.transitions.end(),
                       [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      lines.push_back(std::move(line));
    }
    const auto ratio = loadRatioHistory(*view.store, domain);

    if (o.output == "json") {
      nlohmann::json jr = nlohmann::json::array();
      for (const auto& l : lines) {
        nlohmann::json jt = nlohmann::json::array();
        for (const auto& [key, tr] : l.transitions) {
          jt.push_back({{"at", formatRfc3339(tr.at)},
                        {"name", key.name},
                        {"type", std::string(toString(key.type))},
                        {"from", std::string(toString(tr.from))},
                        {"to", std::string(toString(tr.to))},
                        {"ttl", tr.ttl ? nlohmann::json(*tr.ttl) : nlohmann::json()},
                        {"nsid", tr.nsid}});
        }
        jr.push_back({{"name", l.resolver}, {"timeline", l.bar}, {"transitions", std::move(jt)}});
      }
      nlohmann::json jh = nlohmann::json::array();
      for (const auto& [t, r] : ratio) {
        if (t >= w0) jh.push_back({formatRfc3339(t), r});
      }
      migrations.push_back({{"domain", domain}, {"resolvers", std::move(jr)}, {"new_ratio", std::move(jh)}});
      continue;
    }

    std::cout << domain << "  " << formatRfc3339(w0) << " .. " << formatRfc3339(w1) << "  (" << width
              << " buckets of " << formatDuration(std::chrono::duration_cast<Duration>(bucket)) << ")\n";
    if (lines.empty()) {
      std::cout << "(no resolvers stored)\n\n";
      continue;
    }
    const std::string label = "NEW share";
    std::size_t name_width = label.size();
    for (const auto& l : lines) name_width = std::max(name_width, l.resolver.size());
    for (const auto& l : lines) {
      std::cout << l.resolver << std::string(name_width - l.resolver.size() + 2, ' ') << "|"
                << paintBar(l.bar, colour) << "|\n";
    }
    std::cout << label << std::string(name_width - label.size() + 2, ' ') << "|"
              << sparkline(ratio, w0, w1, width, utf8Locale(), 3 * slack) << "|";
    if (!ratio.empty()) {
      std::cout << " now " << static_cast<int>(ratio.back().second * 100.0 + 0.5) << "%";
    }
    std::cout << "\n";
    std::cout << "legend: N new  O old  M mixed  S stale  X negative  ? error/other  - no data"
              << " (a bucket shows the worst class any watched name had in it)\n";
    if (list_transitions) {
      std::cout << "transitions:\n";
      bool none = true;
      for (const auto& l : lines) {
        for (const auto& [key, tr] : l.transitions) {
          none = false;
          std::cout << "  " << formatRfc3339(tr.at) << "  " << l.resolver << "  " << shortName(key.name, domain) << " "
                    << toString(key.type) << "  " << paint(upper(tr.from), colourOf(tr.from), colour) << " -> "
                    << paint(upper(tr.to), colourOf(tr.to), colour) << "  " << ttlText(tr.ttl);
          if (!tr.nsid.empty()) std::cout << "  nsid " << tr.nsid;
          std::cout << "\n";
        }
      }
      if (none) std::cout << "  (none in the window)\n";
    }
    std::cout << "\n";
  }

  if (o.output == "json") {
    nlohmann::json doc{{"generated_at", formatRfc3339(now)},
                       {"since", formatRfc3339(w0)},
                       {"until", formatRfc3339(w1)},
                       {"buckets", width},
                       {"bucket_seconds", std::chrono::duration<double>(bucket).count()},
                       {"source", view.db.string()},
                       {"migrations", std::move(migrations)}};
    std::cout << doc.dump(2) << "\n";
  } else {
    std::cout << "source: " << view.db.string() << "\n";
  }
  return any_data ? kExitOk : kExitNoData;
}

}  // namespace

void addHistoryCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto opts = std::make_shared<HistoryOptions>();
  auto* cmd = app.add_subcommand(
      "history",
      "The transition history of each migration: a per-resolver timeline over the window, the NEW share "
      "as a sparkline, and the changes of class with times and TTLs (exit 0; 3 when there is no data)");
  cmd->add_option("--domain", opts->domains, "Migration(s) to show (default: every migration in the config)");
  cmd->add_option("--since", opts->since, "Window ending now (default 7d)");
  cmd->add_option("--resolver", opts->resolvers, "Only these resolvers (also lists their transitions)");
  cmd->add_option("--width", opts->width, "Buckets in a timeline (default 60)")->check(CLI::Range(10, 500));
  cmd->add_flag("--transitions", opts->transitions, "List every transition in the window");
  cmd->add_option("--state-dir", opts->state_dir, "State directory to read (default: monitor.state_dir)");
  cmd->add_option("--output,-o", opts->output, "Output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&g, &action, opts] { action = [&g, opts] { return runHistory(g, *opts); }; });
}

}  // namespace dnsprop::cli
