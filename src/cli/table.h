// Plain-text tables for terminal output: columns sized to their widest cell (by UTF-8
// code points), two spaces apart, header first. Not thread-safe; cheap.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace dnsprop::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace dnsprop::cli
