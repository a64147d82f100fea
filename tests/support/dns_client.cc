#include "support/dns_client.h"

#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <sstream>
#include <stdexcept>

#include "support/ldns_util.h"
#include "support/net_util.h"
#include "support/unique_fd.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using Clock = std::chrono::steady_clock;

std::uint16_t randomId() {
  std::uint16_t id = 0;
  // getrandom on 2 bytes never blocks once the pool is initialised; fall back to the
  // clock if it fails, since a test client only needs IDs that differ between queries.
  if (::getrandom(&id, sizeof id, 0) != static_cast<ssize_t>(sizeof id)) {
    id = static_cast<std::uint16_t>(Clock::now().time_since_epoch().count());
  }
  return id;
}

int remainingMs(Clock::time_point end) {
  const auto left = std::chrono::duration_cast<Millis>(end - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until `end`; false on timeout or error.
bool waitFd(int fd, short events, Clock::time_point end) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, remainingMs(end));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

int socketFor(const Endpoint& server, int type) {
  socklen_t len = 0;
  const auto ss = server.sockaddr(len);
  return ::socket(ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<Record> records(const ldns_rr_list* list) {
  std::vector<Record> out;
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    Record r;
    r.name = lower(ldns::take(ldns_rdf2str(ldns_rr_owner(rr))));
    r.ttl = ldns_rr_ttl(rr);
    r.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
    std::string rdata;
    for (std::size_t k = 0; k < ldns_rr_rd_count(rr); ++k) {
      if (k > 0) rdata.push_back(' ');
      const ldns_rdf* rdf = ldns_rr_rdf(rr, k);
      std::string field = ldns::take(ldns_rdf2str(rdf));
      // Names compare case-insensitively, and compression may borrow the case of the
      // question ("WWW.Test."): lower-case them so tests can compare strings.
      if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) field = lower(std::move(field));
      rdata += field;
    }
    r.rdata = rdata;
    r.text = r.name + " " + std::to_string(r.ttl) + " " +
             ldns::take(ldns_rr_class2str(ldns_rr_get_class(rr))) + " " +
             ldns::take(ldns_rr_type2str(ldns_rr_get_type(rr))) + (rdata.empty() ? "" : " ") +
             rdata;
    out.push_back(std::move(r));
  }
  return out;
}

// Splits raw EDNS option data (code, length, data)*; stops at the first overrun.
std::vector<std::pair<std::uint16_t, Bytes>> splitOptions(const ldns_rdf* data) {
  std::vector<std::pair<std::uint16_t, Bytes>> out;
  if (data == nullptr) return out;
  const std::uint8_t* p = ldns_rdf_data(data);
  const std::size_t n = ldns_rdf_size(data);
  std::size_t i = 0;
  while (i + 4 <= n) {
    const std::uint16_t code = static_cast<std::uint16_t>(p[i] << 8 | p[i + 1]);
    const std::size_t len = static_cast<std::size_t>(p[i + 2] << 8 | p[i + 3]);
    i += 4;
    if (i + len > n) break;
    out.emplace_back(code, Bytes(p + i, p + i + len));
    i += len;
  }
  return out;
}

}  // namespace

Bytes makeQuery(const std::string& name, std::uint16_t qtype, bool rd, std::uint16_t qclass) {
  ldns_rdf* dname = ldns_dname_new_frm_str(name.c_str());
  if (dname == nullptr) throw std::invalid_argument("makeQuery: bad name '" + name + "'");
  // ldns_pkt_query_new takes ownership of dname.
  ldns::Pkt pkt(ldns_pkt_query_new(dname, static_cast<ldns_rr_type>(qtype),
                                   static_cast<ldns_rr_class>(qclass), rd ? LDNS_RD : 0));
  if (!pkt) throw std::invalid_argument("makeQuery: cannot build a query for '" + name + "'");
  ldns_pkt_set_id(pkt.get(), randomId());
  auto wire = ldns::toWire(pkt.get());
  if (wire.empty()) throw std::invalid_argument("makeQuery: cannot serialise '" + name + "'");
  return wire;
}

std::optional<Bytes> exchangeUdp(const Endpoint& server, const Bytes& query, Millis timeout) {
  if (query.size() < 2) return std::nullopt;
  const auto end = Clock::now() + timeout;
  UniqueFd fd(socketFor(server, SOCK_DGRAM));
  if (!fd.valid()) return std::nullopt;
  socklen_t len = 0;
  const auto ss = server.sockaddr(len);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) return std::nullopt;
  if (::send(fd.get(), query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    return std::nullopt;
  }
  Bytes buf(65535);
  while (waitFd(fd.get(), POLLIN, end)) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return std::nullopt;  // e.g. ECONNREFUSED: nothing listens there (yet)
    }
    if (n >= 2 && buf[0] == query[0] && buf[1] == query[1]) {
      return Bytes(buf.begin(), buf.begin() + n);
    }
  }
  return std::nullopt;
}

std::optional<Bytes> exchangeTcp(const Endpoint& server, const Bytes& query, Millis timeout) {
  if (query.size() > 65535) return std::nullopt;
  const auto end = Clock::now() + timeout;
  UniqueFd fd(socketFor(server, SOCK_STREAM));
  if (!fd.valid()) return std::nullopt;
  socklen_t len = 0;
  const auto ss = server.sockaddr(len);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return std::nullopt;
    if (!waitFd(fd.get(), POLLOUT, end)) return std::nullopt;
    int err = 0;
    socklen_t elen = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
      return std::nullopt;
    }
  }
  Bytes out;
  out.push_back(static_cast<std::uint8_t>(query.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(query.size() & 0xff));
  out.insert(out.end(), query.begin(), query.end());
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!waitFd(fd.get(), POLLOUT, end)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  // Read exactly `want` bytes into `in`.
  Bytes in;
  auto readTo = [&](std::size_t want) {
    std::uint8_t buf[4096];
    while (in.size() < want) {
      if (!waitFd(fd.get(), POLLIN, end)) return false;
      const ssize_t n = ::recv(fd.get(), buf, std::min(sizeof buf, want - in.size()), 0);
      if (n == 0) return false;  // closed by the server
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return false;  // e.g. ECONNRESET
      }
      in.insert(in.end(), buf, buf + n);
    }
    return true;
  };
  if (!readTo(2)) return std::nullopt;
  const std::size_t msg_len = static_cast<std::size_t>(in[0] << 8 | in[1]);
  if (!readTo(2 + msg_len)) return std::nullopt;
  return Bytes(in.begin() + 2, in.end());
}

std::optional<Bytes> queryUdp(const Endpoint& server, const std::string& name,
                              std::uint16_t qtype, bool rd, Millis timeout) {
  return exchangeUdp(server, makeQuery(name, qtype, rd), timeout);
}

std::optional<Bytes> queryTcp(const Endpoint& server, const std::string& name,
                              std::uint16_t qtype, bool rd, Millis timeout) {
  return exchangeTcp(server, makeQuery(name, qtype, rd), timeout);
}

std::vector<Datagram> collectUdp(const Endpoint& server, const Bytes& query, Millis window,
                                 std::size_t max_count, const std::string& local_addr) {
  std::vector<Datagram> out;
  const auto end = Clock::now() + window;
  UniqueFd fd(bindSocket(local_addr, 0, SOCK_DGRAM));
  if (!fd.valid()) return out;
  socklen_t len = 0;
  const auto ss = server.sockaddr(len);
  if (::sendto(fd.get(), query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&ss),
               len) != static_cast<ssize_t>(query.size())) {
    return out;
  }
  Bytes buf(65535);
  while (out.size() < max_count && waitFd(fd.get(), POLLIN, end)) {
    sockaddr_storage from{};
    socklen_t flen = sizeof from;
    const ssize_t n = ::recvfrom(fd.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &flen);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    auto ep = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&from));
    if (!ep) continue;
    out.push_back(Datagram{Bytes(buf.begin(), buf.begin() + n), *ep});
  }
  return out;
}

std::vector<std::string> Reply::answerRdata(std::uint16_t type) const {
  std::vector<std::string> out;
  for (const auto& r : answer) {
    if (r.type == type) out.push_back(r.rdata);
  }
  return out;
}

std::optional<Bytes> Reply::ednsOption(std::uint16_t code) const {
  for (const auto& [c, data] : edns_options) {
    if (c == code) return data;
  }
  return std::nullopt;
}

std::optional<Reply> parseReply(const Bytes& wire) {
  auto pkt = ldns::fromWire(wire);
  if (!pkt) return std::nullopt;
  Reply r;
  r.id = ldns_pkt_id(pkt.get());
  r.rcode = static_cast<int>(ldns_pkt_get_rcode(pkt.get())) |
            (static_cast<int>(ldns_pkt_edns_extended_rcode(pkt.get())) << 4);
  r.qr = ldns_pkt_qr(pkt.get());
  r.aa = ldns_pkt_aa(pkt.get());
  r.tc = ldns_pkt_tc(pkt.get());
  r.rd = ldns_pkt_rd(pkt.get());
  r.ra = ldns_pkt_ra(pkt.get());
  const ldns_rr_list* question = ldns_pkt_question(pkt.get());
  if (question != nullptr && ldns_rr_list_rr_count(question) > 0) {
    const ldns_rr* q = ldns_rr_list_rr(question, 0);
    r.qname = lower(ldns::take(ldns_rdf2str(ldns_rr_owner(q))));
    r.qtype = static_cast<std::uint16_t>(ldns_rr_get_type(q));
  }
  r.answer = records(ldns_pkt_answer(pkt.get()));
  r.authority = records(ldns_pkt_authority(pkt.get()));
  r.additional = records(ldns_pkt_additional(pkt.get()));
  r.has_edns = ldns_pkt_edns(pkt.get());
  r.edns_options = splitOptions(ldns_pkt_edns_data(pkt.get()));
  return r;
}

std::optional<Reply> lookup(const Endpoint& server, const std::string& name,
                            std::uint16_t qtype, bool rd, Millis timeout) {
  auto wire = queryUdp(server, name, qtype, rd, timeout);
  if (!wire) return std::nullopt;
  return parseReply(*wire);
}

std::string WaitResult::describe() const {
  if (!last) return "no reply";
  std::ostringstream ss;
  ss << "rcode=" << last->rcode << " answer=[";
  for (std::size_t i = 0; i < last->answer.size(); ++i) {
    ss << (i ? "; " : "") << last->answer[i].text;
  }
  ss << "]";
  return ss.str();
}

WaitResult waitForAnswer(const Endpoint& server, const std::string& name, std::uint16_t qtype,
                         std::vector<std::string> expected, Millis deadline, bool rd) {
  std::sort(expected.begin(), expected.end());
  WaitResult result;
  result.matched = pollUntil(
      deadline,
      [&] {
        auto reply = lookup(server, name, qtype, rd, Millis(500));
        if (!reply) return false;
        auto got = reply->answerRdata(qtype);
        std::sort(got.begin(), got.end());
        result.last = std::move(reply);
        return got == expected;
      },
      Millis(100));
  return result;
}

}  // namespace dnsprop::test
