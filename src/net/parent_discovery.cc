#include "net/parent_discovery.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <set>
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

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

// One discovery. Owned by the callbacks of its in-flight probe (exactly one at a time),
// so it lives as long as the engine may still call back; ParentDiscovery only holds a
// weak reference to cancel it.
class ParentDiscovery::Run : public std::enable_shared_from_this<Run> {
 public:
  Run(ProbeEngine& engine, const std::vector<Endpoint>& hints, DiscoveryLimits limits,
      bool ipv6, DiscoveryCallback callback)
      : engine_(engine),
        hints_(hints),
        limits_(limits),
        ipv6_(ipv6),
        callback_(std::move(callback)) {}

  void start(std::string_view domain);
  void cancel() { cancelled_ = true; }
  bool active() const { return !cancelled_ && !finished_; }

 private:
  // One iteration: towards `target` (the domain, NS; or an NS host name, A then maybe
  // AAAA).
  struct Frame {
    std::string target;
    const dns::QueryTemplate* query = nullptr;
    dns::QType qtype = dns::qtype::NS;    // the type `query` asks for
    bool nested = false;                  // resolving an NS host name's address
    // Nested, with IPv6: also ask AAAA when A was answered. Set for the NS names of the
    // zone the top frame is at (it may be the parent: the result lists every address);
    // a name needed only to reach a deeper zone is asked AAAA only when it has no A.
    bool both_families = false;
    std::vector<Endpoint> found;          // nested: addresses of `target` found so far
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
  // How a nested resolution ended without an address.
  enum class Lack {
    NoName,      // NXDOMAIN: the name does not exist
    NoRecords,   // authoritative NODATA, or only an alias (CNAME): no address records
                 // of the types asked
    Unresolved,  // no server gave a usable answer, or deeper than the nesting limit
  };
  void nestedAnswered(Frame& f);
  void endNested(Frame& f, Lack lack, const std::string& why);
  void popNested(std::vector<Endpoint> found);
  void popMissing(Lack lack, const std::string& why);
  bool usable(const Endpoint& e) const { return e.family() == Endpoint::Family::V4 || ipv6_; }
  std::string missingReason(const std::string& name, bool cut_short) const;
  void problem(Frame& f, const Endpoint& server, const std::string& what);
  void fail(const std::string& error);
  void succeed(const Frame& f);
  void deliver(ParentDiscoveryResult result);

  ProbeEngine& engine_;
  const std::vector<Endpoint> hints_;
  const DiscoveryLimits limits_;
  const bool ipv6_;
  DiscoveryCallback callback_;
  std::string domain_;
  bool cancelled_ = false;
  bool finished_ = false;
  int queries_ = 0;
  int referrals_ = 0;
  std::vector<Frame> frames_;  // [0] the domain; then nested resolutions
  // Addresses learnt in this discovery (in-bailiwick glue and authoritative answers),
  // by NS host name: a later zone whose NS set shares hosts needs no new lookups.
  // Usable addresses only (see usable()); also the A records of a name still being
  // asked for AAAA, so that a query budget running out in between keeps them.
  std::map<std::string, std::vector<Endpoint>> cache_;
  // NS host names with AAAA glue while IPv6 is not used: only to name the reason when
  // such a name ends without an address.
  std::set<std::string> ipv6_glue_;
  // Why the last nested resolution of a name ended without an address.
  std::map<std::string, std::pair<Lack, std::string>> misses_;
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
    top.qtype = dns::qtype::NS;
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
  f.both_families = frames_.size() == 1;
  f.zone = ".";
  f.addresses = hints_;
  f.qtype = dns::qtype::A;
  try {
    f.query = queryFor(name, dns::qtype::A);
  } catch (const std::invalid_argument& e) {
    // Cannot happen for names read from the wire; treat it as an unresolvable name.
    const std::string why = "NS name " + name + " is unusable: " + e.what();
    frames_.back().last_problem = why;
    misses_[name] = {Lack::Unresolved, why};
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
    if (f.nested && f.qtype == dns::qtype::A) {
      // Learnt meanwhile (glue of a referral on the way). Not while asking AAAA: the
      // cache then holds this frame's own A records.
      if (auto hit = cache_.find(f.target); hit != cache_.end() && !hit->second.empty()) {
        popNested(hit->second);
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
    if (f.nested && !f.found.empty()) {
      // AAAA unanswered by every server left: the A records will do; no digging deeper.
      popNested(f.found);
      continue;
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
    popMissing(Lack::Unresolved, why);
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
        // Only A/AAAA records of the host name itself: an NS host behind a CNAME is not
        // allowed (RFC 2181 10.3) and would let a server point us anywhere.
        bool any = false;
        for (const dns::Record& r : obs.chain) {
          if (r.type != f.qtype || r.owner != f.target) continue;
          auto e = Endpoint::parse(r.text, 53);
          if (!e || !usable(*e)) continue;
          any = true;
          addUnique(f.found, *e);
          addUnique(cache_[f.target], *e);
        }
        if (!any) {
          endNested(f, Lack::NoRecords,
                    "NS name " + f.target + " has no usable " + dns::qtypeName(f.qtype) +
                        " record");
          break;
        }
        nestedAnswered(f);
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
        endNested(f, Lack::NoName,
                  "NS name " + f.target + " does not exist (NXDOMAIN from " +
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
      nestedAnswered(f);  // NODATA: no record of this type
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
  // glue of this zone's own NS set. AAAA glue only when IPv6 is used (see the header).
  for (const dns::Record& r : obs.glue) {
    if ((r.type != dns::qtype::A && r.type != dns::qtype::AAAA) || !isAtOrBelow(r.owner, zone) ||
        !contains(names, r.owner)) {
      continue;
    }
    auto e = Endpoint::parse(r.text, 53);
    if (!e) continue;
    if (usable(*e)) {
      addUnique(cache_[r.owner], *e);
    } else {
      ipv6_glue_.insert(r.owner);
    }
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

// The question of nested frame `f` (its top) got a definite answer, with or without
// records (those are in f.found already). Either ask the same servers for AAAA next,
// or end the frame.
void ParentDiscovery::Run::nestedAnswered(Frame& f) {
  if (f.qtype == dns::qtype::A && ipv6_ && (f.both_families || f.found.empty())) {
    f.qtype = dns::qtype::AAAA;
    f.query = queryFor(f.target, dns::qtype::AAAA);  // valid: the A query was
    f.next = f.next > 0 ? f.next - 1 : 0;  // start with the server that just answered
    return;
  }
  endNested(f, Lack::NoRecords,
            "NS name " + f.target + (ipv6_ ? " has no A or AAAA record" : " has no A record"));
}

// Ends nested frame `f` (the top): with what it found, or as `lack` when nothing.
void ParentDiscovery::Run::endNested(Frame& f, Lack lack, const std::string& why) {
  if (!f.found.empty()) {
    popNested(f.found);
  } else {
    popMissing(lack, why);
  }
}

void ParentDiscovery::Run::popNested(std::vector<Endpoint> found) {
  const std::string name = frames_.back().target;
  frames_.pop_back();
  Frame& parent = frames_.back();
  for (const Endpoint& e : found) {
    addUnique(parent.addresses, e);
    addUnique(cache_[name], e);
  }
}

void ParentDiscovery::Run::popMissing(Lack lack, const std::string& why) {
  const std::string name = frames_.back().target;
  frames_.pop_back();
  frames_.back().last_problem = why;
  misses_[name] = {lack, why};
}

// Why NS name `name` of the parent has no usable address. `cut_short`: its resolution
// never ran to its end (it was running, or still to come, when the top frame stopped).
std::string ParentDiscovery::Run::missingReason(const std::string& name, bool cut_short) const {
  if (cut_short) {
    if (queries_ >= limits_.max_queries) {
      return "query budget ran out before " + name + " was resolved";
    }
    return name + " was not resolved (nesting limit)";
  }
  if (!ipv6_ && ipv6_glue_.contains(name)) {
    return name + " has only IPv6 addresses and this host has no IPv6";
  }
  const auto miss = misses_.find(name);
  if (miss == misses_.end()) return name + " was not resolved";
  switch (miss->second.first) {
    case Lack::NoName:
      return name + " has no address (it does not exist)";
    case Lack::NoRecords:
      // Without IPv6 its AAAA records are never asked for: it may have some.
      return ipv6_ ? name + " has no address"
                   : name + " has no IPv4 address and this host has no IPv6";
    case Lack::Unresolved:
      return name + " could not be resolved: " + miss->second.second;
  }
  return name + " was not resolved";
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

// `f` is the top frame (frames_.front()), collecting; nested frames above it may still
// be resolving one of its NS names when the query budget ran out.
void ParentDiscovery::Run::succeed(const Frame& f) {
  ParentDiscoveryResult r;
  r.ok = true;
  r.parent_zone = f.zone;
  r.ns_names = f.ns_names;
  std::sort(r.ns_names.begin(), r.ns_names.end());
  r.ns_names.erase(std::unique(r.ns_names.begin(), r.ns_names.end()), r.ns_names.end());
  r.servers = f.addresses;
  // Also addresses found for an NS name whose resolution the budget cut short after
  // its A records (the cache holds them, the frame does not yet).
  for (const std::string& name : r.ns_names) {
    if (auto hit = cache_.find(name); hit != cache_.end()) {
      r.servers.insert(r.servers.end(), hit->second.begin(), hit->second.end());
    }
  }
  std::sort(r.servers.begin(), r.servers.end());
  r.servers.erase(std::unique(r.servers.begin(), r.servers.end()), r.servers.end());
  // Complete when every NS name has a usable address (the root, known from the hints
  // only, has no NS names here and is complete).
  std::vector<std::string> cut_short = f.unresolved;
  if (frames_.size() > 1) cut_short.push_back(frames_[1].target);
  std::string reasons;
  for (const std::string& name : r.ns_names) {
    if (auto hit = cache_.find(name); hit != cache_.end() && !hit->second.empty()) continue;
    reasons += (reasons.empty() ? "" : "; ") + missingReason(name, contains(cut_short, name));
  }
  r.complete = reasons.empty();
  r.partial_reason = std::move(reasons);
  deliver(std::move(r));
}

void ParentDiscovery::Run::deliver(ParentDiscoveryResult result) {
  finished_ = true;
  frames_.clear();
  result.queries = queries_;
  log::debug("parent discovery done", {{"domain", domain_},
                                       {"ok", result.ok ? "true" : "false"},
                                       {"complete", result.complete ? "true" : "false"},
                                       {"parent", result.parent_zone},
                                       {"queries", std::to_string(queries_)},
                                       {"partial", result.partial_reason},
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
                                 DiscoveryLimits limits, DiscoveryOptions options)
    : engine_(engine),
      root_hints_(std::move(root_hints)),
      limits_(limits),
      ipv6_(options.ipv6 ? *options.ipv6 : hostHasIpv6Route()) {
  log::debug("parent discovery address families",
             {{"ipv6", ipv6_ ? "true" : "false"}, {"detected", options.ipv6 ? "false" : "true"}});
}

ParentDiscovery::~ParentDiscovery() { cancelAll(); }

void ParentDiscovery::discover(std::string_view domain, DiscoveryCallback callback) {
  std::erase_if(runs_, [](const std::weak_ptr<Run>& w) {
    auto r = w.lock();
    return !r || !r->active();
  });
  auto run = std::make_shared<Run>(engine_, root_hints_, limits_, ipv6_, std::move(callback));
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

bool ParentDiscovery::hostHasIpv6Route() {
  // 2001:db8::/32 is the documentation prefix: nothing answers there, and nothing is
  // sent anyway; what counts is whether the routing table has a way towards a global
  // address, and which source address it would pick.
  const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // no IPv6 in this kernel or namespace
  socklen_t len = 0;
  const sockaddr_storage to = Endpoint::parse("2001:db8::1", 53)->sockaddr(len);
  bool route = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), len) == 0;
  if (route) {
    sockaddr_in6 local{};
    socklen_t local_len = sizeof local;
    route = ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0 &&
            local.sin6_family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&local.sin6_addr) &&
            !IN6_IS_ADDR_LOOPBACK(&local.sin6_addr) && !IN6_IS_ADDR_LINKLOCAL(&local.sin6_addr) &&
            !IN6_IS_ADDR_V4MAPPED(&local.sin6_addr);
  }
  ::close(fd);
  return route;
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
