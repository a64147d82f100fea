#include "net/probe_engine.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "net/uv_handle.h"

namespace dnsprop {

using dns::Acceptance;
using dns::Observation;
using dns::Outcome;
using dns::Transport;

class ProbeEngine::Exchange {
 public:
  Exchange(ProbeEngine& engine, ProbeRequest request, ProbeCallback callback)
      : engine_(engine), request_(request), callback_(std::move(callback)) {}

  void start() {
    timer_.reset(uv::allocHandle<uv_timer_t>());
    uv_timer_init(engine_.loop_, timer_.get());
    timer_->data = this;
    if (engine_.options_.tcp_only) {
      mode_ = Mode::Tcp;
      startTcpAttempt();
    } else {
      startUdpAttempt();
    }
  }

  // Delivers the result; called by the engine after the exchange left the in-flight set.
  void deliver() {
    try {
      callback_(result_);
    } catch (const std::exception& e) {
      ++engine_.counters_.callback_errors;
      log::error("probe callback threw", {{"resolver", request_.server.toString()}, {"err", e.what()}});
    } catch (...) {
      ++engine_.counters_.callback_errors;
      log::error("probe callback threw", {{"resolver", request_.server.toString()}});
    }
  }

 private:
  enum class Mode { Udp, Tcp };
  // Why we are on TCP, for the outcome if TCP fails too.
  enum class TcpReason { Configured, Truncated, Conflict };

  Duration attemptTimeout() const {
    const int shift = std::min(attempt_, 3);
    return engine_.options_.timeout * (1 << shift);
  }

  Duration remainingInAttempt() const {
    const auto left = std::chrono::duration_cast<Duration>(attempt_deadline_ - engine_.clock_.monotonic());
    return std::max(Duration(0), left);
  }

  void armTimer(Duration d) {
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* t) {
          if (auto* self = static_cast<Exchange*>(t->data)) self->onTimer();
        },
        static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0)), 0);
  }

  // ---- UDP ----

  // Resets per-attempt state: new ID from the CSPRNG, deadline and timer.
  void beginAttempt(Transport transport) {
    closeSockets();
    first_answer_.reset();
    expected_ = {};
    expected_.id = engine_.random_.next16();
    expected_.query = request_.query;
    expected_.server = request_.server;
    expected_.transport = transport;
    tcp_in_.clear();
    sent_at_ = engine_.clock_.monotonic();
    attempt_deadline_ = sent_at_ + attemptTimeout();
    attempt_failed_ = false;
    armTimer(attemptTimeout());
  }

  void startUdpAttempt() {
    beginAttempt(Transport::Udp);

    auto* udp = uv::allocHandle<uv_udp_t>();
    const int family = request_.server.family() == Endpoint::Family::V4 ? AF_INET : AF_INET6;
    if (int rc = uv_udp_init_ex(engine_.loop_, udp, static_cast<unsigned>(family)); rc != 0) {
      uv::discardUninitialised(udp);
      return attemptFailed(rc);
    }
    udp_.reset(udp);
    udp_->data = this;
    socklen_t len = 0;
    const sockaddr_storage ss = request_.server.sockaddr(len);
    // Connecting binds a kernel-chosen random port and makes the kernel discard
    // datagrams from any other address or port; acceptReply checks again (F2).
    if (int rc = uv_udp_connect(udp_.get(), reinterpret_cast<const sockaddr*>(&ss)); rc != 0) {
      return attemptFailed(rc);
    }
    int rc = uv_udp_recv_start(
        udp_.get(),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* self = static_cast<Exchange*>(h->data);
          if (self == nullptr) {
            *buf = uv_buf_init(nullptr, 0);
            return;
          }
          *buf = uv_buf_init(self->engine_.recv_buf_.data(),
                             static_cast<unsigned>(self->engine_.recv_buf_.size()));
        },
        [](uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr, unsigned flags) {
          if (auto* self = static_cast<Exchange*>(h->data)) self->onUdpRead(nread, buf, addr, flags);
        });
    if (rc != 0) return attemptFailed(rc);

    request_.query->writeWithId(expected_.id, send_buf_);
    uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(send_buf_.data()),
                             static_cast<unsigned>(send_buf_.size()));
    rc = uv_udp_try_send(udp_.get(), &b, 1, nullptr);
    if (rc == UV_EAGAIN) {
      // Rare (full socket buffer): fall back to a queued send owning a copy.
      struct SendReq {
        uv_udp_send_t req;
        std::vector<std::uint8_t> data;
      };
      auto* sr = new SendReq{{}, send_buf_};
      uv_buf_t qb = uv_buf_init(reinterpret_cast<char*>(sr->data.data()),
                                static_cast<unsigned>(sr->data.size()));
      rc = uv_udp_send(&sr->req, udp_.get(), &qb, 1, nullptr,
                       [](uv_udp_send_t* r, int) { delete reinterpret_cast<SendReq*>(r); });
      if (rc != 0) delete sr;
    }
    if (rc < 0) return attemptFailed(rc);
    ++engine_.counters_.udp_sent;
    ++attempts_made_;
  }

  void onUdpRead(ssize_t nread, const uv_buf_t* buf, const sockaddr* addr, unsigned flags) {
    if (nread == 0 && addr == nullptr) return;  // nothing more to read
    if (nread < 0) {
      // ICMP unreachable and friends on a connected socket. Spoofable, so it only ends
      // this attempt; a genuine answer may still come on the next one.
      return attemptFailed(static_cast<int>(nread));
    }
    if ((flags & UV_UDP_PARTIAL) != 0) {
      countDrop(dns::DropReason::TooLarge);
      return;
    }
    const auto from = Endpoint::fromSockaddr(addr);
    if (!from) {
      countDrop(dns::DropReason::WrongSource);
      return;
    }
    std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buf->base),
                                        static_cast<std::size_t>(nread));
    Acceptance acc = dns::acceptReply(expected_, *from, bytes);
    if (acc.kind == Acceptance::Kind::Dropped && acc.reason == dns::DropReason::TooLarge &&
        wouldAcceptOverTcp(*from, bytes)) {
      // Larger than we allowed (FAULTS 2): never used, but the server did answer us, so
      // ask again over TCP instead of ending in a misleading error.
      countDrop(acc.reason);
      ++engine_.counters_.truncated;
      mode_ = Mode::Tcp;
      tcp_reason_ = TcpReason::Truncated;
      return startTcpAttempt();
    }
    switch (acc.kind) {
      case Acceptance::Kind::Dropped:
        countDrop(acc.reason);
        return;
      case Acceptance::Kind::Truncated:
        ++engine_.counters_.truncated;
        mode_ = Mode::Tcp;
        tcp_reason_ = TcpReason::Truncated;
        return startTcpAttempt();
      case Acceptance::Kind::Accepted:
        break;
    }
    if (!first_answer_) {
      acc.observation.transport = Transport::Udp;
      acc.observation.latency = std::chrono::duration_cast<std::chrono::microseconds>(
          engine_.clock_.monotonic() - sent_at_);
      first_answer_ = std::move(acc.observation);
      const auto& opts = engine_.options_;
      if (!opts.listen_until_deadline && opts.conflict_window.count() <= 0) {
        return complete(std::move(*first_answer_));
      }
      armTimer(opts.listen_until_deadline ? std::max(opts.conflict_window, remainingInAttempt())
                                          : opts.conflict_window);
      return;
    }
    if (dns::sameAnswer(*first_answer_, acc.observation)) return;  // a duplicate: harmless
    // Two different acceptable answers to one query: someone is injecting (F17).
    ++engine_.counters_.conflicts;
    log::warn("conflicting answers, retrying over TCP",
              {{"resolver", request_.server.toString()}, {"name", request_.query->qname()}});
    first_answer_.reset();
    mode_ = Mode::Tcp;
    tcp_reason_ = TcpReason::Conflict;
    startTcpAttempt();
  }

  // Whether an oversize UDP reply would pass every other check (size limit of TCP).
  bool wouldAcceptOverTcp(const Endpoint& from, std::span<const std::uint8_t> bytes) const {
    dns::ExpectedReply as_tcp = expected_;
    as_tcp.transport = Transport::Tcp;
    const auto kind = dns::acceptReply(as_tcp, from, bytes).kind;
    return kind == Acceptance::Kind::Accepted || kind == Acceptance::Kind::Truncated;
  }

  // ---- TCP ----

  void startTcpAttempt() {
    beginAttempt(Transport::Tcp);
    ++attempts_made_;

    auto* tcp = uv::allocHandle<uv_tcp_t>();
    if (int rc = uv_tcp_init(engine_.loop_, tcp); rc != 0) {
      uv::discardUninitialised(tcp);
      return attemptFailed(rc);
    }
    tcp_.reset(tcp);
    tcp_->data = this;
    socklen_t len = 0;
    const sockaddr_storage ss = request_.server.sockaddr(len);
    // If the handle is closed before the connection completes, libuv calls this
    // callback with UV_ECANCELED before the handle's close callback, while `data` is
    // already null: it frees the request and never touches the finished exchange.
    struct ConnectReq {
      uv_connect_t req;
    };
    auto* cr = new ConnectReq{};
    int rc = uv_tcp_connect(&cr->req, tcp_.get(), reinterpret_cast<const sockaddr*>(&ss),
                            [](uv_connect_t* req, int status) {
                              auto* stream = req->handle;
                              delete reinterpret_cast<ConnectReq*>(req);
                              if (auto* self = static_cast<Exchange*>(stream->data)) {
                                self->onTcpConnect(status);
                              }
                            });
    if (rc != 0) {
      delete cr;
      return attemptFailed(rc);
    }
  }

  void onTcpConnect(int status) {
    if (status != 0) return attemptFailed(status);
    request_.query->writeWithIdTcp(expected_.id, send_buf_);
    struct WriteReq {
      uv_write_t req;
      std::vector<std::uint8_t> data;
    };
    auto* wr = new WriteReq{{}, send_buf_};
    uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(wr->data.data()),
                             static_cast<unsigned>(wr->data.size()));
    int rc = uv_write(&wr->req, reinterpret_cast<uv_stream_t*>(tcp_.get()), &b, 1,
                      [](uv_write_t* r, int) { delete reinterpret_cast<WriteReq*>(r); });
    if (rc != 0) {
      delete wr;
      return attemptFailed(rc);
    }
    ++engine_.counters_.tcp_sent;
    rc = uv_read_start(
        reinterpret_cast<uv_stream_t*>(tcp_.get()),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
          auto* self = static_cast<Exchange*>(h->data);
          if (self == nullptr) {
            *buf = uv_buf_init(nullptr, 0);
            return;
          }
          *buf = uv_buf_init(self->engine_.recv_buf_.data(),
                             static_cast<unsigned>(self->engine_.recv_buf_.size()));
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
          if (auto* self = static_cast<Exchange*>(s->data)) self->onTcpRead(nread, buf);
        });
    if (rc != 0) return attemptFailed(rc);
  }

  void onTcpRead(ssize_t nread, const uv_buf_t* buf) {
    if (nread == 0) return;
    if (nread < 0) return attemptFailed(static_cast<int>(nread));  // EOF or reset (F6)
    // Bound what a server can make us hold: one length prefix plus one message.
    if (tcp_in_.size() + static_cast<std::size_t>(nread) > 2 + dns::kMaxTcpMessage + 65536) {
      countDrop(dns::DropReason::TooLarge);
      return attemptFailed(UV_EPROTO);
    }
    tcp_in_.insert(tcp_in_.end(), buf->base, buf->base + nread);
    while (tcp_in_.size() >= 2) {
      const std::size_t len = (static_cast<std::size_t>(tcp_in_[0]) << 8) | tcp_in_[1];
      if (tcp_in_.size() < 2 + len) return;  // wait for the rest
      std::span<const std::uint8_t> msg(tcp_in_.data() + 2, len);
      Acceptance acc = dns::acceptReply(expected_, request_.server, msg);
      switch (acc.kind) {
        case Acceptance::Kind::Dropped:
          countDrop(acc.reason);
          tcp_in_.erase(tcp_in_.begin(), tcp_in_.begin() + static_cast<std::ptrdiff_t>(2 + len));
          continue;  // keep reading: the real answer may follow
        case Acceptance::Kind::Truncated: {
          // TC=1 even over TCP: nothing complete to be had from this server.
          Observation o = std::move(acc.observation);
          o.outcome = Outcome::TruncatedFailed;
          o.transport = Transport::Tcp;
          return complete(std::move(o));
        }
        case Acceptance::Kind::Accepted: {
          Observation o = std::move(acc.observation);
          o.transport = Transport::Tcp;
          o.latency = std::chrono::duration_cast<std::chrono::microseconds>(
              engine_.clock_.monotonic() - sent_at_);
          return complete(std::move(o));
        }
      }
    }
  }

  // ---- shared ----

  void onTimer() {
    if (first_answer_) {
      // The conflict window passed without a contradicting answer.
      return complete(std::move(*first_answer_));
    }
    if (!attempt_failed_) saw_timeout_ = true;
    nextAttemptOrFail();
  }

  // The attempt failed at once (send error, ICMP unreachable, connection refused or
  // reset). Its timer still runs: the next attempt waits for it, so a dead server is not
  // hit retries+1 times in a burst.
  void attemptFailed(int uv_error) {
    ++engine_.counters_.network_errors;
    last_error_ = uv_error;
    if (first_answer_) return;  // the UDP answer stands; the conflict window runs on
    attempt_failed_ = true;
    closeSockets();
  }

  void nextAttemptOrFail() {
    ++attempt_;
    if (attempt_ > engine_.options_.retries) return fail();
    switch (mode_) {
      case Mode::Udp: return startUdpAttempt();
      case Mode::Tcp: return startTcpAttempt();
    }
  }

  void fail() {
    Observation o;
    o.transport = mode_ == Mode::Tcp ? Transport::Tcp : Transport::Udp;
    if (mode_ == Mode::Tcp && tcp_reason_ == TcpReason::Truncated) {
      o.outcome = Outcome::TruncatedFailed;
    } else if (structural_drops_ > 0) {
      // The server (exact address and port) answered, but never with a usable packet.
      o.outcome = Outcome::Malformed;
    } else if (saw_timeout_) {
      o.outcome = Outcome::Timeout;
    } else {
      o.outcome = Outcome::NetworkError;
    }
    complete(std::move(o));
  }

  void countDrop(dns::DropReason reason) {
    const auto idx = static_cast<std::size_t>(reason);
    if (idx < engine_.counters_.dropped.size()) ++engine_.counters_.dropped[idx];
    switch (reason) {
      case dns::DropReason::None:
      case dns::DropReason::WrongSource:
      case dns::DropReason::IdMismatch:
      case dns::DropReason::QuestionMismatch:
      case dns::DropReason::QdCount:
      case dns::DropReason::NotResponse:
        // Could be anyone's packet (spoofs, stray replies): says nothing about the server.
        return;
      case dns::DropReason::TooShort:
      case dns::DropReason::TooLarge:
      case dns::DropReason::BadOpcode:
      case dns::DropReason::Malformed:
      case dns::DropReason::BadCompression:
      case dns::DropReason::TrailingBytes:
      case dns::DropReason::DuplicateOpt:
      case dns::DropReason::MisplacedOpt:
      case dns::DropReason::ResourceLimit:
      case dns::DropReason::ParseFailed:
      case dns::DropReason::CnameConflict:
        ++structural_drops_;
        return;
    }
  }

  void complete(Observation o) {
    if (done_) return;
    done_ = true;
    o.attempts = attempts_made_;
    result_ = std::move(o);
    closeSockets();
    timer_.reset();
    engine_.finish(this);  // destroys *this after delivering: return at once
  }

  void closeSockets() {
    udp_.reset();
    tcp_.reset();
  }

  ProbeEngine& engine_;
  ProbeRequest request_;
  ProbeCallback callback_;
  uv::UvPtr<uv_timer_t> timer_;
  uv::UvPtr<uv_udp_t> udp_;
  uv::UvPtr<uv_tcp_t> tcp_;
  dns::ExpectedReply expected_;
  std::vector<std::uint8_t> send_buf_;
  std::vector<std::uint8_t> tcp_in_;
  std::optional<Observation> first_answer_;
  Observation result_;
  MonoTime sent_at_{};
  MonoTime attempt_deadline_{};
  bool attempt_failed_ = false;  // the current attempt already failed; waiting for its timer
  Mode mode_ = Mode::Udp;
  TcpReason tcp_reason_ = TcpReason::Configured;
  int attempt_ = 0;        // index of the current attempt (0 = first)
  int attempts_made_ = 0;  // packets actually sent
  int last_error_ = 0;
  int structural_drops_ = 0;
  bool saw_timeout_ = false;
  bool done_ = false;
};

ProbeEngine::ProbeEngine(uv_loop_t* loop, const Clock& clock, EngineOptions options)
    : loop_(loop), clock_(clock), options_(options) {}

ProbeEngine::~ProbeEngine() = default;  // Exchanges close their handles as they go

void ProbeEngine::probe(const ProbeRequest& request, ProbeCallback callback) {
  ++counters_.probes_started;
  auto ex = std::make_unique<Exchange>(*this, request, std::move(callback));
  Exchange* raw = ex.get();
  exchanges_.emplace(raw, std::move(ex));
  raw->start();
}

void ProbeEngine::finish(Exchange* exchange) {
  auto it = exchanges_.find(exchange);
  if (it == exchanges_.end()) return;
  std::unique_ptr<Exchange> owned = std::move(it->second);
  exchanges_.erase(it);
  ++counters_.probes_finished;
  owned->deliver();
}

}  // namespace dnsprop
