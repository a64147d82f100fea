// Throughput of the probe engine against one server: keeps `--concurrency` probes in
// flight for `--duration`, each a full probe (fresh socket, random ID, acceptance,
// observation), and reports queries per second, outcomes, and memory per in-flight
// probe and per configured target. Run via bench/run_engine_bench.sh.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "dns/query.h"
#include "net/probe_engine.h"
#include "net/uv_handle.h"

using namespace dnsprop;

namespace {

long rssKiB() {
  std::ifstream f("/proc/self/status");
  std::string key;
  while (f >> key) {
    if (key == "VmRSS:") {
      long v;
      f >> v;
      return v;
    }
    std::string rest;
    std::getline(f, rest);
  }
  return -1;
}

[[noreturn]] void usage() {
  std::cerr << "usage: engine_bench --server ADDR:PORT [--duration 10s] [--concurrency 256] "
               "[--names N] [--zone ZONE] [--conflict-window 0ms]\n";
  std::exit(64);
}

}  // namespace

int main(int argc, char** argv) {
  std::string server_text, zone = "bench.test.";
  Duration duration = std::chrono::seconds(10), conflict = Duration(0);
  int concurrency = 256, names = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--server") server_text = v;
    else if (k == "--duration") duration = parseDuration(v).value_or(Duration(0));
    else if (k == "--concurrency") concurrency = std::atoi(v.c_str());
    else if (k == "--names") names = std::atoi(v.c_str());
    else if (k == "--zone") zone = v;
    else if (k == "--conflict-window") conflict = parseDuration(v).value_or(Duration(0));
    else usage();
  }
  auto server = Endpoint::parse(server_text);
  if (!server || duration.count() <= 0 || concurrency <= 0 || names <= 0) usage();

  // Memory per configured target: templates for `names` names.
  const long rss0 = rssKiB();
  std::vector<std::unique_ptr<dns::QueryTemplate>> templates;
  for (int i = 0; i < names; ++i) {
    // RD=0: the server is authoritative (an RD=1 query answered with RA=0 is, rightly,
    // classified as a refusal).
    dns::QueryOptions qo;
    qo.recursion_desired = false;
    templates.push_back(
        std::make_unique<dns::QueryTemplate>("n" + std::to_string(i) + "." + zone, dns::qtype::A, qo));
  }
  const long rss1 = rssKiB();

  uv::Loop loop;
  SystemClock clock;
  EngineOptions opts;
  opts.timeout = std::chrono::seconds(1);
  opts.retries = 0;
  opts.conflict_window = conflict;
  ProbeEngine engine(loop.get(), clock, opts);

  std::map<std::string, std::uint64_t> outcomes;
  std::uint64_t done = 0;
  std::size_t next = 0;
  bool sending = true;
  std::function<void()> launch;
  std::function<void(const dns::Observation&)> on_result = [&](const dns::Observation& o) {
    ++done;
    ++outcomes[std::string(dns::toString(o.outcome))];
    if (sending) launch();
  };
  launch = [&] {
    const auto* q = templates[next++ % templates.size()].get();
    engine.probe({q, *server}, on_result);
  };

  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency; ++i) launch();
  const long rss_inflight = rssKiB();
  auto* stopper = uv::allocHandle<uv_timer_t>();
  uv_timer_init(loop.get(), stopper);
  stopper->data = &sending;
  uv_timer_start(stopper, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = false; },
                 static_cast<std::uint64_t>(duration.count()), 0);
  uv::UvPtr<uv_timer_t> stopper_owner(stopper);
  std::uint64_t done_at_stop = 0;
  while (engine.inFlight() > 0 || sending) {
    uv_run(loop.get(), UV_RUN_ONCE);
    if (!sending && done_at_stop == 0) done_at_stop = done;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("server            %s\n", server->toString().c_str());
  std::printf("concurrency       %d\n", concurrency);
  std::printf("probes            %llu in %.2f s\n", static_cast<unsigned long long>(done), secs);
  std::printf("qps               %.0f\n", static_cast<double>(done) / secs);
  for (const auto& [k, v] : outcomes) std::printf("outcome %-9s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("memory/target     %.0f bytes (%d query templates, RSS delta)\n",
              static_cast<double>(rss1 - rss0) * 1024.0 / names, names);
  std::printf("memory/in-flight  %.0f bytes (RSS delta at %d in flight)\n",
              static_cast<double>(rss_inflight - rss1) * 1024.0 / concurrency, concurrency);
  const auto& c = engine.counters();
  std::printf("udp sent          %llu, tcp sent %llu, network errors %llu\n",
              static_cast<unsigned long long>(c.udp_sent), static_cast<unsigned long long>(c.tcp_sent),
              static_cast<unsigned long long>(c.network_errors));
  return 0;
}
