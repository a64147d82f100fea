// libFuzzer entry for the reply path: acceptReply() over arbitrary bytes, both transports.
// Input: one selector octet, then the DNS message. The selector picks the query (and so
// the question the reply must match), the transport and RD; the expected ID is taken from
// the message itself so that the fuzzer gets past the ID check and into the parser.
// Any crash, sanitizer report, hang or broken invariant below is a bug.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/endpoint.h"
#include "dns/acceptance.h"
#include "dns/query.h"

namespace {

using namespace dnsprop;
using namespace dnsprop::dns;

QueryOptions options(bool rd) {
  QueryOptions o;
  o.recursion_desired = rd;
  return o;
}

struct Queries {
  QueryTemplate all[8] = {
      {"www.example.jp", qtype::A, options(true)},     {"example.jp", qtype::MX, options(true)},
      {"example.jp", qtype::TXT, options(true)},       {"www.example.jp", qtype::AAAA, options(true)},
      {"www.example.jp", qtype::A, options(false)},    {"example.jp", qtype::NS, options(false)},
      {"example.jp", qtype::SOA, options(false)},      {"www.example.jp", qtype::CNAME, options(false)},
  };
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Queries queries;
  static const Endpoint server = *Endpoint::parse("127.0.0.1:5300");
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const std::span<const std::uint8_t> msg(data + 1, size - 1);
  const std::uint16_t id = msg.size() >= 2 ? static_cast<std::uint16_t>((msg[0] << 8) | msg[1]) : 0;
  const QueryTemplate& q = queries.all[selector & 7];
  for (Transport t : {Transport::Udp, Transport::Tcp}) {
    const Acceptance a = acceptReply(ExpectedReply{id, &q, server, t}, server, msg);
    switch (a.kind) {
      case Acceptance::Kind::Accepted: {
        const Observation& o = a.observation;
        check(a.reason == DropReason::None);
        check(sameAnswer(o, o));
        check(!o.final_name.empty() && o.final_name.back() == '.');
        check(o.chain.size() <= 17 + msg.size() / 11);
        for (const Record& r : o.chain) check(!r.owner.empty() && (r.ttl & 0x80000000u) == 0);
        check(o.outcome != Outcome::Timeout && o.outcome != Outcome::NetworkError);
        if (t == Transport::Udp) check(msg.size() <= kUdpPayloadSize);
        break;
      }
      case Acceptance::Kind::Truncated:
        check(a.observation.tc);
        break;
      case Acceptance::Kind::Dropped:
        check(a.reason != DropReason::None);
        break;
    }
  }
  return 0;
}
