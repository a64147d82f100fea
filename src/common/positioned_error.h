// An error in a file the user wrote (config, resolver catalog), with where it is, so
// messages read `file:line:column: message` and editors can jump to it.
// Thrown at start-up and reload only; value type.
#pragma once

#include <stdexcept>
#include <string>

namespace dnsprop {

class PositionedError : public std::runtime_error {
 public:
  // line/column are 1-based; 0 when the error concerns the whole file (e.g. unreadable).
  PositionedError(std::string file, int line, int column, std::string message)
      : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": " + message),
        file_(std::move(file)),
        line_(line),
        column_(column),
        message_(std::move(message)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

}  // namespace dnsprop
