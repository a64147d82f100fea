// FAULTS F13 on loopback with real servers and real signatures: an NSD serving the parent
// zone `test.` (with or without a DS for shop.test.), an NSD serving shop.test. signed by
// ldns-signzone with keys from ldns-keygen (the "new provider"), and a validating Unbound
// whose trust anchor is the parent's DS set (what a validator gets from the chain of
// trust). The ground truth is asked through the real ProbeEngine with the queries
// truthQueries() builds; where the truth says Broken, Unbound must answer SERVFAIL, and
// where it says Valid, Unbound must validate. The last case runs the real Monitor.
//
// Addresses 127.0.66.1-3 with unprivileged ports (the servers are named in the
// migration with their ports, no delegation has to reach them): no root needed.
#include <boost/test/unit_test.hpp>

#include <prometheus/registry.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "config/config_loader.h"
#include "dns/query.h"
#include "model/ground_truth.h"
#include "net/monitor.h"
#include "net/probe_engine.h"
#include "net/uv_handle.h"
#include "support/dns_client.h"
#include "support/dns_servers.h"
#include "support/ports.h"
#include "support/printers.h"
#include "support/temp_dir.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

constexpr const char* kParentAddr = "127.0.66.1";
constexpr const char* kNewAddr = "127.0.66.2";
constexpr const char* kValidatorAddr = "127.0.66.3";
constexpr const char* kNewAddress = "198.51.100.20";

// Runs an ldnsutils command in `dir` and returns its stdout+stderr; fails the test when
// it does not exit 0 within 30 s.
std::string run(const test::TempDir& dir, const std::string& tool, std::vector<std::string> args) {
  const auto bin = test::findExecutable(tool);
  BOOST_REQUIRE_MESSAGE(bin.has_value(), tool << " not installed: run scripts/install-deps.sh --test");
  static int n = 0;
  const auto log = dir / (tool + "-" + std::to_string(++n) + ".log");
  args.insert(args.begin(), bin->string());
  test::ServerProcess p(tool, args, dir.path(), log);
  p.start();
  const auto rc = p.waitExit(test::Millis(30000));
  std::ifstream in(log);
  std::stringstream out;
  out << in.rdbuf();
  BOOST_REQUIRE_MESSAGE(rc == 0, tool << " failed (" << rc.value_or(-1) << "): " << out.str());
  return out.str();
}

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// Keys of shop.test. made by ldns-keygen in one directory; their DS by ldns-key2ds.
struct Keys {
  test::TempDir dir{"dnsprop-dnssec-keys"};

  // Returns the key's base name ("Kshop.test.+013+12345").
  std::string make(bool ksk) {
    std::vector<std::string> args = {"-a", "ECDSAP256SHA256"};
    if (ksk) args.push_back("-k");
    args.push_back("shop.test.");
    return firstLine(run(dir, "ldns-keygen", args));
  }
  // The SHA-256 DS record of a key, in presentation form.
  std::string ds(const std::string& base) { return firstLine(run(dir, "ldns-key2ds", {"-n", "-2", base + ".key"})); }
  // `zone` signed with the keys (their DNSKEYs added to it).
  std::string sign(const std::string& zone, const std::vector<std::string>& bases) {
    dir.writeFile("shop.test.zone", zone);
    std::vector<std::string> args = {"-f", "shop.test.zone.signed", "-o", "shop.test.", "shop.test.zone"};
    args.insert(args.end(), bases.begin(), bases.end());
    run(dir, "ldns-signzone", args);
    return dir.readFile("shop.test.zone.signed");
  }
};

std::string childZone() {
  return "$ORIGIN shop.test.\n$TTL 60\n"
         "@ SOA ns1.newhost.test. hostmaster.shop.test. 1 60 60 600 60\n"
         "@ NS ns1.newhost.test.\n"
         "www A " + std::string(kNewAddress) + "\n";
}

std::string parentZone(const std::vector<std::string>& ds_lines) {
  std::string z = "$ORIGIN test.\n$TTL 60\n"
                  "@ SOA ns1.nic.test. hostmaster.test. 1 60 60 600 60\n"
                  "@ NS ns1.nic.test.\n"
                  "ns1.nic A " + std::string(kParentAddr) + "\n"
                  "shop NS ns1.newhost.test.\n"
                  "ns1.newhost A " + std::string(kNewAddr) + "\n";
  for (const auto& ds : ds_lines) z += ds + "\n";
  return z;
}

// The parent, the new server and the migration that names them.
struct Setup {
  Setup(const std::vector<std::string>& parent_ds, const std::string& child_zone) {
    parent = test::startNsd(kParentAddr, test::freeUdpTcpPort(kParentAddr), {{"test.", parentZone(parent_ds)}});
    child = test::startNsd(kNewAddr, test::freeUdpTcpPort(kNewAddr), {{"shop.test.", child_zone}});
    m.domain = "shop.test.";
    m.watch = {{"www.shop.test.", {RRType::A}}};
    m.old_side.addresses = {*Endpoint::parse("192.0.2.10")};
    m.old_side.ns = {"ns1.oldhost.test."};
    m.new_side.addresses = {*Endpoint::parse(kNewAddress)};
    m.new_side.ns = {"ns1.newhost.test."};
    m.new_side.servers = {child->endpoint()};
    m.parent_servers = {parent->endpoint()};
  }
  std::unique_ptr<test::DnsServer> parent, child;
  Migration m;
};

// Every truth query of `m` through the real probe engine, then evaluateTruth().
GroundTruth askTruth(const Migration& m) {
  uv::Loop loop;
  SystemClock clock;
  EngineOptions eo;
  eo.timeout = 500ms;
  eo.retries = 1;
  ProbeEngine engine(loop.get(), clock, eo);
  const auto queries = truthQueries(m);
  std::vector<std::unique_ptr<dns::QueryTemplate>> templates;
  std::vector<std::optional<dns::Observation>> results(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    templates.push_back(std::make_unique<dns::QueryTemplate>(queries[i].name, truthQType(queries[i]),
                                                             truthQueryOptions(queries[i])));
    engine.probe({templates.back().get(), queries[i].server},
                 [&results, i](const dns::Observation& o) { results[i] = o; });
  }
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (engine.inFlight() > 0 && std::chrono::steady_clock::now() < deadline) uv_run(loop.get(), UV_RUN_ONCE);
  std::vector<dns::Observation> obs;
  for (std::size_t i = 0; i < results.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(results[i].has_value(), "truth query " << i << " did not finish within 15 s");
    obs.push_back(*results[i]);
  }
  return evaluateTruth(m, queries, obs);
}

std::string findings(const GroundTruth& g) {
  std::string s = "dnssec=" + std::string(toString(g.dnssec));
  for (const auto& f : g.findings) s += "\n  " + f;
  return s;
}

bool hasFinding(const GroundTruth& g, const std::string& part) {
  return std::any_of(g.findings.begin(), g.findings.end(),
                     [&](const std::string& f) { return f.find(part) != std::string::npos; });
}

// A validating Unbound that trusts exactly `ds` for shop.test. (what it would have
// learnt from the parent) and asks the new server directly.
std::unique_ptr<test::DnsServer> validator(const Setup& s, const std::vector<std::string>& ds) {
  test::ResolverOptions o;
  o.stub_zones["shop.test."] = {test::atForm(s.child->endpoint())};
  o.trust_anchors = ds;
  o.cache_max_ttl = 1;
  return test::startUnbound(kValidatorAddr, test::freeUdpTcpPort(kValidatorAddr), o);
}

// What the validator answers for www.shop.test. A: rcode and addresses.
std::pair<int, std::vector<std::string>> resolve(const test::DnsServer& v) {
  const auto r = test::lookup(v.endpoint(), "www.shop.test.", test::kTypeA, true, test::Millis(5000));
  BOOST_REQUIRE_MESSAGE(r.has_value(), "no reply from the validator\n" << v.logTail());
  return {r->rcode, r->answerRdata(test::kTypeA)};
}

constexpr int kNoError = 0;
constexpr int kServFail = 2;

}  // namespace

BOOST_AUTO_TEST_SUITE(dnssec_truth)

BOOST_AUTO_TEST_CASE(ds_of_the_signing_key_is_valid_and_validates) {
  Keys keys;
  const auto zsk = keys.make(false), ksk = keys.make(true);
  const auto ds = keys.ds(ksk);
  Setup s({ds}, keys.sign(childZone(), {zsk, ksk}));
  const auto g = askTruth(s.m);
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
  BOOST_TEST(!hasFinding(g, "DS"), findings(g));
  BOOST_TEST((g.delegation == Delegation::New), findings(g));  // the DS queries did not disturb it
  auto v = validator(s, {ds});
  const auto [rcode, addrs] = resolve(*v);
  BOOST_TEST(rcode == kNoError);
  BOOST_TEST(addrs == std::vector<std::string>{kNewAddress});
}

BOOST_AUTO_TEST_CASE(f13_ds_of_the_old_providers_key_is_broken_and_validators_servfail) {
  Keys keys;
  const auto zsk = keys.make(false), ksk = keys.make(true), old_ksk = keys.make(true);
  const auto old_ds = keys.ds(old_ksk);
  Setup s({old_ds}, keys.sign(childZone(), {zsk, ksk}));
  const auto g = askTruth(s.m);
  BOOST_TEST((g.dnssec == DnssecState::Broken), findings(g));
  const std::string tag = old_ksk.substr(old_ksk.rfind('+') + 1);  // "Kshop.test.+013+<tag>"
  BOOST_TEST(hasFinding(g, "parent DS " + std::to_string(std::stoi(tag)) + "/13 for shop.test. matches no DNSKEY"),
             findings(g));
  BOOST_TEST(hasFinding(g, "validating resolvers will SERVFAIL (F13)"), findings(g));
  auto v = validator(s, {old_ds});
  BOOST_TEST(resolve(*v).first == kServFail);
}

BOOST_AUTO_TEST_CASE(f13_ds_left_while_the_new_zone_is_unsigned_is_broken) {
  Keys keys;
  const auto old_ds = keys.ds(keys.make(true));
  Setup s({old_ds}, childZone());
  const auto g = askTruth(s.m);
  BOOST_TEST((g.dnssec == DnssecState::Broken), findings(g));
  BOOST_TEST(hasFinding(g, "serve no DNSKEY"), findings(g));
  auto v = validator(s, {old_ds});
  BOOST_TEST(resolve(*v).first == kServFail);
}

BOOST_AUTO_TEST_CASE(old_and_new_ds_at_the_parent_is_valid) {
  Keys keys;
  const auto zsk = keys.make(false), ksk = keys.make(true);
  const std::vector<std::string> both = {keys.ds(keys.make(true)), keys.ds(ksk)};
  Setup s(both, keys.sign(childZone(), {zsk, ksk}));
  const auto g = askTruth(s.m);
  BOOST_TEST((g.dnssec == DnssecState::Valid), findings(g));
  auto v = validator(s, both);
  BOOST_TEST(resolve(*v).first == kNoError);
}

BOOST_AUTO_TEST_CASE(no_ds_at_the_parent_is_unsigned) {
  Keys keys;
  const auto zsk = keys.make(false), ksk = keys.make(true);
  Setup s({}, keys.sign(childZone(), {zsk, ksk}));  // signed, but never announced
  const auto g = askTruth(s.m);
  BOOST_TEST((g.dnssec == DnssecState::Unsigned), findings(g));
}

BOOST_AUTO_TEST_CASE(the_monitor_reports_broken_dnssec_and_the_validators_servfail) {
  Keys keys;
  const auto zsk = keys.make(false), ksk = keys.make(true);
  const auto old_ds = keys.ds(keys.make(true));
  Setup s({old_ds}, keys.sign(childZone(), {zsk, ksk}));
  auto v = validator(s, {old_ds});
  test::TempDir dir("dnsprop-dnssec-monitor");
  std::ostringstream t;
  t << "[monitor]\ninterval = \"2s\"\ntimeout = \"500ms\"\nretries = 1\n"
    << "state_dir = \"" << (dir / "state").string() << "\"\n\n"
    << "[web]\nlisten = [\"127.0.0.1:" << test::freeUdpTcpPort("127.0.0.1") << "\"]\n\n"
    << "[resolvers]\nextra = [ { address = \"" << v->endpoint().toString()
    << "\", name = \"validator\", operator = \"loopback\" } ]\n\n"
    << "[[migration]]\ndomain = \"shop.test\"\n"
    << "watch = [ { name = \"www\", types = [\"A\"] } ]\n"
    << "parent_servers = [\"" << s.parent->endpoint().toString() << "\"]\n\n"
    << "[migration.old]\naddresses = [\"192.0.2.10\"]\nns = [\"ns1.oldhost.test\"]\n\n"
    << "[migration.new]\naddresses = [\"" << kNewAddress << "\"]\nns = [\"ns1.newhost.test\"]\n"
    << "servers = [\"" << s.child->endpoint().toString() << "\"]\n";
  Config config = parseConfig(t.str(), dir / "dnsprop.toml");
  uv::Loop loop;
  SystemClock clock;
  auto monitor = std::make_unique<Monitor>(loop.get(), clock, std::move(config),
                                           std::make_shared<prometheus::Registry>());
  monitor->start();
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (monitor->snapshot()->rounds == 0 && std::chrono::steady_clock::now() < deadline) {
    uv_run(loop.get(), UV_RUN_ONCE);
  }
  const auto snap = monitor->snapshot();
  monitor->stop();
  monitor.reset();
  BOOST_REQUIRE_MESSAGE(snap->rounds > 0, "no round completed within 15 s");
  BOOST_REQUIRE(snap->migrations.size() == 1u);
  const auto& g = snap->migrations.front().truth;
  BOOST_TEST((g.dnssec == DnssecState::Broken), findings(g));
  // The symptom on the resolver side: the validator's answer is SERVFAIL, never NEW.
  const auto it = snap->targets.find(TargetKey{"shop.test.", "www.shop.test.", RRType::A, "validator"});
  BOOST_REQUIRE(it != snap->targets.end());
  BOOST_TEST((it->second.current == AnswerClass::Error));
}

BOOST_AUTO_TEST_SUITE_END()
