#include "net/monitor.h"

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
  // Series added for the current plan, removed when a reload drops their target (so a
  // removed migration's series disappear instead of freezing at their last value).
  std::set<std::pair<prometheus::Family<prometheus::Gauge>*, prometheus::Gauge*>> plan_gauges;

  void clearPlanSeries() {
    for (auto [family, g] : plan_gauges) family->Remove(g);
    plan_gauges.clear();
  }
  prometheus::Gauge& gauge(prometheus::Family<prometheus::Gauge>& f,
                           const std::map<std::string, std::string>& labels) {
    auto& g = f.Add(labels);
    plan_gauges.insert({&f, &g});
    return g;
  }
};

Monitor::Monitor(uv_loop_t* loop, const Clock& clock, Config config,
                 std::shared_ptr<prometheus::Registry> registry)
    : loop_(loop), clock_(clock), wall_anchor_(clock.wall()), mono_anchor_(clock.monotonic()) {
  plan_ = buildPlan(std::move(config));
  store_ = StateStore::open(plan_->config.monitor.state_dir / "dnsprop.db");
  for (auto& [key, state] : store_->loadTargets()) model_.restore(key, std::move(state));
  for (const auto& [key, sample] : store_->lastSamples()) throttle_.remember(key, sample);
  for (const auto& m : plan_->config.migrations) {
    if (auto f = store_->fact(factKey(m.domain))) {
      const auto j = nlohmann::json::parse(*f, nullptr, false);
      if (j.is_object() && j.contains("ms") && j["ms"].is_number_integer()) {
        parent_switch_seen_[m.domain] = WallTime(std::chrono::milliseconds(j["ms"].get<std::int64_t>()));
      }
    }
    if (auto f = store_->fact(truthMaxKey(m.domain))) {
      const auto j = nlohmann::json::parse(*f, nullptr, false);
      if (j.is_object()) {
        auto& tm = truth_max_[m.domain];
        tm.parent_ns_ttl = j.value("parent_ns_ttl", 0u);
        tm.old_child_ns_ttl = j.value("old_child_ns_ttl", 0u);
        tm.old_data_ttl = j.value("old_data_ttl", 0u);
      }
    }
  }
  registry_ = std::move(registry);
  metrics_ = std::make_unique<Metrics>(*registry_);
  EngineOptions eo;
  eo.timeout = plan_->config.monitor.timeout;
  eo.retries = plan_->config.monitor.retries;
  eo.tcp_only = plan_->config.monitor.tcp_only;
  engine_ = std::make_unique<ProbeEngine>(loop_, clock_, eo);
  runner_ = std::make_unique<RoundRunner>(loop_, *engine_);
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
  return wall_anchor_ + std::chrono::duration_cast<WallTime::duration>(clock_.monotonic() - mono_anchor_);
}

std::unique_ptr<Monitor::Plan> Monitor::buildPlan(Config config) const {
  auto plan = std::make_unique<Plan>();
  plan->config = std::move(config);
  plan->resolvers = selectConfiguredResolvers(plan->config.resolvers);
  dns::QueryOptions authoritative;
  authoritative.recursion_desired = false;
  for (std::size_t mi = 0; mi < plan->config.migrations.size(); ++mi) {
    const Migration& m = plan->config.migrations[mi];
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

void Monitor::start() {
  stopping_ = false;
  startRound();
}

void Monitor::stop() {
  stopping_ = true;
  runner_.reset();
  engine_.reset();
  round_timer_.reset();
  if (store_ && store_->roundOpen()) store_->rollbackRound();
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
    runner_.reset();
    EngineOptions eo;
    eo.timeout = plan_->config.monitor.timeout;
    eo.retries = plan_->config.monitor.retries;
    eo.tcp_only = plan_->config.monitor.tcp_only;
    engine_ = std::make_unique<ProbeEngine>(loop_, clock_, eo);
    runner_ = std::make_unique<RoundRunner>(loop_, *engine_);
    metrics_->clearPlanSeries();
  }
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
    switch (ms.truth.delegation) {
      case Delegation::New:
        if (!parent_switch_seen_.count(m.domain)) {
          parent_switch_seen_[m.domain] = now;
          store_->putFact(factKey(m.domain), nlohmann::json{{"ms", unixMillis(now)}}.dump());
          log::info("parent delegates to the new name servers only", {{"domain", m.domain}});
        }
        break;
      case Delegation::Old:
      case Delegation::Both:
        if (parent_switch_seen_.erase(m.domain) > 0) {
          store_->putFact(factKey(m.domain), "null");
          log::warn("parent delegates to the old name servers again", {{"domain", m.domain}});
        }
        break;
      case Delegation::Unknown:
      case Delegation::Other:
        break;
    }
    if (auto it = parent_switch_seen_.find(m.domain); it != parent_switch_seen_.end()) {
      ms.parent_switch_seen = it->second;
    }
    {
      auto& tm = truth_max_[m.domain];
      const TruthMax before = tm;
      tm.parent_ns_ttl = std::max(tm.parent_ns_ttl, ms.truth.parent_ns_ttl.value_or(0));
      tm.old_child_ns_ttl = std::max(tm.old_child_ns_ttl, ms.truth.old_child_ns_ttl.value_or(0));
      tm.old_data_ttl = std::max(tm.old_data_ttl, ms.truth.old_data_max_ttl);
      if (tm.parent_ns_ttl != before.parent_ns_ttl || tm.old_child_ns_ttl != before.old_child_ns_ttl ||
          tm.old_data_ttl != before.old_data_ttl) {
        store_->putFact(truthMaxKey(m.domain), nlohmann::json{{"parent_ns_ttl", tm.parent_ns_ttl},
                                                              {"old_child_ns_ttl", tm.old_child_ns_ttl},
                                                              {"old_data_ttl", tm.old_data_ttl}}
                                                   .dump());
      }
    }
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
