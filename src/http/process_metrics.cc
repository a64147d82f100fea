#include "http/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace dnsprop {
namespace {

template <typename T>
bool parseNumber(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::optional<std::string> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

std::optional<double> countOpenFds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  double n = 0;
  for (const auto& entry : it) {
    (void)entry;
    ++n;
  }
  // The iterator's own descriptor is counted too, as client_golang does.
  return n;
}

}  // namespace

std::optional<ProcStat> parseProcStat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Fields after the command name, numbered as in proc(5): field 3 (state) comes first.
  std::string_view rest = text.substr(close + 1);
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) ++pos;
    if (pos >= rest.size()) break;
    const auto end = rest.find_first_of(" \n", pos);
    const auto len = (end == std::string_view::npos ? rest.size() : end) - pos;
    fields.push_back(rest.substr(pos, len));
    pos += len;
  }
  auto field = [&](int number) { return fields[static_cast<std::size_t>(number - 3)]; };
  if (fields.size() < 24 - 2) return std::nullopt;
  ProcStat s;
  if (!parseNumber(field(14), s.utime_ticks) || !parseNumber(field(15), s.stime_ticks) ||
      !parseNumber(field(22), s.start_ticks) || !parseNumber(field(23), s.vsize_bytes) ||
      !parseNumber(field(24), s.rss_pages)) {
    return std::nullopt;
  }
  return s;
}

std::optional<long long> parseBootTime(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    if (line.starts_with("btime ")) {
      long long value = 0;
      if (parseNumber(line.substr(6), value)) return value;
      return std::nullopt;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);

  std::optional<ProcStat> stat;
  if (auto text = readFile("/proc/self/stat")) stat = parseProcStat(*text);
  if (stat && ticks > 0) {
    out.push_back(family("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.",
                         MetricType::Counter,
                         static_cast<double>(stat->utime_ticks + stat->stime_ticks) /
                             static_cast<double>(ticks)));
  }
  if (stat && page > 0) {
    out.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge,
                         static_cast<double>(stat->rss_pages) * static_cast<double>(page)));
  }
  if (stat) {
    out.push_back(family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->vsize_bytes)));
  }
  if (stat && ticks > 0) {
    std::optional<long long> boot;
    if (auto text = readFile("/proc/stat")) boot = parseBootTime(*text);
    if (boot) {
      out.push_back(family("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge,
                           static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) /
                                                            static_cast<double>(ticks)));
    }
  }
  if (auto fds = countOpenFds()) {
    out.push_back(family("process_open_fds", "Number of open file descriptors.",
                         MetricType::Gauge, *fds));
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    out.push_back(family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
  }
  if (!vantage_.empty()) {
    for (auto& f : out) {
      for (auto& m : f.metric) m.label.push_back({"vantage", vantage_});
    }
  }
  return out;
}

}  // namespace dnsprop
