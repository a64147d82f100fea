// dnsprop_demo: a whole migration in a few minutes, on loopback only.
// Starts the loopback world of the tests (fake root and parent on NSD, the old server on
// NSD, the new one on Knot, Unbound, Knot Resolver, PowerDNS Recursor and dnsmasq as
// resolvers; tests/support/world.h), runs the real `dnsprop run` against it, switches the
// delegation, and prints `dnsprop check` until it says SAFE. Needs root (port 53 on
// 127.0.7x.x). Run it with scripts/demo.sh.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "support/dns_servers.h"
#include "support/temp_dir.h"
#include "support/world.h"

using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

int runCheck(const std::string& exe, const std::string& config, bool quiet) {
  const std::string cmd = exe + " --config.file " + config + " check 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (quiet) {
    std::cout << "  check -> " << code << "  " << out.substr(0, out.find('\n')) << std::endl;
  } else {
    std::cout << "$ dnsprop check   (exit " << code << ")\n" << out << std::endl;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Absolute: the daemon runs in its own working directory.
  const std::string exe = std::filesystem::absolute(argc > 1 ? argv[1] : DNSPROP_EXE).string();
  const int port = argc > 2 ? std::atoi(argv[2]) : 10153;
  if (::geteuid() != 0) {
    std::cerr << "dnsprop_demo needs root: its authoritative servers listen on port 53 of 127.0.7x.x\n";
    return 2;
  }
  try {
    std::cout << "== starting the loopback world (root, parent test., old NSD, new Knot, 4 resolvers)" << std::endl;
    WorldOptions wo;
    wo.block = 9;
    LoopbackWorld world(wo);
    TempDir dir("dnsprop-demo");
    ConfigOptions co;
    co.state_dir = dir.path() / "state";
    co.web_port = static_cast<std::uint16_t>(port);
    const auto config = (dir.path() / "dnsprop.toml").string();
    std::ofstream(config) << world.dnspropConfig(co);
    std::cout << "== config " << config << ":\n" << world.dnspropConfig(co) << std::endl;

    ServerProcess daemon("dnsprop", {exe, "--config.file", config, "run"}, dir.path(), dir.path() / "dnsprop.log");
    daemon.start();
    std::cout << "== dnsprop run started (log " << (dir.path() / "dnsprop.log").string()
              << "); status http://127.0.0.1:" << port << "/status.json , metrics /metrics" << std::endl;
    std::this_thread::sleep_for(4s);  // a few rounds on the OLD delegation, for the demo's eyes
    runCheck(exe, config, false);

    std::cout << "== switching the delegation of shop.test. to ns1.newhost.test.; the old server keeps\n"
                 "   running (mail, web) and its copy of the zone now lists the new name servers" << std::endl;
    world.switchDelegation(Delegation::New);
    SideZone z = world.oldZone();
    z.ns = world.newNs();
    world.setOldZone(z);
    const auto switched = std::chrono::steady_clock::now();
    int code = 1;
    while (std::chrono::steady_clock::now() - switched < 5min) {
      code = runCheck(exe, config, true);
      if (code == 0) break;
      std::this_thread::sleep_for(2s);
    }
    const auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - switched);
    runCheck(exe, config, false);
    std::cout << (code == 0 ? "== SAFE " : "== not SAFE ") << took.count() << " s after the switch" << std::endl;
    if (::getenv("DNSPROP_DEMO_HOLD") != nullptr) {
      std::cout << "== DNSPROP_DEMO_HOLD set: keeping everything running; Ctrl-C to stop" << std::endl;
      for (;;) std::this_thread::sleep_for(1h);
    }
    daemon.stop();
    return code == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "dnsprop_demo: " << e.what() << "\n";
    return 2;
  }
}
