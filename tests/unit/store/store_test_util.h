// Helpers for the store tests: a raw SQLite connection (to inspect or damage a database
// behind the store's back) and millisecond views of times. Not thread-safe.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/clock.h"

namespace dnsprop::test {

class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) throw std::runtime_error("sqlite3_open_v2 failed");
  }
  // Runs statements; throws with SQLite's message on failure.
  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + msg);
  }
  // The first column of the first row as text ("" when there is no row or it is NULL).
  std::string text(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_.get()));
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    const int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_.get()));
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    return p ? p : "";
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

inline std::int64_t ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
// -1 for nullopt, so optional times compare and print in BOOST_TEST.
inline std::int64_t ms(const std::optional<WallTime>& t) { return t ? ms(*t) : -1; }
inline std::int64_t ttlOr(const std::optional<std::uint32_t>& t) {
  return t ? static_cast<std::int64_t>(*t) : -1;
}
inline WallTime atMs(std::int64_t v) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::milliseconds(v)));
}

}  // namespace dnsprop::test
