#include "net/monitor.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include "common/log.h"
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

std::int64_t unixMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
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
  std::size_t probeSlots() const { return questions.size() * resolvers.size(); }
};

struct Monitor::Metrics {
  explicit Metrics(prometheus::Registry& r)
      : resolvers(prometheus::BuildGauge()
                      .Name("dnsprop_resolvers")
                      .Help("Resolvers whose last answer for the target is in each state.")
                      .Register(r)),
        ratio(prometheus::BuildGauge()
                  .Name("dnsprop_propagation_ratio")
                  .Help("Share of resolvers whose last answer is NEW (0 to 1).")
                  .Register(r)),
        earliest(prometheus::BuildGauge()
                     .Name("dnsprop_earliest_safe_timestamp_seconds")
                     .Help("Earliest time no resolver can still serve OLD data (Unix time; "
                           "+Inf while open-ended, NaN while unknown).")
                     .Register(r)),
        delegation(prometheus::BuildGauge()
                       .Name("dnsprop_parent_delegation")
                       .Help("What the parent zone delegates the domain to (state set).")
                       .Register(r)),
        last_old(prometheus::BuildGauge()
                     .Name("dnsprop_last_old_seen_timestamp_seconds")
                     .Help("Last time any resolver answered with OLD data for the target (Unix time).")
                     .Register(r)),
        probes(prometheus::BuildCounter()
                   .Name("dnsprop_probes_total")
                   .Help("Probes completed, by outcome.")
                   .Register(r)),
        rounds(prometheus::BuildCounter()
                   .Name("dnsprop_rounds_total")
                   .Help("Probe rounds completed.")
                   .Register(r)
                   .Add({})),
        last_probe(prometheus::BuildGauge()
                       .Name("dnsprop_last_probe_timestamp_seconds")
                       .Help("When the last probe round finished (Unix time).")
                       .Register(r)
                       .Add({})),
        store_errors(prometheus::BuildCounter()
                         .Name("dnsprop_store_errors_total")
                         .Help("Rounds that could not be committed to the state database.")
                         .Register(r)
                         .Add({})) {}

  prometheus::Family<prometheus::Gauge>& resolvers;
  prometheus::Family<prometheus::Gauge>& ratio;
  prometheus::Family<prometheus::Gauge>& earliest;
  prometheus::Family<prometheus::Gauge>& delegation;
  prometheus::Family<prometheus::Gauge>& last_old;
  prometheus::Family<prometheus::Counter>& probes;
  prometheus::Counter& rounds;
  prometheus::Gauge& last_probe;
  prometheus::Counter& store_errors;
  // Per-plan series. Each round sets the series of the current plan; series the round
  // did not set (a migration or name a reload removed) are removed at its end, so they
  // disappear instead of freezing, and a reload never leaves the current ones missing.
  using Series = std::set<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>>;
  Series plan_gauges, this_round;

  void beginUpdate() { this_round.clear(); }
  void endUpdate() {
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
  metrics_ = std::make_unique<Metrics>(*registry_);
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
  dns::QueryOptions authoritative;
  authoritative.recursion_desired = false;
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
          {mi, i, std::make_unique<dns::QueryTemplate>(tq[i].name, dns::toQType(tq[i].type), authoritative)});
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
    if (ms.truth.old_state_known) old_serving_[m.domain] = ms.truth.old_serving_zone;
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
    ms.earliest_safe = model_.earliestSafe(m.domain, truthContext(ms));

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
