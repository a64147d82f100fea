#include "config/config_loader.h"

namespace dnsprop {

ConfigError::ConfigError(std::string file, int line, int column, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(std::move(message)) {}

// TODO(config helper): real implementation.
Config parseConfig(std::string_view, const std::filesystem::path& source_name) {
  Config c;
  c.source = source_name;
  return c;
}

Config loadConfig(const std::filesystem::path& file) { return parseConfig("", file); }

}  // namespace dnsprop
