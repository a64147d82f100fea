#include "net/round_runner.h"

#include <algorithm>
#include <numeric>

namespace dnsprop {

struct RoundRunner::State {
  std::vector<ProbeTarget> targets;
  std::vector<std::chrono::nanoseconds> offsets;
  std::vector<std::size_t> order;  // indices sorted by offset
  std::size_t next = 0;            // next position in `order` to send
  std::size_t outstanding = 0;
  std::uint64_t start_ms = 0;      // uv_now at start
  ResultFn on_result;
  DoneFn on_done;
};

RoundRunner::RoundRunner(uv_loop_t* loop, ProbeEngine& engine) : loop_(loop), engine_(engine) {
  timer_.reset(uv::allocHandle<uv_timer_t>());
  uv_timer_init(loop_, timer_.get());
  timer_->data = this;
}

RoundRunner::~RoundRunner() = default;

bool RoundRunner::start(std::vector<ProbeTarget> targets, const RoundPlanOptions& plan,
                        ResultFn on_result, DoneFn on_done) {
  if (state_) return false;
  auto st = std::make_shared<State>();
  std::vector<std::string> keys;
  keys.reserve(targets.size());
  for (const auto& t : targets) keys.push_back(t.server.toString());
  st->offsets = planRound(keys, plan, random_);
  st->targets = std::move(targets);
  st->order.resize(st->targets.size());
  std::iota(st->order.begin(), st->order.end(), std::size_t{0});
  std::stable_sort(st->order.begin(), st->order.end(),
                   [&](std::size_t a, std::size_t b) { return st->offsets[a] < st->offsets[b]; });
  uv_update_time(loop_);
  st->start_ms = uv_now(loop_);
  st->on_result = std::move(on_result);
  st->on_done = std::move(on_done);
  state_ = std::move(st);
  if (state_->targets.empty()) {
    // Nothing to send: finish on the next loop iteration (never synchronously inside
    // start(), and never not at all, which would stall the caller's rounds).
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* t) {
          auto* self = static_cast<RoundRunner*>(t->data);
          if (self == nullptr || !self->state_) return;
          auto done = std::move(self->state_);
          if (done->on_done) done->on_done();
        },
        0, 0);
    return true;
  }
  dispatchDue();
  return true;
}

void RoundRunner::dispatchDue() {
  auto st = state_;
  if (!st) return;
  uv_update_time(loop_);
  const std::uint64_t elapsed_ms = uv_now(loop_) - st->start_ms;
  while (st->next < st->order.size()) {
    const std::size_t i = st->order[st->next];
    const auto due_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(st->offsets[i]).count());
    if (due_ms > elapsed_ms) {
      uv_timer_start(
          timer_.get(),
          [](uv_timer_t* t) {
            if (auto* self = static_cast<RoundRunner*>(t->data)) self->dispatchDue();
          },
          due_ms - elapsed_ms, 0);
      return;
    }
    ++st->next;
    ++st->outstanding;
    std::weak_ptr<State> weak = st;
    RoundRunner* self = this;
    engine_.probe({st->targets[i].query, st->targets[i].server},
                  [weak, self, i](const dns::Observation& o) {
                    auto s = weak.lock();
                    if (!s) return;  // the runner went away
                    --s->outstanding;
                    // Book-keeping first: a throwing on_result must not stall the round.
                    const bool last = s->next == s->order.size() && s->outstanding == 0 &&
                                      self->state_ == s;
                    if (last) self->state_.reset();
                    try {
                      if (s->on_result) s->on_result(i, o);
                    } catch (...) {
                      if (last && s->on_done) s->on_done();
                      throw;  // the engine catches, logs and counts it
                    }
                    if (last && s->on_done) s->on_done();
                  });
    if (!state_) return;  // the round finished synchronously inside probe()
  }
}

}  // namespace dnsprop
