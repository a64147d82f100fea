// See check_watch.h.
#include "integration/verdict/check_watch.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "support/dns_client.h"
#include "support/wait.h"

namespace dnsprop::test {

boost::test_tools::assertion_result runningAsRoot(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "the loopback world needs root (port 53)";
  return r;
}


std::vector<OracleProbe> defaultOracle(const LoopbackWorld& w) {
  std::vector<std::string> mx;
  for (const auto& m : w.oldMx()) mx.push_back("10 " + m);
  return {{LoopbackWorld::wwwName(), kTypeA, {w.oldAddress()}},
          {LoopbackWorld::domain(), kTypeA, {w.oldAddress()}},
          {LoopbackWorld::domain(), kTypeMX, mx},
          {LoopbackWorld::domain(), kTypeNS, w.oldNs()}};
}

Watch::Watch(const LoopbackWorld& w, ConfigOptions opts, const std::string& extra_resolvers_toml,
             const std::string& vantage, const std::function<void(std::string&)>& edit)
    : world(w), oracle(defaultOracle(w)) {
  opts.state_dir = dir.path() / "state";
  std::string text = world.dnspropConfig(opts);
  if (!vantage.empty()) {
    const std::string from = "vantage = \"loopback-world\"";
    const auto v = text.find(from);
    BOOST_REQUIRE(v != std::string::npos);
    text.replace(v, from.size(), "vantage = \"" + vantage + "\"");
  }
  if (!extra_resolvers_toml.empty()) {
    const auto p = text.find("[resolvers]\n");
    BOOST_REQUIRE(p != std::string::npos);
    text.insert(p + 12, extra_resolvers_toml);
  }
  if (edit) edit(text);
  config = dir.path() / "dnsprop.toml";
  std::ofstream(config) << text;
  daemon = std::make_unique<ServerProcess>(
      "dnsprop", std::vector<std::string>{DNSPROP_EXE, "--config.file", config.string(), "run"}, dir.path(),
      dir.path() / "dnsprop.log");
  daemon->start();
}

CheckResult Watch::check(const std::vector<std::string>& extra) const {
  std::string args = "check --output json";
  for (const auto& e : extra) args += " " + e;
  return runDnsprop(config, args);
}

CheckResult runDnsprop(const std::filesystem::path& config, const std::string& args) {
  const std::string cmd = std::string(DNSPROP_EXE) + " --config.file " + config.string() + " " + args + " 2>/dev/null";
  CheckResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.raw.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.doc = nlohmann::json::parse(r.raw, nullptr, false);
  return r;
}

bool Watch::anyResolverAnswersOld(std::string* which) const {
  for (const auto& r : world.resolvers()) {
    for (const auto& probe : oracle) {
      auto reply = lookup(r.endpoint, probe.name, probe.type, true, Millis(500));
      if (!reply) continue;
      for (const auto& v : reply->answerRdata(probe.type)) {
        if (std::find(probe.old_values.begin(), probe.old_values.end(), v) != probe.old_values.end()) {
          if (which) *which = r.name + " " + probe.name + " " + v;
          return true;
        }
      }
    }
  }
  return false;
}

CheckResult Watch::until(std::chrono::milliseconds deadline, const std::function<bool(const CheckResult&)>& pred,
                         const std::vector<std::string>& extra) {
  CheckResult last;
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    last = check(extra);
    ++samples;
    if (last.exit_code == 0) {
      std::string which;
      const bool old = anyResolverAnswersOld(&which);
      BOOST_TEST_REQUIRE(!old, "check said SAFE while " << which << "\n" << last.raw);
    }
    if (pred(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // sampling pace, not a wait for an outcome
  }
  return last;
}

std::string Watch::failure(const std::string& what, const CheckResult& r) const {
  return daemon->failure(what + "\n--- last check ---\n" + r.raw + "\n--- world ---\n" + world.diagnostics(8));
}

bool exitIs(const CheckResult& r, int code) { return r.exit_code == code; }

// Resolvers named as blockers (with `reason`, or any reason when empty).
std::set<std::string> blockedResolvers(const CheckResult& r, const std::string& reason) {
  std::set<std::string> out;
  if (!r.doc.is_object()) return out;
  for (const auto& m : r.doc["migrations"]) {
    for (const auto& b : m["blockers"]) {
      if (reason.empty() || b["reason"] == reason) out.insert(b["resolver"].get<std::string>());
    }
  }
  return out;
}

const nlohmann::json& verdictOf(const CheckResult& r) { return r.doc.at("migrations").at(0); }

void withoutIpv6Addresses(const LoopbackWorld& world, std::string& text) {
  for (const std::string& v6 : {world.oldAddressV6(), world.newAddressV6()}) {
    for (std::size_t at; (at = text.find(", \"" + v6 + "\"")) != std::string::npos;) text.erase(at, v6.size() + 4);
    BOOST_REQUIRE(text.find(v6) == std::string::npos);
  }
}

const nlohmann::json* conditionOf(const CheckResult& r, const std::string& id) {
  for (const auto& c : verdictOf(r)["conditions"]) {
    if (c["id"] == id) return &c;
  }
  return nullptr;
}

// After the switch: the old server keeps running (web, mail) but its copy of the zone
// lists the NEW name servers, so no resolver can renew the OLD delegation from it (F9).
void oldServerPublishesNewNs(LoopbackWorld& w) {
  SideZone z = w.oldZone();
  z.ns = w.newNs();
  w.setOldZone(z);
}

void switchBack(LoopbackWorld& w) {
  SideZone z = w.oldZone();
  z.ns = w.oldNs();
  w.setOldZone(z);
  w.switchDelegation(Delegation::Old);
  w.flushResolvers();
}

void expectRegressionCritical(const Watch& watch, std::chrono::milliseconds deadline, const std::string& what) {
  CheckResult c;
  BOOST_REQUIRE_MESSAGE(pollUntil(deadline, [&] {
                          c = watch.check();
                          return c.exit_code == 2;
                        }),
                        watch.failure(what, c));
  BOOST_TEST(c.doc["summary"].get<std::string>().find("OLD reappeared after NEW") != std::string::npos, c.raw);
}

}  // namespace dnsprop::test
