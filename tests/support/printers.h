// Lets Boost.Test print dnsprop values in failed assertions (BOOST_TEST(a == b) needs
// either operator<< or a boost_test_print_type overload found by ADL). Include it in
// test files that compare these types.
#pragma once

#include <ostream>

#include "common/endpoint.h"
#include "support/scripted_responder.h"

namespace dnsprop {

inline std::ostream& boost_test_print_type(std::ostream& os, const Endpoint& ep) {
  return os << ep.toString();
}

inline std::ostream& boost_test_print_type(std::ostream& os, Endpoint::Family f) {
  switch (f) {
    case Endpoint::Family::V4:
      return os << "V4";
    case Endpoint::Family::V6:
      return os << "V6";
  }
  return os << "?";
}

namespace test {

inline std::ostream& boost_test_print_type(std::ostream& os, Transport t) {
  switch (t) {
    case Transport::Udp:
      return os << "udp";
    case Transport::Tcp:
      return os << "tcp";
  }
  return os << "?";
}

}  // namespace test
}  // namespace dnsprop
