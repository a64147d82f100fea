// Scaffolding of the `dnsprop check` end-to-end tests (check_e2e_test.cc,
// shapes_e2e_test.cc): a real `dnsprop run` watching a LoopbackWorld, the real
// `dnsprop check` asked again and again, and the oracle every sample is held to: whenever
// check exits 0, no resolver of the world answers OLD for any watched name (asked
// directly, right then).
//
// Not thread-safe: one test thread. Failing checks use Boost.Test macros, so these are
// for Boost.Test cases only.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/dns_servers.h"
#include "support/temp_dir.h"
#include "support/world.h"

namespace dnsprop::test {

boost::test_tools::assertion_result runningAsRoot(boost::unit_test::test_unit_id);

struct CheckResult {
  int exit_code = -1;
  nlohmann::json doc;
  std::string raw;
};

// What the oracle asks every world resolver, and the values that mean OLD.
struct OracleProbe {
  std::string name;
  std::uint16_t type = 0;
  std::vector<std::string> old_values;  // rdata as answerRdata() prints it
};
// www A, apex A, MX, NS with the world's OLD address, MX ("10 host.") and NS set.
std::vector<OracleProbe> defaultOracle(const LoopbackWorld& w);

// A running `dnsprop run` on the world, and `dnsprop check` against its state.
struct Watch {
  // `config_text` empty: world.dnspropConfig(opts). `extra_resolvers_toml` is inserted at
  // the top of [resolvers]; `vantage` replaces the world's vantage name; `edit`, when
  // set, may change the config text last, before the daemon starts.
  Watch(const LoopbackWorld& w, ConfigOptions opts = {}, const std::string& extra_resolvers_toml = "",
        const std::string& vantage = "", const std::function<void(std::string&)>& edit = {});

  CheckResult check(const std::vector<std::string>& extra = {}) const;
  // Asks every resolver of the world directly for every oracle probe; true when one
  // answers with an OLD value (`which` says who and what).
  bool anyResolverAnswersOld(std::string* which = nullptr) const;
  // Samples check (with `extra` arguments) until `pred` holds or the deadline passes,
  // asserting the oracle at every sample where check exits 0. Returns the last result.
  CheckResult until(std::chrono::milliseconds deadline, const std::function<bool(const CheckResult&)>& pred,
                    const std::vector<std::string>& extra = {});
  std::string failure(const std::string& what, const CheckResult& r) const;

  const LoopbackWorld& world;
  std::vector<OracleProbe> oracle;
  TempDir dir{"dnsprop-check-e2e"};
  std::filesystem::path config;
  std::unique_ptr<ServerProcess> daemon;
  int samples = 0;
};

bool exitIs(const CheckResult& r, int code);
// Resolvers named as blockers (with `reason`, or any reason when empty).
std::set<std::string> blockedResolvers(const CheckResult& r, const std::string& reason = "");
const nlohmann::json& verdictOf(const CheckResult& r);
// Removes the world's IPv6 site addresses (documentation addresses: nothing may be
// fetched from or mailed to them, tests touch loopback only) from a dnsprop config text.
void withoutIpv6Addresses(const LoopbackWorld& world, std::string& text);
// The verdict's condition `id` ("web", "mail", ...); nullptr when it has none.
const nlohmann::json* conditionOf(const CheckResult& r, const std::string& id);
// Runs `dnsprop --config.file CONFIG ARGS` (stderr dropped); its exit status, its output
// and that output parsed as JSON (discarded when it is not).
CheckResult runDnsprop(const std::filesystem::path& config, const std::string& args);
// After the switch: the old server keeps running (web, mail) but its copy of the zone
// lists the NEW name servers, so no resolver can renew the OLD delegation from it (F9).
void oldServerPublishesNewNs(LoopbackWorld& w);
// Someone switches back: the parent and the old server's zone list the OLD name servers
// again, and every resolver starts with an empty cache.
void switchBack(LoopbackWorld& w);
// Samples check until it says CRITICAL (within `deadline`); fails the test otherwise,
// and checks the summary says OLD reappeared after NEW.
void expectRegressionCritical(const Watch& watch, std::chrono::milliseconds deadline, const std::string& what);

}  // namespace dnsprop::test
