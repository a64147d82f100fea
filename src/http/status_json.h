// The /status.json document (docs/STATUS-PAGE.md documents every field): what the
// status page renders and what `dnsprop check --url` reads. Built from a published
// MonitorSnapshot; pure and thread-safe (the snapshot is immutable).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "verdict/snapshot.h"

namespace dnsprop {

nlohmann::json statusJson(const MonitorSnapshot& snapshot);

}  // namespace dnsprop
