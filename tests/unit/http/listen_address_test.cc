#include <boost/test/unit_test.hpp>

#include "http/listen_address.h"

using namespace dnsprop;

BOOST_AUTO_TEST_SUITE(listen_address)

namespace {
ListenAddress mustParse(const char* text) {
  auto r = parseListenAddress(text);
  BOOST_TEST_INFO("input: " << text << " error: " << r.error);
  BOOST_REQUIRE(r.address.has_value());
  BOOST_TEST(r.error.empty());
  return *r.address;
}
}  // namespace

BOOST_AUTO_TEST_CASE(bare_port_means_all_addresses_in_civetweb_plus_form) {
  auto a = mustParse(":10153");
  BOOST_TEST((a.kind == ListenAddress::Kind::AllAddresses));
  BOOST_TEST(a.civetweb == "+10153");
  BOOST_TEST(a.port == 10153);
}

BOOST_AUTO_TEST_CASE(ipv4_address_is_passed_in_canonical_form) {
  auto a = mustParse("127.0.0.1:10153");
  BOOST_TEST((a.kind == ListenAddress::Kind::V4));
  BOOST_TEST(a.civetweb == "127.0.0.1:10153");
  BOOST_TEST(mustParse("127.0.0.2:0").civetweb == "127.0.0.2:0");
  BOOST_TEST(mustParse("127.0.0.2:0").port == 0);
}

BOOST_AUTO_TEST_CASE(ipv6_address_keeps_brackets_and_is_canonicalised) {
  auto a = mustParse("[::1]:9");
  BOOST_TEST((a.kind == ListenAddress::Kind::V6));
  BOOST_TEST(a.civetweb == "[::1]:9");
  BOOST_TEST(mustParse("[2001:DB8:0:0::1]:80").civetweb == "[2001:db8::1]:80");
}

BOOST_AUTO_TEST_CASE(host_names_are_passed_to_civetweb) {
  auto a = mustParse("localhost:10153");
  BOOST_TEST((a.kind == ListenAddress::Kind::HostName));
  BOOST_TEST(a.civetweb == "localhost:10153");
  BOOST_TEST(mustParse("mon-1.example.org:80").civetweb == "mon-1.example.org:80");
}

BOOST_AUTO_TEST_CASE(port_range_includes_zero_and_65535) {
  BOOST_TEST(mustParse("127.0.0.1:0").port == 0);
  BOOST_TEST(mustParse("127.0.0.1:65535").port == 65535);
}

BOOST_AUTO_TEST_CASE(rejects_what_civetweb_would_misread) {
  for (const char* bad : {
           "",                      // nothing
           "10153",                 // no colon: civetweb would take it, we want ":PORT"
           "127.0.0.1",             // no port
           "127.0.0.1:",            // empty port
           "127.0.0.1:65536",       // out of range
           "127.0.0.1:-1",          // sign
           "127.0.0.1:80s",         // civetweb's TLS suffix
           "127.0.0.1:80r",         // civetweb's redirect suffix
           "127.0.0.1:80,0.0.0.0:81",  // a second entry smuggled in
           "127.0.0.1 :80",         // whitespace
           "::1:80",                // IPv6 without brackets
           "[::1:80",               // unclosed bracket
           "[]:80",                 // empty brackets
           "[127.0.0.1]:80",        // IPv4 in brackets
           "[fe80::1%lo]:80",       // zone id
           "+80",                   // civetweb's own form, not ours
           "1host:80",              // civetweb would read the digits as a port
           "bad_host:80",           // underscore
           "-host:80",              // leading hyphen
           "host..example:80",      // empty label
           "h\xc3\xa9:80",          // non-ASCII
       }) {
    auto r = parseListenAddress(bad);
    BOOST_TEST_INFO("input: " << bad);
    BOOST_TEST(!r.address.has_value());
    BOOST_TEST(!r.error.empty());
  }
}

BOOST_AUTO_TEST_CASE(error_quotes_the_input) {
  auto r = parseListenAddress("127.0.0.1:99999");
  BOOST_TEST(r.error.find("\"127.0.0.1:99999\"") != std::string::npos, r.error);
  BOOST_TEST(r.error.find("99999") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(default_external_url_is_the_first_listen_address) {
  BOOST_TEST(defaultExternalUrl("127.0.0.1:10153", 10153, false, "mon1") == "http://127.0.0.1:10153");
  BOOST_TEST(defaultExternalUrl("[::1]:10153", 10153, true, "mon1") == "https://[::1]:10153");
  // Every address: the host name, as Prometheus does; the bound port when 0 was asked for.
  BOOST_TEST(defaultExternalUrl(":0", 43210, false, "mon1") == "http://mon1:43210");
  BOOST_TEST(defaultExternalUrl("0.0.0.0:10153", 10153, false, "mon1") == "http://mon1:10153");
  BOOST_TEST(defaultExternalUrl(":10153", 10153, false, "") == "http://localhost:10153");
  BOOST_TEST(defaultExternalUrl("not an address", 1, false, "mon1").empty());
}
