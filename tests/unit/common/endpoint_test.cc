#include <boost/test/unit_test.hpp>

#include "common/endpoint.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(endpoint)

BOOST_AUTO_TEST_CASE(parses_all_written_forms) {
  auto a = Endpoint::parse("192.0.2.1");
  BOOST_REQUIRE(a);
  BOOST_TEST(a->port() == 53);
  BOOST_TEST(a->toString() == "192.0.2.1:53");
  BOOST_TEST((a->family() == Endpoint::Family::V4));

  auto b = Endpoint::parse("192.0.2.1:5353");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->port() == 5353);

  auto c = Endpoint::parse("2001:DB8::1");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->toString() == "[2001:db8::1]:53");

  auto d = Endpoint::parse("[::1]:10053");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->port() == 10053);
  BOOST_TEST(d->isLoopback());
  BOOST_TEST(Endpoint::parse("127.0.0.7")->isLoopback());
  BOOST_TEST(!Endpoint::parse("8.8.8.8")->isLoopback());
}

BOOST_AUTO_TEST_CASE(rejects_bad_forms) {
  for (const char* bad : {"", "dns.google", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
                          "1.2.3.4:53x", "[::1", "[::1]53", "[::1]:", "::1:53:", "[1.2.3.4]:53",
                          "fe80::1%eth0", " 1.2.3.4"}) {
    BOOST_TEST_INFO("input: " << bad);
    BOOST_TEST(!Endpoint::parse(bad).has_value());
  }
}

BOOST_AUTO_TEST_CASE(sockaddr_round_trip) {
  for (const char* text : {"198.51.100.9:853", "[2001:db8::53]:5300"}) {
    auto ep = Endpoint::parse(text);
    BOOST_REQUIRE(ep);
    socklen_t len = 0;
    auto ss = ep->sockaddr(len);
    auto back = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
    BOOST_REQUIRE(back);
    BOOST_TEST((*back == *ep));
  }
}

BOOST_AUTO_TEST_SUITE_END()
