#include "model/selection.h"

#include <algorithm>

#include "catalog/catalog.h"

namespace dnsprop {

ResolverChoice selectConfiguredResolvers(const ResolverSelection& selection, bool host_has_ipv6) {
  ResolverChoice choice;
  auto& out = choice.resolvers;
  auto paths = selection.catalogs;
  if (paths.empty() && selection.extra.empty()) paths = defaultCatalogPaths();
  if (!paths.empty()) out = selectResolvers(loadCatalogs(paths), selection.filter);
  if (selection.family_auto && !host_has_ipv6) {
    choice.ipv6_left_out = static_cast<std::size_t>(std::erase_if(
        out, [](const ResolverInfo& r) { return r.endpoint.family() == Endpoint::Family::V6; }));
  }
  for (const auto& extra : selection.extra) {
    const bool dup = std::any_of(out.begin(), out.end(),
                                 [&](const ResolverInfo& r) { return r.endpoint == extra.endpoint; });
    if (!dup) out.push_back(extra);
  }
  return choice;
}

}  // namespace dnsprop
