#include <boost/test/unit_test.hpp>

#include "dns/types.h"

using namespace dnsprop;
using namespace dnsprop::dns;

BOOST_AUTO_TEST_SUITE(types)

BOOST_AUTO_TEST_CASE(config_types_map_to_wire_codes_and_back) {
  BOOST_TEST(toQType(RRType::A) == 1);
  BOOST_TEST(toQType(RRType::NS) == 2);
  BOOST_TEST(toQType(RRType::CNAME) == 5);
  BOOST_TEST(toQType(RRType::MX) == 15);
  BOOST_TEST(toQType(RRType::AAAA) == 28);
  for (RRType t : {RRType::A, RRType::AAAA, RRType::NS, RRType::MX, RRType::CNAME}) {
    BOOST_TEST((fromQType(toQType(t)) == t));
    BOOST_TEST(qtypeName(toQType(t)) == toString(t));
  }
  BOOST_TEST(!fromQType(qtype::SOA).has_value());
  BOOST_TEST(qtypeName(65280) == "TYPE65280");
}

BOOST_AUTO_TEST_CASE(transport_names) {
  BOOST_TEST(toString(Transport::Udp) == "udp");
  BOOST_TEST(toString(Transport::Tcp) == "tcp");
}

BOOST_AUTO_TEST_SUITE_END()
