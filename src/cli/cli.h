// Command-line entry point and the pieces subcommands share.
// Each subcommand lives in its own file (cmd_<name>.cc) and registers itself with
// add<Name>Command(); main() parses, then runs the one selected action. Exceptions
// from actions are caught here and turned into a message and exit status.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "config/config.h"

namespace dnsprop::cli {

// Exit statuses common to all subcommands (check uses the monitoring-plugin codes).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 64;  // EX_USAGE

struct GlobalOptions {
  std::string config_file;            // --config.file; empty = default search
  bool config_check = false;          // --config.check
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::vector<std::string> web_listen;  // --web.listen-address overrides
};

// The selected subcommand's work; returns the process exit status.
using Action = std::function<int()>;

// The default config path: $DNSPROP_CONFIG, else /etc/dnsprop/dnsprop.toml, else
// config/dnsprop.toml under the current directory.
std::string defaultConfigPath();
// Loads the config named by the global options (throws ConfigError).
Config loadSelectedConfig(const GlobalOptions& g);

void addRunCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addSurveyCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addCheckCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addStatusCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addHistoryCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addResolversCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addInitCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addPreflightCommand(CLI::App& app, GlobalOptions& g, Action& action);
void addVersionCommand(CLI::App& app, GlobalOptions& g, Action& action);

int main(int argc, char** argv);

}  // namespace dnsprop::cli
