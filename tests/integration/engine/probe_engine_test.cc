// The probe engine against a scripted responder on loopback: every fault of FAULTS.md
// that lives between the socket and the observation (F1-F7, F17). Each test is named
// after what it reproduces and fails if the corresponding defence is removed: the
// scripted "bad" packets carry data (6.6.6.6) that must never show up in a result.
#include <boost/test/unit_test.hpp>

#include <optional>
#include <set>

#include "common/clock.h"
#include "dns/query.h"
#include "net/probe_engine.h"
#include "net/uv_handle.h"
#include "support/scripted_responder.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using dns::Outcome;
using test::Action;
using test::Actions;
using test::makeReply;
using test::ReceivedQuery;
using test::ScriptedResponder;

namespace {

const char* kGood = "www.test. 60 IN A 192.0.2.1";
const char* kForged = "www.test. 60 IN A 6.6.6.6";

struct Harness {
  explicit Harness(EngineOptions opts = defaults()) : engine(loop.get(), clock, opts) {}

  static EngineOptions defaults() {
    EngineOptions o;
    o.timeout = 300ms;
    o.retries = 1;
    o.conflict_window = 60ms;
    return o;
  }

  // Probes `server` for www.test/A and runs the loop until the result (or a 10 s
  // safety deadline, which fails the test).
  dns::Observation probe(const Endpoint& server, const dns::QueryTemplate* q = nullptr) {
    static const dns::QueryTemplate kQuery("www.test.", dns::qtype::A);
    std::optional<dns::Observation> result;
    engine.probe({q != nullptr ? q : &kQuery, server},
                 [&](const dns::Observation& o) { result = o; });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop.get(), UV_RUN_ONCE);
    }
    BOOST_REQUIRE_MESSAGE(result.has_value(), "probe did not finish within 10 s");
    BOOST_TEST(engine.inFlight() == 0u);
    return *result;
  }

  std::uint64_t dropped(dns::DropReason r) const {
    return engine.counters().dropped[static_cast<std::size_t>(r)];
  }

  uv::Loop loop;
  SystemClock clock;
  ProbeEngine engine;
};

std::string firstAddress(const dns::Observation& o) {
  return o.chain.empty() ? std::string() : o.chain.back().text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(probe_engine)

BOOST_AUTO_TEST_CASE(plain_answer_over_udp) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(makeReply(q.bytes, 0, {kGood}))};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST((o.transport == dns::Transport::Udp));
  BOOST_TEST(o.attempts == 1);
  // RD=1 and EDNS with NSID requested went out.
  auto qs = r.queries();
  BOOST_REQUIRE(qs.size() == 1u);
  BOOST_TEST(qs[0].rd);
}

BOOST_AUTO_TEST_CASE(f1_wrong_id_is_dropped_and_the_wait_goes_on) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    auto spoof = test::patchId(makeReply(q.bytes, 0, {kForged}), static_cast<std::uint16_t>(q.id ^ 0x5a5a));
    return {Action::send(spoof), Action::send(makeReply(q.bytes, 0, {kGood}), 100ms)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST(h.dropped(dns::DropReason::IdMismatch) == 1u);
}

BOOST_AUTO_TEST_CASE(f1_only_spoofs_give_timeout_never_an_answer) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(test::patchId(makeReply(q.bytes, 0, {kForged}), static_cast<std::uint16_t>(q.id + 1)))};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Timeout));
  BOOST_TEST(o.chain.empty());
  BOOST_TEST(h.dropped(dns::DropReason::IdMismatch) == 2u);  // one per attempt
}

BOOST_AUTO_TEST_CASE(f2_reply_from_other_port_or_address_is_not_accepted) {
  test::ResponderOptions opts;
  opts.extra_sources = {{"127.0.0.1", 0}, {"127.0.0.3", 0}};
  ScriptedResponder r(
      [](const ReceivedQuery& q) -> Actions {
        auto forged = makeReply(q.bytes, 0, {kForged});
        return {Action::sendFrom(1, forged), Action::sendFrom(2, forged),
                Action::send(makeReply(q.bytes, 0, {kGood}), 100ms)};
      },
      opts);
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST(r.errors().empty());
}

BOOST_AUTO_TEST_CASE(f2_only_foreign_sources_give_timeout) {
  test::ResponderOptions opts;
  opts.extra_sources = {{"127.0.0.1", 0}};
  ScriptedResponder r(
      [](const ReceivedQuery& q) -> Actions {
        return {Action::sendFrom(1, makeReply(q.bytes, 0, {kForged}))};
      },
      opts);
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Timeout));
}

BOOST_AUTO_TEST_CASE(f3_question_mismatch_and_qdcount_are_dropped) {
  static const dns::QueryTemplate kOther("other.test.", dns::qtype::A);
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    // An answer for another name with our ID.
    auto other = makeReply(test::makeQuery("evil.test.", dns::qtype::A, true), 0,
                           {"evil.test. 60 IN A 6.6.6.6"});
    other = test::patchId(other, q.id);
    // QDCOUNT 0: header only, with our ID.
    test::Bytes noq(q.bytes.begin(), q.bytes.begin() + 12);
    noq[2] |= 0x80;  // QR
    noq[4] = noq[5] = 0;
    return {Action::send(other), Action::send(noq),
            Action::send(makeReply(q.bytes, 0, {kGood}), 100ms)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST(h.dropped(dns::DropReason::QuestionMismatch) == 1u);
  BOOST_TEST(h.dropped(dns::DropReason::QdCount) == 1u);
}

BOOST_AUTO_TEST_CASE(f4_malformed_packets_are_dropped_then_real_answer_counts) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    auto good = makeReply(q.bytes, 0, {kGood});
    test::Bytes shortHeader(good.begin(), good.begin() + 5);
    test::Bytes trailing = makeReply(q.bytes, 0, {kForged});
    trailing.push_back(0x00);
    test::ReplyOptions noEdns;
    noEdns.edns = false;  // so the A record is the last thing in the packet
    test::Bytes overflow = makeReply(q.bytes, 0, {kForged}, noEdns);
    // RDLENGTH of that A record: the 2 bytes before its 4-byte address.
    overflow[overflow.size() - 6] = 0x00;
    overflow[overflow.size() - 5] = 0xff;
    return {Action::send(shortHeader), Action::send(trailing), Action::send(overflow),
            Action::send(good, 100ms)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST(h.dropped(dns::DropReason::TooShort) == 1u);
  BOOST_TEST(h.dropped(dns::DropReason::TrailingBytes) >= 1u);
}

BOOST_AUTO_TEST_CASE(f4_only_malformed_replies_give_malformed_not_answer) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    test::Bytes trailing = makeReply(q.bytes, 0, {kForged});
    trailing.insert(trailing.end(), {1, 2, 3});
    return {Action::send(trailing)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Malformed));
  BOOST_TEST(o.chain.empty());
}

BOOST_AUTO_TEST_CASE(f5_truncated_udp_is_retried_over_tcp) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    if (q.transport == test::Transport::Udp) {
      test::ReplyOptions tc;
      tc.tc = true;
      return {Action::send(makeReply(q.bytes, 0, {kForged}, tc))};
    }
    return {Action::send(makeReply(q.bytes, 0, {kGood}))};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST((o.transport == dns::Transport::Tcp));
  BOOST_TEST(r.queryCount(test::Transport::Tcp) == 1u);
  BOOST_TEST(h.engine.counters().truncated == 1u);
}

BOOST_AUTO_TEST_CASE(f5_truncated_and_tcp_refused_is_truncated_failed) {
  test::ResponderOptions opts;
  opts.tcp = false;  // nobody listens on TCP: connection refused
  ScriptedResponder r(
      [](const ReceivedQuery& q) -> Actions {
        test::ReplyOptions tc;
        tc.tc = true;
        return {Action::send(makeReply(q.bytes, 0, {kForged}, tc))};
      },
      opts);
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::TruncatedFailed));
  BOOST_TEST(o.chain.empty());
}

BOOST_AUTO_TEST_CASE(f6_silent_server_times_out_after_bounded_retries_with_fresh_port_and_id) {
  ScriptedResponder r([](const ReceivedQuery&) -> Actions { return {}; });
  EngineOptions opts = Harness::defaults();
  opts.retries = 2;
  opts.timeout = 100ms;
  Harness h(opts);
  const auto t0 = std::chrono::steady_clock::now();
  auto o = h.probe(r.endpoint());
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  BOOST_TEST((o.outcome == Outcome::Timeout));
  BOOST_TEST(o.attempts == 3);
  BOOST_TEST(r.queryCount(test::Transport::Udp) == 3u);
  // Backoff: 100 + 200 + 400 ms. libuv arms each timer from its cached loop time, whole
  // milliseconds that may lag steady_clock by up to 1 ms: three timers may end up to 3 ms
  // before 700 ms measured here (a CI run saw 699.65 ms).
  BOOST_TEST(elapsed >= 697ms);
  std::set<std::uint16_t> ports, ids;
  for (const auto& q : r.queries()) {
    ports.insert(q.client.port());
    ids.insert(q.id);
  }
  BOOST_TEST(ports.size() == 3u);  // a fresh socket per attempt
  BOOST_TEST(ids.size() >= 2u);    // random IDs (3 equal 16-bit draws: ~1 in 4e9)
}

BOOST_AUTO_TEST_CASE(f6_slow_reply_within_timeout_counts_with_its_latency) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(makeReply(q.bytes, 0, {kGood}), 150ms)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(o.latency >= 150ms);
}

BOOST_AUTO_TEST_CASE(f6_tcp_reset_is_a_network_error) {
  ScriptedResponder r([](const ReceivedQuery&) -> Actions { return {Action::resetTcp()}; });
  EngineOptions opts = Harness::defaults();
  opts.tcp_only = true;
  Harness h(opts);
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::NetworkError));
  BOOST_TEST(o.attempts == 2);
  BOOST_TEST(r.queryCount(test::Transport::Tcp) == 2u);
}

BOOST_AUTO_TEST_CASE(f6_closed_port_is_an_error_never_an_answer) {
  Endpoint dead = [] {
    ScriptedResponder gone([](const ReceivedQuery&) -> Actions { return {}; });
    return gone.endpoint();
  }();
  Harness h;
  auto o = h.probe(dead);
  BOOST_TEST((o.outcome == Outcome::NetworkError || o.outcome == Outcome::Timeout));
  BOOST_TEST(o.chain.empty());
}

BOOST_AUTO_TEST_CASE(f7_servfail_and_refused_are_typed_outcomes) {
  for (int rcode : {test::kRcodeServFail, test::kRcodeRefused}) {
    ScriptedResponder r([rcode](const ReceivedQuery& q) -> Actions {
      return {Action::send(makeReply(q.bytes, rcode, {}))};
    });
    Harness h;
    auto o = h.probe(r.endpoint());
    BOOST_TEST((o.outcome == (rcode == test::kRcodeServFail ? Outcome::ServFail : Outcome::Refused)));
    BOOST_TEST(o.rcode == rcode);
    BOOST_TEST(o.chain.empty());
  }
}

BOOST_AUTO_TEST_CASE(f17_two_different_answers_mean_injection_and_tcp_decides) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    if (q.transport == test::Transport::Udp) {
      // The injector is faster than the real server.
      return {Action::send(makeReply(q.bytes, 0, {kForged})),
              Action::send(makeReply(q.bytes, 0, {kGood}), 20ms)};
    }
    return {Action::send(makeReply(q.bytes, 0, {kGood}))};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST((o.transport == dns::Transport::Tcp));
  BOOST_TEST(h.engine.counters().conflicts == 1u);
}

BOOST_AUTO_TEST_CASE(f17_real_answer_arriving_much_later_still_exposes_the_injection) {
  // The injector answers at once; the resolver's real answer takes 150 ms (a cache miss).
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    if (q.transport == test::Transport::Udp) {
      return {Action::send(makeReply(q.bytes, 0, {kForged})),
              Action::send(makeReply(q.bytes, 0, {kGood}), 150ms)};
    }
    return {Action::send(makeReply(q.bytes, 0, {kGood}))};
  });
  Harness h;  // 300 ms attempts: the real answer comes inside the first one
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST((o.transport == dns::Transport::Tcp));
  BOOST_TEST(h.engine.counters().conflicts == 1u);
}

BOOST_AUTO_TEST_CASE(oversize_udp_reply_is_never_used_and_tcp_is_asked) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    if (q.transport == test::Transport::Udp) {
      // 60 A records: about 1,000 bytes over our 1232-byte limit, without TC.
      std::vector<std::string> many;
      for (int i = 1; i <= 150; ++i) many.push_back("www.test. 60 IN A 6.6.6." + std::to_string(i));
      test::ReplyOptions big;
      big.edns_udp_size = 4096;
      return {Action::send(makeReply(q.bytes, 0, many, big))};
    }
    return {Action::send(makeReply(q.bytes, 0, {kGood}))};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST(firstAddress(o) == "192.0.2.1");
  BOOST_TEST((o.transport == dns::Transport::Tcp));
  BOOST_TEST(h.dropped(dns::DropReason::TooLarge) == 1u);
}

BOOST_AUTO_TEST_CASE(f6_immediate_failures_still_back_off) {
  ScriptedResponder r([](const ReceivedQuery&) -> Actions { return {Action::resetTcp()}; });
  EngineOptions opts = Harness::defaults();
  opts.tcp_only = true;
  opts.timeout = 100ms;
  opts.retries = 2;
  Harness h(opts);
  const auto t0 = std::chrono::steady_clock::now();
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::NetworkError));
  // Each reset ends its attempt at once, but the next attempt waits for the attempt's
  // timer: 100 + 200 ms before the third connection.
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  BOOST_TEST((elapsed >= 300ms));
  BOOST_TEST(r.queryCount(test::Transport::Tcp) == 3u);
}

BOOST_AUTO_TEST_CASE(f17_identical_duplicates_are_harmless) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    auto good = makeReply(q.bytes, 0, {kGood});
    return {Action::send(good), Action::send(good, 10ms)};
  });
  Harness h;
  auto o = h.probe(r.endpoint());
  BOOST_TEST((o.outcome == Outcome::Answer));
  BOOST_TEST((o.transport == dns::Transport::Udp));
  BOOST_TEST(h.engine.counters().conflicts == 0u);
}

BOOST_AUTO_TEST_CASE(many_concurrent_probes_each_get_their_own_answer) {
  ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(makeReply(q.bytes, 0, {q.qname + " 60 IN A 192.0.2.7"}))};
  });
  Harness h;
  std::vector<std::unique_ptr<dns::QueryTemplate>> qs;
  for (int i = 0; i < 200; ++i) {
    qs.push_back(std::make_unique<dns::QueryTemplate>("n" + std::to_string(i) + ".test.", dns::qtype::A));
  }
  int answers = 0;
  for (auto& q : qs) {
    h.engine.probe({q.get(), r.endpoint()}, [&, name = q->qname()](const dns::Observation& o) {
      if (o.outcome == Outcome::Answer && !o.chain.empty() && o.chain.back().owner == name) ++answers;
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (h.engine.inFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    uv_run(h.loop.get(), UV_RUN_ONCE);
  }
  BOOST_TEST(answers == 200);
}

BOOST_AUTO_TEST_SUITE_END()
