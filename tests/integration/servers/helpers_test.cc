// Tests of the small helpers in tests/support: temp dirs, polling, ports, reply building.
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/dns_client.h"
#include "support/net_util.h"
#include "support/ports.h"
#include "support/scripted_responder.h"
#include "support/temp_dir.h"
#include "support/unique_fd.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(support_helpers)

BOOST_AUTO_TEST_CASE(temp_dir_is_created_and_removed) {
  std::filesystem::path where;
  {
    TempDir dir("dnsprop-helpers");
    where = dir.path();
    BOOST_TEST(std::filesystem::is_directory(where));
    const auto file = dir.writeFile("sub/a.txt", "hello");
    BOOST_TEST(std::filesystem::is_regular_file(file));
    BOOST_TEST(dir.readFile("sub/a.txt") == "hello");
  }
  BOOST_TEST(!std::filesystem::exists(where));
}

BOOST_AUTO_TEST_CASE(temp_dir_kept_when_asked) {
  std::filesystem::path where;
  ::setenv("DNSPROP_KEEP_TEMP", "1", 1);
  {
    TempDir dir("dnsprop-helpers-keep");
    where = dir.path();
  }
  ::unsetenv("DNSPROP_KEEP_TEMP");
  BOOST_TEST(std::filesystem::is_directory(where));
  std::filesystem::remove_all(where);
}

BOOST_AUTO_TEST_CASE(poll_until_sees_success_and_respects_deadline) {
  int calls = 0;
  BOOST_TEST(pollUntil(1s, [&] { return ++calls == 3; }, 1ms));
  BOOST_TEST(calls == 3);

  const auto start = std::chrono::steady_clock::now();
  BOOST_TEST(!pollUntil(100ms, [] { return false; }, 10ms));
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST(took >= 100ms);
  BOOST_TEST(took < 2s);
}

BOOST_AUTO_TEST_CASE(free_port_is_bindable_for_udp_and_tcp) {
  const auto port = freeUdpTcpPort("127.0.0.1");
  BOOST_TEST(port >= 1024);
  UniqueFd udp(bindSocket("127.0.0.1", port, SOCK_DGRAM));
  UniqueFd tcp(bindSocket("127.0.0.1", port, SOCK_STREAM));
  BOOST_TEST(udp.valid());
  BOOST_TEST(tcp.valid());
  BOOST_CHECK_THROW(freeUdpTcpPort("192.0.2.1"), std::invalid_argument);
  BOOST_CHECK_THROW(freeUdpTcpPort("localhost"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(make_reply_carries_flags_records_and_edns) {
  const auto query = makeQuery("WWW.Test.", kTypeA, true);
  ReplyOptions opts;
  opts.aa = true;
  opts.ra = false;
  opts.tc = true;
  opts.authority = {"test. 60 IN NS ns.test."};
  opts.ede_code = 3;
  opts.ede_text = "stale";
  opts.nsid = "node-7";
  const auto wire = makeReply(query, kRcodeNoError, {"www.test. 300 IN A 192.0.2.1"}, opts);
  const auto reply = parseReply(wire);
  BOOST_REQUIRE(reply);
  BOOST_TEST(reply->id == static_cast<std::uint16_t>(query[0] << 8 | query[1]));
  BOOST_TEST(reply->qr);
  BOOST_TEST(reply->aa);
  BOOST_TEST(!reply->ra);
  BOOST_TEST(reply->tc);
  BOOST_TEST(reply->rd);
  BOOST_TEST(reply->qname == "www.test.");
  BOOST_TEST(reply->answerRdata(kTypeA) == std::vector<std::string>{"192.0.2.1"});
  BOOST_TEST(reply->answer.at(0).text == "www.test. 300 IN A 192.0.2.1");
  BOOST_REQUIRE_EQUAL(reply->authority.size(), 1u);
  BOOST_TEST(reply->authority[0].rdata == "ns.test.");
  const auto ede = reply->ednsOption(15);
  BOOST_REQUIRE(ede);
  BOOST_TEST(*ede == (Bytes{0, 3, 's', 't', 'a', 'l', 'e'}));
  const auto nsid = reply->ednsOption(3);
  BOOST_REQUIRE(nsid);
  BOOST_TEST(std::string(nsid->begin(), nsid->end()) == "node-7");
}

BOOST_AUTO_TEST_CASE(make_reply_plain_and_extended_rcodes) {
  const auto query = makeQuery("x.test.", kTypeAAAA, false);
  const auto nx = parseReply(makeReply(query, kRcodeNxDomain));
  BOOST_REQUIRE(nx);
  BOOST_TEST(nx->rcode == kRcodeNxDomain);
  BOOST_TEST(!nx->has_edns);  // the query had none and nothing asked for one
  BOOST_TEST(nx->answer.empty());
  const auto badvers = parseReply(makeReply(query, 16));
  BOOST_REQUIRE(badvers);
  BOOST_TEST(badvers->has_edns);
  BOOST_TEST(badvers->rcode == 16);
}

BOOST_AUTO_TEST_CASE(make_reply_rejects_bad_input) {
  const auto query = makeQuery("x.test.", kTypeA, false);
  BOOST_CHECK_THROW(makeReply(query, 0, {"this is not a record"}), std::invalid_argument);
  BOOST_CHECK_THROW(makeReply(Bytes{1, 2, 3}, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(patch_id_changes_only_the_id) {
  const auto query = makeQuery("x.test.", kTypeA, false);
  const auto patched = patchId(query, 0xbeef);
  BOOST_REQUIRE_EQUAL(patched.size(), query.size());
  BOOST_TEST(patched[0] == 0xbe);
  BOOST_TEST(patched[1] == 0xef);
  BOOST_TEST(std::equal(patched.begin() + 2, patched.end(), query.begin() + 2));
  BOOST_TEST(patchId(Bytes{7}, 1) == Bytes{7});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace dnsprop::test
