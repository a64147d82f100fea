// The daemon's core: one probe round per interval on a libuv loop, from the resolvers and
// migrations of a config, through the probe engine, classification and the propagation
// model, into the durable store, the metrics and a published snapshot.
//
// Each round sends, spread over half the interval with per-resolver token buckets:
//  - every watched (name, type) to every selected resolver (RD=1), and
//  - the ground-truth queries (RD=0) to the parent, old and new servers of each migration.
// When the round is complete it evaluates ground truth, records when the parent was first
// seen delegating only to NEW (persisted), commits the round to the store in one
// transaction, updates the metrics and publishes a new snapshot.
//
// Threads: everything runs on the loop thread, except snapshot(), which any thread may
// call (the HTTP server does). Exceptions: the constructor throws on start-up problems
// (store cannot be opened, catalogs unreadable); applyConfig() throws ConfigError /
// CatalogError and then changes nothing; nothing throws out of loop callbacks.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "common/clock.h"
#include "config/config.h"
#include "http/monitor_metrics.h"
#include "model/ground_truth.h"
#include "model/state.h"
#include "model/target_state.h"
#include "model/truth_tracker.h"
#include "net/parent_discovery.h"
#include "net/probe_engine.h"
#include "net/round_runner.h"
#include "net/uv_handle.h"
#include "servers/access_log.h"
#include "servers/smtp_probe.h"
#include "servers/web_probe.h"
#include "store/confirmation_throttle.h"
#include "store/state_store.h"
#include "verdict/snapshot.h"
#include "verdict/verdict.h"

namespace dnsprop {

class Monitor {
 public:
  static constexpr std::size_t kHistoryPoints = 1000;

  // Opens the store in config.monitor.state_dir (dnsprop.db), restores the model from it,
  // registers metrics in `registry`. Throws StoreError / CatalogError / std::exception.
  Monitor(uv_loop_t* loop, const Clock& clock, Config config,
          std::shared_ptr<prometheus::Registry> registry);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Starts the rounds (the first one at once).
  void start();
  // Stops sending; probes in flight are abandoned; the loop can then drain.
  void stop();
  // Validates and prepares `config`; it takes effect at the start of the next round.
  // Throws (start-up/reload only) and then leaves the running config untouched.
  void applyConfig(Config config);

  std::shared_ptr<const MonitorSnapshot> snapshot() const;
  // /metrics text of the per-target series (rendered on HTTP threads; thread-safe). The
  // rest of the metrics are in the registry given to the constructor.
  std::function<void(std::string&)> metricsText() const;
  std::uint64_t roundsCompleted() const { return rounds_; }
  const Config& config() const;

 private:
  struct Plan;
  std::unique_ptr<Plan> buildPlan(Config config) const;
  // Says once (start-up, and a reload that changes it) that IPv6 resolvers are left out.
  void logIpv6Choice(const Plan& plan) const;
  void startRound();
  void startWebFetches();
  void webFetched(const std::string& domain, WebFetch f, const WebResult& r);
  void startMailChecks();
  void mailAsked(const std::string& domain, MailExchange e, const SmtpResult& r);
  // Counts one mail check done when it goes out of scope, and ends the round if it was the last.
  struct MailStepGuard {
    Monitor& monitor;
    explicit MailStepGuard(Monitor& m) : monitor(m) {}
    ~MailStepGuard();
    MailStepGuard(const MailStepGuard&) = delete;
    MailStepGuard& operator=(const MailStepGuard&) = delete;
  };
  // Ends the round once the DNS probes, the web fetches and the mail checks are all done.
  void maybeRoundDone();
  void onResult(std::size_t index, const dns::Observation& o);
  void roundDone();
  // Wall time that never runs backwards (FAULTS F18): a step back holds it still until
  // the wall clock catches up; suspends are counted (a monotonic clock would not).
  WallTime stableNow() const;

  uv_loop_t* loop_;
  const Clock& clock_;
  // Whether the host has a route to global IPv6 addresses (asked once, at start-up):
  // family "auto" selects IPv6 resolvers only then.
  bool host_ipv6_ = false;
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<Plan> pending_;
  std::unique_ptr<StateStore> store_;
  ConfirmationThrottle throttle_;
  PropagationModel model_;
  std::unique_ptr<ProbeEngine> engine_;
  std::unique_ptr<RoundRunner> runner_;
  uv::UvPtr<uv_timer_t> round_timer_;
  std::shared_ptr<prometheus::Registry> registry_;  // owns the families metrics_ points into
  std::unique_ptr<MonitorMetrics> metrics_;
  // Per domain: what ground truth established over the rounds (model/truth_tracker.h),
  // persisted as the fact "truth/<domain>" every round.
  std::map<std::string, TruthFacts> truth_facts_;
  std::map<std::string, bool> facts_loaded_;  // per domain: stored facts merged in
  std::map<std::string, std::vector<std::pair<WallTime, double>>> history_;  // per domain
  // Parent servers found by iterating from the root hints, for migrations configured
  // without parent_servers; rediscovered every 6 h (5 min after a failure).
  std::unique_ptr<ParentDiscovery> discovery_;
  std::map<std::string, std::vector<Endpoint>> discovered_parents_;
  // Per domain: why the discovered list is partial (ParentDiscoveryResult::partial_reason);
  // empty or absent when complete.
  std::map<std::string, std::string> discovered_partial_;
  std::map<std::string, MonoTime> discovery_due_;
  std::map<std::string, bool> discovering_;
  void discoverParents();
  void rebuildEngine();
  void loadFacts(const std::string& domain);
  void saveFacts(const std::string& domain);
  mutable WallTime last_now_{};
  std::vector<dns::Observation> truth_results_;           // this round's, by truth index
  std::map<TargetKey, bool> touched_;                     // targets to save at round end
  MonoTime round_started_{};
  std::uint64_t rounds_ = 0;
  bool stopping_ = false;
  // [migration.web]: this round's fetches per domain, and what the round still waits
  // for. The probers live in the plan; their callbacks capture `this`. Destroying a
  // prober (stop(), a new plan, ~Monitor) cancels its fetches without calling them.
  std::map<std::string, WebChecks> web_round_;
  std::size_t web_pending_ = 0;
  // [migration.mail]: asked every mail.every, not every round. mail_next_ collects the
  // exchanges started this round (domains in mail_started_); at the round's end they
  // replace mail_last_, which every round's record carries.
  std::map<std::string, MailChecks> mail_next_;
  std::map<std::string, MailChecks> mail_last_;
  std::map<std::string, MonoTime> mail_due_;
  std::set<std::string> mail_started_;
  std::size_t mail_pending_ = 0;
  // [migration.traffic]: per domain, the access log followed (across rounds and reloads;
  // a changed path, window or vhosts starts a new follower).
  struct TrafficFollow {
    std::string key;
    std::unique_ptr<AccessLogFollower> follower;
    std::optional<WallTime> first_read;  // the first poll that found the file
  };
  std::map<std::string, TrafficFollow> traffic_;
  TrafficCheck countTraffic(const Migration& m, WallTime now);
  bool dns_done_ = false;
  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const MonitorSnapshot> snapshot_;
};

}  // namespace dnsprop
