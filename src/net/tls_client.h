// A client-side TLS session as a pure byte pump: OpenSSL runs the protocol over a pair
// of memory BIOs, and the caller moves the bytes. Nothing here touches a socket, a loop
// or a clock, so the same object carries STARTTLS for SMTP (servers/smtp_probe.cc) and
// DNS over TLS (RFC 7858) on a libuv stream, or two sessions wired to each other in a test.
//
//   TlsClient tls(ctx, "mx.example.jp");
//   tls.pump();                        // makes the ClientHello
//   write(tls.takeCiphertext());       // to the socket
//   ... on bytes from the socket:
//   tls.receive(bytes); tls.pump();
//   write(tls.takeCiphertext());       // handshake replies, or our application data
//   use(tls.takePlaintext());          // application data from the server
//   if (tls.state() == TlsState::Failed) ... tls.error()
// Plaintext given to send() before the handshake is done is kept and encrypted once it
// is done (for DNS over TLS: the query can be queued at once).
//
// Certificates are not verified here: the context made by makeTlsClientContext() sets
// SSL_VERIFY_NONE, so a self-signed or wrong-name certificate never stops a handshake;
// the caller judges peerCertificate()/peerChain() itself (servers/cert_judge.h). A caller
// that wants OpenSSL to verify may make its own SSL_CTX (SSL_VERIFY_PEER) and pass it in.
//
// Ownership: the SSL_CTX is shared (std::shared_ptr): every session keeps its context
// alive. A TlsClient owns its SSL and both BIOs and frees them when destroyed.
// Threading: one TlsClient is used by one thread at a time. A context may be shared by
// sessions on several threads once it is set up (OpenSSL allows that); do not change its
// settings while sessions use it. OpenSSL's error queue is per thread: every call that
// runs OpenSSL (the constructor, receive(), pump()) clears it before and after its work.
// Exceptions: makeTlsClientContext() and the constructor throw std::runtime_error when
// OpenSSL cannot make the objects; every other member is noexcept (a failure shows as
// state() == Failed with error()).
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace dnsprop::net {

// A client context: TLS 1.2 at least (SSL_CTX_set_min_proto_version), no certificate
// verification (SSL_VERIFY_NONE, see above), no session cache (every handshake presents
// the certificate). Throws std::runtime_error with OpenSSL's reason.
std::shared_ptr<SSL_CTX> makeTlsClientContext();

enum class TlsState {
  Handshaking,  // the handshake is under way (also before the first pump())
  Established,  // application data flows both ways
  Closed,       // the peer sent close_notify (plaintext received before it is still there)
  Failed,       // a TLS error (handshake or record layer), or the transport ended (receiveEof)
};
// "handshaking" "established" "closed" "failed"
std::string_view toString(TlsState s);

class TlsClient {
 public:
  // `server_name` goes into SNI; empty, or an IP literal (RFC 6066 forbids those in SNI),
  // sends none. Throws std::runtime_error when SSL_new or the BIOs cannot be made,
  // std::invalid_argument for a null context.
  TlsClient(std::shared_ptr<SSL_CTX> ctx, std::string_view server_name);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Ciphertext from the peer, in order. Only stored; pump() processes it.
  void receive(const char* data, std::size_t n) noexcept;
  void receive(std::string_view data) noexcept { receive(data.data(), data.size()); }
  // The transport has ended (TCP FIN or error): the next pump() fails a session that is
  // not already Closed or Failed, because no more bytes will come.
  void receiveEof() noexcept;
  // Plaintext to send; encrypted by pump() once the handshake is done.
  void send(std::string_view plaintext) noexcept;
  // Sends close_notify on the next pump() (after any queued plaintext). The session
  // stays usable for reading until the peer closes.
  void close() noexcept;

  // Runs OpenSSL on what was received and queued: handshake steps, encrypting queued
  // plaintext, decrypting received records. Returns state(). Call after receive(),
  // send() or close(), then collect takeCiphertext() and takePlaintext().
  TlsState pump() noexcept;

  // Ciphertext for the peer, produced since the last call.
  std::string takeCiphertext() noexcept;
  // Plaintext from the peer, decrypted since the last call.
  std::string takePlaintext() noexcept;

  TlsState state() const noexcept { return state_; }
  // Why the session failed (OpenSSL's reason text), empty otherwise.
  const std::string& error() const noexcept { return error_; }
  // The negotiated protocol ("TLSv1.3") once the handshake is done; empty before.
  std::string version() const;
  // The server's certificate as presented (depth 0), or null; owned by the session,
  // valid while it lives. May be set after a failed handshake.
  X509* peerCertificate() const noexcept;
  // The certificates the server sent, the leaf first (client side: SSL_get_peer_cert_chain),
  // or null; owned by the session.
  STACK_OF(X509) * peerChain() const noexcept;
  // The underlying SSL, for what this class does not wrap (ALPN results, ciphers).
  SSL* native() const noexcept { return ssl_.get(); }

 private:
  void fail(std::string why) noexcept;
  void drainOutput() noexcept;
  void readPlaintext() noexcept;
  void writePlaintext() noexcept;

  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };

  std::shared_ptr<SSL_CTX> ctx_;
  std::unique_ptr<SSL, SslFree> ssl_;  // owns both BIOs (SSL_set_bio)
  BIO* rbio_ = nullptr;                // ciphertext from the peer (owned by ssl_)
  BIO* wbio_ = nullptr;                // ciphertext to the peer (owned by ssl_)
  TlsState state_ = TlsState::Handshaking;
  std::string error_;
  std::string pending_plain_;  // send() data not yet taken by SSL_write
  std::string out_cipher_;
  std::string in_plain_;
  bool eof_ = false;
  bool close_requested_ = false;
  bool close_sent_ = false;
};

}  // namespace dnsprop::net
