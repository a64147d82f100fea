// dnsprop run: the daemon. Wires the Monitor (src/net/monitor.h: rounds, model, store,
// metrics) to the web server and to signals: SIGINT/SIGTERM stop it gracefully; SIGHUP
// reloads the config (a failed reload keeps the running config, logs why with its
// position and sets dnsprop_config_last_reload_successful to 0).
#include <memory>

#include "cli/cli.h"
#include "common/log.h"
#include <nlohmann/json.hpp>

#include "http/metrics.h"
#include "http/status_json.h"
#include "http/status_page.h"
#include "http/web_config.h"
#include "http/web_server.h"
#include "net/monitor.h"
#include "net/uv_handle.h"

namespace dnsprop::cli {
namespace {

class Daemon {
 public:
  Daemon(const GlobalOptions& g, std::vector<std::string> listen_override,
         std::string web_config_override)
      : g_(g),
        listen_override_(std::move(listen_override)),
        web_config_override_(std::move(web_config_override)) {}

  int run() {
    // Start-up: exceptions end the process with a message (cli::main catches them).
    Config config = loadSelectedConfig(g_);
    metrics_ = std::make_unique<CoreMetrics>(config.monitor.vantage);
    const auto listen = listen_override_.empty() ? config.web.listen : listen_override_;
    WebConfig web_config = loadWebConfigFor(config);  // throws WebConfigError
    monitor_ = std::make_unique<Monitor>(loop_.get(), clock_, std::move(config), metrics_->registry());
    metrics_->setReloadResult(true, clock_.wall());
    web_ = std::make_unique<WebServer>(listen, *metrics_, std::move(web_config));
    web_->addTextSource(monitor_->metricsText());
    // /status (the page) and /status.json (the last published snapshot; read on
    // civetweb's threads: the snapshot is immutable, Monitor::snapshot() is thread-safe).
    registerStatusPage(*web_, [m = monitor_.get()] {
      const auto snap = m->snapshot();
      return snap ? statusJson(*snap).dump() : std::string();  // empty: 503 until the first round
    });
    publishLanding();
    log::info("dnsprop started",
              {{"listen", join(listen)},
               {"migrations", std::to_string(monitor_->config().migrations.size())},
               {"vantage", monitor_->config().monitor.vantage}});
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      auto* h = uv::allocHandle<uv_signal_t>();
      uv_signal_init(loop_.get(), h);
      h->data = this;
      uv_signal_start(
          h,
          [](uv_signal_t* s, int signum) {
            if (auto* self = static_cast<Daemon*>(s->data)) self->onSignal(signum);
          },
          sig);
      signals_.emplace_back(h);
    }
    monitor_->start();
    web_->setReady(true);
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    log::info("dnsprop stopped");
    return kExitOk;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  }

  // --web.config.file wins over [web] config_file; neither: plain HTTP, no auth.
  WebConfig loadWebConfigFor(const Config& config) const {
    if (!web_config_override_.empty()) return loadWebConfig(web_config_override_);
    if (config.web.web_config_file) return loadWebConfig(*config.web.web_config_file);
    return {};
  }

  void publishLanding() {
    std::vector<std::string> domains;
    for (const auto& m : landing_config_ ? landing_config_->migrations : monitor_->config().migrations) {
      domains.push_back(m.domain);
    }
    web_->setLandingInfo(domains);
  }

  void onSignal(int signum) {
    if (signum == SIGHUP) return reload();
    log::info("shutting down", {{"signal", std::to_string(signum)}});
    web_->setReady(false);
    monitor_->stop();
    signals_.clear();  // with every handle closed, uv_run returns
  }

  // Never throws into libuv: a bad config is reported and the running one kept.
  void reload() {
    try {
      Config next = loadSelectedConfig(g_);
      // Users and headers apply at once; a changed tls_server_config throws here, before
      // anything has changed (TLS needs a restart).
      web_->reloadWebConfig(loadWebConfigFor(next));
      auto landing = std::make_unique<Config>(next);
      monitor_->applyConfig(std::move(next));  // may throw: then nothing changes
      landing_config_ = std::move(landing);
      metrics_->setReloadResult(true, clock_.wall());
      publishLanding();
      log::info("config reloaded; it applies from the next round");
    } catch (const std::exception& e) {
      metrics_->setReloadResult(false, clock_.wall());
      log::error("config reload failed, keeping the running config", {{"err", e.what()}});
    }
  }

  const GlobalOptions& g_;
  std::vector<std::string> listen_override_;
  std::string web_config_override_;
  uv::Loop loop_;
  SystemClock clock_;
  std::unique_ptr<CoreMetrics> metrics_;  // made once the config names the vantage
  std::unique_ptr<Config> landing_config_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<WebServer> web_;
  std::vector<uv::UvPtr<uv_signal_t>> signals_;
};

}  // namespace

void addRunCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto listen = std::make_shared<std::vector<std::string>>();
  auto web_config_file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("run", "Run the monitor: probe on the configured interval, keep "
                                        "state in monitor.state_dir and serve the landing page, "
                                        "/metrics and health endpoints");
  cmd->add_option("--web.listen-address", *listen,
                  "Address to serve on, overriding web.listen (repeatable): :PORT, HOST:PORT");
  cmd->add_option("--web.config.file", *web_config_file,
                  "Web config (exporter-toolkit YAML: TLS, basic auth, headers; docs/WEB.md), "
                  "overriding web.config_file");
  cmd->callback([&action, &g, listen, web_config_file] {
    action = [&g, listen, web_config_file] {
      Daemon d(g, *listen, *web_config_file);
      return d.run();
    };
  });
}

}  // namespace dnsprop::cli
