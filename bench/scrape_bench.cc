// Cost of /metrics with many series: stock prometheus-cpp (Registry::Collect() +
// TextSerializer::Serialize(), what WebServer does today) against http/series_table.h
// (label text rendered once per series). Builds a dnsprop_resolver_state-like family,
//   {vantage (constant), domain, name, rrtype, resolver, state}
// with domains x names x 1 rrtype x resolvers x 7 states series, then measures:
//   build    creating every series (labels map per series, as the Monitor does)
//   round    one Monitor-style update of every series by its labels (lookup + set)
//   by_ref   the same update through references kept from the build (no lookup)
//   scrape   rendering the whole text, median / min / max of --scrapes runs
//   heap     bytes malloc holds after building (mallinfo2), and the extra a scrape
//            holds at its end (collected structs + output text)
//   rss      VmRSS after building, VmHWM (peak) at exit
// One implementation per process (--impl stock|table), so memory figures do not mix.
// Run via bench/run_scrape_bench.sh, which runs both and checks the text with promtool.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "http/series_table.h"

using namespace dnsprop;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long statusKiB(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == field) {
      long v;
      f >> v;
      return v;
    }
    std::string rest;
    std::getline(f, rest);
  }
  return -1;
}

double heapMiB() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0);
}

struct Shape {
  int domains = 2, names = 5, resolvers = 1400;
  std::size_t series() const { return static_cast<std::size_t>(domains) * names * resolvers * 7; }
};

const char* const kStates[] = {"new", "old", "mixed", "other", "negative", "stale", "error"};

// Calls fn(labels, value) for every series, labels built the way the Monitor builds them.
template <typename Fn>
void forEachSeries(const Shape& shape, int round, Fn&& fn) {
  for (int d = 0; d < shape.domains; ++d) {
    const std::string domain = "shop" + std::to_string(d) + ".example.jp";
    for (int n = 0; n < shape.names; ++n) {
      const std::string name = (n == 0 ? std::string() : "host" + std::to_string(n) + ".") + domain;
      for (int r = 0; r < shape.resolvers; ++r) {
        const std::map<std::string, std::string> base{{"domain", domain},
                                                      {"name", name},
                                                      {"rrtype", "A"},
                                                      {"resolver", "resolver-" + std::to_string(r) + ".example.net"}};
        const int current = (r + round) % 7;
        for (int s = 0; s < 7; ++s) {
          auto labels = base;
          labels["state"] = kStates[s];
          fn(labels, s == current ? 1.0 : 0.0);
        }
      }
    }
  }
}

struct Result {
  double build_ms = 0, round_ms = 0, ref_ms = 0, collect_ms = 0;
  std::vector<double> scrape_ms;
  std::size_t bytes = 0;
  double heap_built = 0, heap_scrape_extra = 0;
  long rss_built = 0;
};

constexpr const char* kHelp = "Class of the resolver's last answer for the target (state set).";

Result runStock(const Shape& shape, int scrapes, const std::string& dump) {
  Result res;
  const double heap0 = heapMiB();
  auto registry = std::make_shared<prometheus::Registry>();
  auto& family = prometheus::BuildGauge()
                     .Name("dnsprop_resolver_state")
                     .Help(kHelp)
                     .Labels({{"vantage", "tokyo-1"}})
                     .Register(*registry);
  std::vector<prometheus::Gauge*> refs;
  refs.reserve(shape.series());
  auto t = Clock::now();
  forEachSeries(shape, 0, [&](const std::map<std::string, std::string>& labels, double v) {
    auto& g = family.Add(labels);
    g.Set(v);
    refs.push_back(&g);
  });
  res.build_ms = msSince(t);
  t = Clock::now();
  forEachSeries(shape, 1, [&](const std::map<std::string, std::string>& labels, double v) { family.Add(labels).Set(v); });
  res.round_ms = msSince(t);
  t = Clock::now();
  for (std::size_t i = 0; i < refs.size(); ++i) refs[i]->Set(static_cast<double>(i % 7 == 2));
  res.ref_ms = msSince(t);
  // The bench's own reference vector is not part of the table.
  res.heap_built = heapMiB() - heap0 - static_cast<double>(refs.capacity() * sizeof(refs[0])) / (1024.0 * 1024.0);
  res.rss_built = statusKiB("VmRSS:");
  const prometheus::TextSerializer serializer;
  for (int i = 0; i < scrapes; ++i) {
    t = Clock::now();
    const auto collected = registry->Collect();
    const double collect = msSince(t);
    const std::string text = serializer.Serialize(collected);
    res.scrape_ms.push_back(msSince(t));
    res.collect_ms += collect / scrapes;
    if (i == 0) {
      res.bytes = text.size();
      res.heap_scrape_extra = heapMiB() - heap0 - res.heap_built - static_cast<double>(refs.capacity() * sizeof(refs[0])) / (1024.0 * 1024.0);
      if (!dump.empty()) std::ofstream(dump) << text;
    }
  }
  return res;
}

Result runTable(const Shape& shape, int scrapes, const std::string& dump) {
  Result res;
  const double heap0 = heapMiB();
  SeriesTable table;
  const auto family = table.addGaugeFamily("dnsprop_resolver_state", kHelp, {{"vantage", "tokyo-1"}});
  // The Monitor hands over its std::map; the table takes label pairs.
  auto setByLabels = [&](const std::map<std::string, std::string>& labels, double v) {
    table.set(family, SeriesTable::Labels(labels.begin(), labels.end()), v);
  };
  std::vector<SeriesTable::SeriesRef> refs;
  refs.reserve(shape.series());
  auto t = Clock::now();
  table.beginRound();
  forEachSeries(shape, 0, [&](const std::map<std::string, std::string>& labels, double v) {
    refs.push_back(table.set(family, SeriesTable::Labels(labels.begin(), labels.end()), v));
  });
  table.endRound();
  res.build_ms = msSince(t);
  t = Clock::now();
  table.beginRound();
  forEachSeries(shape, 1, setByLabels);
  table.endRound();
  res.round_ms = msSince(t);
  t = Clock::now();
  for (std::size_t i = 0; i < refs.size(); ++i) table.set(refs[i], static_cast<double>(i % 7 == 2));
  res.ref_ms = msSince(t);
  // The bench's own reference vector is not part of the table.
  res.heap_built = heapMiB() - heap0 - static_cast<double>(refs.capacity() * sizeof(refs[0])) / (1024.0 * 1024.0);
  res.rss_built = statusKiB("VmRSS:");
  for (int i = 0; i < scrapes; ++i) {
    t = Clock::now();
    std::string text;
    table.render(text);
    res.scrape_ms.push_back(msSince(t));
    if (i == 0) {
      res.bytes = text.size();
      res.heap_scrape_extra = heapMiB() - heap0 - res.heap_built - static_cast<double>(refs.capacity() * sizeof(refs[0])) / (1024.0 * 1024.0);
      if (!dump.empty()) std::ofstream(dump) << text;
    }
  }
  return res;
}

[[noreturn]] void usage() {
  std::cerr << "usage: scrape_bench --impl stock|table [--resolvers 1400] [--domains 2] [--names 5]\n"
               "                    [--scrapes 21] [--dump FILE] [--header]\n";
  std::exit(64);
}

}  // namespace

int main(int argc, char** argv) {
  Shape shape;
  std::string impl, dump;
  int scrapes = 21;
  bool header = false;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--header") {
      header = true;
      continue;
    }
    if (i + 1 >= argc) usage();
    const std::string v = argv[++i];
    if (k == "--impl") impl = v;
    else if (k == "--resolvers") shape.resolvers = std::atoi(v.c_str());
    else if (k == "--domains") shape.domains = std::atoi(v.c_str());
    else if (k == "--names") shape.names = std::atoi(v.c_str());
    else if (k == "--scrapes") scrapes = std::atoi(v.c_str());
    else if (k == "--dump") dump = v;
    else usage();
  }
  if ((impl != "stock" && impl != "table") || scrapes < 1 || shape.resolvers < 1 || shape.domains < 1 ||
      shape.names < 1)
    usage();

  const Result r = impl == "stock" ? runStock(shape, scrapes, dump) : runTable(shape, scrapes, dump);
  std::vector<double> s = r.scrape_ms;
  std::sort(s.begin(), s.end());
  if (header) {
    std::printf("%-6s %8s %9s %9s %7s %10s %10s %8s %8s %9s %10s %11s %9s %9s\n", "impl", "series", "build_ms",
                "round_ms", "by_ref", "scrape_med", "scrape_min", "max_ms", "MiB_out", "heap_MiB", "scrape_MiB",
                "collect_ms", "rss_MiB", "peak_MiB");
  }
  std::printf("%-6s %8zu %9.1f %9.1f %7.1f %10.1f %10.1f %8.1f %8.1f %9.1f %10.1f %11s %9.1f %9.1f\n", impl.c_str(),
              shape.series(), r.build_ms, r.round_ms, r.ref_ms, s[s.size() / 2], s.front(), s.back(),
              static_cast<double>(r.bytes) / (1024.0 * 1024.0), r.heap_built, r.heap_scrape_extra,
              impl == "stock" ? std::to_string(r.collect_ms).substr(0, 6).c_str() : "-", r.rss_built / 1024.0,
              statusKiB("VmHWM:") / 1024.0);
  return 0;
}
