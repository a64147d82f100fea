// The asynchronous probe engine: sends one query to one server and reports exactly one
// typed Observation, with everything FAULTS.md asks of "an answer that counts":
//  - a fresh UDP socket per attempt (kernel-randomised source port, connected so only the
//    server's address and port reach it) and a fresh ID from the kernel CSPRNG;
//  - every reply checked by dns::acceptReply; bad packets dropped, counted, and the wait
//    goes on until the deadline (F1-F4, FAULTS 8);
//  - TC=1 over UDP retried over TCP (F5); after a first acceptable UDP answer the socket
//    stays open for `conflict_window`, and a second, different acceptable answer means
//    on-path injection: neither is believed and the query is asked again over TCP (F17);
//  - bounded retries with exponential backoff (a failure that comes at once, such as
//    ICMP unreachable or a refused TCP connection, still waits out its attempt's timer
//    before the next attempt); network failures become typed outcomes (F6), never an
//    answer;
//  - a UDP reply larger than our advertised 1232 bytes is never used, but when it is
//    otherwise acceptable the probe goes to TCP as if it had TC=1.
// All I/O and timers run on the given libuv loop; ldns is only used by src/dns.
//
// Threading: everything, including the callbacks, happens on the loop thread. Not
// thread-safe. Exceptions: the constructor and probe() do not throw except
// std::bad_alloc; nothing thrown by a callback escapes into libuv (caught, logged,
// counted in counters().callback_errors).
#pragma once

#include <uv.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "common/clock.h"
#include "common/duration.h"
#include "common/endpoint.h"
#include "dns/acceptance.h"
#include "dns/observation.h"
#include "dns/query.h"
#include "net/random.h"

namespace dnsprop {

struct EngineOptions {
  Duration timeout = std::chrono::seconds(2);  // first attempt; doubles per retry (max 8x)
  int retries = 2;                              // attempts after the first
  bool tcp_only = false;                        // never use UDP
  // After the first acceptable UDP answer the socket keeps listening for a second,
  // conflicting one (F17) until the attempt's deadline, and at least this long. An
  // injector answers within milliseconds while a resolver's real answer may take
  // hundreds, so listening only briefly would let the forged one win.
  Duration conflict_window = std::chrono::milliseconds(50);
  // false: listen only for conflict_window (0 disables the check: benchmarks only).
  bool listen_until_deadline = true;
};

struct ProbeRequest {
  const dns::QueryTemplate* query = nullptr;  // not owned; must outlive the callback
  Endpoint server;
};

// Called once per probe, on the loop thread, with the final observation.
using ProbeCallback = std::function<void(const dns::Observation&)>;

// Counters the metrics layer reads (from the loop thread, or via a published snapshot).
struct EngineCounters {
  std::uint64_t probes_started = 0;
  std::uint64_t probes_finished = 0;
  std::uint64_t udp_sent = 0;
  std::uint64_t tcp_sent = 0;
  std::uint64_t truncated = 0;        // TC=1 replies that sent us to TCP
  std::uint64_t conflicts = 0;        // two different acceptable answers (F17)
  std::uint64_t network_errors = 0;   // per attempt
  std::uint64_t callback_errors = 0;  // exceptions thrown by a ProbeCallback
  // Dropped replies by dns::DropReason (index = enum value).
  std::array<std::uint64_t, 32> dropped{};
};

class ProbeEngine {
 public:
  ProbeEngine(uv_loop_t* loop, const Clock& clock, EngineOptions options);
  // Abandons probes still in flight: their callbacks are never called.
  ~ProbeEngine();
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  // Starts a probe. The callback runs exactly once, on the loop thread; it may run
  // before probe() returns when sending fails at once on every attempt.
  void probe(const ProbeRequest& request, ProbeCallback callback);

  std::size_t inFlight() const { return exchanges_.size(); }
  const EngineCounters& counters() const { return counters_; }
  const EngineOptions& options() const { return options_; }

  class Exchange;  // one probe's state machine (probe_engine.cc)

 private:
  friend class Exchange;
  void finish(Exchange* exchange);

  uv_loop_t* loop_;
  const Clock& clock_;
  EngineOptions options_;
  SecureRandom random_;
  EngineCounters counters_;
  std::unordered_map<Exchange*, std::unique_ptr<Exchange>> exchanges_;
  // One receive buffer for all sockets: the loop thread consumes each datagram before
  // the next allocation. 64 KiB so an oversize reply is seen whole and rejected.
  std::array<char, 65536> recv_buf_{};
};

}  // namespace dnsprop
