// Which resolvers a config (or a set of CLI flags) selects: catalogs loaded, filters
// applied, explicit extras appended. Reads catalog files; throws CatalogError.
// Call at start-up, reload, or from a one-shot command; never on the loop's hot path.
#pragma once

#include <vector>

#include "catalog/resolver.h"
#include "config/config.h"

namespace dnsprop {

// Catalogs: `selection.catalogs`, or defaultCatalogPaths() when that list is empty.
// Then selectResolvers(filter), then `extra` entries whose endpoint is not already
// selected. Exclusions are NOT applied here: excluded resolvers are still probed and
// shown; they only do not count for the verdict.
//
// `host_has_ipv6`: whether this host has a route to global IPv6 addresses (the monitor
// asks ParentDiscovery::hostHasIpv6Route() once). Without one and with family "auto",
// catalog resolvers with an IPv6 address are left out (they could never answer, and a
// resolver that never answers keeps SAFE away); `ipv6_left_out` counts them. Explicit
// `extra` entries and an explicit family are never second-guessed.
struct ResolverChoice {
  std::vector<ResolverInfo> resolvers;
  std::size_t ipv6_left_out = 0;
};
ResolverChoice selectConfiguredResolvers(const ResolverSelection& selection, bool host_has_ipv6);

}  // namespace dnsprop
