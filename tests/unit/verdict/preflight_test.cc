// `dnsprop preflight`'s judgement (verdict/preflight.h): what makes the new side ready,
// not ready, critical or unknown, and the TTL advice.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "verdict/preflight.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

struct Fixture {
  RoundRecord rec;
  GroundTruth truth;
  Fixture() {
    rec.domain = "shop.test.";
    rec.context.ns_moves = true;
    rec.new_servers_configured = true;
    rec.context.old_data_max_ttl = 3600;
    rec.context.old_child_ns_ttl = 86400;
    rec.context.parent_ns_ttl = 172800;
    truth.new_data[{"www.shop.test.", RRType::A}] = AnswerClass::New;
    truth.new_data[{"shop.test.", RRType::MX}] = AnswerClass::New;
  }
  Preflight judge() const { return judgePreflight(rec, truth, kNow); }
};

const PreflightItem& item(const Preflight& p, const std::string& id) {
  for (const auto& i : p.items) {
    if (i.id == id) return i;
  }
  BOOST_FAIL("no item " << id);
  return p.items.front();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(preflight, Fixture)

BOOST_AUTO_TEST_CASE(ready_when_the_new_servers_serve_the_new_data_with_ttl_advice) {
  const Preflight p = judge();
  BOOST_TEST(toString(p.status) == "SAFE");
  BOOST_TEST(preflightWord(p.status) == "READY");
  BOOST_TEST(p.summary == "READY: shop.test. - the new side is ready for the switch");
  // The child NS TTL (1 d) is the longest one the operator can lower: switch a day later.
  BOOST_TEST((p.switch_after == kNow + 24h));
  BOOST_TEST(item(p, "ttl").detail.find("old records 1h 00m, NS at the old servers 1d 0h, NS at the parent 2d 0h") !=
                 std::string::npos,
             item(p, "ttl").detail);
  BOOST_TEST(p.findings.size() == 1u);
  BOOST_TEST(p.findings[0].find("have a TTL of 1d 0h: lower them") != std::string::npos, p.findings[0]);
  const auto j = toJson(p);
  BOOST_TEST(j.at("status").get<std::string>() == "READY");
  BOOST_TEST(j.at("parent_ns_ttl_seconds").get<int>() == 172800);
  BOOST_TEST(renderText(p).find("  [i ] ttl: now: old records") != std::string::npos, renderText(p));
}

BOOST_AUTO_TEST_CASE(new_servers_with_old_data_lame_or_unconfigured) {
  truth.new_data[{"www.shop.test.", RRType::A}] = AnswerClass::Old;
  Preflight p = judge();
  BOOST_TEST(preflightWord(p.status) == "NOT_READY");
  BOOST_TEST(item(p, "zone").detail.find("do not serve the new data yet: www.shop.test. A is old") != std::string::npos,
             item(p, "zone").detail);
  BOOST_TEST(p.summary.find("NOT_READY: shop.test. - zone: ") == 0u, p.summary);

  truth.new_lame = true;
  BOOST_TEST(preflightWord(judge().status) == "CRITICAL");

  rec.new_servers_configured = false;
  BOOST_TEST(preflightWord(judge().status) == "UNKNOWN");

  // Address-only: the name servers stay, nothing to check in the zone before the switch.
  rec.context.ns_moves = false;
  p = judge();
  BOOST_TEST(preflightWord(p.status) == "READY", p.summary);
  BOOST_TEST(!p.child_ns_ttl.has_value());
  BOOST_TEST((p.switch_after == kNow + 1h));
}

BOOST_AUTO_TEST_CASE(web_and_mail_of_the_new_side_decide_too) {
  MailExchange refused;
  refused.side = ServerSide::New;
  refused.address = "198.51.100.25";
  refused.at = kNow;
  refused.outcome = MailOutcome::ConnectFailed;
  rec.mail = MailChecks{"postmaster@shop.test", true, 10min, {refused}, {}};
  Preflight p = judge();
  BOOST_TEST(preflightWord(p.status) == "NOT_READY");
  BOOST_TEST(p.summary.find("mail: 1 of 1 addresses") != std::string::npos, p.summary);
  rec.mail.reset();
  rec.web = WebChecks{};  // asked for, nothing fetched
  BOOST_TEST(preflightWord(judge().status) == "NOT_READY");
  // TTLs unknown: said so, no switch time.
  rec.web.reset();
  rec.context.old_data_max_ttl = 0;
  rec.context.old_child_ns_ttl.reset();
  p = judge();
  BOOST_TEST(!p.switch_after.has_value());
  BOOST_TEST(item(p, "ttl").detail.find("not known") != std::string::npos);
  BOOST_TEST(preflightWord(p.status) == "READY");
}

BOOST_AUTO_TEST_SUITE_END()
