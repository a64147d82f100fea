// A private temporary directory for one test or one server launched by a test.
// Created with mkdtemp under $TMPDIR (or /tmp); removed with everything in it when the
// object is destroyed, unless the environment sets DNSPROP_KEEP_TEMP=1 (then its path
// is printed to stderr so a failed run can be inspected).
// Not thread-safe; movable, not copyable. The constructor throws std::system_error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace dnsprop::test {

class TempDir {
 public:
  // `prefix` becomes the start of the directory name ("dnsprop-nsd-XXXXXX").
  explicit TempDir(std::string_view prefix = "dnsprop");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / relative.
  std::filesystem::path operator/(const std::filesystem::path& relative) const {
    return path_ / relative;
  }
  // Writes (replaces) a file below the directory, creating parent folders; returns its
  // absolute path. Throws std::runtime_error when the file cannot be written.
  std::filesystem::path writeFile(const std::filesystem::path& relative,
                                  std::string_view contents) const;
  // Reads a file below the directory; empty if it does not exist.
  std::string readFile(const std::filesystem::path& relative) const;

 private:
  void remove() noexcept;

  std::filesystem::path path_;
};

}  // namespace dnsprop::test
