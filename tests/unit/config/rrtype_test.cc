#include <boost/test/unit_test.hpp>

#include "config/config.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(rrtype)

BOOST_AUTO_TEST_CASE(round_trips_and_is_case_insensitive) {
  for (RRType t : {RRType::A, RRType::AAAA, RRType::NS, RRType::MX, RRType::CNAME}) {
    BOOST_TEST((parseRRType(toString(t)) == t));
  }
  BOOST_TEST((parseRRType("aaaa") == RRType::AAAA));
  BOOST_TEST((parseRRType("Mx") == RRType::MX));
  BOOST_TEST(!parseRRType("TXT").has_value());
  BOOST_TEST(!parseRRType("").has_value());
  BOOST_TEST(!parseRRType("A ").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
