#include "cli/one_round.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <prometheus/registry.h>

#include "common/clock.h"
#include "net/monitor.h"
#include "net/uv_handle.h"

namespace dnsprop::cli {

std::shared_ptr<const MonitorSnapshot> runOneRound(Config config, Duration server_timeout) {
  char tmpl[] = "/tmp/dnsprop-round-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) throw std::runtime_error("cannot create a temporary state directory");
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{dir};
  config.monitor.state_dir = dir;
  config.monitor.interval = std::chrono::seconds(2);  // spread the round's probes over 1 s
  config.monitor.server_timeout = server_timeout;
  uv::Loop loop;
  SystemClock clock;
  auto registry = std::make_shared<prometheus::Registry>();
  auto monitor = std::make_unique<Monitor>(loop.get(), clock, config, registry);
  uv::UvPtr<uv_timer_t> poll(uv::allocHandle<uv_timer_t>());
  uv_timer_init(loop.get(), poll.get());
  struct Ctx {
    Monitor* monitor;
    uv_loop_t* loop;
  } ctx{monitor.get(), loop.get()};
  poll->data = &ctx;
  uv_timer_start(
      poll.get(),
      [](uv_timer_t* t) {
        auto* c = static_cast<Ctx*>(t->data);
        if (c->monitor->roundsCompleted() >= 1) {
          c->monitor->stop();
          uv_timer_stop(t);
          uv_stop(c->loop);
        }
      },
      50, 50);
  monitor->start();
  uv_run(loop.get(), UV_RUN_DEFAULT);
  auto snap = monitor->snapshot();
  monitor.reset();
  return snap;
}

}  // namespace dnsprop::cli
