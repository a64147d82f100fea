#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "dns/ldns.h"
#include "dns/query.h"

using namespace dnsprop::dns;

namespace {

PktPtr parse(std::span<const std::uint8_t> wire) {
  ldns_pkt* raw = nullptr;
  BOOST_REQUIRE(ldns_wire2pkt(&raw, wire.data(), wire.size()) == LDNS_STATUS_OK);
  return PktPtr(raw);
}

std::string questionName(const ldns_pkt* pkt) {
  const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
  MallocPtr<char> s(ldns_rdf2str(ldns_rr_owner(q)));
  return s.get();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(query)

BOOST_AUTO_TEST_CASE(builds_recursive_query_with_edns_and_nsid) {
  QueryTemplate q("WWW.Example.JP", qtype::AAAA);
  BOOST_TEST(q.qname() == "www.example.jp.");
  BOOST_TEST(q.qtype() == qtype::AAAA);
  BOOST_TEST(q.rd());
  auto pkt = parse(q.wire());
  BOOST_TEST(ldns_pkt_id(pkt.get()) == 0);
  BOOST_TEST(!ldns_pkt_qr(pkt.get()));
  BOOST_TEST(ldns_pkt_rd(pkt.get()));
  BOOST_TEST(!ldns_pkt_cd(pkt.get()));
  BOOST_TEST(ldns_pkt_qdcount(pkt.get()) == 1);
  BOOST_TEST(questionName(pkt.get()) == "www.example.jp.");
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
  BOOST_TEST(ldns_rr_get_type(question) == LDNS_RR_TYPE_AAAA);
  BOOST_TEST(ldns_rr_get_class(question) == LDNS_RR_CLASS_IN);
  BOOST_TEST(ldns_pkt_edns_udp_size(pkt.get()) == 1232);
  BOOST_TEST(!ldns_pkt_edns_do(pkt.get()));
  // The OPT RDATA is exactly one empty NSID option.
  const ldns_rdf* data = ldns_pkt_edns_data(pkt.get());
  BOOST_REQUIRE(data);
  const std::vector<std::uint8_t> opt(ldns_rdf_data(data), ldns_rdf_data(data) + ldns_rdf_size(data));
  BOOST_TEST((opt == std::vector<std::uint8_t>{0, 3, 0, 0}));
}

BOOST_AUTO_TEST_CASE(options_set_rd_cd_do_and_can_drop_edns) {
  QueryOptions o;
  o.recursion_desired = false;
  o.checking_disabled = true;
  o.dnssec_ok = true;
  o.request_nsid = false;
  QueryTemplate q("example.jp.", qtype::NS, o);
  BOOST_TEST(!q.rd());
  auto pkt = parse(q.wire());
  BOOST_TEST(!ldns_pkt_rd(pkt.get()));
  BOOST_TEST(ldns_pkt_cd(pkt.get()));
  BOOST_TEST(ldns_pkt_edns_do(pkt.get()));
  BOOST_TEST(!ldns_pkt_edns_data(pkt.get()));

  QueryOptions plain;
  plain.edns = false;
  plain.request_nsid = false;
  QueryTemplate p("example.jp", qtype::A, plain);
  auto ppkt = parse(p.wire());
  BOOST_TEST(!ldns_pkt_edns(ppkt.get()));
  BOOST_TEST(ldns_pkt_arcount(ppkt.get()) == 0);
  BOOST_TEST(p.wire().size() == 12u + 12u + 4u);  // header, "\7example\2jp\0", type+class
}

BOOST_AUTO_TEST_CASE(write_with_id_patches_only_the_id) {
  QueryTemplate q("example.jp", qtype::MX);
  std::vector<std::uint8_t> out;
  q.writeWithId(0xBEEF, out);
  BOOST_REQUIRE(out.size() == q.wire().size());
  BOOST_TEST(out[0] == 0xBE);
  BOOST_TEST(out[1] == 0xEF);
  BOOST_TEST(std::equal(out.begin() + 2, out.end(), q.wire().begin() + 2));
  BOOST_TEST(ldns_pkt_id(parse(out).get()) == 0xBEEF);
  // Reusing the buffer for another ID leaves no trace of the first one.
  q.writeWithId(0x0102, out);
  BOOST_TEST(ldns_pkt_id(parse(out).get()) == 0x0102);

  std::vector<std::uint8_t> tcp;
  q.writeWithIdTcp(0x0A0B, tcp);
  BOOST_REQUIRE(tcp.size() == q.wire().size() + 2);
  BOOST_TEST(((tcp[0] << 8) | tcp[1]) == static_cast<int>(q.wire().size()));
  BOOST_TEST(ldns_pkt_id(parse(std::span(tcp).subspan(2)).get()) == 0x0A0B);
}

BOOST_AUTO_TEST_CASE(root_and_escaped_names) {
  QueryTemplate root(".", qtype::NS);
  BOOST_TEST(root.qname() == ".");
  BOOST_TEST(root.qnameWire().size() == 1u);
  QueryTemplate esc("a\\.b.Example.jp.", qtype::A);
  BOOST_TEST(esc.qname() == "a\\.b.example.jp.");
  BOOST_TEST(esc.qnameWire()[0] == 3);  // one label "a.b"
}

BOOST_AUTO_TEST_CASE(invalid_names_throw_at_construction) {
  const std::string label64(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'b') + ".";  // 305 octets
  for (const std::string& bad : {std::string(), label64 + ".jp", long_name, std::string("a..jp"),
                                 std::string(".."), std::string("www example.jp"),
                                 std::string("caf\xc3\xa9.jp")}) {
    BOOST_TEST_INFO("name: " << bad);
    BOOST_CHECK_THROW(QueryTemplate(bad, qtype::A), std::invalid_argument);
  }
  QueryOptions o;
  o.edns = false;  // NSID requested by default: needs EDNS
  BOOST_CHECK_THROW(QueryTemplate("example.jp", qtype::A, o), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
