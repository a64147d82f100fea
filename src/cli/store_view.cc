#include "cli/store_view.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "common/time_format.h"
#include "config/config_loader.h"

namespace dnsprop::cli {

StoreView openStoreView(const std::filesystem::path& state_dir) {
  StoreView v;
  v.db = state_dir / "dnsprop.db";
  std::error_code ec;
  if (!std::filesystem::exists(v.db, ec)) {
    v.error = "no state database at " + v.db.string() + " (has `dnsprop run` run with this config?)";
    return v;
  }
  try {
    v.store = StateStore::openReadOnly(v.db);
    for (auto& [key, state] : v.store->loadTargets()) v.model.restore(key, std::move(state));
  } catch (const std::exception& e) {
    v.store.reset();
    v.error = std::string("cannot read the state database ") + v.db.string() + ": " + e.what();
  }
  return v;
}

std::filesystem::path selectStateDir(const GlobalOptions& g, const std::string& state_dir_option,
                                     std::optional<Config>& config) {
  if (state_dir_option.empty()) {
    config = loadSelectedConfig(g);
    return config->monitor.state_dir;
  }
  try {
    config = loadSelectedConfig(g);
  } catch (const std::exception&) {
    config.reset();  // --state-dir needs no config
  }
  return state_dir_option;
}

std::string normaliseDomain(std::string d) {
  for (auto& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (d.empty() || d.back() != '.') d += '.';
  return d;
}

std::vector<std::string> selectDomains(const std::vector<std::string>& requested,
                                       const std::optional<Config>& config, const StoreView& view) {
  std::vector<std::string> out;
  for (const auto& d : requested) out.push_back(normaliseDomain(d));
  if (!out.empty()) return out;
  if (config && !config->migrations.empty()) {
    for (const auto& m : config->migrations) out.push_back(m.domain);
    return out;
  }
  std::set<std::string> seen;
  for (const auto& [key, st] : view.model.all()) seen.insert(key.domain);
  return {seen.begin(), seen.end()};
}

std::optional<RoundRecord> loadRoundRecord(const StateStore& store, const std::string& domain) {
  auto fact = store.fact("round/" + domain);
  if (!fact || *fact == "null") return std::nullopt;
  return roundRecordFromJson(nlohmann::json::parse(*fact));
}

std::vector<std::pair<WallTime, double>> loadRatioHistory(const StateStore& store, const std::string& domain) {
  std::vector<std::pair<WallTime, double>> out;
  auto fact = store.fact("history/" + domain);
  if (!fact) return out;
  const auto j = nlohmann::json::parse(*fact, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number()) {
      out.emplace_back(fromUnixMillis(p[0].get<std::int64_t>()), p[1].get<double>());
    }
  }
  return out;
}

std::vector<std::pair<std::string, RRType>> watchedTargets(const std::optional<RoundRecord>& record,
                                                           const PropagationModel& model,
                                                           const std::string& domain) {
  if (record && !record->watch.empty()) return record->watch;
  std::set<std::pair<std::string, RRType>> seen;
  for (const auto& [key, st] : model.all()) {
    if (key.domain == domain) seen.emplace(key.name, key.type);
  }
  return {seen.begin(), seen.end()};
}

std::vector<std::string> resolverNames(const std::optional<RoundRecord>& record, const PropagationModel& model,
                                       const std::string& domain) {
  if (record && !record->resolvers.empty()) return record->resolvers;
  std::set<std::string> seen;
  for (const auto& [key, st] : model.all()) {
    if (key.domain == domain) seen.insert(key.resolver);
  }
  return {seen.begin(), seen.end()};
}

std::string shortName(const std::string& name, const std::string& domain) {
  if (name == domain) return "@";
  if (name.size() > domain.size() + 1 && name.compare(name.size() - domain.size(), domain.size(), domain) == 0 &&
      name[name.size() - domain.size() - 1] == '.') {
    return name.substr(0, name.size() - domain.size() - 1);
  }
  return name;
}

bool useColour() {
  const char* no = std::getenv("NO_COLOR");
  if (no != nullptr && *no != '\0') return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

bool utf8Locale() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0') continue;
    std::string s(v);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
  }
  return false;
}

std::string paint(std::string_view text, const char* code, bool enabled) {
  if (!enabled || code == nullptr || *code == '\0') return std::string(text);
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}

const char* colourOf(AnswerClass c) {
  switch (c) {
    case AnswerClass::New: return "32";       // green
    case AnswerClass::Old: return "31";       // red
    case AnswerClass::Mixed: return "33";     // yellow
    case AnswerClass::Other: return "35";     // magenta
    case AnswerClass::Negative: return "36";  // cyan
    case AnswerClass::Stale: return "33";
    case AnswerClass::Error: return "2";      // dim
  }
  return "";
}

const char* colourOf(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::Safe: return "1;32";
    case VerdictStatus::NotYet: return "1;33";
    case VerdictStatus::Critical: return "1;31";
    case VerdictStatus::Unknown: return "1;35";
  }
  return "";
}

std::string upper(AnswerClass c) {
  std::string s(toString(c));
  for (auto& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

std::string compactAge(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  if (d < nanoseconds::zero()) return "-" + compactAge(-d);
  const auto s = duration_cast<seconds>(d).count();
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

}  // namespace dnsprop::cli
