// Runs one round of probes on the loop: sends each at its planned offset (round_plan.h)
// through the ProbeEngine and reports each result, then completion.
// Loop-thread only. The runner must outlive the round (it owns the timer); destroying
// it mid-round stops sending further probes (results of probes already sent are still
// delivered to the engine's callbacks, which then do nothing).
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <vector>

#include "net/probe_engine.h"
#include "net/round_plan.h"
#include "net/uv_handle.h"

namespace dnsprop {

struct ProbeTarget {
  const dns::QueryTemplate* query = nullptr;  // not owned; must outlive the round
  Endpoint server;
};

class RoundRunner {
 public:
  using ResultFn = std::function<void(std::size_t index, const dns::Observation&)>;
  using DoneFn = std::function<void()>;

  RoundRunner(uv_loop_t* loop, ProbeEngine& engine);
  ~RoundRunner();
  RoundRunner(const RoundRunner&) = delete;
  RoundRunner& operator=(const RoundRunner&) = delete;

  // Starts a round; a round already running is an error (returns false, nothing done).
  bool start(std::vector<ProbeTarget> targets, const RoundPlanOptions& plan, ResultFn on_result,
             DoneFn on_done);
  bool running() const { return state_ != nullptr; }

 private:
  struct State;
  void dispatchDue();

  uv_loop_t* loop_;
  ProbeEngine& engine_;
  SecureRandom random_;
  uv::UvPtr<uv_timer_t> timer_;
  std::shared_ptr<State> state_;  // shared with in-flight callbacks, which hold a weak_ptr
};

}  // namespace dnsprop
