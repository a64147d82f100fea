// A scripted DNS server for fault tests (FAULTS.md): it listens on UDP and TCP on a
// loopback address and, for every query it receives, asks a user Script what to do:
// send these bytes (any bytes: spoofs, malformed packets, truncated answers), send them
// later, send them from another socket (another port or another 127.x address), send
// nothing, or close/reset a TCP connection. It counts what it received, per transport,
// so tests can assert "the client retried over TCP".
//
// Threads: the responder runs its own poll(2) thread, started by the constructor and
// stopped and joined by the destructor. The Script runs on that thread, one query at a
// time; it must not block for long (use Action::after for delays). Every public method
// is thread-safe.
//
// Example:
//   ScriptedResponder r([](const ReceivedQuery& q) -> Actions {
//     if (q.transport == Transport::Udp) return {Action::send(makeReply(q.bytes, 0, {}, {.tc = true}))};
//     return {Action::send(makeReply(q.bytes, 0, {q.qname + " 60 IN A 192.0.2.1"}))};
//   });
//   ... query r.endpoint() ...
//   BOOST_TEST(r.queryCount(Transport::Tcp) == 1u);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/endpoint.h"
#include "support/dns_client.h"  // Bytes, Millis, type/rcode constants

namespace dnsprop::test {

enum class Transport { Udp, Tcp };

// One query as the responder received it.
struct ReceivedQuery {
  Bytes bytes;                // exactly as received (without the TCP length prefix)
  Transport transport = Transport::Udp;
  Endpoint client;            // the sender's address and port
  std::uint64_t seq = 0;      // order of arrival over both transports, from 0
  std::uint16_t id = 0;       // first two bytes, even when the rest does not parse
  bool parsed = false;        // ldns accepted it and it has a question
  std::string qname;          // lower-case, absolute ("www.test."); empty unless parsed
  std::uint16_t qtype = 0;    // 0 unless parsed
  bool rd = false;
};

// One thing to do in answer to a query. Actions run in the order of their `after`
// (ties in list order); `after` counts from the query's arrival.
struct Action {
  enum class Kind {
    Send,      // send `bytes` (over TCP: with the 2-byte length prefix unless raw)
    CloseTcp,  // TCP only: close the connection (FIN)
    ResetTcp,  // TCP only: abort the connection (RST, via SO_LINGER 0)
  };
  Kind kind = Kind::Send;
  Bytes bytes;
  Millis after{0};
  // UDP only: which socket sends. 0 = the listening socket; i >= 1 = the i-th entry of
  // ResponderOptions::extra_sources (see ScriptedResponder::sourceEndpoint).
  std::size_t source = 0;
  bool tcp_framing = true;  // false: write `bytes` to the TCP stream as they are

  static Action send(Bytes b, Millis after = Millis(0));
  static Action sendFrom(std::size_t source, Bytes b, Millis after = Millis(0));
  static Action sendRawTcp(Bytes b, Millis after = Millis(0));
  static Action closeTcp(Millis after = Millis(0));
  static Action resetTcp(Millis after = Millis(0));
};
using Actions = std::vector<Action>;  // empty: drop the query (no answer at all)
using Script = std::function<Actions(const ReceivedQuery&)>;

struct ResponderOptions {
  std::string address = "127.0.0.1";  // loopback only
  std::uint16_t port = 0;              // 0: pick one free for both UDP and TCP
  bool udp = true;
  bool tcp = true;
  // Extra UDP sockets replies can come from: {address, port}; port 0 picks one. Use
  // {"127.0.0.1", 0} for "same address, another port" (with address 127.0.0.1) and
  // {"127.0.0.3", 0} for "another address".
  std::vector<std::pair<std::string, std::uint16_t>> extra_sources;
};

class ScriptedResponder {
 public:
  // Binds every socket, then starts the thread. Throws std::runtime_error when a socket
  // cannot be bound (message names the address and errno), std::invalid_argument for a
  // non-loopback address.
  explicit ScriptedResponder(Script script, ResponderOptions options = {});
  ~ScriptedResponder();  // stops the thread, closes every socket and connection
  ScriptedResponder(const ScriptedResponder&) = delete;
  ScriptedResponder& operator=(const ScriptedResponder&) = delete;

  // Where clients send queries (address and the bound port).
  Endpoint endpoint() const { return endpoint_; }
  // Address and port of reply source `source` (0 = endpoint()).
  Endpoint sourceEndpoint(std::size_t source) const;

  // Replaces the script; queries arriving afterwards use the new one.
  void setScript(Script script);

  std::size_t queryCount(Transport transport) const;
  std::size_t queryCount() const;        // both transports
  std::size_t tcpConnections() const;    // accepted so far
  std::vector<ReceivedQuery> queries() const;  // copies, in arrival order
  // Problems met on the thread: exceptions thrown by the script, send failures,
  // actions that do not fit the transport. Tests should usually assert this is empty.
  std::vector<std::string> errors() const;
  // Polls until at least `n` queries (both transports) have arrived.
  bool waitForQueries(std::size_t n, Millis deadline) const;

 private:
  struct Impl;
  void run();

  Endpoint endpoint_;
  std::vector<Endpoint> sources_;
  std::unique_ptr<Impl> impl_;  // sockets, connections, pending actions: thread-owned
  mutable std::mutex mutex_;    // guards script_, log_, errors_, tcp_accepted_
  Script script_;
  std::vector<ReceivedQuery> log_;
  std::vector<std::string> errors_;
  std::size_t tcp_accepted_ = 0;
  std::thread thread_;
};

// Options for makeReply.
struct ReplyOptions {
  bool aa = false;
  bool ra = true;
  bool tc = false;
  std::vector<std::string> authority;   // zone-file lines, as for answers
  std::vector<std::string> additional;
  // EDNS: nullopt = an OPT RR if the query had one or if ede/nsid is set; true/false force.
  std::optional<bool> edns;
  std::uint16_t edns_udp_size = 1232;
  std::optional<std::uint16_t> ede_code;  // RFC 8914 INFO-CODE, with ede_text
  std::string ede_text;
  std::optional<std::string> nsid;        // RFC 5001 NSID payload (raw bytes)
};

// A reply to `query` (same ID, opcode, RD and question; QR=1) with `rcode` (values above
// 15 go to the EDNS extended rcode) and answer records given as zone-file lines, e.g.
// "www.test. 300 IN A 192.0.2.1". Throws std::invalid_argument when the query does not
// parse or has no question, or when a record line does not parse (message names it).
Bytes makeReply(const Bytes& query, int rcode, const std::vector<std::string>& answers = {},
                const ReplyOptions& options = {});

// `bytes` with the DNS ID replaced (bytes shorter than 2 are returned unchanged).
Bytes patchId(Bytes bytes, std::uint16_t id);

}  // namespace dnsprop::test
