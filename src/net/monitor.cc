#include "net/monitor.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "common/log.h"
#include "common/time_format.h"
#include "http/series_table.h"
#include "dns/query.h"
#include "model/selection.h"

namespace dnsprop {
namespace {

constexpr AnswerClass kClasses[] = {AnswerClass::New,      AnswerClass::Old,   AnswerClass::Mixed,
                                    AnswerClass::Other,    AnswerClass::Negative, AnswerClass::Stale,
                                    AnswerClass::Error};
constexpr Delegation kDelegations[] = {Delegation::Unknown, Delegation::Old, Delegation::New,
                                       Delegation::Both, Delegation::Other};

double unixSeconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string roundKey(const std::string& domain) { return "round/" + domain; }
std::string historyKey(const std::string& domain) { return "history/" + domain; }

constexpr VerdictStatus kVerdicts[] = {VerdictStatus::Safe, VerdictStatus::NotYet, VerdictStatus::Critical,
                                       VerdictStatus::Unknown};
constexpr DnssecState kDnssecStates[] = {DnssecState::Unknown, DnssecState::Unsigned, DnssecState::Valid,
                                         DnssecState::Broken};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Why a probe gave no usable answer, as the dnsprop_resolver_failures_total reason; empty
// when it did.
std::string_view failureReason(dns::Outcome o) {
  switch (o) {
    case dns::Outcome::Answer:
    case dns::Outcome::NxDomain:
    case dns::Outcome::NoData:
      return "";
    case dns::Outcome::Timeout: return "timeout";
    case dns::Outcome::ServFail: return "servfail";
    case dns::Outcome::Refused: return "refused";
    case dns::Outcome::Malformed: return "malformed";
    case dns::Outcome::NetworkError: return "network";
    case dns::Outcome::TruncatedFailed: return "truncated";
    case dns::Outcome::NotAuthoritative:
    case dns::Outcome::OtherRcode:
      return "other";
  }
  return "other";
}

std::string factKey(const std::string& domain) { return "parent_switch_seen/" + domain; }
std::string truthMaxKey(const std::string& domain) { return "truth_max_ttl/" + domain; }
std::string oldServingKey(const std::string& domain) { return "old_server/" + domain; }

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
  std::size_t probeSlots() const { return questions.size() * resolvers.size(); }
};

struct Monitor::Metrics {
  // Every series carries the instance's vantage (a constant label of every family).
  Metrics(prometheus::Registry& r, const std::string& vantage)
      : resolvers(gaugeFamily(r, vantage, "dnsprop_resolvers",
                              "Resolvers whose last answer for the target is in each state.")),
        ratio(gaugeFamily(r, vantage, "dnsprop_propagation_ratio",
                          "Share of resolvers whose last answer is NEW (0 to 1).")),
        earliest(gaugeFamily(r, vantage, "dnsprop_earliest_safe_timestamp_seconds",
                             "Earliest time no resolver can still serve OLD data (Unix time; "
                             "+Inf while open-ended, NaN while unknown).")),
        delegation(gaugeFamily(r, vantage, "dnsprop_parent_delegation",
                               "What the parent zone delegates the domain to (state set).")),
        last_old(gaugeFamily(r, vantage, "dnsprop_last_old_seen_timestamp_seconds",
                             "Last time any resolver answered with OLD data for the target (Unix time).")),
        verdict(gaugeFamily(r, vantage, "dnsprop_verdict",
                            "Verdict on shutting down the old server (state set: safe, not_yet, "
                            "critical, unknown).")),
        condition(gaugeFamily(r, vantage, "dnsprop_verdict_condition",
                              "1 when the condition of the verdict rule holds (docs/VERDICT.md).")),
        auth_serving(gaugeFamily(r, vantage, "dnsprop_authoritative_serving",
                                 "1 when the old/new authoritative servers serve the zone (AA).")),
        auth_lame(gaugeFamily(r, vantage, "dnsprop_authoritative_lame",
                              "1 when some authoritative server of the role is lame for the zone.")),
        dnssec(gaugeFamily(r, vantage, "dnsprop_dnssec",
                           "DNSSEC of the delegation (state set: unknown, unsigned, valid, broken).")),
        resolver_info(gaugeFamily(r, vantage, "dnsprop_resolver_info",
                                  "Catalog facts of each selected resolver (constant 1).")),
        table(std::make_shared<SeriesTable>()),
        resolver_state(table->addGaugeFamily("dnsprop_resolver_state",
                                             "Class of the resolver's last answer for the target (state set).",
                                             {{"vantage", vantage}})),
        resolver_expiry(table->addGaugeFamily("dnsprop_resolver_old_expiry_timestamp_seconds",
                                              "Predicted time the resolver drops OLD data for the target (Unix time).",
                                              {{"vantage", vantage}})),
        resolver_last_probe(gaugeFamily(r, vantage, "dnsprop_resolver_last_probe_timestamp_seconds",
                                        "When the resolver last gave a probe result (Unix time).")),
        resolver_queries(prometheus::BuildCounter()
                             .Name("dnsprop_resolver_queries_total")
                             .Help("Probes sent to the resolver.")
                             .Labels({{"vantage", vantage}})
                             .Register(r)),
        resolver_failures(prometheus::BuildCounter()
                              .Name("dnsprop_resolver_failures_total")
                              .Help("Probes to the resolver without a usable answer, by reason.")
                              .Labels({{"vantage", vantage}})
                              .Register(r)),
        resolver_latency(prometheus::BuildHistogram()
                             .Name("dnsprop_resolver_latency_seconds")
                             .Help("Time to an accepted answer from the resolver.")
                             .Labels({{"vantage", vantage}})
                             .Register(r)),
        probes(prometheus::BuildCounter()
                   .Name("dnsprop_probes_total")
                   .Help("Probes completed, by outcome.")
                   .Labels({{"vantage", vantage}})
                   .Register(r)),
        rounds(prometheus::BuildCounter()
                   .Name("dnsprop_rounds_total")
                   .Help("Probe rounds completed.")
                   .Labels({{"vantage", vantage}})
                   .Register(r)
                   .Add({})),
        last_probe(gaugeFamily(r, vantage, "dnsprop_last_probe_timestamp_seconds",
                               "When the last probe round finished (Unix time).")
                       .Add({})),
        store_errors(prometheus::BuildCounter()
                         .Name("dnsprop_store_errors_total")
                         .Help("Rounds that could not be committed to the state database.")
                         .Labels({{"vantage", vantage}})
                         .Register(r)
                         .Add({})) {}

  static prometheus::Family<prometheus::Gauge>& gaugeFamily(prometheus::Registry& r, const std::string& vantage,
                                                            const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Labels({{"vantage", vantage}}).Register(r);
  }

  prometheus::Family<prometheus::Gauge>& resolvers;
  prometheus::Family<prometheus::Gauge>& ratio;
  prometheus::Family<prometheus::Gauge>& earliest;
  prometheus::Family<prometheus::Gauge>& delegation;
  prometheus::Family<prometheus::Gauge>& last_old;
  prometheus::Family<prometheus::Gauge>& verdict;
  prometheus::Family<prometheus::Gauge>& condition;
  prometheus::Family<prometheus::Gauge>& auth_serving;
  prometheus::Family<prometheus::Gauge>& auth_lame;
  prometheus::Family<prometheus::Gauge>& dnssec;
  prometheus::Family<prometheus::Gauge>& resolver_info;
  // The per-target families (resolvers x names x states: the bulk of the series) are
  // pre-rendered text (http/series_table.h): a 100k-series scrape in ms, not 100s of ms.
  std::shared_ptr<SeriesTable> table;
  SeriesTable::FamilyId resolver_state;
  SeriesTable::FamilyId resolver_expiry;
  prometheus::Family<prometheus::Gauge>& resolver_last_probe;
  prometheus::Family<prometheus::Counter>& resolver_queries;
  prometheus::Family<prometheus::Counter>& resolver_failures;
  prometheus::Family<prometheus::Histogram>& resolver_latency;
  prometheus::Family<prometheus::Counter>& probes;
  prometheus::Counter& rounds;
  prometheus::Gauge& last_probe;
  prometheus::Counter& store_errors;
  // Per-plan series. Each round sets the series of the current plan; series the round
  // did not set (a migration or name a reload removed) are removed at its end, so they
  // disappear instead of freezing, and a reload never leaves the current ones missing.
  using Series = std::set<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>>;
  Series plan_gauges, this_round;

  void beginUpdate() {
    this_round.clear();
    table->beginRound();
  }
  void endUpdate() {
    table->endRound();
    for (const auto& entry : plan_gauges) {
      if (!this_round.count(entry)) entry.first->Remove(entry.second);
    }
    plan_gauges = this_round;
  }
  prometheus::Gauge& gauge(prometheus::Family<prometheus::Gauge>& f,
                           const std::map<std::string, std::string>& labels) {
    auto& g = f.Add(labels);
    this_round.insert({&f, &g});
    return g;
  }
  // Latency buckets from 1 ms to about 8 s (doubling): resolvers answer from cache in
  // ms, iterate in tens to hundreds of ms, time out in seconds.
  static const prometheus::Histogram::BucketBoundaries& latencyBuckets() {
    static const prometheus::Histogram::BucketBoundaries b = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064,
                                                               0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192};
    return b;
  }
};

Monitor::Monitor(uv_loop_t* loop, const Clock& clock, Config config,
                 std::shared_ptr<prometheus::Registry> registry)
    : loop_(loop), clock_(clock) {
  plan_ = buildPlan(std::move(config));
  store_ = StateStore::open(plan_->config.monitor.state_dir / "dnsprop.db");
  for (auto& [key, state] : store_->loadTargets(model_.settings().recent_transitions)) {
    model_.restore(key, std::move(state));
  }
  for (const auto& [key, sample] : store_->lastSamples()) throttle_.remember(key, sample);
  for (const auto& m : plan_->config.migrations) loadFacts(m.domain);
  registry_ = std::move(registry);
  metrics_ = std::make_unique<Metrics>(*registry_, plan_->config.monitor.vantage);
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
  auto ms = [](const nlohmann::json& j, const char* k) -> std::optional<WallTime> {
    if (j.is_object() && j.contains(k) && j[k].is_number_integer()) {
      return WallTime(std::chrono::milliseconds(j[k].get<std::int64_t>()));
    }
    return std::nullopt;
  };
  try {
    if (auto t = ms(json(factKey(domain)), "ms"); t && !parent_switch_seen_.count(domain)) {
      parent_switch_seen_[domain] = *t;
    }
    if (const auto j = json(truthMaxKey(domain)); j.is_object()) {
      auto& tm = truth_max_[domain];  // merged with max: never shrink what was known
      tm.parent_ns_ttl = std::max(tm.parent_ns_ttl, j.value("parent_ns_ttl", 0u));
      tm.old_child_ns_ttl = std::max(tm.old_child_ns_ttl, j.value("old_child_ns_ttl", 0u));
      tm.old_data_ttl = std::max(tm.old_data_ttl, j.value("old_data_ttl", 0u));
    }
    if (const auto j = json(historyKey(domain)); j.is_array() && !history_.count(domain)) {
      auto& h = history_[domain];
      for (const auto& p : j) {
        if (p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number()) {
          h.emplace_back(fromUnixMillis(p[0].get<std::int64_t>()), p[1].get<double>());
        }
      }
    }
    if (const auto j = json(oldServingKey(domain)); j.is_object()) {
      if (j.contains("serving") && j["serving"].is_boolean()) old_serving_[domain] = j["serving"].get<bool>();
      if (auto t = ms(j, "last_serving_ms")) {
        auto& cur = old_last_serving_[domain];
        cur = std::max(cur, *t);
      }
    }
  } catch (const std::exception& e) {
    log::error("state database: cannot read facts", {{"domain", domain}, {"err", e.what()}});
  }
}

// Written every round, not only on change: a round whose commit failed must not leave a
// fact stale for good (the next successful round rewrites it).
void Monitor::saveFacts(const std::string& domain) {
  if (auto it = parent_switch_seen_.find(domain); it != parent_switch_seen_.end()) {
    store_->putFact(factKey(domain), nlohmann::json{{"ms", unixMillis(it->second)}}.dump());
  } else {
    store_->putFact(factKey(domain), "null");
  }
  const auto& tm = truth_max_[domain];
  store_->putFact(truthMaxKey(domain), nlohmann::json{{"parent_ns_ttl", tm.parent_ns_ttl},
                                                      {"old_child_ns_ttl", tm.old_child_ns_ttl},
                                                      {"old_data_ttl", tm.old_data_ttl}}
                                           .dump());
  nlohmann::json os{{"serving", old_serving_.count(domain) ? old_serving_[domain] : true}};
  if (auto it = old_last_serving_.find(domain); it != old_last_serving_.end()) {
    os["last_serving_ms"] = unixMillis(it->second);
  }
  store_->putFact(oldServingKey(domain), os.dump());
}

std::unique_ptr<Monitor::Plan> Monitor::buildPlan(Config config) const {
  auto plan = std::make_unique<Plan>();
  plan->config = std::move(config);
  plan->resolvers = selectConfiguredResolvers(plan->config.resolvers);
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
  pending_ = std::move(next);
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

std::function<void(std::string&)> Monitor::metricsText() const {
  return [table = metrics_->table](std::string& out) { table->render(out); };
}

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
  runner_->start(
      plan_->targets, rp, [this](std::size_t i, const dns::Observation& o) { onResult(i, o); },
      [this] { roundDone(); });
}

void Monitor::onResult(std::size_t index, const dns::Observation& o) {
  metrics_->probes.Add({{"outcome", std::string(dns::toString(o.outcome))}}).Increment();
  const std::size_t probes = plan_->probeSlots();
  if (index >= probes) {
    truth_results_.at(index - probes) = o;
    return;
  }
  const std::size_t R = plan_->resolvers.size();
  const auto& q = plan_->questions[index / R];
  const auto& r = plan_->resolvers[index % R];
  {
    const std::map<std::string, std::string> res{{"resolver", r.name}};
    metrics_->resolver_queries.Add(res).Increment();
    const std::string_view why = failureReason(o.outcome);
    if (!why.empty()) {
      metrics_->resolver_failures.Add({{"resolver", r.name}, {"reason", std::string(why)}}).Increment();
    } else {
      metrics_->resolver_latency.Add(res, Metrics::latencyBuckets())
          .Observe(std::chrono::duration<double>(o.latency).count());
    }
    metrics_->resolver_last_probe.Add(res).Set(unixSeconds(clock_.wall()));
  }
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

TruthContext Monitor::truthContext(const MigrationSnapshot& m) const {
  TruthContext ctx;
  ctx.parent_switch_seen = m.parent_switch_seen;
  ctx.parent_ns_ttl = m.truth.parent_ns_ttl;
  ctx.old_child_ns_ttl = m.truth.old_child_ns_ttl;
  ctx.old_server_serves_zone = m.truth.old_serving_zone;
  ctx.old_data_max_ttl = m.truth.old_data_max_ttl;
  if (auto it = truth_max_.find(m.domain); it != truth_max_.end()) {
    const TruthMax& tm = it->second;
    if (tm.parent_ns_ttl > 0) ctx.parent_ns_ttl = std::max(ctx.parent_ns_ttl.value_or(0), tm.parent_ns_ttl);
    if (tm.old_child_ns_ttl > 0) {
      ctx.old_child_ns_ttl = std::max(ctx.old_child_ns_ttl.value_or(0), tm.old_child_ns_ttl);
    }
    ctx.old_data_max_ttl = std::max(ctx.old_data_max_ttl, tm.old_data_ttl);
  }
  // Unless a definite answer showed otherwise, the old server may still serve the zone.
  auto serving = old_serving_.find(m.domain);
  ctx.old_server_serves_zone = serving == old_serving_.end() ? true : serving->second;
  if (auto it = old_last_serving_.find(m.domain); it != old_last_serving_.end()) ctx.old_last_serving = it->second;
  // The old data's TTL as resolvers reported it, in case the old server never told us.
  for (const auto& [key, st] : model_.all()) {
    if (key.domain == m.domain) ctx.old_data_max_ttl = std::max(ctx.old_data_max_ttl, st.max_old_ttl);
  }
  for (const auto& mig : plan_->config.migrations) {
    if (mig.domain != m.domain) continue;
    std::optional<WallTime> base = m.parent_switch_seen;
    if (mig.switch_time && (!base || *mig.switch_time > *base)) base = mig.switch_time;
    if (base) ctx.min_parallel_until = *base + mig.min_parallel;
  }
  return ctx;
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

  for (const auto& [key, touched] : touched_) {
    if (const TargetState* st = model_.find(key)) store_->saveTarget(key, *st);
  }

  metrics_->beginUpdate();
  for (std::size_t mi = 0; mi < plan_->config.migrations.size(); ++mi) {
    const Migration& m = plan_->config.migrations[mi];
    MigrationSnapshot ms;
    ms.domain = m.domain;
    std::vector<dns::Observation> obs;
    for (const auto& t : plan_->truths) {
      if (t.migration == mi) obs.push_back(truth_results_.at(static_cast<std::size_t>(&t - plan_->truths.data())));
    }
    ms.truth = evaluateTruth(m, plan_->truth_queries[mi], obs);
    // The parent switch is dated by the first round that saw it; an earlier real switch
    // only makes the floor later than necessary, never earlier.
    loadFacts(m.domain);
    // Any parent server still listing an OLD name server means the switch is not done.
    if (ms.truth.any_parent_lists_old && parent_switch_seen_.erase(m.domain) > 0) {
      log::warn("a parent server lists the old name servers again", {{"domain", m.domain}});
    } else if (ms.truth.delegation == Delegation::New && !parent_switch_seen_.count(m.domain)) {
      parent_switch_seen_[m.domain] = now;
      log::info("parent delegates to the new name servers only", {{"domain", m.domain}});
    }
    // F9: only an old server that still hands out an OLD NS set lets resolvers renew it.
    if (ms.truth.old_state_known) old_serving_[m.domain] = ms.truth.old_serves_old_ns;
    if (!old_serving_.count(m.domain) || old_serving_[m.domain]) old_last_serving_[m.domain] = now;
    if (auto it = parent_switch_seen_.find(m.domain); it != parent_switch_seen_.end()) {
      ms.parent_switch_seen = it->second;
    }
    {
      auto& tm = truth_max_[m.domain];
      tm.parent_ns_ttl = std::max(tm.parent_ns_ttl, ms.truth.parent_ns_ttl.value_or(0));
      tm.old_child_ns_ttl = std::max(tm.old_child_ns_ttl, ms.truth.old_child_ns_ttl.value_or(0));
      tm.old_data_ttl = std::max(tm.old_data_ttl, ms.truth.old_data_max_ttl);
    }
    saveFacts(m.domain);
    const TruthContext ctx = truthContext(ms);
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
    rec.delegation = ms.truth.delegation;
    rec.any_parent_lists_old = ms.truth.any_parent_lists_old;
    rec.new_servers_configured = !m.new_side.servers.empty();
    rec.old_servers_configured = !m.old_side.servers.empty();
    rec.plan_ok = ms.truth.plan_ok;
    rec.new_lame = ms.truth.new_lame;
    rec.dnssec = ms.truth.dnssec;
    rec.findings = ms.truth.findings;
    rec.context = ctx;
    rec.switch_time = m.switch_time;
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
    for (auto st : kVerdicts) {
      metrics_->gauge(metrics_->verdict, {{"domain", m.domain}, {"state", lower(toString(st))}})
          .Set(ms.verdict.status == st ? 1 : 0);
    }
    for (const auto& c : ms.verdict.conditions) {
      metrics_->gauge(metrics_->condition, {{"domain", m.domain}, {"condition", std::string(toString(c.id))}})
          .Set(c.met ? 1 : 0);
    }
    for (auto d : kDnssecStates) {
      metrics_->gauge(metrics_->dnssec, {{"domain", m.domain}, {"state", std::string(toString(d))}})
          .Set(ms.truth.dnssec == d ? 1 : 0);
    }
    {
      bool new_serving = !ms.truth.new_servers.empty();
      for (const auto& st : ms.truth.new_servers) new_serving = new_serving && st.serves_zone;
      metrics_->gauge(metrics_->auth_serving, {{"domain", m.domain}, {"role", "old"}})
          .Set(ms.truth.old_serving_zone ? 1 : 0);
      metrics_->gauge(metrics_->auth_serving, {{"domain", m.domain}, {"role", "new"}}).Set(new_serving ? 1 : 0);
      bool old_lame = false;
      for (const auto& st : ms.truth.old_servers) old_lame = old_lame || st.lame;
      metrics_->gauge(metrics_->auth_lame, {{"domain", m.domain}, {"role", "old"}}).Set(old_lame ? 1 : 0);
      metrics_->gauge(metrics_->auth_lame, {{"domain", m.domain}, {"role", "new"}}).Set(ms.truth.new_lame ? 1 : 0);
    }
    // Per target: state set and predicted OLD expiry.
    for (const auto& r : plan_->resolvers) {
      for (const auto& [name, type] : rec.watch) {
        const TargetKey key{m.domain, name, type, r.name};
        const TargetState* st = model_.find(key);
        SeriesTable::Labels labels{
            {"domain", m.domain}, {"name", name}, {"rrtype", std::string(toString(type))}, {"resolver", r.name}};
        if (auto e = model_.oldExpiry(key, ctx)) {
          metrics_->table->set(metrics_->resolver_expiry, labels, unixSeconds(*e));
          ms.expiries[key] = *e;
        }
        const AnswerClass cur = st != nullptr && st->has_samples ? st->current : AnswerClass::Error;
        labels.emplace_back("state", "");
        for (auto c : kClasses) {
          labels.back().second = std::string(toString(c));
          metrics_->table->set(metrics_->resolver_state, labels, cur == c ? 1 : 0);
        }
      }
    }

    // Counts and metrics per (name, type).
    for (const auto& q : plan_->questions) {
      if (q.migration != mi) continue;
      auto& counts = ms.counts[{q.name, q.type}];
      for (auto c : kClasses) counts[c] = 0;
      std::optional<WallTime> last_old;
      for (const auto& r : plan_->resolvers) {
        const TargetState* st = model_.find({m.domain, q.name, q.type, r.name});
        if (st == nullptr || !st->has_samples) {
          ++counts[AnswerClass::Error];
          continue;
        }
        ++counts[st->current];
        if (st->last_old_seen && (!last_old || *st->last_old_seen > *last_old)) last_old = st->last_old_seen;
      }
      const std::map<std::string, std::string> base{
          {"domain", m.domain}, {"name", q.name}, {"rrtype", std::string(toString(q.type))}};
      for (auto c : kClasses) {
        auto labels = base;
        labels["state"] = std::string(toString(c));
        metrics_->gauge(metrics_->resolvers, labels).Set(counts[c]);
      }
      const double total = static_cast<double>(plan_->resolvers.size());
      metrics_->gauge(metrics_->ratio, base).Set(total > 0 ? counts[AnswerClass::New] / total : 0.0);
      metrics_->gauge(metrics_->last_old, base).Set(last_old ? unixSeconds(*last_old) : 0.0);
    }
    for (auto d : kDelegations) {
      metrics_->gauge(metrics_->delegation, {{"domain", m.domain}, {"state", std::string(toString(d))}})
          .Set(ms.truth.delegation == d ? 1 : 0);
    }
    double earliest = std::nan("");
    if (ms.earliest_safe.unbounded) earliest = HUGE_VAL;
    else if (ms.earliest_safe.at) earliest = unixSeconds(*ms.earliest_safe.at);
    metrics_->gauge(metrics_->earliest, {{"domain", m.domain}}).Set(earliest);
    snap->migrations.push_back(std::move(ms));
  }
  for (const auto& r : plan_->resolvers) {
    metrics_->gauge(metrics_->resolver_info, {{"resolver", r.name},
                                              {"operator", r.operator_name},
                                              {"country", r.country},
                                              {"continent", r.continent}})
        .Set(1);
    metrics_->gauge(metrics_->resolver_last_probe, {{"resolver", r.name}});  // kept while selected
    // Every failure reason exists from the start (at 0), so rate() sees the first failure.
    for (const char* why : {"timeout", "servfail", "refused", "malformed", "network", "truncated", "other"}) {
      metrics_->resolver_failures.Add({{"resolver", r.name}, {"reason", why}});
    }
  }
  metrics_->endUpdate();

  if (!store_->commitRound()) {
    metrics_->store_errors.Increment();
    log::error("state database: round not committed", {{"err", store_->lastError()}});
  }
  snap->targets = model_.all();
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_ = std::move(snap);
  }
  metrics_->rounds.Increment();
  metrics_->last_probe.Set(unixSeconds(clock_.wall()));

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

  const auto wait = std::max(Duration(0), plan_->config.monitor.interval - took);
  uv_timer_start(
      round_timer_.get(),
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Monitor*>(t->data)) self->startRound();
      },
      static_cast<std::uint64_t>(wait.count()), 0);
}

}  // namespace dnsprop
