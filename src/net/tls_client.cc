#include "net/tls_client.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <climits>
#include <new>
#include <stdexcept>
#include <utility>

namespace dnsprop::net {
namespace {

// The reason of the first error OpenSSL queued on this thread (the root cause; later
// entries say where it was noticed), and empties the queue.
std::string takeOpensslError(std::string_view fallback) {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return std::string(fallback);
  if (const char* reason = ERR_reason_error_string(first)) return reason;
  std::array<char, 256> buf{};
  ERR_error_string_n(first, buf.data(), buf.size());
  return buf.data();
}

bool isIpLiteral(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::shared_ptr<SSL_CTX> makeTlsClientContext() {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), [](SSL_CTX* c) { SSL_CTX_free(c); });
  if (!ctx) throw std::runtime_error("SSL_CTX_new: " + takeOpensslError("failed"));
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    throw std::runtime_error("cannot require TLS 1.2: " + takeOpensslError("failed"));
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  // No resumption: a resumed session presents no certificate to judge.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  ERR_clear_error();
  return ctx;
}

std::string_view toString(TlsState s) {
  switch (s) {
    case TlsState::Handshaking:
      return "handshaking";
    case TlsState::Established:
      return "established";
    case TlsState::Closed:
      return "closed";
    case TlsState::Failed:
      return "failed";
  }
  return "failed";
}

TlsClient::TlsClient(std::shared_ptr<SSL_CTX> ctx, std::string_view server_name) : ctx_(std::move(ctx)) {
  if (!ctx_) throw std::invalid_argument("TlsClient: no SSL_CTX");
  ERR_clear_error();
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_) throw std::runtime_error("SSL_new: " + takeOpensslError("failed"));
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (rbio_ == nullptr || wbio_ == nullptr) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    rbio_ = wbio_ = nullptr;
    throw std::runtime_error("BIO_new: " + takeOpensslError("failed"));
  }
  // An empty read BIO means "more to come" (retry), not end of stream, until receiveEof().
  BIO_set_mem_eof_return(rbio_, -1);
  SSL_set_bio(ssl_.get(), rbio_, wbio_);  // ssl_ owns both from here
  SSL_set_connect_state(ssl_.get());
  const std::string name(server_name);
  if (!name.empty() && !isIpLiteral(name)) {
    if (SSL_set_tlsext_host_name(ssl_.get(), name.c_str()) != 1) {
      throw std::runtime_error("cannot set SNI '" + name + "': " + takeOpensslError("failed"));
    }
  }
  ERR_clear_error();
}

TlsClient::~TlsClient() = default;

void TlsClient::fail(std::string why) noexcept {
  if (state_ == TlsState::Failed) return;
  state_ = TlsState::Failed;
  error_ = std::move(why);
}

void TlsClient::receive(const char* data, std::size_t n) noexcept {
  if (state_ == TlsState::Failed || eof_) return;
  while (n > 0) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
    const int w = BIO_write(rbio_, data, chunk);
    if (w <= 0) {
      ERR_clear_error();
      fail("cannot buffer received bytes");
      return;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

void TlsClient::receiveEof() noexcept {
  eof_ = true;
  BIO_set_mem_eof_return(rbio_, 0);  // an empty read BIO now reads as end of stream
}

void TlsClient::send(std::string_view plaintext) noexcept {
  if (state_ == TlsState::Failed) return;
  try {
    pending_plain_.append(plaintext);
  } catch (const std::bad_alloc&) {
    fail("out of memory");
  }
}

void TlsClient::close() noexcept { close_requested_ = true; }

TlsState TlsClient::pump() noexcept {
  ERR_clear_error();
  if (state_ == TlsState::Handshaking) {
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
      state_ = TlsState::Established;
    } else {
      const int err = SSL_get_error(ssl_.get(), rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        fail(takeOpensslError(eof_ ? "connection closed during the handshake" : "handshake failed"));
      } else if (eof_) {
        fail("connection closed during the handshake");
      }
    }
  }
  if (state_ == TlsState::Established) writePlaintext();
  if (state_ == TlsState::Established) readPlaintext();
  if (state_ == TlsState::Established && close_requested_ && !close_sent_ && pending_plain_.empty()) {
    SSL_shutdown(ssl_.get());  // queues close_notify; the peer's is read by readPlaintext
    close_sent_ = true;
  }
  drainOutput();  // also after a failure: the alert OpenSSL made goes to the peer
  ERR_clear_error();
  return state_;
}

void TlsClient::writePlaintext() noexcept {
  std::size_t done = 0;
  while (done < pending_plain_.size()) {
    const int chunk = static_cast<int>(std::min<std::size_t>(pending_plain_.size() - done, 1 << 16));
    const int w = SSL_write(ssl_.get(), pending_plain_.data() + done, chunk);
    if (w <= 0) {
      const int err = SSL_get_error(ssl_.get(), w);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;  // renegotiation-like waits
      fail(takeOpensslError("write failed"));
      return;
    }
    done += static_cast<std::size_t>(w);
  }
  pending_plain_.erase(0, done);
}

void TlsClient::readPlaintext() noexcept {
  std::array<char, 16384> buf;
  for (;;) {
    const int r = SSL_read(ssl_.get(), buf.data(), static_cast<int>(buf.size()));
    if (r > 0) {
      try {
        in_plain_.append(buf.data(), static_cast<std::size_t>(r));
      } catch (const std::bad_alloc&) {
        fail("out of memory");
        return;
      }
      continue;
    }
    const int err = SSL_get_error(ssl_.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (eof_) fail("connection closed without close_notify");
      return;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = TlsState::Closed;
      return;
    }
    fail(takeOpensslError(eof_ ? "connection closed without close_notify" : "read failed"));
    return;
  }
}

void TlsClient::drainOutput() noexcept {
  char* data = nullptr;
  const long n = BIO_get_mem_data(wbio_, &data);
  if (n <= 0) return;
  try {
    out_cipher_.append(data, static_cast<std::size_t>(n));
  } catch (const std::bad_alloc&) {
    fail("out of memory");
    return;
  }
  (void)BIO_reset(wbio_);
}

std::string TlsClient::takeCiphertext() noexcept { return std::exchange(out_cipher_, std::string()); }

std::string TlsClient::takePlaintext() noexcept { return std::exchange(in_plain_, std::string()); }

std::string TlsClient::version() const {
  if (state_ == TlsState::Handshaking) return {};
  if (SSL_is_init_finished(ssl_.get()) != 1) return {};
  return SSL_get_version(ssl_.get());
}

X509* TlsClient::peerCertificate() const noexcept { return SSL_get0_peer_certificate(ssl_.get()); }

STACK_OF(X509) * TlsClient::peerChain() const noexcept { return SSL_get_peer_cert_chain(ssl_.get()); }

}  // namespace dnsprop::net
