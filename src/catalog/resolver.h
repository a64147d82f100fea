// One entry of a resolver catalog (resolvers/*.toml, format in resolvers/README.md),
// and the filters a config or the CLI applies to catalogs. Plain values, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/endpoint.h"

namespace dnsprop {

// Who may use a resolver's plain port 53.
enum class ResolverAccess {
  Open,        // open to everyone on UDP/TCP 53
  IspOnly,     // only the operator's own customers (listed for reference; never probed unless asked)
  EncryptedOnly,  // DoT/DoH only: no plain port 53 for anyone (e.g. IIJ Public DNS)
};

enum class ResolverFiltering {
  None,       // answers as the DNS says
  Malware,    // blocks malware/phishing (may rewrite to NXDOMAIN or a block page)
  Ads,        // blocks advertising/tracking
  Family,     // adult-content filtering
  Unknown,
};

struct ResolverInfo {
  Endpoint endpoint;             // address and port (53 unless the catalog says otherwise)
  std::string name;              // short stable id, e.g. "google-1"; unique within the loaded set
  std::string operator_name;     // "Google Public DNS"
  std::string country;           // ISO 3166-1 alpha-2 of the operator or site, "JP"
  std::string continent;         // AF AN AS EU NA OC SA
  std::string region;            // region or city, free text ("Tokyo", "global anycast")
  bool anycast = false;
  ResolverFiltering filtering = ResolverFiltering::Unknown;
  bool dnssec_validating = false;
  ResolverAccess access = ResolverAccess::Open;
  std::string dot_name;          // DoT authentication name, empty if none
  std::string doh_url;           // DoH template, empty if none
  std::vector<std::string> tags;
  std::string source;            // where the facts come from (URL or document)
  std::string notes;
  std::string catalog;           // which catalog file it came from (filled in by the loader)
};

// A conjunction of filters; an empty list means "any". Matching of country,
// continent, operator and tag is case-insensitive.
struct ResolverFilter {
  std::vector<std::string> countries;
  std::vector<std::string> continents;
  std::vector<std::string> operators;   // substring match on operator_name
  std::vector<std::string> tags;        // resolver must carry at least one of these
  std::vector<std::string> names;       // exact resolver names
  std::optional<Endpoint::Family> family;  // only IPv4 or only IPv6
  bool include_restricted = false;      // also select IspOnly/EncryptedOnly entries
};

}  // namespace dnsprop
