// Resolver catalogs: TOML files under resolvers/ (format in resolvers/README.md) read
// into plain ResolverInfo values, and the filters that pick resolvers out of them.
//
// Loading throws CatalogError (never anything else) with the position of the offending
// key or value, so users see `file:line:column: message`; call it at start-up, on reload
// or from the CLI. Everything else here is pure, never throws, and is thread-safe (no
// shared state).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/resolver.h"
#include "common/positioned_error.h"

namespace dnsprop {

class CatalogError : public PositionedError {
 public:
  using PositionedError::PositionedError;
};

// One catalog file. Value type.
struct Catalog {
  std::string name;                    // [catalog].name, [a-z0-9-]+
  std::string description;             // [catalog].description
  std::string updated;                 // [catalog].updated, "YYYY-MM" or "YYYY-MM-DD"; may be empty
  std::vector<ResolverInfo> resolvers; // in file order; each has `catalog` set to `name`
  std::filesystem::path source;        // the file it was read from (or the name given to parseCatalog)
};

// Reads and validates one catalog file. Throws CatalogError.
Catalog loadCatalog(const std::filesystem::path& file);

// Same, from text; `source_name` is used in error messages and as Catalog::source.
// Throws CatalogError.
Catalog parseCatalog(std::string_view text, const std::filesystem::path& source_name);

// Loads several catalogs and concatenates their resolvers in order. Resolver names must
// be unique across all of them (CatalogError at the second occurrence); the same address
// may appear in several catalogs (selectResolvers keeps the first).
std::vector<ResolverInfo> loadCatalogs(const std::vector<std::filesystem::path>& files);

// True when `r` passes every filter of `f` except the access rule (include_restricted).
bool matchesFilter(const ResolverInfo& r, const ResolverFilter& f);

// The resolvers of `all` that match `f`, in order. IspOnly/EncryptedOnly entries only when
// f.include_restricted. Entries with an endpoint (address and port) already selected are
// dropped, so the first catalog to list an address wins.
std::vector<ResolverInfo> selectResolvers(const std::vector<ResolverInfo>& all,
                                          const ResolverFilter& f);

// All *.toml files, sorted by name, in the first folder that exists of:
// $DNSPROP_RESOLVERS_DIR, ./resolvers, DNSPROP_DATADIR "/resolvers",
// <folder of /proc/self/exe>/../share/dnsprop/resolvers. Empty when none exists.
std::vector<std::filesystem::path> defaultCatalogPaths();

// Spellings used in catalog files (and JSON output).
std::string_view toString(ResolverAccess a);        // open | isp-only | encrypted-only
std::string_view toString(ResolverFiltering f);     // none | malware | ads | family | unknown
std::optional<ResolverAccess> parseResolverAccess(std::string_view text);
std::optional<ResolverFiltering> parseResolverFiltering(std::string_view text);

// The address as a catalog writes it: "192.0.2.1" / "2001:db8::1" for port 53,
// "192.0.2.1:5353" / "[2001:db8::1]:5353" otherwise.
std::string catalogAddress(const Endpoint& e);

}  // namespace dnsprop
