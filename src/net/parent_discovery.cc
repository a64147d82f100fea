#include "net/parent_discovery.h"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "common/log.h"
#include "dns/query.h"

namespace dnsprop {
namespace {

// Labels of a presentation-form name, escapes kept inside their label ("a\.b.c." has
// the labels "a\.b" and "c"), so that a dot inside a label never counts as a cut.
std::vector<std::string_view> labels(std::string_view name) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\') {
      ++i;  // the escaped character (or the first digit of \DDD: digits are no dots)
    } else if (name[i] == '.') {
      if (i > start) out.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < name.size()) out.push_back(name.substr(start));
  return out;
}

// Names here are canonical (lower-case, absolute): label-wise suffix comparison.
bool isAtOrBelow(std::string_view name, std::string_view zone) {
  const auto n = labels(name);
  const auto z = labels(zone);
  return z.size() <= n.size() && std::equal(z.rbegin(), z.rend(), n.rbegin());
}

bool isStrictlyBelow(std::string_view name, std::string_view zone) {
  return isAtOrBelow(name, zone) && labels(name).size() > labels(zone).size();
}

void addUnique(std::vector<Endpoint>& to, const Endpoint& e) {
  if (std::find(to.begin(), to.end(), e) == to.end()) to.push_back(e);
}

}  // namespace

// One discovery. Owned by the callbacks of its in-flight probe (exactly one at a time),
// so it lives as long as the engine may still call back; ParentDiscovery only holds a
// weak reference to cancel it.
class ParentDiscovery::Run : public std::enable_shared_from_this<Run> {
 public:
  Run(ProbeEngine& engine, const std::vector<Endpoint>& hints, DiscoveryLimits limits,
      DiscoveryCallback callback)
      : engine_(engine), hints_(hints), limits_(limits), callback_(std::move(callback)) {}

  void start(std::string_view domain);
  void cancel() { cancelled_ = true; }
  bool active() const { return !cancelled_ && !finished_; }

 private:
  // One iteration: towards `target` (the domain, NS; or an NS host name, A).
  struct Frame {
    std::string target;
    const dns::QueryTemplate* query = nullptr;
    bool nested = false;                  // resolving an NS host name's address
    std::string zone;                     // the zone whose servers we ask now
    std::vector<std::string> ns_names;    // its NS set (empty for the root hints)
    std::vector<Endpoint> addresses;      // its servers' addresses known so far
    std::size_t next = 0;                 // addresses[0, next) have been asked
    std::vector<std::string> unresolved;  // NS names not yet given an address
    bool collecting = false;              // top frame: parent found, gathering addresses
    std::string last_problem;             // why the last server was useless
  };

  const dns::QueryTemplate* queryFor(const std::string& name, dns::QType type);
  void pushNested(const std::string& name);
  void advance();
  void onReply(const Endpoint& server, const dns::Observation& obs);
  void handle(const Endpoint& server, const dns::Observation& obs);
  void handleNoData(Frame& f, const Endpoint& server, const dns::Observation& obs);
  void moveTo(Frame& f, const std::string& zone, const dns::Observation& obs);
  void absorbCache(Frame& f);
  void popNested(std::vector<Endpoint> found, const std::string& problem);
  void problem(Frame& f, const Endpoint& server, const std::string& what);
  void fail(const std::string& error);
  void succeed(const Frame& f);
  void deliver(ParentDiscoveryResult result);

  ProbeEngine& engine_;
  const std::vector<Endpoint> hints_;
  const DiscoveryLimits limits_;
  DiscoveryCallback callback_;
  std::string domain_;
  bool cancelled_ = false;
  bool finished_ = false;
  int queries_ = 0;
  int referrals_ = 0;
  std::vector<Frame> frames_;  // [0] the domain; then nested resolutions
  // Addresses learnt in this discovery (in-bailiwick glue and authoritative answers),
  // by NS host name: a later zone whose NS set shares hosts needs no new lookups.
  std::map<std::string, std::vector<Endpoint>> cache_;
  // The templates the engine reads until each probe's callback: kept for the whole run.
  std::map<std::pair<std::string, dns::QType>, std::unique_ptr<dns::QueryTemplate>> queries_by_name_;
};

const dns::QueryTemplate* ParentDiscovery::Run::queryFor(const std::string& name, dns::QType type) {
  auto& slot = queries_by_name_[{name, type}];
  if (!slot) {
    dns::QueryOptions o;
    o.recursion_desired = false;  // ask the servers themselves, never their caches
    slot = std::make_unique<dns::QueryTemplate>(name, type, o);  // throws invalid_argument
  }
  return slot.get();
}

void ParentDiscovery::Run::start(std::string_view domain) {
  try {
    const dns::QueryTemplate* q = queryFor(std::string(domain), dns::qtype::NS);
    domain_ = q->qname();
    if (domain_ == ".") {
      fail("the root zone has no parent");
      return;
    }
    Frame top;
    top.target = domain_;
    top.query = q;
    top.zone = ".";
    top.addresses = hints_;
    frames_.push_back(std::move(top));
  } catch (const std::invalid_argument& e) {
    fail("invalid domain \"" + std::string(domain) + "\": " + e.what());
    return;
  }
  advance();
}

void ParentDiscovery::Run::pushNested(const std::string& name) {
  Frame f;
  f.target = name;
  f.nested = true;
  f.zone = ".";
  f.addresses = hints_;
  try {
    f.query = queryFor(name, dns::qtype::A);
  } catch (const std::invalid_argument& e) {
    // Cannot happen for names read from the wire; treat it as an unresolvable name.
    frames_.back().last_problem = "NS name " + name + " is unusable: " + e.what();
    return;
  }
  frames_.push_back(std::move(f));
}

// Drives the top frame until a probe is in flight or the run is over. Returns right
// after engine_.probe(): its callback may already have run (and changed frames_).
void ParentDiscovery::Run::advance() {
  for (;;) {
    if (!active()) return;
    Frame& f = frames_.back();
    absorbCache(f);
    if (f.nested) {
      if (auto hit = cache_.find(f.target); hit != cache_.end() && !hit->second.empty()) {
        popNested(hit->second, {});
        continue;
      }
    }
    if (f.collecting) {
      // Every address of the parent's NS set, as far as the budget allows: the monitor
      // asks them all, and a parent server left out could be the one still delegating
      // to OLD (F10).
      if (!f.unresolved.empty() && static_cast<int>(frames_.size()) <= limits_.max_nesting &&
          queries_ < limits_.max_queries) {
        const std::string name = f.unresolved.front();
        f.unresolved.erase(f.unresolved.begin());
        pushNested(name);
        continue;
      }
      succeed(f);
      return;
    }
    if (f.next < f.addresses.size()) {
      if (queries_ >= limits_.max_queries) {
        if (frames_.front().collecting) {
          succeed(frames_.front());  // found; only some addresses are missing
        } else {
          fail("gave up after " + std::to_string(queries_) + " queries (the limit)" +
               (f.last_problem.empty() ? std::string() : "; last problem: " + f.last_problem));
        }
        return;
      }
      const Endpoint server = f.addresses[f.next++];
      ++queries_;
      log::debug("parent discovery query", {{"domain", domain_},
                                            {"name", f.target},
                                            {"zone", f.zone},
                                            {"server", server.toString()}});
      auto self = shared_from_this();
      engine_.probe({f.query, server},
                    [self, server](const dns::Observation& obs) { self->onReply(server, obs); });
      return;
    }
    if (!f.unresolved.empty() && static_cast<int>(frames_.size()) <= limits_.max_nesting) {
      const std::string name = f.unresolved.front();
      f.unresolved.erase(f.unresolved.begin());
      pushNested(name);
      continue;
    }
    // Nothing left to ask in this zone.
    std::string why = "no server of zone " + f.zone + " gave a usable answer for " + f.target;
    if (f.addresses.empty() && f.unresolved.empty() && !f.ns_names.empty() &&
        static_cast<int>(frames_.size()) > limits_.max_nesting) {
      why += " (NS names need addresses deeper than the nesting limit)";
    }
    if (!f.last_problem.empty()) why += "; last problem: " + f.last_problem;
    if (!f.nested) {
      fail(why);
      return;
    }
    popNested({}, why);
  }
}

void ParentDiscovery::Run::onReply(const Endpoint& server, const dns::Observation& obs) {
  if (!active()) return;  // cancelled, or the owner went away
  try {
    handle(server, obs);
  } catch (const std::exception& e) {
    // Never into libuv: the discovery ends with the error instead.
    if (active()) fail(std::string("internal error: ") + e.what());
  }
}

void ParentDiscovery::Run::handle(const Endpoint& server, const dns::Observation& obs) {
  Frame& f = frames_.back();
  switch (obs.outcome) {
    case dns::Outcome::Answer:
      if (f.nested) {
        // Only A records of the host name itself: an NS host behind a CNAME is not
        // allowed (RFC 2181 10.3) and would let a server point us anywhere.
        std::vector<Endpoint> found;
        for (const dns::Record& r : obs.chain) {
          if (r.type != dns::qtype::A || r.owner != f.target) continue;
          if (auto e = Endpoint::parse(r.text, 53)) addUnique(found, *e);
        }
        if (found.empty()) {
          popNested({}, "NS name " + f.target + " has no usable A record");
        } else {
          cache_[f.target] = found;
          popNested(std::move(found), {});
        }
        break;
      }
      if (!obs.chain.empty() && obs.chain.front().type == dns::qtype::CNAME) {
        fail(domain_ + " is an alias (CNAME) in zone " + f.zone + ", not a delegated zone");
        return;
      }
      // An authoritative NS answer: this server serves the domain's parent (and the
      // domain too, which a parent may do).
      f.collecting = true;
      break;
    case dns::Outcome::NxDomain:
      if (f.nested) {
        popNested({}, "NS name " + f.target + " does not exist (NXDOMAIN from " +
                          server.toString() + ")");
        break;
      }
      fail(domain_ + " does not exist: " + server.toString() + " (zone " + f.zone +
           ") answers NXDOMAIN");
      return;
    case dns::Outcome::NoData:
      handleNoData(f, server, obs);
      break;
    case dns::Outcome::ServFail:
    case dns::Outcome::Refused:
    case dns::Outcome::NotAuthoritative:
    case dns::Outcome::OtherRcode:
    case dns::Outcome::Timeout:
    case dns::Outcome::TruncatedFailed:
    case dns::Outcome::Malformed:
    case dns::Outcome::NetworkError:
      problem(f, server, std::string(dns::toString(obs.outcome)));
      break;
  }
  advance();
}

void ParentDiscovery::Run::handleNoData(Frame& f, const Endpoint& server,
                                        const dns::Observation& obs) {
  if (obs.authority_ns.empty()) {
    if (!obs.aa) {
      problem(f, server, "neither an answer nor a referral (lame)");
      return;
    }
    if (f.nested) {
      popNested({}, "NS name " + f.target + " has no A record");
      return;
    }
    fail(domain_ + " is not a delegated zone: " + server.toString() + " (zone " + f.zone +
         ") answers authoritatively without NS records");
    return;
  }
  // Acceptance kept only NS records owned by the question name or its ancestors; a
  // well-formed referral has one owner. Follow the deepest one offered.
  std::string cut = ".";
  for (const dns::Record& r : obs.authority_ns) {
    if (labels(r.owner).size() >= labels(cut).size()) cut = r.owner;
  }
  if (!f.nested && cut == domain_) {
    // The delegation of the domain itself: the servers we just asked serve its parent.
    f.collecting = true;
    return;
  }
  if (!isStrictlyBelow(cut, f.zone) || !isAtOrBelow(f.target, cut)) {
    problem(f, server, "referral to " + cut + " does not lead down towards " + f.target +
                           " (lame or loop)");
    return;
  }
  if (referrals_ >= limits_.max_referrals) {
    fail("gave up after " + std::to_string(referrals_) + " referrals (the limit) at zone " + cut);
    return;
  }
  ++referrals_;
  log::debug("parent discovery referral", {{"domain", domain_},
                                           {"name", f.target},
                                           {"from", f.zone},
                                           {"to", cut},
                                           {"server", server.toString()}});
  moveTo(f, cut, obs);
}

void ParentDiscovery::Run::moveTo(Frame& f, const std::string& zone, const dns::Observation& obs) {
  std::vector<std::string> names;
  for (const dns::Record& r : obs.authority_ns) {
    if (r.owner == zone && !r.text.empty() &&
        std::find(names.begin(), names.end(), r.text) == names.end()) {
      names.push_back(r.text);
    }
  }
  // Glue is already in-bailiwick of its NS record's owner (acceptance); keep only the
  // glue of this zone's own NS set. IPv4 only (see the header).
  for (const dns::Record& r : obs.glue) {
    if (r.type != dns::qtype::A || !isAtOrBelow(r.owner, zone) ||
        std::find(names.begin(), names.end(), r.owner) == names.end()) {
      continue;
    }
    if (auto e = Endpoint::parse(r.text, 53)) addUnique(cache_[r.owner], *e);
  }
  f.zone = zone;
  f.ns_names = names;
  f.addresses.clear();
  f.next = 0;
  f.unresolved = std::move(names);
  f.last_problem.clear();
  absorbCache(f);
}

void ParentDiscovery::Run::absorbCache(Frame& f) {
  auto it = f.unresolved.begin();
  while (it != f.unresolved.end()) {
    auto hit = cache_.find(*it);
    if (hit != cache_.end() && !hit->second.empty()) {
      for (const Endpoint& e : hit->second) addUnique(f.addresses, e);
      it = f.unresolved.erase(it);
    } else {
      ++it;
    }
  }
}

void ParentDiscovery::Run::popNested(std::vector<Endpoint> found, const std::string& why) {
  frames_.pop_back();
  Frame& parent = frames_.back();
  for (const Endpoint& e : found) addUnique(parent.addresses, e);
  if (found.empty() && !why.empty()) parent.last_problem = why;
}

void ParentDiscovery::Run::problem(Frame& f, const Endpoint& server, const std::string& what) {
  f.last_problem = server.toString() + " (zone " + f.zone + "): " + what;
  log::debug("parent discovery server unusable", {{"domain", domain_},
                                                  {"name", f.target},
                                                  {"zone", f.zone},
                                                  {"server", server.toString()},
                                                  {"problem", what}});
}

void ParentDiscovery::Run::fail(const std::string& error) {
  ParentDiscoveryResult r;
  r.ok = false;
  r.error = error;
  deliver(std::move(r));
}

void ParentDiscovery::Run::succeed(const Frame& f) {
  ParentDiscoveryResult r;
  r.ok = true;
  r.parent_zone = f.zone;
  r.ns_names = f.ns_names;
  std::sort(r.ns_names.begin(), r.ns_names.end());
  r.servers = f.addresses;
  std::sort(r.servers.begin(), r.servers.end());
  r.servers.erase(std::unique(r.servers.begin(), r.servers.end()), r.servers.end());
  deliver(std::move(r));
}

void ParentDiscovery::Run::deliver(ParentDiscoveryResult result) {
  finished_ = true;
  frames_.clear();
  result.queries = queries_;
  log::debug("parent discovery done", {{"domain", domain_},
                                       {"ok", result.ok ? "true" : "false"},
                                       {"parent", result.parent_zone},
                                       {"queries", std::to_string(queries_)},
                                       {"error", result.error}});
  DiscoveryCallback cb = std::move(callback_);
  callback_ = nullptr;
  if (!cb) return;
  try {
    cb(result);
  } catch (const std::exception& e) {
    log::error("parent discovery callback threw", {{"domain", domain_}, {"what", e.what()}});
  } catch (...) {
    log::error("parent discovery callback threw", {{"domain", domain_}});
  }
}

ParentDiscovery::ParentDiscovery(ProbeEngine& engine, std::vector<Endpoint> root_hints,
                                 DiscoveryLimits limits)
    : engine_(engine), root_hints_(std::move(root_hints)), limits_(limits) {}

ParentDiscovery::~ParentDiscovery() { cancelAll(); }

void ParentDiscovery::discover(std::string_view domain, DiscoveryCallback callback) {
  std::erase_if(runs_, [](const std::weak_ptr<Run>& w) {
    auto r = w.lock();
    return !r || !r->active();
  });
  auto run = std::make_shared<Run>(engine_, root_hints_, limits_, std::move(callback));
  runs_.push_back(run);
  run->start(domain);
}

void ParentDiscovery::cancelAll() {
  for (const auto& w : runs_) {
    if (auto r = w.lock()) r->cancel();
  }
  runs_.clear();
}

std::size_t ParentDiscovery::running() const {
  return static_cast<std::size_t>(std::count_if(runs_.begin(), runs_.end(), [](const auto& w) {
    auto r = w.lock();
    return r && r->active();
  }));
}

std::vector<Endpoint> ParentDiscovery::defaultRootHints() {
  // a.root-servers.net .. m.root-servers.net, IPv4, from the IANA root hints file
  // (https://www.internic.net/domain/named.root; b changed to 170.247.170.2 in 2023).
  // Only a starting point: the first referral's glue comes from whichever answers.
  static const char* const kRoots[] = {
      "198.41.0.4",     "170.247.170.2", "192.33.4.12",   "199.7.91.13",  "192.203.230.10",
      "192.5.5.241",    "192.112.36.4",  "198.97.190.53", "192.36.148.17", "192.58.128.30",
      "193.0.14.129",   "199.7.83.42",   "202.12.27.33",
  };
  std::vector<Endpoint> out;
  for (const char* a : kRoots) out.push_back(*Endpoint::parse(a, 53));
  return out;
}

}  // namespace dnsprop
