// Finding a domain's PARENT servers (the servers of the zone that delegates it: the .jp
// servers for shop.example.jp) by iterating from root hints, the way a resolver does,
// but asking every server directly with RD=0 so that no cache stands in between. The
// monitor then asks those servers what they delegate (ground truth, FAULTS F9/F10).
//
// The iteration: ask a server of the current zone (first the root hints) for
// `<domain> NS` with RD=0.
//  - A referral (NODATA with authority NS owned by a zone Z below the current zone and
//    at or above the domain) moves to Z, using the referral's glue (Observation::glue:
//    in-bailiwick only) and addresses learnt earlier in the same discovery. NS names
//    without any address are resolved (A, then AAAA when IPv6 is used; see below) by a
//    nested iteration from the root, at most DiscoveryLimits::max_nesting levels deep.
//  - A referral owned by the domain itself, or an authoritative NS answer for the domain
//    (the parent may serve the child too), means the servers just asked serve the parent
//    zone: the result is that zone, its whole NS set and every address known for it
//    (NS names still without address are resolved while the query budget lasts). When
//    some NS name ends without a usable address the result is still ok but not
//    `complete` (see ParentDiscoveryResult).
//  - A referral that does not lead strictly down towards the domain (sideways, upwards,
//    to the same zone: lame or a loop), a timeout, REFUSED, SERVFAIL, an answer without
//    AA and the like make that server useless; the other servers of the zone are tried.
//    When none is left the discovery fails with the last problem seen.
//  - NXDOMAIN from an authoritative server, or an authoritative NODATA (the name exists
//    but is no zone cut), ends the discovery with an error.
// Bounds (DiscoveryLimits): queries per discovery, referral steps per discovery.
//
// IP families: IPv4 always. IPv6 only when the host has IPv6 connectivity, decided once
// per ParentDiscovery (DiscoveryOptions::ipv6; by default a route check that sends
// nothing, see hostHasIpv6Route()). With IPv6, AAAA glue is used, and an NS name of a
// zone on the way to the domain (possibly the parent) that needs a nested resolution
// is asked for A and then, at the server that answered, for AAAA; a name needed only
// inside a nested resolution is asked for AAAA only when it has no A record. Without
// IPv6, AAAA glue is only remembered, to name the reason when an NS name has nothing
// else, and AAAA is never asked for.
// Root hints are used exactly as given (both families, in the order given).
// Completeness: a parent server left out of `servers` is a parent server the monitor
// never asks, and it could be the one still handing out the old delegation (F10). So a
// result says whether every NS name of the parent got an address (`complete`), and if
// not, why (`partial_reason`); the verdict must not treat a partial list as all of them.
//
// Threading: loop thread only, like the ProbeEngine it drives. Not thread-safe.
// Lifetime: the engine must outlive the ParentDiscovery. Destroying the ParentDiscovery
// (or calling cancelAll) abandons running discoveries: their callbacks are never called;
// probes still in flight finish in the engine and are ignored. Destroying the engine
// first is fine too (its in-flight probes, and so the discoveries, are dropped silently).
// Exceptions: none from discover() except std::bad_alloc; nothing escapes into libuv
// (an exception thrown by a DiscoveryCallback is caught and logged).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/endpoint.h"
#include "net/probe_engine.h"

namespace dnsprop {

struct ParentDiscoveryResult {
  bool ok = false;
  std::string parent_zone;            // absolute, lower-case ("test.", "." for a TLD)
  // Every known usable address of the parent's NS set, port 53, sorted (IPv4 before
  // IPv6), without duplicates: it can contain IPv6 endpoints, but only when the
  // discovery uses IPv6 (ParentDiscovery::ipv6()). When the parent is the root: the
  // root hints as given (sorted, without duplicates).
  std::vector<Endpoint> servers;
  std::vector<std::string> ns_names;  // the parent's NS set (sorted); empty when the
                                      // parent is the root (known from the hints only)
  // Only meaningful when ok. True when every name of `ns_names` has at least one usable
  // address in `servers` (usable: IPv4, or IPv6 when the discovery uses IPv6), and when
  // the parent is the root (`ns_names` empty). False means `servers` is a PARTIAL list
  // of the parent's servers: some parent server is never asked, and it may still hand
  // out the old delegation. Always false when !ok.
  bool complete = false;
  // Why not complete: one clause per NS name without a usable address, in `ns_names`
  // order, joined with "; ". For display only (the wording may change), e.g.
  //   "query budget ran out before ns3.dns.jp. was resolved"
  //   "ns4.dns.jp. has no address" (and " (it does not exist)" after NXDOMAIN)
  //   "ns5.dns.jp. has only IPv6 addresses and this host has no IPv6" (AAAA glue only)
  //   "ns6.dns.jp. has no IPv4 address and this host has no IPv6" (AAAA not asked)
  //   "ns7.dns.jp. could not be resolved: <the last problem>"
  //   "ns8.dns.jp. was not resolved (nesting limit)"
  // Empty when complete (and when !ok: see `error`).
  std::string partial_reason;
  std::string error;                  // why not ok (empty when ok)
  int queries = 0;                    // probes sent, nested resolutions included
};

// Called exactly once per discover(), on the loop thread. It may run before discover()
// returns (an invalid domain, or every send failing at once, as with ProbeEngine).
using DiscoveryCallback = std::function<void(const ParentDiscoveryResult&)>;

struct DiscoveryLimits {
  int max_queries = 30;    // probes per discovery, nested resolutions included
  int max_referrals = 10;  // referrals followed per discovery, nested ones included
  int max_nesting = 3;     // depth of nested NS-address resolutions
};

struct DiscoveryOptions {
  // Whether discovery uses IPv6 (AAAA glue, AAAA lookups of NS names). nullopt: decided
  // once by the constructor with hostHasIpv6Route(); tests force true or false.
  std::optional<bool> ipv6;
};

class ParentDiscovery {
 public:
  // `root_hints`: where iteration starts (their port is used as given; tests pass
  // loopback servers). An empty list makes every discovery fail at once.
  // `options.ipv6` unset: the constructor runs hostHasIpv6Route() once (a socket(),
  // connect() and close(); nothing is sent).
  explicit ParentDiscovery(ProbeEngine& engine,
                           std::vector<Endpoint> root_hints = defaultRootHints(),
                           DiscoveryLimits limits = {}, DiscoveryOptions options = {});
  ~ParentDiscovery();
  ParentDiscovery(const ParentDiscovery&) = delete;
  ParentDiscovery& operator=(const ParentDiscovery&) = delete;

  // Starts finding the parent of `domain` (presentation form, absolute or not, any case;
  // not the root). Several discoveries may run at once; each reports to its callback.
  void discover(std::string_view domain, DiscoveryCallback callback);

  // Abandons every running discovery (their callbacks are never called).
  void cancelAll();
  // Discoveries started and not yet reported or cancelled.
  std::size_t running() const;

  // The IPv4 addresses of a.root-servers.net .. m.root-servers.net on port 53, as the
  // IANA root hints file (named.root) lists them.
  static std::vector<Endpoint> defaultRootHints();

  // Whether this ParentDiscovery uses IPv6 (fixed at construction).
  bool ipv6() const { return ipv6_; }

  // Whether the host could reach a global IPv6 address: connect() of a UDP socket to
  // 2001:db8::1 port 53 (UDP connect only looks up the route; no packet is sent) that
  // succeeds with a source address that is neither loopback, link-local nor unspecified.
  // False when the host has no IPv6 at all, no IPv6 default route, or only link-local
  // addresses. A route is not proof that packets get through (a broken uplink, a
  // firewall): such a host is treated as having IPv6, and IPv6 parent servers then
  // simply fail like unreachable ones. Thread-safe (no shared state); never throws.
  static bool hostHasIpv6Route();

  class Run;  // one discovery's state machine (parent_discovery.cc)

 private:
  ProbeEngine& engine_;
  std::vector<Endpoint> root_hints_;
  DiscoveryLimits limits_;
  bool ipv6_ = false;
  std::vector<std::weak_ptr<Run>> runs_;
};

}  // namespace dnsprop
