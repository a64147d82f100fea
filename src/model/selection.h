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
std::vector<ResolverInfo> selectConfiguredResolvers(const ResolverSelection& selection);

}  // namespace dnsprop
