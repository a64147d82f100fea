// The mail condition and findings of [migration.mail] (verdict/mail_checks.h): what counts
// as "the new mail server accepts mail for the domain", what is only shown, and the
// stored form.
#include <boost/test/unit_test.hpp>

#include <functional>

#include <nlohmann/json.hpp>

#include "verdict/mail_checks.h"

using namespace dnsprop;
using namespace std::chrono_literals;

namespace {

const WallTime kNow = WallTime(std::chrono::seconds(1'800'000'000));

MailExchange accepted(ServerSide side, const std::string& address) {
  MailExchange e;
  e.side = side;
  e.address = address;
  e.port = 25;
  e.tls_name = "mail.shop.test";
  e.at = kNow - 5s;
  e.outcome = MailOutcome::Completed;
  e.stage = "done";
  e.banner_code = 220;
  e.ehlo_code = 250;
  e.starttls_offered = true;
  e.starttls_code = 220;
  e.tls = true;
  e.tls_version = "TLSv1.3";
  e.mail_from_code = 250;
  e.rcpt_code = 250;
  e.last_reply = "250 2.1.5 Ok";
  e.cert_seen = true;
  e.cert_chain_ok = true;
  e.cert_name_matches = true;
  e.cert_not_after = kNow + 24h * 60;
  return e;
}

MailChecks checks(std::vector<MailExchange> exchanges) {
  MailChecks m;
  m.recipient = "postmaster@shop.test";
  m.every = 10min;
  m.exchanges = std::move(exchanges);
  return m;
}

bool contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mail_checks)

BOOST_AUTO_TEST_CASE(every_new_address_must_accept_the_recipient) {
  auto m = checks({accepted(ServerSide::Old, "192.0.2.25"), accepted(ServerSide::New, "198.51.100.25"),
                   accepted(ServerSide::New, "198.51.100.26")});
  auto j = judgeMail(m, kNow);
  BOOST_TEST(j.new_accepts, j.detail);
  BOOST_TEST(j.detail == "the new mail server accepts mail for postmaster@shop.test (2 addresses)");
  BOOST_TEST(j.old_accepting == std::vector<std::string>{"192.0.2.25"});
  BOOST_TEST(j.findings.empty());

  // Each way one new exchange can fail blocks, and says why.
  const std::vector<std::pair<std::function<void(MailExchange&)>, std::string>> failures = {
      {[](MailExchange& e) { e.outcome = MailOutcome::ConnectFailed; e.error = "connection refused"; },
       "connect_failed (connection refused)"},
      {[](MailExchange& e) { e.outcome = MailOutcome::Timeout; }, "timeout"},
      {[](MailExchange& e) { e.outcome = MailOutcome::TlsFailed; e.error = "wrong version number"; },
       "tls_failed (wrong version number)"},
      {[](MailExchange& e) { e.outcome = MailOutcome::ProtocolError; }, "protocol_error"},
      {[](MailExchange& e) { e.banner_code = 554; e.last_reply = "554 no service"; },
       "refused at the banner: 554 no service"},
      {[](MailExchange& e) { e.ehlo_code = 502; }, "EHLO refused"},
      {[](MailExchange& e) { e.starttls_offered = false; e.tls = false; }, "STARTTLS not offered"},
      {[](MailExchange& e) { e.tls = false; e.starttls_code = 454; e.last_reply = "454 TLS not available"; },
       "STARTTLS refused: 454 TLS not available"},
      {[](MailExchange& e) { e.mail_from_code = 550; }, "MAIL FROM:<> refused"},
      {[](MailExchange& e) { e.rcpt_code = 450; e.last_reply = "450 greylisted"; },
       "RCPT deferred (greylisting? senders retry): 450 greylisted"},
      {[](MailExchange& e) { e.rcpt_code = 550; e.last_reply = "550 Invalid recipient"; },
       "RCPT refused: 550 Invalid recipient"},
      {[](MailExchange& e) { e.rcpt_code = 0; }, "RCPT refused"},
      {[](MailExchange& e) { e.relay_code = 250; }, "it accepts a recipient of another domain too: it relays for this host"},
      {[](MailExchange& e) { e.at = kNow - 31min - 1s; }, "last asked 31m 01s ago"},
  };
  for (const auto& [breakIt, why] : failures) {
    auto bad = m;
    breakIt(bad.exchanges[2]);
    auto r = judgeMail(bad, kNow);
    BOOST_TEST(!r.new_accepts, why);
    BOOST_TEST(r.detail.find("1 of 2 addresses of the new mail server do not accept mail for postmaster@shop.test: "
                             "198.51.100.26:25: " + why) != std::string::npos,
               r.detail << " / " << why);
  }
}

BOOST_AUTO_TEST_CASE(without_starttls_required_plain_acceptance_counts_and_is_a_finding) {
  auto m = checks({accepted(ServerSide::New, "198.51.100.25")});
  m.require_starttls = false;
  m.exchanges[0].starttls_offered = false;
  m.exchanges[0].tls = false;
  auto j = judgeMail(m, kNow);
  BOOST_TEST(j.new_accepts, j.detail);
  BOOST_TEST(contains(j.findings, "does not offer STARTTLS"));
}

BOOST_AUTO_TEST_CASE(no_route_is_never_judged_and_nothing_asked_does_not_accept) {
  auto m = checks({});
  auto j = judgeMail(m, kNow);
  BOOST_TEST(!j.new_accepts);
  BOOST_TEST(j.detail == "the new mail server has not been asked yet");

  MailExchange v6 = accepted(ServerSide::New, "2001:db8::25");
  v6.outcome = MailOutcome::NoRoute;
  m.exchanges = {v6};
  j = judgeMail(m, kNow);
  BOOST_TEST(!j.new_accepts);
  BOOST_TEST(j.detail.find("no IPv6 route") != std::string::npos, j.detail);
  m.exchanges.push_back(accepted(ServerSide::New, "198.51.100.25"));
  j = judgeMail(m, kNow);
  BOOST_TEST(j.new_accepts, j.detail);
  BOOST_TEST(contains(j.findings, "1 address(es) of the new mail server not asked"));
}

BOOST_AUTO_TEST_CASE(old_server_refusing_certificates_and_fetch_ports_are_findings_not_blockers) {
  auto m = checks({accepted(ServerSide::Old, "192.0.2.25"), accepted(ServerSide::New, "198.51.100.25")});
  m.exchanges[0].outcome = MailOutcome::ConnectFailed;
  m.exchanges[0].error = "connection refused";
  m.exchanges[1].cert_name_matches = false;
  m.fetch_ports = {{"192.0.2.25", 993, kNow, "open", ""}, {"192.0.2.25", 995, kNow, "refused", "connection refused"},
                   {"2001:db8::25", 993, kNow, "no_route", ""}};
  auto j = judgeMail(m, kNow);
  BOOST_TEST(j.new_accepts, j.detail);  // none of these blocks
  BOOST_TEST(j.old_accepting.empty());
  BOOST_TEST(contains(j.findings, "the old mail server at 192.0.2.25:25 does not accept mail for postmaster@shop.test "
                                  "(connect_failed (connection refused))"));
  BOOST_TEST(contains(j.findings, "the certificate of the new mail server at 198.51.100.25:25 is not for mail.shop.test"));
  BOOST_TEST(contains(j.findings, "still answers on 192.0.2.25 port 993 (IMAPS): keep fetching mail"));
  BOOST_TEST(contains(j.findings, "does not answer on 192.0.2.25 port 995 (POP3S)"));
  BOOST_TEST(!contains(j.findings, "2001:db8::25"));

  m.exchanges[1].cert_name_matches = true;
  m.exchanges[1].cert_not_after = kNow + 24h * 3;
  j = judgeMail(m, kNow);
  BOOST_TEST(contains(j.findings, "the certificate of the new mail server at 198.51.100.25:25 expires"));
  // The old server's answer is judged without the STARTTLS requirement (it is only shown).
  m.exchanges[0] = accepted(ServerSide::Old, "192.0.2.25");
  m.exchanges[0].starttls_offered = false;
  m.exchanges[0].tls = false;
  j = judgeMail(m, kNow);
  BOOST_TEST(j.old_accepting == std::vector<std::string>{"192.0.2.25"});
}

BOOST_AUTO_TEST_CASE(the_stored_form_round_trips) {
  auto m = checks({accepted(ServerSide::Old, "192.0.2.25"), accepted(ServerSide::New, "2001:db8::25")});
  m.exchanges[1].cert_not_after.reset();
  m.exchanges[1].outcome = MailOutcome::ProtocolError;
  m.require_starttls = false;
  m.fetch_ports = {{"192.0.2.25", 995, kNow, "timeout", "timed out"}};
  const auto j = toJson(m);
  BOOST_TEST(j.at("every_ms").get<std::int64_t>() == 600000);
  BOOST_TEST(j.at("exchanges").at(1).at("outcome").get<std::string>() == "protocol_error");
  BOOST_TEST((mailChecksFromJson(j) == m));
  auto older = j;  // stored before the relay check existed: read as "not sent"
  older.at("exchanges").at(0).erase("relay_code");
  BOOST_TEST(mailChecksFromJson(older).exchanges.at(0).relay_code == 0);
  auto broken = j;
  broken.at("exchanges").at(0).erase("rcpt_code");
  BOOST_CHECK_THROW(mailChecksFromJson(broken), std::invalid_argument);
  broken = j;
  broken.at("exchanges").at(0).at("outcome") = "delivered";
  BOOST_CHECK_THROW(mailChecksFromJson(broken), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
