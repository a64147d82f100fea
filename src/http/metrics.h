// The metrics registry of a running dnsprop and the standard series every exporter has:
//   dnsprop_build_info{version,revision,compiler} 1
//   dnsprop_config_last_reload_successful            (gauge, 0 until the first load)
//   dnsprop_config_last_reload_success_timestamp_seconds (gauge)
//   dnsprop_internal_errors_total                    (counter)
//   dnsprop_web_info{external_url}                   (gauge, 1; setExternalUrl())
//   process_* (ProcessCollector, read from /proc/self at scrape time)
// Other components add their own families to registry() at start-up.
//
// Ownership: CoreMetrics owns the registry through a shared_ptr and hands out shares;
// the registry and the counters in it outlive CoreMetrics as long as a share is held.
// Thread-safety: every method is thread-safe (prometheus-cpp metrics are atomic and its
// registry locks internally), so the loop, the HTTP threads and signal handling may all
// call them. The constructor throws std::invalid_argument only if a metric name were
// invalid (a programming error caught by any test that constructs one).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "common/clock.h"
#include "http/process_metrics.h"

namespace dnsprop {

class CoreMetrics {
 public:
  // `vantage`: the constant label every series gets (none when empty).
  explicit CoreMetrics(const std::string& vantage = "");
  CoreMetrics(const CoreMetrics&) = delete;
  CoreMetrics& operator=(const CoreMetrics&) = delete;

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // The process_* collector; serve it next to registry() (WebServer's CoreMetrics
  // constructor does both).
  std::shared_ptr<prometheus::Collectable> processCollector() const { return process_; }

  // After every config load or reload: ok=false sets ..._successful to 0 and keeps the
  // timestamp of the last success; ok=true sets it to 1 and the timestamp to `when`.
  void setReloadResult(bool ok, WallTime when);

  // dnsprop_web_info{external_url} 1: where users reach this instance (the runbook links
  // of the alert rules are built from it). Replaces the previous value.
  void setExternalUrl(const std::string& url);

  // Counts one internal error (a caught exception in a callback, an impossible state).
  void internalError();
  // The same as a callable that keeps the registry alive by itself, for components that
  // may outlive this object (e.g. WebServer's handler guard).
  std::function<void()> internalErrorHook() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<ProcessCollector> process_;
  prometheus::Gauge* reload_successful_ = nullptr;   // owned by registry_
  prometheus::Gauge* reload_timestamp_ = nullptr;    // owned by registry_
  prometheus::Counter* internal_errors_ = nullptr;   // owned by registry_
  prometheus::Family<prometheus::Gauge>* web_info_ = nullptr;  // owned by registry_
  prometheus::Gauge* web_info_series_ = nullptr;                // owned by web_info_
  std::mutex web_info_mutex_;                                   // guards web_info_series_
};

}  // namespace dnsprop
