// The per-migration series the alert rules and dashboards build on (docs/METRICS.md):
// blockers by reason, the switch and stop times (absent until known), and their removal
// when a round no longer sets them.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include <prometheus/text_serializer.h>

#include "http/monitor_metrics.h"

using namespace dnsprop;

namespace {

struct Fixture {
  prometheus::Registry registry;
  MonitorMetrics metrics{registry, "tokyo"};
  PropagationModel model;

  std::string render() { return prometheus::TextSerializer().Serialize(registry.Collect()); }
  void round(const MigrationSnapshot& ms) {
    metrics.beginRound();
    metrics.migration(ms, {}, model);
    metrics.endRound();
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

WallTime at(std::int64_t unix_seconds) { return WallTime(std::chrono::seconds(unix_seconds)); }

MigrationSnapshot snapshot() {
  MigrationSnapshot ms;
  ms.domain = "shop.example.jp.";
  ms.verdict.domain = ms.domain;
  ms.verdict.status = VerdictStatus::NotYet;
  return ms;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(monitor_metrics, Fixture)

BOOST_AUTO_TEST_CASE(blockers_are_counted_by_reason_and_every_reason_is_present) {
  auto ms = snapshot();
  Blocker b;
  b.reason = BlockReason::FlipFlop;
  ms.verdict.blockers = {b, b};
  b.reason = BlockReason::Unverified;
  ms.verdict.blockers.push_back(b);
  round(ms);
  const auto text = render();
  const std::string pre = "dnsprop_verdict_blockers{vantage=\"tokyo\",domain=\"shop.example.jp.\",reason=";
  BOOST_TEST(has(text, pre + "\"flip_flop\"} 2\n"), text);
  BOOST_TEST(has(text, pre + "\"unverified\"} 1\n"), text);
  BOOST_TEST(has(text, pre + "\"regression\"} 0\n"), text);
  BOOST_TEST(has(text, pre + "\"old\"} 0\n"), text);
  BOOST_TEST(has(text, pre + "\"hold\"} 0\n"), text);
}

BOOST_AUTO_TEST_CASE(switch_and_stop_times_exist_only_once_known) {
  auto ms = snapshot();
  round(ms);
  auto text = render();
  BOOST_TEST(!has(text, "dnsprop_switch_timestamp_seconds{"), text);
  BOOST_TEST(!has(text, "dnsprop_switch_seen_timestamp_seconds{"), text);
  BOOST_TEST(!has(text, "dnsprop_old_stop_timestamp_seconds{"), text);

  ms.record.switch_time = at(1795136400);
  ms.switch_seen = at(1795140000);
  ms.record.old_stop = at(1797692400);
  round(ms);
  text = render();
  const std::string labels = "{vantage=\"tokyo\",domain=\"shop.example.jp.\"} ";
  BOOST_TEST(has(text, "dnsprop_switch_timestamp_seconds" + labels + "1795136400\n"), text);
  BOOST_TEST(has(text, "dnsprop_switch_seen_timestamp_seconds" + labels + "1795140000\n"), text);
  BOOST_TEST(has(text, "dnsprop_old_stop_timestamp_seconds" + labels + "1797692400\n"), text);

  // A reload that drops stop_date removes its series instead of freezing it.
  ms.record.old_stop.reset();
  round(ms);
  text = render();
  BOOST_TEST(!has(text, "dnsprop_old_stop_timestamp_seconds{"), text);
  BOOST_TEST(has(text, "dnsprop_switch_seen_timestamp_seconds" + labels), text);
}

BOOST_AUTO_TEST_CASE(web_series_per_fetch_and_drift_per_must_match_path) {
  auto ms = snapshot();
  ms.verdict.evaluated = at(1800000000);
  WebFetch ok;
  ok.side = ServerSide::New;
  ok.address = "198.51.100.1";
  ok.host = "www.shop.example.jp";
  ok.path = "/canary.txt";
  ok.outcome = FetchOutcome::Response;
  ok.status = 200;
  ok.elapsed_seconds = 0.5;
  ok.body_sha256 = "v2";
  ok.cert_seen = ok.cert_chain_ok = ok.cert_name_matches = true;
  ok.cert_not_after = at(1800000000 + 86400 * 30);
  WebFetch old = ok;
  old.side = ServerSide::Old;
  old.address = "192.0.2.1";
  old.body_sha256 = "v1";
  old.cert_name_matches = false;  // served, but not for this host: not up
  WebFetch v6 = ok;
  v6.address = "2001:db8::1";
  v6.outcome = FetchOutcome::NoRoute;
  ms.record.web = WebChecks{{"/canary.txt"}, {ok, old, v6}};
  round(ms);
  const auto text = render();
  const std::string n =
      "{vantage=\"tokyo\",address=\"198.51.100.1\",domain=\"shop.example.jp.\",host=\"www.shop.example.jp\","
      "path=\"/canary.txt\",scheme=\"https\",side=\"new\"} ";
  BOOST_TEST(has(text, "dnsprop_web_up" + n + "1\n"), text);
  BOOST_TEST(has(text, "dnsprop_web_status_code" + n + "200\n"), text);
  BOOST_TEST(has(text, "dnsprop_web_response_seconds" + n + "0.5\n"), text);
  BOOST_TEST(has(text, "dnsprop_web_up{vantage=\"tokyo\",address=\"192.0.2.1\",domain=\"shop.example.jp.\","
                       "host=\"www.shop.example.jp\",path=\"/canary.txt\",scheme=\"https\",side=\"old\"} 0\n"),
             text);
  BOOST_TEST(has(text, "dnsprop_web_cert_expiry_timestamp_seconds{vantage=\"tokyo\",address=\"198.51.100.1\","
                       "domain=\"shop.example.jp.\",host=\"www.shop.example.jp\",side=\"new\"} 1802592000\n"),
             text);
  BOOST_TEST(has(text, "dnsprop_web_content_drift{vantage=\"tokyo\",domain=\"shop.example.jp.\","
                       "host=\"www.shop.example.jp\",path=\"/canary.txt\"} 1\n"),
             text);
  BOOST_TEST(!has(text, "2001:db8::1"), text);  // not fetched: no series, rather than a false "down"
}

BOOST_AUTO_TEST_CASE(mail_series_per_address_and_fetch_port) {
  auto ms = snapshot();
  ms.verdict.evaluated = at(1800000000);
  MailExchange ok;
  ok.side = ServerSide::New;
  ok.address = "198.51.100.25";
  ok.at = at(1799999990);
  ok.outcome = MailOutcome::Completed;
  ok.stage = "done";
  ok.banner_code = 220;
  ok.ehlo_code = 250;
  ok.starttls_offered = ok.tls = true;
  ok.mail_from_code = 250;
  ok.rcpt_code = 250;
  ok.elapsed_seconds = 0.25;
  ok.cert_seen = ok.cert_chain_ok = ok.cert_name_matches = true;
  ok.cert_not_after = at(1800000000 + 86400 * 30);
  MailExchange old = ok;  // the old one refuses the recipient
  old.side = ServerSide::Old;
  old.address = "192.0.2.25";
  old.rcpt_code = 550;
  old.tls = false;
  MailExchange v6 = ok;
  v6.address = "2001:db8::25";
  v6.outcome = MailOutcome::NoRoute;
  ms.record.mail = MailChecks{"postmaster@shop.example.jp", true, std::chrono::minutes(10), {ok, old, v6},
                              {{"192.0.2.25", 993, at(1799999990), "open", ""},
                               {"192.0.2.25", 995, at(1799999990), "refused", "connection refused"}}};
  round(ms);
  const auto text = render();
  const std::string n = "{vantage=\"tokyo\",address=\"198.51.100.25\",domain=\"shop.example.jp.\",side=\"new\"} ";
  const std::string o = "{vantage=\"tokyo\",address=\"192.0.2.25\",domain=\"shop.example.jp.\",side=\"old\"} ";
  BOOST_TEST(has(text, "dnsprop_mail_accepts" + n + "1\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_accepts" + o + "0\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_rcpt_code" + o + "550\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_starttls" + n + "1\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_starttls" + o + "0\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_response_seconds" + n + "0.25\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_checked_timestamp_seconds" + n + "1799999990\n"), text);
  BOOST_TEST(has(text, "dnsprop_mail_cert_expiry_timestamp_seconds" + n + "1802592000\n"), text);
  BOOST_TEST(!has(text, "dnsprop_mail_cert_expiry_timestamp_seconds" + o), text);  // no TLS: no certificate
  BOOST_TEST(has(text, "dnsprop_mail_fetch_port_up{vantage=\"tokyo\",address=\"192.0.2.25\",domain=\"shop.example.jp.\","
                       "port=\"993\"} 1\n"),
             text);
  BOOST_TEST(has(text, "dnsprop_mail_fetch_port_up{vantage=\"tokyo\",address=\"192.0.2.25\",domain=\"shop.example.jp.\","
                       "port=\"995\"} 0\n"),
             text);
  BOOST_TEST(!has(text, "2001:db8::25"), text);  // not asked: no series
  // A round without mail checks removes them.
  ms.record.mail.reset();
  round(ms);
  BOOST_TEST(!has(render(), "dnsprop_mail_accepts{"));
}

BOOST_AUTO_TEST_SUITE_END()
