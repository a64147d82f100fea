#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "dns/ldns.h"
#include "dns/wire.h"

using namespace dnsprop::dns;
using Bytes = std::vector<std::uint8_t>;

namespace {

// 12 header bytes, then `body`.
Bytes message(const Bytes& body) {
  Bytes m(12 + body.size(), 0);
  std::copy(body.begin(), body.end(), m.begin() + 12);
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_walk)

BOOST_AUTO_TEST_CASE(reads_plain_and_compressed_names_lower_cased) {
  // @12 "\3WWW\7Example\2jp\0", @29 "\4mail" + pointer to @16 ("example.jp").
  Bytes m = message({3, 'W', 'W', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 2, 'j', 'p', 0,
                     4, 'm', 'a', 'i', 'l', 0xC0, 16});
  std::size_t pos = 12;
  Bytes out;
  BOOST_TEST((wire::readName(m, pos, &out) == wire::Status::Ok));
  BOOST_TEST(pos == 28u);
  BOOST_TEST(wire::nameToText(out) == "www.example.jp.");
  out.clear();
  BOOST_TEST((wire::readName(m, pos, &out) == wire::Status::Ok));
  BOOST_TEST(pos == m.size());  // a pointer ends the name in the stream
  BOOST_TEST(wire::nameToText(out) == "mail.example.jp.");
}

BOOST_AUTO_TEST_CASE(pointer_loops_and_forward_pointers_are_rejected) {
  // A pointer to itself.
  Bytes self = message({0xC0, 12});
  std::size_t pos = 12;
  BOOST_TEST((wire::readName(self, pos, nullptr) == wire::Status::BadCompression));
  // Two pointers to each other: @12 -> @14, @14 -> @12.
  Bytes pair = message({0xC0, 14, 0xC0, 12});
  pos = 14;
  BOOST_TEST((wire::readName(pair, pos, nullptr) == wire::Status::BadCompression));
  pos = 12;
  BOOST_TEST((wire::readName(pair, pos, nullptr) == wire::Status::BadCompression));
  // A label followed by a pointer back to that label (infinite name "a.a.a...").
  Bytes grow = message({1, 'a', 0xC0, 12});
  pos = 12;
  BOOST_TEST((wire::readName(grow, pos, nullptr) == wire::Status::BadCompression));
  // Into the header.
  Bytes header = message({0xC0, 2});
  pos = 12;
  BOOST_TEST((wire::readName(header, pos, nullptr) == wire::Status::BadCompression));
  // Past the end, and cut in the middle of a pointer or a label.
  pos = 12;
  Bytes cut = message({0xC0});
  BOOST_TEST((wire::readName(cut, pos, nullptr) == wire::Status::Malformed));
  pos = 12;
  Bytes cut_label = message({5, 'a', 'b'});
  BOOST_TEST((wire::readName(cut_label, pos, nullptr) == wire::Status::Malformed));
  // Extended label types (0x40, 0x80) are not names, even with enough octets behind.
  for (std::uint8_t type : {std::uint8_t{0x40}, std::uint8_t{0x80}}) {
    Bytes body{static_cast<std::uint8_t>(type | 1)};
    body.insert(body.end(), 0x81, 'a');
    body.push_back(0);
    Bytes ext = message(body);
    pos = 12;
    BOOST_TEST((wire::readName(ext, pos, nullptr) == wire::Status::Malformed));
  }
}

BOOST_AUTO_TEST_CASE(names_longer_than_255_octets_are_rejected) {
  Bytes body;
  for (int i = 0; i < 4; ++i) {
    body.push_back(63);
    body.insert(body.end(), 63, 'x');
  }
  body.push_back(0);  // 4 * 64 + 1 = 257 octets
  Bytes m = message(body);
  std::size_t pos = 12;
  BOOST_TEST((wire::readName(m, pos, nullptr) == wire::Status::BadCompression));
  // 3 labels of 63 + one of 61 = 255 octets: the longest legal name.
  Bytes ok;
  for (int i = 0; i < 3; ++i) {
    ok.push_back(63);
    ok.insert(ok.end(), 63, 'x');
  }
  ok.push_back(61);
  ok.insert(ok.end(), 61, 'y');
  ok.push_back(0);
  Bytes m2 = message(ok);
  pos = 12;
  BOOST_TEST((wire::readName(m2, pos, nullptr) == wire::Status::Ok));
}

BOOST_AUTO_TEST_CASE(name_text_matches_ldns_presentation) {
  for (const char* text : {"example.jp.", "a\\.b.example.", "x\\032y.", "\\(\\)\\;\\\\.",
                           "caf\\233.jp.", "."}) {
    ldns_rdf* raw = nullptr;
    BOOST_REQUIRE(ldns_str2rdf_dname(&raw, text) == LDNS_STATUS_OK);
    RdfPtr rdf(raw);
    MallocPtr<char> expected(ldns_rdf2str(rdf.get()));
    const std::span<const std::uint8_t> w(ldns_rdf_data(rdf.get()), ldns_rdf_size(rdf.get()));
    BOOST_TEST_INFO("name: " << text);
    BOOST_TEST(wire::nameToText(w) == std::string(expected.get()));
  }
}

BOOST_AUTO_TEST_CASE(ancestry_and_case_insensitive_equality) {
  const Bytes www{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 2, 'j', 'p', 0};
  const Bytes example{7, 'E', 'X', 'A', 'M', 'P', 'L', 'E', 2, 'J', 'P', 0};
  const Bytes jp{2, 'j', 'p', 0};
  const Bytes root{0};
  const Bytes ample{5, 'a', 'm', 'p', 'l', 'e', 2, 'j', 'p', 0};
  BOOST_TEST(wire::isAtOrBelow(www, example));
  BOOST_TEST(wire::isAtOrBelow(www, jp));
  BOOST_TEST(wire::isAtOrBelow(www, root));
  BOOST_TEST(wire::isAtOrBelow(example, example));
  BOOST_TEST(!wire::isAtOrBelow(example, www));
  BOOST_TEST(!wire::isAtOrBelow(www, ample));  // suffix of octets, not of labels
  BOOST_TEST(wire::sameName(example, Bytes{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 2, 'j', 'p', 0}));
  BOOST_TEST(!wire::sameName(example, jp));
}

BOOST_AUTO_TEST_SUITE_END()
