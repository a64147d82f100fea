// dnsprop run: the daemon. Wires the Monitor (src/net/monitor.h: rounds, model, store,
// metrics) to the web server and to signals: SIGINT/SIGTERM stop it gracefully; SIGHUP
// reloads the config (a failed reload keeps the running config, logs why with its
// position and sets dnsprop_config_last_reload_successful to 0). POST /-/reload does the
// same when [web] enable_lifecycle is set, and answers once the reload is done.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "cli/cli.h"
#include "common/log.h"
#include <nlohmann/json.hpp>

#include "http/listen_address.h"
#include "http/metrics.h"
#include "http/runbook_page.h"
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
    listen_ = listen;
    web_->addTextSource(monitor_->metricsText());
    registerRunbookPage(*web_);
    publishExternalUrl(monitor_->config());
    installReloadEndpoint(monitor_->config().web.enable_lifecycle);
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

  // dnsprop_web_info: [web] external_url, else the first listen address (see
  // defaultExternalUrl()).
  void publishExternalUrl(const Config& config) {
    std::string url = config.web.external_url;
    if (url.empty()) {
      char host[256] = {};
      if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
      const auto ports = web_->ports();
      url = defaultExternalUrl(listen_.front(), ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front()),
                               web_->tls(), host);
    }
    metrics_->setExternalUrl(url);
  }

  // POST /-/reload (as Prometheus' --web.enable-lifecycle): the HTTP thread asks the loop
  // (uv_async_send is the one thread-safe libuv call) and waits for that reload, or a
  // later one, to finish: 200 when it applied, 500 with the reason when it did not, 403
  // while [web] enable_lifecycle is false (it is re-read on every reload).
  void installReloadEndpoint(bool enabled) {
    {
      std::lock_guard lock(reload_mutex_);
      lifecycle_ = enabled;
    }
    auto* h = uv::allocHandle<uv_async_t>();
    uv_async_init(loop_.get(), h, [](uv_async_t* a) {
      if (auto* self = static_cast<Daemon*>(a->data)) self->reloadRequested();
    });
    h->data = this;
    reload_async_.reset(h);
    web_->handle("/-/reload", {"POST", "PUT"}, [this](const WebServer::Request&) {
      WebServer::Response r;
      std::unique_lock lock(reload_mutex_);
      if (!lifecycle_) {
        r.status = 403;
        r.body = "Lifecycle API is not enabled ([web] enable_lifecycle).\n";
        return r;
      }
      const std::uint64_t mine = ++reload_requested_;
      if (!reload_async_ || uv_async_send(reload_async_.get()) != 0) {
        r.status = 503;
        r.body = "dnsprop is shutting down.\n";
        return r;
      }
      if (!reload_done_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return reload_done_ >= mine; })) {
        r.status = 503;
        r.body = "The reload did not finish within 30 s.\n";
        return r;
      }
      r.status = reload_error_.empty() ? 200 : 500;
      r.body = reload_error_.empty() ? "Reloaded.\n" : "Reload failed, the running config is kept: " + reload_error_ + "\n";
      return r;
    });
  }

  // On the loop: every request up to now is answered by this one reload.
  void reloadRequested() {
    std::uint64_t upto = 0;
    {
      std::lock_guard lock(reload_mutex_);
      upto = reload_requested_;
    }
    const std::string error = reload();
    {
      std::lock_guard lock(reload_mutex_);
      reload_done_ = std::max(reload_done_, upto);
      reload_error_ = error;
    }
    reload_done_cv_.notify_all();
  }

  void publishLanding() {
    std::vector<std::string> domains;
    for (const auto& m : landing_config_ ? landing_config_->migrations : monitor_->config().migrations) {
      domains.push_back(m.domain);
    }
    web_->setLandingInfo(domains);
  }

  void onSignal(int signum) {
    if (signum == SIGHUP) {
      reload();
      return;
    }
    log::info("shutting down", {{"signal", std::to_string(signum)}});
    web_->setReady(false);
    monitor_->stop();
    {
      std::lock_guard lock(reload_mutex_);
      reload_async_.reset();  // a POST /-/reload from now on gets 503
      reload_done_ = reload_requested_;  // and one waiting now is answered
      reload_error_ = "dnsprop is shutting down";
    }
    reload_done_cv_.notify_all();
    signals_.clear();  // with every handle closed, uv_run returns
  }

  // Never throws into libuv: a bad config is reported and the running one kept. Returns
  // the error ("" when the new config applies).
  std::string reload() {
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
      publishExternalUrl(*landing_config_);
      {
        std::lock_guard lock(reload_mutex_);
        lifecycle_ = landing_config_->web.enable_lifecycle;
      }
      log::info("config reloaded; it applies from the next round");
      return "";
    } catch (const std::exception& e) {
      metrics_->setReloadResult(false, clock_.wall());
      log::error("config reload failed, keeping the running config", {{"err", e.what()}});
      return e.what();
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
  // POST /-/reload: requests counted by the HTTP threads, done by the loop. Declared
  // before web_ so that they outlive the server's handler threads.
  std::mutex reload_mutex_;
  std::condition_variable reload_done_cv_;
  bool lifecycle_ = false;                 // guarded by reload_mutex_
  std::uint64_t reload_requested_ = 0;     // guarded by reload_mutex_
  std::uint64_t reload_done_ = 0;          // guarded by reload_mutex_
  std::string reload_error_;               // guarded by reload_mutex_
  uv::UvPtr<uv_async_t> reload_async_;     // guarded by reload_mutex_ (reset on shutdown)
  std::unique_ptr<WebServer> web_;
  std::vector<std::string> listen_;
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
