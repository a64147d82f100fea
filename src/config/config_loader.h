// TOML -> validated Config. The only place config files are read.
// Throws ConfigError (never anything else) on any problem; the error carries the
// position of the offending key or value so users see `file:line:column: message`.
// Thread-safe (no shared state); call at start-up and on reload.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/positioned_error.h"
#include "config/config.h"

namespace dnsprop {

class ConfigError : public PositionedError {
 public:
  using PositionedError::PositionedError;
};

// Reads and validates a config file. Relative paths inside it (resolvers.catalogs,
// monitor.state_dir, web.config_file) are resolved against the file's folder (made
// absolute from the working directory if the file's path is relative). Catalogs are only
// stored as paths: they are not opened here.
Config loadConfig(const std::filesystem::path& file);

// Same, from text; `source_name` is used in error messages and as the base for
// relative paths.
Config parseConfig(std::string_view text, const std::filesystem::path& source_name);

}  // namespace dnsprop
