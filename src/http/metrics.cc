#include "http/metrics.h"

#include <chrono>
#include <map>
#include <string>

#include "dnsprop/build_info.h"

namespace dnsprop {

CoreMetrics::CoreMetrics(const std::string& vantage)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<ProcessCollector>(vantage)) {
  std::map<std::string, std::string> constant;
  if (!vantage.empty()) constant["vantage"] = vantage;
  prometheus::BuildGauge()
      .Name("dnsprop_build_info")
      .Help("A metric with a constant '1' value labeled by version, revision and compiler "
            "from which dnsprop was built.")
      .Labels(constant)
      .Register(*registry_)
      .Add({{"version", build::kVersion},
            {"revision", build::kRevision},
            {"compiler", build::kCompiler}})
      .Set(1);
  reload_successful_ = &prometheus::BuildGauge()
                            .Name("dnsprop_config_last_reload_successful")
                            .Help("Whether the last configuration load or reload succeeded.")
                            .Labels(constant)
      .Register(*registry_)
                            .Add({});
  reload_timestamp_ = &prometheus::BuildGauge()
                           .Name("dnsprop_config_last_reload_success_timestamp_seconds")
                           .Help("Timestamp of the last successful configuration load or "
                                 "reload.")
                           .Labels(constant)
      .Register(*registry_)
                           .Add({});
  web_info_ = &prometheus::BuildGauge()
                   .Name("dnsprop_web_info")
                   .Help("Where users reach this instance ([web] external_url): the base of the "
                         "runbook links in the alert rules (constant 1).")
                   .Labels(constant)
                   .Register(*registry_);
  internal_errors_ = &prometheus::BuildCounter()
                          .Name("dnsprop_internal_errors_total")
                          .Help("Internal errors caught and survived (a bug; see the logs).")
                          .Labels(constant)
      .Register(*registry_)
                          .Add({});
}

void CoreMetrics::setExternalUrl(const std::string& url) {
  std::lock_guard lock(web_info_mutex_);
  if (web_info_series_ != nullptr) web_info_->Remove(web_info_series_);
  web_info_series_ = &web_info_->Add({{"external_url", url}});
  web_info_series_->Set(1);
}

void CoreMetrics::setReloadResult(bool ok, WallTime when) {
  if (ok) {
    const auto since_epoch = std::chrono::duration<double>(when.time_since_epoch());
    reload_timestamp_->Set(since_epoch.count());
    reload_successful_->Set(1);
  } else {
    reload_successful_->Set(0);
  }
}

void CoreMetrics::internalError() { internal_errors_->Increment(); }

std::function<void()> CoreMetrics::internalErrorHook() const {
  // Holding the registry keeps the counter (which it owns) alive.
  return [registry = registry_, counter = internal_errors_] {
    (void)registry;
    counter->Increment();
  };
}

}  // namespace dnsprop
