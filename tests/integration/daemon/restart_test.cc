// `dnsprop run` end to end against real servers on loopback: NSD serves the zone, Unbound
// resolves it through a stub zone, the daemon probes it every second. The zone switches
// from OLD to NEW; the daemon records the transition in its SQLite state; it is killed
// with SIGKILL at arbitrary moments and restarted; the history survives, the database
// stays intact and the restored state is not re-announced as a new transition.
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <fstream>
#include <random>

#include "store/state_store.h"
#include "support/dns_servers.h"
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace dnsprop;
using namespace dnsprop::test;
using namespace std::chrono_literals;

namespace {

std::string zone(const char* address) {
  return std::string("$ORIGIN shop.test.\n$TTL 1\n") +
         "@ IN SOA ns.shop.test. hostmaster.shop.test. 1 3600 600 86400 1\n"
         "@ IN NS ns.shop.test.\nns IN A 127.0.0.1\nwww IN A " + address + "\n";
}

const TargetKey kKey{"shop.test.", "www.shop.test.", RRType::A, "unbound"};

// Reads the daemon's database like `check` would (a second connection, WAL readers).
std::optional<TargetState> stateOf(const std::filesystem::path& db) {
  try {
    auto store = StateStore::open(db);
    for (auto& [k, st] : store->loadTargets()) {
      if (k == kKey) return st;
    }
  } catch (const StoreError&) {
  }
  return std::nullopt;
}

std::vector<Transition> transitionsOf(const std::filesystem::path& db) {
  auto store = StateStore::open(db);
  return store->transitions(kKey);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_restart)

BOOST_AUTO_TEST_CASE(history_survives_sigkill_and_restart) {
  auto nsd = startNsd("127.0.0.1", freeUdpTcpPort("127.0.0.1"), {{"shop.test.", zone("192.0.2.1")}});
  ResolverOptions stub;
  stub.stub_zones["shop.test."] = {atForm(nsd->endpoint())};
  stub.cache_max_ttl = 1;
  auto unbound = startUnbound("127.0.0.1", freeUdpTcpPort("127.0.0.1"), stub);

  TempDir dir("dnsprop-restart");
  const auto db = dir.path() / "state" / "dnsprop.db";
  const auto web_port = freeUdpTcpPort("127.0.0.1");
  std::ofstream(dir.path() / "dnsprop.toml")
      << "[monitor]\ninterval = \"1s\"\ntimeout = \"300ms\"\nretries = 0\nroot_hints = [\"127.0.0.1:9\"]\nstate_dir = \""
      << (dir.path() / "state").string() << "\"\n"
      << "[web]\nlisten = [\"127.0.0.1:" << web_port << "\"]\n"
      << "[resolvers]\nextra = [{ address = \"" << unbound->endpoint().toString() << "\", name = \"unbound\" }]\n"
      << "[[migration]]\ndomain = \"shop.test\"\nwatch = [{ name = \"www\", types = [\"A\"] }]\n"
      << "[migration.old]\naddresses = [\"192.0.2.1\"]\n[migration.new]\naddresses = [\"198.51.100.1\"]\n";
  ServerProcess daemon("dnsprop", {DNSPROP_EXE, "--config.file", (dir.path() / "dnsprop.toml").string(), "run"},
                       dir.path(), dir.path() / "dnsprop.log");
  daemon.start();

  // OLD is seen and stored.
  BOOST_REQUIRE_MESSAGE(pollUntil(15s, [&] {
                          auto st = stateOf(db);
                          return st && st->current == AnswerClass::Old;
                        }),
                        daemon.failure("OLD never stored"));

  // The switch: NSD serves NEW; Unbound's cache (max TTL 1 s) follows.
  nsd->updateZones({{"shop.test.", zone("198.51.100.1")}});
  BOOST_REQUIRE_MESSAGE(pollUntil(15s, [&] {
                          auto st = stateOf(db);
                          return st && st->current == AnswerClass::New;
                        }),
                        daemon.failure("NEW never stored"));
  const auto before = transitionsOf(db);
  BOOST_REQUIRE(before.size() >= 2u);  // first sample (error -> old), then old -> new
  BOOST_TEST((before.back().from == AnswerClass::Old));
  BOOST_TEST((before.back().to == AnswerClass::New));

  // SIGKILL at arbitrary moments (mid-round, mid-commit), restart each time.
  std::mt19937 rng(12345);
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 900));  // arbitrary kill point
    ::kill(daemon.pid(), SIGKILL);
    BOOST_REQUIRE(daemon.waitExit(5s).has_value());
    daemon.start();
  }
  // Let it run a few rounds after the last restart.
  const auto samples_now = stateOf(db).value().samples;
  BOOST_REQUIRE_MESSAGE(pollUntil(15s, [&] {
                          auto st = stateOf(db);
                          return st && st->samples >= samples_now + 3;
                        }),
                        daemon.failure("no rounds after restart"));
  daemon.stop();

  auto store = StateStore::open(db);
  const auto after = store->transitions(kKey);
  // Everything recorded before the kills is still there, unchanged ...
  BOOST_REQUIRE(after.size() >= before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    BOOST_TEST((after[i].to == before[i].to));
    BOOST_TEST((after[i].at == before[i].at));
  }
  // ... and the restarts did not invent transitions: the restored state was NEW already, so
  // a restart adds none. (A probe that happens to time out would add NEW -> error -> NEW,
  // in pairs; a restart that lost the state would add a lone error -> NEW.)
  std::size_t to_error = 0, from_error = 0;
  for (std::size_t i = before.size(); i < after.size(); ++i) {
    BOOST_TEST((after[i].to != AnswerClass::Old && after[i].to != AnswerClass::Mixed));
    if (after[i].to == AnswerClass::Error) ++to_error;
    if (after[i].from == AnswerClass::Error) ++from_error;
  }
  BOOST_TEST(to_error == from_error);
  const auto st = stateOf(db).value();
  BOOST_TEST((st.current == AnswerClass::New));
  BOOST_TEST(st.last_old_seen.has_value());
  BOOST_TEST(st.max_old_ttl <= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
