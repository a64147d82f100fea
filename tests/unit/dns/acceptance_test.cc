#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "dns/acceptance.h"
#include "unit/dns/reply_builder.h"

using namespace dnsprop;
using namespace dnsprop::dns;
using namespace dnsprop::dns::test;

namespace {

const Endpoint kServer = *Endpoint::parse("127.0.0.1:5300");
constexpr std::uint16_t kId = 0x1234;

struct Probe {
  explicit Probe(const std::string& name = "www.example.jp", QType type = qtype::A,
                 QueryOptions options = {})
      : query(name, type, options) {}
  ReplyBuilder reply() const { return ReplyBuilder(query, kId); }
  Acceptance accept(const Bytes& msg, Transport t = Transport::Udp,
                    const Endpoint& from = kServer) const {
    return acceptReply(ExpectedReply{kId, &query, kServer, t}, from, msg);
  }
  QueryTemplate query;
};

Bytes aRecord(std::uint8_t last) {
  // Owner: pointer to the question name (offset 12).
  return {0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, last};
}

std::string describe(const Acceptance& a) {
  return std::string(toString(a.reason)) + "/" + std::string(toString(a.observation.outcome));
}

#define REQUIRE_ACCEPTED(a) \
  BOOST_REQUIRE_MESSAGE((a).kind == Acceptance::Kind::Accepted, "not accepted: " << describe(a))
#define CHECK_DROPPED(a, why)                                                  \
  do {                                                                       \
    const Acceptance& acc_ = (a);                                            \
    BOOST_TEST((acc_.kind == Acceptance::Kind::Dropped), describe(acc_));    \
    BOOST_TEST(toString(acc_.reason) == toString(why));                      \
  } while (0)

}  // namespace

BOOST_AUTO_TEST_SUITE(acceptance)

BOOST_AUTO_TEST_CASE(plain_answer_is_accepted_with_typed_records) {
  Probe p;
  auto msg = p.reply().aa(false).answer("www.example.jp. 300 IN A 192.0.2.1")
                 .answer("www.example.jp. 300 IN A 192.0.2.2").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  const Observation& o = a.observation;
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(o.rcode == 0);
  BOOST_TEST(o.ra);
  BOOST_TEST(!o.tc);
  BOOST_TEST((o.transport == Transport::Udp));
  BOOST_TEST(o.final_name == "www.example.jp.");
  BOOST_REQUIRE(o.chain.size() == 2u);
  BOOST_TEST(o.chain[0].owner == "www.example.jp.");
  BOOST_TEST(o.chain[0].type == qtype::A);
  BOOST_TEST(o.chain[0].ttl == 300u);
  BOOST_TEST(o.chain[0].text == "192.0.2.1");
  BOOST_TEST((o.chain[0].rdata == Bytes{192, 0, 2, 1}));
  BOOST_TEST(o.chain[1].text == "192.0.2.2");
  BOOST_TEST((a.reason == DropReason::None));
}

BOOST_AUTO_TEST_CASE(aaaa_mx_ns_texts_are_canonical) {
  Probe six("example.jp", qtype::AAAA);
  auto a6 = six.accept(six.reply().answer("example.jp. 60 IN AAAA 2001:DB8:0:0::1").wire());
  REQUIRE_ACCEPTED(a6);
  BOOST_TEST(a6.observation.chain.at(0).text == "2001:db8::1");

  Probe mx("example.jp", qtype::MX);
  auto amx = mx.accept(mx.reply().answer("Example.JP. 60 IN MX 10 Mail.Example.JP.").wire());
  REQUIRE_ACCEPTED(amx);
  BOOST_TEST(amx.observation.chain.at(0).text == "10 mail.example.jp.");
  BOOST_TEST(amx.observation.chain.at(0).owner == "example.jp.");
  // RDATA names are lower-cased too, so binary comparison is case-insensitive.
  BOOST_TEST(amx.observation.chain.at(0).rdata.at(3) == 'm');

  Probe ns("example.jp", qtype::NS);
  auto ans = ns.accept(ns.reply().answer("example.jp. 60 IN NS NS1.dns.example.").wire());
  REQUIRE_ACCEPTED(ans);
  BOOST_TEST(ans.observation.chain.at(0).text == "ns1.dns.example.");
}

BOOST_AUTO_TEST_CASE(f1_wrong_id_is_dropped) {
  Probe p;
  auto msg = p.reply().id(kId ^ 1).answer("www.example.jp. 300 IN A 192.0.2.66").wire();
  CHECK_DROPPED(p.accept(msg), DropReason::IdMismatch);
}

BOOST_AUTO_TEST_CASE(f2_other_address_or_port_is_dropped) {
  Probe p;
  auto msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.66").wire();
  CHECK_DROPPED(p.accept(msg, Transport::Udp, *Endpoint::parse("127.0.0.2:5300")),
                DropReason::WrongSource);
  CHECK_DROPPED(p.accept(msg, Transport::Udp, *Endpoint::parse("127.0.0.1:5301")),
                DropReason::WrongSource);
  CHECK_DROPPED(p.accept(msg, Transport::Udp, *Endpoint::parse("[::1]:5300")),
                DropReason::WrongSource);
  REQUIRE_ACCEPTED(p.accept(msg));
}

BOOST_AUTO_TEST_CASE(f3_question_mismatch_is_dropped) {
  Probe p;
  CHECK_DROPPED(p.accept(p.reply().question("other.example.jp.", qtype::A)
                             .answer("other.example.jp. 300 IN A 192.0.2.66").wire()),
                DropReason::QuestionMismatch);
  CHECK_DROPPED(p.accept(p.reply().question("www.example.jp.", qtype::AAAA).wire()),
                DropReason::QuestionMismatch);
  CHECK_DROPPED(p.accept(p.reply().question("www.example.jp.", qtype::A, 3 /* CH */).wire()),
                DropReason::QuestionMismatch);
  CHECK_DROPPED(p.accept(p.reply().question("www.example.jp.example.jp.", qtype::A).wire()),
                DropReason::QuestionMismatch);
  // Case does not matter (0x20 randomisation, RFC 4343).
  auto mixed = p.reply().question("WwW.ExAmPlE.jP.", qtype::A)
                   .answer("WWW.EXAMPLE.JP. 300 IN A 192.0.2.1").wire();
  const auto a = p.accept(mixed);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.chain.size() == 1u);
}

BOOST_AUTO_TEST_CASE(f3_qdcount_zero_and_two_are_dropped) {
  Probe p;
  auto msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  Bytes zero = msg;
  putU16(zero, 4, 0);
  CHECK_DROPPED(p.accept(zero), DropReason::QdCount);
  // Two identical questions, both well-formed.
  Bytes two(msg.begin(), msg.begin() + 12 + 20);   // header + question
  two.insert(two.end(), msg.begin() + 12, msg.begin() + 12 + 20);
  two.insert(two.end(), msg.begin() + 12 + 20, msg.end());
  putU16(two, 4, 2);
  CHECK_DROPPED(p.accept(two), DropReason::QdCount);
}

BOOST_AUTO_TEST_CASE(questionless_refused_and_servfail_are_their_error_outcome) {
  // Unbound's access-control "refuse" answers REFUSED with QDCOUNT 0.
  Probe p;
  auto bare = [](std::uint8_t rcode, bool with_opt) {
    Bytes m = {0x12, 0x34, 0x81, static_cast<std::uint8_t>(0x80 | rcode), 0, 0, 0, 0, 0, 0, 0, 0};
    if (with_opt) {
      appendRecord(m, 2, optRecord());
    }
    return m;
  };
  auto refused = p.accept(bare(5, false));
  REQUIRE_ACCEPTED(refused);
  BOOST_TEST((refused.observation.outcome == Outcome::Refused));
  BOOST_TEST(refused.observation.chain.empty());
  // Regression (found by the fuzzer): the chain of a questionless reply ends at our name.
  BOOST_TEST(refused.observation.final_name == "www.example.jp.");
  auto servfail = p.accept(bare(2, true));
  REQUIRE_ACCEPTED(servfail);
  BOOST_TEST((servfail.observation.outcome == Outcome::ServFail));
  // NOERROR or NXDOMAIN without a question is never accepted: it could pose as data.
  CHECK_DROPPED(p.accept(bare(0, false)), DropReason::QdCount);
  CHECK_DROPPED(p.accept(bare(3, false)), DropReason::QdCount);
  // An error with records attached is not a bare error.
  Bytes withAnswer = bare(5, false);
  putU16(withAnswer, 6, 1);
  withAnswer.insert(withAnswer.end(), {0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1});
  CHECK_DROPPED(p.accept(withAnswer), DropReason::QdCount);
  // Wrong ID still drops first.
  Bytes wrongId = bare(5, false);
  wrongId[1] = 0x35;
  CHECK_DROPPED(p.accept(wrongId), DropReason::IdMismatch);
}

BOOST_AUTO_TEST_CASE(queries_and_other_opcodes_are_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  Bytes query = msg;
  query[2] &= 0x7F;  // QR=0: our own query reflected back
  CHECK_DROPPED(p.accept(query), DropReason::NotResponse);
  CHECK_DROPPED(p.accept(p.reply().opcode(LDNS_PACKET_NOTIFY).wire()), DropReason::BadOpcode);
}

BOOST_AUTO_TEST_CASE(f4_short_header_is_dropped) {
  Probe p;
  Bytes msg = p.reply().wire();
  for (std::size_t n : {0u, 1u, 11u}) {
    CHECK_DROPPED(p.accept(Bytes(msg.begin(), msg.begin() + n)), DropReason::TooShort);
  }
  // A bare 12-byte header that claims a question.
  CHECK_DROPPED(p.accept(Bytes(msg.begin(), msg.begin() + 12)), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(f4_rdlength_overflow_is_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  BOOST_REQUIRE(getU16(msg, msg.size() - 6) == 4);
  putU16(msg, msg.size() - 6, 200);
  CHECK_DROPPED(p.accept(msg), DropReason::Malformed);
  putU16(msg, msg.size() - 6, 0xFFFF);
  CHECK_DROPPED(p.accept(msg, Transport::Tcp), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(f4_compression_pointer_loop_is_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  const std::size_t owner = 12 + 20;
  BOOST_REQUIRE(msg[owner] == 0xC0);
  BOOST_REQUIRE(msg[owner + 1] == 12);
  msg[owner + 1] = static_cast<std::uint8_t>(owner);  // points at itself
  CHECK_DROPPED(p.accept(msg), DropReason::BadCompression);
  msg[owner + 1] = static_cast<std::uint8_t>(owner + 2);  // forward
  CHECK_DROPPED(p.accept(msg), DropReason::BadCompression);
}

BOOST_AUTO_TEST_CASE(f4_two_opt_records_are_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").edns().wire();
  REQUIRE_ACCEPTED(p.accept(msg));
  appendRecord(msg, 2, optRecord());
  CHECK_DROPPED(p.accept(msg), DropReason::DuplicateOpt);
}

BOOST_AUTO_TEST_CASE(f4_opt_outside_additional_is_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  appendRecord(msg, 0, optRecord());  // becomes the second answer record
  CHECK_DROPPED(p.accept(msg), DropReason::MisplacedOpt);
}

BOOST_AUTO_TEST_CASE(f4_trailing_bytes_are_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  REQUIRE_ACCEPTED(p.accept(msg));
  msg.push_back(0);
  CHECK_DROPPED(p.accept(msg), DropReason::TrailingBytes);
  // A whole extra record that the counts do not announce is trailing bytes too.
  msg.pop_back();
  const Bytes extra = aRecord(66);
  msg.insert(msg.end(), extra.begin(), extra.end());
  CHECK_DROPPED(p.accept(msg), DropReason::TrailingBytes);
}

BOOST_AUTO_TEST_CASE(f4_counts_larger_than_the_records_are_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  putU16(msg, 6, 2);  // ANCOUNT 2, one record present
  CHECK_DROPPED(p.accept(msg), DropReason::Malformed);
  putU16(msg, 6, 0xFFFF);
  CHECK_DROPPED(p.accept(msg), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(f4_rdata_not_matching_its_type_is_dropped) {
  Probe p;
  // An A record with 8 octets of RDATA: ldns_wire2pkt would read 4 and parse the rest
  // as the start of the next record.
  Bytes msg = p.reply().wire();
  appendRecord(msg, 0, {0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 8, 192, 0, 2, 1, 0, 0, 0, 0});
  CHECK_DROPPED(p.accept(msg), DropReason::Malformed);
  // An off-chain SRV with 3 extra octets after its target: only ldns' exact
  // consumption check notices.
  Bytes srv = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  appendRecord(srv, 0, {0xC0, 12, 0, 33, 0, 1, 0, 0, 1, 0x2C, 0, 10, 0, 1, 0, 1, 0, 53, 0,
                        1, 2, 3});
  CHECK_DROPPED(p.accept(srv), DropReason::ParseFailed);
  // A CNAME whose target runs past its RDLENGTH.
  Probe c;
  Bytes cname = c.reply().wire();
  appendRecord(cname, 0, {0xC0, 12, 0, 5, 0, 1, 0, 0, 1, 0x2C, 0, 2, 1, 'a', 0xC0, 12});
  CHECK_DROPPED(c.accept(cname), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(f4_huge_txt_over_tcp_is_rejected_with_bounded_memory) {
  Probe p("example.jp", qtype::TXT);
  // 65000 empty character-strings: ldns would allocate 65000 x 65000 octets (~4 GiB).
  Bytes msg = p.reply().wire();
  Bytes rr{0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60};
  rr.push_back(static_cast<std::uint8_t>(65000 >> 8));
  rr.push_back(static_cast<std::uint8_t>(65000 & 0xFF));
  rr.insert(rr.end(), 65000, 0);
  appendRecord(msg, 0, rr);
  BOOST_REQUIRE(msg.size() <= 65535u);
  CHECK_DROPPED(p.accept(msg, Transport::Tcp), DropReason::ResourceLimit);
  CHECK_DROPPED(p.accept(msg, Transport::Udp), DropReason::TooLarge);
  // A character-string that claims more octets than the RDATA holds.
  Bytes bad = p.reply().wire();
  appendRecord(bad, 0, {0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 10, 'a', 'b'});
  CHECK_DROPPED(p.accept(bad, Transport::Tcp), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(huge_txt_of_full_strings_is_accepted_over_tcp) {
  Probe p("example.jp", qtype::TXT);
  Bytes msg = p.reply().wire();
  const std::size_t rdlength = 254 * 256;  // 254 strings of 255 octets
  Bytes rr{0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60};
  rr.push_back(static_cast<std::uint8_t>(rdlength >> 8));
  rr.push_back(static_cast<std::uint8_t>(rdlength & 0xFF));
  for (int i = 0; i < 254; ++i) {
    rr.push_back(255);
    rr.insert(rr.end(), 255, 'x');
  }
  appendRecord(msg, 0, rr);
  const auto a = p.accept(msg, Transport::Tcp);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::Answer));
  BOOST_TEST(a.observation.chain.at(0).rdata.size() == rdlength);
  BOOST_TEST(a.observation.chain.at(0).text.empty());
}

BOOST_AUTO_TEST_CASE(oversize_udp_is_dropped_but_fine_over_tcp) {
  Probe p;
  ReplyBuilder b = p.reply();
  for (int i = 0; i < 80; ++i) {
    b.answer("www.example.jp. 300 IN A 192.0.2." + std::to_string(i));
  }
  Bytes msg = b.wire();
  BOOST_REQUIRE(msg.size() > 1232u);
  CHECK_DROPPED(p.accept(msg, Transport::Udp), DropReason::TooLarge);
  const auto a = p.accept(msg, Transport::Tcp);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.chain.size() == 80u);
  BOOST_TEST((a.observation.transport == Transport::Tcp));
}

BOOST_AUTO_TEST_CASE(f5_tc_is_truncated_never_an_answer) {
  Probe p;
  Bytes msg = p.reply().tc(true).answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  const auto a = p.accept(msg);
  BOOST_TEST((a.kind == Acceptance::Kind::Truncated));
  BOOST_TEST(a.observation.tc);
  BOOST_TEST(a.observation.chain.empty());
  BOOST_TEST((p.accept(msg, Transport::Tcp).kind == Acceptance::Kind::Truncated));
  // Cut in the middle of a record, as some servers truncate: still Truncated.
  Bytes cut(msg.begin(), msg.end() - 3);
  BOOST_TEST((p.accept(cut).kind == Acceptance::Kind::Truncated));
  // But only after the checks that protect against spoofing.
  Bytes spoof = p.reply().tc(true).id(kId + 1).wire();
  CHECK_DROPPED(p.accept(spoof), DropReason::IdMismatch);
}

BOOST_AUTO_TEST_CASE(f15_cname_chain_within_and_across_zones) {
  Probe p;
  // Out of order, mixed case, with records off the chain that must be ignored.
  auto msg = p.reply()
                 .answer("shop.cdn.example.net. 60 IN A 192.0.2.7")
                 .answer("evil.example.jp. 300 IN A 203.0.113.66")
                 .answer("web.example.jp. 300 IN CNAME Shop.CDN.example.net.")
                 .answer("other.example.jp. 300 IN CNAME evil.example.jp.")
                 .answer("WWW.example.jp. 300 IN CNAME web.example.jp.")
                 .answer("web.example.jp. 300 IN A 203.0.113.67")  // CNAME and data: ignored
                 .authority("shop.cdn.example.net. 60 IN A 203.0.113.68")
                 .additional("www.example.jp. 60 IN A 203.0.113.69")
                 .wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  const Observation& o = a.observation;
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_REQUIRE(o.chain.size() == 3u);
  BOOST_TEST(o.chain[0].owner == "www.example.jp.");
  BOOST_TEST(o.chain[0].text == "web.example.jp.");
  BOOST_TEST(o.chain[1].owner == "web.example.jp.");
  BOOST_TEST(o.chain[1].text == "shop.cdn.example.net.");
  BOOST_TEST(o.chain[2].owner == "shop.cdn.example.net.");
  BOOST_TEST(o.chain[2].text == "192.0.2.7");
  BOOST_TEST(o.final_name == "shop.cdn.example.net.");
}

BOOST_AUTO_TEST_CASE(off_chain_records_alone_give_nodata) {
  Probe p;
  auto msg = p.reply().answer("evil.example.jp. 300 IN A 203.0.113.66")
                 .additional("www.example.jp. 300 IN A 203.0.113.69").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::NoData));
  BOOST_TEST(a.observation.chain.empty());
}

BOOST_AUTO_TEST_CASE(cname_loop_is_malformed_not_an_answer) {
  Probe p;
  auto msg = p.reply().answer("www.example.jp. 300 IN CNAME a.example.jp.")
                 .answer("a.example.jp. 300 IN CNAME www.example.jp.").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::Malformed));
  BOOST_TEST(a.observation.chain.size() == 2u);  // stopped at the loop, not at the link limit
  // A resolver's SERVFAIL with a looping partial chain stays a SERVFAIL.
  auto sf = p.accept(p.reply().rcode(2).answer("www.example.jp. 300 IN CNAME www.example.jp.").wire());
  REQUIRE_ACCEPTED(sf);
  BOOST_TEST((sf.observation.outcome == Outcome::ServFail));
}

BOOST_AUTO_TEST_CASE(cname_chain_is_bounded_to_16_links) {
  auto build = [](const Probe& p, int links) {
    ReplyBuilder b = p.reply();
    std::string name = "www.example.jp.";
    for (int i = 0; i < links; ++i) {
      const std::string next = "c" + std::to_string(i) + ".example.jp.";
      b.answer(name + " 300 IN CNAME " + next);
      name = next;
    }
    b.answer(name + " 300 IN A 192.0.2.1");
    return b.wire();
  };
  Probe p;
  const auto ok = p.accept(build(p, 16), Transport::Tcp);
  REQUIRE_ACCEPTED(ok);
  BOOST_TEST((ok.observation.outcome == Outcome::Answer));
  BOOST_TEST(ok.observation.chain.size() == 17u);
  const auto too_long = p.accept(build(p, 17), Transport::Tcp);
  REQUIRE_ACCEPTED(too_long);
  BOOST_TEST((too_long.observation.outcome == Outcome::Malformed));
  BOOST_TEST(too_long.observation.chain.size() == 16u);
}

BOOST_AUTO_TEST_CASE(two_different_cnames_for_one_name_are_dropped) {
  Probe p;
  auto msg = p.reply().answer("www.example.jp. 300 IN CNAME a.example.jp.")
                 .answer("www.example.jp. 300 IN CNAME b.example.jp.")
                 .answer("a.example.jp. 300 IN A 192.0.2.1").wire();
  CHECK_DROPPED(p.accept(msg), DropReason::CnameConflict);
}

BOOST_AUTO_TEST_CASE(f12_nxdomain_and_nodata_carry_the_soa_negative_ttl) {
  Probe p;
  auto nx = p.accept(p.reply().rcode(3).aa(true)
                         .authority("example.net. 60 IN SOA a.example.net. b.example.net. 9 1 1 1 1")
                         .authority("example.jp. 3600 IN SOA ns1.example.jp. hostmaster.example.jp. "
                                    "2024010101 7200 3600 1209600 300")
                         .wire());
  REQUIRE_ACCEPTED(nx);
  BOOST_TEST((nx.observation.outcome == Outcome::NxDomain));
  BOOST_TEST(nx.observation.rcode == 3);
  BOOST_TEST(nx.observation.negative_ttl.value_or(0) == 300u);   // min(3600, 300)
  BOOST_TEST(nx.observation.soa_serial.value_or(0) == 2024010101u);  // not the off-zone SOA

  // NODATA after a CNAME into another zone: the SOA of the target's zone counts.
  auto nd = p.accept(p.reply()
                         .answer("www.example.jp. 300 IN CNAME x.example.net.")
                         .authority("example.jp. 30 IN SOA ns1.example.jp. h.example.jp. 1 1 1 1 30")
                         .authority("example.net. 120 IN SOA ns.example.net. h.example.net. "
                                    "77 7200 3600 1209600 900")
                         .wire());
  REQUIRE_ACCEPTED(nd);
  BOOST_TEST((nd.observation.outcome == Outcome::NoData));
  BOOST_TEST(nd.observation.final_name == "x.example.net.");
  BOOST_TEST(nd.observation.negative_ttl.value_or(0) == 120u);   // min(120, 900)
  BOOST_TEST(nd.observation.soa_serial.value_or(0) == 77u);
  BOOST_TEST(nd.observation.chain.size() == 1u);
}

BOOST_AUTO_TEST_CASE(referral_keeps_only_ns_on_the_path) {
  QueryOptions o;
  o.recursion_desired = false;
  Probe p("www.shop.example.jp", qtype::A, o);
  auto msg = p.reply().ra(false)
                 .authority("example.jp. 86400 IN NS ns1.old-dns.example.")
                 .authority("example.jp. 86400 IN NS ns2.old-dns.example.")
                 .authority("example.com. 86400 IN NS ns.evil.example.")
                 .additional("ns1.old-dns.example. 86400 IN A 192.0.2.53")
                 .wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::NoData));  // RA=0 is fine with RD=0
  BOOST_REQUIRE(a.observation.authority_ns.size() == 2u);
  BOOST_TEST(a.observation.authority_ns[0].text == "ns1.old-dns.example.");
  BOOST_TEST(a.observation.authority_ns[1].owner == "example.jp.");
}

BOOST_AUTO_TEST_CASE(recursive_query_answered_without_ra_is_refused) {
  Probe p;
  auto msg = p.reply().ra(false).aa(true).answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::Refused));
  BOOST_TEST(a.observation.rcode == 0);
  BOOST_TEST(a.observation.chain.empty());
  // The same reply to a non-recursive query is an answer.
  QueryOptions o;
  o.recursion_desired = false;
  Probe auth("www.example.jp", qtype::A, o);
  const auto b = auth.accept(auth.reply().ra(false).aa(true)
                                 .answer("www.example.jp. 300 IN A 192.0.2.1").wire());
  REQUIRE_ACCEPTED(b);
  BOOST_TEST((b.observation.outcome == Outcome::Answer));
  BOOST_TEST(b.observation.aa);
}

BOOST_AUTO_TEST_CASE(f11_authoritative_query_answered_without_aa_does_not_count) {
  // A server that lost the zone but answers from a cache or by recursion (F11).
  QueryOptions o;
  o.recursion_desired = false;
  Probe auth("www.example.jp", qtype::A, o);
  const auto a = auth.accept(auth.reply().ra(true).aa(false)
                                 .answer("www.example.jp. 300 IN A 192.0.2.1").wire());
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::NotAuthoritative));
  BOOST_TEST(a.observation.chain.empty());
  const auto nx = auth.accept(auth.reply().aa(false).rcode(3).wire());
  REQUIRE_ACCEPTED(nx);
  BOOST_TEST((nx.observation.outcome == Outcome::NotAuthoritative));
}

BOOST_AUTO_TEST_CASE(f7_rcodes_map_to_outcomes) {
  Probe p;
  const std::pair<int, Outcome> cases[] = {{2, Outcome::ServFail}, {5, Outcome::Refused},
                                           {1, Outcome::OtherRcode}, {4, Outcome::OtherRcode},
                                           {16, Outcome::OtherRcode}};
  for (const auto& [rc, outcome] : cases) {
    const auto a = p.accept(p.reply().rcode(rc).wire());
    REQUIRE_ACCEPTED(a);
    BOOST_TEST_INFO("rcode " << rc);
    BOOST_TEST((a.observation.outcome == outcome));
    BOOST_TEST(a.observation.rcode == rc);  // 16 = BADVERS needs the OPT extended bits
  }
}

BOOST_AUTO_TEST_CASE(f8_servfail_with_ede_stale_and_dnssec_bogus) {
  Probe p;
  auto msg = p.reply().rcode(2).ede(3, "stale answer").ede(9, "DNSKEY missing").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::ServFail));
  BOOST_TEST((a.observation.ede_codes == std::vector<std::uint16_t>{3, 9}));
  BOOST_TEST(a.observation.ede_text == "stale answer; DNSKEY missing");
  // A stale answer (EDE 3 with NOERROR) is still an answer, marked.
  const auto s = p.accept(p.reply().ede(3).answer("www.example.jp. 5 IN A 192.0.2.1").wire());
  REQUIRE_ACCEPTED(s);
  BOOST_TEST((s.observation.outcome == Outcome::Answer));
  BOOST_TEST((s.observation.ede_codes == std::vector<std::uint16_t>{3}));
  BOOST_TEST(s.observation.ede_text.empty());
  // Text that is not printable ASCII cannot reach logs or JSON as is.
  const auto t = p.accept(p.reply().rcode(2).ede(6, std::string("bad\x01\xff", 5)).wire());
  REQUIRE_ACCEPTED(t);
  BOOST_TEST(t.observation.ede_text == "bad??");
}

BOOST_AUTO_TEST_CASE(f14_nsid_is_read_as_text_or_hex) {
  Probe p;
  const std::string id = "tyo1.anycast";
  auto a = p.accept(p.reply().option(3, Bytes(id.begin(), id.end()))
                        .answer("www.example.jp. 300 IN A 192.0.2.1").wire());
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.nsid == "tyo1.anycast");
  auto b = p.accept(p.reply().option(3, Bytes{0x00, 0xAB, 0xff}).wire());
  REQUIRE_ACCEPTED(b);
  BOOST_TEST(b.observation.nsid == "00abff");
}

BOOST_AUTO_TEST_CASE(malformed_edns_options_are_dropped) {
  Probe p;
  Bytes msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire();
  // OPT RDATA of 6 octets holding an option that claims 10.
  appendRecord(msg, 2, {0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 6, 0, 3, 0, 10, 'a', 'b'});
  CHECK_DROPPED(p.accept(msg), DropReason::Malformed);
}

BOOST_AUTO_TEST_CASE(ttl_with_top_bit_is_clamped_to_zero) {
  Probe p;
  auto msg = p.reply().answerWithRawTtl("www.example.jp. 300 IN A 192.0.2.1", 0x80000010u)
                 .answerWithRawTtl("www.example.jp. 300 IN A 192.0.2.2", 0x7FFFFFFFu).wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.chain.at(0).ttl == 0u);
  BOOST_TEST(a.observation.chain.at(1).ttl == 0x7FFFFFFFu);
}

BOOST_AUTO_TEST_CASE(duplicate_records_are_counted_once) {
  Probe p;
  auto msg = p.reply().answer("www.example.jp. 300 IN A 192.0.2.1")
                 .answer("www.example.jp. 200 IN A 192.0.2.1").wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.chain.size() == 1u);
}

BOOST_AUTO_TEST_CASE(f17_same_answer_ignores_ttl_and_order_only) {
  Probe p;
  auto first = p.accept(p.reply().answer("www.example.jp. 300 IN A 192.0.2.1")
                            .answer("www.example.jp. 300 IN A 192.0.2.2").wire());
  auto rotated = p.accept(p.reply().answer("www.example.jp. 17 IN A 192.0.2.2")
                              .answer("www.example.jp. 17 IN A 192.0.2.1").ede(3).wire());
  auto forged = p.accept(p.reply().answer("www.example.jp. 300 IN A 192.0.2.1")
                             .answer("www.example.jp. 300 IN A 203.0.113.66").wire());
  auto fewer = p.accept(p.reply().answer("www.example.jp. 300 IN A 192.0.2.1").wire());
  auto servfail = p.accept(p.reply().rcode(2).wire());
  auto nodata = p.accept(p.reply().wire());
  for (const auto* a : {&first, &rotated, &forged, &fewer, &servfail, &nodata}) {
    REQUIRE_ACCEPTED(*a);
  }
  BOOST_TEST(sameAnswer(first.observation, rotated.observation));
  BOOST_TEST(sameAnswer(first.observation, first.observation));
  BOOST_TEST(!sameAnswer(first.observation, forged.observation));
  BOOST_TEST(!sameAnswer(first.observation, fewer.observation));
  BOOST_TEST(!sameAnswer(servfail.observation, nodata.observation));
  auto nx1 = p.accept(p.reply().rcode(3)
                          .authority("example.jp. 60 IN SOA a.example.jp. b.example.jp. 1 1 1 1 60")
                          .wire());
  auto nx2 = p.accept(p.reply().rcode(3)
                          .authority("example.jp. 60 IN SOA a.example.jp. b.example.jp. 2 1 1 1 60")
                          .wire());
  BOOST_TEST(sameAnswer(nx1.observation, nx1.observation));
  BOOST_TEST(!sameAnswer(nx1.observation, nx2.observation));
}

BOOST_AUTO_TEST_CASE(drop_reasons_and_outcomes_have_stable_names) {
  BOOST_TEST(toString(DropReason::IdMismatch) == "id_mismatch");
  BOOST_TEST(toString(DropReason::WrongSource) == "wrong_source");
  BOOST_TEST(toString(Outcome::NxDomain) == "nxdomain");
  BOOST_TEST(toString(Outcome::TruncatedFailed) == "truncated_failed");
}

BOOST_AUTO_TEST_SUITE_END()

// Observation::glue: the addresses a referral hands out for its own name servers, kept
// only when they lie inside the referred zone (anything else is a poisoning vector).
BOOST_AUTO_TEST_SUITE(acceptance_glue)

namespace {

Probe referralProbe() {
  QueryOptions o;
  o.recursion_desired = false;
  return Probe("shop.example.jp", qtype::NS, o);
}

std::vector<std::string> glueTexts(const Observation& o) {
  std::vector<std::string> out;
  for (const Record& r : o.glue) out.push_back(r.owner + " " + qtypeName(r.type) + " " + r.text);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(in_bailiwick_glue_of_the_ns_set_is_kept) {
  const Probe p = referralProbe();
  auto msg = p.reply().ra(false)
                 .authority("example.jp. 86400 IN NS ns1.example.jp.")
                 .authority("example.jp. 86400 IN NS NS2.Example.JP.")
                 .additional("ns1.example.jp. 86400 IN A 192.0.2.53")
                 .additional("ns1.example.jp. 86400 IN AAAA 2001:db8::53")
                 .additional("ns2.example.jp. 3600 IN A 192.0.2.54")
                 .additional("ns2.example.jp. 3600 IN A 192.0.2.54")  // repeated: once
                 .edns()
                 .wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::NoData));
  const std::vector<std::string> expected = {"ns1.example.jp. A 192.0.2.53",
                                             "ns1.example.jp. AAAA 2001:db8::53",
                                             "ns2.example.jp. A 192.0.2.54"};
  BOOST_TEST(glueTexts(a.observation) == expected, boost::test_tools::per_element());
  BOOST_TEST(a.observation.glue.at(2).ttl == 3600u);
}

BOOST_AUTO_TEST_CASE(glue_outside_the_referred_zone_is_dropped) {
  const Probe p = referralProbe();
  // ns.dns-host.example is a real NS target, but example.jp's servers have no say over
  // dns-host.example: believing its address would let them hijack that name.
  auto msg = p.reply().ra(false)
                 .authority("example.jp. 86400 IN NS ns1.example.jp.")
                 .authority("example.jp. 86400 IN NS ns.dns-host.example.")
                 .additional("ns.dns-host.example. 86400 IN A 6.6.6.6")
                 .additional("ns1.example.jp. 86400 IN A 192.0.2.53")
                 .wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.authority_ns.size() == 2u);
  const std::vector<std::string> expected = {"ns1.example.jp. A 192.0.2.53"};
  BOOST_TEST(glueTexts(a.observation) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(glue_for_names_outside_the_ns_set_is_dropped) {
  const Probe p = referralProbe();
  auto msg = p.reply().ra(false)
                 .authority("example.jp. 86400 IN NS ns1.example.jp.")
                 // Off the path of the question: not in authority_ns, so neither is its glue.
                 .authority("example.com. 86400 IN NS ns.example.com.")
                 .additional("ns.example.com. 86400 IN A 6.6.6.6")
                 // In the zone, but no NS points at it.
                 .additional("www.example.jp. 86400 IN A 6.6.6.7")
                 // Not an address record.
                 .additional("ns1.example.jp. 86400 IN TXT \"hello\"")
                 .wire();
  const auto a = p.accept(msg);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST(a.observation.authority_ns.size() == 1u);
  BOOST_TEST(a.observation.glue.empty());
}

BOOST_AUTO_TEST_CASE(glue_needs_a_referral_and_dies_with_a_refusal) {
  // An answer without authority NS carries no glue whatever the additional section says.
  const Probe p = referralProbe();
  auto answer = p.reply().aa(true).ra(false)
                    .answer("shop.example.jp. 300 IN NS ns1.shop.example.jp.")
                    .additional("ns1.shop.example.jp. 300 IN A 192.0.2.80")
                    .wire();
  const auto a = p.accept(answer);
  REQUIRE_ACCEPTED(a);
  BOOST_TEST((a.observation.outcome == Outcome::Answer));
  BOOST_TEST(a.observation.glue.empty());
  // RD=1 answered with RA=0: nothing of it counts, glue included.
  Probe recursive("shop.example.jp", qtype::NS);
  auto refused = recursive.reply().ra(false)
                     .authority("example.jp. 86400 IN NS ns1.example.jp.")
                     .additional("ns1.example.jp. 86400 IN A 192.0.2.53")
                     .wire();
  const auto r = recursive.accept(refused);
  REQUIRE_ACCEPTED(r);
  BOOST_TEST((r.observation.outcome == Outcome::Refused));
  BOOST_TEST(r.observation.glue.empty());
}

BOOST_AUTO_TEST_CASE(malformed_additional_records_are_handled_as_before) {
  const Probe p = referralProbe();
  const Bytes base = p.reply().ra(false)
                         .authority("example.jp. 86400 IN NS ns1.example.jp.")
                         .additional("ns1.example.jp. 86400 IN A 192.0.2.53")
                         .wire();
  REQUIRE_ACCEPTED(p.accept(base));
  // An A glue record with 8 octets of RDATA: the structural walk rejects the reply.
  Bytes bad_a = base;
  // (Owned by the root name: the walk rejects it before any owner matters.)
  appendRecord(bad_a, 2, {0, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 8, 192, 0, 2, 1, 0, 0, 0, 0});
  CHECK_DROPPED(p.accept(bad_a), DropReason::Malformed);
  // An AAAA of 4 octets, likewise.
  Bytes bad_aaaa = base;
  appendRecord(bad_aaaa, 2, {0, 0, 28, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1});
  CHECK_DROPPED(p.accept(bad_aaaa), DropReason::Malformed);
  // An additional SRV with 3 stray octets after its target: only ldns would notice, and
  // additional records other than glue are never handed to it, so the reply still
  // counts, with its real glue.
  Bytes srv = base;
  appendRecord(srv, 2, {0xC0, 12, 0, 33, 0, 1, 0, 0, 1, 0x2C, 0, 10, 0, 1, 0, 1, 0, 53, 0,
                        1, 2, 3});
  const auto a = p.accept(srv);
  REQUIRE_ACCEPTED(a);
  const std::vector<std::string> expected = {"ns1.example.jp. A 192.0.2.53"};
  BOOST_TEST(glueTexts(a.observation) == expected, boost::test_tools::per_element());
  // Glue of another class (CH) is not glue.
  Bytes chaos = p.reply().ra(false)
                    .authority("example.jp. 86400 IN NS ns1.example.jp.")
                    .additional("ns1.example.jp. 86400 CH A 192.0.2.53")
                    .wire();
  const auto c = p.accept(chaos);
  REQUIRE_ACCEPTED(c);
  BOOST_TEST(c.observation.glue.empty());
}

BOOST_AUTO_TEST_SUITE_END()
