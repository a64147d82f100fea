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
//    without any address are resolved (their A records) by a nested iteration from the
//    root, at most DiscoveryLimits::max_nesting levels deep.
//  - A referral owned by the domain itself, or an authoritative NS answer for the domain
//    (the parent may serve the child too), means the servers just asked serve the parent
//    zone: the result is that zone, its whole NS set and every address known for it
//    (NS names still without address are resolved while the query budget lasts).
//  - A referral that does not lead strictly down towards the domain (sideways, upwards,
//    to the same zone: lame or a loop), a timeout, REFUSED, SERVFAIL, an answer without
//    AA and the like make that server useless; the other servers of the zone are tried.
//    When none is left the discovery fails with the last problem seen.
//  - NXDOMAIN from an authoritative server, or an authoritative NODATA (the name exists
//    but is no zone cut), ends the discovery with an error.
// Bounds (DiscoveryLimits): queries per discovery, referral steps per discovery.
//
// IPv4 only: AAAA glue is ignored and only A records are resolved for NS names (the
// monitor's probe engine reaches parents over IPv4; IPv6 parents are a later addition).
// Root hints are asked in the order given.
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
#include <string>
#include <string_view>
#include <vector>

#include "common/endpoint.h"
#include "net/probe_engine.h"

namespace dnsprop {

struct ParentDiscoveryResult {
  bool ok = false;
  std::string parent_zone;            // absolute, lower-case ("test.", "." for a TLD)
  std::vector<Endpoint> servers;      // every known IPv4 address of the parent's NS set,
                                      // port 53, sorted, without duplicates
  std::vector<std::string> ns_names;  // the parent's NS set (sorted); empty when the
                                      // parent is the root (known from the hints only)
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

class ParentDiscovery {
 public:
  // `root_hints`: where iteration starts (their port is used as given; tests pass
  // loopback servers). An empty list makes every discovery fail at once.
  explicit ParentDiscovery(ProbeEngine& engine,
                           std::vector<Endpoint> root_hints = defaultRootHints(),
                           DiscoveryLimits limits = {});
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

  class Run;  // one discovery's state machine (parent_discovery.cc)

 private:
  ProbeEngine& engine_;
  std::vector<Endpoint> root_hints_;
  DiscoveryLimits limits_;
  std::vector<std::weak_ptr<Run>> runs_;
};

}  // namespace dnsprop
