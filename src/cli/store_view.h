// Read-side access to a monitor's state database for the terminal commands (`check`,
// `status`, `history`): opens the store of a state directory read-only
// (StateStore::openReadOnly: never creates, migrates or changes it; read access is
// enough; the daemon keeps writing: WAL readers never block it), rebuilds the propagation
// model from the stored targets, and reads the per-migration facts the monitor writes
// every round ("round/<domain>", "history/<domain>"; src/net/monitor.cc).
//
// Also the small terminal helpers these commands share: whether to colour (stdout is a
// TTY and NO_COLOR is unset), whether the terminal is UTF-8, compact ages.
//
// Value types; a StoreView owns its store connection. Not thread-safe. Functions throw
// only where they say so.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "common/clock.h"
#include "model/state.h"
#include "model/target_state.h"
#include "store/state_store.h"
#include "verdict/verdict.h"

namespace dnsprop::cli {

struct StoreView {
  std::filesystem::path db;            // <state dir>/dnsprop.db
  std::unique_ptr<StateStore> store;   // null when `error` is set
  PropagationModel model;              // every stored target, restored
  std::string error;                   // set: no data (missing or unreadable database)
};

// Opens <state_dir>/dnsprop.db. A missing file is an error (it is never created here),
// as is one the store refuses. Never throws except std::bad_alloc.
StoreView openStoreView(const std::filesystem::path& state_dir);

// The state directory a command reads: `state_dir_option` if set, else the selected
// config's monitor.state_dir. `config` is loaded when the option is empty (then a config
// error propagates: ConfigError) and tried otherwise (failure leaves it empty).
std::filesystem::path selectStateDir(const GlobalOptions& g, const std::string& state_dir_option,
                                     std::optional<Config>& config);

// "Example.COM" -> "example.com." (absolute, lower-case).
std::string normaliseDomain(std::string d);

// The migrations to show: `requested` (normalised) if any; else the config's; else every
// domain with stored targets or a stored round.
std::vector<std::string> selectDomains(const std::vector<std::string>& requested,
                                       const std::optional<Config>& config, const StoreView& view);

// The last round recorded for `domain`; nullopt when none. Throws std::invalid_argument
// (or nlohmann::json::exception) when the stored record is unreadable.
std::optional<RoundRecord> loadRoundRecord(const StateStore& store, const std::string& domain);

// The propagation ratio history (share of trusted targets answering NEW after each round,
// oldest first); empty when none or unreadable.
std::vector<std::pair<WallTime, double>> loadRatioHistory(const StateStore& store, const std::string& domain);

// The watched (name, type) pairs and resolver names of a migration: from the round record
// when there is one (plan order), else from the stored targets (sorted).
std::vector<std::pair<std::string, RRType>> watchedTargets(const std::optional<RoundRecord>& record,
                                                           const PropagationModel& model,
                                                           const std::string& domain);
std::vector<std::string> resolverNames(const std::optional<RoundRecord>& record, const PropagationModel& model,
                                       const std::string& domain);

// "www" for www.example.com. under example.com., "@" for the apex, else the name.
std::string shortName(const std::string& name, const std::string& domain);

// Terminal: colour only when stdout is a TTY and NO_COLOR is unset or empty (no-color.org).
bool useColour();
// UTF-8 per LC_ALL, else LC_CTYPE, else LANG (the first one set decides).
bool utf8Locale();
// ANSI SGR wrap (`code` e.g. "32"); returns `text` unchanged when !enabled.
std::string paint(std::string_view text, const char* code, bool enabled);
const char* colourOf(AnswerClass c);
const char* colourOf(VerdictStatus s);
// "NEW", "OLD", "MIXED", ...
std::string upper(AnswerClass c);
// The largest unit only: "45s", "12m", "5h", "3d" (negative: "-" + that).
std::string compactAge(std::chrono::nanoseconds d);

}  // namespace dnsprop::cli
