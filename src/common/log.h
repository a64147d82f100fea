// Structured logging to stderr: logfmt by default, JSON lines on request.
//   log::info("probe round done", {{"domain", d}, {"resolvers", std::to_string(n)}});
// Thread-safe (one spdlog sink with its own mutex). Never throws: a failure to
// format or write a log line is swallowed, so logging is safe inside libuv callbacks.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace dnsprop::log {

enum class Level { Debug, Info, Warn, Error };
enum class Format { Logfmt, Json };

std::optional<Level> parseLevel(std::string_view text);    // debug|info|warn|error
std::optional<Format> parseFormat(std::string_view text);  // logfmt|json

// Call once at start-up (and again on reload if the level changes).
void configure(Level level, Format format);

using Field = std::pair<std::string_view, std::string>;
using Fields = std::initializer_list<Field>;

void write(Level level, std::string_view msg, Fields fields);
inline void debug(std::string_view msg, Fields f = {}) { write(Level::Debug, msg, f); }
inline void info(std::string_view msg, Fields f = {}) { write(Level::Info, msg, f); }
inline void warn(std::string_view msg, Fields f = {}) { write(Level::Warn, msg, f); }
inline void error(std::string_view msg, Fields f = {}) { write(Level::Error, msg, f); }
bool enabled(Level level);

// Exposed for tests: the line `write` would emit (without the trailing newline),
// with a fixed timestamp.
std::string render(Format format, std::string_view ts, Level level, std::string_view msg,
                   Fields fields);

}  // namespace dnsprop::log
