#include "support/scripted_responder.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <cctype>
#include <map>
#include <stdexcept>

#include "support/ldns_util.h"
#include "support/net_util.h"
#include "support/unique_fd.h"
#include "support/wait.h"

namespace dnsprop::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

Endpoint endpointOf(const std::string& addr, std::uint16_t port) {
  auto ep = Endpoint::parse(addr.find(':') != std::string::npos
                                ? "[" + addr + "]:" + std::to_string(port)
                                : addr + ":" + std::to_string(port));
  if (!ep) throw std::invalid_argument("not an address: " + addr);
  return *ep;
}

void fillParsed(ReceivedQuery& q) {
  if (q.bytes.size() >= 2) q.id = static_cast<std::uint16_t>(q.bytes[0] << 8 | q.bytes[1]);
  auto pkt = ldns::fromWire(q.bytes);
  if (!pkt) return;
  const ldns_rr_list* question = ldns_pkt_question(pkt.get());
  if (question == nullptr || ldns_rr_list_rr_count(question) == 0) return;
  const ldns_rr* rr = ldns_rr_list_rr(question, 0);
  std::string name = ldns::take(ldns_rdf2str(ldns_rr_owner(rr)));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  q.parsed = true;
  q.qname = std::move(name);
  q.qtype = static_cast<std::uint16_t>(ldns_rr_get_type(rr));
  q.rd = ldns_pkt_rd(pkt.get());
}

}  // namespace

// ---- Action factories ----
Action Action::send(Bytes b, Millis after) {
  Action a;
  a.bytes = std::move(b);
  a.after = after;
  return a;
}
Action Action::sendFrom(std::size_t source, Bytes b, Millis after) {
  Action a = send(std::move(b), after);
  a.source = source;
  return a;
}
Action Action::sendRawTcp(Bytes b, Millis after) {
  Action a = send(std::move(b), after);
  a.tcp_framing = false;
  return a;
}
Action Action::closeTcp(Millis after) {
  Action a;
  a.kind = Kind::CloseTcp;
  a.after = after;
  return a;
}
Action Action::resetTcp(Millis after) {
  Action a;
  a.kind = Kind::ResetTcp;
  a.after = after;
  return a;
}

// ---- the thread's state ----
struct ScriptedResponder::Impl {
  struct Conn {
    UniqueFd fd;
    Endpoint client;
    Bytes in;
  };
  struct Pending {
    Action action;
    Transport transport;
    Endpoint client;
    std::uint64_t conn = 0;  // TCP connection id
    std::string label;       // for error messages
  };

  UniqueFd wake_read, wake_write;  // self-pipe: the destructor writes one byte
  UniqueFd udp, tcp;
  std::vector<UniqueFd> sources;   // extra reply sockets (index = source - 1)
  std::map<std::uint64_t, Conn> conns;
  std::uint64_t next_conn = 1;
  std::multimap<Clock::time_point, Pending> pending;  // equal keys keep insertion order
  std::uint64_t next_seq = 0;
};

ScriptedResponder::ScriptedResponder(Script script, ResponderOptions options)
    : impl_(std::make_unique<Impl>()), script_(std::move(script)) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error(errnoText("ScriptedResponder: pipe2"));
  }
  impl_->wake_read.reset(pipefd[0]);
  impl_->wake_write.reset(pipefd[1]);
  if (!options.udp && !options.tcp) {
    throw std::invalid_argument("ScriptedResponder: neither UDP nor TCP enabled");
  }

  // Bind UDP and TCP on the same port; with port 0, retry until a port is free for both.
  const std::string where = options.address + " port " + std::to_string(options.port);
  std::uint16_t port = options.port;
  for (int attempt = 0;; ++attempt) {
    UniqueFd udp, tcp;
    std::uint16_t chosen = options.port;
    if (options.udp) {
      udp.reset(bindSocket(options.address, options.port, SOCK_DGRAM));
      if (!udp.valid()) throw std::runtime_error(errnoText("ScriptedResponder: bind UDP " + where));
      chosen = boundPort(udp.get());
    }
    if (options.tcp) {
      tcp.reset(bindSocket(options.address, chosen, SOCK_STREAM));
      if (!tcp.valid() || ::listen(tcp.get(), 64) != 0) {
        if (options.port == 0 && options.udp && attempt < 100) continue;
        throw std::runtime_error(errnoText("ScriptedResponder: bind/listen TCP " + where));
      }
      chosen = boundPort(tcp.get());
    }
    impl_->udp = std::move(udp);
    impl_->tcp = std::move(tcp);
    port = chosen;
    break;
  }
  endpoint_ = endpointOf(options.address, port);
  sources_.push_back(endpoint_);
  for (const auto& [addr, src_port] : options.extra_sources) {
    UniqueFd fd(bindSocket(addr, src_port, SOCK_DGRAM));
    if (!fd.valid()) {
      throw std::runtime_error(errnoText("ScriptedResponder: bind UDP source " + addr + " port " +
                                         std::to_string(src_port)));
    }
    sources_.push_back(endpointOf(addr, boundPort(fd.get())));
    impl_->sources.push_back(std::move(fd));
  }
  thread_ = std::thread([this] { run(); });
}

ScriptedResponder::~ScriptedResponder() {
  const char byte = 'x';
  // If the write fails the pipe is full, so the thread is already being woken.
  [[maybe_unused]] auto rc = ::write(impl_->wake_write.get(), &byte, 1);
  if (thread_.joinable()) thread_.join();
}

Endpoint ScriptedResponder::sourceEndpoint(std::size_t source) const {
  if (source >= sources_.size()) {
    throw std::out_of_range("ScriptedResponder: no reply source " + std::to_string(source));
  }
  return sources_[source];
}

void ScriptedResponder::setScript(Script script) {
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
}

std::size_t ScriptedResponder::queryCount(Transport transport) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& q : log_) n += q.transport == transport ? 1 : 0;
  return n;
}

std::size_t ScriptedResponder::queryCount() const {
  std::lock_guard lock(mutex_);
  return log_.size();
}

std::size_t ScriptedResponder::tcpConnections() const {
  std::lock_guard lock(mutex_);
  return tcp_accepted_;
}

std::vector<ReceivedQuery> ScriptedResponder::queries() const {
  std::lock_guard lock(mutex_);
  return log_;
}

std::vector<std::string> ScriptedResponder::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

bool ScriptedResponder::waitForQueries(std::size_t n, Millis deadline) const {
  return pollUntil(deadline, [&] { return queryCount() >= n; }, Millis(5));
}

// ---- the thread ----
void ScriptedResponder::run() {
  Impl& s = *impl_;
  auto error = [this](std::string msg) {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(msg));
  };

  // Writes all of `data` to a (non-blocking) TCP socket, waiting up to 1 s for room.
  auto writeAll = [](int fd, const Bytes& data) {
    std::size_t off = 0;
    const auto end = Clock::now() + std::chrono::seconds(1);
    while (off < data.size()) {
      const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR) && Clock::now() < end) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 50);
        continue;
      }
      return false;
    }
    return true;
  };

  auto execute = [&](const Impl::Pending& p) {
    const Action& a = p.action;
    switch (p.transport) {
      case Transport::Udp: {
        switch (a.kind) {
          case Action::Kind::Send: {
            if (a.source > s.sources.size()) {
              error(p.label + ": no reply source " + std::to_string(a.source));
              return;
            }
            const int fd = a.source == 0 ? s.udp.get() : s.sources[a.source - 1].get();
            socklen_t len = 0;
            const auto ss = p.client.sockaddr(len);
            if (::sendto(fd, a.bytes.data(), a.bytes.size(), 0,
                         reinterpret_cast<const sockaddr*>(&ss), len) < 0) {
              error(errnoText(p.label + ": sendto " + p.client.toString()));
            }
            return;
          }
          case Action::Kind::CloseTcp:
          case Action::Kind::ResetTcp:
            error(p.label + ": close/reset requested for a UDP query");
            return;
        }
        return;
      }
      case Transport::Tcp: {
        auto it = s.conns.find(p.conn);
        if (it == s.conns.end()) return;  // the client went away first: nothing to do
        switch (a.kind) {
          case Action::Kind::Send: {
            if (a.source != 0) {
              error(p.label + ": sendFrom another source is UDP only");
              return;
            }
            Bytes out;
            if (a.tcp_framing) {
              out.push_back(static_cast<std::uint8_t>((a.bytes.size() >> 8) & 0xff));
              out.push_back(static_cast<std::uint8_t>(a.bytes.size() & 0xff));
            }
            out.insert(out.end(), a.bytes.begin(), a.bytes.end());
            if (!writeAll(it->second.fd.get(), out)) {
              error(errnoText(p.label + ": TCP send"));
            }
            return;
          }
          case Action::Kind::CloseTcp:
            s.conns.erase(it);
            return;
          case Action::Kind::ResetTcp: {
            const linger lg{1, 0};  // close() then sends RST instead of FIN
            ::setsockopt(it->second.fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            s.conns.erase(it);
            return;
          }
        }
        return;
      }
    }
  };

  auto handle = [&](Bytes bytes, Transport transport, const Endpoint& client,
                    std::uint64_t conn) {
    const auto arrived = Clock::now();
    ReceivedQuery q;
    q.bytes = std::move(bytes);
    q.transport = transport;
    q.client = client;
    q.seq = s.next_seq++;
    fillParsed(q);
    Script script;
    {
      std::lock_guard lock(mutex_);
      log_.push_back(q);
      script = script_;
    }
    const std::string label = "query #" + std::to_string(q.seq) + " (" +
                              (q.parsed ? q.qname : std::string("unparsed")) + ")";
    Actions actions;
    try {
      if (script) actions = script(q);
    } catch (const std::exception& e) {
      error(label + ": script threw: " + e.what());
    } catch (...) {
      error(label + ": script threw a non-exception");
    }
    for (auto& a : actions) {
      s.pending.emplace(arrived + a.after, Impl::Pending{std::move(a), transport, client, conn, label});
    }
  };

  auto runDue = [&] {
    while (!s.pending.empty() && s.pending.begin()->first <= Clock::now()) {
      auto node = s.pending.extract(s.pending.begin());
      execute(node.mapped());
    }
  };

  Bytes buf(65536);
  for (;;) {
    runDue();
    std::vector<pollfd> fds;
    fds.push_back({s.wake_read.get(), POLLIN, 0});
    if (s.udp.valid()) fds.push_back({s.udp.get(), POLLIN, 0});
    if (s.tcp.valid()) fds.push_back({s.tcp.get(), POLLIN, 0});
    // Replies to the extra sources are never expected; drain them so they do not pile up.
    for (const auto& fd : s.sources) fds.push_back({fd.get(), POLLIN, 0});
    std::vector<std::uint64_t> conn_ids;
    for (const auto& [id, c] : s.conns) {
      fds.push_back({c.fd.get(), POLLIN, 0});
      conn_ids.push_back(id);
    }
    int timeout = -1;
    if (!s.pending.empty()) {
      const auto wait = std::chrono::ceil<Millis>(s.pending.begin()->first - Clock::now());
      timeout = static_cast<int>(std::max<Millis::rep>(0, wait.count()));
    }
    const int rc = ::poll(fds.data(), fds.size(), timeout);
    if (rc < 0) {
      if (errno == EINTR) continue;
      error(errnoText("poll"));
      return;
    }
    if (rc == 0) continue;
    if (fds[0].revents != 0) return;  // the destructor asked us to stop
    std::size_t i = 1;
    if (s.udp.valid()) {
      if (fds[i].revents & POLLIN) {
        for (;;) {
          sockaddr_storage from{};
          socklen_t flen = sizeof from;
          const ssize_t n = ::recvfrom(s.udp.get(), buf.data(), buf.size(), 0,
                                       reinterpret_cast<sockaddr*>(&from), &flen);
          if (n < 0) break;  // EAGAIN: drained
          auto client = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&from));
          if (!client) continue;
          handle(Bytes(buf.begin(), buf.begin() + n), Transport::Udp, *client, 0);
        }
      }
      ++i;
    }
    if (s.tcp.valid()) {
      if (fds[i].revents & POLLIN) {
        for (;;) {
          sockaddr_storage from{};
          socklen_t flen = sizeof from;
          UniqueFd fd(::accept4(s.tcp.get(), reinterpret_cast<sockaddr*>(&from), &flen,
                                SOCK_CLOEXEC | SOCK_NONBLOCK));
          if (!fd.valid()) break;
          auto client = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&from));
          if (!client) continue;
          s.conns.emplace(s.next_conn++, Impl::Conn{std::move(fd), *client, {}});
          std::lock_guard lock(mutex_);
          ++tcp_accepted_;
        }
      }
      ++i;
    }
    for (const auto& fd : s.sources) {
      if (fds[i].revents & POLLIN) {
        while (::recv(fd.get(), buf.data(), buf.size(), 0) >= 0) {
        }
      }
      ++i;
    }
    for (const auto id : conn_ids) {
      const short revents = fds[i++].revents;
      if (revents == 0) continue;
      auto it = s.conns.find(id);
      if (it == s.conns.end()) continue;
      const ssize_t n = ::recv(it->second.fd.get(), buf.data(), buf.size(), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        s.conns.erase(it);  // the client closed or reset: drop its pending actions lazily
        continue;
      }
      if (n < 0) continue;
      auto& in = it->second.in;
      in.insert(in.end(), buf.begin(), buf.begin() + n);
      const Endpoint client = it->second.client;
      // Hand over every complete length-prefixed message; the rest waits for more data.
      std::size_t off = 0;
      std::vector<Bytes> messages;
      while (in.size() - off >= 2) {
        const std::size_t len = static_cast<std::size_t>(in[off] << 8 | in[off + 1]);
        if (in.size() - off - 2 < len) break;
        messages.emplace_back(in.begin() + off + 2, in.begin() + off + 2 + len);
        off += 2 + len;
      }
      in.erase(in.begin(), in.begin() + off);
      for (auto& m : messages) handle(std::move(m), Transport::Tcp, client, id);
    }
  }
}

// ---- reply building ----
Bytes makeReply(const Bytes& query, int rcode, const std::vector<std::string>& answers,
                const ReplyOptions& options) {
  auto q = ldns::fromWire(query);
  if (!q) throw std::invalid_argument("makeReply: the query does not parse");
  const ldns_rr_list* question = ldns_pkt_question(q.get());
  if (question == nullptr || ldns_rr_list_rr_count(question) == 0) {
    throw std::invalid_argument("makeReply: the query has no question");
  }
  if (rcode < 0 || rcode > 4095) throw std::invalid_argument("makeReply: rcode out of range");
  ldns::Pkt r(ldns_pkt_new());
  if (!r) throw std::runtime_error("makeReply: out of memory");
  ldns_pkt_set_id(r.get(), ldns_pkt_id(q.get()));
  ldns_pkt_set_qr(r.get(), true);
  ldns_pkt_set_opcode(r.get(), ldns_pkt_get_opcode(q.get()));
  ldns_pkt_set_rd(r.get(), ldns_pkt_rd(q.get()));
  ldns_pkt_set_cd(r.get(), ldns_pkt_cd(q.get()));
  ldns_pkt_set_aa(r.get(), options.aa);
  ldns_pkt_set_ra(r.get(), options.ra);
  ldns_pkt_set_tc(r.get(), options.tc);
  ldns_pkt_set_rcode(r.get(), static_cast<std::uint8_t>(rcode & 0x0f));
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(question); ++i) {
    ldns_rr* copy = ldns_rr_clone(ldns_rr_list_rr(question, i));
    if (copy == nullptr || !ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, copy)) {
      ldns_rr_free(copy);
      throw std::runtime_error("makeReply: cannot copy the question");
    }
  }
  auto push = [&](const std::vector<std::string>& lines, ldns_pkt_section section) {
    for (const auto& line : lines) {
      ldns_rr* raw = nullptr;
      const ldns_status st = ldns_rr_new_frm_str(&raw, line.c_str(), 3600, nullptr, nullptr);
      ldns::Rr rr(raw);
      if (st != LDNS_STATUS_OK || !rr) {
        throw std::invalid_argument("makeReply: bad record '" + line + "': " +
                                    ldns_get_errorstr_by_id(st));
      }
      if (!ldns_pkt_push_rr(r.get(), section, rr.get())) {
        throw std::runtime_error("makeReply: cannot add '" + line + "'");
      }
      (void)rr.release();  // the packet owns it now
    }
  };
  push(answers, LDNS_SECTION_ANSWER);
  push(options.authority, LDNS_SECTION_AUTHORITY);
  push(options.additional, LDNS_SECTION_ADDITIONAL);

  const bool want_edns = options.edns.value_or(ldns_pkt_edns(q.get()) || options.ede_code ||
                                               options.nsid || rcode > 15);
  if (want_edns) {
    ldns_pkt_set_edns_udp_size(r.get(), options.edns_udp_size);
    ldns_pkt_set_edns_extended_rcode(r.get(), static_cast<std::uint8_t>(rcode >> 4));
    Bytes data;
    auto option = [&](std::uint16_t code, const Bytes& payload) {
      data.push_back(static_cast<std::uint8_t>(code >> 8));
      data.push_back(static_cast<std::uint8_t>(code & 0xff));
      data.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
      data.push_back(static_cast<std::uint8_t>(payload.size() & 0xff));
      data.insert(data.end(), payload.begin(), payload.end());
    };
    if (options.nsid) option(3, Bytes(options.nsid->begin(), options.nsid->end()));
    if (options.ede_code) {
      Bytes payload{static_cast<std::uint8_t>(*options.ede_code >> 8),
                    static_cast<std::uint8_t>(*options.ede_code & 0xff)};
      payload.insert(payload.end(), options.ede_text.begin(), options.ede_text.end());
      option(15, payload);
    }
    if (!data.empty()) {
      // ldns copies the data; the packet owns (and frees) the rdf.
      ldns_pkt_set_edns_data(r.get(),
                             ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, data.size(), data.data()));
    }
  }
  auto wire = ldns::toWire(r.get());
  if (wire.empty()) throw std::runtime_error("makeReply: cannot serialise the reply");
  return wire;
}

Bytes patchId(Bytes bytes, std::uint16_t id) {
  if (bytes.size() >= 2) {
    bytes[0] = static_cast<std::uint8_t>(id >> 8);
    bytes[1] = static_cast<std::uint8_t>(id & 0xff);
  }
  return bytes;
}

}  // namespace dnsprop::test
