// Tests of ScriptedResponder itself: every kind of action it offers, on loopback.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <stdexcept>

#include "support/dns_client.h"
#include "support/printers.h"
#include "support/scripted_responder.h"

namespace dnsprop::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Actions answerA(const ReceivedQuery& q, const std::string& addr) {
  return {Action::send(makeReply(q.bytes, kRcodeNoError, {q.qname + " 60 IN A " + addr}))};
}

BOOST_AUTO_TEST_SUITE(scripted_responder)

BOOST_AUTO_TEST_CASE(answers_over_udp_and_records_the_query) {
  ScriptedResponder r([](const ReceivedQuery& q) { return answerA(q, "192.0.2.1"); });
  const auto reply = lookup(r.endpoint(), "www.test.", kTypeA, false, 2s);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(r.queryCount(Transport::Udp) == 1u);
  BOOST_TEST(r.queryCount(Transport::Tcp) == 0u);
  const auto qs = r.queries();
  BOOST_REQUIRE_EQUAL(qs.size(), 1u);
  BOOST_TEST(qs[0].parsed);
  BOOST_TEST(qs[0].qname == "www.test.");
  BOOST_TEST(qs[0].qtype == kTypeA);
  BOOST_TEST(!qs[0].rd);
  BOOST_TEST(qs[0].client.address() == "127.0.0.1");
  BOOST_TEST(r.errors().empty());
}

BOOST_AUTO_TEST_CASE(drop_sends_nothing) {
  ScriptedResponder r([](const ReceivedQuery&) { return Actions{}; });
  BOOST_TEST(!queryUdp(r.endpoint(), "www.test.", kTypeA, false, 300ms));
  BOOST_TEST(r.queryCount(Transport::Udp) == 1u);
}

BOOST_AUTO_TEST_CASE(delayed_reply_arrives_after_the_delay) {
  ScriptedResponder r([](const ReceivedQuery& q) {
    return Actions{Action::send(makeReply(q.bytes, kRcodeNoError), 300ms)};
  });
  const auto start = Clock::now();
  const auto reply = queryUdp(r.endpoint(), "slow.test.", kTypeA, false, 3s);
  const auto took = Clock::now() - start;
  BOOST_TEST(reply.has_value());
  BOOST_TEST(took >= 300ms);
  // A short timeout gives up before the reply.
  BOOST_TEST(!queryUdp(r.endpoint(), "slow.test.", kTypeA, false, 100ms));
}

BOOST_AUTO_TEST_CASE(reply_from_another_port_and_another_address) {
  ResponderOptions opts;
  opts.address = "127.0.0.1";
  opts.extra_sources = {{"127.0.0.1", 0}, {"127.0.0.3", 0}};
  ScriptedResponder r(
      [](const ReceivedQuery& q) {
        const auto reply = makeReply(q.bytes, kRcodeNoError);
        return Actions{Action::sendFrom(q.qname == "port.test." ? 1 : 2, reply)};
      },
      opts);
  BOOST_TEST(r.sourceEndpoint(0) == r.endpoint());
  BOOST_TEST(r.sourceEndpoint(1).address() == "127.0.0.1");
  BOOST_TEST(r.sourceEndpoint(1).port() != r.endpoint().port());
  BOOST_TEST(r.sourceEndpoint(2).address() == "127.0.0.3");
  BOOST_CHECK_THROW(r.sourceEndpoint(3), std::out_of_range);

  const auto by_port = collectUdp(r.endpoint(), makeQuery("port.test.", kTypeA, false), 500ms, 1);
  BOOST_REQUIRE_EQUAL(by_port.size(), 1u);
  BOOST_TEST(by_port[0].from == r.sourceEndpoint(1));

  const auto by_addr = collectUdp(r.endpoint(), makeQuery("addr.test.", kTypeA, false), 500ms, 1);
  BOOST_REQUIRE_EQUAL(by_addr.size(), 1u);
  BOOST_TEST(by_addr[0].from == r.sourceEndpoint(2));

  // A connected socket (as exchangeUdp uses) never sees them.
  BOOST_TEST(!queryUdp(r.endpoint(), "port.test.", kTypeA, false, 200ms));
  BOOST_TEST(r.errors().empty());
}

BOOST_AUTO_TEST_CASE(spoof_then_real_answer_in_order) {
  ScriptedResponder r([](const ReceivedQuery& q) {
    const auto real = makeReply(q.bytes, kRcodeNoError, {q.qname + " 60 IN A 192.0.2.1"});
    const auto forged = makeReply(q.bytes, kRcodeNoError, {q.qname + " 60 IN A 198.51.100.66"});
    // Listed in reverse: `after` decides the order on the wire.
    return Actions{Action::send(real, 50ms), Action::send(patchId(forged, q.id ^ 0xffff)),
                   Action::send(forged, 10ms)};
  });
  const auto query = makeQuery("www.test.", kTypeA, false);
  const auto got = collectUdp(r.endpoint(), query, 1s, 3);
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  const auto first = parseReply(got[0].bytes);
  const auto second = parseReply(got[1].bytes);
  const auto third = parseReply(got[2].bytes);
  BOOST_REQUIRE(first && second && third);
  const auto id = static_cast<std::uint16_t>(query[0] << 8 | query[1]);
  BOOST_TEST(first->id != id);
  BOOST_TEST(second->id == id);
  BOOST_TEST(second->answerRdata(kTypeA) == std::vector<std::string>{"198.51.100.66"});
  BOOST_TEST(third->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
}

BOOST_AUTO_TEST_CASE(truncation_then_tcp_retry_is_counted) {
  ScriptedResponder r([](const ReceivedQuery& q) {
    if (q.transport == Transport::Udp) {
      ReplyOptions tc;
      tc.tc = true;
      return Actions{Action::send(makeReply(q.bytes, kRcodeNoError, {}, tc))};
    }
    return answerA(q, "192.0.2.7");
  });
  const auto udp = lookup(r.endpoint(), "big.test.", kTypeA, true, 1s);
  BOOST_REQUIRE(udp);
  BOOST_TEST(udp->tc);
  const auto tcp_wire = queryTcp(r.endpoint(), "big.test.", kTypeA, true, 2s);
  BOOST_REQUIRE(tcp_wire);
  const auto tcp = parseReply(*tcp_wire);
  BOOST_REQUIRE(tcp);
  BOOST_TEST(!tcp->tc);
  BOOST_TEST(tcp->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.7"});
  BOOST_TEST(r.queryCount(Transport::Udp) == 1u);
  BOOST_TEST(r.queryCount(Transport::Tcp) == 1u);
  BOOST_TEST(r.tcpConnections() == 1u);
}

BOOST_AUTO_TEST_CASE(tcp_close_and_reset_end_the_exchange_without_reply) {
  ScriptedResponder r([](const ReceivedQuery& q) {
    return Actions{q.qname == "close.test." ? Action::closeTcp() : Action::resetTcp()};
  });
  const auto start = Clock::now();
  BOOST_TEST(!queryTcp(r.endpoint(), "close.test.", kTypeA, false, 5s));
  BOOST_TEST(!queryTcp(r.endpoint(), "reset.test.", kTypeA, false, 5s));
  // Both ended by the server, long before the client's timeout.
  const auto took = Clock::now() - start;
  BOOST_TEST(took < 2s);
  BOOST_TEST(r.queryCount(Transport::Tcp) == 2u);
  BOOST_TEST(r.errors().empty());
}

BOOST_AUTO_TEST_CASE(raw_tcp_bytes_and_malformed_queries) {
  std::atomic<int> calls{0};
  ScriptedResponder r([&](const ReceivedQuery& q) {
    ++calls;
    if (!q.parsed) return Actions{};
    // A length prefix announcing 100 bytes, then 3 bytes and a close.
    return Actions{Action::sendRawTcp(Bytes{0, 100, 1, 2, 3}), Action::closeTcp(10ms)};
  });
  BOOST_TEST(!queryTcp(r.endpoint(), "short.test.", kTypeA, false, 2s));
  BOOST_TEST(!exchangeUdp(r.endpoint(), Bytes{0x12, 0x34, 0x00}, 200ms));
  BOOST_REQUIRE(r.waitForQueries(2, 2s));
  const auto qs = r.queries();
  BOOST_TEST(!qs[1].parsed);
  BOOST_TEST(qs[1].id == 0x1234);
  BOOST_TEST(calls.load() == 2);
}

BOOST_AUTO_TEST_CASE(script_exception_is_reported_and_serving_continues) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    if (q.qname == "boom.test.") throw std::runtime_error("scripted failure");
    return answerA(q, "192.0.2.1");
  });
  BOOST_TEST(!queryUdp(r.endpoint(), "boom.test.", kTypeA, false, 200ms));
  BOOST_TEST(queryUdp(r.endpoint(), "fine.test.", kTypeA, false, 1s).has_value());
  const auto errors = r.errors();
  BOOST_REQUIRE_EQUAL(errors.size(), 1u);
  BOOST_TEST(errors[0].find("scripted failure") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(set_script_switches_behaviour) {
  ScriptedResponder r([](const ReceivedQuery& q) { return answerA(q, "192.0.2.1"); });
  auto before = lookup(r.endpoint(), "www.test.", kTypeA, false, 1s);
  r.setScript([](const ReceivedQuery& q) { return answerA(q, "192.0.2.2"); });
  auto after = lookup(r.endpoint(), "www.test.", kTypeA, false, 1s);
  BOOST_REQUIRE(before && after);
  BOOST_TEST(before->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(after->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.2"});
}

BOOST_AUTO_TEST_CASE(fixed_port_and_ipv6_loopback) {
  ScriptedResponder first([](const ReceivedQuery& q) { return answerA(q, "192.0.2.1"); });
  // The same port on the same address is taken: a clear error, not a silent second server.
  ResponderOptions same;
  same.port = first.endpoint().port();
  BOOST_CHECK_THROW(ScriptedResponder([](const ReceivedQuery&) { return Actions{}; }, same),
                    std::runtime_error);
  ResponderOptions elsewhere;
  elsewhere.address = "192.0.2.1";
  BOOST_CHECK_THROW(ScriptedResponder([](const ReceivedQuery&) { return Actions{}; }, elsewhere),
                    std::invalid_argument);

  ResponderOptions v6;
  v6.address = "::1";
  ScriptedResponder six([](const ReceivedQuery& q) { return answerA(q, "192.0.2.6"); }, v6);
  BOOST_TEST(six.endpoint().family() == Endpoint::Family::V6);
  const auto reply = lookup(six.endpoint(), "six.test.", kTypeA, false, 1s);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.6"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dnsprop::test
