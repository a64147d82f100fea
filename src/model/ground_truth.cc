#include "model/ground_truth.h"

#include <algorithm>
#include <set>

#include "dns/dnssec.h"
#include "dns/types.h"

namespace dnsprop {
namespace {

std::vector<std::string> sorted(std::set<std::string> s) { return {s.begin(), s.end()}; }

std::set<std::string> asSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// NS host names an observation gives for `zone`: the answer's NS RRset, or the referral's
// authority NS records owned by the zone.
std::pair<std::set<std::string>, std::optional<std::uint32_t>> nsOf(const dns::Observation& o,
                                                                    const std::string& zone) {
  std::set<std::string> hosts;
  std::optional<std::uint32_t> ttl;
  auto take = [&](const dns::Record& r) {
    if (r.type != dns::qtype::NS || r.owner != zone) return;
    hosts.insert(r.text);
    ttl = ttl ? std::max(*ttl, r.ttl) : r.ttl;
  };
  for (const auto& r : o.chain) take(r);
  if (hosts.empty()) {
    for (const auto& r : o.authority_ns) take(r);
  }
  return {hosts, ttl};
}

bool usable(const dns::Observation& o) {
  return o.outcome == dns::Outcome::Answer || o.outcome == dns::Outcome::NoData;
}

// F13: records of `type` owned by `zone` in an authoritative answer (AA=1): an answer
// gives its RRset, NODATA an empty set. nullopt when the reply proves nothing (timeout,
// error, referral or any reply without AA: a DS or DNSKEY set only counts from the
// servers authoritative for it).
std::optional<std::vector<dns::Record>> authoritativeSet(const dns::Observation& o, dns::QType type,
                                                         const std::string& zone) {
  if (!o.aa || !usable(o)) return std::nullopt;
  std::vector<dns::Record> out;
  for (const auto& r : o.chain) {
    if (r.type == type && r.owner == zone) out.push_back(r);
  }
  if (o.outcome == dns::Outcome::Answer && out.empty()) return std::nullopt;  // off-name data
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

struct DsAnswer {
  Endpoint server;
  std::vector<dns::Record> ds;  // empty: the parent says there is no DS
};
struct KeyAnswer {
  Endpoint server;
  std::vector<dns::Record> keys;  // empty: the new server serves no DNSKEY (unsigned)
};

// The rule of docs/MODEL.md "DNSSEC (F13)". A validator asks one parent server for the
// DS set and one new server for the DNSKEY set; it fails (SERVFAIL) when the DS set holds
// checkable DS records and none matches a zone key of that server. So every pairing of
// a DS set with a new server must have a match.
DnssecState judgeDnssec(const Migration& m, const std::vector<DsAnswer>& parents,
                        const std::vector<KeyAnswer>& servers, std::vector<std::string>& findings) {
  if (parents.empty()) {
    if (!m.parent_servers.empty()) findings.push_back("no parent server answered the DS query for " + m.domain);
    return DnssecState::Unknown;
  }
  // Parent servers normally agree: judge each distinct DS set (order and TTL aside) once.
  std::vector<std::vector<dns::Record>> sets;
  const auto byRdata = [](const dns::Record& a, const dns::Record& b) { return a.rdata < b.rdata; };
  const auto sameRdata = [](const dns::Record& a, const dns::Record& b) { return a.rdata == b.rdata; };
  for (const auto& p : parents) {
    if (p.ds.empty()) continue;
    auto ds = p.ds;
    std::sort(ds.begin(), ds.end(), byRdata);
    const bool seen = std::any_of(sets.begin(), sets.end(), [&](const auto& s) {
      return std::equal(s.begin(), s.end(), ds.begin(), ds.end(), sameRdata);
    });
    if (!seen) sets.push_back(std::move(ds));
  }
  if (sets.empty()) return DnssecState::Unsigned;
  if (servers.empty()) {
    if (!m.new_side.servers.empty()) {
      findings.push_back("the parent publishes DS for " + m.domain +
                         " but no new server answered the DNSKEY query");
    }
    return DnssecState::Unknown;
  }
  bool broken = false, unknown = false;
  for (const auto& ds : sets) {
    std::vector<std::string> labels, checkable;
    for (const auto& r : ds) {
      labels.push_back(dns::dsLabel(r));
      if (const auto f = dns::readDs(r); f && dns::isCheckable(*f)) checkable.push_back(labels.back());
    }
    if (checkable.empty()) {
      unknown = true;
      findings.push_back("parent DS " + joined(labels) + " for " + m.domain +
                         " uses only algorithms or digest types dnsprop cannot check");
      continue;
    }
    std::vector<std::string> unsigned_servers, mismatched;
    for (const auto& s : servers) {
      const bool match = std::any_of(ds.begin(), ds.end(), [&](const dns::Record& r) {
        return dns::matchDs(r, s.keys) == dns::DsMatch::Matches;
      });
      if (match) continue;
      (s.keys.empty() ? unsigned_servers : mismatched).push_back(s.server.toString());
    }
    const std::string what = "parent DS " + joined(checkable) + " for " + m.domain;
    const std::string why = ": validating resolvers will SERVFAIL (F13)";
    if (!mismatched.empty()) {
      broken = true;
      findings.push_back(what + (checkable.size() == 1 ? " matches" : " match") +
                         " no DNSKEY of the new servers (" + joined(mismatched) + ")" + why);
    }
    if (!unsigned_servers.empty()) {
      broken = true;
      findings.push_back(what + " but the new servers (" + joined(unsigned_servers) +
                         ") serve no DNSKEY" + why);
    }
  }
  if (broken) return DnssecState::Broken;
  return unknown ? DnssecState::Unknown : DnssecState::Valid;
}

}  // namespace

std::string_view toString(TruthRole r) {
  switch (r) {
    case TruthRole::Parent: return "parent";
    case TruthRole::Old: return "old";
    case TruthRole::New: return "new";
  }
  return "?";
}

std::string_view toString(Delegation d) {
  switch (d) {
    case Delegation::Unknown: return "unknown";
    case Delegation::Old: return "old";
    case Delegation::New: return "new";
    case Delegation::Both: return "both";
    case Delegation::Other: return "other";
    case Delegation::Unchanged: return "unchanged";
  }
  return "unknown";
}

std::string_view toString(DnssecState s) {
  switch (s) {
    case DnssecState::Unknown: return "unknown";
    case DnssecState::Unsigned: return "unsigned";
    case DnssecState::Valid: return "valid";
    case DnssecState::Broken: return "broken";
  }
  return "unknown";
}

bool nsMoves(const Migration& m) {
  if (m.new_side.ns.empty()) return false;
  return asSet(m.old_side.ns) != asSet(m.new_side.ns);
}

dns::QType truthQType(const TruthQuery& q) {
  switch (q.kind) {
    case TruthKind::Data: return dns::toQType(q.type);
    case TruthKind::Ds: return dns::kTypeDs;
    case TruthKind::Dnskey: return dns::kTypeDnskey;
  }
  return dns::toQType(q.type);
}

dns::QueryOptions truthQueryOptions(const TruthQuery& q) {
  dns::QueryOptions o;
  o.recursion_desired = false;
  switch (q.kind) {
    case TruthKind::Data: break;
    case TruthKind::Ds:
    case TruthKind::Dnskey: o.dnssec_ok = true; break;
  }
  return o;
}

std::vector<TruthQuery> truthQueries(const Migration& m) {
  std::vector<TruthQuery> out;
  for (const auto& s : m.parent_servers) out.push_back({TruthRole::Parent, s, m.domain, RRType::NS});
  for (auto [role, side] : {std::pair{TruthRole::Old, &m.old_side}, std::pair{TruthRole::New, &m.new_side}}) {
    for (const auto& s : side->servers) {
      out.push_back({role, s, m.domain, RRType::NS});
      for (const auto& w : m.watch) {
        for (auto t : w.types) {
          if (t == RRType::NS && w.name == m.domain) continue;  // asked above
          out.push_back({role, s, w.name, t});
        }
      }
    }
  }
  // F13: the DS set where validators get it, and the keys it must match.
  for (const auto& s : m.parent_servers) out.push_back({TruthRole::Parent, s, m.domain, RRType::NS, TruthKind::Ds});
  for (const auto& s : m.new_side.servers) out.push_back({TruthRole::New, s, m.domain, RRType::NS, TruthKind::Dnskey});
  return out;
}

GroundTruth evaluateTruth(const Migration& m, const std::vector<TruthQuery>& queries,
                          const std::vector<dns::Observation>& observations) {
  GroundTruth g;
  g.ns_moves = nsMoves(m);
  const auto old_ns = asSet(m.old_side.ns);
  const auto new_ns = asSet(m.new_side.ns);
  std::set<std::string> parent_union;
  std::vector<std::set<std::string>> per_parent;
  std::map<Endpoint, ServerTruth> servers[2];  // old, new
  std::size_t parents_usable = 0;
  bool old_unknown = false;
  std::map<std::pair<std::string, RRType>, std::vector<AnswerClass>> data[2];
  std::vector<DsAnswer> ds_answers;
  std::vector<KeyAnswer> key_answers;
  bool watches_apex_ns = false;
  for (const auto& w : m.watch) {
    if (w.name != m.domain) continue;
    watches_apex_ns = std::find(w.types.begin(), w.types.end(), RRType::NS) != w.types.end();
  }

  for (std::size_t i = 0; i < queries.size() && i < observations.size(); ++i) {
    const TruthQuery& q = queries[i];
    const dns::Observation& o = observations[i];
    switch (q.kind) {
      case TruthKind::Data: break;
      case TruthKind::Ds:
        if (auto ds = authoritativeSet(o, dns::kTypeDs, m.domain)) ds_answers.push_back({q.server, std::move(*ds)});
        continue;
      case TruthKind::Dnskey:
        if (auto keys = authoritativeSet(o, dns::kTypeDnskey, m.domain)) key_answers.push_back({q.server, std::move(*keys)});
        continue;
    }
    switch (q.role) {
      case TruthRole::Parent: {
        if (!usable(o)) {
          g.findings.push_back("parent " + q.server.toString() + " did not answer usably (" +
                               std::string(dns::toString(o.outcome)) + ")");
          continue;
        }
        auto [hosts, ttl] = nsOf(o, m.domain);
        if (hosts.empty()) {
          g.findings.push_back("parent " + q.server.toString() + " gave no delegation for " + m.domain);
          continue;
        }
        ++parents_usable;
        per_parent.push_back(hosts);
        parent_union.insert(hosts.begin(), hosts.end());
        if (ttl) g.parent_ns_ttl = g.parent_ns_ttl ? std::max(*g.parent_ns_ttl, *ttl) : *ttl;
        break;
      }
      case TruthRole::Old:
      case TruthRole::New: {
        const int side = q.role == TruthRole::Old ? 0 : 1;
        const Expectation& exp = side == 0 ? m.old_side : m.new_side;
        (void)exp;
        if (q.name == m.domain && q.type == RRType::NS) {
          ServerTruth st;
          st.server = q.server;
          st.outcome = o.outcome;
          st.aa = o.aa;
          auto [hosts, ttl] = nsOf(o, m.domain);
          st.ns = sorted(hosts);
          st.ns_ttl = ttl;
          st.serves_zone = o.outcome == dns::Outcome::Answer && o.aa && !hosts.empty();
          // F11: a server that refuses, fails or answers without authority is lame for
          // the zone. A timeout is not proof of lameness (it is reported, and blocks
          // plan_ok), but a server that does not answer serves nobody either.
          st.lame = o.outcome == dns::Outcome::Refused || o.outcome == dns::Outcome::ServFail ||
                    o.outcome == dns::Outcome::NotAuthoritative ||
                    o.outcome == dns::Outcome::OtherRcode || o.outcome == dns::Outcome::NxDomain ||
                    (usable(o) && !o.aa);
          if (side == 0 && !st.serves_zone && !st.lame && !usable(o)) old_unknown = true;
          servers[side][q.server] = st;
          if (!watches_apex_ns) continue;
          // The apex NS set is watched (it moves): judge what each side serves, like
          // any other watched name.
        }
        const auto c = classify(o, q.type, m.old_side, m.new_side);
        data[side][{q.name, q.type}].push_back(o.aa ? c.cls : AnswerClass::Error);
        // The apex NS set's TTL is the child NS TTL (old_child_ns_ttl), not a data TTL.
        const bool apex_ns = q.name == m.domain && q.type == RRType::NS;
        if (side == 0 && o.aa && !apex_ns && (c.cls == AnswerClass::Old || c.cls == AnswerClass::Mixed)) {
          for (const auto& r : o.chain) g.old_data_max_ttl = std::max(g.old_data_max_ttl, r.ttl);
        }
        break;
      }
    }
  }

  // Delegation.
  if (!per_parent.empty()) {
    g.parent_ns = sorted(parent_union);
    for (const auto& s : per_parent) {
      if (s != per_parent.front()) g.parents_agree = false;
    }
    const bool any_old = std::any_of(parent_union.begin(), parent_union.end(),
                                     [&](const std::string& h) { return old_ns.count(h) > 0 && new_ns.count(h) == 0; });
    const bool any_new = std::any_of(parent_union.begin(), parent_union.end(),
                                     [&](const std::string& h) { return new_ns.count(h) > 0 && old_ns.count(h) == 0; });
    const bool any_other = std::any_of(parent_union.begin(), parent_union.end(),
                                       [&](const std::string& h) { return old_ns.count(h) == 0 && new_ns.count(h) == 0; });
    g.any_parent_lists_old = any_old;
    g.all_parents_answered = parents_usable == m.parent_servers.size();
    if (!g.parents_agree || (any_other && g.ns_moves)) g.delegation = Delegation::Other;
    else if (!g.ns_moves) {
      // Address-only: the NS set stays. With an NS set configured the parent must list
      // exactly hosts of it; without one, whatever the parent agrees on stands.
      const bool listed = new_ns.empty() || std::all_of(parent_union.begin(), parent_union.end(),
                                                        [&](const std::string& h) { return new_ns.count(h) > 0; });
      g.delegation = listed ? Delegation::Unchanged : Delegation::Other;
    } else if (any_old && any_new) g.delegation = Delegation::Both;
    else if (any_new) g.delegation = Delegation::New;
    else if (any_old) g.delegation = Delegation::Old;
    else g.delegation = Delegation::Other;  // only hosts both sides share: cannot tell
    // NEW only when every parent server said so: one that did not answer may still hand
    // out the old delegation.
    if ((g.delegation == Delegation::New || g.delegation == Delegation::Unchanged) && !g.all_parents_answered) {
      g.delegation = Delegation::Unknown;
    }
    if (g.delegation == Delegation::Both) g.findings.push_back("parent still delegates to the old name servers too (F10)");
    if (!g.parents_agree) g.findings.push_back("parent servers disagree about the delegation");
  } else if (!m.parent_servers.empty()) {
    g.findings.push_back("no parent server answered");
  }

  // Authoritative servers.
  for (int side = 0; side < 2; ++side) {
    auto& out = side == 0 ? g.old_servers : g.new_servers;
    for (auto& [ep, st] : servers[side]) out.push_back(st);
  }
  for (const auto& st : g.old_servers) {
    if (st.serves_zone) {
      g.old_serving_zone = true;
      for (const auto& h : st.ns) {
        if (old_ns.count(h) > 0 && new_ns.count(h) == 0) g.old_serves_old_ns = true;
      }
      if (st.ns_ttl) g.old_child_ns_ttl = g.old_child_ns_ttl ? std::max(*g.old_child_ns_ttl, *st.ns_ttl) : *st.ns_ttl;
    }
  }
  g.old_state_known = !m.old_side.servers.empty() && !old_unknown &&
                      g.old_servers.size() == m.old_side.servers.size();
  if (g.old_serving_zone) {
    g.findings.push_back("the old server still serves the zone: child-centric resolvers can keep its NS set (F9)");
  }
  for (const auto& st : g.new_servers) {
    if (st.lame) {
      g.new_lame = true;
      g.findings.push_back("new server " + st.server.toString() + " is lame for " + m.domain + " (F11)");
    }
  }

  // The plan: old servers serve OLD (or nothing any more), new servers serve NEW.
  g.plan_ok = !g.new_servers.empty() || m.new_side.servers.empty();
  for (int side = 0; side < 2; ++side) {
    auto& summary = side == 0 ? g.old_data : g.new_data;
    for (const auto& [key, classes] : data[side]) {
      // The worst class across this side's servers stands for the side.
      AnswerClass worst = classes.front();
      for (auto c : classes) {
        if (c != (side == 0 ? AnswerClass::Old : AnswerClass::New)) worst = c;
      }
      summary[key] = worst;
      if (side == 1 && worst != AnswerClass::New) {
        g.plan_ok = false;
        g.findings.push_back("new servers do not serve NEW for " + key.first + " " +
                             std::string(toString(key.second)) + " (" + std::string(toString(worst)) + ")");
      }
    }
  }
  if (g.new_lame) g.plan_ok = false;
  // The data switch (address-only shapes): the servers the parent delegates to serve NEW
  // only. A timeout proves nothing either way (plan_ok is false then, data_reverted too).
  g.data_switched = g.plan_ok && !g.new_servers.empty();
  for (const auto& [key, cls] : g.old_data) {
    if (cls == AnswerClass::Old || cls == AnswerClass::Mixed) g.data_switched = false;
  }
  for (const auto& [key, classes] : data[1]) {
    for (auto c : classes) {
      if (c == AnswerClass::Old || c == AnswerClass::Mixed) g.data_reverted = true;
    }
  }

  g.dnssec = judgeDnssec(m, ds_answers, key_answers, g.findings);
  return g;
}

}  // namespace dnsprop
