#include "model/selection.h"

#include <algorithm>

#include "catalog/catalog.h"

namespace dnsprop {

std::vector<ResolverInfo> selectConfiguredResolvers(const ResolverSelection& selection) {
  std::vector<ResolverInfo> out;
  auto paths = selection.catalogs;
  if (paths.empty() && selection.extra.empty()) paths = defaultCatalogPaths();
  if (!paths.empty()) out = selectResolvers(loadCatalogs(paths), selection.filter);
  for (const auto& extra : selection.extra) {
    const bool dup = std::any_of(out.begin(), out.end(),
                                 [&](const ResolverInfo& r) { return r.endpoint == extra.endpoint; });
    if (!dup) out.push_back(extra);
  }
  return out;
}

}  // namespace dnsprop
