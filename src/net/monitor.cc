#include "net/monitor.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "common/log.h"
#include "common/time_format.h"
#include "dns/query.h"
#include "model/selection.h"

namespace dnsprop {
namespace {



std::string roundKey(const std::string& domain) { return "round/" + domain; }
std::string historyKey(const std::string& domain) { return "history/" + domain; }




std::string truthKey(const std::string& domain) { return "truth/" + domain; }

// Record types a migration expects the same values for on both sides and watches nowhere:
// what stays (shown, not judged).
std::vector<std::string> unchangedTypes(const Migration& m) {
  std::vector<std::string> out;
  for (RRType t : {RRType::A, RRType::AAAA, RRType::NS, RRType::MX}) {
    bool watched = false;
    for (const auto& w : m.watch) {
      watched = watched || std::find(w.types.begin(), w.types.end(), t) != w.types.end();
    }
    auto o = expectedValues(m.old_side, t);
    auto n = expectedValues(m.new_side, t);
    std::sort(o.begin(), o.end());
    std::sort(n.begin(), n.end());
    if (!watched && !o.empty() && o == n) out.emplace_back(toString(t));
  }
  return out;
}

// The longest silence a NEW run may span: three intervals (a round's probes are spread
// over half an interval, so consecutive samples of a target are up to 1.5 apart) plus
// every attempt of a probe.
Duration maxGap(const MonitorSettings& s, Duration last_round = Duration(0)) {
  return 3 * std::max(s.interval, last_round) + (s.retries + 1) * s.timeout;
}

}  // namespace

struct Monitor::Plan {
  Config config;
  std::vector<ResolverInfo> resolvers;
  struct Question {
    std::size_t migration;
    std::string name;
    RRType type;
    std::unique_ptr<dns::QueryTemplate> query;
  };
  std::vector<Question> questions;
  struct Truth {
    std::size_t migration;
    std::size_t index;  // within that migration's truthQueries()
    std::unique_ptr<dns::QueryTemplate> query;
  };
  std::vector<std::vector<TruthQuery>> truth_queries;  // per migration
  std::vector<Truth> truths;
  // Round slot i: i < questions*resolvers is (question i / R, resolver i % R); the rest
  // are truths[i - questions*resolvers].
  std::vector<ProbeTarget> targets;
  std::vector<std::string> discovered;  // domains whose parent_servers came from discovery
  std::vector<std::string> excluded;    // selected resolvers the config excludes from the verdict
  std::size_t ipv6_left_out = 0;        // catalog IPv6 resolvers family "auto" left out (no route)
  // [migration.web]: one prober per trust store ("" = the system roots), made with the
  // plan so that a trust store that cannot be loaded fails start-up or the reload.
  std::map<std::string, std::unique_ptr<WebProber>> web_probers;
  // [migration.mail]: likewise, one SMTP prober per trust store.
  std::map<std::string, std::unique_ptr<SmtpProber>> smtp_probers;
  std::string helo_name;  // this host's name, for migrations whose mail.helo_name is empty
  std::size_t probeSlots() const { return questions.size() * resolvers.size(); }
};

Monitor::Monitor(uv_loop_t* loop, const Clock& clock, Config config,
                 std::shared_ptr<prometheus::Registry> registry)
    : loop_(loop), clock_(clock), host_ipv6_(ParentDiscovery::hostHasIpv6Route()) {
  plan_ = buildPlan(std::move(config));
  logIpv6Choice(*plan_);
  model_.setMaxGap(maxGap(plan_->config.monitor));
  store_ = StateStore::open(plan_->config.monitor.state_dir / "dnsprop.db");
  for (auto& [key, state] : store_->loadTargets(model_.settings().recent_transitions)) {
    model_.restore(key, std::move(state));
  }
  for (const auto& [key, sample] : store_->lastSamples()) throttle_.remember(key, sample);
  for (const auto& m : plan_->config.migrations) loadFacts(m.domain);
  registry_ = std::move(registry);
  metrics_ = std::make_unique<MonitorMetrics>(*registry_, plan_->config.monitor.vantage);
  rebuildEngine();
  round_timer_.reset(uv::allocHandle<uv_timer_t>());
  uv_timer_init(loop_, round_timer_.get());
  round_timer_->data = this;
  snapshot_ = std::make_shared<MonitorSnapshot>();
  log::info("state restored", {{"targets", std::to_string(model_.all().size())},
                               {"db", store_->path().string()}});
}

Monitor::~Monitor() = default;

const Config& Monitor::config() const { return plan_->config; }

WallTime Monitor::stableNow() const {
  // Never backwards (F18: a step back holds time still until the clock catches up), and
  // real time across suspends (a monotonic-based clock would fall behind and make every
  // prediction early).
  last_now_ = std::max(last_now_, clock_.wall());
  return last_now_;
}

void Monitor::loadFacts(const std::string& domain) {
  if (facts_loaded_[domain]) return;
  facts_loaded_[domain] = true;
  auto json = [&](const std::string& key) {
    auto f = store_->fact(key);
    return f ? nlohmann::json::parse(*f, nullptr, false) : nlohmann::json();
  };
  try {
    if (const auto j = json(truthKey(domain)); j.is_object()) {
      truth_facts_[domain] = truthFactsFromJson(j);
    } else {
      // A database written before the facts were kept together (three facts).
      TruthFacts f;
      if (const auto p = json("parent_switch_seen/" + domain); p.is_object() && p.contains("ms")) {
        f.switch_seen = truthFactsFromJson({{"switch_seen_ms", p["ms"]}}).switch_seen;
        f.ever_switched = f.switch_seen.has_value();
      }
      if (const auto t = json("truth_max_ttl/" + domain); t.is_object()) {
        const auto m = truthFactsFromJson(t);
        f.parent_ns_ttl = m.parent_ns_ttl;
        f.old_child_ns_ttl = m.old_child_ns_ttl;
        f.old_data_ttl = m.old_data_ttl;
      }
      if (const auto o = json("old_server/" + domain); o.is_object()) {
        if (o.contains("serving") && o["serving"].is_boolean()) f.old_serving = o["serving"].get<bool>();
        f.old_last_serving = truthFactsFromJson({{"old_last_serving_ms", o.value("last_serving_ms", nlohmann::json())}})
                                 .old_last_serving;
      }
      truth_facts_[domain] = f;
    }
    if (const auto j = json(historyKey(domain)); j.is_array() && !history_.count(domain)) {
      auto& h = history_[domain];
      for (const auto& p : j) {
        if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number()) {
          h.emplace_back(fromUnixMillis(p[0].get<std::int64_t>()), p[1].get<double>());
        }
      }
    }
  } catch (const std::exception& e) {
    log::error("state database: cannot read facts", {{"domain", domain}, {"err", e.what()}});
  }
}

// Written every round, not only on change: a round whose commit failed must not leave a
// fact stale for good (the next successful round rewrites it).
void Monitor::saveFacts(const std::string& domain) {
  store_->putFact(truthKey(domain), toJson(truth_facts_[domain]).dump());
}

std::unique_ptr<Monitor::Plan> Monitor::buildPlan(Config config) const {
  auto plan = std::make_unique<Plan>();
  plan->config = std::move(config);
  for (const Migration& m : plan->config.migrations) {
    if (!m.web) continue;
    const std::string key = m.web->ca_file ? m.web->ca_file->string() : std::string();
    if (plan->web_probers.count(key) != 0) continue;
    WebProberOptions o;
    // A fetch must end well within the round: at most 10 s, and half an interval.
    o.timeout = plan->config.monitor.server_timeout.value_or(
        std::min<Duration>(std::chrono::seconds(10), plan->config.monitor.interval / 2));
    o.ca_file = m.web->ca_file;
    plan->web_probers[key] = std::make_unique<WebProber>(loop_, std::move(o));  // throws on a bad ca_file
  }
  for (const Migration& m : plan->config.migrations) {
    if (!m.mail) continue;
    const std::string key = m.mail->ca_file ? m.mail->ca_file->string() : std::string();
    if (plan->smtp_probers.count(key) != 0) continue;
    SmtpProberOptions o;
    // An exchange must end well within the round: at most 30 s, and half an interval.
    o.timeout = plan->config.monitor.server_timeout.value_or(
        std::min<Duration>(std::chrono::seconds(30), plan->config.monitor.interval / 2));
    o.reach_timeout = std::min<Duration>(std::chrono::seconds(5), o.timeout);
    o.ca_file = m.mail->ca_file;
    plan->smtp_probers[key] = std::make_unique<SmtpProber>(loop_, std::move(o));  // throws on a bad ca_file
  }
  {
    char host[256] = {};
    std::size_t size = sizeof host;
    plan->helo_name = uv_os_gethostname(host, &size) == 0 && host[0] != '\0' ? std::string(host) : "localhost";
    const bool needed = std::any_of(plan->config.migrations.begin(), plan->config.migrations.end(),
                                    [](const Migration& m) { return m.mail && m.mail->helo_name.empty(); });
    if (needed && plan->helo_name.find('.') == std::string::npos) {
      log::warn("this host's name is not fully qualified: mail servers that check the EHLO name may refuse it; set "
                "mail.helo_name",
                {{"helo_name", plan->helo_name}});
    }
  }
  auto choice = selectConfiguredResolvers(plan->config.resolvers, host_ipv6_);
  plan->resolvers = std::move(choice.resolvers);
  plan->ipv6_left_out = choice.ipv6_left_out;
  for (const auto& r : plan->resolvers) {
    for (const auto& ex : plan->config.resolvers.exclude) {
      if (ex == r.endpoint) plan->excluded.push_back(r.name);
    }
  }
  for (std::size_t mi = 0; mi < plan->config.migrations.size(); ++mi) {
    Migration& m = plan->config.migrations[mi];
    if (m.parent_servers.empty()) {
      if (auto it = discovered_parents_.find(m.domain); it != discovered_parents_.end()) {
        m.parent_servers = it->second;
        plan->discovered.push_back(m.domain);
      }
    }
    for (const auto& w : m.watch) {
      for (auto t : w.types) {
        plan->questions.push_back({mi, w.name, t, std::make_unique<dns::QueryTemplate>(w.name, dns::toQType(t))});
      }
    }
    plan->truth_queries.push_back(truthQueries(m));
    const auto& tq = plan->truth_queries.back();
    for (std::size_t i = 0; i < tq.size(); ++i) {
      plan->truths.push_back(
          {mi, i, std::make_unique<dns::QueryTemplate>(tq[i].name, truthQType(tq[i]), truthQueryOptions(tq[i]))});
    }
  }
  for (const auto& q : plan->questions) {
    for (const auto& r : plan->resolvers) plan->targets.push_back({q.query.get(), r.endpoint});
  }
  for (std::size_t i = 0; i < plan->truths.size(); ++i) {
    const auto& t = plan->truths[i];
    plan->targets.push_back({t.query.get(), plan->truth_queries[t.migration][t.index].server});
  }
  return plan;
}

void Monitor::applyConfig(Config config) {
  auto next = buildPlan(std::move(config));  // throws; nothing changed yet
  if (next->config.monitor.state_dir != plan_->config.monitor.state_dir) {
    log::warn("monitor.state_dir changes only on restart",
              {{"running", plan_->config.monitor.state_dir.string()},
               {"configured", next->config.monitor.state_dir.string()}});
  }
  if (next->ipv6_left_out != plan_->ipv6_left_out) logIpv6Choice(*next);
  pending_ = std::move(next);
}

void Monitor::logIpv6Choice(const Plan& plan) const {
  if (plan.ipv6_left_out == 0) return;
  log::warn("this host has no IPv6 route: IPv6 resolvers of the catalogs are not probed "
            "([resolvers] family = \"any\" probes them anyway)",
            {{"left_out", std::to_string(plan.ipv6_left_out)}});
}

// Engine, runner and discovery are rebuilt together (both hold the engine by reference).
void Monitor::rebuildEngine() {
  discovery_.reset();
  discovering_.clear();
  runner_.reset();
  EngineOptions eo;
  eo.timeout = plan_->config.monitor.timeout;
  eo.retries = plan_->config.monitor.retries;
  eo.tcp_only = plan_->config.monitor.tcp_only;
  engine_ = std::make_unique<ProbeEngine>(loop_, clock_, eo);
  runner_ = std::make_unique<RoundRunner>(loop_, *engine_);
  auto hints = plan_->config.monitor.root_hints;
  if (hints.empty()) hints = ParentDiscovery::defaultRootHints();
  discovery_ = std::make_unique<ParentDiscovery>(*engine_, std::move(hints));
}

void Monitor::discoverParents() {
  const MonoTime now = clock_.monotonic();
  for (const auto& m : plan_->config.migrations) {
    const bool configured = !m.parent_servers.empty() &&
                            std::find(plan_->discovered.begin(), plan_->discovered.end(), m.domain) ==
                                plan_->discovered.end();
    if (configured || discovering_[m.domain]) continue;
    if (auto due = discovery_due_.find(m.domain); due != discovery_due_.end() && due->second > now) continue;
    discovering_[m.domain] = true;
    const std::string domain = m.domain;
    discovery_->discover(domain, [this, domain](const ParentDiscoveryResult& r) {
      discovering_[domain] = false;
      const MonoTime at = clock_.monotonic();
      if (!r.ok || r.servers.empty()) {
        discovery_due_[domain] = at + std::chrono::minutes(5);
        log::warn("parent servers not found", {{"domain", domain}, {"err", r.error},
                                               {"queries", std::to_string(r.queries)}});
        return;
      }
      discovery_due_[domain] = at + std::chrono::hours(6);
      const std::string partial = r.complete ? "" : r.partial_reason;
      if (!partial.empty() && discovered_partial_[domain] != partial) {
        log::warn("parent server list is partial", {{"domain", domain}, {"why", partial}});
      }
      discovered_partial_[domain] = partial;
      auto& known = discovered_parents_[domain];
      if (known == r.servers) return;
      known = r.servers;
      std::string list;
      for (const auto& e : r.servers) list += (list.empty() ? "" : ",") + e.toString();
      log::info("parent servers discovered", {{"domain", domain}, {"zone", r.parent_zone}, {"servers", list}});
      // Takes effect from the next round, like a reload (a pending reload is rebuilt too).
      try {
        Config base = pending_ ? pending_->config : plan_->config;
        for (auto& mig : base.migrations) {
          const auto& from = pending_ ? pending_->discovered : plan_->discovered;
          if (std::find(from.begin(), from.end(), mig.domain) != from.end()) mig.parent_servers.clear();
        }
        pending_ = buildPlan(std::move(base));
      } catch (const std::exception& e) {
        log::error("cannot apply discovered parent servers", {{"domain", domain}, {"err", e.what()}});
      }
    });
  }
}

void Monitor::start() {
  stopping_ = false;
  startRound();
}

void Monitor::stop() {
  stopping_ = true;
  // Fetches in flight are cancelled without callbacks (the plan's probers go with it).
  if (plan_) plan_->web_probers.clear(), plan_->smtp_probers.clear();
  if (pending_) pending_->web_probers.clear(), pending_->smtp_probers.clear();
  discovery_.reset();
  runner_.reset();
  engine_.reset();
  round_timer_.reset();
  // Keep what this round already saw (each sample stands on its own): OLD evidence seen
  // just before a restart must not be forgotten.
  if (store_ && store_->roundOpen()) {
    for (const auto& [key, touched] : touched_) {
      if (const TargetState* st = model_.find(key)) store_->saveTarget(key, *st);
    }
    if (!store_->commitRound()) {
      log::error("state database: partial round not committed", {{"err", store_->lastError()}});
    }
  }
}

std::function<void(std::string&)> Monitor::metricsText() const { return metrics_->text(); }

std::shared_ptr<const MonitorSnapshot> Monitor::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

void Monitor::startRound() {
  if (stopping_) return;
  if (pending_) {
    const auto state_dir = plan_->config.monitor.state_dir;
    plan_ = std::move(pending_);
    plan_->config.monitor.state_dir = state_dir;  // the open store stays where it is
    mail_due_.clear();  // a changed [migration.mail] is asked at once
    // Access logs of migrations that no longer have [migration.traffic] are let go.
    std::erase_if(traffic_, [&](const auto& entry) {
      return std::none_of(plan_->config.migrations.begin(), plan_->config.migrations.end(),
                          [&](const Migration& m) { return m.domain == entry.first && m.traffic; });
    });
    model_.setMaxGap(maxGap(plan_->config.monitor));
    rebuildEngine();
  }
  discoverParents();
  round_started_ = clock_.monotonic();
  truth_results_.assign(plan_->truths.size(), dns::Observation{});
  touched_.clear();
  RoundPlanOptions rp;
  rp.spread = plan_->config.monitor.interval / 2;
  rp.rate_qps = plan_->config.monitor.rate_limit_qps;
  rp.burst = plan_->config.monitor.rate_limit_burst;
  if (!store_->beginRound()) {
    log::error("state database: cannot begin a round", {{"err", store_->lastError()}});
  }
  dns_done_ = false;
  startWebFetches();
  startMailChecks();
  runner_->start(
      plan_->targets, rp, [this](std::size_t i, const dns::Observation& o) { onResult(i, o); },
      [this] {
        dns_done_ = true;
        maybeRoundDone();
      });
}

// [migration.web]: every path (and must_match path) as every host, over each configured
// scheme, from every old and new address, once per round; the round ends when both the
// DNS probes and these are done. An address of a family the host has no route for is
// recorded as not fetched (NoRoute), never as down.
void Monitor::startWebFetches() {
  web_round_.clear();
  web_pending_ = 0;
  for (const Migration& m : plan_->config.migrations) {
    if (!m.web) continue;
    const WebCheckConfig& w = *m.web;
    WebProber& prober = *plan_->web_probers.at(w.ca_file ? w.ca_file->string() : std::string());
    std::vector<std::string> paths = w.paths;
    for (const auto& p : w.must_match) {
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
    }
    web_round_[m.domain];  // the migration has a (possibly empty) list this round
    for (ServerSide side : {ServerSide::Old, ServerSide::New}) {
      const Expectation& e = side == ServerSide::Old ? m.old_side : m.new_side;
      for (const Endpoint& address : e.addresses) {
        for (const std::string& host : w.hosts) {
          for (bool https : {false, true}) {
            if ((https && !w.https) || (!https && !w.http)) continue;
            for (const std::string& path : paths) {
              WebFetch f;
              f.side = side;
              f.address = address.address();
              f.host = host.substr(0, host.size() - (host.ends_with('.') ? 1 : 0));
              f.https = https;
              f.path = path;
              if (address.family() == Endpoint::Family::V6 && !host_ipv6_) {
                f.outcome = FetchOutcome::NoRoute;
                f.error = "this host has no IPv6 route";
                f.at = stableNow();
                web_round_[m.domain].fetches.push_back(std::move(f));
                continue;
              }
              WebRequest req;
              req.host = f.host;
              req.address = *Endpoint::parse(address.address(), https ? w.https_port : w.http_port);
              req.https = https;
              req.path = path;
              // `done` never runs inside fetch(): counting after it is safe, and exact
              // should fetch() throw (std::bad_alloc only).
              prober.fetch(std::move(req), [this, domain = m.domain, f](const WebResult& r) mutable {
                webFetched(domain, std::move(f), r);
              });
              ++web_pending_;
            }
          }
        }
      }
    }
  }
}

void Monitor::webFetched(const std::string& domain, WebFetch f, const WebResult& r) {
  f.at = stableNow();
  switch (r.outcome) {
    case WebOutcome::Response: f.outcome = FetchOutcome::Response; break;
    case WebOutcome::Timeout: f.outcome = FetchOutcome::Timeout; break;
    case WebOutcome::ConnectFailed: f.outcome = FetchOutcome::ConnectFailed; break;
    case WebOutcome::TlsFailed: f.outcome = FetchOutcome::TlsFailed; break;
    case WebOutcome::Error: f.outcome = FetchOutcome::Error; break;
  }
  f.error = r.error;
  f.status = r.status;
  f.location = r.location;
  f.body_bytes = r.body_bytes;
  f.body_truncated = r.body_truncated;
  f.body_sha256 = r.body_sha256;
  f.elapsed_seconds = std::chrono::duration<double>(r.elapsed).count();
  if (r.cert) {
    f.cert_seen = true;
    f.cert_chain_ok = r.cert->chain_ok;
    f.cert_error = r.cert->chain_error;
    f.cert_name_matches = r.cert->name_matches;
    f.cert_not_after = r.cert->not_after;
  }
  web_round_[domain].fetches.push_back(std::move(f));
  if (web_pending_ > 0) --web_pending_;
  maybeRoundDone();
}

void Monitor::maybeRoundDone() {
  if (dns_done_ && web_pending_ == 0 && mail_pending_ == 0 && !stopping_) roundDone();
}

namespace {

// The name a side's mail server certificate should carry: the configured tls_name, else
// the side's first MX name, else the other side's, else the domain.
std::string mailTlsName(const Migration& m, ServerSide side) {
  auto strip = [](const std::string& n) { return n.ends_with('.') ? n.substr(0, n.size() - 1) : n; };
  if (!m.mail->tls_name.empty()) return m.mail->tls_name;
  const Expectation& own = side == ServerSide::Old ? m.old_side : m.new_side;
  const Expectation& other = side == ServerSide::Old ? m.new_side : m.old_side;
  if (!own.mx.empty()) return strip(own.mx.front());
  if (!other.mx.empty()) return strip(other.mx.front());
  return strip(m.domain);
}

}  // namespace

// [migration.mail]: every `every` (not every round: a mail server is not to be asked every
// few seconds), an SMTP exchange with every old and new mail server address and a
// connect to every fetch port of every old address. The round that starts them waits for
// them; the rounds in between carry the last results (their times say how old).
void Monitor::startMailChecks() {
  mail_pending_ = 0;
  mail_started_.clear();
  const MonoTime now = clock_.monotonic();
  for (const Migration& m : plan_->config.migrations) {
    if (!m.mail) continue;
    const MailCheckConfig& c = *m.mail;
    auto due = mail_due_.find(m.domain);
    if (due != mail_due_.end() && now < due->second) continue;
    mail_due_[m.domain] = now + c.every;
    SmtpProber& prober = *plan_->smtp_probers.at(c.ca_file ? c.ca_file->string() : std::string());
    MailChecks& next = mail_next_[m.domain];
    next = MailChecks{};
    next.recipient = c.recipient;
    next.require_starttls = c.require_starttls;
    next.every = c.every;
    for (ServerSide side : {ServerSide::Old, ServerSide::New}) {
      for (const Endpoint& address : side == ServerSide::Old ? c.old_addresses : c.new_addresses) {
        MailExchange e;
        e.side = side;
        e.address = address.address();
        e.port = c.port;
        e.tls_name = mailTlsName(m, side);
        if (address.family() == Endpoint::Family::V6 && !host_ipv6_) {
          e.outcome = MailOutcome::NoRoute;
          e.error = "this host has no IPv6 route";
          e.at = stableNow();
          next.exchanges.push_back(std::move(e));
          continue;
        }
        SmtpRequest req;
        req.address = *Endpoint::parse(address.address(), c.port);
        req.helo_name = c.helo_name.empty() ? plan_->helo_name : c.helo_name;
        req.recipient = c.recipient;
        req.tls_name = e.tls_name;
        req.starttls = true;
        // `done` never runs inside ask(): counting after it is safe, and exact should ask()
        // throw (std::bad_alloc only).
        prober.ask(std::move(req), [this, domain = m.domain, e](const SmtpResult& r) mutable {
          mailAsked(domain, std::move(e), r);
        });
        ++mail_pending_;
      }
    }
    for (const Endpoint& address : c.old_addresses) {
      for (std::uint16_t port : c.fetch_ports) {
        PortCheck pc;
        pc.address = address.address();
        pc.port = port;
        if (address.family() == Endpoint::Family::V6 && !host_ipv6_) {
          pc.outcome = "no_route";
          pc.error = "this host has no IPv6 route";
          pc.at = stableNow();
          next.fetch_ports.push_back(std::move(pc));
          continue;
        }
        prober.reach(*Endpoint::parse(address.address(), port),
                     [this, domain = m.domain, pc](const ReachResult& r) mutable {
                       MailStepGuard guard(*this);
                       pc.at = stableNow();
                       pc.outcome = std::string(toString(r.outcome));
                       pc.error = r.error;
                       mail_next_[domain].fetch_ports.push_back(std::move(pc));
                     });
        ++mail_pending_;
      }
    }
    mail_started_.insert(m.domain);  // at the round's end, these results replace the last ones
  }
}

void Monitor::mailAsked(const std::string& domain, MailExchange e, const SmtpResult& r) {
  MailStepGuard guard(*this);
  e.at = stableNow();
  switch (r.outcome) {
    case SmtpOutcome::Completed: e.outcome = MailOutcome::Completed; break;
    case SmtpOutcome::Timeout: e.outcome = MailOutcome::Timeout; break;
    case SmtpOutcome::ConnectFailed: e.outcome = MailOutcome::ConnectFailed; break;
    case SmtpOutcome::TlsFailed: e.outcome = MailOutcome::TlsFailed; break;
    case SmtpOutcome::ProtocolError: e.outcome = MailOutcome::ProtocolError; break;
    case SmtpOutcome::Error: e.outcome = MailOutcome::Error; break;
  }
  e.error = r.error;
  e.stage = std::string(toString(r.stage));
  e.banner_code = r.banner.code;
  e.ehlo_code = r.ehlo.code;
  e.starttls_offered = r.starttls_offered;
  e.starttls_code = r.starttls.code;
  e.tls = r.tls;
  e.tls_version = r.tls_version;
  e.mail_from_code = r.mail_from.code;
  e.rcpt_code = r.rcpt.code;
  e.relay_code = r.relay_rcpt.code;
  for (const SmtpReply* reply : {&r.rcpt, &r.mail_from, &r.starttls, &r.ehlo, &r.banner}) {
    if (reply->code != 0) {
      e.last_reply = fmt::format("{} {}", reply->code, reply->text);
      break;
    }
  }
  e.elapsed_seconds = std::chrono::duration<double>(r.elapsed).count();
  if (r.cert) {
    e.cert_seen = true;
    e.cert_chain_ok = r.cert->chain_ok;
    e.cert_error = r.cert->chain_error;
    e.cert_name_matches = r.cert->name_matches;
    e.cert_not_after = r.cert->not_after;
  }
  mail_next_[domain].exchanges.push_back(std::move(e));
}

// Whatever happens while a result is recorded (an exception is caught and logged by the
// prober), the step is counted done and the round can end: a lost decrement would stop
// every later round.
Monitor::MailStepGuard::~MailStepGuard() {
  if (monitor.mail_pending_ > 0) --monitor.mail_pending_;
  try {
    monitor.maybeRoundDone();
  } catch (const std::exception& e) {
    log::error("round end after a mail check failed", {{"err", e.what()}});
  }
}

// [migration.traffic]: reads what the old web server appended to its access log since the
// last round and counts the window. The log covers the whole window once it held a line
// older than the window, or once it has been followed for a whole window.
TrafficCheck Monitor::countTraffic(const Migration& m, WallTime now) {
  const TrafficCheckConfig& c = *m.traffic;
  TrafficCheck t;
  t.access_log = c.access_log.string();
  t.window = c.window;
  t.max_requests = c.max_requests;
  t.at = now;
  std::string key = fmt::format("{}|{}", c.access_log.string(), c.window.count());
  for (const auto& h : c.vhosts) key += "|" + h;
  TrafficFollow& f = traffic_[m.domain];
  if (!f.follower || f.key != key) {
    AccessLogOptions o;
    o.window = c.window;
    o.hosts = c.vhosts;
    f = TrafficFollow{key, std::make_unique<AccessLogFollower>(c.access_log, std::move(o)), std::nullopt};
  }
  AccessLogFollower& log = *f.follower;
  for (int i = 0; i < 8 && log.poll(now).more; ++i) {
  }
  const auto& st = log.stats();
  t.unparsed = st.unparsed;
  if (st.missing) {
    t.error = "no such file";
    return t;
  }
  if (!log.lastError().empty()) {
    t.error = log.lastError();
    return t;
  }
  if (!f.first_read) f.first_read = now;
  t.requests = log.requests(now);
  t.last_request = log.lastRequest();
  t.covered_since = st.too_old > 0 ? now - c.window : *f.first_read;
  return t;
}

void Monitor::onResult(std::size_t index, const dns::Observation& o) {
  metrics_->probe(o.outcome);
  const std::size_t probes = plan_->probeSlots();
  if (index >= probes) {
    truth_results_.at(index - probes) = o;
    return;
  }
  const std::size_t R = plan_->resolvers.size();
  const auto& q = plan_->questions[index / R];
  const auto& r = plan_->resolvers[index % R];
  metrics_->resolverProbe(r.name, o, std::chrono::duration<double>(clock_.wall().time_since_epoch()).count());
  const Migration& m = plan_->config.migrations[q.migration];
  const Classification c = classify(o, q.type, m.old_side, m.new_side);
  const Sample sample = makeSample(o, c, stableNow());
  TargetKey key{m.domain, q.name, q.type, r.name};
  if (auto t = model_.record(key, sample)) {
    store_->appendTransition(key, *t);
    log::info("transition", {{"domain", m.domain},
                             {"name", q.name},
                             {"rrtype", std::string(toString(q.type))},
                             {"resolver", r.name},
                             {"from", std::string(toString(t->from))},
                             {"to", std::string(toString(t->to))},
                             {"ttl", t->ttl ? std::to_string(*t->ttl) : "-"},
                             {"nsid", t->nsid}});
  }
  if (throttle_.shouldStore(key, sample)) store_->appendSample(key, sample);
  touched_[key] = true;
}

void Monitor::roundDone() {
  ++rounds_;
  const WallTime now = stableNow();
  auto snap = std::make_shared<MonitorSnapshot>();
  snap->taken = now;
  snap->rounds = rounds_;
  snap->resolvers = plan_->resolvers;
  snap->vantage = plan_->config.monitor.vantage;
  snap->interval = plan_->config.monitor.interval;
  snap->excluded = plan_->excluded;
  snap->host_ipv6 = host_ipv6_;
  snap->ipv6_left_out = plan_->ipv6_left_out;

  for (const auto& [key, touched] : touched_) {
    if (const TargetState* st = model_.find(key)) store_->saveTarget(key, *st);
  }

  metrics_->beginRound();
  for (std::size_t mi = 0; mi < plan_->config.migrations.size(); ++mi) {
    const Migration& m = plan_->config.migrations[mi];
    MigrationSnapshot ms;
    ms.domain = m.domain;
    std::vector<dns::Observation> obs;
    for (const auto& t : plan_->truths) {
      if (t.migration == mi) obs.push_back(truth_results_.at(static_cast<std::size_t>(&t - plan_->truths.data())));
    }
    ms.truth = evaluateTruth(m, plan_->truth_queries[mi], obs);
    if (std::find(plan_->discovered.begin(), plan_->discovered.end(), m.domain) != plan_->discovered.end()) {
      if (auto p = discovered_partial_.find(m.domain); p != discovered_partial_.end() && !p->second.empty()) {
        ms.truth.parents_partial = p->second;
        ms.truth.findings.push_back("the discovered list of parent servers is partial: " + p->second);
      }
    }
    loadFacts(m.domain);
    const TruthRound tr = advanceTruth(truth_facts_[m.domain], m, ms.truth, model_, now);
    if (tr.events.switch_lost) {
      log::warn(ms.truth.ns_moves ? "a parent server lists the old name servers again"
                                  : "a new server serves the old data again",
                {{"domain", m.domain}});
    }
    if (tr.events.switch_seen) {
      log::info(ms.truth.ns_moves ? "parent delegates to the new name servers only"
                                  : "the authoritative servers serve the new data only",
                {{"domain", m.domain}});
    }
    saveFacts(m.domain);
    const TruthContext& ctx = tr.context;
    ms.switch_seen = ctx.switch_seen;
    ms.earliest_safe = model_.earliestSafe(m.domain, ctx);

    // What this round established, stored with it for `dnsprop check`, and the verdict.
    RoundRecord& rec = ms.record;
    rec.domain = m.domain;
    rec.at = now;
    rec.round = rounds_;
    rec.interval = plan_->config.monitor.interval;
    rec.vantage = plan_->config.monitor.vantage;
    for (const auto& r : plan_->resolvers) rec.resolvers.push_back(r.name);
    rec.excluded = plan_->excluded;
    for (const auto& q : plan_->questions) {
      if (q.migration == mi) rec.watch.emplace_back(q.name, q.type);
    }
    rec.unchanged = unchangedTypes(m);
    rec.delegation = ms.truth.delegation;
    rec.any_parent_lists_old = ms.truth.any_parent_lists_old;
    rec.parents_partial = ms.truth.parents_partial;
    rec.new_servers_configured = !m.new_side.servers.empty();
    rec.old_servers_configured = !m.old_side.servers.empty();
    rec.plan_ok = ms.truth.plan_ok;
    rec.new_lame = ms.truth.new_lame;
    rec.dnssec = ms.truth.dnssec;
    rec.findings = ms.truth.findings;
    rec.context = ctx;
    rec.switch_time = m.switch_time;
    rec.old_stop = m.old_stop;
    if (m.web) {
      WebChecks w = std::move(web_round_[m.domain]);
      w.must_match = m.web->must_match;
      std::sort(w.fetches.begin(), w.fetches.end(), [](const WebFetch& a, const WebFetch& b) {
        return std::tie(a.side, a.host, a.https, a.path, a.address) < std::tie(b.side, b.host, b.https, b.path, b.address);
      });
      rec.web = std::move(w);
    }
    if (m.mail) {
      if (mail_started_.count(m.domain) != 0) {
        MailChecks next = std::move(mail_next_[m.domain]);
        std::sort(next.exchanges.begin(), next.exchanges.end(), [](const MailExchange& a, const MailExchange& b) {
          return std::tie(a.side, a.address) < std::tie(b.side, b.address);
        });
        std::sort(next.fetch_ports.begin(), next.fetch_ports.end(), [](const PortCheck& a, const PortCheck& b) {
          return std::tie(a.address, a.port) < std::tie(b.address, b.port);
        });
        mail_last_[m.domain] = std::move(next);
      }
      auto last = mail_last_.find(m.domain);
      MailChecks mc = last != mail_last_.end() ? last->second : MailChecks{};
      mc.recipient = m.mail->recipient;
      mc.require_starttls = m.mail->require_starttls;
      mc.every = m.mail->every;
      rec.mail = std::move(mc);
    }
    if (m.traffic) rec.traffic = countTraffic(m, now);
    rec.min_parallel = m.min_parallel;
    rec.delegation_grace = m.delegation_grace;
    store_->putFact(roundKey(m.domain), toJson(rec).dump());
    ms.verdict = decide(now, m.domain, rec, model_);
    {
      // History: the share of trusted targets answering NEW.
      std::size_t total = 0, fresh_new = 0;
      for (const auto& r : plan_->resolvers) {
        if (std::find(plan_->excluded.begin(), plan_->excluded.end(), r.name) != plan_->excluded.end()) continue;
        for (const auto& [name, type] : rec.watch) {
          ++total;
          const TargetState* st = model_.find({m.domain, name, type, r.name});
          if (st != nullptr && st->current == AnswerClass::New) ++fresh_new;
        }
      }
      auto& h = history_[m.domain];
      h.emplace_back(now, total > 0 ? static_cast<double>(fresh_new) / static_cast<double>(total) : 0.0);
      if (h.size() > kHistoryPoints) {
        // Thin the older half by two: the window stays covered, recent rounds stay exact.
        std::vector<std::pair<WallTime, double>> thinned;
        const std::size_t half = h.size() / 2;
        for (std::size_t i = 0; i < half; i += 2) thinned.push_back(h[i]);
        thinned.insert(thinned.end(), h.begin() + static_cast<std::ptrdiff_t>(half), h.end());
        h = std::move(thinned);
      }
      ms.history = h;
      nlohmann::json hj = nlohmann::json::array();
      for (const auto& [t, ratio] : h) hj.push_back({unixMillis(t), ratio});
      store_->putFact(historyKey(m.domain), hj.dump());
    }
    // Predicted OLD expiries of the plan's targets, and counts per (name, type).
    for (const auto& r : plan_->resolvers) {
      for (const auto& [name, type] : rec.watch) {
        const TargetKey key{m.domain, name, type, r.name};
        if (auto e = model_.oldExpiry(key, ctx)) ms.expiries[key] = *e;
        auto& counts = ms.counts[{name, type}];
        const TargetState* st = model_.find(key);
        ++counts[st != nullptr && st->has_samples ? st->current : AnswerClass::Error];
      }
    }
    for (auto& [nt, counts] : ms.counts) {
      for (AnswerClass c : {AnswerClass::New, AnswerClass::Old, AnswerClass::Mixed, AnswerClass::Other,
                            AnswerClass::Negative, AnswerClass::Stale, AnswerClass::Error}) {
        counts[c];  // every class present, at 0 when none
      }
    }
    metrics_->migration(ms, plan_->resolvers, model_);
    snap->migrations.push_back(std::move(ms));
  }
  metrics_->resolvers(plan_->resolvers);
  metrics_->endRound();

  if (!store_->commitRound()) {
    metrics_->storeError();
    log::error("state database: round not committed", {{"err", store_->lastError()}});
    // Nobody can see this round later: no NEW run may span it (docs/MODEL.md "Gaps").
    model_.interruptRuns();
  }
  snap->targets = model_.all();
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_ = std::move(snap);
  }
  metrics_->roundCompleted(std::chrono::duration<double>(clock_.wall().time_since_epoch()).count());

  const auto took = std::chrono::duration_cast<Duration>(clock_.monotonic() - round_started_);
  for (const auto& ms : snapshot()->migrations) {
    std::string summary;
    for (const auto& [nt, counts] : ms.counts) {
      int n = 0, total = 0;
      for (const auto& [c, k] : counts) {
        total += k;
        if (c == AnswerClass::New) n = k;
      }
      summary += (summary.empty() ? "" : " ") + nt.first + "/" + std::string(toString(nt.second)) + "=" +
                 std::to_string(n) + "/" + std::to_string(total);
    }
    log::info("probe round done",
              {{"domain", ms.domain},
               {"took", formatDuration(took)},
               {"new", summary},
               {"delegation", std::string(toString(ms.truth.delegation))},
               {"earliest_safe_basis", std::string(toString(ms.earliest_safe.basis))},
               {"unbounded", ms.earliest_safe.unbounded ? "true" : "false"}});
  }
  if (plan_->config.migrations.empty()) log::info("probe round done", {{"took", formatDuration(took)}});

  // Rounds longer than the interval (many migrations, slow resolvers) space samples out.
  model_.setMaxGap(maxGap(plan_->config.monitor, took));
  const auto wait = std::max(Duration(0), plan_->config.monitor.interval - took);
  uv_timer_start(
      round_timer_.get(),
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Monitor*>(t->data)) self->startRound();
      },
      static_cast<std::uint64_t>(wait.count()), 0);
}

}  // namespace dnsprop
