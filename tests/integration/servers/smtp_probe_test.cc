// SmtpProber (src/servers/smtp_probe.h) against a real OpenSMTPD on loopback (STARTTLS
// with a certificate from a CA made in the test, a plain listener, a listener that
// rejects the recipient) and against a scripted fake server for the faults a real server
// will not produce. Every exchange asserts what the server received: the dialogue ends
// with RSET and QUIT, and DATA is never sent.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/uv_handle.h"
#include "servers/smtp_probe.h"
#include "support/mail_servers.h"
#include "support/ports.h"
#include "support/printers.h"
#include "support/temp_dir.h"
#include "support/test_ca.h"
#include "support/wait.h"

namespace dnsprop {

inline std::ostream& boost_test_print_type(std::ostream& os, SmtpOutcome o) { return os << toString(o); }
inline std::ostream& boost_test_print_type(std::ostream& os, SmtpStage s) { return os << toString(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, ReachOutcome o) { return os << toString(o); }

namespace {

namespace utf = boost::unit_test;
using namespace std::chrono_literals;
using test::FakeSmtpOptions;
using test::FakeSmtpServer;
using test::Millis;
using test::SmtpStep;
using Then = test::SmtpStep::Then;
using Commands = std::vector<std::string>;

// 127.0.93.x: used by no other test.
const std::string kFakeAddr = "127.0.93.20";
const std::string kHelo = "monitor.dnsprop.test";
const std::string kRecipient = "postmaster@shop.test";
const std::string kMxName = "mx.new.test";

// The relay check: a second RCPT, for a domain nobody serves, once the first is accepted.
const std::string kRelayRcpt = "RCPT TO:<dnsprop-relay-check@relay-check.invalid>";
const Commands kPlainDialogue = {"EHLO " + kHelo, "MAIL FROM:<>", "RCPT TO:<" + kRecipient + ">", kRelayRcpt, "RSET",
                                 "QUIT"};
const Commands kTlsDialogue = {"EHLO " + kHelo, "STARTTLS", "EHLO " + kHelo, "MAIL FROM:<>",
                               "RCPT TO:<" + kRecipient + ">", kRelayRcpt, "RSET", "QUIT"};
// A refused recipient: no relay check.
const Commands kPlainRefusedDialogue = {"EHLO " + kHelo, "MAIL FROM:<>", "RCPT TO:<" + kRecipient + ">", "RSET",
                                        "QUIT"};

boost::test_tools::assertion_result openSmtpdRuns(utf::test_unit_id) {
  const std::string why = test::openSmtpdUnavailable();
  boost::test_tools::assertion_result r(why.empty());
  r.message() << why;
  return r;
}

boost::test_tools::assertion_result synDropsWork(utf::test_unit_id) {
  const test::SynDroppingListener l(kFakeAddr);
  boost::test_tools::assertion_result r(l.dropsConnections());
  r.message() << "this kernel completes connections beyond a full accept queue";
  return r;
}

// Runs `loop` until `pred` holds or `deadline` passes; a 10 ms ticker bounds each turn.
bool runUntil(uv_loop_t* loop, const std::function<bool()>& pred, Millis deadline) {
  uv::UvPtr<uv_timer_t> tick(uv::allocHandle<uv_timer_t>());
  uv_timer_init(loop, tick.get());
  uv_timer_start(tick.get(), [](uv_timer_t*) {}, 10, 10);
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    uv_run(loop, UV_RUN_ONCE);
  }
  return true;
}

SmtpRequest request(const Endpoint& address, const std::string& tls_name = kMxName) {
  SmtpRequest r;
  r.address = address;
  r.helo_name = kHelo;
  r.recipient = kRecipient;
  r.tls_name = tls_name;
  return r;
}

std::string describe(const SmtpResult& r) {
  std::string s = std::string(toString(r.outcome)) + " stage=" + std::string(toString(r.stage)) + " error='" +
                  r.error + "' banner=" + std::to_string(r.banner.code) +
                  " ehlo=" + std::to_string(r.ehlo.code) +
                  " starttls_offered=" + std::to_string(r.starttls_offered) +
                  " starttls=" + std::to_string(r.starttls.code) + " tls=" + std::to_string(r.tls) + " " +
                  r.tls_version + " mail=" + std::to_string(r.mail_from.code) +
                  " rcpt=" + std::to_string(r.rcpt.code) + " '" + r.rcpt.text + "'";
  if (r.cert) {
    s += " chain_ok=" + std::to_string(r.cert->chain_ok) + " chain_error='" + r.cert->chain_error +
         "' name_matches=" + std::to_string(r.cert->name_matches);
  }
  return s;
}

FakeSmtpOptions fakeWith(std::map<std::string, SmtpStep> overrides, bool offer_starttls = false) {
  FakeSmtpOptions o;
  o.address = kFakeAddr;
  o.script = test::standardSmtpScript(std::move(overrides), offer_starttls);
  return o;
}

struct SmtpFixture {
  uv::Loop loop;  // first: destroyed last, after every prober of a test
  test::TempDir dir{"dnsprop-smtpprobe"};
  test::TestCa ca;
  std::filesystem::path ca_file = dir.writeFile("ca.pem", ca.certPem());

  SmtpProberOptions options() const {
    SmtpProberOptions o;
    o.ca_file = ca_file;
    o.timeout = 5s;
    o.reach_timeout = 2s;
    return o;
  }

  test::TlsIdentity identity(std::vector<std::string> names) const {
    const test::IssuedCert c = ca.issue({.dns_names = std::move(names)});
    return {c.cert_pem, c.key_pem};
  }

  // One exchange, run to its end (10 s safety deadline).
  SmtpResult askOne(SmtpProber& prober, const SmtpRequest& rq) {
    std::optional<SmtpResult> result;
    int calls = 0;
    prober.ask(rq, [&](const SmtpResult& r) {
      ++calls;
      result = r;
    });
    BOOST_TEST(calls == 0);  // never from within ask()
    BOOST_REQUIRE_MESSAGE(runUntil(loop.get(), [&] { return result.has_value(); }, 10s),
                          "exchange did not finish within 10 s");
    BOOST_TEST(calls == 1);
    BOOST_TEST(prober.inFlight() == 0u);
    BOOST_TEST_MESSAGE(describe(*result));
    return *result;
  }

  ReachResult reachOne(SmtpProber& prober, const Endpoint& ep) {
    std::optional<ReachResult> result;
    prober.reach(ep, [&](const ReachResult& r) { result = r; });
    BOOST_TEST(!result.has_value());
    BOOST_REQUIRE(runUntil(loop.get(), [&] { return result.has_value(); }, 10s));
    return *result;
  }
};

bool noData(const Commands& commands) {
  for (const auto& c : commands) {
    if (c.rfind("DATA", 0) == 0) return false;
  }
  return true;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(smtp_probe, SmtpFixture)

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(toString(SmtpOutcome::Completed) == "completed");
  BOOST_TEST(toString(SmtpOutcome::Timeout) == "timeout");
  BOOST_TEST(toString(SmtpOutcome::ConnectFailed) == "connect_failed");
  BOOST_TEST(toString(SmtpOutcome::TlsFailed) == "tls_failed");
  BOOST_TEST(toString(SmtpOutcome::ProtocolError) == "protocol_error");
  BOOST_TEST(toString(SmtpOutcome::Error) == "error");
  BOOST_TEST(toString(SmtpStage::Connect) == "connect");
  BOOST_TEST(toString(SmtpStage::Banner) == "banner");
  BOOST_TEST(toString(SmtpStage::Ehlo) == "ehlo");
  BOOST_TEST(toString(SmtpStage::StartTls) == "starttls");
  BOOST_TEST(toString(SmtpStage::TlsHandshake) == "tls_handshake");
  BOOST_TEST(toString(SmtpStage::EhloAfterTls) == "ehlo_after_tls");
  BOOST_TEST(toString(SmtpStage::MailFrom) == "mail_from");
  BOOST_TEST(toString(SmtpStage::RcptTo) == "rcpt_to");
  BOOST_TEST(toString(SmtpStage::Done) == "done");
  BOOST_TEST(toString(ReachOutcome::Open) == "open");
  BOOST_TEST(toString(ReachOutcome::Refused) == "refused");
  BOOST_TEST(toString(ReachOutcome::Timeout) == "timeout");
  BOOST_TEST(toString(ReachOutcome::Error) == "error");
}

// ---------------------------------------------------------------- against OpenSMTPD

// Debian 12's OpenSMTPD 6.8.0p2 cannot complete a TLS handshake with OpenSSL 3: its
// privilege-separated key engine fails the server's signature ("EVP lib" in its log,
// alert 80 to the client), with ECDSA and RSA keys, TLS 1.2 and 1.3 alike (upstream
// OpenSMTPD issues #1171 and #1239, fixed in 7.x). So against the real server this test
// pins what a probe sees of such a broken server: STARTTLS offered and accepted, the
// certificate presented (and judged), then TlsFailed. The successful STARTTLS dialogue
// is checked against the fake server, which runs a real OpenSSL server
// (starttls_handshake_then_ehlo_again). Should a fixed package arrive, this test fails
// on purpose: then assert Completed here.
BOOST_AUTO_TEST_CASE(opensmtpd_starttls_handshake_fails_on_debian_12, *utf::precondition(openSmtpdRuns)) {
  test::SmtpdListener mx;
  mx.address = "127.0.93.80";
  mx.hostname = kMxName;
  mx.tls = identity({kMxName});
  mx.accept_domains = {"shop.test"};
  mx.tag = "NEW";
  test::OpenSmtpdOptions o;
  o.listeners = {mx};
  auto smtpd = test::startOpenSmtpd(o);
  SmtpProber prober(loop.get(), options());

  const SmtpResult r = askOne(prober, request(smtpd->endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::TlsFailed);
  BOOST_TEST(r.stage == SmtpStage::TlsHandshake);
  BOOST_TEST(r.error == "TLS handshake failed: tlsv1 alert internal error");
  BOOST_TEST(r.banner.code == 220);
  BOOST_TEST(r.banner.text.rfind(kMxName + " ESMTP", 0) == 0u, r.banner.text);
  BOOST_TEST(r.ehlo.code == 250);
  BOOST_TEST(r.starttls_offered);
  BOOST_TEST(r.starttls.code == 220);
  BOOST_TEST(!r.tls);
  BOOST_TEST(r.tls_version.empty());
  BOOST_TEST(r.rcpt.code == 0);
  // The certificate came before the failing signature: judged all the same.
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(r.cert->chain_ok);
  BOOST_TEST(r.cert->chain_error.empty());
  BOOST_TEST(r.cert->name_matches);
  BOOST_TEST(r.cert->names == std::vector<std::string>{kMxName}, boost::test_tools::per_element());
  BOOST_TEST(r.cert->issuer == ca.subjectOneLine());

  const SmtpResult wrong = askOne(prober, request(smtpd->endpoint(), "mx.other.test"));
  BOOST_TEST(wrong.outcome == SmtpOutcome::TlsFailed);
  BOOST_REQUIRE(wrong.cert.has_value());
  BOOST_TEST(wrong.cert->chain_ok);
  BOOST_TEST(!wrong.cert->name_matches);

  SmtpProberOptions system_roots = options();
  system_roots.ca_file.reset();
  SmtpProber system_prober(loop.get(), system_roots);
  const SmtpResult sys = askOne(system_prober, request(smtpd->endpoint()));
  BOOST_TEST(sys.outcome == SmtpOutcome::TlsFailed);
  BOOST_REQUIRE(sys.cert.has_value());
  BOOST_TEST(!sys.cert->chain_ok);
  BOOST_TEST(sys.cert->chain_error == "unable to get local issuer certificate");

  // Without STARTTLS the same listener takes the recipient.
  SmtpRequest plain = request(smtpd->endpoint());
  plain.starttls = false;
  const SmtpResult p = askOne(prober, plain);
  BOOST_TEST(p.outcome == SmtpOutcome::Completed);
  BOOST_TEST(p.stage == SmtpStage::Done);
  BOOST_TEST(p.starttls_offered);
  BOOST_TEST(!p.tls);
  BOOST_TEST(p.rcpt.code == 250);
  BOOST_TEST(p.rcpt.text == "2.1.5 Destination address valid: Recipient ok");

  Commands expected;
  for (int i = 0; i < 3; ++i) {
    expected.push_back("EHLO " + kHelo);
    expected.push_back("STARTTLS");
  }
  expected.insert(expected.end(), kPlainDialogue.begin(), kPlainDialogue.end());
  BOOST_TEST(smtpd->commands("NEW") == expected, boost::test_tools::per_element());
  BOOST_TEST(noData(smtpd->commands()));
  const std::string log = smtpd->logTail(200);
  BOOST_TEST(log.find("EVP lib") != std::string::npos,
             "the known OpenSMTPD/OpenSSL 3 failure, not another one");
}

BOOST_AUTO_TEST_CASE(opensmtpd_plain_listener_and_a_rejected_recipient, *utf::precondition(openSmtpdRuns)) {
  // One server, two listeners, as during a move: the new address takes mail for the
  // domain, the old one no longer does.
  test::OpenSmtpdOptions o;
  test::SmtpdListener new_mx;
  new_mx.address = "127.0.93.80";
  new_mx.hostname = kMxName;
  new_mx.accept_domains = {"shop.test"};
  new_mx.tag = "NEW";
  test::SmtpdListener old_mx;
  old_mx.address = "127.0.93.10";
  old_mx.hostname = "mx.old.test";
  old_mx.accept_domains = {"other.test"};
  old_mx.tag = "OLD";
  o.listeners = {new_mx, old_mx};
  auto smtpd = test::startOpenSmtpd(o);
  SmtpProber prober(loop.get(), options());

  const SmtpResult accepted = askOne(prober, request(smtpd->endpoint(0)));
  BOOST_TEST(accepted.outcome == SmtpOutcome::Completed);
  BOOST_TEST(accepted.stage == SmtpStage::Done);
  BOOST_TEST(!accepted.starttls_offered);
  BOOST_TEST(accepted.starttls.code == 0);
  BOOST_TEST(!accepted.tls);
  BOOST_TEST(accepted.tls_version.empty());
  BOOST_TEST(!accepted.cert.has_value());
  BOOST_TEST(accepted.rcpt.code == 250);

  const SmtpResult rejected = askOne(prober, request(smtpd->endpoint(1)));
  BOOST_TEST(rejected.outcome == SmtpOutcome::Completed);
  BOOST_TEST(rejected.error.empty());
  BOOST_TEST(rejected.stage == SmtpStage::Done);
  BOOST_TEST(rejected.mail_from.code == 250);
  BOOST_TEST(rejected.rcpt.code == 550);
  BOOST_TEST(rejected.rcpt.text == "Invalid recipient: <" + kRecipient + ">");

  BOOST_TEST(smtpd->commands("NEW") == kPlainDialogue, boost::test_tools::per_element());
  BOOST_TEST(smtpd->commands("OLD") == kPlainRefusedDialogue, boost::test_tools::per_element());
  BOOST_TEST(noData(smtpd->commands()));
}

// ---------------------------------------------------------------- against the fake

BOOST_AUTO_TEST_CASE(plain_dialogue_when_starttls_is_not_offered) {
  FakeSmtpServer fake(fakeWith({}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.banner.code == 220);
  BOOST_TEST(r.banner.text == "fake.test ESMTP");
  BOOST_TEST(r.ehlo.code == 250);
  BOOST_TEST(r.ehlo.text == "fake.test greets you");
  BOOST_TEST(!r.starttls_offered);
  BOOST_TEST(!r.tls);
  BOOST_TEST(r.mail_from.code == 250);
  BOOST_TEST(r.rcpt.code == 250);
  BOOST_TEST(r.rcpt.text == "2.1.5 Ok");
  BOOST_TEST(fake.commands() == kPlainDialogue, boost::test_tools::per_element());
  BOOST_TEST(prober.counters().exchanges_started == 1u);
  BOOST_TEST(prober.counters().exchanges_finished == 1u);
}

BOOST_AUTO_TEST_CASE(starttls_handshake_then_ehlo_again) {
  FakeSmtpOptions o = fakeWith({}, /*offer_starttls=*/true);
  o.tls = identity({kMxName});
  FakeSmtpServer fake(o);
  SmtpProber prober(loop.get(), options());

  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.starttls_offered);
  BOOST_TEST(r.starttls.code == 220);
  BOOST_TEST(r.tls);
  BOOST_TEST(!r.tls_version.empty());
  BOOST_REQUIRE(r.cert.has_value());
  BOOST_TEST(r.cert->chain_ok);
  BOOST_TEST(r.cert->name_matches);
  BOOST_TEST(r.rcpt.code == 250);
  BOOST_TEST(r.tls_version == "TLSv1.3");
  BOOST_TEST(r.cert->chain_error.empty());
  BOOST_TEST(r.cert->names == std::vector<std::string>{kMxName}, boost::test_tools::per_element());
  BOOST_TEST(r.cert->issuer == ca.subjectOneLine());
  BOOST_TEST(r.elapsed < 5000ms);
  BOOST_TEST(fake.handshakes() == 1u);
  BOOST_TEST(fake.commands() == kTlsDialogue, boost::test_tools::per_element());

  // The certificate is judged, never a reason to stop: a wrong name still gets the RCPT reply.
  const SmtpResult wrong = askOne(prober, request(fake.endpoint(), "mx.other.test"));
  BOOST_TEST(wrong.outcome == SmtpOutcome::Completed);
  BOOST_TEST(wrong.tls);
  BOOST_TEST(wrong.rcpt.code == 250);
  BOOST_REQUIRE(wrong.cert.has_value());
  BOOST_TEST(wrong.cert->chain_ok);
  BOOST_TEST(!wrong.cert->name_matches);

  // The system roots do not know the test CA: chain_ok false, exchange complete.
  SmtpProberOptions system_roots = options();
  system_roots.ca_file.reset();
  SmtpProber system_prober(loop.get(), system_roots);
  const SmtpResult sys = askOne(system_prober, request(fake.endpoint()));
  BOOST_TEST(sys.outcome == SmtpOutcome::Completed);
  BOOST_TEST(sys.stage == SmtpStage::Done);
  BOOST_TEST(sys.tls);
  BOOST_TEST(sys.rcpt.code == 250);
  BOOST_REQUIRE(sys.cert.has_value());
  BOOST_TEST(!sys.cert->chain_ok);
  BOOST_TEST(sys.cert->chain_error == "unable to get local issuer certificate");
  BOOST_TEST(sys.cert->name_matches);
  BOOST_TEST(fake.handshakes() == 3u);
  Commands three;
  for (int i = 0; i < 3; ++i) three.insert(three.end(), kTlsDialogue.begin(), kTlsDialogue.end());
  BOOST_TEST(fake.commands() == three, boost::test_tools::per_element());

  // starttls = false: offered, not used.
  FakeSmtpServer fake2(o);
  SmtpRequest plain = request(fake2.endpoint());
  plain.starttls = false;
  const SmtpResult p = askOne(prober, plain);
  BOOST_TEST(p.outcome == SmtpOutcome::Completed);
  BOOST_TEST(p.starttls_offered);
  BOOST_TEST(p.starttls.code == 0);
  BOOST_TEST(!p.tls);
  BOOST_TEST(!p.cert.has_value());
  BOOST_TEST(fake2.handshakes() == 0u);
  BOOST_TEST(fake2.commands() == kPlainDialogue, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(banner_554_is_a_refusal_answered_with_quit_only) {
  FakeSmtpOptions o = fakeWith({});
  o.greeting = "554 5.7.1 no mail from you\r\n";
  FakeSmtpServer fake(o);
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.error.empty());
  BOOST_TEST(r.stage == SmtpStage::Banner);
  BOOST_TEST(r.banner.code == 554);
  BOOST_TEST(r.banner.text == "5.7.1 no mail from you");
  BOOST_TEST(r.ehlo.code == 0);
  BOOST_TEST(r.rcpt.code == 0);
  // RFC 5321 3.1: a server that greets with 554 waits for QUIT; nothing else is sent.
  BOOST_TEST(fake.commands() == Commands{"QUIT"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(banner_421_ends_without_a_command) {
  FakeSmtpOptions o = fakeWith({});
  o.greeting = "421 4.3.2 too busy, try later\r\n";
  FakeSmtpServer fake(o);
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Banner);
  BOOST_TEST(r.banner.code == 421);
  BOOST_TEST(r.ehlo.code == 0);
  BOOST_REQUIRE(test::pollUntil(5s, [&] { return fake.closedByClient() == 1; }));
  BOOST_TEST(fake.commands().empty());
}

BOOST_AUTO_TEST_CASE(greylisting_4xx_at_rcpt_completes) {
  FakeSmtpServer fake(fakeWith({{"RCPT", SmtpStep::say("450 4.7.1 <" + kRecipient + ">: greylisted\r\n")}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.rcpt.code == 450);
  BOOST_TEST(r.rcpt.text == "4.7.1 <" + kRecipient + ">: greylisted");
  BOOST_TEST(fake.commands() == kPlainRefusedDialogue, boost::test_tools::per_element());
}

// A reply sent ahead of its command (two replies to MAIL in one write) must not be taken
// as the RCPT reply: that would read a 250 for a recipient the server refuses.
BOOST_AUTO_TEST_CASE(a_reply_ahead_of_its_command_is_a_protocol_error_not_an_acceptance) {
  FakeSmtpServer fake(fakeWith({{"MAIL", SmtpStep::say("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n")},
                                {"RCPT", SmtpStep::say("550 5.1.1 <" + kRecipient + ">: unknown\r\n")}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::ProtocolError);
  BOOST_TEST(r.error.find("ahead of the command") != std::string::npos, r.error);
  BOOST_TEST(r.rcpt.code == 0);
  // The same for a success code RFC 5321 does not give to RCPT (252 "cannot verify").
  FakeSmtpServer odd(fakeWith({{"RCPT", SmtpStep::say("252 2.1.5 cannot VRFY, will try\r\n")}}));
  const SmtpResult o = askOne(prober, request(odd.endpoint()));
  BOOST_TEST(o.outcome == SmtpOutcome::ProtocolError);
  BOOST_TEST(o.error.find("unexpected reply 252 to RCPT TO") != std::string::npos, o.error);
}

// A server that accepts a recipient of a domain nobody serves relays for us: the relay
// check records it (the verdict then does not count the acceptance).
BOOST_AUTO_TEST_CASE(a_server_that_relays_for_us_is_recorded_by_the_relay_check) {
  FakeSmtpServer relaying(fakeWith({{"RCPT", SmtpStep::say("250 2.1.5 Ok\r\n")}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(relaying.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.rcpt.code == 250);
  BOOST_TEST(r.relay_rcpt.code == 250);
  BOOST_TEST(relaying.commands() == kPlainDialogue, boost::test_tools::per_element());
  // The standard fake is no relay; and the check can be turned off.
  FakeSmtpServer fake(fakeWith({}));
  const SmtpResult n = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(n.relay_rcpt.code == 554);
  BOOST_TEST(n.relay_rcpt.text == "5.7.1 Relay access denied");
  SmtpRequest no_check = request(fake.endpoint());
  no_check.relay_check_recipient.clear();
  const SmtpResult o = askOne(prober, no_check);
  BOOST_TEST(o.relay_rcpt.code == 0);
  BOOST_TEST(o.rcpt.code == 250);
}

BOOST_AUTO_TEST_CASE(refusal_at_mail_from_ends_with_quit) {
  FakeSmtpServer fake(fakeWith({{"MAIL", SmtpStep::say("553 5.1.8 null sender refused\r\n")}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::MailFrom);
  BOOST_TEST(r.mail_from.code == 553);
  BOOST_TEST(r.rcpt.code == 0);
  BOOST_TEST(fake.commands() == (Commands{"EHLO " + kHelo, "MAIL FROM:<>", "QUIT"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(multi_line_replies_and_a_bare_final_code) {
  const std::string long_text(300, 'a');
  FakeSmtpServer fake(fakeWith({
      // a last line that is only the code (RFC 5321 4.2: "ddd" alone is allowed)
      {"EHLO", SmtpStep::say("250-fake.test hello\r\n250-SIZE 1000\r\n250\r\n")},
      // a bare LF, a control character and text over 200 bytes
      {"MAIL", SmtpStep::say("250 2.1.0 ok\x01" + long_text + "\n")},
      {"RCPT", SmtpStep::say("550-5.1.1 first line\r\n550-5.1.1 second line\r\n550 5.1.1 third line\r\n")},
  }));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.ehlo.code == 250);
  BOOST_TEST(r.ehlo.text == "fake.test hello");
  BOOST_TEST(r.mail_from.code == 250);
  BOOST_TEST(r.mail_from.text.size() == 200u);
  BOOST_TEST(r.mail_from.text.rfind("2.1.0 ok?aaa", 0) == 0u, r.mail_from.text);
  BOOST_TEST(r.rcpt.code == 550);
  BOOST_TEST(r.rcpt.text == "5.1.1 first line");
  BOOST_TEST(fake.commands() == kPlainRefusedDialogue, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reply_size_limits) {
  SmtpProber prober(loop.get(), options());
  auto lines = [](std::size_t n) {
    std::string s;
    for (std::size_t i = 1; i < n; ++i) s += "250-line " + std::to_string(i) + "\r\n";
    return s + "250 last\r\n";
  };
  const std::string at_limit = "250 " + std::string(2048 - 4, 'x') + "\r\n";  // 2,048 bytes + CRLF
  const std::string over_limit = "250 " + std::string(2048 - 3, 'x') + "\r\n";
  const std::string huge = "250-" + std::string(100000, 'x') + "\r\n250 ok\r\n";

  struct Case {
    std::string ehlo_reply;
    SmtpOutcome outcome;
    std::string error;
  };
  const std::vector<Case> cases = {
      {at_limit, SmtpOutcome::Completed, ""},
      {lines(100), SmtpOutcome::Completed, ""},
      {over_limit, SmtpOutcome::ProtocolError, "reply line longer than 2048 bytes"},
      {huge, SmtpOutcome::ProtocolError, "reply line longer than 2048 bytes"},
      {lines(101), SmtpOutcome::ProtocolError, "reply of more than 100 lines"},
  };
  for (const auto& c : cases) {
    FakeSmtpServer fake(fakeWith({{"EHLO", SmtpStep::say(c.ehlo_reply)}}));
    const SmtpResult r = askOne(prober, request(fake.endpoint()));
    BOOST_TEST(r.outcome == c.outcome);
    BOOST_TEST(r.error == c.error);
    if (c.outcome == SmtpOutcome::ProtocolError) {
      BOOST_TEST(r.stage == SmtpStage::Ehlo);
      BOOST_TEST(r.ehlo.code == 0);
      BOOST_TEST(fake.commands() == Commands{"EHLO " + kHelo}, boost::test_tools::per_element());
    } else {
      BOOST_TEST(fake.commands() == kPlainDialogue, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_replies_are_protocol_errors) {
  SmtpProber prober(loop.get(), options());
  struct Case {
    std::string greeting;
    std::string error_start;
  };
  const std::vector<Case> cases = {
      {"hello there\r\n", "malformed reply line"},
      {"22 short\r\n", "malformed reply line"},
      {"620 no such class\r\n", "malformed reply line"},
      {"220_ready\r\n", "malformed reply line"},
      {"220-fake.test\r\n221 mixed\r\n", "reply lines with different codes"},
      {"354 not a greeting\r\n", "unexpected reply 354"},
  };
  for (const auto& c : cases) {
    FakeSmtpOptions o = fakeWith({});
    o.greeting = c.greeting;
    FakeSmtpServer fake(o);
    const SmtpResult r = askOne(prober, request(fake.endpoint()));
    BOOST_TEST(r.outcome == SmtpOutcome::ProtocolError);
    BOOST_TEST(r.stage == SmtpStage::Banner);
    BOOST_TEST(r.error.rfind(c.error_start, 0) == 0u, c.greeting << " -> " << r.error);
    BOOST_REQUIRE(test::pollUntil(5s, [&] { return fake.closedByClient() == 1; }));
    BOOST_TEST(fake.commands().empty());
  }
}

BOOST_AUTO_TEST_CASE(server_closing_mid_dialogue_is_a_protocol_error) {
  FakeSmtpServer fake(fakeWith({{"MAIL", SmtpStep::say("", Then::Close)}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::ProtocolError);
  BOOST_TEST(r.stage == SmtpStage::MailFrom);
  BOOST_TEST(r.error == "the server closed the connection (at mail_from)");
  BOOST_TEST(r.ehlo.code == 250);
  BOOST_TEST(r.mail_from.code == 0);
  BOOST_TEST(fake.commands() == (Commands{"EHLO " + kHelo, "MAIL FROM:<>"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(closing_after_the_rcpt_reply_still_completes) {
  // The answer is in: a server that hangs up on RSET does not change it.
  FakeSmtpServer fake(fakeWith({{"RSET", SmtpStep::say("", Then::Close)}}));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.rcpt.code == 250);
  BOOST_TEST(fake.commands().back() == "RSET");
}

BOOST_AUTO_TEST_CASE(bytes_after_the_starttls_220_are_an_injection) {
  // RFC 3207 5: the "250 injected" would otherwise be read as if it came inside TLS.
  FakeSmtpServer fake(
      fakeWith({{"STARTTLS", SmtpStep::say("220 2.0.0 Ready for TLS\r\n250 injected\r\n")}}, true));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::ProtocolError);
  BOOST_TEST(r.stage == SmtpStage::StartTls);
  BOOST_TEST(r.error == "bytes after the STARTTLS 220 reply, ahead of the TLS handshake");
  BOOST_TEST(r.starttls.code == 220);
  BOOST_TEST(!r.tls);
  BOOST_REQUIRE(test::pollUntil(5s, [&] { return fake.closedByClient() == 1; }));
  BOOST_TEST(fake.commands() == (Commands{"EHLO " + kHelo, "STARTTLS"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(plaintext_instead_of_a_handshake_is_tls_failed) {
  SmtpStep garbage = SmtpStep::say("220 2.0.0 go ahead\r\n", Then::Garbage);
  garbage.garbage = "this is not TLS at all\r\n";
  FakeSmtpServer fake(fakeWith({{"STARTTLS", garbage}}, true));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::TlsFailed);
  BOOST_TEST(r.stage == SmtpStage::TlsHandshake);
  BOOST_TEST(r.error.rfind("TLS handshake failed: ", 0) == 0u, r.error);
  BOOST_TEST(r.starttls.code == 220);
  BOOST_TEST(!r.tls);
  BOOST_TEST(!r.cert.has_value());
  BOOST_TEST(fake.droppedBytes() > 0u);  // our ClientHello went out
  BOOST_TEST(fake.commands() == (Commands{"EHLO " + kHelo, "STARTTLS"}), boost::test_tools::per_element());

  // A server that closes instead of answering the ClientHello.
  FakeSmtpServer closer(fakeWith({{"STARTTLS", SmtpStep::say("220 2.0.0 go ahead\r\n", Then::Close)}}, true));
  const SmtpResult c = askOne(prober, request(closer.endpoint()));
  BOOST_TEST(c.outcome == SmtpOutcome::TlsFailed);
  BOOST_TEST(c.stage == SmtpStage::TlsHandshake);
  // EOF, or a reset when our ClientHello met the closed socket first.
  BOOST_TEST(c.error.find(" during the TLS handshake") != std::string::npos, c.error);
}

BOOST_AUTO_TEST_CASE(starttls_refused_goes_on_in_plain_text) {
  FakeSmtpServer fake(
      fakeWith({{"STARTTLS", SmtpStep::say("454 4.7.0 TLS not available due to local problem\r\n")}}, true));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  BOOST_TEST(r.outcome == SmtpOutcome::Completed);
  BOOST_TEST(r.stage == SmtpStage::Done);
  BOOST_TEST(r.starttls_offered);
  BOOST_TEST(r.starttls.code == 454);
  BOOST_TEST(!r.tls);
  BOOST_TEST(!r.cert.has_value());
  BOOST_TEST(r.rcpt.code == 250);
  BOOST_TEST(fake.commands() == (Commands{"EHLO " + kHelo, "STARTTLS", "MAIL FROM:<>",
                                          "RCPT TO:<" + kRecipient + ">", kRelayRcpt, "RSET", "QUIT"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(server_that_never_speaks_times_out) {
  FakeSmtpOptions o = fakeWith({});
  o.greeting.clear();
  FakeSmtpServer fake(o);
  SmtpProberOptions opts = options();
  opts.timeout = 300ms;
  SmtpProber prober(loop.get(), opts);
  const auto t0 = std::chrono::steady_clock::now();
  const SmtpResult r = askOne(prober, request(fake.endpoint()));
  const auto waited = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(r.outcome == SmtpOutcome::Timeout);
  BOOST_TEST(r.stage == SmtpStage::Banner);
  BOOST_TEST(r.error == "no answer within 300ms (at banner)");
  BOOST_TEST(r.elapsed >= 300ms);
  BOOST_TEST(r.elapsed < 1500ms);
  BOOST_TEST((waited >= 300ms && waited < 1500ms));
  BOOST_TEST(fake.connections() == 1u);
  BOOST_TEST(fake.commands().empty());
}

BOOST_AUTO_TEST_CASE(closed_port_is_connect_failed) {
  const auto port = test::freeUdpTcpPort(kFakeAddr);
  const Endpoint ep = *Endpoint::parse(kFakeAddr + ":" + std::to_string(port));
  SmtpProber prober(loop.get(), options());
  const SmtpResult r = askOne(prober, request(ep));
  BOOST_TEST(r.outcome == SmtpOutcome::ConnectFailed);
  BOOST_TEST(r.stage == SmtpStage::Connect);
  BOOST_TEST(r.error == "connection refused");
  BOOST_TEST(r.banner.code == 0);
  BOOST_TEST(r.elapsed < 2000ms);
}

BOOST_AUTO_TEST_CASE(reach_open_and_refused) {
  FakeSmtpServer fake(fakeWith({}));
  const auto port = test::freeUdpTcpPort(kFakeAddr);
  const Endpoint closed = *Endpoint::parse(kFakeAddr + ":" + std::to_string(port));
  SmtpProber prober(loop.get(), options());

  const ReachResult open = reachOne(prober, fake.endpoint());
  BOOST_TEST(open.outcome == ReachOutcome::Open);
  BOOST_TEST(open.error.empty());
  BOOST_TEST(open.elapsed < 2000ms);
  const ReachResult refused = reachOne(prober, closed);
  BOOST_TEST(refused.outcome == ReachOutcome::Refused);
  BOOST_TEST(refused.error == "connection refused");
  BOOST_TEST(prober.counters().reaches_started == 2u);
  BOOST_TEST(prober.counters().reaches_finished == 2u);
  BOOST_TEST(prober.inFlight() == 0u);
  // Connect only: nothing was sent.
  BOOST_REQUIRE(test::pollUntil(5s, [&] { return fake.closedByClient() == 1; }));
  BOOST_TEST(fake.commands().empty());
}

BOOST_AUTO_TEST_CASE(reach_timeout, *utf::precondition(synDropsWork)) {
  const test::SynDroppingListener blackhole(kFakeAddr);
  SmtpProberOptions o = options();
  o.reach_timeout = 300ms;
  SmtpProber prober(loop.get(), o);
  const auto t0 = std::chrono::steady_clock::now();
  const ReachResult r = reachOne(prober, blackhole.endpoint());
  const auto waited = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(r.outcome == ReachOutcome::Timeout);
  BOOST_TEST(r.error == "no connection within 300ms");
  BOOST_TEST(r.elapsed >= 300ms);
  BOOST_TEST((waited >= 300ms && waited < 1500ms));
}

BOOST_AUTO_TEST_CASE(invalid_requests_end_with_error_later) {
  FakeSmtpServer fake(fakeWith({}));
  SmtpProber prober(loop.get(), options());
  std::vector<SmtpRequest> bad;
  auto with = [&](auto change) {
    SmtpRequest r = request(fake.endpoint());
    change(r);
    bad.push_back(r);
  };
  with([](SmtpRequest& r) { r.helo_name = "bad name"; });
  with([](SmtpRequest& r) { r.helo_name.clear(); });
  with([](SmtpRequest& r) { r.helo_name = "monitor.test\r\nDATA"; });
  with([](SmtpRequest& r) { r.recipient = "postmaster"; });
  with([](SmtpRequest& r) { r.recipient = "<postmaster@shop.test>"; });
  with([](SmtpRequest& r) { r.recipient = "post master@shop.test"; });
  with([](SmtpRequest& r) { r.recipient = "postmaster@shop.test>\r\nDATA"; });
  with([](SmtpRequest& r) { r.recipient = "@shop.test"; });
  with([](SmtpRequest& r) { r.tls_name = "mx new.test"; });
  with([](SmtpRequest& r) { r.tls_name.clear(); });  // STARTTLS wanted, no name to check
  std::vector<SmtpResult> results;
  for (const auto& rq : bad) prober.ask(rq, [&](const SmtpResult& r) { results.push_back(r); });
  BOOST_TEST(results.empty());
  BOOST_TEST(prober.inFlight() == bad.size());
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return results.size() == bad.size(); }, 5s));
  for (const auto& r : results) {
    BOOST_TEST(r.outcome == SmtpOutcome::Error);
    BOOST_TEST(r.error.rfind("invalid ", 0) == 0u, r.error);
    BOOST_TEST(r.stage == SmtpStage::Connect);
  }
  BOOST_TEST(prober.inFlight() == 0u);
  BOOST_TEST(fake.connections() == 0u);

  // No tls_name is fine when TLS is never tried.
  SmtpRequest no_tls = request(fake.endpoint(), "");
  no_tls.starttls = false;
  BOOST_TEST(askOne(prober, no_tls).outcome == SmtpOutcome::Completed);
}

BOOST_AUTO_TEST_CASE(cancel_all_calls_every_callback_once) {
  FakeSmtpOptions silent_opts = fakeWith({});
  silent_opts.greeting.clear();
  FakeSmtpServer silent(silent_opts);
  FakeSmtpServer good(fakeWith({}));
  SmtpProberOptions o = options();
  o.timeout = 30s;
  o.reach_timeout = 30s;
  SmtpProber prober(loop.get(), o);

  std::vector<int> calls(4, 0);
  std::vector<std::string> errors(4);
  std::optional<SmtpResult> started_in_callback;
  for (int i = 0; i < 2; ++i) {
    prober.ask(request(silent.endpoint()), [&, i](const SmtpResult& r) {
      ++calls[i];
      errors[i] = r.outcome == SmtpOutcome::Error ? r.error : "not an error";
      if (i == 0) {  // an exchange started while cancelling is not cancelled
        prober.ask(request(good.endpoint()), [&](const SmtpResult& after) { started_in_callback = after; });
      }
    });
  }
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return silent.connections() == 1; }, 5s));
  SmtpRequest bad = request(silent.endpoint());
  bad.recipient = "nobody";  // fails to start: cancelled before its (deferred) delivery
  prober.ask(bad, [&](const SmtpResult& r) {
    ++calls[2];
    errors[2] = r.error;
  });
  prober.reach(silent.endpoint(), [&](const ReachResult& r) {
    ++calls[3];
    errors[3] = r.outcome == ReachOutcome::Error ? r.error : "not an error";
  });
  BOOST_TEST(prober.inFlight() == 4u);

  prober.cancelAll();
  BOOST_TEST(calls == std::vector<int>(4, 1), boost::test_tools::per_element());
  BOOST_TEST(errors == std::vector<std::string>(4, "cancelled"), boost::test_tools::per_element());
  BOOST_TEST(prober.inFlight() == 1u);  // the one started from a callback
  BOOST_TEST(prober.counters().exchanges_finished == 3u);
  BOOST_TEST(prober.counters().reaches_finished == 1u);
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return started_in_callback.has_value(); }, 10s));
  BOOST_TEST(started_in_callback->outcome == SmtpOutcome::Completed);
  BOOST_TEST(started_in_callback->rcpt.code == 250);
  BOOST_TEST(calls == std::vector<int>(4, 1), boost::test_tools::per_element());
  BOOST_TEST(prober.inFlight() == 0u);
  BOOST_TEST(prober.counters().exchanges_started == 4u);
  BOOST_TEST(prober.counters().exchanges_finished == 4u);
}

BOOST_AUTO_TEST_CASE(destructor_abandons_exchanges_without_callbacks) {
  FakeSmtpOptions silent_opts = fakeWith({});
  silent_opts.greeting.clear();
  FakeSmtpServer silent(silent_opts);
  // A second server that leaves the exchange inside the TLS handshake: the SSL objects
  // must go too (the ASan build checks for leaks).
  SmtpStep stall = SmtpStep::say("220 2.0.0 go ahead\r\n", Then::Garbage);  // no garbage: silence
  FakeSmtpServer stalling(fakeWith({{"STARTTLS", stall}}, true));
  int calls = 0;
  {
    SmtpProberOptions o = options();
    o.timeout = 30s;
    SmtpProber prober(loop.get(), o);
    prober.ask(request(silent.endpoint()), [&](const SmtpResult&) { ++calls; });
    prober.ask(request(stalling.endpoint()), [&](const SmtpResult&) { ++calls; });
    prober.reach(silent.endpoint(), [&](const ReachResult&) { ++calls; });
    SmtpRequest bad = request(silent.endpoint());
    bad.helo_name = "";
    prober.ask(bad, [&](const SmtpResult&) { ++calls; });
    BOOST_REQUIRE(runUntil(
        loop.get(), [&] { return calls == 2 && silent.connections() >= 1 && stalling.droppedBytes() > 0; },
        5s));
    BOOST_TEST(prober.inFlight() == 2u);  // the reach and the invalid request are done (delivered)
    BOOST_TEST(calls == 2);
    calls = 0;
    prober.ask(request(silent.endpoint()), [&](const SmtpResult&) { ++calls; });
    prober.reach(silent.endpoint(), [&](const ReachResult&) { ++calls; });
  }
  // Every handle of the prober is closing: the loop runs dry (nothing active is left).
  uv_run(loop.get(), UV_RUN_DEFAULT);
  BOOST_TEST(calls == 0);
}

BOOST_AUTO_TEST_CASE(throwing_callback_is_counted) {
  FakeSmtpServer fake(fakeWith({}));
  SmtpProber prober(loop.get(), options());
  bool called = false;
  prober.ask(request(fake.endpoint()), [&](const SmtpResult&) {
    called = true;
    throw std::runtime_error("callback bug");
  });
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return called; }, 10s));
  BOOST_TEST(prober.counters().callback_errors == 1u);
  BOOST_TEST(prober.counters().exchanges_finished == 1u);
  bool reach_called = false;
  prober.reach(fake.endpoint(), [&](const ReachResult&) {
    reach_called = true;
    throw 42;  // not even a std::exception
  });
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return reach_called; }, 10s));
  BOOST_TEST(prober.counters().callback_errors == 2u);
  // The prober goes on.
  BOOST_TEST(askOne(prober, request(fake.endpoint())).outcome == SmtpOutcome::Completed);
}

BOOST_AUTO_TEST_CASE(prober_may_be_destroyed_from_a_callback) {
  FakeSmtpOptions silent_opts = fakeWith({});
  silent_opts.greeting.clear();
  FakeSmtpServer silent(silent_opts);
  FakeSmtpServer good(fakeWith({}));
  auto prober = std::make_unique<SmtpProber>(loop.get(), options());
  int silent_calls = 0;
  std::optional<int> rcpt;
  prober->ask(request(silent.endpoint()), [&](const SmtpResult&) { ++silent_calls; });
  prober->ask(request(good.endpoint()), [&](const SmtpResult& r) {
    rcpt = r.rcpt.code;
    prober.reset();
  });
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return rcpt.has_value(); }, 10s));
  BOOST_TEST(*rcpt == 250);
  BOOST_TEST(!prober);
  uv_run(loop.get(), UV_RUN_DEFAULT);
  BOOST_TEST(silent_calls == 0);
}

BOOST_AUTO_TEST_CASE(several_exchanges_at_once_on_one_prober) {
  FakeSmtpServer a(fakeWith({}));
  FakeSmtpServer b(fakeWith({{"RCPT", SmtpStep::say("550 5.1.1 no such user\r\n")}}));
  SmtpProber prober(loop.get(), options());
  std::map<std::string, SmtpResult> results;
  for (const auto* fake : {&a, &b}) {
    const Endpoint ep = fake->endpoint();
    prober.ask(request(ep), [&results, ep](const SmtpResult& r) { results[ep.toString()] = r; });
  }
  prober.reach(a.endpoint(), [&results](const ReachResult& r) {
    results["reach"].outcome = r.outcome == ReachOutcome::Open ? SmtpOutcome::Completed : SmtpOutcome::Error;
  });
  BOOST_TEST(prober.inFlight() == 3u);
  BOOST_REQUIRE(runUntil(loop.get(), [&] { return results.size() == 3; }, 10s));
  BOOST_TEST(results[a.endpoint().toString()].rcpt.code == 250);
  BOOST_TEST(results[b.endpoint().toString()].rcpt.code == 550);
  BOOST_TEST(results["reach"].outcome == SmtpOutcome::Completed);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace dnsprop
