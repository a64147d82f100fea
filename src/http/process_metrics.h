// Process metrics in the standard Prometheus client form (client_golang, client_python):
// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_start_time_seconds, process_open_fds, process_max_fds. Read from /proc/self at
// scrape time, so nothing has to update them.
#pragma once

#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace dnsprop {

// The fields of /proc/<pid>/stat we need, in their raw units.
struct ProcStat {
  unsigned long long utime_ticks = 0;
  unsigned long long stime_ticks = 0;
  unsigned long long start_ticks = 0;   // since boot
  unsigned long long vsize_bytes = 0;
  long long rss_pages = 0;
};

// Parses the text of /proc/<pid>/stat. The command name (field 2) may contain spaces
// and parentheses, so fields are counted from the last ')'. Pure; nullopt on anything
// malformed.
std::optional<ProcStat> parseProcStat(std::string_view text);

// Parses the "btime" line of /proc/stat (boot time, seconds since the epoch).
std::optional<long long> parseBootTime(std::string_view proc_stat_text);

// A prometheus::Collectable; Collect() reads /proc on every call and omits any family
// it cannot read (never throws for a missing or odd /proc). Stateless, so thread-safe.
class ProcessCollector final : public prometheus::Collectable {
 public:
  // `vantage`: a constant label on every series (none when empty), as on dnsprop_*.
  explicit ProcessCollector(std::string vantage = "") : vantage_(std::move(vantage)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string vantage_;
};

}  // namespace dnsprop
