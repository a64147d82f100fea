// A one-line progress counter for long terminal operations (a survey of many resolvers):
// "\r probing 120/600" rewritten in place on stderr, only when stderr is a terminal, so
// piped or redirected output stays silent and scripts never see it. The line is cleared
// by finish() (or the destructor), leaving the terminal as it was.
//
// Owned by the caller; not thread-safe (call from one thread, e.g. the libuv loop).
// Never throws (write errors are ignored).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace dnsprop::cli {

class Progress {
 public:
  // `total` steps (0: unknown, shown as "120"), described by `label`. Shown iff fd 2 is a
  // TTY; `force_enabled` overrides the check (tests).
  Progress(std::size_t total, std::string label);
  Progress(std::size_t total, std::string label, bool force_enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One more step done (redraws at most every 100 ms, and always on the last step).
  void tick(std::size_t steps = 1);
  // Erases the line; later ticks print nothing.
  void finish();
  bool enabled() const { return enabled_; }
  std::size_t done() const { return done_; }

 private:
  void draw();
  std::size_t total_;
  std::string label_;
  bool enabled_;
  std::size_t done_ = 0;
  std::size_t drawn_width_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace dnsprop::cli
