#include <boost/test/unit_test.hpp>

#include <optional>

#include "dns/query.h"
#include "net/probe_engine.h"
#include "net/round_runner.h"
#include "net/uv_handle.h"
#include "support/scripted_responder.h"

using namespace dnsprop;
using namespace std::chrono_literals;
using test::Action;
using test::Actions;
using test::ReceivedQuery;

namespace {

// Runs the loop until `done` or a 10 s safety deadline.
void runUntil(uv::Loop& loop, const bool& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) uv_run(loop.get(), UV_RUN_ONCE);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(round_runner)

BOOST_AUTO_TEST_CASE(empty_round_still_completes_and_the_next_one_can_start) {
  uv::Loop loop;
  SystemClock clock;
  ProbeEngine engine(loop.get(), clock, {});
  RoundRunner runner(loop.get(), engine);
  bool done = false;
  BOOST_TEST(runner.start({}, {}, nullptr, [&] { done = true; }));
  BOOST_TEST(!done);  // never synchronously
  runUntil(loop, done);
  BOOST_TEST(done);
  BOOST_TEST(!runner.running());
  bool again = false;
  BOOST_TEST(runner.start({}, {}, nullptr, [&] { again = true; }));
  runUntil(loop, again);
  BOOST_TEST(again);
}

BOOST_AUTO_TEST_CASE(every_target_reported_once_then_done) {
  test::ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(test::makeReply(q.bytes, 0, {q.qname + " 60 IN A 192.0.2.1"}))};
  });
  uv::Loop loop;
  SystemClock clock;
  EngineOptions eo;
  eo.timeout = 300ms;
  eo.listen_until_deadline = false;
  ProbeEngine engine(loop.get(), clock, eo);
  RoundRunner runner(loop.get(), engine);
  dns::QueryTemplate q1("a.test.", dns::qtype::A), q2("b.test.", dns::qtype::A);
  std::vector<ProbeTarget> targets = {{&q1, r.endpoint()}, {&q2, r.endpoint()}, {&q1, r.endpoint()}};
  std::vector<int> seen(3, 0);
  bool done = false;
  RoundPlanOptions plan;
  plan.spread = 200ms;
  runner.start(targets, plan, [&](std::size_t i, const dns::Observation& o) {
    BOOST_TEST((o.outcome == dns::Outcome::Answer));
    ++seen.at(i);
  }, [&] { done = true; });
  runUntil(loop, done);
  BOOST_TEST(done);
  BOOST_TEST(seen == (std::vector<int>{1, 1, 1}));
}

BOOST_AUTO_TEST_CASE(a_throwing_result_callback_does_not_stall_the_round) {
  test::ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
    return {Action::send(test::makeReply(q.bytes, 0, {q.qname + " 60 IN A 192.0.2.1"}))};
  });
  uv::Loop loop;
  SystemClock clock;
  EngineOptions eo;
  eo.listen_until_deadline = false;
  ProbeEngine engine(loop.get(), clock, eo);
  RoundRunner runner(loop.get(), engine);
  dns::QueryTemplate q("a.test.", dns::qtype::A);
  bool done = false;
  runner.start({{&q, r.endpoint()}}, {}, [](std::size_t, const dns::Observation&) {
    throw std::runtime_error("boom");
  }, [&] { done = true; });
  runUntil(loop, done);
  BOOST_TEST(done);
  BOOST_TEST(engine.counters().callback_errors == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
