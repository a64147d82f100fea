// RAII for libuv handles, the uvw way: a handle is allocated on the heap, closed
// explicitly with uv_close, and freed in the close callback, never in a destructor
// while libuv may still reference it. UvPtr<T> owns such a handle: destroying or
// resetting it starts the close; the memory goes when libuv says it is done.
// Loop-thread only.
#pragma once

#include <uv.h>

#include <memory>

namespace dnsprop::uv {

template <class T>
struct HandleCloser {
  void operator()(T* h) const {
    auto* base = reinterpret_cast<uv_handle_t*>(h);
    base->data = nullptr;  // no callback may reach its former owner any more
    if (uv_is_closing(base) == 0) {
      uv_close(base, [](uv_handle_t* closed) { delete reinterpret_cast<T*>(closed); });
    }
  }
};

template <class T>
using UvPtr = std::unique_ptr<T, HandleCloser<T>>;

// Allocates a handle; the caller initialises it with uv_*_init. If init fails the
// handle must be released with `discardUninitialised` (uv_close needs an initialised handle).
template <class T>
T* allocHandle() {
  return new T{};
}
template <class T>
void discardUninitialised(T* h) {
  delete h;
}

// Owns a uv_loop_t; closes it (after running it until all handles are closed).
class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  uv_loop_t* get() { return &loop_; }

 private:
  uv_loop_t loop_{};
};

}  // namespace dnsprop::uv
