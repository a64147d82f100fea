#include "cli/cli.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/log.h"
#include "common/positioned_error.h"
#include "config/config_loader.h"
#include "http/web_config.h"
#include "dnsprop/build_info.h"

namespace dnsprop::cli {

std::string defaultConfigPath() {
  if (const char* env = std::getenv("DNSPROP_CONFIG"); env != nullptr && *env != '\0') return env;
  if (std::filesystem::exists("/etc/dnsprop/dnsprop.toml")) return "/etc/dnsprop/dnsprop.toml";
  return "config/dnsprop.toml";
}

Config loadSelectedConfig(const GlobalOptions& g) {
  const std::string path = g.config_file.empty() ? defaultConfigPath() : g.config_file;
  return loadConfig(path);
}

int main(int argc, char** argv) {
  CLI::App app{"dnsprop: watch a DNS migration propagate and say when the old server may go"};
  app.set_version_flag("--version", std::string(build::kVersion));
  GlobalOptions g;
  Action action;

  app.add_option("--config.file,--config", g.config_file,
                 "Configuration file (default: $DNSPROP_CONFIG, /etc/dnsprop/dnsprop.toml, "
                 "config/dnsprop.toml)");
  app.add_flag("--config.check", g.config_check,
               "Validate the configuration and exit 0 (valid) or 1 (invalid)");
  app.add_option("--log.level", g.log_level, "Log level: debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", g.log_format, "Log format: logfmt or json")
      ->check(CLI::IsMember({"logfmt", "json"}));

  // Global options may also follow the subcommand: `dnsprop run --log.level debug`.
  app.fallthrough();
  addRunCommand(app, g, action);
  addSurveyCommand(app, g, action);
  addCheckCommand(app, g, action);
  addStatusCommand(app, g, action);
  addHistoryCommand(app, g, action);
  addResolversCommand(app, g, action);
  addInitCommand(app, g, action);
  addPreflightCommand(app, g, action);
  addVersionCommand(app, g, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  log::configure(*log::parseLevel(g.log_level), *log::parseFormat(g.log_format));

  try {
    if (g.config_check) {
      const std::string path = g.config_file.empty() ? defaultConfigPath() : g.config_file;
      try {
        Config c = loadConfig(path);
        if (c.web.web_config_file) loadWebConfig(*c.web.web_config_file);
        std::cout << path << ": OK (" << c.migrations.size() << " migration(s))\n";
        return kExitOk;
      } catch (const PositionedError& e) {
        std::cerr << e.what() << "\n";
        return kExitFailure;
      }
    }
    if (!action) {
      std::cerr << app.help();
      return kExitUsage;
    }
    return action();
  } catch (const PositionedError& e) {
    std::cerr << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    log::error("fatal", {{"err", e.what()}});
    return kExitFailure;
  }
}

}  // namespace dnsprop::cli
