#include "servers/smtp_probe.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "net/tls_client.h"
#include "net/uv_handle.h"
#include "servers/cert_judge.h"
#include "servers/host_name.h"

namespace dnsprop {

std::string_view toString(SmtpStage s) {
  switch (s) {
    case SmtpStage::Connect:
      return "connect";
    case SmtpStage::Banner:
      return "banner";
    case SmtpStage::Ehlo:
      return "ehlo";
    case SmtpStage::StartTls:
      return "starttls";
    case SmtpStage::TlsHandshake:
      return "tls_handshake";
    case SmtpStage::EhloAfterTls:
      return "ehlo_after_tls";
    case SmtpStage::MailFrom:
      return "mail_from";
    case SmtpStage::RcptTo:
      return "rcpt_to";
    case SmtpStage::Done:
      return "done";
  }
  return "connect";
}

std::string_view toString(SmtpOutcome o) {
  switch (o) {
    case SmtpOutcome::Completed:
      return "completed";
    case SmtpOutcome::Timeout:
      return "timeout";
    case SmtpOutcome::ConnectFailed:
      return "connect_failed";
    case SmtpOutcome::TlsFailed:
      return "tls_failed";
    case SmtpOutcome::ProtocolError:
      return "protocol_error";
    case SmtpOutcome::Error:
      return "error";
  }
  return "error";
}

std::string_view toString(ReachOutcome o) {
  switch (o) {
    case ReachOutcome::Open:
      return "open";
    case ReachOutcome::Refused:
      return "refused";
    case ReachOutcome::Timeout:
      return "timeout";
    case ReachOutcome::Error:
      return "error";
  }
  return "error";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxLineBytes = 2048;  // without the CRLF
constexpr std::size_t kMaxReplyLines = 100;
constexpr std::size_t kMaxReplyText = 200;


// A path for RCPT TO:<...>: visible ASCII without angle brackets (no space, control or
// 8-bit byte: we do not speak SMTPUTF8), a non-empty local part and domain around the
// last '@', at most 254 bytes (RFC 5321 4.5.3.1.3 and errata).
bool validRecipient(std::string_view r) {
  if (r.empty() || r.size() > 254) return false;
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>') return false;
  }
  const auto at = r.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < r.size();
}

// The reply text we keep: at most kMaxReplyText bytes, anything not printable ASCII as '?'.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, kMaxReplyText));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  return out;
}

// One complete SMTP reply: its code and the text of each line (after "ddd-"/"ddd ").
struct Reply {
  int code = 0;
  std::vector<std::string> lines;
};

// Reads replies off a byte stream (RFC 5321 4.2): lines end with CRLF (a bare LF is
// taken too), "ddd-text" goes on, "ddd text" or "ddd" ends the reply. Every line of a
// reply must carry the same code. Bytes after a complete reply stay buffered.
class ReplyReader {
 public:
  enum class Status { NeedMore, Complete, Malformed };

  void append(const char* data, std::size_t n) { buf_.append(data, n); }
  bool hasBufferedBytes() const { return !buf_.empty(); }

  // Takes the next complete reply into `out`, or says why the stream is not SMTP.
  Status next(Reply& out, std::string& why) {
    for (;;) {
      const auto nl = buf_.find('\n');
      if (nl == std::string::npos) {
        if (buf_.size() > kMaxLineBytes + 1) {  // + a CR that may come with its LF
          why = "reply line longer than " + std::to_string(kMaxLineBytes) + " bytes";
          return Status::Malformed;
        }
        return Status::NeedMore;
      }
      std::string_view line(buf_.data(), nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > kMaxLineBytes) {
        why = "reply line longer than " + std::to_string(kMaxLineBytes) + " bytes";
        return Status::Malformed;
      }
      if (line.size() < 3 || line[0] < '2' || line[0] > '5' ||
          !std::isdigit(static_cast<unsigned char>(line[1])) ||
          !std::isdigit(static_cast<unsigned char>(line[2])) ||
          (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
        why = "malformed reply line '" + printable(line.substr(0, 40)) + "'";
        return Status::Malformed;
      }
      const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      if (!current_.lines.empty() && code != current_.code) {
        why = "reply lines with different codes (" + std::to_string(current_.code) + ", " +
              std::to_string(code) + ")";
        return Status::Malformed;
      }
      if (current_.lines.size() >= kMaxReplyLines) {
        why = "reply of more than " + std::to_string(kMaxReplyLines) + " lines";
        return Status::Malformed;
      }
      const bool last = line.size() == 3 || line[3] == ' ';
      current_.code = code;
      current_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
      buf_.erase(0, nl + 1);
      if (last) {
        out = std::move(current_);
        current_ = Reply{};
        return Status::Complete;
      }
    }
  }

 private:
  std::string buf_;
  Reply current_;
};

SmtpReply summary(const Reply& r) {
  SmtpReply s;
  s.code = r.code;
  if (!r.lines.empty()) s.text = printable(r.lines.front());
  return s;
}

// The EHLO reply lists STARTTLS as a keyword (RFC 3207) on a line after the greeting.
bool offersStartTls(const Reply& ehlo) {
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string keyword = ehlo.lines[i].substr(0, ehlo.lines[i].find(' '));
    std::transform(keyword.begin(), keyword.end(), keyword.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (keyword == "STARTTLS") return true;
  }
  return false;
}

std::string durationText(Duration d) { return formatDuration(d); }

// libuv's clock counts whole milliseconds (truncated), so a timer of N ms can fire after
// N-1 ms and a bit; one more makes "at least N ms" true.
std::uint64_t timerMs(Duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0)) + 1;
}

// Runs a libuv callback's work; nothing may unwind into libuv.
template <class F>
void guarded(F&& work) noexcept {
  try {
    work();
  } catch (...) {
    log::error("smtp probe: internal error in a libuv callback");
  }
}

// Runs an exchange's part of a libuv callback. `end` only schedules the delivery, so the
// exchange outlives `work`: an exception (std::bad_alloc) ends it as an Error at once
// rather than leaving it to its timeout.
template <class Ex, class F>
void guardedExchange(Ex& ex, F&& work) noexcept {
  try {
    work();
    return;
  } catch (const std::exception& e) {
    guarded([&] { ex.owner->failInternally(ex, e.what()); });
  } catch (...) {
    guarded([&] { ex.owner->failInternally(ex, "unknown exception"); });
  }
}

// A write in flight: libuv holds the buffer until the callback, which frees both.
struct WriteReq {
  uv_write_t req{};
  std::string bytes;
};

}  // namespace

// ---------------------------------------------------------------- Impl

class SmtpProber::Impl {
 public:
  Impl(uv_loop_t* loop, SmtpProberOptions options);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void ask(SmtpRequest request, std::function<void(const SmtpResult&)> done);
  void reach(Endpoint address, std::function<void(const ReachResult&)> done);
  void cancelAll();
  std::size_t inFlight() const { return exchanges_.size() + reaches_.size(); }
  const SmtpProberCounters& counters() const { return counters_; }

 private:
  // Where an exchange is: the step whose reply we wait for.
  enum class Step {
    Connecting,
    Banner,
    Ehlo,
    StartTls,
    Handshake,
    EhloAfterTls,
    RcptRelay,
    MailFrom,
    RcptTo,
    Rset,
    Quit
  };

  struct Exchange {
    Impl* owner = nullptr;
    SmtpRequest request;
    std::function<void(const SmtpResult&)> done;
    SteadyClock::time_point started{};
    SmtpResult result;
    Step step = Step::Connecting;
    bool ended = false;  // result final; waiting for delivery
    ReplyReader reader;
    std::unique_ptr<net::TlsClient> tls;
    std::array<char, 16384> readbuf{};
    uv::UvPtr<uv_timer_t> timer;
    uv::UvPtr<uv_tcp_t> tcp;  // data == this while open
  };

  struct Reach {
    Impl* owner = nullptr;
    Endpoint address;
    std::function<void(const ReachResult&)> done;
    SteadyClock::time_point started{};
    ReachResult result;
    bool ended = false;
    uv::UvPtr<uv_timer_t> timer;
    uv::UvPtr<uv_tcp_t> tcp;
  };

 public:
  // For guardedExchange(): ends `ex` as an internal error (an exception in our code).
  void failInternally(Exchange& ex, const char* what);

 private:
  // ---- exchanges
  std::string invalidField(const SmtpRequest& rq) const;
  void start(Exchange& ex);
  void end(Exchange& ex, SmtpOutcome outcome, std::string error);
  void endCompleted(Exchange& ex) { end(ex, SmtpOutcome::Completed, {}); }
  // A failure after the RCPT reply (or after a refusal) does not change the result.
  bool inGoodbye(const Exchange& ex) const { return ex.step == Step::Rset || ex.step == Step::Quit; }
  void failOrComplete(Exchange& ex, SmtpOutcome outcome, std::string error);
  void onConnected(Exchange& ex, int status);
  void onBytes(Exchange& ex, const char* data, std::size_t n);
  void onEnd(Exchange& ex, int status);
  void onTimeout(Exchange& ex);
  void processReplies(Exchange& ex);
  void onReply(Exchange& ex, const Reply& r);
  void refused(Exchange& ex, int code);
  void startTls(Exchange& ex);
  void onHandshakeDone(Exchange& ex);
  void judge(Exchange& ex);
  void command(Exchange& ex, Step step, std::optional<SmtpStage> stage, const std::string& line);
  void writeRaw(Exchange& ex, std::string bytes);

  // ---- reaches
  void startReach(Reach& r);
  void onReachConnected(Reach& r, int status);
  void endReach(Reach& r, ReachOutcome outcome, std::string error);

  // ---- delivery
  void scheduleDelivery();
  void deliverEnded();
  void deliver(Exchange& ex, const SmtpResult& r);
  void deliver(Reach& r, const ReachResult& res);
  template <class Done, class Result>
  void call(const Done& done, const Result& result, std::uint64_t& finished, std::string_view what,
            const Endpoint& address);

  // ---- libuv callbacks
  static void allocCallback(uv_handle_t* h, size_t, uv_buf_t* buf);
  static void readCallback(uv_stream_t* s, ssize_t nread, const uv_buf_t*);
  static void writeCallback(uv_write_t* req, int status);

  uv_loop_t* loop_;
  SmtpProberOptions options_;
  servers::TrustStore trust_;
  std::shared_ptr<SSL_CTX> tls_ctx_;
  uv::UvPtr<uv_timer_t> defer_timer_;
  std::unordered_map<Exchange*, std::unique_ptr<Exchange>> exchanges_;
  std::unordered_map<Reach*, std::unique_ptr<Reach>> reaches_;
  SmtpProberCounters counters_;
  // Expires when the prober is destroyed: a `done` callback may do that, and the code
  // that called it must then touch nothing. Declared last: destroyed first.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

SmtpProber::Impl::Impl(uv_loop_t* loop, SmtpProberOptions options)
    : loop_(loop),
      options_(std::move(options)),
      trust_(options_.ca_file),
      tls_ctx_(net::makeTlsClientContext()) {
  auto* t = uv::allocHandle<uv_timer_t>();
  if (const int rc = uv_timer_init(loop_, t); rc != 0) {
    uv::discardUninitialised(t);
    throw std::runtime_error(std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  defer_timer_.reset(t);
  defer_timer_->data = this;
}

SmtpProber::Impl::~Impl() {
  // No callbacks: closing the handles (UvPtr) clears their `data`, so the callbacks
  // libuv still owes (connect and write requests, cancelled) find nobody.
  exchanges_.clear();
  reaches_.clear();
}

// ---- starting

std::string SmtpProber::Impl::invalidField(const SmtpRequest& rq) const {
  if (!servers::validHostName(rq.helo_name)) return "invalid helo_name '" + printable(rq.helo_name) + "'";
  if (!validRecipient(rq.recipient)) return "invalid recipient '" + printable(rq.recipient) + "'";
  if (!rq.relay_check_recipient.empty() && !validRecipient(rq.relay_check_recipient)) {
    return "invalid relay_check_recipient '" + printable(rq.relay_check_recipient) + "'";
  }
  // tls_name may stay empty only when TLS is never tried.
  if ((rq.starttls || !rq.tls_name.empty()) && !servers::validHostName(rq.tls_name)) {
    return "invalid tls_name '" + printable(rq.tls_name) + "'";
  }
  return {};
}

void SmtpProber::Impl::ask(SmtpRequest request, std::function<void(const SmtpResult&)> done) {
  auto owned = std::make_unique<Exchange>();
  Exchange& ex = *owned;
  ex.owner = this;
  ex.request = std::move(request);
  for (std::string* name : {&ex.request.tls_name, &ex.request.helo_name}) {
    if (!name->empty() && name->back() == '.') name->pop_back();  // absolute form: same name
  }
  ex.done = std::move(done);
  ex.started = SteadyClock::now();
  exchanges_.emplace(&ex, std::move(owned));
  ++counters_.exchanges_started;
  try {
    start(ex);
  } catch (...) {  // std::bad_alloc: the exchange never existed, `done` is never called
    exchanges_.erase(&ex);
    --counters_.exchanges_started;
    throw;
  }
}

void SmtpProber::Impl::start(Exchange& ex) {
  if (std::string why = invalidField(ex.request); !why.empty())
    return end(ex, SmtpOutcome::Error, std::move(why));

  auto* timer = uv::allocHandle<uv_timer_t>();
  if (const int rc = uv_timer_init(loop_, timer); rc != 0) {
    uv::discardUninitialised(timer);
    return end(ex, SmtpOutcome::Error, std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  ex.timer.reset(timer);
  ex.timer->data = &ex;
  auto* tcp = uv::allocHandle<uv_tcp_t>();
  if (const int rc = uv_tcp_init(loop_, tcp); rc != 0) {
    uv::discardUninitialised(tcp);
    return end(ex, SmtpOutcome::Error, std::string("uv_tcp_init: ") + uv_strerror(rc));
  }
  ex.tcp.reset(tcp);
  ex.tcp->data = &ex;
  uv_tcp_nodelay(ex.tcp.get(), 1);  // one command per reply: no reason to wait for Nagle

  uv_update_time(loop_);  // the deadline counts from now, not from the start of this loop turn
  uv_timer_start(
      ex.timer.get(),
      [](uv_timer_t* t) {
        if (auto* e = static_cast<Exchange*>(t->data)) guardedExchange(*e, [e] { e->owner->onTimeout(*e); });
      },
      timerMs(options_.timeout), 0);

  socklen_t len = 0;
  const sockaddr_storage ss = ex.request.address.sockaddr(len);
  // Freed in its callback, which libuv always calls (with UV_ECANCELED when the handle
  // is closed first); the handle's `data` says whether the exchange is still there.
  auto* req = new uv_connect_t{};
  const int rc = uv_tcp_connect(req, ex.tcp.get(), reinterpret_cast<const sockaddr*>(&ss),
                                [](uv_connect_t* r, int status) {
                                  auto* e = static_cast<Exchange*>(r->handle->data);
                                  delete r;
                                  if (e != nullptr)
                                    guardedExchange(*e, [e, status] { e->owner->onConnected(*e, status); });
                                });
  if (rc != 0) {
    delete req;
    return end(ex, SmtpOutcome::ConnectFailed, uv_strerror(rc));
  }
}

// ---- ending

void SmtpProber::Impl::failInternally(Exchange& ex, const char* what) {
  log::error("smtp probe: internal error", {{"address", ex.request.address.toString()}, {"err", what}});
  end(ex, SmtpOutcome::Error, std::string("internal error: ") + what);
}

void SmtpProber::Impl::end(Exchange& ex, SmtpOutcome outcome, std::string error) {
  if (ex.ended) return;
  ex.ended = true;
  ex.result.outcome = outcome;
  ex.result.error = std::move(error);
  ex.result.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - ex.started);
  ex.tcp.reset();  // uv_close; pending writes are cancelled, their callbacks find nobody
  ex.timer.reset();
  ex.tls.reset();
  scheduleDelivery();
}

void SmtpProber::Impl::failOrComplete(Exchange& ex, SmtpOutcome outcome, std::string error) {
  if (inGoodbye(ex)) return endCompleted(ex);
  end(ex, outcome, std::move(error));
}

void SmtpProber::Impl::onTimeout(Exchange& ex) {
  if (ex.ended) return;
  failOrComplete(ex, SmtpOutcome::Timeout,
                 "no answer within " + durationText(options_.timeout) + " (at " +
                     std::string(toString(ex.result.stage)) + ")");
}

// ---- the dialogue

void SmtpProber::Impl::onConnected(Exchange& ex, int status) {
  if (ex.ended) return;
  if (status != 0) return end(ex, SmtpOutcome::ConnectFailed, uv_strerror(status));
  ex.step = Step::Banner;
  ex.result.stage = SmtpStage::Banner;
  if (const int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(ex.tcp.get()), &Impl::allocCallback,
                                   &Impl::readCallback);
      rc != 0) {
    return end(ex, SmtpOutcome::Error, std::string("uv_read_start: ") + uv_strerror(rc));
  }
}

void SmtpProber::Impl::allocCallback(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* ex = static_cast<Exchange*>(h->data);
  if (ex == nullptr) {
    *buf = uv_buf_init(nullptr, 0);  // libuv reports UV_ENOBUFS; the handle is closing anyway
    return;
  }
  *buf = uv_buf_init(ex->readbuf.data(), static_cast<unsigned int>(ex->readbuf.size()));
}

void SmtpProber::Impl::readCallback(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* ex = static_cast<Exchange*>(s->data);
  if (ex == nullptr || nread == 0) return;
  guardedExchange(*ex, [ex, nread] {
    if (nread > 0) {
      ex->owner->onBytes(*ex, ex->readbuf.data(), static_cast<std::size_t>(nread));
    } else {
      ex->owner->onEnd(*ex, static_cast<int>(nread));
    }
  });
}

void SmtpProber::Impl::writeCallback(uv_write_t* req, int status) {
  std::unique_ptr<WriteReq> w(static_cast<WriteReq*>(req->data));
  auto* ex = static_cast<Exchange*>(req->handle->data);
  if (ex == nullptr || status == 0 || status == UV_ECANCELED) return;
  guardedExchange(*ex, [ex, status] { ex->owner->onEnd(*ex, status); });
}

void SmtpProber::Impl::onEnd(Exchange& ex, int status) {
  if (ex.ended) return;
  const std::string how = status == UV_EOF ? std::string("the server closed the connection")
                                           : std::string("connection error: ") + uv_strerror(status);
  if (ex.step == Step::Handshake) {
    if (ex.tls) {
      ex.tls->receiveEof();
      ex.tls->pump();
      judge(ex);
    }
    return end(ex, SmtpOutcome::TlsFailed, how + " during the TLS handshake");
  }
  failOrComplete(ex, SmtpOutcome::ProtocolError,
                 how + " (at " + std::string(toString(ex.result.stage)) + ")");
}

void SmtpProber::Impl::onBytes(Exchange& ex, const char* data, std::size_t n) {
  if (ex.ended) return;
  if (!ex.tls) {
    ex.reader.append(data, n);
    return processReplies(ex);
  }
  net::TlsClient& tls = *ex.tls;
  tls.receive(data, n);
  const net::TlsState state = tls.pump();
  writeRaw(ex, tls.takeCiphertext());
  if (ex.ended) return;
  switch (state) {
    case net::TlsState::Handshaking:
      return;
    case net::TlsState::Failed:
      if (ex.step == Step::Handshake) {
        judge(ex);
        return end(ex, SmtpOutcome::TlsFailed, "TLS handshake failed: " + tls.error());
      }
      return failOrComplete(ex, SmtpOutcome::ProtocolError, "TLS error: " + tls.error());
    case net::TlsState::Closed:
    case net::TlsState::Established:
      break;
  }
  const bool handshake_just_done = ex.step == Step::Handshake;
  if (handshake_just_done) {
    onHandshakeDone(ex);
    if (ex.ended) return;
  }
  const std::string plain = ex.tls->takePlaintext();
  if (handshake_just_done && !plain.empty()) {
    // Application data that came with the end of the handshake was sent before our EHLO.
    return failOrComplete(ex, SmtpOutcome::ProtocolError, "data inside TLS ahead of EHLO, right after the handshake");
  }
  ex.reader.append(plain.data(), plain.size());
  processReplies(ex);
  if (ex.ended) return;
  if (state == net::TlsState::Closed) {
    failOrComplete(ex, SmtpOutcome::ProtocolError,
                   "the server closed the TLS session (at " + std::string(toString(ex.result.stage)) + ")");
  }
}

void SmtpProber::Impl::processReplies(Exchange& ex) {
  while (!ex.ended && !(ex.step == Step::Handshake)) {
    Reply r;
    std::string why;
    switch (ex.reader.next(r, why)) {
      case ReplyReader::Status::NeedMore:
        return;
      case ReplyReader::Status::Malformed:
        return failOrComplete(ex, SmtpOutcome::ProtocolError, why);
      case ReplyReader::Status::Complete:
        onReply(ex, r);
        // We never pipeline: a command is sent only once the reply to the previous one is
        // complete, so bytes already buffered behind that reply were sent ahead of the
        // command they claim to answer (a repeated greeting, an injection). Taking them as
        // its reply would shift every reply by one (a MAIL 250 read as the RCPT reply).
        if (!ex.ended && ex.step != Step::Handshake && ex.reader.hasBufferedBytes()) {
          return failOrComplete(ex, SmtpOutcome::ProtocolError,
                                "a reply arrived ahead of the command it would answer (at " +
                                    std::string(toString(ex.result.stage)) + ")");
        }
        break;
    }
  }
}

void SmtpProber::Impl::refused(Exchange& ex, int code) {
  // 421: the server is closing the channel (RFC 5321 3.8), nothing more to say. Any
  // other refusal: QUIT, as a 554 banner still expects (RFC 5321 3.1).
  if (code == 421) return endCompleted(ex);
  command(ex, Step::Quit, std::nullopt, "QUIT");
}

void SmtpProber::Impl::onReply(Exchange& ex, const Reply& r) {
  const int cls = r.code / 100;
  const bool positive = cls == 2;
  const bool negative = cls == 4 || cls == 5;
  auto unexpected = [&](std::string_view to) {
    failOrComplete(ex, SmtpOutcome::ProtocolError,
                   "unexpected reply " + std::to_string(r.code) + " to " + std::string(to));
  };
  switch (ex.step) {
    case Step::Connecting:
    case Step::Handshake:
      return;  // not reading replies now
    case Step::Banner:
      ex.result.banner = summary(r);
      if (r.code == 220) return command(ex, Step::Ehlo, SmtpStage::Ehlo, "EHLO " + ex.request.helo_name);
      if (negative) return refused(ex, r.code);
      return unexpected("the connection (banner)");
    case Step::Ehlo:
      ex.result.ehlo = summary(r);
      if (positive && r.code != 250) return unexpected("EHLO");  // RFC 5321 4.3.2: 250 only
      if (positive) {
        ex.result.starttls_offered = offersStartTls(r);
        if (ex.result.starttls_offered && ex.request.starttls) {
          return command(ex, Step::StartTls, SmtpStage::StartTls, "STARTTLS");
        }
        return command(ex, Step::MailFrom, SmtpStage::MailFrom, "MAIL FROM:<>");
      }
      if (negative) return refused(ex, r.code);
      return unexpected("EHLO");
    case Step::StartTls:
      ex.result.starttls = summary(r);
      if (r.code == 220) {
        // RFC 3207 5: nothing may follow the 220 before the handshake; a server (or a
        // man in the middle) that sends more is injecting replies into the TLS session.
        if (ex.reader.hasBufferedBytes()) {
          return end(ex, SmtpOutcome::ProtocolError,
                     "bytes after the STARTTLS 220 reply, ahead of the TLS handshake");
        }
        return startTls(ex);
      }
      if (r.code == 421) return endCompleted(ex);
      // Refused (454 and the like): a sending MTA goes on without TLS, and so do we.
      if (negative) return command(ex, Step::MailFrom, SmtpStage::MailFrom, "MAIL FROM:<>");
      return unexpected("STARTTLS");
    case Step::EhloAfterTls:
      ex.result.ehlo = summary(r);
      if (positive && r.code != 250) return unexpected("EHLO");
      if (positive) return command(ex, Step::MailFrom, SmtpStage::MailFrom, "MAIL FROM:<>");
      if (negative) return refused(ex, r.code);
      return unexpected("EHLO");
    case Step::MailFrom:
      ex.result.mail_from = summary(r);
      if (positive && r.code != 250) return unexpected("MAIL FROM");
      if (positive)
        return command(ex, Step::RcptTo, SmtpStage::RcptTo, "RCPT TO:<" + ex.request.recipient + ">");
      if (negative) return refused(ex, r.code);
      return unexpected("MAIL FROM");
    case Step::RcptTo:
      // RFC 5321 4.3.2: 250 or 251 accept a recipient; any other 2xx is no acceptance.
      if ((!positive && !negative) || (positive && r.code != 250 && r.code != 251)) return unexpected("RCPT TO");
      ex.result.rcpt = summary(r);
      ex.result.stage = SmtpStage::Done;
      if (r.code == 421) return endCompleted(ex);
      // Accepted: does it accept another domain's recipient too (it relays for us, being
      // in its trusted networks)? Then its 250 says nothing about senders elsewhere.
      if (positive && !ex.request.relay_check_recipient.empty()) {
        return command(ex, Step::RcptRelay, std::nullopt, "RCPT TO:<" + ex.request.relay_check_recipient + ">");
      }
      return command(ex, Step::Rset, std::nullopt, "RSET");
    case Step::RcptRelay:
      if ((!positive && !negative) || (positive && r.code != 250 && r.code != 251)) return unexpected("RCPT TO");
      ex.result.relay_rcpt = summary(r);
      if (r.code == 421) return endCompleted(ex);
      return command(ex, Step::Rset, std::nullopt, "RSET");
    case Step::Rset:
      return command(ex, Step::Quit, std::nullopt, "QUIT");
    case Step::Quit:
      return endCompleted(ex);
  }
}

void SmtpProber::Impl::startTls(Exchange& ex) {
  ex.step = Step::Handshake;
  ex.result.stage = SmtpStage::TlsHandshake;
  ex.reader = ReplyReader{};
  try {
    ex.tls = std::make_unique<net::TlsClient>(tls_ctx_, ex.request.tls_name);
  } catch (const std::exception& e) {
    return end(ex, SmtpOutcome::Error, std::string("cannot start TLS: ") + e.what());
  }
  const net::TlsState state = ex.tls->pump();  // the ClientHello
  writeRaw(ex, ex.tls->takeCiphertext());
  if (ex.ended) return;
  if (state == net::TlsState::Failed)
    end(ex, SmtpOutcome::TlsFailed, "TLS handshake failed: " + ex.tls->error());
}

void SmtpProber::Impl::onHandshakeDone(Exchange& ex) {
  ex.result.tls = true;
  ex.result.tls_version = ex.tls->version();
  judge(ex);
  command(ex, Step::EhloAfterTls, SmtpStage::EhloAfterTls, "EHLO " + ex.request.helo_name);
}

void SmtpProber::Impl::judge(Exchange& ex) {
  if (!ex.tls || ex.result.cert) return;
  if (X509* leaf = ex.tls->peerCertificate()) {
    ex.result.cert = servers::judgeCertificate(leaf, ex.tls->peerChain(), trust_, ex.request.tls_name);
  }
}

void SmtpProber::Impl::command(Exchange& ex, Step step, std::optional<SmtpStage> stage,
                               const std::string& line) {
  ex.step = step;
  if (stage) ex.result.stage = *stage;
  std::string bytes = line + "\r\n";
  if (!ex.tls) return writeRaw(ex, std::move(bytes));
  ex.tls->send(bytes);
  const net::TlsState state = ex.tls->pump();
  writeRaw(ex, ex.tls->takeCiphertext());
  if (!ex.ended && state == net::TlsState::Failed) {
    failOrComplete(ex, SmtpOutcome::ProtocolError, "TLS error: " + ex.tls->error());
  }
}

void SmtpProber::Impl::writeRaw(Exchange& ex, std::string bytes) {
  if (ex.ended || bytes.empty()) return;
  auto w = std::make_unique<WriteReq>();
  w->bytes = std::move(bytes);
  w->req.data = w.get();
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned int>(w->bytes.size()));
  const int rc =
      uv_write(&w->req, reinterpret_cast<uv_stream_t*>(ex.tcp.get()), &buf, 1, &Impl::writeCallback);
  if (rc != 0)
    return failOrComplete(ex, SmtpOutcome::ProtocolError, std::string("write failed: ") + uv_strerror(rc));
  (void)w.release();  // freed by writeCallback
}

// ---- reaches

void SmtpProber::Impl::reach(Endpoint address, std::function<void(const ReachResult&)> done) {
  auto owned = std::make_unique<Reach>();
  Reach& r = *owned;
  r.owner = this;
  r.address = address;
  r.done = std::move(done);
  r.started = SteadyClock::now();
  reaches_.emplace(&r, std::move(owned));
  ++counters_.reaches_started;
  try {
    startReach(r);
  } catch (...) {  // std::bad_alloc: the reach never existed, `done` is never called
    reaches_.erase(&r);
    --counters_.reaches_started;
    throw;
  }
}

void SmtpProber::Impl::startReach(Reach& r) {
  auto* timer = uv::allocHandle<uv_timer_t>();
  if (const int rc = uv_timer_init(loop_, timer); rc != 0) {
    uv::discardUninitialised(timer);
    return endReach(r, ReachOutcome::Error, std::string("uv_timer_init: ") + uv_strerror(rc));
  }
  r.timer.reset(timer);
  r.timer->data = &r;
  auto* tcp = uv::allocHandle<uv_tcp_t>();
  if (const int rc = uv_tcp_init(loop_, tcp); rc != 0) {
    uv::discardUninitialised(tcp);
    return endReach(r, ReachOutcome::Error, std::string("uv_tcp_init: ") + uv_strerror(rc));
  }
  r.tcp.reset(tcp);
  r.tcp->data = &r;
  uv_update_time(loop_);
  uv_timer_start(
      r.timer.get(),
      [](uv_timer_t* t) {
        if (auto* me = static_cast<Reach*>(t->data)) {
          guarded([me] {
            me->owner->endReach(*me, ReachOutcome::Timeout,
                                "no connection within " + durationText(me->owner->options_.reach_timeout));
          });
        }
      },
      timerMs(options_.reach_timeout), 0);

  socklen_t len = 0;
  const sockaddr_storage ss = r.address.sockaddr(len);
  auto* req = new uv_connect_t{};  // freed in its callback (see start())
  const int rc = uv_tcp_connect(req, r.tcp.get(), reinterpret_cast<const sockaddr*>(&ss),
                                [](uv_connect_t* c, int status) {
                                  auto* me = static_cast<Reach*>(c->handle->data);
                                  delete c;
                                  if (me != nullptr)
                                    guarded([me, status] { me->owner->onReachConnected(*me, status); });
                                });
  if (rc != 0) {
    delete req;
    return endReach(r, rc == UV_ECONNREFUSED ? ReachOutcome::Refused : ReachOutcome::Error, uv_strerror(rc));
  }
}

void SmtpProber::Impl::onReachConnected(Reach& r, int status) {
  switch (status) {
    case 0:
      return endReach(r, ReachOutcome::Open, {});
    case UV_ECONNREFUSED:
      return endReach(r, ReachOutcome::Refused, uv_strerror(status));
    case UV_ETIMEDOUT:
      return endReach(r, ReachOutcome::Timeout, uv_strerror(status));
    default:
      return endReach(r, ReachOutcome::Error, uv_strerror(status));
  }
}

void SmtpProber::Impl::endReach(Reach& r, ReachOutcome outcome, std::string error) {
  if (r.ended) return;
  r.ended = true;
  r.result.outcome = outcome;
  r.result.error = std::move(error);
  r.result.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - r.started);
  r.tcp.reset();  // nothing was sent: closing is all there is to do
  r.timer.reset();
  scheduleDelivery();
}

// ---- delivery

void SmtpProber::Impl::scheduleDelivery() {
  uv_timer_start(
      defer_timer_.get(),
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Impl*>(t->data)) guarded([self] { self->deliverEnded(); });
      },
      0, 0);
}

// Calls `done` for everything that has ended, on a fresh turn of the loop: never from
// within ask()/reach(), and never from deep inside the dialogue code, which may then go
// on touching the exchange.
void SmtpProber::Impl::deliverEnded() {
  // One at a time, each taken out of the map just before its `done`: what a callback
  // sees (inFlight(), cancelAll()) is always exact.
  const std::weak_ptr<int> alive = alive_;
  for (;;) {
    const auto ex_it = std::find_if(exchanges_.begin(), exchanges_.end(),
                                    [](const auto& entry) { return entry.second->ended; });
    if (ex_it != exchanges_.end()) {
      const std::unique_ptr<Exchange> ex = std::move(ex_it->second);
      exchanges_.erase(ex_it);
      deliver(*ex, ex->result);
      if (alive.expired()) return;
      continue;
    }
    const auto r_it =
        std::find_if(reaches_.begin(), reaches_.end(), [](const auto& entry) { return entry.second->ended; });
    if (r_it == reaches_.end()) return;
    const std::unique_ptr<Reach> r = std::move(r_it->second);
    reaches_.erase(r_it);
    deliver(*r, r->result);
    if (alive.expired()) return;
  }
}

void SmtpProber::Impl::cancelAll() {
  std::vector<std::unique_ptr<Exchange>> exchanges;
  exchanges.reserve(exchanges_.size());
  for (auto& [raw, ex] : exchanges_) exchanges.push_back(std::move(ex));
  exchanges_.clear();
  std::vector<std::unique_ptr<Reach>> reaches;
  reaches.reserve(reaches_.size());
  for (auto& [raw, r] : reaches_) reaches.push_back(std::move(r));
  reaches_.clear();
  // Close first: a callback that starts new work must not meet these handles.
  for (auto& ex : exchanges) {
    ex->tcp.reset();
    ex->timer.reset();
    ex->tls.reset();
  }
  for (auto& r : reaches) {
    r->tcp.reset();
    r->timer.reset();
  }
  const std::weak_ptr<int> alive = alive_;
  const auto now = SteadyClock::now();
  for (auto& ex : exchanges) {
    SmtpResult res = std::move(ex->result);
    res.outcome = SmtpOutcome::Error;
    res.error = "cancelled";
    res.elapsed = std::chrono::duration_cast<Duration>(now - ex->started);
    deliver(*ex, res);
    if (alive.expired()) return;
  }
  for (auto& r : reaches) {
    ReachResult res;
    res.outcome = ReachOutcome::Error;
    res.error = "cancelled";
    res.elapsed = std::chrono::duration_cast<Duration>(now - r->started);
    deliver(*r, res);
    if (alive.expired()) return;
  }
}

// Calls `done`, which may destroy *this: only the counters are touched afterwards, and
// only while *this lives.
template <class Done, class Result>
void SmtpProber::Impl::call(const Done& done, const Result& result, std::uint64_t& finished,
                            std::string_view what, const Endpoint& address) {
  ++finished;
  const std::weak_ptr<int> alive = alive_;
  std::optional<std::string> thrown;
  try {
    if (done) done(result);
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "unknown exception";
  }
  if (!thrown) return;
  log::error(what, {{"address", address.toString()}, {"err", *thrown}});
  if (!alive.expired()) ++counters_.callback_errors;
}

void SmtpProber::Impl::deliver(Exchange& ex, const SmtpResult& r) {
  call(ex.done, r, counters_.exchanges_finished, "smtp probe callback threw", ex.request.address);
}

void SmtpProber::Impl::deliver(Reach& r, const ReachResult& res) {
  call(r.done, res, counters_.reaches_finished, "smtp reach callback threw", r.address);
}

// ---------------------------------------------------------------- SmtpProber

SmtpProber::SmtpProber(uv_loop_t* loop, SmtpProberOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {}

SmtpProber::~SmtpProber() = default;

void SmtpProber::ask(SmtpRequest request, std::function<void(const SmtpResult&)> done) {
  impl_->ask(std::move(request), std::move(done));
}

void SmtpProber::reach(Endpoint address, std::function<void(const ReachResult&)> done) {
  impl_->reach(address, std::move(done));
}

void SmtpProber::cancelAll() { impl_->cancelAll(); }

std::size_t SmtpProber::inFlight() const { return impl_->inFlight(); }

const SmtpProberCounters& SmtpProber::counters() const { return impl_->counters(); }

}  // namespace dnsprop
