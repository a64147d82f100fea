#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

namespace dnsprop::log {
namespace {

std::atomic<Level> g_level{Level::Info};
std::atomic<Format> g_format{Format::Logfmt};

std::shared_ptr<spdlog::logger> sinkLogger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("dnsprop", sink);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

std::string_view levelName(Level level) {
  switch (level) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warn";
    case Level::Error: return "error";
  }
  return "unknown";
}

bool needsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f) {
      return true;
    }
  }
  return false;
}

void appendLogfmtValue(std::string& out, std::string_view v) {
  if (!needsQuotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  out += '"';
}

std::string nowRfc3339() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto secs = time_point_cast<seconds>(now);
  const auto ms = duration_cast<milliseconds>(now - secs).count();
  const std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms));
  return buf;
}

}  // namespace

std::optional<Level> parseLevel(std::string_view text) {
  if (text == "debug") return Level::Debug;
  if (text == "info") return Level::Info;
  if (text == "warn") return Level::Warn;
  if (text == "error") return Level::Error;
  return std::nullopt;
}

std::optional<Format> parseFormat(std::string_view text) {
  if (text == "logfmt") return Format::Logfmt;
  if (text == "json") return Format::Json;
  return std::nullopt;
}

void configure(Level level, Format format) {
  g_level = level;
  g_format = format;
}

bool enabled(Level level) { return static_cast<int>(level) >= static_cast<int>(g_level.load()); }

std::string render(Format format, std::string_view ts, Level level, std::string_view msg,
                   Fields fields) {
  switch (format) {
    case Format::Json: {
      nlohmann::ordered_json j;
      j["ts"] = ts;
      j["level"] = levelName(level);
      j["msg"] = msg;
      for (const auto& [k, v] : fields) j[std::string(k)] = v;
      // Replace invalid UTF-8 rather than throw: log values can come from the network.
      return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    case Format::Logfmt: {
      std::string out;
      out.reserve(64 + msg.size());
      out += "ts=";
      out += ts;
      out += " level=";
      out += levelName(level);
      out += " msg=";
      appendLogfmtValue(out, msg);
      for (const auto& [k, v] : fields) {
        out += ' ';
        out += k;
        out += '=';
        appendLogfmtValue(out, v);
      }
      return out;
    }
  }
  return std::string(msg);
}

void write(Level level, std::string_view msg, Fields fields) {
  if (!enabled(level)) return;
  try {
    sinkLogger()->info(render(g_format.load(), nowRfc3339(), level, msg, fields));
  } catch (...) {
    // Logging must never take the process down or unwind through a callback.
  }
}

}  // namespace dnsprop::log
