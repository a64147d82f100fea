#include "net/uv_handle.h"

#include <stdexcept>
#include <string>

namespace dnsprop::uv {

Loop::Loop() {
  if (int rc = uv_loop_init(&loop_); rc != 0) {
    throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
}

Loop::~Loop() {
  // Let pending close callbacks run so every handle's memory is released.
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (uv_is_closing(h) == 0) uv_close(h, nullptr);  // leaked owner: close, memory lost
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

}  // namespace dnsprop::uv
