#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>

namespace dnsprop::cli {
namespace {

void writeAll(const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // ignored: progress is a courtesy
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

Progress::Progress(std::size_t total, std::string label)
    : Progress(total, std::move(label), ::isatty(STDERR_FILENO) == 1) {}

Progress::Progress(std::size_t total, std::string label, bool force_enabled)
    : total_(total), label_(std::move(label)), enabled_(force_enabled) {}

Progress::~Progress() { finish(); }

void Progress::tick(std::size_t steps) {
  done_ += steps;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last = total_ > 0 && done_ >= total_;
  if (!last && drawn_width_ > 0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw();
}

void Progress::draw() {
  std::string line = " " + label_ + " " + std::to_string(done_);
  if (total_ > 0) line += "/" + std::to_string(total_);
  std::string out = "\r" + line;
  if (line.size() < drawn_width_) out.append(drawn_width_ - line.size(), ' ');
  drawn_width_ = std::max(drawn_width_, line.size());
  writeAll(out);
}

void Progress::finish() {
  if (!enabled_) return;
  enabled_ = false;
  if (drawn_width_ > 0) writeAll("\r" + std::string(drawn_width_, ' ') + "\r");
}

}  // namespace dnsprop::cli
