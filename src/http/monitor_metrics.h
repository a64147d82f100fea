// The monitor's metric mapping: what a round established (MigrationSnapshot) and what each
// probe gave, as Prometheus series (docs/METRICS.md). Apart from the monitor the way
// prometheus-cpp's collectors are apart from what they observe: Monitor only calls it.
//
// Every series carries the instance's vantage as a constant label. The per-target
// families (resolvers x names x states, the bulk of the series) are pre-rendered text
// (http/series_table.h), served through text(); the rest live in the registry.
//
// Per-plan series: each round sets the series of the current plan between beginRound()
// and endRound(); series the round did not set (a migration, name or resolver a reload
// removed) are removed at endRound(), so they disappear instead of freezing, and a reload
// never leaves the current ones missing.
//
// Ownership: families belong to the registry given to the constructor (which must
// outlive this object). Threads: every method but text()'s renderer is for the loop
// thread only; the renderer text() returns may run on HTTP threads (SeriesTable is
// thread-safe). The constructor throws only on an invalid metric name (a programming
// error caught by any test that constructs one).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "catalog/resolver.h"
#include "common/clock.h"
#include "dns/observation.h"
#include "http/series_table.h"
#include "model/state.h"
#include "verdict/snapshot.h"

namespace dnsprop {

class MonitorMetrics {
 public:
  MonitorMetrics(prometheus::Registry& registry, const std::string& vantage);
  MonitorMetrics(const MonitorMetrics&) = delete;
  MonitorMetrics& operator=(const MonitorMetrics&) = delete;

  // One probe result: dnsprop_probes_total by outcome.
  void probe(dns::Outcome outcome);
  // One probe to a resolver (not ground truth): queries, failures by reason, latency,
  // last probe time (`at`, Unix seconds).
  void resolverProbe(const std::string& resolver, const dns::Observation& o, double at);

  void beginRound();
  // The series of one migration: verdict, conditions, blockers by reason, DNSSEC,
  // authoritative servers, delegation, earliest safe time, switch and stop times, and per (name, type) and per target from `ms` and
  // the model's states of the trusted and untrusted `resolvers`.
  void migration(const MigrationSnapshot& ms, const std::vector<ResolverInfo>& resolvers,
                 const PropagationModel& model);
  // Per selected resolver: catalog facts, and every failure reason at 0.
  void resolvers(const std::vector<ResolverInfo>& resolvers);
  // Removes the plan series this round did not set.
  void endRound();
  // The round is complete (committed, snapshot published): counts it; `at` Unix seconds.
  void roundCompleted(double at);
  void storeError();

  // The pre-rendered per-target families (thread-safe renderer).
  std::function<void(std::string&)> text() const;

 private:
  using GaugeFamily = prometheus::Family<prometheus::Gauge>;
  prometheus::Gauge& gauge(GaugeFamily& f, const std::map<std::string, std::string>& labels);
  // The dnsprop_web_* series of one migration's fetches ([migration.web]).
  void webSeries(const std::string& domain, const WebChecks& web, WallTime now);
  // The dnsprop_mail_* series of one migration's last mail checks ([migration.mail]).
  void mailSeries(const std::string& domain, const MailChecks& mail);

  GaugeFamily& resolvers_;
  GaugeFamily& ratio_;
  GaugeFamily& earliest_;
  GaugeFamily& delegation_;
  GaugeFamily& last_old_;
  GaugeFamily& verdict_;
  GaugeFamily& condition_;
  GaugeFamily& blockers_;
  GaugeFamily& switch_;
  GaugeFamily& switch_seen_;
  GaugeFamily& web_up_;
  GaugeFamily& web_status_;
  GaugeFamily& web_seconds_;
  GaugeFamily& web_cert_expiry_;
  GaugeFamily& web_drift_;
  GaugeFamily& mail_accepts_;
  GaugeFamily& mail_rcpt_;
  GaugeFamily& mail_tls_;
  GaugeFamily& mail_seconds_;
  GaugeFamily& mail_checked_;
  GaugeFamily& mail_cert_expiry_;
  GaugeFamily& mail_fetch_port_;
  GaugeFamily& old_requests_;
  GaugeFamily& old_last_request_;
  GaugeFamily& old_stop_;
  GaugeFamily& auth_serving_;
  GaugeFamily& auth_lame_;
  GaugeFamily& dnssec_;
  GaugeFamily& resolver_info_;
  std::shared_ptr<SeriesTable> table_;
  SeriesTable::FamilyId resolver_state_;
  SeriesTable::FamilyId resolver_expiry_;
  GaugeFamily& resolver_last_probe_;
  prometheus::Family<prometheus::Counter>& resolver_queries_;
  prometheus::Family<prometheus::Counter>& resolver_failures_;
  prometheus::Family<prometheus::Histogram>& resolver_latency_;
  prometheus::Family<prometheus::Counter>& probes_;
  prometheus::Counter& rounds_;
  prometheus::Gauge& last_probe_;
  prometheus::Counter& store_errors_;
  using Series = std::set<std::pair<GaugeFamily*, prometheus::Gauge*>>;
  Series plan_gauges_, this_round_;
};

}  // namespace dnsprop
