// Lets Boost.Test print the catalog enums in failure messages.
#pragma once

#include <ostream>

#include "catalog/catalog.h"

namespace dnsprop {

inline std::ostream& operator<<(std::ostream& os, ResolverAccess a) { return os << toString(a); }
inline std::ostream& operator<<(std::ostream& os, ResolverFiltering f) { return os << toString(f); }

}  // namespace dnsprop

namespace boost::test_tools::tt_detail {
// Endpoint::Family belongs to common/; print it here rather than add stream code there.
template <>
struct print_log_value<dnsprop::Endpoint::Family> {
  void operator()(std::ostream& os, dnsprop::Endpoint::Family f) {
    os << (f == dnsprop::Endpoint::Family::V4 ? "V4" : "V6");
  }
};
}  // namespace boost::test_tools::tt_detail
