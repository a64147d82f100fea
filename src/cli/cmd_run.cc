// dnsprop run: the daemon. Serves the landing page, /metrics and health endpoints, and
// probes every configured resolver for every watched name and type once per interval.
// SIGINT/SIGTERM stop it gracefully; SIGHUP reloads the config (a failed reload keeps
// the running config, logs why and sets dnsprop_config_last_reload_successful to 0).
//
// The propagation model (state, history, predictions) and its metrics come with the
// model issue; until then each round is summarised in the log.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>

#include <prometheus/gauge.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "common/log.h"
#include "config/config_loader.h"
#include "dns/query.h"
#include "http/metrics.h"
#include "http/web_server.h"
#include "model/classify.h"
#include "model/selection.h"
#include "net/probe_engine.h"
#include "net/round_runner.h"
#include "net/uv_handle.h"

namespace dnsprop::cli {
namespace {

// Everything derived from one config: rebuilt on reload, swapped between rounds.
struct Plan {
  Config config;
  std::vector<ResolverInfo> resolvers;
  struct Question {
    const Migration* migration;
    std::string name;
    RRType type;
    std::unique_ptr<dns::QueryTemplate> query;
  };
  std::vector<Question> questions;
};

std::unique_ptr<Plan> buildPlan(Config config) {
  auto plan = std::make_unique<Plan>();
  plan->config = std::move(config);
  plan->resolvers = selectConfiguredResolvers(plan->config.resolvers);
  for (const auto& m : plan->config.migrations) {
    for (const auto& w : m.watch) {
      for (auto t : w.types) {
        plan->questions.push_back(
            {&m, w.name, t, std::make_unique<dns::QueryTemplate>(w.name, dns::toQType(t))});
      }
    }
  }
  return plan;
}

class Daemon {
 public:
  Daemon(const GlobalOptions& g, std::vector<std::string> listen_override)
      : g_(g), listen_override_(std::move(listen_override)) {}

  int run() {
    // Start-up: exceptions here end the process with a message (cli::main catches).
    plan_ = buildPlan(loadSelectedConfig(g_));
    metrics_.setReloadResult(true, clock_.wall());
    last_probe_ = &prometheus::BuildGauge()
                       .Name("dnsprop_last_probe_timestamp_seconds")
                       .Help("When the last probe round finished (Unix time).")
                       .Register(*metrics_.registry())
                       .Add({});
    auto listen = listen_override_.empty() ? plan_->config.web.listen : listen_override_;
    web_ = std::make_unique<WebServer>(listen, metrics_);
    publishLanding();
    log::info("dnsprop started",
              {{"listen", join(listen)}, {"migrations", std::to_string(plan_->config.migrations.size())},
               {"resolvers", std::to_string(plan_->resolvers.size())},
               {"vantage", plan_->config.monitor.vantage}});

    engine_ = std::make_unique<ProbeEngine>(loop_.get(), clock_, engineOptions());
    runner_ = std::make_unique<RoundRunner>(loop_.get(), *engine_);
    round_timer_.reset(uv::allocHandle<uv_timer_t>());
    uv_timer_init(loop_.get(), round_timer_.get());
    round_timer_->data = this;
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
    web_->setReady(true);
    startRound();
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

  EngineOptions engineOptions() const {
    EngineOptions o;
    o.timeout = plan_->config.monitor.timeout;
    o.retries = plan_->config.monitor.retries;
    o.tcp_only = plan_->config.monitor.tcp_only;
    return o;
  }

  void publishLanding() {
    std::vector<std::string> domains;
    for (const auto& m : plan_->config.migrations) domains.push_back(m.domain);
    web_->setLandingInfo(domains);
  }

  void onSignal(int signum) {
    if (signum == SIGHUP) return reload();
    log::info("shutting down", {{"signal", std::to_string(signum)}});
    stop();
  }

  void stop() {
    stopping_ = true;
    web_->setReady(false);
    runner_.reset();   // no further probes of the current round
    engine_.reset();   // abandons probes in flight; their handles close
    round_timer_.reset();
    signals_.clear();  // with every handle closing, uv_run returns
  }

  // SIGHUP. Never throws into libuv: a bad config is reported and the old one kept.
  void reload() {
    try {
      // Applied by the next startRound(), in one place: probes in flight keep using
      // plan_, and the engine, runner and landing page are rebuilt together.
      pending_ = buildPlan(loadSelectedConfig(g_));
      metrics_.setReloadResult(true, clock_.wall());
      log::info("config reloaded");
    } catch (const std::exception& e) {
      metrics_.setReloadResult(false, clock_.wall());
      log::error("config reload failed, keeping the running config", {{"err", e.what()}});
    }
  }

  void startRound() {
    if (stopping_) return;
    if (pending_) {
      plan_ = std::move(pending_);
      engine_ = std::make_unique<ProbeEngine>(loop_.get(), clock_, engineOptions());
      runner_ = std::make_unique<RoundRunner>(loop_.get(), *engine_);
      publishLanding();
    }
    round_started_ = clock_.monotonic();
    std::vector<ProbeTarget> targets;
    for (const auto& q : plan_->questions) {
      for (const auto& r : plan_->resolvers) targets.push_back({q.query.get(), r.endpoint});
    }
    counts_.clear();
    RoundPlanOptions rp;
    // Spread each round over half the interval so no resolver sees a burst.
    rp.spread = plan_->config.monitor.interval / 2;
    rp.rate_qps = plan_->config.monitor.rate_limit_qps;
    rp.burst = plan_->config.monitor.rate_limit_burst;
    const std::size_t per_question = plan_->resolvers.size();
    Plan* plan = plan_.get();
    runner_->start(
        std::move(targets), rp,
        [this, plan, per_question](std::size_t i, const dns::Observation& o) {
          const auto& q = plan->questions[i / per_question];
          const auto c = classify(o, q.type, q.migration->old_side, q.migration->new_side);
          ++counts_[std::string(toString(c.cls))];
        },
        [this] { roundDone(); });
  }

  void roundDone() {
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.monotonic() - round_started_);
    std::string summary;
    for (const auto& [cls, n] : counts_) summary += (summary.empty() ? "" : " ") + cls + "=" + std::to_string(n);
    log::info("probe round done", {{"took", formatDuration(took)}, {"classes", summary}});
    last_probe_->Set(std::chrono::duration<double>(clock_.wall().time_since_epoch()).count());
    const auto interval = plan_->config.monitor.interval;
    const auto wait = std::max(Duration(0), interval - took);
    uv_timer_start(
        round_timer_.get(),
        [](uv_timer_t* t) {
          if (auto* self = static_cast<Daemon*>(t->data)) self->startRound();
        },
        static_cast<std::uint64_t>(wait.count()), 0);
  }

  const GlobalOptions& g_;
  std::vector<std::string> listen_override_;
  uv::Loop loop_;
  SystemClock clock_;
  CoreMetrics metrics_;
  prometheus::Gauge* last_probe_ = nullptr;  // owned by metrics_.registry()
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<Plan> pending_;
  std::unique_ptr<WebServer> web_;
  std::unique_ptr<ProbeEngine> engine_;
  std::unique_ptr<RoundRunner> runner_;
  uv::UvPtr<uv_timer_t> round_timer_;
  std::vector<uv::UvPtr<uv_signal_t>> signals_;
  std::map<std::string, int> counts_;
  MonoTime round_started_{};
  bool stopping_ = false;
};

}  // namespace

void addRunCommand(CLI::App& app, GlobalOptions& g, Action& action) {
  auto listen = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("run", "Run the monitor: probe on the configured interval and "
                                        "serve the landing page, /metrics and health endpoints");
  cmd->add_option("--web.listen-address", *listen,
                  "Address to serve on, overriding web.listen (repeatable): :PORT, HOST:PORT");
  cmd->callback([&action, &g, listen] {
    action = [&g, listen] {
      Daemon d(g, *listen);
      return d.run();
    };
  });
}

}  // namespace dnsprop::cli
