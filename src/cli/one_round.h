// One round of a monitor of our own, in a throw-away state directory: what `check --live`
// and `preflight` judge. The round probes the config's resolvers and ground truth and
// runs its web and mail checks (with `server_timeout`), then the monitor stops.
// Not thread-safe; runs its own libuv loop on the calling thread until the round ends.
#pragma once

#include <memory>

#include "common/duration.h"
#include "config/config.h"
#include "verdict/snapshot.h"

namespace dnsprop::cli {

// Throws what Monitor's constructor throws (StoreError, CatalogError, a bad trust store)
// and std::runtime_error when no temporary directory can be made.
std::shared_ptr<const MonitorSnapshot> runOneRound(Config config, Duration server_timeout);

}  // namespace dnsprop::cli
