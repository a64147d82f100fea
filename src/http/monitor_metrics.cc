#include "http/monitor_metrics.h"

#include <algorithm>
#include <cmath>

namespace dnsprop {
namespace {

constexpr AnswerClass kClasses[] = {AnswerClass::New,      AnswerClass::Old,   AnswerClass::Mixed,
                                    AnswerClass::Other,    AnswerClass::Negative, AnswerClass::Stale,
                                    AnswerClass::Error};
constexpr Delegation kDelegations[] = {Delegation::Unknown, Delegation::Old,   Delegation::New,
                                       Delegation::Both,    Delegation::Other, Delegation::Unchanged};
constexpr VerdictStatus kVerdicts[] = {VerdictStatus::Safe, VerdictStatus::NotYet, VerdictStatus::Critical,
                                       VerdictStatus::Unknown};
constexpr DnssecState kDnssecStates[] = {DnssecState::Unknown, DnssecState::Unsigned, DnssecState::Valid,
                                         DnssecState::Broken};
constexpr BlockReason kBlockReasons[] = {BlockReason::Old, BlockReason::Unverified, BlockReason::Hold,
                                        BlockReason::Regression, BlockReason::FlipFlop};
constexpr const char* kFailureReasons[] = {"timeout", "servfail", "refused", "malformed",
                                           "network", "truncated", "other"};

double unixSeconds(WallTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

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

prometheus::Family<prometheus::Gauge>& gaugeFamily(prometheus::Registry& r, const std::string& vantage,
                                                   const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Labels({{"vantage", vantage}}).Register(r);
}

template <typename Builder>
auto& family(Builder b, prometheus::Registry& r, const std::string& vantage, const char* name, const char* help) {
  return b.Name(name).Help(help).Labels({{"vantage", vantage}}).Register(r);
}

// Latency buckets from 1 ms to about 8 s (doubling): resolvers answer from cache in ms,
// iterate in tens to hundreds of ms, time out in seconds.
const prometheus::Histogram::BucketBoundaries& latencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064,
                                                             0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192};
  return b;
}

}  // namespace

MonitorMetrics::MonitorMetrics(prometheus::Registry& r, const std::string& vantage)
    : resolvers_(gaugeFamily(r, vantage, "dnsprop_resolvers",
                             "Resolvers whose last answer for the target is in each state.")),
      ratio_(gaugeFamily(r, vantage, "dnsprop_propagation_ratio",
                         "Share of resolvers whose last answer is NEW (0 to 1).")),
      earliest_(gaugeFamily(r, vantage, "dnsprop_earliest_safe_timestamp_seconds",
                            "Earliest time no resolver can still serve OLD data (Unix time; "
                            "+Inf while open-ended, NaN while unknown).")),
      delegation_(gaugeFamily(r, vantage, "dnsprop_parent_delegation",
                              "What the parent zone delegates the domain to (state set).")),
      last_old_(gaugeFamily(r, vantage, "dnsprop_last_old_seen_timestamp_seconds",
                            "Last time any resolver answered with OLD data for the target (Unix time).")),
      verdict_(gaugeFamily(r, vantage, "dnsprop_verdict",
                           "Verdict on shutting down the old server (state set: safe, not_yet, "
                           "critical, unknown).")),
      condition_(gaugeFamily(r, vantage, "dnsprop_verdict_condition",
                             "1 when the condition of the verdict rule holds (docs/VERDICT.md).")),
      blockers_(gaugeFamily(r, vantage, "dnsprop_verdict_blockers",
                            "Targets (resolver, name, type) keeping the verdict from SAFE, by reason.")),
      switch_(gaugeFamily(r, vantage, "dnsprop_switch_timestamp_seconds",
                          "The configured switch_time of the migration (Unix time).")),
      switch_seen_(gaugeFamily(r, vantage, "dnsprop_switch_seen_timestamp_seconds",
                               "When the monitor first saw the switch: the parent delegating to the new "
                               "servers only, or (address-only) the servers serving the new data (Unix time).")),
      web_up_(gaugeFamily(r, vantage, "dnsprop_web_up",
                          "1 when the fetch of the path served the site: status < 400 and, over HTTPS, a "
                          "certificate that verifies, covers the host and has not expired.")),
      web_status_(gaugeFamily(r, vantage, "dnsprop_web_status_code",
                              "HTTP status of the last fetch of the path (0 without a response).")),
      web_seconds_(gaugeFamily(r, vantage, "dnsprop_web_response_seconds",
                               "Duration of the last fetch of the path.")),
      web_cert_expiry_(gaugeFamily(r, vantage, "dnsprop_web_cert_expiry_timestamp_seconds",
                                   "When the certificate the server presents for the host expires (Unix time).")),
      web_drift_(gaugeFamily(r, vantage, "dnsprop_web_content_drift",
                             "1 when a must_match path serves different bodies on the old and the new server.")),
      mail_accepts_(gaugeFamily(r, vantage, "dnsprop_mail_accepts",
                                "1 when the mail server at the address took MAIL FROM:<> and RCPT TO the "
                                "recipient (and, for the new side with starttls, completed STARTTLS) the last time "
                                "it was asked.")),
      mail_rcpt_(gaugeFamily(r, vantage, "dnsprop_mail_rcpt_code",
                             "SMTP reply code to RCPT TO the recipient the last time (0 when the dialogue ended "
                             "before).")),
      mail_tls_(gaugeFamily(r, vantage, "dnsprop_mail_starttls",
                            "1 when the last exchange completed a STARTTLS handshake.")),
      mail_seconds_(gaugeFamily(r, vantage, "dnsprop_mail_response_seconds",
                                "Duration of the last SMTP exchange with the address.")),
      mail_checked_(gaugeFamily(r, vantage, "dnsprop_mail_checked_timestamp_seconds",
                                "When the mail server at the address was last asked (Unix time; mail servers are "
                                "asked every mail.every, not every round).")),
      mail_cert_expiry_(gaugeFamily(r, vantage, "dnsprop_mail_cert_expiry_timestamp_seconds",
                                    "When the certificate the mail server presents after STARTTLS expires (Unix "
                                    "time).")),
      mail_fetch_port_(gaugeFamily(r, vantage, "dnsprop_mail_fetch_port_up",
                                   "1 when a POP3/IMAP port of the old server (mail.fetch_ports) accepts a "
                                   "connection.")),
      old_requests_(gaugeFamily(r, vantage, "dnsprop_old_requests",
                                "Requests the old server's access log recorded in the [migration.traffic] window "
                                "(absent while the log cannot be read).")),
      old_last_request_(gaugeFamily(r, vantage, "dnsprop_old_last_request_timestamp_seconds",
                                    "The newest request counted in the old server's access log (Unix time).")),
      old_stop_(gaugeFamily(r, vantage, "dnsprop_old_stop_timestamp_seconds",
                            "When the old server is planned to be shut down ([migration.old] stop_date; "
                            "Unix time).")),
      auth_serving_(gaugeFamily(r, vantage, "dnsprop_authoritative_serving",
                                "1 when the old/new authoritative servers serve the zone (AA).")),
      auth_lame_(gaugeFamily(r, vantage, "dnsprop_authoritative_lame",
                             "1 when some authoritative server of the role is lame for the zone.")),
      dnssec_(gaugeFamily(r, vantage, "dnsprop_dnssec",
                          "DNSSEC of the delegation (state set: unknown, unsigned, valid, broken).")),
      resolver_info_(gaugeFamily(r, vantage, "dnsprop_resolver_info",
                                 "Catalog facts of each selected resolver (constant 1).")),
      table_(std::make_shared<SeriesTable>()),
      resolver_state_(table_->addGaugeFamily("dnsprop_resolver_state",
                                             "Class of the resolver's last answer for the target (state set).",
                                             {{"vantage", vantage}})),
      resolver_expiry_(table_->addGaugeFamily("dnsprop_resolver_old_expiry_timestamp_seconds",
                                              "Predicted time the resolver drops OLD data for the target (Unix time).",
                                              {{"vantage", vantage}})),
      resolver_last_probe_(gaugeFamily(r, vantage, "dnsprop_resolver_last_probe_timestamp_seconds",
                                       "When the resolver last gave a probe result (Unix time).")),
      resolver_queries_(family(prometheus::BuildCounter(), r, vantage, "dnsprop_resolver_queries_total",
                               "Probes sent to the resolver.")),
      resolver_failures_(family(prometheus::BuildCounter(), r, vantage, "dnsprop_resolver_failures_total",
                                "Probes to the resolver without a usable answer, by reason.")),
      resolver_latency_(family(prometheus::BuildHistogram(), r, vantage, "dnsprop_resolver_latency_seconds",
                               "Time to an accepted answer from the resolver.")),
      probes_(family(prometheus::BuildCounter(), r, vantage, "dnsprop_probes_total", "Probes completed, by outcome.")),
      rounds_(family(prometheus::BuildCounter(), r, vantage, "dnsprop_rounds_total", "Probe rounds completed.").Add({})),
      last_probe_(gaugeFamily(r, vantage, "dnsprop_last_probe_timestamp_seconds",
                              "When the last probe round finished (Unix time).")
                      .Add({})),
      store_errors_(family(prometheus::BuildCounter(), r, vantage, "dnsprop_store_errors_total",
                           "Rounds that could not be committed to the state database.")
                        .Add({})) {}

prometheus::Gauge& MonitorMetrics::gauge(GaugeFamily& f, const std::map<std::string, std::string>& labels) {
  auto& g = f.Add(labels);
  this_round_.insert({&f, &g});
  return g;
}

void MonitorMetrics::probe(dns::Outcome outcome) {
  probes_.Add({{"outcome", std::string(dns::toString(outcome))}}).Increment();
}

void MonitorMetrics::resolverProbe(const std::string& resolver, const dns::Observation& o, double at) {
  const std::map<std::string, std::string> res{{"resolver", resolver}};
  resolver_queries_.Add(res).Increment();
  const std::string_view why = failureReason(o.outcome);
  if (!why.empty()) {
    resolver_failures_.Add({{"resolver", resolver}, {"reason", std::string(why)}}).Increment();
  } else {
    resolver_latency_.Add(res, latencyBuckets()).Observe(std::chrono::duration<double>(o.latency).count());
  }
  resolver_last_probe_.Add(res).Set(at);
}

void MonitorMetrics::beginRound() {
  this_round_.clear();
  table_->beginRound();
}

void MonitorMetrics::migration(const MigrationSnapshot& ms, const std::vector<ResolverInfo>& resolvers,
                               const PropagationModel& model) {
  const std::string& domain = ms.domain;
  for (auto st : kVerdicts) {
    gauge(verdict_, {{"domain", domain}, {"state", lower(toString(st))}}).Set(ms.verdict.status == st ? 1 : 0);
  }
  for (const auto& c : ms.verdict.conditions) {
    gauge(condition_, {{"domain", domain}, {"condition", std::string(toString(c.id))}}).Set(c.met ? 1 : 0);
  }
  {
    std::map<BlockReason, int> by_reason;
    for (const auto& b : ms.verdict.blockers) ++by_reason[b.reason];
    for (auto why : kBlockReasons) {
      gauge(blockers_, {{"domain", domain}, {"reason", std::string(toString(why))}}).Set(by_reason[why]);
    }
  }
  // Times that exist only once known: absent (not 0) until then, so the dashboards'
  // annotations and the alerts' "after the switch" gates see nothing rather than 1970.
  if (ms.record.switch_time) gauge(switch_, {{"domain", domain}}).Set(unixSeconds(*ms.record.switch_time));
  if (ms.switch_seen) gauge(switch_seen_, {{"domain", domain}}).Set(unixSeconds(*ms.switch_seen));
  if (ms.record.old_stop) gauge(old_stop_, {{"domain", domain}}).Set(unixSeconds(*ms.record.old_stop));
  if (ms.record.web) webSeries(domain, *ms.record.web, ms.verdict.evaluated);
  if (ms.record.mail) mailSeries(domain, *ms.record.mail);
  if (ms.record.traffic && ms.record.traffic->requests) {
    gauge(old_requests_, {{"domain", domain}}).Set(static_cast<double>(*ms.record.traffic->requests));
  }
  if (ms.record.traffic && ms.record.traffic->last_request) {
    gauge(old_last_request_, {{"domain", domain}}).Set(unixSeconds(*ms.record.traffic->last_request));
  }
  for (auto d : kDnssecStates) {
    gauge(dnssec_, {{"domain", domain}, {"state", std::string(toString(d))}}).Set(ms.truth.dnssec == d ? 1 : 0);
  }
  {
    bool new_serving = !ms.truth.new_servers.empty();
    for (const auto& st : ms.truth.new_servers) new_serving = new_serving && st.serves_zone;
    gauge(auth_serving_, {{"domain", domain}, {"role", "old"}}).Set(ms.truth.old_serving_zone ? 1 : 0);
    gauge(auth_serving_, {{"domain", domain}, {"role", "new"}}).Set(new_serving ? 1 : 0);
    bool old_lame = false;
    for (const auto& st : ms.truth.old_servers) old_lame = old_lame || st.lame;
    gauge(auth_lame_, {{"domain", domain}, {"role", "old"}}).Set(old_lame ? 1 : 0);
    gauge(auth_lame_, {{"domain", domain}, {"role", "new"}}).Set(ms.truth.new_lame ? 1 : 0);
  }
  // Per target: state set and predicted OLD expiry.
  for (const auto& r : resolvers) {
    for (const auto& [name, type] : ms.record.watch) {
      const TargetKey key{domain, name, type, r.name};
      const TargetState* st = model.find(key);
      SeriesTable::Labels labels{
          {"domain", domain}, {"name", name}, {"rrtype", std::string(toString(type))}, {"resolver", r.name}};
      if (auto e = ms.expiries.find(key); e != ms.expiries.end()) {
        table_->set(resolver_expiry_, labels, unixSeconds(e->second));
      }
      const AnswerClass cur = st != nullptr && st->has_samples ? st->current : AnswerClass::Error;
      labels.emplace_back("state", "");
      for (auto c : kClasses) {
        labels.back().second = std::string(toString(c));
        table_->set(resolver_state_, labels, cur == c ? 1 : 0);
      }
    }
  }
  // Per (name, type): counts, ratio, last OLD.
  for (const auto& [nt, counts] : ms.counts) {
    const auto& [name, type] = nt;
    std::optional<WallTime> last_old;
    for (const auto& r : resolvers) {
      const TargetState* st = model.find({domain, name, type, r.name});
      if (st != nullptr && st->last_old_seen && (!last_old || *st->last_old_seen > *last_old)) {
        last_old = st->last_old_seen;
      }
    }
    const std::map<std::string, std::string> base{{"domain", domain}, {"name", name}, {"rrtype", std::string(toString(type))}};
    for (auto c : kClasses) {
      auto labels = base;
      labels["state"] = std::string(toString(c));
      const auto it = counts.find(c);
      gauge(resolvers_, labels).Set(it == counts.end() ? 0 : it->second);
    }
    const double total = static_cast<double>(resolvers.size());
    const auto n = counts.find(AnswerClass::New);
    gauge(ratio_, base).Set(total > 0 && n != counts.end() ? n->second / total : 0.0);
    gauge(last_old_, base).Set(last_old ? unixSeconds(*last_old) : 0.0);
  }
  for (auto d : kDelegations) {
    gauge(delegation_, {{"domain", domain}, {"state", std::string(toString(d))}}).Set(ms.truth.delegation == d ? 1 : 0);
  }
  double earliest = std::nan("");
  if (ms.earliest_safe.unbounded) earliest = HUGE_VAL;
  else if (ms.earliest_safe.at) earliest = unixSeconds(*ms.earliest_safe.at);
  gauge(earliest_, {{"domain", domain}}).Set(earliest);
}

void MonitorMetrics::webSeries(const std::string& domain, const WebChecks& web, WallTime now) {
  for (const auto& f : web.fetches) {
    if (f.outcome == FetchOutcome::NoRoute) continue;  // not fetched: no series rather than a false 0
    const std::map<std::string, std::string> labels{{"domain", domain},
                                                    {"side", std::string(toString(f.side))},
                                                    {"address", f.address},
                                                    {"host", f.host},
                                                    {"scheme", f.https ? "https" : "http"},
                                                    {"path", f.path}};
    gauge(web_up_, labels).Set(serves(f, now) ? 1 : 0);
    gauge(web_status_, labels).Set(f.outcome == FetchOutcome::Response ? f.status : 0);
    gauge(web_seconds_, labels).Set(f.elapsed_seconds);
    if (f.https && f.cert_not_after) {
      gauge(web_cert_expiry_, {{"domain", domain}, {"side", std::string(toString(f.side))}, {"address", f.address},
                               {"host", f.host}})
          .Set(unixSeconds(*f.cert_not_after));
    }
  }
  const WebJudgement j = judgeWeb(web, now);
  std::set<std::string> hosts;
  for (const auto& f : web.fetches) hosts.insert(f.host);
  for (const auto& host : hosts) {
    for (const auto& path : web.must_match) {
      const bool drift = std::find(j.drift.begin(), j.drift.end(), host + path) != j.drift.end();
      gauge(web_drift_, {{"domain", domain}, {"host", host}, {"path", path}}).Set(drift ? 1 : 0);
    }
  }
}

void MonitorMetrics::mailSeries(const std::string& domain, const MailChecks& mail) {
  for (const auto& e : mail.exchanges) {
    if (e.outcome == MailOutcome::NoRoute) continue;  // not asked: no series rather than a false 0
    const std::map<std::string, std::string> labels{
        {"domain", domain}, {"side", std::string(toString(e.side))}, {"address", e.address}};
    gauge(mail_accepts_, labels).Set(acceptsMail(e, mail.require_starttls && e.side == ServerSide::New) ? 1 : 0);
    gauge(mail_rcpt_, labels).Set(e.rcpt_code);
    gauge(mail_tls_, labels).Set(e.tls ? 1 : 0);
    gauge(mail_seconds_, labels).Set(e.elapsed_seconds);
    gauge(mail_checked_, labels).Set(unixSeconds(e.at));
    if (e.tls && e.cert_not_after) gauge(mail_cert_expiry_, labels).Set(unixSeconds(*e.cert_not_after));
  }
  for (const auto& p : mail.fetch_ports) {
    if (p.outcome == "no_route") continue;
    gauge(mail_fetch_port_, {{"domain", domain}, {"address", p.address}, {"port", std::to_string(p.port)}})
        .Set(p.outcome == "open" ? 1 : 0);
  }
}

void MonitorMetrics::resolvers(const std::vector<ResolverInfo>& resolvers) {
  for (const auto& r : resolvers) {
    gauge(resolver_info_,
          {{"resolver", r.name}, {"operator", r.operator_name}, {"country", r.country}, {"continent", r.continent}})
        .Set(1);
    gauge(resolver_last_probe_, {{"resolver", r.name}});  // kept while selected
    // Every failure reason exists from the start (at 0), so rate() sees the first failure.
    for (const char* why : kFailureReasons) resolver_failures_.Add({{"resolver", r.name}, {"reason", why}});
  }
}

void MonitorMetrics::endRound() {
  table_->endRound();
  for (const auto& entry : plan_gauges_) {
    if (!this_round_.count(entry)) entry.first->Remove(entry.second);
  }
  plan_gauges_ = this_round_;
}

void MonitorMetrics::roundCompleted(double at) {
  rounds_.Increment();
  last_probe_.Set(at);
}

void MonitorMetrics::storeError() { store_errors_.Increment(); }

std::function<void(std::string&)> MonitorMetrics::text() const {
  return [table = table_](std::string& out) { table->render(out); };
}

}  // namespace dnsprop
