// The ONLY place <ldns/ldns.h> is included, plus RAII owners for the ldns objects we create.
// ldns/common.h defines the macros bool/true/false unless <stdbool.h> came first, which
// breaks the C++ standard headers included after it (BUILD-NOTES "ldns in C++").
// Header-only, no state; the aliases are as thread-safe as the objects they own.
#pragma once

// clang-format off
#include <stdbool.h>
#include <ldns/ldns.h>
// clang-format on

#include <memory>

namespace dnsprop::dns {

// One deleter per ldns type: unique_ptr<T, Deleter> is the size of a plain pointer.
struct PktDeleter {
  void operator()(ldns_pkt* p) const noexcept { ldns_pkt_free(p); }
};
struct RrDeleter {
  void operator()(ldns_rr* p) const noexcept { ldns_rr_free(p); }
};
struct RrListDeleter {
  // Deep: frees the records in the list too.
  void operator()(ldns_rr_list* p) const noexcept { ldns_rr_list_deep_free(p); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* p) const noexcept { ldns_rdf_deep_free(p); }
};
struct BufferDeleter {
  void operator()(ldns_buffer* p) const noexcept { ldns_buffer_free(p); }
};
struct EdnsListDeleter {
  // Deep: frees the options too.
  void operator()(ldns_edns_option_list* p) const noexcept {
    ldns_edns_option_list_deep_free(p);
  }
};
struct EdnsOptionDeleter {
  void operator()(ldns_edns_option* p) const noexcept { ldns_edns_deep_free(p); }
};
// Memory that ldns hands out with malloc (ldns_pkt2wire, ldns_rdf2str, ...).
struct MallocDeleter {
  void operator()(void* p) const noexcept { free(p); }
};

using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfDeleter>;
using BufferPtr = std::unique_ptr<ldns_buffer, BufferDeleter>;
using EdnsListPtr = std::unique_ptr<ldns_edns_option_list, EdnsListDeleter>;
using EdnsOptionPtr = std::unique_ptr<ldns_edns_option, EdnsOptionDeleter>;
template <typename T>
using MallocPtr = std::unique_ptr<T, MallocDeleter>;

}  // namespace dnsprop::dns
