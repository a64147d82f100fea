// PRIVATE to tests/support/*.cc: the one place the test helpers include ldns, with RAII
// owners for its objects. Do not include from headers that tests include: ldns defines
// macros (bool/true/false unless <stdbool.h> came first) and pollutes the namespace.
#pragma once

#include <stdbool.h>  // must precede ldns: see BUILD-NOTES.md
#include <ldns/ldns.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace dnsprop::test::ldns {

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RrDeleter {
  void operator()(ldns_rr* p) const { ldns_rr_free(p); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* p) const { ldns_rdf_deep_free(p); }
};
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktDeleter>;
using Rr = std::unique_ptr<ldns_rr, RrDeleter>;
using Rdf = std::unique_ptr<ldns_rdf, RdfDeleter>;
using CString = std::unique_ptr<char, FreeDeleter>;

// Parses wire bytes; null when ldns rejects them.
inline Pkt fromWire(const std::vector<std::uint8_t>& wire) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Pkt(raw);
}

// Serialises a packet; empty on failure.
inline std::vector<std::uint8_t> toWire(const ldns_pkt* pkt) {
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&raw, pkt, &size) != LDNS_STATUS_OK) return {};
  std::unique_ptr<std::uint8_t, FreeDeleter> owner(raw);
  return std::vector<std::uint8_t>(raw, raw + size);
}

// ldns string conversions return malloc'ed strings (null on failure).
inline std::string take(char* s) {
  CString owner(s);
  return s != nullptr ? std::string(s) : std::string();
}

}  // namespace dnsprop::test::ldns
